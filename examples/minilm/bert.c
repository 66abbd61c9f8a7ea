/* The encoder's steps; the linear layers and attention are sattn's, the element-wise steps
 * (embedding sum, LayerNorm, GELU, residuals) are plain loops over rows, split over the context's thread
 * count with OpenMP when the program is built with it (rows are independent: the same bits for any count). */
#include "bert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

/* A number from config.json, a flat JSON object: "key": value. */
static int config_number(const char *json, const char *key, double *value) {
    char quoted[96];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *p = strstr(json, quoted);
    if (!p) return 0;
    p += strlen(quoted);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p++ != ':') return 0;
    char *end;
    *value = strtod(p, &end);
    return end != p;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    rewind(f);
    if (n >= 0 && n < (1 << 20) && (s = malloc((size_t)n + 1)) && fread(s, 1, (size_t)n, f) == (size_t)n) {
        s[n] = 0;
    } else {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

void bert_free(bert_model *m) {
    if (!m) return;
    safetensors_close(m->weights);
    free(m);
}

/* Looks up "prefix.name" as an F32 tensor of the given shape; records the first failure in err. */
struct loader {
    const safetensors *st;
    char *err;
    size_t err_size;
    int failed;
};

static const float *tensor(struct loader *l, const char *name, size_t rows, size_t cols) {
    if (l->failed) return NULL;
    const size_t shape[2] = {rows, cols};
    const float *t = safetensors_f32(l->st, name, cols ? 2 : 1, shape, l->err, l->err_size);
    if (!t) l->failed = 1;
    return t;
}

bert_model *bert_load(const char *model_dir, char *err, size_t err_size) {
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", model_dir);
    char *config = read_text(path);
    if (!config) {
        snprintf(err, err_size, "%s: cannot read", path);
        return NULL;
    }
    double layers, hidden, heads, ffn, vocab, positions, eps;
    const int have = config_number(config, "num_hidden_layers", &layers) &&
                     config_number(config, "hidden_size", &hidden) &&
                     config_number(config, "num_attention_heads", &heads) &&
                     config_number(config, "intermediate_size", &ffn) && config_number(config, "vocab_size", &vocab) &&
                     config_number(config, "max_position_embeddings", &positions) &&
                     config_number(config, "layer_norm_eps", &eps);
    free(config);
    if (!have || layers < 1 || layers > BERT_MAX_LAYERS || hidden < 1 || heads < 1 || ffn < 1 || vocab < 1 ||
        positions < 2 || !(eps > 0) || (size_t)hidden % (size_t)heads) {
        snprintf(err, err_size, "%s: not a BERT configuration this program reads", path);
        return NULL;
    }
    bert_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    *m = (bert_model){.layers = (size_t)layers, .hidden = (size_t)hidden, .heads = (size_t)heads,
                      .ffn = (size_t)ffn, .vocab = (size_t)vocab, .max_positions = (size_t)positions,
                      .eps = (float)eps};
    snprintf(path, sizeof path, "%s/model.safetensors", model_dir);
    if (!(m->weights = safetensors_open(path, err, err_size))) {
        bert_free(m);
        return NULL;
    }
    struct loader l = {m->weights, err, err_size, 0};
    const size_t H = m->hidden, F = m->ffn;
    m->word = tensor(&l, "embeddings.word_embeddings.weight", m->vocab, H);
    m->position = tensor(&l, "embeddings.position_embeddings.weight", m->max_positions, H);
    m->token_type = tensor(&l, "embeddings.token_type_embeddings.weight", 2, H);
    m->emb_ln_w = tensor(&l, "embeddings.LayerNorm.weight", H, 0);
    m->emb_ln_b = tensor(&l, "embeddings.LayerNorm.bias", H, 0);
    for (size_t i = 0; i < m->layers; i++) {
        struct bert_layer *y = &m->layer[i];
        char n[128];
#define T(field, suffix, rows, cols)                                      \
    snprintf(n, sizeof n, "encoder.layer.%zu.%s", i, suffix);           \
    y->field = tensor(&l, n, rows, cols)
        T(w_q, "attention.self.query.weight", H, H);
        T(b_q, "attention.self.query.bias", H, 0);
        T(w_k, "attention.self.key.weight", H, H);
        T(b_k, "attention.self.key.bias", H, 0);
        T(w_v, "attention.self.value.weight", H, H);
        T(b_v, "attention.self.value.bias", H, 0);
        T(w_o, "attention.output.dense.weight", H, H);
        T(b_o, "attention.output.dense.bias", H, 0);
        T(ln1_w, "attention.output.LayerNorm.weight", H, 0);
        T(ln1_b, "attention.output.LayerNorm.bias", H, 0);
        T(w_up, "intermediate.dense.weight", F, H);
        T(b_up, "intermediate.dense.bias", F, 0);
        T(w_down, "output.dense.weight", H, F);
        T(b_down, "output.dense.bias", H, 0);
        T(ln2_w, "output.LayerNorm.weight", H, 0);
        T(ln2_b, "output.LayerNorm.bias", H, 0);
#undef T
    }
    if (l.failed) {
        bert_free(m);
        return NULL;
    }
    return m;
}

/* x[r] = LayerNorm(x[r] + add[r] + add_bias) for rows of n (add, add_bias NULL: not added); the mean and
 * variance in double. */
static void add_layer_norm(size_t rows, size_t n, float *x, const float *add, const float *add_bias, const float *w,
                           const float *b, float eps, int threads) {
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static)
#endif
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * n;
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++) {
            if (add) row[i] += add[r * n + i] + (add_bias ? add_bias[i] : 0.0f);
            mean += row[i];
        }
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) var += (row[i] - mean) * (row[i] - mean);
        const double inv = 1.0 / sqrt(var / (double)n + eps);
        for (size_t i = 0; i < n; i++) row[i] = (float)((row[i] - mean) * inv) * w[i] + b[i];
    }
}

/* c[rows, n] = a[rows, k] · wᵀ, w in PyTorch's [n, k] layout; the bias is added by the pass that reads c next
 * (one pass over c instead of two). */
static sattn_status matmul_t(sattn_context *ctx, size_t rows, size_t n, size_t k, const float *a, const float *w,
                             float *c) {
    return sattn_sgemm_ctx(ctx, SATTN_NOTRANS, SATTN_TRANS, rows, n, k, 1.0f, a, k, w, k, 0.0f, c, n, NULL, 0);
}

/* e^z for z <= 0 without libm, so that the GELU loop vectorises: z = n ln2 + r, |r| <= ln2 / 2, e^r by its
 * degree-6 Taylor polynomial (relative error below 2e-7), 2^n built in the exponent bits (0 below 2^-126).
 * n is rounded by adding and subtracting 1.5 * 2^23 (roundf is a libm call without SSE4.1); the clamp is on
 * the integer, as GCC does not vectorise this loop with a float clamp before the conversion. */
static inline float exp_nonpositive(float z) {
    const float n = (z * 1.44269504f + 12582912.0f) - 12582912.0f;
    const float r = (z - n * 0.693145752f) - n * 1.42860677e-6f; /* ln 2 in two parts */
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120, p = p * r + 1.0f / 24, p = p * r + 1.0f / 6, p = p * r + 0.5f, p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t k = (int32_t)n;
    k = k < -127 ? -127 : k;
    const int32_t bits = (k + 127) * (1 << 23);
    float two_n;
    memcpy(&two_n, &bits, sizeof two_n);
    return p * two_n;
}

/* erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), branch-free; GELU from it is within
 * 5e-7 of 0.5 x (1 + erf(x / sqrt 2)) in double for |x| < 12 (measured). */
static inline float erf_approx(float x) {
    const float a = __builtin_fabsf(x), t = 1.0f / (1.0f + 0.3275911f * a);
    const float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t +
                        0.254829592f) * t;
    const float y = 1.0f - poly * exp_nonpositive(-a * a);
    return __builtin_copysignf(y, x);
}

/* One row: row[i] = GELU(row[i] + bias[i]), BERT's GELU with erf: 0.5 x (1 + erf(x / sqrt 2)). On x86-64
 * Linux GCC and clang also compile it for AVX2 + FMA and pick that at load time (an ifunc), as the library's
 * kernels are picked at run time. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
static void bias_gelu_row(size_t n, float *restrict row, const float *restrict bias) {
    for (size_t i = 0; i < n; i++) {
        const float v = row[i] + bias[i];
        row[i] = 0.5f * v * (1.0f + erf_approx(v * 0.70710678118654752f));
    }
}

static void bias_gelu(size_t rows, size_t n, float *x, const float *bias, int threads) {
    (void)threads;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static)
#endif
    for (size_t r = 0; r < rows; r++) bias_gelu_row(n, x + r * n, bias);
}

sattn_status bert_encode(const bert_model *m, sattn_context *ctx, size_t batch, size_t seq, const int32_t *ids,
                         const int32_t *lens, float *hidden) {
    const size_t H = m->hidden, F = m->ffn, tokens = batch * seq;
    const int threads = sattn_context_get_num_threads(ctx);
    if (seq > m->max_positions) return SATTN_E_SHAPE;
    for (size_t t = 0; t < tokens; t++)
        if (ids[t] < 0 || (size_t)ids[t] >= m->vocab) return SATTN_E_ARG;
    sattn_self_attention_desc layer = {.batch = batch, .seq_len = seq, .d_model = H, .heads = m->heads,
                                       .head_dim = H / m->heads, .seq_lens = lens, .weights_transposed = 1};
    /* One workspace for every layer's attention; the layer's output and the FFN's activations. */
    const size_t ws_size = sattn_self_attention_workspace_size_ctx(ctx, &layer);
    void *ws = malloc(ws_size);
    float *attn = malloc(tokens * H * sizeof *attn), *up = malloc(tokens * F * sizeof *up);
    sattn_status st = ws && attn && up ? SATTN_OK : SATTN_E_NOMEM;
    /* Embeddings: word + position + token type 0 (a single segment), then LayerNorm. */
    for (size_t t = 0; t < tokens && st == SATTN_OK; t++) {
        const float *w = m->word + (size_t)ids[t] * H, *p = m->position + (t % seq) * H;
        for (size_t i = 0; i < H; i++) hidden[t * H + i] = w[i] + p[i] + m->token_type[i];
    }
    if (st == SATTN_OK) add_layer_norm(tokens, H, hidden, NULL, NULL, m->emb_ln_w, m->emb_ln_b, m->eps, threads);
    for (size_t i = 0; i < m->layers && st == SATTN_OK; i++) {
        const struct bert_layer *y = &m->layer[i];
        layer.b_q = y->b_q, layer.b_k = y->b_k, layer.b_v = y->b_v, layer.b_o = y->b_o;
        st = sattn_self_attention_ctx(ctx, &layer, hidden, y->w_q, y->w_k, y->w_v, y->w_o, attn, ws, ws_size);
        if (st != SATTN_OK) break;
        add_layer_norm(tokens, H, hidden, attn, NULL, y->ln1_w, y->ln1_b, m->eps, threads);
        st = matmul_t(ctx, tokens, F, H, hidden, y->w_up, up);
        if (st != SATTN_OK) break;
        bias_gelu(tokens, F, up, y->b_up, threads);
        st = matmul_t(ctx, tokens, H, F, up, y->w_down, attn);
        if (st == SATTN_OK) add_layer_norm(tokens, H, hidden, attn, y->b_down, y->ln2_w, y->ln2_b, m->eps, threads);
    }
    free(ws), free(attn), free(up);
    return st;
}

void bert_mean_pool(const bert_model *m, size_t batch, size_t seq, const float *hidden, const int32_t *lens,
                    float *embeddings) {
    const size_t H = m->hidden;
    for (size_t b = 0; b < batch; b++) {
        float *e = embeddings + b * H;
        double norm = 0;
        for (size_t i = 0; i < H; i++) {
            double s = 0;
            for (size_t t = 0; t < (size_t)lens[b]; t++) s += hidden[(b * seq + t) * H + i];
            e[i] = (float)(lens[b] ? s / lens[b] : 0);
            norm += (double)e[i] * e[i];
        }
        /* sentence-transformers' Normalize: x / max(|x|, 1e-12). */
        const double inv = 1.0 / (sqrt(norm) > 1e-12 ? sqrt(norm) : 1e-12);
        for (size_t i = 0; i < H; i++) e[i] = (float)(e[i] * inv);
    }
}

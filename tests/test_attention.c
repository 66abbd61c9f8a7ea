/* Fused attention on every ISA against the double reference: tile-edge sizes, GQA/MQA, d_v != d_k,
 * every mask, bias layouts, strided layouts, and the numerics of hostile inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

enum bias_kind { BIAS_NONE, BIAS_FULL, BIAS_MASK2D, BIAS_KEYPAD, BIAS_NEG_INF_ROW };
enum layout { DENSE, TOKENS_MAJOR, PADDED };

typedef struct {
    size_t batch, heads, kv_heads, q_len, kv_len, d, dv;
    int causal;
    size_t window;
    int use_kv_lens;
    enum bias_kind bias;
    enum layout layout;
    float scale;
} case_t;

static size_t extent(sattn_strides s, size_t n0, size_t n1, size_t n2, size_t cols) {
    if (!n0 || !n1 || !n2) return 0;
    return (n0 - 1) * s.batch + (n1 - 1) * s.head + (n2 - 1) * s.seq + cols;
}

static sattn_strides layout_strides(enum layout l, size_t heads, size_t len, size_t cols) {
    switch (l) {
    case TOKENS_MAJOR: return (sattn_strides){len * heads * cols, cols, heads * cols};
    case PADDED: return (sattn_strides){heads * len * (cols + 3) + 5, len * (cols + 3) + 2, cols + 3};
    default: return (sattn_strides){0, 0, 0};
    }
}

/* Runs one case on the ISA in use, returns 1 when every element agrees and nothing else was written. */
static int run_case(const case_t *c, uint64_t seed) {
    rng_t rng = rng_seed(seed);
    const size_t kvh = c->kv_heads ? c->kv_heads : c->heads, dv = c->dv ? c->dv : c->d;
    sattn_attention_desc d;
    memset(&d, 0, sizeof d);
    d.batch = c->batch, d.heads = c->heads, d.kv_heads = c->kv_heads, d.q_len = c->q_len, d.kv_len = c->kv_len;
    d.head_dim = c->d, d.v_head_dim = c->dv, d.causal = c->causal, d.window = c->window, d.scale = c->scale;
    d.q_strides = layout_strides(c->layout, c->heads, c->q_len, c->d);
    d.k_strides = layout_strides(c->layout, kvh, c->kv_len, c->d);
    d.v_strides = layout_strides(c->layout, kvh, c->kv_len, dv);
    d.o_strides = layout_strides(c->layout, c->heads, c->q_len, dv);
    sattn_attention_desc full = d;
    resolve_dense_strides(&full);

    const size_t nq = extent(full.q_strides, c->batch, c->heads, c->q_len, c->d);
    const size_t nk = extent(full.k_strides, c->batch, kvh, c->kv_len, c->d);
    const size_t nv = extent(full.v_strides, c->batch, kvh, c->kv_len, dv);
    const size_t no = extent(full.o_strides, c->batch, c->heads, c->q_len, dv);
    float *q = malloc((nq + 1) * sizeof *q), *k = malloc((nk + 1) * sizeof *k), *v = malloc((nv + 1) * sizeof *v);
    fill_uniform(&rng, q, nq, -1, 1);
    fill_uniform(&rng, k, nk, -1, 1);
    fill_uniform(&rng, v, nv, -1, 1);

    int32_t *kv_lens = NULL;
    if (c->use_kv_lens) {
        kv_lens = malloc(c->batch * sizeof *kv_lens);
        for (size_t b = 0; b < c->batch; b++) kv_lens[b] = (int32_t)(b == 0 ? 0 : rng_u64(&rng) % (c->kv_len + 1));
        if (c->batch > 2) kv_lens[c->batch - 1] = (int32_t)c->kv_len;
        d.kv_lens = kv_lens;
    }
    float *bias = NULL;
    size_t nb = 0;
    switch (c->bias) {
    case BIAS_NONE: break;
    case BIAS_FULL:
    case BIAS_NEG_INF_ROW:
        d.bias_strides = (sattn_strides){c->heads * c->q_len * c->kv_len, c->q_len * c->kv_len, c->kv_len};
        nb = c->batch * c->heads * c->q_len * c->kv_len;
        break;
    case BIAS_MASK2D:
        d.bias_strides = (sattn_strides){0, 0, c->kv_len};
        nb = c->q_len * c->kv_len;
        break;
    case BIAS_KEYPAD:
        d.bias_strides = (sattn_strides){c->heads * c->kv_len, c->kv_len, 0};
        nb = c->batch * c->heads * c->kv_len;
        break;
    }
    if (c->bias != BIAS_NONE) {
        bias = malloc((nb + 1) * sizeof *bias);
        fill_uniform(&rng, bias, nb, -2, 2);
        if (c->bias == BIAS_MASK2D || c->bias == BIAS_KEYPAD) /* masks: some keys hidden by -inf */
            for (size_t i = 0; i < nb; i++)
                if (rng_u64(&rng) % 4 == 0) bias[i] = -INFINITY;
        if (c->bias == BIAS_NEG_INF_ROW) /* query 0 of every head sees only -inf */
            for (size_t bh = 0; bh < c->batch * c->heads; bh++)
                for (size_t j = 0; j < c->kv_len; j++) bias[bh * c->q_len * c->kv_len + j] = -INFINITY;
        d.bias = bias;
    }
    full.kv_lens = d.kv_lens, full.bias = d.bias, full.bias_strides = d.bias_strides;

    const size_t guard = 17;
    float *obuf = alloc_sentinel(no + 2 * guard), *out = obuf + guard;
    const size_t rows = c->batch * c->heads * c->q_len;
    double *ref = malloc((rows * dv + 1) * sizeof *ref), *tol = malloc((rows * dv + 1) * sizeof *tol);
    float *got = malloc((rows * dv + 1) * sizeof *got);
    ref_attention(&full, q, k, v, ref);
    for (size_t i = 0; i < rows * dv; i++) tol[i] = 2e-5 * sqrt((double)c->d) + 1e-5 * fabs(ref[i]);

    const sattn_status st = sattn_attention(&d, q, k, v, out);
    int ok = st == SATTN_OK;
    if (!ok) print_error("status %s\n", sattn_strerror(st));
    for (size_t b = 0; ok && b < c->batch; b++)
        for (size_t h = 0; h < c->heads; h++)
            for (size_t i = 0; i < c->q_len; i++)
                memcpy(got + ((b * c->heads + h) * c->q_len + i) * dv,
                       out + b * full.o_strides.batch + h * full.o_strides.head + i * full.o_strides.seq,
                       dv * sizeof *got);
    char what[256];
    snprintf(what, sizeof what,
             "attention b%zu h%zu/%zu q%zu kv%zu d%zu dv%zu causal%d win%zu kvlens%d bias%d layout%d seed %llu",
             c->batch, c->heads, kvh, c->q_len, c->kv_len, c->d, dv, c->causal, c->window, c->use_kv_lens, c->bias,
             c->layout, (unsigned long long)seed);
    if (ok) ok = close_enough(what, got, ref, tol, rows * dv);
    if (ok && count_touched(obuf, no + 2 * guard) != rows * dv) {
        print_error("%s: wrote %zu elements outside its output rows\n", what,
                    count_touched(obuf, no + 2 * guard) - rows * dv);
        ok = 0;
    }
    free(q), free(k), free(v), free(kv_lens), free(bias), free(obuf), free(ref), free(tol), free(got);
    return ok;
}

static void run_all_isas(const case_t *cases, size_t n) {
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (size_t i = 0; i < n; i++) assert_true(run_case(&cases[i], 1000 + i));
    }
}

static void test_tile_edges(void **state) {
    (void)state;
    static const size_t dims[] = {1, 3, 4, 5, 8, 9, 16, 17, 40, 64, 72, 80, 96, 112, 128};
    static const size_t lens[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 130};
    case_t cases[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
        cases[n++] = (case_t){.batch = 1, .heads = 2, .q_len = lens[i % 14], .kv_len = lens[(i * 5 + 3) % 14], .d = dims[i]};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        cases[n++] = (case_t){.batch = 2, .heads = 1, .q_len = lens[i], .kv_len = lens[13 - i], .d = 24};
    cases[n++] = (case_t){.batch = 1, .heads = 1, .q_len = 200, .kv_len = 333, .d = 64};
    cases[n++] = (case_t){.batch = 1, .heads = 2, .q_len = 33, .kv_len = 47, .d = 256};
    run_all_isas(cases, n);
}

static void test_gqa_and_value_dims(void **state) {
    (void)state;
    const case_t cases[] = {
        {.batch = 2, .heads = 8, .kv_heads = 4, .q_len = 19, .kv_len = 70, .d = 32},
        {.batch = 1, .heads = 8, .kv_heads = 2, .q_len = 9, .kv_len = 65, .d = 16, .causal = 1},
        {.batch = 2, .heads = 6, .kv_heads = 1, .q_len = 1, .kv_len = 150, .d = 64},    /* MQA decode */
        {.batch = 1, .heads = 70, .kv_heads = 1, .q_len = 3, .kv_len = 40, .d = 8},     /* group > block rows */
        {.batch = 1, .heads = 4, .kv_heads = 4, .q_len = 30, .kv_len = 30, .d = 24, .dv = 40},
        {.batch = 2, .heads = 4, .kv_heads = 2, .q_len = 17, .kv_len = 66, .d = 64, .dv = 8, .causal = 1},
        {.batch = 1, .heads = 2, .q_len = 5, .kv_len = 9, .d = 7, .dv = 130},
    };
    run_all_isas(cases, sizeof cases / sizeof cases[0]);
}

static void test_masks(void **state) {
    (void)state;
    const case_t cases[] = {
        {.batch = 1, .heads = 2, .q_len = 70, .kv_len = 70, .d = 16, .causal = 1},
        {.batch = 1, .heads = 2, .q_len = 20, .kv_len = 150, .d = 16, .causal = 1},   /* q_len < kv_len */
        {.batch = 1, .heads = 2, .q_len = 150, .kv_len = 40, .d = 16, .causal = 1},   /* q_len > kv_len */
        {.batch = 1, .heads = 2, .q_len = 1, .kv_len = 129, .d = 32, .causal = 1},
        {.batch = 1, .heads = 2, .q_len = 130, .kv_len = 130, .d = 8, .window = 17},   /* window alone */
        {.batch = 1, .heads = 3, .q_len = 130, .kv_len = 130, .d = 8, .causal = 1, .window = 33},
        {.batch = 1, .heads = 1, .q_len = 40, .kv_len = 200, .d = 8, .causal = 1, .window = 64},
        {.batch = 1, .heads = 1, .q_len = 80, .kv_len = 50, .d = 8, .causal = 1, .window = 1},
        {.batch = 4, .heads = 2, .q_len = 33, .kv_len = 90, .d = 16, .use_kv_lens = 1},  /* kv_lens[0] = 0 */
        {.batch = 3, .heads = 2, .kv_heads = 1, .q_len = 33, .kv_len = 90, .d = 16, .use_kv_lens = 1, .causal = 1},
        {.batch = 3, .heads = 2, .q_len = 65, .kv_len = 65, .d = 16, .use_kv_lens = 1, .causal = 1, .window = 20},
    };
    run_all_isas(cases, sizeof cases / sizeof cases[0]);
}

static void test_bias(void **state) {
    (void)state;
    const case_t cases[] = {
        {.batch = 2, .heads = 3, .q_len = 17, .kv_len = 70, .d = 16, .bias = BIAS_FULL},
        {.batch = 2, .heads = 3, .q_len = 17, .kv_len = 70, .d = 16, .bias = BIAS_MASK2D},
        {.batch = 2, .heads = 4, .kv_heads = 2, .q_len = 9, .kv_len = 70, .d = 16, .bias = BIAS_KEYPAD},
        {.batch = 2, .heads = 2, .q_len = 9, .kv_len = 130, .d = 16, .bias = BIAS_NEG_INF_ROW},
        {.batch = 1, .heads = 2, .q_len = 40, .kv_len = 40, .d = 16, .bias = BIAS_MASK2D, .causal = 1},
    };
    run_all_isas(cases, sizeof cases / sizeof cases[0]);
}

static void test_layouts(void **state) {
    (void)state;
    const case_t cases[] = {
        {.batch = 2, .heads = 4, .q_len = 21, .kv_len = 37, .d = 16, .layout = TOKENS_MAJOR},
        {.batch = 2, .heads = 4, .kv_heads = 2, .q_len = 21, .kv_len = 37, .d = 16, .layout = TOKENS_MAJOR, .causal = 1},
        {.batch = 2, .heads = 3, .q_len = 21, .kv_len = 37, .d = 13, .dv = 6, .layout = PADDED},
        {.batch = 2, .heads = 2, .q_len = 66, .kv_len = 66, .d = 16, .layout = PADDED, .causal = 1, .bias = BIAS_FULL},
    };
    run_all_isas(cases, sizeof cases / sizeof cases[0]);
}

/* One or a few queries per K/V head take the split-KV decode path: keys in chunks of 512 whose
 * partial softmax states are merged. Cases cross chunk edges with every mask, GQA rows, d and
 * dv tails, bias and strided layouts; a large scale makes chunk maxima differ widely. */
static void test_decode_split(void **state) {
    (void)state;
    const case_t cases[] = {
        {.batch = 1, .heads = 4, .q_len = 1, .kv_len = 1500, .d = 128},
        {.batch = 1, .heads = 2, .q_len = 1, .kv_len = 1024, .d = 64, .scale = 4.0f},
        {.batch = 1, .heads = 2, .q_len = 1, .kv_len = 513, .d = 1},
        {.batch = 3, .heads = 8, .kv_heads = 2, .q_len = 1, .kv_len = 1100, .d = 64, .use_kv_lens = 1},
        {.batch = 1, .heads = 2, .q_len = 3, .kv_len = 1030, .d = 72, .causal = 1},
        {.batch = 1, .heads = 4, .kv_heads = 1, .q_len = 2, .kv_len = 1200, .d = 40, .causal = 1, .window = 700},
        {.batch = 1, .heads = 2, .q_len = 1, .kv_len = 1600, .d = 17, .dv = 33, .window = 100},
        {.batch = 2, .heads = 2, .q_len = 2, .kv_len = 600, .d = 9, .dv = 130, .bias = BIAS_FULL},
        {.batch = 2, .heads = 4, .kv_heads = 2, .q_len = 1, .kv_len = 1100, .d = 16, .bias = BIAS_KEYPAD},
        {.batch = 1, .heads = 2, .q_len = 2, .kv_len = 700, .d = 16, .bias = BIAS_NEG_INF_ROW},
        {.batch = 2, .heads = 3, .q_len = 1, .kv_len = 900, .d = 24, .layout = TOKENS_MAJOR},
        {.batch = 2, .heads = 4, .kv_heads = 2, .q_len = 2, .kv_len = 777, .d = 31, .dv = 7, .layout = PADDED},
        {.batch = 1, .heads = 8, .kv_heads = 1, .q_len = 1, .kv_len = 2000, .d = 32, .causal = 1}, /* rows = 8 */
    };
    run_all_isas(cases, sizeof cases / sizeof cases[0]);
}

static void test_explicit_scale(void **state) {
    (void)state;
    const case_t cases[] = {
        {.batch = 1, .heads = 2, .q_len = 9, .kv_len = 31, .d = 16, .scale = 0.5f},
        {.batch = 1, .heads = 2, .q_len = 9, .kv_len = 31, .d = 16, .scale = -3.0f},
    };
    run_all_isas(cases, sizeof cases / sizeof cases[0]);
}

/* Logits near 1e4: with small integers and a power-of-two scale every logit is exact in float,
 * so the reference and the kernels see identical logits and must agree on the weights. */
static void test_large_logits(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas), H = 2, S = 67, D = 16;
    float *q = malloc(H * S * D * sizeof *q), *k = malloc(H * S * D * sizeof *k), *v = malloc(H * S * D * sizeof *v);
    rng_t rng = rng_seed(7);
    for (size_t i = 0; i < H * S * D; i++) {
        q[i] = (float)(int)(rng_u64(&rng) % 9) - 4.0f + 8.0f;
        k[i] = (float)(int)(rng_u64(&rng) % 9) - 4.0f + 8.0f;
        v[i] = rng_uniform(&rng, -1, 1);
    }
    sattn_attention_desc d = {.batch = 1, .heads = H, .q_len = S, .kv_len = S, .head_dim = D, .scale = 8.0f};
    double *ref = malloc(H * S * D * sizeof *ref), *tol = malloc(H * S * D * sizeof *tol);
    float *out = malloc(H * S * D * sizeof *out);
    ref_attention(&d, q, k, v, ref);
    for (size_t i = 0; i < H * S * D; i++) tol[i] = 1e-5;
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        assert_int_equal(sattn_attention(&d, q, k, v, out), SATTN_OK);
        assert_true(close_enough("large logits", out, ref, tol, H * S * D));
    }
    free(q), free(k), free(v), free(ref), free(tol), free(out);
}

/* A NaN in one query poisons that query's row only; a NaN in a key poisons the rows that see it. */
static void test_nan_rows(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas), S = 40, D = 8;
    float q[S * D], k[S * D], v[S * D], out[S * D];
    rng_t rng = rng_seed(11);
    fill_uniform(&rng, q, S * D, -1, 1);
    fill_uniform(&rng, k, S * D, -1, 1);
    fill_uniform(&rng, v, S * D, -1, 1);
    q[5 * D + 3] = NAN;  /* query 5 */
    k[30 * D + 1] = NAN; /* key 30: causal, so rows >= 30 see it */
    sattn_attention_desc d = {.batch = 1, .heads = 1, .q_len = S, .kv_len = S, .head_dim = D, .causal = 1};
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        assert_int_equal(sattn_attention(&d, q, k, v, out), SATTN_OK);
        for (size_t i = 0; i < S; i++)
            for (size_t c = 0; c < D; c++) {
                const int want_nan = i == 5 || i >= 30;
                if (want_nan != (isnan(out[i * D + c]) != 0))
                    fail_msg("row %zu col %zu: %g (isa %s)", i, c, out[i * D + c], sattn_isa_name(isas[a]));
            }
    }
}

/* Decode: a NaN key poisons exactly the queries that see it, across chunk merges; a NaN
 * past kv_lens is never read. */
static void test_decode_nan(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas), KV = 1300, D = 16, B = 2;
    float *k = malloc(B * KV * D * sizeof *k), *v = malloc(B * KV * D * sizeof *v), q[2 * 2 * D], out[2 * 2 * D];
    rng_t rng = rng_seed(12);
    fill_uniform(&rng, k, B * KV * D, -1, 1), fill_uniform(&rng, v, B * KV * D, -1, 1), fill_uniform(&rng, q, 4 * D, -1, 1);
    k[700 * D + 3] = NAN;             /* batch 0, key 700 (second chunk) */
    v[(KV + 1200) * D + 5] = NAN;     /* batch 1, value 1200: hidden by kv_lens = 1100 */
    const int32_t kv_lens[2] = {1300, 1100};
    sattn_attention_desc d = {.batch = 2, .heads = 1, .q_len = 2, .kv_len = KV, .head_dim = D, .kv_lens = kv_lens};
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        assert_int_equal(sattn_attention(&d, q, k, v, out), SATTN_OK);
        for (size_t i = 0; i < 4 * D; i++)
            if ((i < 2 * D) != (isnan(out[i]) != 0)) fail_msg("element %zu: %g (isa %s)", i, out[i], sattn_isa_name(isas[a]));
    }
    free(k), free(v);
}

/* No key at all: kv_len == 0 gives zeros (and k, v may be NULL). */
static void test_no_keys(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    float q[3 * 4] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, out[3 * 4];
    sattn_attention_desc d = {.batch = 1, .heads = 1, .q_len = 3, .kv_len = 0, .head_dim = 4};
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (int i = 0; i < 12; i++) out[i] = sentinel();
        assert_int_equal(sattn_attention(&d, q, NULL, NULL, out), SATTN_OK);
        for (int i = 0; i < 12; i++) assert_true(out[i] == 0.0f && !signbit(out[i]));
    }
}

/* The same values in dense [heads, seq, d] and tokens-major [seq, heads, d] layouts give the same
 * bits, on the decode path (1..32 query rows per K/V head: MHA, GQA, MQA) and on prefill. */
static void test_layout_bits(void **state) {
    (void)state;
    enum { H = 8, D = 40, KV = 700, QMAX = 16 };
    const size_t kv_heads[] = {8, 2, 1}, q_lens[] = {1, 2, 4, 16};
    rng_t rng = rng_seed(44);
    float *qd = malloc(H * QMAX * D * sizeof *qd), *kd = malloc(H * KV * D * sizeof *kd), *vd = malloc(H * KV * D * sizeof *vd);
    float *qt = malloc(H * QMAX * D * sizeof *qt), *kt = malloc(H * KV * D * sizeof *kt), *vt = malloc(H * KV * D * sizeof *vt);
    float *od = malloc(H * QMAX * D * sizeof *od), *ot = malloc(H * QMAX * D * sizeof *ot);
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (size_t gi = 0; gi < 3; gi++)
            for (size_t qi = 0; qi < 4; qi++) {
                const size_t kvh = kv_heads[gi], S = q_lens[qi];
                fill_uniform(&rng, qd, H * S * D, -1, 1), fill_uniform(&rng, kd, kvh * KV * D, -1, 1);
                fill_uniform(&rng, vd, kvh * KV * D, -1, 1);
                for (size_t h = 0; h < H; h++) /* the same values, tokens-major */
                    for (size_t i = 0; i < S; i++) memcpy(qt + (i * H + h) * D, qd + (h * S + i) * D, D * sizeof *qt);
                for (size_t g = 0; g < kvh; g++)
                    for (size_t j = 0; j < KV; j++) {
                        memcpy(kt + (j * kvh + g) * D, kd + (g * KV + j) * D, D * sizeof *kt);
                        memcpy(vt + (j * kvh + g) * D, vd + (g * KV + j) * D, D * sizeof *vt);
                    }
                sattn_attention_desc d = {.batch = 1, .heads = H, .kv_heads = kvh, .q_len = S, .kv_len = KV, .head_dim = D,
                                          .causal = 1};
                assert_int_equal(sattn_attention(&d, qd, kd, vd, od), SATTN_OK);
                d.q_strides = d.o_strides = (sattn_strides){S * H * D, D, H * D};
                d.k_strides = d.v_strides = (sattn_strides){KV * kvh * D, D, kvh * D};
                assert_int_equal(sattn_attention(&d, qt, kt, vt, ot), SATTN_OK);
                for (size_t h = 0; h < H; h++)
                    for (size_t i = 0; i < S; i++)
                        if (memcmp(od + (h * S + i) * D, ot + (i * H + h) * D, D * sizeof *od))
                            fail_msg("%s: KVH %zu q_len %zu: head %zu row %zu differs between layouts",
                                     sattn_isa_name(isas[a]), kvh, S, h, i);
            }
    }
    free(qd), free(kd), free(vd), free(qt), free(kt), free(vt), free(od), free(ot);
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tile_edges),   cmocka_unit_test(test_gqa_and_value_dims),
        cmocka_unit_test(test_masks),        cmocka_unit_test(test_bias),
        cmocka_unit_test(test_layouts),      cmocka_unit_test(test_explicit_scale),
        cmocka_unit_test(test_large_logits), cmocka_unit_test(test_nan_rows),
        cmocka_unit_test(test_no_keys),      cmocka_unit_test(test_decode_split),
        cmocka_unit_test(test_decode_nan),   cmocka_unit_test(test_layout_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

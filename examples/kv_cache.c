/* An engine's KV cache in fewer bits: tokens are appended to a tokens-major cache
 * [max_tokens, kv_heads, head_dim] in int8 (one scale per 32 elements), f16, bf16 or int4, and each
 * step decodes one query per head from it with sattn_attention, no conversion of the cache.
 *
 *   kv_cache [i8|i4|f16|bf16|f32]     appends 1000 tokens and decodes, comparing with an f32 cache
 *   kv_cache --table                   the error every type and group adds, random data and data
 *                                      with outliers (the README's table)
 *
 * Exits non-zero if the decoded output drifts further from the f32 cache's than the type allows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sattn.h"

enum { HEADS = 32, KV_HEADS = 8, D = 128, MAX_TOKENS = 2048 };

/* A cache of one layer: K and V in `type`, tokens-major, scales beside them for the integer types. */
typedef struct {
    sattn_dtype type;
    size_t group, groups, tokens;
    unsigned char *k, *v;
    float *k_scales, *v_scales;
} kv_cache;

static size_t bytes_of(sattn_dtype t, size_t n) {
    static const size_t bits[] = {32, 16, 16, 8, 4};
    return n * bits[t] / 8;
}

static int cache_init(kv_cache *c, sattn_dtype type, size_t group) {
    memset(c, 0, sizeof *c);
    c->type = type, c->group = group, c->groups = D / (group ? group : D);
    c->k = malloc(bytes_of(type, (size_t)MAX_TOKENS * KV_HEADS * D));
    c->v = malloc(bytes_of(type, (size_t)MAX_TOKENS * KV_HEADS * D));
    c->k_scales = malloc((size_t)MAX_TOKENS * KV_HEADS * c->groups * sizeof(float));
    c->v_scales = malloc((size_t)MAX_TOKENS * KV_HEADS * c->groups * sizeof(float));
    return c->k && c->v && c->k_scales && c->v_scales;
}

static void cache_free(kv_cache *c) { free(c->k), free(c->v), free(c->k_scales), free(c->v_scales); }

/* Appends one token: k and v are [kv_heads, head_dim] floats, as the projections give them. */
static sattn_status cache_append(kv_cache *c, const float *k, const float *v) {
    const size_t row = c->tokens * KV_HEADS * D; /* the token's first element */
    unsigned char *kd = c->k + bytes_of(c->type, row), *vd = c->v + bytes_of(c->type, row);
    sattn_status st;
    if (c->type == SATTN_DTYPE_I8 || c->type == SATTN_DTYPE_I4) {
        float *ks = c->k_scales + c->tokens * KV_HEADS * c->groups, *vs = c->v_scales + c->tokens * KV_HEADS * c->groups;
        st = sattn_quantize(c->type, KV_HEADS, D, c->group, k, D, kd, D, ks);
        if (st == SATTN_OK) st = sattn_quantize(c->type, KV_HEADS, D, c->group, v, D, vd, D, vs);
    } else {
        st = sattn_convert(SATTN_DTYPE_F32, c->type, KV_HEADS * D, k, kd);
        if (st == SATTN_OK) st = sattn_convert(SATTN_DTYPE_F32, c->type, KV_HEADS * D, v, vd);
    }
    if (st == SATTN_OK) c->tokens++;
    return st;
}

/* One decode step: q [heads, head_dim] against every cached token; out [heads, head_dim]. */
static sattn_status cache_decode(const kv_cache *c, const float *q, float *out) {
    const size_t T = c->tokens;
    const sattn_attention_desc desc = {
        .batch = 1, .heads = HEADS, .kv_heads = KV_HEADS, .q_len = 1, .kv_len = T, .head_dim = D,
        .k_strides = {T * KV_HEADS * D, D, KV_HEADS * D}, /* tokens-major: token j of head g at (j*kv_heads + g)*D */
        .v_strides = {T * KV_HEADS * D, D, KV_HEADS * D},
        .k_type = c->type, .v_type = c->type, .k_scales = c->k_scales, .v_scales = c->v_scales, .kv_group = c->group,
        .k_scale_strides = {T * KV_HEADS * c->groups, c->groups, KV_HEADS * c->groups},
        .v_scale_strides = {T * KV_HEADS * c->groups, c->groups, KV_HEADS * c->groups}};
    return sattn_attention(&desc, q, c->k, c->v, out);
}

static float uniform(unsigned *seed) {
    *seed = *seed * 1664525u + 1013904223u;
    return (float)(*seed >> 8) / 16777216.0f * 2.0f - 1.0f;
}

/* Fills n values: uniform in [-1, 1], with one element in 64 times 20 when `outliers` (the
 * channels that stand out in real K caches). */
static void fill(unsigned *seed, float *x, size_t n, int outliers) {
    for (size_t i = 0; i < n; i++) x[i] = uniform(seed) * (outliers && i % 64 == 7 ? 20.0f : 1.0f);
}

/* Appends `tokens` random tokens to a cache of `type` and to an f32 one, decodes one step from each,
 * and gives the largest and mean absolute difference of the outputs. */
static int measure(sattn_dtype type, size_t group, int outliers, size_t tokens, double *max_err, double *mean_err) {
    kv_cache c, ref;
    if (!cache_init(&c, type, group) || !cache_init(&ref, SATTN_DTYPE_F32, 0)) return 0;
    float k[KV_HEADS * D], v[KV_HEADS * D], q[HEADS * D], out[HEADS * D], want[HEADS * D];
    unsigned seed = 12345;
    for (size_t t = 0; t < tokens; t++) {
        fill(&seed, k, KV_HEADS * D, outliers), fill(&seed, v, KV_HEADS * D, outliers);
        if (cache_append(&c, k, v) != SATTN_OK || cache_append(&ref, k, v) != SATTN_OK) return 0;
    }
    fill(&seed, q, HEADS * D, 0);
    for (size_t i = 0; i < HEADS * D; i++) q[i] *= 4.0f; /* a peaked softmax, as trained models have */
    if (cache_decode(&c, q, out) != SATTN_OK || cache_decode(&ref, q, want) != SATTN_OK) return 0;
    *max_err = 0, *mean_err = 0;
    for (size_t i = 0; i < HEADS * D; i++) {
        const double e = fabs((double)out[i] - want[i]);
        *max_err = e > *max_err ? e : *max_err;
        *mean_err += e / (HEADS * D);
    }
    cache_free(&c), cache_free(&ref);
    return 1;
}

int main(int argc, char **argv) {
    const char *names[] = {"f32", "f16", "bf16", "i8", "i4"};
    if (argc > 1 && !strcmp(argv[1], "--table")) {
        const struct { sattn_dtype t; size_t group; } rows[] = {
            {SATTN_DTYPE_F16, 0}, {SATTN_DTYPE_BF16, 0}, {SATTN_DTYPE_I8, 0},  {SATTN_DTYPE_I8, 64},
            {SATTN_DTYPE_I8, 32}, {SATTN_DTYPE_I4, 0},   {SATTN_DTYPE_I4, 64}, {SATTN_DTYPE_I4, 32}};
        printf("| type | group | max abs error | mean abs error | max, outliers | mean, outliers |\n|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            double m0, a0, m1, a1;
            if (!measure(rows[i].t, rows[i].group, 0, 1000, &m0, &a0) || !measure(rows[i].t, rows[i].group, 1, 1000, &m1, &a1))
                return 1;
            char group[16];
            snprintf(group, sizeof group, "%zu", rows[i].group);
            printf("| %s | %s | %.2e | %.2e | %.2e | %.2e |\n", names[rows[i].t], rows[i].group ? group : "row", m0, a0, m1, a1);
        }
        return 0;
    }
    sattn_dtype type = SATTN_DTYPE_I8;
    for (int t = 0; argc > 1 && t < 5; t++)
        if (!strcmp(argv[1], names[t])) type = (sattn_dtype)t;
    double max_err, mean_err;
    const size_t group = type == SATTN_DTYPE_I8 || type == SATTN_DTYPE_I4 ? 32 : 0;
    if (!measure(type, group, 0, 1000, &max_err, &mean_err)) {
        fprintf(stderr, "kv_cache: a call failed\n");
        return 1;
    }
    /* What each type may add on this data (the README's table, with room): f32 adds nothing. */
    const double allowed[] = {1e-6, 2e-3, 1.5e-2, 1.5e-2, 1.5e-1};
    printf("%s cache, 1000 tokens, %d heads on %d KV heads, d %d: max abs error %.3g, mean %.3g against f32\n",
           names[type], HEADS, KV_HEADS, D, max_err, mean_err);
    return max_err <= allowed[type] ? 0 : 1;
}

/* Plain-C stand-ins for the AVX-512 and AMX intrinsics that src/avx512_bf16's and src/amx_bf16's tiles use, so
 * that their logic (tile corners, pair indexing, depth loops and tails, stores under masks, the tile
 * configuration) is checked on every CPU the suite runs on, AVX-512 or not (tests/meson.build). Compiled only
 * into the tests: with this directory first on the include path, a tile's #include <immintrin.h> finds this
 * file. Semantics follow Intel's pseudo-code; the units' flushing of denormals is not modelled (the checks'
 * data has none). */
#ifndef SATTN_TEST_EMULATED_IMMINTRIN_H
#define SATTN_TEST_EMULATED_IMMINTRIN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef float __m512 __attribute__((vector_size(64)));
typedef long long __m512i __attribute__((vector_size(64)));
typedef short __m512bh __attribute__((vector_size(64)));
typedef uint16_t __mmask16;

static inline __m512 _mm512_setzero_ps(void) { return (__m512){0}; }
static inline __m512 _mm512_set1_ps(float x) {
    __m512 r;
    for (int i = 0; i < 16; i++) r[i] = x;
    return r;
}
static inline __m512i _mm512_set1_epi32(int x) {
    int32_t lanes[16];
    for (int i = 0; i < 16; i++) lanes[i] = x;
    __m512i r;
    memcpy(&r, lanes, sizeof r);
    return r;
}
static inline __m512i _mm512_loadu_si512(const void *p) {
    __m512i r;
    memcpy(&r, p, sizeof r);
    return r;
}
static inline __m512 _mm512_loadu_ps(const float *p) {
    __m512 r;
    memcpy(&r, p, sizeof r);
    return r;
}
static inline __m512 _mm512_mul_ps(__m512 a, __m512 b) { return a * b; }
static inline __m512 _mm512_fmadd_ps(__m512 a, __m512 b, __m512 c) {
    for (int i = 0; i < 16; i++) c[i] = __builtin_fmaf(a[i], b[i], c[i]);
    return c;
}
static inline __m512 _mm512_maskz_loadu_ps(__mmask16 m, const float *p) {
    __m512 r = {0};
    for (int i = 0; i < 16; i++)
        if (m >> i & 1) r[i] = p[i];
    return r;
}
static inline void _mm512_storeu_ps(float *p, __m512 v) { memcpy(p, &v, sizeof v); }
static inline void _mm512_mask_storeu_ps(float *p, __mmask16 m, __m512 v) {
    for (int i = 0; i < 16; i++)
        if (m >> i & 1) p[i] = v[i];
}
static inline float emulated_bf16_value(short h) {
    const uint32_t bits = (uint32_t)(uint16_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}
/* Lane i += a[2i+1]*b[2i+1], then += a[2i]*b[2i] (the SDM's order). */
static inline __m512 _mm512_dpbf16_ps(__m512 acc, __m512bh a, __m512bh b) {
    for (int i = 0; i < 16; i++) {
        acc[i] += emulated_bf16_value(a[2 * i + 1]) * emulated_bf16_value(b[2 * i + 1]);
        acc[i] += emulated_bf16_value(a[2 * i]) * emulated_bf16_value(b[2 * i]);
    }
    return acc;
}

/* AMX: eight tiles of up to 16 rows x 64 bytes and their configuration, per thread (the driver's tests run the
 * tile on several threads). A tile used while unconfigured, or past its configured shape, is a fault on the
 * hardware: here it aborts. */
static _Thread_local struct {
    int configured;
    uint16_t colsb[8];
    uint8_t rows[8];
    unsigned char data[8][16 * 64];
} emulated_amx;

static inline void emulated_amx_need(int t) {
    if (!emulated_amx.configured || t < 0 || t > 7 || !emulated_amx.rows[t]) abort();
}
static inline void _tile_loadconfig(const void *config) {
    const unsigned char *c = config;
    if (c[0] != 1) abort(); /* palette 1 */
    for (int t = 0; t < 8; t++) {
        uint16_t colsb;
        memcpy(&colsb, c + 16 + 2 * t, sizeof colsb);
        if (colsb > 64 || c[48 + t] > 16) abort();
        emulated_amx.colsb[t] = colsb, emulated_amx.rows[t] = c[48 + t];
    }
    emulated_amx.configured = 1;
}
static inline void _tile_release(void) { memset(&emulated_amx, 0, sizeof emulated_amx); }
static inline void _tile_zero(int t) {
    emulated_amx_need(t);
    memset(emulated_amx.data[t], 0, sizeof emulated_amx.data[t]);
}
static inline void _tile_loadd(int t, const void *base, size_t stride) {
    emulated_amx_need(t);
    for (int r = 0; r < emulated_amx.rows[t]; r++)
        memcpy(emulated_amx.data[t] + 64 * r, (const unsigned char *)base + r * stride, emulated_amx.colsb[t]);
}
static inline void _tile_stored(int t, void *base, size_t stride) {
    emulated_amx_need(t);
    for (int r = 0; r < emulated_amx.rows[t]; r++)
        memcpy((unsigned char *)base + r * stride, emulated_amx.data[t] + 64 * r, emulated_amx.colsb[t]);
}
/* C[m][n] += (even + odd): per the SDM, the products of the even and of the odd elements of k each in a chain of
 * fp32 FMAs from zero, over this instruction's depth only, then both added to C. */
static inline void _tile_dpbf16ps(int c, int a, int b) {
    emulated_amx_need(c), emulated_amx_need(a), emulated_amx_need(b);
    const int depth = emulated_amx.colsb[a] / 4, cols = emulated_amx.colsb[c] / 4, rows = emulated_amx.rows[c];
    if (emulated_amx.rows[b] < depth || emulated_amx.colsb[b] != emulated_amx.colsb[c] || emulated_amx.rows[a] != rows)
        abort();
    float av[16][32], bv[16][32], cv[16][16];
    for (int r = 0; r < 16; r++)
        for (int e = 0; e < 32; e++) {
            short x, y;
            memcpy(&x, emulated_amx.data[a] + 64 * r + 2 * e, 2), memcpy(&y, emulated_amx.data[b] + 64 * r + 2 * e, 2);
            av[r][e] = emulated_bf16_value(x), bv[r][e] = emulated_bf16_value(y);
        }
    memcpy(cv, emulated_amx.data[c], sizeof cv);
    for (int m = 0; m < rows; m++)
        for (int n = 0; n < cols; n++) {
            float even = 0, odd = 0;
            for (int k = 0; k < depth; k++) {
                even = __builtin_fmaf(av[m][2 * k], bv[k][2 * n], even);
                odd = __builtin_fmaf(av[m][2 * k + 1], bv[k][2 * n + 1], odd);
            }
            cv[m][n] += even + odd;
        }
    memcpy(emulated_amx.data[c], cv, sizeof cv);
}

#endif

/* Plain-C stand-ins for the AVX-512 intrinsics that src/avx512_bf16's tile uses, so that its logic (tile
 * corners, pair indexing, depth loop, stores under masks) is checked on every CPU the suite runs on, AVX-512
 * or not (tests/meson.build: test_kernels_emulated). Compiled only into that test: with this directory first
 * on the include path, the tile's #include <immintrin.h> finds this file. Semantics follow Intel's pseudo-code;
 * VDPBF16PS's flushing of denormals is not modelled (the check's data has none). */
#ifndef SATTN_TEST_EMULATED_IMMINTRIN_H
#define SATTN_TEST_EMULATED_IMMINTRIN_H

#include <stdint.h>
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

#endif

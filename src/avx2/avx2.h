/* AVX2+FMA microkernels (compiled with -mavx2 -mfma only) and the helpers they share. */
#ifndef SATTN_AVX2_H
#define SATTN_AVX2_H

#include <immintrin.h>
#include <stddef.h>

#include "../exp.h"
#include "../kernels.h"

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_6x16__avx2);
SATTN_PACK_A(sattn_f32_pack_a__avx2);
SATTN_PACK_B(sattn_f32_pack_b__avx2);
SATTN_DECLARE_ROW_OPS(avx2, avx2_p6);
SATTN_DECLARE_DECODE_OPS(f32, avx2);

/* Lanes [0, n) set, for n in [0, 8]: masked loads and stores of row tails. */
static inline __m256i sattn_avx2_tail_mask(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline float sattn_avx2_hmax(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

static inline float sattn_avx2_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* exp.h's algorithm with FMA, shared by both exp forms: returns r*p(r), with *t = x*log2e + magic
 * (its low mantissa bits hold n, plus whatever offset `magic` carries) and *n = n as a float. */
static inline __m256 sattn_avx2_exp_poly(__m256 x, __m256 magic, __m256 *t, __m256 *n) {
    *t = _mm256_fmadd_ps(x, _mm256_set1_ps(SATTN_EXP_LOG2E), magic);
    *n = _mm256_sub_ps(*t, magic);
    __m256 r = _mm256_fnmadd_ps(*n, _mm256_set1_ps(SATTN_EXP_LN2_HI), x);
    r = _mm256_fnmadd_ps(*n, _mm256_set1_ps(SATTN_EXP_LN2_LO), r);
    __m256 p = _mm256_set1_ps(SATTN_EXP_C6);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(SATTN_EXP_C5));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(SATTN_EXP_C4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(SATTN_EXP_C3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(SATTN_EXP_C2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(SATTN_EXP_C1));
    return _mm256_mul_ps(p, r);
}

static inline __m256 sattn_avx2_pow2i(__m256i n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

/* exp(x) for x <= 0 (softmax: x - max): 2^n is one factor, n in [-126, 0]; inputs below
 * ln(FLT_MIN) give 0; NaN stays NaN (the compare is false, the arithmetic carries it).
 * With the exponent bias folded into the rounding constant, t = x*log2e + (1.5*2^23 + 127) holds
 * n + 127 in its low mantissa bits, and shifting t's bits left by 23 is 2^n directly (the
 * 1.5*2^23 part shifts out): no float-to-int conversion and no integer add. */
static inline __m256 sattn_avx2_exp_nonpositive(__m256 x) {
    __m256 t, n;
    const __m256 p = sattn_avx2_exp_poly(x, _mm256_set1_ps(SATTN_EXP_MAGIC + 127.0f), &t, &n);
    const __m256 s = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
    const __m256 e = _mm256_fmadd_ps(s, p, s);
    return _mm256_andnot_ps(_mm256_cmp_ps(x, _mm256_set1_ps(SATTN_EXP_MIN_INPUT), _CMP_LT_OQ), e);
}

#endif

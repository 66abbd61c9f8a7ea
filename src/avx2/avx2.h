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
SATTN_PACK_B(sattn_f16_pack_b__avx2);
SATTN_PACK_B(sattn_bf16_pack_b__avx2);
SATTN_PACK_B(sattn_i8_pack_b__avx2);
SATTN_PACK_B(sattn_i4_pack_b__avx2);
SATTN_DECLARE_ROW_OPS(avx2, avx2_p6);
SATTN_DECLARE_TYPED_OPS(avx2);

/* Transposes r[0..8) in place: afterwards r[t] holds column t of the input rows. */
static inline void sattn_avx2_transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20), r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20), r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20), r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20), r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

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

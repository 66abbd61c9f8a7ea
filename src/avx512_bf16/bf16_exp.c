/* The online softmax's weights made in bf16 for a bf16 P·V: AVX-512's exp pass (SATTN_AVX512_EXP_ROW), each
 * vector rounded by VCVTNEPS2BF16 as it is made instead of stored as fp32 and rounded in a second pass (6.6% of
 * a bf16 call on AMX at d 128, S 4096, 10% at d 64: perf, Xeon).
 *
 * Its exp is only as precise as weights rounded to bf16 (relative error up to 2^-9) need: ln2 as one constant
 * (off by at most 2.4e-7 of the result at n = -126) and exp(r) = 1 + r*p(r) with a cubic p (our own fit:
 * Lawson's reweighted least squares on the relative error over |r| <= ln2/2, coefficients rounded to float),
 * relative error 2.8e-6 in exact arithmetic where fp32's exp has 3.9e-9 (exp.h). Four FP operations fewer a
 * vector: 2.2-2.3 against 3.0-3.1 ns a vector over rows in L2 (Xeon, interleaved). The sum takes the same
 * values, so weights and normaliser agree; together they move a weighted mean of V by at most about 6e-6 of max|v|,
 * inside fp32's tolerance, next to the rounding's 2^-9 (README: the bound).
 *
 * Inputs below ln(FLT_MIN) (masked keys: -inf) give 0, NaN stays NaN. Just above it, 2^-126 * (1 + r*p(r))
 * may fall a hair under FLT_MIN: VCVTNEPS2BF16 takes that subnormal as 0, the sum keeps it (1e-38, next to a
 * row's final sum of at least 1). */
#include "../avx512/avx512.h"
#include "avx512_bf16.h"

#define LN2 0x1.62e430p-1f
#define C1 0x1.fffba6p-1f
#define C2 0x1.0003f2p-1f
#define C3 0x1.57ced6p-3f
#define C4 0x1.541536p-5f

static inline __m512 exp_for_bf16(__m512 x) {
    const __m512 magic = _mm512_set1_ps(SATTN_EXP_MAGIC);
    const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(SATTN_EXP_LOG2E), magic), magic);
    const __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2), x);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(C4), r, _mm512_set1_ps(C3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(C1));
    const __m512 e = _mm512_scalef_ps(_mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f)), n);
    /* NaN compares false (not below), so it is kept. */
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(SATTN_EXP_MIN_INPUT), _CMP_NLT_UQ), e);
}

/* Not one FMA: its unrounded product would leave the maximum's argument at the rounding error of the scaled
 * maximum, which exp blows up for logits past 2^24 (a one-hot row became inf and NaN: test_types). */
#define SCALED_MINUS_MAX(v, scale, max) _mm512_sub_ps(_mm512_mul_ps(v, scale), max)
#define STORE_BF16(i, e) _mm256_storeu_si256((__m256i *)(y + (i)), (__m256i)_mm512_cvtneps_pbh(e))
#define STORE_BF16_TAIL(i, m, e) _mm256_mask_storeu_epi16(y + (i), m, (__m256i)_mm512_cvtneps_pbh(e))
SATTN_RADDSTOREEXPMINUSMAX_X16_UKERNEL(sattn_f32_raddstoreexpminusmax_bf16_ukernel__avx512_bf16) {
    float sum;
    SATTN_AVX512_EXP_ROW(sum, n, x, scale, max, SCALED_MINUS_MAX, exp_for_bf16, STORE_BF16, STORE_BF16_TAIL);
    return sum;
}

/* The online softmax's weights made in bf16 for a bf16 P·V: the exp pass over one row, each pair of vectors
 * rounded by one VCVTNE2PS2BF16 as it is made instead of stored as fp32 and rounded in a second pass (6.6% of a
 * bf16 call on AMX at d 128, S 4096, 10% at d 64: perf, Xeon).
 *
 * Its exp is only as precise as weights rounded to bf16 (relative error up to 2^-9) need, in base 2:
 * t = (x * scale - max) * log2(e), f = t - floor(t) in one VREDUCEPS, 2^f by a quartic on [0, 1) (our own fit:
 * Lawson's reweighted least squares on the relative error, coefficients rounded to float; 2.6e-6), scaled by
 * 2^floor(t) in VSCALEFPS, which floors its exponent itself. Nine operations a vector where the reduction in ln 2
 * (exp.h's) took eleven with its underflow test: VREDUCEPS gives -inf's f as 0 and VSCALEFPS takes -inf's
 * 2^-inf as 0, and NaN stays NaN through both, so masked keys need no compare. Rounding t costs what the ln 2
 * reduction did not: up to half an ulp of t, so the relative error grows with the distance from the row's
 * maximum, 4.5e-6 within 40 of it and 6.5e-6 within 100 (measured: 6.4e-6 over [-100, 0]); weights further
 * out are below 4e-44. 1.9-2.0 against 2.3-2.4 ns a vector over rows of 256 in L1/L2 (Xeon, three rounds).
 * The sum takes the same values, so weights and normaliser agree; together they move a weighted mean of V by
 * at most about 1.3e-5 of max|v|, next to the rounding's 2^-9 (README: the bound).
 *
 * Results under FLT_MIN (t below -126) are subnormal: VCVTNE2PS2BF16 takes them as 0, the sum keeps them
 * (at most 1.2e-38 each, next to a row's final sum of at least 1). */
#include "../avx512/avx512.h"
#include "avx512_bf16.h"

#define C4 0x1.bb7cd4p-7f
#define C3 0x1.aa13f0p-5f
#define C2 0x1.ee798ap-3f
#define C1 0x1.62d166p-1f
#define C0 0x1.00002cp+0f

/* exp(x * scale - max). Not one FMA: its unrounded product would leave the maximum's argument at the rounding
 * error of the scaled maximum, which exp blows up for logits past 2^24 (a one-hot row became inf and NaN:
 * test_types). The argument is then exactly 0 at the maximum and t <= 0. */
static inline __m512 exp_for_bf16(__m512 x, __m512 scale, __m512 max) {
    const __m512 t = _mm512_mul_ps(_mm512_sub_ps(_mm512_mul_ps(x, scale), max), _mm512_set1_ps(SATTN_EXP_LOG2E));
    const __m512 f = _mm512_reduce_ps(t, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(C4), f, _mm512_set1_ps(C3));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(C2));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(C1));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(C0));
    return _mm512_scalef_ps(p, t);
}

static inline void store_pair(uint16_t *y, __m512 lo, __m512 hi) {
    _mm512_storeu_si512(y, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

SATTN_RADDSTOREEXPMINUSMAX_X16_UKERNEL(sattn_f32_raddstoreexpminusmax_bf16_ukernel__avx512_bf16) {
    const __m512 vmax = _mm512_set1_ps(max), vscale = _mm512_set1_ps(scale);
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const __m512 e0 = exp_for_bf16(_mm512_loadu_ps(x + i), vscale, vmax);
        const __m512 e1 = exp_for_bf16(_mm512_loadu_ps(x + i + 16), vscale, vmax);
        const __m512 e2 = exp_for_bf16(_mm512_loadu_ps(x + i + 32), vscale, vmax);
        const __m512 e3 = exp_for_bf16(_mm512_loadu_ps(x + i + 48), vscale, vmax);
        store_pair(y + i, e0, e1), store_pair(y + i + 32, e2, e3);
        s0 = _mm512_add_ps(s0, e0), s1 = _mm512_add_ps(s1, e1), s2 = _mm512_add_ps(s2, e2), s3 = _mm512_add_ps(s3, e3);
    }
    for (; i + 32 <= n; i += 32) {
        const __m512 e0 = exp_for_bf16(_mm512_loadu_ps(x + i), vscale, vmax);
        const __m512 e1 = exp_for_bf16(_mm512_loadu_ps(x + i + 16), vscale, vmax);
        store_pair(y + i, e0, e1);
        s0 = _mm512_add_ps(s0, e0), s1 = _mm512_add_ps(s1, e1);
    }
    for (; i < n; i += 16) { /* 1 to 31 left: whole vector, then the tail under a mask (off lanes: no load, no store) */
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xFFFF : sattn_avx512_tail_mask(n - i);
        const __m512 e = exp_for_bf16(_mm512_maskz_loadu_ps(m, x + i), vscale, vmax);
        _mm256_mask_storeu_epi16(y + i, m, (__m256i)_mm512_cvtneps_pbh(e));
        s2 = _mm512_mask_add_ps(s2, m, s2, e);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* Logit shaping, 16 lanes: soft-capping with tanh.h's algorithm and the ALiBi ramp (multiply, then
 * add: the bits of every ISA). Tails under an opmask. */
#include "../tanh.h"
#include "avx512.h"

static inline __m512 tanh16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 ax = _mm512_abs_ps(x), t = _mm512_mul_ps(ax, ax);
    __m512 p = _mm512_set1_ps(sattn_tanh_series[0]);
    for (int c = 1; c < SATTN_TANH_TERMS; c++) p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(sattn_tanh_series[c]));
    const __m512 series = _mm512_fmadd_ps(ax, _mm512_mul_ps(t, p), ax);
    const __mmask16 small = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(SATTN_TANH_SMALL), _CMP_LT_OQ);
    __m512 r = series;
    if (small != 0xFFFF) { /* capped logits are mostly far below the cap: skip exp and the division then */
        const __m512 e = sattn_avx512_exp(_mm512_mul_ps(ax, _mm512_set1_ps(-2.0f)));
        const __m512 ratio = _mm512_div_ps(_mm512_sub_ps(one, e), _mm512_add_ps(one, e));
        r = _mm512_mask_blend_ps(small, ratio, series);
    }
    const __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(r), sign));
}

SATTN_SOFTCAP_UKERNEL(sattn_f32_softcap_ukernel__avx512) {
    const __m512 vcap = _mm512_set1_ps(cap), vinv = _mm512_set1_ps(1.0f / cap);
    for (size_t i = 0; i < n; i += 16) {
        const __mmask16 m = sattn_avx512_tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(vcap, tanh16(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vinv))));
    }
}

SATTN_VADDRAMP_UKERNEL(sattn_f32_vaddramp_ukernel__avx512) {
    const __m512 vslope = _mm512_set1_ps(slope);
    __m512i d = _mm512_add_epi32(_mm512_set1_epi32(d0),
                                 _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    for (size_t i = 0; i < n; i += 16, d = _mm512_add_epi32(d, _mm512_set1_epi32(16))) {
        const __mmask16 m = sattn_avx512_tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m,
                              _mm512_add_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_mul_ps(vslope, _mm512_cvtepi32_ps(d))));
    }
}

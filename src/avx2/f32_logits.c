/* Logit shaping, 8 lanes: soft-capping with tanh.h's algorithm (series below 0.55, else
 * (1 - e) / (1 + e) with e = exp(-2|x|)), and the ALiBi ramp (multiply, then add: no FMA, so the
 * bits match every ISA). Tails with masked loads and stores. */
#include "../tanh.h"
#include "avx2.h"

static inline __m256 tanh8(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    const __m256 ax = _mm256_andnot_ps(sign, x), t = _mm256_mul_ps(ax, ax);
    __m256 p = _mm256_set1_ps(sattn_tanh_series[0]);
    for (int c = 1; c < SATTN_TANH_TERMS; c++) p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(sattn_tanh_series[c]));
    const __m256 series = _mm256_fmadd_ps(ax, _mm256_mul_ps(t, p), ax);
    const __m256 small = _mm256_cmp_ps(ax, _mm256_set1_ps(SATTN_TANH_SMALL), _CMP_LT_OQ);
    __m256 r = series;
    if (_mm256_movemask_ps(small) != 0xFF) { /* capped logits are mostly far below the cap: skip exp and the division */
        const __m256 e = sattn_avx2_exp_nonpositive(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
        const __m256 ratio = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
        r = _mm256_blendv_ps(ratio, series, small);
    }
    return _mm256_or_ps(r, _mm256_and_ps(x, sign));
}

SATTN_SOFTCAP_UKERNEL(sattn_f32_softcap_ukernel__avx2) {
    const __m256 vcap = _mm256_set1_ps(cap), vinv = _mm256_set1_ps(1.0f / cap);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(vcap, tanh8(_mm256_mul_ps(_mm256_loadu_ps(x + i), vinv))));
    if (i < n) {
        const __m256i mask = sattn_avx2_tail_mask(n - i);
        _mm256_maskstore_ps(y + i, mask, _mm256_mul_ps(vcap, tanh8(_mm256_mul_ps(_mm256_maskload_ps(x + i, mask), vinv))));
    }
}

SATTN_VADDRAMP_UKERNEL(sattn_f32_vaddramp_ukernel__avx2) {
    const __m256 vslope = _mm256_set1_ps(slope);
    __m256i d = _mm256_add_epi32(_mm256_set1_epi32(d0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    size_t i = 0;
    for (; i + 8 <= n; i += 8, d = _mm256_add_epi32(d, _mm256_set1_epi32(8)))
        _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_mul_ps(vslope, _mm256_cvtepi32_ps(d))));
    if (i < n) {
        const __m256i mask = sattn_avx2_tail_mask(n - i);
        _mm256_maskstore_ps(y + i, mask,
                            _mm256_add_ps(_mm256_maskload_ps(x + i, mask), _mm256_mul_ps(vslope, _mm256_cvtepi32_ps(d))));
    }
}

/* exp over the whole float range: 2^n applied as two factors so n = 128 works; below
 * ln(FLT_MIN) gives 0, above ln(FLT_MAX) +inf, NaN stays NaN. */
#include <math.h>

#include "avx2.h"

static inline __m256 exp_full(__m256 x) {
    __m256 t, n;
    const __m256 p = sattn_avx2_exp_poly(x, _mm256_set1_ps(SATTN_EXP_MAGIC), &t, &n);
    const __m256i ni = _mm256_cvtps_epi32(n), n1 = _mm256_srai_epi32(ni, 1);
    const __m256 s1 = sattn_avx2_pow2i(n1), s2 = sattn_avx2_pow2i(_mm256_sub_epi32(ni, n1));
    __m256 e = _mm256_mul_ps(_mm256_fmadd_ps(s1, p, s1), s2);
    e = _mm256_andnot_ps(_mm256_cmp_ps(x, _mm256_set1_ps(SATTN_EXP_MIN_INPUT), _CMP_LT_OQ), e);
    return _mm256_blendv_ps(e, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(x, _mm256_set1_ps(SATTN_EXP_MAX_INPUT), _CMP_GT_OQ));
}

SATTN_VEXP_UKERNEL(sattn_f32_vexp_ukernel__avx2_p6) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp_full(_mm256_loadu_ps(x + i)));
    if (i < n) {
        const __m256i mask = sattn_avx2_tail_mask(n - i);
        _mm256_maskstore_ps(y + i, mask, exp_full(_mm256_maskload_ps(x + i, mask)));
    }
}

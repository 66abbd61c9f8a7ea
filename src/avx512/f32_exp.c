/* exp over the whole float range: vscalefps applies 2^n exactly, n = 128 included; below
 * ln(FLT_MIN) gives 0, above ln(FLT_MAX) +inf, NaN stays NaN. Tails under an opmask. */
#include <math.h>

#include "avx512.h"

static inline __m512 exp_full(__m512 x) {
    const __m512 e = sattn_avx512_exp(x);
    return _mm512_mask_mov_ps(e, _mm512_cmp_ps_mask(x, _mm512_set1_ps(SATTN_EXP_MAX_INPUT), _CMP_GT_OQ),
                              _mm512_set1_ps(INFINITY));
}

SATTN_VEXP_UKERNEL(sattn_f32_vexp_ukernel__avx512_p6) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, exp_full(_mm512_loadu_ps(x + i)));
    if (i < n) {
        const __mmask16 m = sattn_avx512_tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, exp_full(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

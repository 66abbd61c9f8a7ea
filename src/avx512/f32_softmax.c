/* Row kernels for softmax and the online softmax of attention: 16 lanes, several independent
 * chains, tails under an opmask (masked-off lanes neither load nor store). */
#include <math.h>

#include "avx512.h"

SATTN_RMAX_UKERNEL(sattn_f32_rmax_ukernel__avx512) {
    const __m512 neg_inf = _mm512_set1_ps(-INFINITY);
    __m512 m0 = neg_inf, m1 = neg_inf, m2 = neg_inf, m3 = neg_inf;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + i));
        m1 = _mm512_max_ps(m1, _mm512_loadu_ps(x + i + 16));
        m2 = _mm512_max_ps(m2, _mm512_loadu_ps(x + i + 32));
        m3 = _mm512_max_ps(m3, _mm512_loadu_ps(x + i + 48));
    }
    for (; i + 16 <= n; i += 16) m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + i));
    if (i < n) m1 = _mm512_max_ps(m1, _mm512_mask_loadu_ps(neg_inf, sattn_avx512_tail_mask(n - i), x + i));
    return _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
}

SATTN_RADDSTOREEXPMINUSMAX_UKERNEL(sattn_f32_raddstoreexpminusmax_ukernel__avx512_p6) {
    const __m512 vmax = _mm512_set1_ps(max);
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 48 <= n; i += 48) {
        const __m512 e0 = sattn_avx512_exp(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmax));
        const __m512 e1 = sattn_avx512_exp(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vmax));
        const __m512 e2 = sattn_avx512_exp(_mm512_sub_ps(_mm512_loadu_ps(x + i + 32), vmax));
        _mm512_storeu_ps(y + i, e0), _mm512_storeu_ps(y + i + 16, e1), _mm512_storeu_ps(y + i + 32, e2);
        s0 = _mm512_add_ps(s0, e0), s1 = _mm512_add_ps(s1, e1), s2 = _mm512_add_ps(s2, e2);
    }
    for (; i + 16 <= n; i += 16) {
        const __m512 e = sattn_avx512_exp(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmax));
        _mm512_storeu_ps(y + i, e);
        s0 = _mm512_add_ps(s0, e);
    }
    if (i < n) {
        const __mmask16 m = sattn_avx512_tail_mask(n - i);
        const __m512 e = sattn_avx512_exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmax));
        _mm512_mask_storeu_ps(y + i, m, e);
        s1 = _mm512_mask_add_ps(s1, m, s1, e);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), s2));
}

SATTN_VSCALE_UKERNEL(sattn_f32_vscale_ukernel__avx512) {
    const __m512 vs = _mm512_set1_ps(s);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), vs));
        _mm512_storeu_ps(y + i + 16, _mm512_mul_ps(_mm512_loadu_ps(x + i + 16), vs));
    }
    for (; i < n; i += 16) {
        const __mmask16 m = sattn_avx512_tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vs));
    }
}

SATTN_VADD_UKERNEL(sattn_f32_vadd_ukernel__avx512) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(z + i, _mm512_add_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    for (; i < n; i += 16) {
        const __mmask16 m = sattn_avx512_tail_mask(n - i);
        _mm512_mask_storeu_ps(z + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
    }
}

/* Row kernels for softmax and the online softmax of attention: 8 lanes, unrolled for several
 * independent chains, tails with masked loads and stores (no scalar loop over a row). */
#include <math.h>

#include "avx2.h"

SATTN_RMAX_UKERNEL(sattn_f32_rmax_ukernel__avx2) {
    const __m256 neg_inf = _mm256_set1_ps(-INFINITY);
    __m256 m0 = neg_inf, m1 = neg_inf, m2 = neg_inf, m3 = neg_inf;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
        m1 = _mm256_max_ps(m1, _mm256_loadu_ps(x + i + 8));
        m2 = _mm256_max_ps(m2, _mm256_loadu_ps(x + i + 16));
        m3 = _mm256_max_ps(m3, _mm256_loadu_ps(x + i + 24));
    }
    for (; i + 8 <= n; i += 8) m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
    if (i < n) {
        const __m256i mask = sattn_avx2_tail_mask(n - i);
        m1 = _mm256_max_ps(m1, _mm256_blendv_ps(neg_inf, _mm256_maskload_ps(x + i, mask), _mm256_castsi256_ps(mask)));
    }
    return sattn_avx2_hmax(_mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3)));
}

SATTN_RADDSTOREEXPMINUSMAX_UKERNEL(sattn_f32_raddstoreexpminusmax_ukernel__avx2_p6) {
    const __m256 vmax = _mm256_set1_ps(max);
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 24 <= n; i += 24) {
        const __m256 e0 = sattn_avx2_exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        const __m256 e1 = sattn_avx2_exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vmax));
        const __m256 e2 = sattn_avx2_exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(x + i + 16), vmax));
        _mm256_storeu_ps(y + i, e0), _mm256_storeu_ps(y + i + 8, e1), _mm256_storeu_ps(y + i + 16, e2);
        s0 = _mm256_add_ps(s0, e0), s1 = _mm256_add_ps(s1, e1), s2 = _mm256_add_ps(s2, e2);
    }
    for (; i + 8 <= n; i += 8) {
        const __m256 e = sattn_avx2_exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        _mm256_storeu_ps(y + i, e);
        s0 = _mm256_add_ps(s0, e);
    }
    if (i < n) {
        const __m256i mask = sattn_avx2_tail_mask(n - i);
        const __m256 e = sattn_avx2_exp_nonpositive(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), vmax));
        _mm256_maskstore_ps(y + i, mask, e);
        s1 = _mm256_add_ps(s1, _mm256_and_ps(e, _mm256_castsi256_ps(mask)));
    }
    return sattn_avx2_hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), s2));
}

SATTN_VSCALE_UKERNEL(sattn_f32_vscale_ukernel__avx2) {
    const __m256 vs = _mm256_set1_ps(s);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs));
        _mm256_storeu_ps(y + i + 8, _mm256_mul_ps(_mm256_loadu_ps(x + i + 8), vs));
    }
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs));
    if (i < n) {
        const __m256i mask = sattn_avx2_tail_mask(n - i);
        _mm256_maskstore_ps(y + i, mask, _mm256_mul_ps(_mm256_maskload_ps(x + i, mask), vs));
    }
}

SATTN_VADD_UKERNEL(sattn_f32_vadd_ukernel__avx2) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(z + i, _mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    if (i < n) {
        const __m256i mask = sattn_avx2_tail_mask(n - i);
        _mm256_maskstore_ps(z + i, mask, _mm256_add_ps(_mm256_maskload_ps(x + i, mask), _mm256_maskload_ps(y + i, mask)));
    }
}

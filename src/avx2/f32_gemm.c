/* sgemm microkernel, 6x16: twelve YMM accumulators, two B vectors per step and a broadcast of
 * one A element per row feed 12 FMAs. A is read through (rs_a, cs_a), packed or in place. Edge
 * tiles run the same loop (B panels are zero-padded, missing A rows repeat the last row) and
 * store only their mr x nr corner with masked stores. */
#include "avx2.h"

#define MR 6
#define NR 16

static inline void store_row(float *c, __m256 lo, __m256 hi, size_t nr, __m256 alpha, float beta) {
    if (nr == NR) {
        if (beta == 0.0f) {
            _mm256_storeu_ps(c, _mm256_mul_ps(alpha, lo));
            _mm256_storeu_ps(c + 8, _mm256_mul_ps(alpha, hi));
        } else {
            const __m256 vb = _mm256_set1_ps(beta);
            _mm256_storeu_ps(c, _mm256_fmadd_ps(alpha, lo, _mm256_mul_ps(vb, _mm256_loadu_ps(c))));
            _mm256_storeu_ps(c + 8, _mm256_fmadd_ps(alpha, hi, _mm256_mul_ps(vb, _mm256_loadu_ps(c + 8))));
        }
        return;
    }
    const __m256i m_lo = sattn_avx2_tail_mask(nr < 8 ? nr : 8), m_hi = sattn_avx2_tail_mask(nr > 8 ? nr - 8 : 0);
    __m256 v_lo = _mm256_mul_ps(alpha, lo), v_hi = _mm256_mul_ps(alpha, hi);
    if (beta != 0.0f) {
        const __m256 vb = _mm256_set1_ps(beta);
        v_lo = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c, m_lo), v_lo);
        v_hi = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c + 8, m_hi), v_hi);
    }
    _mm256_maskstore_ps(c, m_lo, v_lo);
    _mm256_maskstore_ps(c + 8, m_hi, v_hi);
}

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_6x16__avx2) {
    /* alpha and beta stay behind the params pointer until the stores: the loop has all 16 YMM
     * registers (12 accumulators, 2 B vectors, 1 broadcast) and nothing to spill. */
    const float *a0 = SATTN_TILE_ROW(a, rs_a, 0, mr), *a1 = SATTN_TILE_ROW(a, rs_a, 1, mr);
    const float *a2 = SATTN_TILE_ROW(a, rs_a, 2, mr), *a3 = SATTN_TILE_ROW(a, rs_a, 3, mr);
    const float *a4 = SATTN_TILE_ROW(a, rs_a, 4, mr), *a5 = SATTN_TILE_ROW(a, rs_a, 5, mr);
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma GCC unroll 4
    for (size_t p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        b += NR;
        const size_t o = p * cs_a;
        __m256 av = _mm256_broadcast_ss(a0 + o);
        c00 = _mm256_fmadd_ps(av, b0, c00), c01 = _mm256_fmadd_ps(av, b1, c01);
        av = _mm256_broadcast_ss(a1 + o);
        c10 = _mm256_fmadd_ps(av, b0, c10), c11 = _mm256_fmadd_ps(av, b1, c11);
        av = _mm256_broadcast_ss(a2 + o);
        c20 = _mm256_fmadd_ps(av, b0, c20), c21 = _mm256_fmadd_ps(av, b1, c21);
        av = _mm256_broadcast_ss(a3 + o);
        c30 = _mm256_fmadd_ps(av, b0, c30), c31 = _mm256_fmadd_ps(av, b1, c31);
        av = _mm256_broadcast_ss(a4 + o);
        c40 = _mm256_fmadd_ps(av, b0, c40), c41 = _mm256_fmadd_ps(av, b1, c41);
        av = _mm256_broadcast_ss(a5 + o);
        c50 = _mm256_fmadd_ps(av, b0, c50), c51 = _mm256_fmadd_ps(av, b1, c51);
    }
    const float beta = params->beta;
    const __m256 va = _mm256_set1_ps(params->alpha);
    store_row(c, c00, c01, nr, va, beta);
    if (mr > 1) store_row(c + ldc, c10, c11, nr, va, beta);
    if (mr > 2) store_row(c + 2 * ldc, c20, c21, nr, va, beta);
    if (mr > 3) store_row(c + 3 * ldc, c30, c31, nr, va, beta);
    if (mr > 4) store_row(c + 4 * ldc, c40, c41, nr, va, beta);
    if (mr > 5) store_row(c + 5 * ldc, c50, c51, nr, va, beta);
}

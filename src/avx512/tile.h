/* What every AVX-512 register tile shares, in a header of its own so that the levels built on AVX-512
 * (src/avx512_bf16) and the test that runs their tiles through plain-C stand-ins of the intrinsics
 * (tests/emulated) need nothing else: tail masks and the store of one 32-column tile row. */
#ifndef SATTN_AVX512_TILE_H
#define SATTN_AVX512_TILE_H

#include <immintrin.h>
#include <stddef.h>

/* Lanes [0, n) of 16, n clamped to [0, 16]. */
static inline __mmask16 sattn_avx512_tail_mask(size_t n) {
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
}

/* c[0..32) = alpha * (lo, hi) + beta * c under the row's masks (beta 0: c unread). */
static inline void sattn_avx512_store_tile_row(float *c, __m512 lo, __m512 hi, __mmask16 m_lo, __mmask16 m_hi,
                                               __m512 alpha, float beta) {
    __m512 v_lo = _mm512_mul_ps(alpha, lo), v_hi = _mm512_mul_ps(alpha, hi);
    if ((m_lo & m_hi) == 0xFFFF) { /* a whole row: plain loads and stores (Zen 5 stalls on masked ones) */
        if (beta != 0.0f) {
            const __m512 vb = _mm512_set1_ps(beta);
            v_lo = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c), v_lo);
            v_hi = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c + 16), v_hi);
        }
        _mm512_storeu_ps(c, v_lo);
        _mm512_storeu_ps(c + 16, v_hi);
        return;
    }
    if (beta != 0.0f) {
        const __m512 vb = _mm512_set1_ps(beta);
        v_lo = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m_lo, c), v_lo);
        v_hi = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m_hi, c + 16), v_hi);
    }
    _mm512_mask_storeu_ps(c, m_lo, v_lo);
    _mm512_mask_storeu_ps(c + 16, m_hi, v_hi);
}

/* The end of a 12x32 tile (fp32's and bf16's) whose accumulators are named c00, c01 (row 0) .. c110, c111
 * (row 11): its mr x nr corner stored as alpha * acc + beta * c. A macro, not a function: the 24 accumulators
 * stay in registers under their names. */
#define SATTN_AVX512_STORE_TILE_12x32(c, ldc, mr, nr, params)                                                      \
    do {                                                                                                            \
        const __mmask16 m_lo = sattn_avx512_tail_mask(nr), m_hi = sattn_avx512_tail_mask((nr) > 16 ? (nr)-16 : 0); \
        const float beta = (params)->beta;                                                                          \
        const __m512 va = _mm512_set1_ps((params)->alpha);                                                          \
        sattn_avx512_store_tile_row(c, c00, c01, m_lo, m_hi, va, beta);                                             \
        if ((mr) > 1) sattn_avx512_store_tile_row((c) + 1 * (ldc), c10, c11, m_lo, m_hi, va, beta);                \
        if ((mr) > 2) sattn_avx512_store_tile_row((c) + 2 * (ldc), c20, c21, m_lo, m_hi, va, beta);                \
        if ((mr) > 3) sattn_avx512_store_tile_row((c) + 3 * (ldc), c30, c31, m_lo, m_hi, va, beta);                \
        if ((mr) > 4) sattn_avx512_store_tile_row((c) + 4 * (ldc), c40, c41, m_lo, m_hi, va, beta);                \
        if ((mr) > 5) sattn_avx512_store_tile_row((c) + 5 * (ldc), c50, c51, m_lo, m_hi, va, beta);                \
        if ((mr) > 6) sattn_avx512_store_tile_row((c) + 6 * (ldc), c60, c61, m_lo, m_hi, va, beta);                \
        if ((mr) > 7) sattn_avx512_store_tile_row((c) + 7 * (ldc), c70, c71, m_lo, m_hi, va, beta);                \
        if ((mr) > 8) sattn_avx512_store_tile_row((c) + 8 * (ldc), c80, c81, m_lo, m_hi, va, beta);                \
        if ((mr) > 9) sattn_avx512_store_tile_row((c) + 9 * (ldc), c90, c91, m_lo, m_hi, va, beta);                \
        if ((mr) > 10) sattn_avx512_store_tile_row((c) + 10 * (ldc), c100, c101, m_lo, m_hi, va, beta);            \
        if ((mr) > 11) sattn_avx512_store_tile_row((c) + 11 * (ldc), c110, c111, m_lo, m_hi, va, beta);            \
    } while (0)

#endif

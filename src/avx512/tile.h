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
    if (beta != 0.0f) {
        const __m512 vb = _mm512_set1_ps(beta);
        v_lo = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m_lo, c), v_lo);
        v_hi = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m_hi, c + 16), v_hi);
    }
    _mm512_mask_storeu_ps(c, m_lo, v_lo);
    _mm512_mask_storeu_ps(c + 16, m_hi, v_hi);
}

#endif

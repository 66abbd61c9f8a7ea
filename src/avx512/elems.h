/* Sixteen elements of any type as floats, for the AVX-512 templates (tmpl.h gives the type): the conversion
 * happens in registers, where the data is read. */
#ifndef SATTN_AVX512_ELEMS_H
#define SATTN_AVX512_ELEMS_H

#include "../tmpl.h"
#include "avx512.h"

#if SATTN_TMPL_IS_I4
/* The 16 nibble values as floats: vpermps picks one by a lane's low four bits, so a lane holding byte b gives the
 * even element's value from b and the odd one's from b >> 4 (one operation, where shifts and a conversion took
 * two or three: int4 MHA decode 0.82-0.94x the time, interleaved, on the AMX Xeon VM). */
static inline __m512 sattn_avx512_i4_nibble_values(void) {
    return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1);
}
#endif

/* Elements c..c+min(w, 16) of a row (c a multiple of 16, so even for I4) as floats, lanes past w zero and their
 * memory never read; I8/I4: the integers, unscaled (the callers apply the scales). I4: byte t / 2 in lane t,
 * shifted so that its nibble is the lane's lowest, then looked up. */
static inline __m512 sattn_avx512_load16(const sattn_elem_t *row, size_t c, size_t w) {
    const __mmask16 m = sattn_avx512_tail_mask(w);
    /* Whole vectors by plain loads: a masked load that misses L1 stalls on Zen 5 where a plain one streams. */
#if SATTN_TMPL_IS_F32
    return w >= 16 ? _mm512_loadu_ps(row + c) : _mm512_maskz_loadu_ps(m, row + c);
#elif SATTN_TMPL_IS_F16 || SATTN_TMPL_IS_BF16
    const __m256i h = w >= 16 ? _mm256_loadu_si256((const __m256i *)(row + c)) : _mm256_maskz_loadu_epi16(m, row + c);
#if SATTN_TMPL_IS_F16
    return _mm512_cvtph_ps(h);
#else
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
#endif
#elif SATTN_TMPL_IS_I8
    if (w >= 16) return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(row + c))));
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, row + c)));
#else /* I4 */
    const size_t bytes = w >= 16 ? 8 : (w + 1) / 2;
    __m128i b = w >= 16 ? _mm_loadl_epi64((const __m128i *)(row + c / 2))
                        : _mm_maskz_loadu_epi8((__mmask16)((1u << bytes) - 1u), row + c / 2);
    b = _mm_shuffle_epi8(b, _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
    const __m512i nibble_low = _mm512_srlv_epi32(_mm512_cvtepu8_epi32(b), _mm512_set4_epi32(4, 0, 4, 0));
    return _mm512_maskz_permutexvar_ps(m, nibble_low, sattn_avx512_i4_nibble_values());
#endif
}

#endif

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

#if SATTN_TMPL_QUANT
/* The group of column c: a shift for the power-of-two groups engines use, else a division. */
static inline size_t sattn_avx512_group_of(size_t c, size_t group) {
    return (group & (group - 1)) == 0 ? c >> __builtin_ctzl(group) : c / group;
}

/* The scales of columns c..c+min(w, 16) of a row whose scales are srow: one broadcast when the columns lie in one
 * group, two for halves of groups of 8k, else lane by lane (lanes past w: 0). */
static inline __m512 sattn_avx512_scales16(const float *srow, size_t c, size_t w, size_t group) {
    const size_t n = w < 16 ? w : 16, g = sattn_avx512_group_of(c, group);
    if (sattn_avx512_group_of(c + n - 1, group) == g) return _mm512_set1_ps(srow[g]);
    if (group % 8 == 0 && c % 8 == 0 && n == 16)
        return _mm512_insertf32x8(_mm512_set1_ps(srow[g]), _mm256_set1_ps(srow[sattn_avx512_group_of(c + 8, group)]), 1);
    float s[16] = {0};
    for (size_t t = 0, gt = g, r = c - g * group; t < n; t++) { /* r: column c + t's place in its group */
        s[t] = srow[gt];
        if (++r == group) r = 0, gt++;
    }
    return _mm512_loadu_ps(s);
}
#endif

/* Elements c..c+min(w, 16) as their values (lanes past w zero), I8/I4 scaled lane by lane (srow: the row's
 * scales, counted from the row's column 0). */
static inline __m512 sattn_avx512_load16_scaled(const sattn_elem_t *row, size_t c, size_t w, const float *srow,
                                                size_t group) {
    const __m512 x = sattn_avx512_load16(row, c, w);
#if SATTN_TMPL_QUANT
    return _mm512_maskz_mul_ps(sattn_avx512_tail_mask(w), x, sattn_avx512_scales16(srow, c, w, group));
#else
    (void)srow, (void)group;
    return x;
#endif
}

#endif

/* Eight elements of any type as floats, for the AVX2 templates (tmpl.h gives the type): the
 * conversion happens in registers, where the data is read. F16 needs F16C (the f16 instantiation
 * is compiled with -mf16c and used only on CPUs that have it). */
#ifndef SATTN_AVX2_ELEMS_H
#define SATTN_AVX2_ELEMS_H

#include "../tmpl.h"
#include "avx2.h"

/* The scale index of column c: a shift for the usual power-of-two groups, else a division. */
static inline size_t sattn_avx2_group_of(size_t c, size_t group) {
    return (group & (group - 1)) == 0 ? c >> __builtin_ctzl(group) : c / group;
}

/* The scales of columns c..c+7 of a row whose scales are srow: one broadcast when a group holds
 * whole vectors, else lane by lane. */
static inline __m256 sattn_avx2_scales8(const float *srow, size_t c, size_t group) {
    if (group % 8 == 0) return _mm256_broadcast_ss(srow + sattn_avx2_group_of(c, group));
    float s[8];
    for (size_t t = 0; t < 8; t++) s[t] = srow[(c + t) / group];
    return _mm256_loadu_ps(s);
}

/* The unscaled values of 8 I8/I4 elements from column c (load_elems scales them; the quantised
 * decode loops fold the scale in elsewhere). I4: the 8 nibbles of one 32-bit word, lane t shifting
 * its nibble to the top, then an arithmetic shift bringing it back sign-extended. */
#if SATTN_TMPL_QUANT
static inline __m256 sattn_avx2_load_quant(const sattn_elem_t *row, size_t c) {
#if SATTN_TMPL_IS_I8
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(row + c))));
#else
    int32_t word;
    memcpy(&word, row + c / 2, sizeof word);
    const __m256i top = _mm256_sllv_epi32(_mm256_set1_epi32(word), _mm256_setr_epi32(28, 24, 20, 16, 12, 8, 4, 0));
    return _mm256_cvtepi32_ps(_mm256_srai_epi32(top, 28));
#endif
}
#endif

/* Elements c..c+min(w, 8) of a row (c a multiple of 8, so even for I4) as floats, lanes past w
 * zero; srow: the row's scales (I8/I4). */
static inline __m256 sattn_avx2_load_elems(const sattn_elem_t *row, size_t c, size_t w, const float *srow,
                                           size_t group) {
    if (w < 8) {
#if SATTN_TMPL_IS_F32
        return _mm256_maskload_ps(row + c, sattn_avx2_tail_mask(w));
#else
        float buf[8] = {0};
        for (size_t t = 0; t < w; t++) buf[t] = sattn_elem_get(row, c + t, srow, group);
        return _mm256_loadu_ps(buf);
#endif
    }
#if SATTN_TMPL_IS_F32
    (void)srow, (void)group;
    return _mm256_loadu_ps(row + c);
#elif SATTN_TMPL_IS_F16
    (void)srow, (void)group;
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + c)));
#elif SATTN_TMPL_IS_BF16
    (void)srow, (void)group;
    const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(row + c)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
#else /* I8, I4: the integers, times the scales */
    return _mm256_mul_ps(sattn_avx2_load_quant(row, c), sattn_avx2_scales8(srow, c, group));
#endif
}

#endif

/* Row conversions at 16 lanes, compiled once per element type (tmpl.h): sattn_convert, sattn_quantize and
 * the Q/O conversions. Every result is bit-identical to the scalar reference (elem.h): F16 rounds in
 * vcvtps2ph, BF16 with integer adds, and quantisation divides by the same scale with IEEE division and
 * rounds ties away by an exact addition. Any group size runs here: a row's scales first, then its q 32 at a
 * time where groups hold whole vectors (a broadcast scale each), else 16 at a time with each lane's own. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../tmpl.h"
#include "avx512.h"
#include "elems.h"

SATTN_TO_F32_UKERNEL(SATTN_TMPL_FN(to_f32, avx512)) {
    const sattn_elem_t *row = src;
    for (size_t c = 0; c < n; c += 16) {
        const size_t w = n - c;
        const __m512 x = sattn_avx512_load16_scaled(row, c, w, scales, group);
        if (w >= 16) /* plain stores for whole vectors: masked ones stall Zen 5 on a stream */
            _mm512_storeu_ps(dst + c, x);
        else
            _mm512_mask_storeu_ps(dst + c, sattn_avx512_tail_mask(w), x);
    }
}

#if SATTN_TMPL_QUANT
/* A group's scale: max |x| over its n floats as integers on the bits (the integer order of |x|'s bits is the
 * float order, and Inf and every NaN lie above the largest finite value, so one maximum finds both), divided
 * by the type's largest q; NaN when the group held a NaN or Inf. */
static inline float group_scale(size_t n, const float *x) {
    const __m512i abs = _mm512_set1_epi32(0x7FFFFFFF);
    __m512i m = _mm512_setzero_si512();
    size_t c = 0;
    for (; c + 16 <= n; c += 16) m = _mm512_max_epu32(m, _mm512_and_si512(_mm512_loadu_si512(x + c), abs));
    if (c < n) {
        const __m512i tail = _mm512_maskz_loadu_epi32(sattn_avx512_tail_mask(n - c), x + c);
        m = _mm512_max_epu32(m, _mm512_and_si512(tail, abs));
    }
    const uint32_t bits = (uint32_t)_mm512_reduce_max_epu32(m);
    if (bits >= 0x7F800000u) return NAN;
    float amax;
    memcpy(&amax, &bits, sizeof amax);
    return amax / (float)SATTN_TMPL_QMAX;
}

/* q of 16 floats with their lanes' scales, as int32 lanes, 0 where a scale is not finite and > 0: y = x / scale
 * rounded to nearest, ties away from zero, as trunc(y + copysign(0.5 - 2^-25, y)) (exact, or rounding onto the
 * right integer, for every float y: AVX2's quantize8 says why). Not clamped: the callers' saturating
 * narrowings clamp I8, and clamp I4 to [-8, 7] where they narrow it. */
static inline __m512i quantize16(__m512 x, __m512 vs) {
    const __mmask16 usable = _mm512_cmp_ps_mask(vs, _mm512_setzero_ps(), _CMP_GT_OQ) &
                             _mm512_cmp_ps_mask(vs, _mm512_set1_ps(3.40282347e38f), _CMP_LE_OQ);
    const __m512 y = _mm512_maskz_div_ps(usable, x, vs);
    /* (y & sign) | (0.5 - 2^-25) in one ternary-logic operation (imm 0xEA: (a & b) | c) */
    const __m512i half = _mm512_ternarylogic_epi32(_mm512_castps_si512(y), _mm512_set1_epi32((int)0x80000000u),
                                                   _mm512_castps_si512(_mm512_set1_ps(0x1.fffffep-2f)), 0xEA);
    return _mm512_cvttps_epi32(_mm512_add_ps(y, _mm512_castsi512_ps(half)));
}

/* The q of columns c..c+min(w, 16) of the row stored (I4: c even; an odd w leaves the high nibble of its last
 * byte, the next column's, as it was). */
static inline void store_q16(sattn_elem_t *out, size_t c, size_t w, __m512i q) {
#if SATTN_TMPL_IS_I8
    if (w >= 16)
        _mm_storeu_si128((__m128i *)(out + c), _mm512_cvtsepi32_epi8(q));
    else
        _mm512_mask_cvtsepi32_storeu_epi8(out + c, sattn_avx512_tail_mask(w), q);
#else
    q = _mm512_min_epi32(_mm512_max_epi32(q, _mm512_set1_epi32(SATTN_TMPL_QMIN)), _mm512_set1_epi32(SATTN_TMPL_QMAX));
    /* Each 64-bit lane: the even element's nibble in bits 0-3, the odd one's in bits 36-39; shifted down by 32
     * and or'ed, the byte is the lane's lowest, which vpmovqb keeps. */
    const __m512i nib = _mm512_sllv_epi32(_mm512_and_si512(q, _mm512_set1_epi32(0xF)), _mm512_set4_epi32(4, 0, 4, 0));
    const __m512i bytes = _mm512_or_si512(nib, _mm512_srli_epi64(nib, 32));
    if (w >= 16) {
        _mm_storel_epi64((__m128i *)(out + c / 2), _mm512_cvtepi64_epi8(bytes));
        return;
    }
    const size_t whole = w / 2;
    _mm512_mask_cvtepi64_storeu_epi8(out + c / 2, (__mmask8)((1u << whole) - 1u), bytes);
    if (w % 2) { /* the last element's nibble, low in its byte */
        uint8_t last[8];
        _mm_storel_epi64((__m128i *)last, _mm512_cvtepi64_epi8(bytes));
        out[c / 2 + whole] = (uint8_t)((out[c / 2 + whole] & 0xF0u) | (last[whole] & 0x0Fu));
    }
#endif
}

/* The q of columns c..c+31 stored, from two vectors: I8 narrowed with saturation; I4 packed to 16-bit lanes
 * with saturation, clamped, and each pair of nibbles made one byte by a multiply-add (even + 16 x odd) and a
 * truncation (vpmovdb), whose 128-bit lanes alternate the two vectors' pairs, put in order by a byte shuffle:
 * half the operations of two store_q16 (whose vpmovqb a vector made int4 slower than AVX2's quantiser). */
static inline void store_q32(sattn_elem_t *out, size_t c, __m512i q0, __m512i q1) {
#if SATTN_TMPL_IS_I8
    _mm_storeu_si128((__m128i *)(out + c), _mm512_cvtsepi32_epi8(q0));
    _mm_storeu_si128((__m128i *)(out + c + 16), _mm512_cvtsepi32_epi8(q1));
#else
    __m512i p = _mm512_packs_epi32(q0, q1); /* 128-bit lane L: q0[4L..4L+3], q1[4L..4L+3] */
    p = _mm512_min_epi16(_mm512_max_epi16(p, _mm512_set1_epi16(SATTN_TMPL_QMIN)), _mm512_set1_epi16(SATTN_TMPL_QMAX));
    const __m512i pairs = _mm512_madd_epi16(_mm512_and_si512(p, _mm512_set1_epi16(0xF)), _mm512_set1_epi32(0x00100001));
    const __m128i b = _mm512_cvtepi32_epi8(pairs); /* bytes 4L, 4L+1: q0's pairs 2L, 2L+1; 4L+2, 4L+3: q1's */
    _mm_storeu_si128((__m128i *)(out + c / 2),
                     _mm_shuffle_epi8(b, _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15)));
#endif
}
#endif

SATTN_FROM_F32_UKERNEL(SATTN_TMPL_FN(from_f32, avx512)) {
    sattn_elem_t *out = dst;
#if SATTN_TMPL_QUANT
    /* Every scale of the row first, then its q: 32 at a time where groups hold whole vectors, and the rest (an odd
     * last vector, or groups that split vectors) 16 at a time with each lane's own scale. */
    size_t c = 0;
    for (size_t g = 0; g < n / group; g++) scales[g] = group_scale(group, src + g * group);
    if (group % 16 == 0) {
        for (; c + 32 <= n; c += 32)
            store_q32(out, c, quantize16(_mm512_loadu_ps(src + c), sattn_avx512_scales16(scales, c, 16, group)),
                      quantize16(_mm512_loadu_ps(src + c + 16), sattn_avx512_scales16(scales, c + 16, 16, group)));
    }
    for (; c < n; c += 16) {
        const size_t w = n - c;
        const __m512 x = w >= 16 ? _mm512_loadu_ps(src + c) : _mm512_maskz_loadu_ps(sattn_avx512_tail_mask(w), src + c);
        store_q16(out, c, w, quantize16(x, sattn_avx512_scales16(scales, c, w, group)));
    }
#elif SATTN_TMPL_IS_F32
    (void)group, (void)scales;
    memcpy(out, src, n * sizeof *src);
#else
    (void)group, (void)scales;
    for (size_t c = 0; c < n; c += 16) {
        const size_t w = n - c;
        const __mmask16 m = sattn_avx512_tail_mask(w);
        const __m512 x = w >= 16 ? _mm512_loadu_ps(src + c) : _mm512_maskz_loadu_ps(m, src + c);
#if SATTN_TMPL_IS_F16
        const __m256i h = _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#else
        const __m256i h = sattn_avx512_round_bf16(x);
#endif
        if (w >= 16)
            _mm256_storeu_si256((__m256i *)(out + c), h);
        else
            _mm256_mask_storeu_epi16(out + c, m, h);
    }
#endif
}

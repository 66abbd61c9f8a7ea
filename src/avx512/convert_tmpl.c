/* Row conversions at 16 lanes, compiled once per element type (tmpl.h): sattn_convert, sattn_quantize and
 * the Q/O conversions. Every result is bit-identical to the scalar reference (elem.h): F16 rounds in
 * vcvtps2ph, BF16 with integer adds, and quantisation divides by the same scale with IEEE division and
 * rounds ties away by an exact addition. Any group size runs here: groups of 16k four at a time (their scales by
 * one reduction and one division, then their q, 32 at a time), other groups a row's scales first, then its q 16 at
 * a time with each lane's own scale. */
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
/* The lane-wise maximum of |x|'s bits over a group of 16k floats. */
static inline __m512i group_max_bits16(size_t n, const float *x) {
    const __m512i abs = _mm512_set1_epi32(0x7FFFFFFF);
    __m512i m = _mm512_and_si512(_mm512_loadu_si512(x), abs);
    for (size_t c = 16; c < n; c += 16) m = _mm512_max_epu32(m, _mm512_and_si512(_mm512_loadu_si512(x + c), abs));
    return m;
}

/* Scales of up to four groups from their maximum |x| bits (the integer order of |x|'s bits is the float order, and
 * Inf and every NaN lie above the largest finite value, so one maximum finds both): the maximum divided by the
 * type's largest q by one division, NaN where a group held a NaN or Inf. */
static inline __m128 scales_of_max_bits4(__m128i bits) {
    const __m128 s = _mm_div_ps(_mm_castsi128_ps(bits), _mm_set1_ps((float)SATTN_TMPL_QMAX));
    return _mm_mask_mov_ps(s, _mm_cmpge_epu32_mask(bits, _mm_set1_epi32(0x7F800000)), _mm_set1_ps(NAN));
}

/* A group's scale, any n. */
static inline float group_scale(size_t n, const float *x) {
    const size_t whole = n / 16 * 16;
    __m512i m = whole ? group_max_bits16(whole, x) : _mm512_setzero_si512();
    if (whole < n) {
        const __m512i tail = _mm512_maskz_loadu_epi32(sattn_avx512_tail_mask(n - whole), x + whole);
        m = _mm512_max_epu32(m, _mm512_and_si512(tail, _mm512_set1_epi32(0x7FFFFFFF)));
    }
    return _mm_cvtss_f32(scales_of_max_bits4(_mm_cvtsi32_si128(_mm512_reduce_max_epu32(m))));
}

/* y rounded to nearest, ties away from zero, as int32 lanes: trunc(y + copysign(0.5 - 2^-25, y)), exact or rounding
 * onto the right integer for every float y (AVX2's quantize8 says why). */
static inline __m512i round_away16(__m512 y) {
    /* (y & sign) | (0.5 - 2^-25) in one ternary-logic operation (imm 0xEA: (a & b) | c) */
    const __m512i half = _mm512_ternarylogic_epi32(_mm512_castps_si512(y), _mm512_set1_epi32((int)0x80000000u),
                                                   _mm512_castps_si512(_mm512_set1_ps(0x1.fffffep-2f)), 0xEA);
    return _mm512_cvttps_epi32(_mm512_add_ps(y, _mm512_castsi512_ps(half)));
}

/* q of 16 floats with their lanes' scales, as int32 lanes, 0 where a scale is not finite and > 0: x / scale
 * rounded (round_away16). Not clamped: the callers' saturating narrowings clamp I8, and clamp I4 to [-8, 7] where
 * they narrow it. */
static inline __m512i quantize16(__m512 x, __m512 vs) {
    const __mmask16 usable = _mm512_cmp_ps_mask(vs, _mm512_setzero_ps(), _CMP_GT_OQ) &
                             _mm512_cmp_ps_mask(vs, _mm512_set1_ps(3.40282347e38f), _CMP_LE_OQ);
    return round_away16(_mm512_maskz_div_ps(usable, x, vs));
}

/* q of the 16 floats at x with the scale vs of their group: plain divisions when every scale of the batch of groups
 * is normal and finite (`usable`, a predicted branch), so that they start as soon as the scale is known (a mask of
 * it is one more step before each: 0.78x the time of the whole kernel in cache with it gone); else quantize16. */
static inline __m512i quantize16_batch(const float *x, __m512 vs, int usable) {
    return usable ? round_away16(_mm512_div_ps(_mm512_loadu_ps(x), vs)) : quantize16(_mm512_loadu_ps(x), vs);
}

/* Lane t of the result: the maximum of mt's 16 lanes, four reductions in 11 operations where one
 * _mm512_reduce_max_epu32 takes 7 (interleave pairs of vectors within 128-bit lanes, then the lanes). */
static inline __m128i max_lanes4(__m512i m0, __m512i m1, __m512i m2, __m512i m3) {
    const __m512i a = _mm512_max_epu32(_mm512_unpacklo_epi32(m0, m1), _mm512_unpackhi_epi32(m0, m1));
    const __m512i b = _mm512_max_epu32(_mm512_unpacklo_epi32(m2, m3), _mm512_unpackhi_epi32(m2, m3));
    const __m512i c = _mm512_max_epu32(_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b)); /* lanes: m0..m3 */
    const __m256i d = _mm256_max_epu32(_mm512_castsi512_si256(c), _mm512_extracti64x4_epi64(c, 1));
    return _mm_max_epu32(_mm256_castsi256_si128(d), _mm256_extracti128_si256(d, 1));
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
 * half the operations of two store_q16 (whose vpmovqb a vector made int4 slower than AVX2's quantiser). in_range:
 * every q is known to lie in I4's range already, and the clamp is left out. */
static inline void store_q32(sattn_elem_t *out, size_t c, __m512i q0, __m512i q1, int in_range) {
#if SATTN_TMPL_IS_I8
    (void)in_range; /* the narrowing saturates */
    _mm_storeu_si128((__m128i *)(out + c), _mm512_cvtsepi32_epi8(q0));
    _mm_storeu_si128((__m128i *)(out + c + 16), _mm512_cvtsepi32_epi8(q1));
#else
    __m512i p = _mm512_packs_epi32(q0, q1); /* 128-bit lane L: q0[4L..4L+3], q1[4L..4L+3] */
    if (!in_range)
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
    size_t c = 0;
    if (group % 16 == 0) {
        /* Groups of 16k, four at a time: their scales by one reduction and one division, then their q, each
         * group's scale one broadcast, 32 q at a time (and 16 for an odd vector). Against a reduction and a
         * division per group and each vector's scale from memory, on the Zen 5 VM (rows of 128 in L1, medians of
         * 101 alternating rounds): int8 in groups of 16 / 32 / whole rows 0.86x / 0.85x / 0.82x the time, int4 in
         * groups of 32 / 64 0.89x / 0.82x; from memory (64 Mi elements) 0.88-1.02x on one thread, 0.89-0.97x on
         * two, where the stream bounds it. */
        const size_t groups = n / group;
        for (size_t g0 = 0; g0 < groups; g0 += 4) {
            const size_t gn = groups - g0 < 4 ? groups - g0 : 4;
            /* in registers: an array of them went through the stack, and a 64-byte load from a 64-byte store
             * waited for it on Zen 5 */
            const float *x4 = src + g0 * group;
            const __m512i z = _mm512_setzero_si512(), m0 = group_max_bits16(group, x4);
            const __m512i m1 = gn > 1 ? group_max_bits16(group, x4 + group) : z;
            const __m512i m2 = gn > 2 ? group_max_bits16(group, x4 + 2 * group) : z;
            const __m512i m3 = gn > 3 ? group_max_bits16(group, x4 + 3 * group) : z;
            const __m128 s4 = scales_of_max_bits4(max_lanes4(m0, m1, m2, m3));
            const __mmask8 batch = (__mmask8)((1u << gn) - 1u);
            _mm_mask_storeu_ps(scales + g0, batch, s4);
            /* Normal scales (a subnormal one is usable too, but quantize16's path takes it) also keep every q in
             * the type's range: |x| / scale <= QMAX / (1 - 2^-24) rounds to at most QMAX, so I4 needs no clamp. */
            const int usable = (_mm_cmp_ps_mask(s4, _mm_set1_ps(1.17549435e-38f), _CMP_GE_OQ) &
                                _mm_cmp_ps_mask(s4, _mm_set1_ps(3.40282347e38f), _CMP_LE_OQ) & batch) == batch;
            for (size_t t = 0; t < gn; t++, c += group) {
                /* the scale broadcast from the register: a load would wait for the masked store (no forwarding) */
                const __m512 vs = _mm512_permutexvar_ps(_mm512_set1_epi32((int)t), _mm512_castps128_ps512(s4));
                size_t e = 0;
                for (; e + 32 <= group; e += 32)
                    store_q32(out, c + e, quantize16_batch(src + c + e, vs, usable),
                              quantize16_batch(src + c + e + 16, vs, usable), usable);
                if (e < group) store_q16(out, c + e, 16, quantize16_batch(src + c + e, vs, usable));
            }
        }
        return;
    }
    /* Other groups: every scale of the row first, then its q 16 at a time with each lane's own scale. */
    for (size_t g = 0; g < n / group; g++) scales[g] = group_scale(group, src + g * group);
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

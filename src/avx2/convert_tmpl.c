/* Row conversions, 8 lanes, compiled once per element type (tmpl.h): sattn_convert,
 * sattn_quantize and the Q/O conversions. Every result is bit-identical to the scalar reference
 * (elem.h): F16 rounds in F16C's converter, BF16 rounds with integer adds, quantisation divides
 * by the same scale with IEEE division and rounds ties away by an exact addition (quantize8). */
#include <stdint.h>
#include <string.h>

#include "../scalar/scalar.h"
#include "avx2.h"
#include "elems.h"

SATTN_TO_F32_UKERNEL(SATTN_TMPL_FN(to_f32, avx2)) {
    const sattn_elem_t *row = src;
    for (size_t c = 0; c < n; c += 8) {
        const size_t w = n - c;
        const __m256 x = sattn_avx2_load_elems(row, c, w, scales, group);
        if (w >= 8)
            _mm256_storeu_ps(dst + c, x);
        else
            _mm256_maskstore_ps(dst + c, sattn_avx2_tail_mask(w), x);
    }
}

#if SATTN_TMPL_QUANT
/* A group's scale from the lane-wise maximum of its |x| bits (NaN when it held a NaN or Inf). On |x|'s bits
 * the integer order is the float order, and Inf and every NaN lie above the largest finite value, so one
 * integer max finds the maximum and the bad values alike (a float max may drop a NaN: each vector was
 * compared as well, ten instructions more per group of 32). */
static inline float scale_of_max_bits(__m256i m) {
    __m128i h = _mm_max_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
    h = _mm_max_epi32(h, _mm_shuffle_epi32(h, 0x4E));
    h = _mm_max_epi32(h, _mm_shuffle_epi32(h, 0xB1));
    const uint32_t bits = (uint32_t)_mm_cvtsi128_si32(h);
    if (bits >= 0x7F800000u) return NAN;
    float amax;
    memcpy(&amax, &bits, sizeof amax);
    return amax / (float)SATTN_TMPL_QMAX;
}

static inline __m256i abs_bits(__m256 x) { return _mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x7FFFFFFF)); }

/* The scale of one group of 8k floats. */
static inline float group_scale(size_t n, const float *x) {
    __m256i m = _mm256_setzero_si256();
    for (size_t c = 0; c < n; c += 8) m = _mm256_max_epi32(m, abs_bits(_mm256_loadu_ps(x + c)));
    return scale_of_max_bits(m);
}

/* q of 8 floats with the group's scale vs (usable: finite and > 0, else every q is 0), as int32 lanes:
 * y = x / scale rounded to nearest with ties away from zero as trunc(y + copysign(0.5 - 2^-25, y)). That sum
 * is exact or rounds onto the right integer for every float y: below 0.5 it stays under 1 (0.5 - 2^-25 twice
 * is 1 - 2^-24), a tie k + 0.5 reaches k + 1 - 2^-25, which rounds to k + 1 from |y| >= 0.5 on. Five
 * operations where comparing the remainder took ten (the chain each group waits on, too). Not clamped: the
 * callers' saturating packs clamp I8 to [-128, 127], and I4 is clamped in bytes after them (clamp_bytes; a
 * subnormal scale can make |y| pass 7.5, never 128). */
static inline __m256i quantize8(__m256 x, __m256 vs, int usable) {
    if (!usable) return _mm256_setzero_si256();
    const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256 y = _mm256_div_ps(x, vs);
    return _mm256_cvttps_epi32(_mm256_add_ps(y, _mm256_or_ps(_mm256_and_ps(y, sign), _mm256_set1_ps(0x1.fffffep-2f))));
}

/* Saturated int8 q clamped to the type's range (I4: [-8, 7]; I8: the packs did it). */
static inline __m256i clamp_bytes(__m256i q) {
#if SATTN_TMPL_IS_I8
    return q;
#else
    return _mm256_min_epi8(_mm256_max_epi8(q, _mm256_set1_epi8(SATTN_TMPL_QMIN)), _mm256_set1_epi8(SATTN_TMPL_QMAX));
#endif
}

static inline int scale_usable(float scale) { return scale > 0.0f && scale <= 3.40282347e38f; }

/* The scale of a group of 32 floats already in registers. */
static inline float scale32(const __m256 x[4]) {
    return scale_of_max_bits(_mm256_max_epi32(_mm256_max_epi32(abs_bits(x[0]), abs_bits(x[1])),
                                              _mm256_max_epi32(abs_bits(x[2]), abs_bits(x[3]))));
}

/* The q of 32 floats x (one scale) stored from element e0 of the row (a multiple of 32). */
static inline void quantize_store32(const __m256 x[4], float scale, sattn_elem_t *out, size_t e0) {
    const int usable = scale_usable(scale);
    const __m256 vs = _mm256_set1_ps(scale);
    const __m256i q0 = quantize8(x[0], vs, usable), q1 = quantize8(x[1], vs, usable);
    const __m256i q2 = quantize8(x[2], vs, usable), q3 = quantize8(x[3], vs, usable);
    /* int32 -> int8 with saturating packs (within 128-bit lanes), then the lanes' dwords back in order */
    const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
    const __m256i q8 = clamp_bytes(_mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
#if SATTN_TMPL_IS_I8
    _mm256_storeu_si256((__m256i *)(out + e0), q8);
#else
    /* Bytes 2t and 2t+1 become one: the even element's nibble + 16 x the odd one's, per 16-bit lane. */
    const __m256i w = _mm256_maddubs_epi16(_mm256_and_si256(q8, _mm256_set1_epi8(0x0F)), _mm256_set1_epi16(0x1001));
    const __m128i packed = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    _mm_storeu_si128((__m128i *)(out + e0 / 2), packed);
#endif
}

/* Groups of 32, one pass: a group's four vectors are loaded once, its scale found and applied in registers,
 * and its 32 q packed and stored at once (the two-pass loop below ran 5 instructions per element: callgrind,
 * 1 Mi elements in rows of 128). The next group's scale is found before this group's q, so its reduction
 * and division overlap this group's divisions instead of waiting behind them. */
static void quantize_groups32(size_t groups, const float *x, sattn_elem_t *out, float *scales) {
    __m256 cur[4], next[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int t = 0; t < 4; t++) cur[t] = _mm256_loadu_ps(x + 8 * t);
    float scale = scale32(cur);
    for (size_t g = 0; g < groups; g++) {
        float next_scale = 0.0f;
        if (g + 1 < groups) {
            for (int t = 0; t < 4; t++) next[t] = _mm256_loadu_ps(x + 32 * (g + 1) + 8 * t);
            next_scale = scale32(next);
        }
        scales[g] = scale;
        quantize_store32(cur, scale, out, 32 * g);
        for (int t = 0; t < 4; t++) cur[t] = next[t];
        scale = next_scale;
    }
}

/* q of one group of 8k floats with its scale, stored from element e0 of the row. */
static inline void quantize_group(size_t n, const float *x, float scale, sattn_elem_t *out, size_t e0) {
    const int usable = scale_usable(scale);
    const __m256 vs = _mm256_set1_ps(scale);
    for (size_t c = 0; c < n; c += 8) {
        const __m256i q = quantize8(_mm256_loadu_ps(x + c), vs, usable);
        const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
#if SATTN_TMPL_IS_I8
        _mm_storel_epi64((__m128i *)(out + e0 + c), _mm_packs_epi16(q16, q16));
#else
        /* Clamped, then pairs of 16-bit q become one byte: the even element's nibble low, the odd one's high. */
        const __m128i c16 = _mm_min_epi16(_mm_max_epi16(q16, _mm_set1_epi16(SATTN_TMPL_QMIN)), _mm_set1_epi16(SATTN_TMPL_QMAX));
        const __m128i lo = _mm_and_si128(c16, _mm_set1_epi32(0xF));
        const __m128i hi = _mm_and_si128(_mm_srli_epi32(c16, 12), _mm_set1_epi32(0xF0));
        const __m128i b32 = _mm_or_si128(lo, hi);
        const __m128i b8 = _mm_packus_epi16(_mm_packus_epi32(b32, b32), _mm_setzero_si128());
        const int32_t word = _mm_cvtsi128_si32(b8);
        memcpy(out + (e0 + c) / 2, &word, sizeof word);
#endif
    }
}
#endif

SATTN_FROM_F32_UKERNEL(SATTN_TMPL_FN(from_f32, avx2)) {
    sattn_elem_t *out = dst;
#if SATTN_TMPL_QUANT
    if (group % 8) { /* groups that split vectors: the portable code */
        SATTN_TMPL_FN(from_f32, scalar)(n, src, dst, group, scales);
        return;
    }
    const size_t groups = n / group;
    if (group == 32) {
        quantize_groups32(groups, src, out, scales);
        return;
    }
    /* Every scale of the row first, so their divisions overlap instead of waiting on each other; then groups of
     * 32k 32 q at a time (quantize_groups32's packing; against 8 at a time, the Zen 5 VM, rows in L1, medians of
     * 101 alternating rounds: rows of 128 in groups of 64 or one scale, int8 0.87-0.92x the time, int4
     * 0.70-0.73x; rows of 1024, one scale, 0.88x and 0.64x), other groups 8 at a time. */
    for (size_t g = 0; g < groups; g++) scales[g] = group_scale(group, src + g * group);
    if (group % 32 == 0) {
        for (size_t g = 0, c = 0; g < groups; g++)
            for (size_t e = 0; e < group; e += 32, c += 32) {
                const __m256 x[4] = {_mm256_loadu_ps(src + c), _mm256_loadu_ps(src + c + 8),
                                     _mm256_loadu_ps(src + c + 16), _mm256_loadu_ps(src + c + 24)};
                quantize_store32(x, scales[g], out, c);
            }
        return;
    }
    for (size_t g = 0; g < groups; g++) quantize_group(group, src + g * group, scales[g], out, g * group);
#elif SATTN_TMPL_IS_F32
    (void)group, (void)scales;
    memcpy(out, src, n * sizeof *src);
#else
    (void)group, (void)scales;
    size_t c = 0;
    for (; c + 8 <= n; c += 8) {
        const __m256 x = _mm256_loadu_ps(src + c);
#if SATTN_TMPL_IS_F16
        const __m128i h = _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#else
        const __m256i b = _mm256_castps_si256(x);
        const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
        const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(b, _mm256_set1_epi32(0x7FFF)), lsb), 16);
        const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(0x40));
        const __m256i r = _mm256_blendv_epi8(rounded, quiet, _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
        const __m128i h = _mm256_castsi256_si128(packed);
#endif
        _mm_storeu_si128((__m128i *)(out + c), h);
    }
    if (c < n) SATTN_TMPL_FN(from_f32, scalar)(n - c, src + c, out + c, group, scales);
#endif
}

/* The element types one value at a time: the reference conversions every ISA's vector code must
 * match bit for bit (tests compare them), and the sizes drivers address tensors with. */
#ifndef SATTN_ELEM_H
#define SATTN_ELEM_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sattn.h"

#define SATTN_DTYPE_COUNT 5

/* Bits of one element: an I4 element is half a byte, so an offset of an I4 tensor must be even. */
static inline size_t sattn_dtype_bits(sattn_dtype t) {
    static const unsigned char bits[SATTN_DTYPE_COUNT] = {32, 16, 16, 8, 4};
    return bits[t];
}
/* Bytes of n elements (rounded up: an odd count of I4 elements ends in half a byte). */
static inline size_t sattn_elem_bytes(size_t n, sattn_dtype t) { return (n * sattn_dtype_bits(t) + 7) / 8; }
static inline int sattn_dtype_quantized(sattn_dtype t) { return t == SATTN_DTYPE_I8 || t == SATTN_DTYPE_I4; }
/* The address of element `off` of a tensor (off even for I4). */
static inline const void *sattn_elem_addr(const void *base, sattn_dtype t, size_t off) {
    return (const char *)base + off * sattn_dtype_bits(t) / 8;
}

static inline uint32_t sattn_f32_bits(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    return x;
}
static inline float sattn_bits_f32(uint32_t x) {
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

/* binary16 -> binary32, exact; a signalling NaN comes back quiet, as the hardware converters do. */
static inline float sattn_f16_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    if (e == 0x1F) return sattn_bits_f32(sign | 0x7F800000 | (m << 13) | (m ? 0x400000 : 0));
    if (e) return sattn_bits_f32(sign | ((e + 112) << 23) | (m << 13));
    return sattn_bits_f32(sign | sattn_f32_bits((float)m * 0x1p-24f)); /* zero or subnormal: exact */
}

/* binary32 -> binary16, round to nearest even; subnormals kept, overflow -> Inf, NaN -> quiet NaN
 * with the payload's top bits (what F16C's vcvtps2ph and Arm's fcvtn give). */
static inline uint16_t sattn_f32_to_f16(float f) {
    const uint32_t x = sattn_f32_bits(f), sign = (x >> 16) & 0x8000, ax = x & 0x7FFFFFFF;
    if (ax > 0x7F800000) return (uint16_t)(sign | 0x7E00 | ((ax >> 13) & 0x3FF));
    if (ax >= 0x477FF000) return (uint16_t)(sign | 0x7C00); /* >= 65520: past the last half-ulp of 65504 */
    if (ax >= 0x38800000) {                                 /* a normal binary16: rebias, round the 13 bits */
        const uint32_t r = ax - 0x38000000;
        return (uint16_t)(sign | ((r + 0x0FFF + ((r >> 13) & 1)) >> 13));
    }
    if (ax <= 0x33000000) return (uint16_t)sign; /* <= 2^-25 rounds to zero (2^-25 is a tie to even 0) */
    const uint32_t e = ax >> 23, m = (ax & 0x7FFFFF) | 0x800000, sh = 126 - e; /* subnormal: m * 2^-sh */
    uint32_t q = m >> sh;
    const uint32_t rem = m & ((1u << sh) - 1), half = 1u << (sh - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    return (uint16_t)(sign | q);
}

static inline float sattn_bf16_to_f32(uint16_t h) { return sattn_bits_f32((uint32_t)h << 16); }
/* binary32 -> bfloat16, round to nearest even (overflow -> Inf), subnormals kept, NaN stays a quiet NaN. */
static inline uint16_t sattn_f32_to_bf16(float f) {
    const uint32_t x = sattn_f32_bits(f);
    if ((x & 0x7FFFFFFF) > 0x7F800000) return (uint16_t)((x >> 16) | 0x40);
    return (uint16_t)((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

/* Element c of an I4 row: the nibble, sign-extended. */
static inline int sattn_i4_get(const uint8_t *row, size_t c) {
    const int nib = (row[c >> 1] >> ((c & 1) * 4)) & 15;
    return nib >= 8 ? nib - 16 : nib;
}

/* The quantisation step of sattn_quantize, one group at a time: the scale of n floats for a type
 * whose largest q is qmax (127 or 7), then q of each. */
static inline float sattn_quant_scale(size_t n, const float *x, float qmax) {
    float amax = 0.0f;
    int finite = 1;
    for (size_t i = 0; i < n; i++) {
        const float a = fabsf(x[i]);
        finite &= a <= 3.40282347e38f; /* false for NaN and Inf */
        amax = a > amax ? a : amax;
    }
    return finite ? amax / qmax : NAN;
}
/* round(x / scale) to nearest, ties away from zero, clamped to [qmin, qmax]; 0 unless scale is finite and > 0. */
static inline int sattn_quant_value(float x, float scale, int qmin, int qmax) {
    if (!(scale > 0.0f && scale <= 3.40282347e38f)) return 0;
    const float y = x / scale, t = truncf(y);
    const float r = fabsf(y - t) >= 0.5f ? t + copysignf(1.0f, y) : t; /* y - t is exact */
    return r < (float)qmin ? qmin : r > (float)qmax ? qmax : (int)r;
}

#endif

/* exp(x) for float: the one algorithm every ISA implements, with the same constants, so that
 * ISAs agree closely. Range reduction x = n*ln2 + r with |r| <= ln2/2 (ln2 split in two for
 * Cody-Waite accuracy), exp(r) = 1 + r*p(r) with a degree-5 p fitted by our own Remez run on
 * the relative error (max 3.9e-9 in exact arithmetic), then scaling by 2^n built in the
 * exponent bits. 2^n is applied as two factors so that n = 128 (x near 88.7) still works.
 * Inputs below ln(FLT_MIN) flush to 0 (no denormal results), above ln(FLT_MAX) give +inf,
 * NaN stays NaN. */
#ifndef SATTN_EXP_H
#define SATTN_EXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define SATTN_EXP_LOG2E 0x1.715476p+0f
#define SATTN_EXP_MAGIC 0x1.8p23f     /* adding it rounds to an integer held in the low mantissa bits */
#define SATTN_EXP_LN2_HI 0x1.62E400p-1f /* ln2 = LN2_HI + LN2_LO; LN2_HI has trailing zero bits so n*LN2_HI is exact */
#define SATTN_EXP_LN2_LO 0x1.7F7D1Cp-20f
#define SATTN_EXP_C1 0x1.000002p+0f
#define SATTN_EXP_C2 0x1.000000p-1f
#define SATTN_EXP_C3 0x1.55538cp-3f
#define SATTN_EXP_C4 0x1.555470p-5f
#define SATTN_EXP_C5 0x1.12a1d8p-7f
#define SATTN_EXP_C6 0x1.6da758p-10f
#define SATTN_EXP_MIN_INPUT (-0x1.5d589ep+6f) /* ln(FLT_MIN) = -87.33654: below, results flush to 0 */
#define SATTN_EXP_MAX_INPUT 0x1.62e42ep+6f    /* ln(FLT_MAX) = 88.72284: above, +inf */

static inline float sattn_exp_pow2i(int32_t n) {
    uint32_t bits = (uint32_t)(n + 127) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Portable exp with the constants above (also used by drivers for per-row rescale factors). */
static inline float sattn_expf(float x) {
    if (!(x >= SATTN_EXP_MIN_INPUT)) return x != x ? x : 0.0f;
    if (x > SATTN_EXP_MAX_INPUT) return INFINITY;
    float t = x * SATTN_EXP_LOG2E + SATTN_EXP_MAGIC;
    float n = t - SATTN_EXP_MAGIC;
    float r = x - n * SATTN_EXP_LN2_HI;
    r = r - n * SATTN_EXP_LN2_LO;
    float p = SATTN_EXP_C6;
    p = p * r + SATTN_EXP_C5;
    p = p * r + SATTN_EXP_C4;
    p = p * r + SATTN_EXP_C3;
    p = p * r + SATTN_EXP_C2;
    p = p * r + SATTN_EXP_C1;
    p = p * r;
    int32_t ni = (int32_t)n;
    int32_t n1 = ni >> 1; /* 2^n = 2^n1 * 2^(n-n1): each factor stays a normal float */
    float s1 = sattn_exp_pow2i(n1), s2 = sattn_exp_pow2i(ni - n1);
    return (s1 + s1 * p) * s2;
}

#endif

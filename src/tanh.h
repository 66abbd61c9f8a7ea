/* tanh(x) for float, the algorithm every ISA implements with the same constants (softcap of
 * logits: cap * tanh(logit / cap)). Below |x| = 0.55 the odd Taylor series to x^17 (truncation
 * under 0.1 ULP there); above, tanh|x| = (1 - e) / (1 + e) with e = exp(-2|x|) from exp.h, where
 * e <= 1/3 keeps the subtraction well conditioned; e flushes to 0 for |x| > 43.7, giving exactly 1.
 * The sign is copied from x; NaN stays NaN. Measured error: test_exp's ULP test. */
#ifndef SATTN_TANH_H
#define SATTN_TANH_H

#include <math.h>

#include "exp.h"

#define SATTN_TANH_SMALL 0.55f /* below: the series */
#define SATTN_TANH_C3 (-0.333333333333333333f)
#define SATTN_TANH_C5 0.133333333333333333f
#define SATTN_TANH_C7 (-0.0539682539682539683f)
#define SATTN_TANH_C9 0.0218694885361552028f
#define SATTN_TANH_C11 (-0.00886323552990219657f)
#define SATTN_TANH_C13 0.00359212803657248102f
#define SATTN_TANH_C15 (-0.00145583438705131827f)
#define SATTN_TANH_C17 0.000590027440945586f
#define SATTN_TANH_TERMS 8
/* The series' coefficients from x^17 down to x^3, in Horner order: p(t) over t = x^2. */
static const float sattn_tanh_series[SATTN_TANH_TERMS] = {SATTN_TANH_C17, SATTN_TANH_C15, SATTN_TANH_C13,
                                                          SATTN_TANH_C11, SATTN_TANH_C9,  SATTN_TANH_C7,
                                                          SATTN_TANH_C5,  SATTN_TANH_C3};

/* The portable form; also the reference the vector kernels are checked against. */
static inline float sattn_tanhf(float x) {
    const float ax = fabsf(x);
    float r;
    if (ax < SATTN_TANH_SMALL) {
        const float t = ax * ax;
        float p = sattn_tanh_series[0];
        for (int c = 1; c < SATTN_TANH_TERMS; c++) p = p * t + sattn_tanh_series[c];
        r = ax + ax * (t * p);
    } else {
        const float e = sattn_expf(-2.0f * ax);
        r = (1.0f - e) / (1.0f + e);
    }
    return copysignf(r, x);
}

#endif

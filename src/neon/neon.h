/* AArch64 Advanced SIMD microkernels (AArch64 baseline, no extra flags) and their helpers. The
 * shapes follow the AVX2 folder: same 6x16 tile, same blocking, same exp constants. */
#ifndef SATTN_NEON_H
#define SATTN_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <string.h>

#include "../exp.h"
#include "../kernels.h"

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_6x16__neon);
SATTN_DECLARE_ROW_OPS(neon, neon_p6);
SATTN_DECLARE_TYPED_OPS(neon);

/* NEON has no masked loads: a row tail of n < 4 goes through a 4-lane buffer filled with `fill`. */
static inline float32x4_t sattn_neon_load_tail(const float *x, size_t n, float fill) {
    float buf[4] = {fill, fill, fill, fill};
    memcpy(buf, x, n * sizeof *x);
    return vld1q_f32(buf);
}

static inline void sattn_neon_store_tail(float *y, size_t n, float32x4_t v) {
    float buf[4];
    vst1q_f32(buf, v);
    memcpy(y, buf, n * sizeof *y);
}

/* Stores one 16-column tile row, alpha * acc + beta * c (beta 0: c unread), whole vectors then at most 3 lanes.
 * The accumulators come as four values, not an array: indexing an array of accumulators with a variable would
 * keep all of a tile's in memory (measured in the disassembly). */
static inline void sattn_neon_store_tile_row(float *c, float32x4_t v0, float32x4_t v1, float32x4_t v2, float32x4_t v3,
                                             size_t nr, float alpha, float beta) {
    float32x4_t out[4] = {vmulq_n_f32(v0, alpha), vmulq_n_f32(v1, alpha), vmulq_n_f32(v2, alpha),
                          vmulq_n_f32(v3, alpha)};
    for (size_t v = 0; v < 4 && 4 * v < nr; v++) {
        const size_t lanes = nr - 4 * v < 4 ? nr - 4 * v : 4;
        if (lanes == 4) {
            if (beta != 0.0f) out[v] = vfmaq_n_f32(out[v], vld1q_f32(c + 4 * v), beta);
            vst1q_f32(c + 4 * v, out[v]);
        } else {
            if (beta != 0.0f) out[v] = vfmaq_n_f32(out[v], sattn_neon_load_tail(c + 4 * v, lanes, 0.0f), beta);
            sattn_neon_store_tail(c + 4 * v, lanes, out[v]);
        }
    }
}

/* exp.h's range reduction and polynomial with FMA; returns r*p(r) and n as a float. */
static inline float32x4_t sattn_neon_exp_poly(float32x4_t x, float32x4_t magic, float32x4_t *t, float32x4_t *n) {
    *t = vfmaq_f32(magic, x, vdupq_n_f32(SATTN_EXP_LOG2E));
    *n = vsubq_f32(*t, magic);
    float32x4_t r = vfmsq_f32(x, *n, vdupq_n_f32(SATTN_EXP_LN2_HI));
    r = vfmsq_f32(r, *n, vdupq_n_f32(SATTN_EXP_LN2_LO));
    float32x4_t p = vdupq_n_f32(SATTN_EXP_C6);
    p = vfmaq_f32(vdupq_n_f32(SATTN_EXP_C5), p, r);
    p = vfmaq_f32(vdupq_n_f32(SATTN_EXP_C4), p, r);
    p = vfmaq_f32(vdupq_n_f32(SATTN_EXP_C3), p, r);
    p = vfmaq_f32(vdupq_n_f32(SATTN_EXP_C2), p, r);
    p = vfmaq_f32(vdupq_n_f32(SATTN_EXP_C1), p, r);
    return vmulq_f32(p, r);
}

/* exp(x) for x <= 0: the exponent bias rides in the rounding constant, so shifting t's bits left
 * by 23 is 2^n (as in the AVX2 kernel); below ln(FLT_MIN) gives 0, NaN stays NaN. */
static inline float32x4_t sattn_neon_exp_nonpositive(float32x4_t x) {
    float32x4_t t, n;
    const float32x4_t p = sattn_neon_exp_poly(x, vdupq_n_f32(SATTN_EXP_MAGIC + 127.0f), &t, &n);
    const float32x4_t s = vreinterpretq_f32_u32(vshlq_n_u32(vreinterpretq_u32_f32(t), 23));
    const float32x4_t e = vfmaq_f32(s, s, p);
    const uint32x4_t flush = vcltq_f32(x, vdupq_n_f32(SATTN_EXP_MIN_INPUT));
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(e), flush));
}

#endif

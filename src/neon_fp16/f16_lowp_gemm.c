/* F16 products on Armv8.2's FMLAL/FMLAL2, 4x16: each widens four f16 elements of a B vector (its low or high
 * half), multiplies them by one f16 element of A taken by lane, and adds in fp32 (products of two f16 are exact
 * in fp32, so one rounding per step as in the reference). B in the row layout (scalar/lowp_gemm.c: 16 elements
 * of k step p in two vectors), A eight elements of k per vector. 16 accumulators, 2 B vectors, 4 A vectors. */
#include "../neon/neon.h"
#include "neon_fp16.h"

#define MR 4
#define NR 16

static inline float16x8_t load8(const uint16_t *x) { return vreinterpretq_f16_u16(vld1q_u16(x)); }

#define ROW_STEP(r, ar, lane)                                                                                       \
    do {                                                                                                            \
        r##0 = vfmlalq_laneq_low_f16(r##0, b0, ar, lane), r##1 = vfmlalq_laneq_high_f16(r##1, b0, ar, lane);      \
        r##2 = vfmlalq_laneq_low_f16(r##2, b1, ar, lane), r##3 = vfmlalq_laneq_high_f16(r##3, b1, ar, lane);      \
    } while (0)
#define STEP(lane)                                                                                                  \
    do {                                                                                                            \
        const float16x8_t b0 = load8(b), b1 = load8(b + 8);                                                         \
        b += NR;                                                                                                    \
        ROW_STEP(c0, x0, lane);                                                                                     \
        ROW_STEP(c1, x1, lane);                                                                                     \
        ROW_STEP(c2, x2, lane);                                                                                     \
        ROW_STEP(c3, x3, lane);                                                                                     \
    } while (0)

SATTN_LOWP_GEMM_UKERNEL(sattn_f16_lowp_gemm_ukernel_4x16__neon_fp16) {
    const uint16_t *a0 = SATTN_TILE_ROW(a, lda, 0, mr), *a1 = SATTN_TILE_ROW(a, lda, 1, mr);
    const uint16_t *a2 = SATTN_TILE_ROW(a, lda, 2, mr), *a3 = SATTN_TILE_ROW(a, lda, 3, mr);
    const float32x4_t z = vdupq_n_f32(0.0f);
    float32x4_t c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
    float32x4_t c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
    size_t p = 0;
    for (; p + 8 <= kc; p += 8) {
        const float16x8_t x0 = load8(a0 + p), x1 = load8(a1 + p), x2 = load8(a2 + p), x3 = load8(a3 + p);
        STEP(0);
        STEP(1);
        STEP(2);
        STEP(3);
        STEP(4);
        STEP(5);
        STEP(6);
        STEP(7);
    }
    for (; p < kc; p++) { /* the last steps, one element of each row broadcast */
        const float16x8_t x0 = vreinterpretq_f16_u16(vdupq_n_u16(a0[p]));
        const float16x8_t x1 = vreinterpretq_f16_u16(vdupq_n_u16(a1[p]));
        const float16x8_t x2 = vreinterpretq_f16_u16(vdupq_n_u16(a2[p]));
        const float16x8_t x3 = vreinterpretq_f16_u16(vdupq_n_u16(a3[p]));
        STEP(0);
    }
    const float alpha = params->alpha, beta = params->beta;
    sattn_neon_store_tile_row(c, c00, c01, c02, c03, nr, alpha, beta);
    if (mr > 1) sattn_neon_store_tile_row(c + ldc, c10, c11, c12, c13, nr, alpha, beta);
    if (mr > 2) sattn_neon_store_tile_row(c + 2 * ldc, c20, c21, c22, c23, nr, alpha, beta);
    if (mr > 3) sattn_neon_store_tile_row(c + 3 * ldc, c30, c31, c32, c33, nr, alpha, beta);
}

/* BF16 products on Armv8.6's BFDOT, 4x16: each fp32 lane of an accumulator gains a[2t]*b[2t] + a[2t+1]*b[2t+1]
 * per instruction, B in the pair layout (scalar/lowp_gemm.c: four lanes of pairs per vector), the pair of A
 * taken by lane from a vector holding four pairs of a row. 16 accumulators, 4 B vectors, 4 A vectors: 24 of the
 * 32 registers. BFDOT sums the two products before the accumulator, unlike the reference's two additions, so
 * results agree with it within the bf16 bound, not bit for bit. */
#include "../neon/neon.h"
#include "neon_bf16.h"

#define MR 4
#define NR 16

static inline bfloat16x8_t load8(const uint16_t *x) { return vreinterpretq_bf16_u16(vld1q_u16(x)); }

/* One pair of k for row r: A's pair at `lane` of vector ar against the four B vectors. */
#define ROW_PAIR(r, ar, lane)                                                                                       \
    do {                                                                                                            \
        r##0 = vbfdotq_laneq_f32(r##0, b0, ar, lane), r##1 = vbfdotq_laneq_f32(r##1, b1, ar, lane);               \
        r##2 = vbfdotq_laneq_f32(r##2, b2, ar, lane), r##3 = vbfdotq_laneq_f32(r##3, b3, ar, lane);               \
    } while (0)
#define PAIR(lane)                                                                                                  \
    do {                                                                                                            \
        const bfloat16x8_t b0 = load8(b), b1 = load8(b + 8), b2 = load8(b + 16), b3 = load8(b + 24);                \
        b += 2 * NR;                                                                                                \
        ROW_PAIR(c0, x0, lane);                                                                                     \
        ROW_PAIR(c1, x1, lane);                                                                                     \
        ROW_PAIR(c2, x2, lane);                                                                                     \
        ROW_PAIR(c3, x3, lane);                                                                                     \
    } while (0)

/* A pair of a row past the last full vector of four, in every lane (one 32-bit broadcast). */
static inline bfloat16x8_t pair_at(const uint16_t *x) {
    uint32_t two;
    memcpy(&two, x, sizeof two);
    return vreinterpretq_bf16_u32(vdupq_n_u32(two));
}

SATTN_LOWP_GEMM_UKERNEL(sattn_bf16_lowp_gemm_ukernel_4x16__neon_bf16) {
    const uint16_t *a0 = SATTN_TILE_ROW(a, lda, 0, mr), *a1 = SATTN_TILE_ROW(a, lda, 1, mr);
    const uint16_t *a2 = SATTN_TILE_ROW(a, lda, 2, mr), *a3 = SATTN_TILE_ROW(a, lda, 3, mr);
    const float32x4_t z = vdupq_n_f32(0.0f);
    float32x4_t c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
    float32x4_t c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
    size_t p = 0;
    for (; p + 8 <= kc; p += 8) {
        const bfloat16x8_t x0 = load8(a0 + p), x1 = load8(a1 + p), x2 = load8(a2 + p), x3 = load8(a3 + p);
        PAIR(0);
        PAIR(1);
        PAIR(2);
        PAIR(3);
    }
    for (; p < kc; p += 2) {
        const bfloat16x8_t x0 = pair_at(a0 + p), x1 = pair_at(a1 + p), x2 = pair_at(a2 + p), x3 = pair_at(a3 + p);
        PAIR(0);
    }
    const float alpha = params->alpha, beta = params->beta;
    sattn_neon_store_tile_row(c, c00, c01, c02, c03, nr, alpha, beta);
    if (mr > 1) sattn_neon_store_tile_row(c + ldc, c10, c11, c12, c13, nr, alpha, beta);
    if (mr > 2) sattn_neon_store_tile_row(c + 2 * ldc, c20, c21, c22, c23, nr, alpha, beta);
    if (mr > 3) sattn_neon_store_tile_row(c + 3 * ldc, c30, c31, c32, c33, nr, alpha, beta);
}

/* sgemm microkernel, 6x16 as on AVX2: 24 accumulators of 4 lanes, four B vectors per step and a
 * broadcast (ld1r) of one A element per row feed 24 FMAs; 29 of the 32 vector registers. A is
 * read through (rs_a, cs_a), packed or in place; missing A rows repeat the last one; B panels are
 * zero-padded. Edge tiles store whole vectors, then at most 3 lanes. */
#include "neon.h"

#define MR 6
#define NR 16

/* One row of the tile: broadcast one element of A, four FMAs against the B vectors. */
#define ROW_UPDATE(r, x)                                                                                           \
    do {                                                                                                           \
        const float32x4_t bc = vld1q_dup_f32(x);                                                                   \
        r##0 = vfmaq_f32(r##0, bc, b0), r##1 = vfmaq_f32(r##1, bc, b1);                                            \
        r##2 = vfmaq_f32(r##2, bc, b2), r##3 = vfmaq_f32(r##3, bc, b3);                                            \
    } while (0)

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_6x16__neon) {
    /* As on AVX2: alpha and beta stay behind the params pointer until the stores, leaving the loop
     * every vector register (24 accumulators, 4 B vectors, the A elements). */
    const float *a0 = SATTN_TILE_ROW(a, rs_a, 0, mr), *a1 = SATTN_TILE_ROW(a, rs_a, 1, mr);
    const float *a2 = SATTN_TILE_ROW(a, rs_a, 2, mr), *a3 = SATTN_TILE_ROW(a, rs_a, 3, mr);
    const float *a4 = SATTN_TILE_ROW(a, rs_a, 4, mr), *a5 = SATTN_TILE_ROW(a, rs_a, 5, mr);
    const float32x4_t z = vdupq_n_f32(0.0f);
    float32x4_t c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
    float32x4_t c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
    float32x4_t c40 = z, c41 = z, c42 = z, c43 = z, c50 = z, c51 = z, c52 = z, c53 = z;
    for (size_t p = 0; p < kc; p++) {
        const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
        b += NR;
        const size_t o = p * cs_a;
        ROW_UPDATE(c0, a0 + o);
        ROW_UPDATE(c1, a1 + o);
        ROW_UPDATE(c2, a2 + o);
        ROW_UPDATE(c3, a3 + o);
        ROW_UPDATE(c4, a4 + o);
        ROW_UPDATE(c5, a5 + o);
    }
    const float alpha = params->alpha, beta = params->beta;
    sattn_neon_store_tile_row(c, c00, c01, c02, c03, nr, alpha, beta);
    if (mr > 1) sattn_neon_store_tile_row(c + ldc, c10, c11, c12, c13, nr, alpha, beta);
    if (mr > 2) sattn_neon_store_tile_row(c + 2 * ldc, c20, c21, c22, c23, nr, alpha, beta);
    if (mr > 3) sattn_neon_store_tile_row(c + 3 * ldc, c30, c31, c32, c33, nr, alpha, beta);
    if (mr > 4) sattn_neon_store_tile_row(c + 4 * ldc, c40, c41, c42, c43, nr, alpha, beta);
    if (mr > 5) sattn_neon_store_tile_row(c + 5 * ldc, c50, c51, c52, c53, nr, alpha, beta);
}

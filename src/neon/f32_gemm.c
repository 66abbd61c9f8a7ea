/* sgemm microkernel, 6x16 as on AVX2: 24 accumulators of 4 lanes, four B vectors per step and a
 * broadcast (ld1r) of one A element per row feed 24 FMAs; 29 of the 32 vector registers. A is
 * read through (rs_a, cs_a), packed or in place; missing A rows repeat the last one; B panels are
 * zero-padded. Edge tiles store whole vectors, then at most 3 lanes. */
#include "neon.h"

#define MR 6
#define NR 16

/* Stores one tile row. The accumulators come as four values, not an array: indexing an array
 * of accumulators with a variable would keep all 24 in memory (measured in the disassembly). */
static inline void store_row(float *c, float32x4_t v0, float32x4_t v1, float32x4_t v2, float32x4_t v3, size_t nr,
                             float alpha, float beta) {
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
    store_row(c, c00, c01, c02, c03, nr, alpha, beta);
    if (mr > 1) store_row(c + ldc, c10, c11, c12, c13, nr, alpha, beta);
    if (mr > 2) store_row(c + 2 * ldc, c20, c21, c22, c23, nr, alpha, beta);
    if (mr > 3) store_row(c + 3 * ldc, c30, c31, c32, c33, nr, alpha, beta);
    if (mr > 4) store_row(c + 4 * ldc, c40, c41, c42, c43, nr, alpha, beta);
    if (mr > 5) store_row(c + 5 * ldc, c50, c51, c52, c53, nr, alpha, beta);
}

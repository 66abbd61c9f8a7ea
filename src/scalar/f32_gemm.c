/* Portable sgemm microkernel: a 4x8 register tile written with GNU C vector extensions of 16
 * bytes, the width every 64-bit target's baseline SIMD has (SSE2 on x86-64, NEON on AArch64), so
 * the tile stays in registers without any ISA-specific code. Measured on x86-64: plain arrays let
 * GCC's loop vectoriser version the depth loop for strided A (6 GFLOP/s), 32-byte generic
 * vectors are kept on the stack without AVX (12 GFLOP/s); this form runs like packed-only code. */
#include <string.h>

#include "scalar.h"

#define MR 4
#define NR 8

typedef float v4f __attribute__((vector_size(16)));

static inline v4f load4(const float *p) {
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store_row(float *c, v4f lo, v4f hi, size_t nr, float alpha, float beta) {
    float row[NR];
    memcpy(row, &lo, sizeof lo);
    memcpy(row + 4, &hi, sizeof hi);
    if (beta == 0.0f)
        for (size_t j = 0; j < nr; j++) c[j] = alpha * row[j];
    else
        for (size_t j = 0; j < nr; j++) c[j] = alpha * row[j] + beta * c[j];
}

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_4x8__scalar) {
    const float *a0 = SATTN_TILE_ROW(a, rs_a, 0, mr), *a1 = SATTN_TILE_ROW(a, rs_a, 1, mr);
    const float *a2 = SATTN_TILE_ROW(a, rs_a, 2, mr), *a3 = SATTN_TILE_ROW(a, rs_a, 3, mr);
    v4f c0l = {0}, c0h = {0}, c1l = {0}, c1h = {0}, c2l = {0}, c2h = {0}, c3l = {0}, c3h = {0};
    for (size_t p = 0; p < kc; p++) {
        const v4f bl = load4(b + p * NR), bh = load4(b + p * NR + 4);
        const size_t o = p * cs_a;
        const float x0 = a0[o], x1 = a1[o], x2 = a2[o], x3 = a3[o];
        c0l += x0 * bl, c0h += x0 * bh;
        c1l += x1 * bl, c1h += x1 * bh;
        c2l += x2 * bl, c2h += x2 * bh;
        c3l += x3 * bl, c3h += x3 * bh;
    }
    const float alpha = params->alpha, beta = params->beta;
    store_row(c, c0l, c0h, nr, alpha, beta);
    if (mr > 1) store_row(c + ldc, c1l, c1h, nr, alpha, beta);
    if (mr > 2) store_row(c + 2 * ldc, c2l, c2h, nr, alpha, beta);
    if (mr > 3) store_row(c + 3 * ldc, c3l, c3h, nr, alpha, beta);
}

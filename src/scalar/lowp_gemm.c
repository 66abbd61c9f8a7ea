/* Portable reduced-precision products (kernels.h: SATTN_LOWP_GEMM_UKERNEL): the B packers every level with a
 * bf16 or fp16 unit may share, and the reference tile the levels' tiles are checked against. The tile is in no
 * table: on a CPU without such a unit, widening the operands once in the fp32 packers is faster.
 *
 * The pair layout is what dot-product units read (x86 VDPBF16PS and AMX, Arm BFDOT): each lane of a panel row
 * holds two elements of k, (p, j) and (p + 1, j) side by side. The row layout (p, j) at p*NR + j is what
 * widening multiply-adds read (Arm FMLAL). Both fill (kc rounded up to even) x NR elements. */
#include "scalar.h"

SATTN_LOWP_PACK_B(sattn_x16_pack_b_pairs__scalar) {
    const size_t pairs = (kc + 1) / 2;
    for (size_t t = 0; t < pairs; t++) {
        uint16_t *d = dst + t * 2 * NR;
        for (size_t j = 0; j < nr; j++) {
            d[2 * j] = src[2 * t * rs + j * cs];
            d[2 * j + 1] = 2 * t + 1 < kc ? src[(2 * t + 1) * rs + j * cs] : 0;
        }
        for (size_t j = 2 * nr; j < 2 * NR; j++) d[j] = 0;
    }
}

SATTN_LOWP_PACK_B(sattn_x16_pack_b_rows__scalar) {
    const size_t kc2 = kc + (kc & 1);
    for (size_t p = 0; p < kc2; p++) {
        uint16_t *d = dst + p * NR;
        for (size_t j = 0; j < nr; j++) d[j] = p < kc ? src[p * rs + j * cs] : 0;
        for (size_t j = nr; j < NR; j++) d[j] = 0;
    }
}

/* The pair tile, 4x8, per type. Each product of two 16-bit floats is exact in fp32 (8 or 11 significant bits
 * each); as in the dot-product units, a pair's two products are summed (one rounding) before the lane's sum
 * takes them (another), so the results depend on which elements of k form pairs, as the units' do: the
 * drivers that use it must fix the pairs (attention_prefill.c), and the tests see it when they do not. */
#define LOWP_GEMM_4x8(type, to_f32)                                                                                 \
    SATTN_LOWP_GEMM_UKERNEL(sattn_##type##_lowp_gemm_ukernel_4x8__scalar) {                                        \
        enum { MR = 4, NR = 8 };                                                                                    \
        float acc[MR][NR] = {{0}};                                                                                  \
        for (size_t p = 0; p < kc; p += 2) {                                                                        \
            const uint16_t *bp = b + p * NR;                                                                        \
            for (size_t i = 0; i < mr; i++) {                                                                       \
                const float a0 = to_f32(a[i * lda + p]), a1 = to_f32(a[i * lda + p + 1]);                          \
                for (size_t j = 0; j < NR; j++)                                                                     \
                    acc[i][j] += a0 * to_f32(bp[2 * j]) + a1 * to_f32(bp[2 * j + 1]);                               \
            }                                                                                                       \
        }                                                                                                           \
        const float alpha = params->alpha, beta = params->beta;                                                     \
        for (size_t i = 0; i < mr; i++)                                                                             \
            for (size_t j = 0; j < nr; j++)                                                                         \
                c[i * ldc + j] = alpha * acc[i][j] + (beta != 0.0f ? beta * c[i * ldc + j] : 0.0f);                 \
    }
LOWP_GEMM_4x8(bf16, sattn_bf16_to_f32)
LOWP_GEMM_4x8(f16, sattn_f16_to_f32)

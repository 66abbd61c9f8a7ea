/* Portable reduced-precision products (kernels.h: SATTN_LOWP_GEMM_UKERNEL): the B packers every level with a
 * bf16 or fp16 unit may share, and the reference tile the levels' tiles are checked against. The tile is in no
 * table: on a CPU without such a unit, widening the operands once in the fp32 packers is faster.
 *
 * The pair layout is what dot-product units read (x86 VDPBF16PS and AMX, Arm BFDOT): each lane of a panel row
 * holds two elements of k, (p, j) and (p + 1, j) side by side. The row layout (p, j) at p*NR + j is what
 * widening multiply-adds read (Arm FMLAL). Both fill (kc rounded up to even) x NR elements. */
#include <string.h>

#include "scalar.h"

typedef uint32_t u32x4 __attribute__((vector_size(16)));
/* Lanes i0..i3 of a:b (0-3 from a, 4-7 from b): clang's builtin, which GCC has from 12 on, else GCC's own. */
#if defined(__clang__) || __GNUC__ >= 12
#define SHUFFLE4(a, b, i0, i1, i2, i3) __builtin_shufflevector(a, b, i0, i1, i2, i3)
#else
#define SHUFFLE4(a, b, i0, i1, i2, i3) __builtin_shuffle(a, b, (u32x4){i0, i1, i2, i3})
#endif

/* Words [t, t + 4) of rows j..j+3 (cs elements apart) into panel rows t..t+3 at lane pairs j..j+3: a 4x4
 * transpose of 32-bit words in four registers (GNU C vectors: SSE2 or NEON shuffles). */
static inline void transpose_words_4x4(const uint16_t *src, size_t cs, uint16_t *dst, size_t NR) {
    u32x4 r0, r1, r2, r3;
    memcpy(&r0, src, sizeof r0), memcpy(&r1, src + cs, sizeof r1);
    memcpy(&r2, src + 2 * cs, sizeof r2), memcpy(&r3, src + 3 * cs, sizeof r3);
    const u32x4 a = SHUFFLE4(r0, r1, 0, 4, 1, 5), b = SHUFFLE4(r0, r1, 2, 6, 3, 7);
    const u32x4 c = SHUFFLE4(r2, r3, 0, 4, 1, 5), d = SHUFFLE4(r2, r3, 2, 6, 3, 7);
    const u32x4 o0 = SHUFFLE4(a, c, 0, 1, 4, 5), o1 = SHUFFLE4(a, c, 2, 3, 6, 7);
    const u32x4 o2 = SHUFFLE4(b, d, 0, 1, 4, 5), o3 = SHUFFLE4(b, d, 2, 3, 6, 7);
    memcpy(dst, &o0, sizeof o0), memcpy(dst + 2 * NR, &o1, sizeof o1);
    memcpy(dst + 4 * NR, &o2, sizeof o2), memcpy(dst + 6 * NR, &o3, sizeof o3);
}

SATTN_LOWP_PACK_B(sattn_x16_pack_b_pairs__scalar) {
    const size_t pairs = (kc + 1) / 2;
    size_t t0 = 0;
    /* Kᵀ: pair t of key j is word t of its row; 4 x 4 words at a time, four keys at a time (about 10x faster than
     * word by word: 2.1-2.9 vs 25 us for 256 keys of d 128, tokens-major, on this project's Zen 3 VM). */
    if (rs == 1) {
        t0 = kc / 2 / 4 * 4;
        const size_t j4 = nr / 4 * 4;
        for (size_t j = 0; j < j4; j += 4)
            for (size_t t = 0; t < t0; t += 4)
                transpose_words_4x4(src + j * cs + 2 * t, cs, dst + t * 2 * NR + 2 * j, NR);
        for (size_t t = 0; t < t0 && j4 < NR; t++) { /* the panel's edge: the last keys, then zeros */
            uint16_t *d = dst + t * 2 * NR;
            for (size_t j = j4; j < nr; j++) memcpy(d + 2 * j, src + j * cs + 2 * t, 2 * sizeof *d);
            memset(d + 2 * nr, 0, 2 * (NR - nr) * sizeof *d);
        }
    }
    for (size_t t = t0; t < pairs; t++) {
        uint16_t *d = dst + t * 2 * NR;
        const uint16_t *p0 = src + 2 * t * rs;
        if (2 * t + 1 == kc) /* an odd depth's last element, paired with a zero */
            for (size_t j = 0; j < nr; j++) d[2 * j] = p0[j * cs], d[2 * j + 1] = 0;
        else if (rs == 1) /* Kᵀ: a pair is one 32-bit word of a key's row, copied whole */
            for (size_t j = 0; j < nr; j++) memcpy(d + 2 * j, p0 + j * cs, 2 * sizeof *d);
        else /* V: two rows interleaved (a loop the compiler vectorises when cs is 1) */
            for (size_t j = 0; j < nr; j++) d[2 * j] = p0[j * cs], d[2 * j + 1] = p0[rs + j * cs];
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

/* BF16 products on AVX512-BF16's VDPBF16PS, 12x32 like the fp32 tile: each of 16 fp32 lanes gains
 * a[2t]*b[2t] + a[2t+1]*b[2t+1] per instruction, twice an FMA's products. B in the pair layout
 * (scalar/lowp_gemm.c: a pair of k is two vectors of 16 lane pairs), A's pair broadcast as one 32-bit element
 * per row: 24 accumulators, 2 B vectors and a broadcast, 27 of the 32 registers. VDPBF16PS rounds to nearest
 * even and treats denormal inputs and results as zero whatever MXCSR says: bf16 values below 2^-126, far under
 * the documented bound, count as zero. */
#include <string.h>

#include "../avx512/tile.h"
#include "avx512_bf16.h"

#define MR 12
#define NR 32

static inline __m512bh load_pairs(const uint16_t *x) { return (__m512bh)_mm512_loadu_si512(x); }

static inline __m512bh broadcast_pair(const uint16_t *x) {
    uint32_t two;
    memcpy(&two, x, sizeof two);
    return (__m512bh)_mm512_set1_epi32((int)two);
}

#define ROW_PAIR(r, x)                                                                                              \
    do {                                                                                                            \
        const __m512bh av = broadcast_pair(x);                                                                      \
        r##0 = _mm512_dpbf16_ps(r##0, av, b0), r##1 = _mm512_dpbf16_ps(r##1, av, b1);                               \
    } while (0)

SATTN_LOWP_GEMM_UKERNEL(sattn_bf16_lowp_gemm_ukernel_12x32__avx512_bf16) {
    const uint16_t *a0 = SATTN_TILE_ROW(a, lda, 0, mr), *a1 = SATTN_TILE_ROW(a, lda, 1, mr);
    const uint16_t *a2 = SATTN_TILE_ROW(a, lda, 2, mr), *a3 = SATTN_TILE_ROW(a, lda, 3, mr);
    const uint16_t *a4 = SATTN_TILE_ROW(a, lda, 4, mr), *a5 = SATTN_TILE_ROW(a, lda, 5, mr);
    const uint16_t *a6 = SATTN_TILE_ROW(a, lda, 6, mr), *a7 = SATTN_TILE_ROW(a, lda, 7, mr);
    const uint16_t *a8 = SATTN_TILE_ROW(a, lda, 8, mr), *a9 = SATTN_TILE_ROW(a, lda, 9, mr);
    const uint16_t *a10 = SATTN_TILE_ROW(a, lda, 10, mr), *a11 = SATTN_TILE_ROW(a, lda, 11, mr);
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    __m512 c80 = c00, c81 = c00, c90 = c00, c91 = c00, c100 = c00, c101 = c00, c110 = c00, c111 = c00;
    for (size_t p = 0; p < kc; p += 2) {
        const __m512bh b0 = load_pairs(b), b1 = load_pairs(b + 32);
        b += 2 * NR;
        ROW_PAIR(c0, a0 + p);
        ROW_PAIR(c1, a1 + p);
        ROW_PAIR(c2, a2 + p);
        ROW_PAIR(c3, a3 + p);
        ROW_PAIR(c4, a4 + p);
        ROW_PAIR(c5, a5 + p);
        ROW_PAIR(c6, a6 + p);
        ROW_PAIR(c7, a7 + p);
        ROW_PAIR(c8, a8 + p);
        ROW_PAIR(c9, a9 + p);
        ROW_PAIR(c10, a10 + p);
        ROW_PAIR(c11, a11 + p);
    }
    SATTN_AVX512_STORE_TILE_12x32(c, ldc, mr, nr, params);
}

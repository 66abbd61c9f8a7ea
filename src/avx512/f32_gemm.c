/* sgemm microkernel, 12x32: twenty-four ZMM accumulators (12 rows x 2 vectors), two B vectors per
 * step and one broadcast of an A element per row: 14 loads feed 24 FMAs, so the two 512-bit FMA
 * pipes, not the load ports, set the pace. A is read in place through (rs_a, cs_a) like the AVX2
 * tile. Edge tiles run the same loop and store their mr x nr corner under opmasks. */
#include "avx512.h"

#define MR 12
#define NR 32

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_12x32__avx512) {
    const float *a0 = SATTN_TILE_ROW(a, rs_a, 0, mr), *a1 = SATTN_TILE_ROW(a, rs_a, 1, mr);
    const float *a2 = SATTN_TILE_ROW(a, rs_a, 2, mr), *a3 = SATTN_TILE_ROW(a, rs_a, 3, mr);
    const float *a4 = SATTN_TILE_ROW(a, rs_a, 4, mr), *a5 = SATTN_TILE_ROW(a, rs_a, 5, mr);
    const float *a6 = SATTN_TILE_ROW(a, rs_a, 6, mr), *a7 = SATTN_TILE_ROW(a, rs_a, 7, mr);
    const float *a8 = SATTN_TILE_ROW(a, rs_a, 8, mr), *a9 = SATTN_TILE_ROW(a, rs_a, 9, mr);
    const float *a10 = SATTN_TILE_ROW(a, rs_a, 10, mr), *a11 = SATTN_TILE_ROW(a, rs_a, 11, mr);
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    __m512 c80 = c00, c81 = c00, c90 = c00, c91 = c00, c100 = c00, c101 = c00, c110 = c00, c111 = c00;
#pragma GCC unroll 2
    for (size_t p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        b += NR;
        const size_t o = p * cs_a;
        __m512 av = _mm512_set1_ps(a0[o]);
        c00 = _mm512_fmadd_ps(av, b0, c00), c01 = _mm512_fmadd_ps(av, b1, c01);
        av = _mm512_set1_ps(a1[o]);
        c10 = _mm512_fmadd_ps(av, b0, c10), c11 = _mm512_fmadd_ps(av, b1, c11);
        av = _mm512_set1_ps(a2[o]);
        c20 = _mm512_fmadd_ps(av, b0, c20), c21 = _mm512_fmadd_ps(av, b1, c21);
        av = _mm512_set1_ps(a3[o]);
        c30 = _mm512_fmadd_ps(av, b0, c30), c31 = _mm512_fmadd_ps(av, b1, c31);
        av = _mm512_set1_ps(a4[o]);
        c40 = _mm512_fmadd_ps(av, b0, c40), c41 = _mm512_fmadd_ps(av, b1, c41);
        av = _mm512_set1_ps(a5[o]);
        c50 = _mm512_fmadd_ps(av, b0, c50), c51 = _mm512_fmadd_ps(av, b1, c51);
        av = _mm512_set1_ps(a6[o]);
        c60 = _mm512_fmadd_ps(av, b0, c60), c61 = _mm512_fmadd_ps(av, b1, c61);
        av = _mm512_set1_ps(a7[o]);
        c70 = _mm512_fmadd_ps(av, b0, c70), c71 = _mm512_fmadd_ps(av, b1, c71);
        av = _mm512_set1_ps(a8[o]);
        c80 = _mm512_fmadd_ps(av, b0, c80), c81 = _mm512_fmadd_ps(av, b1, c81);
        av = _mm512_set1_ps(a9[o]);
        c90 = _mm512_fmadd_ps(av, b0, c90), c91 = _mm512_fmadd_ps(av, b1, c91);
        av = _mm512_set1_ps(a10[o]);
        c100 = _mm512_fmadd_ps(av, b0, c100), c101 = _mm512_fmadd_ps(av, b1, c101);
        av = _mm512_set1_ps(a11[o]);
        c110 = _mm512_fmadd_ps(av, b0, c110), c111 = _mm512_fmadd_ps(av, b1, c111);
    }
    SATTN_AVX512_STORE_TILE_12x32(c, ldc, mr, nr, params);
}

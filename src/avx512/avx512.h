/* AVX-512 (F, BW, DQ, VL) microkernels, compiled with those flags and FMA only, and their helpers.
 * Row tails use opmask registers: no scalar edge loops and no padding buffers. */
#ifndef SATTN_AVX512_H
#define SATTN_AVX512_H

#include <immintrin.h>
#include <stddef.h>

#include "../exp.h"
#include "../kernels.h"
#include "tile.h"

/* 16 x 16 32-bit lanes transposed in registers (r[i] lane j -> r[j] lane i), for the pair packer and the decode
 * kernels' row lanes: pairs of rows interleaved, then pairs of pairs, then 128-bit lanes
 * gathered in two rounds. */
static inline void sattn_avx512_transpose_16x16(__m512i r[16]) {
    __m512i t[16], u[16];
    for (int k = 0; k < 16; k += 2) {
        t[k] = _mm512_unpacklo_epi32(r[k], r[k + 1]);
        t[k + 1] = _mm512_unpackhi_epi32(r[k], r[k + 1]);
    }
    /* u[4k + m], 128-bit lane L: rows 4k..4k+3 at column 4L + m */
    for (int k = 0; k < 16; k += 4) {
        u[k] = _mm512_unpacklo_epi64(t[k], t[k + 2]);
        u[k + 1] = _mm512_unpackhi_epi64(t[k], t[k + 2]);
        u[k + 2] = _mm512_unpacklo_epi64(t[k + 1], t[k + 3]);
        u[k + 3] = _mm512_unpackhi_epi64(t[k + 1], t[k + 3]);
    }
    for (int m = 0; m < 4; m++) {
        const __m512i p0 = _mm512_shuffle_i32x4(u[m], u[4 + m], 0x88), p1 = _mm512_shuffle_i32x4(u[m], u[4 + m], 0xDD);
        const __m512i q0 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], 0x88);
        const __m512i q1 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], 0xDD);
        r[m] = _mm512_shuffle_i32x4(p0, q0, 0x88);
        r[4 + m] = _mm512_shuffle_i32x4(p1, q1, 0x88);
        r[8 + m] = _mm512_shuffle_i32x4(p0, q0, 0xDD);
        r[12 + m] = _mm512_shuffle_i32x4(p1, q1, 0xDD);
    }
}

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_12x32__avx512);
SATTN_DECLARE_ROW_OPS(avx512, avx512_p6);
/* Many-row decode tiles per float element type (decode_tmpl.c): the table's qk_many / pv_many / qk_lanes. */
#define SATTN_AVX512_DECLARE_MANY(type)                                                                             \
    SATTN_QK_DOT_UKERNEL(sattn_##type##_qk_many__avx512);                                                          \
    SATTN_QK_DOT_UKERNEL(sattn_##type##_qk_lanes__avx512);                                                         \
    SATTN_PV_ACCUMULATE_UKERNEL(sattn_##type##_pv_many__avx512)
SATTN_AVX512_DECLARE_MANY(f32);
SATTN_AVX512_DECLARE_MANY(f16);
SATTN_AVX512_DECLARE_MANY(bf16);
SATTN_AVX512_DECLARE_MANY(i8);
SATTN_AVX512_DECLARE_MANY(i4);
/* The one-row decode kernels of the types other than f32 (decode_tmpl.c); other shapes and row counts run the tiles. */
SATTN_DECLARE_DECODE_OPS(f16, avx512);
SATTN_DECLARE_DECODE_OPS(bf16, avx512);
SATTN_DECLARE_DECODE_OPS(i8, avx512);
SATTN_DECLARE_DECODE_OPS(i4, avx512);
/* Every type's B packer (pack_b_tmpl.c). */
SATTN_PACK_B(sattn_f32_pack_b__avx512);
SATTN_PACK_B(sattn_f16_pack_b__avx512);
SATTN_PACK_B(sattn_bf16_pack_b__avx512);
SATTN_PACK_B(sattn_i8_pack_b__avx512);
SATTN_PACK_B(sattn_i4_pack_b__avx512);
/* Every type's row conversions (convert_tmpl.c). */
SATTN_DECLARE_CONVERT_OPS(f32, avx512);
SATTN_DECLARE_CONVERT_OPS(f16, avx512);
SATTN_DECLARE_CONVERT_OPS(bf16, avx512);
SATTN_DECLARE_CONVERT_OPS(i8, avx512);
SATTN_DECLARE_CONVERT_OPS(i4, avx512);
/* The pair layout's B packer for the bf16 levels built on AVX-512 (x16_pack.c). */
SATTN_LOWP_PACK_B(sattn_x16_pack_b_pairs__avx512);

/* Round-to-nearest-even of 16 binary32 values to bfloat16 (their upper halves) with integer adds, as elem.h
 * does; NaN quieted. Subnormals are kept (AVX512-BF16's instruction flushes them). */
static inline __m256i sattn_avx512_round_bf16(__m512 x) {
    const __m512i b = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1));
    const __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(b, _mm512_set1_epi32(0x7FFF)), lsb), 16);
    const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(0x40));
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    return _mm512_cvtepi32_epi16(_mm512_mask_mov_epi32(rounded, nan, quiet));
}

/* exp(x) for x <= 0 (softmax: x - max) with exp.h's reduction and polynomial; 2^n is applied by
 * vscalefps, which scales exactly, so the result equals the AVX2 form's s*(1 + r*p(r)) bit for bit.
 * Inputs below ln(FLT_MIN) give 0 (scalef alone would give denormals); NaN stays NaN. */
static inline __m512 sattn_avx512_exp(__m512 x) {
    const __m512 magic = _mm512_set1_ps(SATTN_EXP_MAGIC);
    const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(SATTN_EXP_LOG2E), magic), magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(SATTN_EXP_LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(SATTN_EXP_LN2_LO), r);
    __m512 p = _mm512_set1_ps(SATTN_EXP_C6);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(SATTN_EXP_C5));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(SATTN_EXP_C4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(SATTN_EXP_C3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(SATTN_EXP_C2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(SATTN_EXP_C1));
    const __m512 e = _mm512_scalef_ps(_mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f)), n);
    /* NaN compares false (not below), so it is kept. */
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(SATTN_EXP_MIN_INPUT), _CMP_NLT_UQ), e);
}

#endif

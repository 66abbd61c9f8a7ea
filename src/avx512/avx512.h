/* AVX-512 (F, BW, DQ, VL) microkernels, compiled with those flags and FMA only, and their helpers.
 * Row tails use opmask registers: no scalar edge loops and no padding buffers. */
#ifndef SATTN_AVX512_H
#define SATTN_AVX512_H

#include <immintrin.h>
#include <stddef.h>

#include "../exp.h"
#include "../kernels.h"
#include "tile.h"

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_12x32__avx512);
SATTN_DECLARE_ROW_OPS(avx512, avx512_p6);
SATTN_DECLARE_DECODE_OPS(f32, avx512);
/* The pair layout's B packer for the bf16 levels built on AVX-512 (x16_pack.c). */
SATTN_LOWP_PACK_B(sattn_x16_pack_b_pairs__avx512);

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

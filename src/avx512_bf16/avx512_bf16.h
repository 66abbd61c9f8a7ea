/* AVX512-BF16 kernels (compiled with the AVX-512 flags and -mavx512bf16; dispatch runs them where CPUID
 * leaf 7 subleaf 1 reports AVX512_BF16 on top of the AVX-512 level). */
#ifndef SATTN_AVX512_BF16_H
#define SATTN_AVX512_BF16_H

#include <immintrin.h>

#include "../kernels.h"

SATTN_LOWP_GEMM_UKERNEL(sattn_bf16_lowp_gemm_ukernel_12x32__avx512_bf16);
SATTN_FROM_F32_UKERNEL(sattn_bf16_from_f32__avx512_bf16);
SATTN_RADDSTOREEXPMINUSMAX_X16_UKERNEL(sattn_f32_raddstoreexpminusmax_bf16_ukernel__avx512_bf16);
/* The VDPBF16PS tile's config, in the table where it pays (init.c); the tests check it on every CPU that has it. */
extern const struct sattn_lowp_gemm_config sattn_bf16_lowp_vdpbf16ps;

#endif

/* Armv8.6 BF16 kernels (compiled with +bf16; dispatch runs them where HWCAP2_BF16 says so). */
#ifndef SATTN_NEON_BF16_H
#define SATTN_NEON_BF16_H

#include "../kernels.h"

SATTN_LOWP_GEMM_UKERNEL(sattn_bf16_lowp_gemm_ukernel_4x16__neon_bf16);

#endif

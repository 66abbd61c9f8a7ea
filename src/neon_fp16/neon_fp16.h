/* Armv8.2 FP16 + FHM kernels (compiled with +fp16fml; dispatch runs them where HWCAP_ASIMDHP and
 * HWCAP_ASIMDFHM say so). */
#ifndef SATTN_NEON_FP16_H
#define SATTN_NEON_FP16_H

#include "../kernels.h"

SATTN_LOWP_GEMM_UKERNEL(sattn_f16_lowp_gemm_ukernel_4x16__neon_fp16);

#endif

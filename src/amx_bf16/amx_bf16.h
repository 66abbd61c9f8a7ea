/* AMX-BF16 kernels (compiled with the AVX-512 flags, -mavx512bf16, -mamx-tile and -mamx-bf16; dispatch runs
 * them where CPUID reports AMX-TILE and AMX-BF16, the OS saves tile state and Linux granted this process the
 * tile data: cpu.c). */
#ifndef SATTN_AMX_BF16_H
#define SATTN_AMX_BF16_H

#include <immintrin.h>

#include "../kernels.h"

SATTN_LOWP_GEMM_UKERNEL(sattn_bf16_lowp_gemm_ukernel_32x32__amx_bf16);
void sattn_amx_bf16_tiles_begin(void);
void sattn_amx_bf16_tiles_end(void);

#endif

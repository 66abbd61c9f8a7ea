/* The portable microkernels (definitions in this folder, one idea per file). */
#ifndef SATTN_SCALAR_H
#define SATTN_SCALAR_H

#include "../kernels.h"

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_4x8__scalar);
SATTN_PACK_A(sattn_f32_pack_a__scalar);
SATTN_PACK_B(sattn_f32_pack_b__scalar);
SATTN_PACK_B(sattn_f16_pack_b__scalar);
SATTN_PACK_B(sattn_bf16_pack_b__scalar);
SATTN_PACK_B(sattn_i8_pack_b__scalar);
SATTN_PACK_B(sattn_i4_pack_b__scalar);
SATTN_LOWP_PACK_B(sattn_x16_pack_b_pairs__scalar);
SATTN_LOWP_PACK_B(sattn_x16_pack_b_rows__scalar);
SATTN_LOWP_GEMM_UKERNEL(sattn_bf16_lowp_gemm_ukernel_4x8__scalar);
SATTN_LOWP_GEMM_UKERNEL(sattn_f16_lowp_gemm_ukernel_4x8__scalar);
SATTN_DECLARE_ROW_OPS(scalar, scalar);
SATTN_DECLARE_TYPED_OPS(scalar);

#endif

/* The portable microkernels (definitions in this folder, one idea per file). */
#ifndef SATTN_SCALAR_H
#define SATTN_SCALAR_H

#include "../kernels.h"

SATTN_GEMM_UKERNEL(sattn_f32_gemm_ukernel_4x8__scalar);
SATTN_PACK_A(sattn_f32_pack_a__scalar);
SATTN_PACK_B(sattn_f32_pack_b__scalar);
SATTN_RMAX_UKERNEL(sattn_f32_rmax_ukernel__scalar);
SATTN_RADDSTOREEXPMINUSMAX_UKERNEL(sattn_f32_raddstoreexpminusmax_ukernel__scalar);
SATTN_VSCALE_UKERNEL(sattn_f32_vscale_ukernel__scalar);
SATTN_VADD_UKERNEL(sattn_f32_vadd_ukernel__scalar);
SATTN_VEXP_UKERNEL(sattn_f32_vexp_ukernel__scalar);
SATTN_SOFTCAP_UKERNEL(sattn_f32_softcap_ukernel__scalar);
SATTN_VADDRAMP_UKERNEL(sattn_f32_vaddramp_ukernel__scalar);
SATTN_QK_DOT_UKERNEL(sattn_f32_qk_dot__scalar);
SATTN_PV_ACCUMULATE_UKERNEL(sattn_f32_pv_accumulate__scalar);

#endif

/* The NEON slots: the AVX2 blocking and tile shape (6x16 tile, MC 120, KC 256, NC 2048,
 * attention 144 x 256), so both ISAs run the same algorithm. The portable packers serve. */
#include "../kernels.h"
#include "neon.h"

void sattn_kernels_init_neon(struct sattn_kernels *k) {
    k->isa = SATTN_ISA_NEON;
    k->gemm_mr = 6;
    k->gemm_nr = 16;
    k->gemm_mc = 120;
    k->gemm_kc = 256;
    k->gemm_nc = 2048;
    k->gemm = sattn_f32_gemm_ukernel_6x16__neon;
    k->attn_block_rows = 144;
    k->attn_block_keys = 256;
    k->rmax = sattn_f32_rmax_ukernel__neon;
    k->raddstoreexpminusmax = sattn_f32_raddstoreexpminusmax_ukernel__neon_p6;
    k->vscale = sattn_f32_vscale_ukernel__neon;
    k->vadd = sattn_f32_vadd_ukernel__neon;
    k->vexp = sattn_f32_vexp_ukernel__neon_p6;
    k->qk_dot = sattn_f32_qk_dot__neon;
    k->pv_accumulate = sattn_f32_pv_accumulate__neon;
}

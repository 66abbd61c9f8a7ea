/* The scalar table: the complete reference every other ISA starts from and is checked against. */
#include "../kernels.h"
#include "scalar.h"

void sattn_kernels_init_scalar(struct sattn_kernels *k) {
    k->isa = SATTN_ISA_SCALAR;
    k->gemm_mr = 4;
    k->gemm_nr = 8;
    k->gemm_mc = 64;
    k->gemm_kc = 256;
    k->gemm_nc = 2048;
    k->gemm = sattn_f32_gemm_ukernel_4x8__scalar;
    k->pack_a = sattn_f32_pack_a__scalar;
    k->pack_b = sattn_f32_pack_b__scalar;
    k->attn_block_rows = 64;
    k->attn_block_keys = 64;
    k->rmax = sattn_f32_rmax_ukernel__scalar;
    k->raddstoreexpminusmax = sattn_f32_raddstoreexpminusmax_ukernel__scalar;
    k->vscale = sattn_f32_vscale_ukernel__scalar;
    k->vadd = sattn_f32_vadd_ukernel__scalar;
    k->vexp = sattn_f32_vexp_ukernel__scalar;
    k->qk_dot = sattn_f32_qk_dot__scalar;
    k->pv_accumulate = sattn_f32_pv_accumulate__scalar;
}

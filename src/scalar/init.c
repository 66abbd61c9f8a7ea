/* The scalar table: the complete reference every other ISA starts from and is checked against. */
#include "scalar.h"

void sattn_kernels_init_scalar(struct sattn_kernels *k) {
    k->isa = SATTN_ISA_SCALAR;
    k->parent = SATTN_ISA_AUTO;
    k->gemm = (struct sattn_gemm_config){.mr = 4, .nr = 8, .ukernel = sattn_f32_gemm_ukernel_4x8__scalar,
                                         .pack_a = sattn_f32_pack_a__scalar,
                                         .pack_b = {[SATTN_ELEM_F32] = sattn_f32_pack_b__scalar}};
    k->row = (struct sattn_row_ops){.rmax = sattn_f32_rmax_ukernel__scalar,
                                    .raddstoreexpminusmax = sattn_f32_raddstoreexpminusmax_ukernel__scalar,
                                    .vscale = sattn_f32_vscale_ukernel__scalar,
                                    .vadd = sattn_f32_vadd_ukernel__scalar,
                                    .vexp = sattn_f32_vexp_ukernel__scalar,
                                    .softcap = sattn_f32_softcap_ukernel__scalar,
                                    .vaddramp = sattn_f32_vaddramp_ukernel__scalar};
    k->decode[SATTN_ELEM_F32] = (struct sattn_decode_ops){.qk_dot = sattn_f32_qk_dot__scalar,
                                                          .pv_accumulate = sattn_f32_pv_accumulate__scalar};
    k->tuned = (struct sattn_blocking){.gemm_mc = 64, .gemm_kc = 256, .gemm_nc = 2048, .attn_rows = 64, .attn_keys = 64};
}

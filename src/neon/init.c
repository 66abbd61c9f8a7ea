/* The NEON slots: the AVX2 blocking and tile shape (6x16 tile, MC 120, KC 256, NC 2048,
 * attention 144 x 256), so both ISAs run the same algorithm. The portable packers serve the
 * 6x16 tile (they take any MR and NR). */
#include "../scalar/scalar.h"
#include "neon.h"

void sattn_kernels_init_neon(struct sattn_kernels *k) {
    k->isa = SATTN_ISA_NEON;
    k->parent = SATTN_ISA_SCALAR;
    k->gemm = (struct sattn_gemm_config){.mr = 6, .nr = 16, .ukernel = sattn_f32_gemm_ukernel_6x16__neon,
                                         .pack_a = sattn_f32_pack_a__scalar,
                                         .pack_b = {[SATTN_ELEM_F32] = sattn_f32_pack_b__scalar}};
    k->row = (struct sattn_row_ops){.rmax = sattn_f32_rmax_ukernel__neon,
                                    .raddstoreexpminusmax = sattn_f32_raddstoreexpminusmax_ukernel__neon_p6,
                                    .vscale = sattn_f32_vscale_ukernel__neon,
                                    .vadd = sattn_f32_vadd_ukernel__neon,
                                    .vexp = sattn_f32_vexp_ukernel__neon_p6,
                                    .softcap = sattn_f32_softcap_ukernel__neon,
                                    .vaddramp = sattn_f32_vaddramp_ukernel__neon};
    k->decode[SATTN_ELEM_F32] = (struct sattn_decode_ops){.qk_dot = sattn_f32_qk_dot__neon,
                                                          .pv_accumulate = sattn_f32_pv_accumulate__neon};
    k->tuned = (struct sattn_blocking){.gemm_mc = 120, .gemm_kc = 256, .gemm_nc = 2048, .attn_rows = 144, .attn_keys = 256};
}

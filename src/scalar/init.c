/* The scalar table: the complete reference every other ISA starts from and is checked against. */
#include "scalar.h"

void sattn_kernels_init_scalar(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    (void)cpu;
    k->isa = SATTN_ISA_SCALAR;
    k->parent = SATTN_ISA_AUTO;
    k->gemm = (struct sattn_gemm_config){.mr = 4, .nr = 8, .ukernel = sattn_f32_gemm_ukernel_4x8__scalar,
                                         .pack_a = sattn_f32_pack_a__scalar,
                                         .pack_b = SATTN_PACK_B_ALL(scalar)};
    k->row = SATTN_ROW_OPS(scalar, scalar);
    SATTN_SET_TYPED_OPS(k, scalar);
    k->tuned = (struct sattn_blocking){.gemm_mc = 64, .gemm_kc = 256, .gemm_nc = 2048, .attn_rows = 64, .attn_keys = 64};
    k->decode_max_rows = 8; /* 0.1's limit: the row-pair kernels here (and NEON's) were not measured past it */
}

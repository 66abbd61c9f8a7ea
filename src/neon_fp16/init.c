/* The Armv8.2 FP16 level: NEON plus F16 attention on FMLAL (f16 products summed in fp32). Everything else,
 * fp32 above all, keeps NEON's kernels. */
#include "../scalar/scalar.h"
#include "neon_fp16.h"

void sattn_kernels_init_neon_fp16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    (void)cpu;
    k->parent = k->isa;
    k->isa = SATTN_ISA_NEON_FP16;
    k->lowp[SATTN_DTYPE_F16] = (struct sattn_lowp_gemm_config){.mr = 4, .nr = 16, .k_step = 2,
                                                               .ukernel = sattn_f16_lowp_gemm_ukernel_4x16__neon_fp16,
                                                               .pack_b = sattn_x16_pack_b_rows__scalar};
}

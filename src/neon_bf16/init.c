/* The Armv8.6 BF16 level: the table it starts from (NEON_FP16 where the CPU has it, else NEON) plus BF16
 * attention on BFDOT. Everything else, fp32 above all, keeps that table's kernels. */
#include "../scalar/scalar.h"
#include "neon_bf16.h"

void sattn_kernels_init_neon_bf16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    (void)cpu;
    k->parent = k->isa;
    k->isa = SATTN_ISA_NEON_BF16;
    k->lowp[SATTN_DTYPE_BF16] = (struct sattn_lowp_gemm_config){.mr = 4, .nr = 16, .k_step = 2,
                                                                .ukernel = sattn_bf16_lowp_gemm_ukernel_4x16__neon_bf16,
                                                                .pack_b = sattn_x16_pack_b_pairs__scalar};
}

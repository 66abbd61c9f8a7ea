/* The AMX-BF16 level: its parent's table (AVX512-BF16's, or AVX-512's on a CPU without AVX512_BF16) plus BF16
 * attention on AMX tiles. Everything else, fp32 above all, keeps the parent's kernels. The 32x32 tile takes the
 * attention blocking of AVX-512's 12x32 as it is: 144 rows are four tiles and a half (a half-height call
 * runs two of the four tile products), 256 keys eight. */
#include "../avx512/avx512.h"
#include "amx_bf16.h"

void sattn_kernels_init_amx_bf16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    (void)cpu;
    k->parent = k->isa;
    k->isa = SATTN_ISA_AMX_BF16;
    k->lowp[SATTN_DTYPE_BF16] = (struct sattn_lowp_gemm_config){
        .mr = 32, .nr = 32, .k_step = 32, .ukernel = sattn_bf16_lowp_gemm_ukernel_32x32__amx_bf16,
        .pack_b = sattn_x16_pack_b_pairs__avx512,
        .begin = sattn_amx_bf16_tiles_begin, .end = sattn_amx_bf16_tiles_end};
}

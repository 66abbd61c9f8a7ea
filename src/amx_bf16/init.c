/* The AMX-BF16 level: its parent's table (AVX512-BF16's, or AVX-512's on a CPU without AVX512_BF16) plus BF16
 * attention on AMX tiles. Everything else, fp32 above all, keeps the parent's kernels and blocking. The 32x32
 * tile keeps AVX-512's key block (256 keys, eight tiles; 128 measured no faster) but takes 288 query rows (nine
 * tiles) per item in place of 144: each packed Kᵀ and V block serves twice the rows, and bf16 attention ran
 * 5-15% faster on 1 thread, the same to 15% on 2 (S 1024 and 4096, d 64 and 128; 576 rows were slower than 288
 * on 1 thread: Xeon, bench lowp). Every AMX core so far has 2 MiB of L2, where the S block (288 KiB) fits. */
#include "../avx512/avx512.h"
#include "amx_bf16.h"

void sattn_kernels_init_amx_bf16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    (void)cpu;
    k->parent = k->isa;
    k->isa = SATTN_ISA_AMX_BF16;
    k->lowp[SATTN_DTYPE_BF16] = (struct sattn_lowp_gemm_config){
        .mr = 32, .nr = 32, .k_step = 32, .ukernel = sattn_bf16_lowp_gemm_ukernel_32x32__amx_bf16,
        .pack_b = sattn_x16_pack_b_pairs__avx512,
        .begin = sattn_amx_bf16_tiles_begin, .end = sattn_amx_bf16_tiles_end, .item_rows = 288};
}

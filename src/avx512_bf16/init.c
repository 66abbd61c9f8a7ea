/* The AVX512-BF16 level: the AVX-512 table plus BF16 attention on VDPBF16PS and F32 -> BF16 on VCVTNE2PS2BF16.
 * Everything else, fp32 above all, keeps the AVX-512 kernels. The tile is the fp32 tile's 12x32, so the attention blocking (144 rows, 256 keys)
 * divides into it as before. */
#include "../avx512/avx512.h"
#include "avx512_bf16.h"

void sattn_kernels_init_avx512_bf16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    (void)cpu;
    k->parent = k->isa;
    k->isa = SATTN_ISA_AVX512_BF16;
    k->lowp[SATTN_DTYPE_BF16] = (struct sattn_lowp_gemm_config){
        .mr = 12, .nr = 32, .k_step = 2, .ukernel = sattn_bf16_lowp_gemm_ukernel_12x32__avx512_bf16,
        .pack_b = sattn_x16_pack_b_pairs__avx512};
    k->convert[SATTN_DTYPE_BF16].from_f32 = sattn_bf16_from_f32__avx512_bf16;
}

/* The NEON slots: the AVX2 blocking and tile shape (6x16 tile, MC 120, KC 256, NC 2048,
 * attention 144 x 256), so both ISAs run the same algorithm. The portable packers serve the
 * 6x16 tile (they take any MR and NR). */
#include "../scalar/scalar.h"
#include "neon.h"

void sattn_kernels_init_neon(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    (void)cpu;
    k->isa = SATTN_ISA_NEON;
    k->parent = SATTN_ISA_SCALAR;
    k->gemm = (struct sattn_gemm_config){.mr = 6, .nr = 16, .ukernel = sattn_f32_gemm_ukernel_6x16__neon,
                                         .pack_a = sattn_f32_pack_a__scalar,
                                         .pack_b = SATTN_PACK_B_ALL(scalar)};
    k->row = SATTN_ROW_OPS(neon, neon_p6);
    SATTN_SET_TYPED_OPS(k, neon);
    k->tuned = (struct sattn_blocking){.gemm_mc = 120, .gemm_kc = 256, .gemm_nc = 2048, .attn_rows = 144, .attn_keys = 256,
                                       .decode_prefetch_bytes = 4096,
                                       .decode_many_prefetch_bytes = 4096};
}

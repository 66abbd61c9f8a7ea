/* The AVX512-BF16 level: the AVX-512 table plus BF16 attention on VDPBF16PS and F32 -> BF16 on VCVTNE2PS2BF16.
 * Everything else, fp32 above all, keeps the AVX-512 kernels. The tile is the fp32 tile's 12x32, so the attention blocking (144 rows, 256 keys)
 * divides into it as before. */
#include "../avx512/avx512.h"
#include "../internal.h"
#include "avx512_bf16.h"

const struct sattn_lowp_gemm_config sattn_bf16_lowp_vdpbf16ps = {
    .mr = 12, .nr = 32, .k_step = 2, .ukernel = sattn_bf16_lowp_gemm_ukernel_12x32__avx512_bf16,
    .pack_b = sattn_x16_pack_b_pairs__avx512};

void sattn_kernels_init_avx512_bf16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    k->parent = k->isa;
    k->isa = SATTN_ISA_AVX512_BF16;
    /* VDPBF16PS does twice an FMA's products, but Intel's cores issue it at half the FMAs' rate (one port of
     * two): on a Xeon with AMX (KVM, 2 cores) the tile ran bf16 attention at 0.66-0.74x of fp32's GFLOP/s
     * (S 1024..8192, d 64 and 128, 1 and 2 threads), the products alone 1.7x slower (perf). There bf16
     * operands are widened to fp32 instead (1.0x); AMX, where present, is the level above. AMD's Zen 4 and 5
     * issue it as fast as an FMA: on a Zen 5 VM bf16 attention ran at 1.68-2.32x fp32's GFLOP/s on the tile
     * (same shapes, geometric mean 1.92x on 1 thread, 1.88x on 2; README). Zen 4 not measured. */
    if (!cpu->vendor_intel) k->lowp[SATTN_DTYPE_BF16] = sattn_bf16_lowp_vdpbf16ps;
    k->convert[SATTN_DTYPE_BF16].from_f32 = sattn_bf16_from_f32__avx512_bf16;
    k->row.raddstoreexpminusmax_bf16 = sattn_f32_raddstoreexpminusmax_bf16_ukernel__avx512_bf16;
}

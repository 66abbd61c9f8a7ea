/* The AVX-512 slots, over the AVX2 table (dispatch's cascade): the AVX2 packers serve the 12x32
 * tile (their transposes work in 8-wide strips). The 12x32 tile beat 8x32 on the 16-core Xeon
 * host (sgemm 1024^3 125-145 vs 106-110 GFLOP/s; attention block phases 90-122 vs 82-86).
 * Blocking for a Sapphire Rapids class core (48 KiB L1d, 2 MiB L2): a 32 x KC panel of B is
 * 32 KiB of L1, an MC x KC block of A 240 KiB of L2. Attention keeps the AVX2 block of 144
 * rows (12 tiles) x 256 keys (8 panels). */
#include "../kernels.h"
#include "avx512.h"

void sattn_kernels_init_avx512(struct sattn_kernels *k) {
    k->isa = SATTN_ISA_AVX512;
    k->gemm_mr = 12;
    k->gemm_nr = 32;
    k->gemm_mc = 240;
    k->gemm_kc = 256;
    k->gemm_nc = 4096;
    k->gemm = sattn_f32_gemm_ukernel_12x32__avx512;
    k->attn_block_rows = 144;
    k->attn_block_keys = 256;
    k->rmax = sattn_f32_rmax_ukernel__avx512;
    k->raddstoreexpminusmax = sattn_f32_raddstoreexpminusmax_ukernel__avx512_p6;
    k->vscale = sattn_f32_vscale_ukernel__avx512;
    k->vadd = sattn_f32_vadd_ukernel__avx512;
    k->vexp = sattn_f32_vexp_ukernel__avx512_p6;
    k->qk_dot = sattn_f32_qk_dot__avx512;
    k->pv_accumulate = sattn_f32_pv_accumulate__avx512;
}

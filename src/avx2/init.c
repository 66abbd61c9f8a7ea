/* The AVX2+FMA slots. Blocking for a Zen 3 class core (32 KiB L1d, 512 KiB L2): a 16 x KC panel
 * of B stays in L1 (16 KiB), an MC x KC block of A in L2 (120 KiB). Attention blocks of 144 rows
 * x 256 keys: more rows amortise packing Kᵀ (7% of the time at 96 rows), more keys the per-row
 * online-softmax work; measured against 48..192 rows and 64..512 keys on this machine, 144 x 256
 * was fastest for d 64 and 128, S 128..2048, causal or not (by 2-4% over 96 x 256). */
#include "../kernels.h"
#include "avx2.h"


void sattn_kernels_init_avx2(struct sattn_kernels *k) {
    k->isa = SATTN_ISA_AVX2;
    k->gemm_mr = 6;
    k->gemm_nr = 16;
    k->gemm_mc = 120;
    k->gemm_kc = 256;
    k->gemm_nc = 2048;
    k->gemm = sattn_f32_gemm_ukernel_6x16__avx2;
    k->pack_a = sattn_f32_pack_a__avx2;
    k->pack_b = sattn_f32_pack_b__avx2;
    k->attn_block_rows = 144;
    k->attn_block_keys = 256;
    k->rmax = sattn_f32_rmax_ukernel__avx2;
    k->raddstoreexpminusmax = sattn_f32_raddstoreexpminusmax_ukernel__avx2_p6;
    k->vscale = sattn_f32_vscale_ukernel__avx2;
    k->vadd = sattn_f32_vadd_ukernel__avx2;
    k->vexp = sattn_f32_vexp_ukernel__avx2_p6;
    k->qk_dot = sattn_f32_qk_dot__avx2;
    k->pv_accumulate = sattn_f32_pv_accumulate__avx2;
}

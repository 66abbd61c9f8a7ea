/* The AVX-512 slots, over the AVX2 table (dispatch's cascade). The 12x32 tile beat 8x32 on the
 * 16-core Xeon host (sgemm 1024^3 125-145 vs 106-110 GFLOP/s; attention block phases 90-122 vs
 * 82-86); its operands are laid out by the AVX2 packers, which serve any MR <= 16 and NR a
 * multiple of 8 (their transposes work in 8-wide strips). Blocking for a Sapphire Rapids class
 * core (48 KiB L1d, 2 MiB L2): a 32 x KC panel of B is 32 KiB of L1, an MC x KC block of A
 * 240 KiB of L2. Attention keeps the AVX2 block of 144 rows (12 tiles) x 256 keys (8 panels).
 *
 * Decode keeps AVX2's kernels for every type, and their crossover to prefill (32 rows per K/V head): with
 * few rows it is bound by memory, and with many AVX2's register tiles beat 16-lane f32 kernels of two rows x
 * four keys without tiles, which this level had: on this project's 2-vCPU Xeon VM (bench default, decode,
 * d 128, kv 8192, 32 heads, medians, 1 and 2 threads) AVX2's took 0.68-0.78x the time for dense GQA 32/8 and
 * 32/4 with one query, 0.57-0.76x with 4 or 16 queries per K/V head, 0.97-1.02x for one query per head and
 * for tokens-major GQA; only 32 heads x 4 queries dense took longer (1.06x on 1 thread, 1.14x on 2). */
#include <string.h>

#include "../avx2/avx2.h"
#include "avx512.h"

void sattn_kernels_init_avx512(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    (void)cpu;
    const struct sattn_gemm_config avx2_tile = k->gemm;
    k->isa = SATTN_ISA_AVX512;
    k->parent = SATTN_ISA_AVX2;
    k->gemm = (struct sattn_gemm_config){.mr = 12, .nr = 32, .ukernel = sattn_f32_gemm_ukernel_12x32__avx512,
                                         .pack_a = avx2_tile.pack_a};
    memcpy(k->gemm.pack_b, avx2_tile.pack_b, sizeof k->gemm.pack_b);
    k->row = SATTN_ROW_OPS(avx512, avx512_p6);
    k->tuned = (struct sattn_blocking){.gemm_mc = 240, .gemm_kc = 256, .gemm_nc = 4096, .attn_rows = 144, .attn_keys = 256,
                                       .decode_prefetch_bytes = 8192}; /* 16 keys of d 128 in f32, its 0.1 value */
}

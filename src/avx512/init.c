/* The AVX-512 slots, over the AVX2 table (dispatch's cascade). The 12x32 tile beat 8x32 on the
 * 16-core Xeon host (sgemm 1024^3 125-145 vs 106-110 GFLOP/s; attention block phases 90-122 vs
 * 82-86); its A operand is laid out by AVX2's packer (any MR <= 16), its B panels by this level's
 * (pack_b_tmpl.c: 16x16 transposes for Kᵀ, NR a multiple of 16). Against AVX2's B packers, prefill on the Zen 5
 * VM (S 1024 and 4096, d 64 and 128, causal and not, 1 thread, the two builds in one process, calls
 * alternating, medians of 7) took f32 0.95-0.99x the time, f16 K/V 0.96-0.98x, int8 0.89-0.93x, int4
 * 0.89-0.94x (2 threads, S 2048 d 128: f32 0.97x, int8 0.92x). Blocking for a Sapphire Rapids class
 * core (48 KiB L1d, 2 MiB L2): a 32 x KC panel of B is 32 KiB of L1, an MC x KC block of A
 * 240 KiB of L2. Attention keeps the AVX2 block of 144 rows (12 tiles) x 256 keys (8 panels).
 *
 * Decode: f32 calls of fewer than 4 rows per K/V head keep AVX2's kernels (bound by memory). The other types'
 * one-row calls (MHA decode) take this level's one-row kernels, where AVX2's spent more operations converting than
 * the stream allows, and their calls of 2 or 3 rows the tiles (decode_tmpl.c; AMX Xeon VM, bench types, 32 heads,
 * d 128, kv 8192 and 32768, 1 and 2 threads, two interleaved rounds: int8 group 32 and per row 0.71-0.92x AVX2's
 * time, int4 0.84-0.93x dense and 0.88-1.0x tokens-major and 0.82-0.94x more with its table lookup, bf16
 * 0.81-0.93x dense, f16 0.87-1.03x, tokens-major 16-bit 0.90-1.05x; 2 and 3 rows, kv 8192, 1 thread, 15 calls:
 * f16/bf16 and int8/int4 0.93-1.07x at 2 rows, 0.68-0.83x at 3). Not measured on Zen 4, whose 256-bit units
 * split each 512-bit operation. From 4 rows on, every
 * type takes this level's 16-lane kernels (decode_tmpl.c). On this project's 2-vCPU AMX Xeon VM (bench default
 * and types sweeps, decode, d 128, kv 8192 and 32768, 1 and 2 threads, two interleaved rounds, medians of 3) they
 * took 0.78-0.95x AVX2's time for f32 GQA 32/8 and 32/4 with one query and with 4 and 16 queries per K/V head;
 * for GQA 32/8 caches f16 0.77-0.88x, bf16 0.73-0.89x, f32 0.86-1.08x (the 1.08: tokens-major, kv 32768, 1
 * thread), int8 (group 32 and per row) 0.75-0.90x, int4 0.79-0.85x. Integer P·V folds the scale into the weights,
 * as AVX2's does (a register tile with a multiply per vector measured 0.91-1.16x of AVX2's), first as four rows x
 * four keys with the accumulators in L1, now as a register tile over a block's weights (decode_tmpl.c's
 * pv_quant_tiles, 0.73-0.90x that form's time on the Zen 5 VM). Before these kernels the level ran AVX2's
 * decode for every call, which beat its first 16-lane kernels (two rows x four keys, no tiles) at 0.57-0.78x the
 * time for GQA. The crossover to prefill stays at AVX2's 32 rows per K/V head, re-measured with these kernels
 * (same VM, GQA 32/8, d 128, kv 8192, f32, medians of 15 calls, two interleaved rounds, GFLOP/s decode against
 * prefill): 16 rows 71 vs 41 (1 thread) and 138 vs 99 (2); 32 rows 76-78 vs 65-66 and 161-166 vs 154-162; 48 rows
 * 81-83 vs 84-86 and 162-173 vs 185-190; 64 rows 80 vs 91 and 163 vs 192. */
#include <string.h>

#include "../avx2/avx2.h"
#include "../internal.h"
#include "avx512.h"

/* Calls of this many rows or more take the 16-lane kernels (decode_tmpl.c); fewer keep AVX2's. */
#define QK_MANY_FROM 4
#define PV_MANY_FROM 4
/* From this many rows Q·Kᵀ puts its lanes on rows (decode_tmpl.c: qk_lanes, with the figures). Fewer rows leave
 * lanes idle: at 8 rows its FMAs per logit (d / 8) pass the tiles' (d / 16 and sum16's share). */
#define QK_LANES_FROM 16
#define SET_MANY(k, TYPE, type)                                                                                     \
    ((k)->decode[SATTN_DTYPE_##TYPE].qk_many = sattn_##type##_qk_many__avx512,                                       \
     (k)->decode[SATTN_DTYPE_##TYPE].pv_many = sattn_##type##_pv_many__avx512,                                       \
     (k)->decode[SATTN_DTYPE_##TYPE].qk_many_from = QK_MANY_FROM, (k)->decode[SATTN_DTYPE_##TYPE].pv_many_from = PV_MANY_FROM, \
     (k)->decode[SATTN_DTYPE_##TYPE].qk_lanes = sattn_##type##_qk_lanes__avx512,                                     \
     (k)->decode[SATTN_DTYPE_##TYPE].qk_lanes_from = QK_LANES_FROM)

void sattn_kernels_init_avx512(struct sattn_kernels *k, const struct sattn_cpu_features *cpu) {
    const struct sattn_gemm_config avx2_tile = k->gemm;
    k->isa = SATTN_ISA_AVX512;
    k->parent = SATTN_ISA_AVX2;
    k->gemm = (struct sattn_gemm_config){.mr = 12, .nr = 32, .ukernel = sattn_f32_gemm_ukernel_12x32__avx512,
                                         .pack_a = avx2_tile.pack_a, .pack_b = SATTN_PACK_B_ALL(avx512)};
    k->row = SATTN_ROW_OPS(avx512, avx512_p6);
    SET_MANY(k, F32, f32);
    SET_MANY(k, F16, f16);
    SET_MANY(k, BF16, bf16);
    SET_MANY(k, I8, i8);
    SET_MANY(k, I4, i4);
    /* Conversions at 16 lanes (convert_tmpl.c). Zen 5 VM, one thread, a row in L1, the last of three rounds, ns an
     * element against AVX2's: quantise rows of 1024 in groups of 32 int8 0.137 / 0.186, int4 0.158 / 0.213; rows
     * of 128, one scale a row: 0.172 / 0.255 and 0.193 / 0.376; to f32 from f16 and bf16 (16 Ki, in L2) 0.50x
     * the time. From memory (64 Mi elements, rows of 128, groups of 32, calls alternating in one process)
     * quantising took 0.94x the time: the stream bounds it there. */
    k->convert[SATTN_DTYPE_F32] = SATTN_CONVERT_OPS(f32, avx512);
    k->convert[SATTN_DTYPE_F16] = SATTN_CONVERT_OPS(f16, avx512);
    k->convert[SATTN_DTYPE_BF16] = SATTN_CONVERT_OPS(bf16, avx512);
    k->convert[SATTN_DTYPE_I8] = SATTN_CONVERT_OPS(i8, avx512);
    k->convert[SATTN_DTYPE_I4] = SATTN_CONVERT_OPS(i4, avx512);
    k->decode[SATTN_DTYPE_F16].qk_dot = sattn_f16_qk_dot__avx512;
    k->decode[SATTN_DTYPE_F16].pv_accumulate = sattn_f16_pv_accumulate__avx512;
    k->decode[SATTN_DTYPE_BF16].qk_dot = sattn_bf16_qk_dot__avx512;
    k->decode[SATTN_DTYPE_BF16].pv_accumulate = sattn_bf16_pv_accumulate__avx512;
    k->decode[SATTN_DTYPE_I8].qk_dot = sattn_i8_qk_dot__avx512;
    k->decode[SATTN_DTYPE_I8].pv_accumulate = sattn_i8_pv_accumulate__avx512;
    k->decode[SATTN_DTYPE_I4].qk_dot = sattn_i4_qk_dot__avx512;
    k->decode[SATTN_DTYPE_I4].pv_accumulate = sattn_i4_pv_accumulate__avx512;
    /* Decode prefetch: 8 KiB (16 keys of d 128 in f32) is the 0.1 value, from Zen 4, and what the many-row tiles
     * keep. The one-row kernels (AVX2's) take 2 KiB on Intel: on the AMX Xeon VM (bench types, 32 heads, d 128,
     * kv 32768 past its L3, 1 thread, two rounds) 8 KiB against 2 KiB was bf16 dense 60-61 ms against 46-47, f16
     * 50-53 against 42-43, f32, int8 and int4 alike or slower, tokens-major alike; while GQA 32/8's f16 and bf16
     * tiles took 13.3-14.1 ms at 8 KiB against 15.0-15.8 at 2 (5.8-6.1 against 7.0-7.8 on 2 threads).
     * Tokens-major int8 walks 8 keys a call, not 4: the one-row kernels' per-call work (q, the scales' setup) is
     * paid half as often. Same VM, bench types, d 128, 32 heads and GQA 32/8, kv 8192 and 32768, 1 and 2
     * threads, three interleaved rounds, medians of 3: int8 group 32 and per row 0.63-1.06x the time of 4-key
     * steps (GQA kv 32768: 0.63-0.96x); GQA int4 0.90-1.02x. 16 keys: 0.60-1.09x of 4 (two rounds).
     * From 4 rows per K/V head on, every type walks 128 keys a call, not 4 to 12: the kernels' own prefetch (a
     * distance of 8 KiB, 32 keys of f16) then runs inside the call, where the hardware prefetchers do not follow
     * one head's rows 2 KiB or more apart. Same VM, three interleaved rounds, medians of 3, against 4 to 12:
     * GQA 32/8 one query (bench types, kv 8192 and 32768, 1 and 2 threads) f16 and bf16 0.61-0.95x the time
     * (kv 32768: 0.61-0.77x), f32 0.87-1.02x, int8 and int4 0.80-1.17x (one round of int4 at 1.17, the others
     * 0.87-1.02); default sweep kv 8192: 32 heads x 4 and x 16 queries 0.78-0.93x, GQA 32/4 0.85-0.92x, GQA 32/8
     * x 4 and x 16 0.88-1.03x. Against 128 (two rounds), 32 keys were slower and 512 (a whole chunk) alike for
     * f16 and bf16 but 1.2x for f32. One-row calls keep 4 (16 to 128 were 1.1-1.6x the time for f16 and bf16).
     * On AMD the many-row step is a whole chunk (512 keys): on the Zen 5 VM (AMD EPYC, family 26, 2 vCPUs) GQA
     * 32/8 one query, tokens-major, d 128 and 64, kv 8192 and 32768, 1 and 2 threads (two builds in one process,
     * calls alternating, medians of 11-15) took at 512 against 128 int8 0.66-0.73x the time, int4 0.77-0.89x,
     * bf16 0.76-0.89x, f16 0.82-0.94x (one run 1.10x on 2 threads), f32 0.98-1.02x; 256 keys between, 12 and 32
     * slower (1.2-1.7x). Calls of 1 to 3 rows with float K and V walk 64 keys on AMD, not 4: same VM and method,
     * tokens-major, kv 8192 and 32768, 1 and 2 threads, 32 heads at d 128: f32 0.86-0.98x the time, f16
     * 0.77-1.01x, bf16 0.74-1.13x (one run of five at 1.13); d 64 0.92-1.03x; GQA 32/16 (2 rows) 0.68-0.86x. A
     * whole chunk (512) was 0.71-0.95x at d 128 but 1.0-1.15x for f16 and bf16 at d 64. Zen 4 takes the AMD
     * values unmeasured. Int8 and int4 calls under 4 rows walk a whole chunk on AMD too (int4 rows on lines of
     * their own took 32 keys, int8 8): 32 heads, tokens-major, against those steps, same method, d 128 kv 8192
     * and 32768 on 1 and 2 threads: int8 0.51-0.62x the time, int4 0.34-0.46x; d 64 int8 0.32-0.45x, int4
     * 0.91-0.95x; GQA 32/16 0.59-0.65x; int8 and int4 with a scale per row 0.71x / 0.44x. (Int8 at 128 keys was
     * 0.95-1.15x, at 32 0.82-0.94x: only the whole chunk won; int4 at 128 0.43-0.60x, 256 0.38-0.48x.)
     * F16 and bf16 walks of 32 KiB a step (rows of 32 heads of d 128: 4 keys; at most 8, attention_decode.c's
     * short_walk), each call's rows prefetched into L2 128 KiB of keys ahead by the driver, against the 64 keys
     * above: a walk of 64 keys reads each head's rows a page or more apart, 64 pages a call, and reading a
     * tokens-major buffer so, without arithmetic, took 16-17 GB/s on this VM where steps of 4 keys with the same
     * head's rows prefetched 8-16 keys ahead took 31-33 (alone in order: 37-44); without the prefetch steps of 4
     * lost (1.31-1.41x the time), as they did when 64 was chosen. Same VM and method (medians of 7-21): 32 heads,
     * d 128, kv 8192 and 32768, f16 and bf16 0.72-0.80x the time on 1 thread, 0.74-0.92x on 2; d 64 0.73-0.75x
     * (0.74x on 2 threads); GQA 32/16 (2 rows) 0.66-0.77x; 16 heads of d 128 (8 keys a step) 0.99-1.09x. Not
     * taken: 8 heads of d 128 (2 KiB a key, 16 keys a step) 1.02-1.38x, f32 (16 KiB a key, 2 keys a step, 8 ahead)
     * 0.91-1.03x at 32 heads but 1.04-1.19x at 8 and 16 heads and GQA 32/16, int4 at 16 and 32 keys a step (2 KiB a
     * key at 32 heads of d 128; its one-row P·V takes calls of 16 keys or more) 1.34-1.47x (one cell 0.95x), GQA
     * 32/8's tiles at 4 to 32 keys a step 0.95-1.12x. Int8 walks take their own step, decode_int8_step_bytes (64
     * KiB: 16 keys of 32 heads of d 128, at most 16), with the same 128 KiB ahead and the driver prefetching the
     * scales of the keys ahead too (an earlier trial of steps of 4 to 64 keys had found no setting better in
     * repeated runs; this one ran every step against three distances, then the choice over repeated runs of 41
     * calls). Same VM, 32 heads of d 128 tokens-major, against the whole chunk, groups of 32 / a scale a row: kv
     * 32768 on 1 thread 0.82-0.84x / 0.84-0.91x the time (runs of 41 calls; of 11, the per-row cell 0.89-1.15x), kv
     * 8192 0.87-0.93x / 0.97-0.98x (shorter runs 0.95-1.10x); 2 threads kv 32768 0.87-0.89x / 0.94-1.01x, kv 8192
     * 0.98-1.05x / 1.00-1.15x. Steps against ahead distances (kv 32768, 1 thread, groups of 32 / a scale a row): 4
     * keys 1.07-1.25x / 0.95-1.13x, 8 keys 0.94-1.09x / 0.78-0.88x, 16 keys 0.81-0.92x / 0.73-0.84x, 32 keys
     * 0.88-0.91x / 0.77-0.84x, 64 keys 1.28x / 1.23x.
     * On Intel the many-row tiles prefetch into L2 (PREFETCHT1), not L1: a PREFETCHT0 holds one of the L1's fill
     * buffers until its line arrives, and pv_tiles' prefetches waited for one (a quarter of its samples, perf, 32
     * heads x 16 queries, d 64). Xeon AMX VM, the two builds in one process, calls alternating, medians of 8, kv
     * 32768, two runs: f32 dense 32 heads x 16 queries at d 64 0.96-0.97x the time on 1 thread, 0.94-0.97x on 2;
     * GQA 32/8 x 4 at d 128 0.96x / 0.95x; f16 0.98-1.00x, MQA 1.00x; tokens-major rows a page apart 1.00-1.03x,
     * so those keep L1 (attention_decode.c). Zen 4 keeps L1 (not measured there). */
    k->tuned = (struct sattn_blocking){.gemm_mc = 240, .gemm_kc = 256, .gemm_nc = 4096, .attn_rows = 144, .attn_keys = 256,
                                       .decode_prefetch_bytes = cpu->vendor_intel ? 2048 : 8192,
                                       .decode_many_prefetch_bytes = 8192,
                                       .decode_many_prefetch_l2 = cpu->vendor_intel,
                                       .decode_int_step_keys = cpu->vendor_intel ? 8 : 512,
                                       .decode_many_step_keys = cpu->vendor_intel ? 128 : 512,
                                       .decode_step_keys = cpu->vendor_intel ? 0 : 64,
                                       .decode_step_bytes = cpu->vendor_intel ? 0 : 32 * 1024,
                                       .decode_step_ahead_bytes = cpu->vendor_intel ? 0 : 128 * 1024,
                                       .decode_int8_step_bytes = cpu->vendor_intel ? 0 : 64 * 1024};
}

/* Block-size tuning: times fused attention and sgemm of the selected ISA (SATTN_ISA, default the
 * best) on one thread with candidate block sizes, by running the drivers with edited copies of
 * the blocking fitted to this machine (the kernel tables are never touched). What src/blocking.c's rules were fitted to; run it on a new machine to check them.
 *
 *   sattn_tune_blocks [phases|prefetch]   (one line per candidate: median of 7 runs; `phases`: only
 *                                 the per-phase profile of one attention block; `prefetch`: only the
 *                                 decode prefetch distance, then the many-row tiles' prefetch level)
 *
 * The phase profile replays the fused driver's steps on one block (the fitted rows x keys, d = dv
 * = 64 and 128) and times each: packing Kᵀ and V, S = Q·Kᵀ, the online softmax, P·V; the two
 * products in both loop orders (row tiles outer, as the driver runs them, or panels outer). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "seconds.h"

static int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* On cache lines, as engines allocate their caches (a row that straddles lines costs the decode kernels more). */
static float *filled(size_t n) {
    float *x = aligned_alloc(64, (n * sizeof *x + 63) / 64 * 64);
    for (size_t i = 0; i < n; i++) x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    return x;
}

enum { RUNS = 7 };

/* One thread, the current ISA's kernels, the candidate blocking. */
static struct sattn_exec candidate(const struct sattn_blocking *blk) {
    struct sattn_exec x = sattn_exec_for(NULL);
    x.blk = blk, x.threads = 1;
    return x;
}

static double attention_gflops(const struct sattn_blocking *blk, size_t S, size_t d) {
    const struct sattn_exec x = candidate(blk);
    const size_t H = 8, n = H * S * d;
    float *q = filled(n), *kk = filled(n), *v = filled(n), *o = filled(n);
    sattn_attention_desc desc = {.batch = 1, .heads = H, .q_len = S, .kv_len = S, .head_dim = d};
    struct sattn_attention_problem p;
    double t[RUNS];
    if (sattn_attention_check(&desc, sizeof desc, q, kk, v, o, &p) != SATTN_OK) return 0;
    sattn_attention_run(&x, &p, NULL, 0); /* warm-up */
    for (int r = 0; r < RUNS; r++) {
        const double t0 = bench_seconds();
        sattn_attention_run(&x, &p, NULL, 0);
        t[r] = bench_seconds() - t0;
    }
    qsort(t, RUNS, sizeof t[0], by_value);
    free(q), free(kk), free(v), free(o);
    return 4.0 * H * S * S * d / t[RUNS / 2] * 1e-9;
}

static double gemm_gflops(const struct sattn_blocking *blk, size_t n) {
    const struct sattn_exec x = candidate(blk);
    float *a = filled(n * n), *b = filled(n * n), *c = filled(n * n);
    double t[RUNS];
    sattn_gemm_run(&x, SATTN_NOTRANS, SATTN_NOTRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n, NULL, 0);
    for (int r = 0; r < RUNS; r++) {
        const double t0 = bench_seconds();
        sattn_gemm_run(&x, SATTN_NOTRANS, SATTN_NOTRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n, NULL, 0);
        t[r] = bench_seconds() - t0;
    }
    qsort(t, RUNS, sizeof t[0], by_value);
    free(a), free(b), free(c);
    return 2.0 * n * n * n / t[RUNS / 2] * 1e-9;
}

/* ns per (row, key) pair of one phase, median of 7 timings of `reps` repetitions. */
#define TIME_PHASE(result, reps, body)                                                                                 \
    do {                                                                                                               \
        double t_[RUNS];                                                                                               \
        for (int r_ = 0; r_ < RUNS; r_++) {                                                                            \
            const double t0_ = bench_seconds();                                                                                  \
            for (int i_ = 0; i_ < (reps); i_++) { body; }                                                              \
            t_[r_] = bench_seconds() - t0_;                                                                                      \
        }                                                                                                              \
        qsort(t_, RUNS, sizeof t_[0], by_value);                                                                       \
        result = t_[RUNS / 2] / (reps) / ((double)R * BN) * 1e9;                                                      \
    } while (0)

static void phases(const struct sattn_kernels *k, const struct sattn_blocking *blk, size_t d) {
    const struct sattn_gemm_config *g = &k->gemm;
    const struct sattn_row_ops *row = &k->row;
    const struct sattn_gemm_params qk = {0.125f, 0.0f}, pv = {1.0f, 1.0f};
    const size_t MR = g->mr, NR = g->nr, R = blk->attn_rows, BN = blk->attn_keys, dv = d;
    float *q = filled(R * d), *kk = filled(BN * d), *v = filled(BN * dv), *kp = filled(BN * d), *vp = filled(BN * dv);
    float *s = filled(R * BN), *acc = filled(R * dv);
    const int reps = 20;
    double pack_k, pack_v, qk_rows, qk_panels, soft, pv_rows, pv_panels;
    TIME_PHASE(pack_k, reps, for (size_t j = 0; j < BN; j += NR)
                                 g->pack_b[SATTN_DTYPE_F32](NR, sattn_min(NR, BN - j), d, kk + j * d, 1, d, NULL, kp + j * d));
    TIME_PHASE(pack_v, reps, for (size_t c = 0; c < dv; c += NR)
                                 g->pack_b[SATTN_DTYPE_F32](NR, sattn_min(NR, dv - c), BN, v + c, dv, 1, NULL, vp + c * BN));
    TIME_PHASE(qk_rows, reps, for (size_t r = 0; r < R; r += MR) for (size_t j = 0; j < BN; j += NR)
                                  g->ukernel(sattn_min(MR, R - r), NR, d, q + r * d, d, 1, kp + j * d, s + r * BN + j,
                                             BN, &qk));
    TIME_PHASE(qk_panels, reps, for (size_t j = 0; j < BN; j += NR) for (size_t r = 0; r < R; r += MR)
                                    g->ukernel(sattn_min(MR, R - r), NR, d, q + r * d, d, 1, kp + j * d,
                                               s + r * BN + j, BN, &qk));
    TIME_PHASE(soft, reps, for (size_t r = 0; r < R; r++) {
        const float m = row->rmax(BN, s + r * BN);
        row->raddstoreexpminusmax(BN, s + r * BN, m + 1.0f, s + r * BN);
        row->vscale(dv, acc + r * dv, 0.5f, acc + r * dv);
    });
    TIME_PHASE(pv_rows, reps, for (size_t r = 0; r < R; r += MR) for (size_t c = 0; c < dv; c += NR)
                                  g->ukernel(sattn_min(MR, R - r), NR, BN, s + r * BN, BN, 1, vp + c * BN,
                                             acc + r * dv + c, dv, &pv));
    TIME_PHASE(pv_panels, reps, for (size_t c = 0; c < dv; c += NR) for (size_t r = 0; r < R; r += MR)
                                    g->ukernel(sattn_min(MR, R - r), NR, BN, s + r * BN, BN, 1, vp + c * BN,
                                               acc + r * dv + c, dv, &pv));
    const double total = pack_k + pack_v + qk_rows + soft + pv_rows;
    printf("phases %s %zu rows x %zu keys, d %zu (ns per pair; %% of the sum, row-tile order):\n",
           sattn_isa_name(k->isa), R, BN, d);
    printf("  pack K %.3f (%.0f%%)  pack V %.3f (%.0f%%)  S %.3f (%.0f%%; panels outer %.3f)  softmax %.3f (%.0f%%)  "
           "PV %.3f (%.0f%%; panels outer %.3f)  sum %.3f ns = %.1f GFLOP/s\n",
           pack_k, 100 * pack_k / total, pack_v, 100 * pack_v / total, qk_rows, 100 * qk_rows / total, qk_panels, soft,
           100 * soft / total, pv_rows, 100 * pv_rows / total, pv_panels, total, 4.0 * d / total);
    fflush(stdout);
    free(q), free(kk), free(v), free(kp), free(vp), free(s), free(acc);
}

/* Each shape's median K+V GB/s over its rounds (t: shape after shape, `rounds` times each, sorted in place),
 * printed after its name on the current line; returns their geometric mean. */
static double median_rates(int shapes, int rounds, double *t, const double *bytes, const char *const *names) {
    double log_sum = 0;
    for (int s = 0; s < shapes; s++) {
        double *ts = t + (size_t)s * rounds;
        qsort(ts, (size_t)rounds, sizeof *ts, by_value);
        const double gbs = bytes[s] / ts[rounds / 2] * 1e-9;
        log_sum += log(gbs);
        printf("  %s %5.1f", names[s], gbs);
    }
    printf("\n");
    return exp(log_sum / shapes);
}

/* The decode prefetch distance: one thread streams K+V of decode shapes (32 heads x 8192 keys at d 128, one
 * query: f32 dense and tokens-major, f16 and bf16 dense; GQA 32/8 dense in f32 and bf16) with each candidate
 * distance, interleaved rounds so that the machine's drift hits every candidate alike, and prints the median K+V
 * GB/s per candidate and the distance whose geometric mean over the shapes is best, as the SATTN_DECODE_PREFETCH
 * line to export. One distance in bytes serves every type and kernel, and 16-bit caches are where it shows: on the
 * AMX Xeon VM f32 dense moved 13.0-13.6 GB/s between 1 and 16 KiB, while one-row bf16 dense ran 0.75x the time at
 * 2 KiB of what it took at 8, and GQA bf16 (4-row tiles) 1.2x. */
static void decode_prefetch(const struct sattn_blocking *live) {
    enum { SHAPES = 6, ROUNDS = 15, H = 32, KV = 8192, D = 128 };
    static const size_t candidates[] = {0, 1024, 2048, 4096, 8192, 16384};
    enum { NC = sizeof candidates / sizeof candidates[0] };
    static const char *const names[SHAPES] = {"32 heads dense", "32 heads tokens-major", "GQA 32/8 dense",
                                              "32 heads dense f16", "32 heads dense bf16", "GQA 32/8 dense bf16"};
    const size_t n = (size_t)H * KV * D;
    float *q = filled(H * D), *kk = filled(n), *v = filled(n), *o = filled(H * D);
    uint16_t *k16[2], *v16[2];
    for (int t = 0; t < 2; t++) /* on cache lines too (n * 2 bytes is whole lines) */
        k16[t] = aligned_alloc(64, n * 2), v16[t] = aligned_alloc(64, n * 2);
    for (int t = 0; t < 2; t++) {
        const sattn_dtype type = t ? SATTN_DTYPE_BF16 : SATTN_DTYPE_F16;
        if (sattn_convert(SATTN_DTYPE_F32, type, n, kk, k16[t]) != SATTN_OK ||
            sattn_convert(SATTN_DTYPE_F32, type, n, v, v16[t]) != SATTN_OK)
            return;
    }
    struct sattn_attention_problem p[SHAPES];
    double bytes[SHAPES], t[NC][SHAPES][ROUNDS];
    for (int s = 0; s < SHAPES; s++) {
        const int gqa = s == 2 || s == 5, x16 = s >= 3, bf16 = s >= 4;
        sattn_attention_desc desc = {.batch = 1, .heads = H, .kv_heads = gqa ? H / 4 : H, .q_len = 1, .kv_len = KV,
                                     .head_dim = D};
        if (s == 1) desc.k_strides = desc.v_strides = (sattn_strides){.batch = n, .head = D, .seq = (size_t)H * D};
        if (x16) desc.k_type = desc.v_type = bf16 ? SATTN_DTYPE_BF16 : SATTN_DTYPE_F16;
        const void *ks = x16 ? (const void *)k16[bf16] : kk, *vs = x16 ? (const void *)v16[bf16] : v;
        if (sattn_attention_check(&desc, sizeof desc, q, ks, vs, o, &p[s]) != SATTN_OK) return;
        bytes[s] = 2.0 * desc.kv_heads * KV * D * (x16 ? 2 : sizeof(float));
    }
    printf("decode prefetch distance, isa %s (in use: %zu bytes), 1 thread, K+V GB/s, medians of %d interleaved "
           "rounds:\n", sattn_isa_name(sattn_kernels_current()->isa), live->decode_prefetch_bytes, ROUNDS);
    for (int r = -1; r < ROUNDS; r++) /* round -1 warms up */
        for (size_t c = 0; c < NC; c++)
            for (int s = 0; s < SHAPES; s++) {
                struct sattn_blocking b = *live;
                b.decode_prefetch_bytes = b.decode_many_prefetch_bytes = candidates[c];
                const struct sattn_exec x = candidate(&b);
                const double t0 = bench_seconds();
                sattn_attention_run(&x, &p[s], NULL, 0);
                if (r >= 0) t[c][s][r] = bench_seconds() - t0;
            }
    size_t best = 0;
    double best_mean = 0;
    for (size_t c = 0; c < NC; c++) {
        printf("  %5zu bytes:", candidates[c]);
        const double mean = median_rates(SHAPES, ROUNDS, &t[c][0][0], bytes, names);
        if (mean > best_mean) best_mean = mean, best = c;
    }
    printf("best: export SATTN_DECODE_PREFETCH=%zu\n", candidates[best]);
    free(q), free(kk), free(v), free(o), free(k16[0]), free(k16[1]), free(v16[0]), free(v16[1]);
}

/* The many-row tiles' prefetch level: one thread, decode shapes of 4 and 16 rows per K/V head (32 heads x 16
 * queries, GQA 32/8 with one query and with 4, dense f32 at d 128, kv 8192) with the live distance, prefetching
 * into L1 and into L2 (decode_many_prefetch_l2), interleaved rounds; prints the median K+V GB/s of each and the
 * SATTN_DECODE_PREFETCH_L2 line of the better geometric mean. Only kernels that honour the flag (AVX-512's) can
 * tell the two apart; elsewhere the line is noise's. */
static void decode_prefetch_level(const struct sattn_blocking *live) {
    enum { SHAPES = 3, ROUNDS = 15, H = 32, KV = 8192, D = 128 };
    static const char *const names[SHAPES] = {"32 heads x 16 queries", "GQA 32/8 x 1", "GQA 32/8 x 4"};
    static const size_t kv_heads[SHAPES] = {H, H / 4, H / 4}, queries[SHAPES] = {16, 1, 4};
    const size_t n = (size_t)H * KV * D;
    float *q = filled(H * 16 * D), *kk = filled(n), *v = filled(n), *o = filled(H * 16 * D);
    struct sattn_attention_problem p[SHAPES];
    double bytes[SHAPES], t[2][SHAPES][ROUNDS];
    for (int s = 0; s < SHAPES; s++) {
        const sattn_attention_desc desc = {.batch = 1, .heads = H, .kv_heads = kv_heads[s], .q_len = queries[s],
                                           .kv_len = KV, .head_dim = D};
        if (sattn_attention_check(&desc, sizeof desc, q, kk, v, o, &p[s]) != SATTN_OK) return;
        bytes[s] = 2.0 * kv_heads[s] * KV * D * sizeof(float);
    }
    printf("decode prefetch level of the many-row tiles, isa %s (in use: %s), 1 thread, K+V GB/s, medians of %d "
           "interleaved rounds:\n", sattn_isa_name(sattn_kernels_current()->isa),
           live->decode_many_prefetch_l2 ? "L2" : "L1", ROUNDS);
    for (int r = -1; r < ROUNDS; r++) /* round -1 warms up */
        for (int l2 = 0; l2 < 2; l2++)
            for (int s = 0; s < SHAPES; s++) {
                struct sattn_blocking b = *live;
                b.decode_many_prefetch_l2 = (size_t)l2;
                const struct sattn_exec x = candidate(&b);
                const double t0 = bench_seconds();
                sattn_attention_run(&x, &p[s], NULL, 0);
                if (r >= 0) t[l2][s][r] = bench_seconds() - t0;
            }
    double mean[2];
    for (int l2 = 0; l2 < 2; l2++) {
        printf("  %s:", l2 ? "L2" : "L1");
        mean[l2] = median_rates(SHAPES, ROUNDS, &t[l2][0][0], bytes, names);
    }
    printf("best: export SATTN_DECODE_PREFETCH_L2=%d\n", mean[1] > mean[0]);
    free(q), free(kk), free(v), free(o);
}

int main(int argc, char **argv) {
    const struct sattn_kernels *k = sattn_kernels_current();
    const struct sattn_blocking live = *sattn_blocking_for(k->isa);
    if (argc > 1 && !strcmp(argv[1], "phases")) {
        for (int rep = 0; rep < 3; rep++) phases(k, &live, 64), phases(k, &live, 128);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "prefetch")) {
        decode_prefetch(&live);
        decode_prefetch_level(&live);
        return 0;
    }
    printf("isa %s, blocking: gemm MC %zu KC %zu NC %zu, attention %zu rows x %zu keys\n", sattn_isa_name(k->isa),
           live.gemm_mc, live.gemm_kc, live.gemm_nc, live.attn_rows, live.attn_keys);
    const size_t MR = k->gemm.mr;
    const size_t rows[] = {12 * MR, 18 * MR, 24 * MR, 36 * MR, 48 * MR}, keys[] = {128, 256, 512};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++) {
            struct sattn_blocking c = live;
            c.attn_rows = rows[i], c.attn_keys = keys[j];
            printf("attention rows %3zu keys %3zu: S1024 d64 %6.1f  S2048 d64 %6.1f  S1024 d128 %6.1f GFLOP/s\n",
                   rows[i], keys[j], attention_gflops(&c, 1024, 64), attention_gflops(&c, 2048, 64),
                   attention_gflops(&c, 1024, 128));
            fflush(stdout);
        }
    const size_t kcs[] = {128, 192, 256, 384}, mcs[] = {15 * MR, 30 * MR, 60 * MR};
    for (size_t i = 0; i < sizeof kcs / sizeof kcs[0]; i++)
        for (size_t j = 0; j < sizeof mcs / sizeof mcs[0]; j++) {
            struct sattn_blocking c = live;
            c.gemm_kc = kcs[i], c.gemm_mc = mcs[j];
            printf("sgemm KC %3zu MC %3zu: 1024^3 %6.1f GFLOP/s\n", kcs[i], mcs[j], gemm_gflops(&c, 1024));
            fflush(stdout);
        }
    return 0;
}

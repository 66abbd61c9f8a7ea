/* Cache blocks fitted to this machine's caches (topology.c), over the tile sizes an ISA brings.
 * Computed once per ISA by dispatch.c and kept beside the kernel tables, never inside them.
 *
 *   sgemm KC: a KC x NR micro-panel of B fills half of L1d (the other half holds A's micro-panel
 *             and the C tile), rounded down to 32, within [128, 512] (the driver splits a depth evenly into
 *             passes of at most 1.5 KC, gemm.c);
 *   sgemm MC: an MC x KC block of A fills a quarter of L2 (the rest holds B panels streaming
 *             through and C), rounded down to MR, within [4 MR, 30 MR];
 *   attention rows: the S block (rows x keys floats) takes at most 9/32 of L2 — 144 rows x 256
 *             keys in 512 KiB, the measured best on the Zen 3 reference — rounded down to MR, at
 *             least 2 MR, and never more than the ISA's own value (more rows did not measure
 *             faster on the 2 MiB-L2 Xeon).
 * NC and the attention key block keep the ISA's values. A cache size of 0 (nothing reported it)
 * keeps the ISA's values for what depends on it: those are tuned for the ISA's reference core
 * (AVX2 and NEON: 32 KiB L1d / 512 KiB L2; AVX-512: 48 KiB / 2 MiB). */
#include "internal.h"

static size_t clamp_down(size_t x, size_t step, size_t lo, size_t hi) {
    x = x / step * step;
    return x < lo ? lo : x > hi ? hi : x;
}

struct sattn_blocking sattn_blocking_fit(const struct sattn_kernels *k, size_t l1d_bytes, size_t l2_bytes) {
    const size_t MR = k->gemm.mr, NR = k->gemm.nr, f = sizeof(float);
    struct sattn_blocking b = k->tuned;
    if (l1d_bytes) b.gemm_kc = clamp_down(l1d_bytes / 2 / (NR * f), 32, 128, 512);
    if (l2_bytes) {
        b.gemm_mc = clamp_down(l2_bytes / 4 / (b.gemm_kc * f), MR, 4 * MR, 30 * MR);
        b.attn_rows = clamp_down(l2_bytes / 32 * 9 / (b.attn_keys * f), MR, 2 * MR, k->tuned.attn_rows);
    }
    return b;
}

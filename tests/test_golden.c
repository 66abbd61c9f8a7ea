/* Bit-for-bit regression: fixed-seed problems whose output hashes were recorded from sattn 0.1
 * (before the kernel tables were reshaped), per architecture and ISA. A change that moves a
 * single bit of prefill, decode, sgemm or softmax output fails here; a deliberate numerical
 * change re-records the table with `test_golden --print` and says why in its commit.
 *
 * The shapes avoid what the machine's cache blocking may change: sgemm depths stay below the
 * smallest KC (128), so the hashes hold on any cache sizes and thread counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"

static uint64_t fnv1a(const float *x, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    const unsigned char *b = (const unsigned char *)x;
    for (size_t i = 0; i < n * sizeof *x; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

enum { CASES = 5 };
static const char *const case_names[CASES] = {"prefill", "decode", "decode_q3", "sgemm", "softmax"};

/* Runs every case on the ISA in use and hashes its output. */
static void run_cases(uint64_t hash[CASES]) {
    enum { B = 2, H = 6, KVH = 2, S = 173, KV = 1300, D = 40, DV = 24 };
    rng_t rng = rng_seed(20261124);
    const size_t big = (size_t)B * H * KV * 64;
    float *q = malloc(big * sizeof *q), *k = malloc(big * sizeof *k), *v = malloc(big * sizeof *v);
    float *bias = malloc((size_t)S * KV * sizeof *bias), *out = malloc(big * sizeof *out);
    assert_non_null(q), assert_non_null(k), assert_non_null(v), assert_non_null(bias), assert_non_null(out);
    fill_uniform(&rng, q, big, -2, 2);
    fill_uniform(&rng, k, big, -2, 2);
    fill_uniform(&rng, v, big, -1, 1);
    fill_uniform(&rng, bias, (size_t)S * KV, -1, 0);
    const int32_t kv_lens[B] = {KV - 37, 611};

    /* Prefill: GQA, causal with a window, padding, a broadcast bias, tokens-major q/o, v_head_dim != head_dim.
     * The masks are 0.1's, anchored at the padded kv_len (off = KV - S = 1127 for both sequences); 0.2 anchors
     * them at each sequence's own length, so 0.1's masks are asked for sequence by sequence, and a sequence's
     * rows in two parts where its causal limit or window moves differently: row i of sequence 0 sees keys
     * [i + 428, min(i + 1128, 1263)), of sequence 1 [i + 428, 611). Rows are computed alike in any call
     * (key blocks sit at multiples of the block size), so the hashes recorded from 0.1 still hold. */
    sattn_attention_desc pd = {.batch = 1, .heads = H, .kv_heads = KVH, .q_len = S, .kv_len = KV, .head_dim = D,
                               .v_head_dim = DV, .causal = 1, .window = 700, .bias = bias,
                               .bias_strides = {0, 0, KV}};
    pd.q_strides = (sattn_strides){S * H * D, D, H * D};
    pd.o_strides = (sattn_strides){S * H * DV, DV, H * DV};
    pd.k_strides = (sattn_strides){KVH * KV * D, KV * D, D};
    pd.v_strides = (sattn_strides){KVH * KV * DV, KV * DV, DV};
    const struct { size_t b, i0, rows; int causal; size_t window; } parts[] = {
        {0, 0, 136, 1, 700}, /* off = 1263 - 136 = 1127: causal binds */
        {0, 136, S - 136, 0, 663}, /* off = 1263 - 37 = 1226: lo = i + 428 needs window 663 */
        {1, 0, S, 0, 11}, /* off = 611 - 173 = 438: lo = i + 428 needs window 11 */
    };
    for (size_t t = 0; t < sizeof parts / sizeof parts[0]; t++) {
        const size_t b = parts[t].b, i0 = parts[t].i0;
        pd.q_len = parts[t].rows, pd.causal = parts[t].causal, pd.window = parts[t].window;
        pd.kv_lens = &kv_lens[b], pd.bias = bias + i0 * KV; /* the bias is shared by both sequences */
        assert_int_equal(sattn_attention(&pd, q + b * S * H * D + i0 * H * D, k + b * KVH * KV * D,
                                         v + b * KVH * KV * DV, out + b * S * H * DV + i0 * H * DV),
                         SATTN_OK);
    }
    hash[0] = fnv1a(out, (size_t)B * S * H * DV);

    /* Decode: one query per head over three key chunks; then two queries per head in GQA pairs (4 rows per
     * K/V head), with 0.1's window (anchored at kv_len - 2 = 1298: row i sees [i + 399, kv_lens[b])) asked for
     * one sequence at a time, non-causal (0.1's causal limit lay past the padding) with the window moved to
     * each sequence's own length, odd head sizes. */
    sattn_attention_desc dd = {.batch = B, .heads = H, .kv_heads = KVH, .q_len = 1, .kv_len = KV, .head_dim = D * 2,
                               .kv_lens = kv_lens};
    assert_int_equal(sattn_attention(&dd, q, k, v, out), SATTN_OK);
    hash[1] = fnv1a(out, (size_t)B * H * D * 2);
    dd.batch = 1, dd.q_len = 2, dd.kv_heads = H / 2, dd.head_dim = 33, dd.v_head_dim = 17;
    for (size_t b = 0; b < B; b++) {
        dd.kv_lens = &kv_lens[b], dd.window = (size_t)kv_lens[b] - 400; /* off_b - window + 1 = 399 */
        assert_int_equal(sattn_attention(&dd, q + b * H * 2 * 33, k + b * (H / 2) * KV * 33, v + b * (H / 2) * KV * 17,
                                         out + b * H * 2 * 17),
                         SATTN_OK);
    }
    hash[2] = fnv1a(out, (size_t)B * H * 2 * 17);

    /* sgemm: transposed A, depth 120 (below every KC), alpha and beta. */
    for (size_t i = 0; i < 97 * 131; i++) out[i] = 0.25f * q[i];
    assert_int_equal(sattn_sgemm(SATTN_TRANS, SATTN_NOTRANS, 97, 131, 120, 0.75f, k, 101, v, 131, 0.5f, out, 131),
                     SATTN_OK);
    hash[3] = fnv1a(out, 97 * 131);

    assert_int_equal(sattn_softmax(53, 1031, q, 1040, out, 1031), SATTN_OK);
    hash[4] = fnv1a(out, 53 * 1031);
    free(q), free(k), free(v), free(bias), free(out);
}

struct golden {
    const char *arch, *isa;
    uint64_t hash[CASES];
};

#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#else
#define ARCH "other"
#endif

/* Recorded from sattn 0.1 (commit 753a22f) with `test_golden --print`. */
static const struct golden table[] = {
#include "golden_hashes.inc"
};

static void test_golden_hashes(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t n = test_isas(isas);
    size_t checked = 0;
    for (size_t a = 0; a < n; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        uint64_t got[CASES];
        run_cases(got);
        /* A level with reduced-precision arithmetic has its parent's fp32 kernels, so the same bits: its
         * parent's hashes (the nearest ancestor with a line) hold for it. */
        const struct golden *g = NULL;
        for (sattn_isa look = isas[a]; !g && look != SATTN_ISA_AUTO; look = sattn_kernels_for(look)->parent)
            for (size_t t = 0; t < sizeof table / sizeof table[0]; t++)
                if (!strcmp(table[t].arch, ARCH) && !strcmp(table[t].isa, sattn_isa_name(look))) g = &table[t];
        if (g && strcmp(g->isa, sattn_isa_name(isas[a])))
            printf("%s: its fp32 kernels are %s's, so are its hashes\n", sattn_isa_name(isas[a]), g->isa);
        if (!g) {
            printf("no recorded hashes for %s %s: not checked\n", ARCH, sattn_isa_name(isas[a]));
            continue;
        }
        for (int c = 0; c < CASES; c++)
            if (got[c] != g->hash[c]) fail_msg("%s on %s %s: hash %016llx, recorded %016llx", case_names[c], ARCH,
                                               sattn_isa_name(isas[a]), (unsigned long long)got[c],
                                               (unsigned long long)g->hash[c]);
        checked++;
    }
    assert_true(checked > 0 || n == 0);
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--print")) { /* records the table's lines for this machine */
        sattn_isa isas[8];
        const size_t n = test_isas(isas);
        for (size_t a = 0; a < n; a++) {
            sattn_set_isa(isas[a]);
            uint64_t h[CASES];
            run_cases(h);
            printf("{\"%s\", \"%s\", {", ARCH, sattn_isa_name(isas[a]));
            for (int c = 0; c < CASES; c++) printf("0x%016llxull%s", (unsigned long long)h[c], c + 1 < CASES ? ", " : "");
            printf("}},\n");
        }
        return 0;
    }
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden_hashes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

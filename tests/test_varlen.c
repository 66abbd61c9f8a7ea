/* Batches of mixed lengths and paged caches: the same sequences stored padded (q_lens, kv_lens), packed
 * (q_starts, kv_starts) and paged (a shuffled block table, a prefix page shared by two sequences, page
 * sizes 1, 16, 64 and 100) give the same bits, on every ISA, every K/V type and any thread count; the
 * padded run agrees with the double reference, whose masks are anchored at each sequence's own lengths
 * (speculative decoding with different kv_lens, a window with kv_lens in decode); rows past q_lens stay
 * untouched; every bad length or page is refused with the output untouched. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

typedef struct {
    const char *name;
    size_t batch, heads, kv_heads, d;
    int32_t q_lens[8], kv_lens[8];
    int causal;
    size_t window;
    sattn_dtype kv_type;
    size_t group;
} vcase;

static size_t row_bytes(sattn_dtype t, size_t d) {
    const size_t bits[] = {32, 16, 16, 8, 4};
    return d * bits[t] / 8;
}

/* The K (or V) cache of a case in each layout: row (b, g, j) of the padded store copied as raw bytes. */
struct cache {
    void *padded, *packed, *paged, *paged_tm;
    float *s_padded, *s_packed, *s_paged, *s_paged_tm; /* scales, or NULL */
    float *deq;                           /* padded, as floats */
};

static void run_case(const vcase *c, size_t page_size, uint64_t seed, int check_threads) {
    rng_t rng = rng_seed(seed);
    const size_t B = c->batch, H = c->heads, G = c->kv_heads, D = c->d;
    const size_t gs = c->group ? c->group : D, ns = D / gs, rb = row_bytes(c->kv_type, D);
    const int quant = c->kv_type >= SATTN_DTYPE_I8;
    size_t Q = 0, KV = 0;
    int32_t q_starts[9] = {0}, kv_starts[9] = {0};
    for (size_t b = 0; b < B; b++) {
        Q = c->q_lens[b] > (int32_t)Q ? (size_t)c->q_lens[b] : Q;
        KV = c->kv_lens[b] > (int32_t)KV ? (size_t)c->kv_lens[b] : KV;
        q_starts[b + 1] = q_starts[b] + c->q_lens[b], kv_starts[b + 1] = kv_starts[b] + c->kv_lens[b];
    }
    const size_t TQ = (size_t)q_starts[B], TKV = (size_t)kv_starts[B];
    /* Pages: each sequence's own, shuffled; sequence 1 shares sequence 0's first page when both fill it. */
    const size_t per_seq = (KV + page_size - 1) / page_size, pages = B * per_seq;
    int32_t *table = malloc(B * per_seq * sizeof *table);
    size_t *perm = malloc(pages * sizeof *perm);
    for (size_t i = 0; i < pages; i++) perm[i] = i;
    for (size_t i = pages; i > 1; i--) {
        const size_t j = rng_u64(&rng) % i, t = perm[i - 1];
        perm[i - 1] = perm[j], perm[j] = t;
    }
    for (size_t i = 0; i < B * per_seq; i++) table[i] = (int32_t)perm[i];
    const int share = B > 1 && (size_t)c->kv_lens[0] >= page_size && (size_t)c->kv_lens[1] >= page_size;
    if (share) table[per_seq] = table[0];

    /* Canonical values: q [B, H, Q, D] (padding rows random too), k/v [B, G, KV, D]. */
    const size_t nq = B * H * Q * D, nkv = B * G * KV * D;
    float *q = malloc(nq * sizeof *q), *x = malloc(nkv * sizeof *x);
    fill_uniform(&rng, q, nq, -1, 1);
    struct cache kv[2];
    for (int t = 0; t < 2; t++) {
        struct cache *cc = &kv[t];
        fill_uniform(&rng, x, nkv, -1, 1);
        if (share) /* the shared page holds the same keys in both sequences */
            for (size_t g = 0; g < G; g++)
                memcpy(x + ((1 * G + g) * KV) * D, x + ((0 * G + g) * KV) * D, page_size * D * sizeof *x);
        cc->padded = calloc(nkv + 8, 4), cc->packed = calloc(TKV * G * D + 8, 4);
        cc->paged = calloc(pages * G * page_size * D + 8, 4), cc->deq = malloc(nkv * sizeof *x);
        cc->paged_tm = calloc(pages * G * page_size * D + 8, 4);
        cc->s_paged_tm = quant ? calloc(pages * G * page_size * ns + 1, 4) : NULL;
        cc->s_padded = quant ? calloc(B * G * KV * ns + 1, 4) : NULL;
        cc->s_packed = quant ? calloc(TKV * G * ns + 1, 4) : NULL;
        cc->s_paged = quant ? calloc(pages * G * page_size * ns + 1, 4) : NULL;
        store_as(c->kv_type, B * G * KV, D, c->group, x, cc->padded, cc->s_padded, cc->deq);
        /* packed [tokens, G, D]; paged [page, G, page_size, D] (the default strides of each), and paged
         * tokens-major inside a page, [page, page_size, G, D] (explicit strides) */
        for (size_t b = 0; b < B; b++)
            for (size_t g = 0; g < G; g++)
                for (size_t j = 0; j < (size_t)c->kv_lens[b]; j++) {
                    const size_t from = (b * G + g) * KV + j, to_packed = ((size_t)kv_starts[b] + j) * G + g;
                    const size_t to_paged = ((size_t)table[b * per_seq + j / page_size] * G + g) * page_size + j % page_size;
                    memcpy((char *)cc->packed + to_packed * rb, (char *)cc->padded + from * rb, rb);
                    const size_t to_tm = ((size_t)table[b * per_seq + j / page_size] * page_size + j % page_size) * G + g;
                    memcpy((char *)cc->paged + to_paged * rb, (char *)cc->padded + from * rb, rb);
                    memcpy((char *)cc->paged_tm + to_tm * rb, (char *)cc->padded + from * rb, rb);
                    if (quant) {
                        memcpy(cc->s_packed + to_packed * ns, cc->s_padded + from * ns, ns * sizeof(float));
                        memcpy(cc->s_paged + to_paged * ns, cc->s_padded + from * ns, ns * sizeof(float));
                        memcpy(cc->s_paged_tm + to_tm * ns, cc->s_padded + from * ns, ns * sizeof(float));
                    }
                }
    }
    float *q_packed = malloc((TQ * H * D + 1) * sizeof *q);
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++)
            for (size_t i = 0; i < (size_t)c->q_lens[b]; i++)
                memcpy(q_packed + (((size_t)q_starts[b] + i) * H + h) * D, q + ((b * H + h) * Q + i) * D, D * sizeof *q);

    sattn_attention_desc base = {.batch = B, .heads = H, .kv_heads = G, .q_len = Q, .kv_len = KV, .head_dim = D,
                                 .causal = c->causal, .window = c->window, .k_type = c->kv_type, .v_type = c->kv_type,
                                 .kv_group = c->group};
    /* Padded. */
    const size_t no = B * H * Q * D;
    float *o_pad = alloc_sentinel(no), *lse_pad = alloc_sentinel(B * H * Q);
    sattn_attention_desc pd = base;
    pd.q_lens = c->q_lens, pd.kv_lens = c->kv_lens, pd.lse = lse_pad;
    pd.k_scales = kv[0].s_padded, pd.v_scales = kv[1].s_padded;
    char what[200];
    snprintf(what, sizeof what, "%s: %s %s h%zu/%zu d%zu page %zu seed %llu", sattn_isa_name(sattn_get_isa()), c->name,
             (const char *[]){"f32", "f16", "bf16", "i8", "i4"}[c->kv_type], H, G, D, page_size,
             (unsigned long long)seed);
    assert_int_equal(sattn_attention(&pd, q, kv[0].padded, kv[1].padded, o_pad), SATTN_OK);
    for (size_t b = 0; b < B; b++) /* rows past q_lens untouched, the others written */
        for (size_t h = 0; h < H; h++)
            for (size_t i = 0; i < Q; i++) {
                const size_t r = (b * H + h) * Q + i;
                const int valid = i < (size_t)c->q_lens[b];
                if ((count_touched(o_pad + r * D, D) == D) != valid || is_sentinel(lse_pad[r]) == valid)
                    fail_msg("%s: row b%zu h%zu i%zu %s", what, b, h, i, valid ? "not written" : "written past q_lens");
            }

    /* The double reference on the values read, masks anchored per sequence. */
    double *ref = malloc(no * sizeof *ref), *tol = malloc(no * sizeof *tol), *ref_lse = malloc(B * H * Q * sizeof *ref);
    sattn_attention_desc rd = base;
    rd.q_lens = c->q_lens, rd.kv_lens = c->kv_lens;
    resolve_dense_strides(&rd);
    ref_attention_lse(&rd, q, kv[0].deq, kv[1].deq, ref, ref_lse);
    float *got = malloc(no * sizeof *got);
    for (size_t i = 0; i < no; i++) {
        const int valid = (i / D) % Q < (size_t)c->q_lens[(i / D) / (H * Q)];
        got[i] = valid ? o_pad[i] : 0.0f;
        tol[i] = 2e-5 * sqrt((double)D) + 1e-5 * fabs(ref[i]);
    }
    assert_true(close_enough(what, got, ref, tol, no));
    for (size_t r = 0; r < B * H * Q; r++)
        if ((r % Q) < (size_t)c->q_lens[r / (H * Q)] && !(fabs(lse_pad[r] - ref_lse[r]) <= 1e-4 * (1 + fabs(ref_lse[r]))) &&
            !(isinf(ref_lse[r]) && lse_pad[r] == (float)ref_lse[r]))
            fail_msg("%s: lse of row %zu is %g, reference %g", what, r, lse_pad[r], ref_lse[r]);

    /* Packed: q, out and lse [tokens, heads, ...], k and v [tokens, kv_heads, D]. */
    float *o_pk = alloc_sentinel(TQ * H * D + 1), *lse_pk = alloc_sentinel(TQ * H + 1);
    sattn_attention_desc kd = base;
    kd.q_starts = q_starts, kd.kv_starts = kv_starts, kd.lse = lse_pk;
    kd.k_scales = kv[0].s_packed, kd.v_scales = kv[1].s_packed;
    assert_int_equal(sattn_attention(&kd, q_packed, kv[0].packed, kv[1].packed, o_pk), SATTN_OK);
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++)
            for (size_t i = 0; i < (size_t)c->q_lens[b]; i++) {
                const size_t pr = ((size_t)q_starts[b] + i) * H + h, rr = (b * H + h) * Q + i;
                if (memcmp(o_pk + pr * D, o_pad + rr * D, D * sizeof *o_pk) || memcmp(&lse_pk[pr], &lse_pad[rr], 4))
                    fail_msg("%s: packed row b%zu h%zu i%zu differs from padded", what, b, h, i);
            }
    if (count_touched(o_pk, TQ * H * D + 1) != TQ * H * D) fail_msg("%s: packed output written out of place", what);

    /* Paged, with 1 and 3 threads. */
    sattn_attention_desc gd = pd;
    gd.lse = NULL;
    gd.block_table = table, gd.block_table_stride = per_seq, gd.page_size = page_size, gd.page_count = pages;
    gd.k_scales = kv[0].s_paged, gd.v_scales = kv[1].s_paged;
    float *o_pg = alloc_sentinel(no);
    const int before = sattn_get_num_threads();
    for (int t = 1; t <= (check_threads ? 3 : 1); t += 2) {
        assert_int_equal(sattn_set_num_threads(t), SATTN_OK);
        for (size_t i = 0; i < no; i++) o_pg[i] = sentinel();
        assert_int_equal(sattn_attention(&gd, q, kv[0].paged, kv[1].paged, o_pg), SATTN_OK);
        for (size_t i = 0; i < no; i++)
            if (memcmp(&o_pg[i], &o_pad[i], 4)) {
                fail_msg("%s: paged (%d threads) element %zu is %g, contiguous %g", what, t, i, o_pg[i], o_pad[i]);
                break;
            }
    }
    assert_int_equal(sattn_set_num_threads(before), SATTN_OK);
    /* Tokens-major pages: a decode unit walks a few keys of every head at a time, cut at each page's end. */
    gd.k_strides = gd.v_strides = (sattn_strides){page_size * G * D, D, G * D};
    if (quant) gd.k_scale_strides = gd.v_scale_strides = (sattn_strides){page_size * G * ns, ns, G * ns};
    gd.k_scales = kv[0].s_paged_tm, gd.v_scales = kv[1].s_paged_tm;
    for (size_t i = 0; i < no; i++) o_pg[i] = sentinel();
    assert_int_equal(sattn_attention(&gd, q, kv[0].paged_tm, kv[1].paged_tm, o_pg), SATTN_OK);
    if (memcmp(o_pg, o_pad, no * sizeof *o_pg)) fail_msg("%s: tokens-major pages differ from contiguous", what);

    for (int t = 0; t < 2; t++) {
        free(kv[t].padded), free(kv[t].packed), free(kv[t].paged), free(kv[t].paged_tm), free(kv[t].deq);
        free(kv[t].s_padded), free(kv[t].s_packed), free(kv[t].s_paged), free(kv[t].s_paged_tm);
    }
    free(table), free(perm), free(q), free(x), free(q_packed), free(o_pad), free(lse_pad), free(ref), free(tol);
    free(ref_lse), free(got), free(o_pk), free(lse_pk), free(o_pg);
}

static const vcase cases[] = {
    /* speculative decoding: 4 draft rows per sequence, caches of different lengths (decode path: 8 rows per
     * K/V head; prefill path: 16) */
    {"speculative", 5, 4, 2, 64, {4, 4, 3, 4, 4}, {700, 131, 4, 517, 96}, 1, 0, SATTN_DTYPE_F32, 0},
    {"speculative gqa4", 3, 8, 2, 64, {4, 2, 4}, {300, 650, 17}, 1, 0, SATTN_DTYPE_F32, 0},
    /* decode with a window and kv_lens: anchored at each sequence's last token */
    {"decode window", 4, 8, 8, 40, {1, 1, 1, 1}, {900, 33, 517, 1}, 0, 100, SATTN_DTYPE_F32, 0},
    {"decode gqa", 3, 8, 1, 128, {1, 1, 1}, {1100, 0, 260}, 1, 0, SATTN_DTYPE_F32, 0},
    /* prefill of a mixed batch: long, short, empty, one token; causal with a cache before the rows */
    {"prefill mixed", 6, 4, 2, 64, {150, 1, 37, 0, 64, 5}, {150, 40, 300, 20, 64, 5}, 1, 0, SATTN_DTYPE_F32, 0},
    {"prefill window", 3, 2, 2, 40, {90, 70, 3}, {200, 70, 100}, 1, 48, SATTN_DTYPE_F32, 0},
    {"prefill non-causal", 3, 6, 3, 64, {45, 3, 80}, {45, 260, 80}, 0, 0, SATTN_DTYPE_F32, 0},
};

static void test_layouts(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    const size_t page_sizes[] = {16, 64, 100, 1};
    uint64_t seed = 100;
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            for (size_t p = 0; p < 4; p++) run_case(&cases[i], page_sizes[p], seed++, p == 0);
        /* every K/V type, decode and prefill, groups that split a row */
        for (int t = SATTN_DTYPE_F16; t <= SATTN_DTYPE_I4; t++)
            for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i += 3) {
                vcase c = cases[i];
                c.kv_type = (sattn_dtype)t, c.group = t >= SATTN_DTYPE_I8 && c.d % 32 == 0 ? 32 : 0;
                run_case(&c, i % 2 ? 100 : 16, seed++, 1);
            }
    }
}

/* Each bad length, start or page: SATTN_E_ARG and nothing written. */
static void test_bad_lengths(void **state) {
    (void)state;
    enum { B = 2, H = 2, Q = 4, KV = 40, D = 8, P = 16 };
    static float q[B * H * Q * D], k[6 * H * P * D], v[6 * H * P * D]; /* room for 40 keys or 6 pages */
    float *out = alloc_sentinel(B * H * Q * D);
    const sattn_attention_desc ok = {.batch = B, .heads = H, .q_len = Q, .kv_len = KV, .head_dim = D, .causal = 1};
    int32_t neg[B] = {-1, 2}, big_q[B] = {Q + 1, 1}, big_kv[B] = {KV + 1, 3}, good_kv[B] = {40, 3};
    int32_t starts_nz[B + 1] = {1, 2, 3}, starts_down[B + 1] = {0, 3, 2}, starts_long_q[B + 1] = {0, Q + 1, Q + 2};
    int32_t starts_long_kv[B + 1] = {0, KV + 1, KV + 2}, starts_q[B + 1] = {0, 2, 4}, lens_over_span[B] = {3, 1};
    int32_t table[B * 3] = {0, 1, 2, 3, 4, 5}, table_out[B * 3] = {0, 1, 6, 3, 4, 5}, table_neg[B * 3] = {0, -1, 2, 3, 4, 5};
    struct { const char *what; sattn_attention_desc d; } bad[] = {
        {"negative q_lens", ok}, {"q_lens above q_len", ok}, {"negative kv_lens", ok}, {"kv_lens above kv_len", ok},
        {"q_starts not from 0", ok}, {"q_starts descending", ok}, {"q span above q_len", ok},
        {"kv_starts not from 0", ok}, {"kv span above kv_len", ok}, {"q_lens above its packed span", ok},
        {"block table with kv_starts", ok}, {"page_size 0", ok}, {"page index past page_count", ok},
        {"negative page index", ok}, {"block table row shorter than the pages", ok},
    };
    bad[0].d.q_lens = neg, bad[1].d.q_lens = big_q, bad[2].d.kv_lens = neg, bad[3].d.kv_lens = big_kv;
    bad[4].d.q_starts = starts_nz, bad[5].d.q_starts = starts_down, bad[6].d.q_starts = starts_long_q;
    bad[7].d.kv_starts = starts_nz, bad[8].d.kv_starts = starts_long_kv;
    bad[9].d.q_starts = starts_q, bad[9].d.q_lens = lens_over_span;
    for (size_t i = 10; i < 15; i++) {
        bad[i].d.block_table = table, bad[i].d.block_table_stride = 3, bad[i].d.page_size = P, bad[i].d.page_count = 6;
        bad[i].d.kv_lens = good_kv;
    }
    bad[10].d.kv_starts = starts_q, bad[11].d.page_size = 0, bad[12].d.block_table = table_out;
    bad[13].d.block_table = table_neg, bad[14].d.block_table_stride = 2;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const sattn_status st = sattn_attention(&bad[i].d, q, k, v, out);
        if (st != SATTN_E_ARG) fail_msg("%s: status %d, expected SATTN_E_ARG", bad[i].what, (int)st);
        if (count_touched(out, B * H * Q * D)) fail_msg("%s: output written", bad[i].what);
    }
    /* The good table itself is accepted (stride 3 holds 40 keys of pages of 16), as is a sequence whose pages
     * end before the table row does. */
    sattn_attention_desc good = bad[14].d;
    good.block_table_stride = 3;
    assert_int_equal(sattn_attention(&good, q, k, v, out), SATTN_OK);
    free(out);
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_layouts), cmocka_unit_test(test_bad_lengths)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Logit shaping and partial attention on every ISA: softcap, ALiBi, sinks and the log-sum-exp
 * output, alone and together with causal, window, bias, kv_lens, GQA and strided layouts, in
 * prefill and decode, against the double reference; sattn_attention_merge of keys split over
 * several calls against the unsplit call; bit identity over thread counts; bad inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

enum { FEAT_SOFTCAP = 1, FEAT_ALIBI = 2, FEAT_SINKS = 4, FEAT_BIAS = 8 };

typedef struct {
    size_t batch, heads, kv_heads, q_len, kv_len, d;
    int causal;
    size_t window;
    int kv_lens, tokens_major, features;
} case_t;

/* Inputs for a case: dense or tokens-major q/k/v/o, a per-head key bias, lse with padded strides. */
typedef struct {
    sattn_attention_desc d;
    float *q, *k, *v, *out, *lse, *bias, slopes[16], sinks[16];
    int32_t lens[4];
    size_t nq, nkv, no, nlse;
} inputs_t;

static void make(const case_t *c, uint64_t seed, inputs_t *in) {
    rng_t rng = rng_seed(seed);
    memset(in, 0, sizeof *in);
    sattn_attention_desc *d = &in->d;
    d->batch = c->batch, d->heads = c->heads, d->kv_heads = c->kv_heads, d->q_len = c->q_len, d->kv_len = c->kv_len;
    d->head_dim = c->d, d->causal = c->causal, d->window = c->window;
    const size_t kvh = c->kv_heads ? c->kv_heads : c->heads;
    if (c->tokens_major) {
        d->q_strides = d->o_strides = (sattn_strides){c->q_len * c->heads * c->d, c->d, c->heads * c->d};
        d->k_strides = d->v_strides = (sattn_strides){c->kv_len * kvh * c->d, c->d, kvh * c->d};
    }
    in->nq = in->no = c->batch * c->heads * c->q_len * c->d;
    in->nkv = c->batch * kvh * c->kv_len * c->d;
    in->q = malloc(in->nq * sizeof(float)), in->k = malloc(in->nkv * sizeof(float));
    in->v = malloc(in->nkv * sizeof(float)), in->out = alloc_sentinel(in->no);
    fill_uniform(&rng, in->q, in->nq, -2, 2);
    fill_uniform(&rng, in->k, in->nkv, -2, 2);
    fill_uniform(&rng, in->v, in->nkv, -1, 1);
    /* lse rows 3 apart: strides are honoured and the gaps stay untouched */
    d->lse_strides = (sattn_strides){c->heads * c->q_len * 3, c->q_len * 3, 3};
    in->nlse = c->batch * c->heads * c->q_len * 3;
    in->lse = alloc_sentinel(in->nlse);
    d->lse = in->lse;
    if (c->features & FEAT_SOFTCAP) d->softcap = 1.5f; /* logits here reach about +-8: the cap matters */
    for (size_t h = 0; h < c->heads; h++) {
        in->slopes[h] = -ldexpf(1.0f, -(int)(h + 1)); /* BLOOM-like: 2^-(h+1) (with the sign folded in) */
        in->sinks[h] = rng_uniform(&rng, -1, 3);
    }
    if (c->features & FEAT_ALIBI) d->alibi_slopes = in->slopes;
    if (c->features & FEAT_SINKS) d->sinks = in->sinks;
    if (c->features & FEAT_BIAS) {
        in->bias = malloc(c->heads * c->kv_len * sizeof(float));
        fill_uniform(&rng, in->bias, c->heads * c->kv_len, -2, 1);
        if (c->kv_len > 3) in->bias[2] = -INFINITY;
        d->bias = in->bias, d->bias_strides = (sattn_strides){0, c->kv_len, 0};
    }
    if (c->kv_lens) {
        for (size_t b = 0; b < c->batch; b++) in->lens[b] = (int32_t)(b == 0 ? c->kv_len : c->kv_len / 3);
        d->kv_lens = in->lens;
    }
}

static void release(inputs_t *in) {
    free(in->q), free(in->k), free(in->v), free(in->out), free(in->lse), free(in->bias);
}

/* Output element (b, h, i, c) and lse (b, h, i) of the call, read through its strides. */
static float out_at(const inputs_t *in, size_t b, size_t h, size_t i, size_t c) {
    sattn_attention_desc full = in->d;
    resolve_dense_strides(&full);
    return in->out[b * full.o_strides.batch + h * full.o_strides.head + i * full.o_strides.seq + c];
}

static float lse_at(const inputs_t *in, size_t b, size_t h, size_t i) {
    const sattn_strides s = in->d.lse_strides;
    return in->lse[b * s.batch + h * s.head + i * s.seq];
}

static void check_case(const case_t *c, uint64_t seed) {
    inputs_t in;
    make(c, seed, &in);
    const size_t rows = c->batch * c->heads * c->q_len;
    double *ref = malloc(rows * c->d * sizeof *ref), *ref_lse = malloc(rows * sizeof *ref_lse);
    ref_attention_lse(&in.d, in.q, in.k, in.v, ref, ref_lse);
    assert_int_equal(sattn_attention(&in.d, in.q, in.k, in.v, in.out), SATTN_OK);
    for (size_t b = 0; b < c->batch; b++)
        for (size_t h = 0; h < c->heads; h++)
            for (size_t i = 0; i < c->q_len; i++) {
                const size_t r = (b * c->heads + h) * c->q_len + i;
                for (size_t x = 0; x < c->d; x++) {
                    const float got = out_at(&in, b, h, i, x);
                    if (!(fabs(got - ref[r * c->d + x]) <= 2e-5))
                        fail_msg("%s seed %llu features %d q_len %zu: out (%zu,%zu,%zu,%zu) %.9g, reference %.9g",
                                 sattn_isa_name(sattn_get_isa()), (unsigned long long)seed, c->features, c->q_len, b,
                                 h, i, x, got, ref[r * c->d + x]);
                }
                const float got = lse_at(&in, b, h, i);
                const double want = ref_lse[r];
                if (!(got == want || fabs(got - want) <= 2e-6 * (1 + fabs(want))))
                    fail_msg("%s seed %llu features %d q_len %zu: lse (%zu,%zu,%zu) %.9g, reference %.9g",
                             sattn_isa_name(sattn_get_isa()), (unsigned long long)seed, c->features, c->q_len, b, h, i,
                             got, want);
            }
    /* Only the lse rows were written: every third float. */
    for (size_t t = 0; t < in.nlse; t++) assert_true((t % 3 == 0) != is_sentinel(in.lse[t]));
    free(ref), free(ref_lse);
    release(&in);
}

static void test_features(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    /* q_len 1 and 3 with a GQA group of 2 take the decode path (<= 8 rows per K/V head); 40 prefill. */
    const size_t q_lens[] = {1, 3, 40};
    uint64_t seed = 100;
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (int f = 0; f < 16; f++)
            for (size_t qi = 0; qi < 3; qi++)
                for (int mask = 0; mask < 3; mask++) {
                    /* 600 keys: decode splits them over two chunks; prefill over three blocks. */
                    case_t c = {.batch = 2, .heads = 4, .kv_heads = 2, .q_len = q_lens[qi], .kv_len = 600, .d = 40,
                                .features = f, .tokens_major = mask == 1, .kv_lens = mask != 0};
                    if (mask == 1) c.causal = 1;
                    if (mask == 2) c.causal = 1, c.window = 300;
                    check_case(&c, seed++);
                }
        /* MHA, odd sizes, a row that sees nothing (kv_lens 0 for batch 1 is the third of 2). */
        case_t c = {.batch = 2, .heads = 3, .q_len = 17, .kv_len = 2, .d = 9, .features = 15, .kv_lens = 1};
        check_case(&c, seed++);
    }
}

/* Keys split into 2..4 ranges, each computed by its own call (the sinks in the first only), merged in
 * place: equal to the unsplit call within tolerance; the second batch's short cache leaves later parts
 * with nothing visible. (ALiBi is left out: its distances count from each call's own kv_len.) */
static void test_merge(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    enum { B = 2, H = 4, KVH = 2, S = 5, KV = 700, D = 24 };
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (size_t parts = 2; parts <= 4; parts++)
            for (int features = 0; features < 16; features += 5) { /* none, softcap + sinks, bias, all (ALiBi aside) */
                case_t c = {.batch = B, .heads = H, .kv_heads = KVH, .q_len = S, .kv_len = KV, .d = D,
                            .features = features & ~FEAT_ALIBI, .kv_lens = 1};
                inputs_t whole;
                make(&c, 900 + parts, &whole);
                whole.d.lse_strides = (sattn_strides){0, 0, 0}; /* dense [B, H, S] */
                assert_int_equal(sattn_attention(&whole.d, whole.q, whole.k, whole.v, whole.out), SATTN_OK);
                const size_t rows = B * H * S;
                float *outs[4], *lses[4], merged_lse[rows];
                const int32_t full_lens[B] = {whole.lens[0], whole.lens[1]};
                for (size_t p = 0; p < parts; p++) {
                    const size_t j0 = KV * p / parts, j1 = KV * (p + 1) / parts;
                    sattn_attention_desc piece = whole.d;
                    int32_t lens[B];
                    for (size_t b = 0; b < B; b++) {
                        const int32_t n = full_lens[b] - (int32_t)j0;
                        lens[b] = n < 0 ? 0 : n > (int32_t)(j1 - j0) ? (int32_t)(j1 - j0) : n;
                    }
                    piece.kv_len = j1 - j0, piece.kv_lens = lens;
                    piece.k_strides = piece.v_strides = (sattn_strides){KVH * KV * D, KV * D, D};
                    if (piece.bias) piece.bias = whole.bias + j0, piece.bias_strides = (sattn_strides){0, KV, 0};
                    if (p > 0) piece.sinks = NULL; /* the sinks join one piece only */
                    outs[p] = malloc(rows * D * sizeof(float)), lses[p] = malloc(rows * sizeof(float));
                    piece.lse = lses[p];
                    assert_int_equal(sattn_attention(&piece, whole.q, whole.k + j0 * D, whole.v + j0 * D, outs[p]),
                                     SATTN_OK);
                }
                /* in place into part 0, with the merged lse */
                assert_int_equal(sattn_attention_merge(parts, rows, D, (const float *const *)outs, D,
                                                       (const float *const *)lses, outs[0], D, merged_lse),
                                 SATTN_OK);
                for (size_t r = 0; r < rows; r++) {
                    for (size_t x = 0; x < D; x++)
                        if (!(fabsf(outs[0][r * D + x] - whole.out[r * D + x]) <= 2e-6f))
                            fail_msg("%s merge of %zu parts, features %d: row %zu col %zu %.9g, unsplit %.9g",
                                     sattn_isa_name(isas[a]), parts, features, r, x, outs[0][r * D + x],
                                     whole.out[r * D + x]);
                    const float want = whole.lse[r];
                    if (!(merged_lse[r] == want || fabsf(merged_lse[r] - want) <= 2e-6f * (1 + fabsf(want))))
                        fail_msg("%s merge lse row %zu: %.9g, unsplit %.9g", sattn_isa_name(isas[a]), r, merged_lse[r],
                                 want);
                }
                for (size_t p = 0; p < parts; p++) free(outs[p]), free(lses[p]);
                release(&whole);
            }
    }
}

/* Rows whose every part saw nothing merge to zeros and -inf; a NULL lse is fine; out apart from the
 * parts gives the same bits as in place. */
static void test_merge_edges(void **state) {
    (void)state;
    const float o0[6] = {1, 2, 3, 4, 5, 6}, o1[6] = {10, 20, 30, 40, 50, 60};
    const float l0[2] = {-INFINITY, 0.0f}, l1[2] = {-INFINITY, logf(3.0f)};
    const float *outs[2] = {o0, o1}, *lses[2] = {l0, l1};
    float out[6], lse[2], in_place[6];
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        assert_int_equal(sattn_attention_merge(2, 2, 3, outs, 3, lses, out, 3, lse), SATTN_OK);
        assert_true(out[0] == 0 && out[1] == 0 && out[2] == 0 && lse[0] == -INFINITY);
        /* row 1: weights 1/4 and 3/4 */
        for (int x = 0; x < 3; x++) assert_true(fabsf(out[3 + x] - (0.25f * o0[3 + x] + 0.75f * o1[3 + x])) <= 1e-5f);
        assert_true(fabsf(lse[1] - logf(4.0f)) <= 1e-6f);
        memcpy(in_place, o0, sizeof o0);
        const float *outs2[2] = {in_place, o1};
        assert_int_equal(sattn_attention_merge(2, 2, 3, outs2, 3, lses, in_place, 3, NULL), SATTN_OK);
        assert_memory_equal(in_place, out, sizeof out);
    }
}

/* The same bits for 1, 2 and 3 threads, with every feature and the lse, in prefill and decode. */
static void test_thread_counts(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (size_t q_len = 1; q_len <= 64; q_len += 63) {
            case_t c = {.batch = 2, .heads = 4, .kv_heads = 2, .q_len = q_len, .kv_len = 1500, .d = 32, .causal = 1,
                        .features = 15, .kv_lens = 1};
            inputs_t ref, got;
            make(&c, 7, &ref), make(&c, 7, &got);
            assert_int_equal(sattn_set_num_threads(1), SATTN_OK);
            assert_int_equal(sattn_attention(&ref.d, ref.q, ref.k, ref.v, ref.out), SATTN_OK);
            for (int t = 2; t <= 3; t++) {
                assert_int_equal(sattn_set_num_threads(t), SATTN_OK);
                assert_int_equal(sattn_attention(&got.d, got.q, got.k, got.v, got.out), SATTN_OK);
                assert_memory_equal(ref.out, got.out, ref.no * sizeof(float));
                assert_memory_equal(ref.lse, got.lse, ref.nlse * sizeof(float));
            }
            release(&ref), release(&got);
        }
    }
    sattn_set_num_threads(0);
}

/* Bad fields: a clear status, and neither out nor lse touched. */
static void test_bad_inputs(void **state) {
    (void)state;
    case_t c = {.batch = 1, .heads = 2, .q_len = 4, .kv_len = 6, .d = 8, .features = 0};
    inputs_t in;
    make(&c, 3, &in);
    const sattn_attention_desc good = in.d;
    const float bad_caps[] = {-1.0f, NAN, INFINITY};
    for (int i = 0; i < 3; i++) {
        in.d = good, in.d.softcap = bad_caps[i];
        assert_int_equal(sattn_attention(&in.d, in.q, in.k, in.v, in.out), SATTN_E_ARG);
    }
    float slopes[2] = {-0.5f, NAN}, sinks[2] = {INFINITY, 0.0f};
    in.d = good, in.d.alibi_slopes = slopes;
    assert_int_equal(sattn_attention(&in.d, in.q, in.k, in.v, in.out), SATTN_E_ARG);
    in.d = good, in.d.sinks = sinks;
    assert_int_equal(sattn_attention(&in.d, in.q, in.k, in.v, in.out), SATTN_E_ARG);
    in.d = good, in.d.lse = in.out + 3; /* lse inside the output */
    assert_int_equal(sattn_attention(&in.d, in.q, in.k, in.v, in.out), SATTN_E_STRIDE);
    in.d = good, in.d.lse_strides = (sattn_strides){0, 1, 1}; /* heads share lse slots */
    assert_int_equal(sattn_attention(&in.d, in.q, in.k, in.v, in.out), SATTN_E_STRIDE);
    in.d = good, in.d.kv_len = (size_t)1 << 31, in.d.alibi_slopes = in.slopes; /* distances past 32 bits */
    in.d.k_strides = in.d.v_strides = (sattn_strides){0, 0, 0};
    assert_int_equal(sattn_attention(&in.d, in.q, in.k, in.v, in.out), SATTN_E_OVERFLOW);
    assert_int_equal(count_touched(in.out, in.no), 0);
    assert_int_equal(count_touched(in.lse, in.nlse), 0);

    /* merge */
    float o[8], l[2];
    for (int i = 0; i < 8; i++) o[i] = sentinel();
    l[0] = l[1] = sentinel();
    const float part[8] = {0}, part_lse[2] = {0};
    const float *outs[2] = {part, part}, *lses[2] = {part_lse, part_lse}, *holes[2] = {part, NULL};
    assert_int_equal(sattn_attention_merge(0, 2, 4, outs, 4, lses, o, 4, l), SATTN_E_SHAPE);
    assert_int_equal(sattn_attention_merge(2, 2, 0, outs, 4, lses, o, 4, l), SATTN_E_SHAPE);
    assert_int_equal(sattn_attention_merge(2, 2, 4, outs, 3, lses, o, 4, l), SATTN_E_STRIDE);
    assert_int_equal(sattn_attention_merge(2, 2, 4, outs, 4, lses, o, 3, l), SATTN_E_STRIDE);
    assert_int_equal(sattn_attention_merge(2, 2, 4, NULL, 4, lses, o, 4, l), SATTN_E_NULL);
    assert_int_equal(sattn_attention_merge(2, 2, 4, holes, 4, lses, o, 4, l), SATTN_E_NULL);
    assert_int_equal(sattn_attention_merge(2, 2, 4, outs, 4, lses, NULL, 4, l), SATTN_E_NULL);
    assert_int_equal(sattn_attention_merge(2, 2, 4, outs, 4, lses, o, 4, o + 2), SATTN_E_STRIDE); /* lse in out */
    assert_int_equal(sattn_attention_merge(2, SIZE_MAX / 2, 4, outs, 4, lses, o, 4, l), SATTN_E_OVERFLOW);
    assert_int_equal(count_touched(o, 8) + count_touched(l, 2), 0);
    float own[8] = {0};
    const float *other_ld[2] = {own, part};
    assert_int_equal(sattn_attention_merge(2, 1, 4, other_ld, 8, lses, own, 4, NULL), SATTN_E_STRIDE); /* in place, other ld */
    assert_int_equal(sattn_attention_merge(2, 0, 4, outs, 4, lses, o, 4, l), SATTN_OK);
    release(&in);
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_features), cmocka_unit_test(test_merge),
                                       cmocka_unit_test(test_merge_edges), cmocka_unit_test(test_thread_counts),
                                       cmocka_unit_test(test_bad_inputs)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

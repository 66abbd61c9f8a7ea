/* Threads: bit-identical results for 1, 2 and 3 threads on every entry point (including the
 * split-KV decode path and a one-head prefill cut into short query blocks),
 * several host threads calling at once, and scratch-allocation failure leaving outputs untouched. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"

enum { B = 2, H = 4, KVH = 2, S = 150, D = 40, KV_LONG = 1300 /* three decode chunks */, S_ONE_HEAD = 300 };

typedef struct {
    float *q, *k, *v, *bias, *x, *wq, *wk, *wv, *wo;
} inputs_t;

static inputs_t make_inputs(uint64_t seed) {
    rng_t rng = rng_seed(seed);
    inputs_t in;
    const size_t n = (size_t)B * KVH * KV_LONG * D, dm = 48; /* the largest of the attention inputs */
    in.q = malloc(n * sizeof(float)), in.k = malloc(n * sizeof(float)), in.v = malloc(n * sizeof(float));
    in.bias = malloc((size_t)S * S * sizeof(float));
    in.x = malloc((size_t)B * S * dm * sizeof(float));
    in.wq = malloc(dm * H * D * sizeof(float)), in.wk = malloc(dm * H * D * sizeof(float));
    in.wv = malloc(dm * H * D * sizeof(float)), in.wo = malloc(dm * H * D * sizeof(float));
    fill_uniform(&rng, in.q, n, -1, 1), fill_uniform(&rng, in.k, n, -1, 1), fill_uniform(&rng, in.v, n, -1, 1);
    fill_uniform(&rng, in.bias, (size_t)S * S, -1, 1), fill_uniform(&rng, in.x, (size_t)B * S * dm, -1, 1);
    fill_uniform(&rng, in.wq, dm * H * D, -0.2f, 0.2f), fill_uniform(&rng, in.wk, dm * H * D, -0.2f, 0.2f);
    fill_uniform(&rng, in.wv, dm * H * D, -0.2f, 0.2f), fill_uniform(&rng, in.wo, dm * H * D, -0.2f, 0.2f);
    return in;
}

static void free_inputs(inputs_t *in) {
    free(in->q), free(in->k), free(in->v), free(in->bias), free(in->x);
    free(in->wq), free(in->wk), free(in->wv), free(in->wo);
}

/* The four outputs of run_all, one after the other, each with its own size. */
enum {
    ATTENTION_FLOATS = B * H * S * D,
    DECODE_FLOATS = B * H * 2 * D,
    ONE_HEAD_FLOATS = S_ONE_HEAD * D,
    GEMM_FLOATS = 300 * 200,
    SOFTMAX_FLOATS = 300 * 150,
    LAYER_FLOATS = B * S * 48,
    OUT_FLOATS = ATTENTION_FLOATS + DECODE_FLOATS + ONE_HEAD_FLOATS + GEMM_FLOATS + SOFTMAX_FLOATS + LAYER_FLOATS,
};

/* Every entry point once; the outputs are laid out back to back in out[OUT_FLOATS]. */
static sattn_status run_all(const inputs_t *in, int variant, float *out) {
    sattn_attention_desc d = {.batch = B, .heads = H, .kv_heads = KVH, .q_len = S, .kv_len = S, .head_dim = D,
                              .causal = variant & 1, .window = variant & 2 ? 37 : 0, .bias = in->bias,
                              .bias_strides = {0, 0, S}};
    sattn_status st = sattn_attention(&d, in->q, in->k, in->v, out);
    if (st) return st;
    out += ATTENTION_FLOATS;
    /* Decode: two queries per head against three key chunks, GQA rows of 4. */
    sattn_attention_desc dd = {.batch = B, .heads = H, .kv_heads = KVH, .q_len = 2, .kv_len = KV_LONG, .head_dim = D,
                               .causal = variant & 1, .window = variant & 2 ? 700 : 0};
    if ((st = sattn_attention(&dd, in->q, in->k, in->v, out))) return st;
    out += DECODE_FLOATS;
    sattn_attention_desc one = {.batch = 1, .heads = 1, .q_len = S_ONE_HEAD, .kv_len = S_ONE_HEAD, .head_dim = D,
                                .causal = variant & 1, .window = variant & 2 ? 37 : 0};
    if ((st = sattn_attention(&one, in->q, in->k, in->v, out))) return st;
    out += ONE_HEAD_FLOATS;
    st = sattn_sgemm(SATTN_NOTRANS, SATTN_TRANS, 300, 200, 40, 1.0f, in->q, 40, in->k, 40, 0.0f, out, 200);
    if (st) return st;
    out += GEMM_FLOATS;
    st = sattn_softmax(300, 150, in->q, 150, out, 150);
    if (st) return st;
    sattn_self_attention_desc sd = {.batch = B, .seq_len = S, .d_model = 48, .heads = H, .head_dim = D,
                                    .causal = variant & 1};
    out += SOFTMAX_FLOATS;
    return sattn_self_attention(&sd, in->x, in->wq, in->wk, in->wv, in->wo, out, NULL, 0);
}

/* Decode items in waves of one (a tiny partial budget) give the same bits as all at once. */
static void test_decode_waves(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    inputs_t in = make_inputs(13);
    float ref[DECODE_FLOATS], got[DECODE_FLOATS];
    sattn_attention_desc dd = {.batch = B, .heads = H, .kv_heads = KVH, .q_len = 2, .kv_len = KV_LONG, .head_dim = D,
                               .causal = 1};
    struct sattn_attention_problem p;
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (int t = 1; t <= 3; t++) {
            assert_int_equal(sattn_set_num_threads(t), SATTN_OK);
            const struct sattn_exec x = sattn_exec_for(NULL);
            assert_int_equal(sattn_attention(&dd, in.q, in.k, in.v, ref), SATTN_OK);
            assert_int_equal(sattn_attention_check(&dd, sizeof dd, in.q, in.k, in.v, got, &p), SATTN_OK);
            assert_int_equal(sattn_attention_decode_run(&x, &p, 1, NULL, 0), SATTN_OK);
            if (memcmp(ref, got, sizeof ref)) fail_msg("%s, %d threads: waves change the bits", sattn_isa_name(isas[a]), t);
        }
    }
    sattn_set_num_threads(0);
    free_inputs(&in);
}

static void test_bit_identical_across_thread_counts(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    inputs_t in = make_inputs(5);
    float *ref = calloc(OUT_FLOATS, sizeof(float)), *got = calloc(OUT_FLOATS, sizeof(float));
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (int variant = 0; variant < 4; variant++) {
            assert_int_equal(sattn_set_num_threads(1), SATTN_OK);
            assert_int_equal(run_all(&in, variant, ref), SATTN_OK);
            for (int t = 2; t <= 3; t++) {
                assert_int_equal(sattn_set_num_threads(t), SATTN_OK);
                assert_int_equal(run_all(&in, variant, got), SATTN_OK);
                if (memcmp(ref, got, OUT_FLOATS * sizeof(float)))
                    fail_msg("%s variant %d: %d threads differ from 1 thread", sattn_isa_name(isas[a]), variant, t);
            }
        }
    }
    sattn_set_num_threads(0);
    free(ref), free(got), free_inputs(&in);
}

typedef struct {
    const inputs_t *in;
    int variant;
    const float *expected;
    int mismatches;
} worker_t;

static void *worker(void *arg) {
    worker_t *w = arg;
    float *out = calloc(OUT_FLOATS, sizeof(float));
    for (int rep = 0; rep < 3; rep++)
        if (run_all(w->in, w->variant, out) != SATTN_OK || memcmp(out, w->expected, OUT_FLOATS * sizeof(float)))
            w->mismatches++;
    free(out);
    return NULL;
}

static void test_concurrent_callers(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    inputs_t in = make_inputs(9);
    enum { WORKERS = 6, VARIANTS = 4 }; /* variants: causal x window, so callers run different masks */
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        float *expected[VARIANTS];
        for (int v = 0; v < VARIANTS; v++) {
            expected[v] = calloc(OUT_FLOATS, sizeof(float));
            assert_int_equal(run_all(&in, v, expected[v]), SATTN_OK);
        }
        pthread_t th[WORKERS];
        worker_t w[WORKERS];
        for (int i = 0; i < WORKERS; i++) {
            w[i] = (worker_t){&in, i % VARIANTS, expected[i % VARIANTS], 0};
            assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
        }
        int mismatches = 0;
        for (int i = 0; i < WORKERS; i++) {
            pthread_join(th[i], NULL);
            mismatches += w[i].mismatches;
        }
        for (int v = 0; v < VARIANTS; v++) free(expected[v]);
        assert_int_equal(mismatches, 0);
    }
    free_inputs(&in);
}

static void test_allocation_failure(void **state) {
    (void)state;
    inputs_t in = make_inputs(3);
    float *out = alloc_sentinel(OUT_FLOATS);
    sattn_attention_desc d = {.batch = B, .heads = H, .q_len = S, .kv_len = S, .head_dim = D};
    sattn_self_attention_desc sd = {.batch = B, .seq_len = S, .d_model = 48, .heads = H, .head_dim = D};
    /* The layer allocates its workspace (tensors and every step's scratch) in one piece: failing the
     * first allocation fails the call untouched, and the second is never made. */
    sattn_alloc_fail_after(0);
    assert_int_equal(sattn_self_attention(&sd, in.x, in.wq, in.wk, in.wv, in.wo, out, NULL, 0), SATTN_E_NOMEM);
    assert_int_equal(count_touched(out, OUT_FLOATS), 0);
    sattn_alloc_fail_after(1);
    assert_int_equal(sattn_self_attention(&sd, in.x, in.wq, in.wk, in.wv, in.wo, out, NULL, 0), SATTN_OK);
    sattn_alloc_fail_after(-1);
    free(out);
    out = alloc_sentinel(OUT_FLOATS);
    sattn_alloc_fail_after(0);
    assert_int_equal(sattn_attention(&d, in.q, in.k, in.v, out), SATTN_E_NOMEM);
    /* (Scratch this large does not fit the drivers' stack buffer, SATTN_STACK_SCRATCH.) */
    assert_int_equal(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 128, 128, 128, 1, in.q, 128, in.k, 128, 0, out, 128),
                     SATTN_E_NOMEM);
    sattn_alloc_fail_after(-1);
    assert_int_equal(count_touched(out, OUT_FLOATS), 0);
    assert_int_equal(sattn_attention(&d, in.q, in.k, in.v, out), SATTN_OK); /* the next call succeeds */
    assert_int_equal(count_touched(out, OUT_FLOATS), (size_t)B * H * S * D);
    free(out), free_inputs(&in);
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_bit_identical_across_thread_counts),
                                       cmocka_unit_test(test_decode_waves),
                                       cmocka_unit_test(test_concurrent_callers),
                                       cmocka_unit_test(test_allocation_failure)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Contexts: every entry point gives the default context's bits under every threading (the built-in
 * pool, OpenMP, an engine's pool of 1, 2, 3 and 7 workers, a thread per task); two contexts with
 * different ISAs used at once from two threads each get their own ISA's bits; with a workspace no
 * call allocates (counted through the context's allocator, and with the library's own allocator
 * made to fail); a smaller workspace runs on fewer workers with the same bits; bad arguments. */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../examples/engine_pool.h"
#include "common.h"
#include "internal.h"

enum { B = 2, H = 8, KVH = 2, S = 70, D = 40, KV_LONG = 1300, GM = 150, GN = 130, GK = 90, SM_R = 200, SM_C = 300,
       CV_N = 100000, QZ_R = 300, QZ_C = 128, DM = 48 };

enum {
    PREFILL_FLOATS = B * H * S * D,
    DECODE_FLOATS = B * H * D,
    LSE_FLOATS = B * H,
    GEMM_FLOATS = GM * GN,
    SOFTMAX_FLOATS = SM_R * SM_C,
    CONVERT_FLOATS = CV_N / 2, /* f16: two per float */
    QUANT_FLOATS = QZ_R * QZ_C / 4 + QZ_R * (QZ_C / 32),
    MERGE_FLOATS = DECODE_FLOATS + LSE_FLOATS,
    LAYER_FLOATS = B * S * DM,
    OUT_FLOATS = PREFILL_FLOATS + DECODE_FLOATS + LSE_FLOATS + GEMM_FLOATS + SOFTMAX_FLOATS + CONVERT_FLOATS +
                 QUANT_FLOATS + MERGE_FLOATS + LAYER_FLOATS,
};

typedef struct {
    float *q, *k, *v, *a, *b, *x, *w[4];
} inputs_t;

static inputs_t in;

static void make_inputs(void) {
    rng_t rng = rng_seed(19);
    const size_t n = (size_t)B * KVH * KV_LONG * D;
    in.q = malloc(n * sizeof(float)), in.k = malloc(n * sizeof(float)), in.v = malloc(n * sizeof(float));
    in.a = malloc((size_t)CV_N * sizeof(float)), in.b = malloc((size_t)GK * GN * sizeof(float));
    in.x = malloc((size_t)B * S * DM * sizeof(float));
    fill_uniform(&rng, in.q, n, -1, 1), fill_uniform(&rng, in.k, n, -1, 1), fill_uniform(&rng, in.v, n, -1, 1);
    fill_uniform(&rng, in.a, CV_N, -3, 3), fill_uniform(&rng, in.b, (size_t)GK * GN, -1, 1);
    fill_uniform(&rng, in.x, (size_t)B * S * DM, -1, 1);
    for (int t = 0; t < 4; t++) {
        in.w[t] = malloc((size_t)DM * H * D * sizeof(float));
        fill_uniform(&rng, in.w[t], (size_t)DM * H * D, -0.2f, 0.2f);
    }
}

static void free_inputs(void) {
    free(in.q), free(in.k), free(in.v), free(in.a), free(in.b), free(in.x);
    for (int t = 0; t < 4; t++) free(in.w[t]);
}

static const sattn_attention_desc prefill_desc = {.batch = B, .heads = H, .kv_heads = KVH, .q_len = S, .kv_len = S,
                                                  .head_dim = D, .causal = 1};
static const sattn_self_attention_desc layer_desc = {.batch = B, .seq_len = S, .d_model = DM, .heads = H,
                                                     .head_dim = D, .causal = 1};

/* Decode, one query per head, three key chunks, GQA rows of 4, with lse. */
static sattn_attention_desc decode_desc(float *lse) {
    return (sattn_attention_desc){.batch = B, .heads = H, .kv_heads = KVH, .q_len = 1, .kv_len = KV_LONG,
                                  .head_dim = D, .lse = lse};
}

/* Every entry point once under ctx, outputs back to back in out[OUT_FLOATS]. ws (may be NULL) is a
 * workspace of ws_size bytes for the calls that take one. */
static sattn_status run_all(sattn_context *ctx, float *out, void *ws, size_t ws_size) {
    sattn_status st;
    if ((st = sattn_attention_ctx(ctx, &prefill_desc, in.q, in.k, in.v, out, ws, ws_size))) return st;
    out += PREFILL_FLOATS;
    float *dec = out, *lse = out + DECODE_FLOATS;
    const sattn_attention_desc dd = decode_desc(lse);
    if ((st = sattn_attention_ctx(ctx, &dd, in.q, in.k, in.v, dec, ws, ws_size))) return st;
    out += DECODE_FLOATS + LSE_FLOATS;
    if ((st = sattn_sgemm_ctx(ctx, SATTN_NOTRANS, SATTN_NOTRANS, GM, GN, GK, 1.0f, in.q, GK, in.b, GN, 0.0f, out, GN,
                              ws, ws_size)))
        return st;
    out += GEMM_FLOATS;
    if ((st = sattn_softmax_ctx(ctx, SM_R, SM_C, in.k, SM_C, out, SM_C))) return st;
    out += SOFTMAX_FLOATS;
    if ((st = sattn_convert_ctx(ctx, SATTN_DTYPE_F32, SATTN_DTYPE_F16, CV_N, in.a, out))) return st;
    out += CONVERT_FLOATS;
    if ((st = sattn_quantize_ctx(ctx, SATTN_DTYPE_I8, QZ_R, QZ_C, 32, in.v, QZ_C, out, QZ_C, out + QZ_R * QZ_C / 4)))
        return st;
    out += QUANT_FLOATS;
    /* The decode output merged with itself: the same rows, lse + log 2. */
    const float *outs[2] = {dec, dec}, *lses[2] = {lse, lse};
    if ((st = sattn_attention_merge_ctx(ctx, 2, B * H, D, outs, D, lses, out, D, out + DECODE_FLOATS))) return st;
    out += MERGE_FLOATS;
    return sattn_self_attention_ctx(ctx, &layer_desc, in.x, in.w[0], in.w[1], in.w[2], in.w[3], out, ws, ws_size);
}

/* The bytes a workspace for every call of run_all needs under ctx. */
static size_t workspace_for_all(const sattn_context *ctx) {
    size_t a, d, g;
    const sattn_attention_desc dd = decode_desc(NULL);
    assert_int_equal(sattn_attention_workspace_size(ctx, &prefill_desc, &a), SATTN_OK);
    assert_int_equal(sattn_attention_workspace_size(ctx, &dd, &d), SATTN_OK);
    assert_int_equal(sattn_sgemm_workspace_size(ctx, GM, GN, GK, &g), SATTN_OK);
    const size_t l = sattn_self_attention_workspace_size_ctx(ctx, &layer_desc);
    assert_true(a > 0 && d > 0 && g > 0 && l > 0);
    return sattn_max(sattn_max(a, d), sattn_max(g, l));
}

/* The default context's bits for ISA isa. */
static float *reference(sattn_isa isa) {
    float *ref = malloc(OUT_FLOATS * sizeof(float));
    assert_int_equal(sattn_set_isa(isa), SATTN_OK);
    assert_int_equal(run_all(NULL, ref, NULL, 0), SATTN_OK);
    return ref;
}

static void expect_same(sattn_context *ctx, const float *ref, const char *what, int n) {
    float *got = alloc_sentinel(OUT_FLOATS);
    assert_int_equal(run_all(ctx, got, NULL, 0), SATTN_OK);
    if (memcmp(got, ref, OUT_FLOATS * sizeof(float))) fail_msg("%s %d: bits differ from the default context", what, n);
    free(got);
}

/* A parallel-for that starts a thread per task: the most concurrency a pool can give. */
struct task_call {
    sattn_task_fn task;
    void *arg;
    size_t i;
};

static void *run_call(void *p) {
    const struct task_call *c = p;
    c->task(c->arg, c->i);
    return NULL;
}

static void thread_per_task(void *pool, sattn_task_fn task, void *arg, size_t n) {
    struct task_call calls[16];
    pthread_t th[16];
    (void)pool;
    if (n > 16) fail_msg("%zu tasks for a pool of 16 workers", n);
    for (size_t i = 0; i < n; i++) {
        calls[i] = (struct task_call){task, arg, i};
        if (pthread_create(&th[i], NULL, run_call, &calls[i])) fail_msg("pthread_create");
    }
    for (size_t i = 0; i < n; i++) pthread_join(th[i], NULL);
}

/* A new context on ISA isa. */
static sattn_context *context_on(sattn_isa isa) {
    sattn_context *ctx;
    assert_int_equal(sattn_context_create(&ctx), SATTN_OK);
    assert_int_equal(sattn_context_set_isa(ctx, isa), SATTN_OK);
    return ctx;
}

static void test_every_threading_same_bits(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        float *ref = reference(isas[a]);
        sattn_context *ctx = context_on(isas[a]);
        const int counts[] = {1, 2, 3, 7};
        for (size_t c = 0; c < 4; c++) {
            assert_int_equal(sattn_context_set_threading(ctx, SATTN_THREADING_BUILTIN), SATTN_OK);
            assert_int_equal(sattn_context_set_num_threads(ctx, counts[c]), SATTN_OK);
            expect_same(ctx, ref, "built-in pool, threads", counts[c]);
            if (sattn_context_set_threading(ctx, SATTN_THREADING_OPENMP) == SATTN_OK)
                expect_same(ctx, ref, "OpenMP, threads", counts[c]);
            engine_pool pool;
            assert_int_equal(engine_pool_start(&pool, counts[c]), 0);
            assert_int_equal(sattn_context_set_parallel_for(ctx, engine_pool_parallel_for, &pool, pool.workers),
                             SATTN_OK);
            assert_int_equal(sattn_context_get_threading(ctx), SATTN_THREADING_CALLER);
            expect_same(ctx, ref, "engine pool, workers", counts[c]);
            engine_pool_stop(&pool);
        }
        assert_int_equal(sattn_context_set_parallel_for(ctx, thread_per_task, NULL, 16), SATTN_OK);
        expect_same(ctx, ref, "a thread per task, workers", 16);
        sattn_context_destroy(ctx);
        free(ref);
    }
    sattn_set_isa(SATTN_ISA_AUTO);
}

/* Two contexts, two ISAs, two host threads at once. */
struct isa_worker {
    sattn_context *ctx;
    const float *ref;
    int mismatches;
};

static void *isa_worker_main(void *arg) {
    struct isa_worker *w = arg;
    float *got = malloc(OUT_FLOATS * sizeof(float));
    for (int r = 0; r < 4; r++) {
        if (run_all(w->ctx, got, NULL, 0) != SATTN_OK || memcmp(got, w->ref, OUT_FLOATS * sizeof(float)))
            w->mismatches++;
    }
    free(got);
    return NULL;
}

static void test_contexts_keep_their_isa(void **state) {
    (void)state;
    /* Every available ISA against scalar (the suite's SATTN_ISA run picks the first). */
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    const sattn_isa pair[2] = {SATTN_ISA_SCALAR, isas[ni - 1]};
    float *refs[2];
    struct isa_worker w[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        refs[i] = reference(pair[i]);
        if (i == 1 && pair[1] != pair[0] && !memcmp(refs[0], refs[1], OUT_FLOATS * sizeof(float)))
            fail_msg("%s gives scalar's bits: the test could not tell them apart", sattn_isa_name(pair[1]));
        w[i].ctx = context_on(pair[i]);
        assert_int_equal(sattn_context_set_num_threads(w[i].ctx, 2), SATTN_OK);
        w[i].ref = refs[i], w[i].mismatches = 0;
    }
    /* The default context changing meanwhile does not reach them. */
    assert_int_equal(sattn_set_isa(pair[1]), SATTN_OK);
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, isa_worker_main, &w[i]), 0);
    assert_int_equal(sattn_set_isa(pair[0]), SATTN_OK);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].mismatches, 0);
        assert_int_equal(sattn_context_get_isa(w[i].ctx), pair[i]);
        sattn_context_destroy(w[i].ctx);
        free(refs[i]);
    }
    assert_int_equal(sattn_get_isa(), pair[0]);
    assert_int_equal(sattn_context_get_isa(NULL), pair[0]);
    sattn_set_isa(SATTN_ISA_AUTO);
}

/* An allocator that counts. */
struct counting {
    atomic_int allocs, frees;
};

static void *count_alloc(void *user, size_t bytes, size_t alignment) {
    struct counting *c = user;
    void *p = NULL;
    atomic_fetch_add(&c->allocs, 1);
    return posix_memalign(&p, alignment, bytes) ? NULL : p;
}

static void count_free(void *user, void *p) {
    struct counting *c = user;
    atomic_fetch_add(&c->frees, 1);
    free(p);
}

static void test_workspace_no_allocation(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        float *ref = reference(isas[a]);
        sattn_context *ctx = context_on(isas[a]);
        struct counting count = {0, 0};
        assert_int_equal(sattn_context_set_num_threads(ctx, 3), SATTN_OK);
        assert_int_equal(sattn_context_set_allocator(ctx, count_alloc, count_free, &count), SATTN_OK);
        const size_t bytes = workspace_for_all(ctx);
        char *ws = malloc(bytes + 1);
        float *got = alloc_sentinel(OUT_FLOATS);
        /* A misaligned workspace is fine; the library's own allocator failing shows nothing asks it. */
        sattn_alloc_fail_after(0);
        assert_int_equal(run_all(ctx, got, ws + 1, bytes), SATTN_OK);
        sattn_alloc_fail_after(-1);
        assert_int_equal(atomic_load(&count.allocs), 0);
        if (memcmp(got, ref, OUT_FLOATS * sizeof(float))) fail_msg("%s: a workspace changes the bits", sattn_isa_name(isas[a]));
        /* Without one, scratch comes from the context's allocator, and all of it goes back. */
        assert_int_equal(run_all(ctx, got, NULL, 0), SATTN_OK);
        assert_true(atomic_load(&count.allocs) >= 3);
        assert_int_equal(atomic_load(&count.allocs), atomic_load(&count.frees));
        /* A decode step this small takes its scratch from the stack: no allocation either. */
        const int before = atomic_load(&count.allocs);
        const sattn_attention_desc tiny = {.batch = 1, .heads = 2, .q_len = 1, .kv_len = 16, .head_dim = 64};
        assert_int_equal(sattn_attention_ctx(ctx, &tiny, in.q, in.k, in.v, got, NULL, 0), SATTN_OK);
        assert_int_equal(atomic_load(&count.allocs), before);
        free(ws), free(got), free(ref);
        sattn_context_destroy(ctx);
    }
    sattn_set_isa(SATTN_ISA_AUTO);
}

/* A workspace sized for one worker runs a many-thread context on one worker, with the same bits; a
 * byte less than one worker needs is refused, the output untouched. */
static void test_small_workspace(void **state) {
    (void)state;
    sattn_context *one, *many;
    assert_int_equal(sattn_context_create(&one), SATTN_OK);
    assert_int_equal(sattn_context_create(&many), SATTN_OK);
    assert_int_equal(sattn_context_set_num_threads(one, 1), SATTN_OK);
    assert_int_equal(sattn_context_set_num_threads(many, 4), SATTN_OK);
    const sattn_attention_desc dd = decode_desc(NULL);
    const sattn_attention_desc *descs[2] = {&prefill_desc, &dd};
    for (int t = 0; t < 2; t++) {
        size_t small, big;
        assert_int_equal(sattn_attention_workspace_size(one, descs[t], &small), SATTN_OK);
        assert_int_equal(sattn_attention_workspace_size(many, descs[t], &big), SATTN_OK);
        assert_true(big > small);
        float *ref = alloc_sentinel(PREFILL_FLOATS), *got = alloc_sentinel(PREFILL_FLOATS);
        void *ws = malloc(small);
        assert_int_equal(sattn_attention_ctx(many, descs[t], in.q, in.k, in.v, ref, NULL, 0), SATTN_OK);
        assert_int_equal(sattn_attention_ctx(many, descs[t], in.q, in.k, in.v, got, ws, small - 1), SATTN_E_ARG);
        assert_int_equal(count_touched(got, PREFILL_FLOATS), 0);
        assert_int_equal(sattn_attention_ctx(many, descs[t], in.q, in.k, in.v, got, ws, small), SATTN_OK);
        assert_memory_equal(got, ref, PREFILL_FLOATS * sizeof(float));
        free(ws), free(ref), free(got);
    }
    size_t g1;
    assert_int_equal(sattn_sgemm_workspace_size(one, GM, GN, GK, &g1), SATTN_OK);
    float *c = alloc_sentinel(GEMM_FLOATS);
    void *ws = malloc(g1);
    assert_int_equal(sattn_sgemm_ctx(many, SATTN_NOTRANS, SATTN_NOTRANS, GM, GN, GK, 1, in.q, GK, in.b, GN, 0, c, GN,
                                     ws, g1 - 1),
                     SATTN_E_ARG);
    assert_int_equal(count_touched(c, GEMM_FLOATS), 0);
    assert_int_equal(sattn_sgemm_ctx(many, SATTN_NOTRANS, SATTN_NOTRANS, GM, GN, GK, 1, in.q, GK, in.b, GN, 0, c, GN,
                                     ws, g1),
                     SATTN_OK);
    assert_int_equal(sattn_sgemm_workspace_size(one, 0, 5, 5, &g1), SATTN_OK);
    assert_int_equal(g1, 0); /* nothing to multiply, no scratch */
    free(ws), free(c);
    const size_t layer = sattn_self_attention_workspace_size_ctx(one, &layer_desc);
    float *y = alloc_sentinel(LAYER_FLOATS);
    ws = malloc(layer);
    assert_int_equal(sattn_self_attention_ctx(many, &layer_desc, in.x, in.w[0], in.w[1], in.w[2], in.w[3], y, ws,
                                              layer - 1),
                     SATTN_E_ARG);
    assert_int_equal(count_touched(y, LAYER_FLOATS), 0);
    assert_int_equal(sattn_self_attention_ctx(many, &layer_desc, in.x, in.w[0], in.w[1], in.w[2], in.w[3], y, ws, layer),
                     SATTN_OK);
    free(ws), free(y);
    sattn_context_destroy(one), sattn_context_destroy(many);
}

static void test_bad_arguments(void **state) {
    (void)state;
    sattn_context *ctx;
    assert_int_equal(sattn_context_create(NULL), SATTN_E_NULL);
    assert_int_equal(sattn_context_create(&ctx), SATTN_OK);
    sattn_context_destroy(NULL);
    assert_int_equal(sattn_context_set_num_threads(ctx, -1), SATTN_E_ARG);
    assert_int_equal(sattn_context_set_threading(ctx, SATTN_THREADING_CALLER), SATTN_E_ARG);
    assert_int_equal(sattn_context_set_threading(ctx, (sattn_threading)99), SATTN_E_ARG);
    assert_int_equal(sattn_context_get_threading(ctx), SATTN_THREADING_DEFAULT);
    assert_int_equal(sattn_context_set_parallel_for(ctx, NULL, NULL, 2), SATTN_E_NULL);
    assert_int_equal(sattn_context_set_parallel_for(ctx, thread_per_task, NULL, 0), SATTN_E_ARG);
    assert_int_equal(sattn_context_get_threading(ctx), SATTN_THREADING_DEFAULT);
    assert_int_equal(sattn_context_set_allocator(ctx, count_alloc, NULL, NULL), SATTN_E_NULL);
    assert_int_equal(sattn_context_set_allocator(ctx, NULL, count_free, NULL), SATTN_E_NULL);
    assert_int_equal(sattn_context_set_allocator(ctx, NULL, NULL, NULL), SATTN_OK);
    const sattn_isa before = sattn_context_get_isa(ctx);
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++)
        if (!sattn_isa_available((sattn_isa)isa)) {
            assert_int_equal(sattn_context_set_isa(ctx, (sattn_isa)isa), SATTN_E_ISA);
            assert_int_equal(sattn_context_get_isa(ctx), before);
        }
#ifndef _OPENMP
    assert_int_equal(sattn_context_set_threading(ctx, SATTN_THREADING_OPENMP), SATTN_E_ARG);
#endif
    size_t bytes = 12345;
    sattn_attention_desc bad = prefill_desc;
    bad.head_dim = 0;
    assert_int_equal(sattn_attention_workspace_size(ctx, &bad, &bytes), SATTN_E_SHAPE);
    assert_int_equal(sattn_attention_workspace_size(ctx, NULL, &bytes), SATTN_E_NULL);
    assert_int_equal(bytes, 12345);
    assert_int_equal(sattn_attention_workspace_size(ctx, &prefill_desc, NULL), SATTN_E_NULL);
    assert_int_equal(sattn_sgemm_workspace_size(ctx, 1, 1, 1, NULL), SATTN_E_NULL);
    /* An empty problem needs no workspace. */
    bad = prefill_desc;
    bad.batch = 0;
    assert_int_equal(sattn_attention_workspace_size(ctx, &bad, &bytes), SATTN_OK);
    assert_int_equal(bytes, 0);
    sattn_context_destroy(ctx);
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    make_inputs();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_threading_same_bits),
                                       cmocka_unit_test(test_contexts_keep_their_isa),
                                       cmocka_unit_test(test_workspace_no_allocation),
                                       cmocka_unit_test(test_small_workspace), cmocka_unit_test(test_bad_arguments)};
    const int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free_inputs();
    return failed;
}

/* sattn inside an engine: the engine's own thread pool runs sattn's work (examples/engine_pool.h, a
 * pool written the way engines write theirs), one workspace sized once serves every decode step, and
 * an allocator that counts shows that no step allocates. The output of every step is compared, bit
 * for bit, with sattn's default context (its own threads, its own scratch).
 *
 *   engine_threads [WORKERS]     a pool of WORKERS threads (default 4), 32 decode steps of a
 *                                GQA 32/8 layer over a growing cache; exits non-zero on a mismatch or
 *                                an allocation during the steps */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_pool.h"
#include "sattn.h"

enum { HEADS = 32, KV_HEADS = 8, D = 128, MAX_TOKENS = 1024, STEPS = 32 };

static int allocations;

static void *counting_alloc(void *user, size_t bytes, size_t alignment) {
    void *p = NULL;
    (void)user;
    allocations++;
    return posix_memalign(&p, alignment, bytes) ? NULL : p;
}

static void counting_free(void *user, void *p) {
    (void)user;
    free(p);
}

int main(int argc, char **argv) {
    const int workers = argc > 1 ? atoi(argv[1]) : 4;
    if (workers < 1 || workers > 256) {
        fprintf(stderr, "usage: engine_threads [WORKERS 1..256]\n");
        return 2;
    }
    /* A tokens-major cache [token, kv_head, d] and one query per head, filled with a fixed pattern. */
    const size_t cache_floats = (size_t)MAX_TOKENS * KV_HEADS * D;
    float *k = malloc(cache_floats * sizeof(float)), *v = malloc(cache_floats * sizeof(float));
    float *q = malloc((size_t)HEADS * D * sizeof(float));
    float *out = malloc((size_t)HEADS * D * sizeof(float)), *expected = malloc((size_t)HEADS * D * sizeof(float));
    if (!k || !v || !q || !out || !expected) return 1;
    unsigned seed = 1;
    for (size_t i = 0; i < cache_floats; i++) {
        seed = seed * 1664525u + 1013904223u;
        k[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
        v[i] = (float)((seed >> 4) & 0xffff) / 65536.0f - 0.5f;
    }
    for (size_t i = 0; i < (size_t)HEADS * D; i++) q[i] = (float)(i % 17) / 17.0f - 0.5f;

    engine_pool pool;
    sattn_context *ctx;
    if (engine_pool_start(&pool, workers) || sattn_context_create(&ctx) != SATTN_OK) return 1;
    sattn_context_set_parallel_for(ctx, engine_pool_parallel_for, &pool, pool.workers);
    sattn_context_set_allocator(ctx, counting_alloc, counting_free, NULL);

    /* The descriptor of the longest step sizes the workspace once; shorter steps need no more. */
    const sattn_strides cache = {cache_floats, D, KV_HEADS * D};
    sattn_attention_desc desc = {.batch = 1, .heads = HEADS, .kv_heads = KV_HEADS, .q_len = 1, .kv_len = MAX_TOKENS,
                                 .head_dim = D, .k_strides = cache, .v_strides = cache};
    size_t bytes;
    if (sattn_attention_workspace_size(ctx, &desc, &bytes) != SATTN_OK) return 1;
    void *workspace = malloc(bytes);
    int mismatches = 0;
    for (int step = 0; step < STEPS; step++) {
        desc.kv_len = (size_t)MAX_TOKENS - (size_t)(STEPS - 1 - step) * 16; /* the cache grows by 16 tokens a step */
        sattn_status st = sattn_attention_ctx(ctx, &desc, q, k, v, out, workspace, bytes);
        if (st == SATTN_OK) st = sattn_attention(&desc, q, k, v, expected);
        if (st != SATTN_OK) {
            fprintf(stderr, "step %d: %s\n", step, sattn_strerror(st));
            return 1;
        }
        mismatches += memcmp(out, expected, (size_t)HEADS * D * sizeof(float)) != 0;
    }
    printf("engine_threads: %d decode steps on a pool of %d workers, workspace %zu bytes: %d allocations, "
           "%d steps differing from the default context\n",
           STEPS, pool.workers, bytes, allocations, mismatches);
    sattn_context_destroy(ctx);
    engine_pool_stop(&pool);
    free(workspace), free(k), free(v), free(q), free(out), free(expected);
    return mismatches == 0 && allocations == 0 ? 0 : 1;
}

/* A paged KV cache as a serving engine keeps one: a pool of fixed-size pages [pool, kv_heads, PAGE, head_dim],
 * a block table per sequence, pages taken from a free list as tokens arrive (so a sequence's pages lie
 * anywhere in the pool), and a forked sequence that shares its parent's full prefix pages. Every step
 * appends one token to each live sequence and decodes all of them in one sattn_attention call that reads
 * the pages in place. Sequences of different lengths share the batch: kv_lens says how many keys each has.
 *
 *   paged_cache        runs 120 steps over 5 sequences (one forked at step 40, one finished at step 90)
 *
 * Each step is checked against the same sequences stored contiguously (a copy made only for the check):
 * the outputs must be the same bits. Exits non-zero otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sattn.h"

enum { HEADS = 16, KV_HEADS = 4, D = 64, PAGE = 16, POOL = 256, MAX_SEQS = 5, MAX_PAGES = 40, STEPS = 120 };

typedef struct {
    float *k, *v;     /* [POOL, KV_HEADS, PAGE, D] */
    int32_t free_list[POOL];
    int free_count;
    int refs[POOL];   /* sequences using each page: a shared prefix page is freed by its last user */
} page_pool;

typedef struct {
    int32_t table[MAX_SEQS][MAX_PAGES]; /* the block table, [batch][MAX_PAGES] */
    int32_t lens[MAX_SEQS];             /* tokens in each sequence's cache */
    int live[MAX_SEQS];
} sequences;

static float uniform(unsigned *seed) {
    *seed = *seed * 1664525u + 1013904223u;
    return (float)(*seed >> 8) / 16777216.0f * 2.0f - 1.0f;
}

static float *row_of(float *x, int32_t page, size_t g, size_t r) {
    return x + (((size_t)page * KV_HEADS + g) * PAGE + r) * D;
}

/* Appends one token (k and v [KV_HEADS, D]) to sequence s, taking a page from the pool when the last one
 * is full. Returns 0 when the pool is empty. */
static int append(page_pool *pool, sequences *sq, int s, const float *k, const float *v) {
    const int32_t t = sq->lens[s];
    if (t % PAGE == 0) {
        if (pool->free_count == 0 || t / PAGE >= MAX_PAGES) return 0;
        const int32_t page = pool->free_list[--pool->free_count];
        sq->table[s][t / PAGE] = page, pool->refs[page] = 1;
    }
    const int32_t page = sq->table[s][t / PAGE];
    for (size_t g = 0; g < KV_HEADS; g++) {
        memcpy(row_of(pool->k, page, g, (size_t)t % PAGE), k + g * D, D * sizeof *k);
        memcpy(row_of(pool->v, page, g, (size_t)t % PAGE), v + g * D, D * sizeof *v);
    }
    sq->lens[s] = t + 1;
    return 1;
}

/* Sequence `child` starts as `parent`: its full pages are shared, a partial last page is copied. */
static int fork_sequence(page_pool *pool, sequences *sq, int parent, int child) {
    const int32_t full = sq->lens[parent] / PAGE, rest = sq->lens[parent] % PAGE;
    for (int32_t p = 0; p < full; p++) sq->table[child][p] = sq->table[parent][p], pool->refs[sq->table[parent][p]]++;
    sq->lens[child] = full * PAGE, sq->live[child] = 1;
    for (int32_t r = 0; r < rest; r++) { /* the partial page: copy its tokens into a page of the child's */
        float k[KV_HEADS * D], v[KV_HEADS * D];
        for (size_t g = 0; g < KV_HEADS; g++) {
            memcpy(k + g * D, row_of(pool->k, sq->table[parent][full], g, (size_t)r), D * sizeof *k);
            memcpy(v + g * D, row_of(pool->v, sq->table[parent][full], g, (size_t)r), D * sizeof *v);
        }
        if (!append(pool, sq, child, k, v)) return 0;
    }
    return 1;
}

static void finish(page_pool *pool, sequences *sq, int s) {
    for (int32_t p = 0; p < (sq->lens[s] + PAGE - 1) / PAGE; p++)
        if (--pool->refs[sq->table[s][p]] == 0) pool->free_list[pool->free_count++] = sq->table[s][p];
    sq->lens[s] = 0, sq->live[s] = 0;
}

/* The check: the same step with every sequence's keys copied out contiguously, one call per sequence. */
static int check_step(const page_pool *pool, const sequences *sq, const float *q, const float *out) {
    static float k[KV_HEADS * MAX_PAGES * PAGE * D], v[KV_HEADS * MAX_PAGES * PAGE * D], want[HEADS * D];
    for (int s = 0; s < MAX_SEQS; s++) {
        const size_t n = (size_t)sq->lens[s];
        for (size_t g = 0; g < KV_HEADS; g++)
            for (size_t j = 0; j < n; j++) {
                memcpy(k + (g * n + j) * D, row_of(pool->k, sq->table[s][j / PAGE], g, j % PAGE), D * sizeof *k);
                memcpy(v + (g * n + j) * D, row_of(pool->v, sq->table[s][j / PAGE], g, j % PAGE), D * sizeof *v);
            }
        const sattn_attention_desc d = {.batch = 1, .heads = HEADS, .kv_heads = KV_HEADS, .q_len = 1, .kv_len = n,
                                        .head_dim = D, .causal = 1};
        if (sattn_attention(&d, q + (size_t)s * HEADS * D, k, v, want) != SATTN_OK) return 0;
        if (memcmp(want, out + (size_t)s * HEADS * D, sizeof want)) return 0;
    }
    return 1;
}

int main(void) {
    page_pool pool = {.k = calloc((size_t)POOL * KV_HEADS * PAGE * D, sizeof(float)),
                      .v = calloc((size_t)POOL * KV_HEADS * PAGE * D, sizeof(float))};
    if (!pool.k || !pool.v) return 1;
    unsigned seed = 7;
    for (int32_t p = 0; p < POOL; p++) pool.free_list[p] = p; /* handed out in a shuffled order */
    for (int32_t p = POOL - 1; p > 0; p--) {
        seed = seed * 1664525u + 1013904223u;
        const int32_t j = (int32_t)((seed >> 8) % (unsigned)(p + 1)), t = pool.free_list[p];
        pool.free_list[p] = pool.free_list[j], pool.free_list[j] = t;
    }
    pool.free_count = POOL;
    sequences sq = {.live = {1, 1, 1, 0, 1}};
    float k[KV_HEADS * D], v[KV_HEADS * D];
    static float q[MAX_SEQS * HEADS * D], out[MAX_SEQS * HEADS * D];
    /* Prompts of different lengths before decoding starts. */
    const int prompt[MAX_SEQS] = {37, 5, 120, 0, 64};
    for (int s = 0; s < MAX_SEQS; s++)
        for (int t = 0; t < prompt[s]; t++) {
            for (size_t i = 0; i < KV_HEADS * D; i++) k[i] = uniform(&seed), v[i] = uniform(&seed);
            if (!append(&pool, &sq, s, k, v)) return 1;
        }
    for (int step = 0; step < STEPS; step++) {
        if (step == 40 && !fork_sequence(&pool, &sq, 0, 3)) return 1; /* a second answer from sequence 0's state */
        if (step == 90) finish(&pool, &sq, 2);
        for (int s = 0; s < MAX_SEQS; s++) {
            if (!sq.live[s]) continue;
            for (size_t i = 0; i < KV_HEADS * D; i++) k[i] = uniform(&seed), v[i] = uniform(&seed);
            if (!append(&pool, &sq, s, k, v)) {
                fprintf(stderr, "paged_cache: the pool ran out of pages\n");
                return 1;
            }
        }
        for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) q[i] = uniform(&seed);
        /* The decode step: every sequence at once, each with its own length, pages read in place. A finished
         * sequence has 0 keys and gives zeros. */
        const sattn_attention_desc d = {
            .batch = MAX_SEQS, .heads = HEADS, .kv_heads = KV_HEADS, .q_len = 1, .kv_len = MAX_PAGES * PAGE,
            .head_dim = D, .causal = 1, .kv_lens = sq.lens,
            .block_table = &sq.table[0][0], .block_table_stride = MAX_PAGES, .page_size = PAGE, .page_count = POOL};
        const sattn_status st = sattn_attention(&d, q, pool.k, pool.v, out);
        if (st != SATTN_OK) {
            fprintf(stderr, "paged_cache: step %d: %s\n", step, sattn_strerror(st));
            return 1;
        }
        if (!check_step(&pool, &sq, q, out)) {
            fprintf(stderr, "paged_cache: step %d differs from the contiguous cache\n", step);
            return 1;
        }
    }
    printf("paged_cache: %d steps over %d sequences (lengths now %d %d %d %d %d; %d of %d pages in use, a prefix "
           "shared), each step the same bits as the contiguous cache\n",
           STEPS, MAX_SEQS, sq.lens[0], sq.lens[1], sq.lens[2], sq.lens[3], sq.lens[4], POOL - pool.free_count, POOL);
    free(pool.k), free(pool.v);
    return 0;
}

/* The split-KV driver for decode: one query (or a few) per head against a long K/V cache.
 *
 * With so few rows the work is streaming K and V from memory once, so nothing is packed: the
 * decode kernels read K and V in place. A K/V head's rows (all query heads of its group times
 * all queries, at most SATTN_DECODE_MAX_ROWS) form one item, and the item's keys are split in
 * chunks of DECODE_CHUNK_KEYS. Each (item, chunk) is an independent unit giving a partial
 * (max m, sum l, accumulator) per row — the online softmax of attention.c over that chunk
 * alone — so one head's keys are spread over all threads. The partials of an item are then
 * merged in chunk order.
 *
 * Determinism: chunk boundaries are multiples of DECODE_CHUNK_KEYS, fixed by the shape alone,
 * and the merge order is fixed, so the result is the same bits for any thread count. */
#include <math.h>
#include <string.h>

#include "attention_rows.h"
#include "exp.h"
#include "parallel.h"

/* Large enough that a chunk's per-row bookkeeping is noise next to streaming its keys
 * (512 keys of d = 128 are 256 KiB of K and V), small enough that 8K keys give 16 units per head. */
#define DECODE_CHUNK_KEYS 512
/* Partials kept at once: 4 Mi floats (16 MiB), e.g. 32 heads x 1 row x 128 chunks of d 128 (64K
 * keys). A variable only so that a test can force small waves. */
size_t sattn_decode_partial_floats = (size_t)1 << 22;

struct decode_plan {
    size_t group, rows, chunks, items;
};

static struct row_block item_rows(const struct sattn_attention_problem *p, const struct decode_plan *pl,
                                  size_t item) {
    const size_t g = item % p->kv_heads, b = item / p->kv_heads;
    return (struct row_block){.b = b, .h0 = g * pl->group, .i0 = 0, .qn = p->q_len, .rows = pl->rows};
}

/* A unit's partial state: m and l per row, then the accumulator rows. */
static size_t partial_floats(const struct sattn_attention_problem *p, const struct decode_plan *pl) {
    return sattn_round_floats(2 * pl->rows + pl->rows * p->v_head_dim);
}

static void run_unit(const struct sattn_kernels *k, const struct sattn_attention_problem *p,
                     const struct decode_plan *pl, size_t unit, float *s, float *partial) {
    const size_t item = unit / pl->chunks, chunk = unit % pl->chunks;
    const struct row_block rb = item_rows(p, pl, item);
    const size_t d = p->head_dim, dv = p->v_head_dim, rows = rb.rows;
    float *m = partial, *l = partial + rows, *acc = partial + 2 * rows;
    for (size_t r = 0; r < rows; r++) m[r] = -INFINITY, l[r] = 0.0f;
    memset(acc, 0, rows * dv * sizeof *acc);

    /* The part of the chunk that some row of the item sees; nothing outside it is read. */
    const struct key_range keys = sattn_block_keys(p, &rb);
    const size_t c0 = chunk * DECODE_CHUNK_KEYS, c1 = c0 + DECODE_CHUNK_KEYS;
    const size_t j0 = sattn_max(c0, (size_t)keys.lo), j1 = sattn_min(c1, (size_t)(keys.hi > 0 ? keys.hi : 0));
    if (j0 >= j1) return;
    const size_t nk = j1 - j0;
    const float *kc = p->k + rb.b * p->ks.batch + (rb.h0 / pl->group) * p->ks.head + j0 * p->ks.seq;
    const float *vc = p->v + rb.b * p->vs.batch + (rb.h0 / pl->group) * p->vs.head + j0 * p->vs.seq;

    /* S = scale * Q·Kᵀ. Rows of one head are its queries (qs.seq apart); with one query, the
     * rows are the group's heads (qs.head apart), so each kernel call reads K once. */
    const float *q = p->q + rb.b * p->qs.batch + rb.h0 * p->qs.head;
    if (rb.qn == 1)
        k->qk_dot(rows, nk, d, q, p->qs.head, kc, p->ks.seq, p->scale, s, DECODE_CHUNK_KEYS);
    else
        for (size_t h = 0; h < pl->group; h++)
            k->qk_dot(rb.qn, nk, d, q + h * p->qs.head, p->qs.seq, kc, p->ks.seq, p->scale,
                      s + h * rb.qn * DECODE_CHUNK_KEYS, DECODE_CHUNK_KEYS);
    sattn_online_softmax_block(k, p, &rb, j0, nk, s, DECODE_CHUNK_KEYS, m, l, acc);
    k->pv_accumulate(rows, nk, dv, s, DECODE_CHUNK_KEYS, vc, p->vs.seq, acc, dv);
}

/* Chunk partials of one item, merged in chunk order: m = max m_c, l = sum l_c e^(m_c - m),
 * acc = sum acc_c e^(m_c - m). A chunk no row saw (l_c = 0, m_c = -inf) adds nothing. */
static void merge_item(const struct sattn_kernels *k, const struct sattn_attention_problem *p,
                       const struct decode_plan *pl, size_t item, const float *first, float *acc, float *l) {
    const struct row_block rb = item_rows(p, pl, item);
    const size_t dv = p->v_head_dim, rows = rb.rows, stride = partial_floats(p, pl);
    for (size_t r = 0; r < rows; r++) {
        float m = -INFINITY;
        for (size_t c = 0; c < pl->chunks; c++) {
            const float mc = first[c * stride + r];
            if (mc > m || mc != mc) m = mc; /* a NaN maximum poisons the row, as it would unsplit */
        }
        l[r] = 0.0f;
        memset(acc + r * dv, 0, dv * sizeof *acc);
        if (m == -INFINITY) continue;
        for (size_t c = 0; c < pl->chunks; c++) {
            const float *part = first + c * stride;
            if (part[rows + r] == 0.0f && part[r] == -INFINITY) continue;
            const float f = sattn_expf(part[r] - m);
            l[r] += part[rows + r] * f;
            for (size_t x = 0; x < dv; x++) acc[r * dv + x] += part[2 * rows + r * dv + x] * f;
        }
    }
    sattn_store_rows(k, p, &rb, acc, l);
}

sattn_status sattn_attention_decode_run(const struct sattn_kernels *k, int threads,
                                        const struct sattn_attention_problem *p) {
    struct decode_plan pl;
    pl.group = p->heads / p->kv_heads;
    pl.rows = pl.group * p->q_len;
    pl.chunks = p->kv_len ? sattn_div_up(p->kv_len, DECODE_CHUNK_KEYS) : 1;
    pl.items = p->batch * p->kv_heads;
    const size_t units = pl.items * pl.chunks;
    if (units == 0) return SATTN_OK;
    if ((size_t)threads > units) threads = (int)units;

    /* Items go in waves whose partials fit sattn_decode_partial_floats, so memory does not grow with
     * the batch; a wave only bounds memory, every item's merge order is the same in any wave. */
    const size_t stride = partial_floats(p, &pl), item_floats = pl.chunks * stride;
    const size_t wave = sattn_max(1, sattn_min(pl.items, sattn_decode_partial_floats / item_floats));
    const size_t s_floats = sattn_round_floats(pl.rows * DECODE_CHUNK_KEYS);
    const size_t merge_floats = sattn_round_floats(pl.rows * p->v_head_dim + pl.rows);
    const size_t per_thread = s_floats > merge_floats ? s_floats : merge_floats;
    float *mem = sattn_alloc((wave * item_floats + per_thread * (size_t)threads) * sizeof(float));
    if (!mem) return SATTN_E_NOMEM;
    float *partials = mem, *scratch = mem + wave * item_floats;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        float *w = scratch + per_thread * (size_t)sattn_thread_id();
        for (size_t first = 0; first < pl.items; first += wave) {
            const size_t n_items = sattn_min(wave, pl.items - first), first_unit = first * pl.chunks;
#pragma omp for schedule(dynamic, 1)
            for (size_t unit = first_unit; unit < first_unit + n_items * pl.chunks; unit++)
                run_unit(k, p, &pl, unit, w, partials + (unit - first_unit) * stride);
#pragma omp for schedule(static)
            for (size_t item = first; item < first + n_items; item++)
                merge_item(k, p, &pl, item, partials + (item - first) * item_floats, w, w + pl.rows * p->v_head_dim);
        }
    }
    sattn_free(mem);
    return SATTN_OK;
}

/* The split-KV driver for decode: one query (or a few) per head against a long K/V cache.
 *
 * With so few rows the work is streaming K and V from memory once, so nothing is packed: the
 * decode kernels read K and V in place. A K/V head's rows (all query heads of its group times
 * all queries, at most SATTN_DECODE_MAX_ROWS) form one item, and the item's keys are split in
 * chunks of DECODE_CHUNK_KEYS. Each (item, chunk) is an independent unit giving a partial
 * (max m, sum l, accumulator) per row — the online softmax of prefill over that chunk
 * alone — so one head's keys are spread over all threads. The partials of an item are then
 * merged in chunk order. All of the row algebra is attention_rows.c's.
 *
 * Determinism: chunk boundaries are multiples of DECODE_CHUNK_KEYS, fixed by the shape alone,
 * and the merge order is fixed, so the result is the same bits for any thread count. */
#include "attention_rows.h"
#include "parallel.h"

/* Large enough that a chunk's per-row bookkeeping is noise next to streaming its keys
 * (512 keys of d = 128 are 256 KiB of K and V), small enough that 8K keys give 16 units per head. */
#define DECODE_CHUNK_KEYS 512

struct decode_plan {
    size_t group, rows, chunks, items;
};

static struct row_block item_rows(const struct sattn_attention_problem *p, const struct decode_plan *pl,
                                  size_t item) {
    const size_t g = item % p->kv_heads, b = item / p->kv_heads;
    return (struct row_block){.b = b, .h0 = g * pl->group, .i0 = 0, .qn = p->q_len, .rows = pl->rows};
}

/* A unit's partial state, in attention_rows.h's row_state_at layout. */
static size_t partial_floats(const struct sattn_attention_problem *p, const struct decode_plan *pl) {
    return sattn_round_floats(sattn_row_state_floats(pl->rows, p->v_head_dim));
}

/* Per-thread scratch: the logits of a unit's rows, then (for a Q that is not float) its rows as float. */
static size_t s_floats(const struct decode_plan *pl) { return sattn_round_floats(pl->rows * DECODE_CHUNK_KEYS); }

static void run_unit(const struct sattn_exec *x, const struct sattn_attention_problem *p, const struct decode_plan *pl,
                     size_t unit, float *s, float *partial) {
    const size_t item = unit / pl->chunks, chunk = unit % pl->chunks;
    const struct row_block rb = item_rows(p, pl, item);
    const size_t d = p->head_dim, dv = p->v_head_dim, rows = rb.rows;
    const struct row_state st = sattn_row_state_at(partial, rows);
    sattn_rows_start(st, rows, dv);

    /* The part of the chunk that some row of the item sees; nothing outside it is read. */
    const struct key_range keys = sattn_block_keys(p, &rb);
    const size_t c0 = chunk * DECODE_CHUNK_KEYS, c1 = c0 + DECODE_CHUNK_KEYS;
    const size_t j0 = sattn_max(c0, (size_t)keys.lo), j1 = sattn_min(c1, (size_t)(keys.hi > 0 ? keys.hi : 0));
    if (j0 >= j1) return;
    const size_t nk = j1 - j0;
    const size_t g = rb.h0 / pl->group;
    const void *kc = sattn_elem_addr(p->k, p->k_type, rb.b * p->ks.batch + g * p->ks.head + j0 * p->ks.seq);
    const void *vc = sattn_elem_addr(p->v, p->v_type, rb.b * p->vs.batch + g * p->vs.head + j0 * p->vs.seq);
    const struct sattn_decode_params k_params = {
        .scale = p->scale, .kv = sattn_kv_scales(p->k_scales, p->kss, p->k_group, rb.b, g, j0, 0)};
    const struct sattn_decode_params v_params = {.kv = sattn_kv_scales(p->v_scales, p->vss, p->v_group, rb.b, g, j0, 0)};

    /* S = scale * Q·Kᵀ. Rows of one head are its queries (qs.seq apart); with one query, the
     * rows are the group's heads (qs.head apart), so each kernel call reads K once. A Q of another
     * type is first made float, row r = (head h, query i) at r * d, the layout of S's rows. */
    const struct sattn_decode_ops *k_ops = &x->k->decode[p->k_type], *v_ops = &x->k->decode[p->v_type];
    const size_t q_off = rb.b * p->qs.batch + rb.h0 * p->qs.head;
    if (p->q_type != SATTN_DTYPE_F32) {
        float *qf = s + s_floats(pl);
        for (size_t r = 0; r < rows; r++)
            x->k->convert[p->q_type].to_f32(
                d, sattn_elem_addr(p->q, p->q_type, q_off + (r / rb.qn) * p->qs.head + (r % rb.qn) * p->qs.seq), NULL,
                0, qf + r * d);
        k_ops->qk_dot(rows, nk, d, qf, d, kc, p->ks.seq, s, DECODE_CHUNK_KEYS, &k_params);
    } else {
        const float *q = (const float *)p->q + q_off;
        if (rb.qn == 1)
            k_ops->qk_dot(rows, nk, d, q, p->qs.head, kc, p->ks.seq, s, DECODE_CHUNK_KEYS, &k_params);
        else
            for (size_t h = 0; h < pl->group; h++)
                k_ops->qk_dot(rb.qn, nk, d, q + h * p->qs.head, p->qs.seq, kc, p->ks.seq,
                              s + h * rb.qn * DECODE_CHUNK_KEYS, DECODE_CHUNK_KEYS, &k_params);
    }
    sattn_rows_update(&x->k->row, p, &rb, j0, nk, s, DECODE_CHUNK_KEYS, st);
    v_ops->pv_accumulate(rows, nk, dv, s, DECODE_CHUNK_KEYS, vc, p->vs.seq, st.acc, dv, &v_params);
}

/* The chunk partials of one item, merged in chunk order, then its output rows. */
static void merge_item(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                       const struct decode_plan *pl, size_t item, const float *first, float *scratch) {
    const struct row_block rb = item_rows(p, pl, item);
    const struct row_state merged = sattn_row_state_at(scratch, rb.rows);
    sattn_rows_merge(rb.rows, p->v_head_dim, first, pl->chunks, partial_floats(p, pl), merged);
    sattn_rows_finish(x->k, p, &rb, merged);
}

sattn_status sattn_attention_decode_run(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                        size_t partial_floats_max) {
    struct decode_plan pl;
    pl.group = p->heads / p->kv_heads;
    pl.rows = pl.group * p->q_len;
    pl.chunks = p->kv_len ? sattn_div_up(p->kv_len, DECODE_CHUNK_KEYS) : 1;
    pl.items = p->batch * p->kv_heads;
    const size_t units = pl.items * pl.chunks;
    if (units == 0) return SATTN_OK;
    const int threads = (size_t)x->threads > units ? (int)units : x->threads;

    /* Items go in waves whose partials fit partial_floats_max, so memory does not grow with the
     * batch; a wave only bounds memory, every item's merge order is the same in any wave. */
    const size_t stride = partial_floats(p, &pl), item_floats = pl.chunks * stride;
    const size_t wave = sattn_max(1, sattn_min(pl.items, partial_floats_max / item_floats));
    const size_t unit_floats = s_floats(&pl) + (p->q_type != SATTN_DTYPE_F32 ? pl.rows * p->head_dim : 0);
    const size_t merge_floats = stride;
    const size_t per_thread = unit_floats > merge_floats ? unit_floats : merge_floats;
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
                run_unit(x, p, &pl, unit, w, partials + (unit - first_unit) * stride);
#pragma omp for schedule(static)
            for (size_t item = first; item < first + n_items; item++)
                merge_item(x, p, &pl, item, partials + (item - first) * item_floats, w);
        }
    }
    sattn_free(mem);
    return SATTN_OK;
}

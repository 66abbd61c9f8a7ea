/* The prefill driver of fused attention, FlashAttention-2 shaped, with no q_len x kv_len buffer.
 *
 * A work item is a block of rows: the query rows [i0, i0+qn) of the heads [h0, h0+hn) that
 * share one K/V head (GQA/MQA), stacked so row r is head h0 + r/qn, query i0 + r%qn. Each
 * K/V block is packed once per item and serves all of its heads. For every key block:
 *   S = scale * Q·Kᵀ (microkernel), + bias, masks -> -inf, online softmax per row (running max
 *   m and sum l, accumulator rescaled by exp(m_old - m_new)), then acc += P·V (microkernel).
 * The output is acc / l, written once. Key blocks outside every row's visible range (causal,
 * window, kv_lens) are never touched.
 *
 * The row algebra (masks, bias, running max and sum, output) is attention_rows.c's; problems with
 * only a few rows per K/V head (decode) are routed to attention_decode.c by attention.c.
 *
 * Determinism: key blocks start at multiples of the block size whatever the item, and every
 * output element depends only on its own row, so neither the worker that runs an item nor how
 * rows are grouped into items changes a bit: the grouping may follow the call's worker count. */
#include <string.h>

#include "attention_rows.h"

/* How the rows of all items are laid out. */
struct item_plan {
    size_t group;          /* query heads per K/V head */
    size_t heads_per_item; /* hn */
    size_t head_chunks;    /* per K/V head */
    size_t queries_per_item;
    size_t query_blocks;
    size_t count;          /* items in total */
};

static struct item_plan plan_items(const struct sattn_exec *x, const struct sattn_attention_problem *p) {
    struct item_plan pl;
    const size_t rows = x->blk->attn_rows, MR = x->k->gemm.mr;
    pl.group = p->heads / p->kv_heads;
    pl.heads_per_item = sattn_min(pl.group, rows);
    pl.head_chunks = sattn_div_up(pl.group, pl.heads_per_item);
    pl.queries_per_item = sattn_min(p->q_len, sattn_max(1, rows / pl.heads_per_item));
    const size_t per_query_block = p->batch * p->kv_heads * pl.head_chunks;
    /* Few heads: shorter query blocks, so that each of the call's workers gets several items (causal
     * items differ in cost) — down to four register tiles of rows, below which packing Kᵀ dominates.
     * No shorter than that: every item packs its K and V blocks again (8 heads x 128 queries cut for 16
     * workers packed each block 4 times: 14% of the call's instructions, callgrind, 1 worker). */
    const size_t min_queries = sattn_div_up(4 * MR, pl.heads_per_item);
    while (per_query_block * sattn_div_up(p->q_len, pl.queries_per_item) < 4 * (size_t)x->threads) {
        const size_t half = sattn_div_up(pl.queries_per_item / 2, MR) * MR;
        if (half < min_queries || half >= pl.queries_per_item) break;
        pl.queries_per_item = half;
    }
    pl.query_blocks = sattn_div_up(p->q_len, pl.queries_per_item);
    pl.count = per_query_block * pl.query_blocks;
    return pl;
}

/* Per-thread scratch, carved from one allocation made before any output is written. */
struct scratch {
    float *q_rows, *k_packed, *v_packed, *s, *acc, *m, *l;
    size_t ld_s;
};

static size_t scratch_floats(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                             struct scratch *layout, float *base) {
    const size_t MR = x->k->gemm.mr, NR = x->k->gemm.nr;
    const size_t rows = sattn_div_up(x->blk->attn_rows, MR) * MR;
    const size_t keys = sattn_div_up(x->blk->attn_keys, NR) * NR;
    const size_t d = p->head_dim, dv = p->v_head_dim, dv_pad = sattn_div_up(dv, NR) * NR;
    const size_t sizes[] = {rows * d, keys * d, dv_pad * keys, rows * keys, rows * dv, rows, rows};
    float **slots[] = {&layout->q_rows, &layout->k_packed, &layout->v_packed, &layout->s,
                       &layout->acc,    &layout->m,        &layout->l};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        *slots[i] = base ? base + total : NULL;
        total += sattn_round_floats(sizes[i]);
    }
    layout->ld_s = keys;
    return total;
}

/* One item, start to finish. */
static void run_item(const struct sattn_exec *x, const struct sattn_attention_problem *p, const struct item_plan *pl,
                     size_t item, const struct scratch *w) {
    const struct sattn_gemm_config *tile = &x->k->gemm;
    const size_t MR = tile->mr, NR = tile->nr, BN = x->blk->attn_keys;
    const size_t d = p->head_dim, dv = p->v_head_dim;

    size_t rest = item;
    const size_t qblock = rest % pl->query_blocks;
    rest /= pl->query_blocks;
    const size_t chunk = rest % pl->head_chunks;
    rest /= pl->head_chunks;
    const size_t g = rest % p->kv_heads, b = rest / p->kv_heads;
    struct row_block rb = {.b = b, .i0 = qblock * pl->queries_per_item};
    rb.qn = sattn_min(pl->queries_per_item, p->q_len - rb.i0);
    rb.h0 = g * pl->group + chunk * pl->heads_per_item;
    rb.rows = sattn_min(pl->heads_per_item, pl->group - chunk * pl->heads_per_item) * rb.qn;
    const size_t rows = rb.rows;

    const struct key_range keys = sattn_block_keys(p, &rb);
    /* Blocks start at multiples of BN, so a row's blocks are the same in any item. */
    const size_t j_lo = (size_t)keys.lo / BN * BN, j_hi = (size_t)keys.hi;
    const struct sattn_gemm_params qk_params = {p->scale, 0.0f}, pv_params = {1.0f, 1.0f};
    /* k and v may be NULL when no key exists at all. */
    const int any_key = keys.lo < keys.hi;
    const void *kg = any_key ? sattn_elem_addr(p->k, p->k_type, b * p->ks.batch + g * p->ks.head) : NULL;
    const void *vg = any_key ? sattn_elem_addr(p->v, p->v_type, b * p->vs.batch + g * p->vs.head) : NULL;

    const struct row_state st = {w->m, w->l, w->acc};
    sattn_rows_start(st, rows, dv);

    /* The item's query rows, gathered once (they may come from several heads) and made float: the
     * A operand of Q·Kᵀ. */
    if (any_key)
        for (size_t r = 0; r < rows; r++) {
            const size_t h = rb.h0 + r / rb.qn, i = rb.i0 + r % rb.qn;
            x->k->convert[p->q_type].to_f32(
                d, sattn_elem_addr(p->q, p->q_type, b * p->qs.batch + h * p->qs.head + i * p->qs.seq), NULL, 0,
                w->q_rows + r * d);
        }

    for (size_t j0 = j_lo; keys.lo < keys.hi && j0 < j_hi; j0 += BN) {
        const size_t nk = sattn_min(BN, j_hi - j0);
        /* Kᵀ as the B operand: element (c, j) = K[j0 + j][c]. V as B: element (j, c) = V[j0 + j][c]. */
        for (size_t j = 0; j < nk; j += NR) {
            const struct sattn_scales sc = sattn_kv_scales(p->k_scales, p->kss, p->k_group, b, g, j0 + j, 1);
            tile->pack_b[p->k_type](NR, sattn_min(NR, nk - j), d, sattn_elem_addr(kg, p->k_type, (j0 + j) * p->ks.seq),
                                    1, p->ks.seq, &sc, w->k_packed + j * d);
        }
        /* V rows before the item's first visible key are neither packed nor multiplied (by zero). A
         * column block of V starts at column c, so its scales are the row's from group c / group. */
        const size_t v0 = (size_t)keys.lo > j0 ? (size_t)keys.lo - j0 : 0, nv = nk - v0;
        struct sattn_scales v_sc = sattn_kv_scales(p->v_scales, p->vss, p->v_group, b, g, j0 + v0, 0);
        for (size_t c = 0; c < dv; c += NR) {
            v_sc.col0 = c;
            tile->pack_b[p->v_type](NR, sattn_min(NR, dv - c), nv,
                                    sattn_elem_addr(vg, p->v_type, (j0 + v0) * p->vs.seq + c), p->vs.seq, 1, &v_sc,
                                    w->v_packed + c * nv);
        }

        for (size_t r = 0; r < rows; r += MR)
            for (size_t j = 0; j < nk; j += NR)
                tile->ukernel(sattn_min(MR, rows - r), sattn_min(NR, nk - j), d, w->q_rows + r * d, d, 1,
                              w->k_packed + j * d, w->s + r * w->ld_s + j, w->ld_s, &qk_params);

        sattn_rows_update(&x->k->row, p, &rb, j0, nk, w->s, w->ld_s, st);

        /* acc += P·V, P read in place from the rows of S. */
        for (size_t r = 0; r < rows; r += MR)
            for (size_t c = 0; c < dv; c += NR)
                tile->ukernel(sattn_min(MR, rows - r), sattn_min(NR, dv - c), nv, w->s + r * w->ld_s + v0, w->ld_s,
                              1, w->v_packed + c * nv, w->acc + r * dv + c, dv, &pv_params);
    }

    sattn_rows_finish(x->k, p, &rb, st);
}

struct prefill_step {
    const struct sattn_exec *x;
    const struct sattn_attention_problem *p;
    const struct item_plan *pl;
    void *scratch;
    struct sattn_scratch need;
};

static void prefill_item(void *arg, size_t item, size_t worker) {
    const struct prefill_step *s = arg;
    struct scratch w;
    scratch_floats(s->x, s->p, &w, sattn_scratch_worker(s->scratch, s->need, worker));
    run_item(s->x, s->p, s->pl, item, &w);
}

struct sattn_scratch sattn_attention_prefill_scratch(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                                     size_t *workers) {
    const struct item_plan pl = plan_items(x, p);
    struct scratch layout;
    *workers = sattn_min((size_t)x->threads, pl.count);
    return (struct sattn_scratch){.per_worker = scratch_floats(x, p, &layout, NULL) * sizeof(float)};
}

sattn_status sattn_attention_prefill_run(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                         void *workspace, size_t workspace_size) {
    const struct item_plan pl = plan_items(x, p);
    if (pl.count == 0) return SATTN_OK;
    size_t workers;
    const struct sattn_scratch need = sattn_attention_prefill_scratch(x, p, &workers);
    void *scratch, *owned;
    struct sattn_stack_scratch stack;
    const sattn_status st = sattn_scratch_acquire(x, need, &workers, workspace, workspace_size, &stack,
                                                      &scratch, &owned);
    if (st != SATTN_OK) return st;
    /* Causal items differ in cost, so hand them out one at a time. */
    struct prefill_step s = {.x = x, .p = p, .pl = &pl, .scratch = scratch, .need = need};
    sattn_parallel(x, workers, pl.count, SATTN_DYNAMIC, prefill_item, &s);
    sattn_scratch_release(x, owned);
    return SATTN_OK;
}

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
 * Reduced precision: on a level with a bf16 or fp16 unit (kernels.h: lowp), when q and k have its type, Q·Kᵀ
 * runs on 16-bit operands (Q rows and Kᵀ panels copied, not widened); when v has it too, P is rounded to the
 * type and P·V runs likewise. Sums are fp32 either way, and the online softmax is the same fp32 code.
 *
 * Determinism: key blocks start at multiples of the block size whatever the item, and every
 * output element depends only on its own row, so neither the worker that runs an item nor how
 * rows are grouped into items changes a bit: the grouping may follow the call's worker count. */
#include <string.h>

#include "attention_rows.h"

/* How the rows of all items are laid out. Sequence b's queries fall in ceil(q_len_b / queries_per_item)
 * query blocks; blocks of all sequences are numbered t = 0, 1, ... in batch order, and an item is one
 * block of one chunk of one K/V head's query heads. Within a sequence the items of one head chunk come
 * together, so that consecutive items (on one worker, or on all of them at once) read the same K/V head while
 * it is still in cache: sequence b's items are numbered from first_block[b] * items_per_block, head chunk
 * (g * head_chunks + chunk) major and query block minor. (Heads minor, every item read another head's K/V,
 * which on a Zen 5 VM came from memory: packing it took 25% of an fp32 call, S 1024, 8 heads, d 128.) */
struct item_plan {
    size_t group;          /* query heads per K/V head */
    size_t heads_per_item; /* hn */
    size_t head_chunks;    /* per K/V head */
    size_t queries_per_item;
    size_t items_per_block; /* kv_heads * head_chunks */
    size_t count;           /* items in total */
    const size_t *first_block; /* mixed lengths: [batch + 1], the first t of each sequence; NULL: q_len each */
};

/* The table's reduced-precision tile for this problem's Q·Kᵀ (q and k of one type that has one), or NULL. */
static const struct sattn_lowp_gemm_config *lowp_qk(const struct sattn_kernels *k,
                                                    const struct sattn_attention_problem *p) {
    if (p->q_type != p->k_type) return NULL;
    const struct sattn_lowp_gemm_config *c = &k->lowp[p->k_type];
    return c->ukernel ? c : NULL;
}
/* P·V on it too: v has the same type. */
static int lowp_pv(const struct sattn_kernels *k, const struct sattn_attention_problem *p) {
    return lowp_qk(k, p) && p->v_type == p->k_type;
}

/* The rows an item holds at most: the reduced-precision tile's own number where it has one, else the blocking's. */
static size_t item_rows(const struct sattn_exec *x, const struct sattn_attention_problem *p) {
    const struct sattn_lowp_gemm_config *lq = lowp_qk(x->k, p);
    return lq && lq->item_rows ? lq->item_rows : x->blk->attn_rows;
}

static int mixed_lengths(const struct sattn_attention_problem *p) { return p->q_lens || p->q_starts; }

/* first_block: where a mixed-length plan numbers its blocks ([batch + 1], filled here), or NULL for a
 * plan sized by the bound q_len (what a workspace query knows: it reads no lengths). The grouping of rows
 * follows the bound only, so both plans group rows alike. */
static struct item_plan plan_items(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                   size_t *first_block) {
    struct item_plan pl;
    const size_t rows = item_rows(x, p), MR = x->k->gemm.mr;
    pl.group = p->heads / p->kv_heads;
    pl.heads_per_item = sattn_min(pl.group, rows);
    pl.head_chunks = sattn_div_up(pl.group, pl.heads_per_item);
    pl.queries_per_item = sattn_min(p->q_len, sattn_max(1, rows / pl.heads_per_item));
    pl.items_per_block = p->kv_heads * pl.head_chunks;
    const size_t per_query_block = p->batch * pl.items_per_block;
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
    size_t blocks = p->batch * sattn_div_up(p->q_len, pl.queries_per_item);
    pl.first_block = NULL;
    if (first_block && mixed_lengths(p)) {
        blocks = 0;
        for (size_t b = 0; b < p->batch; b++) {
            first_block[b] = blocks;
            blocks += sattn_div_up(sattn_seq_q_len(p, b), pl.queries_per_item);
        }
        first_block[p->batch] = blocks;
        pl.first_block = first_block;
    }
    pl.count = blocks * pl.items_per_block;
    return pl;
}

/* Item's sequence, query block and head chunk (its index over all K/V heads' chunks). Within a head chunk the
 * last query block goes first: under a causal mask it is the costliest, and the dynamic schedule then ends
 * on cheap items. */
static void item_of(const struct sattn_attention_problem *p, const struct item_plan *pl, size_t item, size_t *b,
                    size_t *qblock, size_t *head_chunk) {
    size_t first, count;
    if (!pl->first_block) {
        count = sattn_div_up(p->q_len, pl->queries_per_item);
        *b = item / (count * pl->items_per_block), first = *b * count;
    } else { /* the last sequence whose first item is <= item (empty sequences share their first) */
        size_t lo = 0, hi = p->batch;
        while (hi - lo > 1) {
            const size_t mid = lo + (hi - lo) / 2;
            if (pl->first_block[mid] * pl->items_per_block <= item) lo = mid; else hi = mid;
        }
        *b = lo, first = pl->first_block[lo], count = pl->first_block[lo + 1] - first;
    }
    const size_t local = item - first * pl->items_per_block;
    *head_chunk = local / count;
    *qblock = count - 1 - local % count;
}

static size_t even(size_t n) { return n + (n & 1); }

/* Per-thread scratch, carved from one allocation made before any output is written. */
struct scratch {
    float *q_rows, *k_packed, *v_packed, *s, *acc, *m, *l;
    float *k_run; /* paged: one Kᵀ panel of a run of keys */
    size_t ld_s;
    /* Reduced precision (16-bit elements): Q rows (d rounded up to even), Kᵀ panels, V panels, P rows, and
     * paged K rows of one panel and V rows of one block gathered into one run. NULL where unused. */
    uint16_t *q16, *k16, *v16, *p16, *k_stage, *v_stage;
};

static size_t scratch_floats(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                             struct scratch *layout, float *base) {
    const size_t MR = x->k->gemm.mr, NR = x->k->gemm.nr;
    const size_t rows = sattn_div_up(item_rows(x, p), MR) * MR;
    const size_t keys = sattn_div_up(x->blk->attn_keys, NR) * NR;
    const size_t d = p->head_dim, dv = p->v_head_dim, dv_pad = sattn_div_up(dv, NR) * NR;
    const struct sattn_lowp_gemm_config *lq = lowp_qk(x->k, p);
    const int lpv = lowp_pv(x->k, p), paged = p->block_table != NULL;
    const size_t NRl = lq ? lq->nr : 1, keys_l = sattn_div_up(x->blk->attn_keys, NRl) * NRl;
    const size_t keys2 = even(x->blk->attn_keys), dv_l = sattn_div_up(dv, NRl) * NRl;
    /* The float operands a 16-bit path replaces take no room; 16-bit slots count halves, in whole floats. */
    const size_t sizes[] = {lq ? 0 : rows * d, lq ? 0 : keys * d, lpv ? 0 : dv_pad * keys, rows * keys, rows * dv, rows,
                            rows, paged && !lq ? NR * d : 0,
                            lq ? (rows * even(d) + 1) / 2 : 0, lq ? (keys_l * even(d) + 1) / 2 : 0,
                            lpv ? (dv_l * keys2 + 1) / 2 : 0, lpv ? (rows * keys2 + 1) / 2 : 0,
                            lq && paged ? (NRl * d + 1) / 2 : 0, lpv ? (keys2 * dv + 1) / 2 : 0};
    float **slots[] = {&layout->q_rows, &layout->k_packed, &layout->v_packed, &layout->s,
                       &layout->acc,    &layout->m,        &layout->l,        &layout->k_run};
    uint16_t **slots16[] = {&layout->q16, &layout->k16, &layout->v16, &layout->p16, &layout->k_stage, &layout->v_stage};
    const size_t n32 = sizeof slots / sizeof slots[0];
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        float *at = base && sizes[i] ? base + total : NULL;
        if (i < n32) *slots[i] = at;
        else *slots16[i - n32] = (uint16_t *)at;
        total += sattn_round_floats(sizes[i]);
    }
    layout->ld_s = keys;
    return total;
}

/* Keys [j, j + n) of K/V head g of sequence b as 16-bit rows of `width` elements, the first `zeros` of them
 * zero: in place (rows *ld apart) when they lie in one run of a page and none is zeroed, else gathered into
 * stage (*ld = width). */
static const uint16_t *x16_rows(const struct sattn_attention_problem *p, const void *base, sattn_strides s,
                                size_t width, size_t b, size_t g, size_t j, size_t n, size_t zeros, uint16_t *stage,
                                size_t *ld) {
    const uint16_t *x = base;
    if (!zeros && sattn_kv_run(p, j) >= n) {
        *ld = s.seq;
        return x + sattn_kv_offset(p, s, b, g, j);
    }
    memset(stage, 0, zeros * width * sizeof *stage);
    for (size_t a = zeros; a < n; a++)
        memcpy(stage + a * width, x + sattn_kv_offset(p, s, b, g, j + a), width * sizeof *x);
    *ld = width;
    return stage;
}

/* Q·Kᵀ on the reduced-precision tile lq: S = scale * Q·Kᵀ for the item's rows against keys [j0, j0 + nk). */
static void lowp_qk_block(const struct sattn_attention_problem *p, const struct sattn_lowp_gemm_config *lq, size_t b,
                          size_t g, size_t rows, size_t j0, size_t nk, float scale, const struct scratch *w) {
    const size_t d = p->head_dim, d2 = even(d), MR = lq->mr, NR = lq->nr;
    const struct sattn_gemm_params qk_params = {scale, 0.0f};
    for (size_t j = 0; j < nk; j += NR) {
        const size_t n = sattn_min(NR, nk - j);
        size_t ld;
        const uint16_t *k = x16_rows(p, p->k, p->ks, d, b, g, j0 + j, n, 0, w->k_stage, &ld);
        lq->pack_b(NR, n, d, k, 1, ld, w->k16 + j * d2);
    }
    for (size_t r = 0; r < rows; r += MR)
        for (size_t j = 0; j < nk; j += NR)
            lq->ukernel(sattn_min(MR, rows - r), sattn_min(NR, nk - j), d2, w->q16 + r * d2, d2, w->k16 + j * d2,
                        w->s + r * w->ld_s + j, w->ld_s, &qk_params);
}

/* acc += P·V on the reduced-precision tile lq, P (the rows of S from key j0 + v0 on, nv keys) rounded to the
 * type first, unless the row update left it rounded in p16 already (p_rounded). The first `hidden` keys, there
 * only to start at a multiple of the tile's k_step, are seen by no row of the item: their P is 0 and their V
 * rows are zeros, so nothing the cache holds there (a NaN, say) reaches the sums, as on the fp32 path, which
 * never reads them. */
static void lowp_pv_block(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                          const struct sattn_lowp_gemm_config *lq, size_t b, size_t g, size_t rows, size_t j0, size_t v0,
                          size_t nv, size_t hidden, int p_rounded, const struct scratch *w) {
    const size_t dv = p->v_head_dim, nv2 = even(nv), MR = lq->mr, NR = lq->nr;
    const struct sattn_gemm_params pv_params = {1.0f, 1.0f};
    size_t ld;
    const uint16_t *v = x16_rows(p, p->v, p->vs, dv, b, g, j0 + v0, nv, hidden, w->v_stage, &ld);
    for (size_t c = 0; c < dv; c += NR) lq->pack_b(NR, sattn_min(NR, dv - c), nv, v + c, ld, 1, w->v16 + c * nv2);
    if (!p_rounded)
        for (size_t r = 0; r < rows; r++) {
            x->k->convert[p->v_type].from_f32(nv, w->s + r * w->ld_s + v0, w->p16 + r * nv2, 0, NULL);
            if (nv & 1) w->p16[r * nv2 + nv] = 0;
        }
    for (size_t r = 0; r < rows; r += MR)
        for (size_t c = 0; c < dv; c += NR)
            lq->ukernel(sattn_min(MR, rows - r), sattn_min(NR, dv - c), nv2, w->p16 + r * nv2, nv2, w->v16 + c * nv2,
                        w->acc + r * dv + c, dv, &pv_params);
}

/* Keys [j, j + n) of K/V head g of sequence b (n <= NR) as one NR-wide panel of Kᵀ. Keys that cross a
 * page are packed run by run through the worker's spare panel, then placed column by column: the panel
 * holds the same floats either way, so paged and contiguous storage give the same bits. */
static void pack_k_panel(const struct sattn_exec *x, const struct sattn_attention_problem *p, size_t b, size_t g,
                         size_t j, size_t n, const struct scratch *w, float *dst) {
    const size_t NR = x->k->gemm.nr, d = p->head_dim;
    const sattn_pack_b_fn pack = x->k->gemm.pack_b[p->k_type];
    for (size_t a = 0; a < n;) {
        const size_t m = sattn_min(n - a, sattn_kv_run(p, j + a));
        const struct sattn_scales sc = sattn_kv_scales(p, p->k_scales, p->kss, p->k_group, b, g, j + a, 1);
        const void *src = sattn_elem_addr(p->k, p->k_type, sattn_kv_offset(p, p->ks, b, g, j + a));
        if (m == n) { /* the whole panel in one run */
            pack(NR, n, d, src, 1, p->ks.seq, &sc, dst);
            return;
        }
        pack(NR, m, d, src, 1, p->ks.seq, &sc, w->k_run);
        for (size_t c = 0; c < d; c++) {
            memcpy(dst + c * NR + a, w->k_run + c * NR, m * sizeof *dst);
            if (a + m == n) memset(dst + c * NR + n, 0, (NR - n) * sizeof *dst);
        }
        a += m;
    }
}

/* Keys [j, j + n) of V head g of sequence b as the B operand of P·V: NR-wide column panels of n rows each
 * (panel c at c * n). Rows are packed run by run (a page at a time), straight into place. A column block
 * of V starts at column c, so its scales are the row's from group c / group. */
static void pack_v_rows(const struct sattn_exec *x, const struct sattn_attention_problem *p, size_t b, size_t g,
                        size_t j, size_t n, float *dst) {
    const size_t NR = x->k->gemm.nr, dv = p->v_head_dim;
    for (size_t a = 0; a < n;) {
        const size_t m = sattn_min(n - a, sattn_kv_run(p, j + a));
        struct sattn_scales sc = sattn_kv_scales(p, p->v_scales, p->vss, p->v_group, b, g, j + a, 0);
        const size_t row = sattn_kv_offset(p, p->vs, b, g, j + a);
        for (size_t c = 0; c < dv; c += NR) {
            sc.col0 = c;
            x->k->gemm.pack_b[p->v_type](NR, sattn_min(NR, dv - c), m, sattn_elem_addr(p->v, p->v_type, row + c),
                                         p->vs.seq, 1, &sc, dst + c * n + a * NR);
        }
        a += m;
    }
}

/* One item, start to finish. */
static void run_item(const struct sattn_exec *x, const struct sattn_attention_problem *p, const struct item_plan *pl,
                     size_t item, const struct scratch *w) {
    const struct sattn_gemm_config *tile = &x->k->gemm;
    const size_t MR = tile->mr, NR = tile->nr, BN = x->blk->attn_keys;
    const size_t d = p->head_dim, dv = p->v_head_dim;

    size_t b, qblock, head_chunk;
    item_of(p, pl, item, &b, &qblock, &head_chunk);
    const size_t chunk = head_chunk % pl->head_chunks, g = head_chunk / pl->head_chunks;
    struct row_block rb = {.b = b, .i0 = qblock * pl->queries_per_item};
    rb.qn = sattn_min(pl->queries_per_item, sattn_seq_q_len(p, b) - rb.i0);
    rb.h0 = g * pl->group + chunk * pl->heads_per_item;
    rb.rows = sattn_min(pl->heads_per_item, pl->group - chunk * pl->heads_per_item) * rb.qn;
    const size_t rows = rb.rows;

    const struct key_range keys = sattn_block_keys(p, &rb);
    /* Blocks start at multiples of BN, so a row's blocks are the same in any item. */
    const size_t j_lo = (size_t)keys.lo / BN * BN, j_hi = (size_t)keys.hi;
    const struct sattn_gemm_params qk_params = {p->scale, 0.0f}, pv_params = {1.0f, 1.0f};
    const int any_key = keys.lo < keys.hi;

    const struct row_state st = {w->m, w->l, w->acc};
    sattn_rows_start(st, rows, dv);

    /* The item's query rows, gathered once (they may come from several heads): the A operand of Q·Kᵀ, made
     * float, or copied as they are for a reduced-precision tile (d padded to even with a zero). */
    const struct sattn_lowp_gemm_config *lq = lowp_qk(x->k, p);
    const int lpv = lowp_pv(x->k, p);
    /* P made in bf16 by the row update itself, where the table can (row_ops); the scale then too, in its exp pass,
     * unless a logit feature needs scaled logits before it: Q·Kᵀ with alpha 1 is what AMX stores straight from
     * its tiles. (Q·Kᵀ, the row update and P·V a 32-row strip at a time, so that the strip's logits stay in
     * L1, ran no faster than over the item's 288 rows: Xeon, d 64 and 128.) */
    const sattn_raddstoreexpminusmax_x16_fn exp16 =
        lpv && p->v_type == SATTN_DTYPE_BF16 ? x->k->row.raddstoreexpminusmax_bf16 : NULL;
    const int scale_in_exp = exp16 && p->scale > 0.0f && p->softcap == 0.0f && !p->bias && !p->alibi_slopes;
    if (lq && lq->begin) lq->begin(); /* the tile's state for the item's products (AMX: its configuration) */
    if (any_key)
        for (size_t r = 0; r < rows; r++) {
            const size_t h = rb.h0 + r / rb.qn, i = rb.i0 + r % rb.qn;
            const void *q = sattn_elem_addr(p->q, p->q_type, sattn_q_offset(p, p->qs, b, h, i));
            if (!lq) {
                x->k->convert[p->q_type].to_f32(d, q, NULL, 0, w->q_rows + r * d);
                continue;
            }
            memcpy(w->q16 + r * even(d), q, d * sizeof *w->q16);
            if (d & 1) w->q16[r * even(d) + d] = 0;
        }

    for (size_t j0 = j_lo; keys.lo < keys.hi && j0 < j_hi; j0 += BN) {
        const size_t nk = sattn_min(BN, j_hi - j0);
        /* V rows before the item's first visible key are neither packed nor multiplied (by zero). A dot-product
         * unit sums keys in steps (pairs; 32 for AMX): its steps start at multiples of the step from the block's
         * first key whatever the item (the keys before the first visible one count as zeros), so a row's bits do
         * not depend on the item's first key, nor on the thread count that shaped the items. */
        const size_t first = (size_t)keys.lo > j0 ? (size_t)keys.lo - j0 : 0;
        const size_t v0 = lpv ? first - first % lq->k_step : first, nv = nk - v0;
        /* Kᵀ as the B operand: element (c, j) = K[j0 + j][c]. V as B: element (j, c) = V[j0 + j][c]. */
        if (lq) {
            lowp_qk_block(p, lq, b, g, rows, j0, nk, scale_in_exp ? 1.0f : p->scale, w);
        } else {
            for (size_t j = 0; j < nk; j += NR)
                pack_k_panel(x, p, b, g, j0 + j, sattn_min(NR, nk - j), w, w->k_packed + j * d);
            for (size_t r = 0; r < rows; r += MR)
                for (size_t j = 0; j < nk; j += NR)
                    tile->ukernel(sattn_min(MR, rows - r), sattn_min(NR, nk - j), d, w->q_rows + r * d, d, 1,
                                  w->k_packed + j * d, w->s + r * w->ld_s + j, w->ld_s, &qk_params);
        }

        const struct p16_rows p16 = {w->p16, even(nv), v0, exp16, scale_in_exp ? p->scale : 1.0f};
        sattn_rows_update(&x->k->row, p, &rb, j0, nk, w->s, w->ld_s, st, exp16 ? &p16 : NULL);

        /* acc += P·V, P read in place from the rows of S. */
        if (lpv) {
            lowp_pv_block(x, p, lq, b, g, rows, j0, v0, nv, first - v0, exp16 != NULL, w);
            continue;
        }
        pack_v_rows(x, p, b, g, j0 + v0, nv, w->v_packed);
        for (size_t r = 0; r < rows; r += MR)
            for (size_t c = 0; c < dv; c += NR)
                tile->ukernel(sattn_min(MR, rows - r), sattn_min(NR, dv - c), nv, w->s + r * w->ld_s + v0, w->ld_s,
                              1, w->v_packed + c * nv, w->acc + r * dv + c, dv, &pv_params);
    }

    if (lq && lq->end) lq->end();
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

/* The shared scratch of a mixed-length plan: its first_block array. */
static size_t shared_bytes(const struct sattn_attention_problem *p) {
    return mixed_lengths(p) ? (p->batch + 1) * sizeof(size_t) : 0;
}

struct sattn_scratch sattn_attention_prefill_scratch(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                                     size_t *workers) {
    const struct item_plan pl = plan_items(x, p, NULL);
    struct scratch layout;
    *workers = sattn_min((size_t)x->threads, pl.count);
    return (struct sattn_scratch){.shared = shared_bytes(p),
                                  .per_worker = scratch_floats(x, p, &layout, NULL) * sizeof(float)};
}

sattn_status sattn_attention_prefill_run(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                         void *workspace, size_t workspace_size) {
    size_t workers;
    const struct sattn_scratch need = sattn_attention_prefill_scratch(x, p, &workers);
    if (workers == 0) return SATTN_OK;
    void *scratch, *owned;
    struct sattn_stack_scratch stack;
    const sattn_status st = sattn_scratch_acquire(x, need, &workers, workspace, workspace_size, &stack,
                                                      &scratch, &owned);
    if (st != SATTN_OK) return st;
    const struct item_plan pl = plan_items(x, p, need.shared ? scratch : NULL);
    /* Causal items differ in cost, so hand them out one at a time. */
    struct prefill_step s = {.x = x, .p = p, .pl = &pl, .scratch = scratch, .need = need};
    if (pl.count) sattn_parallel(x, workers, pl.count, SATTN_DYNAMIC, prefill_item, &s);
    sattn_scratch_release(x, owned);
    return SATTN_OK;
}

/* The fused attention driver, FlashAttention-2 shaped, with no q_len x kv_len buffer.
 *
 * A work item is a block of rows: the query rows [i0, i0+qn) of the heads [h0, h0+hn) that
 * share one K/V head (GQA/MQA), stacked so row r is head h0 + r/qn, query i0 + r%qn. Each
 * K/V block is packed once per item and serves all of its heads. For every key block:
 *   S = scale * Q·Kᵀ (microkernel), + bias, masks -> -inf, online softmax per row (running max
 *   m and sum l, accumulator rescaled by exp(m_old - m_new)), then acc += P·V (microkernel).
 * The output is acc / l, written once. Key blocks outside every row's visible range (causal,
 * window, kv_lens) are never touched.
 *
 * Determinism: items are independent and each row is reduced over key blocks in a fixed
 * order, so the thread that runs an item does not change its bits. */
#include <math.h>
#include <string.h>

#include "exp.h"
#include "internal.h"
#include "parallel.h"

/* How the rows of all items are laid out; derived from the shape only. */
struct item_plan {
    size_t group;          /* query heads per K/V head */
    size_t heads_per_item; /* hn */
    size_t head_chunks;    /* per K/V head */
    size_t queries_per_item;
    size_t query_blocks;
    size_t count;          /* items in total */
};

static struct item_plan plan_items(const struct sattn_kernels *k, const struct sattn_attention_problem *p) {
    struct item_plan pl;
    const size_t rows = k->attn_block_rows;
    pl.group = p->heads / p->kv_heads;
    pl.heads_per_item = sattn_min(pl.group, rows);
    pl.head_chunks = sattn_div_up(pl.group, pl.heads_per_item);
    pl.queries_per_item = sattn_min(p->q_len, sattn_max(1, rows / pl.heads_per_item));
    pl.query_blocks = sattn_div_up(p->q_len, pl.queries_per_item);
    pl.count = p->batch * p->kv_heads * pl.head_chunks * pl.query_blocks;
    return pl;
}

/* Visible keys of query i in batch b: [lo, hi). Offsets are signed: q_len may exceed kv_len. */
struct key_range {
    ptrdiff_t lo, hi;
};

static struct key_range visible_keys(const struct sattn_attention_problem *p, size_t b, size_t i) {
    const ptrdiff_t diag = (ptrdiff_t)i + (ptrdiff_t)p->kv_len - (ptrdiff_t)p->q_len;
    ptrdiff_t hi = p->kv_lens ? p->kv_lens[b] : (ptrdiff_t)p->kv_len;
    ptrdiff_t lo = 0;
    if (p->causal && diag + 1 < hi) hi = diag + 1;
    if (p->window && diag - (ptrdiff_t)p->window + 1 > lo) lo = diag - (ptrdiff_t)p->window + 1;
    if (hi < lo) hi = lo;
    return (struct key_range){lo, hi};
}

/* Per-thread scratch, carved from one allocation made before any output is written. */
struct scratch {
    float *q_rows, *k_packed, *v_packed, *s, *acc, *m, *l;
    size_t ld_s;
};

static size_t scratch_floats(const struct sattn_kernels *k, const struct sattn_attention_problem *p,
                             struct scratch *layout, float *base) {
    const size_t MR = k->gemm_mr, NR = k->gemm_nr;
    const size_t rows = sattn_div_up(k->attn_block_rows, MR) * MR;
    const size_t keys = sattn_div_up(k->attn_block_keys, NR) * NR;
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
static void run_item(const struct sattn_kernels *k, const struct sattn_attention_problem *p,
                     const struct item_plan *pl, size_t item, const struct scratch *w) {
    const size_t MR = k->gemm_mr, NR = k->gemm_nr, BN = k->attn_block_keys;
    const size_t d = p->head_dim, dv = p->v_head_dim;

    size_t rest = item;
    const size_t qblock = rest % pl->query_blocks;
    rest /= pl->query_blocks;
    const size_t chunk = rest % pl->head_chunks;
    rest /= pl->head_chunks;
    const size_t g = rest % p->kv_heads, b = rest / p->kv_heads;
    const size_t i0 = qblock * pl->queries_per_item, qn = sattn_min(pl->queries_per_item, p->q_len - i0);
    const size_t h0 = g * pl->group + chunk * pl->heads_per_item;
    const size_t hn = sattn_min(pl->heads_per_item, pl->group - chunk * pl->heads_per_item);
    const size_t rows = hn * qn;

    /* Visible keys of the whole item: the range widens monotonically with the query index. */
    const struct key_range first = visible_keys(p, b, i0), last = visible_keys(p, b, i0 + qn - 1);
    const size_t j_lo = (size_t)first.lo, j_hi = (size_t)(last.hi > first.hi ? last.hi : first.hi);
    /* k and v may be NULL when no key exists at all. */
    const float *kg = j_lo < j_hi ? p->k + b * p->ks.batch + g * p->ks.head : NULL;
    const float *vg = j_lo < j_hi ? p->v + b * p->vs.batch + g * p->vs.head : NULL;

    for (size_t r = 0; r < rows; r++) {
        w->m[r] = -INFINITY;
        w->l[r] = 0.0f;
    }
    memset(w->acc, 0, rows * dv * sizeof(float));

    /* The item's query rows, gathered once (they may come from several heads): the A operand of Q·Kᵀ. */
    if (j_lo < j_hi)
        for (size_t r = 0; r < rows; r++) {
            const size_t h = h0 + r / qn, i = i0 + r % qn;
            memcpy(w->q_rows + r * d, p->q + b * p->qs.batch + h * p->qs.head + i * p->qs.seq, d * sizeof(float));
        }

    for (size_t j0 = j_lo; j0 < j_hi; j0 += BN) {
        const size_t nk = sattn_min(BN, j_hi - j0);
        /* Kᵀ as the B operand: element (c, j) = K[j0 + j][c]. V as B: element (j, c) = V[j0 + j][c]. */
        for (size_t j = 0; j < nk; j += NR)
            k->pack_b(NR, sattn_min(NR, nk - j), d, kg + (j0 + j) * p->ks.seq, 1, p->ks.seq, w->k_packed + j * d);
        for (size_t c = 0; c < dv; c += NR)
            k->pack_b(NR, sattn_min(NR, dv - c), nk, vg + j0 * p->vs.seq + c, p->vs.seq, 1, w->v_packed + c * nk);

        for (size_t r = 0; r < rows; r += MR)
            for (size_t j = 0; j < nk; j += NR)
                k->gemm(sattn_min(MR, rows - r), sattn_min(NR, nk - j), d, w->q_rows + r * d, d, 1, w->k_packed + j * d,
                        w->s + r * w->ld_s + j, w->ld_s, p->scale, 0.0f);

        for (size_t r = 0; r < rows; r++) {
            const size_t h = h0 + r / qn, i = i0 + r % qn;
            float *s = w->s + r * w->ld_s;
            const struct key_range vis = visible_keys(p, b, i);
            const size_t lo = vis.lo > (ptrdiff_t)j0 ? sattn_min((size_t)vis.lo - j0, nk) : 0;
            const size_t hi = vis.hi > (ptrdiff_t)j0 ? sattn_min((size_t)vis.hi - j0, nk) : 0;
            if (lo >= hi) { /* this row sees nothing of this block */
                memset(s, 0, nk * sizeof *s);
                continue;
            }
            if (p->bias) {
                const float *bias = p->bias + b * p->bs.batch + h * p->bs.head + i * p->bs.seq + j0;
                k->vadd(hi - lo, s + lo, bias + lo, s + lo);
            }
            const float block_max = k->rmax(hi - lo, s + lo);
            const float m_old = w->m[r];
            const float m_new = block_max > m_old ? block_max : m_old;
            if (m_new == -INFINITY && !sattn_has_nan(hi - lo, s + lo)) { /* all visible logits -inf so far */
                memset(s, 0, nk * sizeof *s);
                continue;
            }
            const float sum = k->raddstoreexpminusmax(hi - lo, s + lo, m_new, s + lo);
            if (lo > 0) memset(s, 0, lo * sizeof *s);
            if (hi < nk) memset(s + hi, 0, (nk - hi) * sizeof *s);
            /* A new maximum rescales what was accumulated; with m_old = -inf nothing was (acc, l = 0). */
            if (m_old != m_new && m_old != -INFINITY) {
                const float alpha = sattn_expf(m_old - m_new);
                k->vscale(dv, w->acc + r * dv, alpha, w->acc + r * dv);
                w->l[r] *= alpha;
            }
            w->l[r] += sum;
            w->m[r] = m_new;
        }

        /* acc += P·V, P read in place from the rows of S. */
        for (size_t r = 0; r < rows; r += MR)
            for (size_t c = 0; c < dv; c += NR)
                k->gemm(sattn_min(MR, rows - r), sattn_min(NR, dv - c), nk, w->s + r * w->ld_s, w->ld_s, 1,
                        w->v_packed + c * nk, w->acc + r * dv + c, dv, 1.0f, 1.0f);
    }

    for (size_t r = 0; r < rows; r++) {
        const size_t h = h0 + r / qn, i = i0 + r % qn;
        float *o = p->out + b * p->os.batch + h * p->os.head + i * p->os.seq;
        if (w->l[r] == 0.0f) /* no visible key: zeros, never 0/0 */
            memset(o, 0, dv * sizeof *o);
        else
            k->vscale(dv, w->acc + r * dv, 1.0f / w->l[r], o);
    }
}

sattn_status sattn_attention_run(const struct sattn_kernels *k, int threads, const struct sattn_attention_problem *p) {
    const struct item_plan pl = plan_items(k, p);
    if (pl.count == 0) return SATTN_OK;
    if ((size_t)threads > pl.count) threads = (int)pl.count;
    struct scratch layout;
    const size_t per_thread = scratch_floats(k, p, &layout, NULL);
    float *scratch = sattn_alloc(per_thread * (size_t)threads * sizeof(float));
    if (!scratch) return SATTN_E_NOMEM;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        struct scratch w;
        scratch_floats(k, p, &w, scratch + per_thread * (size_t)sattn_thread_id());
        /* Causal items differ in cost, so hand them out one at a time. */
#pragma omp for schedule(dynamic, 1)
        for (size_t item = 0; item < pl.count; item++) run_item(k, p, &pl, item, &w);
    }
    sattn_free(scratch);
    return SATTN_OK;
}

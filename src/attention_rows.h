/* What both attention drivers (attention.c: blocks of many rows; attention_decode.c: a few rows,
 * keys split in chunks) share: which keys a query sees, and the online softmax of a row block. */
#ifndef SATTN_ATTENTION_ROWS_H
#define SATTN_ATTENTION_ROWS_H

#include "internal.h"

/* Rows r of a block are the pairs (head h0 + r/qn, query i0 + r%qn) of batch b. */
struct row_block {
    size_t b, h0, i0, qn, rows;
};

/* Visible keys of query i in batch b: [lo, hi). Offsets are signed: q_len may exceed kv_len. */
struct key_range {
    ptrdiff_t lo, hi;
};

static inline struct key_range sattn_visible_keys(const struct sattn_attention_problem *p, size_t b, size_t i) {
    const ptrdiff_t diag = (ptrdiff_t)i + (ptrdiff_t)p->kv_len - (ptrdiff_t)p->q_len;
    ptrdiff_t hi = p->kv_lens ? p->kv_lens[b] : (ptrdiff_t)p->kv_len;
    ptrdiff_t lo = 0;
    if (p->causal && diag + 1 < hi) hi = diag + 1;
    if (p->window && diag - (ptrdiff_t)p->window + 1 > lo) lo = diag - (ptrdiff_t)p->window + 1;
    if (hi < lo) hi = lo;
    return (struct key_range){lo, hi};
}

/* Keys any row of the block sees: the range widens monotonically with the query index. */
static inline struct key_range sattn_block_keys(const struct sattn_attention_problem *p, const struct row_block *rb) {
    const struct key_range first = sattn_visible_keys(p, rb->b, rb->i0);
    const struct key_range last = sattn_visible_keys(p, rb->b, rb->i0 + rb->qn - 1);
    return (struct key_range){first.lo, last.hi > first.hi ? last.hi : first.hi};
}

/* Logits of keys [j0, j0+nk) in s (row r at s + r*ld_s) become weights in place (zero where a
 * row sees nothing), and each row's running max m, sum l and accumulator acc (dv per row) are
 * updated; bias and masks are applied here. */
void sattn_online_softmax_block(const struct sattn_kernels *k, const struct sattn_attention_problem *p,
                                const struct row_block *rb, size_t j0, size_t nk, float *s, size_t ld_s, float *m,
                                float *l, float *acc);

/* out = acc / l for every row of the block (zeros for a row that saw no key). */
void sattn_store_rows(const struct sattn_kernels *k, const struct sattn_attention_problem *p, const struct row_block *rb,
                      const float *acc, const float *l);

#endif

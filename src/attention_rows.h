/* The row algebra both attention drivers share (attention_prefill.c: blocks of many rows;
 * attention_decode.c: a few rows, keys split in chunks): which keys a query sees, and the online
 * softmax state of a row from its first logit to its output row. Every logit feature lives in
 * attention_rows.c, once, whichever driver computed the logits. */
#ifndef SATTN_ATTENTION_ROWS_H
#define SATTN_ATTENTION_ROWS_H

#include "internal.h"

/* Rows r of a block are the pairs (head h0 + r/qn, query i0 + r%qn) of batch b. */
struct row_block {
    size_t b, h0, i0, qn, rows;
};

/* Visible keys of query i in sequence b: [lo, hi). Offsets are signed: q_len_b may exceed kv_len_b. */
struct key_range {
    ptrdiff_t lo, hi;
};

/* off_b = kv_len_b - q_len_b: causal, window and ALiBi are anchored at each sequence's own last rows. */
static inline ptrdiff_t sattn_seq_offset(const struct sattn_attention_problem *p, size_t b) {
    return (ptrdiff_t)sattn_seq_kv_len(p, b) - (ptrdiff_t)sattn_seq_q_len(p, b);
}

static inline struct key_range sattn_visible_keys(const struct sattn_attention_problem *p, size_t b, size_t i) {
    const ptrdiff_t diag = (ptrdiff_t)i + sattn_seq_offset(p, b);
    ptrdiff_t hi = (ptrdiff_t)sattn_seq_kv_len(p, b);
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

/* The online softmax state of a block of rows: running max m and sum l per row, and the
 * accumulator, dv floats per row. A decode partial is one, stored contiguously (row_state_at). */
struct row_state {
    float *m, *l, *acc;
};

static inline size_t sattn_row_state_floats(size_t rows, size_t dv) { return 2 * rows + rows * dv; }

static inline struct row_state sattn_row_state_at(float *base, size_t rows) {
    return (struct row_state){base, base + rows, base + 2 * rows};
}

/* Before the first key: m = -inf, l = 0, acc = 0. */
void sattn_rows_start(struct row_state st, size_t rows, size_t dv);

/* Where the weights go rounded to 16 bits, for a reduced-precision P·V: row r's keys [j0 + v0, j0 + nk) at
 * rows + r * ld (ld >= nk - v0; zero past the row's visible keys, up to ld), made by exp (row_ops). v0 is at
 * most the first key any row of the block sees. pending_scale: 1, or the problem's scale (> 0) when the logits
 * in s are not scaled yet (the driver leaves that to exp's FMA only where no softcap, bias or ALiBi needs the
 * scaled logits first). */
struct p16_rows {
    uint16_t *rows;
    size_t ld, v0;
    sattn_raddstoreexpminusmax_x16_fn exp;
    float pending_scale;
};

/* Logits of keys [j0, j0+nk) in s (row r at s + r*ld_s) become weights in place (zero where a row
 * sees nothing), or in p16's rows instead when it is not NULL (s then holds no weights); bias and masks are
 * applied here, and each row's m, l and acc are updated. */
void sattn_rows_update(const struct sattn_row_ops *k, const struct sattn_attention_problem *p,
                       const struct row_block *rb, size_t j0, size_t nk, float *s, size_t ld_s, struct row_state st,
                       const struct p16_rows *p16);

/* Merges `count` partial states of the same rows, stored `stride` floats apart from `first`
 * (row_state_at layout), in their order: m = max m_c, l = sum l_c e^(m_c - m), acc likewise. */
void sattn_rows_merge(size_t rows, size_t dv, const float *first, size_t count, size_t stride, struct row_state out);

/* Writes out = acc / l for every row of the block (zeros for a row that saw no key), with the sink in
 * the denominator when there are sinks, and the row's log-sum-exp when lse is asked for. */
void sattn_rows_finish(const struct sattn_kernels *k, const struct sattn_attention_problem *p,
                       const struct row_block *rb, struct row_state st);

/* Row r of sattn_attention_merge: out = sum_p e^{lses[p][r] - lse} outs[p][r*ld_in ..] in part order, lse =
 * log sum_p e^{lses[p][r]} (zeros and -inf when every lse is -inf; lse may be NULL). out may be outs[0]'s row. */
void sattn_rows_merge_lse(const struct sattn_row_ops *k, size_t parts, size_t dim, const float *const *outs,
                          size_t ld_in, const float *const *lses, size_t r, float *out, float *lse);

#endif

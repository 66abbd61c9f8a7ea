/* sattn_attention_merge: rows are independent, so they are split across threads; each row is the
 * row algebra's merge of (output, log-sum-exp) pairs in part order, so the bits do not depend on
 * the thread count. */
#include "attention_rows.h"

struct merge_step {
    const struct sattn_row_ops *k;
    size_t parts, dim, ld_in, ld_out;
    const float *const *outs;
    const float *const *lses;
    float *out, *lse;
};

static void merge_row(void *arg, size_t r, size_t worker) {
    const struct merge_step *s = arg;
    (void)worker;
    sattn_rows_merge_lse(s->k, s->parts, s->dim, s->outs, s->ld_in, s->lses, r, s->out + r * s->ld_out, s->lse);
}

sattn_status sattn_attention_merge_run(const struct sattn_exec *x, size_t parts, size_t rows, size_t dim,
                                       const float *const *outs, size_t ld_in, const float *const *lses, float *out,
                                       size_t ld_out, float *lse) {
    /* A row is a few hundred bytes per part: below a few thousand rows per worker, waking workers
     * costs more than it saves. */
    const size_t workers = sattn_workers_for(x, rows * parts * dim, 65536);
    struct merge_step s = {.k = &x->k->row, .parts = parts, .dim = dim, .ld_in = ld_in, .ld_out = ld_out,
                           .outs = outs, .lses = lses, .out = out, .lse = lse};
    sattn_parallel(x, workers, rows, SATTN_STATIC, merge_row, &s);
    return SATTN_OK;
}

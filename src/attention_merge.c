/* sattn_attention_merge: rows are independent, so they are split across threads; each row is the
 * row algebra's merge of (output, log-sum-exp) pairs in part order, so the bits do not depend on
 * the thread count. */
#include "attention_rows.h"

sattn_status sattn_attention_merge_run(const struct sattn_exec *x, size_t parts, size_t rows, size_t dim,
                                       const float *const *outs, size_t ld_in, const float *const *lses, float *out,
                                       size_t ld_out, float *lse) {
    /* A row is a few hundred bytes per part: below a few thousand rows per thread, starting threads
     * costs more than it saves. */
    const size_t useful = sattn_max(1, rows * parts * dim / 65536);
    const int threads = (size_t)x->threads > useful ? (int)useful : x->threads;
    (void)threads; /* unused without OpenMP */
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (size_t r = 0; r < rows; r++)
        sattn_rows_merge_lse(&x->k->row, parts, dim, outs, ld_in, lses, r, out + r * ld_out, lse);
    return SATTN_OK;
}

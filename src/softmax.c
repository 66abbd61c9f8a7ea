/* The softmax driver: rows are independent, so they are split across threads; each row is
 * max, exp-and-sum (stored), then one scale by the reciprocal of the sum. */
#include <math.h>
#include <string.h>

#include "internal.h"

sattn_status sattn_softmax_run(const struct sattn_exec *x, size_t rows, size_t cols, const float *x_in, size_t ldx,
                               float *y, size_t ldy) {
    if (rows == 0 || cols == 0) return SATTN_OK;
    const struct sattn_row_ops *k = &x->k->row;
    int threads = x->threads;
    /* Below a few thousand elements per thread, starting threads costs more than it saves. */
    const size_t min_elements_per_thread = 16384;
    size_t useful = sattn_max(1, rows * cols / min_elements_per_thread);
    if ((size_t)threads > useful) threads = (int)useful;
    if ((size_t)threads > rows) threads = (int)rows;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x_in + r * ldx;
        float *yr = y + r * ldy;
        const float max = k->rmax(cols, xr);
        if (max == -INFINITY && !sattn_has_nan(cols, xr)) { /* every logit -inf: the row is zero */
            memset(yr, 0, cols * sizeof *yr);
            continue;
        }
        const float sum = k->raddstoreexpminusmax(cols, xr, max, yr);
        k->vscale(cols, yr, 1.0f / sum, yr);
    }
    return SATTN_OK;
}

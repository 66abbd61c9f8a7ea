/* The softmax driver: rows are independent, so they are split across threads; each row is
 * max, exp-and-sum (stored), then one scale by the reciprocal of the sum. */
#include <math.h>
#include <string.h>

#include "internal.h"

struct softmax_step {
    const struct sattn_row_ops *k;
    size_t cols, ldx, ldy;
    const float *x;
    float *y;
};

static void softmax_row(void *arg, size_t r, size_t worker) {
    const struct softmax_step *s = arg;
    const size_t cols = s->cols;
    const float *xr = s->x + r * s->ldx;
    float *yr = s->y + r * s->ldy;
    (void)worker;
    const float max = s->k->rmax(cols, xr);
    if (max == -INFINITY && !sattn_has_nan(cols, xr)) { /* every logit -inf: the row is zero */
        memset(yr, 0, cols * sizeof *yr);
        return;
    }
    const float sum = s->k->raddstoreexpminusmax(cols, xr, max, yr);
    s->k->vscale(cols, yr, 1.0f / sum, yr);
}

sattn_status sattn_softmax_run(const struct sattn_exec *x, size_t rows, size_t cols, const float *x_in, size_t ldx,
                               float *y, size_t ldy) {
    if (rows == 0 || cols == 0) return SATTN_OK;
    /* Below a few thousand elements per worker, waking workers costs more than it saves. */
    const size_t workers = sattn_workers_for(x, rows * cols, 16384);
    struct softmax_step s = {.k = &x->k->row, .cols = cols, .ldx = ldx, .ldy = ldy, .x = x_in, .y = y};
    sattn_parallel(x, workers, rows, SATTN_STATIC, softmax_row, &s);
    return SATTN_OK;
}

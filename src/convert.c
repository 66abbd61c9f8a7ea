/* The conversion drivers: sattn_convert in blocks and sattn_quantize by rows, split across
 * threads; every element's result depends on its own block or row only, so any thread count
 * gives the same bits. */
#include <string.h>

#include "internal.h"

/* Elements per block: large enough that a block's call is noise, small enough to spread 1M elements. */
#define CONVERT_BLOCK 16384

/* Threads worth starting for `work` elements: a thread gets at least 16K. */
static int threads_for(const struct sattn_exec *x, size_t work) {
    const size_t useful = sattn_max(1, work / 16384);
    return (size_t)x->threads > useful ? (int)useful : x->threads;
}

sattn_status sattn_convert_run(const struct sattn_exec *x, sattn_dtype from, sattn_dtype to, size_t n, const void *src,
                               void *dst) {
    if (from == to) { /* a copy, or nothing in place */
        if (src != dst) memcpy(dst, src, n * sattn_dtype_bits(from) / 8);
        return SATTN_OK;
    }
    const size_t blocks = sattn_div_up(n, CONVERT_BLOCK);
    const int threads = threads_for(x, n);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (size_t b = 0; b < blocks; b++) {
        const size_t i = b * CONVERT_BLOCK, m = sattn_min(CONVERT_BLOCK, n - i);
        if (from == SATTN_DTYPE_F32)
            x->k->convert[to].from_f32(m, (const float *)src + i, (void *)sattn_elem_addr(dst, to, i), 0, NULL);
        else
            x->k->convert[from].to_f32(m, sattn_elem_addr(src, from, i), NULL, 0, (float *)dst + i);
    }
    return SATTN_OK;
}

sattn_status sattn_quantize_run(const struct sattn_exec *x, sattn_dtype to, size_t rows, size_t cols, size_t group,
                                const float *in, size_t ldx, void *q, size_t ldq, float *scales) {
    const size_t groups = cols / group;
    const int threads = threads_for(x, rows * cols);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (size_t r = 0; r < rows; r++)
        x->k->convert[to].from_f32(cols, in + r * ldx, (void *)sattn_elem_addr(q, to, r * ldq), group,
                                   scales + r * groups);
    return SATTN_OK;
}

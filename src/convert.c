/* The conversion drivers: sattn_convert in blocks and sattn_quantize by rows, split across
 * threads; every element's result depends on its own block or row only, so any thread count
 * gives the same bits. */
#include <string.h>

#include "internal.h"

/* Elements per block: large enough that a block's call is noise, small enough to spread 1M elements. */
#define CONVERT_BLOCK 16384

/* A worker gets at least this many elements. */
#define ELEMENTS_PER_WORKER 16384

/* sattn_quantize prefetches the input row this many bytes ahead of the row it quantises. Its kernels' work per
 * element (the group's reduction, a division, a scalar scale broadcast back) fills the core's window, so the loads
 * of the rows after it start late and the stream and the arithmetic take turns: on this project's AMX Xeon VM
 * (1 thread, 64 Mi elements, AVX2 kernels, ns per element) int8 in rows of 128 took 0.555 with no prefetch (0.20
 * in L1), 0.427 / 0.401 / 0.397 / 0.399 / 0.414 at 1 / 2 / 4 / 8 / 16 KiB ahead; rows of 32 0.610 -> 0.418 at 2
 * KiB, rows of 1024 0.500 -> 0.440 and of 4096 0.538 -> 0.484 one row ahead. */
#define QUANTIZE_PREFETCH_BYTES 4096

struct convert_step {
    const struct sattn_kernels *k;
    sattn_dtype from, to;
    size_t n, rows, cols, group, ldx, ldq;
    size_t prefetch_rows; /* sattn_quantize: rows ahead of the current one to prefetch */
    const void *src;
    void *dst;
    float *scales;
};

static void convert_block(void *arg, size_t b, size_t worker) {
    const struct convert_step *s = arg;
    const size_t i = b * CONVERT_BLOCK, m = sattn_min(CONVERT_BLOCK, s->n - i);
    (void)worker;
    if (s->from == SATTN_DTYPE_F32)
        s->k->convert[s->to].from_f32(m, (const float *)s->src + i, (void *)sattn_elem_addr(s->dst, s->to, i), 0, NULL);
    else
        s->k->convert[s->from].to_f32(m, sattn_elem_addr(s->src, s->from, i), NULL, 0, (float *)s->dst + i);
}

sattn_status sattn_convert_run(const struct sattn_exec *x, sattn_dtype from, sattn_dtype to, size_t n, const void *src,
                               void *dst) {
    if (from == to) { /* a copy, or nothing in place */
        if (src != dst) memcpy(dst, src, n * sattn_dtype_bits(from) / 8);
        return SATTN_OK;
    }
    struct convert_step s = {.k = x->k, .from = from, .to = to, .n = n, .src = src, .dst = dst};
    sattn_parallel(x, sattn_workers_for(x, n, ELEMENTS_PER_WORKER), sattn_div_up(n, CONVERT_BLOCK), SATTN_STATIC,
                   convert_block, &s);
    return SATTN_OK;
}

static void quantize_row(void *arg, size_t r, size_t worker) {
    const struct convert_step *s = arg;
    (void)worker;
    if (r + s->prefetch_rows < s->rows)
        sattn_prefetch_row_run((const float *)s->src + (r + s->prefetch_rows) * s->ldx, 1, 0, s->cols * sizeof(float));
    s->k->convert[s->to].from_f32(s->cols, (const float *)s->src + r * s->ldx,
                                  (void *)sattn_elem_addr(s->dst, s->to, r * s->ldq), s->group,
                                  s->scales + r * (s->cols / s->group));
}

sattn_status sattn_quantize_run(const struct sattn_exec *x, sattn_dtype to, size_t rows, size_t cols, size_t group,
                                const float *in, size_t ldx, void *q, size_t ldq, float *scales) {
    struct convert_step s = {.k = x->k, .to = to, .rows = rows, .cols = cols, .group = group, .ldx = ldx, .ldq = ldq,
                             .prefetch_rows = sattn_div_up(QUANTIZE_PREFETCH_BYTES, cols * sizeof(float)), .src = in,
                             .dst = q, .scales = scales};
    sattn_parallel(x, sattn_workers_for(x, rows * cols, ELEMENTS_PER_WORKER), rows, SATTN_STATIC, quantize_row,
                   &s);
    return SATTN_OK;
}

/* The unfused baseline: OpenBLAS sgemm around a plain softmax loop, with an S x S matrix. */
#include <math.h>
#include <string.h>

#include "peers.h"

#if SATTN_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#include <omp.h>

static int threads = 1; /* for the softmax loop between the two sgemm calls */

void peer_openblas_threads(int n) {
    openblas_set_num_threads(n);
    threads = n;
}
const char *peer_openblas_config(void) { return openblas_get_config(); }

void peer_openblas_attention(size_t bh, size_t q_len, size_t kv_len, size_t d, float scale, int causal,
                             const float *q, const float *k, const float *v, float *out, float *s) {
    /* Heads across OpenMP threads, each calling single-threaded OpenBLAS with its own S matrix:
     * how engines drive BLAS for attention, and no spinning BLAS workers fighting the softmax. */
    const int outer = threads;
    openblas_set_num_threads(1);
#pragma omp parallel for num_threads(outer) schedule(static)
    for (size_t i = 0; i < bh; i++) {
        float *si = s + (size_t)omp_get_thread_num() * q_len * kv_len;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)q_len, (int)kv_len, (int)d, scale, q + i * q_len * d,
                    (int)d, k + i * kv_len * d, (int)d, 0.0f, si, (int)kv_len);
        if (causal)
            for (size_t r = 0; r < q_len; r++)
                for (size_t c = r + kv_len - q_len + 1; c < kv_len; c++) si[r * kv_len + c] = -INFINITY;
        peer_plain_softmax(q_len, kv_len, si, si, 1);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)q_len, (int)d, (int)kv_len, 1.0f, si, (int)kv_len,
                    v + i * kv_len * d, (int)d, 0.0f, out + i * q_len * d, (int)d);
    }
    openblas_set_num_threads(outer);
}

void peer_openblas_sgemm(size_t m, size_t n, size_t k, const float *a, const float *b, float *c) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)k, b, (int)n, 0.0f, c,
                (int)n);
}

#endif

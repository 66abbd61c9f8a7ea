/* Portable decode kernels: dot products of query rows with keys in place, and the P·V update
 * as one axpy per key. Four partial sums per dot keep the chains short; their order is fixed. */
#include "../kernels.h"
#include "scalar.h"

void sattn_f32_qk_dot__scalar(size_t rows, size_t n, size_t d, const float *q, size_t ldq, const float *k, size_t ldk,
                              float scale, float *s, size_t lds) {
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++) {
            const float *qr = q + r * ldq, *kj = k + j * ldk;
            float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
            size_t c = 0;
            for (; c + 4 <= d; c += 4) {
                s0 += qr[c] * kj[c], s1 += qr[c + 1] * kj[c + 1];
                s2 += qr[c + 2] * kj[c + 2], s3 += qr[c + 3] * kj[c + 3];
            }
            for (; c < d; c++) s0 += qr[c] * kj[c];
            s[r * lds + j] = scale * ((s0 + s1) + (s2 + s3));
        }
}

void sattn_f32_pv_accumulate__scalar(size_t rows, size_t n, size_t dv, const float *p, size_t ldp, const float *v,
                                     size_t ldv, float *acc, size_t ldacc) {
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++) {
            const float w = p[r * ldp + j];
            const float *vj = v + j * ldv;
            float *a = acc + r * ldacc;
            for (size_t c = 0; c < dv; c++) a[c] += w * vj[c];
        }
}

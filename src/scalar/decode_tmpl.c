/* Portable decode kernels, compiled once per element type (tmpl.h): dot products of query rows
 * with keys in place, and the P·V update as one axpy per key. Four partial sums per dot keep the
 * chains short; their order is fixed. Elements become float where they are read. */
#include "../tmpl.h"
#include "scalar.h"

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_dot, scalar)) {
    const sattn_elem_t *keys = k;
    const float scale = params->scale;
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++) {
            const float *qr = q + r * ldq;
            const sattn_elem_t *kj = keys + j * ldk;
            float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
            size_t c = 0;
            for (; c + 4 <= d; c += 4) {
                s0 += qr[c] * sattn_elem_to_float(kj[c]), s1 += qr[c + 1] * sattn_elem_to_float(kj[c + 1]);
                s2 += qr[c + 2] * sattn_elem_to_float(kj[c + 2]), s3 += qr[c + 3] * sattn_elem_to_float(kj[c + 3]);
            }
            for (; c < d; c++) s0 += qr[c] * sattn_elem_to_float(kj[c]);
            s[r * lds + j] = scale * ((s0 + s1) + (s2 + s3));
        }
}

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_accumulate, scalar)) {
    (void)params;
    const sattn_elem_t *values = v;
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++) {
            const float w = p[r * ldp + j];
            const sattn_elem_t *vj = values + j * ldv;
            float *a = acc + r * ldacc;
            for (size_t c = 0; c < dv; c++) a[c] += w * sattn_elem_to_float(vj[c]);
        }
}

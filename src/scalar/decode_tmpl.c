/* Portable decode kernels, compiled once per element type (tmpl.h): dot products of query rows
 * with keys in place, and the P·V update as one axpy per key. Four partial sums per dot keep the
 * chains short; their order is fixed. Elements become float where they are read. */
#include "../tmpl.h"
#include "scalar.h"

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_dot, scalar)) {
    const float scale = params->scale;
    const struct sattn_scales *sc = &params->kv;
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++) {
            const float *qr = q + r * ldq;
            const sattn_elem_t *kj = SATTN_TMPL_ROW(k, j, ldk);
            const float *sj = SATTN_TMPL_QUANT ? sc->at + j * sc->ld : NULL;
#define K_AT(c) sattn_elem_get(kj, (c), sj, sc->group)
            float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
            size_t c = 0;
            for (; c + 4 <= d; c += 4) {
                s0 += qr[c] * K_AT(c), s1 += qr[c + 1] * K_AT(c + 1);
                s2 += qr[c + 2] * K_AT(c + 2), s3 += qr[c + 3] * K_AT(c + 3);
            }
            for (; c < d; c++) s0 += qr[c] * K_AT(c);
#undef K_AT
            s[r * lds + j] = scale * ((s0 + s1) + (s2 + s3));
        }
}

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_accumulate, scalar)) {
    const struct sattn_scales *sc = &params->kv;
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++) {
            const float w = p[r * ldp + j];
            const sattn_elem_t *vj = SATTN_TMPL_ROW(v, j, ldv);
            const float *sj = SATTN_TMPL_QUANT ? sc->at + j * sc->ld : NULL;
            float *a = acc + r * ldacc;
            for (size_t c = 0; c < dv; c++) a[c] += w * sattn_elem_get(vj, c, sj, sc->group);
        }
}

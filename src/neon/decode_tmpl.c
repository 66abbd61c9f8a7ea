/* Decode kernels, 4 lanes, compiled once per element type (tmpl.h; K and V become float in
 * load_elems), the AVX2 folder's shapes: qk_dot keeps two query rows x four keys
 * in eight accumulators over d (pairwise adds give a row's four dot products); pv_accumulate
 * adds four keys into each accumulator vector in key order, reading V rows front to back. Both
 * prefetch 4 KiB ahead, as AVX2 does (no ARM hardware timed yet). d and dv tails go through buffers. */
#include "../tmpl.h"
#include "neon.h"

#define PREFETCH_KEYS 8

static inline float32x4_t load_part(const float *x, size_t n) {
    return n >= 4 ? vld1q_f32(x) : sattn_neon_load_tail(x, n, 0.0f);
}

static inline float32x4_t load_elems(const sattn_elem_t *x, size_t n) {
#if SATTN_TMPL_IS_F32
    return load_part(x, n);
#else
#error "load_elems: no conversion for this element type yet"
#endif
}

static inline float32x4_t sum4(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
    return vpaddq_f32(vpaddq_f32(a0, a1), vpaddq_f32(a2, a3));
}

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_dot, neon)) {
    const sattn_elem_t *keys = k;
    const float scale = params->scale;
    for (size_t r = 0; r < rows; r += 2) {
        const float *q0 = q + r * ldq, *q1 = SATTN_TILE_ROW(q0, ldq, 1, rows - r);
        for (size_t j = 0; j < n; j += 4) {
            const size_t nj = n - j < 4 ? n - j : 4;
            const sattn_elem_t *k0 = keys + j * ldk, *k1 = SATTN_TILE_ROW(k0, ldk, 1, nj);
            const sattn_elem_t *k2 = SATTN_TILE_ROW(k0, ldk, 2, nj), *k3 = SATTN_TILE_ROW(k0, ldk, 3, nj);
            if (j + PREFETCH_KEYS < n)
                sattn_prefetch_rows(keys + (j + PREFETCH_KEYS) * ldk, ldk * sizeof *keys, d * sizeof *keys);
            float32x4_t a00 = vdupq_n_f32(0.0f), a01 = a00, a02 = a00, a03 = a00;
            float32x4_t a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            for (size_t c = 0; c < d; c += 4) {
                const size_t w = d - c;
                const float32x4_t x0 = load_part(q0 + c, w), x1 = load_part(q1 + c, w);
                float32x4_t y = load_elems(k0 + c, w);
                a00 = vfmaq_f32(a00, x0, y), a10 = vfmaq_f32(a10, x1, y);
                y = load_elems(k1 + c, w);
                a01 = vfmaq_f32(a01, x0, y), a11 = vfmaq_f32(a11, x1, y);
                y = load_elems(k2 + c, w);
                a02 = vfmaq_f32(a02, x0, y), a12 = vfmaq_f32(a12, x1, y);
                y = load_elems(k3 + c, w);
                a03 = vfmaq_f32(a03, x0, y), a13 = vfmaq_f32(a13, x1, y);
            }
            const float32x4_t vs = vdupq_n_f32(scale);
            sattn_neon_store_tail(s + r * lds + j, nj, vmulq_f32(vs, sum4(a00, a01, a02, a03)));
            if (r + 1 < rows) sattn_neon_store_tail(s + (r + 1) * lds + j, nj, vmulq_f32(vs, sum4(a10, a11, a12, a13)));
        }
    }
}

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_accumulate, neon)) {
    (void)params;
    const sattn_elem_t *values = v;
    for (size_t r = 0; r < rows; r += 2) {
        const int two = r + 1 < rows;
        const float *p0 = p + r * ldp, *p1 = SATTN_TILE_ROW(p0, ldp, 1, rows - r);
        float *c0 = acc + r * ldacc, *c1 = two ? c0 + ldacc : c0;
        for (size_t j = 0; j < n; j += 4) {
            const size_t nj = n - j < 4 ? n - j : 4;
            /* Keys past n get weight 0 and repeat the last key (read, never past the end). */
            const sattn_elem_t *v0 = values + j * ldv, *v1 = SATTN_TILE_ROW(v0, ldv, 1, nj);
            const sattn_elem_t *v2 = SATTN_TILE_ROW(v0, ldv, 2, nj), *v3 = SATTN_TILE_ROW(v0, ldv, 3, nj);
            const float w00 = p0[j], w01 = nj > 1 ? p0[j + 1] : 0.0f, w02 = nj > 2 ? p0[j + 2] : 0.0f;
            const float w03 = nj > 3 ? p0[j + 3] : 0.0f, w10 = p1[j], w11 = nj > 1 ? p1[j + 1] : 0.0f;
            const float w12 = nj > 2 ? p1[j + 2] : 0.0f, w13 = nj > 3 ? p1[j + 3] : 0.0f;
            if (j + PREFETCH_KEYS < n)
                sattn_prefetch_rows(values + (j + PREFETCH_KEYS) * ldv, ldv * sizeof *values, dv * sizeof *values);
            /* Each accumulator vector takes the four keys in order: the sum is j-ordered. */
            for (size_t c = 0; c < dv; c += 4) {
                const size_t w = dv - c;
                const float32x4_t y0 = load_elems(v0 + c, w), y1 = load_elems(v1 + c, w);
                const float32x4_t y2 = load_elems(v2 + c, w), y3 = load_elems(v3 + c, w);
                float32x4_t x0 = load_part(c0 + c, w), x1 = load_part(c1 + c, w);
                x0 = vfmaq_n_f32(x0, y0, w00), x1 = vfmaq_n_f32(x1, y0, w10);
                x0 = vfmaq_n_f32(x0, y1, w01), x1 = vfmaq_n_f32(x1, y1, w11);
                x0 = vfmaq_n_f32(x0, y2, w02), x1 = vfmaq_n_f32(x1, y2, w12);
                x0 = vfmaq_n_f32(x0, y3, w03), x1 = vfmaq_n_f32(x1, y3, w13);
                if (w >= 4) {
                    if (two) vst1q_f32(c1 + c, x1);
                    vst1q_f32(c0 + c, x0);
                } else {
                    if (two) sattn_neon_store_tail(c1 + c, w, x1);
                    sattn_neon_store_tail(c0 + c, w, x0);
                }
            }
        }
    }
}

/* Decode kernels, 4 lanes, compiled once per element type (tmpl.h; K and V become float in
 * load_elems), the AVX2 folder's shapes: qk_dot keeps two query rows x four keys
 * in eight accumulators over d (pairwise adds give a row's four dot products); pv_accumulate
 * adds four keys into each accumulator vector in key order, reading V rows front to back. Both
 * prefetch params->prefetch_keys ahead (NEON's default 4 KiB, as AVX2's; no ARM hardware timed yet). d and dv tails go through buffers. */
#include "../tmpl.h"
#include "elems.h"
#include "neon.h"

#define KEY_ROW(x, t) SATTN_TMPL_KEY(x, ld##x, j, t, nj)
#define KEY_SCALES(t) SATTN_TMPL_KEY_SCALES(sc, j, t, nj)
#define ROW_BYTES SATTN_TMPL_ROW_BYTES

static inline float32x4_t load_part(const float *x, size_t n) {
    return n >= 4 ? vld1q_f32(x) : sattn_neon_load_tail(x, n, 0.0f);
}


static inline float32x4_t sum4(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
    return vpaddq_f32(vpaddq_f32(a0, a1), vpaddq_f32(a2, a3));
}

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_dot, neon)) {
    const size_t pf = params->prefetch_keys;
    const float scale = params->scale;
    const struct sattn_scales *sc = &params->kv;
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    for (size_t r = 0; r < rows; r += 2) {
        const float *q0 = q + r * ldq, *q1 = SATTN_TILE_ROW(q0, ldq, 1, rows - r);
        for (size_t j = 0; j < n; j += 4) {
            const size_t nj = n - j < 4 ? n - j : 4;
            const sattn_elem_t *k0 = KEY_ROW(k, 0), *k1 = KEY_ROW(k, 1), *k2 = KEY_ROW(k, 2), *k3 = KEY_ROW(k, 3);
            const float *ks0 = KEY_SCALES(0), *ks1 = KEY_SCALES(1), *ks2 = KEY_SCALES(2), *ks3 = KEY_SCALES(3);
            if (pf && j + pf < n)
                sattn_prefetch_rows(SATTN_TMPL_ROW(k, j + pf, ldk), ROW_BYTES(ldk), ROW_BYTES(d));
            float32x4_t a00 = vdupq_n_f32(0.0f), a01 = a00, a02 = a00, a03 = a00;
            float32x4_t a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            for (size_t c = 0; c < d; c += 4) {
                const size_t w = d - c;
                const float32x4_t x0 = load_part(q0 + c, w), x1 = load_part(q1 + c, w);
                float32x4_t y = sattn_neon_load_elems(k0, c, w, ks0, g);
                a00 = vfmaq_f32(a00, x0, y), a10 = vfmaq_f32(a10, x1, y);
                y = sattn_neon_load_elems(k1, c, w, ks1, g);
                a01 = vfmaq_f32(a01, x0, y), a11 = vfmaq_f32(a11, x1, y);
                y = sattn_neon_load_elems(k2, c, w, ks2, g);
                a02 = vfmaq_f32(a02, x0, y), a12 = vfmaq_f32(a12, x1, y);
                y = sattn_neon_load_elems(k3, c, w, ks3, g);
                a03 = vfmaq_f32(a03, x0, y), a13 = vfmaq_f32(a13, x1, y);
            }
            const float32x4_t vs = vdupq_n_f32(scale);
            sattn_neon_store_tail(s + r * lds + j, nj, vmulq_f32(vs, sum4(a00, a01, a02, a03)));
            if (r + 1 < rows) sattn_neon_store_tail(s + (r + 1) * lds + j, nj, vmulq_f32(vs, sum4(a10, a11, a12, a13)));
        }
    }
}

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_accumulate, neon)) {
    const size_t pf = params->prefetch_keys;
    const struct sattn_scales *sc = &params->kv;
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    for (size_t r = 0; r < rows; r += 2) {
        const int two = r + 1 < rows;
        const float *p0 = p + r * ldp, *p1 = SATTN_TILE_ROW(p0, ldp, 1, rows - r);
        float *c0 = acc + r * ldacc, *c1 = two ? c0 + ldacc : c0;
        for (size_t j = 0; j < n; j += 4) {
            const size_t nj = n - j < 4 ? n - j : 4;
            /* Keys past n get weight 0 and repeat the last key (read, never past the end). */
            const sattn_elem_t *v0 = KEY_ROW(v, 0), *v1 = KEY_ROW(v, 1), *v2 = KEY_ROW(v, 2), *v3 = KEY_ROW(v, 3);
            const float *e0 = KEY_SCALES(0), *e1 = KEY_SCALES(1), *e2 = KEY_SCALES(2), *e3 = KEY_SCALES(3);
            const float w00 = p0[j], w01 = nj > 1 ? p0[j + 1] : 0.0f, w02 = nj > 2 ? p0[j + 2] : 0.0f;
            const float w03 = nj > 3 ? p0[j + 3] : 0.0f, w10 = p1[j], w11 = nj > 1 ? p1[j + 1] : 0.0f;
            const float w12 = nj > 2 ? p1[j + 2] : 0.0f, w13 = nj > 3 ? p1[j + 3] : 0.0f;
            if (pf && j + pf < n)
                sattn_prefetch_rows(SATTN_TMPL_ROW(v, j + pf, ldv), ROW_BYTES(ldv), ROW_BYTES(dv));
            /* Each accumulator vector takes the four keys in order: the sum is j-ordered. */
            for (size_t c = 0; c < dv; c += 4) {
                const size_t w = dv - c;
                const float32x4_t y0 = sattn_neon_load_elems(v0, c, w, e0, g), y1 = sattn_neon_load_elems(v1, c, w, e1, g);
                const float32x4_t y2 = sattn_neon_load_elems(v2, c, w, e2, g), y3 = sattn_neon_load_elems(v3, c, w, e3, g);
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

/* Decode kernels, 4 lanes, the AVX2 folder's shapes: qk_dot keeps two query rows x four keys
 * in eight accumulators over d (pairwise adds give a row's four dot products), pv_accumulate
 * two rows x 16 columns of the accumulator over all keys. d and dv tails go through buffers. */
#include "neon.h"

static inline float32x4_t load_part(const float *x, size_t n) {
    return n >= 4 ? vld1q_f32(x) : sattn_neon_load_tail(x, n, 0.0f);
}

static inline float32x4_t sum4(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
    return vpaddq_f32(vpaddq_f32(a0, a1), vpaddq_f32(a2, a3));
}

void sattn_f32_qk_dot__neon(size_t rows, size_t n, size_t d, const float *q, size_t ldq, const float *k, size_t ldk,
                            float scale, float *s, size_t lds) {
    for (size_t r = 0; r < rows; r += 2) {
        const float *q0 = q + r * ldq, *q1 = q + (r + 1 < rows ? r + 1 : r) * ldq;
        for (size_t j = 0; j < n; j += 4) {
            const size_t nj = n - j < 4 ? n - j : 4;
            const float *k0 = k + j * ldk, *k1 = k + (j + (nj > 1)) * ldk;
            const float *k2 = k + (j + (nj > 2 ? 2 : 0)) * ldk, *k3 = k + (j + (nj > 3 ? 3 : 0)) * ldk;
            float32x4_t a00 = vdupq_n_f32(0.0f), a01 = a00, a02 = a00, a03 = a00;
            float32x4_t a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            for (size_t c = 0; c < d; c += 4) {
                const size_t w = d - c;
                const float32x4_t x0 = load_part(q0 + c, w), x1 = load_part(q1 + c, w);
                float32x4_t y = load_part(k0 + c, w);
                a00 = vfmaq_f32(a00, x0, y), a10 = vfmaq_f32(a10, x1, y);
                y = load_part(k1 + c, w);
                a01 = vfmaq_f32(a01, x0, y), a11 = vfmaq_f32(a11, x1, y);
                y = load_part(k2 + c, w);
                a02 = vfmaq_f32(a02, x0, y), a12 = vfmaq_f32(a12, x1, y);
                y = load_part(k3 + c, w);
                a03 = vfmaq_f32(a03, x0, y), a13 = vfmaq_f32(a13, x1, y);
            }
            const float32x4_t vs = vdupq_n_f32(scale);
            sattn_neon_store_tail(s + r * lds + j, nj, vmulq_f32(vs, sum4(a00, a01, a02, a03)));
            if (r + 1 < rows) sattn_neon_store_tail(s + (r + 1) * lds + j, nj, vmulq_f32(vs, sum4(a10, a11, a12, a13)));
        }
    }
}

void sattn_f32_pv_accumulate__neon(size_t rows, size_t n, size_t dv, const float *p, size_t ldp, const float *v,
                                   size_t ldv, float *acc, size_t ldacc) {
    for (size_t r = 0; r < rows; r += 2) {
        const int two = r + 1 < rows;
        const float *p0 = p + r * ldp, *p1 = p + (two ? r + 1 : r) * ldp;
        float *c0 = acc + r * ldacc, *c1 = acc + (two ? r + 1 : r) * ldacc;
        for (size_t c = 0; c < dv; c += 16) {
            if (dv - c >= 16) {
                float32x4_t x00 = vld1q_f32(c0 + c), x01 = vld1q_f32(c0 + c + 4);
                float32x4_t x02 = vld1q_f32(c0 + c + 8), x03 = vld1q_f32(c0 + c + 12);
                float32x4_t x10 = vld1q_f32(c1 + c), x11 = vld1q_f32(c1 + c + 4);
                float32x4_t x12 = vld1q_f32(c1 + c + 8), x13 = vld1q_f32(c1 + c + 12);
                for (size_t j = 0; j < n; j++) {
                    const float *vj = v + j * ldv + c;
                    const float32x4_t y0 = vld1q_f32(vj), y1 = vld1q_f32(vj + 4);
                    const float32x4_t y2 = vld1q_f32(vj + 8), y3 = vld1q_f32(vj + 12);
                    const float w0 = p0[j], w1 = p1[j];
                    x00 = vfmaq_n_f32(x00, y0, w0), x01 = vfmaq_n_f32(x01, y1, w0);
                    x02 = vfmaq_n_f32(x02, y2, w0), x03 = vfmaq_n_f32(x03, y3, w0);
                    x10 = vfmaq_n_f32(x10, y0, w1), x11 = vfmaq_n_f32(x11, y1, w1);
                    x12 = vfmaq_n_f32(x12, y2, w1), x13 = vfmaq_n_f32(x13, y3, w1);
                }
                if (two) {
                    vst1q_f32(c1 + c, x10), vst1q_f32(c1 + c + 4, x11);
                    vst1q_f32(c1 + c + 8, x12), vst1q_f32(c1 + c + 12, x13);
                }
                vst1q_f32(c0 + c, x00), vst1q_f32(c0 + c + 4, x01);
                vst1q_f32(c0 + c + 8, x02), vst1q_f32(c0 + c + 12, x03);
                continue;
            }
            /* Column tail (< 16): four lanes at a time, the last through a buffer. */
            for (size_t cc = c; cc < dv; cc += 4) {
                const size_t w = dv - cc < 4 ? dv - cc : 4;
                float32x4_t x0 = load_part(c0 + cc, w), x1 = load_part(c1 + cc, w);
                for (size_t j = 0; j < n; j++) {
                    const float32x4_t y = load_part(v + j * ldv + cc, w);
                    x0 = vfmaq_n_f32(x0, y, p0[j]), x1 = vfmaq_n_f32(x1, y, p1[j]);
                }
                if (two) sattn_neon_store_tail(c1 + cc, w, x1);
                sattn_neon_store_tail(c0 + cc, w, x0);
            }
        }
    }
}

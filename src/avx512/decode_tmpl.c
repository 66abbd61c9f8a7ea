/* Decode kernels, 16 lanes, compiled once per element type (tmpl.h; K and V become float in
 * load_elems), the AVX2 folder's shapes: qk_dot keeps two query rows x four keys in
 * eight accumulators over d; pv_accumulate adds four keys into each accumulator vector in key
 * order, reading V rows front to back. Both prefetch the keys params->prefetch_keys ahead, which the
 * hardware prefetchers alone left at about 55% of streaming bandwidth (measured with AVX2 on
 * Zen 3); 8 KiB ahead streamed 14.9 GB/s per core on the Xeon host. d and dv tails under
 * opmasks; edge rows and keys repeat the last one (computed, not stored). */
#include "../tmpl.h"
#include "avx512.h"

/* The lanes of m of sixteen elements, as floats (zero elsewhere). */
static inline __m512 load_elems(__mmask16 m, const sattn_elem_t *x) {
#if SATTN_TMPL_IS_F32
    return _mm512_maskz_loadu_ps(m, x);
#else
#error "load_elems: no conversion for this element type yet"
#endif
}

/* (dot(a0), dot(a1), dot(a2), dot(a3)) from four 16-lane partial sums. */
static inline __m128 sum4(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
#define HALVES(x) _mm256_add_ps(_mm512_castps512_ps256(x), _mm512_extractf32x8_ps(x, 1))
    const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(HALVES(a0), HALVES(a1)), _mm256_hadd_ps(HALVES(a2), HALVES(a3)));
#undef HALVES
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_dot, avx512)) {
    const size_t pf = params->prefetch_keys;
    const sattn_elem_t *keys = k;
    const __m128 vscale = _mm_set1_ps(params->scale);
    for (size_t r = 0; r < rows; r += 2) {
        const float *q0 = q + r * ldq, *q1 = SATTN_TILE_ROW(q0, ldq, 1, rows - r);
        for (size_t j = 0; j < n; j += 4) {
            const size_t nj = n - j < 4 ? n - j : 4;
            const sattn_elem_t *k0 = keys + j * ldk, *k1 = SATTN_TILE_ROW(k0, ldk, 1, nj);
            const sattn_elem_t *k2 = SATTN_TILE_ROW(k0, ldk, 2, nj), *k3 = SATTN_TILE_ROW(k0, ldk, 3, nj);
            if (pf && j + pf < n)
                sattn_prefetch_rows(keys + (j + pf) * ldk, ldk * sizeof *keys, d * sizeof *keys);
            __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
            __m512 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            for (size_t c = 0; c < d; c += 16) {
                const __mmask16 m = sattn_avx512_tail_mask(d - c);
                const __m512 x0 = _mm512_maskz_loadu_ps(m, q0 + c), x1 = _mm512_maskz_loadu_ps(m, q1 + c);
                __m512 y = load_elems(m, k0 + c);
                a00 = _mm512_fmadd_ps(x0, y, a00), a10 = _mm512_fmadd_ps(x1, y, a10);
                y = load_elems(m, k1 + c);
                a01 = _mm512_fmadd_ps(x0, y, a01), a11 = _mm512_fmadd_ps(x1, y, a11);
                y = load_elems(m, k2 + c);
                a02 = _mm512_fmadd_ps(x0, y, a02), a12 = _mm512_fmadd_ps(x1, y, a12);
                y = load_elems(m, k3 + c);
                a03 = _mm512_fmadd_ps(x0, y, a03), a13 = _mm512_fmadd_ps(x1, y, a13);
            }
            const __mmask8 out = (__mmask8)((1u << nj) - 1u);
            _mm_mask_storeu_ps(s + r * lds + j, out, _mm_mul_ps(vscale, sum4(a00, a01, a02, a03)));
            if (r + 1 < rows) _mm_mask_storeu_ps(s + (r + 1) * lds + j, out, _mm_mul_ps(vscale, sum4(a10, a11, a12, a13)));
        }
    }
}

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_accumulate, avx512)) {
    const size_t pf = params->prefetch_keys;
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
            const __m512 w00 = _mm512_set1_ps(p0[j]), w01 = _mm512_set1_ps(nj > 1 ? p0[j + 1] : 0.0f);
            const __m512 w02 = _mm512_set1_ps(nj > 2 ? p0[j + 2] : 0.0f), w03 = _mm512_set1_ps(nj > 3 ? p0[j + 3] : 0.0f);
            const __m512 w10 = _mm512_set1_ps(p1[j]), w11 = _mm512_set1_ps(nj > 1 ? p1[j + 1] : 0.0f);
            const __m512 w12 = _mm512_set1_ps(nj > 2 ? p1[j + 2] : 0.0f), w13 = _mm512_set1_ps(nj > 3 ? p1[j + 3] : 0.0f);
            if (pf && j + pf < n)
                sattn_prefetch_rows(values + (j + pf) * ldv, ldv * sizeof *values, dv * sizeof *values);
            for (size_t c = 0; c < dv; c += 16) {
                const __mmask16 m = sattn_avx512_tail_mask(dv - c);
                const __m512 y0 = load_elems(m, v0 + c), y1 = load_elems(m, v1 + c);
                const __m512 y2 = load_elems(m, v2 + c), y3 = load_elems(m, v3 + c);
                __m512 x0 = _mm512_maskz_loadu_ps(m, c0 + c), x1 = _mm512_maskz_loadu_ps(m, c1 + c);
                x0 = _mm512_fmadd_ps(w00, y0, x0), x1 = _mm512_fmadd_ps(w10, y0, x1);
                x0 = _mm512_fmadd_ps(w01, y1, x0), x1 = _mm512_fmadd_ps(w11, y1, x1);
                x0 = _mm512_fmadd_ps(w02, y2, x0), x1 = _mm512_fmadd_ps(w12, y2, x1);
                x0 = _mm512_fmadd_ps(w03, y3, x0), x1 = _mm512_fmadd_ps(w13, y3, x1);
                if (two) _mm512_mask_storeu_ps(c1 + c, m, x1);
                _mm512_mask_storeu_ps(c0 + c, m, x0);
            }
        }
    }
}

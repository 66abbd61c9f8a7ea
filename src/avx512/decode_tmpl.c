/* Decode kernels for calls of many rows (a GQA group, speculative queries, or both), 16 lanes, compiled once per
 * float element type (tmpl.h: f32, f16, bf16): small-M GEMMs against K and V in place, as AVX2's many-row tiles
 * are, at twice the width. The table uses them from its qk_many_from / pv_many_from rows on (init.c); calls of
 * fewer rows keep AVX2's kernels, which the stream bounds, not the arithmetic, and so do I8 and I4 (init.c says
 * why). K and V become float as they are loaded (load16: vcvtph2ps for f16, a shift for bf16).
 *
 * Each logit is one lane-wise FMA chain over d, reduced by the same tree whatever its place in a tile, and each
 * accumulator element takes its keys in order, one FMA each: a row's bits do not depend on the tile it fell in,
 * nor on how many keys a call has (tokens-major walks call with a few), so layouts and thread counts agree. */
#include "../tmpl.h"
#include "avx512.h"

#if SATTN_TMPL_QUANT
#error "the 16-lane decode tiles are built for the float types only (meson.build)"
#endif

/* Elements c..c+min(w, 16) of a row as floats, lanes past w zero and their memory never read. */
static inline __m512 load16(const sattn_elem_t *row, size_t c, size_t w) {
    const __mmask16 m = sattn_avx512_tail_mask(w);
#if SATTN_TMPL_IS_F32
    return _mm512_maskz_loadu_ps(m, row + c);
#elif SATTN_TMPL_IS_F16
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, row + c));
#else /* BF16 */
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, row + c)), 16));
#endif
}

/* Lane i of the result: the sum of a[4 (i % 4) + i / 4]'s lanes (a 4x4 transpose of the order, undone by the
 * caller). Every vector is summed by the same tree wherever it sits (its 256-bit halves, then 128-bit quarters,
 * then lanes 0 + 2 and 1 + 3, then those two), so a dot's bits do not depend on its neighbours: 45 operations
 * for 16 dots, where a reduction per vector takes about 8 each. */
static inline __m512 sum16(const __m512 a[16]) {
    __m512 c[8], e[4];
    for (int k = 0; k < 8; k++)
        c[k] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * k], a[2 * k + 1], 0x44),
                             _mm512_shuffle_f32x4(a[2 * k], a[2 * k + 1], 0xEE));
    for (int k = 0; k < 4; k++) /* 128-bit block j of e[k]: vector 4k + j's four partial sums */
        e[k] = _mm512_add_ps(_mm512_shuffle_f32x4(c[2 * k], c[2 * k + 1], 0x88),
                             _mm512_shuffle_f32x4(c[2 * k], c[2 * k + 1], 0xDD));
    const __m512 g01 = _mm512_add_ps(_mm512_unpacklo_ps(e[0], e[1]), _mm512_unpackhi_ps(e[0], e[1]));
    const __m512 g23 = _mm512_add_ps(_mm512_unpacklo_ps(e[2], e[3]), _mm512_unpackhi_ps(e[2], e[3]));
    return _mm512_add_ps(_mm512_shuffle_ps(g01, g23, 0x44), _mm512_shuffle_ps(g01, g23, 0xEE));
}

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Q·Kᵀ for R <= 4 rows x T <= 4 keys: 16 accumulators, T converted key vectors and a query vector in registers
 * (21 of 32), so each K vector loaded and converted serves R rows and each query vector T keys. */
ALWAYS_INLINE void qk_tile(const int R, const int T, size_t d, const float *q, size_t ldq,
                           const sattn_elem_t *const kr[4], float scale, float *s, size_t lds) {
    __m512 a[16];
    for (int i = 0; i < 16; i++) a[i] = _mm512_setzero_ps();
    for (size_t c = 0; c < d; c += 16) {
        const size_t w = d - c < 16 ? d - c : 16;
        __m512 y[4];
        for (int t = 0; t < T; t++) y[t] = load16(kr[t], c, w);
        for (int r = 0; r < R; r++) {
            const __m512 x = _mm512_maskz_loadu_ps(sattn_avx512_tail_mask(w), q + r * ldq + c);
            for (int t = 0; t < T; t++) a[4 * r + t] = _mm512_fmadd_ps(x, y[t], a[4 * r + t]);
        }
    }
    float dots[16];
    _mm512_storeu_ps(dots, _mm512_mul_ps(_mm512_set1_ps(scale), sum16(a)));
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) s[r * lds + t] = dots[4 * t + r]; /* sum16's lane 4t + r holds a[4r + t] */
}

/* The rows of one key quad (T of them), in tiles of 4 back to back: the quad's K rows come from memory once and
 * from L1 after. */
ALWAYS_INLINE void qk_quad(const int T, size_t rows, size_t d, const float *q, size_t ldq,
                           const sattn_elem_t *const kr[4], float scale, float *s, size_t lds) {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) qk_tile(4, T, d, q + r * ldq, ldq, kr, scale, s + r * lds, lds);
    switch (rows - r) {
    case 3: qk_tile(3, T, d, q + r * ldq, ldq, kr, scale, s + r * lds, lds); break;
    case 2: qk_tile(2, T, d, q + r * ldq, ldq, kr, scale, s + r * lds, lds); break;
    case 1: qk_tile(1, T, d, q + r * ldq, ldq, kr, scale, s + r * lds, lds); break;
    default: break;
    }
}

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_many, avx512)) {
    const size_t pf = params->prefetch_keys;
    for (size_t j = 0; j < n; j += 4) {
        const size_t nj = n - j < 4 ? n - j : 4;
        const sattn_elem_t *const kr[4] = {SATTN_TMPL_KEY(k, ldk, j, 0, nj), SATTN_TMPL_KEY(k, ldk, j, 1, nj),
                                           SATTN_TMPL_KEY(k, ldk, j, 2, nj), SATTN_TMPL_KEY(k, ldk, j, 3, nj)};
        if (pf && j + pf < n) /* the rows pf keys ahead of this quad's */
            sattn_prefetch_row_run(SATTN_TMPL_ROW(k, j + pf, ldk), n - (j + pf) < nj ? n - (j + pf) : nj,
                                   SATTN_TMPL_ROW_BYTES(ldk), SATTN_TMPL_ROW_BYTES(d));
        switch (nj) {
        case 4: qk_quad(4, rows, d, q, ldq, kr, params->scale, s + j, lds); break;
        case 3: qk_quad(3, rows, d, q, ldq, kr, params->scale, s + j, lds); break;
        case 2: qk_quad(2, rows, d, q, ldq, kr, params->scale, s + j, lds); break;
        default: qk_quad(1, rows, d, q, ldq, kr, params->scale, s + j, lds); break;
        }
    }
}

/* P·V: a tile of R <= 4 rows x V <= 4 column vectors of acc (64 columns) stays in registers over a block of keys
 * (16 accumulators, V converted vectors, a broadcast weight); each key costs V + R loads for R*V FMAs. Keys go in
 * blocks of PV_BLOCK_KEYS, whose rows stay in L1 while every tile of the block reads them (32 rows of dv 128 in
 * f32: 16 KiB). The first row tile of each column tile prefetches those columns pf keys ahead. */
#define PV_BLOCK_KEYS 32

ALWAYS_INLINE void pv_tile(const int R, const int V, size_t n, const float *p, size_t ldp, const void *v, size_t ldv,
                           size_t c, size_t wlast, float *acc, size_t ldacc, size_t pf, size_t left) {
    __m512 x[4][4];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < V; t++)
            x[r][t] = _mm512_maskz_loadu_ps(sattn_avx512_tail_mask(t == V - 1 ? wlast : 16), acc + r * ldacc + c + 16 * t);
    for (size_t j = 0; j < n; j++) {
        const sattn_elem_t *row = SATTN_TMPL_ROW(v, j, ldv);
        if (pf && j + pf < left) /* the same columns pf keys ahead */
            for (size_t b = SATTN_TMPL_ROW_BYTES(c); b < SATTN_TMPL_ROW_BYTES(c + 16 * V); b += 64)
                __builtin_prefetch((const char *)SATTN_TMPL_ROW(v, j + pf, ldv) + b);
        __m512 y[4];
        for (int t = 0; t < V; t++) y[t] = load16(row, c + 16 * t, t == V - 1 ? wlast : 16);
        for (int r = 0; r < R; r++) {
            const __m512 w = _mm512_set1_ps(p[r * ldp + j]);
            for (int t = 0; t < V; t++) x[r][t] = _mm512_fmadd_ps(w, y[t], x[r][t]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < V; t++)
            _mm512_mask_storeu_ps(acc + r * ldacc + c + 16 * t, sattn_avx512_tail_mask(t == V - 1 ? wlast : 16), x[r][t]);
}

/* Columns [c, c + 16V) (the last vector wlast wide) of every row, in row tiles of 4. */
ALWAYS_INLINE void pv_columns(const int V, size_t rows, size_t n, const float *p, size_t ldp, const void *v, size_t ldv,
                              size_t c, size_t wlast, float *acc, size_t ldacc, size_t pf, size_t left) {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4, pf = 0)
        pv_tile(4, V, n, p + r * ldp, ldp, v, ldv, c, wlast, acc + r * ldacc, ldacc, pf, left);
    switch (rows - r) {
    case 3: pv_tile(3, V, n, p + r * ldp, ldp, v, ldv, c, wlast, acc + r * ldacc, ldacc, pf, left); break;
    case 2: pv_tile(2, V, n, p + r * ldp, ldp, v, ldv, c, wlast, acc + r * ldacc, ldacc, pf, left); break;
    case 1: pv_tile(1, V, n, p + r * ldp, ldp, v, ldv, c, wlast, acc + r * ldacc, ldacc, pf, left); break;
    default: break;
    }
}

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_many, avx512)) {
    const size_t pf = params->prefetch_keys;
    for (size_t j = 0; j < n; j += PV_BLOCK_KEYS) {
        const size_t nj = n - j < PV_BLOCK_KEYS ? n - j : PV_BLOCK_KEYS;
        const void *vb = SATTN_TMPL_ROW(v, j, ldv);
        size_t c = 0;
        for (; c + 64 <= dv; c += 64) pv_columns(4, rows, nj, p + j, ldp, vb, ldv, c, 16, acc, ldacc, pf, n - j);
        const size_t left = dv - c;
        if (left > 48)
            pv_columns(4, rows, nj, p + j, ldp, vb, ldv, c, left - 48, acc, ldacc, pf, n - j);
        else if (left > 32)
            pv_columns(3, rows, nj, p + j, ldp, vb, ldv, c, left - 32, acc, ldacc, pf, n - j);
        else if (left > 16)
            pv_columns(2, rows, nj, p + j, ldp, vb, ldv, c, left - 16, acc, ldacc, pf, n - j);
        else if (left > 0)
            pv_columns(1, rows, nj, p + j, ldp, vb, ldv, c, left, acc, ldacc, pf, n - j);
    }
}

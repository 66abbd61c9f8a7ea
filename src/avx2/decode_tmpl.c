/* Decode kernels, 8 lanes, compiled once per element type (tmpl.h); K and V become float as
 * they are loaded (load_elems). qk_dot: two query rows x four keys = eight accumulators over d, so
 * each K vector loaded serves two rows and eight independent FMA chains hide the latency; the
 * four dot products of a row come out of one horizontal-add tree. pv_accumulate: four keys are
 * added into each accumulator vector in key order, so V rows are read front to back (column
 * blocks held in registers over all keys read V with a stride and streamed at 55% of bandwidth).
 * Edges reuse the last row or key (computed, not stored); masked loads/stores cover d and dv tails.
 * From QK_TILE_ROWS / PV_TILE_ROWS rows (a GQA group, speculative queries) register tiles take
 * over: a small-M GEMM against K and V in place (qk_many_rows, pv_many_rows).
 *
 * Both prefetch the rows params->prefetch_keys keys ahead (pf; 0: none): the hardware prefetchers
 * alone kept each phase at about 9 GB/s of this Zen 3 core's 16.6; 4 KiB ahead measured best (8 keys
 * of d = 128: 14.5-15.5 GB/s for the whole decode, against 14.0 at 16 keys and 13.1 at 32), which is
 * AVX2's default (init.c; sattn_tune_blocks prefetch measures it on a machine). */
#include "../tmpl.h"
#include "avx2.h"
#include "elems.h"


static inline __m256 load_part(const float *x, size_t n) {
    return n >= 8 ? _mm256_loadu_ps(x) : _mm256_maskload_ps(x, sattn_avx2_tail_mask(n));
}


static inline void store_part(float *x, size_t n, __m256 v) {
    if (n >= 8)
        _mm256_storeu_ps(x, v);
    else
        _mm256_maskstore_ps(x, sattn_avx2_tail_mask(n), v);
}

/* (dot(a0), dot(a1), dot(a2), dot(a3)) from four 8-lane partial sums. */
static inline __m128 sum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

static inline void store4(float *s, __m128 v, size_t n) {
    if (n >= 4) {
        _mm_storeu_ps(s, v);
        return;
    }
    float buf[4];
    _mm_storeu_ps(buf, v);
    for (size_t t = 0; t < n; t++) s[t] = buf[t];
}

/* A kernel body specialised for one or two rows (TWO is a constant at each call): with one row
 * (plain multi-head decode) nothing is computed twice. The arithmetic is not free next to the
 * memory stream: decode from L3 (kv 512) runs at about 35 GB/s, only twice the DRAM stream. */
#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Row t of the four keys from j (rows past n repeat the last key) and its scales. */
#define KEY_ROW(x, t) SATTN_TMPL_KEY(x, ld##x, j, t, nj)
#define KEY_SCALES(t) SATTN_TMPL_KEY_SCALES(sc, j, t, nj)
#define ROW_BYTES SATTN_TMPL_ROW_BYTES
/* From these many rows the tiles below take over (qk_many_rows, pv_many_rows). Measured on this Zen 3 VM
 * (GQA 32/8, one query: 4 rows per K/V head, kv 4096, d 128, 1 thread): the QK tiles execute 27% fewer
 * instructions than the four-row kernel they replace (callgrind: 20.1M against 27.5M, dense or tokens-major), and time the same
 * or better (K+V 11.4-12.3 GB/s against 11.5-12.1 dense); the PV tiles at 4 rows, whose column tiles read
 * V in pieces, streamed slower (dense 9.1-10.3 GB/s against 11.5-12.1 with pv_rows4; tokens-major,
 * 4-key calls, 37.4M instructions against 27.8M), so PV keeps pv_rows4 below 8 rows. */
#define QK_TILE_ROWS 4
#define PV_TILE_ROWS 8

ALWAYS_INLINE void qk_rows_quad(const int TWO, const int WHOLE, size_t j, size_t nj, size_t n, size_t d, const float *q0,
                                const float *q1, const void *k, size_t ldk, const struct sattn_scales *sc,
                                __m128 vscale, float *s0, float *s1, size_t pf) {
    const sattn_elem_t *k0 = KEY_ROW(k, 0), *k1 = KEY_ROW(k, 1), *k2 = KEY_ROW(k, 2), *k3 = KEY_ROW(k, 3);
    const float *ks0 = KEY_SCALES(0), *ks1 = KEY_SCALES(1), *ks2 = KEY_SCALES(2), *ks3 = KEY_SCALES(3);
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    if (pf && j + pf < n)
        sattn_prefetch_rows(SATTN_TMPL_ROW(k, j + pf, ldk), ROW_BYTES(ldk), ROW_BYTES(d));
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
    __m256 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    for (size_t c = 0; c < d; c += 8) {
        const size_t w = WHOLE ? 8 : d - c;
        const __m256 x0 = load_part(q0 + c, w), x1 = TWO ? load_part(q1 + c, w) : x0;
        __m256 y = sattn_avx2_load_elems(k0, c, w, ks0, g);
        a00 = _mm256_fmadd_ps(x0, y, a00);
        if (TWO) a10 = _mm256_fmadd_ps(x1, y, a10);
        y = sattn_avx2_load_elems(k1, c, w, ks1, g);
        a01 = _mm256_fmadd_ps(x0, y, a01);
        if (TWO) a11 = _mm256_fmadd_ps(x1, y, a11);
        y = sattn_avx2_load_elems(k2, c, w, ks2, g);
        a02 = _mm256_fmadd_ps(x0, y, a02);
        if (TWO) a12 = _mm256_fmadd_ps(x1, y, a12);
        y = sattn_avx2_load_elems(k3, c, w, ks3, g);
        a03 = _mm256_fmadd_ps(x0, y, a03);
        if (TWO) a13 = _mm256_fmadd_ps(x1, y, a13);
    }
    store4(s0 + j, _mm_mul_ps(vscale, sum4(a00, a01, a02, a03)), nj);
    if (TWO) store4(s1 + j, _mm_mul_ps(vscale, sum4(a10, a11, a12, a13)), nj);
}

/* Whole quads take nj = 4 as a constant, so their row pointers, weights and stores need no clamping to the
 * last key; the partial quad at the end is the only copy that does. A d of whole vectors (WHOLE) drops the
 * tail test from the column loop: f16 one-row Q·Kᵀ ran 20 instructions per 8 columns of 4 keys with it, 9 of
 * them vector (callgrind). */
ALWAYS_INLINE void qk_rows_whole(const int TWO, const int WHOLE, size_t n, size_t d, const float *q0, const float *q1,
                                 const void *k, size_t ldk, const struct sattn_scales *sc, __m128 vscale, float *s0,
                                 float *s1, size_t pf) {
    size_t j = 0;
    for (; j + 4 <= n; j += 4) qk_rows_quad(TWO, WHOLE, j, 4, n, d, q0, q1, k, ldk, sc, vscale, s0, s1, pf);
    if (j < n) qk_rows_quad(TWO, WHOLE, j, n - j, n, d, q0, q1, k, ldk, sc, vscale, s0, s1, pf);
}

ALWAYS_INLINE void qk_rows(const int TWO, size_t n, size_t d, const float *q0, const float *q1, const void *k,
                           size_t ldk, const struct sattn_scales *sc, __m128 vscale, float *s0, float *s1, size_t pf) {
    if (d % 8 == 0)
        qk_rows_whole(TWO, 1, n, d, q0, q1, k, ldk, sc, vscale, s0, s1, pf);
    else
        qk_rows_whole(TWO, 0, n, d, q0, q1, k, ldk, sc, vscale, s0, s1, pf);
}

#if SATTN_TMPL_IS_I4
/* Int4 in blocks of 16 columns (8 bytes): vpmovsxbd makes byte b a lane v = 16 hi + lo, hi the signed odd
 * element 2b + 1 and lo the even element 2b (its four bits), so one sign extension serves two elements where
 * load_quant spends a broadcast and two shifts on each eight. The lanes of a block then hold its even
 * columns, then its odd ones; q (for Q·Kᵀ) and the accumulators (for P·V) are put in that order once per
 * call. In L1 on this Zen 3 VM a Q·Kᵀ loop runs 1.4x as many elements per second this way (16 against
 * 11.5 G/s: 5 operations per 16 elements in place of 8). Whole blocks only: groups and d multiples of 16. */
#define I4_BLOCK_MAX_D 256

static inline int i4_blocks(size_t d, size_t group) {
    return group % 16 == 0 && d % 16 == 0 && d <= I4_BLOCK_MAX_D;
}

/* Byte b of the block at column c as lane b of one vector (v = 16 hi + lo). */
static inline __m256i i4_block_bytes(const sattn_elem_t *row, size_t c) {
    return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(row + c / 2)));
}

/* 16 floats (c0..c15) as (c0, c2, .., c14) and (c1, c3, .., c15), and back. */
static inline void i4_split_block(const float *x, __m256 *even, __m256 *odd) {
    const __m256 a = _mm256_loadu_ps(x), b = _mm256_loadu_ps(x + 8);
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xd8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xdd)), 0xd8));
}

static inline void i4_join_block(float *x, __m256 even, __m256 odd) {
    const __m256 lo = _mm256_unpacklo_ps(even, odd), hi = _mm256_unpackhi_ps(even, odd);
    _mm256_storeu_ps(x, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(x + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
}
#endif

/* Many rows (a GQA group, speculative queries, or both): a small-M GEMM against K in place. A tile of
 * R <= 4 rows x T <= 3 keys keeps R*T accumulators, T converted key vectors and the query vector in
 * registers (all 16), so each K vector loaded and converted serves R rows, each query vector T keys,
 * and a d-step costs R + T loads for R*T FMAs. The row tiles of a key triple run back to back, so its three
 * K rows are read from memory once and from L1 after. Each dot is summed over d in order and reduced by
 * sum4's tree, as qk_rows does: a row's logits are the same bits whatever its tile.
 *
 * How a tile reads K (KIND, a constant): TILE_ELEMS converts each vector with its scales (load_elems);
 * TILE_QUANT (I8/I4, groups of whole vectors, no d tail) broadcasts a key's scale once per group, the same
 * products in the same order; TILE_I4 (groups and d multiples of 16) converts each 16-column block with one
 * sign extension, as qk_row_i4 does, on q's rows split into even and odd columns once per call, and puts the
 * powers of two on the scale (s 2^-28 even, s 2^-4 odd: exact unless s is below 2^-98, where the products
 * are below fp32's tolerance anyway); its keys go one at a time, q read from L1 as FMA operands. Instructions
 * (callgrind, GQA 32/8, one query, kv 4096, d 128, group 32): int4 Q·Kᵀ 14.0M -> 7.9M. */
enum { TILE_ELEMS, TILE_QUANT, TILE_I4 };

ALWAYS_INLINE void qk_tile_step(const int R, const int T, const float *q, size_t ldq, size_t c, size_t w,
                                const sattn_elem_t *const kr[3], const float *const ks[3], size_t g, __m256 a[4][3]) {
    __m256 y[3];
    for (int t = 0; t < T; t++) y[t] = sattn_avx2_load_elems(kr[t], c, w, ks[t], g);
    for (int r = 0; r < R; r++) {
        __m256 x = load_part(q + r * ldq + c, w);
        /* In a register: GCC otherwise folds it into each FMA for the 16-bit types, loading it T times
         * (15 loads per 12 FMAs instead of 7; GQA 32/8 f16 decode ran 30% slower that way). */
        __asm__("" : "+x"(x));
        for (int t = 0; t < T; t++) a[r][t] = _mm256_fmadd_ps(x, y[t], a[r][t]);
    }
}

#if SATTN_TMPL_QUANT
ALWAYS_INLINE void qk_tile_group(const int KIND, const int R, const int T, const float *q, size_t ldq, size_t c0,
                                 size_t group, const sattn_elem_t *const kr[3], __m256 f[3], __m256 a[4][3]) {
#if SATTN_TMPL_IS_I4
    if (KIND == TILE_I4) {
        const __m256i low_cleared = _mm256_set1_epi32(~15);
        const __m256 even_down = _mm256_set1_ps(0x1p-28f), odd_down = _mm256_set1_ps(0x1p-4f);
        __m256 fe[3], fo[3];
        for (int t = 0; t < T; t++) fe[t] = _mm256_mul_ps(f[t], even_down), fo[t] = _mm256_mul_ps(f[t], odd_down);
        for (size_t c = c0; c < c0 + group; c += 16)
            for (int t = 0; t < T; t++) {
                const __m256i v = i4_block_bytes(kr[t], c);
                const __m256 ye = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_slli_epi32(v, 28)), fe[t]);
                const __m256 yo = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_and_si256(v, low_cleared)), fo[t]);
                for (int r = 0; r < R; r++) {
                    a[r][t] = _mm256_fmadd_ps(_mm256_loadu_ps(q + r * ldq + c), ye, a[r][t]);
                    a[r][t] = _mm256_fmadd_ps(_mm256_loadu_ps(q + r * ldq + c + 8), yo, a[r][t]);
                }
            }
        return;
    }
#endif
    (void)KIND;
    for (size_t c = c0; c < c0 + group; c += 8) {
        __m256 y[3];
        for (int t = 0; t < T; t++) y[t] = _mm256_mul_ps(sattn_avx2_load_quant(kr[t], c), f[t]);
        for (int r = 0; r < R; r++) {
            __m256 x = _mm256_loadu_ps(q + r * ldq + c);
            __asm__("" : "+x"(x));
            for (int t = 0; t < T; t++) a[r][t] = _mm256_fmadd_ps(x, y[t], a[r][t]);
        }
    }
}
#endif

ALWAYS_INLINE void qk_tile(const int KIND, const int R, const int T, size_t d, const float *q, size_t ldq,
                           const sattn_elem_t *const kr[3], const float *const ks[3], size_t g, __m128 vscale,
                           float *s, size_t lds) {
    (void)KIND;
    __m256 a[4][3];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) a[r][t] = _mm256_setzero_ps();
#if SATTN_TMPL_QUANT
    if (KIND != TILE_ELEMS)
        for (size_t c0 = 0, gi = 0; c0 < d; c0 += g, gi++) {
            __m256 f[3];
            for (int t = 0; t < T; t++) f[t] = _mm256_broadcast_ss(ks[t] + gi);
            qk_tile_group(KIND, R, T, q, ldq, c0, g, kr, f, a);
        }
    else
#endif
    {
        size_t c = 0;
        for (; c + 8 <= d; c += 8) qk_tile_step(R, T, q, ldq, c, 8, kr, ks, g, a);
        if (c < d) qk_tile_step(R, T, q, ldq, c, d - c, kr, ks, g, a);
    }
    /* The R*T dots, four per sum4 tree, in row-major order. */
    __m256 flat[12];
    float dots[12];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) flat[r * T + t] = a[r][t];
    for (int i = 0; i < R * T; i += 4) {
        const __m256 *f = flat + i;
        const int m = R * T - i;
        _mm_storeu_ps(dots + i, _mm_mul_ps(vscale, sum4(f[0], m > 1 ? f[1] : f[0], m > 2 ? f[2] : f[0], m > 3 ? f[3] : f[0])));
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) s[r * lds + t] = dots[r * T + t];
}

/* The rows of one key triple, in tiles of 4 (the last tile takes what is left). */
ALWAYS_INLINE void qk_triple(const int KIND, const int T, size_t rows, size_t d, const float *q, size_t ldq,
                             const sattn_elem_t *const kr[3], const float *const ks[3], size_t g, __m128 vscale,
                             float *s, size_t lds) {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) qk_tile(KIND, 4, T, d, q + r * ldq, ldq, kr, ks, g, vscale, s + r * lds, lds);
    switch (rows - r) {
    case 3: qk_tile(KIND, 3, T, d, q + r * ldq, ldq, kr, ks, g, vscale, s + r * lds, lds); break;
    case 2: qk_tile(KIND, 2, T, d, q + r * ldq, ldq, kr, ks, g, vscale, s + r * lds, lds); break;
    case 1: qk_tile(KIND, 1, T, d, q + r * ldq, ldq, kr, ks, g, vscale, s + r * lds, lds); break;
    default: break;
    }
}

ALWAYS_INLINE void qk_many_rows_of(const int KIND, size_t rows, size_t n, size_t d, const float *q, size_t ldq,
                                   const void *k, size_t ldk, const struct sattn_scales *sc, __m128 vscale, float *s,
                                   size_t lds, size_t pf) {
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    for (size_t j = 0, nj; j < n; j += nj) {
        nj = n - j == 4 ? 2 : n - j < 3 ? n - j : 3; /* 4 keys left: two pairs, not a triple and a single */
        const sattn_elem_t *const kr[3] = {KEY_ROW(k, 0), KEY_ROW(k, 1), KEY_ROW(k, 2)};
        const float *const ks[3] = {KEY_SCALES(0), KEY_SCALES(1), KEY_SCALES(2)};
        if (pf && j + pf < n) /* the rows pf keys ahead of this step's */
            sattn_prefetch_row_run(SATTN_TMPL_ROW(k, j + pf, ldk), n - (j + pf) < nj ? n - (j + pf) : nj, ROW_BYTES(ldk),
                                   ROW_BYTES(d));
        if (nj == 3)
            qk_triple(KIND, 3, rows, d, q, ldq, kr, ks, g, vscale, s + j, lds);
        else if (nj == 2)
            qk_triple(KIND, 2, rows, d, q, ldq, kr, ks, g, vscale, s + j, lds);
        else
            qk_triple(KIND, 1, rows, d, q, ldq, kr, ks, g, vscale, s + j, lds);
    }
}

#define I4_TILE_Q_FLOATS 4096 /* TILE_I4's split q rows, on the stack (16 KiB): 32 rows of d 128, 16 of d 256 */

static void qk_many_rows(size_t rows, size_t n, size_t d, const float *q, size_t ldq, const void *k, size_t ldk,
                         const struct sattn_scales *sc, __m128 vscale, float *s, size_t lds, size_t pf) {
#if SATTN_TMPL_IS_I4
    if (i4_blocks(d, sc->group) && rows * d <= I4_TILE_Q_FLOATS) {
        float qs[I4_TILE_Q_FLOATS];
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < d; c += 16) {
                __m256 even, odd;
                i4_split_block(q + r * ldq + c, &even, &odd);
                _mm256_storeu_ps(qs + r * d + c, even), _mm256_storeu_ps(qs + r * d + c + 8, odd);
            }
        qk_many_rows_of(TILE_I4, rows, n, d, qs, d, k, ldk, sc, vscale, s, lds, pf);
        return;
    }
#endif
#if SATTN_TMPL_QUANT
    if (sc->group % 8 == 0 && d % 8 == 0) {
        qk_many_rows_of(TILE_QUANT, rows, n, d, q, ldq, k, ldk, sc, vscale, s, lds, pf);
        return;
    }
#endif
    qk_many_rows_of(TILE_ELEMS, rows, n, d, q, ldq, k, ldk, sc, vscale, s, lds, pf);
}

#if SATTN_TMPL_QUANT
/* I8/I4 with groups of whole vectors and no d tail: each group's four key scales are broadcast once
 * and the loops carry no edge tests (the general loop above spent most of its time on them). */
ALWAYS_INLINE void qk_rows_quant_quad(const int TWO, const size_t group, size_t j, size_t nj, size_t n, size_t d,
                                      const float *q0, const float *q1, const void *k, size_t ldk,
                                      const struct sattn_scales *sc, __m128 vscale, float *s0, float *s1, size_t pf) {
    const sattn_elem_t *k0 = KEY_ROW(k, 0), *k1 = KEY_ROW(k, 1), *k2 = KEY_ROW(k, 2), *k3 = KEY_ROW(k, 3);
    const float *ks0 = KEY_SCALES(0), *ks1 = KEY_SCALES(1), *ks2 = KEY_SCALES(2), *ks3 = KEY_SCALES(3);
    if (pf && j + pf < n)
        sattn_prefetch_rows(SATTN_TMPL_ROW(k, j + pf, ldk), ROW_BYTES(ldk), ROW_BYTES(d));
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
    __m256 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    for (size_t c0 = 0, gi = 0; c0 < d; c0 += group, gi++) {
        const __m256 f0 = _mm256_broadcast_ss(ks0 + gi), f1 = _mm256_broadcast_ss(ks1 + gi);
        const __m256 f2 = _mm256_broadcast_ss(ks2 + gi), f3 = _mm256_broadcast_ss(ks3 + gi);
        if (!TWO) { /* one row: the group's dot on the integers, scaled once at its end */
            __m256 g0 = _mm256_setzero_ps(), g1 = g0, g2 = g0, g3 = g0;
            for (size_t c = c0; c < c0 + group; c += 8) {
                const __m256 x0 = _mm256_loadu_ps(q0 + c);
                g0 = _mm256_fmadd_ps(x0, sattn_avx2_load_quant(k0, c), g0);
                g1 = _mm256_fmadd_ps(x0, sattn_avx2_load_quant(k1, c), g1);
                g2 = _mm256_fmadd_ps(x0, sattn_avx2_load_quant(k2, c), g2);
                g3 = _mm256_fmadd_ps(x0, sattn_avx2_load_quant(k3, c), g3);
            }
            a00 = _mm256_fmadd_ps(g0, f0, a00), a01 = _mm256_fmadd_ps(g1, f1, a01);
            a02 = _mm256_fmadd_ps(g2, f2, a02), a03 = _mm256_fmadd_ps(g3, f3, a03);
            continue;
        }
        for (size_t c = c0; c < c0 + group; c += 8) {
            const __m256 x0 = _mm256_loadu_ps(q0 + c), x1 = TWO ? _mm256_loadu_ps(q1 + c) : x0;
            __m256 y = _mm256_mul_ps(sattn_avx2_load_quant(k0, c), f0);
            a00 = _mm256_fmadd_ps(x0, y, a00);
            if (TWO) a10 = _mm256_fmadd_ps(x1, y, a10);
            y = _mm256_mul_ps(sattn_avx2_load_quant(k1, c), f1);
            a01 = _mm256_fmadd_ps(x0, y, a01);
            if (TWO) a11 = _mm256_fmadd_ps(x1, y, a11);
            y = _mm256_mul_ps(sattn_avx2_load_quant(k2, c), f2);
            a02 = _mm256_fmadd_ps(x0, y, a02);
            if (TWO) a12 = _mm256_fmadd_ps(x1, y, a12);
            y = _mm256_mul_ps(sattn_avx2_load_quant(k3, c), f3);
            a03 = _mm256_fmadd_ps(x0, y, a03);
            if (TWO) a13 = _mm256_fmadd_ps(x1, y, a13);
        }
    }
    store4(s0 + j, _mm_mul_ps(vscale, sum4(a00, a01, a02, a03)), nj);
    if (TWO) store4(s1 + j, _mm_mul_ps(vscale, sum4(a10, a11, a12, a13)), nj);
}

ALWAYS_INLINE void qk_rows_quant(const int TWO, const size_t group, size_t n, size_t d, const float *q0,
                                 const float *q1, const void *k, size_t ldk, const struct sattn_scales *sc,
                                 __m128 vscale, float *s0, float *s1, size_t pf) {
    size_t j = 0;
    for (; j + 4 <= n; j += 4) qk_rows_quant_quad(TWO, group, j, 4, n, d, q0, q1, k, ldk, sc, vscale, s0, s1, pf);
    if (j < n) qk_rows_quant_quad(TWO, group, j, n - j, n, d, q0, q1, k, ldk, sc, vscale, s0, s1, pf);
}
#endif

#if SATTN_TMPL_IS_I4
/* One row of Q·Kᵀ, keys from kr (rs bytes apart, their scales from ks, sld apart), nj <= 4 of them (the last
 * repeated past nj). The integers come out scaled, 2^28 lo (v << 28) and 16 hi (v with its low four bits
 * cleared), so q's even and odd columns are stored times 2^-28 and 2^-4 (exact; a q element below 2^-98
 * would lose bits, in logits that small nothing downstream can tell). Each key sums a group in one chain,
 * scaled once at its end. */
ALWAYS_INLINE void qk_row_i4_quad(const size_t group, size_t nj, size_t d, const float *qs, const sattn_elem_t *kr,
                                  size_t rs, const float *ks, size_t sld, __m128 vscale, float *s0) {
    const size_t t1 = nj > 1, t2 = nj > 2 ? 2 : nj - 1, t3 = nj > 3 ? 3 : nj - 1;
    const sattn_elem_t *k0 = kr, *k1 = kr + t1 * rs, *k2 = kr + t2 * rs, *k3 = kr + t3 * rs;
    const float *ks0 = ks, *ks1 = ks + t1 * sld, *ks2 = ks + t2 * sld, *ks3 = ks + t3 * sld;
    const __m256i low_cleared = _mm256_set1_epi32(~15);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t c0 = 0, gi = 0; c0 < d; c0 += group, gi++) {
        __m256 g0 = _mm256_setzero_ps(), g1 = g0, g2 = g0, g3 = g0;
        for (size_t c = c0; c < c0 + group; c += 16) {
            const __m256 xe = _mm256_loadu_ps(qs + c), xo = _mm256_loadu_ps(qs + c + 8);
#define I4_QK_KEY(t)                                                                                                   \
    {                                                                                                                  \
        const __m256i v = i4_block_bytes(k##t, c);                                                                     \
        g##t = _mm256_fmadd_ps(xe, _mm256_cvtepi32_ps(_mm256_slli_epi32(v, 28)), g##t);                                \
        g##t = _mm256_fmadd_ps(xo, _mm256_cvtepi32_ps(_mm256_and_si256(v, low_cleared)), g##t);                       \
    }
            I4_QK_KEY(0) I4_QK_KEY(1) I4_QK_KEY(2) I4_QK_KEY(3)
#undef I4_QK_KEY
        }
        a0 = _mm256_fmadd_ps(g0, _mm256_broadcast_ss(ks0 + gi), a0);
        a1 = _mm256_fmadd_ps(g1, _mm256_broadcast_ss(ks1 + gi), a1);
        a2 = _mm256_fmadd_ps(g2, _mm256_broadcast_ss(ks2 + gi), a2);
        a3 = _mm256_fmadd_ps(g3, _mm256_broadcast_ss(ks3 + gi), a3);
    }
    store4(s0, _mm_mul_ps(vscale, sum4(a0, a1, a2, a3)), nj);
}

ALWAYS_INLINE void qk_row_i4_keys(const size_t group, size_t n, size_t d, const float *qs, const void *k, size_t ldk,
                                  const struct sattn_scales *sc, __m128 vscale, float *s0, size_t pf) {
    const size_t rs = ROW_BYTES(ldk), sld = sc->ld;
    const sattn_elem_t *kr = k;
    const float *ks = sc->at;
    size_t j = 0;
    for (; j + 4 <= n; j += 4, kr += 4 * rs, ks += 4 * sld) {
        if (pf && j + pf < n) sattn_prefetch_rows(kr + pf * rs, rs, ROW_BYTES(d));
        qk_row_i4_quad(group, 4, d, qs, kr, rs, ks, sld, vscale, s0 + j);
    }
    if (j < n) qk_row_i4_quad(group, n - j, d, qs, kr, rs, ks, sld, vscale, s0 + j);
}

static void qk_row_i4(size_t n, size_t d, const float *q0, const void *k, size_t ldk, const struct sattn_scales *sc,
                      __m128 vscale, float *s0, size_t pf) {
    float qs[I4_BLOCK_MAX_D];
    const __m256 even_down = _mm256_set1_ps(0x1p-28f), odd_down = _mm256_set1_ps(0x1p-4f);
    for (size_t c = 0; c < d; c += 16) {
        __m256 even, odd;
        i4_split_block(q0 + c, &even, &odd);
        _mm256_storeu_ps(qs + c, _mm256_mul_ps(even, even_down));
        _mm256_storeu_ps(qs + c + 8, _mm256_mul_ps(odd, odd_down));
    }
    if (sc->group == 32) /* the common group as a constant: its loop unrolls */
        qk_row_i4_keys(32, n, d, qs, k, ldk, sc, vscale, s0, pf);
    else
        qk_row_i4_keys(sc->group, n, d, qs, k, ldk, sc, vscale, s0, pf);
}

/* One row of P·V, nj <= 4 keys from vr (as qk_row_i4_quad takes them; weights p0[0..nj)), on the accumulator
 * in split order: the even elements (v << 28) >> 28 and the odd v >> 4, both exact, so each accumulator
 * element takes the same FMAs in the same key order as in pv_rows_quant: the same bits. */
ALWAYS_INLINE void pv_row_i4_quad(const size_t group, size_t nj, size_t dv, const float *p0, const sattn_elem_t *vr,
                                  size_t rs, const float *vsc, size_t sld, float *c0) {
    const size_t t1 = nj > 1, t2 = nj > 2 ? 2 : nj - 1, t3 = nj > 3 ? 3 : nj - 1;
    const sattn_elem_t *v0 = vr, *v1 = vr + t1 * rs, *v2 = vr + t2 * rs, *v3 = vr + t3 * rs;
    const float *e0 = vsc, *e1 = vsc + t1 * sld, *e2 = vsc + t2 * sld, *e3 = vsc + t3 * sld;
    const float u0 = p0[0], u1 = nj > 1 ? p0[1] : 0.0f, u2 = nj > 2 ? p0[2] : 0.0f, u3 = nj > 3 ? p0[3] : 0.0f;
    for (size_t g0 = 0, gi = 0; g0 < dv; g0 += group, gi++) {
        const __m256 w0 = _mm256_set1_ps(u0 * e0[gi]), w1 = _mm256_set1_ps(u1 * e1[gi]);
        const __m256 w2 = _mm256_set1_ps(u2 * e2[gi]), w3 = _mm256_set1_ps(u3 * e3[gi]);
        for (size_t c = g0; c < g0 + group; c += 16) {
            __m256 xe = _mm256_loadu_ps(c0 + c), xo = _mm256_loadu_ps(c0 + c + 8);
#define I4_PV_KEY(t)                                                                                                   \
    {                                                                                                                  \
        const __m256i b = i4_block_bytes(v##t, c);                                                                     \
        xe = _mm256_fmadd_ps(w##t, _mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_slli_epi32(b, 28), 28)), xe);          \
        xo = _mm256_fmadd_ps(w##t, _mm256_cvtepi32_ps(_mm256_srai_epi32(b, 4)), xo);                                   \
    }
            I4_PV_KEY(0) I4_PV_KEY(1) I4_PV_KEY(2) I4_PV_KEY(3)
#undef I4_PV_KEY
            _mm256_storeu_ps(c0 + c, xe), _mm256_storeu_ps(c0 + c + 8, xo);
        }
    }
}

/* Four rows (a GQA group) the same way: each block of a V row converted once for the four rows, each row's
 * weights folding in the group's scale (u*s) and its accumulator in split order taking the keys in order, as
 * pv_rows4_quant does: the same bits. The weights live in memory, FMA operands. */
ALWAYS_INLINE void pv_rows4_i4_quad(const size_t group, size_t nj, size_t dv, const float *p, size_t ldp,
                                    const sattn_elem_t *vr, size_t rs, const float *vsc, size_t sld, float *acc,
                                    size_t ldacc) {
    const size_t tk[4] = {0, nj > 1, nj > 2 ? 2 : nj - 1, nj > 3 ? 3 : nj - 1}; /* past nj: the last key again */
    const sattn_elem_t *const v[4] = {vr, vr + tk[1] * rs, vr + tk[2] * rs, vr + tk[3] * rs};
    const float *const e[4] = {vsc, vsc + tk[1] * sld, vsc + tk[2] * sld, vsc + tk[3] * sld};
    float u[4][4];
    for (size_t r = 0; r < 4; r++)
        for (size_t t = 0; t < 4; t++) u[r][t] = t < nj ? p[r * ldp + t] : 0.0f; /* a missing key weighs 0 */
    for (size_t g0 = 0, gi = 0; g0 < dv; g0 += group, gi++) {
        __m256 w[4][4];
        for (size_t r = 0; r < 4; r++)
            for (size_t t = 0; t < 4; t++) w[r][t] = _mm256_set1_ps(u[r][t] * e[t][gi]);
        for (size_t c = g0; c < g0 + group; c += 16) {
            __m256 be[4], bo[4];
            for (size_t t = 0; t < 4; t++) {
                const __m256i b = i4_block_bytes(v[t], c);
                be[t] = _mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_slli_epi32(b, 28), 28));
                bo[t] = _mm256_cvtepi32_ps(_mm256_srai_epi32(b, 4));
            }
            for (size_t r = 0; r < 4; r++) {
                float *a = acc + r * ldacc + c;
                __m256 xe = _mm256_loadu_ps(a), xo = _mm256_loadu_ps(a + 8);
                for (size_t t = 0; t < 4; t++) xe = _mm256_fmadd_ps(w[r][t], be[t], xe), xo = _mm256_fmadd_ps(w[r][t], bo[t], xo);
                _mm256_storeu_ps(a, xe), _mm256_storeu_ps(a + 8, xo);
            }
        }
    }
}

/* The keys of R rows (1, or the 4 of pv_rows4_i4_quad), four at a time. */
ALWAYS_INLINE void pv_i4_keys(const int R, const size_t group, size_t n, size_t dv, const float *p, size_t ldp,
                              const void *v, size_t ldv, const struct sattn_scales *sc, float *acc, size_t ldacc,
                              size_t pf) {
    const size_t rs = ROW_BYTES(ldv), sld = sc->ld;
    const sattn_elem_t *vr = v;
    const float *vsc = sc->at;
    size_t j = 0;
#define PV_I4_QUAD(nj)                                                                                                  \
    (R == 1 ? pv_row_i4_quad(group, nj, dv, p + j, vr, rs, vsc, sld, acc)                                              \
            : pv_rows4_i4_quad(group, nj, dv, p + j, ldp, vr, rs, vsc, sld, acc, ldacc))
    for (; j + 4 <= n; j += 4, vr += 4 * rs, vsc += 4 * sld) { /* whole quads: nj a constant */
        if (pf && j + pf < n) sattn_prefetch_rows(vr + pf * rs, rs, ROW_BYTES(dv));
        PV_I4_QUAD(4);
    }
    if (j < n) PV_I4_QUAD(n - j);
#undef PV_I4_QUAD
}

/* Splitting and joining the accumulator take about 16 operations per 16 columns, what eight keys' conversions
 * save (2 each; counted, not timed): calls of fewer than 16 keys (a tokens-major walk's short steps) keep
 * pv_rows_quant, which gives the same bits. */
#define I4_PV_SPLIT_MIN_KEYS 16

/* R rows' accumulators put in split order, the keys, and back. */
ALWAYS_INLINE void pv_i4(const int R, size_t n, size_t dv, const float *p, size_t ldp, const void *v, size_t ldv,
                         const struct sattn_scales *sc, float *acc, size_t ldacc, size_t pf) {
    for (int r = 0; r < R; r++)
        for (size_t c = 0; c < dv; c += 16) {
            __m256 even, odd;
            i4_split_block(acc + r * ldacc + c, &even, &odd);
            _mm256_storeu_ps(acc + r * ldacc + c, even), _mm256_storeu_ps(acc + r * ldacc + c + 8, odd);
        }
    if (sc->group == 32) /* the common group as a constant: its loop unrolls */
        pv_i4_keys(R, 32, n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
    else
        pv_i4_keys(R, sc->group, n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
    for (int r = 0; r < R; r++)
        for (size_t c = 0; c < dv; c += 16)
            i4_join_block(acc + r * ldacc + c, _mm256_loadu_ps(acc + r * ldacc + c), _mm256_loadu_ps(acc + r * ldacc + c + 8));
}

static void pv_row_i4(size_t n, size_t dv, const float *p0, const void *v, size_t ldv, const struct sattn_scales *sc,
                      float *c0, size_t pf) {
    pv_i4(1, n, dv, p0, 0, v, ldv, sc, c0, 0, pf);
}

static void pv_rows4_i4(size_t n, size_t dv, const float *p, size_t ldp, const void *v, size_t ldv,
                        const struct sattn_scales *sc, float *acc, size_t ldacc, size_t pf) {
    pv_i4(4, n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
}
#endif

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_dot, avx2)) {
    const __m128 vscale = _mm_set1_ps(params->scale);
    if (rows >= QK_TILE_ROWS) {
        qk_many_rows(rows, n, d, q, ldq, k, ldk, &params->kv, vscale, s, lds, params->prefetch_keys);
        return;
    }
    size_t r = 0;
#if SATTN_TMPL_QUANT
    const size_t group = params->kv.group;
    if (group % 8 == 0 && d % 8 == 0) {
        for (; r + 2 <= rows; r += 2)
            qk_rows_quant(1, group, n, d, q + r * ldq, q + (r + 1) * ldq, k, ldk, &params->kv, vscale, s + r * lds,
                          s + (r + 1) * lds, params->prefetch_keys);
#if SATTN_TMPL_IS_I4
        if (r < rows && i4_blocks(d, group)) {
            qk_row_i4(n, d, q + r * ldq, k, ldk, &params->kv, vscale, s + r * lds, params->prefetch_keys);
            return;
        }
#endif
        /* One row, the common group of 32 as a constant: its group loop unrolls. */
        if (r < rows && group == 32)
            qk_rows_quant(0, 32, n, d, q + r * ldq, NULL, k, ldk, &params->kv, vscale, s + r * lds, NULL, params->prefetch_keys);
        else if (r < rows)
            qk_rows_quant(0, group, n, d, q + r * ldq, NULL, k, ldk, &params->kv, vscale, s + r * lds, NULL, params->prefetch_keys);
        return;
    }
#endif
    for (; r + 2 <= rows; r += 2)
        qk_rows(1, n, d, q + r * ldq, q + (r + 1) * ldq, k, ldk, &params->kv, vscale, s + r * lds, s + (r + 1) * lds, params->prefetch_keys);
    if (r < rows) qk_rows(0, n, d, q + r * ldq, NULL, k, ldk, &params->kv, vscale, s + r * lds, NULL, params->prefetch_keys);
}

ALWAYS_INLINE void pv_rows_quad(const int TWO, const int WHOLE, size_t j, size_t nj, size_t n, size_t dv, const float *p0,
                                const float *p1, const void *v, size_t ldv, const struct sattn_scales *sc, float *c0,
                                float *c1, size_t pf) {
    /* Keys past n get weight 0 and repeat the last key (read, never past the end). */
    const sattn_elem_t *v0 = KEY_ROW(v, 0), *v1 = KEY_ROW(v, 1), *v2 = KEY_ROW(v, 2), *v3 = KEY_ROW(v, 3);
    const float *e0 = KEY_SCALES(0), *e1 = KEY_SCALES(1), *e2 = KEY_SCALES(2), *e3 = KEY_SCALES(3);
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    const __m256 w00 = _mm256_set1_ps(p0[j]), w01 = _mm256_set1_ps(nj > 1 ? p0[j + 1] : 0.0f);
    const __m256 w02 = _mm256_set1_ps(nj > 2 ? p0[j + 2] : 0.0f), w03 = _mm256_set1_ps(nj > 3 ? p0[j + 3] : 0.0f);
    __m256 w10 = w00, w11 = w01, w12 = w02, w13 = w03;
    if (TWO) {
        w10 = _mm256_set1_ps(p1[j]), w11 = _mm256_set1_ps(nj > 1 ? p1[j + 1] : 0.0f);
        w12 = _mm256_set1_ps(nj > 2 ? p1[j + 2] : 0.0f), w13 = _mm256_set1_ps(nj > 3 ? p1[j + 3] : 0.0f);
    }
    if (pf && j + pf < n)
        sattn_prefetch_rows(SATTN_TMPL_ROW(v, j + pf, ldv), ROW_BYTES(ldv), ROW_BYTES(dv));
    /* Each accumulator vector takes the four keys in order: the sum is j-ordered. */
    for (size_t c = 0; c < dv; c += 8) {
        const size_t w = WHOLE ? 8 : dv - c;
        const __m256 y0 = sattn_avx2_load_elems(v0, c, w, e0, g), y1 = sattn_avx2_load_elems(v1, c, w, e1, g);
        const __m256 y2 = sattn_avx2_load_elems(v2, c, w, e2, g), y3 = sattn_avx2_load_elems(v3, c, w, e3, g);
        __m256 x0 = load_part(c0 + c, w);
        x0 = _mm256_fmadd_ps(w00, y0, x0), x0 = _mm256_fmadd_ps(w01, y1, x0);
        x0 = _mm256_fmadd_ps(w02, y2, x0), x0 = _mm256_fmadd_ps(w03, y3, x0);
        store_part(c0 + c, w, x0);
        if (TWO) {
            __m256 x1 = load_part(c1 + c, w);
            x1 = _mm256_fmadd_ps(w10, y0, x1), x1 = _mm256_fmadd_ps(w11, y1, x1);
            x1 = _mm256_fmadd_ps(w12, y2, x1), x1 = _mm256_fmadd_ps(w13, y3, x1);
            store_part(c1 + c, w, x1);
        }
    }
}

ALWAYS_INLINE void pv_rows_whole(const int TWO, const int WHOLE, size_t n, size_t dv, const float *p0, const float *p1,
                                 const void *v, size_t ldv, const struct sattn_scales *sc, float *c0, float *c1,
                                 size_t pf) {
    size_t j = 0;
    for (; j + 4 <= n; j += 4) pv_rows_quad(TWO, WHOLE, j, 4, n, dv, p0, p1, v, ldv, sc, c0, c1, pf);
    if (j < n) pv_rows_quad(TWO, WHOLE, j, n - j, n, dv, p0, p1, v, ldv, sc, c0, c1, pf);
}

/* As qk_rows: a dv of whole vectors loses the tail tests. */
ALWAYS_INLINE void pv_rows(const int TWO, size_t n, size_t dv, const float *p0, const float *p1, const void *v,
                           size_t ldv, const struct sattn_scales *sc, float *c0, float *c1, size_t pf) {
    if (dv % 8 == 0)
        pv_rows_whole(TWO, 1, n, dv, p0, p1, v, ldv, sc, c0, c1, pf);
    else
        pv_rows_whole(TWO, 0, n, dv, p0, p1, v, ldv, sc, c0, c1, pf);
}

/* Four rows (a GQA group) x two keys: each V vector is converted once for four rows' FMAs (two
 * passes of pv_rows would convert it twice); each row's accumulator takes its two keys in order. */
ALWAYS_INLINE void pv_rows4_whole(const int WHOLE, size_t n, size_t dv, const float *p, size_t ldp, const void *v,
                                  size_t ldv, const struct sattn_scales *sc, float *acc, size_t ldacc, size_t pf) {
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    for (size_t j = 0; j < n; j += 2) {
        const size_t nj = n - j < 2 ? n - j : 2;
        const sattn_elem_t *v0 = KEY_ROW(v, 0), *v1 = KEY_ROW(v, 1);
        const float *e0 = KEY_SCALES(0), *e1 = KEY_SCALES(1);
        __m256 w[4][2];
        for (size_t r = 0; r < 4; r++) {
            w[r][0] = _mm256_set1_ps(p[r * ldp + j]);
            w[r][1] = _mm256_set1_ps(nj > 1 ? p[r * ldp + j + 1] : 0.0f); /* a missing key weighs 0 */
        }
        if (pf && j % 4 == 0 && j + pf < n)
            sattn_prefetch_rows(SATTN_TMPL_ROW(v, j + pf, ldv), ROW_BYTES(ldv), ROW_BYTES(dv));
        for (size_t c = 0; c < dv; c += 8) {
            const size_t wd = WHOLE ? 8 : dv - c;
            const __m256 y0 = sattn_avx2_load_elems(v0, c, wd, e0, g), y1 = sattn_avx2_load_elems(v1, c, wd, e1, g);
            for (size_t r = 0; r < 4; r++) {
                float *a = acc + r * ldacc + c;
                __m256 x = load_part(a, wd);
                x = _mm256_fmadd_ps(w[r][0], y0, x), x = _mm256_fmadd_ps(w[r][1], y1, x);
                store_part(a, wd, x);
            }
        }
    }
}

static void pv_rows4(size_t n, size_t dv, const float *p, size_t ldp, const void *v, size_t ldv,
                     const struct sattn_scales *sc, float *acc, size_t ldacc, size_t pf) {
    if (dv % 8 == 0)
        pv_rows4_whole(1, n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
    else
        pv_rows4_whole(0, n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
}

/* Many rows: a tile of R <= 4 rows x V <= 3 column vectors of acc stays in registers over a block of keys
 * (12 accumulators, 3 converted V vectors, a broadcast weight); each key costs V + R loads for R*V FMAs,
 * and each accumulator still takes the keys in order, one FMA each, as pv_rows does (the same bits).
 * Keys go in blocks of PV_BLOCK_KEYS, whose V rows (16 KiB of f32 at dv 128) stay in L1 while every tile
 * of the block reads them; the first row tile of each column tile prefetches those columns of the next
 * block's rows, so the prefetches are spread over the block's work. */
#define PV_BLOCK_KEYS 32

ALWAYS_INLINE void pv_tile(const int R, const int V, size_t n, const float *p, size_t ldp, const void *v, size_t ldv,
                           const struct sattn_scales *sc, size_t c, size_t wlast, float *acc, size_t ldacc,
                           const void *prefetch_from) {
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    __m256 x[4][3];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < V; t++) x[r][t] = load_part(acc + r * ldacc + c + 8 * t, t == V - 1 ? wlast : 8);
    for (size_t j = 0; j < n; j++) {
        const sattn_elem_t *row = SATTN_TMPL_ROW(v, j, ldv);
        const float *e = SATTN_TMPL_QUANT ? sc->at + j * sc->ld : NULL;
        if (prefetch_from) /* the same columns of the next block's row j */
            for (size_t b = ROW_BYTES(c); b < ROW_BYTES(c + 8 * V); b += 64)
                __builtin_prefetch((const char *)prefetch_from + j * ROW_BYTES(ldv) + b);
        __m256 y[3];
        for (int t = 0; t < V; t++) y[t] = sattn_avx2_load_elems(row, c + 8 * t, t == V - 1 ? wlast : 8, e, g);
        for (int r = 0; r < R; r++) {
            const __m256 w = _mm256_broadcast_ss(p + r * ldp + j);
            for (int t = 0; t < V; t++) x[r][t] = _mm256_fmadd_ps(w, y[t], x[r][t]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < V; t++) store_part(acc + r * ldacc + c + 8 * t, t == V - 1 ? wlast : 8, x[r][t]);
}

/* Columns [c, c + 8V) (the last vector wlast wide) of every row, in row tiles of 4. */
ALWAYS_INLINE void pv_columns(const int V, size_t rows, size_t n, const float *p, size_t ldp, const void *v,
                              size_t ldv, const struct sattn_scales *sc, size_t c, size_t wlast, float *acc,
                              size_t ldacc, const void *prefetch_from) {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4, prefetch_from = NULL)
        pv_tile(4, V, n, p + r * ldp, ldp, v, ldv, sc, c, wlast, acc + r * ldacc, ldacc, prefetch_from);
    switch (rows - r) {
    case 3: pv_tile(3, V, n, p + r * ldp, ldp, v, ldv, sc, c, wlast, acc + r * ldacc, ldacc, prefetch_from); break;
    case 2: pv_tile(2, V, n, p + r * ldp, ldp, v, ldv, sc, c, wlast, acc + r * ldacc, ldacc, prefetch_from); break;
    case 1: pv_tile(1, V, n, p + r * ldp, ldp, v, ldv, sc, c, wlast, acc + r * ldacc, ldacc, prefetch_from); break;
    default: break;
    }
}

static void pv_many_rows(size_t rows, size_t n, size_t dv, const float *p, size_t ldp, const void *v, size_t ldv,
                         const struct sattn_scales *sc, float *acc, size_t ldacc, size_t pf) {
    for (size_t j = 0; j < n; j += PV_BLOCK_KEYS) {
        const size_t nj = n - j < PV_BLOCK_KEYS ? n - j : PV_BLOCK_KEYS;
        const void *vb = SATTN_TMPL_ROW(v, j, ldv);
        struct sattn_scales bs = *sc;
        if (SATTN_TMPL_QUANT) bs.at += j * sc->ld;
        /* The next block's first nj rows (as many as this one has; none past n). */
        const void *next = pf && j + PV_BLOCK_KEYS + nj <= n ? SATTN_TMPL_ROW(v, j + PV_BLOCK_KEYS, ldv) : NULL;
        size_t c = 0;
        for (; c + 24 <= dv; c += 24)
            pv_columns(3, rows, nj, p + j, ldp, vb, ldv, &bs, c, 8, acc, ldacc, next);
        const size_t left = dv - c;
        if (left > 16)
            pv_columns(3, rows, nj, p + j, ldp, vb, ldv, &bs, c, left - 16, acc, ldacc, next);
        else if (left > 8)
            pv_columns(2, rows, nj, p + j, ldp, vb, ldv, &bs, c, left - 8, acc, ldacc, next);
        else if (left > 0)
            pv_columns(1, rows, nj, p + j, ldp, vb, ldv, &bs, c, left, acc, ldacc, next);
    }
}

#if SATTN_TMPL_QUANT
/* I8/I4 with groups of whole vectors and no dv tail: the scale folds into each key's weight once
 * per group (w * s, then w*s * q), so the inner loop is a conversion and an FMA per key. */
ALWAYS_INLINE void pv_rows_quant_quad(const int TWO, const size_t group, size_t j, size_t nj, size_t n, size_t dv,
                                      const float *p0, const float *p1, const void *v, size_t ldv,
                                      const struct sattn_scales *sc, float *c0, float *c1, size_t pf) {
    const sattn_elem_t *v0 = KEY_ROW(v, 0), *v1 = KEY_ROW(v, 1), *v2 = KEY_ROW(v, 2), *v3 = KEY_ROW(v, 3);
    const float *e0 = KEY_SCALES(0), *e1 = KEY_SCALES(1), *e2 = KEY_SCALES(2), *e3 = KEY_SCALES(3);
    const float u00 = p0[j], u01 = nj > 1 ? p0[j + 1] : 0.0f, u02 = nj > 2 ? p0[j + 2] : 0.0f, u03 = nj > 3 ? p0[j + 3] : 0.0f;
    const float u10 = TWO ? p1[j] : 0.0f, u11 = TWO && nj > 1 ? p1[j + 1] : 0.0f;
    const float u12 = TWO && nj > 2 ? p1[j + 2] : 0.0f, u13 = TWO && nj > 3 ? p1[j + 3] : 0.0f;
    if (pf && j + pf < n)
        sattn_prefetch_rows(SATTN_TMPL_ROW(v, j + pf, ldv), ROW_BYTES(ldv), ROW_BYTES(dv));
    for (size_t g0 = 0, gi = 0; g0 < dv; g0 += group, gi++) {
        const __m256 w00 = _mm256_set1_ps(u00 * e0[gi]), w01 = _mm256_set1_ps(u01 * e1[gi]);
        const __m256 w02 = _mm256_set1_ps(u02 * e2[gi]), w03 = _mm256_set1_ps(u03 * e3[gi]);
        const __m256 w10 = _mm256_set1_ps(u10 * e0[gi]), w11 = _mm256_set1_ps(u11 * e1[gi]);
        const __m256 w12 = _mm256_set1_ps(u12 * e2[gi]), w13 = _mm256_set1_ps(u13 * e3[gi]);
        for (size_t c = g0; c < g0 + group; c += 8) {
            const __m256 y0 = sattn_avx2_load_quant(v0, c), y1 = sattn_avx2_load_quant(v1, c);
            const __m256 y2 = sattn_avx2_load_quant(v2, c), y3 = sattn_avx2_load_quant(v3, c);
            __m256 x0 = _mm256_loadu_ps(c0 + c);
            x0 = _mm256_fmadd_ps(w00, y0, x0), x0 = _mm256_fmadd_ps(w01, y1, x0);
            x0 = _mm256_fmadd_ps(w02, y2, x0), x0 = _mm256_fmadd_ps(w03, y3, x0);
            _mm256_storeu_ps(c0 + c, x0);
            if (TWO) {
                __m256 x1 = _mm256_loadu_ps(c1 + c);
                x1 = _mm256_fmadd_ps(w10, y0, x1), x1 = _mm256_fmadd_ps(w11, y1, x1);
                x1 = _mm256_fmadd_ps(w12, y2, x1), x1 = _mm256_fmadd_ps(w13, y3, x1);
                _mm256_storeu_ps(c1 + c, x1);
            }
        }
    }
}

/* Four rows (a GQA group) of the same: each V vector is converted once for the four rows, where two passes of
 * pv_rows_quant convert it twice, and each row's accumulator takes the same FMAs (u*s, then u*s * q) in the
 * same key order: the same bits. The sixteen weight vectors live in memory, FMA operands. */
ALWAYS_INLINE void pv_rows4_quant_quad(const size_t group, size_t j, size_t nj, size_t n, size_t dv, const float *p,
                                       size_t ldp, const void *v, size_t ldv, const struct sattn_scales *sc, float *acc,
                                       size_t ldacc, size_t pf) {
    const sattn_elem_t *v0 = KEY_ROW(v, 0), *v1 = KEY_ROW(v, 1), *v2 = KEY_ROW(v, 2), *v3 = KEY_ROW(v, 3);
    const float *const e[4] = {KEY_SCALES(0), KEY_SCALES(1), KEY_SCALES(2), KEY_SCALES(3)};
    float u[4][4];
    for (size_t r = 0; r < 4; r++)
        for (size_t t = 0; t < 4; t++) u[r][t] = t < nj ? p[r * ldp + j + t] : 0.0f; /* a missing key weighs 0 */
    if (pf && j + pf < n)
        sattn_prefetch_rows(SATTN_TMPL_ROW(v, j + pf, ldv), ROW_BYTES(ldv), ROW_BYTES(dv));
    for (size_t g0 = 0, gi = 0; g0 < dv; g0 += group, gi++) {
        __m256 w[4][4];
        for (size_t r = 0; r < 4; r++)
            for (size_t t = 0; t < 4; t++) w[r][t] = _mm256_set1_ps(u[r][t] * e[t][gi]);
        for (size_t c = g0; c < g0 + group; c += 8) {
            const __m256 y0 = sattn_avx2_load_quant(v0, c), y1 = sattn_avx2_load_quant(v1, c);
            const __m256 y2 = sattn_avx2_load_quant(v2, c), y3 = sattn_avx2_load_quant(v3, c);
            for (size_t r = 0; r < 4; r++) {
                float *a = acc + r * ldacc + c;
                __m256 x = _mm256_loadu_ps(a);
                x = _mm256_fmadd_ps(w[r][0], y0, x), x = _mm256_fmadd_ps(w[r][1], y1, x);
                x = _mm256_fmadd_ps(w[r][2], y2, x), x = _mm256_fmadd_ps(w[r][3], y3, x);
                _mm256_storeu_ps(a, x);
            }
        }
    }
}

ALWAYS_INLINE void pv_rows4_quant(const size_t group, size_t n, size_t dv, const float *p, size_t ldp, const void *v,
                                  size_t ldv, const struct sattn_scales *sc, float *acc, size_t ldacc, size_t pf) {
    size_t j = 0;
    for (; j + 4 <= n; j += 4) pv_rows4_quant_quad(group, j, 4, n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
    if (j < n) pv_rows4_quant_quad(group, j, n - j, n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
}

ALWAYS_INLINE void pv_rows_quant(const int TWO, const size_t group, size_t n, size_t dv, const float *p0,
                                 const float *p1, const void *v, size_t ldv, const struct sattn_scales *sc, float *c0,
                                 float *c1, size_t pf) {
    size_t j = 0;
    for (; j + 4 <= n; j += 4) pv_rows_quant_quad(TWO, group, j, 4, n, dv, p0, p1, v, ldv, sc, c0, c1, pf);
    if (j < n) pv_rows_quant_quad(TWO, group, j, n - j, n, dv, p0, p1, v, ldv, sc, c0, c1, pf);
}
#endif

#if SATTN_TMPL_QUANT
/* Four rows of I8/I4 (groups of whole vectors, no dv tail), out of line: inlined, its copies perturbed the one-row
 * loops' code (3% more instructions for int8, callgrind). */
static void pv_quant_rows4(size_t n, size_t dv, const float *p, size_t ldp, const void *v, size_t ldv,
                           const struct sattn_scales *sc, float *acc, size_t ldacc, size_t pf) {
#if SATTN_TMPL_IS_I4
    if (n >= I4_PV_SPLIT_MIN_KEYS && i4_blocks(dv, sc->group)) {
        pv_rows4_i4(n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
        return;
    }
#endif
    if (sc->group == 32) /* the common group as a constant: its column loop unrolls */
        pv_rows4_quant(32, n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
    else
        pv_rows4_quant(sc->group, n, dv, p, ldp, v, ldv, sc, acc, ldacc, pf);
}
#endif

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_accumulate, avx2)) {
    if (rows >= PV_TILE_ROWS) {
        pv_many_rows(rows, n, dv, p, ldp, v, ldv, &params->kv, acc, ldacc, params->prefetch_keys);
        return;
    }
    size_t r = 0;
#if SATTN_TMPL_QUANT
    const int quant_fast = params->kv.group % 8 == 0 && dv % 8 == 0;
#else
    const int quant_fast = 0;
#endif
    if (!quant_fast)
        for (; r + 4 <= rows; r += 4) pv_rows4(n, dv, p + r * ldp, ldp, v, ldv, &params->kv, acc + r * ldacc, ldacc, params->prefetch_keys);
#if SATTN_TMPL_QUANT
    if (quant_fast) {
        for (; r + 4 <= rows; r += 4) pv_quant_rows4(n, dv, p + r * ldp, ldp, v, ldv, &params->kv, acc + r * ldacc, ldacc, params->prefetch_keys);
        for (; r + 2 <= rows; r += 2)
            pv_rows_quant(1, params->kv.group, n, dv, p + r * ldp, p + (r + 1) * ldp, v, ldv, &params->kv, acc + r * ldacc,
                          acc + (r + 1) * ldacc, params->prefetch_keys);
#if SATTN_TMPL_IS_I4
        if (r < rows && n >= I4_PV_SPLIT_MIN_KEYS && i4_blocks(dv, params->kv.group)) {
            pv_row_i4(n, dv, p + r * ldp, v, ldv, &params->kv, acc + r * ldacc, params->prefetch_keys);
            return;
        }
#endif
        /* One row, the common group of 32 as a constant: its column loop unrolls (12% fewer instructions for
         * int4, callgrind). */
        if (r < rows && params->kv.group == 32)
            pv_rows_quant(0, 32, n, dv, p + r * ldp, NULL, v, ldv, &params->kv, acc + r * ldacc, NULL, params->prefetch_keys);
        else if (r < rows)
            pv_rows_quant(0, params->kv.group, n, dv, p + r * ldp, NULL, v, ldv, &params->kv, acc + r * ldacc, NULL,
                          params->prefetch_keys);
        return;
    }
#endif
    for (; r + 2 <= rows; r += 2)
        pv_rows(1, n, dv, p + r * ldp, p + (r + 1) * ldp, v, ldv, &params->kv, acc + r * ldacc, acc + (r + 1) * ldacc, params->prefetch_keys);
    if (r < rows) pv_rows(0, n, dv, p + r * ldp, NULL, v, ldv, &params->kv, acc + r * ldacc, NULL, params->prefetch_keys);
}

/* Decode kernels at 16 lanes, compiled once per element type (tmpl.h). For calls of many rows (a GQA group,
 * speculative queries, or both): small-M GEMMs against K and V in place, as AVX2's many-row kernels are, at twice
 * the width; the table uses them from its qk_many_from / pv_many_from rows on (init.c), and from qk_lanes_from rows
 * Q·Kᵀ with its lanes on rows instead (qk_lanes). For calls of one row (MHA
 * decode) of the types other than f32, whose conversions cost AVX2's 8-lane kernels more than the stream allows:
 * the one-row kernels at the end (f32's stay AVX2's, which the stream bounds). K and V become float as they are
 * loaded (elems.h's load16: vcvtph2ps for f16, a shift for bf16, sign extension for I8, a byte shuffle, a shift
 * and a table lookup for I4; where groups and d are multiples of 16, int4 by quant_half: a broadcast, a shift and
 * the lookup, its lanes in an order of their own).
 *
 * Each logit of the tiles is one lane-wise FMA chain over d, reduced by the same tree whatever its place in a tile
 * (qk_lanes: one FMA chain over d in order, whatever its lane), and each
 * accumulator element takes its keys in order, one FMA each: a row's bits do not depend on the tile it fell in,
 * nor on how many keys a call has (tokens-major walks call with a few), so layouts and thread counts agree. */
#include "../tmpl.h"
#include "avx512.h"
#include "elems.h"

/* I8/I4 values are q * scale. Where groups hold whole vectors and d has no tail (quant_whole) the callers take a
 * group's scale once (Q·Kᵀ: broadcast per key and group, one multiply per vector, the products elems.h's
 * load16_scaled makes; P·V: folded into the weights); elsewhere load16_scaled finds each lane's. A division per
 * vector to find the group (an early form) made int8 GQA decode 1.4x slower. */
static inline int quant_whole(size_t d, size_t group) { return SATTN_TMPL_QUANT && group % 16 == 0 && d % 16 == 0; }

#if SATTN_TMPL_IS_I4
/* Int4 columns [c, c + 16) as 16 lanes of int32 whose low nibble is element 8 (L % 2) + L / 2 (lane L): the 8
 * bytes broadcast to every 64-bit lane (a load, no shuffle) and each 32-bit lane shifted right by its own count,
 * so that the lookup after is the only shuffle. Against the form before (a sign extension of 16 bytes and a shift,
 * lanes the block's even and then odd columns: a third shuffle per 32 columns), Zen 5 VM, d 128, groups of 32,
 * 512 keys in L2, two builds alternating: P·V 0.83-0.86x the time, Q·Kᵀ 0.94-0.97x; MHA decode from L2 and L3
 * (4 and 8 heads, kv 512 and 2048) 0.93x; from DRAM (32 heads, kv 8192) within the noise, 0.87-1.04x. The tiles
 * of more rows take the same lanes (q and the accumulator permuted as they are loaded, one permutation a vector):
 * GQA decode (4 and 8 rows a K/V head, d 64 and 128, in L2, kv 8192 dense and tokens-major, kv 32768 on 2
 * threads) 0.89-0.93x the time. */
static inline __m512i i4_lanes(const sattn_elem_t *row, size_t c) {
    long long bytes;
    memcpy(&bytes, row + c / 2, sizeof bytes);
    return _mm512_srlv_epi32(_mm512_set1_epi64(bytes),
                             _mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 16, 16, 20, 20, 24, 24, 28, 28));
}
#endif

/* 16 columns of floats into the order quant_half gives them (into 1; int4: i4_lanes', others the columns'), or
 * back (into 0). */
static inline __m512 quant_lanes(__m512 x, int into) {
#if SATTN_TMPL_IS_I4
    return _mm512_permutexvar_ps(into ? _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15)
                                      : _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15),
                                 x);
#else
    (void)into;
    return x;
#endif
}

#if SATTN_TMPL_IS_I4
/* A row of d floats (d % 16 == 0) into i4_lanes' order or back (quant_lanes' into), in place or not. */
static void i4_lanes_row(const float *x, float *out, size_t d, int into) {
    for (size_t c = 0; c < d; c += 16) _mm512_storeu_ps(out + c, quant_lanes(_mm512_loadu_ps(x + c), into));
}
#endif

/* Columns [c, c + 16) of a row as floats, unscaled (int4: in i4_lanes' order). */
static inline __m512 quant_half(const sattn_elem_t *row, size_t c) {
#if SATTN_TMPL_IS_I4
    return _mm512_permutexvar_ps(i4_lanes(row, c), sattn_avx512_i4_nibble_values());
#else
    return sattn_avx512_load16(row, c, 16);
#endif
}

/* A block of 32 columns as two vectors of 16. */
static inline void quant_block(const sattn_elem_t *row, size_t c, __m512 *y0, __m512 *y1) {
    *y0 = quant_half(row, c), *y1 = quant_half(row, c + 16);
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

/* The dots of a[0..3] in lanes 0..3 by sum16's tree, so the same bits: a call of one row reduces 4 vectors, not
 * 16 (sum16 on three quarters zeros took 45 operations a key quad, 28% of int8's per-quad loop at d 128). */
static inline __m128 sum4(const __m512 a[4]) {
    const __m512 c0 = _mm512_add_ps(_mm512_shuffle_f32x4(a[0], a[1], 0x44), _mm512_shuffle_f32x4(a[0], a[1], 0xEE));
    const __m512 c1 = _mm512_add_ps(_mm512_shuffle_f32x4(a[2], a[3], 0x44), _mm512_shuffle_f32x4(a[2], a[3], 0xEE));
    const __m512 e = _mm512_add_ps(_mm512_shuffle_f32x4(c0, c1, 0x88), _mm512_shuffle_f32x4(c0, c1, 0xDD));
    const __m512 h = _mm512_add_ps(e, _mm512_permute_ps(e, 0x4E));  /* lanes 0 + 2, 1 + 3 of each vector's block */
    const __m512 r = _mm512_add_ps(h, _mm512_permute_ps(h, 0xB1));  /* then those two */
    return _mm512_castps512_ps128(_mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), r));
}

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* qk_tile's sums over whole groups (quant_whole), each key's scale broadcast once per group: PER_ROW (one scale a
 * key) leaves the K vectors unscaled, and a constant g (the callers pass q8_0 / q4_0's 32 as one) unrolls a group,
 * where a run-time test of both sat in the loop. With the other types' loop split into whole vectors and a tail (it
 * tested each vector's width and loaded q masked), Zen 5 VM, 512 keys in L2, d 128, two builds alternating, medians
 * of 15: Q·Kᵀ f16 and bf16 0.76-0.82x the time at 2, 4 and 8 rows, f32 0.87-0.93x, int8 0.88-0.95x at 4 and 8 rows,
 * int4 0.90-1.06x; int8 at 2 rows 1.03-1.14x, as much as with the f16 change alone, which leaves int8's code as it
 * was (placement, not work). GQA 32/8 decode, dense, 1 thread, kv 1024 and 8192: f16 and bf16 0.92-0.94x, int8
 * 0.95-0.98x, int4 1.02-1.03x; GQA 32/16 (2 rows) 1.01-1.03x. */
ALWAYS_INLINE void qk_tile_groups(const int R, const int T, const int PER_ROW, size_t d, const float *q, size_t ldq,
                                  const sattn_elem_t *const kr[4], const float *const ks[4], const size_t g, __m512 a[16]) {
    for (size_t c0 = 0, gi = 0; c0 < d; c0 += g, gi++) {
        __m512 f[4];
        for (int t = 0; t < T; t++) f[t] = _mm512_set1_ps(ks[t][gi]);
        for (size_t c = c0; c < c0 + g; c += 16) {
            __m512 y[4];
            for (int t = 0; t < T; t++) y[t] = PER_ROW ? quant_half(kr[t], c) : _mm512_mul_ps(quant_half(kr[t], c), f[t]);
            for (int r = 0; r < R; r++) {
                const __m512 x = quant_lanes(_mm512_loadu_ps(q + r * ldq + c), 1);
                for (int t = 0; t < T; t++) a[4 * r + t] = _mm512_fmadd_ps(x, y[t], a[4 * r + t]);
            }
        }
    }
}

/* qk_tile's columns [c, c + w) of types without whole groups; w 16 (a constant) loads q and K whole. */
ALWAYS_INLINE void qk_tile_columns(const int R, const int T, size_t c, const size_t w, const float *q, size_t ldq,
                                   const sattn_elem_t *const kr[4], const float *const ks[4], size_t g, __m512 a[16]) {
    __m512 y[4];
    for (int t = 0; t < T; t++) y[t] = sattn_avx512_load16_scaled(kr[t], c, w, ks[t], g);
    for (int r = 0; r < R; r++) {
        const __m512 x = w >= 16 ? _mm512_loadu_ps(q + r * ldq + c)
                                 : _mm512_maskz_loadu_ps(sattn_avx512_tail_mask(w), q + r * ldq + c);
        for (int t = 0; t < T; t++) a[4 * r + t] = _mm512_fmadd_ps(x, y[t], a[4 * r + t]);
    }
}

/* Q·Kᵀ for R <= 4 rows x T <= 4 keys: 16 accumulators, T converted key vectors and a query vector in registers
 * (21 of 32), so each K vector loaded and converted serves R rows and each query vector T keys. With one scale a
 * key (I8/I4 rows scaled whole) the integer dots are scaled at the end, one multiply a tile, not each K vector:
 * the FMA pipes take those multiplies, and at 2 to 8 rows a tile took 0.86-0.92x the time in L2 (int8, d 128, 256
 * keys; Zen 5 VM, two builds alternating, medians of 15), GQA 32/8 decode with per-row int8 and int4 0.85-1.00x
 * (kv 8192 tokens-major and 32768 dense, 1 thread, medians of 11-21 alternating calls). */
ALWAYS_INLINE void qk_tile(const int R, const int T, size_t d, const float *q, size_t ldq,
                           const sattn_elem_t *const kr[4], const float *const ks[4], size_t g, float scale, float *s,
                           size_t lds) {
    __m512 a[16];
    for (int i = 0; i < 16; i++) a[i] = _mm512_setzero_ps();
    const int per_row = quant_whole(d, g) && g == d; /* one scale a key: the dots are scaled, not the K vectors */
    if (quant_whole(d, g)) {
        if (per_row) qk_tile_groups(R, T, 1, d, q, ldq, kr, ks, g, a);
        else if (g == 32) qk_tile_groups(R, T, 0, d, q, ldq, kr, ks, 32, a);
        else qk_tile_groups(R, T, 0, d, q, ldq, kr, ks, g, a);
    } else {
        size_t c = 0;
        for (; c + 16 <= d; c += 16) qk_tile_columns(R, T, c, 16, q, ldq, kr, ks, g, a); /* whole: no tail test */
        if (c < d) qk_tile_columns(R, T, c, d - c, q, ldq, kr, ks, g, a);
    }
    float dots[16];
    __m128 key_scales = _mm_set1_ps(1.0f);
    if (per_row) key_scales = _mm_setr_ps(ks[0][0], ks[1][0], ks[2][0], ks[3][0]); /* past T: the last key's again */
    if (R == 1) {
        __m128 dot = sum4(a);
        if (per_row) dot = _mm_mul_ps(dot, key_scales);
        _mm_storeu_ps(dots, _mm_mul_ps(_mm_set1_ps(scale), dot));
        for (int t = 0; t < T; t++) s[t] = dots[t];
        return;
    }
    __m512 dot = sum16(a); /* lane 4t + r: row r, key t */
    if (per_row)
        dot = _mm512_mul_ps(dot, _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
                                                       _mm512_castps128_ps512(key_scales)));
    _mm512_storeu_ps(dots, _mm512_mul_ps(_mm512_set1_ps(scale), dot));
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) s[r * lds + t] = dots[4 * t + r]; /* sum16's lane 4t + r holds a[4r + t] */
}

/* The rows of one key quad (T of them), in tiles of 4 back to back: the quad's K rows come from memory once and
 * from L1 after. */
ALWAYS_INLINE void qk_quad(const int T, size_t rows, size_t d, const float *q, size_t ldq,
                           const sattn_elem_t *const kr[4], const float *const ks[4], size_t g, float scale, float *s,
                           size_t lds) {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) qk_tile(4, T, d, q + r * ldq, ldq, kr, ks, g, scale, s + r * lds, lds);
    switch (rows - r) {
    case 3: qk_tile(3, T, d, q + r * ldq, ldq, kr, ks, g, scale, s + r * lds, lds); break;
    case 2: qk_tile(2, T, d, q + r * ldq, ldq, kr, ks, g, scale, s + r * lds, lds); break;
    case 1: qk_tile(1, T, d, q + r * ldq, ldq, kr, ks, g, scale, s + r * lds, lds); break;
    default: break;
    }
}

static void qk_tiles(size_t rows, size_t n, size_t d, const float *q, size_t ldq, const void *k, size_t ldk, float *s,
                     size_t lds, const struct sattn_decode_params *params) {
    const size_t pf = params->prefetch_keys;
    const struct sattn_scales *sc = &params->kv;
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    for (size_t j = 0; j < n; j += 4) {
        const size_t nj = n - j < 4 ? n - j : 4;
        const sattn_elem_t *const kr[4] = {SATTN_TMPL_KEY(k, ldk, j, 0, nj), SATTN_TMPL_KEY(k, ldk, j, 1, nj),
                                           SATTN_TMPL_KEY(k, ldk, j, 2, nj), SATTN_TMPL_KEY(k, ldk, j, 3, nj)};
        const float *const ks[4] = {SATTN_TMPL_KEY_SCALES(sc, j, 0, nj), SATTN_TMPL_KEY_SCALES(sc, j, 1, nj),
                                    SATTN_TMPL_KEY_SCALES(sc, j, 2, nj), SATTN_TMPL_KEY_SCALES(sc, j, 3, nj)};
        if (pf && j + pf < n) /* the rows pf keys ahead of this quad's */
            sattn_prefetch_row_run_to(SATTN_TMPL_ROW(k, j + pf, ldk), n - (j + pf) < nj ? n - (j + pf) : nj,
                                      SATTN_TMPL_ROW_BYTES(ldk), SATTN_TMPL_ROW_BYTES(d), params->prefetch_l2);
        switch (nj) {
        case 4: qk_quad(4, rows, d, q, ldq, kr, ks, g, params->scale, s + j, lds); break;
        case 3: qk_quad(3, rows, d, q, ldq, kr, ks, g, params->scale, s + j, lds); break;
        case 2: qk_quad(2, rows, d, q, ldq, kr, ks, g, params->scale, s + j, lds); break;
        default: qk_quad(1, rows, d, q, ldq, kr, ks, g, params->scale, s + j, lds); break;
        }
    }
}

/* Q·Kᵀ for 16 rows or more: the lanes are rows. Q is transposed once a call (Qᵀ: a vector of 16 rows' elements per
 * column), and each key's elements are broadcast against it: a 16-row column of logits costs d FMAs and no
 * horizontal sums, where the 4 x 4 tiles pay sum16's tree for every 16 logits. 16 keys' columns are transposed in
 * registers into 16 rows of S. In L1 (16 rows x 128 keys, f32, the AMX Xeon VM) 1.47x the tiles' speed at d 128
 * and 1.62x at d 64. In decode (bench, 1 thread, interleaved rounds, medians of 3) 32 rows per K/V head (MQA, GQA
 * 32/4 x 4 and 32/8 x 8 queries, dense, kv 8192 and 32768) took 0.73-0.93x the tiles' time at d 64 and 0.90-1.05x
 * at d 128 in f32, f16 and bf16 0.77-0.81x, int8 and int4 0.81-0.90x (GQA 32/8 x 8, d 64, kv 8192); 16 rows
 * (32 heads x 16 queries, GQA 32/8 x 4) 0.95-1.03x, where K and V come from memory and the arithmetic was not
 * what bound them. A logit is then one FMA chain over d in order, not sum16's tree of 16 chains, so its bits differ
 * from the tiles': the table routes by the call's rows alone (qk_lanes_from), which neither the layout nor the
 * keys per call change. Fewer than 16 rows leave lanes idle (the slot takes any count: the tests run it so). */
#define LANES_MAX_D 256
#define LANES_ROWS 32 /* rows a pass transposes: two vectors of lanes */
/* Prefetching a block's rows ahead all at once, 128 lines for 16 keys of d 128 in f32, holds the core until the 16
 * L1 fill buffers take them, so the stream and the FMAs came one after the other (32 heads x 16 queries, kv 32768,
 * d 128: 131 ns a key and head, where the FMAs alone take 65 in L2 and the stream 74). Rows under a page apart
 * (dense, paged) now take one prefetch per FMA step: the hardware has them in L2 and each completes quickly.
 * Tokens-major rows, a page or more apart, each come from DRAM: there the burst's earlier start was worth more
 * (spread: d 64 96-98 ms against 90-92, d 128 156-157 against 152-155, 1 thread, two rounds). */
#define LANES_SPREAD_STRIDE 4096

/* 16 vectors of floats transposed in place (a[i] lane j -> a[j] lane i). */
static inline void transpose16(__m512 a[16]) {
    __m512i r[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_castps_si512(a[i]);
    sattn_avx512_transpose_16x16(r);
    for (int i = 0; i < 16; i++) a[i] = _mm512_castsi512_ps(r[i]);
}

/* Rows to prefetch: rows of them from x, ld_bytes apart (rows 0: none), into L2 or L1. */
struct row_run {
    const char *x;
    size_t rows, ld_bytes;
    int to_l2;
};

/* Qᵀ of rows [0, rn) (rn <= 16; lanes past rn zero): column c's 16 elements at qt + 16c. */
static void transpose_rows(size_t rn, size_t d, const float *q, size_t ldq, float *qt) {
    for (size_t c = 0; c < d; c += 16) {
        const __mmask16 m = sattn_avx512_tail_mask(d - c);
        __m512 a[16];
        for (size_t r = 0; r < 16; r++) a[r] = r < rn ? _mm512_maskz_loadu_ps(m, q + r * ldq + c) : _mm512_setzero_ps();
        transpose16(a);
        for (size_t i = 0; i < 16 && c + i < d; i++) _mm512_store_ps(qt + (c + i) * 16, a[i]);
    }
}

/* The 16 lanes of qt (rows [0, rn) of s) against the nj <= 16 keys kr (past nj: the last again). One vector of
 * lanes at a time: its 16 accumulators, a query vector and the broadcasts fill the registers (two vectors' 32
 * accumulators spilled: 32 rows 1.16-1.30x the tiles' time). */
static void qk_lanes_keys(size_t d, const float *qt, const sattn_elem_t *const kr[16], const float *const ks[16],
                          size_t g, float scale, size_t nj, size_t rn, float *s, size_t lds, const struct row_run *ahead) {
    __m512 a[16];
    for (int t = 0; t < 16; t++) a[t] = _mm512_setzero_ps();
    for (size_t c = 0; c < d; c += 16) {
        const size_t w = d - c < 16 ? d - c : 16;
        /* The line of the rows ahead that starts in these columns' bytes, if one does: row i's at step i. */
        const size_t b0 = SATTN_TMPL_ROW_BYTES(c), line = (b0 + 63) & ~(size_t)63;
        const char *pf = ahead->rows && line < SATTN_TMPL_ROW_BYTES(c + w) ? ahead->x + line : NULL;
        _Alignas(64) float kc[16][16]; /* the keys' elements c.. as floats, to broadcast */
        if (quant_whole(d, g)) { /* one scale a key for the 16 columns, not load16_scaled's lookup per lane */
            const size_t gi = c / g;
            for (int t = 0; t < 16; t++) _mm512_store_ps(kc[t], _mm512_mul_ps(sattn_avx512_load16(kr[t], c, w), _mm512_set1_ps(ks[t][gi])));
        } else {
            for (int t = 0; t < 16; t++) _mm512_store_ps(kc[t], sattn_avx512_load16_scaled(kr[t], c, w, ks[t], g));
        }
        for (size_t i = 0; i < w; i++) {
            if (pf && i < ahead->rows) sattn_prefetch_line(pf + i * ahead->ld_bytes, ahead->to_l2);
            const __m512 x = _mm512_load_ps(qt + (c + i) * 16);
            for (int t = 0; t < 16; t++) a[t] = _mm512_fmadd_ps(x, _mm512_set1_ps(kc[t][i]), a[t]);
        }
        if (pf)
            for (size_t t = w; t < ahead->rows; t++) sattn_prefetch_line(pf + t * ahead->ld_bytes, ahead->to_l2);
    }
    transpose16(a);
    const __mmask16 m = sattn_avx512_tail_mask(nj);
    const __m512 vs = _mm512_set1_ps(scale);
    for (size_t r = 0; r < rn; r++) _mm512_mask_storeu_ps(s + r * lds, m, _mm512_mul_ps(vs, a[r]));
}

static void qk_lanes(size_t rows, size_t n, size_t d, const float *q, size_t ldq, const void *k, size_t ldk, float *s,
                     size_t lds, const struct sattn_decode_params *params) {
    _Alignas(64) float qt[2 * LANES_MAX_D * 16];
    const size_t pf = params->prefetch_keys;
    const struct sattn_scales *sc = &params->kv;
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    for (size_t r0 = 0; r0 < rows; r0 += LANES_ROWS) {
        const size_t left = rows - r0, rn[2] = {left < 16 ? left : 16, left > 32 ? 16 : left > 16 ? left - 16 : 0};
        for (int v = 0; v < 2; v++)
            if (rn[v]) transpose_rows(rn[v], d, q + (r0 + 16 * v) * ldq, ldq, qt + v * LANES_MAX_D * 16);
        for (size_t j = 0; j < n; j += 16) {
            const size_t nj = n - j < 16 ? n - j : 16;
            const sattn_elem_t *kr[16];
            const float *ks[16];
            for (size_t t = 0; t < 16; t++) kr[t] = SATTN_TMPL_KEY(k, ldk, j, t, nj), ks[t] = SATTN_TMPL_KEY_SCALES(sc, j, t, nj);
            /* The rows pf keys ahead of this block's: rows less than a page apart, which the hardware streams
             * into L2, line by line among the first pass's FMAs; rows a page or more apart (tokens-major), each
             * line from DRAM, all at once before it. */
            struct row_run ahead = {NULL, 0, SATTN_TMPL_ROW_BYTES(ldk), params->prefetch_l2}, none = {NULL, 0, 0, 0};
            const size_t ahead_rows = pf && j + pf < n && r0 == 0 ? (n - (j + pf) < 16 ? n - (j + pf) : 16) : 0;
            if (ahead_rows && ahead.ld_bytes < LANES_SPREAD_STRIDE)
                ahead.x = (const char *)SATTN_TMPL_ROW(k, j + pf, ldk), ahead.rows = ahead_rows;
            else if (ahead_rows)
                sattn_prefetch_row_run_to(SATTN_TMPL_ROW(k, j + pf, ldk), ahead_rows, ahead.ld_bytes, SATTN_TMPL_ROW_BYTES(d),
                                          ahead.to_l2);
            for (size_t v = 0; v < 2 && rn[v]; v++)
                qk_lanes_keys(d, qt + v * LANES_MAX_D * 16, kr, ks, g, params->scale, nj, rn[v],
                              s + (r0 + 16 * v) * lds + j, lds, v == 0 ? &ahead : &none);
        }
    }
}

/* P·V: a tile of R <= 4 rows x V <= 4 column vectors of acc (64 columns) stays in registers over a block of keys
 * (16 accumulators, V converted vectors, a broadcast weight); each key costs V + R loads for R*V FMAs. Keys go in
 * blocks of PV_BLOCK_KEYS, whose rows stay in L1 while every tile of the block reads them (32 rows of dv 128 in
 * f32: 16 KiB). Each column tile prefetches its columns pf keys ahead, the row tiles taking turns key by key (all
 * in the first tile, a quarter of the time for 16 rows, had its prefetches wait on the L1 fill buffers and the FMAs
 * wait on them; see pv_tiles for the distance). */
#define PV_BLOCK_KEYS 32

ALWAYS_INLINE void pv_tile(const int R, const int V, size_t n, const float *p, size_t ldp, const void *v, size_t ldv,
                           const struct sattn_scales *sc, size_t c, size_t wlast, float *acc, size_t ldacc, size_t pf,
                           int l2, size_t left, size_t pf_every, size_t pf_phase) {
    __m512 x[4][4];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < V; t++)
            x[r][t] = _mm512_maskz_loadu_ps(sattn_avx512_tail_mask(t == V - 1 ? wlast : 16), acc + r * ldacc + c + 16 * t);
    for (size_t j = 0, turn = pf_phase; j < n; j++, turn = turn ? turn - 1 : pf_every - 1) {
        const sattn_elem_t *row = SATTN_TMPL_ROW(v, j, ldv);
        if (pf && j + pf < left && turn == 0) /* the same columns pf keys ahead, on this tile's turn */
            for (size_t b = SATTN_TMPL_ROW_BYTES(c); b < SATTN_TMPL_ROW_BYTES(c + 16 * V); b += 64)
                sattn_prefetch_line((const char *)SATTN_TMPL_ROW(v, j + pf, ldv) + b, l2);
        __m512 y[4];
        const float *e = SATTN_TMPL_QUANT ? sc->at + j * sc->ld : NULL;
        for (int t = 0; t < V; t++) y[t] = sattn_avx512_load16_scaled(row, c + 16 * t, t == V - 1 ? wlast : 16, e, sc->group);
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
                              const struct sattn_scales *sc, size_t c, size_t wlast, float *acc, size_t ldacc, size_t pf,
                              int l2, size_t left) {
    /* Rows a block or more ahead are the next block's: every tile may take its turn. Nearer ones are still this
     * block's, which the first tile reads first: it prefetches them all. */
    const size_t turns = pf >= PV_BLOCK_KEYS ? (rows + 3) / 4 : 1;
    size_t r = 0, t = 0;
    for (; r + 4 <= rows; r += 4, t++)
        pv_tile(4, V, n, p + r * ldp, ldp, v, ldv, sc, c, wlast, acc + r * ldacc, ldacc, t < turns ? pf : 0, l2, left, turns, t);
    const size_t pft = t < turns ? pf : 0;
    switch (rows - r) {
    case 3: pv_tile(3, V, n, p + r * ldp, ldp, v, ldv, sc, c, wlast, acc + r * ldacc, ldacc, pft, l2, left, turns, t); break;
    case 2: pv_tile(2, V, n, p + r * ldp, ldp, v, ldv, sc, c, wlast, acc + r * ldacc, ldacc, pft, l2, left, turns, t); break;
    case 1: pv_tile(1, V, n, p + r * ldp, ldp, v, ldv, sc, c, wlast, acc + r * ldacc, ldacc, pft, l2, left, turns, t); break;
    default: break;
    }
}

#if SATTN_TMPL_QUANT
/* I8/I4 P·V with groups of whole vectors (and at most QUANT_WT_MAX_GROUPS a row): a register tile of R <= 4 rows
 * x V <= 4 column vectors of acc over a block of keys, each key's V vectors converted once for the R rows and each
 * FMA's weight broadcast from wt, the block's weights with the groups' scales folded in (u * s once, then u*s * q,
 * as AVX2's pv_rows4_quant does: no multiply per vector): wt[(r * PV_BLOCK_KEYS + j) * QUANT_WT_MAX_GROUPS + g] for
 * row r, key j, group g. Each element takes one FMA a key, keys in order, so the same bits as the one-row kernels
 * below. Against the form before it (4 rows x 4 keys, accumulators in L1, which measured 0.75-0.90x of AVX2's time
 * for int8/int4 GQA on the AMX Xeon VM), on the Zen 5 VM (in L1/L2, 256 keys, calls alternating, medians of 15)
 * 0.73-0.90x the time at 2 to 16 rows, d 64 to 256 (d 128, 4 rows: int8 7.3 against 9.0 ns a key); GQA 32/8 decode
 * (bench shapes, 1 thread, builds alternating in one process) int8 0.88-0.95x dense and 0.88-0.90x tokens-major,
 * int4 0.88-0.97x and 0.83-0.90x, d 64 0.87-0.89x, 16 rows a K/V head 0.84-0.85x. */
#define QUANT_WT_MAX_GROUPS 16
/* VPG: the tile's vectors per group where it is a constant (1, 2, 4: groups of 16, 32 and multiples of 64, the
 * tile's columns starting on a group), so a row's weight is broadcast once per group (4 and 2 broadcasts a key,
 * not 16, for groups of 64 and 32: the broadcasts' loads bound the tile before its FMAs); 0: each vector's own. */
ALWAYS_INLINE void pv_quant_tile(const int R, const int V, const int VPG, size_t nj, const float *wt, size_t group,
                                 const void *v, size_t ldv, size_t c, float *acc, size_t ldacc, const char *ahead,
                                 size_t ahead_keys, size_t row_bytes, int l2) {
    __m512 x[4][4];
    size_t gi[4];
    for (int t = 0; t < V; t++) gi[t] = VPG ? c / group + (size_t)t / VPG : (c + 16 * t) / group;
    for (int r = 0; r < R; r++)
        for (int t = 0; t < V; t++) x[r][t] = quant_lanes(_mm512_loadu_ps(acc + r * ldacc + c + 16 * t), 1);
    for (size_t j = 0; j < nj; j++) {
        if (j < ahead_keys) sattn_prefetch_row_run_to(ahead + j * SATTN_TMPL_ROW_BYTES(ldv), 1, 0, row_bytes, l2);
        const sattn_elem_t *row = SATTN_TMPL_ROW(v, j, ldv);
        __m512 y[4];
        for (int t = 0; t < V; t++) y[t] = quant_half(row, c + 16 * t);
        for (int r = 0; r < R; r++) {
            const float *w = wt + (r * PV_BLOCK_KEYS + j) * QUANT_WT_MAX_GROUPS;
            __m512 ws[4];
            for (int t = 0; t < V; t++) ws[t] = VPG && t % VPG ? ws[t - 1] : _mm512_set1_ps(w[gi[t]]);
            for (int t = 0; t < V; t++) x[r][t] = _mm512_fmadd_ps(ws[t], y[t], x[r][t]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < V; t++) _mm512_storeu_ps(acc + r * ldacc + c + 16 * t, quant_lanes(x[r][t], 0));
}

/* A key's G <= 16 scales in lanes [0, G), zeros past them. The scales are a stream beside V's, and a masked load
 * that misses L1 stalls Zen 5 where a plain one of the same bytes streams: loads of exactly G floats took GQA 32/8
 * decode to 0.82-0.93x the time with groups of 32 and 0.94-0.97x with a scale a row (int8 and int4, kv 32768, 1
 * thread, Zen 5 VM, two builds alternating, medians of 11). */
static inline __m512 key_scales(const float *e, size_t G) {
    switch (G) {
    case 1: return _mm512_zextps128_ps512(_mm_load_ss(e));
    case 2: return _mm512_zextps128_ps512(_mm_castpd_ps(_mm_load_sd((const double *)e)));
    case 4: return _mm512_zextps128_ps512(_mm_loadu_ps(e));
    case 8: return _mm512_zextps256_ps512(_mm256_loadu_ps(e));
    default: return _mm512_maskz_loadu_ps(sattn_avx512_tail_mask(G), e);
    }
}

/* Rows [0, R) of the block's nj keys from key 0 of v (scales sc's from its row 0) into acc, column tile by column
 * tile; the block's rows pf keys ahead prefetched during its first tile. */
ALWAYS_INLINE void pv_quant_block(const int R, size_t nj, size_t dv, const float *p, size_t ldp, const void *v,
                                  size_t ldv, const struct sattn_scales *sc, float *acc, size_t ldacc, const char *ahead,
                                  size_t ahead_keys, int l2) {
    _Alignas(64) float wt[4 * PV_BLOCK_KEYS * QUANT_WT_MAX_GROUPS];
    const size_t g = sc->group, rb = SATTN_TMPL_ROW_BYTES(dv);
    for (size_t j = 0; j < nj; j++) {
        const __m512 e = key_scales(sc->at + j * sc->ld, dv / g);
        for (int r = 0; r < R; r++)
            _mm512_store_ps(wt + (r * PV_BLOCK_KEYS + j) * QUANT_WT_MAX_GROUPS, _mm512_mul_ps(_mm512_set1_ps(p[r * ldp + j]), e));
    }
    size_t c = 0;
    for (; c + 64 <= dv; c += 64, ahead_keys = 0) {
        if (g % 64 == 0)
            pv_quant_tile(R, 4, 4, nj, wt, g, v, ldv, c, acc, ldacc, ahead, ahead_keys, rb, l2);
        else if (g == 32)
            pv_quant_tile(R, 4, 2, nj, wt, g, v, ldv, c, acc, ldacc, ahead, ahead_keys, rb, l2);
        else if (g == 16)
            pv_quant_tile(R, 4, 1, nj, wt, g, v, ldv, c, acc, ldacc, ahead, ahead_keys, rb, l2);
        else
            pv_quant_tile(R, 4, 0, nj, wt, g, v, ldv, c, acc, ldacc, ahead, ahead_keys, rb, l2);
    }
    switch ((dv - c) / 16) {
    case 3: pv_quant_tile(R, 3, 0, nj, wt, g, v, ldv, c, acc, ldacc, ahead, ahead_keys, rb, l2); break;
    case 2: pv_quant_tile(R, 2, 0, nj, wt, g, v, ldv, c, acc, ldacc, ahead, ahead_keys, rb, l2); break;
    case 1: pv_quant_tile(R, 1, 0, nj, wt, g, v, ldv, c, acc, ldacc, ahead, ahead_keys, rb, l2); break;
    default: break;
    }
}

static void pv_quant_tiles(size_t rows, size_t n, size_t dv, const float *p, size_t ldp, const void *v, size_t ldv,
                           float *acc, size_t ldacc, const struct sattn_decode_params *params) {
    const size_t pf = params->prefetch_keys;
    const int l2 = params->prefetch_l2;
    for (size_t j = 0; j < n; j += PV_BLOCK_KEYS) {
        const size_t nj = n - j < PV_BLOCK_KEYS ? n - j : PV_BLOCK_KEYS;
        const void *vb = SATTN_TMPL_ROW(v, j, ldv);
        struct sattn_scales bs = params->kv;
        bs.at += j * bs.ld;
        /* the rows pf keys ahead of this block's, one a key during the first row tile's first column tile */
        const size_t ahead_keys = pf && j + pf < n ? (n - (j + pf) < nj ? n - (j + pf) : nj) : 0;
        const char *ahead = ahead_keys ? (const char *)SATTN_TMPL_ROW(v, j + pf, ldv) : NULL;
        size_t r = 0;
        for (; r + 4 <= rows; r += 4)
            pv_quant_block(4, nj, dv, p + r * ldp + j, ldp, vb, ldv, &bs, acc + r * ldacc, ldacc, ahead, r ? 0 : ahead_keys, l2);
        const size_t ak = r ? 0 : ahead_keys;
        switch (rows - r) {
        case 3: pv_quant_block(3, nj, dv, p + r * ldp + j, ldp, vb, ldv, &bs, acc + r * ldacc, ldacc, ahead, ak, l2); break;
        case 2: pv_quant_block(2, nj, dv, p + r * ldp + j, ldp, vb, ldv, &bs, acc + r * ldacc, ldacc, ahead, ak, l2); break;
        case 1: pv_quant_block(1, nj, dv, p + r * ldp + j, ldp, vb, ldv, &bs, acc + r * ldacc, ldacc, ahead, ak, l2); break;
        default: break;
        }
    }
}
#endif

static void pv_tiles(size_t rows, size_t n, size_t dv, const float *p, size_t ldp, const void *v, size_t ldv, float *acc,
                     size_t ldacc, const struct sattn_decode_params *params) {
    size_t pf = params->prefetch_keys;
#if SATTN_TMPL_QUANT
    if (quant_whole(dv, params->kv.group) && dv / params->kv.group <= QUANT_WT_MAX_GROUPS) {
        pv_quant_tiles(rows, n, dv, p, ldp, v, ldv, acc, ldacc, params);
        return;
    }
#endif
    /* Past 4 rows the tiles take turns prefetching when the rows are a whole block ahead (pv_columns): so far ahead,
     * as far as the driver allows. 32 heads x 16 queries, dense, kv 32768, d 128, 1 thread: 109-113 ns a key and
     * head, 117-118 with the 16 keys that 8 KiB make (the block's far half in turns), 119-124 with the first tile
     * prefetching every row. */
    const size_t block_ahead = PV_BLOCK_KEYS < params->prefetch_keys_max ? PV_BLOCK_KEYS : params->prefetch_keys_max;
    if (rows > 4 && pf && pf < block_ahead) pf = block_ahead;
    for (size_t j = 0; j < n; j += PV_BLOCK_KEYS) {
        const size_t nj = n - j < PV_BLOCK_KEYS ? n - j : PV_BLOCK_KEYS;
        const void *vb = SATTN_TMPL_ROW(v, j, ldv);
        struct sattn_scales bs = params->kv;
        if (SATTN_TMPL_QUANT) bs.at += j * bs.ld;
        size_t c = 0;
        for (; c + 64 <= dv; c += 64) pv_columns(4, rows, nj, p + j, ldp, vb, ldv, &bs, c, 16, acc, ldacc, pf, params->prefetch_l2, n - j);
        const size_t left = dv - c;
        if (left > 48)
            pv_columns(4, rows, nj, p + j, ldp, vb, ldv, &bs, c, left - 48, acc, ldacc, pf, params->prefetch_l2, n - j);
        else if (left > 32)
            pv_columns(3, rows, nj, p + j, ldp, vb, ldv, &bs, c, left - 32, acc, ldacc, pf, params->prefetch_l2, n - j);
        else if (left > 16)
            pv_columns(2, rows, nj, p + j, ldp, vb, ldv, &bs, c, left - 16, acc, ldacc, pf, params->prefetch_l2, n - j);
        else if (left > 0)
            pv_columns(1, rows, nj, p + j, ldp, vb, ldv, &bs, c, left, acc, ldacc, pf, params->prefetch_l2, n - j);
    }
}

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_many, avx512)) { qk_tiles(rows, n, d, q, ldq, k, ldk, s, lds, params); }

/* Rows past LANES_MAX_D columns (Qᵀ's stack room) take the tiles, every call of that d alike. */
SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_lanes, avx512)) {
    if (d <= LANES_MAX_D) qk_lanes(rows, n, d, q, ldq, k, ldk, s, lds, params);
    else qk_tiles(rows, n, d, q, ldq, k, ldk, s, lds, params);
}

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_many, avx512)) { pv_tiles(rows, n, dv, p, ldp, v, ldv, acc, ldacc, params); }

#if SATTN_TMPL_QUANT
/* Int8 and int4 calls of one row (one query per K/V head: MHA decode), which the arithmetic bounds more than the
 * other types': AVX2's one-row kernels spent 8 operations per 8 int4 elements, 7 per 8 int8. Each group is read
 * in blocks of 32 columns (and a block of 16 where 32 do not fit) that become two vectors of 16 columns: int8
 * by sign extensions; int4 by i4_lanes and a table lookup, its lanes in another order than the columns', into
 * which q and the accumulator are put once per call. Q·Kᵀ sums each key's group in two chains, scaled once at
 * the group's end; P·V adds the exact integers with the group's scale folded into the weight: each element takes
 * the same FMAs in the same key order as pv_quant_tiles, so the same bits whichever path a call takes
 * (tokens-major walks make short calls). Groups and d multiples of 16 (q8_0 / q4_0's 32, whole rows of 64 to
 * 256); other shapes and more rows take the tiles. Not kept: int4 at d 128 on nibble planes (a row loaded whole,
 * lane L holding elements 8L..8L+7, one shift and lookup per 16 elements), in L2 P·V 0.72-0.85x the time and Q·Kᵀ
 * 0.87-0.97x, but MHA decode from DRAM dense 0.93-1.04x and tokens-major 1.16-1.26x (Zen 5 VM;
 * docs/kv-cache-types-log.md). */
#define QUANT_ROW_MAX_D 256
static inline int quant_row_fits(size_t d, size_t group) { return group % 16 == 0 && d % 16 == 0 && d <= QUANT_ROW_MAX_D; }

/* The scales of the four keys from j (I8/I4), prefetched beside their rows by the one-row kernels: in a tokens-major
 * cache one head's scales of successive keys lie a line or more apart, as its rows do. Zen 5 VM, 32 heads, d 128,
 * groups of 32, tokens-major, two builds alternating (medians of 7-15): int4 0.84-0.93x the time (kv 8192 and 32768,
 * 1 and 2 threads), int8 0.95-1.09x (no change), dense layouts 0.91-1.01x. */
SATTN_PREFETCH_INLINE void prefetch_quad_scales(const struct sattn_scales *sc, size_t j, size_t cols, size_t group) {
    sattn_prefetch_rows(sc->at + j * sc->ld, sc->ld * sizeof(float), cols / group * sizeof(float));
}
#endif

#if SATTN_TMPL_QUANT || SATTN_TMPL_IS_F16 || SATTN_TMPL_IS_BF16
/* The four keys' rows and scales (I8/I4; NULL for the others) from j (past nj: the last again). */
#define QUANT_QUAD(x, ld, sc, r, e)                                                                                     \
    const sattn_elem_t *const r[4] = {SATTN_TMPL_KEY(x, ld, j, 0, nj), SATTN_TMPL_KEY(x, ld, j, 1, nj),                 \
                                      SATTN_TMPL_KEY(x, ld, j, 2, nj), SATTN_TMPL_KEY(x, ld, j, 3, nj)};                \
    const float *const e[4] = {SATTN_TMPL_KEY_SCALES(sc, j, 0, nj), SATTN_TMPL_KEY_SCALES(sc, j, 1, nj),               \
                               SATTN_TMPL_KEY_SCALES(sc, j, 2, nj), SATTN_TMPL_KEY_SCALES(sc, j, 3, nj)}

/* P·V of one row whose dv is 64 or 128 (NV vectors), one group of `group` columns a scale (I8/I4: 32, 64 or the
 * whole row; F16/BF16: group = dv, no scales): the accumulator stays in NV registers for the call, where the
 * one-row kernels below load and store it every four keys (each vector's chain of FMAs then waited on a store
 * forwarded to the next quad's load). Each accumulator element takes its keys in order, one FMA each, with the
 * weights of pv_row_quant_quad and pv_row16_quad, so the same bits. Groups and dv must be constants (the callers
 * instantiate each pair), or the accumulator's vectors, indexed by column, go to the stack: d 256, or a group
 * only known at run time, took 1.7-2.3x the time. Zen 5 VM, two builds alternating, medians of 15: in L2 (512
 * keys) int8 0.78-0.92x the time, int4 0.71-0.99x, f16 0.67-0.89x, bf16 0.66-0.70x; MHA decode (32 heads, d 128,
 * 1 thread) int8 and int4 0.79-0.98x (dense kv 32768 and tokens-major kv 8192, groups of 32 and whole rows),
 * f16 and bf16 0.87-1.00x (kv 32768, where the stream bounds them). */
ALWAYS_INLINE void pv_row_regs(const int NV, const size_t group, size_t n, const float *p, const void *v, size_t ld,
                               const struct sattn_scales *sc, float *acc, size_t pf) {
    __m512 x[8];
    for (int i = 0; i < NV; i++) x[i] = _mm512_loadu_ps(acc + 16 * i);
    for (size_t j = 0; j < n; j += 4) {
        const size_t nj = n - j < 4 ? n - j : 4;
        if (pf && j + pf < n) {
            sattn_prefetch_rows(SATTN_TMPL_ROW(v, j + pf, ld), SATTN_TMPL_ROW_BYTES(ld), SATTN_TMPL_ROW_BYTES(16 * NV));
#if SATTN_TMPL_QUANT
            prefetch_quad_scales(sc, j + pf, 16 * NV, group);
#endif
        }
        QUANT_QUAD(v, ld, sc, vr, e);
        float u[4];
        for (size_t t = 0; t < 4; t++) u[t] = t < nj ? p[j + t] : 0.0f; /* a missing key weighs 0 */
        for (size_t c0 = 0, gi = 0; c0 < 16 * (size_t)NV; c0 += group, gi++)
            for (int t = 0; t < 4; t++) {
                const __m512 w = _mm512_set1_ps(SATTN_TMPL_QUANT ? u[t] * e[t][gi] : u[t]);
                for (size_t c = c0; c < c0 + group; c += 32) {
                    __m512 y0, y1;
#if SATTN_TMPL_QUANT
                    quant_block(vr[t], c, &y0, &y1);
#else
                    y0 = sattn_avx512_load16(vr[t], c, 16), y1 = sattn_avx512_load16(vr[t], c + 16, 16);
#endif
                    x[c / 16] = _mm512_fmadd_ps(w, y0, x[c / 16]), x[c / 16 + 1] = _mm512_fmadd_ps(w, y1, x[c / 16 + 1]);
                }
            }
    }
    for (int i = 0; i < NV; i++) _mm512_storeu_ps(acc + 16 * i, x[i]);
}
#endif

#if SATTN_TMPL_QUANT

/* One row against the nj <= 4 keys from j (qs: q as the blocks come). GROUPED (groups multiples of 32): each key
 * sums a group in two chains, scaled once at its end; else each block is scaled as it comes. Groups of 32 take
 * one chain, a multiply and an FMA, where two chains cost an FMA and an addition more a group and key: in L2
 * (512 keys, 1 row, Zen 5 VM, the two builds alternating, medians of 15) 0.85x the time at d 128 for int8, 0.91x
 * at d 64 and 0.90x at d 256, int4 0.93-1.00x. It rounds once less than the sum of two chains; the tiles (more
 * rows) take other bits anyway, and which kernel a call takes depends on its rows alone. */
ALWAYS_INLINE void qk_row_quant_quad(const int GROUPED, const size_t group, size_t j, size_t nj, size_t d,
                                     const float *qs, const void *k, size_t ldk, const struct sattn_scales *sc,
                                     float scale, float *s) {
    QUANT_QUAD(k, ldk, sc, kr, ks);
    __m512 a[4];
    for (int t = 0; t < 4; t++) a[t] = _mm512_setzero_ps();
    if (GROUPED && group == 32) { /* q8_0 / q4_0's groups: a group is one block, its two products one chain */
        for (size_t c = 0, gi = 0; c < d; c += 32, gi++) {
            const __m512 x0 = _mm512_loadu_ps(qs + c), x1 = _mm512_loadu_ps(qs + c + 16);
            for (int t = 0; t < 4; t++) {
                __m512 y0, y1;
                quant_block(kr[t], c, &y0, &y1);
                a[t] = _mm512_fmadd_ps(_mm512_fmadd_ps(x1, y1, _mm512_mul_ps(x0, y0)), _mm512_set1_ps(ks[t][gi]), a[t]);
            }
        }
    } else if (GROUPED) {
        for (size_t c0 = 0, gi = 0; c0 < d; c0 += group, gi++) {
            __m512 g0[4], g1[4]; /* two chains a key: eight in flight */
            for (int t = 0; t < 4; t++) g0[t] = g1[t] = _mm512_setzero_ps();
            for (size_t c = c0; c < c0 + group; c += 32) {
                const __m512 x0 = _mm512_loadu_ps(qs + c), x1 = _mm512_loadu_ps(qs + c + 16);
                for (int t = 0; t < 4; t++) {
                    __m512 y0, y1;
                    quant_block(kr[t], c, &y0, &y1);
                    g0[t] = _mm512_fmadd_ps(x0, y0, g0[t]), g1[t] = _mm512_fmadd_ps(x1, y1, g1[t]);
                }
            }
            for (int t = 0; t < 4; t++)
                a[t] = _mm512_fmadd_ps(_mm512_add_ps(g0[t], g1[t]), _mm512_set1_ps(ks[t][gi]), a[t]);
        }
    } else {
        size_t c = 0;
        for (; c + 32 <= d; c += 32) {
            const __m512 x0 = _mm512_loadu_ps(qs + c), x1 = _mm512_loadu_ps(qs + c + 16);
            for (int t = 0; t < 4; t++) {
                __m512 y0, y1;
                quant_block(kr[t], c, &y0, &y1);
                a[t] = _mm512_fmadd_ps(_mm512_mul_ps(x0, y0), _mm512_set1_ps(ks[t][c / group]), a[t]);
                a[t] = _mm512_fmadd_ps(_mm512_mul_ps(x1, y1), _mm512_set1_ps(ks[t][(c + 16) / group]), a[t]);
            }
        }
        if (c < d) {
            const __m512 x = _mm512_loadu_ps(qs + c);
            for (int t = 0; t < 4; t++)
                a[t] = _mm512_fmadd_ps(_mm512_mul_ps(x, quant_half(kr[t], c)), _mm512_set1_ps(ks[t][c / group]), a[t]);
        }
    }
    float dots[4];
    _mm_storeu_ps(dots, _mm_mul_ps(_mm_set1_ps(scale), sum4(a)));
    for (size_t t = 0; t < nj; t++) s[t] = dots[t];
}

/* acc (int4: as the blocks come) += the nj <= 4 keys from j, weighted by p[j..j + nj), each key's weight times its
 * group's scale (GROUPED: once a group; else per half block, as qk_row_quant_quad). */
ALWAYS_INLINE void pv_row_quant_quad(const int GROUPED, const size_t group, size_t j, size_t nj, size_t dv,
                                     const float *p, const void *v, size_t ldv, const struct sattn_scales *sc,
                                     float *acc) {
    QUANT_QUAD(v, ldv, sc, vr, e);
    float u[4];
    for (size_t t = 0; t < 4; t++) u[t] = t < nj ? p[j + t] : 0.0f; /* a missing key weighs 0 */
    if (GROUPED) {
        for (size_t g0 = 0, gi = 0; g0 < dv; g0 += group, gi++) {
            __m512 w[4];
            for (int t = 0; t < 4; t++) w[t] = _mm512_set1_ps(u[t] * e[t][gi]);
            for (size_t c = g0; c < g0 + group; c += 32) {
                __m512 x0 = _mm512_loadu_ps(acc + c), x1 = _mm512_loadu_ps(acc + c + 16);
                for (int t = 0; t < 4; t++) {
                    __m512 y0, y1;
                    quant_block(vr[t], c, &y0, &y1);
                    x0 = _mm512_fmadd_ps(w[t], y0, x0), x1 = _mm512_fmadd_ps(w[t], y1, x1);
                }
                _mm512_storeu_ps(acc + c, x0), _mm512_storeu_ps(acc + c + 16, x1);
            }
        }
        return;
    }
    size_t c = 0;
    for (; c + 32 <= dv; c += 32) {
        __m512 x0 = _mm512_loadu_ps(acc + c), x1 = _mm512_loadu_ps(acc + c + 16);
        for (int t = 0; t < 4; t++) {
            __m512 y0, y1;
            quant_block(vr[t], c, &y0, &y1);
            x0 = _mm512_fmadd_ps(_mm512_set1_ps(u[t] * e[t][c / group]), y0, x0);
            x1 = _mm512_fmadd_ps(_mm512_set1_ps(u[t] * e[t][(c + 16) / group]), y1, x1);
        }
        _mm512_storeu_ps(acc + c, x0), _mm512_storeu_ps(acc + c + 16, x1);
    }
    if (c < dv) {
        __m512 x = _mm512_loadu_ps(acc + c);
        for (int t = 0; t < 4; t++) x = _mm512_fmadd_ps(_mm512_set1_ps(u[t] * e[t][c / group]), quant_half(vr[t], c), x);
        _mm512_storeu_ps(acc + c, x);
    }
}

/* A one-row call's keys four at a time, the rows pf keys ahead prefetched: Q·Kᵀ (x = q as the blocks come, out =
 * the logits) or P·V (x = the weights, out = the accumulator). */
ALWAYS_INLINE void quant_row_keys(const int PV, const int GROUPED, const size_t group, size_t n, size_t d, const float *x,
                                  const void *kv, size_t ld, const struct sattn_scales *sc, float scale, float *out,
                                  size_t pf) {
    size_t j = 0;
    for (; j + 4 <= n; j += 4) { /* whole quads: nj a constant */
        if (pf && j + pf < n) {
            sattn_prefetch_rows(SATTN_TMPL_ROW(kv, j + pf, ld), SATTN_TMPL_ROW_BYTES(ld), SATTN_TMPL_ROW_BYTES(d));
            prefetch_quad_scales(sc, j + pf, d, group);
        }
        if (PV) pv_row_quant_quad(GROUPED, group, j, 4, d, x, kv, ld, sc, out);
        else qk_row_quant_quad(GROUPED, group, j, 4, d, x, kv, ld, sc, scale, out + j);
    }
    if (j < n && PV) pv_row_quant_quad(GROUPED, group, j, n - j, d, x, kv, ld, sc, out);
    else if (j < n) qk_row_quant_quad(GROUPED, group, j, n - j, d, x, kv, ld, sc, scale, out + j);
}

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_dot, avx512)) {
    const size_t group = params->kv.group;
    if (rows != 1 || !quant_row_fits(d, group)) {
        qk_tiles(rows, n, d, q, ldq, k, ldk, s, lds, params);
        return;
    }
    const float *qs = q;
#if SATTN_TMPL_IS_I4
    float split[QUANT_ROW_MAX_D];
    i4_lanes_row(q, split, d, 1);
    qs = split;
#endif
    const float sv = params->scale;
    const size_t pf = params->prefetch_keys;
    if (group == 32) /* the common group as a constant: its loop unrolls */
        quant_row_keys(0, 1, 32, n, d, qs, k, ldk, &params->kv, sv, s, pf);
    else if (group % 32 == 0)
        quant_row_keys(0, 1, group, n, d, qs, k, ldk, &params->kv, sv, s, pf);
    else
        quant_row_keys(0, 0, group, n, d, qs, k, ldk, &params->kv, sv, s, pf);
}

/* Int4: the accumulator goes into i4_lanes' order and back once a call, a permutation each way per 16 columns:
 * calls of a few keys (short pages) take the tiles, which give the same bits. */
#if SATTN_TMPL_IS_I4
#define PV_ROW_MIN_KEYS 16
#else
#define PV_ROW_MIN_KEYS 1 /* int8: every call */
#endif

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_accumulate, avx512)) {
    const size_t group = params->kv.group;
    if (rows != 1 || !quant_row_fits(dv, group) || n < PV_ROW_MIN_KEYS) {
        pv_tiles(rows, n, dv, p, ldp, v, ldv, acc, ldacc, params);
        return;
    }
#if SATTN_TMPL_IS_I4
    i4_lanes_row(acc, acc, dv, 1);
#endif
    const size_t pf = params->prefetch_keys;
    const struct sattn_scales *sc = &params->kv;
    if ((dv == 64 || dv == 128) && (group == 32 || group == 64 || group == dv)) { /* a constant group and dv */
        if (dv == 64 && group == 32) pv_row_regs(4, 32, n, p, v, ldv, sc, acc, pf);
        else if (dv == 64) pv_row_regs(4, 64, n, p, v, ldv, sc, acc, pf);
        else if (group == 32) pv_row_regs(8, 32, n, p, v, ldv, sc, acc, pf);
        else if (group == 64) pv_row_regs(8, 64, n, p, v, ldv, sc, acc, pf);
        else pv_row_regs(8, 128, n, p, v, ldv, sc, acc, pf);
    } else if (group == 32)
        quant_row_keys(1, 1, 32, n, dv, p, v, ldv, sc, 0.0f, acc, pf);
    else if (group % 32 == 0)
        quant_row_keys(1, 1, group, n, dv, p, v, ldv, sc, 0.0f, acc, pf);
    else
        quant_row_keys(1, 0, group, n, dv, p, v, ldv, sc, 0.0f, acc, pf);
#if SATTN_TMPL_IS_I4
    i4_lanes_row(acc, acc, dv, 0);
#endif
}
#endif

#if SATTN_TMPL_IS_F16 || SATTN_TMPL_IS_BF16
/* F16 and BF16 calls of one row, at 16 lanes: a key's dot in two chains over blocks of 32 columns (the tail
 * masked), reduced by sum4; P·V adds four keys into each accumulator vector in order, one FMA each, as the tiles
 * do (the same bits). AVX2's one-row kernels convert 8 elements an instruction or two. */
ALWAYS_INLINE void qk_row16_quad(size_t j, size_t nj, size_t d, const float *q, const void *k, size_t ldk, float scale,
                                 float *s) {
    const sattn_elem_t *const kr[4] = {SATTN_TMPL_KEY(k, ldk, j, 0, nj), SATTN_TMPL_KEY(k, ldk, j, 1, nj),
                                       SATTN_TMPL_KEY(k, ldk, j, 2, nj), SATTN_TMPL_KEY(k, ldk, j, 3, nj)};
    __m512 g0[4], g1[4];
    for (int t = 0; t < 4; t++) g0[t] = g1[t] = _mm512_setzero_ps();
    size_t c = 0;
    for (; c + 32 <= d; c += 32) {
        const __m512 x0 = _mm512_loadu_ps(q + c), x1 = _mm512_loadu_ps(q + c + 16);
        for (int t = 0; t < 4; t++) {
            g0[t] = _mm512_fmadd_ps(x0, sattn_avx512_load16(kr[t], c, 16), g0[t]);
            g1[t] = _mm512_fmadd_ps(x1, sattn_avx512_load16(kr[t], c + 16, 16), g1[t]);
        }
    }
    for (; c < d; c += 16) {
        const size_t w = d - c < 16 ? d - c : 16;
        const __m512 x = _mm512_maskz_loadu_ps(sattn_avx512_tail_mask(w), q + c);
        for (int t = 0; t < 4; t++) g0[t] = _mm512_fmadd_ps(x, sattn_avx512_load16(kr[t], c, w), g0[t]);
    }
    __m512 a[4];
    for (int t = 0; t < 4; t++) a[t] = _mm512_add_ps(g0[t], g1[t]);
    float dots[4];
    _mm_storeu_ps(dots, _mm_mul_ps(_mm_set1_ps(scale), sum4(a)));
    for (size_t t = 0; t < nj; t++) s[t] = dots[t];
}

ALWAYS_INLINE void pv_row16_quad(size_t j, size_t nj, size_t dv, const float *p, const void *v, size_t ldv, float *acc) {
    const sattn_elem_t *const vr[4] = {SATTN_TMPL_KEY(v, ldv, j, 0, nj), SATTN_TMPL_KEY(v, ldv, j, 1, nj),
                                       SATTN_TMPL_KEY(v, ldv, j, 2, nj), SATTN_TMPL_KEY(v, ldv, j, 3, nj)};
    __m512 w[4];
    for (size_t t = 0; t < 4; t++) w[t] = _mm512_set1_ps(t < nj ? p[j + t] : 0.0f); /* a missing key weighs 0 */
    size_t c = 0;
    for (; c + 32 <= dv; c += 32) {
        __m512 x0 = _mm512_loadu_ps(acc + c), x1 = _mm512_loadu_ps(acc + c + 16);
        for (int t = 0; t < 4; t++) {
            x0 = _mm512_fmadd_ps(w[t], sattn_avx512_load16(vr[t], c, 16), x0);
            x1 = _mm512_fmadd_ps(w[t], sattn_avx512_load16(vr[t], c + 16, 16), x1);
        }
        _mm512_storeu_ps(acc + c, x0), _mm512_storeu_ps(acc + c + 16, x1);
    }
    for (; c < dv; c += 16) {
        const __mmask16 m = sattn_avx512_tail_mask(dv - c);
        __m512 x = _mm512_maskz_loadu_ps(m, acc + c);
        for (int t = 0; t < 4; t++) x = _mm512_fmadd_ps(w[t], sattn_avx512_load16(vr[t], c, dv - c), x);
        _mm512_mask_storeu_ps(acc + c, m, x);
    }
}

/* As quant_row_keys. */
ALWAYS_INLINE void row16_keys(const int PV, size_t n, size_t d, const float *x, const void *kv, size_t ld, float scale,
                              float *out, size_t pf) {
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        if (pf && j + pf < n) sattn_prefetch_rows(SATTN_TMPL_ROW(kv, j + pf, ld), SATTN_TMPL_ROW_BYTES(ld), SATTN_TMPL_ROW_BYTES(d));
        if (PV) pv_row16_quad(j, 4, d, x, kv, ld, out);
        else qk_row16_quad(j, 4, d, x, kv, ld, scale, out + j);
    }
    if (j < n && PV) pv_row16_quad(j, n - j, d, x, kv, ld, out);
    else if (j < n) qk_row16_quad(j, n - j, d, x, kv, ld, scale, out + j);
}

SATTN_QK_DOT_UKERNEL(SATTN_TMPL_FN(qk_dot, avx512)) {
    if (rows == 1)
        row16_keys(0, n, d, q, k, ldk, params->scale, s, params->prefetch_keys);
    else
        qk_tiles(rows, n, d, q, ldq, k, ldk, s, lds, params);
}

SATTN_PV_ACCUMULATE_UKERNEL(SATTN_TMPL_FN(pv_accumulate, avx512)) {
    if (rows == 1 && dv == 128)
        pv_row_regs(8, 128, n, p, v, ldv, &params->kv, acc, params->prefetch_keys);
    else if (rows == 1 && dv == 64)
        pv_row_regs(4, 64, n, p, v, ldv, &params->kv, acc, params->prefetch_keys);
    else if (rows == 1)
        row16_keys(1, n, dv, p, v, ldv, 0.0f, acc, params->prefetch_keys);
    else
        pv_tiles(rows, n, dv, p, ldp, v, ldv, acc, ldacc, params);
}
#endif

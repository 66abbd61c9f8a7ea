/* The microkernel contract every ISA meets, and the table that dispatch fills.
 *
 * Drivers (gemm.c, softmax.c, attention.c) call only through this table; an ISA contributes
 * the functions below plus the tile sizes that travel with them. */
#ifndef SATTN_KERNELS_H
#define SATTN_KERNELS_H

#include <stddef.h>

#include "sattn.h"

/* C[0..mr)[0..nr) = alpha * A·B + beta * C, mr <= MR and nr <= NR selecting the edge of a tile.
 * A is read element by element (broadcast), so it may be packed (a[p*MR + i]: rs_a = 1,
 * cs_a = MR) or any strided matrix (a[i*rs_a + p*cs_a]), e.g. query rows or softmax rows in
 * place; rows mr..MR of A are never read. B is a packed kc x NR panel (b[p*NR + j]), zero past nr.
 * beta == 0 never reads C. */
typedef void (*sattn_gemm_ukernel_fn)(size_t mr, size_t nr, size_t kc, const float *a, size_t rs_a, size_t cs_a,
                                      const float *b, float *c, size_t ldc, float alpha, float beta);
/* Row i of a tile's A operand: rows past mr repeat the last row, so a microkernel always reads
 * MR valid rows (the extra ones are computed and never stored). */
static inline const float *sattn_tile_row(const float *a, size_t rs_a, size_t i, size_t mr) {
    return a + (i < mr ? i : mr - 1) * rs_a;
}

/* Prefetches four rows (ld floats apart, cols floats each, as one span when dense) a decode
 * kernel will stream next, one prefetch per 64-byte line. */
static inline void sattn_prefetch_rows(const float *x, size_t ld, size_t cols) {
    const size_t bytes = 4 * (cols < ld ? cols : ld) * sizeof(float);
    for (size_t t = 0; t < bytes; t += 64) __builtin_prefetch((const char *)x + t);
}

/* Packs element (i, p) = src[i*rs + p*cs], i < mr, p < kc, into dst[p*MR + i]; rows mr..MR are zero. */
typedef void (*sattn_pack_a_fn)(size_t MR, size_t mr, size_t kc, const float *src, size_t rs, size_t cs, float *dst);
/* Packs element (p, j) = src[p*rs + j*cs], p < kc, j < nr, into dst[p*NR + j]; columns nr..NR are zero. */
typedef void (*sattn_pack_b_fn)(size_t NR, size_t nr, size_t kc, const float *src, size_t rs, size_t cs, float *dst);

/* max(x[0..n)), n >= 1. A NaN may or may not win; callers do not rely on it. */
typedef float (*sattn_rmax_fn)(size_t n, const float *x);
/* y[i] = exp(x[i] - max), returns the sum of y. y may equal x. */
typedef float (*sattn_raddstoreexpminusmax_fn)(size_t n, const float *x, float max, float *y);
/* y[i] = x[i] * s. y may equal x. */
typedef void (*sattn_vscale_fn)(size_t n, const float *x, float s, float *y);
/* z[i] = x[i] + y[i]. z may equal x. */
typedef void (*sattn_vadd_fn)(size_t n, const float *x, const float *y, float *z);
/* y[i] = exp(x[i]) over the whole float range (below about -87.34 gives 0). y may equal x. */
typedef void (*sattn_vexp_fn)(size_t n, const float *x, float *y);

/* Decode-shaped kernels: a few query rows against keys and values read in place (no packing),
 * because with one or a few rows the work is streaming K and V from memory, not arithmetic.
 * s[r*lds + j] = scale * sum_c q[r*ldq + c] * k[j*ldk + c] for r < rows, j < n, c < d. */
typedef void (*sattn_qk_dot_fn)(size_t rows, size_t n, size_t d, const float *q, size_t ldq, const float *k, size_t ldk,
                                float scale, float *s, size_t lds);
/* acc[r*ldacc + c] += sum_j p[r*ldp + j] * v[j*ldv + c] for r < rows, c < dv, j < n (j in order). */
typedef void (*sattn_pv_accumulate_fn)(size_t rows, size_t n, size_t dv, const float *p, size_t ldp, const float *v,
                                       size_t ldv, float *acc, size_t ldacc);

struct sattn_kernels {
    sattn_isa isa;

    /* sgemm: register tile MR x NR, cache blocks MC (rows of A in L2), KC (depth), NC (columns of B). */
    size_t gemm_mr, gemm_nr, gemm_mc, gemm_kc, gemm_nc;
    sattn_gemm_ukernel_fn gemm;
    sattn_pack_a_fn pack_a;
    sattn_pack_b_fn pack_b;

    /* fused attention: rows of stacked (head, query) pairs per work item, keys per block. */
    size_t attn_block_rows, attn_block_keys;

    sattn_rmax_fn rmax;
    sattn_raddstoreexpminusmax_fn raddstoreexpminusmax;
    sattn_vscale_fn vscale;
    sattn_vadd_fn vadd;
    sattn_vexp_fn vexp;

    sattn_qk_dot_fn qk_dot;
    sattn_pv_accumulate_fn pv_accumulate;
};

/* Per-ISA initialisers: each overrides the slots its ISA provides (dav1d's cascade). */
void sattn_kernels_init_scalar(struct sattn_kernels *k);
#if SATTN_HAVE_AVX2
void sattn_kernels_init_avx2(struct sattn_kernels *k);
#endif
#if SATTN_HAVE_AVX512
void sattn_kernels_init_avx512(struct sattn_kernels *k);
#endif
#if SATTN_HAVE_NEON
void sattn_kernels_init_neon(struct sattn_kernels *k);
#endif

/* The table in use (filled once, on first use). Never NULL. */
const struct sattn_kernels *sattn_kernels_current(void);
/* The table of one ISA, or NULL when it is not available (tests use this to cross-check ISAs). */
const struct sattn_kernels *sattn_kernels_for(sattn_isa isa);

#endif

/* The microkernel contract every ISA meets, and the table that dispatch fills.
 *
 * A table is a few bundles that travel together: the gemm config (tile size, microkernel and the
 * packers that match it), the row operations of softmax, the decode operations per element type,
 * and the blocking the ISA was tuned with. Drivers (gemm.c, softmax.c, attention_*.c) call only
 * through a table. Every kernel type is declared by one macro, which both the typedef below and
 * each ISA's header use, so a kernel with the wrong signature does not compile. Parameters that
 * a kernel may grow (alpha and beta, scales) come through a pointer to a small struct. */
#ifndef SATTN_KERNELS_H
#define SATTN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "elem.h"
#include "sattn.h"
#include "sattn_config.h"

/* Slots indexed by element type (sattn_dtype: the caches engines keep) have a template
 * instantiation per ISA (tmpl.h). Where an I8/I4 operand's scales are: element c of row (key) j
 * is scaled by at[j * ld + c / group]; `at` is NULL for the float types. */
struct sattn_scales {
    const float *at;
    size_t ld, group;
    int keys_along_j; /* pack_b only: the keys run along j (Kᵀ), not along p (V) */
    size_t col0;      /* pack_b only: the column of the panel's first element in its row (even; a V block
                         right of column 0), whose scale index counts from the row's start */
};

struct sattn_gemm_params {
    float alpha, beta;
};

/* C[0..mr)[0..nr) = alpha * A·B + beta * C, mr <= MR and nr <= NR selecting the edge of a tile.
 * A is read element by element (broadcast), so it may be packed (a[p*MR + i]: rs_a = 1,
 * cs_a = MR) or any strided matrix (a[i*rs_a + p*cs_a]), e.g. query rows or softmax rows in
 * place; rows mr..MR of A are never read. B is a packed kc x NR panel (b[p*NR + j]), zero past nr.
 * beta == 0 never reads C. */
#define SATTN_GEMM_UKERNEL(fn)                                                                                      \
    void fn(size_t mr, size_t nr, size_t kc, const float *restrict a, size_t rs_a, size_t cs_a,                     \
            const float *restrict b, float *restrict c, size_t ldc, const struct sattn_gemm_params *params)
/* Packs element (i, p) = src[i*rs + p*cs], i < mr, p < kc, into dst[p*MR + i]; rows mr..MR are zero. */
#define SATTN_PACK_A(fn) void fn(size_t MR, size_t mr, size_t kc, const float *src, size_t rs, size_t cs, float *dst)
/* Packs element (p, j) = src[p*rs + j*cs] (an element of the table slot's type, its offsets even for I4;
 * I8/I4 scaled through sc, which is NULL for the float types), p < kc, j < nr, into dst[p*NR + j] as
 * float; columns nr..NR are zero. */
#define SATTN_PACK_B(fn)                                                                                            \
    void fn(size_t NR, size_t nr, size_t kc, const void *src, size_t rs, size_t cs, const struct sattn_scales *sc,  \
            float *dst)

/* Reduced-precision products (bf16 and fp16 units): A and B hold 16-bit elements of one type (BF16 or F16),
 * products are summed in fp32. C[0..mr)[0..nr) = alpha * A·B + beta * C, mr <= MR and nr <= NR. A: row i at
 * a + i*lda elements, kc of them, rows mr..MR never read. kc is even: the driver pads both operands to an even
 * depth with zeros (the pair units take two elements of k at a time). B: a kc x NR panel that the config's
 * pack_b laid out. beta == 0 never reads C. */
#define SATTN_LOWP_GEMM_UKERNEL(fn)                                                                                 \
    void fn(size_t mr, size_t nr, size_t kc, const uint16_t *restrict a, size_t lda, const uint16_t *restrict b,    \
            float *restrict c, size_t ldc, const struct sattn_gemm_params *params)
/* Packs element (p, j) = src[p*rs + j*cs] (16-bit elements), p < kc, j < nr, into the layout of the config's
 * ukernel, which fills sattn_lowp_panel_elems(kc, NR) elements: zero past kc (up to even) and past nr. */
#define SATTN_LOWP_PACK_B(fn)                                                                                       \
    void fn(size_t NR, size_t nr, size_t kc, const uint16_t *src, size_t rs, size_t cs, uint16_t *dst)
static inline size_t sattn_lowp_panel_elems(size_t kc, size_t NR) { return (kc + (kc & 1)) * NR; }

/* max(x[0..n)), n >= 1. A NaN may or may not win; callers do not rely on it. */
#define SATTN_RMAX_UKERNEL(fn) float fn(size_t n, const float *x)
/* y[i] = exp(x[i] - max), returns the sum of y. y may equal x. */
#define SATTN_RADDSTOREEXPMINUSMAX_UKERNEL(fn) float fn(size_t n, const float *x, float max, float *y)
/* y[i] = exp(x[i] * scale - max), x[i] * scale rounded to float first (as a product's epilogue would have: a
 * tile can store its logits unscaled and leave the multiply to this pass, with the same bits), rounded to 16 bits
 * as the type's convert from_f32 rounds, the exp only as precise as that rounding needs (AVX-512's: relative error
 * under 6.5e-6 within 100 of the maximum, src/avx512_bf16/bf16_exp.c); returns the sum of the unrounded values, as
 * raddstoreexpminusmax does. */
#define SATTN_RADDSTOREEXPMINUSMAX_X16_UKERNEL(fn)                                                                  \
    float fn(size_t n, const float *x, float scale, float max, uint16_t *y)
/* y[i] = x[i] * s. y may equal x. */
#define SATTN_VSCALE_UKERNEL(fn) void fn(size_t n, const float *x, float s, float *y)
/* z[i] = x[i] + y[i]. z may equal x. */
#define SATTN_VADD_UKERNEL(fn) void fn(size_t n, const float *x, const float *y, float *z)
/* y[i] = exp(x[i]) over the whole float range (below about -87.34 gives 0). y may equal x. */
#define SATTN_VEXP_UKERNEL(fn) void fn(size_t n, const float *x, float *y)
/* y[i] = cap * tanh(x[i] * (1 / cap)), cap > 0 (logit soft-capping; tanh.h's algorithm). y may equal x. */
#define SATTN_SOFTCAP_UKERNEL(fn) void fn(size_t n, const float *x, float cap, float *y)
/* y[i] = x[i] + slope * (float)(d0 + i), the product and the sum each rounded once (no FMA), so every
 * ISA gives the same bits (ALiBi: d0 + i is the key's signed distance). y may equal x. */
#define SATTN_VADDRAMP_UKERNEL(fn) void fn(size_t n, const float *x, float slope, int32_t d0, float *y)

/* Decode-shaped kernels: a few query rows against keys and values read in place (no packing),
 * because with one or a few rows the work is streaming K and V from memory, not arithmetic.
 * K and V are elements of the slot's type; q, s, p and acc are float. */
struct sattn_decode_params {
    float scale;             /* qk_dot: the logit scale */
    struct sattn_scales kv;  /* I8/I4: the scales of the rows of k (qk_dot) or v (pv_accumulate) passed */
    size_t prefetch_keys;    /* rows this many keys ahead are prefetched as the kernel streams (0: none) */
    size_t prefetch_keys_max; /* a kernel whose blocks want a longer distance may take up to this many keys
                                 (further ahead, the rows' lines would evict each other in L1; 0: none longer) */
    int prefetch_l2;          /* prefetch into L2 (PREFETCHT1) rather than L1: the blocking's decode_many_prefetch_l2 */
};
/* s[r*lds + j] = scale * sum_c q[r*ldq + c] * k[j*ldk + c] for r < rows, j < n, c < d. */
#define SATTN_QK_DOT_UKERNEL(fn)                                                                                    \
    void fn(size_t rows, size_t n, size_t d, const float *q, size_t ldq, const void *k, size_t ldk, float *s,       \
            size_t lds, const struct sattn_decode_params *params)
/* acc[r*ldacc + c] += sum_j p[r*ldp + j] * v[j*ldv + c] for r < rows, c < dv, j < n (j in order). */
#define SATTN_PV_ACCUMULATE_UKERNEL(fn)                                                                             \
    void fn(size_t rows, size_t n, size_t dv, const float *p, size_t ldp, const void *v, size_t ldv, float *acc,    \
            size_t ldacc, const struct sattn_decode_params *params)

/* Row conversions (sattn_convert, sattn_quantize, Q and O of other types). to_f32: dst[c] = element c
 * of a row of n (I8/I4: times scales[c / group], the row's scales). from_f32: F32 copies, F16/BF16
 * round to nearest even as elem.h does, I8/I4 quantise one row of n in groups of `group` and write
 * scales[n / group] (elem.h's sattn_quant_scale / sattn_quant_value, bit for bit). */
#define SATTN_TO_F32_UKERNEL(fn) void fn(size_t n, const void *src, const float *scales, size_t group, float *dst)
#define SATTN_FROM_F32_UKERNEL(fn) void fn(size_t n, const float *src, void *dst, size_t group, float *scales)

typedef SATTN_GEMM_UKERNEL((*sattn_gemm_ukernel_fn));
typedef SATTN_PACK_A((*sattn_pack_a_fn));
typedef SATTN_PACK_B((*sattn_pack_b_fn));
typedef SATTN_LOWP_GEMM_UKERNEL((*sattn_lowp_gemm_ukernel_fn));
typedef SATTN_LOWP_PACK_B((*sattn_lowp_pack_b_fn));
typedef SATTN_RMAX_UKERNEL((*sattn_rmax_fn));
typedef SATTN_RADDSTOREEXPMINUSMAX_UKERNEL((*sattn_raddstoreexpminusmax_fn));
typedef SATTN_RADDSTOREEXPMINUSMAX_X16_UKERNEL((*sattn_raddstoreexpminusmax_x16_fn));
typedef SATTN_VSCALE_UKERNEL((*sattn_vscale_fn));
typedef SATTN_VADD_UKERNEL((*sattn_vadd_fn));
typedef SATTN_VEXP_UKERNEL((*sattn_vexp_fn));
typedef SATTN_SOFTCAP_UKERNEL((*sattn_softcap_fn));
typedef SATTN_VADDRAMP_UKERNEL((*sattn_vaddramp_fn));
typedef SATTN_QK_DOT_UKERNEL((*sattn_qk_dot_fn));
typedef SATTN_PV_ACCUMULATE_UKERNEL((*sattn_pv_accumulate_fn));
typedef SATTN_TO_F32_UKERNEL((*sattn_to_f32_fn));
typedef SATTN_FROM_F32_UKERNEL((*sattn_from_f32_fn));

/* A register tile and the packers that lay out its operands: set together, never one alone. */
struct sattn_gemm_config {
    size_t mr, nr;
    sattn_gemm_ukernel_fn ukernel;
    sattn_pack_a_fn pack_a;
    sattn_pack_b_fn pack_b[SATTN_DTYPE_COUNT]; /* B (Kᵀ, V in prefill) from each element type into float panels */
};

/* A reduced-precision tile for one element type and its B packer. ukernel NULL: the type has no such
 * arithmetic in this table (its operands are widened to fp32 for the gemm config instead). */
struct sattn_lowp_gemm_config {
    size_t mr, nr;
    /* The depth one instruction sums before adding to C: 2 for the pair units (VDPBF16PS, BFDOT; FMLAL's
     * depth is padded to pairs too), 32 for AMX. A result depends on where these steps begin, so the driver
     * starts every product at a multiple of it. */
    size_t k_step;
    sattn_lowp_gemm_ukernel_fn ukernel;
    sattn_lowp_pack_b_fn pack_b;
    /* The tile's state around a run of ukernel calls on one thread, NULL where it keeps none. AMX: begin loads
     * the tile configuration, end releases it, so the calls between pay for neither (LDTILECFG and TILERELEASE
     * took 95-120 ns of a 32x32x64 product's 280). Callers bracket their calls with them and run nothing else
     * on the thread's tiles in between. */
    void (*begin)(void);
    void (*end)(void);
    /* Query rows per work item for problems on this tile (0: the table's blocking, attn_rows): more rows share
     * each packed K/V block. */
    size_t item_rows;
};

struct sattn_row_ops {
    sattn_rmax_fn rmax;
    sattn_raddstoreexpminusmax_fn raddstoreexpminusmax;
    sattn_vscale_fn vscale;
    sattn_vadd_fn vadd;
    sattn_vexp_fn vexp;
    sattn_softcap_fn softcap;
    sattn_vaddramp_fn vaddramp;
    /* P rounded to bf16 as it is made, for P·V on a bf16 tile (no fp32 P written, no second pass to round it);
     * NULL: raddstoreexpminusmax, then convert's from_f32. */
    sattn_raddstoreexpminusmax_x16_fn raddstoreexpminusmax_bf16;
};

struct sattn_decode_ops {
    sattn_qk_dot_fn qk_dot;
    sattn_pv_accumulate_fn pv_accumulate;
    /* Wider register tiles for calls of many rows, where a level has them: qk_many takes the calls of
     * qk_many_from rows or more, pv_many those of pv_many_from or more (NULL: qk_dot / pv_accumulate take every
     * call). The drivers choose by rows alone, so a row's bits depend on its call's row count only. */
    sattn_qk_dot_fn qk_many;
    sattn_pv_accumulate_fn pv_many;
    size_t qk_many_from, pv_many_from;
    /* Q·Kᵀ with the vector lanes on rows, not on d, where a level has it: the calls of qk_lanes_from rows or more
     * (NULL: qk_many's tiles keep them), by rows alone too. */
    sattn_qk_dot_fn qk_lanes;
    size_t qk_lanes_from;
};

struct sattn_convert_ops {
    sattn_to_f32_fn to_f32;
    sattn_from_f32_fn from_f32;
};

/* Cache blocks. An ISA's table carries the values it was tuned with on its reference core;
 * the values in use are fitted to the machine once (blocking.c) and kept beside the tables. */
struct sattn_blocking {
    size_t gemm_mc, gemm_kc, gemm_nc; /* rows of A in L2, depth, columns of B */
    size_t attn_rows, attn_keys;      /* fused attention: stacked (head, query) rows per item, keys per block */
    size_t decode_prefetch_bytes;     /* decode: bytes of K or V rows ahead of the stream to prefetch (0: none) */
    size_t decode_many_prefetch_bytes; /* the same for the many-row tiles (sattn_decode_ops' qk_many, pv_many) */
    size_t decode_many_prefetch_l2;    /* 1: the many-row tiles prefetch into L2, not L1 (avx512/init.c); 0: L1. A size_t,
                                          so the struct has no padding (tests compare it whole) */
    size_t decode_int_step_keys; /* keys per call of a tokens-major walk with integer K or V and under 8 rows per
                                    K/V head, where decode_many_step_keys does not apply (0: attention_decode.c's 4);
                                    int4 rows on lines of their own take it where it is longer than their 32 */
    size_t decode_many_step_keys; /* keys per call of a tokens-major walk from 4 rows per K/V head on, every type
                                     (0: attention_decode.c's steps of 4 to 12) */
    size_t decode_step_keys; /* keys per call of a tokens-major walk under 4 rows per K/V head with K and V not
                                integers (0: attention_decode.c's 4) */
    size_t decode_step_bytes; /* where set, such a walk of f16 or bf16 rows in a cache that is not paged takes this many
                                 bytes of keys per call instead (a key: its rows of every head, the stride), where
                                 that is 1 to 8 keys (attention_decode.c's short_walk) */
    size_t decode_step_ahead_bytes; /* in that walk, the driver prefetches each call's rows this many bytes of keys
                                       ahead, into L2 (0: none) */
    size_t decode_int8_step_bytes; /* the same walk where K or V is int8 (the other int8, f16 or bf16), 1 to 16 keys a
                                      call (0: int8 keeps decode_int_step_keys) */
};

struct sattn_kernels {
    sattn_isa isa;
    sattn_isa parent; /* the table this one started from (dispatch's cascade); AUTO for scalar */
    struct sattn_gemm_config gemm;
    struct sattn_row_ops row;
    struct sattn_decode_ops decode[SATTN_DTYPE_COUNT];
    struct sattn_convert_ops convert[SATTN_DTYPE_COUNT];
    /* Prefill's Q·Kᵀ when q and k have the slot's type, and P·V when v has it too (P rounded to the type):
     * set by the levels with bf16 or fp16 units only. */
    struct sattn_lowp_gemm_config lowp[SATTN_DTYPE_COUNT];
    struct sattn_blocking tuned;
    /* Query rows per K/V head up to which the split-KV decode driver beats prefill with this table's
     * decode kernels (a measured crossover, at most SATTN_DECODE_MAX_ROWS; each init.c says its figure). */
    size_t decode_max_rows;
};

/* The row and decode bundles of an ISA whose kernels follow the naming convention
 * (sattn_f32_<op>_ukernel__<isa>, the exp kernels under their variant's name, decode kernels
 * sattn_<type>_<op>__<isa>): the prototypes for its header, the bundle for its init.c. */
#define SATTN_DECLARE_ROW_OPS(isa, exp_isa)                                                                         \
    SATTN_RMAX_UKERNEL(sattn_f32_rmax_ukernel__##isa);                                                             \
    SATTN_RADDSTOREEXPMINUSMAX_UKERNEL(sattn_f32_raddstoreexpminusmax_ukernel__##exp_isa);                         \
    SATTN_VSCALE_UKERNEL(sattn_f32_vscale_ukernel__##isa);                                                         \
    SATTN_VADD_UKERNEL(sattn_f32_vadd_ukernel__##isa);                                                             \
    SATTN_VEXP_UKERNEL(sattn_f32_vexp_ukernel__##exp_isa);                                                         \
    SATTN_SOFTCAP_UKERNEL(sattn_f32_softcap_ukernel__##isa);                                                       \
    SATTN_VADDRAMP_UKERNEL(sattn_f32_vaddramp_ukernel__##isa)
#define SATTN_ROW_OPS(isa, exp_isa)                                                                                 \
    ((struct sattn_row_ops){.rmax = sattn_f32_rmax_ukernel__##isa,                                                 \
                            .raddstoreexpminusmax = sattn_f32_raddstoreexpminusmax_ukernel__##exp_isa,             \
                            .vscale = sattn_f32_vscale_ukernel__##isa,                                             \
                            .vadd = sattn_f32_vadd_ukernel__##isa,                                                 \
                            .vexp = sattn_f32_vexp_ukernel__##exp_isa,                                             \
                            .softcap = sattn_f32_softcap_ukernel__##isa,                                           \
                            .vaddramp = sattn_f32_vaddramp_ukernel__##isa})
#define SATTN_DECLARE_DECODE_OPS(type, isa)                                                                         \
    SATTN_QK_DOT_UKERNEL(sattn_##type##_qk_dot__##isa);                                                            \
    SATTN_PV_ACCUMULATE_UKERNEL(sattn_##type##_pv_accumulate__##isa)
#define SATTN_DECODE_OPS(type, isa)                                                                                 \
    ((struct sattn_decode_ops){.qk_dot = sattn_##type##_qk_dot__##isa, .pv_accumulate = sattn_##type##_pv_accumulate__##isa})
#define SATTN_DECLARE_CONVERT_OPS(type, isa)                                                                        \
    SATTN_TO_F32_UKERNEL(sattn_##type##_to_f32__##isa);                                                            \
    SATTN_FROM_F32_UKERNEL(sattn_##type##_from_f32__##isa)
#define SATTN_CONVERT_OPS(type, isa)                                                                                \
    ((struct sattn_convert_ops){.to_f32 = sattn_##type##_to_f32__##isa, .from_f32 = sattn_##type##_from_f32__##isa})
/* Every type's B packer of an ISA (a pack_b initialiser). */
#define SATTN_PACK_B_ALL(isa)                                                                                       \
    {[SATTN_DTYPE_F32] = sattn_f32_pack_b__##isa, [SATTN_DTYPE_F16] = sattn_f16_pack_b__##isa,                      \
     [SATTN_DTYPE_BF16] = sattn_bf16_pack_b__##isa, [SATTN_DTYPE_I8] = sattn_i8_pack_b__##isa,                      \
     [SATTN_DTYPE_I4] = sattn_i4_pack_b__##isa}
/* Every type's decode and convert slots of table k from an ISA's instantiations. */
#define SATTN_SET_TYPED_OPS(k, isa)                                                                                 \
    do {                                                                                                            \
        (k)->decode[SATTN_DTYPE_F32] = SATTN_DECODE_OPS(f32, isa);                                                  \
        (k)->decode[SATTN_DTYPE_F16] = SATTN_DECODE_OPS(f16, isa);                                                  \
        (k)->decode[SATTN_DTYPE_BF16] = SATTN_DECODE_OPS(bf16, isa);                                                \
        (k)->decode[SATTN_DTYPE_I8] = SATTN_DECODE_OPS(i8, isa);                                                    \
        (k)->decode[SATTN_DTYPE_I4] = SATTN_DECODE_OPS(i4, isa);                                                    \
        (k)->convert[SATTN_DTYPE_F32] = SATTN_CONVERT_OPS(f32, isa);                                                \
        (k)->convert[SATTN_DTYPE_F16] = SATTN_CONVERT_OPS(f16, isa);                                                \
        (k)->convert[SATTN_DTYPE_BF16] = SATTN_CONVERT_OPS(bf16, isa);                                              \
        (k)->convert[SATTN_DTYPE_I8] = SATTN_CONVERT_OPS(i8, isa);                                                  \
        (k)->convert[SATTN_DTYPE_I4] = SATTN_CONVERT_OPS(i4, isa);                                                  \
    } while (0)
/* Every type's decode and convert prototypes of an ISA that instantiates its templates for all five. */
#define SATTN_DECLARE_TYPED_OPS(isa)                                                                                \
    SATTN_DECLARE_DECODE_OPS(f32, isa); SATTN_DECLARE_DECODE_OPS(f16, isa); SATTN_DECLARE_DECODE_OPS(bf16, isa);   \
    SATTN_DECLARE_DECODE_OPS(i8, isa); SATTN_DECLARE_DECODE_OPS(i4, isa);                                          \
    SATTN_DECLARE_CONVERT_OPS(f32, isa); SATTN_DECLARE_CONVERT_OPS(f16, isa); SATTN_DECLARE_CONVERT_OPS(bf16, isa); \
    SATTN_DECLARE_CONVERT_OPS(i8, isa); SATTN_DECLARE_CONVERT_OPS(i4, isa)

/* Row i of a tile's operand (any element type): rows past mr repeat the last row, so a
 * microkernel always reads MR valid rows (the extra ones are computed and never stored). */
#define SATTN_TILE_ROW(a, rs, i, mr) ((a) + ((size_t)(i) < (mr) ? (size_t)(i) : (mr)-1) * (rs))

/* The prefetch helpers are always inlined: GCC 12 takes a function whose only effects are prefetches for one
 * without effects, and where it kept one out of line it deleted the call (the AVX-512 int8 Q·Kᵀ tiles lost their
 * prefetches, and tokens-major GQA decode took 1.2-1.5x the time). */
#define SATTN_PREFETCH_INLINE static inline __attribute__((always_inline))
/* One line, into L1 or (to_l2) into L2 only. */
SATTN_PREFETCH_INLINE void sattn_prefetch_line(const void *p, int to_l2) {
    if (to_l2) __builtin_prefetch(p, 0, 2); /* PREFETCHT1 */
    else __builtin_prefetch(p);
}
/* Prefetches n rows of row_bytes each, ld_bytes apart, one prefetch per 64-byte line of each row: in a
 * tokens-major cache the other heads lie between them, and those lines are not fetched. */
SATTN_PREFETCH_INLINE void sattn_prefetch_row_run_to(const void *x, size_t n, size_t ld_bytes, size_t row_bytes,
                                                     int to_l2) {
    const char *p = (const char *)x;
    for (size_t r = 0; r < n; r++, p += ld_bytes)
        for (size_t t = 0; t < row_bytes; t += 64) sattn_prefetch_line(p + t, to_l2);
}
SATTN_PREFETCH_INLINE void sattn_prefetch_row_run(const void *x, size_t n, size_t ld_bytes, size_t row_bytes) {
    sattn_prefetch_row_run_to(x, n, ld_bytes, row_bytes, 0);
}
/* The four rows a decode kernel streams next. */
SATTN_PREFETCH_INLINE void sattn_prefetch_rows(const void *x, size_t ld_bytes, size_t row_bytes) {
    sattn_prefetch_row_run(x, 4, ld_bytes, row_bytes);
}

/* Per-ISA initialisers: each overrides the bundles and slots its ISA provides (dav1d's cascade). */
struct sattn_cpu_features;
void sattn_kernels_init_scalar(struct sattn_kernels *k, const struct sattn_cpu_features *cpu);
#if SATTN_HAVE_AVX2
void sattn_kernels_init_avx2(struct sattn_kernels *k, const struct sattn_cpu_features *cpu);
#endif
#if SATTN_HAVE_AVX512
void sattn_kernels_init_avx512(struct sattn_kernels *k, const struct sattn_cpu_features *cpu);
#endif
#if SATTN_HAVE_NEON
void sattn_kernels_init_neon(struct sattn_kernels *k, const struct sattn_cpu_features *cpu);
#endif
#if SATTN_HAVE_AVX512_BF16
void sattn_kernels_init_avx512_bf16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu);
#endif
#if SATTN_HAVE_AMX_BF16
void sattn_kernels_init_amx_bf16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu);
#endif
#if SATTN_HAVE_NEON_FP16
void sattn_kernels_init_neon_fp16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu);
#endif
#if SATTN_HAVE_NEON_BF16
void sattn_kernels_init_neon_bf16(struct sattn_kernels *k, const struct sattn_cpu_features *cpu);
#endif

/* The default context's table (tables are filled once, on first use). Never NULL. */
const struct sattn_kernels *sattn_kernels_current(void);
/* The table of one ISA, or NULL when it is not available (tests use this to cross-check ISAs). */
const struct sattn_kernels *sattn_kernels_for(sattn_isa isa);
/* The blocking fitted to this machine for one ISA's table, or NULL when it is not available. */
const struct sattn_blocking *sattn_blocking_for(sattn_isa isa);

#endif

/* Library-internal declarations shared by the drivers. Nothing here is exported. */
#ifndef SATTN_INTERNAL_H
#define SATTN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "sattn.h"

#define SATTN_ALIGN 64

/* Scratch memory, 64-byte aligned. Returns NULL on failure (or when a test asked it to fail). */
void *sattn_alloc(size_t bytes);
void sattn_free(void *p);
/* Test hook: the next `n` allocations succeed, the one after fails; negative = never fail. */
void sattn_alloc_fail_after(long n);

/* Rounds up to a multiple of SATTN_ALIGN bytes, counted in floats. */
static inline size_t sattn_round_floats(size_t n) {
    const size_t q = SATTN_ALIGN / sizeof(float);
    return (n + q - 1) / q * q;
}

static inline size_t sattn_min(size_t a, size_t b) { return a < b ? a : b; }
static inline size_t sattn_max(size_t a, size_t b) { return a > b ? a : b; }
static inline size_t sattn_div_up(size_t a, size_t b) { return (a + b - 1) / b; }

/* Rare-path check: a row whose maximum came out -inf may still hold a NaN that must propagate. */
static inline int sattn_has_nan(size_t n, const float *x) {
    for (size_t i = 0; i < n; i++)
        if (x[i] != x[i]) return 1;
    return 0;
}

/* The machine, read once (hwloc, else sysconf / OpenMP); a cache size of 0 means unknown. */
struct sattn_topology {
    int cores;                   /* physical cores, >= 1 */
    size_t l1d_bytes, l2_bytes;  /* per core */
};
const struct sattn_topology *sattn_topology_get(void);
/* The cache blocks for a kernel table's tile on a core with these cache sizes, starting from the
 * table's tuned values (blocking.c has the rules; a size of 0 keeps the tuned values). */
struct sattn_blocking sattn_blocking_fit(const struct sattn_kernels *k, size_t l1d_bytes, size_t l2_bytes);

/* The thread count a call should use (>= 1). */
int sattn_threads_for_call(void);

/* CPU features, detected once. */
struct sattn_cpu_features {
    int avx2_fma;  /* AVX2 + FMA + OS saves YMM */
    int f16c;      /* F16C: binary16 <-> binary32 conversions (AVX2's f16 kernels) */
    int avx512;    /* AVX-512 F/BW/DQ/VL + OS saves opmask/ZMM */
    int neon;      /* AArch64 Advanced SIMD */
};
struct sattn_cpu_features sattn_cpu_detect(void);

/* What a driver runs with: one ISA's kernels, the blocking fitted for them, and the thread count. */
struct sattn_exec {
    const struct sattn_kernels *k;
    const struct sattn_blocking *blk;
    int threads;
};
/* The ISA in use (sattn_set_isa / SATTN_ISA) with the call's thread count. */
struct sattn_exec sattn_exec_current(void);

/* Drivers. Arguments are already validated by api.c. */
sattn_status sattn_gemm_run(const struct sattn_exec *x, sattn_trans trans_a, sattn_trans trans_b, size_t m, size_t n,
                            size_t kk, float alpha, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                            float *c, size_t ldc);
sattn_status sattn_softmax_run(const struct sattn_exec *x, size_t rows, size_t cols, const float *x_in, size_t ldx,
                               float *y, size_t ldy);

/* A validated attention problem: defaults resolved, strides explicit. `empty` marks a problem with
 * nothing to compute (batch, heads or q_len zero): then nothing past the shape was checked. */
struct sattn_attention_problem {
    int empty;
    size_t batch, heads, kv_heads, q_len, kv_len, head_dim, v_head_dim;
    float scale;
    int causal;
    size_t window;
    const int32_t *kv_lens;
    const float *bias;
    float softcap;             /* 0 = off */
    const float *alibi_slopes; /* NULL or [heads] */
    const float *sinks;        /* NULL or [heads] */
    float *lse;                /* NULL or [batch, heads, q_len] through ls */
    sattn_strides qs, ks, vs, os, bs, ls;
    /* Element types. The drivers see q and out as F32 only: sattn_attention_run converts other types
     * around them. k and v are read in their own type by the kernels. */
    sattn_dtype q_type, k_type, v_type, o_type;
    const float *k_scales, *v_scales; /* I8/I4: scales through kss/vss, k_group/v_group elements each */
    size_t k_group, v_group;
    sattn_strides kss, vss;
    const void *q, *k, *v;
    void *out;
};
sattn_status sattn_attention_check(const sattn_attention_desc *desc, size_t desc_size, const void *q, const void *k,
                                   const void *v, const void *out, struct sattn_attention_problem *p);

/* The scales of key j of K/V head g in batch b (NULL for the float types), for a kernel. */
static inline struct sattn_scales sattn_kv_scales(const float *at, sattn_strides s, size_t group, size_t b, size_t g,
                                                  size_t j, int keys_along_j) {
    return (struct sattn_scales){.at = at ? at + b * s.batch + g * s.head + j * s.seq : NULL, .ld = s.seq,
                                 .group = group, .keys_along_j = keys_along_j};
}
/* sattn_convert and sattn_quantize, split across threads (arguments validated by api.c). */
sattn_status sattn_convert_run(const struct sattn_exec *x, sattn_dtype from, sattn_dtype to, size_t n, const void *src,
                               void *dst);
sattn_status sattn_quantize_run(const struct sattn_exec *x, sattn_dtype to, size_t rows, size_t cols, size_t group,
                                const float *in, size_t ldx, void *q, size_t ldq, float *scales);
/* The router: decode-shaped problems take the split-KV driver, the rest the prefill driver. */
sattn_status sattn_attention_run(const struct sattn_exec *x, const struct sattn_attention_problem *p);
/* Problems with at most this many query rows per K/V head (decode) take the split-KV driver. */
#define SATTN_DECODE_MAX_ROWS 8
/* Floats of chunk partials the decode driver keeps at once: 4 Mi floats (16 MiB), e.g. 32 heads x
 * 1 row x 128 chunks of d 128 (64K keys). */
#define SATTN_DECODE_PARTIAL_FLOATS ((size_t)1 << 22)
/* The rows of sattn_attention_merge, split across threads (arguments validated by api.c). */
sattn_status sattn_attention_merge_run(const struct sattn_exec *x, size_t parts, size_t rows, size_t dim,
                                       const float *const *outs, size_t ld_in, const float *const *lses, float *out,
                                       size_t ld_out, float *lse);
sattn_status sattn_attention_prefill_run(const struct sattn_exec *x, const struct sattn_attention_problem *p);
/* partial_floats bounds the partials kept at once (a test passes small values to force waves). */
sattn_status sattn_attention_decode_run(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                        size_t partial_floats);

#endif

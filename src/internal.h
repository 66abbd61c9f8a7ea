/* Library-internal declarations shared by the drivers. Nothing here is exported. */
#ifndef SATTN_INTERNAL_H
#define SATTN_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "sattn.h"

#define SATTN_ALIGN 64

/* Scratch memory, 64-byte aligned, from the C library. Returns NULL on failure (or when a test asked it to fail). */
void *sattn_alloc(size_t bytes);
void sattn_free(void *p);
/* Test hook: the next `n` allocations succeed, the one after fails; negative = never fail. */
void sattn_alloc_fail_after(long n);

/* Rounds up to a multiple of SATTN_ALIGN bytes, counted in floats. */
static inline size_t sattn_round_floats(size_t n) {
    const size_t q = SATTN_ALIGN / sizeof(float);
    return (n + q - 1) / q * q;
}

/* Rounds up to a multiple of SATTN_ALIGN bytes (n < SIZE_MAX / 2). */
static inline size_t sattn_round_bytes(size_t n) { return (n + SATTN_ALIGN - 1) / SATTN_ALIGN * SATTN_ALIGN; }
/* A caller's descriptor of src_size bytes into this library's dst_size: fields an older header lacks
 * read as zero, and fields a newer header added past ours must be zero. 0 (dst untouched) when
 * src_size is below min_size or the unknown tail is not zero. */
static inline int sattn_copy_desc(void *dst, size_t dst_size, const void *src, size_t src_size, size_t min_size) {
    if (src_size < min_size) return 0;
    for (size_t i = dst_size; i < src_size; i++)
        if (((const unsigned char *)src)[i]) return 0;
    memset(dst, 0, dst_size);
    memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
    return 1;
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

/* The default thread count (SATTN_NUM_THREADS, else the physical cores), >= 1. */
int sattn_default_threads(void);
/* The ISA SATTN_ISA selects (else the best available): what contexts start with. */
sattn_isa sattn_isa_initial(void);

/* CPU features, detected once. */
struct sattn_cpu_features {
    int avx2_fma;  /* AVX2 + FMA + OS saves YMM */
    int f16c;      /* F16C: binary16 <-> binary32 conversions (AVX2's f16 kernels) */
    int avx512;    /* AVX-512 F/BW/DQ/VL + OS saves opmask/ZMM */
    int neon;      /* AArch64 Advanced SIMD */
    int neon_fp16; /* Armv8.2 half-precision arithmetic and FMLAL (FEAT_FP16 + FEAT_FHM) */
    int neon_bf16; /* Armv8.6 BFDOT (FEAT_BF16) */
    int avx512_bf16; /* AVX-512 as above + AVX512_BF16 (VDPBF16PS) */
    int amx_bf16;    /* AVX-512 as above + AMX-TILE + AMX-BF16, tile state saved by the OS and permitted to us */
    int vendor_intel; /* CPUID's vendor string is GenuineIntel (a tuning fact, never a feature test) */
};
struct sattn_cpu_features sattn_cpu_detect(void);

/* A context (sattn.h). Fields a running call reads are atomic where the default context's setters may
 * change them concurrently. */
struct sattn_context {
    _Atomic(const struct sattn_kernels *) kernels;
    _Atomic int threads; /* 0 = the default count */
    sattn_threading threading;
    sattn_parallel_for_fn parallel_for; /* SATTN_THREADING_CALLER */
    void *pool;
    int pool_workers;
    sattn_alloc_fn alloc; /* NULL: sattn_alloc */
    sattn_free_fn free;
    void *alloc_user;
};

/* What a driver runs with: one ISA's kernels, the blocking fitted for them, the most workers the call may
 * use, and the context it came from (whose threads run the items, whose allocator gives scratch). */
struct sattn_exec {
    const struct sattn_kernels *k;
    const struct sattn_blocking *blk;
    int threads;
    const struct sattn_context *ctx;
};
/* A context's settings for one call (NULL: the default context). */
struct sattn_exec sattn_exec_for(const struct sattn_context *ctx);

/* The parallel step every driver uses: fn(arg, item, worker) for each item in [0, n), on at most `workers`
 * workers of the call's threading; `worker` < workers names the scratch the item may use, and no two items
 * run at once with the same one. Static: each worker takes one contiguous range; dynamic: items one at a
 * time (for items of unequal cost). Returns when every item has run. Which worker runs an item never
 * changes what it computes. */
typedef void (*sattn_item_fn)(void *arg, size_t item, size_t worker);
enum sattn_schedule { SATTN_STATIC, SATTN_DYNAMIC };
void sattn_parallel(const struct sattn_exec *x, size_t workers, size_t n, enum sattn_schedule schedule,
                    sattn_item_fn fn, void *arg);
/* Workers worth waking for `work` units when each should get at least `per_worker` of them (below that,
 * waking a worker costs more than it saves): between 1 and x->threads. */
static inline size_t sattn_workers_for(const struct sattn_exec *x, size_t work, size_t per_worker) {
    return sattn_min((size_t)x->threads, sattn_max(1, work / per_worker));
}
/* The built-in pool (pool.c): task(arg, i) for i in [0, n), on the caller and up to n - 1 pool workers. */
void sattn_pool_run(size_t n, sattn_task_fn task, void *arg);

/* A driver's scratch: `shared` bytes, plus `per_worker` bytes for each worker. */
struct sattn_scratch {
    size_t shared, per_worker;
};
/* Bytes of a workspace holding the scratch for `workers` workers (alignment slack included); 0 on overflow. */
size_t sattn_scratch_bytes(struct sattn_scratch need, size_t workers);
/* Scratch that fits this many bytes comes from the calling driver's stack when the caller gives no
 * workspace: a decode step of a few heads then allocates nothing (an allocation costs about 0.3 µs,
 * half of such a call). */
#define SATTN_STACK_SCRATCH 16384
struct sattn_stack_scratch {
    _Alignas(SATTN_ALIGN) unsigned char bytes[SATTN_STACK_SCRATCH];
};
/* The scratch of one call: carved from the caller's workspace (then *workers drops to what it holds; too
 * small for one worker -> SATTN_E_ARG), else from `stack` when it fits, else allocated through the
 * context's allocator for *workers workers (*owned is then what sattn_scratch_release frees). *mem is
 * 64-byte aligned. */
sattn_status sattn_scratch_acquire(const struct sattn_exec *x, struct sattn_scratch need, size_t *workers,
                                   void *workspace, size_t workspace_size, struct sattn_stack_scratch *stack,
                                   void **mem, void **owned);
void sattn_scratch_release(const struct sattn_exec *x, void *owned);
/* Worker w's part of scratch acquired at mem (the shared part first, then one aligned part per worker). */
static inline void *sattn_scratch_worker(void *mem, struct sattn_scratch need, size_t w) {
    return (char *)mem + sattn_round_bytes(need.shared) + w * sattn_round_bytes(need.per_worker);
}
/* The same allocator, for other scratch. */
void *sattn_ctx_alloc(const struct sattn_context *ctx, size_t bytes);
void sattn_ctx_free(const struct sattn_context *ctx, void *p);

/* Drivers. Arguments are already validated by api.c. A driver that needs scratch takes an optional
 * workspace, and has a query for its size (the bytes for x->threads workers). */
size_t sattn_gemm_workspace_bytes(const struct sattn_exec *x, size_t m, size_t n, size_t kk);
sattn_status sattn_gemm_run(const struct sattn_exec *x, sattn_trans trans_a, sattn_trans trans_b, size_t m, size_t n,
                            size_t kk, float alpha, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                            float *c, size_t ldc, void *workspace, size_t workspace_size);
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
    /* Element types: the drivers read q, k and v and write out in their own types (through the table's
     * convert slots, the packers and the decode kernels). */
    sattn_dtype q_type, k_type, v_type, o_type;
    const float *k_scales, *v_scales; /* I8/I4: scales through kss/vss, k_group/v_group elements each */
    size_t k_group, v_group;
    sattn_strides kss, vss;
    const void *q, *k, *v;
    void *out;
    /* Mixed lengths and pages (sattn.h); NULL = off. Drivers address rows through the helpers below. */
    const int32_t *q_lens, *q_starts, *kv_starts, *block_table;
    size_t block_table_stride, page_size;
    unsigned page_shift; /* page_size = 1 << page_shift when page_pow2: a key's page without a division (a 64-bit
                            division costs about 40 cycles, a third of a 16-key decode kernel call) */
    int page_pow2;
};

/* Key j's page within its sequence's block table row, and its row within the page. */
static inline size_t sattn_page_of(const struct sattn_attention_problem *p, size_t j) {
    return p->page_pow2 ? j >> p->page_shift : j / p->page_size;
}
static inline size_t sattn_page_row(const struct sattn_attention_problem *p, size_t j) {
    return p->page_pow2 ? j & (p->page_size - 1) : j % p->page_size;
}

/* Sequence b's query rows and keys (sattn.h: q_len_b, kv_len_b). */
static inline size_t sattn_seq_q_len(const struct sattn_attention_problem *p, size_t b) {
    if (p->q_lens) return (size_t)p->q_lens[b];
    if (p->q_starts) return (size_t)(p->q_starts[b + 1] - p->q_starts[b]);
    return p->q_len;
}
static inline size_t sattn_seq_kv_len(const struct sattn_attention_problem *p, size_t b) {
    if (p->kv_lens) return (size_t)p->kv_lens[b];
    if (p->kv_starts) return (size_t)(p->kv_starts[b + 1] - p->kv_starts[b]);
    return p->kv_len;
}
/* Element offset of row (b, h, i) of q, out or lse (strides s): packed rows follow q_starts. */
static inline size_t sattn_q_offset(const struct sattn_attention_problem *p, sattn_strides s, size_t b, size_t h,
                                    size_t i) {
    const size_t row = p->q_starts ? ((size_t)p->q_starts[b] + i) * s.seq : b * s.batch + i * s.seq;
    return row + h * s.head;
}
/* Element offset of key j of K/V head g in sequence b (strides s of k, v or their scales): through the
 * block table, packed by kv_starts, or padded. */
static inline size_t sattn_kv_offset(const struct sattn_attention_problem *p, sattn_strides s, size_t b, size_t g,
                                     size_t j) {
    if (p->block_table) {
        const size_t page = (size_t)p->block_table[b * p->block_table_stride + sattn_page_of(p, j)];
        return page * s.batch + g * s.head + sattn_page_row(p, j) * s.seq;
    }
    if (p->kv_starts) return ((size_t)p->kv_starts[b] + j) * s.seq + g * s.head;
    return b * s.batch + g * s.head + j * s.seq;
}
/* How many keys from key j on lie s.seq apart from key j's row (the rest of its page; all of them unpaged). */
static inline size_t sattn_kv_run(const struct sattn_attention_problem *p, size_t j) {
    return p->block_table ? p->page_size - sattn_page_row(p, j) : SIZE_MAX;
}
sattn_status sattn_attention_check(const sattn_attention_desc *desc, size_t desc_size, const void *q, const void *k,
                                   const void *v, const void *out, struct sattn_attention_problem *p);
/* The checks of the shape and types only (no pointer is read): what a workspace size query needs. */
sattn_status sattn_attention_check_shape(const sattn_attention_desc *desc, size_t desc_size,
                                         struct sattn_attention_problem *p);

/* The scales of key j of K/V head g in sequence b (NULL for the float types), for a kernel: valid for the
 * keys of j's run (sattn_kv_run). */
static inline struct sattn_scales sattn_kv_scales(const struct sattn_attention_problem *p, const float *at,
                                                  sattn_strides s, size_t group, size_t b, size_t g, size_t j,
                                                  int keys_along_j) {
    return (struct sattn_scales){.at = at ? at + sattn_kv_offset(p, s, b, g, j) : NULL, .ld = s.seq,
                                 .group = group, .keys_along_j = keys_along_j};
}
/* sattn_convert and sattn_quantize, split across threads (arguments validated by api.c). */
sattn_status sattn_convert_run(const struct sattn_exec *x, sattn_dtype from, sattn_dtype to, size_t n, const void *src,
                               void *dst);
sattn_status sattn_quantize_run(const struct sattn_exec *x, sattn_dtype to, size_t rows, size_t cols, size_t group,
                                const float *in, size_t ldx, void *q, size_t ldq, float *scales);
/* The router: decode-shaped problems take the split-KV driver, the rest the prefill driver. */
sattn_status sattn_attention_run(const struct sattn_exec *x, const struct sattn_attention_problem *p, void *workspace,
                                 size_t workspace_size);
size_t sattn_attention_workspace_bytes(const struct sattn_exec *x, const struct sattn_attention_problem *p);
/* Problems with at most the table's decode_max_rows query rows per K/V head take the split-KV driver;
 * no table asks for more than this. */
#define SATTN_DECODE_MAX_ROWS 32
/* Floats of chunk partials the decode driver keeps at once: 4 Mi floats (16 MiB), e.g. 32 heads x
 * 1 row x 128 chunks of d 128 (64K keys). */
#define SATTN_DECODE_PARTIAL_FLOATS ((size_t)1 << 22)
/* The rows of sattn_attention_merge, split across threads (arguments validated by api.c). */
sattn_status sattn_attention_merge_run(const struct sattn_exec *x, size_t parts, size_t rows, size_t dim,
                                       const float *const *outs, size_t ld_in, const float *const *lses, float *out,
                                       size_t ld_out, float *lse);
struct sattn_scratch sattn_attention_prefill_scratch(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                                     size_t *workers);
sattn_status sattn_attention_prefill_run(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                         void *workspace, size_t workspace_size);
/* partial_floats bounds the partials kept at once (a test passes small values to force waves). */
struct sattn_scratch sattn_attention_decode_scratch(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                                    size_t partial_floats, size_t *workers);
sattn_status sattn_attention_decode_run(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                        size_t partial_floats, void *workspace, size_t workspace_size);

#endif

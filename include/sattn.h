/* sattn: SIMD CPU kernels for self-attention.
 *
 * The whole public API. C11, usable from C++. All matrices are row-major, float32 unless a
 * type field says otherwise (attention reads K/V caches in f16, bf16, int8 and int4); every
 * function checks all of its arguments before it writes anything, so a non-OK status
 * always leaves the outputs untouched. Functions are safe to call from several threads
 * at once, and results are bit-identical for any thread count and any thread pool. */
#ifndef SATTN_H
#define SATTN_H

#include <stddef.h>
#include <stdint.h>

#define SATTN_VERSION_MAJOR 0
#define SATTN_VERSION_MINOR 2
#define SATTN_VERSION_PATCH 0
#define SATTN_VERSION_STRING "0.2.0"

#if defined(_WIN32) && defined(SATTN_BUILDING_DLL)
#define SATTN_API __declspec(dllexport)
#elif defined(__GNUC__)
#define SATTN_API __attribute__((visibility("default")))
#else
#define SATTN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sattn_status {
    SATTN_OK = 0,
    SATTN_E_NULL,     /* a required pointer is NULL */
    SATTN_E_SHAPE,    /* a dimension is zero where it may not be, or dimensions disagree */
    SATTN_E_STRIDE,   /* a stride or leading dimension is too small, or output rows would overlap */
    SATTN_E_OVERFLOW, /* sizes or offsets overflow size_t / PTRDIFF_MAX */
    SATTN_E_NOMEM,    /* scratch memory could not be allocated */
    SATTN_E_ISA,      /* the instruction set is not built in or not supported by this CPU */
    SATTN_E_ARG       /* any other invalid argument (NaN scale, negative thread count, bad kv_lens, ...) */
} sattn_status;

/* A short English description; never NULL, also for unknown values. */
SATTN_API const char *sattn_strerror(sattn_status status);
/* The library's version, "MAJOR.MINOR.PATCH" (equal to SATTN_VERSION_STRING of its build). */
SATTN_API const char *sattn_version(void);

typedef enum sattn_isa {
    SATTN_ISA_AUTO = 0,
    SATTN_ISA_SCALAR,
    SATTN_ISA_AVX2,
    SATTN_ISA_AVX512,
    SATTN_ISA_NEON,
    /* Levels with reduced-precision arithmetic (0.2): the parent level's kernels, plus products of 16-bit
     * operands accumulated in fp32 where q and k (and v for P·V) all have the level's type; everything else,
     * fp32 above all, runs the parent's kernels unchanged (README: "bf16 and fp16 arithmetic"). */
    SATTN_ISA_NEON_FP16, /* Armv8.2 FP16 + FHM (FMLAL): F16 attention */
    SATTN_ISA_NEON_BF16, /* Armv8.6 BF16 (BFDOT): BF16 attention, on top of NEON_FP16 where the CPU has it */
    SATTN_ISA_AVX512_BF16, /* AVX-512 + AVX512_BF16 (VDPBF16PS): BF16 attention */
    SATTN_ISA_AMX_BF16     /* AMX-TILE + AMX-BF16 (TDPBF16PS), on top of AVX512_BF16: BF16 attention on tiles */
} sattn_isa;
/* The highest sattn_isa value this header knows (new levels are appended). */
#define SATTN_ISA_LAST SATTN_ISA_AMX_BF16

/* Non-zero when the ISA's kernels are built in AND this CPU/OS supports them (AUTO: always). */
SATTN_API int sattn_isa_available(sattn_isa isa);
/* AUTO = best available. An unavailable ISA returns SATTN_E_ISA and changes nothing. */
SATTN_API sattn_status sattn_set_isa(sattn_isa isa);
/* The ISA in use, never AUTO. */
SATTN_API sattn_isa sattn_get_isa(void);
/* "auto", "scalar", "avx2", "avx512", "neon", "neon_fp16", "neon_bf16",
 * "avx512_bf16", "amx_bf16"; "unknown" for other values. */
SATTN_API const char *sattn_isa_name(sattn_isa isa);

/* n >= 1 threads; 0 restores the default (SATTN_NUM_THREADS, else the physical cores);
 * negative -> SATTN_E_ARG. */
SATTN_API sattn_status sattn_set_num_threads(int n);
SATTN_API int sattn_get_num_threads(void);

/* Contexts: what a call runs with (the ISA, the threads, the memory), per component instead of per process.
 * Every function below has a _ctx form taking a context first; NULL there, and every call without _ctx,
 * means the default context, whose settings sattn_set_isa and sattn_set_num_threads change. A context's
 * setters may not run while a call uses that context (except the ISA and thread count setters, which are
 * atomic). A call's work is cut into items by the problem alone, never by the number of workers, so every
 * pool and every thread count gives the same bits. */
typedef struct sattn_context sattn_context;

/* A new context: the ISA that SATTN_ISA selects (else the best), the default thread count, the default
 * threading, malloc-style memory. NULL ctx -> SATTN_E_NULL; out of memory -> SATTN_E_NOMEM. */
SATTN_API sattn_status sattn_context_create(sattn_context **ctx);
/* Frees a context (NULL: nothing). Not the default context, and not while a call uses it. */
SATTN_API void sattn_context_destroy(sattn_context *ctx);
/* As sattn_set_isa / sattn_get_isa, for one context. */
SATTN_API sattn_status sattn_context_set_isa(sattn_context *ctx, sattn_isa isa);
SATTN_API sattn_isa sattn_context_get_isa(const sattn_context *ctx);
/* As sattn_set_num_threads / sattn_get_num_threads, for the library's own threads (OpenMP or built-in); with
 * the caller's pool, a call uses the workers given to sattn_context_set_parallel_for instead. */
SATTN_API sattn_status sattn_context_set_num_threads(sattn_context *ctx, int n);
SATTN_API int sattn_context_get_num_threads(const sattn_context *ctx);

/* Whose threads run a call's items. */
typedef enum sattn_threading {
    SATTN_THREADING_DEFAULT = 0, /* OpenMP when the library is built with it, else the built-in pool */
    SATTN_THREADING_OPENMP,      /* an OpenMP team per parallel step (SATTN_E_ARG in a build without OpenMP) */
    SATTN_THREADING_BUILTIN,     /* the library's own pthread pool: workers started once, spinning briefly
                                    between steps, then sleeping; a call that finds it busy runs on its caller */
    SATTN_THREADING_CALLER       /* the caller's parallel-for (sattn_context_set_parallel_for) */
} sattn_threading;
SATTN_API sattn_status sattn_context_set_threading(sattn_context *ctx, sattn_threading threading);
SATTN_API sattn_threading sattn_context_get_threading(const sattn_context *ctx);

/* The caller's thread pool: parallel_for(pool, task, arg, n) must run task(arg, i) once for every i in [0, n),
 * on any of its threads in any order, and return when all have returned. sattn calls it with n <= workers (the
 * most tasks the pool runs at once; each task gets its own scratch) and never from inside one of its tasks.
 * Sets the context's threading to SATTN_THREADING_CALLER. fn NULL -> SATTN_E_NULL; workers < 1 -> SATTN_E_ARG. */
typedef void (*sattn_task_fn)(void *arg, size_t i);
typedef void (*sattn_parallel_for_fn)(void *pool, sattn_task_fn task, void *arg, size_t n);
SATTN_API sattn_status sattn_context_set_parallel_for(sattn_context *ctx, sattn_parallel_for_fn parallel_for,
                                                      void *pool, int workers);

/* The caller's memory, for scratch when a call is given no workspace: alloc(user, bytes, alignment) returns
 * memory aligned to `alignment` (a power of two, 64) or NULL; free(user, p) releases it. Both NULL: the C
 * library's. Only one of them NULL -> SATTN_E_NULL. */
typedef void *(*sattn_alloc_fn)(void *user, size_t bytes, size_t alignment);
typedef void (*sattn_free_fn)(void *user, void *p);
SATTN_API sattn_status sattn_context_set_allocator(sattn_context *ctx, sattn_alloc_fn alloc, sattn_free_fn free,
                                                   void *user);

typedef enum sattn_trans { SATTN_NOTRANS = 0, SATTN_TRANS = 1 } sattn_trans;

/* Row-major C = alpha*op(A)*op(B) + beta*C, as cblas_sgemm(CblasRowMajor, ...).
 * op(A) is m x k, op(B) is k x n. beta == 0 never reads C. An empty m, n is a no-op;
 * k == 0 or alpha == 0 only scales C (A and B are not read). */
SATTN_API sattn_status sattn_sgemm(sattn_trans trans_a, sattn_trans trans_b, size_t m, size_t n, size_t k,
                                   float alpha, const float *a, size_t lda, const float *b, size_t ldb,
                                   float beta, float *c, size_t ldc);
/* Workspaces: a call given one (workspace_size bytes at workspace, any alignment) allocates nothing. Its size
 * comes from the _workspace_size query for the same context and arguments, and grows with the context's
 * worker count: a smaller workspace runs on as many workers as it holds scratch for, and one too small for a
 * single worker is SATTN_E_ARG. A NULL workspace: scratch up to 16 KiB comes from the call's stack, more from
 * the context's allocator. */
SATTN_API sattn_status sattn_sgemm_workspace_size(const sattn_context *ctx, size_t m, size_t n, size_t k,
                                                  size_t *bytes);
SATTN_API sattn_status sattn_sgemm_ctx(sattn_context *ctx, sattn_trans trans_a, sattn_trans trans_b, size_t m,
                                       size_t n, size_t k, float alpha, const float *a, size_t lda, const float *b,
                                       size_t ldb, float beta, float *c, size_t ldc, void *workspace,
                                       size_t workspace_size);

/* Row-wise softmax of a rows x cols matrix; y may equal x (same ld) for in-place.
 * A row of -inf gives zeros; a NaN gives a NaN row. */
SATTN_API sattn_status sattn_softmax(size_t rows, size_t cols, const float *x, size_t ldx, float *y, size_t ldy);
SATTN_API sattn_status sattn_softmax_ctx(sattn_context *ctx, size_t rows, size_t cols, const float *x, size_t ldx,
                                         float *y, size_t ldy);

/* Element types of attention's tensors and of sattn_convert / sattn_quantize. Arithmetic is always
 * float32: other types are converted where they are read and written. */
typedef enum sattn_dtype {
    SATTN_DTYPE_F32 = 0,
    SATTN_DTYPE_F16,  /* IEEE binary16 */
    SATTN_DTYPE_BF16, /* bfloat16: the upper 16 bits of a binary32 */
    SATTN_DTYPE_I8,   /* int8 q, value = q * scale */
    SATTN_DTYPE_I4    /* int4 q in [-8, 7] (two's complement nibbles; ggml's q4_0 stores q + 8 instead), two per
                         byte, element 2t in the low nibble; value = q * scale */
} sattn_dtype;

/* n values F32 <-> F16 or F32 <-> BF16 (or a copy when from == to, either of those). Round to nearest
 * even, subnormals kept; NaN stays NaN (quiet); Inf stays Inf; F16 overflow -> Inf. src and dst may not
 * overlap unless equal with from == to. Other pairs -> SATTN_E_ARG; n == 0 is a no-op. */
SATTN_API sattn_status sattn_convert(sattn_dtype from, sattn_dtype to, size_t n, const void *src, void *dst);
/* rows x cols floats to I8 or I4, one scale per group of `group` columns (0 = the whole row; must divide
 * cols): scale = max|x| / 127 (I8) or max|x| / 7 (I4), one binary32 division; q = x / scale rounded to
 * nearest, ties away from zero, clamped to the type's range; a group of zeros (or one whose scale
 * underflows to 0) has scale 0 and q 0; a group holding a NaN or Inf gets scale NaN and q 0, so the NaN
 * reaches whatever reads it. ldx, ldq in elements (ldq even for I4); only the first cols elements of each q
 * row are written; scales dense [rows, cols / group]. What an engine calls when it appends tokens to its
 * cache. */
SATTN_API sattn_status sattn_quantize(sattn_dtype to, size_t rows, size_t cols, size_t group, const float *x,
                                      size_t ldx, void *q, size_t ldq, float *scales);
SATTN_API sattn_status sattn_convert_ctx(sattn_context *ctx, sattn_dtype from, sattn_dtype to, size_t n,
                                         const void *src, void *dst);
SATTN_API sattn_status sattn_quantize_ctx(sattn_context *ctx, sattn_dtype to, size_t rows, size_t cols, size_t group,
                                          const float *x, size_t ldx, void *q, size_t ldq, float *scales);

/* Strides in elements (of the tensor's type); the last dimension is always contiguous. */
typedef struct sattn_strides {
    size_t batch, head, seq;
} sattn_strides;

typedef struct sattn_attention_desc {
    size_t batch, heads, kv_heads; /* kv_heads: 0 = heads; heads % kv_heads == 0 (GQA / MQA) */
    size_t q_len, kv_len;
    size_t head_dim, v_head_dim;   /* v_head_dim: 0 = head_dim */
    float scale;                   /* 0 = 1/sqrt(head_dim) */
    int causal;                    /* query i sees key j only if j <= i + off_b (off_b below: kv_len - q_len
                                      when no length is given per sequence) */
    size_t window;                 /* 0 = off; else key j is visible only if j > i + off_b - window */
    const int32_t *kv_lens;        /* NULL, or [batch]: sequence b has kv_lens[b] keys; keys j >= kv_lens[b] are
                                      hidden (padding) and never read */
    const float *bias;             /* NULL, or an additive bias read at bias[b*bs.batch + h*bs.head + i*bs.seq + j] */
    /* q/k/v/o: all zero = dense [batch, heads, seq, dim] (k/v with kv_heads, kv_len); otherwise
     * literal. bias_strides are always literal; a zero stride broadcasts that dimension. */
    sattn_strides q_strides, k_strides, v_strides, o_strides, bias_strides;

    /* Logit shaping and partial attention; zero / NULL keeps the 0.1 meaning. With off = off_b (below),
     * the logit of query i (head h) and key j is built in this fixed order:
     *   s = scale * q.k;  s = softcap * tanh(s / softcap) (if softcap);  s += bias;
     *   s += alibi_slopes[h] * (j - i - off) (if slopes; <= 0 for the keys a causal query sees);  then the masks. */
    float softcap;             /* 0 = off; > 0 caps logits (Gemma 2); negative, NaN or inf -> SATTN_E_ARG */
    const float *alibi_slopes; /* NULL or [heads], finite (BLOOM, MPT) */
    const float *sinks;        /* NULL or [heads], finite: one extra logit per query head that joins every row's
                                  softmax denominator only: out_i = sum_j e^{s_ij} v_j / (e^{sinks[h]} + sum_j e^{s_ij});
                                  a row that sees no key gives zeros (and lse = sinks[h]). When keys are split over
                                  several calls to be merged, pass the sinks to one of them only. */
    float *lse;                /* NULL or an output: per row, log of the softmax denominator, log(sum over visible j of
                                  e^{s_ij}), with e^{sinks[h]} inside the sum when sinks are given; -inf for a row with
                                  no visible key and no sink. A failed call leaves it untouched too. */
    sattn_strides lse_strides; /* in floats between rows; all zero = dense [batch, heads, q_len] */

    /* Element types (0 = F32). q and o: F32, F16, BF16; k and v: any of the five. Other values -> SATTN_E_ARG.
     * Strides stay in elements for every type; an I4 tensor's strides must be even (SATTN_E_STRIDE). */
    sattn_dtype q_type, k_type, v_type, o_type;
    const float *k_scales, *v_scales;               /* I8/I4 only (required there): one scale per group of kv_group
                                                       elements of a row */
    size_t kv_group;                                /* elements per scale, dividing head_dim (K) and v_head_dim (V)
                                                       of the quantised tensors; 0 = one scale per row */
    sattn_strides k_scale_strides, v_scale_strides; /* in scales; all zero = dense [batch, kv_heads, kv_len, groups];
                                                       scale of (b, g, j, col) at b*s.batch + g*s.head + j*s.seq
                                                       + col/kv_group */

    /* Batches of mixed lengths and paged caches (0.2; zero / NULL = off). Sequence b has q_len_b query rows
     * and kv_len_b keys:
     *   kv_len_b = kv_lens[b] if given, else kv_starts[b+1] - kv_starts[b] if given, else kv_len;
     *   q_len_b  = q_lens[b] if given, else q_starts[b+1] - q_starts[b] if given, else q_len.
     * off_b = kv_len_b - q_len_b anchors causal and window at each sequence's own last rows: query i of
     * sequence b sees key j when j <= i + off_b (causal) and j > i + off_b - window (window); ALiBi uses the
     * same off_b (0.1 anchored them at the padded kv_len - q_len). desc.q_len and desc.kv_len stay upper
     * bounds of q_len_b and kv_len_b (a larger length -> SATTN_E_ARG). bias keeps its padded (b, h, i, j)
     * addressing in every layout. */
    const int32_t *q_lens;      /* NULL or [batch], padded layout: rows i >= q_lens[b] are neither computed nor
                                   written (out and lse) */
    const int32_t *q_starts;    /* NULL or [batch + 1], ascending from 0, packed layout: row (b, i) of q, out (and
                                   lse) is at (q_starts[b] + i) * s.seq + h * s.head; their batch strides are not
                                   used (all-zero strides then mean [tokens, heads, dim] and [tokens, heads]) */
    const int32_t *kv_starts;   /* the same for k and v (and their scales): [tokens, kv_heads, dim] when zero */
    const int32_t *block_table; /* NULL or [batch][block_table_stride]: paged K/V. Key j of sequence b is row
                                   j % page_size of page block_table[b * block_table_stride + j / page_size]; row
                                   r of kv-head g of page p is at p * s.batch + g * s.head + r * s.seq (the batch
                                   stride is the page stride; the same for k, v and their scales; all-zero
                                   strides mean [page_count, kv_heads, page_size, dim]). Needs kv_lens or kv_len,
                                   not kv_starts; only the entries of a sequence's kv_len_b keys are read. */
    size_t block_table_stride, page_size, page_count; /* page indices must lie in [0, page_count) */
    /* Bad lengths (negative, above the bound, starts not ascending or not starting at 0), a page index outside
     * [0, page_count), a block table with kv_starts, page_size 0 with a block table, a block table row shorter
     * than a sequence's pages: SATTN_E_ARG, output untouched. */
} sattn_attention_desc;

/* How the descriptor grows without breaking binaries: fields are only ever appended, and a zero field
 * keeps the meaning it had before it existed. Every call made through the header passes the size of the
 * descriptor it was compiled with (the sattn_attention macro below); the library reads that many bytes and
 * takes the fields past them as zero, so a program built against this header keeps working, unchanged,
 * with any later 0.x library. A descriptor larger than the library knows is accepted only if the unknown
 * tail is all zero (else SATTN_E_ARG). The SONAME names the minor version while the major is 0. */
SATTN_API sattn_status sattn_attention_sized(const sattn_attention_desc *desc, size_t desc_size, const void *q,
                                             const void *k, const void *v, void *out);

/* out[b,h,i,:] = sum_j softmax_j(scale * q[b,h,i,:].k[b,h/(heads/kv_heads),j,:] + bias) * v[b,h/(heads/kv_heads),j,:]
 * (with the logit shaping above). A query row that sees no key yields zeros. out (and lse) may not share memory
 * with q, k, v, bias, alibi_slopes or sinks (SATTN_E_STRIDE). */
SATTN_API sattn_status sattn_attention(const sattn_attention_desc *desc, const void *q, const void *k,
                                       const void *v, void *out);
/* Calls through the header carry their descriptor's size; (sattn_attention) is the same function for
 * callers that cannot expand a macro (FFI), which must pass a descriptor of this header's size. */
#define sattn_attention(desc, q, k, v, out) sattn_attention_sized((desc), sizeof(sattn_attention_desc), (q), (k), (v), (out))

/* The workspace a call with this descriptor needs under ctx (the shape and types are read; pointers are
 * not), and the call itself under ctx with an optional workspace (see sattn_sgemm_ctx). A descriptor that
 * sattn_attention would refuse for its shape -> that status, *bytes untouched. */
SATTN_API sattn_status sattn_attention_workspace_size_sized(const sattn_context *ctx, const sattn_attention_desc *desc,
                                                            size_t desc_size, size_t *bytes);
SATTN_API sattn_status sattn_attention_ctx_sized(sattn_context *ctx, const sattn_attention_desc *desc,
                                                 size_t desc_size, const void *q, const void *k, const void *v,
                                                 void *out, void *workspace, size_t workspace_size);
#define sattn_attention_workspace_size(ctx, desc, bytes)                                                        \
    sattn_attention_workspace_size_sized((ctx), (desc), sizeof(sattn_attention_desc), (bytes))
#define sattn_attention_ctx(ctx, desc, q, k, v, out, workspace, workspace_size)                                 \
    sattn_attention_ctx_sized((ctx), (desc), sizeof(sattn_attention_desc), (q), (k), (v), (out), (workspace),   \
                              (workspace_size))

/* Combines attention computed over disjoint sets of keys (pieces of one cache, chunked prefill, ranks of a
 * context-parallel job). For each row r:
 *   lse[r] = log(sum_p e^{lses[p][r]}),  out[r] = sum_p e^{lses[p][r] - lse[r]} * outs[p][r]
 * summed in part order p = 0..parts-1 (bit-identical for any thread count). A row whose every lse is -inf gives
 * zeros and -inf. outs[p]: rows x dim floats, rows ld_in apart; lses[p]: rows values; out may be outs[0] (same ld);
 * lse may be NULL, or lses[0]. parts or dim zero -> SATTN_E_SHAPE; rows zero is a no-op. */
SATTN_API sattn_status sattn_attention_merge(size_t parts, size_t rows, size_t dim, const float *const *outs,
                                             size_t ld_in, const float *const *lses, float *out, size_t ld_out,
                                             float *lse);
SATTN_API sattn_status sattn_attention_merge_ctx(sattn_context *ctx, size_t parts, size_t rows, size_t dim,
                                                 const float *const *outs, size_t ld_in, const float *const *lses,
                                                 float *out, size_t ld_out, float *lse);

typedef struct sattn_self_attention_desc {
    size_t batch, seq_len, d_model, heads, head_dim;
    int causal;
    /* Appended in 0.2, under the descriptor rule above (a zero field keeps 0.1's meaning; calls through the
     * header pass the descriptor's size). What a real layer (BERT, GPT-2, Whisper) needs: */
    const float *b_q, *b_k, *b_v;  /* NULL or [heads*head_dim]: added to x·W_q, x·W_k, x·W_v */
    const float *b_o;              /* NULL or [d_model]: added to the output projection (needs w_o) */
    const int32_t *seq_lens;       /* NULL or [batch], each in [0, seq_len]: tokens t >= seq_lens[b] are padding,
                                      hidden as keys from every query of sequence b (with causal too); their own
                                      rows are not computed: their heads are zero (y there is b_o, or zeros) */
    int weights_transposed;        /* nonzero: w_q, w_k, w_v are [heads*head_dim, d_model] and w_o is [d_model,
                                      heads*head_dim], one row per output feature (PyTorch's nn.Linear.weight) */
} sattn_self_attention_desc;

/* x [batch, seq_len, d_model]; w_q, w_k, w_v [d_model, heads*head_dim] (x times W); w_o [heads*head_dim, d_model]
 * or NULL, in which case y holds the concatenated heads [batch, seq_len, heads*head_dim]. workspace NULL: the
 * library allocates; otherwise it holds the intermediates Q, K, V (and the heads) and the scratch of the sgemm
 * and attention steps, and the call allocates nothing: sattn_self_attention_workspace_size(desc) bytes (for the
 * default context; _ctx: for ctx) run on every worker, fewer bytes on fewer workers, and less than the
 * intermediates plus one worker's scratch is an error. workspace_size returns 0 for an invalid or empty
 * descriptor (it reads the 0.1 fields only). Bad seq_lens, or b_o without w_o: SATTN_E_ARG, y untouched. */
SATTN_API size_t sattn_self_attention_workspace_size(const sattn_self_attention_desc *desc);
SATTN_API size_t sattn_self_attention_workspace_size_ctx(const sattn_context *ctx,
                                                         const sattn_self_attention_desc *desc);
SATTN_API sattn_status sattn_self_attention_ctx_sized(sattn_context *ctx, const sattn_self_attention_desc *desc,
                                                      size_t desc_size, const float *x, const float *w_q,
                                                      const float *w_k, const float *w_v, const float *w_o, float *y,
                                                      void *workspace, size_t workspace_size);
/* The same functions for callers that cannot expand a macro (FFI): their descriptor is this header's size. */
SATTN_API sattn_status sattn_self_attention(const sattn_self_attention_desc *desc, const float *x, const float *w_q,
                                            const float *w_k, const float *w_v, const float *w_o, float *y,
                                            void *workspace, size_t workspace_size);
SATTN_API sattn_status sattn_self_attention_ctx(sattn_context *ctx, const sattn_self_attention_desc *desc,
                                                const float *x, const float *w_q, const float *w_k, const float *w_v,
                                                const float *w_o, float *y, void *workspace, size_t workspace_size);
#define sattn_self_attention(desc, x, w_q, w_k, w_v, w_o, y, workspace, workspace_size)                          \
    sattn_self_attention_ctx_sized(NULL, (desc), sizeof(sattn_self_attention_desc), (x), (w_q), (w_k), (w_v),     \
                                   (w_o), (y), (workspace), (workspace_size))
#define sattn_self_attention_ctx(ctx, desc, x, w_q, w_k, w_v, w_o, y, workspace, workspace_size)                 \
    sattn_self_attention_ctx_sized((ctx), (desc), sizeof(sattn_self_attention_desc), (x), (w_q), (w_k), (w_v),    \
                                   (w_o), (y), (workspace), (workspace_size))

#ifdef __cplusplus
}
#endif

#endif /* SATTN_H */

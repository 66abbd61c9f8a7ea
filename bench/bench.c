/* sattn's benchmark: fused attention, decode, sgemm and softmax for every ISA the CPU has, on one
 * thread and on all cores, with OpenBLAS and oneDNN timed on the same inputs when built in.
 *
 *   sattn_bench [--sattn_sweep=smoke|default|full|scaling|logits|types|calls|varlen|lowp] [--benchmark_* flags]
 *
 * scaling: the best ISA from 1 thread to all cores (powers of two, then all) on prefill, one-head
 * prefill, decode and sgemm, for the scaling curve.
 * logits: the best ISA, 1 thread, prefill S 2048 and decode kv 8192 at d 128 with each logit feature
 * (none, softcap, ALiBi, sinks, lse output) beside each other, and sattn_attention_merge of 4 parts
 * (its bytes against the read bandwidth the harness measured).
 * types: the best ISA, K/V caches in f32, f16, bf16, int8 (group 32, per row) and int4 (group 32):
 * decode and prefill beside f32, and sattn_convert / sattn_quantize on 64 Mi elements.
 * calls: the fixed cost of a call: tiny attention calls (1 head, 16 keys; 2 heads, so two work items;
 * a decode of 8 heads x 256 keys at d 128) through each threading (OpenMP, the built-in pool, an
 * engine's pool through sattn_context_set_parallel_for), 1 and 2 threads, with and without a workspace.
 * The default sweep has them too.
 * lowp: BF16 and F16 attention (q, k, v of the type) on the best level beside f32, and oneDNN's bf16 peer.
 *
 * Case names are key:value paths (kernel/impl/isa/threads/shape...), which bench/report.py reads. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../examples/engine_pool.h"
#include "bench.h"
#include "peak.h"
#include "peers.h"

#ifdef _OPENMP
#include <omp.h>
#endif

enum impl { IMPL_SATTN, IMPL_OPENBLAS, IMPL_ONEDNN, IMPL_PLAIN };
static const char *const impl_names[] = {"sattn", "openblas", "onednn", "plain"};

enum sweep { SWEEP_SMOKE, SWEEP_DEFAULT, SWEEP_FULL, SWEEP_SCALING, SWEEP_LOGITS, SWEEP_TYPES, SWEEP_CALLS, SWEEP_VARLEN,
             SWEEP_LOWP };

/* K/V cache types a case stores (the types sweep): the type and elements per scale (0 = per row). */
typedef struct {
    sattn_dtype type;
    size_t group;
} cache_type;
static void cache_name(cache_type t, char *out, size_t n) {
    static const char *const names[] = {"f32", "f16", "bf16", "i8", "i4"};
    if (t.type >= SATTN_DTYPE_I8)
        snprintf(out, n, "%s%s%zu", names[t.type], t.group ? "g" : "row", t.group);
    else
        snprintf(out, n, "%s", names[t.type]);
}
/* Bytes of n elements of a type, with the scales of rows of d (quantised types). */
static double cache_bytes(cache_type t, size_t n, size_t d) {
    static const double bits[] = {32, 16, 16, 8, 4};
    const double scales = t.type >= SATTN_DTYPE_I8 ? (double)n / (t.group ? t.group : d) * sizeof(float) : 0;
    return (double)n * bits[t.type] / 8 + scales;
}

/* Logit features a case turns on (the logits sweep); 0 = plain attention. */
enum logit_feature { LOGIT_NONE, LOGIT_SOFTCAP, LOGIT_ALIBI, LOGIT_SINKS, LOGIT_LSE, LOGIT_COUNT };
static const char *const logit_names[] = {"none", "softcap", "alibi", "sinks", "lse"};

/* Inputs start on a cache line, as engines allocate their tensors and caches (an int4 cache whose rows
 * straddle lines decodes tokens-major on another path: src/attention_decode.c). */
static void *alloc_lines(size_t bytes) {
    return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

static float *random_floats(size_t n, unsigned seed) {
    float *x = alloc_lines((n ? n : 1) * sizeof(float));
    if (!x) {
        fprintf(stderr, "sattn_bench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)(seed >> 8) / 16777216.0f * 2.0f - 1.0f;
    }
    return x;
}

static void use_threads(enum impl impl, sattn_isa isa, int threads) {
    sattn_set_num_threads(threads);
    if (impl == IMPL_SATTN) sattn_set_isa(isa);
#ifdef _OPENMP
    omp_set_num_threads(threads); /* oneDNN and the plain loops take their threads from OpenMP */
#endif
    if (impl == IMPL_OPENBLAS) peer_openblas_threads(threads);
}

static double max_abs_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        const double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN wins */
    }
    return m;
}

/* ---------------------------------------------------------------- attention and decode */

typedef struct {
    enum impl impl;
    sattn_isa isa;
    int threads, causal, decode;
    size_t heads, kv_heads, q_len, kv_len, d;
    int logit; /* enum logit_feature; named in the case only in the logits sweep */
    int named_logit;
    int tokens_major; /* q, k, v, o as [seq, heads, d] (engines' caches) instead of [heads, seq, d] */
    cache_type cache; /* K and V stored in this type; named in the case only in the types sweep */
    int named_cache;
    int act; /* q too in the cache type (F16/BF16 attention: the lowp sweep, named act:<type>) */
} attention_case;

/* K or V (rows of d floats, in storage order) stored as a cache type; scales in the same row order. */
static void *store_cache(cache_type t, size_t rows, size_t d, const float *x, float **scales) {
    *scales = NULL;
    if (t.type == SATTN_DTYPE_F32) return NULL;
    void *store = alloc_lines(rows * d * 2 + 8);
    if (t.type == SATTN_DTYPE_F16 || t.type == SATTN_DTYPE_BF16) {
        sattn_convert(SATTN_DTYPE_F32, t.type, rows * d, x, store);
        return store;
    }
    *scales = malloc(rows * (d / (t.group ? t.group : d)) * sizeof(float));
    sattn_quantize(t.type, rows, d, t.group, x, d, store, d, *scales);
    return store;
}

/* Visible (query, key) pairs: the flops of a causal case count only these. */
static double visible_pairs(const attention_case *c) {
    if (!c->causal) return (double)c->q_len * c->kv_len;
    double pairs = 0;
    for (size_t i = 0; i < c->q_len; i++) {
        const double seen = (double)i + (double)c->kv_len - (double)c->q_len + 1;
        pairs += seen < 0 ? 0 : (seen > c->kv_len ? c->kv_len : seen);
    }
    return pairs;
}

/* The inputs of the last case, kept while the next call has the same sizes and cache type: Google
 * Benchmark calls a case several times (to size its iterations, then per repetition), and filling
 * and converting 2 x 512 MiB of K and V each time took longer than the timing. */
static struct inputs {
    size_t nq, nkv, d;
    cache_type cache;
    float *q, *k, *v, *k_scales, *v_scales;
    void *q_store, *k_store, *v_store; /* q_store: F16/BF16 caches only */
} kept;

static const struct inputs *inputs_for(size_t nq, size_t nkv, size_t d, cache_type cache) {
    if (kept.q && kept.nq == nq && kept.nkv == nkv && kept.d == d && kept.cache.type == cache.type &&
        kept.cache.group == cache.group)
        return &kept;
    free(kept.q), free(kept.k), free(kept.v), free(kept.k_scales), free(kept.v_scales), free(kept.q_store),
        free(kept.k_store), free(kept.v_store);
    kept = (struct inputs){.nq = nq, .nkv = nkv, .d = d, .cache = cache};
    kept.q = random_floats(nq, 1), kept.k = random_floats(nkv, 2), kept.v = random_floats(nkv, 3);
    /* Another cache type: K and V converted once, before timing (an engine's cache holds them so). */
    kept.k_store = store_cache(cache, nkv / d, d, kept.k, &kept.k_scales);
    kept.v_store = store_cache(cache, nkv / d, d, kept.v, &kept.v_scales);
    if (cache.type == SATTN_DTYPE_F16 || cache.type == SATTN_DTYPE_BF16) {
        float *none;
        kept.q_store = store_cache(cache, nq / d, d, kept.q, &none);
    }
    return &kept;
}

static void bench_attention(bench_state *st, const void *arg) {
    const attention_case *c = arg;
    const size_t kvh = c->kv_heads, nq = c->heads * c->q_len * c->d, nkv = kvh * c->kv_len * c->d;
    const struct inputs *in_data = inputs_for(nq, nkv, c->d, c->cache);
    const float *q = in_data->q, *k = in_data->k, *v = in_data->v;
    float *out = random_floats(nq, 4), *s = NULL;
    sattn_attention_desc desc = {.batch = 1, .heads = c->heads, .kv_heads = kvh, .q_len = c->q_len, .kv_len = c->kv_len,
                                 .head_dim = c->d, .causal = c->causal};
    if (c->tokens_major) {
        desc.q_strides = desc.o_strides = (sattn_strides){nq, c->d, c->heads * c->d};
        desc.k_strides = desc.v_strides = (sattn_strides){nkv, c->d, kvh * c->d};
    }
    const void *k_in = in_data->k_store ? in_data->k_store : (const void *)k;
    const void *v_in = in_data->v_store ? in_data->v_store : (const void *)v;
    desc.k_type = desc.v_type = c->cache.type;
    const void *q_in = q;
    if (c->act) desc.q_type = c->cache.type, q_in = in_data->q_store;
    desc.k_scales = in_data->k_scales, desc.v_scales = in_data->v_scales, desc.kv_group = c->cache.group;
    if (c->tokens_major && in_data->k_scales) {
        const size_t groups = c->d / (c->cache.group ? c->cache.group : c->d);
        desc.k_scale_strides = desc.v_scale_strides = (sattn_strides){c->kv_len * kvh * groups, groups, kvh * groups};
    }
    peer_onednn *dnn = NULL;
    const float scale = 1.0f / sqrtf((float)c->d);
    const char *error = NULL;
    float *per_head = random_floats(c->heads, 7), *lse = random_floats(c->heads * c->q_len, 8);
    for (size_t h = 0; h < c->heads; h++) per_head[h] = -ldexpf(1.0f, -(int)(h % 8 + 1)); /* ALiBi-like slopes */
    switch (c->logit) {
    case LOGIT_SOFTCAP: desc.softcap = 30.0f; break; /* Gemma 2's attention cap */
    case LOGIT_ALIBI: desc.alibi_slopes = per_head; break;
    case LOGIT_SINKS: desc.sinks = per_head; break;
    case LOGIT_LSE: desc.lse = lse; break;
    default: break;
    }

    /* Peers are checked against sattn (auto ISA) on the same inputs before they are timed; with bf16 inputs
     * within bf16's bound (P rounded to bf16 on both sides: README, "bf16 and fp16 arithmetic"). */
    float *expected = NULL;
    if (c->impl != IMPL_SATTN) {
        expected = random_floats(nq, 5);
        sattn_set_isa(SATTN_ISA_AUTO);
        if (sattn_attention(&desc, q_in, k_in, v_in, expected) != SATTN_OK) error = "sattn failed on the reference run";
    }
    use_threads(c->impl, c->isa, c->threads);
    if (c->impl == IMPL_OPENBLAS) {
        if (kvh != c->heads) error = "the unfused baseline has no GQA";
        else if (c->act) error = "the unfused baseline is f32 only";
        else s = random_floats((size_t)c->threads * c->q_len * c->kv_len, 6);
    } else if (c->impl == IMPL_ONEDNN) {
        if (kvh != c->heads) error = "the oneDNN graph has no GQA";
        else if (c->act && c->cache.type != SATTN_DTYPE_BF16) error = "the oneDNN peer takes f32 or bf16";
        else if (!(dnn = peer_onednn_attention_create(c->heads, c->q_len, c->kv_len, c->d, scale, c->causal,
                                                      c->act)))
            error = peer_onednn_why_not();
    }
    const void *in[3] = {q_in, k_in, v_in};
    if (!error && c->impl != IMPL_SATTN) {
        if (c->impl == IMPL_OPENBLAS)
            peer_openblas_attention(c->heads, c->q_len, c->kv_len, c->d, scale, c->causal, q, k, v, out, s);
        else if (peer_onednn_run(dnn, in, out))
            error = "oneDNN failed";
        const double diff = max_abs_diff(out, expected, nq), bound = c->act ? 1e-2 : 1e-3;
        if (!error && !(diff < bound)) error = c->act ? "disagrees with sattn by more than 1e-2" : "disagrees with sattn by more than 1e-3";
        bench_counter(st, "max_abs_diff", diff, BENCH_AVERAGE);
    }
    if (error) {
        bench_error(st, error);
    } else {
        while (bench_keep_running(st)) switch (c->impl) {
            case IMPL_SATTN: sattn_attention(&desc, q_in, k_in, v_in, out); break;
            case IMPL_OPENBLAS:
                peer_openblas_attention(c->heads, c->q_len, c->kv_len, c->d, scale, c->causal, q, k, v, out, s);
                break;
            default: peer_onednn_run(dnn, in, out); break;
            }
        bench_counter(st, "FLOP", 4.0 * c->heads * visible_pairs(c) * c->d, BENCH_RATE);
        if (c->decode) bench_counter(st, "bytes", 2.0 * cache_bytes(c->cache, nkv, c->d), BENCH_RATE); /* K+V streamed */
    }
    if (dnn) peer_onednn_destroy(dnn);
    free(out), free(s), free(expected), free(per_head), free(lse);
}

static void add_attention(attention_case c) {
    char name[256];
    char cache[16];
    cache_name(c.cache, cache, sizeof cache);
    if (c.act)
        snprintf(name, sizeof name, "attention/impl:%s/isa:%s/threads:%d/S:%zu/d:%zu/causal:%d/H:%zu/KVH:%zu/act:%s",
                 impl_names[c.impl], c.impl == IMPL_SATTN ? sattn_isa_name(c.isa) : "native", c.threads, c.q_len, c.d,
                 c.causal, c.heads, c.kv_heads, cache);
    else if (c.named_cache)
        snprintf(name, sizeof name, "%s/impl:sattn/isa:%s/threads:%d/%s:%zu/d:%zu/H:%zu/KVH:%zu/%s%s/cache:%s",
                 c.decode ? "decode" : "attention", sattn_isa_name(c.isa), c.threads, c.decode ? "kv" : "S",
                 c.decode ? c.kv_len : c.q_len, c.d, c.heads, c.kv_heads, c.decode ? "layout:" : "causal:",
                 c.decode ? (c.tokens_major ? "tokens_major" : "dense") : (c.causal ? "1" : "0"), cache);
    else if (c.named_logit)
        snprintf(name, sizeof name, "%s/impl:sattn/isa:%s/threads:%d/%s:%zu/d:%zu/H:%zu/KVH:%zu/logit:%s",
                 c.decode ? "decode" : "attention", sattn_isa_name(c.isa), c.threads, c.decode ? "kv" : "S",
                 c.decode ? c.kv_len : c.q_len, c.d, c.heads, c.kv_heads, logit_names[c.logit]);
    else if (c.decode)
        snprintf(name, sizeof name, "decode/impl:%s/isa:%s/threads:%d/kv:%zu/d:%zu/H:%zu/KVH:%zu/q:%zu/layout:%s",
                 impl_names[c.impl], c.impl == IMPL_SATTN ? sattn_isa_name(c.isa) : "native", c.threads, c.kv_len, c.d,
                 c.heads, c.kv_heads, c.q_len, c.tokens_major ? "tokens_major" : "dense");
    else
        snprintf(name, sizeof name, "attention/impl:%s/isa:%s/threads:%d/S:%zu/d:%zu/causal:%d/H:%zu/KVH:%zu",
                 impl_names[c.impl], c.impl == IMPL_SATTN ? sattn_isa_name(c.isa) : "native", c.threads, c.q_len, c.d,
                 c.causal, c.heads, c.kv_heads);
    bench_register(name, bench_attention, &c, sizeof c);
}

/* ---------------------------------------------------------------- sgemm */

typedef struct {
    enum impl impl;
    sattn_isa isa;
    int threads;
    size_t m, n, k;
} gemm_case;

static void bench_gemm(bench_state *st, const void *arg) {
    const gemm_case *c = arg;
    float *a = random_floats(c->m * c->k, 1), *b = random_floats(c->k * c->n, 2), *out = random_floats(c->m * c->n, 3);
    use_threads(c->impl, c->isa, c->threads);
    if (c->impl == IMPL_OPENBLAS) {
        float *expected = random_floats(c->m * c->n, 4);
        sattn_set_isa(SATTN_ISA_AUTO);
        sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, c->m, c->n, c->k, 1.0f, a, c->k, b, c->n, 0.0f, expected, c->n);
        peer_openblas_sgemm(c->m, c->n, c->k, a, b, out);
        const double diff = max_abs_diff(out, expected, c->m * c->n);
        bench_counter(st, "max_abs_diff", diff, BENCH_AVERAGE);
        free(expected);
        if (!(diff < 1e-3)) bench_error(st, "disagrees with sattn by more than 1e-3");
    }
    while (bench_keep_running(st)) {
        if (c->impl == IMPL_SATTN)
            sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, c->m, c->n, c->k, 1.0f, a, c->k, b, c->n, 0.0f, out, c->n);
        else
            peer_openblas_sgemm(c->m, c->n, c->k, a, b, out);
    }
    bench_counter(st, "FLOP", 2.0 * c->m * c->n * c->k, BENCH_RATE);
    free(a), free(b), free(out);
}

static void add_gemm(gemm_case c) {
    char name[256];
    snprintf(name, sizeof name, "sgemm/impl:%s/isa:%s/threads:%d/m:%zu/n:%zu/k:%zu", impl_names[c.impl],
             c.impl == IMPL_SATTN ? sattn_isa_name(c.isa) : "native", c.threads, c.m, c.n, c.k);
    bench_register(name, bench_gemm, &c, sizeof c);
}

/* ---------------------------------------------------------------- softmax */

typedef struct {
    enum impl impl;
    sattn_isa isa;
    int threads;
    size_t rows, cols;
} softmax_case;

static void bench_softmax(bench_state *st, const void *arg) {
    const softmax_case *c = arg;
    const size_t n = c->rows * c->cols;
    float *x = random_floats(n, 1), *y = random_floats(n, 2);
    for (size_t i = 0; i < n; i++) x[i] *= 8.0f; /* logits of a realistic spread */
    peer_onednn *dnn = NULL;
    use_threads(c->impl, c->isa, c->threads);
    if (c->impl == IMPL_ONEDNN && !(dnn = peer_onednn_softmax_create(c->rows, c->cols))) {
        bench_error(st, peer_onednn_why_not());
    } else {
        const void *in[1] = {x};
        if (c->impl != IMPL_SATTN) {
            float *expected = random_floats(n, 3);
            sattn_set_isa(SATTN_ISA_AUTO);
            sattn_softmax(c->rows, c->cols, x, c->cols, expected, c->cols);
            if (c->impl == IMPL_ONEDNN) peer_onednn_run(dnn, in, y);
            else peer_plain_softmax(c->rows, c->cols, x, y, c->threads);
            const double diff = max_abs_diff(y, expected, n);
            bench_counter(st, "max_abs_diff", diff, BENCH_AVERAGE);
            free(expected);
            if (!(diff < 1e-5)) bench_error(st, "disagrees with sattn by more than 1e-5");
        }
        while (bench_keep_running(st)) switch (c->impl) {
            case IMPL_SATTN: sattn_softmax(c->rows, c->cols, x, c->cols, y, c->cols); break;
            case IMPL_ONEDNN: peer_onednn_run(dnn, in, y); break;
            default: peer_plain_softmax(c->rows, c->cols, x, y, c->threads); break;
            }
        bench_counter(st, "elements", (double)n, BENCH_RATE);
    }
    if (dnn) peer_onednn_destroy(dnn);
    free(x), free(y);
}

static void add_softmax(softmax_case c) {
    char name[256];
    snprintf(name, sizeof name, "softmax/impl:%s/isa:%s/threads:%d/rows:%zu/cols:%zu", impl_names[c.impl],
             c.impl == IMPL_SATTN ? sattn_isa_name(c.isa) : "native", c.threads, c.rows, c.cols);
    bench_register(name, bench_softmax, &c, sizeof c);
}

/* ---------------------------------------------------------------- merge */

typedef struct {
    sattn_isa isa;
    int threads;
    size_t parts, rows, dim;
} merge_case;

static void bench_merge(bench_state *st, const void *arg) {
    const merge_case *c = arg;
    float *outs[8], *lses[8], *out = random_floats(c->rows * c->dim, 9), *lse = random_floats(c->rows, 10);
    for (size_t p = 0; p < c->parts; p++) {
        outs[p] = random_floats(c->rows * c->dim, 11 + (unsigned)p);
        lses[p] = random_floats(c->rows, 21 + (unsigned)p);
    }
    use_threads(IMPL_SATTN, c->isa, c->threads);
    while (bench_keep_running(st))
        sattn_attention_merge(c->parts, c->rows, c->dim, (const float *const *)outs, c->dim, (const float *const *)lses,
                              out, c->dim, lse);
    /* read: every part's rows and lse; written: the merged rows and lse */
    bench_counter(st, "bytes", (double)(c->parts + 1) * c->rows * (c->dim + 1) * sizeof(float), BENCH_RATE);
    bench_counter(st, "read_bytes", (double)c->parts * c->rows * (c->dim + 1) * sizeof(float), BENCH_RATE);
    for (size_t p = 0; p < c->parts; p++) free(outs[p]), free(lses[p]);
    free(out), free(lse);
}

static void register_logits(sattn_isa best) {
    for (int f = 0; f < LOGIT_COUNT; f++) {
        add_attention((attention_case){.impl = IMPL_SATTN, .isa = best, .threads = 1, .heads = 8, .kv_heads = 8,
                                       .q_len = 2048, .kv_len = 2048, .d = 128, .logit = f, .named_logit = 1});
        add_attention((attention_case){.impl = IMPL_SATTN, .isa = best, .threads = 1, .decode = 1, .heads = 32,
                                       .kv_heads = 32, .q_len = 1, .kv_len = 8192, .d = 128, .logit = f,
                                       .named_logit = 1});
    }
    /* 4 parts of 32768 rows of 128: 64 MiB read, well past the caches. */
    const merge_case m = {best, 1, 4, 32768, 128};
    char name[256];
    snprintf(name, sizeof name, "merge/impl:sattn/isa:%s/threads:%d/parts:%zu/rows:%zu/dim:%zu", sattn_isa_name(best),
             m.threads, m.parts, m.rows, m.dim);
    bench_register(name, bench_merge, &m, sizeof m);
}

/* ---------------------------------------------------------------- conversions */

typedef struct {
    sattn_isa isa;
    int threads;
    sattn_dtype from, to;
    size_t group, n;
} convert_case;

static void bench_convert(bench_state *st, const void *arg) {
    const convert_case *c = arg;
    const size_t d = 128, rows = c->n / d;
    float *x = random_floats(c->n, 9);
    void *src = alloc_lines(c->n * 4), *dst = alloc_lines(c->n * 4); /* on lines, as every input here */
    float *scales = alloc_lines(rows * d / (c->group ? c->group : d) * sizeof(float) + 4);
    const int quantize = c->to >= SATTN_DTYPE_I8;
    if (c->from != SATTN_DTYPE_F32) sattn_convert(SATTN_DTYPE_F32, c->from, c->n, x, src);
    else memcpy(src, x, c->n * 4);
    memset(dst, 0, c->n * 4); /* every page mapped before timing */
    use_threads(IMPL_SATTN, c->isa, c->threads);
    while (bench_keep_running(st))
        if (quantize) sattn_quantize(c->to, rows, d, c->group, src, d, dst, d, scales);
        else sattn_convert(c->from, c->to, c->n, src, dst);
    const cache_type from = {c->from, 0}, to = {c->to, c->group};
    /* Memory traffic: what is read plus what is written (scales included). */
    bench_counter(st, "bytes", cache_bytes(from, c->n, d) + cache_bytes(to, c->n, d), BENCH_RATE);
    bench_counter(st, "read_bytes", cache_bytes(from, c->n, d), BENCH_RATE);
    free(x), free(src), free(dst), free(scales);
}

/* The read-only stream of a conversion's input (n floats) on the same threads, with and without software prefetch
 * (the Zen 5 VM streams faster without, the Xeons with; the report takes the faster): registered beside the
 * conversions, so that their bytes moved are weighed against a stream timed in the same run, interleaved with
 * them, by the same medians (the calibration's best of ten passes, minutes earlier, moved by 34-49 GB/s at 2
 * threads between two runs a minute apart on the Zen 5 VM). */
typedef struct {
    int threads, prefetch;
    size_t n;
} read_case;

static void bench_read(bench_state *st, const void *arg) {
    const read_case *c = arg;
    float *x = random_floats(c->n, 9);
    volatile uint64_t sink = 0;
    while (bench_keep_running(st)) sink ^= bench_read_buffer(x, c->n * sizeof(float), c->threads, c->prefetch);
    bench_counter(st, "bytes", (double)c->n * sizeof(float), BENCH_RATE);
    bench_counter(st, "read_bytes", (double)c->n * sizeof(float), BENCH_RATE);
    free(x);
}

static void add_read(read_case c) {
    char name[128];
    snprintf(name, sizeof name, "read/impl:plain/prefetch:%d/threads:%d/n:%zu", c.prefetch, c.threads, c.n);
    bench_register(name, bench_read, &c, sizeof c);
}

static void add_convert(convert_case c) {
    char name[256], from[16], to[16];
    cache_name((cache_type){c.from, 0}, from, sizeof from);
    cache_name((cache_type){c.to, c.group}, to, sizeof to);
    snprintf(name, sizeof name, "convert/impl:sattn/isa:%s/threads:%d/from:%s/to:%s/n:%zu", sattn_isa_name(c.isa),
             c.threads, from, to, c.n);
    bench_register(name, bench_convert, &c, sizeof c);
}

/* Every cache type against f32 in one run: decode at d 128 on 32 heads and GQA 32/8, kv 8192 and
 * 32768, dense and tokens-major, 1 thread and all; prefill S 1024..8192, causal and not; the
 * conversions an engine runs on its cache, 64 Mi elements. */
static void register_types(sattn_isa best, int all) {
    const cache_type types[] = {{SATTN_DTYPE_F32, 0}, {SATTN_DTYPE_F16, 0}, {SATTN_DTYPE_BF16, 0},
                                {SATTN_DTYPE_I8, 32}, {SATTN_DTYPE_I8, 0},   {SATTN_DTYPE_I4, 32}};
    const int threads[2] = {1, all};
    for (int ti = 0; ti < (all > 1 ? 2 : 1); ti++)
        for (size_t kv = 8192; kv <= 32768; kv *= 4)
            for (size_t kvh = 32; kvh >= 8; kvh /= 4)
                for (int tm = 0; tm < 2; tm++)
                    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
                        add_attention((attention_case){.impl = IMPL_SATTN, .isa = best, .threads = threads[ti],
                                                       .decode = 1, .heads = 32, .kv_heads = kvh, .q_len = 1,
                                                       .kv_len = kv, .d = 128, .tokens_major = tm, .cache = types[t],
                                                       .named_cache = 1});
    for (size_t s = 1024; s <= 8192; s *= 2)
        for (int causal = 0; causal < 2; causal++)
            for (size_t t = 0; t < 5; t++) /* f32, f16, bf16, i8 g32, i8 per row */
                add_attention((attention_case){.impl = IMPL_SATTN, .isa = best, .threads = 1, .heads = 8,
                                               .kv_heads = 8, .q_len = s, .kv_len = s, .d = 128, .causal = causal,
                                               .cache = types[t], .named_cache = 1});
    const size_t n = (size_t)1 << 26;
    for (int ti = 0; ti < (all > 1 ? 2 : 1); ti++) {
        const convert_case cs[] = {{best, threads[ti], SATTN_DTYPE_F32, SATTN_DTYPE_F16, 0, n},
                                   {best, threads[ti], SATTN_DTYPE_F16, SATTN_DTYPE_F32, 0, n},
                                   {best, threads[ti], SATTN_DTYPE_F32, SATTN_DTYPE_BF16, 0, n},
                                   {best, threads[ti], SATTN_DTYPE_BF16, SATTN_DTYPE_F32, 0, n},
                                   {best, threads[ti], SATTN_DTYPE_F32, SATTN_DTYPE_I8, 32, n},
                                   {best, threads[ti], SATTN_DTYPE_F32, SATTN_DTYPE_I4, 32, n}};
        for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) add_convert(cs[i]);
        for (int prefetch = 0; prefetch < 2; prefetch++) add_read((read_case){threads[ti], prefetch, n});
    }
}

/* Levels that add only reduced-precision arithmetic (sattn.h): their fp32 kernels are their parent's, so the
 * fp32 sweeps skip them and the lowp sweep measures what they add. */
static int reduced_precision_level(sattn_isa isa) {
    return isa == SATTN_ISA_NEON_FP16 || isa == SATTN_ISA_NEON_BF16 || isa == SATTN_ISA_AVX512_BF16 ||
           isa == SATTN_ISA_AMX_BF16;
}

/* BF16 and F16 attention (q, k and v of the type) beside f32 on fp32's best level: bf16 on every
 * reduced-precision level this CPU has (AVX512-BF16 and AMX-BF16 on one Xeon: what each adds), f16 on the
 * best, and oneDNN's bf16 matmul + softmax + matmul on the same bf16 inputs: S 1024..8192 (heads shrinking
 * with S so a case stays near 4-9 GFLOP at d 128), d 64 and 128, causal and not, 1 thread and all. */
static void register_lowp(sattn_isa best, int all) {
    const cache_type f32 = {SATTN_DTYPE_F32, 0}, bf16 = {SATTN_DTYPE_BF16, 0}, f16 = {SATTN_DTYPE_F16, 0};
    const int threads[2] = {1, all};
    sattn_isa lowp_levels[SATTN_ISA_LAST + 1];
    size_t nl = 0;
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++)
        if (reduced_precision_level((sattn_isa)isa) && sattn_isa_available((sattn_isa)isa))
            lowp_levels[nl++] = (sattn_isa)isa;
    const sattn_isa best_lowp = nl ? lowp_levels[nl - 1] : best;
    for (int ti = 0; ti < (all > 1 ? 2 : 1); ti++)
        for (size_t s = 1024; s <= 8192; s *= 2)
            for (size_t d = 64; d <= 128; d *= 2)
                for (int causal = 0; causal < 2; causal++) {
                    const size_t heads = s == 1024 ? 8 : s == 2048 ? 2 : 1;
                    const attention_case base = {.impl = IMPL_SATTN, .isa = best, .threads = threads[ti], .heads = heads,
                                                 .kv_heads = heads, .q_len = s, .kv_len = s, .d = d, .causal = causal,
                                                 .cache = f32};
                    add_attention(base);
                    attention_case c = base;
                    c.cache = bf16, c.act = 1;
                    for (size_t l = 0; l < (nl ? nl : 1); l++) {
                        c.isa = nl ? lowp_levels[l] : best;
                        add_attention(c);
                    }
                    if (peer_onednn_available()) {
                        attention_case o = c;
                        o.impl = IMPL_ONEDNN;
                        add_attention(o);
                    }
                    c.cache = f16, c.isa = best_lowp;
                    add_attention(c);
                }
}

/* ---------------------------------------------------------------- the fixed cost of a call */

enum pool_kind { POOL_OPENMP, POOL_BUILTIN, POOL_ENGINE };
static const char *const pool_names[] = {"openmp", "builtin", "engine"};

typedef struct {
    sattn_isa isa;
    int threads, workspace;
    enum pool_kind pool;
    size_t heads, kv_len, d;
} call_case;

static void bench_call(bench_state *st, const void *arg) {
    const call_case *c = arg;
    const size_t nq = c->heads * c->d, nkv = c->heads * c->kv_len * c->d;
    float *q = random_floats(nq, 1), *k = random_floats(nkv, 2), *v = random_floats(nkv, 3), *out = random_floats(nq, 4);
    const sattn_attention_desc desc = {.batch = 1, .heads = c->heads, .q_len = 1, .kv_len = c->kv_len, .head_dim = c->d};
    sattn_context *ctx = NULL;
    engine_pool pool;
    int pool_started = 0;
    sattn_status ok = sattn_context_create(&ctx);
    if (ok == SATTN_OK) ok = sattn_context_set_isa(ctx, c->isa);
    if (ok == SATTN_OK) ok = sattn_context_set_num_threads(ctx, c->threads);
    if (ok == SATTN_OK && c->pool == POOL_OPENMP) ok = sattn_context_set_threading(ctx, SATTN_THREADING_OPENMP);
    if (ok == SATTN_OK && c->pool == POOL_BUILTIN) ok = sattn_context_set_threading(ctx, SATTN_THREADING_BUILTIN);
    if (ok == SATTN_OK && c->pool == POOL_ENGINE) {
        pool_started = engine_pool_start(&pool, c->threads) == 0;
        ok = pool_started ? sattn_context_set_parallel_for(ctx, engine_pool_parallel_for, &pool, pool.workers)
                          : SATTN_E_NOMEM;
    }
    size_t ws_size = 0;
    void *ws = NULL;
    if (ok == SATTN_OK && c->workspace && (ok = sattn_attention_workspace_size(ctx, &desc, &ws_size)) == SATTN_OK)
        ws = malloc(ws_size);
    if (ok == SATTN_OK) ok = sattn_attention_ctx(ctx, &desc, q, k, v, out, ws, ws_size);
    if (ok != SATTN_OK) {
        bench_error(st, sattn_strerror(ok));
    } else {
        while (bench_keep_running(st)) sattn_attention_ctx(ctx, &desc, q, k, v, out, ws, ws_size);
        bench_counter(st, "bytes", 2.0 * nkv * sizeof(float), BENCH_RATE);
    }
    if (pool_started) engine_pool_stop(&pool);
    sattn_context_destroy(ctx);
    free(q), free(k), free(v), free(out), free(ws);
}

static void register_calls(sattn_isa best, int all) {
    const size_t shapes[3][3] = {{1, 16, 64}, {2, 16, 64}, {8, 256, 128}}; /* heads, kv, d */
    const int threads[2] = {1, all > 1 ? 2 : 1};
    for (int ti = 0; ti < (all > 1 ? 2 : 1); ti++)
        for (size_t sh = 0; sh < 3; sh++)
            for (int ws = 0; ws < 2; ws++)
                for (int pool = 0; pool < 3; pool++) {
#ifndef _OPENMP
                    if (pool == POOL_OPENMP) continue;
#endif
                    call_case c = {.isa = best, .threads = threads[ti], .workspace = ws, .pool = (enum pool_kind)pool,
                                   .heads = shapes[sh][0], .kv_len = shapes[sh][1], .d = shapes[sh][2]};
                    char name[256];
                    snprintf(name, sizeof name, "call/impl:sattn/isa:%s/threads:%d/H:%zu/kv:%zu/d:%zu/pool:%s/workspace:%d",
                             sattn_isa_name(best), c.threads, c.heads, c.kv_len, c.d, pool_names[pool], ws);
                    bench_register(name, bench_call, &c, sizeof c);
                }
}

/* ---------------------------------------------------------------- mixed lengths and pages */

/* Issue 17's three shapes: paged decode against the contiguous cache, a packed prefill batch of mixed
 * lengths against a uniform batch of about the same work, and speculative decoding over caches of
 * different lengths. */
enum varlen_kind { VARLEN_DECODE, VARLEN_PREFILL, VARLEN_SPECULATIVE };
static const char *const varlen_names[] = {"paged_decode", "prefill", "speculative"};
typedef struct {
    sattn_isa isa;
    int threads, kind;
    size_t heads, kv_heads, d;
    size_t page; /* decode: 0 = the contiguous cache, else pages of this many keys, shuffled in memory */
    int mixed;   /* prefill: 1 x 4096 + 8 x 512 + 64 x 32 tokens packed; 0: 18 x 1024 (9.45M pairs vs 9.48M) */
} varlen_case;

/* Deterministic shuffle of n page indices. */
static void shuffle_pages(int32_t *table, size_t n) {
    unsigned seed = 12345;
    for (size_t i = 0; i < n; i++) table[i] = (int32_t)i;
    for (size_t i = n; i > 1; i--) {
        seed = seed * 1664525u + 1013904223u;
        const size_t j = (seed >> 8) % i;
        const int32_t t = table[i - 1];
        table[i - 1] = table[j], table[j] = t;
    }
}

static void bench_varlen(bench_state *st, const void *arg) {
    const varlen_case *c = arg;
    const size_t H = c->heads, G = c->kv_heads, d = c->d;
    sattn_attention_desc desc = {.heads = H, .kv_heads = G, .head_dim = d};
    int32_t q_starts[74], kv_starts[74], kv_lens[16], *table = NULL;
    size_t q_tokens, kv_tokens;
    double pairs = 0, kv_bytes = 0;
    if (c->kind == VARLEN_DECODE) { /* one sequence of 8192 keys, one query row per head */
        const size_t kv = 8192;
        desc.batch = 1, desc.q_len = 1, desc.kv_len = kv;
        q_tokens = 1, kv_tokens = kv, pairs = kv, kv_bytes = 2.0 * kv * G * d * sizeof(float);
        if (c->page) { /* [page_count, kv_heads, page, d] pages, the table shuffled */
            table = malloc(kv / c->page * sizeof *table);
            shuffle_pages(table, kv / c->page);
            desc.block_table = table, desc.block_table_stride = kv / c->page, desc.page_size = c->page;
            desc.page_count = kv / c->page;
        }
    } else if (c->kind == VARLEN_PREFILL) { /* causal, q and k/v [tokens, heads, d] */
        static const size_t mixed[][2] = {{1, 4096}, {8, 512}, {64, 32}}, uniform[][2] = {{18, 1024}};
        const size_t(*parts)[2] = c->mixed ? mixed : uniform, nparts = c->mixed ? 3 : 1;
        size_t b = 0, t = 0, longest = 0;
        q_starts[0] = 0;
        for (size_t p = 0; p < nparts; p++)
            for (size_t i = 0; i < parts[p][0]; i++, b++) {
                t += parts[p][1], q_starts[b + 1] = (int32_t)t;
                pairs += (double)parts[p][1] * (parts[p][1] + 1) / 2;
                longest = parts[p][1] > longest ? parts[p][1] : longest;
            }
        memcpy(kv_starts, q_starts, (b + 1) * sizeof *q_starts);
        desc.batch = b, desc.q_len = desc.kv_len = longest, desc.causal = 1;
        if (c->mixed) desc.q_starts = q_starts, desc.kv_starts = kv_starts;
        else { /* the plain padded path, tokens-major */
            desc.q_strides = desc.o_strides = (sattn_strides){longest * H * d, d, H * d};
            desc.k_strides = desc.v_strides = (sattn_strides){longest * G * d, d, G * d};
        }
        q_tokens = kv_tokens = t;
    } else { /* 16 sequences, 4 draft rows each, kv_lens 1000..8000, padded [16, kv_heads, 8000, d] */
        desc.batch = 16, desc.q_len = 4, desc.kv_len = 8000, desc.causal = 1, desc.kv_lens = kv_lens;
        for (size_t b = 0; b < 16; b++) {
            kv_lens[b] = (int32_t)(1000 + b * 7000 / 15);
            kv_bytes += 2.0 * kv_lens[b] * G * d * sizeof(float), pairs += 4.0 * kv_lens[b] - 6; /* 4 rows, causal */
        }
        q_tokens = 16 * 4, kv_tokens = 16 * 8000;
    }
    const struct inputs *in = inputs_for(q_tokens * H * d, kv_tokens * G * d, d, (cache_type){SATTN_DTYPE_F32, 0});
    float *out = random_floats(q_tokens * H * d, 4);
    use_threads(IMPL_SATTN, c->isa, c->threads);
    if (sattn_attention(&desc, in->q, in->k, in->v, out) != SATTN_OK) bench_error(st, "sattn refused the case");
    else {
        while (bench_keep_running(st)) sattn_attention(&desc, in->q, in->k, in->v, out);
        bench_counter(st, "FLOP", 4.0 * H * pairs * d, BENCH_RATE);
        if (kv_bytes) bench_counter(st, "bytes", kv_bytes, BENCH_RATE);
    }
    free(out), free(table);
}

static void add_varlen(varlen_case c) {
    char name[256];
    snprintf(name, sizeof name, "varlen/impl:sattn/isa:%s/threads:%d/case:%s/H:%zu/KVH:%zu/d:%zu/%s", sattn_isa_name(c.isa),
             c.threads, varlen_names[c.kind], c.heads, c.kv_heads, c.d,
             c.kind == VARLEN_DECODE ? (c.page == 16 ? "page:16" : c.page == 64 ? "page:64" : "page:contiguous")
                                     : c.kind == VARLEN_PREFILL ? (c.mixed ? "batch:mixed" : "batch:uniform")
                                                                : "batch:16x4");
    bench_register(name, bench_varlen, &c, sizeof c);
}

/* 1 thread and all; within a thread count each comparison's cases follow each other. */
static void register_varlen(sattn_isa best, int all) {
    const int threads[2] = {1, all};
    for (int ti = 0; ti < (all > 1 ? 2 : 1); ti++) {
        for (size_t g = 0; g < 2; g++)
            for (size_t p = 0; p < 3; p++)
                add_varlen((varlen_case){.isa = best, .threads = threads[ti], .kind = VARLEN_DECODE, .heads = 32,
                                         .kv_heads = g ? 8 : 32, .d = 128, .page = (size_t[]){0, 16, 64}[p]});
        for (int m = 0; m < 2; m++)
            add_varlen((varlen_case){.isa = best, .threads = threads[ti], .kind = VARLEN_PREFILL, .heads = 8,
                                     .kv_heads = 8, .d = 64, .mixed = m});
        for (size_t g = 0; g < 2; g++) /* GQA 32/8: 16 rows per K/V head (the prefill path); MHA: 4 (decode) */
            add_varlen((varlen_case){.isa = best, .threads = threads[ti], .kind = VARLEN_SPECULATIVE, .heads = 32,
                                     .kv_heads = g ? 32 : 8, .d = 128});
    }
}

/* ---------------------------------------------------------------- the sweeps */

/* Which implementations run for a configuration: sattn at this ISA, and the peers once (at the
 * best ISA's turn) since they pick their own kernels. */
static size_t implementations(int best, enum impl out[3], int with_onednn) {
    size_t n = 0;
    out[n++] = IMPL_SATTN;
    if (best && peer_openblas_available()) out[n++] = IMPL_OPENBLAS;
    if (best && with_onednn && peer_onednn_available()) out[n++] = IMPL_ONEDNN;
    return n;
}

static void register_scaling(sattn_isa best) {
    const int all = sattn_get_num_threads();
    for (int t = 1;; t = t * 2 > all ? all : t * 2) {
        attention_case c = {.impl = IMPL_SATTN, .isa = best, .threads = t, .heads = 8, .kv_heads = 8, .d = 64,
                            .q_len = 2048, .kv_len = 2048};
        add_attention(c);
        c.causal = 1;
        add_attention(c);
        if (peer_onednn_available()) {
            attention_case o = c;
            o.impl = IMPL_ONEDNN, o.causal = 0;
            add_attention(o);
        }
        c.heads = c.kv_heads = 1, c.q_len = c.kv_len = 4096; /* one head: query blocks must feed every thread */
        add_attention(c);
        add_attention((attention_case){.impl = IMPL_SATTN, .isa = best, .threads = t, .decode = 1, .heads = 32,
                                       .kv_heads = 32, .q_len = 1, .kv_len = 8192, .d = 128});
        add_gemm((gemm_case){IMPL_SATTN, best, t, 1024, 1024, 1024});
        if (t == all) break;
    }
}

static void register_cases(enum sweep sweep) {
    static const size_t seq_full[] = {128, 256, 512, 1024, 2048, 4096, 8192, 16384};
    static const size_t dim_full[] = {32, 64, 80, 96, 128, 256};
    static const size_t decode_full[] = {512, 1024, 2048, 4096, 8192, 16384, 32768};
    sattn_isa best = SATTN_ISA_SCALAR; /* fp32's best */
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++)
        if (sattn_isa_available((sattn_isa)isa) && !reduced_precision_level((sattn_isa)isa)) best = (sattn_isa)isa;
    const int all = sattn_get_num_threads();
    const int thread_counts[2] = {1, all};
    if (sweep == SWEEP_SCALING) {
        register_scaling(best);
        return;
    }
    if (sweep == SWEEP_LOGITS) {
        register_logits(best);
        return;
    }
    if (sweep == SWEEP_TYPES) {
        register_types(best, all);
        return;
    }
    if (sweep == SWEEP_LOWP) {
        register_lowp(best, all);
        return;
    }
    if (sweep == SWEEP_CALLS) {
        register_calls(best, all);
        return;
    }
    if (sweep == SWEEP_VARLEN) {
        register_varlen(best, all);
        return;
    }

    if (sweep == SWEEP_DEFAULT) register_calls(best, all);
    for (int isa_i = SATTN_ISA_SCALAR; isa_i <= SATTN_ISA_LAST; isa_i++) {
        const sattn_isa isa = (sattn_isa)isa_i;
        if (!sattn_isa_available(isa) || reduced_precision_level(isa)) continue;
        const int is_best = isa == best;
        /* The portable path is a reference, not a product: a short sweep keeps the default fast. */
        const size_t max_seq = sweep == SWEEP_SMOKE ? 64 : sweep == SWEEP_FULL ? 16384 : is_best ? 4096 : 1024;
        const size_t max_decode = sweep == SWEEP_SMOKE ? 512 : sweep == SWEEP_FULL ? 32768 : is_best ? 32768 : 2048;
        for (int t = 0; t < (all > 1 ? 2 : 1); t++) {
            const int threads = thread_counts[t];
            enum impl impls[3];
            const size_t n_impl = implementations(is_best, impls, 1);
            for (size_t ii = 0; ii < n_impl; ii++) {
                const enum impl impl = impls[ii];
                attention_case c = {.impl = impl, .isa = isa, .threads = threads, .heads = 8, .kv_heads = 8, .d = 64};
                /* S sweep at d = 64, causal off and on. The peers' S x S matrix stops them at 8192. */
                for (size_t i = 0; i < sizeof seq_full / sizeof seq_full[0]; i++) {
                    c.q_len = c.kv_len = seq_full[i];
                    if (seq_full[i] == 16384 && impl == IMPL_SATTN && is_best && sweep == SWEEP_DEFAULT) {
                        c.q_len = c.kv_len = 16384, c.causal = 1; /* long sequence: causal only */
                        add_attention(c);
                        continue;
                    }
                    if (seq_full[i] > max_seq || (impl != IMPL_SATTN && seq_full[i] > 8192)) continue;
                    c.causal = 0;
                    add_attention(c);
                    if (sweep != SWEEP_DEFAULT || seq_full[i] == 1024 || seq_full[i] == 2048) {
                        c.causal = 1;
                        add_attention(c);
                    }
                }
                c.causal = 0;
                /* d sweep at S = 1024 (S = 64 for the smoke run). */
                c.q_len = c.kv_len = sweep == SWEEP_SMOKE ? 64 : 1024;
                for (size_t i = 0; i < sizeof dim_full / sizeof dim_full[0]; i++) {
                    c.d = dim_full[i];
                    if (c.d == 64 || (sweep == SWEEP_SMOKE && c.d != 80)) continue;
                    if (!is_best && sweep == SWEEP_DEFAULT && c.d != 128) continue;
                    add_attention(c);
                }
                /* GQA: 32 query heads on 8 K/V heads (sattn only: the peers have no GQA). */
                if (impl == IMPL_SATTN) {
                    attention_case g = c;
                    g.heads = 32, g.kv_heads = 8, g.d = 128, g.q_len = g.kv_len = sweep == SWEEP_SMOKE ? 32 : 1024;
                    if (is_best || sweep != SWEEP_DEFAULT) add_attention(g);
                }
                /* Decode: one query against a long cache, 32 heads, d 128. */
                attention_case dc = {.impl = impl, .isa = isa, .threads = threads, .decode = 1, .heads = 32,
                                     .kv_heads = 32, .q_len = 1, .d = 128};
                for (size_t i = 0; i < sizeof decode_full / sizeof decode_full[0]; i++) {
                    dc.kv_len = decode_full[i];
                    if (dc.kv_len > max_decode || (sweep == SWEEP_DEFAULT && (i % 2))) continue;
                    add_attention(dc);
                }
                /* The layouts engines keep: tokens-major caches, GQA 32/8 and 32/4 and MQA, 1..16 query
                 * rows (speculative decoding). The default sweep takes kv 8192 at d 128 without MQA and 8 rows,
                 * and GQA 32/4 with one query; the full one everything at kv 2048..32768, d 64 and 128. */
                if (impl == IMPL_SATTN && is_best && sweep != SWEEP_SMOKE) {
                    static const size_t kv_heads[] = {32, 8, 4, 1}, q_rows[] = {1, 4, 8, 16}, kvs[] = {2048, 8192, 32768};
                    for (size_t d = 64; d <= 128; d *= 2)
                        for (size_t ki = 0; ki < 3; ki++)
                            for (size_t hi = 0; hi < 4; hi++)
                                for (size_t qi = 0; qi < 4; qi++)
                                    for (int tm = 0; tm < 2; tm++) {
                                        attention_case e = dc;
                                        e.d = d, e.kv_len = kvs[ki], e.kv_heads = kv_heads[hi], e.q_len = q_rows[qi];
                                        e.tokens_major = tm;
                                        const int plain = d == 128 && e.kv_heads == 32 && e.q_len == 1 && !tm; /* above */
                                        const int in_default = d == 128 && e.kv_len == 8192 && e.kv_heads != 1 &&
                                                               e.q_len != 8 && (e.kv_heads != 4 || e.q_len == 1);
                                        if (plain || (sweep == SWEEP_DEFAULT && !in_default)) continue;
                                        add_attention(e);
                                    }
                }
            }
            /* sgemm: square and the two attention shapes (S x S x d, S x d x S). */
            const size_t n_gemm = implementations(is_best, impls, 0);
            for (size_t ii = 0; ii < n_gemm; ii++) {
                const size_t shapes[][3] = {{1024, 1024, 1024}, {1024, 1024, 64}, {1024, 64, 1024}, {2048, 2048, 2048},
                                            {512, 512, 512}};
                for (size_t i = 0; i < 5; i++) {
                    if (sweep == SWEEP_SMOKE && i) break;
                    if (sweep == SWEEP_DEFAULT && (i == 3 || (!is_best && i))) continue;
                    const size_t f = sweep == SWEEP_SMOKE ? 16 : 1; /* smoke: 64^3 */
                    add_gemm((gemm_case){impls[ii], isa, threads, shapes[i][0] / f, shapes[i][1] / f, shapes[i][2] / f});
                }
            }
            /* softmax rows of 64 .. 32000; peers: oneDNN and the plain loop. */
            const size_t shapes[][2] = {{256, 1024}, {1024, 64}, {64, 32000}, {256, 4096}};
            for (size_t i = 0; i < 4; i++) {
                if (sweep == SWEEP_SMOKE && i) break;
                if (sweep == SWEEP_DEFAULT && i == 3) continue;
                const size_t rows = sweep == SWEEP_SMOKE ? 16 : shapes[i][0], cols = shapes[i][1];
                add_softmax((softmax_case){IMPL_SATTN, isa, threads, rows, cols});
                if (!is_best) continue;
                if (peer_onednn_available()) add_softmax((softmax_case){IMPL_ONEDNN, isa, threads, rows, cols});
                add_softmax((softmax_case){IMPL_PLAIN, isa, threads, rows, cols});
            }
        }
    }
}

int main(int argc, char **argv) {
    enum sweep sweep = SWEEP_DEFAULT;
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--sattn_sweep=", 14)) {
            const char *v = argv[i] + 14;
            if (!strcmp(v, "smoke")) sweep = SWEEP_SMOKE;
            else if (!strcmp(v, "default")) sweep = SWEEP_DEFAULT;
            else if (!strcmp(v, "full")) sweep = SWEEP_FULL;
            else if (!strcmp(v, "scaling")) sweep = SWEEP_SCALING;
            else if (!strcmp(v, "logits")) sweep = SWEEP_LOGITS;
            else if (!strcmp(v, "types")) sweep = SWEEP_TYPES;
            else if (!strcmp(v, "calls")) sweep = SWEEP_CALLS;
            else if (!strcmp(v, "varlen")) sweep = SWEEP_VARLEN;
            else if (!strcmp(v, "lowp")) sweep = SWEEP_LOWP;
            else {
                fprintf(stderr, "sattn_bench: --sattn_sweep takes smoke, default, full, scaling, logits, types, calls, varlen or lowp\n");
                return 2;
            }
            continue;
        }
        argv[kept++] = argv[i];
    }
    argc = kept;
    bench_describe_machine();
    static const char *const sweep_names[] = {"smoke", "default", "full", "scaling", "logits", "types", "calls", "varlen", "lowp"};
    bench_context("sweep", sweep_names[sweep]);
    register_cases(sweep);
    return bench_main(argc, argv);
}

/* Peer implementations timed beside sattn on the same inputs (dense [batch*heads, seq, dim]). */
#ifndef SATTN_BENCH_PEERS_H
#define SATTN_BENCH_PEERS_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The plain softmax loop of the unfused baseline (OpenMP over rows); always built. */
void peer_plain_softmax(size_t rows, size_t cols, const float *x, float *y, int threads);

/* A peer that is not built in answers 0 to *_available(); its other entry points are never
 * reached (every call site checks availability first) and abort if they ever are. */
static inline void peer_missing(const char *name) {
    fprintf(stderr, "sattn_bench: %s is not built in\n", name);
    abort();
}

/* Unfused attention on OpenBLAS: S = scale*Q·Kᵀ (cblas_sgemm), causal -inf, a plain softmax
 * loop, O = P·V (cblas_sgemm), heads across the threads set by peer_openblas_threads.
 * s holds one q_len x kv_len matrix per thread. */
#if SATTN_BENCH_HAVE_OPENBLAS
static inline int peer_openblas_available(void) { return 1; }
void peer_openblas_threads(int n);
const char *peer_openblas_config(void);
void peer_openblas_attention(size_t bh, size_t q_len, size_t kv_len, size_t d, float scale, int causal,
                             const float *q, const float *k, const float *v, float *out, float *s);
void peer_openblas_sgemm(size_t m, size_t n, size_t k, const float *a, const float *b, float *c);
#else
static inline int peer_openblas_available(void) { return 0; }
static inline void peer_openblas_threads(int n) { (void)n; }
static inline const char *peer_openblas_config(void) { return "not built in"; }
static inline void peer_openblas_attention(size_t bh, size_t q_len, size_t kv_len, size_t d, float scale, int causal,
                                           const float *q, const float *k, const float *v, float *out, float *s) {
    (void)bh, (void)q_len, (void)kv_len, (void)d, (void)scale, (void)causal, (void)q, (void)k, (void)v, (void)out,
        (void)s;
    peer_missing("OpenBLAS");
}
static inline void peer_openblas_sgemm(size_t m, size_t n, size_t k, const float *a, const float *b, float *c) {
    (void)m, (void)n, (void)k, (void)a, (void)b, (void)c;
    peer_missing("OpenBLAS");
}
#endif

/* oneDNN 2.x: matmul (output scale) -> causal mask by a binary add -> softmax -> matmul; bf16: q, k, v in bf16,
 * S and softmax in f32, P reordered to bf16 for the second matmul, out f32. A create returns NULL when a
 * primitive would run oneDNN's reference code (or cannot be made); peer_onednn_why_not says which. */
typedef struct peer_onednn peer_onednn;
#if SATTN_BENCH_HAVE_ONEDNN
static inline int peer_onednn_available(void) { return 1; }
const char *peer_onednn_version(void);
peer_onednn *peer_onednn_attention_create(size_t bh, size_t q_len, size_t kv_len, size_t d, float scale, int causal,
                                          int bf16);
peer_onednn *peer_onednn_softmax_create(size_t rows, size_t cols);
const char *peer_onednn_why_not(void);
/* attention: in = {q, k, v} (float, or bf16 bits); softmax: in = {x}. Threads through OpenMP. */
int peer_onednn_run(peer_onednn *p, const void *const *in, float *out);
void peer_onednn_destroy(peer_onednn *p);
#else
static inline int peer_onednn_available(void) { return 0; }
static inline const char *peer_onednn_version(void) { return "not built in"; }
static inline peer_onednn *peer_onednn_attention_create(size_t bh, size_t q_len, size_t kv_len, size_t d, float scale,
                                                        int causal, int bf16) {
    (void)bh, (void)q_len, (void)kv_len, (void)d, (void)scale, (void)causal, (void)bf16;
    return NULL; /* callers report peer_onednn_why_not() */
}
static inline const char *peer_onednn_why_not(void) { return "oneDNN is not built in"; }
static inline peer_onednn *peer_onednn_softmax_create(size_t rows, size_t cols) {
    (void)rows, (void)cols;
    return NULL;
}
static inline int peer_onednn_run(peer_onednn *p, const void *const *in, float *out) {
    (void)p, (void)in, (void)out;
    peer_missing("oneDNN");
    return -1;
}
static inline void peer_onednn_destroy(peer_onednn *p) { (void)p; }
#endif

#ifdef __cplusplus
}
#endif

#endif

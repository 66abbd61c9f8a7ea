/* Shared test support: seeded data, the ISA loop, sentinel-guarded buffers, double references. */
#ifndef SATTN_TEST_COMMON_H
#define SATTN_TEST_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sattn.h"

/* Deterministic generator (splitmix64): every case is reproducible from its printed seed. */
typedef struct { uint64_t s; } rng_t;
rng_t rng_seed(uint64_t seed);
uint64_t rng_u64(rng_t *r);
float rng_uniform(rng_t *r, float lo, float hi);
void fill_uniform(rng_t *r, float *x, size_t n, float lo, float hi);

/* The ISAs under test: SATTN_ISA names one (the suite's per-ISA runs), else all available. */
size_t test_isas(sattn_isa out[8]);
/* main() helper: 77 (meson's skip) when SATTN_ISA names an ISA this CPU lacks. */
int skip_if_isa_unavailable(void);

/* A sentinel NaN whose bits no kernel produces: an untouched element still holds it. */
float sentinel(void);
int is_sentinel(float x);
float *alloc_sentinel(size_t n);
/* Counts elements that are not the sentinel. */
size_t count_touched(const float *x, size_t n);

/* |got - ref| <= tol, with NaN agreeing only with NaN; reports the first mismatch and returns 0. */
int close_enough(const char *what, const float *got, const double *ref, const double *tol, size_t n);

/* Double-precision references. */
void ref_gemm(int ta, int tb, size_t m, size_t n, size_t k, double alpha, const float *a, size_t lda, const float *b,
              size_t ldb, double beta, const float *c_in, size_t ldc, double *c, double *bound);
void ref_softmax(size_t rows, size_t cols, const float *x, size_t ldx, double *y);
/* out[(b, h, i)][c] at out[((b*heads + h)*q_len + i)*dv + c]; desc strides must be explicit. */
void ref_attention(const sattn_attention_desc *d, const float *q, const float *k, const float *v, double *out);
/* The same, with the log-sum-exp of each row at lse[(b*heads + h)*q_len + i] (lse may be NULL). */
void ref_attention_lse(const sattn_attention_desc *d, const float *q, const float *k, const float *v, double *out,
                       double *lse);

/* Element e of a stored I8 or I4 tensor (I4: two's complement nibbles, element 2t low), as an integer. */
int q_at(sattn_dtype t, const void *q, size_t e);
/* Stores rows x cols floats as type t in `store` (I8/I4: scales dense, one per group of `group` columns, 0 =
 * the row), and writes back in `deq` the values the library will read. */
void store_as(sattn_dtype t, size_t rows, size_t cols, size_t group, const float *x, void *store, float *scales,
              float *deq);

/* Resolves the defaulted fields of an attention descriptor the way the library documents them. */
void resolve_dense_strides(sattn_attention_desc *d);

#endif

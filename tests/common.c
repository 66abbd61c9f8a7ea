#include "common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rng_t rng_seed(uint64_t seed) { return (rng_t){seed * 0x9E3779B97F4A7C15ull + 1}; }

uint64_t rng_u64(rng_t *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

float rng_uniform(rng_t *r, float lo, float hi) { return lo + (hi - lo) * (float)(rng_u64(r) >> 40) / 16777216.0f; }

void fill_uniform(rng_t *r, float *x, size_t n, float lo, float hi) {
    for (size_t i = 0; i < n; i++) x[i] = rng_uniform(r, lo, hi);
}

_Static_assert(SATTN_ISA_LAST - SATTN_ISA_SCALAR + 1 <= 8, "test_isas fills out[8]: one slot per level");

size_t test_isas(sattn_isa out[8]) {
    const char *env = getenv("SATTN_ISA");
    size_t n = 0;
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++) {
        if (env && *env && strcmp(env, "auto") && strcmp(env, sattn_isa_name((sattn_isa)isa))) continue;
        if (sattn_isa_available((sattn_isa)isa)) out[n++] = (sattn_isa)isa;
    }
    return n;
}

int skip_if_isa_unavailable(void) {
    sattn_isa isas[8];
    if (test_isas(isas) == 0) {
        printf("SKIP: SATTN_ISA=%s is not available on this CPU\n", getenv("SATTN_ISA"));
        return 77;
    }
    return 0;
}

static const uint32_t sentinel_bits = 0x7fbadbadu;

float sentinel(void) {
    float f;
    memcpy(&f, &sentinel_bits, sizeof f);
    return f;
}

int is_sentinel(float x) {
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b == sentinel_bits;
}

float *alloc_sentinel(size_t n) {
    float *x = malloc((n ? n : 1) * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++) x[i] = sentinel();
    return x;
}

size_t count_touched(const float *x, size_t n) {
    size_t t = 0;
    for (size_t i = 0; i < n; i++) t += !is_sentinel(x[i]);
    return t;
}

int close_enough(const char *what, const float *got, const double *ref, const double *tol, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const double g = got[i], r = ref[i];
        const int ok = isnan(r) ? isnan(g) : (isinf(r) ? g == r : fabs(g - r) <= tol[i]);
        if (!ok) {
            print_error("%s: element %zu is %.9g, reference %.9g (tolerance %.3g), isa %s\n", what, i, g, r, tol[i],
                        sattn_isa_name(sattn_get_isa()));
            return 0;
        }
    }
    return 1;
}

void ref_gemm(int ta, int tb, size_t m, size_t n, size_t k, double alpha, const float *a, size_t lda, const float *b,
              size_t ldb, double beta, const float *c_in, size_t ldc, double *c, double *bound) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0, mag = 0;
            for (size_t p = 0; p < k; p++) {
                const double x = ta ? a[p * lda + i] : a[i * lda + p];
                const double y = tb ? b[j * ldb + p] : b[p * ldb + j];
                s += x * y;
                mag += fabs(x * y);
            }
            const double cin = beta == 0 ? 0 : beta * c_in[i * ldc + j];
            c[i * n + j] = alpha * s + cin;
            /* Float summation error grows with the depth: a few k*eps of the absolute sum. */
            bound[i * n + j] = 2.0 * (k + 4) * 0x1p-24 * (fabs(alpha) * mag + fabs(cin)) + 1e-30;
        }
}

void ref_softmax(size_t rows, size_t cols, const float *x, size_t ldx, double *y) {
    for (size_t r = 0; r < rows; r++) {
        double m = -INFINITY, s = 0;
        int nan = 0;
        for (size_t c = 0; c < cols; c++) {
            nan |= isnan(x[r * ldx + c]);
            if (x[r * ldx + c] > m) m = x[r * ldx + c];
        }
        for (size_t c = 0; c < cols; c++) s += m == -INFINITY ? 0 : exp(x[r * ldx + c] - m);
        for (size_t c = 0; c < cols; c++)
            y[r * cols + c] = nan ? NAN : (m == -INFINITY ? 0 : exp(x[r * ldx + c] - m) / s);
    }
}

void resolve_dense_strides(sattn_attention_desc *d) {
    const size_t kvh = d->kv_heads ? d->kv_heads : d->heads, dv = d->v_head_dim ? d->v_head_dim : d->head_dim;
    sattn_strides z = {0, 0, 0};
    if (!memcmp(&d->q_strides, &z, sizeof z))
        d->q_strides = (sattn_strides){d->heads * d->q_len * d->head_dim, d->q_len * d->head_dim, d->head_dim};
    if (!memcmp(&d->k_strides, &z, sizeof z))
        d->k_strides = (sattn_strides){kvh * d->kv_len * d->head_dim, d->kv_len * d->head_dim, d->head_dim};
    if (!memcmp(&d->v_strides, &z, sizeof z))
        d->v_strides = (sattn_strides){kvh * d->kv_len * dv, d->kv_len * dv, dv};
    if (!memcmp(&d->o_strides, &z, sizeof z))
        d->o_strides = (sattn_strides){d->heads * d->q_len * dv, d->q_len * dv, dv};
}

void ref_attention(const sattn_attention_desc *d0, const float *q, const float *k, const float *v, double *out) {
    ref_attention_lse(d0, q, k, v, out, NULL);
}

void ref_attention_lse(const sattn_attention_desc *d0, const float *q, const float *k, const float *v, double *out,
                       double *lse) {
    sattn_attention_desc d = *d0;
    resolve_dense_strides(&d);
    const size_t kvh = d.kv_heads ? d.kv_heads : d.heads, dv = d.v_head_dim ? d.v_head_dim : d.head_dim;
    const size_t group = d.heads / kvh;
    const double scale = d.scale != 0 ? d.scale : 1.0 / sqrt((double)d.head_dim);
    double *logit = malloc((d.kv_len + 1) * sizeof *logit);
    for (size_t b = 0; b < d.batch; b++)
        for (size_t h = 0; h < d.heads; h++)
            for (size_t i = 0; i < d.q_len; i++) {
                /* Padded layout only: sequence b has q_lens[b] rows (the rest stay 0) and kv_lens[b] keys, and
                 * its masks are anchored at its own lengths. */
                const ptrdiff_t q_len_b = d.q_lens ? d.q_lens[b] : (ptrdiff_t)d.q_len;
                const ptrdiff_t kv_len_b = d.kv_lens ? d.kv_lens[b] : (ptrdiff_t)d.kv_len;
                if ((ptrdiff_t)i >= q_len_b) {
                    for (size_t c = 0; c < dv; c++) out[((b * d.heads + h) * d.q_len + i) * dv + c] = 0;
                    continue;
                }
                const float *qi = q + b * d.q_strides.batch + h * d.q_strides.head + i * d.q_strides.seq;
                const ptrdiff_t diag = (ptrdiff_t)i + kv_len_b - q_len_b;
                double m = -INFINITY;
                int nan = 0;
                for (size_t j = 0; j < d.kv_len; j++) {
                    int vis = 1;
                    if ((ptrdiff_t)j >= kv_len_b) vis = 0;
                    if (d.causal && (ptrdiff_t)j > diag) vis = 0;
                    if (d.window && (ptrdiff_t)j <= diag - (ptrdiff_t)d.window) vis = 0;
                    if (!vis) {
                        logit[j] = -INFINITY;
                        continue;
                    }
                    const float *kj = k + b * d.k_strides.batch + (h / group) * d.k_strides.head + j * d.k_strides.seq;
                    double s = 0;
                    for (size_t c = 0; c < d.head_dim; c++) s += (double)qi[c] * kj[c];
                    s *= scale;
                    if (d.softcap != 0) s = d.softcap * tanh(s / d.softcap);
                    if (d.bias) s += d.bias[b * d.bias_strides.batch + h * d.bias_strides.head + i * d.bias_strides.seq + j];
                    if (d.alibi_slopes) s += (double)d.alibi_slopes[h] * ((double)j - (double)diag);
                    logit[j] = s;
                    nan |= isnan(s);
                    if (s > m) m = s;
                }
                double *o = out + ((b * d.heads + h) * d.q_len + i) * dv;
                double *row_lse = lse ? lse + (b * d.heads + h) * d.q_len + i : NULL;
                const double sink = d.sinks ? d.sinks[h] : -INFINITY;
                for (size_t c = 0; c < dv; c++) o[c] = 0;
                if (nan) {
                    for (size_t c = 0; c < dv; c++) o[c] = NAN;
                    if (row_lse) *row_lse = NAN;
                    continue;
                }
                if (m == -INFINITY) {
                    if (row_lse) *row_lse = sink;
                    continue;
                }
                if (sink > m) m = sink; /* the sink joins the denominator only */
                double sum = d.sinks ? exp(sink - m) : 0;
                for (size_t j = 0; j < d.kv_len; j++) {
                    if (logit[j] == -INFINITY) continue;
                    const double p = exp(logit[j] - m);
                    const float *vj = v + b * d.v_strides.batch + (h / group) * d.v_strides.head + j * d.v_strides.seq;
                    sum += p;
                    for (size_t c = 0; c < dv; c++) o[c] += p * vj[c];
                }
                for (size_t c = 0; c < dv; c++) o[c] /= sum;
                if (row_lse) *row_lse = m + log(sum);
            }
    free(logit);
}

/* Element e of a stored I8 or I4 tensor, as an integer. */
int q_at(sattn_dtype t, const void *q, size_t e) {
    if (t == SATTN_DTYPE_I8) return ((const int8_t *)q)[e];
    const int nib = (((const uint8_t *)q)[e / 2] >> (e % 2 * 4)) & 15;
    return nib >= 8 ? nib - 16 : nib;
}

/* Stores n floats (rows of cols) as type t in `store` (scales dense, one per group), and writes back
 * in `deq` the values the library will read. */
void store_as(sattn_dtype t, size_t rows, size_t cols, size_t group, const float *x, void *store, float *scales,
              float *deq) {
    const size_t n = rows * cols, gs = group ? group : cols;
    switch (t) {
    case SATTN_DTYPE_F32: memcpy(store, x, n * sizeof *x), memcpy(deq, x, n * sizeof *x); break;
    case SATTN_DTYPE_F16:
    case SATTN_DTYPE_BF16:
        assert_int_equal(sattn_convert(SATTN_DTYPE_F32, t, n, x, store), SATTN_OK);
        assert_int_equal(sattn_convert(t, SATTN_DTYPE_F32, n, store, deq), SATTN_OK);
        break;
    default:
        assert_int_equal(sattn_quantize(t, rows, cols, group, x, cols, store, cols, scales), SATTN_OK);
        /* sattn_quantize writes -127..127 (I4 -7..7); the types also hold -128 (-8), as ggml's q4_0 does: put it at
         * every 11th column of each row (the same places however a test lays its rows out), so the kernels read it. */
        for (size_t r = 0; r < rows; r++)
            for (size_t e = r * cols + 5; e < (r + 1) * cols; e += 11) {
                if (t == SATTN_DTYPE_I8)
                    ((int8_t *)store)[e] = INT8_MIN;
                else
                    ((uint8_t *)store)[e / 2] = (uint8_t)((((uint8_t *)store)[e / 2] & (e % 2 ? 0x0F : 0xF0)) |
                                                          (e % 2 ? 0x80 : 0x08));
            }
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++)
                deq[r * cols + c] = (float)q_at(t, store, r * cols + c) * scales[r * (cols / gs) + c / gs];
    }
}

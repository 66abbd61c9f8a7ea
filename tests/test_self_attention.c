/* The self-attention layer against a double reference of the same math, with and without W_o,
 * causal or not, with a caller's workspace and with the library's own; with biases, padded sequences
 * and PyTorch's weight layout; bad descriptors refused with y untouched. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* y = (softmax(QKᵀ/sqrt(dh)) V) W_o + b_o with Q = xW_q + b_q ..., keys past seq_lens hidden, all in double. */
static void ref_layer(const sattn_self_attention_desc *d, const float *x, const float *wq, const float *wk,
                      const float *wv, const float *wo, double *y) {
    const size_t S = d->seq_len, Dm = d->d_model, W = d->heads * d->head_dim, dh = d->head_dim;
    double *q = calloc(S * W, sizeof *q), *k = calloc(S * W, sizeof *k), *v = calloc(S * W, sizeof *v);
    double *o = calloc(S * W, sizeof *o), *p = malloc(S * sizeof *p);
    for (size_t b = 0; b < d->batch; b++) {
        const float *xb = x + b * S * Dm;
        for (size_t t = 0; t < S; t++)
            for (size_t c = 0; c < W; c++) {
                double sq = d->b_q ? d->b_q[c] : 0, sk = d->b_k ? d->b_k[c] : 0, sv = d->b_v ? d->b_v[c] : 0;
                for (size_t i = 0; i < Dm; i++) {
                    sq += (double)xb[t * Dm + i] * wq[i * W + c];
                    sk += (double)xb[t * Dm + i] * wk[i * W + c];
                    sv += (double)xb[t * Dm + i] * wv[i * W + c];
                }
                q[t * W + c] = sq, k[t * W + c] = sk, v[t * W + c] = sv;
            }
        for (size_t h = 0; h < d->heads; h++)
            for (size_t i = 0; i < S; i++) {
                double m = -INFINITY, sum = 0;
                /* A padding token's row is not computed: zero heads. */
                const size_t len = d->seq_lens ? (size_t)d->seq_lens[b] : S, all = d->causal ? i + 1 : S;
                const size_t n = i >= len ? 0 : all < len ? all : len;
                for (size_t j = 0; j < n; j++) {
                    double s = 0;
                    for (size_t c = 0; c < dh; c++) s += q[i * W + h * dh + c] * k[j * W + h * dh + c];
                    p[j] = s / sqrt((double)dh);
                    if (p[j] > m) m = p[j];
                }
                for (size_t j = 0; j < n; j++) sum += (p[j] = exp(p[j] - m));
                for (size_t c = 0; c < dh; c++) {
                    double acc = 0;
                    for (size_t j = 0; j < n; j++) acc += p[j] * v[j * W + h * dh + c];
                    o[i * W + h * dh + c] = n ? acc / sum : 0;
                }
            }
        double *yb = y + b * S * (wo ? Dm : W);
        if (!wo) {
            memcpy(yb, o, S * W * sizeof *o);
            continue;
        }
        for (size_t t = 0; t < S; t++)
            for (size_t c = 0; c < Dm; c++) {
                double s = d->b_o ? d->b_o[c] : 0;
                for (size_t i = 0; i < W; i++) s += o[t * W + i] * wo[i * Dm + c];
                yb[t * Dm + c] = s;
            }
    }
    free(q), free(k), free(v), free(o), free(p);
}

/* A copy of the rows x cols matrix w, transposed (PyTorch's [out, in] layout of x·W's [in, out]). */
static float *transposed(const float *w, size_t rows, size_t cols) {
    float *t = malloc(rows * cols * sizeof *t);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
    return t;
}

/* extras: biases on the four projections, seq_lens (some padded, one empty) and transposed weights. */
static void check_layer_with(size_t batch, size_t seq, size_t dm, size_t heads, size_t dh, int causal, int with_wo,
                             int own_workspace, int extras, uint64_t seed) {
    rng_t rng = rng_seed(seed);
    sattn_self_attention_desc d = {.batch = batch, .seq_len = seq, .d_model = dm, .heads = heads, .head_dim = dh,
                                   .causal = causal};
    float *biases[4] = {NULL, NULL, NULL, NULL};
    int32_t *lens = NULL;
    if (extras) {
        for (int i = 0; i < 4; i++) {
            const size_t n = i == 3 ? dm : heads * dh;
            biases[i] = malloc(n * sizeof *biases[i]);
            fill_uniform(&rng, biases[i], n, -1, 1);
        }
        lens = malloc(batch * sizeof *lens);
        for (size_t b = 0; b < batch; b++) lens[b] = (int32_t)(b == 0 ? seq : b == 1 ? 0 : rng_u64(&rng) % (seq + 1));
        d.b_q = biases[0], d.b_k = biases[1], d.b_v = biases[2], d.b_o = with_wo ? biases[3] : NULL;
        d.seq_lens = lens;
    }
    const size_t W = heads * dh, ny = batch * seq * (with_wo ? dm : W);
    float *x = malloc(batch * seq * dm * sizeof *x), *w[4];
    fill_uniform(&rng, x, batch * seq * dm, -1, 1);
    for (int i = 0; i < 4; i++) {
        w[i] = malloc(dm * W * sizeof *w[i]);
        fill_uniform(&rng, w[i], dm * W, -0.5f, 0.5f);
    }
    float *y = alloc_sentinel(ny + 8);
    double *ref = malloc(ny * sizeof *ref), *tol = malloc(ny * sizeof *tol);
    ref_layer(&d, x, w[0], w[1], w[2], with_wo ? w[3] : NULL, ref);
    for (size_t i = 0; i < ny; i++) tol[i] = 1e-5 * (dm + W) * 0.1 + 1e-5 * fabs(ref[i]);
    const size_t need = sattn_self_attention_workspace_size(&d);
    void *ws = own_workspace ? malloc(need) : NULL;
    assert_int_equal(sattn_self_attention(&d, x, w[0], w[1], w[2], with_wo ? w[3] : NULL, y, ws, need), SATTN_OK);
    char what[160];
    snprintf(what, sizeof what, "self-attention b%zu s%zu dm%zu h%zu dh%zu causal %d wo %d ws %d extras %d", batch,
             seq, dm, heads, dh, causal, with_wo, own_workspace, extras);
    assert_true(close_enough(what, y, ref, tol, ny));
    assert_int_equal(count_touched(y + ny, 8), 0);
    if (extras) {
        /* The same layer from weights in PyTorch's layout: the same values (the sgemm reads them transposed). */
        float *wt[4], *yt = alloc_sentinel(ny + 8);
        for (int i = 0; i < 3; i++) wt[i] = transposed(w[i], dm, heads * dh);
        wt[3] = transposed(w[3], heads * dh, dm);
        sattn_self_attention_desc dt = d;
        dt.weights_transposed = 1;
        assert_int_equal(sattn_self_attention(&dt, x, wt[0], wt[1], wt[2], with_wo ? wt[3] : NULL, yt, NULL, 0),
                         SATTN_OK);
        assert_true(close_enough(what, yt, ref, tol, ny));
        assert_int_equal(count_touched(yt + ny, 8), 0);
        /* Bad lengths and b_o without w_o are refused with y untouched. */
        float *yb = alloc_sentinel(ny);
        lens[batch - 1] = (int32_t)seq + 1;
        assert_int_equal(sattn_self_attention(&d, x, w[0], w[1], w[2], with_wo ? w[3] : NULL, yb, NULL, 0),
                         SATTN_E_ARG);
        lens[batch - 1] = -1;
        assert_int_equal(sattn_self_attention(&d, x, w[0], w[1], w[2], with_wo ? w[3] : NULL, yb, NULL, 0),
                         SATTN_E_ARG);
        lens[batch - 1] = 0;
        dt = d, dt.b_o = biases[3];
        assert_int_equal(sattn_self_attention(&dt, x, w[0], w[1], w[2], NULL, yb, NULL, 0), SATTN_E_ARG);
        /* A bias inside y: refused like a weight inside y. */
        dt = d, dt.b_k = yb + ny / 2;
        assert_int_equal(sattn_self_attention(&dt, x, w[0], w[1], w[2], with_wo ? w[3] : NULL, yb, NULL, 0),
                         SATTN_E_STRIDE);
        assert_int_equal(count_touched(yb, ny), 0);
        for (int i = 0; i < 4; i++) free(wt[i]);
        free(yt), free(yb);
    }
    free(x), free(y), free(ref), free(tol), free(ws), free(lens);
    for (int i = 0; i < 4; i++) free(w[i]), free(biases[i]);
}

static void check_layer(size_t batch, size_t seq, size_t dm, size_t heads, size_t dh, int causal, int with_wo,
                        int own_workspace, uint64_t seed) {
    check_layer_with(batch, seq, dm, heads, dh, causal, with_wo, own_workspace, 0, seed);
}

/* A caller built against 0.1's header passes the shorter descriptor: its new fields read as zero. A longer
 * descriptor with a nonzero unknown tail, or one shorter than 0.1's, is refused. */
static void test_descriptor_sizes(void **state) {
    (void)state;
    rng_t rng = rng_seed(9);
    enum { S = 5, DM = 8, H = 2, DH = 4, W = H * DH };
    float x[S * DM], w[4][DM * W], y_full[S * DM], y_old[S * DM], bias[W];
    fill_uniform(&rng, x, S * DM, -1, 1);
    fill_uniform(&rng, &w[0][0], 4 * DM * W, -1, 1);
    fill_uniform(&rng, bias, W, -1, 1);
    sattn_self_attention_desc d = {.batch = 1, .seq_len = S, .d_model = DM, .heads = H, .head_dim = DH, .b_q = bias};
    assert_int_equal(sattn_self_attention(&d, x, w[0], w[1], w[2], w[3], y_full, NULL, 0), SATTN_OK);
    const size_t old_size = offsetof(sattn_self_attention_desc, b_q);
    assert_int_equal(sattn_self_attention_ctx_sized(NULL, &d, old_size, x, w[0], w[1], w[2], w[3], y_old, NULL, 0),
                     SATTN_OK);
    assert_true(memcmp(y_full, y_old, sizeof y_old) != 0); /* the bias was not read */
    d.b_q = NULL;
    assert_int_equal(sattn_self_attention(&d, x, w[0], w[1], w[2], w[3], y_full, NULL, 0), SATTN_OK);
    assert_memory_equal(y_full, y_old, sizeof y_old);
    struct {
        sattn_self_attention_desc d;
        uint64_t tail;
    } longer = {d, 0};
    assert_int_equal(sattn_self_attention_ctx_sized(NULL, &longer.d, sizeof longer, x, w[0], w[1], w[2], w[3], y_old,
                                                    NULL, 0),
                     SATTN_OK);
    longer.tail = 1;
    assert_int_equal(sattn_self_attention_ctx_sized(NULL, &longer.d, sizeof longer, x, w[0], w[1], w[2], w[3], y_old,
                                                    NULL, 0),
                     SATTN_E_ARG);
    assert_int_equal(sattn_self_attention_ctx_sized(NULL, &d, old_size - 1, x, w[0], w[1], w[2], w[3], y_old, NULL, 0),
                     SATTN_E_ARG);
}

static void test_layer(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        check_layer(2, 37, 32, 4, 8, 0, 1, 0, 1);
        check_layer(1, 70, 24, 3, 16, 1, 1, 1, 2);
        check_layer(2, 9, 20, 2, 5, 1, 0, 0, 3);
        check_layer(1, 1, 8, 1, 8, 0, 0, 1, 4);
        check_layer_with(3, 23, 32, 4, 8, 0, 1, 1, 1, 5);
        check_layer_with(4, 17, 24, 3, 16, 1, 1, 0, 1, 6);
        check_layer_with(2, 11, 20, 2, 5, 0, 0, 1, 1, 7);
    }
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_layer), cmocka_unit_test(test_descriptor_sizes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

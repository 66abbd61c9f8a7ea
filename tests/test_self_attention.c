/* The self-attention layer against a double reference of the same math, with and without W_o,
 * causal or not, with a caller's workspace and with the library's own. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* y = (softmax(QKᵀ/sqrt(dh)) V) W_o with Q = xW_q ..., all in double. */
static void ref_layer(const sattn_self_attention_desc *d, const float *x, const float *wq, const float *wk,
                      const float *wv, const float *wo, double *y) {
    const size_t S = d->seq_len, Dm = d->d_model, W = d->heads * d->head_dim, dh = d->head_dim;
    double *q = calloc(S * W, sizeof *q), *k = calloc(S * W, sizeof *k), *v = calloc(S * W, sizeof *v);
    double *o = calloc(S * W, sizeof *o), *p = malloc(S * sizeof *p);
    for (size_t b = 0; b < d->batch; b++) {
        const float *xb = x + b * S * Dm;
        for (size_t t = 0; t < S; t++)
            for (size_t c = 0; c < W; c++) {
                double sq = 0, sk = 0, sv = 0;
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
                const size_t n = d->causal ? i + 1 : S;
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
                    o[i * W + h * dh + c] = acc / sum;
                }
            }
        double *yb = y + b * S * (wo ? Dm : W);
        if (!wo) {
            memcpy(yb, o, S * W * sizeof *o);
            continue;
        }
        for (size_t t = 0; t < S; t++)
            for (size_t c = 0; c < Dm; c++) {
                double s = 0;
                for (size_t i = 0; i < W; i++) s += o[t * W + i] * wo[i * Dm + c];
                yb[t * Dm + c] = s;
            }
    }
    free(q), free(k), free(v), free(o), free(p);
}

static void check_layer(size_t batch, size_t seq, size_t dm, size_t heads, size_t dh, int causal, int with_wo,
                        int own_workspace, uint64_t seed) {
    rng_t rng = rng_seed(seed);
    sattn_self_attention_desc d = {.batch = batch, .seq_len = seq, .d_model = dm, .heads = heads, .head_dim = dh,
                                   .causal = causal};
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
    char what[128];
    snprintf(what, sizeof what, "self-attention b%zu s%zu dm%zu h%zu dh%zu causal %d wo %d ws %d", batch, seq, dm,
             heads, dh, causal, with_wo, own_workspace);
    assert_true(close_enough(what, y, ref, tol, ny));
    assert_int_equal(count_touched(y + ny, 8), 0);
    free(x), free(y), free(ref), free(tol), free(ws);
    for (int i = 0; i < 4; i++) free(w[i]);
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
    }
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_layer)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

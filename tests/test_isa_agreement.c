/* Every SIMD ISA against the scalar path on identical inputs (dav1d's checkasm idea): the two
 * must agree more tightly than either agrees with the double reference, for every kernel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kernels.h"

/* |simd - scalar| <= tol * (1 + |scalar|); NaN only with NaN. */
static int agree(const char *what, sattn_isa isa, const float *simd, const float *scalar, size_t n, double tol) {
    for (size_t i = 0; i < n; i++) {
        const int nan_a = isnan(simd[i]) != 0, nan_b = isnan(scalar[i]) != 0;
        if (nan_a != nan_b || (!nan_a && fabs((double)simd[i] - scalar[i]) > tol * (1 + fabs((double)scalar[i])))) {
            print_error("%s: %s gives %.9g at %zu, scalar %.9g\n", what, sattn_isa_name(isa), simd[i], i, scalar[i]);
            return 0;
        }
    }
    return 1;
}

typedef void (*run_fn)(const float *in, float *out);

/* Runs `run` on scalar and then on each other ISA, comparing outputs of n floats. */
static void compare_with_scalar(const char *what, run_fn run, const float *in, size_t n, double tol) {
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    float *ref = malloc(n * sizeof *ref), *got = malloc(n * sizeof *got);
    assert_int_equal(sattn_set_isa(SATTN_ISA_SCALAR), SATTN_OK);
    run(in, ref);
    for (size_t a = 0; a < ni; a++) {
        if (isas[a] == SATTN_ISA_SCALAR) continue;
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        run(in, got);
        assert_true(agree(what, isas[a], got, ref, n, tol));
    }
    free(ref), free(got);
}

enum { S = 300, D = 72, H = 4, KVH = 2 };
static float input[4 * H * S * D];

static void attention_causal_gqa(const float *in, float *out) {
    sattn_attention_desc d = {.batch = 1, .heads = H, .kv_heads = KVH, .q_len = S, .kv_len = S, .head_dim = D,
                              .causal = 1, .window = 200};
    assert_int_equal(sattn_attention(&d, in, in + H * S * D, in + 2 * H * S * D, out), SATTN_OK);
}

static void gemm_tn(const float *in, float *out) {
    assert_int_equal(sattn_sgemm(SATTN_TRANS, SATTN_NOTRANS, 131, 77, 300, 1.0f, in, 131, in + 50000, 77, 0.0f, out, 77),
                     SATTN_OK);
}

static void softmax_rows(const float *in, float *out) {
    assert_int_equal(sattn_softmax(37, 301, in, 301, out, 301), SATTN_OK);
}

static void exp_all(const float *in, float *out) {
    sattn_kernels_current()->row.vexp(1000, in, out);
}

static void test_agreement(void **state) {
    (void)state;
    rng_t rng = rng_seed(77);
    fill_uniform(&rng, input, sizeof input / sizeof input[0], -3, 3);
    compare_with_scalar("attention causal GQA window d72", attention_causal_gqa, input, H * S * D, 2e-5);
    /* 300-deep sums of products up to 9 cancel: the error scales with sum(abs(a*b)), not the result. */
    compare_with_scalar("sgemm TN 131x77x300", gemm_tn, input, 131 * 77, 1e-4);
    compare_with_scalar("softmax 37x301", softmax_rows, input, 37 * 301, 1e-6);
    compare_with_scalar("exp", exp_all, input, 1000, 4e-7);
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_agreement)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

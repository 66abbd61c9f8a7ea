/* The exp kernel of every ISA: ULP error against double exp over the whole float input range, and
 * the special values (flush below ln(FLT_MIN), overflow, infinities, NaN). The same for tanh (the
 * softcap kernel with cap 1). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kernels.h"

/* Measured 1.45 ULP worst on the scalar path (x86-64, no FMA); the bound keeps half an ULP of room. */
#define MAX_ULP 2.0

static double ulp_error(float got, double want) {
    if (want < FLT_MIN) return got == 0.0f ? 0.0 : INFINITY; /* results below FLT_MIN are flushed to 0 */
    int e;
    frexp(want, &e);
    return fabs(got - want) / ldexp(1.0, e - 24);
}

static float from_bits(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* One kernel over every 61st bit pattern of [0, top_pos) and of -[0, top_neg): the worst error
 * `error(got, x)` reports (in ULP), and where. */
typedef void (*kernel_call)(const struct sattn_kernels *k, size_t n, const float *x, float *y);
typedef double (*error_of)(float got, float x);
static double worst_over_patterns(const struct sattn_kernels *k, kernel_call run, error_of error, uint32_t top_pos,
                                  uint32_t top_neg, float *worst_x, size_t *tested) {
    enum { CHUNK = 4096 };
    static float x[CHUNK], y[CHUNK];
    double worst = 0;
    *tested = 0;
    for (int sign = 0; sign < 2; sign++) {
        const uint32_t top = sign ? top_neg : top_pos;
        for (uint32_t b = 0; b < top;) {
            size_t n = 0;
            for (; n < CHUNK && b < top; n++, b += 61) x[n] = from_bits(b | (sign ? 0x80000000u : 0));
            run(k, n, x, y);
            for (size_t i = 0; i < n; i++) {
                const double err = error(y[i], x[i]);
                if (err > worst || err != err) worst = err != err ? INFINITY : err, *worst_x = x[i];
            }
            *tested += n;
        }
    }
    return worst;
}

static void run_vexp(const struct sattn_kernels *k, size_t n, const float *x, float *y) { k->row.vexp(n, x, y); }

static double exp_error(float got, float x) {
    const double want = exp((double)x);
    return want > FLT_MAX ? (isinf(got) && got > 0 ? 0 : INFINITY) : ulp_error(got, want);
}

static void test_exp_ulp(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        const struct sattn_kernels *k = sattn_kernels_for(isas[a]);
        assert_non_null(k);
        float worst_x = 0;
        size_t tested;
        /* Every 61st bit pattern of [-88, 89): both signs, all exponents, about 36 million inputs. */
        const double worst = worst_over_patterns(k, run_vexp, exp_error, 0x42B20000u /* 89.0 */, 0x42B00000u /* 88.0 */,
                                                 &worst_x, &tested);
        printf("exp %s: %zu inputs, worst %.3f ULP at %a\n", sattn_isa_name(isas[a]), tested, worst, worst_x);
        if (worst > MAX_ULP) fail_msg("exp %s: %.3f ULP at %a", sattn_isa_name(isas[a]), worst, worst_x);
    }
}

/* The form softmax and attention run: exp(x - max) with max = 0 over every x <= 0 tested above. */
static void test_expminusmax_ulp(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    enum { CHUNK = 4093 }; /* not a multiple of any vector width: every call has a masked tail */
    static float x[CHUNK], y[CHUNK];
    for (size_t a = 0; a < ni; a++) {
        const struct sattn_kernels *k = sattn_kernels_for(isas[a]);
        double worst = 0, sum_err = 0;
        float worst_x = 0;
        for (uint32_t b = 0; b < 0x42B00000u;) { /* -0 .. -88 */
            size_t n = 0;
            for (; n < CHUNK && b < 0x42B00000u; n++, b += 61) x[n] = from_bits(b | 0x80000000u);
            const float sum = k->row.raddstoreexpminusmax(n, x, 0.0f, y);
            double stored_sum = 0; /* the returned sum must add up what was stored (tails included) */
            for (size_t i = 0; i < n; i++) {
                const double err = ulp_error(y[i], exp((double)x[i]));
                stored_sum += y[i];
                if (err > worst) worst = err, worst_x = x[i];
            }
            if (stored_sum > 0) sum_err = fmax(sum_err, fabs(sum - stored_sum) / stored_sum);
        }
        printf("expminusmax %s: worst %.3f ULP at %a, returned vs stored sum %.2g\n", sattn_isa_name(isas[a]), worst, worst_x,
               sum_err);
        if (worst > MAX_ULP) fail_msg("expminusmax %s: %.3f ULP at %a", sattn_isa_name(isas[a]), worst, worst_x);
        /* float summation of ~4093 terms errs ~1e-5; one dropped or doubled tail element is >= 2.4e-4. */
        assert_true(sum_err < 1e-4);
    }
}

static void test_exp_special(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    const float in[] = {-INFINITY, -1e30f, -104.0f, -87.5f, 0.0f, -0.0f, 1.0f, 88.72f, 88.8f, 1e30f, INFINITY, NAN};
    enum { N = sizeof in / sizeof in[0] };
    for (size_t a = 0; a < ni; a++) {
        const struct sattn_kernels *k = sattn_kernels_for(isas[a]);
        float out[N];
        k->row.vexp(N, in, out);
        assert_true(out[0] == 0.0f && out[1] == 0.0f && out[2] == 0.0f && out[3] == 0.0f);
        assert_true(out[4] == 1.0f && out[5] == 1.0f);
        assert_true(ulp_error(out[6], exp(1.0)) <= MAX_ULP);
        assert_true(isfinite(out[7]) && ulp_error(out[7], exp((double)88.72f)) <= MAX_ULP);
        assert_true(isinf(out[8]) && isinf(out[9]) && isinf(out[10]) && out[10] > 0);
        assert_true(isnan(out[11]));
    }
}

/* tanh through the softcap kernel (cap 1: x * 1 and 1 * tanh are exact): every 61st bit pattern of
 * [0, 16) with both signs (beyond, tanh rounds to 1), denormals included, against double tanh. */
/* Measured 1.61 ULP worst (scalar, x86-64), 1.59 with FMA (AVX2, AVX-512). */
#define TANH_MAX_ULP 2.0
static void run_tanh(const struct sattn_kernels *k, size_t n, const float *x, float *y) {
    k->row.softcap(n, x, 1.0f, y);
}

static double tanh_error(float got, float x) {
    const double want = tanh((double)x);
    int e;
    frexp(fabs(want) < FLT_MIN ? FLT_MIN : want, &e);
    return fabs(got - want) / ldexp(1.0, e - 24); /* NaN when got is NaN */
}

static void test_tanh_ulp(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        float worst_x = 0;
        size_t tested;
        const double worst = worst_over_patterns(sattn_kernels_for(isas[a]), run_tanh, tanh_error, 0x41800000u,
                                                 0x41800000u /* 16.0 */, &worst_x, &tested);
        printf("tanh %s: %zu inputs, worst %.3f ULP at %a\n", sattn_isa_name(isas[a]), tested, worst, worst_x);
        if (worst > TANH_MAX_ULP) fail_msg("tanh %s: %.3f ULP at %a", sattn_isa_name(isas[a]), worst, worst_x);
    }
}

static void test_tanh_special(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    const float x[8] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 100.0f, -1e30f, 0x1p-140f};
    for (size_t a = 0; a < ni; a++) {
        float y[8];
        sattn_kernels_for(isas[a])->row.softcap(8, x, 1.0f, y);
        assert_true(y[0] == 0.0f && !signbit(y[0]) && y[1] == 0.0f && signbit(y[1]));
        assert_true(y[2] == 1.0f && y[3] == -1.0f && isnan(y[4]) && y[5] == 1.0f && y[6] == -1.0f);
        assert_true(y[7] == 0x1p-140f);
        /* softcap keeps logits inside (-cap, cap] and near-identity for small ones */
        const float logits[4] = {1e6f, -1e6f, 0.01f, 29.0f};
        sattn_kernels_for(isas[a])->row.softcap(4, logits, 30.0f, y);
        assert_true(y[0] == 30.0f && y[1] == -30.0f && fabsf(y[2] - 0.01f) < 1e-8f && y[3] < 30.0f && y[3] > 20.0f);
    }
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_exp_ulp), cmocka_unit_test(test_expminusmax_ulp),
                                       cmocka_unit_test(test_exp_special), cmocka_unit_test(test_tanh_ulp),
                                       cmocka_unit_test(test_tanh_special)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

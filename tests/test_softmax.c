/* softmax on every ISA: row lengths around every vector width, in place and strided, large logits,
 * -inf rows (zeros) and NaN rows (NaN), against the double reference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int check_softmax(size_t rows, size_t cols, size_t pad, int in_place, float lo, float hi, uint64_t seed) {
    rng_t rng = rng_seed(seed);
    const size_t ld = cols + pad;
    float *x = malloc((rows * ld + 1) * sizeof *x), *y = in_place ? x : alloc_sentinel(rows * ld + 1);
    fill_uniform(&rng, x, rows * ld, lo, hi);
    if (rows > 2) { /* row 1: all -inf; row 2: one NaN */
        for (size_t c = 0; c < cols; c++) x[ld + c] = -INFINITY;
        x[2 * ld + cols / 2] = NAN;
    }
    double *ref = malloc((rows * cols + 1) * sizeof *ref), *tol = malloc((rows * cols + 1) * sizeof *tol);
    float *got = malloc((rows * cols + 1) * sizeof *got);
    ref_softmax(rows, cols, x, ld, ref);
    for (size_t i = 0; i < rows * cols; i++) tol[i] = 1e-6 + 4e-6 * fabs(ref[i]) + 1e-7 * cols * fabs(ref[i]);
    int ok = sattn_softmax(rows, cols, x, ld, y, ld) == SATTN_OK;
    for (size_t r = 0; r < rows; r++) memcpy(got + r * cols, y + r * ld, cols * sizeof *got);
    char what[128];
    snprintf(what, sizeof what, "softmax %zux%zu pad %zu in_place %d range %g seed %llu", rows, cols, pad, in_place, hi,
             (unsigned long long)seed);
    ok = ok && close_enough(what, got, ref, tol, rows * cols);
    if (!in_place)
        for (size_t r = 0; ok && r + 1 < rows; r++)
            for (size_t c = cols; c < ld; c++) ok &= is_sentinel(y[r * ld + c]);
    free(x), free(ref), free(tol), free(got);
    if (!in_place) free(y);
    return ok;
}

static void test_softmax_rows(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    static const size_t cols[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000, 4099};
    for (size_t a = 0; a < ni; a++) {
        assert_int_equal(sattn_set_isa(isas[a]), SATTN_OK);
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
            assert_true(check_softmax(5, cols[i], 0, 0, -5, 5, 100 + i));
            assert_true(check_softmax(4, cols[i], 3, 1, -5, 5, 200 + i));
        }
        assert_true(check_softmax(7, 333, 1, 0, -1e4f, 1e4f, 300)); /* large logits must not overflow */
        assert_true(check_softmax(3, 50, 0, 0, 9000.0f, 10000.0f, 301));
        assert_true(check_softmax(300, 257, 0, 0, -3, 3, 302));     /* enough rows to thread */
    }
}

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_softmax_rows)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

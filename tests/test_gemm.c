/* sgemm on every ISA against the double reference: all transposes, sizes around every tile and
 * cache-block edge, alpha/beta cases, strided operands, and untouched padding between rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"

static int check_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, float beta, size_t pad, uint64_t seed) {
    rng_t rng = rng_seed(seed);
    const size_t a_rows = ta ? k : m, a_cols = ta ? m : k, b_rows = tb ? n : k, b_cols = tb ? k : n;
    const size_t lda = a_cols + pad, ldb = b_cols + pad, ldc = n + pad;
    float *a = malloc((a_rows * lda + 1) * sizeof *a), *b = malloc((b_rows * ldb + 1) * sizeof *b);
    float *c = alloc_sentinel(m * ldc + 1), *c0 = malloc((m * ldc + 1) * sizeof *c0);
    fill_uniform(&rng, a, a_rows * lda, -1, 1);
    fill_uniform(&rng, b, b_rows * ldb, -1, 1);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? NAN : rng_uniform(&rng, -1, 1); /* beta 0 never reads C */
    memcpy(c0, c, (m * ldc + 1) * sizeof *c);
    double *ref = malloc((m * n + 1) * sizeof *ref), *tol = malloc((m * n + 1) * sizeof *tol);
    float *got = malloc((m * n + 1) * sizeof *got);
    ref_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c0, ldc, ref, tol);
    int ok = sattn_sgemm((sattn_trans)ta, (sattn_trans)tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == SATTN_OK;
    for (size_t i = 0; i < m; i++) memcpy(got + i * n, c + i * ldc, n * sizeof *got);
    char what[160];
    snprintf(what, sizeof what, "sgemm %c%c m%zu n%zu k%zu alpha %g beta %g pad %zu seed %llu", ta ? 'T' : 'N',
             tb ? 'T' : 'N', m, n, k, alpha, beta, pad, (unsigned long long)seed);
    ok = ok && close_enough(what, got, ref, tol, m * n);
    for (size_t i = 0; ok && i < m; i++) /* padding between rows stays untouched */
        for (size_t j = n; j < ldc && (i + 1 < m || j == n); j++)
            if (!is_sentinel(c[i * ldc + j])) {
                print_error("%s: wrote padding at row %zu col %zu\n", what, i, j);
                ok = 0;
                break;
            }
    free(a), free(b), free(c), free(c0), free(ref), free(tol), free(got);
    return ok;
}

static void for_each_isa(void (*body)(void)) {
    sattn_isa isas[8];
    const size_t n = test_isas(isas);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sattn_set_isa(isas[i]), SATTN_OK);
        body();
    }
}

static void edges(void) {
    static const size_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 47, 48, 49};
    const size_t ns = sizeof sizes / sizeof sizes[0];
    uint64_t seed = 1;
    for (size_t i = 0; i < ns; i++)
        for (size_t t = 0; t < 4; t++)
            assert_true(check_gemm(t & 1, t >> 1, sizes[i], sizes[(i * 7 + 3) % ns], sizes[(i * 3 + 5) % ns], 1.0f, 0.0f,
                                   0, seed++));
}

static void blocks(void) {
    /* Past MC, KC and NC of every ISA's blocking: several row blocks, depth slices and column panels. */
    assert_true(check_gemm(0, 0, 200, 130, 600, 1.0f, 0.0f, 0, 11));
    assert_true(check_gemm(1, 1, 130, 70, 300, 0.5f, 1.0f, 3, 12));
    assert_true(check_gemm(0, 1, 97, 2100, 37, 1.0f, -2.0f, 1, 13));
    assert_true(check_gemm(1, 0, 257, 33, 513, -1.0f, 0.25f, 0, 14));
}

static void alpha_beta(void) {
    assert_true(check_gemm(0, 0, 9, 17, 5, 2.0f, 0.0f, 2, 21));
    assert_true(check_gemm(0, 0, 9, 17, 5, 0.0f, 3.0f, 2, 22));  /* alpha 0: C = beta*C */
    assert_true(check_gemm(0, 0, 9, 17, 5, 0.0f, 0.0f, 2, 23));  /* alpha 0, beta 0: zeros over NaN */
    assert_true(check_gemm(0, 0, 9, 17, 0, 1.0f, 1.0f, 2, 24));  /* k 0: C unchanged */
    assert_true(check_gemm(1, 0, 9, 17, 0, 1.0f, 0.0f, 2, 25));  /* k 0, beta 0: zeros */
}

/* Packers of every ISA table against the portable ones, bit for bit (packing only copies), for
 * every register-tile shape in use (MR 4/6/12, NR 8/16/32) and a few more, both source
 * orientations, edge widths and depths off the 8-wide transpose steps; padding must be zero. */
static void packers(void) {
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    rng_t rng = rng_seed(31);
    enum { LD = 70, DEPTH = 37, MAXW = 32 };
    float src[LD * 64], got[DEPTH * MAXW], want[DEPTH * MAXW];
    fill_uniform(&rng, src, sizeof src / sizeof src[0], -1, 1);
    const size_t widths[] = {4, 6, 8, 12, 16, 24, 32};
    const struct sattn_kernels *ref = sattn_kernels_for(SATTN_ISA_SCALAR);
    for (size_t a = 0; a < ni; a++) {
        const struct sattn_kernels *k = sattn_kernels_for(isas[a]);
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
            for (size_t used = 1; used <= widths[w]; used += 3)
                for (size_t kc = 1; kc <= DEPTH; kc += 9)
                    for (int orient = 0; orient < 2; orient++) {
                        const size_t W = widths[w], rs = orient ? 1 : LD, cs = orient ? LD : 1;
                        memset(got, 0x7f, sizeof got), memset(want, 0x7f, sizeof want);
                        k->gemm.pack_a(W, used, kc, src, rs, cs, got);
                        ref->gemm.pack_a(W, used, kc, src, rs, cs, want);
                        if (memcmp(got, want, kc * W * sizeof(float)))
                            fail_msg("%s pack_a MR %zu mr %zu kc %zu orient %d", sattn_isa_name(isas[a]), W, used, kc, orient);
                        memset(got, 0x7f, sizeof got), memset(want, 0x7f, sizeof want);
                        k->gemm.pack_b[SATTN_DTYPE_F32](W, used, kc, src, cs, rs, NULL, got);
                        ref->gemm.pack_b[SATTN_DTYPE_F32](W, used, kc, src, cs, rs, NULL, want);
                        if (memcmp(got, want, kc * W * sizeof(float)))
                            fail_msg("%s pack_b NR %zu nr %zu kc %zu orient %d", sattn_isa_name(isas[a]), W, used, kc, orient);
                    }
    }
}

/* The B packers of every element type against the portable one bit for bit: Kᵀ (keys along j) and V (keys along
 * p; panels from column 0 and right of it, as kernels.h's col0 allows), depth and width tails, groups that hold
 * whole vectors and ones that split them. Every ISA's packer converts exactly, so any difference is a wrong
 * element. */
static void typed_packers(void) {
    enum { KEYS = 40, COLS = 96, LD = 100, NRMAX = 32 };
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    rng_t rng = rng_seed(32);
    float x[KEYS * COLS], scales[KEYS * COLS], got[COLS * NRMAX], want[COLS * NRMAX]; /* kc <= COLS, KEYS */
    fill_uniform(&rng, x, KEYS * COLS, -2, 2);
    uint8_t store[KEYS * LD * 4];
    const struct sattn_kernels *ref = sattn_kernels_for(SATTN_ISA_SCALAR);
    const size_t groups[] = {COLS, 32, 16, 12, 8};
    const size_t col0s[] = {0, 8, 16, 32};
    const size_t widths[] = {16, 24, 32};
    for (int t = SATTN_DTYPE_F32; t <= SATTN_DTYPE_I4; t++)
        for (size_t gi = 0; gi < (t >= SATTN_DTYPE_I8 ? sizeof groups / sizeof groups[0] : 1); gi++) {
            const size_t g = groups[gi];
            memset(store, 0, sizeof store);
            if (t >= SATTN_DTYPE_I8)
                assert_int_equal(sattn_quantize((sattn_dtype)t, KEYS, COLS, g, x, COLS, store, LD, scales), SATTN_OK);
            else
                for (size_t r = 0; r < KEYS; r++)
                    assert_int_equal(sattn_convert(SATTN_DTYPE_F32, (sattn_dtype)t, COLS, x + r * COLS,
                                                   (void *)sattn_elem_addr(store, (sattn_dtype)t, r * LD)), SATTN_OK);
            for (size_t ci = 0; ci < sizeof col0s / sizeof col0s[0]; ci++)
                for (int along_j = 0; along_j < 2; along_j++) {
                    const size_t col0 = col0s[ci];
                    if (along_j && col0) continue; /* Kᵀ panels start at column 0 */
                    const struct sattn_scales sc = {.at = scales, .ld = COLS / g, .group = g, .keys_along_j = along_j,
                                                    .col0 = col0};
                    const void *src = sattn_elem_addr(store, (sattn_dtype)t, col0);
                    const size_t rs = along_j ? 1 : LD, cs = along_j ? LD : 1;
                    /* Kᵀ: depth up to the columns right of col0, width up to the keys; V the other way */
                    const size_t kc_max = along_j ? COLS - col0 : KEYS, nr_max = along_j ? KEYS : COLS - col0;
                    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
                        for (size_t nr = 1; nr <= widths[w] && nr <= nr_max; nr += 5)
                            for (size_t kc = 1; kc <= kc_max; kc += 13)
                                for (size_t a = 0; a < ni; a++) {
                                    const struct sattn_kernels *k = sattn_kernels_for(isas[a]);
                                    memset(got, 0x7f, sizeof got), memset(want, 0x7f, sizeof want);
                                    const struct sattn_scales *s = t >= SATTN_DTYPE_I8 ? &sc : NULL;
                                    k->gemm.pack_b[t](widths[w], nr, kc, src, rs, cs, s, got);
                                    ref->gemm.pack_b[t](widths[w], nr, kc, src, rs, cs, s, want);
                                    if (memcmp(got, want, sizeof got))
                                        fail_msg("%s pack_b type %d group %zu col0 %zu %s NR %zu nr %zu kc %zu",
                                                 sattn_isa_name(isas[a]), t, g, col0, along_j ? "Kt" : "V", widths[w], nr, kc);
                                }
                }
        }
}

static void test_packers(void **s) { (void)s; packers(); typed_packers(); }
static void test_edges(void **s) { (void)s; for_each_isa(edges); }
static void test_blocks(void **s) { (void)s; for_each_isa(blocks); }
static void test_alpha_beta(void **s) { (void)s; for_each_isa(alpha_beta); }

int main(void) {
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_edges), cmocka_unit_test(test_blocks),
                                       cmocka_unit_test(test_alpha_beta), cmocka_unit_test(test_packers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The API contract: status strings, ISA and thread controls, and every bad input returning its
 * status with the output untouched. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sattn_config.h"

static void test_strings_and_version(void **state) {
    (void)state;
    for (int s = SATTN_OK; s <= SATTN_E_ARG; s++) assert_non_null(sattn_strerror((sattn_status)s));
    assert_string_equal(sattn_strerror((sattn_status)12345), "unknown status");
    assert_string_equal(sattn_strerror((sattn_status)-1), "unknown status");
    assert_string_equal(sattn_version(), SATTN_VERSION_STRING);
    assert_string_equal(sattn_isa_name(SATTN_ISA_AUTO), "auto");
    assert_string_equal(sattn_isa_name(SATTN_ISA_SCALAR), "scalar");
    assert_string_equal(sattn_isa_name(SATTN_ISA_AVX2), "avx2");
    assert_string_equal(sattn_isa_name(SATTN_ISA_AVX512), "avx512");
    assert_string_equal(sattn_isa_name(SATTN_ISA_NEON), "neon");
    assert_string_equal(sattn_isa_name(SATTN_ISA_NEON_FP16), "neon_fp16");
    assert_string_equal(sattn_isa_name(SATTN_ISA_NEON_BF16), "neon_bf16");
    assert_string_equal(sattn_isa_name(SATTN_ISA_AVX512_BF16), "avx512_bf16");
    assert_string_equal(sattn_isa_name(SATTN_ISA_AMX_BF16), "amx_bf16");
    assert_string_equal(sattn_isa_name((sattn_isa)99), "unknown");
}

static void test_isa_controls(void **state) {
    (void)state;
    assert_true(sattn_isa_available(SATTN_ISA_SCALAR));
    assert_true(sattn_isa_available(SATTN_ISA_AUTO));
    assert_false(sattn_isa_available((sattn_isa)99));
    const sattn_isa before = sattn_get_isa();
    assert_int_not_equal(before, SATTN_ISA_AUTO);
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++) {
        if (sattn_isa_available((sattn_isa)isa)) {
            assert_int_equal(sattn_set_isa((sattn_isa)isa), SATTN_OK);
            assert_int_equal(sattn_get_isa(), isa);
        } else {
            const sattn_isa cur = sattn_get_isa();
            assert_int_equal(sattn_set_isa((sattn_isa)isa), SATTN_E_ISA);
            assert_int_equal(sattn_get_isa(), cur); /* nothing changes */
        }
    }
    assert_int_equal(sattn_set_isa((sattn_isa)99), SATTN_E_ISA);
    assert_int_equal(sattn_set_isa(SATTN_ISA_AUTO), SATTN_OK);
    assert_int_not_equal(sattn_get_isa(), SATTN_ISA_AUTO);
    /* An ISA is available only where its kernels are built in (and the CPU has it). */
#if !SATTN_HAVE_NEON
    assert_false(sattn_isa_available(SATTN_ISA_NEON));
#endif
#if !SATTN_HAVE_AVX2
    assert_false(sattn_isa_available(SATTN_ISA_AVX2));
#endif
#if !SATTN_HAVE_AVX512
    assert_false(sattn_isa_available(SATTN_ISA_AVX512));
#endif
#if !SATTN_HAVE_AVX512_BF16
    assert_false(sattn_isa_available(SATTN_ISA_AVX512_BF16));
#endif
#if !SATTN_HAVE_AMX_BF16
    assert_false(sattn_isa_available(SATTN_ISA_AMX_BF16));
#endif
#if !SATTN_HAVE_NEON_FP16
    assert_false(sattn_isa_available(SATTN_ISA_NEON_FP16));
#endif
#if !SATTN_HAVE_NEON_BF16
    assert_false(sattn_isa_available(SATTN_ISA_NEON_BF16));
#endif
}

static void test_thread_controls(void **state) {
    (void)state;
    const int def = sattn_get_num_threads();
    assert_true(def >= 1);
    assert_int_equal(sattn_set_num_threads(-1), SATTN_E_ARG);
    assert_int_equal(sattn_get_num_threads(), def);
    assert_int_equal(sattn_set_num_threads(3), SATTN_OK);
    assert_int_equal(sattn_get_num_threads(), 3);
    assert_int_equal(sattn_set_num_threads(0), SATTN_OK);
    assert_int_equal(sattn_get_num_threads(), def);
}

#define N 64
static float buf_a[N * N], buf_b[N * N];

static void reset_out(float *o, size_t n) {
    for (size_t i = 0; i < n; i++) o[i] = sentinel();
}

static void expect_untouched(sattn_status got, sattn_status want, const float *o, size_t n) {
    assert_int_equal(got, want);
    assert_int_equal(count_touched(o, n), 0);
}

static void test_sgemm_bad_inputs(void **state) {
    (void)state;
    float c[N * N];
    reset_out(c, N * N);
    expect_untouched(sattn_sgemm((sattn_trans)2, SATTN_NOTRANS, 4, 4, 4, 1, buf_a, 4, buf_b, 4, 0, c, 4), SATTN_E_ARG, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, (sattn_trans)-1, 4, 4, 4, 1, buf_a, 4, buf_b, 4, 0, c, 4), SATTN_E_ARG, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 4, 4, 4, 1, buf_a, 3, buf_b, 4, 0, c, 4), SATTN_E_STRIDE, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_TRANS, SATTN_NOTRANS, 5, 4, 4, 1, buf_a, 4, buf_b, 4, 0, c, 4), SATTN_E_STRIDE, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_TRANS, 4, 4, 5, 1, buf_a, 5, buf_b, 4, 0, c, 4), SATTN_E_STRIDE, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 4, 4, 4, 1, buf_a, 4, buf_b, 4, 0, c, 3), SATTN_E_STRIDE, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 4, 4, 4, 1, NULL, 4, buf_b, 4, 0, c, 4), SATTN_E_NULL, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 4, 4, 4, 1, buf_a, 4, NULL, 4, 0, c, 4), SATTN_E_NULL, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 4, 4, 4, 1, buf_a, 4, buf_b, 4, 0, NULL, 4), SATTN_E_NULL, c, N * N);
    const size_t huge = SIZE_MAX / 2;
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, huge, 4, 4, 1, buf_a, 4, buf_b, 4, 0, c, 4), SATTN_E_OVERFLOW, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 4, 4, huge, 1, buf_a, huge, buf_b, 4, 0, c, 4), SATTN_E_OVERFLOW, c, N * N);
    /* Empty dimensions are a successful no-op, NULL pointers included. */
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 0, 4, 4, 1, NULL, 4, NULL, 4, 0, NULL, 4), SATTN_OK, c, N * N);
    expect_untouched(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 4, 0, 4, 1, NULL, 4, NULL, 1, 0, NULL, 1), SATTN_OK, c, N * N);
    /* k == 0 does not read A or B. */
    assert_int_equal(sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, 2, 2, 0, 1, NULL, 1, NULL, 2, 0, c, 2), SATTN_OK);
    assert_true(c[0] == 0 && c[3] == 0 && is_sentinel(c[4]));
}

static void test_softmax_bad_inputs(void **state) {
    (void)state;
    float y[N * N];
    reset_out(y, N * N);
    expect_untouched(sattn_softmax(4, 4, NULL, 4, y, 4), SATTN_E_NULL, y, N * N);
    expect_untouched(sattn_softmax(4, 4, buf_a, 4, NULL, 4), SATTN_E_NULL, y, N * N);
    expect_untouched(sattn_softmax(4, 4, buf_a, 3, y, 4), SATTN_E_STRIDE, y, N * N);
    expect_untouched(sattn_softmax(4, 4, buf_a, 4, y, 2), SATTN_E_STRIDE, y, N * N);
    expect_untouched(sattn_softmax(SIZE_MAX / 8, 4, buf_a, 4, y, 4), SATTN_E_OVERFLOW, y, N * N);
    /* Overlapping but not in place (shifted by one element, or in place with another ld). */
    memcpy(buf_b, buf_a, sizeof buf_b);
    assert_int_equal(sattn_softmax(4, 4, buf_b, 4, buf_b + 1, 4), SATTN_E_ARG);
    assert_int_equal(sattn_softmax(4, 4, buf_b, 4, buf_b, 8), SATTN_E_ARG);
    assert_memory_equal(buf_a, buf_b, sizeof buf_b);
    expect_untouched(sattn_softmax(0, 4, NULL, 4, NULL, 4), SATTN_OK, y, N * N);
}

static sattn_attention_desc good_desc(void) {
    sattn_attention_desc d;
    memset(&d, 0, sizeof d);
    d.batch = 2, d.heads = 2, d.q_len = 4, d.kv_len = 4, d.head_dim = 4;
    return d;
}

static void test_attention_bad_inputs(void **state) {
    (void)state;
    float o[N * N];
    reset_out(o, N * N);
    sattn_attention_desc d = good_desc();
    expect_untouched(sattn_attention(NULL, buf_a, buf_a, buf_a, o), SATTN_E_NULL, o, N * N);
    expect_untouched(sattn_attention(&d, NULL, buf_a, buf_a, o), SATTN_E_NULL, o, N * N);
    expect_untouched(sattn_attention(&d, buf_a, NULL, buf_a, o), SATTN_E_NULL, o, N * N);
    expect_untouched(sattn_attention(&d, buf_a, buf_a, NULL, o), SATTN_E_NULL, o, N * N);
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, NULL), SATTN_E_NULL, o, N * N);

    d = good_desc(), d.head_dim = 0;
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_SHAPE, o, N * N);
    d = good_desc(), d.heads = 3, d.kv_heads = 2;
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_SHAPE, o, N * N);
    d = good_desc(), d.kv_heads = 4;
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_SHAPE, o, N * N);

    d = good_desc(), d.scale = NAN;
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_ARG, o, N * N);
    d.scale = INFINITY;
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_ARG, o, N * N);
    const int32_t bad_lens[2] = {4, 5}, neg_lens[2] = {-1, 2};
    d = good_desc(), d.kv_lens = bad_lens;
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_ARG, o, N * N);
    d.kv_lens = neg_lens;
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_ARG, o, N * N);

    d = good_desc(), d.q_strides = (sattn_strides){32, 16, 3}; /* rows of 4 floats 3 apart */
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_STRIDE, o, N * N);
    d = good_desc(), d.k_strides = (sattn_strides){0, 0, 2};
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_STRIDE, o, N * N);
    d = good_desc(), d.o_strides = (sattn_strides){16, 8, 4}; /* batch rows land on each other */
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_STRIDE, o, N * N);
    d = good_desc(), d.o_strides = (sattn_strides){32, 0, 4}; /* heads share rows */
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_STRIDE, o, N * N);

    d = good_desc(), d.q_strides = (sattn_strides){SIZE_MAX / 2, 16, 4};
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_OVERFLOW, o, N * N);
    d = good_desc(), d.q_len = SIZE_MAX / 4;
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_OVERFLOW, o, N * N);
    d = good_desc(), d.bias = buf_b, d.bias_strides = (sattn_strides){SIZE_MAX / 3, 0, 0};
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_E_OVERFLOW, o, N * N);

    /* The output may not share memory with q, k, v or the bias (the inputs hold sentinels here, so
     * "untouched" means not a single element was written). Disjoint neighbours are fine. */
    float *shared = alloc_sentinel(4 * N * N);
    d = good_desc();
    expect_untouched(sattn_attention(&d, shared, buf_a, buf_a, shared + 63), SATTN_E_STRIDE, shared, 4 * N * N);
    expect_untouched(sattn_attention(&d, buf_a, shared + 1, buf_a, shared), SATTN_E_STRIDE, shared, 4 * N * N);
    expect_untouched(sattn_attention(&d, buf_a, buf_a, shared, shared + 60), SATTN_E_STRIDE, shared, 4 * N * N);
    d.bias = shared + 8, d.bias_strides = (sattn_strides){0, 0, 4};
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, shared), SATTN_E_STRIDE, shared, 4 * N * N);
    d = good_desc();
    expect_untouched(sattn_attention(&d, shared, shared, shared, shared), SATTN_E_STRIDE, shared, 4 * N * N);
    for (size_t i = 0; i < 64; i++) shared[i] = buf_a[i]; /* q: 2 x 2 x 4 x 4 floats, the output right after */
    assert_int_equal(sattn_attention(&d, shared, buf_a, buf_a, shared + 64), SATTN_OK);
    free(shared);

    /* Empty problems are a no-op. */
    d = good_desc(), d.batch = 0;
    expect_untouched(sattn_attention(&d, NULL, NULL, NULL, NULL), SATTN_OK, o, N * N);
    d = good_desc(), d.q_len = 0;
    expect_untouched(sattn_attention(&d, buf_a, buf_a, buf_a, o), SATTN_OK, o, N * N);
}

static void test_self_attention_bad_inputs(void **state) {
    (void)state;
    float y[N * N];
    reset_out(y, N * N);
    sattn_self_attention_desc d = {.batch = 1, .seq_len = 4, .d_model = 8, .heads = 2, .head_dim = 4};
    const float *w = buf_b;
    expect_untouched(sattn_self_attention(NULL, buf_a, w, w, w, w, y, NULL, 0), SATTN_E_NULL, y, N * N);
    expect_untouched(sattn_self_attention(&d, NULL, w, w, w, w, y, NULL, 0), SATTN_E_NULL, y, N * N);
    expect_untouched(sattn_self_attention(&d, buf_a, NULL, w, w, w, y, NULL, 0), SATTN_E_NULL, y, N * N);
    expect_untouched(sattn_self_attention(&d, buf_a, w, NULL, w, w, y, NULL, 0), SATTN_E_NULL, y, N * N);
    expect_untouched(sattn_self_attention(&d, buf_a, w, w, NULL, w, y, NULL, 0), SATTN_E_NULL, y, N * N);
    expect_untouched(sattn_self_attention(&d, buf_a, w, w, w, w, NULL, NULL, 0), SATTN_E_NULL, y, N * N);
    sattn_self_attention_desc bad = d;
    bad.head_dim = 0;
    expect_untouched(sattn_self_attention(&bad, buf_a, w, w, w, w, y, NULL, 0), SATTN_E_SHAPE, y, N * N);
    assert_int_equal(sattn_self_attention_workspace_size(&bad), 0);
    assert_int_equal(sattn_self_attention_workspace_size(NULL), 0);
    bad = d, bad.seq_len = SIZE_MAX / 2;
    expect_untouched(sattn_self_attention(&bad, buf_a, w, w, w, w, y, NULL, 0), SATTN_E_OVERFLOW, y, N * N);
    assert_int_equal(sattn_self_attention_workspace_size(&bad), 0);
    const size_t need = sattn_self_attention_workspace_size(&d);
    assert_true(need > 0);
    void *ws = malloc(need);
    expect_untouched(sattn_self_attention(&d, buf_a, w, w, w, w, y, ws, need - 1), SATTN_E_ARG, y, N * N);
    /* y may not share memory with x, a weight or the workspace. */
    float *shared = alloc_sentinel(4 * N * N);
    expect_untouched(sattn_self_attention(&d, shared, w, w, w, w, shared + 16, NULL, 0), SATTN_E_STRIDE, shared, 4 * N * N);
    expect_untouched(sattn_self_attention(&d, buf_a, shared, w, w, w, shared + 40, NULL, 0), SATTN_E_STRIDE, shared,
                     4 * N * N);
    expect_untouched(sattn_self_attention(&d, buf_a, w, w, w, shared, shared + 8, NULL, 0), SATTN_E_STRIDE, shared,
                     4 * N * N);
    expect_untouched(sattn_self_attention(&d, buf_a, w, w, w, NULL, shared + 8, shared, 4 * N * N * sizeof(float)),
                     SATTN_E_STRIDE, shared, 4 * N * N);
    free(shared);
    free(ws);
    bad = d, bad.batch = 0;
    expect_untouched(sattn_self_attention(&bad, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0), SATTN_OK, y, N * N);
}

int main(void) {
    for (size_t i = 0; i < N * N; i++) buf_a[i] = (float)(i % 7) * 0.1f, buf_b[i] = (float)(i % 5) * 0.1f;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_and_version),  cmocka_unit_test(test_isa_controls),
        cmocka_unit_test(test_thread_controls),      cmocka_unit_test(test_sgemm_bad_inputs),
        cmocka_unit_test(test_softmax_bad_inputs),   cmocka_unit_test(test_attention_bad_inputs),
        cmocka_unit_test(test_self_attention_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

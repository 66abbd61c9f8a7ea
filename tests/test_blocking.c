/* Cache blocks fitted to cache sizes (blocking.c): the reference caches give the tuned values,
 * other sizes scale within their bounds, and unknown sizes (0) keep the ISA's own values. */
#include <string.h>

#include "common.h"
#include "internal.h"

static struct sattn_kernels table(size_t mr, size_t nr, size_t mc, size_t kc, size_t rows, size_t keys) {
    struct sattn_kernels k;
    memset(&k, 0, sizeof k);
    k.gemm_mr = mr, k.gemm_nr = nr, k.gemm_mc = mc, k.gemm_kc = kc, k.gemm_nc = 2048;
    k.attn_block_rows = rows, k.attn_block_keys = keys;
    return k;
}

static void test_reference_caches(void **state) {
    (void)state;
    struct sattn_kernels avx2 = table(6, 16, 120, 256, 144, 256); /* Zen 3: 32 KiB L1d, 512 KiB L2 */
    sattn_blocking_fit(&avx2, 32 << 10, 512 << 10);
    assert_int_equal(avx2.gemm_kc, 256);
    assert_int_equal(avx2.gemm_mc, 126);
    assert_int_equal(avx2.attn_block_rows, 144);
    struct sattn_kernels avx512 = table(12, 32, 240, 256, 144, 256); /* Xeon: 48 KiB L1d, 2 MiB L2 */
    sattn_blocking_fit(&avx512, 48 << 10, 2 << 20);
    assert_int_equal(avx512.gemm_kc, 192);
    assert_int_equal(avx512.gemm_mc, 360);
    assert_int_equal(avx512.attn_block_rows, 144);
    assert_int_equal(avx512.gemm_nc, 2048);
    assert_int_equal(avx512.attn_block_keys, 256);
}

static void test_small_and_unknown_caches(void **state) {
    (void)state;
    struct sattn_kernels k = table(6, 16, 120, 256, 144, 256);
    sattn_blocking_fit(&k, 16 << 10, 128 << 10); /* a small core: everything shrinks, within bounds */
    assert_int_equal(k.gemm_kc, 128);
    assert_int_equal(k.gemm_mc, 60);
    assert_int_equal(k.attn_block_rows, 36);
    struct sattn_kernels tiny = table(6, 16, 120, 256, 144, 256);
    sattn_blocking_fit(&tiny, 1024, 4096); /* absurd sizes stop at the floors */
    assert_int_equal(tiny.gemm_kc, 128);
    assert_int_equal(tiny.gemm_mc, 24);
    assert_int_equal(tiny.attn_block_rows, 12);
    struct sattn_kernels unknown = table(6, 16, 120, 256, 144, 256);
    sattn_blocking_fit(&unknown, 0, 0); /* nothing reported: the ISA's tuned values */
    assert_int_equal(unknown.gemm_kc, 256);
    assert_int_equal(unknown.gemm_mc, 120);
    assert_int_equal(unknown.attn_block_rows, 144);
}

/* The live tables were fitted to this machine's caches, and the blocks are usable. */
static void test_live_tables(void **state) {
    (void)state;
    const struct sattn_topology *topo = sattn_topology_get();
    assert_true(topo->cores >= 1);
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        const struct sattn_kernels *k = sattn_kernels_for(isas[a]);
        assert_true(k->gemm_kc >= 128 && k->gemm_kc <= 512);
        assert_true(k->gemm_mc % k->gemm_mr == 0 && k->gemm_mc >= 4 * k->gemm_mr);
        assert_true(k->attn_block_rows % k->gemm_mr == 0 && k->attn_block_rows >= 2 * k->gemm_mr);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_reference_caches),
                                       cmocka_unit_test(test_small_and_unknown_caches),
                                       cmocka_unit_test(test_live_tables)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Cache blocks fitted to cache sizes (blocking.c): the reference caches give the tuned values,
 * other sizes scale within their bounds, and unknown sizes (0) keep the ISA's own values. The
 * fit never changes a kernel table: it returns the blocking, which dispatch keeps beside it. */
#include <string.h>

#include "common.h"
#include "internal.h"

static struct sattn_kernels table(size_t mr, size_t nr, size_t mc, size_t kc, size_t rows, size_t keys) {
    struct sattn_kernels k;
    memset(&k, 0, sizeof k);
    k.gemm.mr = mr, k.gemm.nr = nr;
    k.tuned = (struct sattn_blocking){.gemm_mc = mc, .gemm_kc = kc, .gemm_nc = 2048, .attn_rows = rows, .attn_keys = keys};
    return k;
}

static void test_reference_caches(void **state) {
    (void)state;
    const struct sattn_kernels avx2_table = table(6, 16, 120, 256, 144, 256); /* Zen 3: 32 KiB L1d, 512 KiB L2 */
    const struct sattn_blocking avx2 = sattn_blocking_fit(&avx2_table, 32 << 10, 512 << 10);
    assert_int_equal(avx2.gemm_kc, 256);
    assert_int_equal(avx2.gemm_mc, 126);
    assert_int_equal(avx2.attn_rows, 144);
    const struct sattn_kernels avx512_table = table(12, 32, 240, 256, 144, 256); /* Xeon: 48 KiB L1d, 2 MiB L2 */
    const struct sattn_blocking avx512 = sattn_blocking_fit(&avx512_table, 48 << 10, 2 << 20);
    assert_int_equal(avx512.gemm_kc, 192);
    assert_int_equal(avx512.gemm_mc, 360);
    assert_int_equal(avx512.attn_rows, 144);
    assert_int_equal(avx512.gemm_nc, 2048);
    assert_int_equal(avx512.attn_keys, 256);
    assert_int_equal(avx512_table.tuned.gemm_kc, 256); /* the table keeps its tuned values */
}

static void test_small_and_unknown_caches(void **state) {
    (void)state;
    const struct sattn_kernels k = table(6, 16, 120, 256, 144, 256);
    const struct sattn_blocking small = sattn_blocking_fit(&k, 16 << 10, 128 << 10); /* everything shrinks, within bounds */
    assert_int_equal(small.gemm_kc, 128);
    assert_int_equal(small.gemm_mc, 60);
    assert_int_equal(small.attn_rows, 36);
    const struct sattn_blocking tiny = sattn_blocking_fit(&k, 1024, 4096); /* absurd sizes stop at the floors */
    assert_int_equal(tiny.gemm_kc, 128);
    assert_int_equal(tiny.gemm_mc, 24);
    assert_int_equal(tiny.attn_rows, 12);
    const struct sattn_blocking unknown = sattn_blocking_fit(&k, 0, 0); /* nothing reported: the ISA's tuned values */
    assert_int_equal(unknown.gemm_kc, 256);
    assert_int_equal(unknown.gemm_mc, 120);
    assert_int_equal(unknown.attn_rows, 144);
}

/* The live blockings were fitted to this machine's caches, and the blocks are usable. */
static void test_live_tables(void **state) {
    (void)state;
    const struct sattn_topology *topo = sattn_topology_get();
    assert_true(topo->cores >= 1);
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        const struct sattn_kernels *k = sattn_kernels_for(isas[a]);
        const struct sattn_blocking *b = sattn_blocking_for(isas[a]);
        assert_non_null(b);
        const struct sattn_blocking want = sattn_blocking_fit(k, topo->l1d_bytes, topo->l2_bytes);
        assert_memory_equal(b, &want, sizeof want);
        assert_true(b->gemm_kc >= 128 && b->gemm_kc <= 512);
        assert_true(b->gemm_mc % k->gemm.mr == 0 && b->gemm_mc >= 4 * k->gemm.mr);
        assert_true(b->attn_rows % k->gemm.mr == 0 && b->attn_rows >= 2 * k->gemm.mr);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_reference_caches),
                                       cmocka_unit_test(test_small_and_unknown_caches),
                                       cmocka_unit_test(test_live_tables)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

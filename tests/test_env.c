/* Environment variables read at first use. Run by meson with SATTN_ISA set to an ISA this CPU
 * lacks (or a bogus name) and SATTN_NUM_THREADS=3: the library must fall back to the best ISA
 * with exactly one warning line on stderr, and default to 3 threads. Or with SATTN_DECODE_PREFETCH
 * alone: a byte count becomes every ISA's decode prefetch distance, silently; anything else leaves
 * the ISAs' defaults with one warning line. SATTN_DECODE_PREFETCH_L2 likewise: 0 or 1 for every ISA, or the
 * defaults and one warning. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"

/* What the first use of the library prints on stderr, and how many lines. */
static size_t first_use_lines(char *text, size_t size) {
    FILE *err = tmpfile();
    assert_non_null(err);
    fflush(stderr);
    FILE *saved = stderr;
    stderr = err;
    (void)sattn_get_isa();
    stderr = saved;
    rewind(err);
    const size_t n = fread(text, 1, size - 1, err);
    fclose(err);
    text[n] = 0;
    size_t lines = 0;
    for (size_t i = 0; i < n; i++) lines += text[i] == '\n';
    return lines;
}

static void test_env_decode_prefetch(void **state) {
    (void)state;
    const char *env = getenv("SATTN_DECODE_PREFETCH");
    char text[512], *end;
    const size_t lines = first_use_lines(text, sizeof text);
    const unsigned long value = strtoul(env, &end, 10);
    const int valid = *env && !*end;
    assert_int_equal(lines, valid ? 0 : 1);
    if (!valid) assert_non_null(strstr(text, "SATTN_DECODE_PREFETCH"));
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++) {
        const struct sattn_kernels *k = sattn_kernels_for((sattn_isa)isa);
        if (!k) continue;
        assert_int_equal(sattn_blocking_for((sattn_isa)isa)->decode_prefetch_bytes,
                         valid ? value : k->tuned.decode_prefetch_bytes);
        assert_int_equal(sattn_blocking_for((sattn_isa)isa)->decode_many_prefetch_bytes,
                         valid ? value : k->tuned.decode_many_prefetch_bytes);
    }
}

static void test_env_decode_prefetch_l2(void **state) {
    (void)state;
    const char *env = getenv("SATTN_DECODE_PREFETCH_L2");
    char text[512];
    const size_t lines = first_use_lines(text, sizeof text);
    const int valid = !strcmp(env, "0") || !strcmp(env, "1");
    assert_int_equal(lines, valid ? 0 : 1);
    if (!valid) assert_non_null(strstr(text, "SATTN_DECODE_PREFETCH_L2"));
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++) {
        const struct sattn_kernels *k = sattn_kernels_for((sattn_isa)isa);
        if (!k) continue;
        assert_int_equal(sattn_blocking_for((sattn_isa)isa)->decode_many_prefetch_l2,
                         valid ? (size_t)(env[0] == '1') : k->tuned.decode_many_prefetch_l2);
        /* the distances keep their defaults */
        assert_int_equal(sattn_blocking_for((sattn_isa)isa)->decode_many_prefetch_bytes, k->tuned.decode_many_prefetch_bytes);
    }
}

static void test_env_fallback(void **state) {
    (void)state;
    const char *want_isa = getenv("SATTN_ISA");
    assert_non_null(want_isa);
    char text[512];
    const size_t lines = first_use_lines(text, sizeof text);
    const sattn_isa got = sattn_get_isa();

    sattn_isa best = SATTN_ISA_SCALAR;
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++)
        if (sattn_isa_available((sattn_isa)isa)) best = (sattn_isa)isa;
    int named_available = 0;
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++)
        named_available |= !strcmp(want_isa, sattn_isa_name((sattn_isa)isa)) && sattn_isa_available((sattn_isa)isa);
    assert_false(named_available); /* meson passes an unavailable name */
    assert_int_equal(got, best);

    assert_int_equal(lines, 1);
    assert_non_null(strstr(text, want_isa));

    assert_int_equal(sattn_get_num_threads(), 3);
}

int main(void) {
    if (getenv("SATTN_DECODE_PREFETCH_L2")) {
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_env_decode_prefetch_l2)};
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    if (getenv("SATTN_DECODE_PREFETCH")) {
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_env_decode_prefetch)};
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_env_fallback)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

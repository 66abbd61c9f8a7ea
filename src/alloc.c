/* Aligned scratch memory, with a test hook that makes allocations fail on purpose. */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

static atomic_long allocations_before_failure = -1;

void sattn_alloc_fail_after(long n) { atomic_store(&allocations_before_failure, n); }

void *sattn_alloc(size_t bytes) {
    long left = atomic_load(&allocations_before_failure);
    while (left >= 0) {
        if (left == 0) return NULL;
        if (atomic_compare_exchange_weak(&allocations_before_failure, &left, left - 1)) break;
    }
    if (bytes == 0) bytes = SATTN_ALIGN;
    void *p = NULL;
    if (posix_memalign(&p, SATTN_ALIGN, bytes) != 0) return NULL;
    return p;
}

void sattn_free(void *p) { free(p); }

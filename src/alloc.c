/* Aligned scratch memory, with a test hook that makes allocations fail on purpose. */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <stdatomic.h>
#include <stdint.h>
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

void *sattn_ctx_alloc(const struct sattn_context *ctx, size_t bytes) {
    if (!ctx->alloc) return sattn_alloc(bytes);
    return ctx->alloc(ctx->alloc_user, bytes ? bytes : SATTN_ALIGN, SATTN_ALIGN);
}

void sattn_ctx_free(const struct sattn_context *ctx, void *p) {
    if (!p) return;
    if (ctx->free)
        ctx->free(ctx->alloc_user, p);
    else
        sattn_free(p);
}

/* A caller's workspace may start anywhere: one SATTN_ALIGN of slack aligns it. */
size_t sattn_scratch_bytes(struct sattn_scratch need, size_t workers) {
    size_t per, total;
    if (need.shared > SIZE_MAX / 2 || need.per_worker > SIZE_MAX / 2 ||
        __builtin_mul_overflow(sattn_round_bytes(need.per_worker), workers, &per) ||
        __builtin_add_overflow(per, sattn_round_bytes(need.shared) + SATTN_ALIGN, &total) || total > (size_t)PTRDIFF_MAX)
        return 0;
    return total;
}

sattn_status sattn_scratch_acquire(const struct sattn_exec *x, struct sattn_scratch need, size_t *workers,
                                   void *workspace, size_t workspace_size, struct sattn_stack_scratch *stack,
                                   void **mem, void **owned) {
    *owned = NULL;
    if (*workers < 1) *workers = 1;
    if (workspace) {
        /* As many workers as the workspace holds scratch for. */
        const size_t base = sattn_scratch_bytes(need, 0), per = sattn_round_bytes(need.per_worker);
        if (!base || workspace_size < base || (per && workspace_size - base < per)) return SATTN_E_ARG;
        if (per && (workspace_size - base) / per < *workers) *workers = (workspace_size - base) / per;
        *mem = (void *)(((uintptr_t)workspace + SATTN_ALIGN - 1) & ~(uintptr_t)(SATTN_ALIGN - 1));
        return SATTN_OK;
    }
    const size_t bytes = sattn_scratch_bytes(need, *workers);
    if (!bytes) return SATTN_E_OVERFLOW;
    /* The stack buffer and allocated memory are already aligned: the slack is not needed. */
    if (stack && bytes - SATTN_ALIGN <= sizeof stack->bytes) {
        *mem = stack->bytes;
        return SATTN_OK;
    }
    *mem = *owned = sattn_ctx_alloc(x->ctx, bytes - SATTN_ALIGN);
    return *mem ? SATTN_OK : SATTN_E_NOMEM;
}

void sattn_scratch_release(const struct sattn_exec *x, void *owned) { sattn_ctx_free(x->ctx, owned); }

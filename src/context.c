/* Contexts: the ISA, thread count, threading and allocator a call runs with. The default context is
 * a static one whose ISA and thread count the 0.1 setters change (atomically, so they may race with
 * calls); every other context is the caller's to create, set and destroy. */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

static struct sattn_context default_context;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void context_init(struct sattn_context *c) {
    atomic_init(&c->kernels, sattn_kernels_for(sattn_isa_initial()));
    atomic_init(&c->threads, 0);
    c->threading = SATTN_THREADING_DEFAULT;
    c->parallel_for = NULL, c->pool = NULL, c->pool_workers = 0;
    c->alloc = NULL, c->free = NULL, c->alloc_user = NULL;
}

static void init_default(void) { context_init(&default_context); }

/* NULL means the default context. */
static struct sattn_context *resolve(const struct sattn_context *ctx) {
    if (ctx) return (struct sattn_context *)ctx;
    pthread_once(&once, init_default);
    return &default_context;
}

struct sattn_exec sattn_exec_for(const struct sattn_context *ctx) {
    const struct sattn_context *c = resolve(ctx);
    const struct sattn_kernels *k = atomic_load_explicit(&c->kernels, memory_order_acquire);
    int threads;
    if (c->threading == SATTN_THREADING_CALLER) {
        threads = c->pool_workers;
    } else {
        threads = atomic_load_explicit(&c->threads, memory_order_relaxed);
        if (threads == 0) threads = sattn_default_threads();
    }
    return (struct sattn_exec){.k = k, .blk = sattn_blocking_for(k->isa), .threads = threads, .ctx = c};
}

const struct sattn_kernels *sattn_kernels_current(void) {
    return atomic_load_explicit(&resolve(NULL)->kernels, memory_order_acquire);
}

sattn_status sattn_context_create(sattn_context **ctx) {
    if (!ctx) return SATTN_E_NULL;
    struct sattn_context *c = malloc(sizeof *c);
    if (!c) return SATTN_E_NOMEM;
    context_init(c);
    *ctx = c;
    return SATTN_OK;
}

void sattn_context_destroy(sattn_context *ctx) {
    if (ctx && ctx != &default_context) free(ctx);
}

sattn_status sattn_context_set_isa(sattn_context *ctx, sattn_isa isa) {
    const struct sattn_kernels *k = sattn_kernels_for(isa);
    if (!k) return SATTN_E_ISA;
    atomic_store_explicit(&resolve(ctx)->kernels, k, memory_order_release);
    return SATTN_OK;
}

sattn_isa sattn_context_get_isa(const sattn_context *ctx) {
    return atomic_load_explicit(&resolve(ctx)->kernels, memory_order_acquire)->isa;
}

sattn_status sattn_context_set_num_threads(sattn_context *ctx, int n) {
    if (n < 0) return SATTN_E_ARG;
    atomic_store_explicit(&resolve(ctx)->threads, n, memory_order_relaxed);
    return SATTN_OK;
}

int sattn_context_get_num_threads(const sattn_context *ctx) {
    const int n = atomic_load_explicit(&resolve(ctx)->threads, memory_order_relaxed);
    return n > 0 ? n : sattn_default_threads();
}

sattn_status sattn_context_set_threading(sattn_context *ctx, sattn_threading threading) {
    switch (threading) {
    case SATTN_THREADING_DEFAULT:
    case SATTN_THREADING_BUILTIN: break;
    case SATTN_THREADING_OPENMP:
#ifdef _OPENMP
        break;
#else
        return SATTN_E_ARG;
#endif
    case SATTN_THREADING_CALLER: /* needs the pool itself: sattn_context_set_parallel_for */
    default: return SATTN_E_ARG;
    }
    resolve(ctx)->threading = threading;
    return SATTN_OK;
}

sattn_threading sattn_context_get_threading(const sattn_context *ctx) { return resolve(ctx)->threading; }

sattn_status sattn_context_set_parallel_for(sattn_context *ctx, sattn_parallel_for_fn parallel_for, void *pool,
                                            int workers) {
    if (!parallel_for) return SATTN_E_NULL;
    if (workers < 1) return SATTN_E_ARG;
    struct sattn_context *c = resolve(ctx);
    c->parallel_for = parallel_for, c->pool = pool, c->pool_workers = workers;
    c->threading = SATTN_THREADING_CALLER;
    return SATTN_OK;
}

sattn_status sattn_context_set_allocator(sattn_context *ctx, sattn_alloc_fn alloc, sattn_free_fn free_fn, void *user) {
    if (!alloc != !free_fn) return SATTN_E_NULL;
    struct sattn_context *c = resolve(ctx);
    c->alloc = alloc, c->free = free_fn, c->alloc_user = user;
    return SATTN_OK;
}

/* The 0.1 process-wide settings are the default context's. */
sattn_status sattn_set_isa(sattn_isa isa) { return sattn_context_set_isa(NULL, isa); }
sattn_isa sattn_get_isa(void) { return sattn_context_get_isa(NULL); }
sattn_status sattn_set_num_threads(int n) { return sattn_context_set_num_threads(NULL, n); }
int sattn_get_num_threads(void) { return sattn_context_get_num_threads(NULL); }

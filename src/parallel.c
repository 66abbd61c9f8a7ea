/* One parallel step of a driver, on the threading its context chose. A step is cut into `workers`
 * tasks; task w runs its items with scratch w: a contiguous range (static), or items claimed one at a
 * time from a shared counter (dynamic). The items, and so the results, are the problem's alone; the
 * tasks only decide who runs them. */
#include "internal.h"

struct step {
    sattn_item_fn fn;
    void *arg;
    size_t n, workers;
    enum sattn_schedule schedule;
    atomic_size_t next; /* dynamic: the first unclaimed item */
};

static void run_task(void *arg, size_t w) {
    struct step *s = arg;
    if (s->schedule == SATTN_STATIC) {
        /* Ranges differ by at most one item. */
        const size_t lo = s->n * w / s->workers, hi = s->n * (w + 1) / s->workers;
        for (size_t i = lo; i < hi; i++) s->fn(s->arg, i, w);
        return;
    }
    for (;;) {
        const size_t i = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed);
        if (i >= s->n) return;
        s->fn(s->arg, i, w);
    }
}

void sattn_parallel(const struct sattn_exec *x, size_t workers, size_t n, enum sattn_schedule schedule,
                    sattn_item_fn fn, void *arg) {
    if (workers > n) workers = n;
    if (workers <= 1) { /* no thread to wake: the items run here, in order */
        for (size_t i = 0; i < n; i++) fn(arg, i, 0);
        return;
    }
    struct step s = {.fn = fn, .arg = arg, .n = n, .workers = workers, .schedule = schedule};
    atomic_init(&s.next, 0);
    switch (x->ctx->threading) {
    case SATTN_THREADING_CALLER: x->ctx->parallel_for(x->ctx->pool, run_task, &s, workers); return;
    case SATTN_THREADING_BUILTIN: sattn_pool_run(workers, run_task, &s); return;
    case SATTN_THREADING_OPENMP:
    case SATTN_THREADING_DEFAULT:
    default:
#ifdef _OPENMP
        /* One task per thread when the team is whole; a smaller team (nested parallelism, a limit)
         * still runs every task, some threads running two. */
#pragma omp parallel for schedule(static, 1) num_threads((int)workers)
        for (size_t w = 0; w < workers; w++) run_task(&s, w);
#else
        sattn_pool_run(workers, run_task, &s);
#endif
        return;
    }
}

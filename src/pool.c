/* The built-in thread pool: the library's threads when it is built without OpenMP, or when a context
 * asks for them. Workers are started on first need (never more than a step asks for) and live for the
 * process. A step publishes its task count in one atomic word with a generation number; worker t takes
 * part when t < n, claims tasks from a shared counter, and checks out when none are left; the caller
 * (participant 0) claims tasks too and returns once every participant has checked out, so the step's
 * description (on the caller's stack) is never read after the call. Between steps workers spin a short
 * while (back-to-back calls of a decode loop find them awake) and then sleep on a condition variable.
 * One step runs at a time: a call that finds the pool busy (another thread's step, or a call from inside
 * a task) runs its tasks on its own thread, which computes the same bits. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "internal.h"

#define POOL_MAX_WORKERS 1023 /* besides the caller; the participants fit the signal's low 16 bits */
#define SPIN_ROUNDS 4096     /* pauses before a worker sleeps: about 0.1-0.3 ms */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER; /* one step at a time; guards `started` */
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static size_t started; /* workers 1..started exist */
static atomic_uint_fast64_t signal_word; /* generation << 16 | participants (caller included) */
static atomic_int sleepers;
static uint_fast64_t signal_at_start[POOL_MAX_WORKERS + 1]; /* the signal when worker t was started */
static atomic_size_t checked_out;

static struct {
    sattn_task_fn task;
    void *arg;
    size_t n;
    atomic_size_t next;
} step;

static void claim_tasks(void) {
    for (;;) {
        const size_t i = atomic_fetch_add_explicit(&step.next, 1, memory_order_relaxed);
        if (i >= step.n) return;
        step.task(step.arg, i);
    }
}

static void *worker_main(void *arg) {
    const size_t t = (size_t)(uintptr_t)arg;
    uint_fast64_t seen = signal_at_start[t]; /* the step that started it may already be posted */
    for (;;) {
        uint_fast64_t now;
        int spins = 0;
        while ((now = atomic_load_explicit(&signal_word, memory_order_acquire)) == seen) {
            if (++spins < SPIN_ROUNDS) {
                cpu_relax();
                continue;
            }
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while ((now = atomic_load(&signal_word)) == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
            break;
        }
        seen = now;
        if (t < (now & 0xffff)) {
            claim_tasks();
            atomic_fetch_add_explicit(&checked_out, 1, memory_order_release);
        }
    }
    return NULL;
}

/* Starts workers up to `want`; fewer when the system refuses threads (their tasks then fall to the
 * participants that exist). Called with run_lock held. */
static void grow(size_t want) {
    while (started < want) {
        pthread_attr_t attr;
        pthread_t th;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        signal_at_start[started + 1] = atomic_load_explicit(&signal_word, memory_order_relaxed);
        const int err = pthread_create(&th, &attr, worker_main, (void *)(uintptr_t)(started + 1));
        pthread_attr_destroy(&attr);
        if (err) return;
        started++;
    }
}

void sattn_pool_run(size_t n, sattn_task_fn task, void *arg) {
    if (n > 1 && pthread_mutex_trylock(&run_lock) == 0) {
        grow(sattn_min(n - 1, POOL_MAX_WORKERS));
        const size_t participants = 1 + sattn_min(n - 1, started);
        step.task = task, step.arg = arg, step.n = n;
        atomic_store_explicit(&step.next, 0, memory_order_relaxed);
        atomic_store_explicit(&checked_out, 0, memory_order_relaxed);
        const uint_fast64_t gen = (atomic_load_explicit(&signal_word, memory_order_relaxed) >> 16) + 1;
        atomic_store(&signal_word, gen << 16 | participants); /* seq_cst: ordered before reading sleepers */
        if (atomic_load(&sleepers) > 0) {
            pthread_mutex_lock(&sleep_lock);
            pthread_cond_broadcast(&wake);
            pthread_mutex_unlock(&sleep_lock);
        }
        claim_tasks();
        for (int spins = 0; atomic_load_explicit(&checked_out, memory_order_acquire) < participants - 1; spins++) {
            if (spins < SPIN_ROUNDS)
                cpu_relax();
            else
                sched_yield(); /* a participant's long task, or one that was asleep */
        }
        pthread_mutex_unlock(&run_lock);
        return;
    }
    for (size_t i = 0; i < n; i++) task(arg, i);
}

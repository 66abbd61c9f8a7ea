/* A thread pool written the way inference engines write theirs: a fixed set of workers started once,
 * a shared task counter they claim tasks from, and a barrier at the end of every job. Workers spin a
 * little while for the next job before they sleep (decode steps come back to back; waking a sleeping
 * thread costs tens of microseconds). Its engine_pool_parallel_for has the shape
 * sattn_context_set_parallel_for takes, so sattn runs on the engine's threads instead of its own:
 *
 *     engine_pool pool;
 *     engine_pool_start(&pool, 4);
 *     sattn_context *ctx;
 *     sattn_context_create(&ctx);
 *     sattn_context_set_parallel_for(ctx, engine_pool_parallel_for, &pool, pool.workers);
 *     sattn_attention_ctx(ctx, &desc, q, k, v, out, NULL, 0);
 *
 * Header-only (static functions) so that an example, a test and the bench can each include it. */
#ifndef ENGINE_POOL_H
#define ENGINE_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "sattn.h"

#define ENGINE_POOL_SPINS 20000 /* polls before a worker sleeps (or the caller waits on the barrier) */

typedef struct engine_pool {
    int workers; /* threads that run tasks, the caller of a job included */
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t job_posted, job_done;
    atomic_ulong generation; /* bumped per job; workers wait for it to change */
    atomic_int quitting;
    /* The job: task(arg, i) for i in [0, n). */
    sattn_task_fn task;
    void *arg;
    size_t n;
    atomic_size_t next; /* the task counter */
    atomic_int busy;    /* pool threads still in the job (the barrier) */
} engine_pool;

/* Claims tasks until none is left. */
static void engine_pool_work(engine_pool *p) {
    for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < p->n;) p->task(p->arg, i);
}

static void *engine_pool_thread(void *arg) {
    engine_pool *p = arg;
    unsigned long seen = 0;
    for (;;) {
        for (int spin = 0; spin < ENGINE_POOL_SPINS && atomic_load(&p->generation) == seen; spin++) {
        }
        if (atomic_load(&p->generation) == seen) {
            pthread_mutex_lock(&p->lock);
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->quitting))
                pthread_cond_wait(&p->job_posted, &p->lock);
            pthread_mutex_unlock(&p->lock);
        }
        if (atomic_load(&p->quitting)) return NULL;
        seen = atomic_load(&p->generation);
        engine_pool_work(p);
        if (atomic_fetch_sub(&p->busy, 1) == 1) {
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->job_done);
            pthread_mutex_unlock(&p->lock);
        }
    }
}

/* workers >= 1: the caller and workers - 1 pool threads. 0 on success. */
static int engine_pool_start(engine_pool *p, int workers) {
    p->workers = workers;
    atomic_init(&p->generation, 0), atomic_init(&p->quitting, 0), atomic_init(&p->busy, 0), atomic_init(&p->next, 0);
    p->threads = calloc((size_t)workers, sizeof *p->threads);
    if (!p->threads) return -1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->job_posted, NULL);
    pthread_cond_init(&p->job_done, NULL);
    for (int t = 1; t < workers; t++)
        if (pthread_create(&p->threads[t], NULL, engine_pool_thread, p)) {
            p->workers = t; /* run with the threads we got */
            break;
        }
    return 0;
}

static void engine_pool_stop(engine_pool *p) {
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->quitting, 1);
    pthread_cond_broadcast(&p->job_posted);
    pthread_mutex_unlock(&p->lock);
    for (int t = 1; t < p->workers; t++) pthread_join(p->threads[t], NULL);
    pthread_cond_destroy(&p->job_done);
    pthread_cond_destroy(&p->job_posted);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
}

/* sattn_parallel_for_fn: posts the job, works on it too, and returns at the barrier. */
static void engine_pool_parallel_for(void *pool, sattn_task_fn task, void *arg, size_t n) {
    engine_pool *p = pool;
    pthread_mutex_lock(&p->lock);
    p->task = task, p->arg = arg, p->n = n;
    atomic_store(&p->next, 0);
    atomic_store(&p->busy, p->workers - 1);
    atomic_fetch_add(&p->generation, 1);
    pthread_cond_broadcast(&p->job_posted);
    pthread_mutex_unlock(&p->lock);
    engine_pool_work(p);
    for (int spin = 0; spin < ENGINE_POOL_SPINS && atomic_load(&p->busy) > 0; spin++) {
    }
    pthread_mutex_lock(&p->lock);
    while (atomic_load(&p->busy) > 0) pthread_cond_wait(&p->job_done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

#endif

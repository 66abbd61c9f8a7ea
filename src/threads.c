/* Thread counts: the default is the number of physical cores (hwloc), never SMT siblings;
 * SATTN_NUM_THREADS overrides the default; sattn_set_num_threads overrides both. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

static int default_threads;
static atomic_int requested_threads; /* 0 = default */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_threads(void) {
    default_threads = sattn_topology_get()->cores;
    const char *env = getenv("SATTN_NUM_THREADS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 1 && v <= 4096) default_threads = (int)v;
    }
}

int sattn_threads_for_call(void) {
    pthread_once(&once, init_threads);
    int n = atomic_load(&requested_threads);
    return n > 0 ? n : default_threads;
}

sattn_status sattn_set_num_threads(int n) {
    if (n < 0) return SATTN_E_ARG;
    atomic_store(&requested_threads, n);
    return SATTN_OK;
}

int sattn_get_num_threads(void) { return sattn_threads_for_call(); }

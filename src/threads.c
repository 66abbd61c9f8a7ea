/* Thread counts: the default is the number of physical cores (hwloc), never SMT siblings;
 * SATTN_NUM_THREADS overrides the default; sattn_set_num_threads overrides both. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif
#if SATTN_HAVE_HWLOC
#include <hwloc.h>
#endif

static int physical_cores;
static int default_threads;
static atomic_int requested_threads; /* 0 = default */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int count_physical_cores(void) {
    int n = 0;
#if SATTN_HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) == 0) {
        if (hwloc_topology_load(topo) == 0) n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
        hwloc_topology_destroy(topo);
    }
#endif
    /* Fallback when hwloc is absent or reports nothing: the processors OpenMP sees. */
#ifdef _OPENMP
    if (n <= 0) n = omp_get_num_procs();
#endif
    return n > 0 ? n : 1;
}

static void init_threads(void) {
    physical_cores = count_physical_cores();
    default_threads = physical_cores;
    const char *env = getenv("SATTN_NUM_THREADS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v >= 1 && v <= 4096) default_threads = (int)v;
    }
}

int sattn_physical_cores(void) {
    pthread_once(&once, init_threads);
    return physical_cores;
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

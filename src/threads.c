/* The default thread count: the number of physical cores (hwloc), never SMT siblings;
 * SATTN_NUM_THREADS overrides it. A context's own count overrides both (context.c). */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

static int default_threads;
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

int sattn_default_threads(void) {
    pthread_once(&once, init_threads);
    return default_threads;
}

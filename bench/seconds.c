/* The bench programs' clock: monotonic seconds. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "seconds.h"

double bench_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

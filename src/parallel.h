/* The few OpenMP queries the drivers need, with serial stand-ins when built without OpenMP.
 * (Named parallel.h so it never shadows the system omp.h it includes.) */
#ifndef SATTN_PARALLEL_H
#define SATTN_PARALLEL_H

#ifdef _OPENMP
#include <omp.h>
static inline int sattn_thread_id(void) { return omp_get_thread_num(); }
#else
static inline int sattn_thread_id(void) { return 0; }
#endif

#endif

/* The few OpenMP queries the drivers need, with serial stand-ins when built without OpenMP. */
#ifndef SATTN_OMP_H
#define SATTN_OMP_H

#ifdef _OPENMP
#include <omp.h>
static inline int sattn_thread_id(void) { return omp_get_thread_num(); }
#else
static inline int sattn_thread_id(void) { return 0; }
#endif

#endif

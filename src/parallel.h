/* OpenMP's header where the build has it. (Named parallel.h so it never shadows the system omp.h it
 * includes.) */
#ifndef SATTN_PARALLEL_H
#define SATTN_PARALLEL_H

#ifdef _OPENMP
#include <omp.h>
#endif

#endif

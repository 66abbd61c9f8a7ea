/* The benchmark program's own pieces (the cases live in bench.c). */
#ifndef SATTN_BENCH_BENCH_H
#define SATTN_BENCH_BENCH_H

#include "sattn.h"
#include "shim.h"

void bench_describe_machine(void);

#endif

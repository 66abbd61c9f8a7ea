/* Monotonic wall-clock seconds, shared by the bench programs. */
#ifndef SATTN_BENCH_SECONDS_H
#define SATTN_BENCH_SECONDS_H

double bench_seconds(void);

#endif

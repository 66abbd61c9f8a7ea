/* Calibration: the floating-point peak of one core for an ISA, measured with independent
 * multiply-add chains (seeded differently and kept live, so no compiler can merge them). */
#ifndef SATTN_BENCH_PEAK_H
#define SATTN_BENCH_PEAK_H

#include <stddef.h>
#include <stdint.h>

#include "sattn.h"
#include "seconds.h"

/* GFLOP/s of one core, or 0 when the bench was built without that ISA's calibration. */
double bench_peak_gflops(sattn_isa isa);

double bench_peak_portable(void); /* baseline vectors without FMA: what the scalar path can reach */
double bench_peak_avx2(void);
double bench_peak_avx512(void);
double bench_peak_neon(void);
/* Streaming read bandwidth in GB/s with `threads` threads, or 0 when the buffer cannot be had. */
double bench_read_bandwidth_gbs(int threads);
/* Sums `bytes` of x (a multiple of 8) as 64-bit words with `threads` threads, each over its own contiguous part,
 * with the hardware prefetchers alone or (prefetch) also prefetching in software, as the calibration's two kinds of
 * pass: a read-only stream to time beside another case. */
uint64_t bench_read_buffer(const void *x, size_t bytes, int threads, int prefetch);

#endif

/* Calibration: streaming read bandwidth, the ceiling of a memory-bound decode. A buffer far
 * larger than the last-level cache is summed as 64-bit integers (which the compiler vectorises
 * without reassociating floats) by `threads` threads, each over its own part, once relying on
 * the hardware prefetchers and once also prefetching 2 KiB ahead in software (on the 16-core
 * Xeon host one core streamed 11.6-13.2 GB/s with it, 8.9-9.5 without); the best of 10 passes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peak.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#define BANDWIDTH_BYTES ((size_t)1 << 30) /* 1 GiB: several times any L3 seen here (300 MiB on the 16-core host) */

static uint64_t sum_words(const uint64_t *x, size_t n, int prefetch) {
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    if (prefetch)
        for (size_t i = 0; i + 8 <= n; i += 8) { /* one 64-byte line per step */
            __builtin_prefetch(x + i + 256);
            s0 += x[i] + x[i + 4], s1 += x[i + 1] + x[i + 5], s2 += x[i + 2] + x[i + 6], s3 += x[i + 3] + x[i + 7];
        }
    else
        for (size_t i = 0; i + 4 <= n; i += 4) s0 += x[i], s1 += x[i + 1], s2 += x[i + 2], s3 += x[i + 3];
    return s0 ^ s1 ^ s2 ^ s3;
}

/* The calling thread's contiguous part of n words (as a static schedule gives them), summed. */
static uint64_t sum_own_part(const uint64_t *x, size_t n, int prefetch) {
#ifdef _OPENMP
    const size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
#else
    const size_t t = 0, nt = 1;
#endif
    const size_t lo = n / nt * t, hi = t + 1 == nt ? n : n / nt * (t + 1);
    return sum_words(x + lo, hi - lo, prefetch);
}

double bench_read_bandwidth_gbs(int threads) {
    const size_t n = BANDWIDTH_BYTES / sizeof(uint64_t);
    uint64_t *x = malloc(BANDWIDTH_BYTES);
    if (!x) return 0;
    double best = 0, t0 = 0;
    volatile uint64_t sink = 0;
#pragma omp parallel num_threads(threads)
    {
        /* Each thread first touches the part it will read (first-touch NUMA placement). */
#pragma omp for schedule(static)
        for (size_t i = 0; i < n; i++) x[i] = i;
        for (int pass = 0; pass < 10; pass++) {
#pragma omp barrier
#pragma omp single
            t0 = bench_seconds();
            const uint64_t s = sum_own_part(x, n, pass % 2);
#pragma omp critical
            sink ^= s;
#pragma omp barrier
#pragma omp single
            {
                const double gbs = BANDWIDTH_BYTES / (bench_seconds() - t0) * 1e-9;
                if (gbs > best) best = gbs;
            }
        }
    }
    free(x);
    return best;
}

uint64_t bench_read_buffer(const void *x, size_t bytes, int threads, int prefetch) {
    uint64_t sink = 0;
#pragma omp parallel num_threads(threads) reduction(^ : sink)
    sink ^= sum_own_part(x, bytes / sizeof(uint64_t), prefetch);
    return sink;
}

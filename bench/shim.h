/* A C interface to Google Benchmark, so the benchmark cases can be written in C.
 *
 *   static void bench_foo(bench_state *st, const void *arg) {
 *       const struct foo_args *a = arg;                     // copied at registration
 *       ... set up ...
 *       while (bench_keep_running(st)) run_once(a);
 *       bench_counter(st, "FLOP", flops_per_call, BENCH_RATE);  // reported as FLOP/s
 *   }
 *   bench_register("foo/n:64", bench_foo, &args, sizeof args);
 *   return bench_main(argc, argv);                      // accepts every --benchmark_* flag
 */
#ifndef SATTN_BENCH_SHIM_H
#define SATTN_BENCH_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bench_state bench_state;
typedef void (*bench_fn)(bench_state *st, const void *arg);

enum bench_counter_kind {
    BENCH_AVERAGE = 0, /* value as given */
    BENCH_RATE = 1,    /* value per iteration, reported per second (e.g. FLOP -> FLOP/s) */
};

/* Registers a case; `arg` (arg_size bytes) is copied. Wall-clock time is measured (the library
 * runs its own threads), reported in milliseconds, with median, p90 and p99 over repetitions. */
void bench_register(const char *name, bench_fn fn, const void *arg, size_t arg_size);

/* The timing loop: true while more iterations are wanted. */
int bench_keep_running(bench_state *st);
void bench_pause_timing(bench_state *st);
void bench_resume_timing(bench_state *st);
void bench_counter(bench_state *st, const char *name, double value, enum bench_counter_kind kind);
void bench_label(bench_state *st, const char *label);
/* Marks the case failed with a message (e.g. a peer disagreed with sattn); call before or after the loop. */
void bench_error(bench_state *st, const char *message);

/* A key/value line for the report's header (machine, versions, calibrated peaks). */
void bench_context(const char *key, const char *value);

/* Runs the registered cases. Defaults that the command line may override:
 * --benchmark_repetitions=5, --benchmark_min_time=0.1. */
int bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif

// Google Benchmark behind the C interface of shim.h.
#include "shim.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

struct bench_state {
    benchmark::State *state;
};

namespace {

// p-th percentile over the repetitions (nearest rank), for ComputeStatistics.
double percentile(const std::vector<double> &v, double p) {
    if (v.empty()) return 0.0;
    std::vector<double> s(v);
    std::sort(s.begin(), s.end());
    const size_t rank = static_cast<size_t>(std::ceil(p * s.size()));
    return s[std::min(s.size() - 1, rank > 0 ? rank - 1 : 0)];
}
double p90(const std::vector<double> &v) { return percentile(v, 0.90); }
double p99(const std::vector<double> &v) { return percentile(v, 0.99); }

bool has_flag(int argc, char **argv, const char *flag) {
    const size_t n = std::strlen(flag);
    for (int i = 1; i < argc; i++)
        if (!std::strncmp(argv[i], flag, n)) return true;
    return false;
}

}  // namespace

extern "C" {

void bench_register(const char *name, bench_fn fn, const void *arg, size_t arg_size) {
    std::vector<unsigned char> copy(static_cast<const unsigned char *>(arg),
                                    static_cast<const unsigned char *>(arg) + arg_size);
    benchmark::RegisterBenchmark(name, [fn, copy](benchmark::State &state) {
        bench_state st{&state};
        fn(&st, copy.data());
    })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond)
        ->ComputeStatistics("p90", p90)
        ->ComputeStatistics("p99", p99);
}

int bench_keep_running(bench_state *st) { return st->state->KeepRunning() ? 1 : 0; }
void bench_pause_timing(bench_state *st) { st->state->PauseTiming(); }
void bench_resume_timing(bench_state *st) { st->state->ResumeTiming(); }

void bench_counter(bench_state *st, const char *name, double value, enum bench_counter_kind kind) {
    st->state->counters[name] =
        benchmark::Counter(value, kind == BENCH_RATE ? benchmark::Counter::kIsIterationInvariantRate
                                                     : benchmark::Counter::kDefaults);
}

void bench_label(bench_state *st, const char *label) { st->state->SetLabel(label); }
void bench_error(bench_state *st, const char *message) { st->state->SkipWithError(message); }
void bench_context(const char *key, const char *value) { benchmark::AddCustomContext(key, value); }

int bench_main(int argc, char **argv) {
    std::vector<char *> args(argv, argv + argc);
    std::string reps = "--benchmark_repetitions=5", min_time = "--benchmark_min_time=0.1";
    if (!has_flag(argc, argv, "--benchmark_repetitions")) args.push_back(&reps[0]);
    if (!has_flag(argc, argv, "--benchmark_min_time")) args.push_back(&min_time[0]);
    int n = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

}  // extern "C"

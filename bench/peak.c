#include "peak.h"

/* GCC vector extensions: baseline SIMD of the target (SSE2 on x86-64, NEON on AArch64), mul + add. */
typedef float v4 __attribute__((vector_size(16)));

double bench_peak_portable(void) {
    const v4 y = {1e-4f, 1e-4f, 1e-4f, 1e-4f};
    v4 x = {0.999f, 0.999f, 0.999f, 0.999f};
    /* Twelve named chains: an array would live in memory and measure loads and stores. */
#define SEED(i) {(float)(i), (float)(i) + 0.5f, (float)(i) + 0.25f, (float)(i) + 0.75f}
    v4 a0 = SEED(0), a1 = SEED(1), a2 = SEED(2), a3 = SEED(3), a4 = SEED(4), a5 = SEED(5);
    v4 a6 = SEED(6), a7 = SEED(7), a8 = SEED(8), a9 = SEED(9), a10 = SEED(10), a11 = SEED(11);
#undef SEED
    const long n = 20000000;
    const double t0 = bench_seconds();
    for (long it = 0; it < n; it++) {
        __asm__ volatile("" : "+x"(x)); /* opaque multiplier: chains cannot be folded */
        a0 = a0 * x + y, a1 = a1 * x + y, a2 = a2 * x + y, a3 = a3 * x + y, a4 = a4 * x + y, a5 = a5 * x + y;
        a6 = a6 * x + y, a7 = a7 * x + y, a8 = a8 * x + y, a9 = a9 * x + y, a10 = a10 * x + y, a11 = a11 * x + y;
    }
    const double t = bench_seconds() - t0;
    volatile float sink = (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11)[0];
    (void)sink;
    return n * 12.0 * 4 * 2 / t * 1e-9;
}

double bench_peak_gflops(sattn_isa isa) {
    switch (isa) {
    case SATTN_ISA_SCALAR: return bench_peak_portable();
#if SATTN_BENCH_HAVE_PEAK_AVX2
    case SATTN_ISA_AVX2: return sattn_isa_available(isa) ? bench_peak_avx2() : 0;
#endif
#if SATTN_BENCH_HAVE_PEAK_AVX512
    case SATTN_ISA_AVX512: return sattn_isa_available(isa) ? bench_peak_avx512() : 0;
#endif
#if SATTN_BENCH_HAVE_PEAK_NEON
    case SATTN_ISA_NEON: return sattn_isa_available(isa) ? bench_peak_neon() : 0;
#endif
    default: return 0;
    }
}

/* The body of an FMA peak calibration, shared by the ISA files that include it after defining
 * VEC (the vector type), SET1, FMA and LANES: 12 independent chains (FMA latency 4-5 cycles x 2
 * pipes needs >= 10), seeded differently, with an opaque multiplier so no compiler merges them.
 * VEC_REG is the asm constraint of a vector register. Returns GFLOP/s of one core. */
static double peak_fma_chains(void) {
    VEC a0 = SET1(0), a1 = SET1(1), a2 = SET1(2), a3 = SET1(3), a4 = SET1(4), a5 = SET1(5);
    VEC a6 = SET1(6), a7 = SET1(7), a8 = SET1(8), a9 = SET1(9), a10 = SET1(10), a11 = SET1(11);
    VEC x = SET1(0.999f);
    const VEC y = SET1(1e-4f);
    const long n = 20000000;
    const double t0 = bench_seconds();
    for (long i = 0; i < n; i++) {
        __asm__ volatile("" : "+" VEC_REG(x));
        a0 = FMA(a0, x, y), a1 = FMA(a1, x, y), a2 = FMA(a2, x, y), a3 = FMA(a3, x, y);
        a4 = FMA(a4, x, y), a5 = FMA(a5, x, y), a6 = FMA(a6, x, y), a7 = FMA(a7, x, y);
        a8 = FMA(a8, x, y), a9 = FMA(a9, x, y), a10 = FMA(a10, x, y), a11 = FMA(a11, x, y);
    }
    const double t = bench_seconds() - t0;
    volatile VEC sink[12] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11};
    (void)sink;
    return n * 12.0 * LANES * 2 / t * 1e-9;
}

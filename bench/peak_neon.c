/* NEON FMA peak: 12 independent 4-wide fmla chains (latency 4 x 2-4 pipes on common cores). */
#include <arm_neon.h>

#include "peak.h"

double bench_peak_neon(void) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(1), a2 = vdupq_n_f32(2), a3 = vdupq_n_f32(3);
    float32x4_t a4 = vdupq_n_f32(4), a5 = vdupq_n_f32(5), a6 = vdupq_n_f32(6), a7 = vdupq_n_f32(7);
    float32x4_t a8 = vdupq_n_f32(8), a9 = vdupq_n_f32(9), a10 = vdupq_n_f32(10), a11 = vdupq_n_f32(11);
    float32x4_t x = vdupq_n_f32(0.999f);
    const float32x4_t y = vdupq_n_f32(1e-4f);
    const long n = 20000000;
    const double t0 = bench_seconds();
    for (long i = 0; i < n; i++) {
        __asm__ volatile("" : "+w"(x));
        a0 = vfmaq_f32(y, a0, x), a1 = vfmaq_f32(y, a1, x), a2 = vfmaq_f32(y, a2, x), a3 = vfmaq_f32(y, a3, x);
        a4 = vfmaq_f32(y, a4, x), a5 = vfmaq_f32(y, a5, x), a6 = vfmaq_f32(y, a6, x), a7 = vfmaq_f32(y, a7, x);
        a8 = vfmaq_f32(y, a8, x), a9 = vfmaq_f32(y, a9, x), a10 = vfmaq_f32(y, a10, x), a11 = vfmaq_f32(y, a11, x);
    }
    const double t = bench_seconds() - t0;
    float32x4_t s = vaddq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)), vaddq_f32(vaddq_f32(a4, a5), vaddq_f32(a6, a7)));
    s = vaddq_f32(s, vaddq_f32(vaddq_f32(a8, a9), vaddq_f32(a10, a11)));
    volatile float sink = vgetq_lane_f32(s, 0);
    (void)sink;
    return n * 12.0 * 8 / t * 1e-9;
}

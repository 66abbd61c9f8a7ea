/* NEON FMA peak: 12 independent 4-wide fmla chains (latency 4 x 2-4 pipes on common cores). */
#include <arm_neon.h>

#include "peak.h"

#define VEC float32x4_t
#define SET1 vdupq_n_f32
#define FMA(a, x, y) vfmaq_f32(y, a, x)
#define LANES 4
#define VEC_REG "w"
#include "peak_fma_chains.h"

double bench_peak_neon(void) { return peak_fma_chains(); }

/* AVX2 FMA peak: 12 independent 8-wide FMA chains. */
#include <immintrin.h>

#include "peak.h"

#define VEC __m256
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define LANES 8
#define VEC_REG "v"
#include "peak_fma_chains.h"

double bench_peak_avx2(void) { return peak_fma_chains(); }

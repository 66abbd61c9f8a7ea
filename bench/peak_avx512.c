/* AVX-512 FMA peak: 12 independent 16-wide FMA chains. */
#include <immintrin.h>

#include "peak.h"

#define VEC __m512
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define LANES 16
#define VEC_REG "v"
#include "peak_fma_chains.h"

double bench_peak_avx512(void) { return peak_fma_chains(); }

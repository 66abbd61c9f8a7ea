/* Portable sgemm microkernel: a 4x8 register tile, written so a compiler can keep the tile in
 * registers and vectorise the 8-wide rows with whatever baseline SIMD the target has. */
#include "../kernels.h"
#include "scalar.h"

#define MR 4
#define NR 8

void sattn_f32_gemm_ukernel_4x8__scalar(size_t mr, size_t nr, size_t kc, const float *restrict a, size_t rs_a,
                                        size_t cs_a, const float *restrict b, float *restrict c, size_t ldc,
                                        float alpha, float beta) {
    float acc[MR][NR] = {{0}};
    const float *rows[MR]; /* rows past mr repeat the last one: read, never stored */
    for (size_t i = 0; i < MR; i++) rows[i] = a + (i < mr ? i : mr - 1) * rs_a;
    for (size_t p = 0; p < kc; p++) {
        const float *bp = b + p * NR;
        for (int i = 0; i < MR; i++) {
            const float ai = rows[i][p * cs_a];
            for (int j = 0; j < NR; j++) acc[i][j] += ai * bp[j];
        }
    }
    for (size_t i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        if (beta == 0.0f)
            for (size_t j = 0; j < nr; j++) ci[j] = alpha * acc[i][j];
        else
            for (size_t j = 0; j < nr; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];
    }
}

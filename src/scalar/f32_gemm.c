/* Portable sgemm microkernel: a 4x8 register tile, written so a compiler can keep the tile in
 * registers and vectorise the 8-wide rows with whatever baseline SIMD the target has. */
#include "../kernels.h"
#include "scalar.h"

#define MR 4
#define NR 8

void sattn_f32_gemm_ukernel_4x8__scalar(size_t mr, size_t nr, size_t kc, const float *restrict a,
                                        const float *restrict b, float *restrict c, size_t ldc, float alpha,
                                        float beta) {
    float acc[MR][NR] = {{0}};
    for (size_t p = 0; p < kc; p++) {
        const float *ap = a + p * MR, *bp = b + p * NR;
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) acc[i][j] += ap[i] * bp[j];
    }
    for (size_t i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        if (beta == 0.0f)
            for (size_t j = 0; j < nr; j++) ci[j] = alpha * acc[i][j];
        else
            for (size_t j = 0; j < nr; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];
    }
}

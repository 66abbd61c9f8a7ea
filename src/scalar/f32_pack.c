/* Portable packing for any tile size: the layouts the gemm microkernels read (kernels.h). */
#include <string.h>

#include "../kernels.h"
#include "scalar.h"

void sattn_f32_pack_a__scalar(size_t MR, size_t mr, size_t kc, const float *src, size_t rs, size_t cs, float *dst) {
    for (size_t p = 0; p < kc; p++) {
        float *d = dst + p * MR;
        for (size_t i = 0; i < mr; i++) d[i] = src[i * rs + p * cs];
        for (size_t i = mr; i < MR; i++) d[i] = 0.0f;
    }
}

void sattn_f32_pack_b__scalar(size_t NR, size_t nr, size_t kc, const float *src, size_t rs, size_t cs, float *dst) {
    for (size_t p = 0; p < kc; p++) {
        float *d = dst + p * NR;
        const float *s = src + p * rs;
        if (cs == 1)
            memcpy(d, s, nr * sizeof *d);
        else
            for (size_t j = 0; j < nr; j++) d[j] = s[j * cs];
        for (size_t j = nr; j < NR; j++) d[j] = 0.0f;
    }
}

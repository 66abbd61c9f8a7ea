/* Portable packing of the A operand for any tile size: the layout the gemm microkernels read
 * (kernels.h). B's packers convert an element type, so they are in pack_b_tmpl.c. */
#include "scalar.h"

SATTN_PACK_A(sattn_f32_pack_a__scalar) {
    for (size_t p = 0; p < kc; p++) {
        float *d = dst + p * MR;
        for (size_t i = 0; i < mr; i++) d[i] = src[i * rs + p * cs];
        for (size_t i = mr; i < MR; i++) d[i] = 0.0f;
    }
}

/* Portable vector exp over the whole float range (the scalar form of exp.h). */
#include "../exp.h"
#include "../kernels.h"
#include "scalar.h"

void sattn_f32_vexp_ukernel__scalar(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = sattn_expf(x[i]);
}

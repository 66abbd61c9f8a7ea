/* Portable vector exp over the whole float range (the scalar form of exp.h). */
#include "../exp.h"
#include "scalar.h"

SATTN_VEXP_UKERNEL(sattn_f32_vexp_ukernel__scalar) {
    for (size_t i = 0; i < n; i++) y[i] = sattn_expf(x[i]);
}

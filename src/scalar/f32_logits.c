/* Portable logit shaping: soft-capping through tanh.h, and the ALiBi ramp. */
#include "../tanh.h"
#include "scalar.h"

SATTN_SOFTCAP_UKERNEL(sattn_f32_softcap_ukernel__scalar) {
    const float inv = 1.0f / cap;
    for (size_t i = 0; i < n; i++) y[i] = cap * sattn_tanhf(x[i] * inv);
}

SATTN_VADDRAMP_UKERNEL(sattn_f32_vaddramp_ukernel__scalar) {
    for (size_t i = 0; i < n; i++) {
        const float product = slope * (float)(d0 + (int32_t)i);
        y[i] = x[i] + product;
    }
}

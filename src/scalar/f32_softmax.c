/* Portable row kernels for softmax and the online softmax of attention. Four partial
 * accumulators keep dependency chains short; their order is fixed, so results do not depend
 * on anything but the input. */
#include "../exp.h"
#include "scalar.h"

SATTN_RMAX_UKERNEL(sattn_f32_rmax_ukernel__scalar) {
    float m0 = x[0], m1 = x[0], m2 = x[0], m3 = x[0];
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        m0 = x[i] > m0 ? x[i] : m0;
        m1 = x[i + 1] > m1 ? x[i + 1] : m1;
        m2 = x[i + 2] > m2 ? x[i + 2] : m2;
        m3 = x[i + 3] > m3 ? x[i + 3] : m3;
    }
    for (; i < n; i++) m0 = x[i] > m0 ? x[i] : m0;
    m0 = m1 > m0 ? m1 : m0;
    m2 = m3 > m2 ? m3 : m2;
    return m2 > m0 ? m2 : m0;
}

SATTN_RADDSTOREEXPMINUSMAX_UKERNEL(sattn_f32_raddstoreexpminusmax_ukernel__scalar) {
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float e0 = sattn_expf(x[i] - max), e1 = sattn_expf(x[i + 1] - max);
        float e2 = sattn_expf(x[i + 2] - max), e3 = sattn_expf(x[i + 3] - max);
        y[i] = e0, y[i + 1] = e1, y[i + 2] = e2, y[i + 3] = e3;
        s0 += e0, s1 += e1, s2 += e2, s3 += e3;
    }
    for (; i < n; i++) {
        float e = sattn_expf(x[i] - max);
        y[i] = e;
        s0 += e;
    }
    return (s0 + s1) + (s2 + s3);
}

SATTN_VSCALE_UKERNEL(sattn_f32_vscale_ukernel__scalar) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] * s;
}

SATTN_VADD_UKERNEL(sattn_f32_vadd_ukernel__scalar) {
    for (size_t i = 0; i < n; i++) z[i] = x[i] + y[i];
}

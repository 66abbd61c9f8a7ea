/* Row kernels for softmax and the online softmax of attention: 4 lanes, unrolled for independent
 * chains; a tail of 1..3 elements goes through one padded vector. */
#include <math.h>

#include "neon.h"

SATTN_RMAX_UKERNEL(sattn_f32_rmax_ukernel__neon) {
    float32x4_t m0 = vdupq_n_f32(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        m0 = vmaxq_f32(m0, vld1q_f32(x + i));
        m1 = vmaxq_f32(m1, vld1q_f32(x + i + 4));
        m2 = vmaxq_f32(m2, vld1q_f32(x + i + 8));
        m3 = vmaxq_f32(m3, vld1q_f32(x + i + 12));
    }
    for (; i + 4 <= n; i += 4) m0 = vmaxq_f32(m0, vld1q_f32(x + i));
    if (i < n) m1 = vmaxq_f32(m1, sattn_neon_load_tail(x + i, n - i, -INFINITY));
    return vmaxvq_f32(vmaxq_f32(vmaxq_f32(m0, m1), vmaxq_f32(m2, m3)));
}

SATTN_RADDSTOREEXPMINUSMAX_UKERNEL(sattn_f32_raddstoreexpminusmax_ukernel__neon_p6) {
    const float32x4_t vmax = vdupq_n_f32(max);
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const float32x4_t e0 = sattn_neon_exp_nonpositive(vsubq_f32(vld1q_f32(x + i), vmax));
        const float32x4_t e1 = sattn_neon_exp_nonpositive(vsubq_f32(vld1q_f32(x + i + 4), vmax));
        const float32x4_t e2 = sattn_neon_exp_nonpositive(vsubq_f32(vld1q_f32(x + i + 8), vmax));
        const float32x4_t e3 = sattn_neon_exp_nonpositive(vsubq_f32(vld1q_f32(x + i + 12), vmax));
        vst1q_f32(y + i, e0), vst1q_f32(y + i + 4, e1), vst1q_f32(y + i + 8, e2), vst1q_f32(y + i + 12, e3);
        s0 = vaddq_f32(s0, e0), s1 = vaddq_f32(s1, e1), s2 = vaddq_f32(s2, e2), s3 = vaddq_f32(s3, e3);
    }
    for (; i + 4 <= n; i += 4) {
        const float32x4_t e = sattn_neon_exp_nonpositive(vsubq_f32(vld1q_f32(x + i), vmax));
        vst1q_f32(y + i, e);
        s0 = vaddq_f32(s0, e);
    }
    if (i < n) { /* padding with -inf gives exp 0: the padded lanes add nothing to the sum */
        const float32x4_t e = sattn_neon_exp_nonpositive(vsubq_f32(sattn_neon_load_tail(x + i, n - i, -INFINITY), vmax));
        sattn_neon_store_tail(y + i, n - i, e);
        s1 = vaddq_f32(s1, e);
    }
    return vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
}

SATTN_VSCALE_UKERNEL(sattn_f32_vscale_ukernel__neon) {
    const float32x4_t vs = vdupq_n_f32(s);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        vst1q_f32(y + i, vmulq_f32(vld1q_f32(x + i), vs));
        vst1q_f32(y + i + 4, vmulq_f32(vld1q_f32(x + i + 4), vs));
    }
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_f32(vld1q_f32(x + i), vs));
    if (i < n) sattn_neon_store_tail(y + i, n - i, vmulq_f32(sattn_neon_load_tail(x + i, n - i, 0.0f), vs));
}

SATTN_VADD_UKERNEL(sattn_f32_vadd_ukernel__neon) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(z + i, vaddq_f32(vld1q_f32(x + i), vld1q_f32(y + i)));
    if (i < n)
        sattn_neon_store_tail(z + i, n - i,
                              vaddq_f32(sattn_neon_load_tail(x + i, n - i, 0.0f), sattn_neon_load_tail(y + i, n - i, 0.0f)));
}

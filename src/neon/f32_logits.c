/* Logit shaping, 4 lanes: soft-capping with tanh.h's algorithm and the ALiBi ramp (multiply, then
 * add: the bits of every ISA). A tail of 1..3 elements goes through one padded vector. */
#include "../tanh.h"
#include "neon.h"

static inline float32x4_t tanh4(float32x4_t x) {
    const float32x4_t one = vdupq_n_f32(1.0f);
    const float32x4_t ax = vabsq_f32(x), t = vmulq_f32(ax, ax);
    float32x4_t p = vdupq_n_f32(sattn_tanh_series[0]);
    for (int c = 1; c < SATTN_TANH_TERMS; c++) p = vfmaq_f32(vdupq_n_f32(sattn_tanh_series[c]), p, t);
    const float32x4_t series = vfmaq_f32(ax, ax, vmulq_f32(t, p));
    const uint32x4_t small = vcltq_f32(ax, vdupq_n_f32(SATTN_TANH_SMALL));
    float32x4_t r = series;
    if (vminvq_u32(small) == 0) { /* some lane is large: capped logits mostly are not */
        const float32x4_t e = sattn_neon_exp_nonpositive(vmulq_f32(ax, vdupq_n_f32(-2.0f)));
        const float32x4_t ratio = vdivq_f32(vsubq_f32(one, e), vaddq_f32(one, e));
        r = vbslq_f32(small, series, ratio);
    }
    /* the sign of x onto r: bit select with the sign mask */
    return vbslq_f32(vdupq_n_u32(0x80000000u), x, r);
}

SATTN_SOFTCAP_UKERNEL(sattn_f32_softcap_ukernel__neon) {
    const float inv = 1.0f / cap;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_n_f32(tanh4(vmulq_n_f32(vld1q_f32(x + i), inv)), cap));
    if (i < n)
        sattn_neon_store_tail(y + i, n - i, vmulq_n_f32(tanh4(vmulq_n_f32(sattn_neon_load_tail(x + i, n - i, 0.0f), inv)), cap));
}

SATTN_VADDRAMP_UKERNEL(sattn_f32_vaddramp_ukernel__neon) {
    const int32_t lanes[4] = {0, 1, 2, 3};
    int32x4_t d = vaddq_s32(vdupq_n_s32(d0), vld1q_s32(lanes));
    size_t i = 0;
    for (; i + 4 <= n; i += 4, d = vaddq_s32(d, vdupq_n_s32(4)))
        vst1q_f32(y + i, vaddq_f32(vld1q_f32(x + i), vmulq_n_f32(vcvtq_f32_s32(d), slope)));
    if (i < n)
        sattn_neon_store_tail(y + i, n - i,
                              vaddq_f32(sattn_neon_load_tail(x + i, n - i, 0.0f), vmulq_n_f32(vcvtq_f32_s32(d), slope)));
}

/* exp over the whole float range: 2^n as two factors so n = 128 works; below ln(FLT_MIN) gives
 * 0, above ln(FLT_MAX) +inf, NaN stays NaN. */
#include <math.h>

#include "neon.h"

static inline float32x4_t exp_full(float32x4_t x) {
    float32x4_t t, n;
    const float32x4_t p = sattn_neon_exp_poly(x, vdupq_n_f32(SATTN_EXP_MAGIC), &t, &n);
    const int32x4_t ni = vcvtnq_s32_f32(n), n1 = vshrq_n_s32(ni, 1), n2 = vsubq_s32(ni, n1);
    const int32x4_t bias = vdupq_n_s32(127);
    const float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
    const float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
    float32x4_t e = vmulq_f32(vfmaq_f32(s1, s1, p), s2);
    e = vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(e), vcltq_f32(x, vdupq_n_f32(SATTN_EXP_MIN_INPUT))));
    return vbslq_f32(vcgtq_f32(x, vdupq_n_f32(SATTN_EXP_MAX_INPUT)), vdupq_n_f32(INFINITY), e);
}

SATTN_VEXP_UKERNEL(sattn_f32_vexp_ukernel__neon_p6) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, exp_full(vld1q_f32(x + i)));
    if (i < n) sattn_neon_store_tail(y + i, n - i, exp_full(sattn_neon_load_tail(x + i, n - i, 0.0f)));
}

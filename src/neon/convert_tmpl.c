/* Row conversions, 4 lanes, compiled once per element type (tmpl.h), bit-identical to the scalar
 * reference (elem.h): fcvtn rounds F16 to nearest even (FPCR's default mode), BF16 rounds with
 * integer adds, quantisation divides by the same scale and rounds ties away in fcvtas. */
#include <math.h>
#include <string.h>

#include "../scalar/scalar.h"
#include "elems.h"
#include "neon.h"

SATTN_TO_F32_UKERNEL(SATTN_TMPL_FN(to_f32, neon)) {
    const sattn_elem_t *row = src;
    for (size_t c = 0; c < n; c += 4) {
        const size_t w = n - c;
        const float32x4_t x = sattn_neon_load_elems(row, c, w, scales, group);
        if (w >= 4)
            vst1q_f32(dst + c, x);
        else
            sattn_neon_store_tail(dst + c, w, x);
    }
}

#if SATTN_TMPL_QUANT
/* One group of 4k floats: its scale (NaN when it holds a NaN or Inf), then q. */
static float quantize_group(size_t n, const float *x, sattn_elem_t *out, size_t e0) {
    const float32x4_t big = vdupq_n_f32(3.40282347e38f);
    float32x4_t amax = vdupq_n_f32(0.0f);
    uint32x4_t bad = vdupq_n_u32(0);
    for (size_t c = 0; c < n; c += 4) {
        const float32x4_t a = vabsq_f32(vld1q_f32(x + c));
        bad = vorrq_u32(bad, vmvnq_u32(vcleq_f32(a, big))); /* NaN or Inf */
        amax = vmaxq_f32(amax, a);
    }
    const float scale = vmaxvq_u32(bad) ? NAN : vmaxvq_f32(amax) / (float)SATTN_TMPL_QMAX;
    const int usable = scale > 0.0f && scale <= 3.40282347e38f;
    const float32x4_t vs = vdupq_n_f32(scale);
    const int32x4_t qmin = vdupq_n_s32(SATTN_TMPL_QMIN), qmax = vdupq_n_s32(SATTN_TMPL_QMAX);
    for (size_t c = 0; c < n; c += 4) {
        /* fcvtas rounds to nearest with ties away, the contract's rule, in one instruction. */
        int32x4_t q = vdupq_n_s32(0);
        if (usable) q = vminq_s32(vmaxq_s32(vcvtaq_s32_f32(vdivq_f32(vld1q_f32(x + c), vs)), qmin), qmax);
#if SATTN_TMPL_IS_I8
        const int16x4_t q16 = vmovn_s32(q);
        const int32_t four = vget_lane_s32(vreinterpret_s32_s8(vmovn_s16(vcombine_s16(q16, q16))), 0);
        memcpy(out + e0 + c, &four, sizeof four);
#else
        int32_t v[4];
        vst1q_s32(v, q);
        out[(e0 + c) / 2] = (uint8_t)((v[0] & 15) | (v[1] & 15) << 4);
        out[(e0 + c) / 2 + 1] = (uint8_t)((v[2] & 15) | (v[3] & 15) << 4);
#endif
    }
    return scale;
}
#endif

SATTN_FROM_F32_UKERNEL(SATTN_TMPL_FN(from_f32, neon)) {
    sattn_elem_t *out = dst;
#if SATTN_TMPL_QUANT
    if (group % 4) { /* groups that split vectors: the portable code */
        SATTN_TMPL_FN(from_f32, scalar)(n, src, dst, group, scales);
        return;
    }
    for (size_t g = 0; g * group < n; g++) scales[g] = quantize_group(group, src + g * group, out, g * group);
#elif SATTN_TMPL_IS_F32
    (void)group, (void)scales;
    memcpy(out, src, n * sizeof *src);
#else
    (void)group, (void)scales;
    size_t c = 0;
    for (; c + 4 <= n; c += 4) {
        const float32x4_t x = vld1q_f32(src + c);
#if SATTN_TMPL_IS_F16
        vst1_u16(out + c, vreinterpret_u16_f16(vcvt_f16_f32(x)));
#else
        const uint32x4_t b = vreinterpretq_u32_f32(x);
        const uint32x4_t lsb = vandq_u32(vshrq_n_u32(b, 16), vdupq_n_u32(1));
        const uint32x4_t rounded = vshrq_n_u32(vaddq_u32(vaddq_u32(b, vdupq_n_u32(0x7FFF)), lsb), 16);
        const uint32x4_t quiet = vorrq_u32(vshrq_n_u32(b, 16), vdupq_n_u32(0x40));
        vst1_u16(out + c, vmovn_u32(vbslq_u32(vceqq_f32(x, x), rounded, quiet)));
#endif
    }
    if (c < n) SATTN_TMPL_FN(from_f32, scalar)(n - c, src + c, out + c, group, scales);
#endif
}

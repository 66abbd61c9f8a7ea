/* Four elements of any type as floats, for the NEON templates (tmpl.h gives the type): fcvtl for
 * F16, a widening shift for BF16, widening moves for I8, shifts for I4 nibbles; the scale multiply
 * where the data is read. */
#ifndef SATTN_NEON_ELEMS_H
#define SATTN_NEON_ELEMS_H

#include "../tmpl.h"
#include "neon.h"

static inline size_t sattn_neon_group_of(size_t c, size_t group) {
    return (group & (group - 1)) == 0 ? c >> __builtin_ctzl(group) : c / group;
}

/* The scales of columns c..c+3: one broadcast when a group holds whole vectors, else lane by lane. */
static inline float32x4_t sattn_neon_scales4(const float *srow, size_t c, size_t group) {
    if (group % 4 == 0) return vdupq_n_f32(srow[sattn_neon_group_of(c, group)]);
    const float s[4] = {srow[c / group], srow[(c + 1) / group], srow[(c + 2) / group], srow[(c + 3) / group]};
    return vld1q_f32(s);
}

/* Elements c..c+min(w, 4) of a row (c a multiple of 4, so even for I4), lanes past w zero. */
static inline float32x4_t sattn_neon_load_elems(const sattn_elem_t *row, size_t c, size_t w, const float *srow,
                                                size_t group) {
    if (w < 4) {
        float buf[4] = {0};
        for (size_t t = 0; t < w; t++) buf[t] = sattn_elem_get(row, c + t, srow, group);
        return vld1q_f32(buf);
    }
#if SATTN_TMPL_IS_F32
    (void)srow, (void)group;
    return vld1q_f32(row + c);
#elif SATTN_TMPL_IS_F16
    (void)srow, (void)group;
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(row + c)));
#elif SATTN_TMPL_IS_BF16
    (void)srow, (void)group;
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(row + c), 16));
#elif SATTN_TMPL_IS_I8
    uint32_t word; /* four bytes exactly: an 8-byte load could run past the tensor */
    memcpy(&word, row + c, sizeof word);
    const int16x8_t h = vmovl_s8(vreinterpret_s8_u32(vdup_n_u32(word)));
    return vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(h))), sattn_neon_scales4(srow, c, group));
#elif SATTN_TMPL_IS_I4
    uint16_t word;
    memcpy(&word, row + c / 2, sizeof word);
    const int32x4_t top = vshlq_s32(vdupq_n_s32(word), (int32x4_t){28, 24, 20, 16});
    return vmulq_f32(vcvtq_f32_s32(vshrq_n_s32(top, 28)), sattn_neon_scales4(srow, c, group));
#endif
}

#endif

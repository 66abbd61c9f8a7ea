/* Portable row conversions, compiled once per element type (tmpl.h): the reference for
 * sattn_convert, sattn_quantize and the Q/O conversions, one element at a time through elem.h. */
#include <string.h>

#include "../tmpl.h"
#include "scalar.h"

SATTN_TO_F32_UKERNEL(SATTN_TMPL_FN(to_f32, scalar)) {
    const sattn_elem_t *row = src;
    for (size_t c = 0; c < n; c++) dst[c] = sattn_elem_get(row, c, scales, group);
}

SATTN_FROM_F32_UKERNEL(SATTN_TMPL_FN(from_f32, scalar)) {
    sattn_elem_t *out = dst;
#if SATTN_TMPL_QUANT
    for (size_t g = 0; g * group < n; g++) {
        const float *x = src + g * group, s = sattn_quant_scale(group, x, (float)SATTN_TMPL_QMAX);
        scales[g] = s;
        for (size_t c = 0; c < group; c++) {
            const int q = sattn_quant_value(x[c], s, SATTN_TMPL_QMIN, SATTN_TMPL_QMAX);
#if SATTN_TMPL_IS_I4
            const size_t e = g * group + c;
            const unsigned nib = (unsigned)q & 15u, shift = (unsigned)(e & 1) * 4;
            out[e >> 1] = (uint8_t)((out[e >> 1] & ~(15u << shift)) | (nib << shift));
#else
            out[g * group + c] = (sattn_elem_t)q;
#endif
        }
    }
#else
    (void)group, (void)scales;
    for (size_t c = 0; c < n; c++)
#if SATTN_TMPL_IS_F32
        out[c] = src[c];
#elif SATTN_TMPL_IS_F16
        out[c] = sattn_f32_to_f16(src[c]);
#else
        out[c] = sattn_f32_to_bf16(src[c]);
#endif
#endif
}

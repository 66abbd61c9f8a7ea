/* Portable packing of the B operand for any tile size, compiled once per element type (tmpl.h):
 * Kᵀ and V panels of prefill become float as they are packed. */
#include <string.h>

#include "../tmpl.h"
#include "scalar.h"

SATTN_PACK_B(SATTN_TMPL_FN(pack_b, scalar)) {
    const sattn_elem_t *from = src;
    for (size_t p = 0; p < kc; p++) {
        float *d = dst + p * NR;
        const sattn_elem_t *s = from + p * rs;
        if (SATTN_TMPL_IS_F32 && cs == 1)
            memcpy(d, s, nr * sizeof *d);
        else
            for (size_t j = 0; j < nr; j++) d[j] = sattn_elem_to_float(s[j * cs]);
        for (size_t j = nr; j < NR; j++) d[j] = 0.0f;
    }
}

/* Portable packing of the B operand for any tile size, compiled once per element type (tmpl.h):
 * Kᵀ and V panels of prefill become float as they are packed. */
#include <string.h>

#include "../tmpl.h"
#include "scalar.h"

SATTN_PACK_B(SATTN_TMPL_FN(pack_b, scalar)) {
#if SATTN_TMPL_QUANT
    /* Element (p, j) is element `col` of key `key`: Kᵀ has its keys along j, V along p. The
     * element's offset is even-row-based: rows are ld apart (even for I4) and col counts within. */
    const sattn_elem_t *base = src;
    for (size_t p = 0; p < kc; p++) {
        float *d = dst + p * NR;
        for (size_t j = 0; j < nr; j++) {
            const size_t key = sc->keys_along_j ? j : p, col = sc->keys_along_j ? p : j;
            const size_t ld = sc->keys_along_j ? cs : rs;
            const sattn_elem_t *row = SATTN_TMPL_ROW(base, key, ld) - sc->col0 / SATTN_TMPL_PER_UNIT;
            d[j] = sattn_elem_get(row, sc->col0 + col, sc->at + key * sc->ld, sc->group);
        }
        for (size_t j = nr; j < NR; j++) d[j] = 0.0f;
    }
#else
    (void)sc;
    const sattn_elem_t *from = src;
    for (size_t p = 0; p < kc; p++) {
        float *d = dst + p * NR;
        const sattn_elem_t *s = from + p * rs;
        if (SATTN_TMPL_IS_F32 && cs == 1)
            memcpy(d, s, nr * sizeof *d);
        else
            for (size_t j = 0; j < nr; j++) d[j] = sattn_elem_get(s, j * cs, NULL, 0);
        for (size_t j = nr; j < NR; j++) d[j] = 0.0f;
    }
#endif
}

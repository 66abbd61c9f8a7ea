/* Packing B for the 6x16 microkernel (and AVX-512's 12x32, whose table inherits these), compiled
 * once per element type (tmpl.h): elements become float in registers as they are loaded
 * (elems.h), so Kᵀ and V panels of an f16 or int8 cache cost about what f32 ones do. Kᵀ (rows
 * contiguous in depth) goes through 8x8 in-register transposes in 8-wide strips, V rows are
 * copied; other layouts and NR not a multiple of 8 fall back to the portable packer. */
#include "../scalar/scalar.h"
#include "avx2.h"
#include "elems.h"

/* Kᵀ: element (p, j) = element p of key j (rows cs apart). Depth tails go through the same
 * transpose with the missing depths zero, and only the depths that exist are stored. */
static void pack_b_columns(size_t NR, size_t nr, size_t kc, const void *src, size_t cs, const struct sattn_scales *sc,
                           float *dst) {
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    for (size_t p = 0; p < kc; p += 8) {
        const size_t w = kc - p < 8 ? kc - p : 8;
        for (size_t strip = 0; strip < NR; strip += 8) {
            __m256 r[8];
            for (size_t j = 0; j < 8; j++) {
                const size_t key = strip + j;
                r[j] = key < nr ? sattn_avx2_load_elems(SATTN_TMPL_ROW(src, key, cs), p, w,
                                                        SATTN_TMPL_QUANT ? sc->at + key * sc->ld : NULL, g)
                                : _mm256_setzero_ps();
            }
            sattn_avx2_transpose8(r);
            for (size_t t = 0; t < w; t++) _mm256_storeu_ps(dst + (p + t) * NR + strip, r[t]);
        }
    }
}

/* V: element (p, j) = element j of key p (rows rs apart), a conversion and copy; lanes past nr load as zero. */
static void pack_b_rows(size_t NR, size_t nr, size_t kc, const void *src, size_t rs, const struct sattn_scales *sc,
                        float *dst) {
    const size_t g = SATTN_TMPL_QUANT ? sc->group : 0;
    for (size_t p = 0; p < kc; p++) {
        /* I8/I4: columns count from the row's start, where its scales do. */
        const size_t c0 = SATTN_TMPL_QUANT ? sc->col0 : 0;
        const sattn_elem_t *row = SATTN_TMPL_ROW(src, p, rs) - c0 / SATTN_TMPL_PER_UNIT;
        const float *srow = SATTN_TMPL_QUANT ? sc->at + p * sc->ld : NULL;
        for (size_t j = 0; j < NR; j += 8)
            _mm256_storeu_ps(dst + p * NR + j,
                             j < nr ? sattn_avx2_load_elems(row, c0 + j, nr - j, srow, g) : _mm256_setzero_ps());
    }
}

SATTN_PACK_B(SATTN_TMPL_FN(pack_b, avx2)) {
    switch (sattn_pack_b_layout(NR, 8, rs, cs, sc)) {
    case SATTN_PACK_B_ROWS: pack_b_rows(NR, nr, kc, src, rs, sc, dst); break;
    case SATTN_PACK_B_COLUMNS: pack_b_columns(NR, nr, kc, src, cs, sc, dst); break;
    default: SATTN_TMPL_FN(pack_b, scalar)(NR, nr, kc, src, rs, cs, sc, dst);
    }
}

/* Packing B for the 12x32 microkernel at 16 lanes, compiled once per element type (tmpl.h): elements become float
 * in registers as they are loaded (elems.h). Kᵀ (rows contiguous in depth) goes through 16x16 in-register
 * transposes, 16 keys by 16 depths, where AVX2's packer took 8x8 ones; V rows are converted and copied. Other
 * layouts and NR not a multiple of 16 take the portable packer. */
#include "../scalar/scalar.h"
#include "avx512.h"
#include "elems.h"

/* I8/I4: a key's row moved back to its column 0, where its scales count from (col0: the panel's first column). */
static inline const sattn_elem_t *row_start(const void *src, size_t key, size_t ld, const struct sattn_scales *sc) {
    return SATTN_TMPL_ROW(src, key, ld) - (SATTN_TMPL_QUANT ? sc->col0 / SATTN_TMPL_PER_UNIT : 0);
}

/* Kᵀ: element (p, j) = element col0 + p of key j (rows cs apart). Depth tails go through the same transpose with
 * the missing depths zero, and only the depths that exist are stored. Sixteen whole keys whose 16 columns lie in
 * one group (every block at d 64 and 128, groups of 16 and more) load in a straight line, a scale a key: int8
 * at d 128 in L2 took 36 ns a key the general way (per-lane scales, masks) and 12 so (AVX2's packer 40; Zen 5
 * VM, 32-key panels of 256 keys). */
static void pack_b_columns(size_t NR, size_t nr, size_t kc, const void *src, size_t cs, const struct sattn_scales *sc,
                           float *dst) {
    const size_t c0 = SATTN_TMPL_QUANT ? sc->col0 : 0, g = SATTN_TMPL_QUANT ? sc->group : 0;
    for (size_t p = 0; p < kc; p += 16) {
        const size_t w = kc - p < 16 ? kc - p : 16, c = c0 + p;
#if SATTN_TMPL_QUANT
        const size_t gi = sattn_avx512_group_of(c, g);
        const int one_group = sattn_avx512_group_of(c + w - 1, g) == gi;
#else
        const int one_group = 1;
#endif
        for (size_t strip = 0; strip < NR; strip += 16) {
            __m512i r[16];
            if (w == 16 && strip + 16 <= nr && one_group) {
                for (size_t j = 0; j < 16; j++) {
                    __m512 x = sattn_avx512_load16(row_start(src, strip + j, cs, sc), c, 16);
#if SATTN_TMPL_QUANT
                    x = _mm512_mul_ps(x, _mm512_set1_ps(sc->at[(strip + j) * sc->ld + gi]));
#endif
                    r[j] = _mm512_castps_si512(x);
                }
            } else {
                for (size_t j = 0; j < 16; j++) {
                    const size_t key = strip + j;
                    if (key >= nr) {
                        r[j] = _mm512_setzero_si512();
                        continue;
                    }
                    const float *srow = SATTN_TMPL_QUANT ? sc->at + key * sc->ld : NULL;
                    r[j] = _mm512_castps_si512(sattn_avx512_load16_scaled(row_start(src, key, cs, sc), c, w, srow, g));
                }
            }
            sattn_avx512_transpose_16x16(r);
            for (size_t t = 0; t < w; t++) _mm512_storeu_si512(dst + (p + t) * NR + strip, r[t]);
        }
    }
}

/* V: element (p, j) = element col0 + j of key p (rows rs apart), a conversion and copy; lanes past nr are zero.
 * Every row has the same columns, so where each vector lies in one group its scale's place is found once. */
static void pack_b_rows(size_t NR, size_t nr, size_t kc, const void *src, size_t rs, const struct sattn_scales *sc,
                        float *dst) {
    const size_t c0 = SATTN_TMPL_QUANT ? sc->col0 : 0, g = SATTN_TMPL_QUANT ? sc->group : 0;
#if SATTN_TMPL_QUANT
    if (NR <= 64 && c0 % 16 == 0 && g % 16 == 0) {
        size_t gi[4];
        for (size_t j = 0; j < NR; j += 16) gi[j / 16] = sattn_avx512_group_of(c0 + j, g);
        for (size_t p = 0; p < kc; p++) {
            const sattn_elem_t *row = row_start(src, p, rs, sc);
            const float *srow = sc->at + p * sc->ld;
            for (size_t j = 0; j < NR; j += 16) {
                __m512 x = _mm512_setzero_ps();
                if (j < nr) /* lanes past nr 0 whatever the scale, as load16_scaled leaves them */
                    x = _mm512_maskz_mul_ps(sattn_avx512_tail_mask(nr - j), sattn_avx512_load16(row, c0 + j, nr - j),
                                            _mm512_set1_ps(srow[gi[j / 16]]));
                _mm512_storeu_ps(dst + p * NR + j, x);
            }
        }
        return;
    }
#endif
    for (size_t p = 0; p < kc; p++) {
        const sattn_elem_t *row = row_start(src, p, rs, sc);
        const float *srow = SATTN_TMPL_QUANT ? sc->at + p * sc->ld : NULL;
        for (size_t j = 0; j < NR; j += 16)
            _mm512_storeu_ps(dst + p * NR + j,
                             j < nr ? sattn_avx512_load16_scaled(row, c0 + j, nr - j, srow, g) : _mm512_setzero_ps());
    }
}

SATTN_PACK_B(SATTN_TMPL_FN(pack_b, avx512)) {
    switch (sattn_pack_b_layout(NR, 16, rs, cs, sc)) {
    case SATTN_PACK_B_ROWS: pack_b_rows(NR, nr, kc, src, rs, sc, dst); break;
    case SATTN_PACK_B_COLUMNS: pack_b_columns(NR, nr, kc, src, cs, sc, dst); break;
    default: SATTN_TMPL_FN(pack_b, scalar)(NR, nr, kc, src, rs, cs, sc, dst);
    }
}

/* Packing A for the 6x16 microkernel (and AVX-512's 12x32, whose table inherits it): row-major A
 * goes through 8x8 in-register transposes in 8-wide strips; the rest falls back to the portable
 * packer. B's packers are pack_b_tmpl.c, one per element type. */
#include "../scalar/scalar.h"
#include "avx2.h"

/* A with rows contiguous in depth (cs == 1), MR <= 16: each group of up to 8 rows x 8 depths
 * becomes 8 columns of the packed panel through one transpose. */
static void pack_a_rows(size_t MR, size_t mr, size_t kc, const float *src, size_t rs, float *dst) {
    size_t p = 0;
    for (; p + 8 <= kc; p += 8)
        for (size_t g = 0; g < MR; g += 8) {
            const size_t width = MR - g < 8 ? MR - g : 8;
            __m256 r[8];
            for (size_t i = 0; i < 8; i++) r[i] = g + i < mr ? _mm256_loadu_ps(src + (g + i) * rs + p) : _mm256_setzero_ps();
            sattn_avx2_transpose8(r);
            if (width == 8) {
                for (size_t t = 0; t < 8; t++) _mm256_storeu_ps(dst + (p + t) * MR + g, r[t]);
            } else if (MR < 8 && MR >= 4) {
                /* One narrow group: each full store's extra lanes land where the next column is
                 * about to be written (masked stores are slow on AMD cores); the last is masked.
                 * With MR >= 4 the store of column 6 ends by the end of column 7 (6*MR + 8 <= 8*MR):
                 * below that it would write past the panel. */
                for (size_t t = 0; t < 7; t++) _mm256_storeu_ps(dst + (p + t) * MR, r[t]);
                _mm256_maskstore_ps(dst + (p + 7) * MR, sattn_avx2_tail_mask(MR), r[7]);
            } else {
                for (size_t t = 0; t < 8; t++) _mm256_maskstore_ps(dst + (p + t) * MR + g, sattn_avx2_tail_mask(width), r[t]);
            }
        }
    if (p < kc) sattn_f32_pack_a__scalar(MR, mr, kc - p, src + p, rs, 1, dst + p * MR);
}

SATTN_PACK_A(sattn_f32_pack_a__avx2) {
    if (MR <= 16 && cs == 1)
        pack_a_rows(MR, mr, kc, src, rs, dst);
    else
        sattn_f32_pack_a__scalar(MR, mr, kc, src, rs, cs, dst);
}

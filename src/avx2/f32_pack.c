/* Packing for the 6x16 microkernel (and AVX-512's 12x32, whose table inherits these). The
 * transposing cases (Kᵀ in attention, Bᵀ and row-major A in sgemm) go through 8x8 in-register
 * transposes in 8-wide strips; the rest falls back to the portable packers. */
#include "../scalar/scalar.h"
#include "avx2.h"

/* Transposes r[0..8) in place: afterwards r[t] holds column t of the input rows. */
static inline void transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20), r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20), r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20), r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20), r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* A with rows contiguous in depth (cs == 1), MR <= 16: each group of up to 8 rows x 8 depths
 * becomes 8 columns of the packed panel through one transpose. */
static void pack_a_rows(size_t MR, size_t mr, size_t kc, const float *src, size_t rs, float *dst) {
    size_t p = 0;
    for (; p + 8 <= kc; p += 8)
        for (size_t g = 0; g < MR; g += 8) {
            const size_t width = MR - g < 8 ? MR - g : 8;
            __m256 r[8];
            for (size_t i = 0; i < 8; i++) r[i] = g + i < mr ? _mm256_loadu_ps(src + (g + i) * rs + p) : _mm256_setzero_ps();
            transpose8(r);
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

/* B with columns contiguous in depth (rs == 1), NR a multiple of 8: Kᵀ from K rows, or a transposed B. */
static void pack_b_columns(size_t NR, size_t nr, size_t kc, const float *src, size_t cs, float *dst) {
    size_t p = 0;
    for (; p + 8 <= kc; p += 8)
        for (size_t strip = 0; strip < NR; strip += 8) {
            __m256 r[8];
            for (size_t j = 0; j < 8; j++)
                r[j] = strip + j < nr ? _mm256_loadu_ps(src + (strip + j) * cs + p) : _mm256_setzero_ps();
            transpose8(r);
            for (size_t t = 0; t < 8; t++) _mm256_storeu_ps(dst + (p + t) * NR + strip, r[t]);
        }
    if (p < kc) sattn_f32_pack_b__scalar(NR, nr, kc - p, src + p, 1, cs, dst + p * NR);
}

/* B with rows contiguous (cs == 1), NR a multiple of 8: a copy, masked loads zero the padding. */
static void pack_b_rows(size_t NR, size_t nr, size_t kc, const float *src, size_t rs, float *dst) {
    if (nr == NR) {
        for (size_t p = 0; p < kc; p++)
            for (size_t j = 0; j < NR; j += 8) _mm256_storeu_ps(dst + p * NR + j, _mm256_loadu_ps(src + p * rs + j));
        return;
    }
    for (size_t p = 0; p < kc; p++)
        for (size_t j = 0; j < NR; j += 8) {
            const __m256i m = sattn_avx2_tail_mask(nr > j ? (nr - j < 8 ? nr - j : 8) : 0);
            _mm256_storeu_ps(dst + p * NR + j, _mm256_maskload_ps(src + p * rs + j, m));
        }
}

SATTN_PACK_B(sattn_f32_pack_b__avx2) {
    const float *from = src;
    if (NR % 8 == 0 && cs == 1)
        pack_b_rows(NR, nr, kc, from, rs, dst);
    else if (NR % 8 == 0 && rs == 1)
        pack_b_columns(NR, nr, kc, from, cs, dst);
    else
        sattn_f32_pack_b__scalar(NR, nr, kc, src, rs, cs, dst);
}

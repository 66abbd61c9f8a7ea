/* Packing for the 6x16 microkernel. The transposing cases (Kᵀ in attention, Bᵀ and row-major A in
 * sgemm) go through 8x8 in-register transposes; the rest falls back to the portable packers. */
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

/* A with rows contiguous in depth (cs == 1), MR == 6: 6 rows x 8 depths per step become 8
 * columns of 6; each store writes 8 floats, the 2 extra are overwritten by the next column. */
static void pack_a_rows_6(size_t mr, size_t kc, const float *src, size_t rs, float *dst) {
    size_t p = 0;
    for (; p + 8 <= kc; p += 8) {
        __m256 r[8];
        for (size_t i = 0; i < 6; i++) r[i] = i < mr ? _mm256_loadu_ps(src + i * rs + p) : _mm256_setzero_ps();
        r[6] = r[7] = _mm256_setzero_ps();
        transpose8(r);
        for (int t = 0; t < 7; t++) _mm256_storeu_ps(dst + (p + t) * 6, r[t]);
        _mm256_maskstore_ps(dst + (p + 7) * 6, sattn_avx2_tail_mask(6), r[7]);
    }
    if (p < kc) sattn_f32_pack_a__scalar(6, mr, kc - p, src + p, rs, 1, dst + p * 6);
}

void sattn_f32_pack_a__avx2(size_t MR, size_t mr, size_t kc, const float *src, size_t rs, size_t cs, float *dst) {
    if (MR == 6 && cs == 1)
        pack_a_rows_6(mr, kc, src, rs, dst);
    else
        sattn_f32_pack_a__scalar(MR, mr, kc, src, rs, cs, dst);
}

/* B with columns contiguous in depth (rs == 1), NR == 16: Kᵀ from K rows, or a transposed B. */
static void pack_b_columns_16(size_t nr, size_t kc, const float *src, size_t cs, float *dst) {
    size_t p = 0;
    for (; p + 8 <= kc; p += 8)
        for (size_t half = 0; half < 16; half += 8) {
            __m256 r[8];
            for (size_t j = 0; j < 8; j++)
                r[j] = half + j < nr ? _mm256_loadu_ps(src + (half + j) * cs + p) : _mm256_setzero_ps();
            transpose8(r);
            for (size_t t = 0; t < 8; t++) _mm256_storeu_ps(dst + (p + t) * 16 + half, r[t]);
        }
    if (p < kc) sattn_f32_pack_b__scalar(16, nr, kc - p, src + p, 1, cs, dst + p * 16);
}

/* B with rows contiguous (cs == 1), NR == 16: a copy, masked loads zero the padding. */
static void pack_b_rows_16(size_t nr, size_t kc, const float *src, size_t rs, float *dst) {
    const __m256i m_lo = sattn_avx2_tail_mask(nr < 8 ? nr : 8), m_hi = sattn_avx2_tail_mask(nr > 8 ? nr - 8 : 0);
    if (nr == 16)
        for (size_t p = 0; p < kc; p++) {
            _mm256_storeu_ps(dst + p * 16, _mm256_loadu_ps(src + p * rs));
            _mm256_storeu_ps(dst + p * 16 + 8, _mm256_loadu_ps(src + p * rs + 8));
        }
    else
        for (size_t p = 0; p < kc; p++) {
            _mm256_storeu_ps(dst + p * 16, _mm256_maskload_ps(src + p * rs, m_lo));
            _mm256_storeu_ps(dst + p * 16 + 8, _mm256_maskload_ps(src + p * rs + 8, m_hi));
        }
}

void sattn_f32_pack_b__avx2(size_t NR, size_t nr, size_t kc, const float *src, size_t rs, size_t cs, float *dst) {
    if (NR == 16 && cs == 1)
        pack_b_rows_16(nr, kc, src, rs, dst);
    else if (NR == 16 && rs == 1)
        pack_b_columns_16(nr, kc, src, cs, dst);
    else
        sattn_f32_pack_b__scalar(NR, nr, kc, src, rs, cs, dst);
}

/* The pair layout of 16-bit B panels (kernels.h: SATTN_LOWP_PACK_B; scalar/lowp_gemm.c defines it) at 512
 * bits, for the levels whose bf16 tiles read it (AVX512-BF16, AMX-BF16). Bit for bit the portable packer's
 * panel. At AMX speed the packing of Kᵀ and V showed: 15% of a bf16 call with the 128-bit portable packer
 * (perf, S 4096, d 128, 1 thread, Xeon with AMX).
 *
 * Kᵀ (rs 1): pair t of key j is word t of the key's row, so a panel is a transpose of 32-bit words, done 16
 * keys x 16 words at a time in registers. V (cs 1): pair row t interleaves rows 2t and 2t + 1, 32 columns at a
 * time. Depth and width edges come in through masked loads (zeros past kc and nr, nothing read there) and
 * leave through masked stores (nothing written past NR). */
#include "avx512.h"

/* Lanes [0, n) of 32 16-bit lanes, n clamped to [0, 32]. */
static inline __mmask32 tail_mask32(size_t n) {
    return n >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << n) - 1u);
}

/* Masked loads and stores only at an edge: on Zen 5 a masked load that misses L1 stalls where a plain one
 * streams (the packers ran 1.3x faster on L2 data and 3.7x on DRAM with plain ones where the mask was full). */
static inline __m512i load_lanes16(__mmask32 m, const uint16_t *p) {
    return m == 0xFFFFFFFFu ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi16(m, p);
}
static inline void store_words(uint16_t *p, __mmask16 m, __m512i x) {
    if (m == 0xFFFF)
        _mm512_storeu_si512(p, x);
    else
        _mm512_mask_storeu_epi32(p, m, x);
}

/* Kᵀ: keys j0..j0+15 x pairs t0..t0+15, rows past nr and elements past kc as zeros. */
static void pack_words_16x16(size_t NR, size_t nr, size_t kc, const uint16_t *src, size_t cs, size_t j0, size_t t0,
                             uint16_t *dst) {
    const size_t pairs = (kc + 1) / 2, rows_out = pairs - t0 < 16 ? pairs - t0 : 16;
    const __mmask32 depth = tail_mask32(kc - 2 * t0);
    const __mmask16 width = sattn_avx512_tail_mask(NR - j0);
    __m512i r[16];
    for (size_t i = 0; i < 16; i++)
        r[i] = j0 + i < nr ? load_lanes16(depth, src + (j0 + i) * cs + 2 * t0) : _mm512_setzero_si512();
    sattn_avx512_transpose_16x16(r);
    for (size_t w = 0; w < rows_out; w++) store_words(dst + (t0 + w) * 2 * NR + 2 * j0, width, r[w]);
}

SATTN_LOWP_PACK_B(sattn_x16_pack_b_pairs__avx512) {
    const size_t pairs = (kc + 1) / 2;
    if (rs == 1) { /* Kᵀ */
        for (size_t j0 = 0; j0 < NR; j0 += 16)
            for (size_t t0 = 0; t0 < pairs; t0 += 16) pack_words_16x16(NR, nr, kc, src, cs, j0, t0, dst);
        return;
    }
    if (cs == 1) { /* V: lanes 0..15 of the two rows interleaved, then lanes 16..31 */
        const __m512i lo = _mm512_set_epi16(47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40, 8, 39, 7, 38,
                                            6, 37, 5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
        const __m512i hi = _mm512_add_epi16(lo, _mm512_set1_epi16(16));
        for (size_t t = 0; t < pairs; t++) {
            const uint16_t *r0 = src + 2 * t * rs;
            uint16_t *d = dst + t * 2 * NR;
            for (size_t j0 = 0; j0 < NR; j0 += 32) {
                const __mmask32 m = tail_mask32(j0 < nr ? nr - j0 : 0);
                const __m512i a = load_lanes16(m, r0 + j0);
                const __m512i b = 2 * t + 1 < kc ? load_lanes16(m, r0 + rs + j0) : _mm512_setzero_si512();
                store_words(d + 2 * j0, sattn_avx512_tail_mask(NR - j0), _mm512_permutex2var_epi16(a, lo, b));
                if (NR > j0 + 16)
                    store_words(d + 2 * j0 + 32, sattn_avx512_tail_mask(NR - j0 - 16), _mm512_permutex2var_epi16(a, hi, b));
            }
        }
        return;
    }
    for (size_t t = 0; t < pairs; t++) /* neither operand contiguous: element by element */
        for (size_t j = 0; j < NR; j++) {
            const int in = j < nr;
            dst[t * 2 * NR + 2 * j] = in ? src[2 * t * rs + j * cs] : 0;
            dst[t * 2 * NR + 2 * j + 1] = in && 2 * t + 1 < kc ? src[(2 * t + 1) * rs + j * cs] : 0;
        }
}

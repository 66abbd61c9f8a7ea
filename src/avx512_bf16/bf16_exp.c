/* The online softmax's weights made in bf16 for a bf16 P·V: AVX-512's exp and sums, loop for loop (the sum
 * comes out bit for bit as sattn_f32_raddstoreexpminusmax_ukernel__avx512_p6's), each vector rounded by
 * VCVTNEPS2BF16 as it is made instead of stored as fp32 and rounded in a second pass (6.6% of a bf16 call on
 * AMX at d 128, S 4096, 10% at d 64: perf, Xeon). The instruction takes subnormal inputs as zero, and
 * sattn_avx512_exp never gives one (0 below ln(FLT_MIN)), so the rounding is convert's, bit for bit. */
#include "../avx512/avx512.h"
#include "avx512_bf16.h"

static inline void store_bf16(uint16_t *y, __m512 e) { _mm256_storeu_si256((__m256i *)y, (__m256i)_mm512_cvtneps_pbh(e)); }

SATTN_RADDSTOREEXPMINUSMAX_X16_UKERNEL(sattn_f32_raddstoreexpminusmax_bf16_ukernel__avx512_bf16) {
    const __m512 vmax = _mm512_set1_ps(max);
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 48 <= n; i += 48) {
        const __m512 e0 = sattn_avx512_exp(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmax));
        const __m512 e1 = sattn_avx512_exp(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vmax));
        const __m512 e2 = sattn_avx512_exp(_mm512_sub_ps(_mm512_loadu_ps(x + i + 32), vmax));
        store_bf16(y + i, e0), store_bf16(y + i + 16, e1), store_bf16(y + i + 32, e2);
        s0 = _mm512_add_ps(s0, e0), s1 = _mm512_add_ps(s1, e1), s2 = _mm512_add_ps(s2, e2);
    }
    for (; i + 16 <= n; i += 16) {
        const __m512 e = sattn_avx512_exp(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmax));
        store_bf16(y + i, e);
        s0 = _mm512_add_ps(s0, e);
    }
    if (i < n) {
        const __mmask16 m = sattn_avx512_tail_mask(n - i);
        const __m512 e = sattn_avx512_exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmax));
        _mm256_mask_storeu_epi16(y + i, m, (__m256i)_mm512_cvtneps_pbh(e));
        s1 = _mm512_mask_add_ps(s1, m, s1, e);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), s2));
}

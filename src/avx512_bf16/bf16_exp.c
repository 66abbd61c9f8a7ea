/* The online softmax's weights made in bf16 for a bf16 P·V: AVX-512's exp pass (SATTN_AVX512_EXP_ROW, so the
 * sum comes out bit for bit as sattn_f32_raddstoreexpminusmax_ukernel__avx512_p6's), each vector rounded by
 * VCVTNEPS2BF16 as it is made instead of stored as fp32 and rounded in a second pass (6.6% of a bf16 call on
 * AMX at d 128, S 4096, 10% at d 64: perf, Xeon). The instruction takes subnormal inputs as zero, and
 * sattn_avx512_exp never gives one (0 below ln(FLT_MIN)), so the rounding is convert's, bit for bit. */
#include "../avx512/avx512.h"
#include "avx512_bf16.h"

#define STORE_BF16(i, e) _mm256_storeu_si256((__m256i *)(y + (i)), (__m256i)_mm512_cvtneps_pbh(e))
#define STORE_BF16_TAIL(i, m, e) _mm256_mask_storeu_epi16(y + (i), m, (__m256i)_mm512_cvtneps_pbh(e))
SATTN_RADDSTOREEXPMINUSMAX_X16_UKERNEL(sattn_f32_raddstoreexpminusmax_bf16_ukernel__avx512_bf16) {
    float sum;
    SATTN_AVX512_EXP_ROW(sum, n, x, max, STORE_BF16, STORE_BF16_TAIL);
    return sum;
}

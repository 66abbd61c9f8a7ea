/* F32 -> BF16 on VCVTNE2PS2BF16: 32 values an instruction, rounded to nearest even. The instruction takes
 * subnormal inputs as zero, and sattn_convert keeps them (sattn.h), so a block of 32 that holds one is
 * rounded with integer adds instead, as the portable code does; NaN comes out as the integer form's quiet
 * NaN (the upper half with the quiet bit set) either way. The attention driver rounds P with it before P·V on
 * a bf16 tile: the 128-bit form took 18% of a bf16 call on AMX (perf, S 4096, d 64, 1 thread). */
#include "avx512_bf16.h"

#include "../avx512/avx512.h"

/* Lanes holding a nonzero value with a zero exponent. */
static inline __mmask16 subnormal_lanes(__m512 x) {
    const __m512i b = _mm512_castps_si512(x);
    return _mm512_testn_epi32_mask(b, _mm512_set1_epi32(0x7F800000)) &
           _mm512_test_epi32_mask(b, _mm512_set1_epi32(0x007FFFFF));
}

SATTN_FROM_F32_UKERNEL(sattn_bf16_from_f32__avx512_bf16) {
    (void)group, (void)scales;
    uint16_t *out = dst;
    for (size_t c = 0; c < n; c += 32) {
        const size_t w = n - c;
        const __mmask16 m0 = sattn_avx512_tail_mask(w), m1 = sattn_avx512_tail_mask(w > 16 ? w - 16 : 0);
        const int whole = w >= 32; /* plain loads and stores there: masked ones stall Zen 5 on a stream */
        const __m512 x0 = whole ? _mm512_loadu_ps(src + c) : _mm512_maskz_loadu_ps(m0, src + c);
        const __m512 x1 = whole ? _mm512_loadu_ps(src + c + 16) : _mm512_maskz_loadu_ps(m1, src + c + 16);
        __m512i h;
        if (subnormal_lanes(x0) | subnormal_lanes(x1))
            h = _mm512_inserti64x4(_mm512_castsi256_si512(sattn_avx512_round_bf16(x0)), sattn_avx512_round_bf16(x1), 1);
        else
            h = (__m512i)_mm512_cvtne2ps_pbh(x1, x0); /* x0 in the low half */
        if (whole)
            _mm512_storeu_si512(out + c, h);
        else
            _mm512_mask_storeu_epi16(out + c, (__mmask32)((1u << w) - 1u), h);
    }
}

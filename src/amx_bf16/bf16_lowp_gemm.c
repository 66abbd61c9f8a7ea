/* BF16 products on AMX (Intel Sapphire Rapids on). TDPBF16PS multiplies a tile of A (16 rows x 32 elements of
 * k) by a tile of B (16 rows, each 16 columns x a pair of k) into 16x16 fp32 sums: 8192 products per
 * instruction against VDPBF16PS's 32. A 32x32 block of C is four tiles (tmm0-3), A's two 16-row halves are
 * tmm4-5 and B's two 16-column halves tmm6-7, all configured 16 rows x 64 bytes.
 *
 * Operands load in place where whole: B is the pair layout (scalar/lowp_gemm.c), whose pair row t holds the 32
 * columns' pairs, so its halves are tiles 64 bytes apart with rows 128 bytes apart; A's rows are lda apart. A
 * block that is not whole (rows past mr, depth past kc) is copied into a zeroed block first: the contract never
 * lets a tile read there. C leaves through memory (a tile has no lanes to mask): stored as a 32x32 block, then
 * alpha * acc + beta * c under the corner's masks (avx512/tile.h). The driver's own calls skip that pass where
 * they can, which had taken a third of the kernel's time at d 64 (perf, Xeon: 64 loads, 64 multiplies or FMAs
 * and 64 masked stores after 8 products): alpha 1 and beta 1 (P·V) accumulate in the tiles, which start from c,
 * and alpha 1 with beta 0 (Q·Kᵀ when the row update applies the scale) stores them as they are; a whole block
 * straight from and into c, a corner through the 32x32 block. beta 1 thus adds c first and each step's sums after
 * it, in every corner alike: which rows an item's block holds (the thread count) changes no bit.
 *
 * Each TDPBF16PS sums its 32 products per lane (in two chains, even and odd elements of k, the SDM says) before
 * adding them to C, so a result depends on where the 32-element steps begin: the config's k_step has the driver
 * start P·V at multiples of 32 keys. Denormal inputs and results count as zero, as for VDPBF16PS.
 *
 * The tile configuration is loaded by begin and released by end (kernels.h), around an item's products rather
 * than in every call: the driver leaves no tile state behind on the engine's thread (for its own AMX code to
 * trip over, or its context switches to save). */
#include <string.h>

#include "../avx512/tile.h"
#include "amx_bf16.h"

enum { MR = 32, NR = 32, KSTEP = 32, TILE_ROWS = 16, TILE_BYTES = 64, HALF = 16 };

/* Tile numbers: literal constants, because the intrinsics paste them into the instruction's text. */
#define C00 0
#define C01 1
#define C10 2
#define C11 3
#define A0 4
#define A1 5
#define B0 6
#define B1 7

/* LDTILECFG's 64-byte operand. */
struct tile_config {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
};

/* Palette 1, the eight tiles 16 rows of 64 bytes: built once. */
static _Alignas(64) const struct tile_config tiles_16x64 = {
    .palette = 1,
    .colsb = {TILE_BYTES, TILE_BYTES, TILE_BYTES, TILE_BYTES, TILE_BYTES, TILE_BYTES, TILE_BYTES, TILE_BYTES},
    .rows = {TILE_ROWS, TILE_ROWS, TILE_ROWS, TILE_ROWS, TILE_ROWS, TILE_ROWS, TILE_ROWS, TILE_ROWS},
};

void sattn_amx_bf16_tiles_begin(void) { _tile_loadconfig(&tiles_16x64); }
void sattn_amx_bf16_tiles_end(void) { _tile_release(); }

/* Rows [0, rows) x elements [p, p + kk) of A as a tile's operand: in place when whole (16 rows, 32 elements),
 * else copied into pad (16 x 32, zero elsewhere). Returns it and its row stride in bytes. */
static const uint16_t *a_block(const uint16_t *a, size_t lda, size_t rows, size_t p, size_t kk, uint16_t *pad,
                               size_t *stride) {
    if (rows == TILE_ROWS && kk == KSTEP) {
        *stride = lda * sizeof *a;
        return a + p;
    }
    memset(pad, 0, TILE_ROWS * KSTEP * sizeof *pad);
    for (size_t i = 0; i < rows; i++) memcpy(pad + i * KSTEP, a + i * lda + p, kk * sizeof *a);
    *stride = KSTEP * sizeof *pad;
    return pad;
}

SATTN_LOWP_GEMM_UKERNEL(sattn_bf16_lowp_gemm_ukernel_32x32__amx_bf16) {
    _Alignas(64) uint16_t a_pad[2][TILE_ROWS * KSTEP], b_pad[KSTEP / 2 * 2 * NR];
    _Alignas(64) float acc[MR * NR];
    const int two_rows = mr > TILE_ROWS, two_cols = nr > HALF;
    const size_t b_stride = 2 * NR * sizeof *b;
    const __mmask16 m_lo = sattn_avx512_tail_mask(nr), m_hi = sattn_avx512_tail_mask(two_cols ? nr - HALF : 0);
    /* Where C's tiles start (beta 1) and end: c itself for a whole block, else acc, the corner copied in. */
    const int whole = mr == MR && nr == NR, accumulate = params->alpha == 1.0f && params->beta == 1.0f;
    const int as_is = accumulate || (params->alpha == 1.0f && params->beta == 0.0f);
    float *cc = whole ? c : acc;
    const size_t cc_ld = whole ? ldc : NR, cc_stride = cc_ld * sizeof *cc;
    if (accumulate) {
        if (!whole) {
            memset(acc, 0, sizeof acc);
            for (size_t i = 0; i < mr; i++) {
                _mm512_storeu_ps(acc + i * NR, _mm512_maskz_loadu_ps(m_lo, c + i * ldc));
                _mm512_storeu_ps(acc + i * NR + HALF, _mm512_maskz_loadu_ps(m_hi, c + i * ldc + HALF));
            }
        }
        _tile_loadd(C00, cc, cc_stride);
        _tile_loadd(C01, cc + HALF, cc_stride);
        _tile_loadd(C10, cc + TILE_ROWS * cc_ld, cc_stride);
        _tile_loadd(C11, cc + TILE_ROWS * cc_ld + HALF, cc_stride);
    } else {
        _tile_zero(C00);
        _tile_zero(C01);
        _tile_zero(C10);
        _tile_zero(C11);
    }
    for (size_t p = 0; p < kc; p += KSTEP) {
        const size_t kk = kc - p < KSTEP ? kc - p : KSTEP;
        const uint16_t *bp = b + p * NR; /* pair row p / 2 */
        if (kk < KSTEP) {                /* the depth's last, partial step: its pair rows, then zeros */
            memset(b_pad, 0, sizeof b_pad);
            memcpy(b_pad, bp, kk * NR * sizeof *bp);
            bp = b_pad;
        }
        _tile_loadd(B0, bp, b_stride);
        if (two_cols) _tile_loadd(B1, bp + 2 * HALF, b_stride);
        size_t sa;
        const uint16_t *ab = a_block(a, lda, two_rows ? TILE_ROWS : mr, p, kk, a_pad[0], &sa);
        _tile_loadd(A0, ab, sa);
        _tile_dpbf16ps(C00, A0, B0);
        if (two_cols) _tile_dpbf16ps(C01, A0, B1);
        if (!two_rows) continue;
        ab = a_block(a + TILE_ROWS * lda, lda, mr - TILE_ROWS, p, kk, a_pad[1], &sa);
        _tile_loadd(A1, ab, sa);
        _tile_dpbf16ps(C10, A1, B0);
        if (two_cols) _tile_dpbf16ps(C11, A1, B1);
    }
    if (as_is) {
        _tile_stored(C00, cc, cc_stride);
        _tile_stored(C01, cc + HALF, cc_stride);
        _tile_stored(C10, cc + TILE_ROWS * cc_ld, cc_stride);
        _tile_stored(C11, cc + TILE_ROWS * cc_ld + HALF, cc_stride);
        if (!whole)
            for (size_t i = 0; i < mr; i++) {
                _mm512_mask_storeu_ps(c + i * ldc, m_lo, _mm512_loadu_ps(acc + i * NR));
                _mm512_mask_storeu_ps(c + i * ldc + HALF, m_hi, _mm512_loadu_ps(acc + i * NR + HALF));
            }
        return;
    }
    const size_t acc_stride = NR * sizeof *acc;
    _tile_stored(C00, acc, acc_stride);
    if (two_cols) _tile_stored(C01, acc + HALF, acc_stride);
    if (two_rows) _tile_stored(C10, acc + TILE_ROWS * NR, acc_stride);
    if (two_rows && two_cols) _tile_stored(C11, acc + TILE_ROWS * NR + HALF, acc_stride);

    const __m512 va = _mm512_set1_ps(params->alpha);
    for (size_t i = 0; i < mr; i++) {
        const __m512 lo = _mm512_loadu_ps(acc + i * NR);
        const __m512 hi = two_cols ? _mm512_loadu_ps(acc + i * NR + HALF) : _mm512_setzero_ps();
        sattn_avx512_store_tile_row(c + i * ldc, lo, hi, m_lo, m_hi, va, params->beta);
    }
}

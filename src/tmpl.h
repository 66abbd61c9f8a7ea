/* Element-type templates, dav1d's *_tmpl.c idea: a kernel source is written once per ISA and
 * compiled once per element type, with -DSATTN_TMPL_TYPE=<sattn_dtype value> (meson does it,
 * one static library per ISA and type). This header gives the instantiation its element type and
 * its kernel names; adding a type is a branch here, the type's loads in each ISA's template, and
 * a line per ISA in meson.build and init.c. */
#ifndef SATTN_TMPL_H
#define SATTN_TMPL_H

#include "elem.h"
#include "kernels.h"

#ifndef SATTN_TMPL_TYPE
#error "a *_tmpl.c file is compiled with -DSATTN_TMPL_TYPE=<element type>"
#endif

/* Per type: the storage unit (sattn_elem_t), elements per unit, and the reference read of element c
 * of a row (row: the row's first unit; srow: the row's scales, I8/I4 only). */
#if SATTN_TMPL_TYPE == 0 /* SATTN_DTYPE_F32 */
typedef float sattn_elem_t;
#define SATTN_TMPL_PREFIX f32
#define SATTN_TMPL_BITS 32
#define SATTN_TMPL_IS_F32 1
#define SATTN_TMPL_PER_UNIT 1
static inline float sattn_elem_get(const sattn_elem_t *row, size_t c, const float *srow, size_t group) {
    (void)srow, (void)group;
    return row[c];
}
#elif SATTN_TMPL_TYPE == 1 /* SATTN_DTYPE_F16 */
typedef uint16_t sattn_elem_t;
#define SATTN_TMPL_PREFIX f16
#define SATTN_TMPL_BITS 16
#define SATTN_TMPL_IS_F16 1
#define SATTN_TMPL_PER_UNIT 1
static inline float sattn_elem_get(const sattn_elem_t *row, size_t c, const float *srow, size_t group) {
    (void)srow, (void)group;
    return sattn_f16_to_f32(row[c]);
}
#elif SATTN_TMPL_TYPE == 2 /* SATTN_DTYPE_BF16 */
typedef uint16_t sattn_elem_t;
#define SATTN_TMPL_PREFIX bf16
#define SATTN_TMPL_BITS 16
#define SATTN_TMPL_IS_BF16 1
#define SATTN_TMPL_PER_UNIT 1
static inline float sattn_elem_get(const sattn_elem_t *row, size_t c, const float *srow, size_t group) {
    (void)srow, (void)group;
    return sattn_bf16_to_f32(row[c]);
}
#elif SATTN_TMPL_TYPE == 3 /* SATTN_DTYPE_I8 */
typedef int8_t sattn_elem_t;
#define SATTN_TMPL_PREFIX i8
#define SATTN_TMPL_BITS 8
#define SATTN_TMPL_IS_I8 1
#define SATTN_TMPL_QUANT 1
#define SATTN_TMPL_QMAX 127
#define SATTN_TMPL_QMIN (-128)
#define SATTN_TMPL_PER_UNIT 1
static inline float sattn_elem_get(const sattn_elem_t *row, size_t c, const float *srow, size_t group) {
    return (float)row[c] * srow[c / group];
}
#elif SATTN_TMPL_TYPE == 4 /* SATTN_DTYPE_I4 */
typedef uint8_t sattn_elem_t;
#define SATTN_TMPL_PREFIX i4
#define SATTN_TMPL_BITS 4
#define SATTN_TMPL_IS_I4 1
#define SATTN_TMPL_QUANT 1
#define SATTN_TMPL_QMAX 7
#define SATTN_TMPL_QMIN (-8)
#define SATTN_TMPL_PER_UNIT 2
static inline float sattn_elem_get(const sattn_elem_t *row, size_t c, const float *srow, size_t group) {
    return (float)sattn_i4_get(row, c) * srow[c / group];
}
#else
#error "unknown SATTN_TMPL_TYPE"
#endif
#ifndef SATTN_TMPL_IS_F32
#define SATTN_TMPL_IS_F32 0
#endif
#ifndef SATTN_TMPL_QUANT
#define SATTN_TMPL_QUANT 0
#endif
/* Row j of a tensor whose rows are ld elements apart (ld even for I4), and the bytes of ld elements. */
#define SATTN_TMPL_ROW(base, j, ld) ((const sattn_elem_t *)(base) + (j) * (ld) / SATTN_TMPL_PER_UNIT)
#define SATTN_TMPL_ROW_BYTES(ld) ((ld) * SATTN_TMPL_BITS / 8)
/* For the decode kernels, which take keys in groups from j (nj of them left): key t of the group (a
 * group past the end repeats its last key), and that key's scales (I8/I4; sc the call's). */
#define SATTN_TMPL_KEY(x, ld, j, t, nj) SATTN_TMPL_ROW(x, (j) + ((t) < (nj) ? (t) : (nj)-1), ld)
#define SATTN_TMPL_KEY_SCALES(sc, j, t, nj) (SATTN_TMPL_QUANT ? (sc)->at + ((j) + ((t) < (nj) ? (t) : (nj)-1)) * (sc)->ld : NULL)

/* How a pack_b call's source lies (kernels.h's SATTN_PACK_B), for the ISAs' fast packers: V rows (keys along p,
 * a row's elements adjacent), Kᵀ columns (keys along j, depth adjacent), or another layout, which they leave to
 * the portable packer, as they do panels whose NR is not a multiple of their width. */
enum sattn_pack_b_layout { SATTN_PACK_B_ROWS, SATTN_PACK_B_COLUMNS, SATTN_PACK_B_OTHER };
static inline enum sattn_pack_b_layout sattn_pack_b_layout(size_t NR, size_t width, size_t rs, size_t cs,
                                                           const struct sattn_scales *sc) {
    const int keys_along_j = SATTN_TMPL_QUANT ? sc->keys_along_j : rs == 1;
    (void)sc;
    if (NR % width) return SATTN_PACK_B_OTHER;
    if (cs == 1 && !keys_along_j) return SATTN_PACK_B_ROWS;
    return rs == 1 && keys_along_j ? SATTN_PACK_B_COLUMNS : SATTN_PACK_B_OTHER;
}

#define SATTN_TMPL_PASTE(a, b, c, d, e) a##b##c##d##e
#define SATTN_TMPL_XPASTE(a, b, c, d, e) SATTN_TMPL_PASTE(a, b, c, d, e)
/* SATTN_TMPL_FN(qk_dot, avx2) is sattn_f32_qk_dot__avx2 in the f32 instantiation. */
#define SATTN_TMPL_FN(op, isa) SATTN_TMPL_XPASTE(sattn_, SATTN_TMPL_PREFIX, _##op, __, isa)

#endif

/* Element-type templates, dav1d's *_tmpl.c idea: a kernel source is written once per ISA and
 * compiled once per element type, with -DSATTN_TMPL_TYPE=<enum sattn_elem value> (meson does it,
 * one static library per ISA and type). This header gives the instantiation its element type and
 * its kernel names; adding a type is a branch here, the type's loads in each ISA's template, and
 * a line per ISA in meson.build and init.c. */
#ifndef SATTN_TMPL_H
#define SATTN_TMPL_H

#include "kernels.h"

#ifndef SATTN_TMPL_TYPE
#error "a *_tmpl.c file is compiled with -DSATTN_TMPL_TYPE=<element type>"
#endif

#if SATTN_TMPL_TYPE == 0 /* SATTN_ELEM_F32 */
typedef float sattn_elem_t;
#define SATTN_TMPL_PREFIX f32
#define SATTN_TMPL_IS_F32 1
static inline float sattn_elem_to_float(sattn_elem_t x) { return x; }
#else
#error "unknown SATTN_TMPL_TYPE"
#endif

#define SATTN_TMPL_PASTE(a, b, c, d, e) a##b##c##d##e
#define SATTN_TMPL_XPASTE(a, b, c, d, e) SATTN_TMPL_PASTE(a, b, c, d, e)
/* SATTN_TMPL_FN(qk_dot, avx2) is sattn_f32_qk_dot__avx2 in the f32 instantiation. */
#define SATTN_TMPL_FN(op, isa) SATTN_TMPL_XPASTE(sattn_, SATTN_TMPL_PREFIX, _##op, __, isa)

#endif

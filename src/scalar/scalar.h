/* The portable microkernels (definitions in this folder, one idea per file). */
#ifndef SATTN_SCALAR_H
#define SATTN_SCALAR_H

#include <stddef.h>

void sattn_f32_gemm_ukernel_4x8__scalar(size_t mr, size_t nr, size_t kc, const float *a, size_t rs_a, size_t cs_a,
                                        const float *b, float *c, size_t ldc, float alpha, float beta);
void sattn_f32_pack_a__scalar(size_t MR, size_t mr, size_t kc, const float *src, size_t rs, size_t cs, float *dst);
void sattn_f32_pack_b__scalar(size_t NR, size_t nr, size_t kc, const float *src, size_t rs, size_t cs, float *dst);
float sattn_f32_rmax_ukernel__scalar(size_t n, const float *x);
float sattn_f32_raddstoreexpminusmax_ukernel__scalar(size_t n, const float *x, float max, float *y);
void sattn_f32_vscale_ukernel__scalar(size_t n, const float *x, float s, float *y);
void sattn_f32_vadd_ukernel__scalar(size_t n, const float *x, const float *y, float *z);
void sattn_f32_vexp_ukernel__scalar(size_t n, const float *x, float *y);
void sattn_f32_qk_dot__scalar(size_t rows, size_t n, size_t d, const float *q, size_t ldq, const float *k, size_t ldk,
                              float scale, float *s, size_t lds);
void sattn_f32_pv_accumulate__scalar(size_t rows, size_t n, size_t dv, const float *p, size_t ldp, const float *v,
                                     size_t ldv, float *acc, size_t ldacc);

#endif

/* The sgemm driver, BLIS-style: C is walked in NC-wide column panels; for each KC-deep slice
 * the B panel is packed once (shared by all threads) and each MC-row block of A is packed by
 * the thread that uses it, then the MR x NR microkernel sweeps the block.
 *
 * Determinism: every C element is reduced over the same KC slices in the same order whichever
 * thread computes its tile, so the result does not depend on the thread count. */
#include <string.h>

#include "internal.h"
#include "parallel.h"

/* C = beta*C for the cases that need no product (k == 0 or alpha == 0). beta == 0 never reads C. */
static void scale_c(const struct sattn_row_ops *row, size_t m, size_t n, float beta, float *c, size_t ldc) {
    if (beta == 1.0f) return;
    for (size_t i = 0; i < m; i++) {
        if (beta == 0.0f)
            memset(c + i * ldc, 0, n * sizeof *c);
        else
            row->vscale(n, c + i * ldc, beta, c + i * ldc);
    }
}

static size_t gcd(size_t a, size_t b) {
    while (b) {
        const size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

sattn_status sattn_gemm_run(const struct sattn_exec *x, sattn_trans trans_a, sattn_trans trans_b, size_t m, size_t n,
                            size_t kk, float alpha, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                            float *c, size_t ldc) {
    if (m == 0 || n == 0) return SATTN_OK;
    if (kk == 0 || alpha == 0.0f) {
        scale_c(&x->k->row, m, n, beta, c, ldc);
        return SATTN_OK;
    }
    const struct sattn_gemm_config *g = &x->k->gemm;
    const size_t MR = g->mr, NR = g->nr;
    const size_t MC = x->blk->gemm_mc, KC = x->blk->gemm_kc, NC = x->blk->gemm_nc;
    int threads = x->threads;
    /* Element (i, p) of op(A) is a[i*a_rs + p*a_cs]; element (p, j) of op(B) is b[p*b_rs + j*b_cs]. */
    const size_t a_rs = trans_a ? 1 : lda, a_cs = trans_a ? lda : 1;
    const size_t b_rs = trans_b ? 1 : ldb, b_cs = trans_b ? ldb : 1;

    const size_t kc_max = sattn_min(KC, kk);
    const size_t nc_max = sattn_div_up(sattn_min(NC, n), NR) * NR;
    const size_t mc_max = sattn_div_up(sattn_min(MC, m), MR) * MR;
    const size_t m_blocks = sattn_div_up(m, MC);
    if ((size_t)threads > m_blocks * sattn_div_up(nc_max, NR)) threads = (int)(m_blocks * sattn_div_up(nc_max, NR));
    if (threads < 1) threads = 1;
    const size_t b_floats = sattn_round_floats(kc_max * nc_max);
    const size_t a_floats = sattn_round_floats(kc_max * mc_max);
    float *scratch = sattn_alloc((b_floats + a_floats * (size_t)threads) * sizeof(float));
    if (!scratch) return SATTN_E_NOMEM;
    float *b_packed = scratch;

#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        float *a_packed = scratch + b_floats + a_floats * (size_t)sattn_thread_id();
        for (size_t jc = 0; jc < n; jc += NC) {
            const size_t nc = sattn_min(NC, n - jc);
            const size_t n_panels = sattn_div_up(nc, NR);
            /* Split each row block's columns into groups so that the units (row block x column group)
             * divide evenly among the threads: 9 row blocks on 2 threads would otherwise run 5 + 4. */
            size_t groups = (size_t)threads / gcd(m_blocks, (size_t)threads);
            if (groups > n_panels) groups = n_panels;
            const size_t panels_per_group = sattn_div_up(n_panels, groups);
            for (size_t pc = 0; pc < kk; pc += KC) {
                const size_t kc = sattn_min(KC, kk - pc);
                const struct sattn_gemm_params params = {alpha, pc == 0 ? beta : 1.0f};
#pragma omp for schedule(static)
                for (size_t panel = 0; panel < n_panels; panel++) {
                    const size_t j = panel * NR;
                    g->pack_b[SATTN_DTYPE_F32](NR, sattn_min(NR, nc - j), kc, b + pc * b_rs + (jc + j) * b_cs, b_rs,
                                              b_cs, NULL, b_packed + j * kc);
                }
                size_t packed_block = (size_t)-1;
#pragma omp for schedule(static)
                for (size_t unit = 0; unit < m_blocks * groups; unit++) {
                    const size_t block = unit / groups, group = unit % groups;
                    const size_t ic = block * MC, mc = sattn_min(MC, m - ic);
                    if (block != packed_block) {
                        for (size_t i = 0; i < mc; i += MR)
                            g->pack_a(MR, sattn_min(MR, mc - i), kc, a + (ic + i) * a_rs + pc * a_cs, a_rs, a_cs,
                                      a_packed + i * kc);
                        packed_block = block;
                    }
                    const size_t p_end = sattn_min(n_panels, (group + 1) * panels_per_group);
                    for (size_t panel = group * panels_per_group; panel < p_end; panel++) {
                        const size_t j = panel * NR, nr = sattn_min(NR, nc - j);
                        for (size_t i = 0; i < mc; i += MR)
                            g->ukernel(sattn_min(MR, mc - i), nr, kc, a_packed + i * kc, 1, MR, b_packed + j * kc,
                                       c + (ic + i) * ldc + jc + j, ldc, &params);
                    }
                }
            }
        }
    }
    sattn_free(scratch);
    return SATTN_OK;
}

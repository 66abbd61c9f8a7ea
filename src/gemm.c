/* The sgemm driver, BLIS-style: C is walked in NC-wide column panels; for each KC-deep slice
 * the B panel is packed once (shared by all threads) and each MC-row block of A is packed by
 * the thread that uses it, then the MR x NR microkernel sweeps the block.
 *
 * Determinism: every C element is reduced over the same KC slices in the same order whichever
 * worker computes its tile, so the result does not depend on the thread count or the pool. */
#include <string.h>

#include "internal.h"

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

/* The blocking of one call, and its scratch: the shared B panel, and per worker its packed A block
 * (and which block that is). Units of the compute step are (row block, column panel) pairs, row block
 * major: fixed by the shape, and fine enough that any worker count splits them evenly. */
struct gemm_plan {
    size_t MR, NR, MC, KC, NC;
    size_t m_blocks, b_floats, a_floats;
    size_t workers;
    struct sattn_scratch need;
};

static struct gemm_plan plan_gemm(const struct sattn_exec *x, size_t m, size_t n, size_t kk) {
    struct gemm_plan pl;
    const struct sattn_gemm_config *g = &x->k->gemm;
    pl.MR = g->mr, pl.NR = g->nr;
    pl.MC = x->blk->gemm_mc, pl.KC = x->blk->gemm_kc, pl.NC = x->blk->gemm_nc;
    /* The depth in the fewest passes of at most 1.5 KC, split evenly: each pass after the first re-reads
     * and rewrites all of C, which costs more than longer micro-panels spilling from L1 (Zen 3, 2 threads:
     * M 4096 x N 1536 x K 384 in one pass instead of two, 133 -> 165 GFLOP/s; N 384 x K 1536 in four passes
     * of 384 instead of six of 256, 0.87-0.89x -> 0.93-1.0x of onnxruntime's MatMul; square shapes
     * unchanged). K 384 and 1536 are BERT-base's and MiniLM's widths. */
    const size_t passes = sattn_max(1, sattn_div_up(kk, pl.KC + pl.KC / 2));
    pl.KC = sattn_div_up(kk, passes);
    const size_t kc_max = sattn_min(pl.KC, kk);
    const size_t nc_max = sattn_div_up(sattn_min(pl.NC, n), pl.NR) * pl.NR;
    const size_t mc_max = sattn_div_up(sattn_min(pl.MC, m), pl.MR) * pl.MR;
    pl.m_blocks = sattn_div_up(m, pl.MC);
    pl.workers = sattn_min((size_t)x->threads, pl.m_blocks * (nc_max / pl.NR));
    pl.b_floats = sattn_round_floats(kc_max * nc_max);
    pl.a_floats = sattn_round_floats(kc_max * mc_max);
    pl.need = (struct sattn_scratch){.shared = pl.b_floats * sizeof(float),
                                     .per_worker = SATTN_ALIGN + pl.a_floats * sizeof(float)};
    return pl;
}

size_t sattn_gemm_workspace_bytes(const struct sattn_exec *x, size_t m, size_t n, size_t kk) {
    if (m == 0 || n == 0 || kk == 0) return 0;
    const struct gemm_plan pl = plan_gemm(x, m, n, kk);
    return sattn_scratch_bytes(pl.need, pl.workers);
}

/* One (jc, pc) step of a call: what its pack and compute items read. */
struct gemm_step {
    const struct sattn_gemm_config *g;
    const struct gemm_plan *pl;
    size_t m, kk, jc, pc, nc, kc, n_panels;
    const float *a, *b;
    size_t a_rs, a_cs, b_rs, b_cs, ldc;
    float *c, *b_packed;
    void *scratch;
    struct sattn_gemm_params params;
};

/* Item `panel`: one NR-wide panel of the B slice, packed where every worker reads it. */
static void pack_b_item(void *arg, size_t panel, size_t worker) {
    const struct gemm_step *s = arg;
    const size_t j = panel * s->pl->NR;
    (void)worker;
    s->g->pack_b[SATTN_DTYPE_F32](s->pl->NR, sattn_min(s->pl->NR, s->nc - j), s->kc,
                                 s->b + s->pc * s->b_rs + (s->jc + j) * s->b_cs, s->b_rs, s->b_cs, NULL,
                                 s->b_packed + j * s->kc);
}

/* Item `unit`: one column panel of one row block of C. The worker packs the block's A slice into its
 * own scratch unless it holds that block already (its previous unit was in the same block). */
static void compute_item(void *arg, size_t unit, size_t worker) {
    const struct gemm_step *s = arg;
    const struct gemm_plan *pl = s->pl;
    const size_t MR = pl->MR, block = unit / s->n_panels, panel = unit % s->n_panels;
    const size_t ic = block * pl->MC, mc = sattn_min(pl->MC, s->m - ic);
    size_t *packed_block = sattn_scratch_worker(s->scratch, pl->need, worker);
    float *a_packed = (float *)((char *)packed_block + SATTN_ALIGN);
    if (*packed_block != block) {
        for (size_t i = 0; i < mc; i += MR)
            s->g->pack_a(MR, sattn_min(MR, mc - i), s->kc, s->a + (ic + i) * s->a_rs + s->pc * s->a_cs, s->a_rs,
                         s->a_cs, a_packed + i * s->kc);
        *packed_block = block;
    }
    const size_t j = panel * pl->NR, nr = sattn_min(pl->NR, s->nc - j);
    for (size_t i = 0; i < mc; i += MR)
        s->g->ukernel(sattn_min(MR, mc - i), nr, s->kc, a_packed + i * s->kc, 1, MR, s->b_packed + j * s->kc,
                      s->c + (ic + i) * s->ldc + s->jc + j, s->ldc, &s->params);
}

sattn_status sattn_gemm_run(const struct sattn_exec *x, sattn_trans trans_a, sattn_trans trans_b, size_t m, size_t n,
                            size_t kk, float alpha, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                            float *c, size_t ldc, void *workspace, size_t workspace_size) {
    if (m == 0 || n == 0) return SATTN_OK;
    if (kk == 0 || alpha == 0.0f) {
        scale_c(&x->k->row, m, n, beta, c, ldc);
        return SATTN_OK;
    }
    const struct gemm_plan pl = plan_gemm(x, m, n, kk);
    size_t workers = pl.workers;
    void *scratch, *owned;
    struct sattn_stack_scratch stack;
    const sattn_status st = sattn_scratch_acquire(x, pl.need, &workers, workspace, workspace_size, &stack,
                                                      &scratch, &owned);
    if (st != SATTN_OK) return st;
    /* Element (i, p) of op(A) is a[i*a_rs + p*a_cs]; element (p, j) of op(B) is b[p*b_rs + j*b_cs]. */
    struct gemm_step s = {.g = &x->k->gemm, .pl = &pl, .m = m, .kk = kk, .a = a, .b = b,
                          .a_rs = trans_a ? 1 : lda, .a_cs = trans_a ? lda : 1, .b_rs = trans_b ? 1 : ldb,
                          .b_cs = trans_b ? ldb : 1, .ldc = ldc, .c = c, .b_packed = scratch, .scratch = scratch};
    for (s.jc = 0; s.jc < n; s.jc += pl.NC) {
        s.nc = sattn_min(pl.NC, n - s.jc);
        s.n_panels = sattn_div_up(s.nc, pl.NR);
        for (s.pc = 0; s.pc < kk; s.pc += pl.KC) {
            s.kc = sattn_min(pl.KC, kk - s.pc);
            s.params = (struct sattn_gemm_params){alpha, s.pc == 0 ? beta : 1.0f};
            for (size_t w = 0; w < workers; w++) *(size_t *)sattn_scratch_worker(scratch, pl.need, w) = (size_t)-1;
            sattn_parallel(x, workers, s.n_panels, SATTN_STATIC, pack_b_item, &s);
            sattn_parallel(x, workers, pl.m_blocks * s.n_panels, SATTN_STATIC, compute_item, &s);
        }
    }
    sattn_scratch_release(x, owned);
    return SATTN_OK;
}

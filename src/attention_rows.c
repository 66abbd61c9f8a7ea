/* The row algebra of fused attention (attention_rows.h): masks and bias on a block of logits,
 * the running max and sum, the rescale of the accumulator, the merge of partials and the final
 * division. Both drivers call these and nothing else for it. */
#include <math.h>
#include <string.h>

#include "attention_rows.h"
#include "exp.h"

void sattn_rows_start(struct row_state st, size_t rows, size_t dv) {
    for (size_t r = 0; r < rows; r++) st.m[r] = -INFINITY, st.l[r] = 0.0f;
    memset(st.acc, 0, rows * dv * sizeof *st.acc);
}

void sattn_rows_update(const struct sattn_row_ops *k, const struct sattn_attention_problem *p,
                       const struct row_block *rb, size_t j0, size_t nk, float *s_rows, size_t ld_s,
                       struct row_state st) {
    const size_t dv = p->v_head_dim;
    for (size_t r = 0; r < rb->rows; r++) {
        const size_t h = rb->h0 + r / rb->qn, i = rb->i0 + r % rb->qn;
        float *s = s_rows + r * ld_s;
        const struct key_range vis = sattn_visible_keys(p, rb->b, i);
        const size_t lo = vis.lo > (ptrdiff_t)j0 ? sattn_min((size_t)vis.lo - j0, nk) : 0;
        const size_t hi = vis.hi > (ptrdiff_t)j0 ? sattn_min((size_t)vis.hi - j0, nk) : 0;
        if (lo >= hi) { /* this row sees nothing of this block */
            memset(s, 0, nk * sizeof *s);
            continue;
        }
        if (p->bias) {
            const float *bias = p->bias + rb->b * p->bs.batch + h * p->bs.head + i * p->bs.seq + j0;
            k->vadd(hi - lo, s + lo, bias + lo, s + lo);
        }
        const float block_max = k->rmax(hi - lo, s + lo);
        const float m_old = st.m[r];
        const float m_new = block_max > m_old ? block_max : m_old;
        if (m_new == -INFINITY && !sattn_has_nan(hi - lo, s + lo)) { /* all visible logits -inf so far */
            memset(s, 0, nk * sizeof *s);
            continue;
        }
        const float sum = k->raddstoreexpminusmax(hi - lo, s + lo, m_new, s + lo);
        if (lo > 0) memset(s, 0, lo * sizeof *s);
        if (hi < nk) memset(s + hi, 0, (nk - hi) * sizeof *s);
        /* A new maximum rescales what was accumulated; with m_old = -inf nothing was (acc, l = 0). */
        if (m_old != m_new && m_old != -INFINITY) {
            const float alpha = sattn_expf(m_old - m_new);
            k->vscale(dv, st.acc + r * dv, alpha, st.acc + r * dv);
            st.l[r] *= alpha;
        }
        st.l[r] += sum;
        st.m[r] = m_new;
    }
}

void sattn_rows_merge(size_t rows, size_t dv, const float *first, size_t count, size_t stride, struct row_state out) {
    for (size_t r = 0; r < rows; r++) {
        float m = -INFINITY;
        for (size_t c = 0; c < count; c++) {
            const float mc = first[c * stride + r];
            if (mc > m || mc != mc) m = mc; /* a NaN maximum poisons the row, as it would unsplit */
        }
        out.m[r] = m;
        out.l[r] = 0.0f;
        float *acc = out.acc + r * dv;
        memset(acc, 0, dv * sizeof *acc);
        if (m == -INFINITY) continue;
        for (size_t c = 0; c < count; c++) {
            /* part c in the row_state_at layout: m, then l, then the accumulator rows */
            const float *part_m = first + c * stride, *part_l = part_m + rows, *part_acc = part_m + 2 * rows;
            if (part_l[r] == 0.0f && part_m[r] == -INFINITY) continue; /* a part no row saw adds nothing */
            const float f = sattn_expf(part_m[r] - m);
            out.l[r] += part_l[r] * f;
            for (size_t x = 0; x < dv; x++) acc[x] += part_acc[r * dv + x] * f;
        }
    }
}

void sattn_rows_finish(const struct sattn_row_ops *k, const struct sattn_attention_problem *p,
                       const struct row_block *rb, struct row_state st) {
    const size_t dv = p->v_head_dim;
    for (size_t r = 0; r < rb->rows; r++) {
        const size_t h = rb->h0 + r / rb->qn, i = rb->i0 + r % rb->qn;
        float *o = p->out + rb->b * p->os.batch + h * p->os.head + i * p->os.seq;
        if (st.l[r] == 0.0f) /* no visible key: zeros, never 0/0 */
            memset(o, 0, dv * sizeof *o);
        else
            k->vscale(dv, st.acc + r * dv, 1.0f / st.l[r], o);
    }
}

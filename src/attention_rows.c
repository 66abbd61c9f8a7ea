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
                       struct row_state st, const struct p16_rows *p16) {
    const size_t dv = p->v_head_dim;
    for (size_t r = 0; r < rb->rows; r++) {
        const size_t h = rb->h0 + r / rb->qn, i = rb->i0 + r % rb->qn;
        float *s = s_rows + r * ld_s;
        uint16_t *w16 = p16 ? p16->rows + r * p16->ld : NULL;
        const struct key_range vis = sattn_visible_keys(p, rb->b, i);
        const size_t lo = vis.lo > (ptrdiff_t)j0 ? sattn_min((size_t)vis.lo - j0, nk) : 0;
        const size_t hi = vis.hi > (ptrdiff_t)j0 ? sattn_min((size_t)vis.hi - j0, nk) : 0;
        if (lo >= hi) { /* this row sees nothing of this block */
            if (w16) memset(w16, 0, p16->ld * sizeof *w16);
            else memset(s, 0, nk * sizeof *s);
            continue;
        }
        /* The fixed order of sattn.h: scale (in the product), softcap, bias, ALiBi; masks are [lo, hi). */
        if (p->softcap != 0.0f) k->softcap(hi - lo, s + lo, p->softcap, s + lo);
        if (p->bias) {
            const float *bias = p->bias + rb->b * p->bs.batch + h * p->bs.head + i * p->bs.seq + j0;
            k->vadd(hi - lo, s + lo, bias + lo, s + lo);
        }
        if (p->alibi_slopes) { /* distance j - i - off of the first visible key; api.c keeps it in int32 */
            const ptrdiff_t off = sattn_seq_offset(p, rb->b);
            const ptrdiff_t d0 = (ptrdiff_t)(j0 + lo) - (ptrdiff_t)i - off;
            k->vaddramp(hi - lo, s + lo, p->alibi_slopes[h], (int32_t)d0, s + lo);
        }
        /* Unscaled logits (p16's pending scale): scaling by a positive factor and rounding keep their order, so the
         * maximum scaled is the scaled logits' maximum, bit for bit. */
        const float scale = p16 ? p16->pending_scale : 1.0f;
        const float block_max = k->rmax(hi - lo, s + lo) * scale;
        const float m_old = st.m[r];
        const float m_new = block_max > m_old ? block_max : m_old;
        if (m_new == -INFINITY && !sattn_has_nan(hi - lo, s + lo)) { /* all visible logits -inf so far */
            if (w16) memset(w16, 0, p16->ld * sizeof *w16);
            else memset(s, 0, nk * sizeof *s);
            continue;
        }
        float sum;
        if (w16) {
            const size_t a = lo - p16->v0, b = hi - p16->v0;
            sum = p16->exp(hi - lo, s + lo, scale, m_new, w16 + a);
            memset(w16, 0, a * sizeof *w16);
            memset(w16 + b, 0, (p16->ld - b) * sizeof *w16);
        } else {
            sum = k->raddstoreexpminusmax(hi - lo, s + lo, m_new, s + lo);
            if (lo > 0) memset(s, 0, lo * sizeof *s);
            if (hi < nk) memset(s + hi, 0, (nk - hi) * sizeof *s);
        }
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

void sattn_rows_finish(const struct sattn_kernels *k, const struct sattn_attention_problem *p,
                       const struct row_block *rb, struct row_state st) {
    const size_t dv = p->v_head_dim;
    const int f32_out = p->o_type == SATTN_DTYPE_F32;
    for (size_t r = 0; r < rb->rows; r++) {
        const size_t h = rb->h0 + r / rb->qn, i = rb->i0 + r % rb->qn;
        const size_t o_off = sattn_q_offset(p, p->os, rb->b, h, i);
        /* Another output type: the row is finished in its accumulator and converted as it is stored. */
        float *o = f32_out ? (float *)p->out + o_off : st.acc + r * dv;
        const float m = st.m[r], l = st.l[r];
        /* The sink joins the denominator only: l + e^{sink - m} in the row's own scale. A huge sink
         * gives an infinite term and a zero output, which is the limit. */
        const float sink_term = p->sinks && l != 0.0f ? sattn_expf(p->sinks[h] - m) : 0.0f;
        if (l == 0.0f) /* no visible key: zeros, never 0/0 */
            memset(o, 0, dv * sizeof *o);
        else
            k->row.vscale(dv, st.acc + r * dv, 1.0f / (l + sink_term), o);
        if (!f32_out) k->convert[p->o_type].from_f32(dv, o, (void *)sattn_elem_addr(p->out, p->o_type, o_off), 0, NULL);
        if (p->lse) {
            float lse;
            if (l == 0.0f)
                lse = p->sinks ? p->sinks[h] : -INFINITY;
            else if (!p->sinks)
                lse = m + logf(l);
            else { /* max(m, sink) + log(l e^{m - M} + e^{sink - M}), finite for any sink */
                const float top = m > p->sinks[h] ? m : p->sinks[h];
                lse = top + logf(l * sattn_expf(m - top) + sattn_expf(p->sinks[h] - top));
            }
            p->lse[sattn_q_offset(p, p->ls, rb->b, h, i)] = lse;
        }
    }
}

void sattn_rows_merge_lse(const struct sattn_row_ops *k, size_t parts, size_t dim, const float *const *outs,
                          size_t ld_in, const float *const *lses, size_t r, float *out, float *lse) {
    float top = -INFINITY;
    for (size_t p = 0; p < parts; p++) {
        const float x = lses[p][r];
        if (x > top || x != x) top = x; /* a NaN poisons the row */
    }
    if (top == -INFINITY) {
        memset(out, 0, dim * sizeof *out);
        if (lse) lse[r] = -INFINITY;
        return;
    }
    float sum = 0.0f;
    for (size_t p = 0; p < parts; p++) sum += sattn_expf(lses[p][r] - top);
    const float merged = top + logf(sum);
    /* Part 0 is scaled first, so out may be part 0's row (every element is read before it is written). */
    k->vscale(dim, outs[0] + r * ld_in, sattn_expf(lses[0][r] - merged), out);
    for (size_t p = 1; p < parts; p++) {
        const float w = sattn_expf(lses[p][r] - merged);
        if (w == 0.0f) continue; /* a part that saw nothing of this row (or weighs nothing) adds nothing */
        const float *x = outs[p] + r * ld_in;
        for (size_t c = 0; c < dim; c++) out[c] += w * x[c];
    }
    if (lse) lse[r] = merged;
}

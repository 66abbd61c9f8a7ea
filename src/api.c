/* The public entry points: every argument is checked before anything is written, defaults are
 * resolved, then the drivers run with the kernel table in use. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

const char *sattn_strerror(sattn_status status) {
    switch (status) {
    case SATTN_OK: return "success";
    case SATTN_E_NULL: return "a required pointer is NULL";
    case SATTN_E_SHAPE: return "a dimension is zero where it may not be, or dimensions disagree";
    case SATTN_E_STRIDE: return "a stride or leading dimension is too small, or output rows would overlap";
    case SATTN_E_OVERFLOW: return "sizes or offsets overflow size_t or PTRDIFF_MAX";
    case SATTN_E_NOMEM: return "scratch memory could not be allocated";
    case SATTN_E_ISA: return "the instruction set is not built in or not supported by this CPU";
    case SATTN_E_ARG: return "invalid argument";
    }
    return "unknown status";
}

const char *sattn_version(void) { return SATTN_VERSION_STRING; }

/* a*b + c without overflow into *out; 0 on overflow. */
static int mul_add(size_t a, size_t b, size_t c, size_t *out) {
    size_t prod;
    if (__builtin_mul_overflow(a, b, &prod) || __builtin_add_overflow(prod, c, out)) return 0;
    return 1;
}

/* The largest element index a matrix of `rows` rows `ld` apart and `cols` wide touches, plus one,
 * must fit in bytes below PTRDIFF_MAX. rows and cols are >= 1. */
static int extent_fits(size_t rows, size_t ld, size_t cols) {
    size_t n;
    return mul_add(rows - 1, ld, cols, &n) && n <= (size_t)PTRDIFF_MAX / sizeof(float);
}

sattn_status sattn_sgemm_workspace_size(const sattn_context *ctx, size_t m, size_t n, size_t k, size_t *bytes) {
    if (!bytes) return SATTN_E_NULL;
    const struct sattn_exec x = sattn_exec_for(ctx);
    const size_t need = sattn_gemm_workspace_bytes(&x, m, n, k);
    if (!need && m && n && k) return SATTN_E_OVERFLOW;
    *bytes = need;
    return SATTN_OK;
}

sattn_status sattn_sgemm(sattn_trans trans_a, sattn_trans trans_b, size_t m, size_t n, size_t k, float alpha,
                         const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    return sattn_sgemm_ctx(NULL, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, NULL, 0);
}

sattn_status sattn_sgemm_ctx(sattn_context *ctx, sattn_trans trans_a, sattn_trans trans_b, size_t m, size_t n,
                             size_t k, float alpha, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                             float *c, size_t ldc, void *workspace, size_t workspace_size) {
    if ((trans_a != SATTN_NOTRANS && trans_a != SATTN_TRANS) || (trans_b != SATTN_NOTRANS && trans_b != SATTN_TRANS))
        return SATTN_E_ARG;
    /* Stored shapes (row-major): A is m x k or k x m, B is k x n or n x k. */
    const size_t a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
    const size_t b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
    if (lda < sattn_max(1, a_cols) || ldb < sattn_max(1, b_cols) || ldc < sattn_max(1, n)) return SATTN_E_STRIDE;
    if (m == 0 || n == 0) return SATTN_OK;
    const int reads_ab = k > 0 && alpha != 0.0f;
    if (!c || (reads_ab && (!a || !b))) return SATTN_E_NULL;
    if (!extent_fits(m, ldc, n)) return SATTN_E_OVERFLOW;
    if (reads_ab && (!extent_fits(a_rows, lda, a_cols) || !extent_fits(b_rows, ldb, b_cols))) return SATTN_E_OVERFLOW;
    const struct sattn_exec x = sattn_exec_for(ctx);
    return sattn_gemm_run(&x, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workspace,
                          workspace_size);
}

sattn_status sattn_softmax(size_t rows, size_t cols, const float *x, size_t ldx, float *y, size_t ldy) {
    return sattn_softmax_ctx(NULL, rows, cols, x, ldx, y, ldy);
}

sattn_status sattn_softmax_ctx(sattn_context *ctx, size_t rows, size_t cols, const float *x, size_t ldx, float *y,
                               size_t ldy) {
    if (ldx < sattn_max(1, cols) || ldy < sattn_max(1, cols)) return SATTN_E_STRIDE;
    if (rows == 0 || cols == 0) return SATTN_OK;
    if (!x || !y) return SATTN_E_NULL;
    if (!extent_fits(rows, ldx, cols) || !extent_fits(rows, ldy, cols)) return SATTN_E_OVERFLOW;
    /* In place needs the same layout; any other overlap would read what was already written. */
    if (x != y || ldx != ldy) {
        const char *x0 = (const char *)x, *x1 = (const char *)(x + (rows - 1) * ldx + cols);
        const char *y0 = (const char *)y, *y1 = (const char *)(y + (rows - 1) * ldy + cols);
        if (x0 < y1 && y0 < x1) return SATTN_E_ARG;
    }
    const struct sattn_exec exec = sattn_exec_for(ctx);
    return sattn_softmax_run(&exec, rows, cols, x, ldx, y, ldy);
}

/* Largest index + 1 over [n0, n1, n2, cols] with strides (s0, s1, s2, 1), in floats; 0 on overflow. */
static size_t extent4(size_t n0, size_t s0, size_t n1, size_t s1, size_t n2, size_t s2, size_t cols) {
    size_t e = cols;
    if (!mul_add(n2 - 1, s2, e, &e) || !mul_add(n1 - 1, s1, e, &e) || !mul_add(n0 - 1, s0, e, &e)) return 0;
    return e <= (size_t)PTRDIFF_MAX / sizeof(float) ? e : 0;
}

/* Output rows of `cols` floats must not overlap: sorted by stride, each dimension must step past
 * everything the smaller ones span. Dimensions of extent 1 never step. */
static int rows_disjoint(const size_t n[3], const size_t s[3], size_t cols) {
    size_t order[3] = {0, 1, 2};
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            if (s[order[b]] < s[order[a]]) {
                size_t t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
    size_t span = cols;
    for (int a = 0; a < 3; a++) {
        const size_t d = order[a];
        if (n[d] <= 1) continue;
        if (s[d] < span) return 0;
        span = (n[d] - 1) * s[d] + span; /* fits: extent4 checked it */
    }
    return 1;
}

/* Whether the byte ranges [a, a + a_bytes) and [b, b + b_bytes) share a byte. */
static int bytes_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes) {
    const uintptr_t a0 = (uintptr_t)a, a1 = a0 + a_bytes, b0 = (uintptr_t)b, b1 = b0 + b_bytes;
    return a && b && a0 < b1 && b0 < a1;
}
/* The same for ranges counted in floats. */
static int spans_overlap(const void *a, size_t a_floats, const void *b, size_t b_floats) {
    return bytes_overlap(a, a_floats * sizeof(float), b, b_floats * sizeof(float));
}
/* The bytes `elems` elements of a type span (an I4 half byte rounds up). */

static int dtype_valid(sattn_dtype t) { return (unsigned)t < SATTN_DTYPE_COUNT; }
static int dtype_float(sattn_dtype t) { return t == SATTN_DTYPE_F32 || t == SATTN_DTYPE_F16 || t == SATTN_DTYPE_BF16; }

static int strides_zero(sattn_strides s) { return s.batch == 0 && s.head == 0 && s.seq == 0; }

/* Dense [batch, heads, len, cols] strides; 0 on overflow. */
static int dense_strides(size_t heads, size_t len, size_t cols, sattn_strides *s) {
    s->seq = cols;
    return mul_add(len, cols, 0, &s->head) && mul_add(heads, s->head, 0, &s->batch);
}

/* Zero strides resolved: dense [batch, heads, len, cols], or packed [tokens, heads, cols] (no batch
 * stride: rows follow the starts); 0 on overflow. */
static int default_strides(size_t heads, size_t len, size_t cols, int packed, sattn_strides *s) {
    if (!packed) return dense_strides(heads, len, cols, s);
    s->batch = 0, s->head = cols;
    return mul_add(heads, cols, 0, &s->seq);
}

/* The outer dimension and the rows per outer index of a tensor's extent. */
struct extent_dims {
    size_t outer, rows;
};

/* starts [batch + 1]: from 0, ascending, each span at most `bound`. */
static int starts_valid(const int32_t *starts, size_t batch, size_t bound) {
    if (starts[0] != 0) return 0;
    for (size_t b = 0; b < batch; b++)
        if (starts[b + 1] < starts[b] || (size_t)(starts[b + 1] - starts[b]) > bound) return 0;
    return 1;
}

/* lens [batch]: each in [0, bound] and within its packed span when starts are given too. */
static int lens_valid(const int32_t *lens, const int32_t *starts, size_t batch, size_t bound) {
    for (size_t b = 0; b < batch; b++)
        if (lens[b] < 0 || (size_t)lens[b] > bound || (starts && lens[b] > starts[b + 1] - starts[b])) return 0;
    return 1;
}

/* Every per-sequence length, and the block table entries of each sequence's keys (sattn.h). */
static int lengths_valid(const sattn_attention_desc *D) {
    if ((D->q_starts && !starts_valid(D->q_starts, D->batch, D->q_len)) ||
        (D->kv_starts && !starts_valid(D->kv_starts, D->batch, D->kv_len)) ||
        (D->q_lens && !lens_valid(D->q_lens, D->q_starts, D->batch, D->q_len)) ||
        (D->kv_lens && !lens_valid(D->kv_lens, D->kv_starts, D->batch, D->kv_len)))
        return 0;
    if (D->block_table)
        for (size_t b = 0; b < D->batch; b++) {
            const size_t keys = D->kv_lens ? (size_t)D->kv_lens[b] : D->kv_len;
            const size_t pages = sattn_div_up(keys, D->page_size);
            if (D->batch > 1 && pages > D->block_table_stride) return 0;
            for (size_t t = 0; t < pages; t++) {
                const int32_t page = D->block_table[b * D->block_table_stride + t];
                if (page < 0 || (size_t)page >= D->page_count) return 0;
            }
        }
    return 1;
}

/* The smallest descriptor a caller may pass: the fields of 0.1. */
#define DESC_MIN_SIZE offsetof(sattn_attention_desc, softcap)

/* shape_only: the checks a workspace query makes, reading no pointer (q, k, v and out are NULL then). */
static sattn_status check_attention(const sattn_attention_desc *desc, size_t desc_size, const void *q, const void *k,
                                    const void *v, const void *out, struct sattn_attention_problem *p,
                                    int shape_only) {
    if (!desc) {
        memset(p, 0, sizeof *p);
        return SATTN_E_NULL;
    }
    sattn_attention_desc D;
    if (!sattn_copy_desc(&D, sizeof D, desc, desc_size, DESC_MIN_SIZE)) {
        memset(p, 0, sizeof *p);
        return SATTN_E_ARG;
    }
    /* Every field as given (zero strides resolved below); `empty` marks a problem with nothing to do. */
    *p = (struct sattn_attention_problem){
        .batch = D.batch, .heads = D.heads, .kv_heads = D.kv_heads ? D.kv_heads : D.heads, .q_len = D.q_len,
        .kv_len = D.kv_len, .head_dim = D.head_dim, .v_head_dim = D.v_head_dim ? D.v_head_dim : D.head_dim,
        .scale = D.scale, .causal = D.causal != 0, .window = D.window, .kv_lens = D.kv_lens, .bias = D.bias,
        .softcap = D.softcap, .alibi_slopes = D.alibi_slopes, .sinks = D.sinks, .lse = D.lse, .qs = D.q_strides,
        .ks = D.k_strides, .vs = D.v_strides, .os = D.o_strides, .bs = D.bias_strides, .ls = D.lse_strides,
        .q_type = D.q_type, .k_type = D.k_type, .v_type = D.v_type, .o_type = D.o_type, .k_scales = D.k_scales,
        .v_scales = D.v_scales, .kss = D.k_scale_strides, .vss = D.v_scale_strides,
        .q = q, .k = k, .v = v, .out = (void *)out, .q_lens = D.q_lens, .q_starts = D.q_starts,
        .kv_starts = D.kv_starts, .block_table = D.block_table, .block_table_stride = D.block_table_stride,
        .page_size = D.page_size, .page_pow2 = D.page_size && !(D.page_size & (D.page_size - 1)),
        .empty = D.batch == 0 || D.heads == 0 || D.q_len == 0};
    while (p->page_pow2 && ((size_t)1 << p->page_shift) < D.page_size) p->page_shift++;
    if (D.head_dim == 0) return SATTN_E_SHAPE;
    if (!dtype_valid(D.q_type) || !dtype_valid(D.k_type) || !dtype_valid(D.v_type) || !dtype_valid(D.o_type) ||
        !dtype_float(D.q_type) || !dtype_float(D.o_type))
        return SATTN_E_ARG;
    /* Quantised K/V: scales, and a group that divides the row. */
    const int k_quant = sattn_dtype_quantized(D.k_type), v_quant = sattn_dtype_quantized(D.v_type);
    p->k_group = D.kv_group ? D.kv_group : p->head_dim;
    p->v_group = D.kv_group ? D.kv_group : p->v_head_dim;
    if ((k_quant && p->head_dim % p->k_group) || (v_quant && p->v_head_dim % p->v_group)) return SATTN_E_SHAPE;
    if (D.heads && (p->kv_heads > D.heads || D.heads % p->kv_heads)) return SATTN_E_SHAPE;
    if (!isfinite(D.scale) || !(D.softcap >= 0.0f) || isinf(D.softcap)) return SATTN_E_ARG;
    if (D.block_table && (D.kv_starts || D.page_size == 0)) return SATTN_E_ARG;
    /* The block table's entries that may be read: (batch - 1) * stride + the pages of kv_len. */
    size_t bt_entries = 0;
    if (D.block_table && D.batch &&
        (!mul_add(D.batch - 1, D.block_table_stride, sattn_div_up(D.kv_len, D.page_size), &bt_entries) ||
         bt_entries > (size_t)PTRDIFF_MAX / sizeof(int32_t)))
        return SATTN_E_OVERFLOW;
    if (p->empty) return SATTN_OK; /* nothing to compute, nothing read */
    const int reads_kv = D.kv_len > 0;
    if (!shape_only) {
        if (!q || !out || (reads_kv && (!k || !v))) return SATTN_E_NULL;
        if (reads_kv && ((k_quant && !D.k_scales) || (v_quant && !D.v_scales))) return SATTN_E_NULL;
        for (size_t h = 0; h < D.heads; h++)
            if ((D.alibi_slopes && !isfinite(D.alibi_slopes[h])) || (D.sinks && !isfinite(D.sinks[h])))
                return SATTN_E_ARG;
    }
    if (D.scale == 0.0f) p->scale = 1.0f / sqrtf((float)D.head_dim);
    /* Lengths per sequence: read before any extent that depends on them. */
    if (!shape_only && !lengths_valid(&D)) return SATTN_E_ARG;

    const size_t d = p->head_dim, dv = p->v_head_dim, kvh = p->kv_heads;
    /* Zero strides: dense [batch, heads, len, dim]; packed [tokens, heads, dim]; pages [page_count, kv_heads,
     * page_size, dim]. */
    const int q_packed = D.q_starts != NULL, kv_packed = D.kv_starts != NULL;
    const size_t kv_rows = D.block_table ? D.page_size : D.kv_len; /* rows per batch (page) of k and v */
    if (strides_zero(p->ls)) p->ls = q_packed ? (sattn_strides){0, 1, D.heads}
                                              : (sattn_strides){D.heads * D.q_len, D.q_len, 1}; /* fits: as q's */
    if ((strides_zero(p->qs) && !default_strides(D.heads, D.q_len, d, q_packed, &p->qs)) ||
        (strides_zero(p->ks) && !default_strides(kvh, kv_rows, d, kv_packed, &p->ks)) ||
        (strides_zero(p->vs) && !default_strides(kvh, kv_rows, dv, kv_packed, &p->vs)) ||
        (strides_zero(p->os) && !default_strides(D.heads, D.q_len, dv, q_packed, &p->os)) ||
        (k_quant && strides_zero(p->kss) && !default_strides(kvh, kv_rows, d / p->k_group, kv_packed, &p->kss)) ||
        (v_quant && strides_zero(p->vss) && !default_strides(kvh, kv_rows, dv / p->v_group, kv_packed, &p->vss)))
        return SATTN_E_OVERFLOW;
    /* An I4 row starts on a byte: every offset of an I4 tensor is even. */
    const sattn_strides *s4[] = {D.k_type == SATTN_DTYPE_I4 ? &p->ks : NULL, D.v_type == SATTN_DTYPE_I4 ? &p->vs : NULL};
    for (size_t t = 0; t < 2; t++)
        if (s4[t] && ((s4[t]->batch | s4[t]->head | s4[t]->seq) & 1)) return SATTN_E_STRIDE;

    /* Input rows may be shared (a zero stride broadcasts), but a row may not overlap the next one. */
    if ((D.q_len > 1 && p->qs.seq < d) || (D.kv_len > 1 && (p->ks.seq < d || p->vs.seq < dv)))
        return SATTN_E_STRIDE;
    /* Each tensor's extent in floats from its base pointer (0: overflow), over [outer, heads, rows, cols]:
     * padded [batch, heads, len]; packed [1, heads, tokens] (a workspace query reads no starts: it bounds
     * tokens by batch x len); paged [page_count, kv_heads, page_size]. */
    struct extent_dims qd = {D.batch, D.q_len}, kd = {D.batch, D.kv_len};
    if (q_packed) qd = (struct extent_dims){1, shape_only ? D.batch * D.q_len : (size_t)D.q_starts[D.batch]};
    if (kv_packed) kd = (struct extent_dims){1, shape_only ? D.batch * D.kv_len : (size_t)D.kv_starts[D.batch]};
    if (D.block_table) kd = (struct extent_dims){D.page_count, D.page_size};
    if ((q_packed && D.batch > SIZE_MAX / D.q_len) || (kv_packed && D.kv_len && D.batch > SIZE_MAX / D.kv_len))
        return SATTN_E_OVERFLOW;
    const int reads_q = qd.outer && qd.rows, reads_k = reads_kv && kd.outer && kd.rows;
    const size_t q_ext = reads_q ? extent4(qd.outer, p->qs.batch, D.heads, p->qs.head, qd.rows, p->qs.seq, d) : 1;
    const size_t o_ext = reads_q ? extent4(qd.outer, p->os.batch, D.heads, p->os.head, qd.rows, p->os.seq, dv) : 1;
    const size_t k_ext = reads_k ? extent4(kd.outer, p->ks.batch, kvh, p->ks.head, kd.rows, p->ks.seq, d) : 1;
    const size_t v_ext = reads_k ? extent4(kd.outer, p->vs.batch, kvh, p->vs.head, kd.rows, p->vs.seq, dv) : 1;
    const size_t b_ext = reads_kv && p->bias
                             ? extent4(D.batch, p->bs.batch, D.heads, p->bs.head, D.q_len, p->bs.seq, D.kv_len)
                             : 1;
    const size_t lse_ext =
        p->lse && reads_q ? extent4(qd.outer, p->ls.batch, D.heads, p->ls.head, qd.rows, p->ls.seq, 1) : 1;
    const size_t ks_ext =
        reads_k && k_quant ? extent4(kd.outer, p->kss.batch, kvh, p->kss.head, kd.rows, p->kss.seq, d / p->k_group)
                           : 1;
    const size_t vs_ext =
        reads_k && v_quant ? extent4(kd.outer, p->vss.batch, kvh, p->vss.head, kd.rows, p->vss.seq, dv / p->v_group)
                           : 1;
    if (!q_ext || !o_ext || !k_ext || !v_ext || !b_ext || !lse_ext || !ks_ext || !vs_ext) return SATTN_E_OVERFLOW;
    /* kv_len itself must be addressable as a signed offset (masks compare signed positions); ALiBi
     * distances (j - i - off) are kept in 32 bits. */
    if (D.kv_len > (size_t)PTRDIFF_MAX / 2 || D.q_len > (size_t)PTRDIFF_MAX / 2) return SATTN_E_OVERFLOW;
    if (D.alibi_slopes && D.kv_len + D.q_len > (size_t)INT32_MAX) return SATTN_E_OVERFLOW;
    const size_t n[3] = {qd.outer, D.heads, qd.rows}, s[3] = {p->os.batch, p->os.head, p->os.seq};
    const size_t ls[3] = {p->ls.batch, p->ls.head, p->ls.seq};
    if (!rows_disjoint(n, s, dv) || (p->lse && !rows_disjoint(n, ls, 1))) return SATTN_E_STRIDE;
    /* The output may not share memory with what is read: rows are read and written at different
     * times by different threads. */
    const void *reads[] = {q, reads_k ? k : NULL, reads_k ? v : NULL, reads_kv ? p->bias : NULL, D.alibi_slopes,
                           D.sinks, reads_k && k_quant ? D.k_scales : NULL, reads_k && v_quant ? D.v_scales : NULL,
                           D.kv_lens, D.q_lens, D.q_starts, D.kv_starts, D.block_table};
    const size_t read_bytes[] = {sattn_elem_bytes(q_ext, D.q_type), sattn_elem_bytes(k_ext, D.k_type), sattn_elem_bytes(v_ext, D.v_type),
                                 b_ext * sizeof(float), D.heads * sizeof(float), D.heads * sizeof(float),
                                 ks_ext * sizeof(float), vs_ext * sizeof(float), D.batch * sizeof(int32_t),
                                 D.batch * sizeof(int32_t), (D.batch + 1) * sizeof(int32_t),
                                 (D.batch + 1) * sizeof(int32_t), bt_entries * sizeof(int32_t)};
    const size_t o_bytes = sattn_elem_bytes(o_ext, D.o_type), lse_bytes = lse_ext * sizeof(float);
    for (size_t r = 0; r < sizeof reads / sizeof reads[0]; r++)
        if (bytes_overlap(out, o_bytes, reads[r], read_bytes[r]) || bytes_overlap(p->lse, lse_bytes, reads[r], read_bytes[r]))
            return SATTN_E_STRIDE;
    if (shape_only) return SATTN_OK;
    if (bytes_overlap(out, o_bytes, p->lse, lse_bytes)) return SATTN_E_STRIDE;
    return SATTN_OK;
}

sattn_status sattn_attention_check(const sattn_attention_desc *desc, size_t desc_size, const void *q, const void *k,
                                   const void *v, const void *out, struct sattn_attention_problem *p) {
    return check_attention(desc, desc_size, q, k, v, out, p, 0);
}

sattn_status sattn_attention_check_shape(const sattn_attention_desc *desc, size_t desc_size,
                                         struct sattn_attention_problem *p) {
    return check_attention(desc, desc_size, NULL, NULL, NULL, NULL, p, 1);
}

sattn_status sattn_attention_merge(size_t parts, size_t rows, size_t dim, const float *const *outs, size_t ld_in,
                                   const float *const *lses, float *out, size_t ld_out, float *lse) {
    return sattn_attention_merge_ctx(NULL, parts, rows, dim, outs, ld_in, lses, out, ld_out, lse);
}

sattn_status sattn_attention_merge_ctx(sattn_context *ctx, size_t parts, size_t rows, size_t dim,
                                       const float *const *outs, size_t ld_in, const float *const *lses, float *out,
                                       size_t ld_out, float *lse) {
    if (parts == 0 || dim == 0) return SATTN_E_SHAPE;
    if (ld_in < dim || ld_out < dim) return SATTN_E_STRIDE;
    if (rows == 0) return SATTN_OK;
    if (!outs || !lses || !out) return SATTN_E_NULL;
    for (size_t p = 0; p < parts; p++)
        if (!outs[p] || !lses[p]) return SATTN_E_NULL;
    if (!extent_fits(rows, ld_in, dim) || !extent_fits(rows, ld_out, dim)) return SATTN_E_OVERFLOW;
    const size_t in_ext = (rows - 1) * ld_in + dim, out_ext = (rows - 1) * ld_out + dim;
    /* What is written may meet what is read only as documented: out on outs[0] with the same ld
     * (each row is read before it is written), lse on lses[0]. */
    for (size_t p = 0; p < parts; p++) {
        const int out_in_place = p == 0 && out == outs[0] && ld_out == ld_in;
        if ((!out_in_place && spans_overlap(out, out_ext, outs[p], in_ext)) || spans_overlap(out, out_ext, lses[p], rows))
            return SATTN_E_STRIDE;
        if (lse && (spans_overlap(lse, rows, outs[p], in_ext) || (!(p == 0 && lse == lses[0]) &&
                                                                 spans_overlap(lse, rows, lses[p], rows))))
            return SATTN_E_STRIDE;
    }
    if (lse && spans_overlap(lse, rows, out, out_ext)) return SATTN_E_STRIDE;
    const struct sattn_exec x = sattn_exec_for(ctx);
    return sattn_attention_merge_run(&x, parts, rows, dim, outs, ld_in, lses, out, ld_out, lse);
}

sattn_status sattn_attention_sized(const sattn_attention_desc *desc, size_t desc_size, const void *q, const void *k,
                                   const void *v, void *out) {
    return sattn_attention_ctx_sized(NULL, desc, desc_size, q, k, v, out, NULL, 0);
}

sattn_status sattn_attention_ctx_sized(sattn_context *ctx, const sattn_attention_desc *desc, size_t desc_size,
                                       const void *q, const void *k, const void *v, void *out, void *workspace,
                                       size_t workspace_size) {
    struct sattn_attention_problem p;
    const sattn_status st = sattn_attention_check(desc, desc_size, q, k, v, out, &p);
    if (st != SATTN_OK || p.empty) return st;
    const struct sattn_exec x = sattn_exec_for(ctx);
    return sattn_attention_run(&x, &p, workspace, workspace_size);
}

sattn_status sattn_attention_workspace_size_sized(const sattn_context *ctx, const sattn_attention_desc *desc,
                                                  size_t desc_size, size_t *bytes) {
    if (!bytes) return SATTN_E_NULL;
    struct sattn_attention_problem p;
    const sattn_status st = sattn_attention_check_shape(desc, desc_size, &p);
    if (st != SATTN_OK) return st;
    const struct sattn_exec x = sattn_exec_for(ctx);
    const size_t n = sattn_attention_workspace_bytes(&x, &p);
    if (!n && !p.empty) return SATTN_E_OVERFLOW;
    *bytes = n;
    return SATTN_OK;
}

/* The real function behind the header's macro, for callers that cannot expand it. */
sattn_status(sattn_attention)(const sattn_attention_desc *desc, const void *q, const void *k, const void *v, void *out) {
    return sattn_attention_sized(desc, sizeof *desc, q, k, v, out);
}

sattn_status sattn_convert(sattn_dtype from, sattn_dtype to, size_t n, const void *src, void *dst) {
    return sattn_convert_ctx(NULL, from, to, n, src, dst);
}

sattn_status sattn_convert_ctx(sattn_context *ctx, sattn_dtype from, sattn_dtype to, size_t n, const void *src,
                               void *dst) {
    const int f32_from = from == SATTN_DTYPE_F32, f32_to = to == SATTN_DTYPE_F32;
    if (!dtype_valid(from) || !dtype_valid(to) || !dtype_float(from) || !dtype_float(to) ||
        !(f32_from || f32_to || from == to))
        return SATTN_E_ARG;
    if (n == 0) return SATTN_OK;
    if (!src || !dst) return SATTN_E_NULL;
    if (n > (size_t)PTRDIFF_MAX / sizeof(float)) return SATTN_E_OVERFLOW;
    if (!(src == dst && from == to) && bytes_overlap(src, sattn_elem_bytes(n, from), dst, sattn_elem_bytes(n, to))) return SATTN_E_ARG;
    const struct sattn_exec x = sattn_exec_for(ctx);
    return sattn_convert_run(&x, from, to, n, src, dst);
}

sattn_status sattn_quantize(sattn_dtype to, size_t rows, size_t cols, size_t group, const float *x, size_t ldx, void *q,
                            size_t ldq, float *scales) {
    return sattn_quantize_ctx(NULL, to, rows, cols, group, x, ldx, q, ldq, scales);
}

sattn_status sattn_quantize_ctx(sattn_context *ctx, sattn_dtype to, size_t rows, size_t cols, size_t group,
                                const float *x, size_t ldx, void *q, size_t ldq, float *scales) {
    if (!dtype_valid(to) || !sattn_dtype_quantized(to)) return SATTN_E_ARG;
    if (cols == 0) return SATTN_E_SHAPE;
    if (group == 0) group = cols;
    if (cols % group) return SATTN_E_SHAPE;
    if (ldx < cols || ldq < cols || (to == SATTN_DTYPE_I4 && (ldq & 1))) return SATTN_E_STRIDE;
    if (rows == 0) return SATTN_OK;
    if (!x || !q || !scales) return SATTN_E_NULL;
    if (!extent_fits(rows, ldx, cols) || !extent_fits(rows, ldq, cols)) return SATTN_E_OVERFLOW;
    const size_t x_bytes = ((rows - 1) * ldx + cols) * sizeof(float), q_bytes = sattn_elem_bytes((rows - 1) * ldq + cols, to);
    const size_t s_bytes = rows * (cols / group) * sizeof(float);
    if (bytes_overlap(x, x_bytes, q, q_bytes) || bytes_overlap(x, x_bytes, scales, s_bytes) ||
        bytes_overlap(q, q_bytes, scales, s_bytes))
        return SATTN_E_ARG;
    const struct sattn_exec e = sattn_exec_for(ctx);
    return sattn_quantize_run(&e, to, rows, cols, group, x, ldx, q, ldq, scales);
}

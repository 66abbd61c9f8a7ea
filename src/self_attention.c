/* The self-attention layer: Q, K, V = x·W_q, x·W_k, x·W_v (one sgemm each over all tokens),
 * fused attention reading them tokens-major through strides, then ·W_o. The intermediates live
 * in the workspace; y is written only by the last stage, so a failure leaves it untouched. */
#include <stddef.h>
#include <string.h>

#include "internal.h"

/* Workspace layout: Q, K, V and (with W_o) the concatenated heads, each [batch*seq, heads*head_dim],
 * each 64-byte aligned, plus slack to align a caller's pointer; then the scratch of the sgemm and
 * attention steps (one at a time, so the larger of them). 0 on overflow. */
static size_t tensor_bytes(const sattn_self_attention_desc *d, size_t *tensor_floats) {
    size_t tokens, width, floats, total;
    if (__builtin_mul_overflow(d->batch, d->seq_len, &tokens) || __builtin_mul_overflow(d->heads, d->head_dim, &width) ||
        __builtin_mul_overflow(tokens, width, &floats) || floats > (size_t)PTRDIFF_MAX / sizeof(float) / 8)
        return 0;
    *tensor_floats = sattn_round_floats(floats);
    total = 4 * *tensor_floats * sizeof(float) + SATTN_ALIGN;
    return total;
}

/* The attention step reads Q, K, V tokens-major from the workspace. */
static sattn_attention_desc attention_desc(const sattn_self_attention_desc *d) {
    const size_t width = d->heads * d->head_dim;
    sattn_attention_desc ad;
    memset(&ad, 0, sizeof ad);
    ad.batch = d->batch;
    ad.heads = d->heads;
    ad.q_len = ad.kv_len = d->seq_len;
    ad.head_dim = d->head_dim;
    ad.causal = d->causal;
    ad.kv_lens = ad.q_lens = d->seq_lens; /* each sequence causal from its own first token */
    ad.q_strides = ad.k_strides = ad.v_strides = ad.o_strides = (sattn_strides){d->seq_len * width, d->head_dim, width};
    return ad;
}

/* The scratch bytes the sgemm and attention steps need with x's workers; 0 on overflow. */
static size_t scratch_bytes(const struct sattn_exec *x, const sattn_self_attention_desc *d) {
    const size_t width = d->heads * d->head_dim, tokens = d->batch * d->seq_len;
    const sattn_attention_desc ad = attention_desc(d);
    struct sattn_attention_problem p;
    if (sattn_attention_check_shape(&ad, sizeof ad, &p) != SATTN_OK) return 0;
    const size_t attn = sattn_attention_workspace_bytes(x, &p);
    const size_t proj = sattn_gemm_workspace_bytes(x, tokens, width, d->d_model);
    const size_t out = sattn_gemm_workspace_bytes(x, tokens, d->d_model, width);
    if (!attn || !proj || !out) return 0;
    return sattn_max(attn, sattn_max(proj, out));
}

/* Whether [a, a + a_bytes) and [b, b + b_bytes) share a byte (b NULL: nothing is read there). */
static int bytes_overlap(const void *a, size_t a_bytes, const void *b, size_t b_bytes) {
    const uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
    return b && a0 < b0 + b_bytes && b0 < a0 + a_bytes;
}

static int desc_valid(const sattn_self_attention_desc *d) {
    return d && d->d_model && d->heads && d->head_dim;
}

/* Everything a call needs with x's workers; 0 when invalid, empty or overflowing. */
static size_t workspace_bytes(const struct sattn_exec *x, const sattn_self_attention_desc *d, size_t *tensors_end,
                              size_t *tensor_floats) {
    size_t scratch, total;
    if (!desc_valid(d) || d->batch == 0 || d->seq_len == 0) return 0;
    if (!(*tensors_end = tensor_bytes(d, tensor_floats)) || !(scratch = scratch_bytes(x, d)) ||
        __builtin_add_overflow(*tensors_end, scratch, &total) || total > (size_t)PTRDIFF_MAX)
        return 0;
    return total;
}

size_t sattn_self_attention_workspace_size_ctx(const sattn_context *ctx, const sattn_self_attention_desc *desc) {
    const struct sattn_exec x = sattn_exec_for(ctx);
    size_t tensors_end, tensor;
    return workspace_bytes(&x, desc, &tensors_end, &tensor);
}

size_t sattn_self_attention_workspace_size(const sattn_self_attention_desc *desc) {
    return sattn_self_attention_workspace_size_ctx(NULL, desc);
}

/* The smallest descriptor a caller may pass: the fields of 0.1. */
#define LAYER_DESC_MIN_SIZE offsetof(sattn_self_attention_desc, b_q)

/* rows x n of c = the bias row, which the sgemm then adds its product to (beta 1); without a bias the sgemm
 * overwrites c (beta 0). Blocks of rows across the workers. */
#define BIAS_ROWS 64
struct bias_fill {
    const float *bias;
    size_t rows, n;
    float *c;
};

static void fill_bias_item(void *arg, size_t item, size_t worker) {
    (void)worker;
    const struct bias_fill *f = arg;
    const size_t end = sattn_min(f->rows, (item + 1) * BIAS_ROWS);
    for (size_t r = item * BIAS_ROWS; r < end; r++) memcpy(f->c + r * f->n, f->bias, f->n * sizeof *f->c);
}

static float fill_bias(const struct sattn_exec *x, const float *bias, size_t rows, size_t n, float *c) {
    if (!bias) return 0.0f;
    struct bias_fill f = {bias, rows, n, c};
    const size_t blocks = sattn_div_up(rows, BIAS_ROWS);
    sattn_parallel(x, sattn_workers_for(x, blocks, 4), blocks, SATTN_STATIC, fill_bias_item, &f);
    return 1.0f;
}

sattn_status(sattn_self_attention)(const sattn_self_attention_desc *desc, const float *x, const float *w_q,
                                   const float *w_k, const float *w_v, const float *w_o, float *y, void *workspace,
                                   size_t workspace_size) {
    return sattn_self_attention_ctx_sized(NULL, desc, sizeof *desc, x, w_q, w_k, w_v, w_o, y, workspace,
                                          workspace_size);
}

sattn_status(sattn_self_attention_ctx)(sattn_context *ctx, const sattn_self_attention_desc *desc, const float *x,
                                       const float *w_q, const float *w_k, const float *w_v, const float *w_o,
                                       float *y, void *workspace, size_t workspace_size) {
    return sattn_self_attention_ctx_sized(ctx, desc, sizeof *desc, x, w_q, w_k, w_v, w_o, y, workspace,
                                          workspace_size);
}

sattn_status sattn_self_attention_ctx_sized(sattn_context *ctx, const sattn_self_attention_desc *desc,
                                            size_t desc_size, const float *x, const float *w_q, const float *w_k,
                                            const float *w_v, const float *w_o, float *y, void *workspace,
                                            size_t workspace_size) {
    if (!desc) return SATTN_E_NULL;
    sattn_self_attention_desc d;
    if (!sattn_copy_desc(&d, sizeof d, desc, desc_size, LAYER_DESC_MIN_SIZE)) return SATTN_E_ARG;
    desc = &d;
    if (!desc_valid(desc)) return SATTN_E_SHAPE;
    if (desc->batch == 0 || desc->seq_len == 0) return SATTN_OK;
    if (!x || !w_q || !w_k || !w_v || !y) return SATTN_E_NULL;
    if (desc->b_o && !w_o) return SATTN_E_ARG;
    if (desc->seq_lens)
        for (size_t b = 0; b < desc->batch; b++)
            if (desc->seq_lens[b] < 0 || (size_t)desc->seq_lens[b] > desc->seq_len) return SATTN_E_ARG;
    const size_t D = desc->d_model, H = desc->heads, dh = desc->head_dim, S = desc->seq_len;
    const struct sattn_exec ex = sattn_exec_for(ctx);
    size_t tensor, tensors_end;
    const size_t need = workspace_bytes(&ex, desc, &tensors_end, &tensor);
    size_t dm_sq, tokens_d;
    if (!need || __builtin_mul_overflow(D, H * dh, &dm_sq) || dm_sq > (size_t)PTRDIFF_MAX / sizeof(float) ||
        __builtin_mul_overflow(desc->batch * S, D, &tokens_d) || tokens_d > (size_t)PTRDIFF_MAX / sizeof(float))
        return SATTN_E_OVERFLOW;
    /* A smaller workspace runs on fewer workers; it must hold the tensors and one worker's scratch. */
    struct sattn_exec one = ex;
    one.threads = 1;
    if (workspace && workspace_size < tensors_end + scratch_bytes(&one, desc)) return SATTN_E_ARG;
    /* y is written while x, the weights and the workspace are still being read. */
    const size_t width_floats = H * dh, y_floats = desc->batch * S * (w_o ? D : width_floats);
    const void *reads[] = {x, w_q, w_k, w_v, w_o, workspace, desc->b_q, desc->b_k, desc->b_v, desc->b_o};
    const size_t read_bytes[] = {tokens_d * sizeof(float), dm_sq * sizeof(float), dm_sq * sizeof(float),
                                 dm_sq * sizeof(float), dm_sq * sizeof(float), workspace ? workspace_size : 0,
                                 width_floats * sizeof(float), width_floats * sizeof(float),
                                 width_floats * sizeof(float), D * sizeof(float)};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
        if (bytes_overlap(y, y_floats * sizeof(float), reads[i], read_bytes[i])) return SATTN_E_STRIDE;

    const size_t width = H * dh, tokens = desc->batch * S;
    const sattn_attention_desc ad = attention_desc(desc);
    void *owned = NULL;
    if (!workspace) {
        workspace_size = need;
        workspace = owned = sattn_ctx_alloc(ex.ctx, need);
        if (!workspace) return SATTN_E_NOMEM;
    }
    float *base = (float *)(((uintptr_t)workspace + SATTN_ALIGN - 1) & ~(uintptr_t)(SATTN_ALIGN - 1));
    float *q = base, *k = q + tensor, *v = k + tensor, *heads = w_o ? v + tensor : y;
    void *scratch = (char *)workspace + tensors_end;
    const size_t scratch_size = workspace_size - tensors_end;

    struct sattn_attention_problem p;
    sattn_status st = SATTN_OK;
    /* PyTorch's layout [out, in] is the transpose of x·W's [in, out]: the sgemm reads it as op(B) = Bᵀ. */
    const sattn_trans tw = desc->weights_transposed ? SATTN_TRANS : SATTN_NOTRANS;
    const float *weights[3] = {w_q, w_k, w_v}, *biases[3] = {desc->b_q, desc->b_k, desc->b_v};
    float *projected[3] = {q, k, v};
    for (int t = 0; t < 3 && st == SATTN_OK; t++) {
        const float beta = fill_bias(&ex, biases[t], tokens, width, projected[t]);
        st = sattn_gemm_run(&ex, SATTN_NOTRANS, tw, tokens, width, D, 1.0f, x, D, weights[t], tw ? D : width, beta,
                            projected[t], width, scratch, scratch_size);
    }
    if (st == SATTN_OK) st = sattn_attention_check(&ad, sizeof ad, q, k, v, heads, &p);
    if (st == SATTN_OK) st = sattn_attention_run(&ex, &p, scratch, scratch_size);
    if (st == SATTN_OK && desc->seq_lens) /* the rows of padding tokens, not computed: zero heads */
        for (size_t b = 0; b < desc->batch; b++)
            memset(heads + (b * S + (size_t)desc->seq_lens[b]) * width, 0,
                   (S - (size_t)desc->seq_lens[b]) * width * sizeof *heads);
    if (st == SATTN_OK && w_o) {
        /* y is written only now, when nothing can fail any more. */
        const float beta = fill_bias(&ex, desc->b_o, tokens, D, y);
        st = sattn_gemm_run(&ex, SATTN_NOTRANS, tw, tokens, D, width, 1.0f, heads, width, w_o, tw ? width : D, beta, y,
                            D, scratch, scratch_size);
    }
    sattn_ctx_free(ex.ctx, owned);
    return st;
}

/* The attention router: a validated problem goes to the split-KV decode driver when it has only a
 * few query rows per K/V head (one token, or a few speculative ones, times the GQA group), and to
 * the prefill driver otherwise. Both produce the same result contract (README: two paths). */
#include "internal.h"

static int is_decode(const struct sattn_exec *x, const struct sattn_attention_problem *p) {
    return p->q_len * (p->heads / p->kv_heads) <= x->k->decode_max_rows;
}

size_t sattn_attention_workspace_bytes(const struct sattn_exec *x, const struct sattn_attention_problem *p) {
    if (p->empty) return 0;
    size_t workers;
    const struct sattn_scratch need = is_decode(x, p)
                                          ? sattn_attention_decode_scratch(x, p, SATTN_DECODE_PARTIAL_FLOATS, &workers)
                                          : sattn_attention_prefill_scratch(x, p, &workers);
    return sattn_scratch_bytes(need, workers);
}

sattn_status sattn_attention_run(const struct sattn_exec *x, const struct sattn_attention_problem *p, void *workspace,
                                 size_t workspace_size) {
    if (p->empty) return SATTN_OK;
    if (is_decode(x, p))
        return sattn_attention_decode_run(x, p, SATTN_DECODE_PARTIAL_FLOATS, workspace, workspace_size);
    return sattn_attention_prefill_run(x, p, workspace, workspace_size);
}

/* The attention router: a validated problem goes to the split-KV decode driver when it has only a
 * few query rows per K/V head (one token, or a few speculative ones, times the GQA group), and to
 * the prefill driver otherwise. Both produce the same result contract (README: two paths). */
#include "internal.h"

sattn_status sattn_attention_run(const struct sattn_exec *x, const struct sattn_attention_problem *p) {
    if (p->empty) return SATTN_OK;
    if (p->q_len * (p->heads / p->kv_heads) <= SATTN_DECODE_MAX_ROWS)
        return sattn_attention_decode_run(x, p, SATTN_DECODE_PARTIAL_FLOATS);
    return sattn_attention_prefill_run(x, p);
}

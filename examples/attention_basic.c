/* The README's example: causal multi-head attention over a tokens-major [seq, heads, dim] layout,
 * checked against the library's own sgemm + softmax route for one head. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sattn.h>

int main(void) {
    enum { SEQ = 6, HEADS = 2, DIM = 4 };
    float q[SEQ * HEADS * DIM], k[SEQ * HEADS * DIM], v[SEQ * HEADS * DIM], out[SEQ * HEADS * DIM];
    for (int i = 0; i < SEQ * HEADS * DIM; i++) {
        q[i] = sinf(0.3f * i), k[i] = cosf(0.2f * i), v[i] = (float)(i % 7) - 3.0f;
    }

    /* Tokens-major layout, as engines store it: element (h, t, c) at t*HEADS*DIM + h*DIM + c. */
    const sattn_strides tokens_major = {SEQ * HEADS * DIM, DIM, HEADS * DIM};
    sattn_attention_desc desc = {
        .batch = 1, .heads = HEADS, .q_len = SEQ, .kv_len = SEQ, .head_dim = DIM, .causal = 1,
        .q_strides = tokens_major, .k_strides = tokens_major, .v_strides = tokens_major, .o_strides = tokens_major,
    };
    sattn_status st = sattn_attention(&desc, q, k, v, out);
    if (st != SATTN_OK) {
        fprintf(stderr, "sattn_attention: %s\n", sattn_strerror(st));
        return 1;
    }

    /* The same head 0 the long way: S = Q·Kᵀ / sqrt(d) (causal entries -inf), P = softmax(S), O = P·V. */
    float s[SEQ * SEQ], o[SEQ * DIM];
    sattn_sgemm(SATTN_NOTRANS, SATTN_TRANS, SEQ, SEQ, DIM, 1.0f / sqrtf(DIM), q, HEADS * DIM, k, HEADS * DIM, 0.0f, s,
                SEQ);
    for (int i = 0; i < SEQ; i++)
        for (int j = i + 1; j < SEQ; j++) s[i * SEQ + j] = -INFINITY;
    sattn_softmax(SEQ, SEQ, s, SEQ, s, SEQ);
    sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, SEQ, DIM, SEQ, 1.0f, s, SEQ, v, HEADS * DIM, 0.0f, o, DIM);

    float worst = 0;
    for (int t = 0; t < SEQ; t++)
        for (int c = 0; c < DIM; c++) worst = fmaxf(worst, fabsf(o[t * DIM + c] - out[t * HEADS * DIM + c]));
    printf("sattn %s on %s: head 0, token 5 -> [%.4f %.4f %.4f %.4f], fused vs unfused max diff %.2g\n",
           sattn_version(), sattn_isa_name(sattn_get_isa()), out[5 * HEADS * DIM], out[5 * HEADS * DIM + 1],
           out[5 * HEADS * DIM + 2], out[5 * HEADS * DIM + 3], worst);
    return worst < 1e-5f ? 0 : 1;
}

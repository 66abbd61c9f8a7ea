/* A BERT encoder (the architecture of all-MiniLM-L6-v2) on sattn: embeddings, then per layer the
 * self-attention layer (sattn_self_attention: biases, padding as per-sequence lengths, PyTorch's weight
 * layout), a residual and LayerNorm, the feed-forward network (sattn_sgemm, GELU with erf), a residual
 * and LayerNorm; mean pooling and L2 normalisation give the sentence embedding. */
#ifndef MINILM_BERT_H
#define MINILM_BERT_H

#include <sattn.h>
#include <stddef.h>
#include <stdint.h>

#define BERT_MAX_LAYERS 64

struct bert_layer {
    const float *w_q, *b_q, *w_k, *b_k, *w_v, *b_v, *w_o, *b_o; /* [out, in] weights */
    const float *ln1_w, *ln1_b, *w_up, *b_up, *w_down, *b_down, *ln2_w, *ln2_b;
};

typedef struct bert_model {
    size_t layers, hidden, heads, ffn, vocab, max_positions;
    float eps;
    const float *word, *position, *token_type, *emb_ln_w, *emb_ln_b;
    struct bert_layer layer[BERT_MAX_LAYERS];
    void *weights; /* the safetensors file the pointers point into */
} bert_model;

/* Reads MODEL_DIR/config.json and MODEL_DIR/model.safetensors; NULL with a message in err on error. */
bert_model *bert_load(const char *model_dir, char *err, size_t err_size);
void bert_free(bert_model *m);

/* The last hidden states [batch, seq, hidden] of ids [batch, seq] (each row lens[b] tokens then padding)
 * under ctx (NULL: sattn's default). SATTN_OK, or the status of the sattn call that failed. */
sattn_status bert_encode(const bert_model *m, sattn_context *ctx, size_t batch, size_t seq, const int32_t *ids,
                         const int32_t *lens, float *hidden);

/* Sentence embeddings [batch, hidden]: the mean of each row's first lens[b] hidden states, L2-normalised. */
void bert_mean_pool(const bert_model *m, size_t batch, size_t seq, const float *hidden, const int32_t *lens,
                    float *embeddings);

#endif

/* BERT's uncased WordPiece tokenizer, as the tokenizers package runs it from a BERT tokenizer.json
 * (BertNormalizer with lowercase and accent stripping, BertPreTokenizer, WordPiece with "##"
 * continuations, [CLS] ... [SEP]), reading the vocabulary from vocab.txt (one token per line, the
 * line number is the id). */
#ifndef MINILM_WORDPIECE_H
#define MINILM_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

typedef struct wordpiece wordpiece;

/* NULL on error with a message in err; the vocabulary must hold [UNK], [CLS] and [SEP]. */
wordpiece *wordpiece_load(const char *vocab_path, char *err, size_t err_size);
void wordpiece_free(wordpiece *wp);

/* [CLS], the tokens of text (UTF-8; invalid bytes are dropped like the control characters), [SEP]: at most
 * max_ids ids (>= 2; the text's tokens are cut to max_ids - 2, as truncation to max_ids does). Returns the
 * number of ids written. */
size_t wordpiece_encode(const wordpiece *wp, const char *text, int32_t *ids, size_t max_ids);

/* The token of an id (NULL outside the vocabulary) and the id of a token (-1 if absent). */
const char *wordpiece_token(const wordpiece *wp, int32_t id);
int32_t wordpiece_id(const wordpiece *wp, const char *token);

#endif

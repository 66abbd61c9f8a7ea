/* A minimal reader of the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte
 * little-endian header length n, n bytes of JSON naming each tensor's dtype, shape and byte range, then
 * the raw little-endian tensors. Everything is checked before a tensor is handed out: the header's
 * syntax, known dtypes, ranges inside the file, ranges that match their shapes. */
#ifndef MINILM_SAFETENSORS_H
#define MINILM_SAFETENSORS_H

#include <stddef.h>

typedef struct safetensors safetensors;

/* NULL on any error, with a message in err (err_size bytes). */
safetensors *safetensors_open(const char *path, char *err, size_t err_size);
void safetensors_close(safetensors *st);

/* The F32 tensor `name` if it exists with exactly this shape; else NULL with a message in err. */
const float *safetensors_f32(const safetensors *st, const char *name, size_t ndim, const size_t *shape, char *err,
                             size_t err_size);
/* The shape of tensor `name` (up to max_dims dimensions written); its number of dimensions, or -1 if absent. */
int safetensors_shape(const safetensors *st, const char *name, size_t *shape, size_t max_dims);

#endif

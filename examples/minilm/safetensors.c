/* The safetensors reader: the header's JSON is parsed by a small recursive-descent parser that knows
 * just enough JSON to read any valid header (objects, arrays, strings with escapes, numbers, literals)
 * and keeps, per tensor, its dtype, shape and byte range. */
#include "safetensors.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIMS 8
#define MAX_DEPTH 16
#define MAX_HEADER (100u << 20) /* the format's own limit on the header, 100 MB */

struct tensor {
    char *name;
    char dtype[8];
    size_t ndim, shape[MAX_DIMS];
    uint64_t begin, end; /* byte range inside the data section */
};

struct safetensors {
    struct tensor *tensors;
    size_t count;
    unsigned char *data; /* the data section, malloc'd: aligned for any type */
    uint64_t data_bytes;
};

static void fail(char *err, size_t err_size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err && err_size) vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

/* ---- JSON ---- */

struct parser {
    const char *p, *end;
    int depth;
};

static void skip_space(struct parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int expect(struct parser *ps, char c) {
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return 1;
    }
    return 0;
}

/* A string, unescaped into a malloc'd buffer (*out may be NULL to skip it). \u escapes become UTF-8. */
static int parse_string(struct parser *ps, char **out) {
    if (!expect(ps, '"')) return 0;
    const char *start = ps->p;
    size_t cap = 1;
    while (ps->p < ps->end && *ps->p != '"') {
        if (*ps->p == '\\') ps->p++;
        if (ps->p < ps->end && (unsigned char)*ps->p < 0x20) return 0;
        ps->p++, cap += 4;
    }
    if (ps->p >= ps->end) return 0;
    const char *stop = ps->p++;
    if (!out) return 1;
    char *s = malloc(cap), *w = s;
    if (!s) return 0;
    for (const char *r = start; r < stop; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        r++;
        switch (*r) {
        case '"': case '\\': case '/': *w++ = *r; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned v = 0;
            for (int i = 1; i <= 4; i++) {
                const char c = r + i < stop ? r[i] : 0;
                const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (d < 0) return free(s), 0;
                v = v * 16 + (unsigned)d;
            }
            r += 4;
            /* Surrogates are kept as their own code units: tensor names are ASCII in practice. */
            if (v < 0x80) *w++ = (char)v;
            else if (v < 0x800) *w++ = (char)(0xC0 | v >> 6), *w++ = (char)(0x80 | (v & 63));
            else *w++ = (char)(0xE0 | v >> 12), *w++ = (char)(0x80 | (v >> 6 & 63)), *w++ = (char)(0x80 | (v & 63));
            break;
        }
        default: return free(s), 0;
        }
    }
    *w = 0;
    *out = s;
    return 1;
}

/* A non-negative integer that fits in 64 bits (the only numbers a header's tensors carry). */
static int parse_u64(struct parser *ps, uint64_t *v) {
    skip_space(ps);
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return 0;
    uint64_t x = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        const unsigned d = (unsigned)(*ps->p++ - '0');
        if (x > (UINT64_MAX - d) / 10) return 0;
        x = x * 10 + d;
    }
    *v = x;
    return 1;
}

static int skip_value(struct parser *ps);

/* [a, b, ...] of non-negative integers, at most max of them. */
static int parse_u64_array(struct parser *ps, uint64_t *v, size_t max, size_t *n) {
    *n = 0;
    if (!expect(ps, '[')) return 0;
    if (expect(ps, ']')) return 1;
    do {
        if (*n == max || !parse_u64(ps, &v[*n])) return 0;
        ++*n;
    } while (expect(ps, ','));
    return expect(ps, ']');
}

static int skip_value(struct parser *ps) {
    skip_space(ps);
    if (ps->p >= ps->end || ++ps->depth > MAX_DEPTH) return 0;
    int ok = 1;
    const char c = *ps->p;
    if (c == '"') {
        ok = parse_string(ps, NULL);
    } else if (c == '{' || c == '[') {
        const char close = c == '{' ? '}' : ']';
        ps->p++;
        if (!expect(ps, close)) {
            do {
                if (c == '{') ok = parse_string(ps, NULL) && expect(ps, ':');
                ok = ok && skip_value(ps);
            } while (ok && expect(ps, ','));
            ok = ok && expect(ps, close);
        }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        ps->p++;
        while (ps->p < ps->end && strchr("0123456789+-.eE", *ps->p)) ps->p++;
    } else {
        static const char *const literals[] = {"true", "false", "null"};
        ok = 0;
        for (int i = 0; i < 3 && !ok; i++) {
            const size_t n = strlen(literals[i]);
            if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, literals[i], n) == 0) ps->p += n, ok = 1;
        }
    }
    ps->depth--;
    return ok;
}

/* {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]} in any order; other keys skipped. */
static int parse_tensor(struct parser *ps, struct tensor *t, char *err, size_t err_size) {
    int have_dtype = 0, have_shape = 0, have_offsets = 0;
    if (!expect(ps, '{')) return 0;
    do {
        char *key = NULL;
        if (!parse_string(ps, &key) || !expect(ps, ':')) return free(key), 0;
        int ok;
        if (strcmp(key, "dtype") == 0) {
            char *dtype = NULL;
            ok = parse_string(ps, &dtype) && strlen(dtype) < sizeof t->dtype;
            if (ok) strcpy(t->dtype, dtype), have_dtype = 1;
            free(dtype);
        } else if (strcmp(key, "shape") == 0) {
            uint64_t dims[MAX_DIMS];
            ok = parse_u64_array(ps, dims, MAX_DIMS, &t->ndim);
            for (size_t i = 0; ok && i < t->ndim; i++) {
                ok = dims[i] <= SIZE_MAX;
                t->shape[i] = (size_t)dims[i];
            }
            have_shape = ok;
        } else if (strcmp(key, "data_offsets") == 0) {
            uint64_t range[2];
            size_t n;
            ok = parse_u64_array(ps, range, 2, &n) && n == 2;
            t->begin = range[0], t->end = range[1];
            have_offsets = ok;
        } else {
            ok = skip_value(ps);
        }
        free(key);
        if (!ok) return 0;
    } while (expect(ps, ','));
    if (!expect(ps, '}')) return 0;
    if (!have_dtype || !have_shape || !have_offsets) {
        fail(err, err_size, "tensor \"%s\" lacks dtype, shape or data_offsets", t->name);
        return 0;
    }
    return 1;
}

static size_t dtype_bytes(const char *dtype) {
    static const struct {
        const char *name;
        size_t bytes;
    } types[] = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2},
                 {"I8", 1},  {"U8", 1},  {"BOOL", 1}, {"U16", 2}, {"U32", 4}, {"U64", 8}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dtype, types[i].name) == 0) return types[i].bytes;
    return 0;
}

/* The top-level object: "__metadata__" is skipped, every other key is a tensor. */
static int parse_header(struct parser *ps, safetensors *st, char *err, size_t err_size) {
    if (!expect(ps, '{')) return 0;
    if (expect(ps, '}')) return 1;
    size_t cap = 0;
    do {
        char *name = NULL;
        if (!parse_string(ps, &name) || !expect(ps, ':')) return free(name), 0;
        if (strcmp(name, "__metadata__") == 0) {
            free(name);
            if (!skip_value(ps)) return 0;
            continue;
        }
        if (st->count == cap) {
            cap = cap ? 2 * cap : 64;
            struct tensor *grown = realloc(st->tensors, cap * sizeof *grown);
            if (!grown) return free(name), 0;
            st->tensors = grown;
        }
        struct tensor *t = &st->tensors[st->count++];
        memset(t, 0, sizeof *t);
        t->name = name;
        if (!parse_tensor(ps, t, err, err_size)) return 0;
    } while (expect(ps, ','));
    if (!expect(ps, '}')) return 0;
    skip_space(ps);
    return ps->p == ps->end; /* trailing spaces (the format's padding) only */
}

/* Every tensor: a known dtype, a range inside the data that holds exactly its shape, a unique name. */
static int check_tensors(const safetensors *st, char *err, size_t err_size) {
    for (size_t i = 0; i < st->count; i++) {
        const struct tensor *t = &st->tensors[i];
        const size_t elem = dtype_bytes(t->dtype);
        if (!elem) return fail(err, err_size, "tensor \"%s\": unknown dtype \"%s\"", t->name, t->dtype), 0;
        uint64_t bytes = elem;
        for (size_t d = 0; d < t->ndim; d++)
            if (__builtin_mul_overflow(bytes, (uint64_t)t->shape[d], &bytes))
                return fail(err, err_size, "tensor \"%s\": shape overflows", t->name), 0;
        if (t->begin > t->end || t->end > st->data_bytes)
            return fail(err, err_size, "tensor \"%s\": bytes [%llu, %llu) outside the data (%llu bytes)", t->name,
                        (unsigned long long)t->begin, (unsigned long long)t->end,
                        (unsigned long long)st->data_bytes), 0;
        if (t->end - t->begin != bytes)
            return fail(err, err_size, "tensor \"%s\": %llu bytes for a shape of %llu", t->name,
                        (unsigned long long)(t->end - t->begin), (unsigned long long)bytes), 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(st->tensors[j].name, t->name) == 0)
                return fail(err, err_size, "tensor \"%s\" named twice", t->name), 0;
    }
    return 1;
}

safetensors *safetensors_open(const char *path, char *err, size_t err_size) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    fail(err, err_size, "%s: safetensors data is little-endian and this machine is not", path);
    return NULL;
#endif
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, err_size, "%s: cannot open", path), NULL;
    safetensors *st = calloc(1, sizeof *st);
    char *header = NULL;
    unsigned char len_bytes[8];
    uint64_t n = 0;
    long file_size = -1;
    if (fseek(f, 0, SEEK_END) == 0) file_size = ftell(f);
    rewind(f);
    if (!st || file_size < 0) {
        fail(err, err_size, "%s: cannot read", path);
        goto bad;
    }
    if (fread(len_bytes, 1, 8, f) != 8) {
        fail(err, err_size, "%s: shorter than the 8-byte header length", path);
        goto bad;
    }
    for (int i = 7; i >= 0; i--) n = n << 8 | len_bytes[i];
    if (n < 2 || n > MAX_HEADER || n > (uint64_t)file_size - 8) {
        fail(err, err_size, "%s: header length %llu does not fit a file of %ld bytes", path, (unsigned long long)n,
             file_size);
        goto bad;
    }
    header = malloc((size_t)n);
    st->data_bytes = (uint64_t)file_size - 8 - n;
    st->data = malloc(st->data_bytes ? (size_t)st->data_bytes : 1);
    if (!header || !st->data || fread(header, 1, (size_t)n, f) != n ||
        fread(st->data, 1, (size_t)st->data_bytes, f) != st->data_bytes) {
        fail(err, err_size, "%s: cannot read %llu bytes", path, (unsigned long long)(n + st->data_bytes));
        goto bad;
    }
    struct parser ps = {header, header + n, 0};
    if (err && err_size) err[0] = 0;
    if (!parse_header(&ps, st, err, err_size)) {
        if (!err || !err[0]) fail(err, err_size, "%s: malformed JSON header near byte %ld", path, (long)(ps.p - header) + 8);
        goto bad;
    }
    if (!check_tensors(st, err, err_size)) goto bad;
    free(header);
    fclose(f);
    return st;
bad:
    free(header);
    fclose(f);
    safetensors_close(st);
    return NULL;
}

void safetensors_close(safetensors *st) {
    if (!st) return;
    for (size_t i = 0; i < st->count; i++) free(st->tensors[i].name);
    free(st->tensors);
    free(st->data);
    free(st);
}

static const struct tensor *find(const safetensors *st, const char *name) {
    for (size_t i = 0; i < st->count; i++)
        if (strcmp(st->tensors[i].name, name) == 0) return &st->tensors[i];
    return NULL;
}

int safetensors_shape(const safetensors *st, const char *name, size_t *shape, size_t max_dims) {
    const struct tensor *t = find(st, name);
    if (!t) return -1;
    for (size_t d = 0; d < t->ndim && d < max_dims; d++) shape[d] = t->shape[d];
    return (int)t->ndim;
}

const float *safetensors_f32(const safetensors *st, const char *name, size_t ndim, const size_t *shape, char *err,
                             size_t err_size) {
    const struct tensor *t = find(st, name);
    if (!t) return fail(err, err_size, "no tensor \"%s\"", name), NULL;
    if (strcmp(t->dtype, "F32") != 0) return fail(err, err_size, "tensor \"%s\" is %s, not F32", name, t->dtype), NULL;
    int same = t->ndim == ndim;
    for (size_t d = 0; same && d < ndim; d++) same = t->shape[d] == shape[d];
    if (!same) return fail(err, err_size, "tensor \"%s\" has another shape than expected", name), NULL;
    if (t->begin % sizeof(float))
        return fail(err, err_size, "tensor \"%s\" starts at byte %llu, not float-aligned", name,
                    (unsigned long long)t->begin), NULL;
    return (const float *)(st->data + t->begin);
}

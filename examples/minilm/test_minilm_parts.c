/* The model program's readers without the model: the WordPiece tokenizer on a small vocabulary
 * (normalisation, punctuation, "##" pieces, [UNK], CJK, truncation) and the safetensors reader on a
 * valid file and on malformed ones, each of which must be refused with a message, never read out of
 * bounds (this test runs under AddressSanitizer and valgrind too).
 *
 *   test_minilm_parts SCRATCH_DIR */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"
#include "wordpiece.h"

static int failures;

#define CHECK(cond, ...)                                    \
    do {                                                    \
        if (!(cond)) {                                      \
            printf("FAIL line %d: ", __LINE__);             \
            printf(__VA_ARGS__);                            \
            printf("\n");                                   \
            failures++;                                     \
        }                                                   \
    } while (0)

static const char *const vocab[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "bank", "river", "un", "##aff",
                                    "##able", "cafe", "!", ",", "'", "s", "it", "北", "京", "ω", "straße", "strasse",
                                    "i", "istanbul", "$", "5", "."};

/* The tokens of text joined by spaces. */
static void tokens_of(const wordpiece *wp, const char *text, size_t max_ids, char *out, size_t out_size) {
    int32_t ids[64];
    const size_t n = wordpiece_encode(wp, text, ids, max_ids);
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        strncat(out, i ? " " : "", out_size - strlen(out) - 1);
        strncat(out, wordpiece_token(wp, ids[i]), out_size - strlen(out) - 1);
    }
}

static void test_wordpiece(const char *dir) {
    char path[512], err[256] = "", got[512];
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    FILE *f = fopen(path, "w");
    for (size_t i = 0; i < sizeof vocab / sizeof vocab[0]; i++) fprintf(f, "%s\n", vocab[i]);
    fclose(f);
    wordpiece *wp = wordpiece_load(path, err, sizeof err);
    CHECK(wp, "vocabulary refused: %s", err);
    if (!wp) return;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"The river bank!", "[CLS] the river bank ! [SEP]"},
        {"  unaffable,un-affable ", "[CLS] un ##aff ##able , un [UNK] [UNK] [SEP]"},
        {"Café CAFÉ café", "[CLS] cafe cafe cafe [SEP]"}, /* precomposed and combining accents */
        {"It's $5.", "[CLS] it ' s $ 5 . [SEP]"},
        {"北京Ω", "[CLS] 北 京 ω [SEP]"},
        {"STRASSE Straße", "[CLS] strasse straße [SEP]"}, /* ß has no decomposition and stays */
        {"İstanbul", "[CLS] istanbul [SEP]"},
        {"bank\tbank\nbank\xc2\xa0" "bank\x07!", "[CLS] bank bank bank bank ! [SEP]"},
        {"bank\xff\xfe river", "[CLS] bank river [SEP]"}, /* invalid UTF-8 dropped */
        {"unknownword", "[CLS] [UNK] [SEP]"}, /* "un" matches, the rest does not: the whole word is [UNK] */
        {"", "[CLS] [SEP]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tokens_of(wp, cases[i].text, 64, got, sizeof got);
        CHECK(strcmp(got, cases[i].want) == 0, "%s -> \"%s\", want \"%s\"", cases[i].text, got, cases[i].want);
    }
    tokens_of(wp, "the river bank the river", 4, got, sizeof got);
    CHECK(strcmp(got, "[CLS] the river [SEP]") == 0, "truncation to 4 gives \"%s\"", got);
    CHECK(wordpiece_id(wp, "##able") == 9 && wordpiece_id(wp, "able") == -1 && !wordpiece_token(wp, 99),
          "id lookups");
    wordpiece_free(wp);
    f = fopen(path, "w");
    fprintf(f, "the\nbank\n");
    fclose(f);
    CHECK(!wordpiece_load(path, err, sizeof err) && strstr(err, "[UNK]"), "a vocabulary without [UNK]: %s", err);
}

/* Writes a safetensors file: the header text, then data_bytes bytes of floats 0, 1, 2, ... */
static void write_file(const char *path, const char *header, uint64_t declared_len, size_t data_bytes) {
    FILE *f = fopen(path, "wb");
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)(declared_len >> (8 * i));
    fwrite(len, 1, 8, f);
    fwrite(header, 1, strlen(header), f);
    for (size_t i = 0; i < data_bytes / 4; i++) {
        const float v = (float)i;
        fwrite(&v, 4, 1, f);
    }
    fclose(f);
}

static void test_safetensors(const char *dir) {
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/t.safetensors", dir);
    const char *good = "{\"__metadata__\":{\"format\":\"pt\",\"x\":[1,{\"y\":null}]},"
                       "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                       "\"b\\u0041\":{\"shape\":[2],\"data_offsets\":[24,32],\"dtype\":\"F32\"}}    ";
    write_file(path, good, strlen(good), 32);
    safetensors *st = safetensors_open(path, err, sizeof err);
    CHECK(st, "a valid file refused: %s", err);
    if (st) {
        const size_t shape[2] = {2, 3}, wrong[2] = {3, 2}, one[1] = {2};
        const float *a = safetensors_f32(st, "a", 2, shape, err, sizeof err);
        CHECK(a && a[0] == 0 && a[5] == 5, "tensor a");
        const float *b = safetensors_f32(st, "bA", 1, one, err, sizeof err);
        CHECK(b && b[0] == 6 && b[1] == 7, "tensor bA (an escaped name)");
        CHECK(!safetensors_f32(st, "a", 2, wrong, err, sizeof err) && strstr(err, "shape"), "wrong shape: %s", err);
        CHECK(!safetensors_f32(st, "c", 1, one, err, sizeof err) && strstr(err, "no tensor"), "absent: %s", err);
        size_t dims[4];
        CHECK(safetensors_shape(st, "a", dims, 4) == 2 && dims[0] == 2 && dims[1] == 3, "shape of a");
        safetensors_close(st);
    }
    static const struct {
        const char *header;
        size_t data_bytes;
        const char *why;
    } bad[] = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,28]}}", 32, "shape"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]}}", 24, "outside"},
        {"{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "dtype"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "lacks"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999,99999999999,99999999999],\"data_offsets\":[0,8]}}", 8,
         "overflows"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
         "\"data_offsets\":[0,8]}}", 8, "twice"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "malformed"},
        {"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 0, "malformed"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "malformed"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} x", 8, "malformed"},
        {"{\"a\":\"unterminated}", 8, "malformed"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i].header, strlen(bad[i].header), bad[i].data_bytes);
        err[0] = 0;
        st = safetensors_open(path, err, sizeof err);
        CHECK(!st && strstr(err, bad[i].why), "bad header %zu: %s (want \"%s\")", i, st ? "accepted" : err,
              bad[i].why);
        safetensors_close(st);
    }
    write_file(path, good, strlen(good) + 1000, 32); /* a header length past the end */
    CHECK(!(st = safetensors_open(path, err, sizeof err)) && strstr(err, "header length"), "long header: %s", err);
    safetensors_close(st);
    FILE *f = fopen(path, "wb");
    fwrite("\x10\0\0", 1, 3, f);
    fclose(f);
    CHECK(!(st = safetensors_open(path, err, sizeof err)) && strstr(err, "shorter"), "short file: %s", err);
    safetensors_close(st);
    CHECK(!safetensors_open("/nonexistent/x.safetensors", err, sizeof err) && strstr(err, "cannot open"), "missing");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_minilm_parts SCRATCH_DIR\n");
        return 2;
    }
    test_wordpiece(argv[1]);
    test_safetensors(argv[1]);
    if (!failures) printf("tokenizer and safetensors reader: all checks passed\n");
    return failures ? 1 : 0;
}

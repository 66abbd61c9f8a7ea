/* The tokenizer in three steps, each as the tokenizers package's Bert components define it:
 *   normalise: drop NUL, U+FFFD and "other" characters (category C*, except tab, newline, carriage return);
 *              white space -> ' '; spaces around CJK ideographs; NFD without nonspacing marks; lowercase;
 *   split:     on white space, each punctuation character its own word;
 *   WordPiece: greedy longest match first, "##" before a piece that continues a word; a word with no
 *              match, or longer than 100 characters, is [UNK].
 * The Unicode facts come from a table generated from Python's unicodedata (gen_unicode_tables.py). */
#include "wordpiece.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minilm_unicode.h"

#define MAX_WORD_CHARS 100

struct wordpiece {
    char **tokens;     /* by id */
    size_t count;
    int32_t *slots;    /* open addressing: id + 1, 0 = empty */
    size_t slot_mask;
    int32_t unk, cls, sep;
};

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int32_t lookup(const wordpiece *wp, const char *s, size_t n) {
    for (size_t i = hash_bytes(s, n) & wp->slot_mask;; i = (i + 1) & wp->slot_mask) {
        const int32_t slot = wp->slots[i];
        if (!slot) return -1;
        const char *t = wp->tokens[slot - 1];
        if (strncmp(t, s, n) == 0 && t[n] == 0) return slot - 1;
    }
}

int32_t wordpiece_id(const wordpiece *wp, const char *token) {
    return lookup(wp, token, strlen(token));
}

const char *wordpiece_token(const wordpiece *wp, int32_t id) {
    return id >= 0 && (size_t)id < wp->count ? wp->tokens[id] : NULL;
}

void wordpiece_free(wordpiece *wp) {
    if (!wp) return;
    for (size_t i = 0; i < wp->count; i++) free(wp->tokens[i]);
    free(wp->tokens);
    free(wp->slots);
    free(wp);
}

wordpiece *wordpiece_load(const char *vocab_path, char *err, size_t err_size) {
    FILE *f = fopen(vocab_path, "rb");
    if (!f) {
        snprintf(err, err_size, "%s: cannot open", vocab_path);
        return NULL;
    }
    wordpiece *wp = calloc(1, sizeof *wp);
    size_t cap = 0;
    char line[1024];
    int ok = wp != NULL, told = 0; /* told: err holds the reason already */
    while (ok && fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        if (n == sizeof line - 1) {
            snprintf(err, err_size, "%s: a token of over %zu bytes", vocab_path, sizeof line - 2);
            ok = 0, told = 1;
            break;
        }
        line[n] = 0;
        if (wp->count == cap) {
            cap = cap ? 2 * cap : 1024;
            char **grown = realloc(wp->tokens, cap * sizeof *grown);
            if (!grown) break;
            wp->tokens = grown;
        }
        if (!(wp->tokens[wp->count] = malloc(n + 1))) break;
        memcpy(wp->tokens[wp->count++], line, n + 1);
    }
    ok = ok && !ferror(f) && wp->count > 0 && wp->count < INT32_MAX / 4;
    fclose(f);
    if (ok) {
        size_t slots = 1;
        while (slots < 2 * wp->count) slots *= 2;
        wp->slot_mask = slots - 1;
        ok = (wp->slots = calloc(slots, sizeof *wp->slots)) != NULL;
        /* A token listed twice keeps its first id, as the tokenizers package's vocabulary map does not
         * (it keeps the last); BERT vocabularies have no duplicates. */
        for (size_t id = 0; ok && id < wp->count; id++) {
            const char *t = wp->tokens[id];
            size_t i = hash_bytes(t, strlen(t)) & wp->slot_mask;
            while (wp->slots[i] && strcmp(wp->tokens[wp->slots[i] - 1], t) != 0) i = (i + 1) & wp->slot_mask;
            if (!wp->slots[i]) wp->slots[i] = (int32_t)id + 1;
        }
    }
    if (ok) {
        wp->unk = wordpiece_id(wp, "[UNK]"), wp->cls = wordpiece_id(wp, "[CLS]"), wp->sep = wordpiece_id(wp, "[SEP]");
        if (wp->unk < 0 || wp->cls < 0 || wp->sep < 0) {
            snprintf(err, err_size, "%s: no [UNK], [CLS] or [SEP] token", vocab_path);
            ok = 0;
        }
    } else if (!told) {
        snprintf(err, err_size, "%s: cannot read a vocabulary", vocab_path);
    }
    if (!ok) {
        wordpiece_free(wp);
        return NULL;
    }
    return wp;
}

/* ---- Unicode ---- */

static int in_ranges(const uint32_t (*r)[2], size_t n, uint32_t c) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (c < r[mid][0]) hi = mid;
        else if (c > r[mid][1]) lo = mid + 1;
        else return 1;
    }
    return 0;
}

#define RANGES(t) (t), sizeof(t) / sizeof((t)[0])

/* Unicode's White_Space property (what Rust's char::is_whitespace tests). */
static int is_space(uint32_t c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* ASCII's punctuation and symbols (which BERT splits off too), then category P*. */
static int is_punct(uint32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return 1;
    return in_ranges(RANGES(unicode_punct), c);
}

static int is_removed(uint32_t c) {
    if (c == '\t' || c == '\n' || c == '\r') return 0;
    return c == 0 || c == 0xFFFD || in_ranges(RANGES(unicode_other), c);
}

/* The CJK blocks BERT surrounds with spaces (each ideograph becomes a word). */
static int is_cjk(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* NFD without nonspacing marks, then lowercase: up to UNICODE_FOLD_MAX code points into out. */
static size_t fold(uint32_t c, uint32_t *out) {
    if (c >= 0xAC00 && c <= 0xD7A3) { /* a Hangul syllable: leading, vowel and (maybe) trailing jamo */
        const uint32_t s = c - 0xAC00, t = s % 28;
        out[0] = 0x1100 + s / (21 * 28), out[1] = 0x1161 + s % (21 * 28) / 28;
        if (t) out[2] = 0x11A7 + t;
        return t ? 3 : 2;
    }
    size_t lo = 0, hi = sizeof unicode_folds / sizeof unicode_folds[0];
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (c < unicode_folds[mid].cp) hi = mid;
        else if (c > unicode_folds[mid].cp) lo = mid + 1;
        else {
            memcpy(out, unicode_folds[mid].to, unicode_folds[mid].n * sizeof *out);
            return unicode_folds[mid].n;
        }
    }
    out[0] = c;
    return 1;
}

/* The next code point of s (n bytes left); an invalid sequence gives U+FFFD (dropped) for its first byte. */
static uint32_t next_utf8(const unsigned char *s, size_t n, size_t *used) {
    static const uint32_t min_of_len[] = {0, 0, 0x80, 0x800, 0x10000};
    const unsigned b = s[0];
    const size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    *used = 1;
    if (len == 0 || len > n) return 0xFFFD;
    uint32_t c = len == 1 ? b : b & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0xFFFD;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min_of_len[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0xFFFD;
    *used = len;
    return c;
}

static size_t put_utf8(uint32_t c, char *out) {
    if (c < 0x80) return out[0] = (char)c, 1;
    if (c < 0x800) return out[0] = (char)(0xC0 | c >> 6), out[1] = (char)(0x80 | (c & 63)), 2;
    if (c < 0x10000)
        return out[0] = (char)(0xE0 | c >> 12), out[1] = (char)(0x80 | (c >> 6 & 63)), out[2] = (char)(0x80 | (c & 63)), 3;
    out[0] = (char)(0xF0 | c >> 18), out[1] = (char)(0x80 | (c >> 12 & 63)), out[2] = (char)(0x80 | (c >> 6 & 63));
    out[3] = (char)(0x80 | (c & 63));
    return 4;
}

/* ---- WordPiece ---- */

struct ids {
    int32_t *ids;
    size_t n, max;
};

static void push(struct ids *out, int32_t id) {
    if (out->n < out->max) out->ids[out->n++] = id;
}

/* One word of n code points: its pieces, or [UNK]. buf holds 2 + 8 * MAX_WORD_CHARS bytes. */
static void encode_word(const wordpiece *wp, const uint32_t *word, size_t n, char *buf, struct ids *out) {
    if (n > MAX_WORD_CHARS) {
        push(out, wp->unk);
        return;
    }
    /* The word in UTF-8 once (after the candidate's room); offs[i] is where code point i starts. */
    char *utf8 = buf + 2 + 4 * MAX_WORD_CHARS, *cand = buf;
    size_t offs[MAX_WORD_CHARS + 1], bytes = 0;
    for (size_t i = 0; i < n; i++) offs[i] = bytes, bytes += put_utf8(word[i], utf8 + bytes);
    offs[n] = bytes;
    int32_t pieces[MAX_WORD_CHARS];
    size_t count = 0;
    for (size_t start = 0; start < n;) {
        int32_t id = -1;
        size_t end = n;
        for (; end > start && id < 0; end--) {
            /* A piece that continues the word is looked up with "##" in front. */
            const size_t prefix = start ? 2 : 0, piece = offs[end] - offs[start];
            memcpy(cand, "##", prefix);
            memcpy(cand + prefix, utf8 + offs[start], piece);
            id = lookup(wp, cand, prefix + piece);
        }
        if (id < 0) {
            push(out, wp->unk);
            return;
        }
        pieces[count++] = id;
        start = end + 1;
    }
    for (size_t i = 0; i < count; i++) push(out, pieces[i]);
}

size_t wordpiece_encode(const wordpiece *wp, const char *text, int32_t *ids, size_t max_ids) {
    if (max_ids < 2) return 0;
    const size_t len = strlen(text);
    /* Each input byte becomes at most 3 folded code points, plus 2 spaces around a CJK ideograph. */
    uint32_t *cps = malloc((len * 5 + 1) * sizeof *cps);
    char *buf = malloc(2 + 8 * MAX_WORD_CHARS);
    if (!cps || !buf) {
        free(cps), free(buf);
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t used;
        const uint32_t c = next_utf8((const unsigned char *)text + i, len - i, &used);
        i += used;
        if (is_removed(c)) continue;
        if (is_space(c)) {
            cps[n++] = ' ';
        } else if (is_cjk(c)) {
            cps[n++] = ' ';
            n += fold(c, cps + n);
            cps[n++] = ' ';
        } else {
            n += fold(c, cps + n);
        }
    }
    struct ids out = {ids, 0, max_ids - 1}; /* one place kept for [SEP] */
    push(&out, wp->cls);
    for (size_t i = 0; i < n && out.n < out.max;) {
        if (is_space(cps[i])) {
            i++;
        } else if (is_punct(cps[i])) {
            encode_word(wp, cps + i, 1, buf, &out);
            i++;
        } else {
            size_t j = i;
            while (j < n && !is_space(cps[j]) && !is_punct(cps[j])) j++;
            encode_word(wp, cps + i, j - i, buf, &out);
            i = j;
        }
    }
    out.max = max_ids;
    push(&out, wp->sep);
    free(cps), free(buf);
    return out.n;
}

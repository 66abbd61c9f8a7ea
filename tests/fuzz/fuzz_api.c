/* libFuzzer harness for the whole API (build: scripts/fuzz.sh, clang -fsanitize=fuzzer,address,undefined).
 *
 * Each input is decoded into one call of sattn_attention, sattn_sgemm, sattn_softmax or
 * sattn_self_attention on a fuzzer-chosen ISA: small and overflowing sizes, every mask option,
 * dense / tokens-major / padded / broadcast strides, NULL pointers, and (when the input asks for
 * them) NaN, Inf, denormal and 1e4 values. Checked for every call:
 *   - nothing crashes and ASan/UBSan stay quiet;
 *   - a non-OK status leaves the whole output buffer untouched;
 *   - an OK status writes nothing outside the output rows: canaries around the buffer and the gaps
 *     between rows keep their sentinel;
 *   - an OK status on finite, moderate inputs matches the scalar path within a tolerance;
 *   - attention and the layer also run through a context on the built-in pool with a workspace from
 *     the size query (accepted), or one byte short of what one worker needs (refused, untouched).
 * A violated check aborts, which libFuzzer reports with the input that caused it. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sattn.h"

typedef struct {
    const uint8_t *p;
    size_t n;
    int specials; /* this input may draw NaN / Inf / denormal / huge values */
} reader;

static unsigned byte(reader *r) {
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

static size_t upto(reader *r, size_t max) { return byte(r) % (max + 1); }

static float value(reader *r) {
    const unsigned kind = byte(r);
    if (r->specials && kind < 24) {
        static const float palette[] = {NAN, INFINITY, -INFINITY, 1e-40f, -1e-40f, 0.0f, -0.0f, 1e4f, -1e4f, 1e-30f};
        return palette[kind % 10];
    }
    return ((float)((kind << 8) | byte(r)) / 65535.0f) * 4.0f - 2.0f;
}

#define CANARY 16

static const uint32_t sentinel_bits = 0x7fc0fade;

static float sentinel(void) {
    float f;
    memcpy(&f, &sentinel_bits, sizeof f);
    return f;
}

static int is_sentinel(float x) { return !memcmp(&x, &sentinel_bits, sizeof x); }

/* n usable floats with CANARY sentinels on both sides; the usable part starts as sentinel too. */
static float *guarded(size_t n) {
    float *b = malloc((n + 2 * CANARY) * sizeof *b);
    if (!b) abort();
    for (size_t i = 0; i < n + 2 * CANARY; i++) b[i] = sentinel();
    return b + CANARY;
}

static void release(float *p) {
    if (p) free(p - CANARY);
}

static void require(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_api: %s\n", what);
        abort();
    }
}

static void canaries_intact(const float *p, size_t n) {
    for (size_t i = 0; i < CANARY; i++) require(is_sentinel(p[-1 - (ptrdiff_t)i]) && is_sentinel(p[n + i]), "canary overwritten");
}

static void untouched(const float *p, size_t n) {
    canaries_intact(p, n);
    for (size_t i = 0; i < n; i++) require(is_sentinel(p[i]), "a failed call wrote its output");
}

static float *random_floats(reader *r, size_t n) {
    float *x = guarded(n);
    for (size_t i = 0; i < n; i++) x[i] = value(r);
    return x;
}

/* |a - b| within slack plus tol relative to the larger magnitude; NaN only matches NaN. */
static int close_within(float a, float b, double tol, double slack) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return fabs((double)a - b) <= slack + tol * (1.0 + fmax(fabs((double)a), fabs((double)b)));
}

static int close_to(float a, float b, double tol) { return close_within(a, b, tol, 0.0); }

static sattn_isa pick_isa(reader *r) {
    sattn_isa isas[SATTN_ISA_LAST + 1];
    size_t n = 0;
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++)
        if (sattn_isa_available((sattn_isa)isa)) isas[n++] = (sattn_isa)isa;
    return isas[upto(r, 255) % n];
}

/* Largest element index + 1 over (n0, n1, n2) rows of `cols` with strides s, or 0 if any n is 0. */
static size_t extent(size_t n0, size_t s0, size_t n1, size_t s1, size_t n2, size_t s2, size_t cols) {
    if (!n0 || !n1 || !n2 || !cols) return 0;
    return (n0 - 1) * s0 + (n1 - 1) * s1 + (n2 - 1) * s2 + cols;
}

/* ------------------------------------------------------------------------------------------ */

/* The context calls go through: the built-in pool, the input's thread count; and a one-thread twin
 * whose sizes are one worker's. */
static sattn_context *pool_context(int one_worker) {
    static sattn_context *ctx[2];
    if (!ctx[one_worker]) {
        require(sattn_context_create(&ctx[one_worker]) == SATTN_OK, "context_create");
        require(sattn_context_set_threading(ctx[one_worker], SATTN_THREADING_BUILTIN) == SATTN_OK, "set_threading");
        if (one_worker) require(sattn_context_set_num_threads(ctx[one_worker], 1) == SATTN_OK, "set_num_threads");
    }
    return ctx[one_worker];
}

static void fuzz_attention(reader *r) {
    const sattn_isa isa = pick_isa(r);
    sattn_attention_desc d;
    memset(&d, 0, sizeof d);
    d.batch = upto(r, 2), d.heads = upto(r, 4), d.kv_heads = upto(r, 4);
    d.q_len = upto(r, 9), d.kv_len = upto(r, 9), d.head_dim = upto(r, 9), d.v_head_dim = upto(r, 9);
    d.causal = (int)(byte(r) & 1), d.window = upto(r, 3) ? 0 : upto(r, 10);
    if (!upto(r, 7)) d.scale = value(r);
    const unsigned layout = byte(r) % 5, huge = byte(r) % 16 == 0;
    const size_t kvh = d.kv_heads ? d.kv_heads : d.heads, dv = d.v_head_dim ? d.v_head_dim : d.head_dim;
    /* Strides the way the library reads them (all zero: dense), so the buffers are big enough. */
    sattn_strides qs = {d.heads * d.q_len * d.head_dim, d.q_len * d.head_dim, d.head_dim};
    sattn_strides ks = {kvh * d.kv_len * d.head_dim, d.kv_len * d.head_dim, d.head_dim};
    sattn_strides vs = {kvh * d.kv_len * dv, d.kv_len * dv, dv};
    sattn_strides os = {d.heads * d.q_len * dv, d.q_len * dv, dv};
    if (layout == 1) { /* tokens-major */
        qs = (sattn_strides){d.q_len * d.heads * d.head_dim, d.head_dim, d.heads * d.head_dim};
        ks = (sattn_strides){d.kv_len * kvh * d.head_dim, d.head_dim, kvh * d.head_dim};
        vs = (sattn_strides){d.kv_len * kvh * dv, dv, kvh * dv};
        os = (sattn_strides){d.q_len * d.heads * dv, dv, d.heads * dv};
    } else if (layout == 2) { /* padded rows and heads */
        qs = (sattn_strides){qs.batch + 7, qs.head + 3, qs.seq + 1};
        ks = (sattn_strides){ks.batch + 5, ks.head + 2, ks.seq + 2};
        vs = (sattn_strides){vs.batch + 3, vs.head + 1, vs.seq + 3};
        os = (sattn_strides){os.batch * 2 + 9, os.head * 2 + 5, os.seq + 2};
    } else if (layout == 3) { /* arbitrary small strides: possibly overlapping output rows */
        const sattn_strides dense[4] = {qs, ks, vs, os};
        sattn_strides *drawn[4] = {&qs, &ks, &vs, &os};
        for (int i = 0; i < 4; i++) {
            *drawn[i] = (sattn_strides){upto(r, 40), upto(r, 20), upto(r, 12)};
            if (!drawn[i]->batch && !drawn[i]->head && !drawn[i]->seq) *drawn[i] = dense[i]; /* all zero means dense */
        }
    }
    /* layout 0 leaves the strides zero (dense by default), layout 4 spells the dense strides out. */
    if (layout != 0) d.q_strides = qs, d.k_strides = ks, d.v_strides = vs, d.o_strides = os;
    if (huge) { /* sizes whose byte extent overflows: must be rejected, never read */
        switch (byte(r) % 3) {
        case 0: d.q_len = SIZE_MAX / 3; break;
        case 1: /* a batch stride that only overflows when a second batch exists */
            d.batch = 2, d.q_strides = (sattn_strides){SIZE_MAX / 2, 1, d.head_dim};
            break;
        default: d.head_dim = SIZE_MAX / 5; break;
        }
    }
    size_t nq = huge ? 64 : extent(d.batch, qs.batch, d.heads, qs.head, d.q_len, qs.seq, d.head_dim);
    size_t nk = huge ? 64 : extent(d.batch, ks.batch, kvh, ks.head, d.kv_len, ks.seq, d.head_dim);
    size_t nv = huge ? 64 : extent(d.batch, vs.batch, kvh, vs.head, d.kv_len, vs.seq, dv);
    size_t no = huge ? 64 : extent(d.batch, os.batch, d.heads, os.head, d.q_len, os.seq, dv);
    /* Mixed lengths, packed rows and pages, each drawn valid or not (a length past its bound, starts out
     * of order, a page index past page_count, a block table with kv_starts). The buffers then hold what a
     * valid draw reads: packed [tokens <= batch * len, heads, dim] (zero strides) or the drawn strides
     * without the batch one; pages [page_count, kv_heads, page_size, dim]. */
    int32_t q_lens[2], q_starts[3] = {0}, kv_starts[3] = {0}, table[16]; /* (batch - 1) * stride + pages of kv_len */
    const unsigned varlen = huge ? 0 : byte(r);
    if (varlen & 1) {
        for (int b = 0; b < 2; b++) q_lens[b] = (int32_t)upto(r, d.q_len + 2) - 1;
        d.q_lens = q_lens;
    }
    for (int t = 0; t < 2; t++) {
        if (!(varlen & (2u << t))) continue;
        const size_t len = t ? d.kv_len : d.q_len;
        int32_t *st = t ? kv_starts : q_starts;
        for (int b = 0; b < 2; b++) st[b + 1] = st[b] + (int32_t)upto(r, len);
        if (!upto(r, 7)) st[upto(r, 2)] += (int32_t)upto(r, 4) - 2; /* not from 0, descending or too long */
        if (t) d.kv_starts = kv_starts; else d.q_starts = q_starts;
        const size_t tokens = d.batch * len, heads = t ? kvh : d.heads;
        sattn_strides *sq = t ? &ks : &qs, *so = t ? &vs : &os;
        const size_t wq = d.head_dim, wo = dv;
        if (layout == 0) *sq = (sattn_strides){0, wq, heads * wq}, *so = (sattn_strides){0, wo, heads * wo};
        size_t *nsq = t ? &nk : &nq, *nso = t ? &nv : &no;
        if (!huge) {
            const size_t a = extent(1, 0, heads, sq->head, tokens, sq->seq, wq), c = extent(1, 0, heads, so->head, tokens, so->seq, wo);
            *nsq = a > *nsq ? a : *nsq, *nso = c > *nso ? c : *nso;
        }
    }
    if (varlen & 16) {
        d.block_table = table, d.page_size = upto(r, 4), d.page_count = 1 + upto(r, 5);
        d.block_table_stride = upto(r, 4);
        for (int i = 0; i < 16; i++) table[i] = (int32_t)upto(r, d.page_count) - (byte(r) % 16 == 0);
        if (layout == 0)
            ks = (sattn_strides){kvh * d.page_size * d.head_dim, d.page_size * d.head_dim, d.head_dim},
            vs = (sattn_strides){kvh * d.page_size * dv, d.page_size * dv, dv};
        const size_t a = extent(d.page_count, ks.batch, kvh, ks.head, d.page_size, ks.seq, d.head_dim);
        const size_t c = extent(d.page_count, vs.batch, kvh, vs.head, d.page_size, vs.seq, dv);
        nk = a > nk ? a : nk, nv = c > nv ? c : nv;
    }
    if (nq > 4096 || nk > 4096 || nv > 4096 || no > 4096) return;

    int32_t kv_lens[2] = {0, 0};
    if (!upto(r, 2)) {
        for (int b = 0; b < 2; b++) kv_lens[b] = (int32_t)upto(r, d.kv_len + 2) - 1; /* may be -1 or > kv_len */
        d.kv_lens = kv_lens;
    }
    float *bias = NULL;
    if (!upto(r, 2) && !huge) {
        switch (byte(r) % 3) {
        case 0: d.bias_strides = (sattn_strides){d.heads * d.q_len * d.kv_len, d.q_len * d.kv_len, d.kv_len}; break;
        case 1: d.bias_strides = (sattn_strides){0, 0, d.kv_len}; break;
        default: d.bias_strides = (sattn_strides){d.heads * d.kv_len, d.kv_len, 0}; break;
        }
        const size_t nb = extent(d.batch ? d.batch : 1, d.bias_strides.batch, d.heads ? d.heads : 1, d.bias_strides.head,
                                 d.q_len ? d.q_len : 1, d.bias_strides.seq, d.kv_len ? d.kv_len : 1);
        bias = random_floats(r, nb);
        d.bias = bias;
    }
    /* Logit shaping and the log-sum-exp output: drawn values may be negative, NaN or infinite caps,
     * slopes and sinks (then the call must fail and touch nothing). */
    const unsigned features = huge ? 0 : byte(r);
    float *slopes = NULL, *sinks = NULL, *lse = NULL, *lse_ref = NULL;
    const size_t nl = d.batch * d.heads * d.q_len;
    if (features & 1) d.softcap = (features & 2) ? value(r) : (float)upto(r, 20) * 0.25f;
    if ((features & 4) && d.heads) d.alibi_slopes = slopes = random_floats(r, d.heads);
    if ((features & 8) && d.heads) d.sinks = sinks = random_floats(r, d.heads);
    if (features & 16) d.lse = lse = guarded(nl), lse_ref = guarded(nl);
    float *q = random_floats(r, nq), *k = random_floats(r, nk), *v = random_floats(r, nv);
    float *out = guarded(no), *ref = guarded(no);
    /* Element types: K and V any of the five (or an unknown value), quantised ones with or without
     * scales; Q and O F32/F16/BF16 or a type they cannot have; a group that may not divide the dims. The
     * 16-bit tensors hold the drawn floats converted, the integer ones their bytes as they are. */
    float *k_scales = NULL, *v_scales = NULL;
    double lowp_slack = 0;
    const unsigned types = huge ? 0 : byte(r);
    if (types & 1) {
        d.q_type = (sattn_dtype)(byte(r) % 4), d.o_type = (sattn_dtype)(byte(r) % 4);
        d.k_type = (sattn_dtype)(byte(r) % 6), d.v_type = (sattn_dtype)(byte(r) % 6);
        d.kv_group = upto(r, 4);
        const size_t kv_rows = (d.batch ? d.batch : 1) * (d.kv_len ? d.kv_len : 1), page_rows = d.page_count * d.page_size;
        const size_t ns = (kv_rows > page_rows ? kv_rows : page_rows) * (kvh ? kvh : 1) * (d.head_dim > dv ? d.head_dim : dv);
        if (!(types & 2)) d.k_scales = k_scales = random_floats(r, ns);
        if (!(types & 4)) d.v_scales = v_scales = random_floats(r, ns);
        for (size_t i = 0; i < ns; i++) { /* int8 values times these stay near the drawn floats' range */
            if (k_scales) k_scales[i] *= 1.0f / 64;
            if (v_scales) v_scales[i] *= 1.0f / 64;
        }
        /* All three 16-bit: levels with a unit for the type round P to it for P·V (README's bound: on top of fp32's
         * tolerance, u * max|v|, plus n 2^-25 * max|v| for F16; u = 2^-9 for BF16, 2^-11 for F16). */
        if (d.q_type == d.k_type && d.k_type == d.v_type &&
            (d.v_type == SATTN_DTYPE_F16 || d.v_type == SATTN_DTYPE_BF16)) {
            double maxv = 0;
            for (size_t i = 0; i < nv; i++) maxv = fmax(maxv, fabs((double)v[i]));
            const double u = d.v_type == SATTN_DTYPE_BF16 ? 0x1p-9 : 0x1p-11 + (double)d.kv_len * 0x1p-25;
            lowp_slack = u * maxv * 1.01; /* 1.01: max|v| before its rounding to the type */
        }
        float *const tensors[3] = {q, k, v};
        const sattn_dtype kinds[3] = {d.q_type, d.k_type, d.v_type};
        const size_t sizes[3] = {nq, nk, nv};
        for (int t = 0; t < 3; t++)
            if (kinds[t] == SATTN_DTYPE_F16 || kinds[t] == SATTN_DTYPE_BF16) {
                uint16_t *h = malloc(sizes[t] * sizeof *h + 1);
                require(sattn_convert(SATTN_DTYPE_F32, kinds[t], sizes[t], tensors[t], h) == SATTN_OK, "convert");
                memcpy(tensors[t], h, sizes[t] * sizeof *h);
                free(h);
            }
    }
    const int float_out = d.o_type == SATTN_DTYPE_F32;
    const unsigned nulls = byte(r) % 16;
    const float *qa = nulls == 1 ? NULL : q, *ka = nulls == 2 ? NULL : k, *va = nulls == 3 ? NULL : v;
    float *oa = nulls == 4 ? NULL : out;

    if (getenv("FUZZ_DEBUG")) /* triage: FUZZ_DEBUG=1 fuzz_api CRASH_FILE */
        fprintf(stderr,
                "attention %s b%zu h%zu/%zu q%zu kv%zu d%zu dv%zu causal%d win%zu layout%u huge%u kv_lens%d bias%d nulls%u varlen%u\n"
                "  q {%zu %zu %zu} k {%zu %zu %zu} v {%zu %zu %zu} o {%zu %zu %zu}; floats q%zu k%zu v%zu o%zu\n"
                "  types q%d k%d v%d o%d group %zu scales %d %d; softcap %g alibi %d sinks %d lse %d\n",
                sattn_isa_name(isa), d.batch, d.heads, d.kv_heads, d.q_len, d.kv_len, d.head_dim, d.v_head_dim, d.causal,
                d.window, layout, huge, d.kv_lens != NULL, d.bias != NULL, nulls, varlen, qs.batch, qs.head, qs.seq, ks.batch,
                ks.head, ks.seq, vs.batch, vs.head, vs.seq, os.batch, os.head, os.seq, nq, nk, nv, no, (int)d.q_type,
                (int)d.k_type, (int)d.v_type, (int)d.o_type, d.kv_group, d.k_scales != NULL, d.v_scales != NULL,
                (double)d.softcap, d.alibi_slopes != NULL, d.sinks != NULL, d.lse != NULL);
    require(sattn_set_isa(isa) == SATTN_OK, "set_isa");
    /* 0: the default context; 1: a context with the workspace its query asks for; 2: one byte short of
     * what one worker needs. */
    const unsigned via = byte(r) % 3;
    sattn_status st;
    int short_ws = 0;
    if (via == 0) {
        st = sattn_attention(nulls == 5 ? NULL : &d, qa, ka, va, oa);
    } else {
        sattn_context *ctx = pool_context(0);
        require(sattn_context_set_isa(ctx, isa) == SATTN_OK && sattn_context_set_isa(pool_context(1), isa) == SATTN_OK,
                "context_set_isa");
        require(sattn_context_set_num_threads(ctx, sattn_get_num_threads()) == SATTN_OK, "context threads");
        size_t bytes = 0;
        const sattn_status sized = sattn_attention_workspace_size(via == 1 ? ctx : pool_context(1), &d, &bytes);
        short_ws = via == 2 && sized == SATTN_OK && bytes > 0;
        if (short_ws) bytes--;
        void *ws = sized == SATTN_OK ? malloc(bytes ? bytes : 1) : NULL;
        st = sattn_attention_ctx(ctx, nulls == 5 ? NULL : &d, qa, ka, va, oa, ws, bytes);
        free(ws);
    }
    if (short_ws) require(st != SATTN_OK, "a workspace short of one worker's scratch was accepted");
    if (huge) require(st != SATTN_OK || d.batch == 0 || d.heads == 0 || d.q_len == 0, "an overflowing size was accepted");
    if (st != SATTN_OK) {
        untouched(out, no);
        if (lse) untouched(lse, nl);
    } else {
        canaries_intact(out, no);
        if (lse && nl) canaries_intact(lse, nl);
        /* Every element outside the rows keeps its sentinel (padded and tokens-major layouts have gaps);
         * a 16-bit output is compared by its status only. */
        unsigned char *row = calloc(no ? no : 1, 1);
        if (!float_out) memset(row, 1, no ? no : 1);
        for (size_t b = 0; b < d.batch; b++)
            for (size_t h = 0; h < d.heads; h++)
                for (size_t i = 0; i < d.q_len; i++) {
                    if (d.q_starts && i >= (size_t)(q_starts[b + 1] - q_starts[b])) break;
                    const size_t at = d.q_starts ? ((size_t)q_starts[b] + i) * os.seq + h * os.head
                                                 : b * os.batch + h * os.head + i * os.seq;
                    memset(row + at, 1, dv);
                }
        for (size_t i = 0; i < no; i++) require(row[i] || is_sentinel(out[i]), "wrote outside the output rows");
        free(row);
        require(sattn_set_isa(SATTN_ISA_SCALAR) == SATTN_OK, "set_isa scalar");
        d.lse = lse_ref;
        require(sattn_attention(&d, qa, ka, va, ref) == SATTN_OK, "the scalar path disagrees on the status");
        if (!r->specials && float_out) {
            for (size_t i = 0; i < no; i++) {
                const int close = close_within(out[i], ref[i], 1e-3, lowp_slack);
                if (!close && getenv("FUZZ_DEBUG"))
                    fprintf(stderr, "  out[%zu] = %.9g, scalar %.9g\n", i, (double)out[i], (double)ref[i]);
                require(close, "attention differs from the scalar path");
            }
            for (size_t i = 0; lse && i < nl; i++)
                require(close_to(lse[i], lse_ref[i], 1e-3) || lse[i] == lse_ref[i], "lse differs from the scalar path");
        }
    }
    release(q), release(k), release(v), release(out), release(ref), release(bias);
    release(slopes), release(sinks), release(lse), release(lse_ref), release(k_scales), release(v_scales);
}

/* sattn_attention_merge: 1..4 parts, small rows and dims, padded rows, in place or not, NULL lse,
 * -inf and special log-sum-exps; failures touch nothing, results match the scalar path. */
static void fuzz_merge(reader *r) {
    const sattn_isa isa = pick_isa(r);
    const size_t parts = upto(r, 4), rows = upto(r, 6), dim = upto(r, 9);
    const size_t ld_in = dim + upto(r, 3) - (upto(r, 7) == 0), ld_out = dim + upto(r, 3);
    const int in_place = byte(r) & 1, with_lse = byte(r) & 1, nulls = byte(r) % 8;
    const size_t n_in = rows ? (rows - 1) * ld_in + dim + 1 : 1, n_out = rows ? (rows - 1) * ld_out + dim + 1 : 1;
    if (n_in > 4096 || n_out > 4096) return;
    float *outs[4] = {0}, *lses[4] = {0};
    for (size_t p = 0; p < parts; p++) {
        outs[p] = random_floats(r, n_in), lses[p] = random_floats(r, rows ? rows : 1);
        for (size_t i = 0; i < rows; i++)
            if (!(byte(r) % 4)) lses[p][i] = -INFINITY; /* a part that saw nothing of this row */
    }
    float *copy = guarded(n_in), *out = in_place && parts ? outs[0] : guarded(n_out), *ref = guarded(n_out);
    if (parts) memcpy(copy, outs[0], n_in * sizeof *copy);
    float *lse = with_lse ? guarded(rows) : NULL, *lse_ref = guarded(rows ? rows : 1);
    const size_t ldo = in_place ? ld_in : ld_out;
    require(sattn_set_isa(isa) == SATTN_OK, "set_isa");
    const sattn_status st = sattn_attention_merge(parts, rows, dim, nulls == 1 ? NULL : (const float *const *)outs, ld_in,
                                                  (const float *const *)lses, nulls == 2 ? NULL : out, ldo, lse);
    if (st != SATTN_OK) {
        if (parts) require(!memcmp(copy, outs[0], n_in * sizeof *copy), "a failed merge wrote part 0");
        if (!(in_place && parts)) untouched(out, n_out);
        if (lse) untouched(lse, rows);
    } else if (rows && parts) {
        /* the scalar path on the original part 0 */
        const float *outs_ref[4] = {copy, outs[1], outs[2], outs[3]};
        require(sattn_set_isa(SATTN_ISA_SCALAR) == SATTN_OK, "set_isa scalar");
        require(sattn_attention_merge(parts, rows, dim, outs_ref, ld_in, (const float *const *)lses, ref, ldo, lse_ref) ==
                    SATTN_OK, "the scalar merge disagrees on the status");
        for (size_t i = 0; i < rows; i++) {
            for (size_t c = 0; c < dim; c++)
                require(r->specials || close_to(out[i * ldo + c], ref[i * ldo + c], 1e-5), "merge differs from scalar");
            if (lse) require(lse[i] == lse_ref[i] || (isnan(lse[i]) && isnan(lse_ref[i])), "merge lse differs from scalar");
        }
        if (lse) canaries_intact(lse, rows);
    }
    for (size_t p = 0; p < parts; p++) release(outs[p]), release(lses[p]);
    if (!(in_place && parts)) release(out);
    release(copy), release(ref), release(lse), release(lse_ref);
}

static void fuzz_sgemm(reader *r) {
    const sattn_isa isa = pick_isa(r);
    const int ta = (int)(byte(r) % 3), tb = (int)(byte(r) % 3); /* 2 is invalid */
    const size_t m = upto(r, 20), n = upto(r, 20), k = upto(r, 20);
    const size_t a_cols = ta == 1 ? m : k, b_cols = tb == 1 ? k : n, a_rows = ta == 1 ? k : m, b_rows = tb == 1 ? n : k;
    size_t lda = a_cols + upto(r, 3);
    if (byte(r) % 8 == 0 && lda > 0) lda--; /* sometimes too small: SATTN_E_STRIDE */
    const size_t ldb = b_cols + upto(r, 3), ldc = n + upto(r, 3);
    const float alpha = upto(r, 7) ? value(r) : 0.0f, beta = upto(r, 3) ? value(r) : 0.0f;
    const size_t na = a_rows * (lda ? lda : 1) + 1, nb = b_rows * (ldb ? ldb : 1) + 1, nc = m * (ldc ? ldc : 1) + 1;
    float *a = random_floats(r, na), *b = random_floats(r, nb), *c = random_floats(r, nc);
    float *c0 = guarded(nc), *ref = guarded(nc);
    memcpy(c0, c, nc * sizeof *c);
    memcpy(ref, c, nc * sizeof *c);
    const unsigned nulls = byte(r) % 12;
    require(sattn_set_isa(isa) == SATTN_OK, "set_isa");
    const sattn_status st = sattn_sgemm((sattn_trans)ta, (sattn_trans)tb, m, n, k, alpha, nulls == 1 ? NULL : a, lda,
                                        nulls == 2 ? NULL : b, ldb, beta, nulls == 3 ? NULL : c, ldc);
    canaries_intact(c, nc);
    if (st != SATTN_OK) {
        require(!memcmp(c, c0, nc * sizeof *c), "a failed sgemm wrote C");
    } else {
        for (size_t i = 0; i < m; i++) /* the padding between rows of C is never written */
            for (size_t j = n; j < ldc && i + 1 < m; j++)
                require(!memcmp(&c[i * ldc + j], &c0[i * ldc + j], sizeof *c), "sgemm wrote row padding");
        require(sattn_set_isa(SATTN_ISA_SCALAR) == SATTN_OK, "set_isa scalar");
        require(sattn_sgemm((sattn_trans)ta, (sattn_trans)tb, m, n, k, alpha, nulls == 1 ? NULL : a, lda,
                            nulls == 2 ? NULL : b, ldb, beta, ref, ldc) == SATTN_OK, "scalar sgemm status");
        if (!r->specials)
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < n; j++)
                    require(close_to(c[i * ldc + j], ref[i * ldc + j], 1e-4 * (k + 1)), "sgemm differs from the scalar path");
    }
    release(a), release(b), release(c), release(c0), release(ref);
}

static void fuzz_softmax(reader *r) {
    const sattn_isa isa = pick_isa(r);
    const size_t rows = upto(r, 12), cols = upto(r, 40);
    size_t ldx = cols + upto(r, 2);
    if (byte(r) % 8 == 0 && ldx > 0) ldx--; /* sometimes too small: SATTN_E_STRIDE */
    const unsigned mode = byte(r) % 4; /* 0: separate, 1: in place, 2: overlapping (invalid), 3: other ld */
    const size_t ldy = mode == 3 ? cols + 1 : ldx, n = rows * (ldx > ldy ? ldx : ldy) + 2;
    float *x = random_floats(r, n), *y = guarded(n), *ref = guarded(n), *x0 = guarded(n);
    memcpy(x0, x, n * sizeof *x);
    float *dst = mode == 1 ? x : mode == 2 ? x + 1 : y;
    require(sattn_set_isa(isa) == SATTN_OK, "set_isa");
    const sattn_status st = sattn_softmax(rows, cols, x, ldx, dst, mode == 1 || mode == 2 ? ldx : ldy);
    canaries_intact(x, n), canaries_intact(y, n);
    if (st != SATTN_OK) {
        require(!memcmp(x, x0, n * sizeof *x), "a failed softmax wrote its input");
        untouched(y, n);
        return release(x), release(y), release(ref), release(x0);
    }
    /* y = x + 1 overlaps x unless the matrix is a single element (then the two are disjoint). */
    require(mode != 2 || rows == 0 || cols == 0 || (rows - 1) * ldx + cols <= 1, "overlapping softmax accepted");
    require(sattn_set_isa(SATTN_ISA_SCALAR) == SATTN_OK, "set_isa scalar");
    require(sattn_softmax(rows, cols, x0, ldx, ref, mode == 1 ? ldx : ldy) == SATTN_OK, "scalar softmax status");
    const size_t ld = mode == 1 ? ldx : ldy;
    if (!r->specials)
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++)
                require(close_to(dst[i * ld + j], ref[i * ld + j], 1e-5), "softmax differs from the scalar path");
    release(x), release(y), release(ref), release(x0);
}

static void fuzz_self_attention(reader *r) {
    const sattn_isa isa = pick_isa(r);
    sattn_self_attention_desc d = {.batch = upto(r, 2), .seq_len = upto(r, 6), .d_model = upto(r, 8),
                                   .heads = upto(r, 3), .head_dim = upto(r, 5), .causal = (int)(byte(r) & 1)};
    const int with_wo = (int)(byte(r) & 1);
    const size_t width = d.heads * d.head_dim, ny = d.batch * d.seq_len * (with_wo ? d.d_model : width) + 1;
    /* 0.2's fields: biases (b_o also without w_o, an error), sequence lengths (in range or one past either
     * end), PyTorch's weight layout. */
    const unsigned extras = byte(r);
    float *biases[4] = {NULL, NULL, NULL, NULL};
    int32_t lens[2];
    if (extras & 1) {
        for (int i = 0; i < 4; i++) biases[i] = random_floats(r, (i == 3 ? d.d_model : width) + 1);
        d.b_q = biases[0], d.b_k = biases[1], d.b_v = biases[2], d.b_o = (extras & 2) ? biases[3] : NULL;
    }
    if (extras & 4) {
        for (size_t b = 0; b < d.batch; b++) lens[b] = (int32_t)upto(r, d.seq_len + 1) - (int32_t)(byte(r) == 0);
        d.seq_lens = lens;
    }
    d.weights_transposed = (int)(extras >> 3 & 1);
    float *x = random_floats(r, d.batch * d.seq_len * d.d_model + 1), *w[4];
    for (int i = 0; i < 4; i++) w[i] = random_floats(r, d.d_model * width + 1);
    float *y = guarded(ny), *ref = guarded(ny);
    /* 0: the library allocates; 1: the size the query gives; 2: one byte short of one worker's; 3: the
     * same through a context on the built-in pool. */
    const unsigned ws_mode = byte(r) % 4;
    require(sattn_context_set_isa(pool_context(0), isa) == SATTN_OK && sattn_context_set_isa(pool_context(1), isa) == SATTN_OK,
            "context_set_isa");
    const size_t need = ws_mode == 1 ? sattn_self_attention_workspace_size(&d)
                                     : sattn_self_attention_workspace_size_ctx(pool_context(1), &d);
    const size_t ws_size = ws_mode == 0 ? 0 : ws_mode == 1 ? need : (need ? need - 1 : 0);
    void *ws = ws_mode ? malloc(ws_size ? ws_size : 1) : NULL;
    require(sattn_set_isa(isa) == SATTN_OK, "set_isa");
    const sattn_status st =
        ws_mode == 3 ? sattn_self_attention_ctx(pool_context(0), &d, x, w[0], w[1], w[2], with_wo ? w[3] : NULL, y, ws,
                                                ws_size)
                     : sattn_self_attention(&d, x, w[0], w[1], w[2], with_wo ? w[3] : NULL, y, ws, ws_size);
    canaries_intact(y, ny);
    if (st != SATTN_OK) {
        untouched(y, ny);
    } else {
        require(ws_mode < 2 || need == 0 || d.batch == 0 || d.seq_len == 0, "a short workspace was accepted");
        require(sattn_set_isa(SATTN_ISA_SCALAR) == SATTN_OK, "set_isa scalar");
        require(sattn_self_attention(&d, x, w[0], w[1], w[2], with_wo ? w[3] : NULL, ref, NULL, 0) == SATTN_OK,
                "scalar self_attention status");
        if (!r->specials)
            for (size_t i = 0; i + 1 < ny; i++)
                require(close_to(y[i], ref[i], 1e-3), "self_attention differs from the scalar path");
    }
    free(ws);
    release(x), release(y), release(ref);
    for (int i = 0; i < 4; i++) release(w[i]), release(biases[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    reader r = {data, size, 0};
    const unsigned head = byte(&r);
    r.specials = (head >> 2) & 1;
    sattn_set_num_threads(1 + (int)((head >> 3) & 1));
    switch (head & 3) {
    case 0: fuzz_attention(&r); break;
    case 1: fuzz_sgemm(&r); break;
    case 2: fuzz_softmax(&r); break;
    default:
        if ((head >> 4) & 1)
            fuzz_merge(&r);
        else
            fuzz_self_attention(&r);
        break;
    }
    return 0;
}

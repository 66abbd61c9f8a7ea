/* The split-KV driver for decode: one query (or a few) per head against a long K/V cache.
 *
 * With so few rows the work is streaming K and V from memory once, so nothing is packed: the
 * decode kernels read K and V in place. A K/V head's rows (all query heads of its group times
 * all queries, at most the table's decode_max_rows) form one item, and the item's keys are split in
 * chunks of DECODE_CHUNK_KEYS. Each (item, chunk) is an independent unit giving a partial
 * (max m, sum l, accumulator) per row — the online softmax of prefill over that chunk
 * alone — so one head's keys are spread over all threads. The unit that finishes an item's last
 * chunk merges its partials, in chunk order. All of the row algebra is attention_rows.c's.
 *
 * In a tokens-major or paged cache a unit covers the K/V heads of its batch (up to 64; heads_per_unit
 * below). Kernel calls never cross a page (sattn_kv_run); each sequence has its own q_len_b and kv_len_b.
 *
 * Determinism: chunk boundaries are multiples of DECODE_CHUNK_KEYS, fixed by the shape alone,
 * and the merge order is fixed, so the result is the same bits for any thread count and pool. */
#include <stdatomic.h>
#include <stdint.h>

#include "attention_rows.h"

/* Large enough that a chunk's per-row bookkeeping is noise next to streaming its keys
 * (512 keys of d = 128 are 256 KiB of K and V), small enough that 8K keys give 16 units per head. */
#define DECODE_CHUNK_KEYS 512

/* Keys per kernel call when a unit walks all K/V heads: each step then reads the rows of all heads
 * of 4 keys, one contiguous stretch (64 KiB for 32 heads of d 128 in f32) that the hardware
 * prefetchers stream. Measured on this Zen 3 VM (1 thread, 32 heads, kv 8192, f32, medians of 3):
 * 0.31 of the read bandwidth walking one head at a time, 1.09 / 0.90 / 0.69 / 0.60 / 0.68 with
 * 4 / 8 / 16 / 64 / 128 keys per step. */
#define INTERLEAVED_KEYS 4
/* Int4 K and V with fewer than 4 rows, every row on its own cache lines: AVX2's one-row kernels put q and the
 * accumulator in their column order once per call, which longer calls pay less often. Same VM, 32 heads, kv
 * 8192, d 128, 1 thread, tokens-major, best of 5, three interleaved rounds: 4 keys 10.0-11.1 ms, 32 keys
 * 7.2-8.1 (dense 5.2-5.5). With rows 16 bytes off a line, 32 keys ran at 14.4-18.4 ms against 9.4-13.5 at 4:
 * each line then holds two heads' rows, and a head's 32 rows (on four L1 sets) push out the lines that the next
 * head shares. Other types lose at 32 (f16 13.5-14.5 ms against 8.9-12.1 at 4, int8 24.9-29.0 against
 * 8.2-12.2). */
#define INTERLEAVED_KEYS_I4 32

static int rows_own_lines(const void *x, sattn_dtype t, sattn_strides s) {
    return (uintptr_t)x % 64 == 0 && sattn_elem_bytes(s.seq, t) % 64 == 0 && sattn_elem_bytes(s.head, t) % 64 == 0;
}

/* With 8 or more rows per K/V head the kernels' arithmetic, not the stream, sets the pace, and a step
 * of 4 keys leaves AVX2's many-row tiles (3 keys wide) mostly edges. Same VM, tokens-major, kv 8192,
 * 1 thread, K+V GB/s at steps of 4 / 12 / 24 keys: 16 rows 2.4-2.5 / 3.9-4.5 / 3.7-4.1, 8 rows
 * 5.5-5.9 / 5.5-6.0 / 5.9-6.2. */
#define INTERLEAVED_KEYS_MANY_ROWS 12
/* With 4 to 7 rows, steps of 4 to 12 keys holding at most this many bytes of K (GQA 32/8 in f32: 12 keys;
 * 32 heads: 4). GQA 32/8, one query, tokens-major, 1 thread, mean K+V GB/s of interleaved rounds: steps of
 * 4 keys 7.0-9.6 (kv 8192) and 7.0-8.5 (kv 32768), 12 keys 8.4-11.2 and 8.3-9.0; 32 heads x 4 queries: 4
 * keys 7.1-9.2, 12 keys 6.8-8.2. */
#define INTERLEAVED_STEP_BYTES (64 * 1024)
/* An ISA's blocking may set its own steps (decode_step_keys or _bytes, decode_int_step_keys, decode_many_step_keys;
 * avx512/init.c has the figures): the constants above are the defaults, measured on Zen 3 with AVX2's kernels. */
/* Where a level walks long steps from 4 rows per K/V head (decode_many_step_keys), a key whose rows of all heads
 * span WIDE_KEY_BYTES or more of K (32 heads of d 32 in f32, of d 64 in f16, of d 128 in int8) takes steps of at
 * most WIDE_KEY_STEP_KEYS, unless Q·Kᵀ runs on row lanes (which transpose Q every call). A head's rows of one step
 * lie on as many pages as keys, and the next head reads the lines beside them: the L2 streamer, which follows a
 * few dozen pages, then still has them. AMX Xeon VM, tokens-major, kv 32768, 1 thread, two rounds, steps of 32
 * against 128 (bench full, f32): 32 heads x 4 queries d 64 44.5-44.8 ms against 58.6-58.9, x 8 58.2-58.7 against
 * 67.0-67.5, d 128 x 4 87.3-88.1 against 92.6-93.4, x 8 106 against 106-107, GQA 32/8 one query d 128 (4 KiB a key)
 * 0.92-1.10x in three rounds; own timing program, 32 heads: f16 and bf16 d 128 x 4 0.52-0.54x, x 8 0.75-0.80x, d 64
 * x 4 0.62-0.67x, x 8 0.57-0.60x, int8 (group 32) d 128 x 4 0.57x, x 8 0.82x. With row lanes (x 16) d 128 took 149
 * against 143; narrower keys lose: GQA 32/8 at d 64 (2 KiB) 14.9-15.1 ms against 11.5-11.6 for one query, GQA 32/4
 * 11.5-11.6 against 5.9. On the Zen 5 VM GQA 32/8 f16 and bf16 at d 128 (2 KiB keys) at 32 keys took 1.43-1.76x the
 * whole chunk's time (kv 8192 and 32768, 1 thread). */
#define WIDE_KEY_BYTES (4 * 1024)
#define WIDE_KEY_STEP_KEYS 32
/* At most this many K/V heads per unit (scratch and the unit's bookkeeping grow with it). */
#define INTERLEAVED_MAX_HEADS 64

struct decode_plan {
    size_t group, rows, chunks, items;
    size_t heads_per_unit; /* K/V heads (items) one unit covers */
    size_t step;           /* keys per kernel call before page ends: a few in a tokens-major walk, else a chunk */
    size_t ahead;          /* a tokens-major walk of short steps: keys ahead of each call whose rows the driver
                              prefetches (0: none; prefetch_ahead) */
    size_t prefetch_k, prefetch_v; /* the kernels' prefetch distance in keys of K and of V (0: none) */
    size_t prefetch_k_many, prefetch_v_many; /* the same for the many-row tiles */
    size_t prefetch_k_max, prefetch_v_max;   /* the many-row tiles' farthest (L1 aliasing; 0 with no prefetch) */
};

/* An item's rows: its sequence's queries (q_len_b of them) times the group's heads. */
static struct row_block item_rows(const struct sattn_attention_problem *p, const struct decode_plan *pl,
                                  size_t item) {
    const size_t g = item % p->kv_heads, b = item / p->kv_heads, qn = sattn_seq_q_len(p, b);
    return (struct row_block){.b = b, .h0 = g * pl->group, .i0 = 0, .qn = qn, .rows = pl->group * qn};
}

/* A unit's partial state, in attention_rows.h's row_state_at layout. */
static size_t partial_floats(const struct sattn_attention_problem *p, const struct decode_plan *pl) {
    return sattn_round_floats(sattn_row_state_floats(pl->rows, p->v_head_dim));
}

/* Per-thread scratch per head of a unit: the logits of its rows, then (for a Q that is not float, or
 * several queries per head) its rows as float, side by side. */
static size_t head_scratch_floats(const struct sattn_attention_problem *p, const struct decode_plan *pl) {
    return sattn_round_floats(pl->rows * DECODE_CHUNK_KEYS) +
           (p->q_type != SATTN_DTYPE_F32 || p->q_len > 1 ? sattn_round_floats(pl->rows * p->head_dim) : 0);
}

/* In a tokens-major cache the rows of all K/V heads of one key lie side by side and one head's
 * rows are far apart (16 KiB for 32 heads of d 128): walking one head down its keys touches a new
 * page every row, which neither the TLB nor the hardware prefetchers follow. A unit then takes
 * every K/V head of its batch and walks the keys in short sub-blocks, all heads of each before the
 * next, so memory is read front to back. A paged cache holds every head's rows of a page together
 * ([page, kv_heads, page_size, dim] or tokens-major inside): there a unit walks the page, head after
 * head, before the next page. Measured on this Zen 3 VM (1 thread, 32 heads, kv 8192, d 128, f32,
 * pages of 16 shuffled, interleaved medians of 41): one head at a time 0.52-0.58x of the contiguous
 * cache's speed, page by page 0.62-0.72x (pages of 64: 0.80-0.83x -> 0.88-0.92x). What remains at 16
 * is the cost of short kernel calls: with K and V in L3, pages of 16 / 32 / 64 / 128 in memory order
 * ran at 0.70 / 0.85 / 0.88 / 0.92x. Any other layout keeps one head per unit. The kernels compute
 * each logit and each key's update the same way in every walk, so the bits match. */
static int tokens_major(const struct sattn_attention_problem *p) {
    return p->ks.head < p->ks.seq && p->vs.head < p->vs.seq;
}

static size_t heads_per_unit(const struct sattn_attention_problem *p) {
    const int interleaved = p->kv_heads > 1 && (tokens_major(p) || p->block_table);
    if (!interleaved) return 1;
    size_t h = sattn_min(p->kv_heads, INTERLEAVED_MAX_HEADS); /* a divisor, so no unit spans two batches */
    while (p->kv_heads % h) h--;
    return h;
}

/* Keys of the next call's rows the driver prefetches in a paged walk with pages of fewer than
 * DECODE_PAGE_PREFETCH_BELOW keys: the kernels prefetch ahead within one call only, and the next page lies
 * elsewhere. A whole 16-key call ahead is what it takes in isolation (kernel calls of 16 keys over a linear
 * 128 MiB stream on a Zen 3 VM: 0.66x of 512-key calls without, 0.66x with the next call's first 8 rows,
 * 0.93-0.96x with all 16). GCC used to delete these prefetches (kernels.h says why: SATTN_PREFETCH_INLINE),
 * so the driver's walk had measured none. With them, on the Zen 5 VM (32 heads and GQA 32/8, one query, kv 8192,
 * d 128, pages shuffled, 1 thread, two builds alternating, medians of 15): pages of 16 took f32 0.79x / 0.81x the
 * time, f16 0.56x / 0.54x, int8 0.83x / 0.64x, int4 0.83x / 0.99x; pages of 32 1.00-1.12x for 32 heads
 * (0.87-1.02x GQA) and of 64 or 128 up to 1.23x, where a call's own prefetch and the hardware's stream cover
 * most of a page: there the driver leaves it to them. */
#define DECODE_PAGE_PREFETCH_BELOW 32
#define DECODE_PAGE_PREFETCH_KEYS 16

/* Prefetches the rows of keys [j, j + n) of K/V head g of sequence b (tensor x of type t, strides s, rows of
 * `cols` elements), one prefetch per 64-byte line, into L1 or L2. */
SATTN_PREFETCH_INLINE void prefetch_keys(const struct sattn_attention_problem *p, const void *x, sattn_dtype t,
                                         sattn_strides s, size_t b, size_t g, size_t j, size_t n, size_t cols, int to_l2) {
    /* the keys lie in one run */
    sattn_prefetch_row_run_to(sattn_elem_addr(x, t, sattn_kv_offset(p, s, b, g, j)), n, sattn_elem_bytes(s.seq, t),
                              sattn_elem_bytes(cols, t), to_l2);
}

/* One item's part of a unit. */
struct item_work {
    struct row_block rb;
    struct row_state st;
    float *s;
    const float *q; /* rows r (head h, query i) for the kernel, ldq apart: in place, or converted */
    size_t ldq;
    size_t g, j0;   /* its K/V head and the unit's first key */
};

/* Paged: before the call on keys [jb, jb + n) of head t, the first rows of the call after it in the walk
 * (the next head's rows of the same page, or the first head's of the next page) are prefetched; the
 * kernels prefetch within a call only, and a page's first rows would otherwise arrive cold. */
SATTN_PREFETCH_INLINE void prefetch_next_call(const struct sattn_attention_problem *p, const struct item_work *w,
                                              size_t hpu, size_t t, size_t jb, size_t n, size_t nk, int values) {
    if (!p->block_table || p->page_size >= DECODE_PAGE_PREFETCH_BELOW) return;
    const size_t tn = t + 1 < hpu ? t + 1 : 0, jn = t + 1 < hpu ? jb : jb + n;
    if (jn >= nk) return;
    const size_t j = w[0].j0 + jn, keys = sattn_min(sattn_min(DECODE_PAGE_PREFETCH_KEYS, nk - jn), sattn_kv_run(p, j));
    if (values)
        prefetch_keys(p, p->v, p->v_type, p->vs, w[tn].rb.b, w[tn].g, j, keys, p->v_head_dim, 0);
    else
        prefetch_keys(p, p->k, p->k_type, p->ks, w[tn].rb.b, w[tn].g, j, keys, p->head_dim, 0);
}

/* A walk with pl->ahead set (short_walk): the rows of the same head pl->ahead keys after the call on keys [jb, jb + n)
 * of the unit (K's, or V's), and their scales (int8), within the unit's nk keys, prefetched into L2 before the call.
 * A call of a few keys is too short for the kernels' own prefetch, and the hardware's does not follow rows a page or
 * more apart; a head's scales of successive keys lie a line or more apart as well. */
SATTN_PREFETCH_INLINE void prefetch_ahead(const struct sattn_attention_problem *p, const struct decode_plan *pl,
                                          const struct item_work *w, size_t jb, size_t n, size_t nk, int values) {
    if (!pl->ahead || jb + pl->ahead + n > nk) return;
    const size_t j = w->j0 + jb + pl->ahead;
    if (values)
        prefetch_keys(p, p->v, p->v_type, p->vs, w->rb.b, w->g, j, n, p->v_head_dim, 1);
    else
        prefetch_keys(p, p->k, p->k_type, p->ks, w->rb.b, w->g, j, n, p->head_dim, 1);
    if ((values ? p->v_type : p->k_type) < SATTN_DTYPE_I8) return;
    const size_t cols = values ? p->v_head_dim : p->head_dim;
    const struct sattn_scales sc = values ? sattn_kv_scales(p, p->v_scales, p->vss, p->v_group, w->rb.b, w->g, j, 0)
                                          : sattn_kv_scales(p, p->k_scales, p->kss, p->k_group, w->rb.b, w->g, j, 0);
    sattn_prefetch_row_run_to(sc.at, n, sc.ld * sizeof(float), cols / sc.group * sizeof(float), 1);
}

/* Whether a call of `rows` rows takes the level's Q·Kᵀ on row lanes (by rows alone, so the layout changes no bit). */
static int qk_takes_lanes(const struct sattn_decode_ops *ops, size_t rows) {
    return ops->qk_lanes && rows >= ops->qk_lanes_from;
}

/* Whether the many-row tiles prefetch rows ld elements of type t apart into L2 (the blocking's choice): rows a
 * page or more apart (tokens-major) keep L1, where L2 took 1.00-1.03x the time (avx512/init.c has the figures). */
#define PREFETCH_L2_MAX_ROW_BYTES 4096
static int many_prefetch_l2(const struct sattn_exec *x, size_t ld, sattn_dtype t) {
    return x->blk->decode_many_prefetch_l2 && sattn_elem_bytes(ld, t) < PREFETCH_L2_MAX_ROW_BYTES;
}

/* S[:, jb..jb+n) = scale * Q·Kᵀ for the keys j0 + jb.., which lie in one run (sattn_kv_run): one call for
 * all of the item's rows, so K is read once. */
static void qk_keys(const struct sattn_exec *x, const struct sattn_attention_problem *p, const struct decode_plan *pl,
                    const struct item_work *w, size_t jb, size_t n) {
    const struct sattn_decode_ops *ops = &x->k->decode[p->k_type];
    const size_t b = w->rb.b, j = w->j0 + jb;
    const void *k = sattn_elem_addr(p->k, p->k_type, sattn_kv_offset(p, p->ks, b, w->g, j));
    const int many = ops->qk_many && w->rb.rows >= ops->qk_many_from;
    const int lanes = qk_takes_lanes(ops, w->rb.rows);
    const struct sattn_decode_params kp = {.scale = p->scale,
                                           .kv = sattn_kv_scales(p, p->k_scales, p->kss, p->k_group, b, w->g, j, 0),
                                           .prefetch_keys = many || lanes ? pl->prefetch_k_many : pl->prefetch_k,
                                           .prefetch_keys_max = many || lanes ? pl->prefetch_k_max : 0,
                                           .prefetch_l2 = (many || lanes) && many_prefetch_l2(x, p->ks.seq, p->k_type)};
    const sattn_qk_dot_fn qk = lanes ? ops->qk_lanes : many ? ops->qk_many : ops->qk_dot;
    qk(w->rb.rows, n, p->head_dim, w->q, w->ldq, k, p->ks.seq, w->s + jb, DECODE_CHUNK_KEYS, &kp);
}

/* acc += P[:, jb..jb+n) · V[j0+jb..j0+jb+n), keys of one run. */
static void pv_keys(const struct sattn_exec *x, const struct sattn_attention_problem *p, const struct decode_plan *pl,
                    const struct item_work *w, size_t jb, size_t n) {
    const size_t b = w->rb.b, j = w->j0 + jb;
    const struct sattn_decode_ops *ops = &x->k->decode[p->v_type];
    const int many = ops->pv_many && w->rb.rows >= ops->pv_many_from;
    const struct sattn_decode_params vp = {.kv = sattn_kv_scales(p, p->v_scales, p->vss, p->v_group, b, w->g, j, 0),
                                           .prefetch_keys = many ? pl->prefetch_v_many : pl->prefetch_v,
                                           .prefetch_keys_max = many ? pl->prefetch_v_max : 0,
                                           .prefetch_l2 = many && many_prefetch_l2(x, p->vs.seq, p->v_type)};
    const sattn_pv_accumulate_fn pv = many ? ops->pv_many : ops->pv_accumulate;
    pv(w->rb.rows, n, p->v_head_dim, w->s + jb, DECODE_CHUNK_KEYS,
       sattn_elem_addr(p->v, p->v_type, sattn_kv_offset(p, p->vs, b, w->g, j)), p->vs.seq, w->st.acc, p->v_head_dim,
       &vp);
}

/* Unit `unit`: one chunk of keys of its items (heads_per_unit consecutive ones of one batch), each
 * item's partial at its (item, chunk) place among the wave's partials. */
static void run_unit(const struct sattn_exec *x, const struct sattn_attention_problem *p, const struct decode_plan *pl,
                     size_t unit, float *scratch, float *partials, size_t first_item, int in_order) {
    const size_t hpu = pl->heads_per_unit, chunk = unit % pl->chunks, it0 = unit / pl->chunks * hpu;
    const size_t d = p->head_dim, dv = p->v_head_dim, stride = partial_floats(p, pl);
    struct item_work w[INTERLEAVED_MAX_HEADS];
    for (size_t t = 0; t < hpu; t++) {
        const size_t item = it0 + t;
        w[t].rb = item_rows(p, pl, item);
        w[t].st = sattn_row_state_at(partials + ((item - first_item) * pl->chunks + chunk) * stride, w[t].rb.rows);
        sattn_rows_start(w[t].st, w[t].rb.rows, dv);
    }
    if (w[0].rb.rows == 0) return; /* a sequence without query rows */
    /* The part of the chunk that some row sees (the same for every head of a batch); nothing outside
     * it is read. */
    const struct key_range keys = sattn_block_keys(p, &w[0].rb);
    const size_t c0 = chunk * DECODE_CHUNK_KEYS, c1 = c0 + DECODE_CHUNK_KEYS;
    const size_t j0 = sattn_max(c0, (size_t)keys.lo), j1 = sattn_min(c1, (size_t)(keys.hi > 0 ? keys.hi : 0));
    if (j0 >= j1) return;
    const size_t nk = j1 - j0, b = w[0].rb.b;

    for (size_t t = 0; t < hpu; t++) {
        struct item_work *it = &w[t];
        it->g = it->rb.h0 / pl->group, it->j0 = j0;
        it->s = scratch + t * head_scratch_floats(p, pl);
        /* With one float query per head the group's rows are read in place, qs.head apart. Otherwise they
         * are first made float side by side, row r = (head h, query i) at r * d, so that one kernel call
         * takes all of the item's rows and reads each K and V row once for them. */
        if (p->q_type == SATTN_DTYPE_F32 && it->rb.qn == 1) {
            it->q = (const float *)p->q + sattn_q_offset(p, p->qs, b, it->rb.h0, 0);
            it->ldq = p->qs.head;
        } else {
            float *qf = it->s + sattn_round_floats(pl->rows * DECODE_CHUNK_KEYS);
            for (size_t r = 0; r < it->rb.rows; r++)
                x->k->convert[p->q_type].to_f32(
                    d, sattn_elem_addr(p->q, p->q_type, sattn_q_offset(p, p->qs, b, it->rb.h0 + r / it->rb.qn, r % it->rb.qn)),
                    NULL, 0, qf + r * d);
            it->q = qf, it->ldq = d;
        }
    }
    /* A unit of one K/V head (heads_per_unit 1) makes two long calls, Q·Kᵀ over its chunk of K, then P·V over
     * its chunk of V, and the kernels prefetch within a call only: the first rows of each call arrived cold, and
     * the stream stalled twice a chunk. So before Q·Kᵀ the first rows of V that the kernels' own distance covers
     * are fetched into L2, and before P·V the next chunk's first rows of K, where the units run in order on one
     * worker (on more, another worker most likely takes the next chunk). Zen 5 VM, 32 heads and GQA 32/8, d 128,
     * dense, two builds alternating in one process: 1 thread, kv 8192 (medians of 101, two rounds), int8 (groups
     * of 32) 0.92-0.96x the time, int4 0.94-1.00x, f16 0.92-1.00x; kv 32768 (medians of 11) int8 0.92-0.96x,
     * int4 0.88-0.97x, f16 0.92-1.03x, f32 0.95-1.02x; 2 threads (kv 8192, the V rows alone) 0.96-1.01x. */
    const int one_head = hpu == 1 && !p->block_table;
    if (one_head && pl->prefetch_v)
        prefetch_keys(p, p->v, p->v_type, p->vs, b, w[0].g, j0, sattn_min(nk, pl->prefetch_v), dv, 1);
    /* Steps of pl->step keys, each ending where a page does. */
    for (size_t jb = 0, n; jb < nk; jb += n) {
        n = sattn_min(sattn_min(pl->step, nk - jb), sattn_kv_run(p, j0 + jb));
        for (size_t t = 0; t < hpu; t++) {
            prefetch_next_call(p, w, hpu, t, jb, n, nk, 0);
            prefetch_ahead(p, pl, &w[t], jb, n, nk, 0);
            qk_keys(x, p, pl, &w[t], jb, n);
        }
    }
    for (size_t t = 0; t < hpu; t++) sattn_rows_update(&x->k->row, p, &w[t].rb, j0, nk, w[t].s, DECODE_CHUNK_KEYS, w[t].st, NULL);
    const size_t next_hi = keys.hi > 0 ? (size_t)keys.hi : 0; /* the next chunk of this head: keys [c1, next_hi) */
    if (one_head && in_order && pl->prefetch_k && c1 < next_hi)
        prefetch_keys(p, p->k, p->k_type, p->ks, b, w[0].g, c1, sattn_min(next_hi - c1, pl->prefetch_k), d, 1);
    for (size_t jb = 0, n; jb < nk; jb += n) {
        n = sattn_min(sattn_min(pl->step, nk - jb), sattn_kv_run(p, j0 + jb));
        for (size_t t = 0; t < hpu; t++) {
            prefetch_next_call(p, w, hpu, t, jb, n, nk, 1);
            prefetch_ahead(p, pl, &w[t], jb, n, nk, 1);
            pv_keys(x, p, pl, &w[t], jb, n);
        }
    }
}

/* The chunk partials of one item, merged in chunk order, then its output rows. */
static void merge_item(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                       const struct decode_plan *pl, size_t item, const float *first, float *scratch) {
    const struct row_block rb = item_rows(p, pl, item);
    if (rb.rows == 0) return;
    const struct row_state merged = sattn_row_state_at(scratch, rb.rows);
    sattn_rows_merge(rb.rows, p->v_head_dim, first, pl->chunks, partial_floats(p, pl), merged);
    sattn_rows_finish(x->k, p, &rb, merged);
}

/* The bytes a walk steps over per key: every K/V head's row of it. */
static size_t key_bytes(const struct sattn_attention_problem *p) { return sattn_elem_bytes(p->ks.seq, p->k_type); }

/* The bytes of keys a short walk's step holds (the blocking's; 0: no short walk) and at most how many keys that may be:
 * int8 K or V take decode_int8_step_bytes, f16 and bf16 decode_step_bytes. */
#define SHORT_WALK_MAX_KEYS 8
#define SHORT_WALK_MAX_KEYS_I8 16
static int has_int8(const struct sattn_attention_problem *p) {
    return p->k_type == SATTN_DTYPE_I8 || p->v_type == SATTN_DTYPE_I8;
}
static size_t short_step_bytes(const struct sattn_exec *x, const struct sattn_attention_problem *p) {
    return has_int8(p) ? x->blk->decode_int8_step_bytes : x->blk->decode_step_bytes;
}

/* Whether a tokens-major walk takes the blocking's short steps of short_step_bytes, each call's rows prefetched
 * decode_step_ahead_bytes ahead (run_unit): under 4 rows per K/V head of f16, bf16 or int8 K and V, in a cache that
 * is not paged, where a step holds at most SHORT_WALK_MAX_KEYS keys (_I8 with int8; avx512/init.c has the figures). */
static int short_walk(const struct sattn_exec *x, const struct sattn_attention_problem *p, const struct decode_plan *pl) {
    const size_t kb = sattn_dtype_bits(p->k_type), vb = sattn_dtype_bits(p->v_type), step = short_step_bytes(x, p);
    const size_t max_keys = has_int8(p) ? SHORT_WALK_MAX_KEYS_I8 : SHORT_WALK_MAX_KEYS;
    return pl->heads_per_unit > 1 && tokens_major(p) && !p->block_table && pl->rows < 4 && kb >= 8 && kb <= 16 &&
           vb >= 8 && vb <= 16 && step && key_bytes(p) * max_keys >= step;
}

/* Keys per step of a tokens-major walk (see INTERLEAVED_KEYS*). */
static size_t interleaved_step(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                               const struct decode_plan *pl) {
    if (pl->rows >= 4 && x->blk->decode_many_step_keys) {
        if (!qk_takes_lanes(&x->k->decode[p->k_type], pl->rows) && key_bytes(p) >= WIDE_KEY_BYTES)
            return sattn_min(x->blk->decode_many_step_keys, WIDE_KEY_STEP_KEYS);
        return x->blk->decode_many_step_keys;
    }
    if (pl->rows >= 8) return INTERLEAVED_KEYS_MANY_ROWS;
    if (pl->rows < 4 && p->k_type == SATTN_DTYPE_I4 && p->v_type == SATTN_DTYPE_I4) /* the ISA's int step if longer */
        return rows_own_lines(p->k, p->k_type, p->ks) && rows_own_lines(p->v, p->v_type, p->vs)
                   ? sattn_max(INTERLEAVED_KEYS_I4, x->blk->decode_int_step_keys)
                   : INTERLEAVED_KEYS;
    if (short_walk(x, p, pl)) return sattn_max(1, short_step_bytes(x, p) / key_bytes(p));
    const int integer = p->k_type >= SATTN_DTYPE_I8 || p->v_type >= SATTN_DTYPE_I8;
    if (integer && x->blk->decode_int_step_keys) return x->blk->decode_int_step_keys;
    if (pl->rows < 4 && !integer && x->blk->decode_step_keys) return x->blk->decode_step_keys;
    if (pl->rows < 4) return INTERLEAVED_KEYS;
    /* Integer K or V keep steps of 4 keys at 4 to 7 rows, where the ISA sets no decode_int_step_keys. GQA 32/8, one
     * query, tokens-major, kv 8192, 1 thread, medians of 3 in three interleaved rounds (bench, this Zen 3 VM),
     * steps of 12 against 4: f32 6.7-7.5 ms against 8.8-8.9, f16 5.8-6.7 against 7.5-8.5, but int8/32 11.0-11.6
     * against 7.6-9.4, int8/row 10.1-12.7 against 7.1-9.0, int4 7.3-9.1 against 5.8-8.5. */
    if (integer) return INTERLEAVED_KEYS;
    const size_t keys = INTERLEAVED_STEP_BYTES / (pl->heads_per_unit * sattn_elem_bytes(p->head_dim, p->k_type));
    return keys < INTERLEAVED_KEYS ? INTERLEAVED_KEYS : keys > INTERLEAVED_KEYS_MANY_ROWS ? INTERLEAVED_KEYS_MANY_ROWS : keys;
}

/* How many keys ahead the kernels prefetch rows of `cols` elements of type t: a distance of the blocking's in
 * bytes, at least one key (none when the distance is 0). */
static size_t kernel_prefetch_keys(size_t bytes, sattn_dtype t, size_t cols) {
    return bytes ? sattn_max(1, bytes / sattn_elem_bytes(cols, t)) : 0;
}

/* A way of the L1 data cache holds 4 KiB on the cores we target (Intel's 48 KiB 12-way, AMD's 32 KiB 8-way), so
 * rows ld_bytes apart fall on 4096 / gcd(ld_bytes mod 4096, 4096) offsets of a way, every row on one when the
 * stride is a multiple of 4 KiB: a tokens-major cache of 32 heads of d 64 in f32 (8 KiB), of 8 heads of d 128
 * (4 KiB). The many-row kernels then keep at most L1_ALIAS_KEYS rows ahead per offset: further ahead, the prefetched
 * lines of one set evict each other before they are read. Xeon AMX VM, bench, 1 thread, kv 32768, tokens-major,
 * 32 heads, two rounds, medians of 3, against the 8 KiB distance alone: f32 d 64 x 8 and x 16 queries 0.79-0.81x
 * the time, x 4 0.91-0.93x; x 4 queries at d 128 f16 and bf16 0.86-0.90x, int8 0.74-0.87x, int4 0.91x, and at d 64
 * x 16 f16, bf16 and int8 0.83-0.88x (int4 at d 64, its rows 1 KiB apart: 4 offsets, 0.97-1.00x). 8, 12 and 24
 * keys per offset measured alike. Every other shape the full sweep has (GQA, MQA, d 128 f32, whose distance was 16
 * keys already) keeps its distance. */
#define L1_ALIAS_KEYS 16
static size_t alias_max_keys(size_t ld_bytes) {
    size_t a = 4096, b = ld_bytes % 4096;
    while (b) {
        const size_t r = a % b;
        a = b, b = r;
    }
    return L1_ALIAS_KEYS * (4096 / a);
}

static struct decode_plan plan_decode(const struct sattn_exec *x, const struct sattn_attention_problem *p) {
    struct decode_plan pl;
    pl.group = p->heads / p->kv_heads;
    pl.rows = pl.group * p->q_len;
    pl.chunks = p->kv_len ? sattn_div_up(p->kv_len, DECODE_CHUNK_KEYS) : 1;
    pl.items = p->batch * p->kv_heads;
    pl.heads_per_unit = heads_per_unit(p);
    /* Tokens-major: a few keys of every head at a time; otherwise a head's keys. Either way run_unit ends a
     * kernel call where a page does: a call reads one run of rows s.seq apart. */
    pl.step = pl.heads_per_unit > 1 && tokens_major(p) ? interleaved_step(x, p, &pl) : DECODE_CHUNK_KEYS;
    pl.ahead = short_walk(x, p, &pl) && x->blk->decode_step_ahead_bytes
                   ? sattn_max(1, x->blk->decode_step_ahead_bytes / key_bytes(p))
                   : 0;
    const size_t one = x->blk->decode_prefetch_bytes, many = x->blk->decode_many_prefetch_bytes;
    pl.prefetch_k = kernel_prefetch_keys(one, p->k_type, p->head_dim);
    pl.prefetch_v = kernel_prefetch_keys(one, p->v_type, p->v_head_dim);
    pl.prefetch_k_max = many ? alias_max_keys(key_bytes(p)) : 0;
    pl.prefetch_v_max = many ? alias_max_keys(sattn_elem_bytes(p->vs.seq, p->v_type)) : 0;
    pl.prefetch_k_many = sattn_min(kernel_prefetch_keys(many, p->k_type, p->head_dim), pl.prefetch_k_max);
    pl.prefetch_v_many = sattn_min(kernel_prefetch_keys(many, p->v_type, p->v_head_dim), pl.prefetch_v_max);
    return pl;
}

/* Items go in waves (whole units) whose partials fit partial_floats_max, so memory does not grow
 * with the batch; a wave only bounds memory, every item's merge order is the same in any wave. */
static size_t wave_items(const struct sattn_attention_problem *p, const struct decode_plan *pl,
                         size_t partial_floats_max) {
    const size_t hpu = pl->heads_per_unit, item_floats = pl->chunks * partial_floats(p, pl);
    return sattn_max(1, sattn_min(pl->items, partial_floats_max / item_floats) / hpu) * hpu;
}

struct sattn_scratch sattn_attention_decode_scratch(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                                    size_t partial_floats_max, size_t *workers) {
    const struct decode_plan pl = plan_decode(x, p);
    const size_t wave = wave_items(p, &pl, partial_floats_max), stride = partial_floats(p, &pl);
    const size_t unit_floats = pl.heads_per_unit * head_scratch_floats(p, &pl);
    *workers = sattn_min((size_t)x->threads, sattn_div_up(wave, pl.heads_per_unit) * pl.chunks);
    /* The wave's partials, then a count of unfinished chunks per unit group. */
    return (struct sattn_scratch){.shared = sattn_round_bytes(wave * pl.chunks * stride * sizeof(float)) +
                                            sattn_div_up(wave, pl.heads_per_unit) * sizeof(atomic_size_t),
                                  .per_worker = sattn_max(unit_floats, stride) * sizeof(float)};
}

/* One wave: a single parallel step over its units. The unit that finishes a unit group's last chunk
 * (counted down in `pending`) merges the group's items: the merge reads the partials in chunk order
 * whoever runs it, and one step instead of two halves what a call pays its pool. */
struct decode_step {
    const struct sattn_exec *x;
    const struct sattn_attention_problem *p;
    const struct decode_plan *pl;
    float *partials;
    atomic_size_t *pending; /* per unit group of the wave */
    void *scratch;
    struct sattn_scratch need;
    size_t first, first_unit, item_floats;
    int in_order; /* one worker: the units run in order */
};

static void unit_task(void *arg, size_t u, size_t worker) {
    const struct decode_step *s = arg;
    float *w = sattn_scratch_worker(s->scratch, s->need, worker);
    run_unit(s->x, s->p, s->pl, s->first_unit + u, w, s->partials, s->first, s->in_order);
    const size_t group = u / s->pl->chunks, hpu = s->pl->heads_per_unit;
    /* acq_rel: the merging unit sees every other unit's partials. */
    if (atomic_fetch_sub_explicit(&s->pending[group], 1, memory_order_acq_rel) != 1) return;
    for (size_t i = group * hpu; i < (group + 1) * hpu; i++)
        merge_item(s->x, s->p, s->pl, s->first + i, s->partials + i * s->item_floats, w);
}

sattn_status sattn_attention_decode_run(const struct sattn_exec *x, const struct sattn_attention_problem *p,
                                        size_t partial_floats_max, void *workspace, size_t workspace_size) {
    const struct decode_plan pl = plan_decode(x, p);
    if (pl.items == 0) return SATTN_OK;
    const size_t hpu = pl.heads_per_unit, wave = wave_items(p, &pl, partial_floats_max);
    size_t workers;
    const struct sattn_scratch need = sattn_attention_decode_scratch(x, p, partial_floats_max, &workers);
    void *scratch, *owned;
    struct sattn_stack_scratch stack;
    const sattn_status st = sattn_scratch_acquire(x, need, &workers, workspace, workspace_size, &stack,
                                                      &scratch, &owned);
    if (st != SATTN_OK) return st;
    const size_t item_floats = pl.chunks * partial_floats(p, &pl);
    struct decode_step s = {.x = x, .p = p, .pl = &pl, .partials = scratch, .scratch = scratch, .need = need,
                            .item_floats = item_floats, .in_order = workers <= 1,
                            .pending = (atomic_size_t *)((char *)scratch +
                                                         sattn_round_bytes(wave * item_floats * sizeof(float)))};
    for (s.first = 0; s.first < pl.items; s.first += wave) {
        const size_t n_items = sattn_min(wave, pl.items - s.first), groups = n_items / hpu;
        s.first_unit = s.first / hpu * pl.chunks;
        for (size_t g = 0; g < groups; g++) atomic_init(&s.pending[g], pl.chunks);
        sattn_parallel(x, workers, groups * pl.chunks, SATTN_DYNAMIC, unit_task, &s);
    }
    sattn_scratch_release(x, owned);
    return SATTN_OK;
}

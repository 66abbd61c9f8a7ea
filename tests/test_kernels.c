/* Every slot of every kernel table, called directly (dav1d's checkasm idea): for each ISA the CPU
 * has, each slot it provides runs on the same random inputs as the scalar slot (the reference),
 * at every size from 0 to 3·NR+1 and the widths around vector and tile edges, with NaN sentinels
 * around every output asserted untouched. Slots a table inherits unchanged from its parent are
 * skipped (their own ISA tests them). The gemm microkernel, whose tile differs per ISA, is
 * checked against a double-precision product instead.
 *
 * test_kernels_emulated adds src/avx512_bf16's and src/amx_bf16's tiles compiled against plain-C stand-ins of
 * their intrinsics.
 *
 *   test_kernels            the checks; SATTN_TEST_SEED=N reseeds (the seed is printed on failure)
 *   test_kernels --bench    nanoseconds per call of each slot, per ISA */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "internal.h"
#include "scalar/scalar.h"
#if SATTN_HAVE_AVX512_BF16
#include "avx512_bf16/avx512_bf16.h"
#endif

enum { GUARD = 16 };
static uint64_t seed = 1;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            print_error("seed %llu: ", (unsigned long long)seed);                                                      \
            fail_msg(__VA_ARGS__);                                                                                     \
        }                                                                                                              \
    } while (0)

/* n floats with GUARD sentinels on each side; returns the first of the n. */
static float *guarded(size_t n) { return alloc_sentinel(n + 2 * GUARD) + GUARD; }
static void release(float *x) { free(x - GUARD); }
static void check_guards(const float *x, size_t n, const char *isa, const char *slot, size_t size) {
    CHECK(count_touched(x - GUARD, GUARD) == 0 && count_touched(x + n, GUARD) == 0,
          "%s %s (size %zu) wrote outside its output", isa, slot, size);
}

static int same_bits(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof *a) == 0; }

/* |a - b| <= tol * (1 + |b|) element by element, NaN only with NaN. */
static int close_rel(const float *a, const float *b, size_t n, double tol) {
    for (size_t i = 0; i < n; i++) {
        if (a[i] == b[i]) continue; /* infinities too */
        if (isnan(a[i]) && isnan(b[i])) continue;
        if (!isfinite(a[i]) || !isfinite(b[i]) || fabs((double)a[i] - b[i]) > tol * (1 + fabs((double)b[i]))) return 0;
    }
    return 1;
}

/* Sizes 0..3·NR+1, then the widths around vector and block edges. */
static size_t sizes(size_t nr, size_t out[128]) {
    size_t n = 0;
    for (size_t s = 0; s <= 3 * nr + 1; s++) out[n++] = s;
    const size_t edges[] = {127, 128, 129, 255, 256, 257, 511, 512, 513, 1000};
    for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++)
        if (edges[e] > 3 * nr + 1) out[n++] = edges[e];
    return n;
}

struct isa_pair {
    const struct sattn_kernels *k, *parent, *ref;
    const char *name;
};

/* Whether a slot is the parent's (inherited): then it was tested with the parent's ISA. */
#define INHERITED(pair, member) ((pair)->parent && (pair)->k->member == (pair)->parent->member)

static void check_gemm(const struct isa_pair *t, rng_t *rng) {
    if (INHERITED(t, gemm.ukernel)) return;
    const struct sattn_gemm_config *g = &t->k->gemm;
    const size_t MR = g->mr, NR = g->nr, depths[] = {1, 2, 7, 33, 130};
    const size_t ldc = NR + 5, lda = 131 + 3;
    float *a = malloc(MR * lda * sizeof *a), *b = malloc(130 * NR * sizeof *b), *c0 = malloc(MR * ldc * sizeof *c0);
    float *c = guarded(MR * ldc);
    fill_uniform(rng, a, MR * lda, -1, 1);
    fill_uniform(rng, c0, MR * ldc, -1, 1);
    for (size_t di = 0; di < sizeof depths / sizeof depths[0]; di++)
        for (size_t mr = 1; mr <= MR; mr++)
            for (size_t nr = 1; nr <= NR; nr++)
                for (int variant = 0; variant < 3; variant++) { /* beta 0 (C not read), beta 0.5, packed A */
                    const size_t kc = depths[di];
                    fill_uniform(rng, b, kc * NR, -1, 1);
                    for (size_t p = 0; p < kc; p++)
                        for (size_t j = nr; j < NR; j++) b[p * NR + j] = 0.0f; /* panels are zero past nr */
                    const struct sattn_gemm_params params = {0.75f, variant == 1 ? 0.5f : 0.0f};
                    const size_t rs_a = variant == 2 ? 1 : lda, cs_a = variant == 2 ? MR : 1;
                    for (size_t i = 0; i < MR * ldc; i++) c[i] = variant == 1 ? c0[i] : NAN;
                    g->ukernel(mr, nr, kc, a, rs_a, cs_a, b, c, ldc, &params);
                    check_guards(c, MR * ldc, t->name, "gemm", mr * 1000 + nr);
                    for (size_t i = 0; i < MR; i++)
                        for (size_t j = 0; j < ldc; j++) {
                            const float got = c[i * ldc + j];
                            if (i >= mr || j >= nr) { /* outside the corner: untouched */
                                CHECK(variant == 1 ? same_bits(&got, &c0[i * ldc + j], 1) : isnan(got),
                                      "%s gemm %zux%zu kc %zu wrote (%zu, %zu) outside its corner", t->name, mr, nr,
                                      kc, i, j);
                                continue;
                            }
                            double want = 0, mag = 0;
                            for (size_t p = 0; p < kc; p++) {
                                const double ab = (double)a[i * rs_a + p * cs_a] * b[p * NR + j];
                                want += ab, mag += fabs(ab);
                            }
                            want = params.alpha * want + (variant == 1 ? params.beta * (double)c0[i * ldc + j] : 0);
                            CHECK(fabs(got - want) <= 1e-6 * (mag + 1) * (double)kc, "%s gemm %zux%zu kc %zu variant %d: "
                                  "(%zu, %zu) is %.9g, want %.9g", t->name, mr, nr, kc, variant, i, j, got, want);
                        }
                }
    release(c);
    free(a), free(b), free(c0);
}

/* 16-bit element of type t (BF16 or F16) nearest x, and its value. */
static uint16_t to_x16(sattn_dtype t, float x) { return t == SATTN_DTYPE_BF16 ? sattn_f32_to_bf16(x) : sattn_f32_to_f16(x); }
static double x16_value(sattn_dtype t, uint16_t h) { return t == SATTN_DTYPE_BF16 ? sattn_bf16_to_f32(h) : sattn_f16_to_f32(h); }

/* Every corner of a tile, or of a 32-row tile (AMX's two tiles of 16) those near its edges and halves: its code
 * changes course only there, and each corner runs many tile instructions through the test's stand-ins. */
static int near_edge(size_t n, size_t N) { return n <= 3 || (n >= 14 && n <= 18) || n + 3 >= N; }
static int corner_checked(size_t mr, size_t nr, size_t MR, size_t NR) {
    return MR < 32 || (near_edge(mr, MR) && near_edge(nr, NR));
}

/* A reduced-precision tile and its packer (kernels.h: lowp) against a double product of the 16-bit values:
 * every corner, depths odd and even (both operands padded to even with zeros, as the driver does), B in both
 * orientations, beta 0 (C unread) and not, alpha 1 with beta 0 and 1 (the driver's calls, which AMX runs on C
 * in place), the panel written to its documented size and no further. */
static void check_lowp_config(const char *name, const struct sattn_lowp_gemm_config *g, sattn_dtype type, rng_t *rng) {
    const size_t MR = g->mr, NR = g->nr, depths[] = {1, 2, 7, 8, 9, 33, 130};
    enum { LD = 140 };
    const size_t ldc = NR + 5, lda = LD + 4;
    uint16_t *a = malloc(MR * lda * sizeof *a), *src = malloc(LD * LD * sizeof *src);
    const size_t panel_max = sattn_lowp_panel_elems(130, NR);
    uint16_t *panel = malloc((panel_max + 2 * GUARD) * sizeof *panel);
    float *c0 = malloc(MR * ldc * sizeof *c0), *c = guarded(MR * ldc);
    fill_uniform(rng, c0, MR * ldc, -1, 1);
    for (size_t i = 0; i < LD * LD; i++) src[i] = to_x16(type, rng_uniform(rng, -1, 1));
    if (g->begin) g->begin(); /* one run of calls, as an item of the driver makes */
    for (size_t di = 0; di < sizeof depths / sizeof depths[0]; di++) {
        for (size_t i = 0; i < MR * lda; i++) /* rows zero from kc on, as the driver pads them */
            a[i] = i % lda < depths[di] ? to_x16(type, rng_uniform(rng, -1, 1)) : 0;
        for (size_t mr = 1; mr <= MR; mr++)
            for (size_t nr = 1; nr <= NR; nr++)
                /* beta 0, beta 0.5, B transposed, alpha 1 with beta 0, alpha 1 with beta 1 */
                for (int variant = 0; variant < 5 && corner_checked(mr, nr, MR, NR); variant++) {
                    const size_t kc = depths[di], kc2 = kc + (kc & 1);
                    const size_t rs = variant == 2 ? 1 : LD, cs = variant == 2 ? LD : 1;
                    for (size_t i = 0; i < panel_max + 2 * GUARD; i++) panel[i] = 0xABCD;
                    g->pack_b(NR, nr, kc, src, rs, cs, panel + GUARD);
                    const size_t filled = sattn_lowp_panel_elems(kc, NR);
                    for (size_t i = 0; i < GUARD; i++)
                        CHECK(panel[i] == 0xABCD && panel[GUARD + filled + i] == 0xABCD,
                              "%s lowp pack_b NR %zu nr %zu kc %zu wrote outside its panel", name, NR, nr, kc);
                    const struct sattn_gemm_params params = {variant >= 3 ? 1.0f : 0.75f,
                                                             variant == 1 ? 0.5f : variant == 4 ? 1.0f : 0.0f};
                    const int reads_c = params.beta != 0.0f;
                    for (size_t i = 0; i < MR * ldc; i++) c[i] = reads_c ? c0[i] : NAN;
                    g->ukernel(mr, nr, kc2, a, lda, panel + GUARD, c, ldc, &params);
                    check_guards(c, MR * ldc, name, "lowp gemm", mr * 1000 + nr);
                    for (size_t i = 0; i < MR; i++)
                        for (size_t j = 0; j < ldc; j++) {
                            const float got = c[i * ldc + j];
                            if (i >= mr || j >= nr) {
                                CHECK(reads_c ? same_bits(&got, &c0[i * ldc + j], 1) : isnan(got),
                                      "%s lowp gemm %zux%zu kc %zu wrote (%zu, %zu) outside its corner", name, mr, nr,
                                      kc, i, j);
                                continue;
                            }
                            double want = 0, mag = 0;
                            for (size_t p = 0; p < kc; p++) {
                                const double ab = x16_value(type, a[i * lda + p]) * x16_value(type, src[p * rs + j * cs]);
                                want += ab, mag += fabs(ab);
                            }
                            want = params.alpha * want + (reads_c ? params.beta * (double)c0[i * ldc + j] : 0);
                            CHECK(fabs(got - want) <= 1e-6 * (mag + 1) * (double)kc, "%s lowp gemm (type %d) %zux%zu kc %zu "
                                  "variant %d: (%zu, %zu) is %.9g, want %.9g", name, (int)type, mr, nr, kc, variant, i, j,
                                  got, want);
                        }
                    if (variant) continue;
                    /* The panel's padding is zero: its columns past nr give 0 in a full-width product, and with an
                     * odd depth, a one in A's padding changes nothing (a garbage pad times a zero could be NaN). */
                    float *full = guarded(MR * ldc);
                    g->ukernel(mr, NR, kc2, a, lda, panel + GUARD, full, ldc, &params);
                    for (size_t i = 0; i < mr; i++)
                        for (size_t j = nr; j < NR; j++)
                            CHECK(full[i * ldc + j] == 0.0f, "%s lowp pack_b nr %zu kc %zu: column %zu is not zero", name,
                                  nr, kc, j);
                    if (kc & 1) {
                        for (size_t i = 0; i < MR; i++) a[i * lda + kc] = to_x16(type, 1.0f);
                        g->ukernel(mr, nr, kc2, a, lda, panel + GUARD, full, ldc, &params);
                        for (size_t i = 0; i < MR; i++) a[i * lda + kc] = 0;
                        for (size_t i = 0; i < mr; i++)
                            CHECK(same_bits(full + i * ldc, c + i * ldc, nr), "%s lowp pack_b kc %zu: the padding row of "
                                  "an odd depth is not zero", name, kc);
                    }
                    release(full);
                }
    }
    if (g->end) g->end();
    release(c);
    free(a), free(src), free(panel), free(c0);
}

/* A level's own pair packer against the portable one, bit for bit: Kᵀ (rs 1), V (cs 1) and neither contiguous,
 * every width up to NR, depths that end a 16-word block early, on it and past it, panels 16 and 32 wide. */
static void check_pairs_packer(const char *name, sattn_lowp_pack_b_fn pack) {
    enum { LD = 72, MAXNR = 32 };
    const size_t depths[] = {1, 2, 3, 31, 32, 33, 64, 65, 70}, widths[] = {16, 32};
    uint16_t src[LD * LD], want[LD * MAXNR], got[LD * MAXNR + GUARD];
    for (size_t i = 0; i < LD * LD; i++) src[i] = (uint16_t)(i * 2654435761u >> 7);
    for (size_t w = 0; w < 2; w++)
        for (size_t di = 0; di < sizeof depths / sizeof depths[0]; di++)
            for (size_t nr = 1; nr <= widths[w]; nr++)
                for (int o = 0; o < 3; o++) {
                    const size_t NR = widths[w], kc = depths[di], rs = o == 0 ? 1 : o == 1 ? LD : 2 * LD / 3;
                    const size_t cs = o == 0 ? LD : o == 1 ? 1 : 2;
                    const size_t n = sattn_lowp_panel_elems(kc, NR);
                    memset(want, 0xEE, sizeof want), memset(got, 0xEE, sizeof got);
                    sattn_x16_pack_b_pairs__scalar(NR, nr, kc, src, rs, cs, want);
                    pack(NR, nr, kc, src, rs, cs, got);
                    CHECK(!memcmp(want, got, n * sizeof *got) && got[n] == 0xEEEE,
                          "%s pair packer NR %zu nr %zu kc %zu (rs %zu, cs %zu) differs from the portable one", name, NR,
                          nr, kc, rs, cs);
                }
}

/* The row layout's packer: (p, j) at p*NR + j, zero past nr and in the padding row of an odd depth. */
static void check_lowp_rows_packer(void) {
    enum { NR = 16, LD = 40 };
    uint16_t src[LD * LD], dst[40 * NR];
    for (size_t i = 0; i < LD * LD; i++) src[i] = (uint16_t)(i + 1);
    for (size_t kc = 1; kc <= 9; kc++)
        for (size_t nr = 1; nr <= NR; nr++) {
            memset(dst, 0xEE, sizeof dst);
            sattn_x16_pack_b_rows__scalar(NR, nr, kc, src, 1, LD, dst);
            for (size_t p = 0; p < kc + (kc & 1); p++)
                for (size_t j = 0; j < NR; j++)
                    CHECK(dst[p * NR + j] == (p < kc && j < nr ? src[p + j * LD] : 0), "rows packer kc %zu nr %zu: (%zu, %zu)",
                          kc, nr, p, j);
            CHECK(dst[(kc + (kc & 1)) * NR] == 0xEEEE, "rows packer kc %zu wrote past its panel", kc);
        }
}

#if SATTN_TEST_EMULATED_TILES
/* src/avx512_bf16's and src/amx_bf16's tiles compiled against tests/emulated/immintrin.h (tests/meson.build). */
SATTN_LOWP_GEMM_UKERNEL(sattn_bf16_lowp_gemm_ukernel_12x32__emulated);
SATTN_LOWP_GEMM_UKERNEL(sattn_bf16_lowp_gemm_ukernel_32x32__emulated);
void sattn_amx_bf16_tiles_begin__emulated(void);
void sattn_amx_bf16_tiles_end__emulated(void);
#endif

/* Every reduced-precision tile a table provides; with the scalar table, the portable reference tiles (in no
 * table: test_types runs the driver with them). */
static void check_lowp(const struct isa_pair *t, rng_t *rng) {
    for (int e = SATTN_DTYPE_F16; e <= SATTN_DTYPE_BF16; e++) {
        if (!t->k->lowp[e].ukernel) continue;
        const sattn_lowp_pack_b_fn pack = t->k->lowp[e].pack_b;
        if (!INHERITED(t, lowp[e].pack_b) && pack != sattn_x16_pack_b_pairs__scalar && pack != sattn_x16_pack_b_rows__scalar)
            check_pairs_packer(t->name, pack);
        if (INHERITED(t, lowp[e].ukernel)) continue;
        check_lowp_config(t->name, &t->k->lowp[e], (sattn_dtype)e, rng);
    }
#if SATTN_HAVE_AVX512_BF16
    /* The VDPBF16PS tile on a CPU whose table leaves it out (Intel's: avx512_bf16/init.c) is checked all the same. */
    if (t->k->isa == SATTN_ISA_AVX512_BF16 && t->k->lowp[SATTN_DTYPE_BF16].ukernel != sattn_bf16_lowp_vdpbf16ps.ukernel) {
        check_pairs_packer(t->name, sattn_bf16_lowp_vdpbf16ps.pack_b);
        check_lowp_config("avx512_bf16's VDPBF16PS tile (not in this CPU's table)", &sattn_bf16_lowp_vdpbf16ps,
                          SATTN_DTYPE_BF16, rng);
    }
#endif
    if (t->k->isa != SATTN_ISA_SCALAR) return;
    const struct sattn_lowp_gemm_config bf16 = {.mr = 4, .nr = 8, .k_step = 2,
                                                .ukernel = sattn_bf16_lowp_gemm_ukernel_4x8__scalar,
                                                .pack_b = sattn_x16_pack_b_pairs__scalar};
    const struct sattn_lowp_gemm_config f16 = {.mr = 4, .nr = 8, .k_step = 2,
                                               .ukernel = sattn_f16_lowp_gemm_ukernel_4x8__scalar,
                                               .pack_b = sattn_x16_pack_b_pairs__scalar};
    check_lowp_config("scalar (portable bf16 tile)", &bf16, SATTN_DTYPE_BF16, rng);
    check_lowp_config("scalar (portable f16 tile)", &f16, SATTN_DTYPE_F16, rng);
    check_lowp_rows_packer();
#if SATTN_TEST_EMULATED_TILES
    const struct sattn_lowp_gemm_config emulated = {.mr = 12, .nr = 32, .k_step = 2,
                                                    .ukernel = sattn_bf16_lowp_gemm_ukernel_12x32__emulated,
                                                    .pack_b = sattn_x16_pack_b_pairs__scalar};
    check_lowp_config("avx512_bf16's tile (emulated intrinsics)", &emulated, SATTN_DTYPE_BF16, rng);
    printf("avx512_bf16's tile, through plain-C stand-ins of its intrinsics: agrees with a double product\n");
    const struct sattn_lowp_gemm_config amx = {32, 32, 32, sattn_bf16_lowp_gemm_ukernel_32x32__emulated,
                                               sattn_x16_pack_b_pairs__scalar, sattn_amx_bf16_tiles_begin__emulated,
                                               sattn_amx_bf16_tiles_end__emulated, 0};
    check_lowp_config("amx_bf16's tile (emulated intrinsics)", &amx, SATTN_DTYPE_BF16, rng);
    printf("amx_bf16's tile, through plain-C stand-ins of its intrinsics: agrees with a double product\n");
#endif
}

/* Packers against the portable ones, bit for bit, over every width they serve (1..32) and the
 * table's own, every used part, both orientations. */
static void check_packers(const struct isa_pair *t, rng_t *rng) {
    const int a_own = !INHERITED(t, gemm.pack_a), b_own = !INHERITED(t, gemm.pack_b[SATTN_DTYPE_F32]);
    if (!a_own && !b_own) return;
    enum { LD = 70, DEPTH = 37, MAXW = 32 };
    float *src = malloc(LD * 64 * sizeof *src), *want = malloc(DEPTH * MAXW * sizeof *want);
    float *got = guarded(DEPTH * MAXW);
    fill_uniform(rng, src, LD * 64, -1, 1);
    const struct sattn_gemm_config *g = &t->k->gemm, *r = &t->ref->gemm;
    for (size_t W = 1; W <= MAXW; W++)
        for (size_t used = 1; used <= W; used++)
            for (size_t kc = 1; kc <= DEPTH; kc += kc < 9 ? 1 : 7)
                for (int orient = 0; orient < 2; orient++) {
                    const size_t rs = orient ? 1 : LD, cs = orient ? LD : 1, n = kc * W;
                    if (a_own && (W <= 16 || W == g->mr)) {
                        for (size_t i = 0; i < DEPTH * MAXW; i++) got[i] = sentinel();
                        g->pack_a(W, used, kc, src, rs, cs, got);
                        r->pack_a(W, used, kc, src, rs, cs, want);
                        CHECK(same_bits(got, want, n), "%s pack_a MR %zu mr %zu kc %zu orient %d", t->name, W, used, kc,
                              orient);
                        CHECK(count_touched(got + n, DEPTH * MAXW - n) == 0, "%s pack_a MR %zu mr %zu kc %zu wrote past "
                              "the panel", t->name, W, used, kc);
                        check_guards(got, DEPTH * MAXW, t->name, "pack_a", W);
                    }
                    if (b_own) {
                        for (size_t i = 0; i < DEPTH * MAXW; i++) got[i] = sentinel();
                        g->pack_b[SATTN_DTYPE_F32](W, used, kc, src, cs, rs, NULL, got);
                        r->pack_b[SATTN_DTYPE_F32](W, used, kc, src, cs, rs, NULL, want);
                        CHECK(same_bits(got, want, n), "%s pack_b NR %zu nr %zu kc %zu orient %d", t->name, W, used, kc,
                              orient);
                        CHECK(count_touched(got + n, DEPTH * MAXW - n) == 0, "%s pack_b NR %zu nr %zu kc %zu wrote past "
                              "the panel", t->name, W, used, kc);
                        check_guards(got, DEPTH * MAXW, t->name, "pack_b", W);
                    }
                }
    release(got);
    free(src), free(want);
}

static void check_row_ops(const struct isa_pair *t, rng_t *rng) {
    const struct sattn_row_ops *k = &t->k->row, *r = &t->ref->row;
    size_t ns[128];
    const size_t count = sizes(t->k->gemm.nr, ns), max = 1000;
    float *x = malloc(max * sizeof *x), *x2 = malloc(max * sizeof *x2), *want = malloc(max * sizeof *want);
    float *y = guarded(max);
    for (size_t si = 0; si < count; si++) {
        const size_t n = ns[si];
        fill_uniform(rng, x, max, -20, 20);
        fill_uniform(rng, x2, max, -5, 5);
        if (n >= 1 && !INHERITED(t, row.rmax))
            CHECK(k->rmax(n, x) == r->rmax(n, x), "%s rmax n %zu", t->name, n);
        if (!INHERITED(t, row.raddstoreexpminusmax)) {
            const float m = n ? r->rmax(n, x) : 0.0f;
            for (size_t i = 0; i < max; i++) y[i] = sentinel();
            const float sum = k->raddstoreexpminusmax(n, x, m, y), want_sum = r->raddstoreexpminusmax(n, x, m, want);
            CHECK(close_rel(y, want, n, 4e-7) && close_rel(&sum, &want_sum, 1, 1e-6), "%s raddstoreexpminusmax n %zu",
                  t->name, n);
            CHECK(count_touched(y + n, max - n) == 0, "%s raddstoreexpminusmax n %zu wrote past n", t->name, n);
            check_guards(y, max, t->name, "raddstoreexpminusmax", n);
        }
        if (k->raddstoreexpminusmax_bf16 && !INHERITED(t, row.raddstoreexpminusmax_bf16)) {
            /* Its exp is bf16's precision (relative error under 4.5e-6 within 40 of the maximum, the logits' range
             * here: src/avx512_bf16/bf16_exp.c): each weight is the rounding of a value within 5e-6 of fp32's exp,
             * the sum within 5e-6 of fp32's; the tail untouched. */
            const float m = n ? r->rmax(n, x) : 0.0f;
            uint16_t got16[1000 + 1];
            for (size_t i = 0; i <= n; i++) got16[i] = 0xEEEE;
            const float sum = k->raddstoreexpminusmax_bf16(n, x, 1.0f, m, got16);
            const float want_sum = k->raddstoreexpminusmax(n, x, m, y);
            size_t off = 0;
            for (size_t i = 0; i < n; i++) /* positive values: their bf16 bits are in the values' order */
                off += got16[i] < sattn_f32_to_bf16(y[i] * (1 - 5e-6f)) || got16[i] > sattn_f32_to_bf16(y[i] * (1 + 5e-6f));
            CHECK(!off && close_rel(&sum, &want_sum, 1, 5e-6) && got16[n] == 0xEEEE, "%s raddstoreexpminusmax_bf16 n %zu",
                  t->name, n);
            /* With a scale: the same weights as on logits scaled first (x * s rounded to float, then - max). */
            const float scales[] = {0.125f, 0.08838835f};
            for (size_t si2 = 0; si2 < 2; si2++) {
                const float sc = scales[si2], tol = 5e-6f;
                for (size_t i = 0; i < n; i++) x2[i] = x[i] * sc;
                const float ms = n ? r->rmax(n, x2) : 0.0f;
                for (size_t i = 0; i <= n; i++) got16[i] = 0xEEEE;
                const float ssum = k->raddstoreexpminusmax_bf16(n, x, sc, ms, got16);
                const float swant = k->raddstoreexpminusmax(n, x2, ms, y);
                off = 0;
                for (size_t i = 0; i < n; i++)
                    off += got16[i] < sattn_f32_to_bf16(y[i] * (1 - tol)) ||
                           got16[i] > sattn_f32_to_bf16(y[i] * (1 + tol));
                CHECK(!off && close_rel(&ssum, &swant, 1, 5e-6) && got16[n] == 0xEEEE,
                      "%s raddstoreexpminusmax_bf16 n %zu scale %g", t->name, n, (double)sc);
            }
        }
        if (!INHERITED(t, row.vscale)) {
            for (size_t i = 0; i < max; i++) y[i] = sentinel();
            k->vscale(n, x, 0.3f, y);
            r->vscale(n, x, 0.3f, want);
            CHECK(same_bits(y, want, n) && count_touched(y + n, max - n) == 0, "%s vscale n %zu", t->name, n);
            check_guards(y, max, t->name, "vscale", n);
        }
        if (!INHERITED(t, row.vadd)) {
            for (size_t i = 0; i < max; i++) y[i] = sentinel();
            k->vadd(n, x, x2, y);
            r->vadd(n, x, x2, want);
            CHECK(same_bits(y, want, n) && count_touched(y + n, max - n) == 0, "%s vadd n %zu", t->name, n);
            check_guards(y, max, t->name, "vadd", n);
        }
        if (!INHERITED(t, row.softcap)) {
            for (size_t i = 0; i < max; i++) y[i] = sentinel();
            k->softcap(n, x, 7.5f, y);
            r->softcap(n, x, 7.5f, want);
            CHECK(close_rel(y, want, n, 4e-7) && count_touched(y + n, max - n) == 0, "%s softcap n %zu", t->name, n);
            check_guards(y, max, t->name, "softcap", n);
        }
        if (!INHERITED(t, row.vaddramp)) { /* the same bits on every ISA: no FMA */
            for (size_t i = 0; i < max; i++) y[i] = sentinel();
            const int32_t d0 = (int32_t)(n % 7) * 1000 - 3000;
            k->vaddramp(n, x, -0.03125f * (float)(n % 5 + 1), d0, y);
            r->vaddramp(n, x, -0.03125f * (float)(n % 5 + 1), d0, want);
            CHECK(same_bits(y, want, n) && count_touched(y + n, max - n) == 0, "%s vaddramp n %zu", t->name, n);
            check_guards(y, max, t->name, "vaddramp", n);
        }
        if (!INHERITED(t, row.vexp)) {
            for (size_t i = 0; i < max; i++) y[i] = sentinel(), x[i] *= 5; /* reaches both ends of the range */
            k->vexp(n, x, y);
            r->vexp(n, x, want);
            CHECK(close_rel(y, want, n, 4e-7) && count_touched(y + n, max - n) == 0, "%s vexp n %zu", t->name, n);
            check_guards(y, max, t->name, "vexp", n);
        }
    }
    if (k->raddstoreexpminusmax_bf16 && !INHERITED(t, row.raddstoreexpminusmax_bf16)) {
        /* Masked keys (-inf) and arguments past the exp's range weigh 0 in every lane position (whole vectors and
         * the tail), the maximum about 1, and a NaN logit poisons its weight and the sum. */
        const float edges[] = {-INFINITY, -1000.0f, -200.0f, -104.0f, -88.0f};
        float row[37];
        uint16_t w[37];
        for (size_t at = 0; at < 37; at++) {
            for (size_t i = 0; i < 37; i++) row[i] = edges[(i + at) % 5];
            row[at] = 3.0f;
            const float sum = k->raddstoreexpminusmax_bf16(37, row, 1.0f, 3.0f, w);
            size_t bad = fabsf(sattn_bf16_to_f32(w[at]) - 1.0f) > 0x1p-8f;
            for (size_t i = 0; i < 37; i++) bad += i != at && w[i] != 0;
            CHECK(!bad && fabsf(sum - 1.0f) < 1e-5f, "%s raddstoreexpminusmax_bf16: -inf and underflow at %zu", t->name,
                  at);
            row[(at + 1) % 37] = NAN;
            const float nan_sum = k->raddstoreexpminusmax_bf16(37, row, 1.0f, 3.0f, w);
            CHECK(nan_sum != nan_sum && sattn_bf16_to_f32(w[(at + 1) % 37]) != sattn_bf16_to_f32(w[(at + 1) % 37]),
                  "%s raddstoreexpminusmax_bf16: NaN at %zu", t->name, (at + 1) % 37);
        }
    }
    release(y);
    free(x), free(x2), free(want);
}

/* Decode kernels: 1..SATTN_DECODE_MAX_ROWS rows, keys across the 4-key steps, the many-row tiles' 3-key
 * and 32-key blocks, d and dv across vector tails, strided q, K, V and outputs, prefetching on and off. The
 * many-row slots (qk_many, pv_many) too, over every row count, though the drivers give them only their
 * qk_many_from / pv_many_from rows on. */
static void check_decode_kernels(const struct isa_pair *t, rng_t *rng, sattn_qk_dot_fn qk_dot, int qk_own,
                                 sattn_pv_accumulate_fn pv_accumulate, int pv_own, int rows_alone) {
    const struct sattn_decode_ops *r = &t->ref->decode[SATTN_DTYPE_F32];
    if (!qk_own && !pv_own) return;
    const size_t keys[] = {0, 1, 2, 3, 4, 5, 7, 9, 16, 33, 70}, dims[] = {1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 64, 129};
    enum { MAXK = 70, MAXD = 129, LDK = MAXD + 3, LDS = MAXK + 5, LDA = MAXD + 2, ROWS = SATTN_DECODE_MAX_ROWS };
    float *q = malloc(ROWS * LDK * sizeof *q), *kv = malloc(MAXK * LDK * sizeof *kv), *p = malloc(ROWS * LDS * sizeof *p);
    float *acc0 = malloc(ROWS * LDA * sizeof *acc0), *want = malloc(ROWS * LDA * sizeof *want);
    float *out = guarded(ROWS * LDA), *alone = malloc(LDA * sizeof *alone);
    fill_uniform(rng, q, ROWS * LDK, -1, 1);
    fill_uniform(rng, kv, MAXK * LDK, -1, 1);
    fill_uniform(rng, p, ROWS * LDS, 0, 1);
    fill_uniform(rng, acc0, ROWS * LDA, -1, 1);
    struct sattn_decode_params params = {.scale = 0.125f};
    for (size_t rows = 1; rows <= ROWS; rows++)
        for (size_t ki = 0; ki < sizeof keys / sizeof keys[0]; ki++)
            for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
                const size_t n = keys[ki], d = dims[di];
                params.prefetch_keys = (rows + ki) % 3 ? 2 * rows : 0; /* prefetching on and off: same results */
                if (qk_own) {
                    for (size_t i = 0; i < ROWS * LDA; i++) out[i] = sentinel();
                    qk_dot(rows, n, d, q, LDK, kv, LDK, out, LDS, &params);
                    r->qk_dot(rows, n, d, q, LDK, kv, LDK, want, LDS, &params);
                    for (size_t row = 0; row < ROWS; row++) {
                        CHECK(row >= rows ? count_touched(out + row * LDS, LDS) == 0
                                          : close_rel(out + row * LDS, want + row * LDS, n, 3e-5) &&
                                                count_touched(out + row * LDS + n, LDS - n) == 0,
                              "%s qk_dot rows %zu n %zu d %zu: row %zu", t->name, rows, n, d, row);
                    }
                    check_guards(out, ROWS * LDA, t->name, "qk_dot", n);
                    /* rows_alone: a row's bits do not depend on the tile it fell in (the drivers and layouts rely on it) */
                    for (size_t row = 0; rows_alone && rows > 1 && row < rows; row++) {
                        qk_dot(1, n, d, q + row * LDK, LDK, kv, LDK, alone, LDS, &params);
                        CHECK(same_bits(alone, out + row * LDS, n), "%s qk_dot rows %zu n %zu d %zu: row %zu alone",
                              t->name, rows, n, d, row);
                    }
                }
                if (pv_own) {
                    for (size_t i = 0; i < ROWS * LDA; i++) out[i] = sentinel();
                    for (size_t row = 0; row < rows; row++)
                        {
                        memcpy(out + row * LDA, acc0 + row * LDA, d * sizeof *out);
                        memcpy(want + row * LDA, acc0 + row * LDA, d * sizeof *out);
                    }
                    pv_accumulate(rows, n, d, p, LDS, kv, LDK, out, LDA, &params);
                    r->pv_accumulate(rows, n, d, p, LDS, kv, LDK, want, LDA, &params);
                    for (size_t row = 0; row < ROWS; row++)
                        CHECK(row >= rows ? count_touched(out + row * LDA, LDA) == 0
                                          : close_rel(out + row * LDA, want + row * LDA, d, 3e-5) &&
                                                count_touched(out + row * LDA + d, LDA - d) == 0,
                              "%s pv_accumulate rows %zu n %zu dv %zu: row %zu", t->name, rows, n, d, row);
                    check_guards(out, ROWS * LDA, t->name, "pv_accumulate", n);
                    for (size_t row = 0; rows_alone && rows > 1 && row < rows; row++) {
                        memcpy(alone, acc0 + row * LDA, d * sizeof *alone);
                        pv_accumulate(1, n, d, p + row * LDS, LDS, kv, LDK, alone, LDA, &params);
                        CHECK(same_bits(alone, out + row * LDA, d), "%s pv_accumulate rows %zu n %zu dv %zu: row %zu alone",
                              t->name, rows, n, d, row);
                    }
                }
            }
    release(out);
    free(q), free(kv), free(p), free(acc0), free(want), free(alone);
}

static void check_decode_ops(const struct isa_pair *t, rng_t *rng) {
    const struct sattn_decode_ops *k = &t->k->decode[SATTN_DTYPE_F32];
    check_decode_kernels(t, rng, k->qk_dot, !INHERITED(t, decode[SATTN_DTYPE_F32].qk_dot), k->pv_accumulate,
                         !INHERITED(t, decode[SATTN_DTYPE_F32].pv_accumulate), 0);
    check_decode_kernels(t, rng, k->qk_many, k->qk_many && !INHERITED(t, decode[SATTN_DTYPE_F32].qk_many), k->pv_many,
                         k->pv_many && !INHERITED(t, decode[SATTN_DTYPE_F32].pv_many), 1);
    check_decode_kernels(t, rng, k->qk_lanes, k->qk_lanes && !INHERITED(t, decode[SATTN_DTYPE_F32].qk_lanes), NULL, 0,
                         1);
}

/* The ISAs under test beside their parents and the scalar reference; scalar itself is the reference. */
static size_t pairs(struct isa_pair out[8]) {
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    size_t n = 0;
    for (size_t a = 0; a < ni; a++) {
        if (isas[a] == SATTN_ISA_SCALAR) {
            printf("scalar: the reference every other table is checked against\n");
            /* its portable reduced-precision tiles, in no table, against a double product */
            rng_t rng = rng_seed(seed);
            const struct isa_pair scalar = {sattn_kernels_for(SATTN_ISA_SCALAR), NULL, NULL, "scalar"};
            check_lowp(&scalar, &rng);
            continue;
        }
        const struct sattn_kernels *k = sattn_kernels_for(isas[a]);
        out[n++] = (struct isa_pair){k, sattn_kernels_for(k->parent), sattn_kernels_for(SATTN_ISA_SCALAR),
                                     sattn_isa_name(isas[a])};
    }
    return n;
}

static void test_every_slot(void **state) {
    (void)state;
    struct isa_pair t[8];
    const size_t n = pairs(t);
    for (size_t i = 0; i < n; i++) {
        rng_t rng = rng_seed(seed);
        check_gemm(&t[i], &rng);
        check_packers(&t[i], &rng);
        check_row_ops(&t[i], &rng);
        check_decode_ops(&t[i], &rng);
        check_lowp(&t[i], &rng);
        printf("%s: every slot it provides agrees with scalar (seed %llu)\n", t[i].name, (unsigned long long)seed);
    }
}

/* The table is whole: every slot filled, tile sizes set, parents form the documented cascade. */
static void test_tables_complete(void **state) {
    (void)state;
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    for (size_t a = 0; a < ni; a++) {
        const struct sattn_kernels *k = sattn_kernels_for(isas[a]);
        assert_int_equal(k->isa, isas[a]);
        assert_true(k->gemm.mr >= 1 && k->gemm.mr <= 16 && k->gemm.nr >= 1 && k->gemm.nr <= 32);
        assert_non_null(k->gemm.ukernel), assert_non_null(k->gemm.pack_a);
        for (int e = 0; e < SATTN_DTYPE_COUNT; e++) {
            assert_non_null(k->gemm.pack_b[e]);
            assert_non_null(k->decode[e].qk_dot), assert_non_null(k->decode[e].pv_accumulate);
        }
        assert_non_null(k->row.rmax), assert_non_null(k->row.raddstoreexpminusmax), assert_non_null(k->row.vscale);
        assert_non_null(k->row.vadd), assert_non_null(k->row.vexp), assert_non_null(k->row.softcap);
        assert_non_null(k->row.vaddramp);
        for (int e = 0; e < SATTN_DTYPE_COUNT; e++) /* reduced precision: none, or a whole config (AMX: 32x32) */
            if (k->lowp[e].ukernel)
                assert_true(k->lowp[e].pack_b && k->lowp[e].mr >= 1 && k->lowp[e].mr <= 32 && k->lowp[e].nr >= 1 &&
                            k->lowp[e].nr <= 32 && k->lowp[e].k_step >= 1);
        assert_true(k->tuned.gemm_mc && k->tuned.gemm_kc && k->tuned.gemm_nc && k->tuned.attn_rows && k->tuned.attn_keys);
        if (k->isa == SATTN_ISA_SCALAR)
            assert_int_equal(k->parent, SATTN_ISA_AUTO);
        else
            assert_non_null(sattn_kernels_for(k->parent));
    }
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* ns per call, median of 5 timings of `reps` calls. */
#define TIME_SLOT(label, reps, call)                                                                                  \
    do {                                                                                                               \
        double t_[5];                                                                                                  \
        for (int r_ = 0; r_ < 5; r_++) {                                                                               \
            const double t0_ = now();                                                                                  \
            for (int i_ = 0; i_ < (reps); i_++) { call; }                                                              \
            t_[r_] = (now() - t0_) / (reps) * 1e9;                                                                     \
        }                                                                                                              \
        for (int a_ = 0; a_ < 5; a_++)                                                                                 \
            for (int b_ = a_ + 1; b_ < 5; b_++)                                                                        \
                if (t_[b_] < t_[a_]) { const double s_ = t_[a_]; t_[a_] = t_[b_]; t_[b_] = s_; }                       \
        printf("  %-34s %10.1f ns\n", label, t_[2]);                                                                   \
    } while (0)

static int bench(void) {
    sattn_isa isas[8];
    const size_t ni = test_isas(isas);
    enum { N = 4096 };
    float *a = malloc(N * 32 * sizeof *a), *b = malloc(N * 32 * sizeof *b), *c = malloc(N * 32 * sizeof *c);
    rng_t rng = rng_seed(seed);
    fill_uniform(&rng, a, N * 32, -1, 1), fill_uniform(&rng, b, N * 32, -1, 1), fill_uniform(&rng, c, N * 32, -1, 1);
    for (size_t i = 0; i < ni; i++) {
        const struct sattn_kernels *k = sattn_kernels_for(isas[i]);
        const struct sattn_gemm_params gp = {1.0f, 1.0f};
        const struct sattn_decode_params dp = {.scale = 0.125f};
        const size_t MR = k->gemm.mr, NR = k->gemm.nr;
        char label[64];
        printf("%s (tile %zux%zu):\n", sattn_isa_name(isas[i]), MR, NR);
        snprintf(label, sizeof label, "gemm %zux%zu kc 256", MR, NR);
        TIME_SLOT(label, 2000, k->gemm.ukernel(MR, NR, 256, a, 1, MR, b, c, NR, &gp));
        snprintf(label, sizeof label, "pack_a %zu x 256 (rows)", MR);
        TIME_SLOT(label, 2000, k->gemm.pack_a(MR, MR, 256, a, 256, 1, c));
        snprintf(label, sizeof label, "pack_b f32 256 x %zu (Kt)", NR);
        TIME_SLOT(label, 2000, k->gemm.pack_b[SATTN_DTYPE_F32](NR, NR, 256, a, 1, 256, NULL, c));
        TIME_SLOT("rmax 1024", 20000, k->row.rmax(1024, a));
        TIME_SLOT("raddstoreexpminusmax 1024", 20000, k->row.raddstoreexpminusmax(1024, a, 1.0f, c));
        TIME_SLOT("vscale 1024", 20000, k->row.vscale(1024, a, 0.5f, c));
        TIME_SLOT("vadd 1024", 20000, k->row.vadd(1024, a, b, c));
        TIME_SLOT("vexp 1024", 20000, k->row.vexp(1024, a, c));
        TIME_SLOT("softcap 1024", 20000, k->row.softcap(1024, a, 30.0f, c));
        TIME_SLOT("vaddramp 1024", 20000, k->row.vaddramp(1024, a, -0.0625f, -700, c));
        TIME_SLOT("qk_dot f32 1 row x 512 keys, d 128", 200, k->decode[0].qk_dot(1, 512, 128, a, 128, b, 128, c, 512, &dp));
        TIME_SLOT("pv_accumulate f32 1 row x 512, dv 128", 200,
                  k->decode[0].pv_accumulate(1, 512, 128, a, 512, b, 128, c, 128, &dp));
    }
    free(a), free(b), free(c);
    return 0;
}

int main(int argc, char **argv) {
    const char *env = getenv("SATTN_TEST_SEED");
    if (env && *env) seed = strtoull(env, NULL, 10);
    if (argc > 1 && !strcmp(argv[1], "--bench")) return bench();
    const int skip = skip_if_isa_unavailable();
    if (skip) return skip;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_tables_complete), cmocka_unit_test(test_every_slot)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

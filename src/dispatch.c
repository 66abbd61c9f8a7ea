/* The kernel tables: one per available ISA, built once as a cascade (scalar, then each ISA
 * overrides its slots), and the cache blocking fitted to this machine for each (kept apart from the
 * tables). Which table a call uses is its context's choice (context.c). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ISA_COUNT (SATTN_ISA_LAST + 1)

static struct sattn_kernels tables[ISA_COUNT];
static struct sattn_blocking blocking[ISA_COUNT];
static int available[ISA_COUNT];
static sattn_isa initial; /* SATTN_ISA's choice */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static sattn_isa best_available(void) {
    for (int isa = ISA_COUNT - 1; isa > SATTN_ISA_AUTO; isa--)
        if (available[isa]) return (sattn_isa)isa;
    return SATTN_ISA_SCALAR;
}

static sattn_isa isa_from_env(void) {
    const char *env = getenv("SATTN_ISA");
    if (!env || !*env || !strcmp(env, "auto")) return best_available();
    for (int isa = SATTN_ISA_SCALAR; isa < ISA_COUNT; isa++) {
        if (strcmp(env, sattn_isa_name((sattn_isa)isa))) continue;
        if (available[isa]) return (sattn_isa)isa;
        fprintf(stderr, "sattn: SATTN_ISA=%s is not available here; using %s\n", env,
                sattn_isa_name(best_available()));
        return best_available();
    }
    fprintf(stderr, "sattn: SATTN_ISA=%s is not an ISA name; using %s\n", env, sattn_isa_name(best_available()));
    return best_available();
}

/* SATTN_DECODE_PREFETCH=<bytes>: the decode prefetch distance sattn_tune_blocks measured best on this
 * machine, for every ISA and both kinds of decode kernel (0: no software prefetch); unset, each ISA keeps its
 * defaults. */
static void decode_prefetch_from_env(void) {
    const char *env = getenv("SATTN_DECODE_PREFETCH");
    if (!env || !*env) return;
    char *end;
    const unsigned long long bytes = strtoull(env, &end, 10);
    if (*end || env[0] == '-' || bytes > ((size_t)1 << 20)) {
        fprintf(stderr, "sattn: SATTN_DECODE_PREFETCH=%s is not a byte count in [0, 1048576]; ignored\n", env);
        return;
    }
    for (int isa = SATTN_ISA_SCALAR; isa < ISA_COUNT; isa++)
        blocking[isa].decode_prefetch_bytes = blocking[isa].decode_many_prefetch_bytes = (size_t)bytes;
}

/* SATTN_DECODE_PREFETCH_L2=0|1: whether the many-row decode tiles prefetch into L2 rather than L1 (where rows lie
 * under a page apart; the kernels that honour it: AVX-512's), as sattn_tune_blocks prefetch measured best on this
 * machine; unset, each ISA keeps its default (AVX-512: 1 on Intel CPUs). */
static void decode_prefetch_l2_from_env(void) {
    const char *env = getenv("SATTN_DECODE_PREFETCH_L2");
    if (!env || !*env) return;
    if (strcmp(env, "0") && strcmp(env, "1")) {
        fprintf(stderr, "sattn: SATTN_DECODE_PREFETCH_L2=%s is not 0 or 1; ignored\n", env);
        return;
    }
    for (int isa = SATTN_ISA_SCALAR; isa < ISA_COUNT; isa++) blocking[isa].decode_many_prefetch_l2 = env[0] == '1';
}

/* An ISA starts from its parent's table and overrides what it provides. */
static void add_isa(sattn_isa isa, sattn_isa parent, void (*init)(struct sattn_kernels *, const struct sattn_cpu_features *),
                    const struct sattn_cpu_features *cpu, int cpu_has) {
    if (!cpu_has || !available[parent]) return;
    tables[isa] = tables[parent];
    init(&tables[isa], cpu);
    available[isa] = 1;
}

static void init_tables(void) {
    const struct sattn_cpu_features cpu = sattn_cpu_detect();
    (void)cpu, (void)add_isa; /* unused when the build has no SIMD ISA */
    sattn_kernels_init_scalar(&tables[SATTN_ISA_SCALAR], &cpu);
    available[SATTN_ISA_SCALAR] = 1;
#if SATTN_HAVE_AVX2
    add_isa(SATTN_ISA_AVX2, SATTN_ISA_SCALAR, sattn_kernels_init_avx2, &cpu, cpu.avx2_fma);
#endif
#if SATTN_HAVE_AVX512
    add_isa(SATTN_ISA_AVX512, SATTN_ISA_AVX2, sattn_kernels_init_avx512, &cpu, cpu.avx512);
#endif
#if SATTN_HAVE_NEON
    add_isa(SATTN_ISA_NEON, SATTN_ISA_SCALAR, sattn_kernels_init_neon, &cpu, cpu.neon);
#endif
#if SATTN_HAVE_AVX512_BF16
    add_isa(SATTN_ISA_AVX512_BF16, SATTN_ISA_AVX512, sattn_kernels_init_avx512_bf16, &cpu, cpu.avx512_bf16);
#endif
#if SATTN_HAVE_AMX_BF16
    /* AMX CPUs have had AVX512_BF16 too; one without it still gets the tiles, on plain AVX-512. */
    add_isa(SATTN_ISA_AMX_BF16, available[SATTN_ISA_AVX512_BF16] ? SATTN_ISA_AVX512_BF16 : SATTN_ISA_AVX512,
            sattn_kernels_init_amx_bf16, &cpu, cpu.amx_bf16);
#endif
#if SATTN_HAVE_NEON_FP16
    add_isa(SATTN_ISA_NEON_FP16, SATTN_ISA_NEON, sattn_kernels_init_neon_fp16, &cpu, cpu.neon_fp16);
#endif
#if SATTN_HAVE_NEON_BF16
    /* BF16 cores have had FP16 too; one without it still gets BF16, on plain NEON. */
    add_isa(SATTN_ISA_NEON_BF16, available[SATTN_ISA_NEON_FP16] ? SATTN_ISA_NEON_FP16 : SATTN_ISA_NEON,
            sattn_kernels_init_neon_bf16, &cpu, cpu.neon_bf16);
#endif
    const struct sattn_topology *topo = sattn_topology_get();
    for (int isa = SATTN_ISA_SCALAR; isa < ISA_COUNT; isa++)
        if (available[isa]) blocking[isa] = sattn_blocking_fit(&tables[isa], topo->l1d_bytes, topo->l2_bytes);
    decode_prefetch_from_env();
    decode_prefetch_l2_from_env();
    initial = isa_from_env();
}

sattn_isa sattn_isa_initial(void) {
    pthread_once(&once, init_tables);
    return initial;
}

const struct sattn_kernels *sattn_kernels_for(sattn_isa isa) {
    pthread_once(&once, init_tables);
    if (isa == SATTN_ISA_AUTO) isa = best_available();
    if ((int)isa <= SATTN_ISA_AUTO || (int)isa >= ISA_COUNT || !available[isa]) return NULL;
    return &tables[isa];
}

const struct sattn_blocking *sattn_blocking_for(sattn_isa isa) {
    const struct sattn_kernels *k = sattn_kernels_for(isa);
    return k ? &blocking[k->isa] : NULL;
}

int sattn_isa_available(sattn_isa isa) { return sattn_kernels_for(isa) != NULL; }

const char *sattn_isa_name(sattn_isa isa) {
    switch (isa) {
    case SATTN_ISA_AUTO: return "auto";
    case SATTN_ISA_SCALAR: return "scalar";
    case SATTN_ISA_AVX2: return "avx2";
    case SATTN_ISA_AVX512: return "avx512";
    case SATTN_ISA_NEON: return "neon";
    case SATTN_ISA_NEON_FP16: return "neon_fp16";
    case SATTN_ISA_NEON_BF16: return "neon_bf16";
    case SATTN_ISA_AVX512_BF16: return "avx512_bf16";
    case SATTN_ISA_AMX_BF16: return "amx_bf16";
    }
    return "unknown";
}

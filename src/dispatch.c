/* The kernel tables: one per available ISA, built once as a cascade (scalar, then each ISA
 * overrides its slots), and an atomic pointer to the one in use, so readers never lock. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ISA_COUNT (SATTN_ISA_NEON + 1)

static struct sattn_kernels tables[ISA_COUNT];
static int available[ISA_COUNT];
static _Atomic(const struct sattn_kernels *) current;
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

static void init_tables(void) {
    const struct sattn_cpu_features cpu = sattn_cpu_detect();
    (void)cpu; /* unused when the build has no SIMD ISA */
    sattn_kernels_init_scalar(&tables[SATTN_ISA_SCALAR]);
    available[SATTN_ISA_SCALAR] = 1;
#if SATTN_HAVE_AVX2
    if (cpu.avx2_fma) {
        tables[SATTN_ISA_AVX2] = tables[SATTN_ISA_SCALAR];
        sattn_kernels_init_avx2(&tables[SATTN_ISA_AVX2]);
        available[SATTN_ISA_AVX2] = 1;
    }
#endif
#if SATTN_HAVE_AVX512
    if (cpu.avx512 && available[SATTN_ISA_AVX2]) {
        tables[SATTN_ISA_AVX512] = tables[SATTN_ISA_AVX2];
        sattn_kernels_init_avx512(&tables[SATTN_ISA_AVX512]);
        available[SATTN_ISA_AVX512] = 1;
    }
#endif
#if SATTN_HAVE_NEON
    if (cpu.neon) {
        tables[SATTN_ISA_NEON] = tables[SATTN_ISA_SCALAR];
        sattn_kernels_init_neon(&tables[SATTN_ISA_NEON]);
        available[SATTN_ISA_NEON] = 1;
    }
#endif
    const struct sattn_topology *topo = sattn_topology_get();
    for (int isa = SATTN_ISA_SCALAR; isa < ISA_COUNT; isa++)
        if (available[isa]) sattn_blocking_fit(&tables[isa], topo->l1d_bytes, topo->l2_bytes);
    atomic_store(&current, &tables[isa_from_env()]);
}

const struct sattn_kernels *sattn_kernels_current(void) {
    pthread_once(&once, init_tables);
    return atomic_load_explicit(&current, memory_order_acquire);
}

const struct sattn_kernels *sattn_kernels_for(sattn_isa isa) {
    pthread_once(&once, init_tables);
    if (isa == SATTN_ISA_AUTO) isa = best_available();
    if ((int)isa <= SATTN_ISA_AUTO || (int)isa >= ISA_COUNT || !available[isa]) return NULL;
    return &tables[isa];
}

int sattn_isa_available(sattn_isa isa) { return sattn_kernels_for(isa) != NULL; }

sattn_status sattn_set_isa(sattn_isa isa) {
    const struct sattn_kernels *k = sattn_kernels_for(isa);
    if (!k) return SATTN_E_ISA;
    atomic_store_explicit(&current, k, memory_order_release);
    return SATTN_OK;
}

sattn_isa sattn_get_isa(void) { return sattn_kernels_current()->isa; }

const char *sattn_isa_name(sattn_isa isa) {
    switch (isa) {
    case SATTN_ISA_AUTO: return "auto";
    case SATTN_ISA_SCALAR: return "scalar";
    case SATTN_ISA_AVX2: return "avx2";
    case SATTN_ISA_AVX512: return "avx512";
    case SATTN_ISA_NEON: return "neon";
    }
    return "unknown";
}

/* The report header: what machine, which library build, which calibrated peaks. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "peak.h"
#include "peers.h"

#if SATTN_BENCH_HAVE_HWLOC
#include <hwloc.h>
#endif

static void cpu_model(char *out, size_t n) {
    snprintf(out, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        /* x86: "model name"; AArch64: "CPU part" is all there is. */
        if ((!strncmp(line, "model name", 10) || !strncmp(line, "CPU part", 8)) && strchr(line, ':')) {
            snprintf(out, n, "%s", strchr(line, ':') + 2);
            out[strcspn(out, "\n")] = 0;
            break;
        }
    }
    if (f) fclose(f);
}

/* The SIMD flags that matter here, from /proc/cpuinfo ("flags" on x86, "Features" on AArch64). */
static void cpu_flags(char *out, size_t n) {
    static const char *const wanted[] = {"sse4_2",   "avx",      "avx2",     "fma",         "f16c",        "avx512f",
                                         "avx512dq", "avx512bw", "avx512vl", "avx512_bf16", "avx512_vnni", "amx_tile",
                                         "amx_bf16", "asimd",    "fphp",     "sve",         "sve2"};
    out[0] = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) && strncmp(line, "Features", 8)) continue;
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
            char word[32];
            snprintf(word, sizeof word, " %s", wanted[i]);
            const char *hit = strstr(line, word);
            const size_t len = strlen(word);
            if (hit && (hit[len] == ' ' || hit[len] == '\n'))
                snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? " " : "", wanted[i]);
        }
        break;
    }
    if (f) fclose(f);
}

static void topology(void) {
#if SATTN_BENCH_HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) || hwloc_topology_load(topo)) return;
    char text[64];
    snprintf(text, sizeof text, "%d", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE));
    bench_context("physical_cores", text);
    const struct { hwloc_obj_type_t type; const char *key; } caches[] = {
        {HWLOC_OBJ_L1CACHE, "l1d_kib"}, {HWLOC_OBJ_L2CACHE, "l2_kib"}, {HWLOC_OBJ_L3CACHE, "l3_kib"}};
    for (size_t i = 0; i < 3; i++) {
        hwloc_obj_t obj = hwloc_get_obj_by_type(topo, caches[i].type, 0);
        if (!obj || !obj->attr) continue;
        snprintf(text, sizeof text, "%llu", (unsigned long long)obj->attr->cache.size / 1024);
        bench_context(caches[i].key, text);
    }
    hwloc_topology_destroy(topo);
#endif
}

void bench_describe_machine(void) {
    char text[512];
    cpu_model(text, sizeof text);
    bench_context("cpu_model", text);
    cpu_flags(text, sizeof text);
    bench_context("cpu_flags", text);
    topology();
    bench_context("sattn_version", sattn_version());
    text[0] = 0;
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++)
        if (sattn_isa_available((sattn_isa)isa))
            snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", text[0] ? " " : "", sattn_isa_name((sattn_isa)isa));
    bench_context("sattn_isas", text);
    snprintf(text, sizeof text, "%d", sattn_get_num_threads());
    bench_context("threads_all", text);
#if defined(__clang__)
    bench_context("compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
    bench_context("compiler", "gcc " __VERSION__);
#endif
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_LAST; isa++) {
        if (!sattn_isa_available((sattn_isa)isa)) continue;
        bench_peak_gflops((sattn_isa)isa); /* warm-up: let the clock settle before the measured run */
        const double peak = bench_peak_gflops((sattn_isa)isa);
        if (peak <= 0) continue;
        char key[64];
        snprintf(key, sizeof key, "peak_gflops_%s", sattn_isa_name((sattn_isa)isa));
        snprintf(text, sizeof text, "%.1f", peak);
        bench_context(key, text);
    }
    const int all = sattn_get_num_threads();
    snprintf(text, sizeof text, "%.1f", bench_read_bandwidth_gbs(1));
    bench_context("read_gbs_1thread", text);
    if (all > 1) {
        snprintf(text, sizeof text, "%.1f", bench_read_bandwidth_gbs(all));
        bench_context("read_gbs_all_threads", text);
    }
    if (peer_openblas_available()) bench_context("openblas", peer_openblas_config());
    if (peer_onednn_available()) bench_context("onednn", peer_onednn_version());
}

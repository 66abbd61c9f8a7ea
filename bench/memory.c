/* Peak resident memory of one long causal attention call: the fused kernel keeps no S x S buffer,
 * so the process peak must stay below its inputs and outputs plus 64 MiB.
 *
 *   sattn_memory [S]        (default 16384; 8 heads, d = 64, causal, all threads)
 *
 * Prints the figures and exits 1 when the peak is over that budget. Linux (/proc/self/status). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sattn.h"
#include "seconds.h"

static double peak_rss_mib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kib = atof(line + 6);
    if (f) fclose(f);
    return kib / 1024;
}

int main(int argc, char **argv) {
    const size_t S = argc > 1 ? strtoul(argv[1], NULL, 10) : 16384, H = 8, D = 64;
    const size_t n = H * S * D;
    float *q = malloc(n * sizeof *q), *k = malloc(n * sizeof *k), *v = malloc(n * sizeof *v), *o = malloc(n * sizeof *o);
    if (!S || !q || !k || !v || !o) {
        fprintf(stderr, "sattn_memory: cannot allocate the inputs for S = %zu\n", S);
        return 2;
    }
    for (size_t i = 0; i < n; i++) { /* touched, so they are resident and counted */
        q[i] = (float)(i % 13) * 0.01f, k[i] = (float)(i % 7) * 0.02f, v[i] = (float)(i % 5) * 0.1f;
        o[i] = 0;
    }
    sattn_attention_desc d = {.batch = 1, .heads = H, .q_len = S, .kv_len = S, .head_dim = D, .causal = 1};
    const double t0 = bench_seconds();
    const sattn_status st = sattn_attention(&d, q, k, v, o);
    const double seconds = bench_seconds() - t0;
    if (st != SATTN_OK) {
        fprintf(stderr, "sattn_memory: %s\n", sattn_strerror(st));
        return 2;
    }
    const double io_mib = 4.0 * n * sizeof(float) / (1024.0 * 1024.0), peak = peak_rss_mib();
    const double flops = 4.0 * H * D * ((double)S * (S + 1) / 2);
    printf("S=%zu heads=%zu d=%zu causal threads=%d isa=%s\n", S, H, D, sattn_get_num_threads(),
           sattn_isa_name(sattn_get_isa()));
    printf("inputs+outputs: %.1f MiB, peak resident: %.1f MiB, over them: %.1f MiB (budget 64 MiB)\n", io_mib, peak,
           peak - io_mib);
    printf("one call: %.3f s, %.1f GFLOP/s\n", seconds, flops / seconds * 1e-9);
    free(q), free(k), free(v), free(o);
    return peak >= 0 && peak - io_mib < 64.0 ? 0 : 1;
}

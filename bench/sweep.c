/* A small benchmark sweep printed as a Markdown table: fused attention over sequence length and
 * head dim, sgemm, and softmax, for every ISA this CPU has, on 1 thread and on all cores.
 * Each figure is the median of several timed runs after a warm-up. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sattn.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float *random_floats(size_t n, unsigned seed) {
    float *x = malloc(n * sizeof *x);
    if (!x) exit(1);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)(seed >> 8) / 16777216.0f * 2.0f - 1.0f;
    }
    return x;
}

typedef sattn_status (*bench_fn)(void *ctx);

/* Median seconds of one call: runs until both `reps` runs and `min_seconds` have passed. */
static double median_seconds(bench_fn fn, void *ctx, int reps, double min_seconds) {
    double times[101];
    int n = 0;
    if (fn(ctx) != SATTN_OK) return -1; /* warm-up, and a check that the call works */
    const double start = now();
    while (n < 101 && (n < reps || now() - start < min_seconds)) {
        const double t0 = now();
        fn(ctx);
        times[n++] = now() - t0;
    }
    qsort(times, (size_t)n, sizeof times[0], cmp_double);
    return times[n / 2];
}

typedef struct {
    sattn_attention_desc desc;
    float *q, *k, *v, *o;
} attention_ctx;

static sattn_status run_attention(void *p) {
    attention_ctx *c = p;
    return sattn_attention(&c->desc, c->q, c->k, c->v, c->o);
}

typedef struct {
    size_t n;
    float *a, *b, *c;
} gemm_ctx;

static sattn_status run_gemm(void *p) {
    gemm_ctx *c = p;
    return sattn_sgemm(SATTN_NOTRANS, SATTN_NOTRANS, c->n, c->n, c->n, 1.0f, c->a, c->n, c->b, c->n, 0.0f, c->c, c->n);
}

typedef struct {
    size_t rows, cols;
    float *x, *y;
} softmax_ctx;

static sattn_status run_softmax(void *p) {
    softmax_ctx *c = p;
    return sattn_softmax(c->rows, c->cols, c->x, c->cols, c->y, c->cols);
}

static void print_machine(void) {
    char line[256], model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            snprintf(model, sizeof model, "%s", strchr(line, ':') + 2);
            model[strcspn(model, "\n")] = 0;
            break;
        }
    if (f) fclose(f);
    printf("sattn %s | CPU: %s | default threads (physical cores): %d | ISAs:", sattn_version(), model,
           sattn_get_num_threads());
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_NEON; isa++)
        if (sattn_isa_available((sattn_isa)isa)) printf(" %s", sattn_isa_name((sattn_isa)isa));
    printf("\n\n");
}

int main(int argc, char **argv) {
    /* --quick: tiny sizes, for smoke runs (under qemu the timings mean nothing). */
    const int quick = argc > 1 && !strcmp(argv[1], "--quick");
    const double min_seconds = quick ? 0.0 : 0.3;
    const int reps = quick ? 1 : 5;
    print_machine();
    const int all_threads = sattn_get_num_threads();
    int thread_counts[2] = {1, all_threads};
    const int n_thread_counts = all_threads > 1 ? 2 : 1;

    printf("| kernel | shape | isa | threads | median ms | throughput |\n|---|---|---|---:|---:|---:|\n");
    static const size_t seqs[] = {128, 512, 1024, 2048};
    static const size_t dims[] = {64, 128};
    for (int isa = SATTN_ISA_SCALAR; isa <= SATTN_ISA_NEON; isa++) {
        if (!sattn_isa_available((sattn_isa)isa)) continue;
        sattn_set_isa((sattn_isa)isa);
        for (int t = 0; t < n_thread_counts; t++) {
            sattn_set_num_threads(thread_counts[t]);
            for (size_t di = 0; di < 2; di++)
                for (size_t si = 0; si < 4; si++) {
                    const size_t S = quick ? 32 : seqs[si], D = dims[di], H = 8;
                    if (quick && si) break;
                    for (int causal = 0; causal < 2; causal++) {
                        attention_ctx c = {.desc = {.batch = 1, .heads = H, .q_len = S, .kv_len = S, .head_dim = D,
                                                    .causal = causal}};
                        c.q = random_floats(H * S * D, 1), c.k = random_floats(H * S * D, 2);
                        c.v = random_floats(H * S * D, 3), c.o = random_floats(H * S * D, 4);
                        const double s = median_seconds(run_attention, &c, reps, min_seconds);
                        /* 4*B*H*S*S*d; causal counts only the visible pairs (S*(S+1)/2). */
                        const double pairs = causal ? S * (S + 1) / 2.0 : (double)S * S;
                        printf("| attention%s | H%zu S%zu d%zu | %s | %d | %.3f | %.1f GFLOP/s |\n",
                               causal ? " causal" : "", H, S, D, sattn_isa_name((sattn_isa)isa), thread_counts[t],
                               s * 1e3, 4.0 * H * pairs * D / s * 1e-9);
                        free(c.q), free(c.k), free(c.v), free(c.o);
                    }
                }
            {
                const size_t n = quick ? 64 : 1024;
                gemm_ctx c = {n, random_floats(n * n, 5), random_floats(n * n, 6), random_floats(n * n, 7)};
                const double s = median_seconds(run_gemm, &c, reps, min_seconds);
                printf("| sgemm | %zu^3 | %s | %d | %.3f | %.1f GFLOP/s |\n", n, sattn_isa_name((sattn_isa)isa),
                       thread_counts[t], s * 1e3, 2.0 * n * n * n / s * 1e-9);
                free(c.a), free(c.b), free(c.c);
            }
            {
                softmax_ctx c = {256, quick ? 64 : 1024, NULL, NULL};
                c.x = random_floats(c.rows * c.cols, 8), c.y = random_floats(c.rows * c.cols, 9);
                const double s = median_seconds(run_softmax, &c, reps, min_seconds);
                printf("| softmax | %zux%zu | %s | %d | %.3f | %.2f G elements/s |\n", c.rows, c.cols,
                       sattn_isa_name((sattn_isa)isa), thread_counts[t], s * 1e3, c.rows * c.cols / s * 1e-9);
                free(c.x), free(c.y);
            }
        }
    }
    return 0;
}

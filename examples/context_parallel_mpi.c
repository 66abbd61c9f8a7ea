/* Context parallelism across processes: one long sequence's keys are sharded over the MPI ranks,
 * each rank attends the same queries to its own shard with sattn (its partial output and the
 * rows' log-sum-exp), rank 0 gathers the partials and merges them in rank order with
 * sattn_attention_merge. The library computes and merges; where the shards live and how the
 * partials travel (here MPI_Gather) is the engine's.
 *
 *   mpirun -np R context_parallel_mpi [--heads H] [--dim D] [--keys N] [--queries Q] [--reps N] [--check]
 *
 * Every value is a function of its global index, so any rank count sees the same problem. rank 0
 * prints the median time of a step (local attention + gather + merge), the bytes each query row
 * moves, a hash of the merged output (the same bits for any thread count at a fixed rank count),
 * and with --check the largest difference from the same attention computed in one process. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>
#include <sattn.h>

/* A reproducible value in [-1, 1) for element `i` of tensor `tensor`. */
static float value_at(uint64_t tensor, uint64_t i) {
    uint64_t z = (tensor << 40) ^ i;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)(z >> 40) / 8388608.0f - 1.0f;
}

/* K or V rows [j0, j1) of every head, dense [heads, j1 - j0, dim], from the global [heads, keys, dim]. */
static float *shard(uint64_t tensor, size_t heads, size_t keys, size_t dim, size_t j0, size_t j1) {
    float *x = malloc(heads * (j1 - j0) * dim * sizeof *x);
    if (!x) return NULL;
    for (size_t h = 0; h < heads; h++)
        for (size_t j = j0; j < j1; j++)
            for (size_t c = 0; c < dim; c++)
                x[(h * (j1 - j0) + j - j0) * dim + c] = value_at(tensor, (h * keys + j) * dim + c);
    return x;
}

static uint64_t fnv1a(const float *x, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    const unsigned char *b = (const unsigned char *)x;
    for (size_t i = 0; i < n * sizeof *x; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int fail(const char *what, sattn_status st) {
    fprintf(stderr, "context_parallel_mpi: %s: %s\n", what, sattn_strerror(st));
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    size_t heads = 8, dim = 128, keys = 65536, queries = 1;
    int reps = 5, check = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--check")) check = 1;
        else if (i + 1 < argc && !strcmp(argv[i], "--heads")) heads = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--dim")) dim = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--keys")) keys = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--queries")) queries = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--reps")) reps = atoi(argv[++i]);
        else {
            if (rank == 0) fprintf(stderr, "usage: %s [--heads H] [--dim D] [--keys N] [--queries Q] [--reps N] [--check]\n", argv[0]);
            MPI_Finalize();
            return 2;
        }
    }
    if (!heads || !dim || !queries || keys < (size_t)ranks || reps < 1) {
        if (rank == 0) fprintf(stderr, "context_parallel_mpi: sizes must be positive, keys >= ranks\n");
        MPI_Finalize();
        return 2;
    }
    /* This rank's shard of the keys, and its partial: output rows then their lse, one message. */
    const size_t j0 = keys * (size_t)rank / (size_t)ranks, j1 = keys * (size_t)(rank + 1) / (size_t)ranks;
    const size_t rows = heads * queries, part_floats = rows * (dim + 1);
    float *q = shard(1, heads, queries, dim, 0, queries);
    float *k = shard(2, heads, keys, dim, j0, j1), *v = shard(3, heads, keys, dim, j0, j1);
    float *part = malloc(part_floats * sizeof *part);
    float *gathered = rank == 0 ? malloc((size_t)ranks * part_floats * sizeof *gathered) : NULL;
    float *merged = malloc(rows * dim * sizeof *merged), *merged_lse = malloc(rows * sizeof *merged_lse);
    if (!q || !k || !v || !part || (rank == 0 && !gathered) || !merged || !merged_lse) {
        fprintf(stderr, "context_parallel_mpi: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    /* The queries are the last `queries` tokens of the sequence; every key of every shard is visible
     * to them (decode-shaped, no causal cut inside the shards). */
    sattn_attention_desc d = {.batch = 1, .heads = heads, .q_len = queries, .kv_len = j1 - j0, .head_dim = dim,
                              .lse = part + rows * dim};
    const float **outs = malloc((size_t)ranks * sizeof *outs), **lses = malloc((size_t)ranks * sizeof *lses);
    for (int r = 0; rank == 0 && r < ranks; r++)
        outs[r] = gathered + (size_t)r * part_floats, lses[r] = gathered + (size_t)r * part_floats + rows * dim;

    double *times = malloc((size_t)reps * sizeof *times);
    for (int rep = 0; rep < reps; rep++) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        sattn_status st = sattn_attention(&d, q, k, v, part);
        if (st != SATTN_OK) return fail("attention", st);
        MPI_Gather(part, (int)part_floats, MPI_FLOAT, gathered, (int)part_floats, MPI_FLOAT, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            st = sattn_attention_merge((size_t)ranks, rows, dim, outs, dim, lses, merged, dim, merged_lse);
            if (st != SATTN_OK) return fail("merge", st);
        }
        times[rep] = MPI_Wtime() - t0;
    }
    qsort(times, (size_t)reps, sizeof *times, by_value);

    int status = 0;
    if (rank == 0) {
        printf("context_parallel_mpi: %d ranks, %zu heads x %zu queries, d %zu, %zu keys (%zu per rank), %d threads each\n",
               ranks, heads, queries, dim, keys, keys / (size_t)ranks, sattn_get_num_threads());
        printf("step (attention + gather + merge): median %.3f ms of %d; moved per query row: %d x %zu floats\n",
               times[reps / 2] * 1e3, reps, ranks, dim + 1);
        printf("merged output hash %016llx\n", (unsigned long long)fnv1a(merged, rows * dim));
        if (check) { /* the same attention in one process, over every key */
            float *k_all = shard(2, heads, keys, dim, 0, keys), *v_all = shard(3, heads, keys, dim, 0, keys);
            float *whole = malloc(rows * dim * sizeof *whole), *whole_lse = malloc(rows * sizeof *whole_lse);
            if (!k_all || !v_all || !whole || !whole_lse) {
                fprintf(stderr, "context_parallel_mpi: out of memory for the check\n");
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
            sattn_attention_desc one = d;
            one.kv_len = keys, one.lse = whole_lse;
            const sattn_status st = sattn_attention(&one, q, k_all, v_all, whole);
            if (st != SATTN_OK) return fail("single-process attention", st);
            double worst = 0, worst_lse = 0;
            for (size_t i = 0; i < rows * dim; i++) worst = fmax(worst, fabs((double)merged[i] - whole[i]));
            for (size_t i = 0; i < rows; i++) worst_lse = fmax(worst_lse, fabs((double)merged_lse[i] - whole_lse[i]));
            /* fp32 sums over a few ranks differ from one pass by rounding only */
            status = !(worst <= 1e-5 && worst_lse <= 1e-5 * (1 + fabs(whole_lse[0])));
            printf("check against one process: max |out diff| %.3g, max |lse diff| %.3g: %s\n", worst, worst_lse,
                   status ? "FAILED" : "ok");
            free(k_all), free(v_all), free(whole), free(whole_lse);
        }
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    free(q), free(k), free(v), free(part), free(gathered), free(merged), free(merged_lse), free(outs), free(lses);
    free(times);
    MPI_Finalize();
    return status;
}

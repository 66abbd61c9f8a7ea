/* The plain softmax of the unfused baseline: three passes per row with libm's expf. */
#include <math.h>

#include "peers.h"

void peer_plain_softmax(size_t rows, size_t cols, const float *x, float *y, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float m = -INFINITY, sum = 0;
        for (size_t c = 0; c < cols; c++) m = xr[c] > m ? xr[c] : m;
        for (size_t c = 0; c < cols; c++) sum += (yr[c] = expf(xr[c] - m));
        for (size_t c = 0; c < cols; c++) yr[c] /= sum;
    }
}

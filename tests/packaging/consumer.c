/* A program outside the project: uses the installed (or vendored, or subproject) sattn through
 * its public header only, and checks one attention result against a hand computation. */
#include <math.h>
#include <stdio.h>

#include <sattn.h>

int main(void) {
    /* Two keys; the query matches the first: weights softmax([1, 0] / sqrt(2)) over v = [10, 20]. */
    const float q[2] = {1, 0}, k[4] = {1, 0, 0, 1}, v[4] = {10, 10, 20, 20};
    float out[2];
    sattn_attention_desc d = {.batch = 1, .heads = 1, .q_len = 1, .kv_len = 2, .head_dim = 2};
    if (sattn_attention(&d, q, k, v, out) != SATTN_OK) return 1;
    const double w0 = 1.0 / (1.0 + exp(-1.0 / sqrt(2.0))), want = 10 * w0 + 20 * (1 - w0);
    printf("consumer: sattn %s (header %s) on %s: %.5f, expected %.5f\n", sattn_version(), SATTN_VERSION_STRING,
           sattn_isa_name(sattn_get_isa()), out[0], want);
    return fabs(out[0] - want) < 1e-4 && fabs(out[1] - want) < 1e-4 ? 0 : 1;
}

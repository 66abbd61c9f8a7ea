// The header from C++: extern "C" linkage, usable types, and a real call through it.
#include <sattn.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

int main() {
    sattn_attention_desc desc;
    std::memset(&desc, 0, sizeof desc);
    desc.batch = 1, desc.heads = 2, desc.q_len = 3, desc.kv_len = 5, desc.head_dim = 4, desc.causal = 1;
    std::vector<float> q(2 * 3 * 4, 0.5f), k(2 * 5 * 4, 0.25f), v(2 * 5 * 4, 2.0f), out(2 * 3 * 4);
    const sattn_status st = sattn_attention(&desc, q.data(), k.data(), v.data(), out.data());
    std::printf("C++: %s, %s, out[0] = %g\n", sattn_version(), sattn_strerror(st), out[0]);
    // Every value of V is 2, so every output is 2 whatever the weights.
    for (float o : out)
        if (std::fabs(o - 2.0f) > 1e-6f) return 1;
    return st == SATTN_OK ? 0 : 1;
}

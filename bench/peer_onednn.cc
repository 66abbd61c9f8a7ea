// oneDNN 2.x as a peer: attention as matmul -> (causal: binary add of a mask) -> softmax -> matmul,
// and its softmax alone. Every primitive is checked to be a jit implementation on this machine.
#include "peers.h"

#if SATTN_BENCH_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

struct peer_onednn {
    engine eng{engine::kind::cpu, 0};
    stream strm{eng};
    bool attention = false;
    matmul qk, pv;
    binary add_mask;  // causal: S += mask, its own primitive (as a matmul post-op, 2.6 runs ref:any)
    softmax_forward softmax;
    memory q, k, v, s, o, mask;
};

extern "C" {

const char *peer_onednn_version(void) {
    static std::string text;
    if (text.empty()) {
        const dnnl_version_t *ver = dnnl_version();
        text = std::to_string(ver->major) + "." + std::to_string(ver->minor) + "." + std::to_string(ver->patch);
    }
    return text.c_str();
}

peer_onednn *peer_onednn_attention_create(size_t bh, size_t q_len, size_t kv_len, size_t d, float scale, int causal) {
    try {
        auto p = std::make_unique<peer_onednn>();
        p->attention = true;
        const memory::dim B = bh, M = q_len, N = kv_len, K = d;
        const memory::desc q_md({B, M, K}, dt::f32, tag::abc);
        const memory::desc kt_md({B, K, N}, dt::f32, memory::dims{N * K, 1, K});  // Kᵀ as a strided view of K
        const memory::desc s_md({B, M, N}, dt::f32, tag::abc);
        const memory::desc v_md({B, N, K}, dt::f32, tag::abc);
        const memory::desc o_md({B, M, K}, dt::f32, tag::abc);
        primitive_attr qk_attr;
        qk_attr.set_output_scales(0, {scale});
        const memory::desc mask_md({1, M, N}, dt::f32, tag::abc);
        if (causal) {
            p->add_mask = binary(binary::primitive_desc(binary::desc(algorithm::binary_add, s_md, mask_md, s_md), p->eng));
            p->mask = memory(mask_md, p->eng);
            float *m = static_cast<float *>(p->mask.get_data_handle());
            for (memory::dim i = 0; i < M; i++)
                for (memory::dim j = 0; j < N; j++) m[i * N + j] = j <= i + N - M ? 0.0f : -INFINITY;
        }
        p->qk = matmul(matmul::primitive_desc(matmul::desc(q_md, kt_md, s_md), qk_attr, p->eng));
        p->softmax = softmax_forward(
            softmax_forward::primitive_desc(softmax_forward::desc(prop_kind::forward_inference, s_md, 2), p->eng));
        p->pv = matmul(matmul::primitive_desc(matmul::desc(s_md, v_md, o_md), p->eng));
        p->q = memory(q_md, p->eng, DNNL_MEMORY_NONE);
        p->k = memory(kt_md, p->eng, DNNL_MEMORY_NONE);
        p->v = memory(v_md, p->eng, DNNL_MEMORY_NONE);
        p->o = memory(o_md, p->eng, DNNL_MEMORY_NONE);
        p->s = memory(s_md, p->eng);
        return p.release();
    } catch (const dnnl::error &) {
        return nullptr;
    }
}

peer_onednn *peer_onednn_softmax_create(size_t rows, size_t cols) {
    try {
        auto p = std::make_unique<peer_onednn>();
        const memory::desc md({static_cast<memory::dim>(rows), static_cast<memory::dim>(cols)}, dt::f32, tag::ab);
        p->softmax = softmax_forward(
            softmax_forward::primitive_desc(softmax_forward::desc(prop_kind::forward_inference, md, 1), p->eng));
        p->s = memory(md, p->eng, DNNL_MEMORY_NONE);
        p->o = memory(md, p->eng, DNNL_MEMORY_NONE);
        return p.release();
    } catch (const dnnl::error &) {
        return nullptr;
    }
}

int peer_onednn_run(peer_onednn *p, const float *const *in, float *out) {
    try {
        if (p->attention) {
            p->q.set_data_handle(const_cast<float *>(in[0]));
            p->k.set_data_handle(const_cast<float *>(in[1]));
            p->v.set_data_handle(const_cast<float *>(in[2]));
            p->o.set_data_handle(out);
            p->qk.execute(p->strm, {{DNNL_ARG_SRC, p->q}, {DNNL_ARG_WEIGHTS, p->k}, {DNNL_ARG_DST, p->s}});
            if (p->mask)
                p->add_mask.execute(p->strm, {{DNNL_ARG_SRC_0, p->s}, {DNNL_ARG_SRC_1, p->mask}, {DNNL_ARG_DST, p->s}});
            p->softmax.execute(p->strm, {{DNNL_ARG_SRC, p->s}, {DNNL_ARG_DST, p->s}});
            p->pv.execute(p->strm, {{DNNL_ARG_SRC, p->s}, {DNNL_ARG_WEIGHTS, p->v}, {DNNL_ARG_DST, p->o}});
        } else {
            p->s.set_data_handle(const_cast<float *>(in[0]));
            p->o.set_data_handle(out);
            p->softmax.execute(p->strm, {{DNNL_ARG_SRC, p->s}, {DNNL_ARG_DST, p->o}});
        }
        p->strm.wait();
        return 0;
    } catch (const dnnl::error &) {
        return -1;
    }
}

void peer_onednn_destroy(peer_onednn *p) { delete p; }

}  // extern "C"

#endif

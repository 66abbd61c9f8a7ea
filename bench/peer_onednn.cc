// oneDNN 2.x as a peer: attention as matmul -> (causal: binary add of a mask) -> softmax -> matmul,
// in f32 or with bf16 q, k and v (P reordered to bf16 for the second matmul, as oneDNN's own SDPA
// graphs do), and its softmax alone. Every primitive is checked to be a jit (or gemm) implementation on
// this machine: one that runs oneDNN's reference code makes the create fail, with the reason.
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
    reorder p_to_bf16;  // bf16 attention: P (f32) -> bf16 before P·V
    memory q, k, v, s, s16, o, mask;
};

static std::string why_not;

// The primitive's implementation name; a reference one is refused (the comparison would be meaningless).
template <typename PD>
static PD checked(const PD &pd, const char *what) {
    const std::string impl = pd.impl_info_str();
    if (impl.rfind("ref", 0) == 0) {
        why_not = std::string("oneDNN runs ") + what + " on reference code here (" + impl + ")";
        throw dnnl::error(dnnl_unimplemented, why_not.c_str());
    }
    return pd;
}

extern "C" {

const char *peer_onednn_version(void) {
    static std::string text;
    if (text.empty()) {
        const dnnl_version_t *ver = dnnl_version();
        text = std::to_string(ver->major) + "." + std::to_string(ver->minor) + "." + std::to_string(ver->patch);
    }
    return text.c_str();
}

const char *peer_onednn_why_not(void) { return why_not.empty() ? "oneDNN could not create the primitives" : why_not.c_str(); }

peer_onednn *peer_onednn_attention_create(size_t bh, size_t q_len, size_t kv_len, size_t d, float scale, int causal,
                                          int bf16) {
    why_not.clear();
    const char *stage = "the memory descriptors";  // what the catch names
    try {
        auto p = std::make_unique<peer_onednn>();
        p->attention = true;
        const memory::dim B = bh, M = q_len, N = kv_len, K = d;
        const dt in_type = bf16 ? dt::bf16 : dt::f32;
        const memory::desc q_md({B, M, K}, in_type, tag::abc);
        const memory::desc kt_md({B, K, N}, in_type, memory::dims{N * K, 1, K});  // Kᵀ as a strided view of K
        const memory::desc s_md({B, M, N}, dt::f32, tag::abc), s16_md({B, M, N}, dt::bf16, tag::abc);
        const memory::desc v_md({B, N, K}, in_type, tag::abc);
        const memory::desc o_md({B, M, K}, dt::f32, tag::abc);
        primitive_attr qk_attr;
        qk_attr.set_output_scales(0, {scale});
        const memory::desc mask_md({1, M, N}, dt::f32, tag::abc);
        if (causal) {
            stage = "the mask";
            p->add_mask = binary(checked(
                binary::primitive_desc(binary::desc(algorithm::binary_add, s_md, mask_md, s_md), p->eng), "the mask"));
            p->mask = memory(mask_md, p->eng);
            float *m = static_cast<float *>(p->mask.get_data_handle());
            for (memory::dim i = 0; i < M; i++)
                for (memory::dim j = 0; j < N; j++) m[i * N + j] = j <= i + N - M ? 0.0f : -INFINITY;
        }
        stage = "Q·Kᵀ";
        p->qk = matmul(checked(matmul::primitive_desc(matmul::desc(q_md, kt_md, s_md), qk_attr, p->eng), "Q·Kᵀ"));
        stage = "softmax";
        p->softmax = softmax_forward(checked(
            softmax_forward::primitive_desc(softmax_forward::desc(prop_kind::forward_inference, s_md, 2), p->eng),
            "softmax"));
        const memory::desc &p_md = bf16 ? s16_md : s_md;
        stage = "P·V";
        p->pv = matmul(checked(matmul::primitive_desc(matmul::desc(p_md, v_md, o_md), p->eng), "P·V"));
        if (bf16) {
            stage = "the P reorder";
            p->p_to_bf16 = reorder(checked(reorder::primitive_desc(p->eng, s_md, p->eng, s16_md), "the P reorder"));
            p->s16 = memory(s16_md, p->eng);
        }
        p->q = memory(q_md, p->eng, DNNL_MEMORY_NONE);
        p->k = memory(kt_md, p->eng, DNNL_MEMORY_NONE);
        p->v = memory(v_md, p->eng, DNNL_MEMORY_NONE);
        p->o = memory(o_md, p->eng, DNNL_MEMORY_NONE);
        p->s = memory(s_md, p->eng);
        return p.release();
    } catch (const dnnl::error &e) {
        if (why_not.empty()) why_not = std::string("oneDNN has no implementation of ") + stage + " here (" + e.what() + ")";
        return nullptr;
    }
}

peer_onednn *peer_onednn_softmax_create(size_t rows, size_t cols) {
    try {
        auto p = std::make_unique<peer_onednn>();
        const memory::desc md({static_cast<memory::dim>(rows), static_cast<memory::dim>(cols)}, dt::f32, tag::ab);
        p->softmax = softmax_forward(checked(
            softmax_forward::primitive_desc(softmax_forward::desc(prop_kind::forward_inference, md, 1), p->eng),
            "softmax"));
        p->s = memory(md, p->eng, DNNL_MEMORY_NONE);
        p->o = memory(md, p->eng, DNNL_MEMORY_NONE);
        return p.release();
    } catch (const dnnl::error &) {
        return nullptr;
    }
}

int peer_onednn_run(peer_onednn *p, const void *const *in, float *out) {
    try {
        if (p->attention) {
            p->q.set_data_handle(const_cast<void *>(in[0]));
            p->k.set_data_handle(const_cast<void *>(in[1]));
            p->v.set_data_handle(const_cast<void *>(in[2]));
            p->o.set_data_handle(out);
            p->qk.execute(p->strm, {{DNNL_ARG_SRC, p->q}, {DNNL_ARG_WEIGHTS, p->k}, {DNNL_ARG_DST, p->s}});
            if (p->mask)
                p->add_mask.execute(p->strm, {{DNNL_ARG_SRC_0, p->s}, {DNNL_ARG_SRC_1, p->mask}, {DNNL_ARG_DST, p->s}});
            p->softmax.execute(p->strm, {{DNNL_ARG_SRC, p->s}, {DNNL_ARG_DST, p->s}});
            if (p->s16) p->p_to_bf16.execute(p->strm, {{DNNL_ARG_FROM, p->s}, {DNNL_ARG_TO, p->s16}});
            const memory &pm = p->s16 ? p->s16 : p->s;
            p->pv.execute(p->strm, {{DNNL_ARG_SRC, pm}, {DNNL_ARG_WEIGHTS, p->v}, {DNNL_ARG_DST, p->o}});
        } else {
            p->s.set_data_handle(const_cast<void *>(in[0]));
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

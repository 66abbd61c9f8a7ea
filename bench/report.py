#!/usr/bin/env python3
"""Turns the JSON of sattn_bench (--benchmark_format=json or --benchmark_out) into a Markdown
report and PNG plots.

    python3 bench/report.py bench-results/raw.json [bench-results/scaling.json ...] --out bench-results

Several JSON files (say the default sweep and the scaling sweep) make one report: the machine
comes from the first, a case measured in several files keeps its first measurement.

Writes report.md (machine, every case's mean/median/p90/p99 latency, throughput, percent of the
calibrated peak, sattn's speed against each peer on the same case, and for a types sweep issue 15's
targets per cache type: decode time over f32's, prefill GFLOP/s over f32's, conversion bytes over the
read bandwidth, each missed cell marked) and, when matplotlib is
installed, attention_vs_seq.png, attention_vs_dim.png, decode_bandwidth.png, latency.png and, with
cases at more than two thread counts, scaling.png.
"""
import argparse
import json
import math
import os
import sys
from collections import defaultdict

SHAPE_KEYS = {
    "attention": ["S", "d", "causal", "H", "KVH", "cache", "act"],
    "decode": ["kv", "d", "H", "KVH", "q", "layout", "cache"],
    "convert": ["from", "to", "n"],
    "call": ["H", "kv", "d", "pool", "workspace"],
    "sgemm": ["m", "n", "k"],
    "softmax": ["rows", "cols"],
    "minilm": ["batch", "tokens"],
    "varlen": ["case", "H", "KVH", "d", "page", "batch"],
}


def parse_name(run_name):
    """'attention/impl:sattn/isa:avx2/threads:1/S:1024/...' -> ('attention', {...})."""
    parts = run_name.split("/")
    fields = {}
    for part in parts[1:]:
        if ":" in part:
            key, value = part.split(":", 1)
            fields[key] = value
    return parts[0], fields


def load(path):
    with open(path) as f:
        data = json.load(f)
    cases = {}
    errors = []
    for b in data.get("benchmarks", []):
        run_name = b.get("run_name", b["name"])
        if b.get("error_occurred"):
            errors.append((run_name, b.get("error_message", "")))
            continue
        if b.get("run_type") == "aggregate":
            agg = b["aggregate_name"]
        elif "run_type" not in b or b.get("repetitions", 1) == 1:
            agg = "median"  # a single run stands for its own median
        else:
            continue
        kernel, fields = parse_name(run_name)
        case = cases.setdefault(run_name, {"kernel": kernel, "fields": fields, "stats": {}})
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        case["stats"][agg] = {
            "ms": b["real_time"] * scale,
            "FLOP": b.get("FLOP"),
            "bytes": b.get("bytes"),
            "elements": b.get("elements"),
            "sentences": b.get("sentences"),
            "sattn_interleaved_ms": b.get("sattn_interleaved_ms"),
        }
    return data.get("context", {}), cases, errors


def throughput(case, agg="median"):
    s = case["stats"].get(agg)
    if not s:
        return None, ""
    if case["kernel"] in ("decode", "varlen") and s["bytes"]:
        return s["bytes"] / 1e9, "GB/s"
    if s.get("sentences"):
        return s["sentences"], "sentences/s"
    if s["FLOP"]:
        return s["FLOP"] / 1e9, "GFLOP/s"
    if s["elements"]:
        return s["elements"] / 1e9, "G elements/s"
    return None, ""


def peak_for(context, case):
    """Calibrated peak of the ISA (peers: the best ISA sattn measured) times the threads."""
    isa = case["fields"].get("isa", "")
    peaks = {k[len("peak_gflops_"):]: float(v) for k, v in context.items() if k.startswith("peak_gflops_")}
    if not peaks:
        return None
    per_core = peaks.get(isa) or max(peaks.values())
    return per_core * int(case["fields"].get("threads", "1"))


def sort_value(x):
    """Numbers in order, then words (layout names) after them."""
    try:
        return (0, float(x), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(x))


def read_bandwidth(context, case):
    """The read bandwidth the bench calibrated for the case's thread count (1 or all)."""
    key = "read_gbs_1thread" if case["fields"].get("threads") == "1" else "read_gbs_all_threads"
    try:
        return float(context[key])
    except (KeyError, ValueError):
        return None


def shape_of(case):
    keys = SHAPE_KEYS.get(case["kernel"], [])
    return tuple((k, case["fields"].get(k, "")) for k in keys)


def label(case):
    f = case["fields"]
    return f["impl"] if f.get("impl") != "sattn" else "sattn-" + f.get("isa", "")


def fmt(x, digits=3):
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}g}"


def scaling_groups(cases):
    """sattn cases measured at several thread counts: {(kernel, shape, isa): {threads: throughput}}."""
    groups = defaultdict(dict)
    for c in cases.values():
        if c["fields"].get("impl") != "sattn":
            continue
        value, _ = throughput(c)
        if value is not None:
            key = (c["kernel"], shape_of(c), c["fields"].get("isa"))
            groups[key][int(c["fields"].get("threads", "1"))] = value
    return {k: v for k, v in groups.items() if len(v) > 2 or (len(v) == 2 and 1 in v)}


def scaling_table(cases):
    groups = scaling_groups(cases)
    if not groups:
        return []
    counts = sorted({t for v in groups.values() for t in v})
    lines = ["## thread scaling (speed-up over 1 thread, median throughput)", "",
             "| kernel | shape | isa | " + " | ".join(f"{t} thr" for t in counts) + " |",
             "|---|---|---|" + "---|" * len(counts)]
    for (kernel, shape, isa), v in sorted(groups.items()):
        base = v.get(1)
        cells = [f"{v[t] / base:.2f}x" if base and t in v else "-" for t in counts]
        shape_text = " ".join(f"{k}={x}" for k, x in shape)
        lines.append(f"| {kernel} | {shape_text} | {isa} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def onnxruntime_table(cases):
    """onnxruntime's cases, each timed alternately with sattn in one process (bench/onnxruntime_bench.py)."""
    rows = [c for c in cases.values() if c["stats"].get("median", {}).get("sattn_interleaved_ms")]
    if not rows:
        return []
    lines = ["## sattn against onnxruntime (alternating calls in one process, medians)", "",
             "| kernel | shape | threads | onnxruntime | onnxruntime ms | sattn ms | speed-up |",
             "|---|---|---|---|---|---|---|"]
    rows.sort(key=lambda c: (c["kernel"], int(c["fields"].get("threads", 1)),
                             [sort_value(v) for _, v in shape_of(c)]))
    for c in rows:
        st = c["stats"]["median"]
        shape_text = " ".join(f"{k}={v}" for k, v in shape_of(c))
        lines.append(f"| {c['kernel']} | {shape_text} | {c['fields'].get('threads')} | {label(c)} | {fmt(st['ms'])} | "
                     f"{fmt(st['sattn_interleaved_ms'])} | {st['ms'] / st['sattn_interleaved_ms']:.2f}x |")
    lines.append("")
    return lines


def varlen_table(context, rows):
    """Issue 17's targets from the varlen sweep: paged over contiguous decode, mixed over uniform prefill
    GFLOP/s and the mixed batch's speed-up on all threads, speculative decoding's share of the read bandwidth."""
    if not rows:
        return []
    med = {(c["fields"].get("threads"), c["fields"].get("case"), c["fields"].get("KVH"),
            c["fields"].get("page") or c["fields"].get("batch")): c for c in rows}
    threads = sorted({c["fields"].get("threads") for c in rows}, key=int)
    lines = ["## mixed lengths and paged caches (ratios within this run)", "",
             "| measure | threads | value |", "|---|---|---|"]
    for t in threads:
        for kvh in ("32", "8"):
            base = med.get((t, "paged_decode", kvh, "contiguous"))
            for page in ("16", "64"):
                c = med.get((t, "paged_decode", kvh, page))
                if base and c:
                    ratio = base["stats"]["median"]["ms"] / c["stats"]["median"]["ms"]
                    lines.append(f"| paged decode (32 heads on {kvh}, page {page}) / contiguous speed | {t} | {ratio:.2f}x |")
        u, m = med.get((t, "prefill", "8", "uniform")), med.get((t, "prefill", "8", "mixed"))
        if u and m:
            lines.append(f"| mixed / uniform prefill GFLOP/s | {t} | {throughput(m)[0] / throughput(u)[0]:.2f}x |")
        for kvh in ("8", "32"):
            sp = med.get((t, "speculative", kvh, "16x4"))
            bw = read_bandwidth(context, sp) if sp else None
            if sp and bw:
                lines.append(f"| speculative decoding (32 heads on {kvh}) K+V of read bandwidth | {t} | "
                             f"{throughput(sp)[0] / bw:.2f} |")
    if len(threads) > 1:
        one, all_ = med.get((threads[0], "prefill", "8", "mixed")), med.get((threads[-1], "prefill", "8", "mixed"))
        if one and all_:
            lines.append(f"| mixed prefill speed-up, {threads[-1]} threads over 1 | {threads[-1]} | "
                         f"{one['stats']['median']['ms'] / all_['stats']['median']['ms']:.2f}x |")
    return lines + [""]


def lowp_table(rows):
    """Issue 18's comparison from the lowp sweep: bf16 attention (q, k, v of the type) on each reduced-precision
    level that ran, and f16, against f32 in the same run, and the best bf16 against oneDNN's bf16 matmul +
    softmax + matmul where it ran."""
    med = {}
    for c in rows:
        f = c["fields"]
        act = f.get("act", "f32")
        level = f.get("isa") if f.get("impl") == "sattn" and act == "bf16" else ""
        med[(f.get("impl"), f.get("threads"), f.get("S"), f.get("d"), f.get("causal"), act, level)] = c
    shapes = sorted({k[1:5] for k in med if k[0] == "sattn" and k[5] != "f32"}, key=lambda k: tuple(map(int, k)))
    if not shapes:
        return []
    order = ["avx512_bf16", "amx_bf16", "neon_bf16"]
    levels = sorted({k[6] for k in med if k[6]}, key=lambda x: order.index(x) if x in order else len(order))
    lines = ["## bf16 and f16 attention (GFLOP/s; ratios within this run)", "",
             "| threads | S | d | causal | f32 | " + " | ".join(f"bf16 {lv}" for lv in levels) + " | f16 | " +
             " | ".join(f"bf16 {lv} / f32" for lv in levels) + " | f16 / f32 | best bf16 / oneDNN bf16 |",
             "|---|---|---|---|---|" + "---|" * (2 * len(levels) + 3)]
    ratio = lambda x, y: f"{x / y:.2f}x" if x and y else "-"
    for t, s, d, causal in shapes:
        get = lambda impl, act, level="": med.get((impl, t, s, d, causal, act, level))
        gflops = lambda c: throughput(c)[0] if c else None
        f32, f16 = gflops(get("sattn", "f32")), gflops(get("sattn", "f16"))
        bf16 = [gflops(get("sattn", "bf16", lv)) for lv in levels]
        best = max([x for x in bf16 if x], default=None)
        g_dnn = gflops(get("onednn", "bf16"))
        lines.append(f"| {t} | {s} | {d} | {causal} | {fmt(f32)} | " + " | ".join(fmt(x) for x in bf16) +
                     f" | {fmt(f16)} | " + " | ".join(ratio(x, f32) for x in bf16) +
                     f" | {ratio(f16, f32)} | {ratio(best, g_dnn)} |")
    return lines + [""]


# Issue 15's targets per cache type: a decode step's time against f32's on the same shape (at most), prefill's
# GFLOP/s against f32's (at least), sattn_convert / sattn_quantize's bytes moved against the read bandwidth (at least).
DECODE_TARGETS = {"f16": 0.55, "bf16": 0.55, "i8": 0.30, "i4": 0.20}
PREFILL_TARGET = 0.9
CONVERT_TARGET = 0.7


def cache_family(cache):
    """'i8g32' / 'i8row0' -> 'i8'; 'f16' -> 'f16'."""
    for name in ("f16", "bf16", "i8", "i4"):
        if cache.startswith(name):
            return name
    return cache


def mark(value, target, at_most):
    if value is None:
        return "-"
    met = value <= target if at_most else value >= target
    return f"{value:.2f}" + ("" if met else " ✗")


def types_table(context, cases):
    """The types sweep against issue 15's targets, every ratio within this run: each cache type's decode time over
    f32's on the same shape and thread count (with the fraction of the read bandwidth each reads K+V at), prefill
    GFLOP/s over f32's, and conversion's bytes moved over the read bandwidth. ✗ marks a cell past its target."""
    med = {}
    for c in cases:
        f = c["fields"]
        if f.get("impl") != "sattn" or c["kernel"] not in ("decode", "attention") or not f.get("cache"):
            continue
        shape = tuple(f.get(k, "") for k in SHAPE_KEYS[c["kernel"]] if k != "cache")
        med.setdefault((c["kernel"], f.get("threads"), shape), {})[f["cache"]] = c
    lines = []
    # The read-only stream timed in this run beside the conversions and decode cells (bench.c: read_case), per
    # thread count: the bandwidth the fractions below are taken against where the run has it.
    streams = {}  # the faster of the stream's variants (with and without software prefetch)
    for c in cases:
        if c["kernel"] == "read" and c["stats"].get("median", {}).get("bytes"):
            key = (c["fields"].get("threads"), c["fields"].get("n"))
            streams[key] = max(streams.get(key, 0), c["stats"]["median"]["bytes"] / 1e9)
    stream_of_threads = {t: gbs for (t, _), gbs in streams.items()}
    decode = sorted(((t, s, v) for (k, t, s), v in med.items() if k == "decode" and "f32" in v),
                    key=lambda x: (int(x[0]), [sort_value(y) for y in x[1]]))
    if decode:
        types = sorted({c for _, _, v in decode for c in v if c != "f32"},
                       key=lambda c: (list(DECODE_TARGETS).index(cache_family(c))
                                      if cache_family(c) in DECODE_TARGETS else 9, c))
        targets = ", ".join(f"{k} <= {v:.2f}" for k, v in DECODE_TARGETS.items())
        lines += ["## KV cache types: decode time against f32 (this run; targets " + targets + "; ✗ missed)", "",
                  "Each cell: the type's median time over f32's on the same shape and threads, then (in brackets) "
                  "the fraction of the read bandwidth that K+V are read at: of the read stream timed in this run "
                  "on the same threads where the run has one, else of the bandwidth calibrated at its start.", "",
                  "| threads | kv | d | H | KVH | q | layout | f32 ms | " + " | ".join(types) + " |",
                  "|---|---|---|---|---|---|---|---|" + "---|" * len(types)]
        for t, shape, v in decode:
            base = v["f32"]["stats"]["median"]["ms"]
            bw = stream_of_threads.get(t) or read_bandwidth(context, v["f32"])
            cells = []
            for c in types:
                case = v.get(c)
                if not case:
                    cells.append("-")
                    continue
                ratio = case["stats"]["median"]["ms"] / base
                target = DECODE_TARGETS.get(cache_family(c))
                text = mark(ratio, target, True) if target else f"{ratio:.2f}"
                gbs = throughput(case)[0]
                cells.append(text + (f" ({gbs / bw:.2f})" if bw and gbs else ""))
            kv, d, h, kvh, q, layout = shape
            lines.append(f"| {t} | {kv} | {d} | {h} | {kvh} | {q or 1} | {layout} | {fmt(base)} | " +
                         " | ".join(cells) + " |")
        lines.append("")
    prefill = sorted(((t, s, v) for (k, t, s), v in med.items() if k == "attention" and "f32" in v),
                     key=lambda x: (int(x[0]), [sort_value(y) for y in x[1]]))
    if prefill:
        types = sorted({c for _, _, v in prefill for c in v if c != "f32"})
        lines += [f"## KV cache types: prefill GFLOP/s against f32 (this run; target >= {PREFILL_TARGET}; ✗ missed)", "",
                  "| threads | S | d | H | KVH | causal | f32 GFLOP/s | " + " | ".join(types) + " |",
                  "|---|---|---|---|---|---|---|" + "---|" * len(types)]
        for t, shape, v in prefill:
            base = throughput(v["f32"])[0]
            cells = [mark(throughput(v[c])[0] / base, PREFILL_TARGET, False) if c in v and base else "-"
                     for c in types]
            fields = dict(zip([k for k in SHAPE_KEYS["attention"] if k != "cache"], shape))
            lines.append(f"| {t} | {fields['S']} | {fields['d']} | {fields['H']} | {fields['KVH']} | "
                         f"{fields['causal']} | {fmt(base)} | " + " | ".join(cells) + " |")
        lines.append("")
    converts = sorted((c for c in cases if c["kernel"] == "convert" and c["stats"].get("median", {}).get("bytes")),
                      key=lambda c: (int(c["fields"].get("threads", 1)), c["fields"].get("from"), c["fields"].get("to")))
    if converts:
        lines += [f"## sattn_convert and sattn_quantize: bytes read + written against the read bandwidth "
                  f"(target >= {CONVERT_TARGET}, against the same run's read stream where it has one; ✗ missed)", "",
                  "| threads | from | to | elements | GB/s | of the read stream (GB/s) | of calibrated read bandwidth |",
                  "|---|---|---|---|---|---|---|"]
        for c in converts:
            f, gbs, bw = c["fields"], c["stats"]["median"]["bytes"] / 1e9, read_bandwidth(context, c)
            stream = streams.get((f.get("threads"), f.get("n")))
            of_stream = f"{mark(gbs / stream, CONVERT_TARGET, False)} ({fmt(stream)})" if stream else "-"
            of_bw = (f"{gbs / bw:.2f}" if stream else mark(gbs / bw, CONVERT_TARGET, False)) if bw else "-"
            lines.append(f"| {f.get('threads')} | {f.get('from')} | {f.get('to')} | {f.get('n')} | {fmt(gbs)} | "
                         f"{of_stream} | {of_bw} |")
        lines.append("")
    return lines


def write_markdown(context, cases, errors, path):
    lines = ["# sattn benchmark report", ""]
    keys = ["cpu_model", "cpu_flags", "physical_cores", "l1d_kib", "l2_kib", "l3_kib", "threads_all", "sattn_version",
            "sattn_isas", "compiler", "openblas", "onednn", "onnxruntime", "sweep", "date", "host_name", "mhz_per_cpu",
            "read_gbs_1thread", "read_gbs_all_threads"]
    lines.append("| machine | |")
    lines.append("|---|---|")
    for k in keys:
        if k in context:
            lines.append(f"| {k} | {context[k]} |")
    for k, v in sorted(context.items()):
        if k.startswith("peak_gflops_"):
            lines.append(f"| peak (1 core, {k[len('peak_gflops_'):]}) | {v} GFLOP/s |")
    lines.append("")

    by_kernel = defaultdict(list)
    for name, case in cases.items():
        by_kernel[case["kernel"]].append(case)
    for kernel in ["attention", "decode", "varlen", "sgemm", "softmax", "minilm"]:
        rows = by_kernel.get(kernel)
        if not rows:
            continue
        # a key no case of the run names (the type of a sweep without types) gets no column
        shape_keys = [k for k in SHAPE_KEYS[kernel] if any(c["fields"].get(k) for c in rows)]
        lines.append(f"## {kernel}")
        lines.append("")
        header = shape_keys + ["impl", "threads", "mean ms", "median ms", "p90 ms", "p99 ms", "throughput", "% of peak"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        rows.sort(key=lambda c: (int(c["fields"].get("threads", 1)),
                                 [sort_value(c["fields"].get(k, 0)) for k in shape_keys], label(c)))
        for c in rows:
            value, unit = throughput(c)
            pct = ""
            if unit == "GFLOP/s" and kernel != "decode":
                peak = peak_for(context, c)
                pct = f"{100 * value / peak:.0f}%" if peak else ""
            if unit == "GB/s":  # decode: of the streaming read bandwidth calibrated in the same run
                bw = read_bandwidth(context, c)
                pct = f"{100 * value / bw:.0f}% of read" if bw else ""
            st = c["stats"]
            cells = [c["fields"].get(k, "") for k in shape_keys] + [
                label(c), c["fields"].get("threads", ""), fmt(st.get("mean", {}).get("ms")), fmt(st["median"]["ms"]),
                fmt(st.get("p90", {}).get("ms")), fmt(st.get("p99", {}).get("ms")),
                f"{fmt(value)} {unit}" if value is not None else "-", pct]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")

    # The fixed cost of a call: tiny calls through each threading, in microseconds.
    calls = by_kernel.get("call")
    if calls:
        lines.append("## call (the fixed cost of a call: tiny shapes through each threading)")
        lines.append("")
        lines.append("| H | kv | d | threads | " + " | ".join(f"{p} µs" for p in ["openmp", "builtin", "engine"]) +
                     " | workspace |")
        lines.append("|---|---|---|---|---|---|---|---|")
        rows = defaultdict(dict)
        for c in calls:
            f = c["fields"]
            rows[(int(f.get("threads", 1)), int(f.get("H", 0)), int(f.get("kv", 0)), int(f.get("d", 0)),
                  f.get("workspace", ""))][f.get("pool")] = c["stats"]["median"]["ms"] * 1e3
        for (threads, h, kv, d, ws), pools in sorted(rows.items()):
            cells = [fmt(pools.get(p)) for p in ["openmp", "builtin", "engine"]]
            lines.append(f"| {h} | {kv} | {d} | {threads} | " + " | ".join(cells) + f" | {'given' if ws == '1' else 'none'} |")
        lines.append("")

    # sattn (best ISA run on the case) against each peer on the same case and thread count.
    ratios = []
    for kernel, rows in by_kernel.items():
        groups = defaultdict(dict)
        for c in rows:
            groups[(shape_of(c), c["fields"].get("threads"))][label(c)] = c
        for (shape, threads), impls in groups.items():
            ours = [c for lbl, c in impls.items() if lbl.startswith("sattn-")]
            if not ours:
                continue
            best = min(ours, key=lambda c: c["stats"]["median"]["ms"])
            for lbl, peer in impls.items():
                # onnxruntime was timed interleaved with sattn: its own table below has those ratios.
                if lbl.startswith("sattn-") or peer["stats"]["median"].get("sattn_interleaved_ms"):
                    continue
                ratio = peer["stats"]["median"]["ms"] / best["stats"]["median"]["ms"]
                ratios.append((kernel, shape, threads, label(best), lbl, ratio))
    if ratios:
        lines.append("## sattn against its peers (median time of the peer / median time of sattn)")
        lines.append("")
        lines.append("| kernel | shape | threads | sattn | peer | speed-up |")
        lines.append("|---|---|---|---|---|---|")
        for kernel, shape, threads, ours, peer, ratio in sorted(ratios):
            shape_text = " ".join(f"{k}={v}" for k, v in shape)
            lines.append(f"| {kernel} | {shape_text} | {threads} | {ours} | {peer} | {ratio:.2f}x |")
        lines.append("")
    lines += varlen_table(context, by_kernel.get("varlen", []))
    lines += lowp_table([c for c in by_kernel.get("attention", []) if c["fields"].get("act")
                         or (c["fields"].get("impl") == "sattn" and not c["fields"].get("cache"))])
    lines += types_table(context, list(cases.values()))
    lines += onnxruntime_table(cases)
    lines += scaling_table(cases)
    if errors:
        lines.append("## cases that failed")
        lines.append("")
        for name, message in errors:
            lines.append(f"- `{name}`: {message}")
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def plot(context, cases, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report.py: matplotlib not found, no plots (Debian: python3-matplotlib)", file=sys.stderr)
        return []
    written = []
    threads_all = sorted({int(c["fields"].get("threads", 1)) for c in cases.values()})

    def series(kernel, x_key, keep, name=label):
        lines = defaultdict(list)
        for c in cases.values():
            if c["kernel"] != kernel or not keep(c["fields"]):
                continue
            value, _ = throughput(c)
            if value is None:
                continue
            lines[(name(c), int(c["fields"]["threads"]))].append((float(c["fields"][x_key]), value, c))
        return {k: sorted(v, key=lambda p: p[0]) for k, v in lines.items()}

    def figure(name, title, kernel, x_key, keep, ylabel, logx=True, ms=False, name_of=label, reference=None):
        data = series(kernel, x_key, keep, name_of)
        if not data:
            return
        fig, axes = plt.subplots(1, len(threads_all), figsize=(6 * len(threads_all), 4.2), squeeze=False)
        for ax, t in zip(axes[0], threads_all):
            for (lbl, threads), pts in sorted(data.items()):
                if threads != t:
                    continue
                xs = [p[0] for p in pts]
                if ms:
                    ys = [p[2]["stats"]["median"]["ms"] for p in pts]
                    hi = [p[2]["stats"].get("p90", p[2]["stats"]["median"])["ms"] for p in pts]
                    ax.errorbar(xs, ys, yerr=[[0] * len(ys), [h - y for h, y in zip(hi, ys)]], marker="o",
                                label=lbl, capsize=3)
                    ax.set_yscale("log")
                else:
                    ax.plot(xs, [p[1] for p in pts], marker="o", label=lbl)
            if reference:
                level = reference(t)
                if level:
                    ax.axhline(level, color="k", linestyle="--", alpha=0.5, label=f"read bandwidth {level:.1f} GB/s")
            if logx:
                ax.set_xscale("log", base=2)
            ax.set_title(f"{title}, {t} thread{'s' if t > 1 else ''}")
            ax.set_xlabel(x_key)
            ax.set_ylabel(ylabel)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8)
        fig.tight_layout()
        path = os.path.join(out_dir, name)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    dense = lambda f: f.get("causal") == "0" and f.get("H") == f.get("KVH")
    figure("attention_vs_seq.png", "attention d=64", "attention", "S",
           lambda f: dense(f) and f.get("d") == "64", "GFLOP/s")
    figure("attention_vs_dim.png", "attention S=1024", "attention", "d",
           lambda f: dense(f) and f.get("S") == "1024", "GFLOP/s", logx=False)
    def decode_name(c):
        f = c["fields"]
        return f"{label(c)} {f.get('layout', 'dense')} {f.get('H')}/{f.get('KVH')} q{f.get('q', '1')}"

    def bandwidth_at(threads):
        key = "read_gbs_1thread" if threads == 1 else "read_gbs_all_threads"
        try:
            return float(context.get(key))
        except (TypeError, ValueError):
            return None

    figure("decode_bandwidth.png", "decode K+V", "decode", "kv",
           lambda f: True, "GB/s", name_of=decode_name, reference=bandwidth_at)
    figure("latency.png", "attention d=64 latency (median, bar to p90)", "attention", "S",
           lambda f: dense(f) and f.get("d") == "64", "ms", ms=True)
    groups = scaling_groups(cases)
    if len(groups) and any(len(v) > 2 for v in groups.values()):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        top = 1
        for (kernel, shape, isa), v in sorted(groups.items()):
            if 1 not in v:
                continue
            ts = sorted(v)
            top = max(top, ts[-1])
            ax.plot(ts, [v[t] / v[1] for t in ts], marker="o", label=f"{kernel} " + " ".join(f"{k}={x}" for k, x in shape))
        ax.plot([1, top], [1, top], "k--", alpha=0.4, label="linear")
        ax.set_xlabel("threads")
        ax.set_ylabel("speed-up over 1 thread")
        ax.set_title("thread scaling")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = os.path.join(out_dir, "scaling.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("json", nargs="+", help="output of sattn_bench --benchmark_format=json")
    parser.add_argument("--out", default="bench-results", help="folder for report.md and the plots")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    context, cases, errors = load(args.json[0])
    for path in args.json[1:]:
        _, more, more_errors = load(path)
        for name, case in more.items():
            cases.setdefault(name, case)
        errors += more_errors
    if not cases:
        print(f"report.py: no benchmark results in {' '.join(args.json)}", file=sys.stderr)
        return 1
    report = os.path.join(args.out, "report.md")
    write_markdown(context, cases, errors, report)
    plots = plot(context, cases, args.out)
    print(f"wrote {report}" + "".join(f", {p}" for p in plots))
    return 0


if __name__ == "__main__":
    sys.exit(main())

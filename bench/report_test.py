#!/usr/bin/env python3
"""Checks report.py's tables of issue 15's targets on a synthetic run: the ratios, the marks of a missed target
and the fractions of the read bandwidth (meson test 'report_types', suite bench)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def case(name, ms, **counters):
    kernel, fields = report.parse_name(name)
    stats = {"ms": ms, "FLOP": None, "bytes": None, "elements": None, "sentences": None}
    stats.update(counters)
    return {"kernel": kernel, "fields": fields, "stats": {"median": stats}}


def main():
    context = {"read_gbs_1thread": "10.0", "read_gbs_all_threads": "20.0"}
    shape = "decode/impl:sattn/isa:avx2/threads:1/kv:8192/d:128/H:32/KVH:8/layout:dense/cache:"
    cases = [case(shape + "f32/real_time", 10.0, bytes=8e9), case(shape + "f16/real_time", 5.0, bytes=8e9),
             case(shape + "i8g32/real_time", 3.1, bytes=7e9), case(shape + "i4g32/real_time", 2.0, bytes=4e9),
             # another thread count: its own f32 and bandwidth
             case(shape.replace("threads:1", "threads:2") + "f32/real_time", 4.0, bytes=16e9),
             case(shape.replace("threads:1", "threads:2") + "i8row0/real_time", 1.0, bytes=12e9),
             # no f32 on this shape: no row
             case(shape.replace("kv:8192", "kv:4096") + "f16/real_time", 1.0, bytes=1e9),
             case("attention/impl:sattn/isa:avx2/threads:1/S:1024/d:128/H:8/KVH:8/causal:0/cache:f32/real_time", 1.0,
                  FLOP=100e9),
             case("attention/impl:sattn/isa:avx2/threads:1/S:1024/d:128/H:8/KVH:8/causal:0/cache:bf16/real_time", 1.0,
                  FLOP=85e9),
             case("convert/impl:sattn/isa:avx2/threads:1/from:f32/to:i8g32/n:64/real_time", 1.0, bytes=7.5e9),
             # the same run's read stream: the target is weighed against it; without one, against the calibration
             # the faster variant counts; it is also the 1-thread decode's
             case("read/impl:plain/prefetch:0/threads:1/n:64/real_time", 1.0, bytes=12.5e9),
             case("read/impl:plain/prefetch:1/threads:1/n:64/real_time", 1.0, bytes=11e9),
             case("convert/impl:sattn/isa:avx2/threads:2/from:f32/to:i4g32/n:64/real_time", 1.0, bytes=12e9)]
    lines = report.types_table(context, cases)
    text = "\n".join(lines)
    rows = [l for l in lines if l.startswith("| 1 |") or l.startswith("| 2 |")]
    expect = [
        "| 1 | 8192 | 128 | 32 | 8 | 1 | dense | 10.0 | 0.50 (0.64) | 0.31 ✗ (0.56) | - | 0.20 (0.32) |",
        "| 2 | 8192 | 128 | 32 | 8 | 1 | dense | 4 | - | - | 0.25 (0.60) | - |",
        "| 1 | 1024 | 128 | 8 | 8 | 0 | 100 | 0.85 ✗ |",
        "| 1 | f32 | i8g32 | 64 | 7.5 | 0.60 ✗ (12.5) | 0.75 |",
        "| 2 | f32 | i4g32 | 64 | 12.0 | - | 0.60 ✗ |",
    ]
    failed = [e for e in expect if e not in rows]
    if "kv | d | H | KVH | q | layout | f32 ms | f16 | i8g32 | i8row0 | i4g32 |" not in text:
        failed.append("decode header with the types in target order")
    if any("4096" in r for r in rows):
        failed.append("a shape without f32 got a row")
    for f in failed:
        print(f"report_test: missing: {f}", file=sys.stderr)
    if failed:
        print(text, file=sys.stderr)
        return 1
    print(f"report_test: {len(expect)} rows as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())

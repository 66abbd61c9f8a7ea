#!/usr/bin/env bash
# Builds tests/fuzz/fuzz_api.c with clang (libFuzzer + AddressSanitizer + UBSan) through meson, so
# the library is compiled exactly as in every other build (sattn_config.h, every ISA this machine
# can build, AVX-512 included), and runs it.
#   scripts/fuzz.sh [SECONDS]       default 60; the corpus grows in build-fuzz/corpus
# The library is built without OpenMP here: inputs asking for 2 threads run on its built-in pool
# (whose results do not depend on the threads); races are the race-detector run's to find.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
out=$root/build-fuzz
if [[ ! -f $out/build.ninja ]]; then
    CC=clang CXX=clang++ meson setup "$out" "$root" --buildtype=debugoptimized -Dfuzz=true -Dopenmp=disabled \
        -Dhwloc=disabled -Dbench=disabled -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined' >/dev/null
fi
ninja -C "$out" tests/fuzz_api >/dev/null
mkdir -p "$out/corpus"
# New inputs go to build-fuzz/corpus; the committed seeds in tests/fuzz/corpus are only read.
status=0
"$out/tests/fuzz_api" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -artifact_prefix="$out/" \
    "$out/corpus" "$root/tests/fuzz/corpus" >"$out/fuzz.log" 2>&1 || status=$?
grep -E "^#[0-9]+ +(INITED|DONE)|ERROR|SUMMARY|fuzz_api:|Test unit written" "$out/fuzz.log" || true
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
echo "fuzz: ${runs:-0} executions in ${seconds} s, exit status $status"
exit "$status"

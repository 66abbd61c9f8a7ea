#!/usr/bin/env bash
# Builds tests/fuzz/fuzz_api.c with clang (libFuzzer + AddressSanitizer + UBSan) and runs it.
#   scripts/fuzz.sh [SECONDS]       default 60; the corpus grows in build-fuzz/corpus
# The library is built without OpenMP here (its pragmas are ignored): the fuzzer explores inputs
# deterministically; threads are covered by the race-detector run and the thread-count tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
out=$root/build-fuzz
rm -rf "$out/obj"
mkdir -p "$out/obj/core" "$out/obj/isa" "$out/corpus"
flags=(-O1 -g -std=c11 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I"$root/include")
case $(uname -m) in
    x86_64) defs=(-DSATTN_HAVE_AVX2=1 -DSATTN_HAVE_NEON=0) isa=avx2 isa_flags=(-mavx2 -mfma) ;;
    aarch64) defs=(-DSATTN_HAVE_AVX2=0 -DSATTN_HAVE_NEON=1) isa=neon isa_flags=() ;;
    *) defs=(-DSATTN_HAVE_AVX2=0 -DSATTN_HAVE_NEON=0) isa="" isa_flags=() ;;
esac
defs+=(-DSATTN_HAVE_AVX512=0 -DSATTN_HAVE_HWLOC=0)
(cd "$out/obj/core" && clang "${flags[@]}" "${defs[@]}" -Wno-unknown-pragmas -c "$root"/src/*.c "$root"/src/scalar/*.c)
if [[ -n $isa ]]; then (cd "$out/obj/isa" && clang "${flags[@]}" "${isa_flags[@]}" -c "$root/src/$isa"/*.c); fi
clang "${flags[@]}" -fsanitize=fuzzer "$root/tests/fuzz/fuzz_api.c" "$out"/obj/core/*.o $(ls "$out"/obj/isa/*.o 2>/dev/null) \
    -lm -lpthread -o "$out/fuzz_api"
# New inputs go to build-fuzz/corpus; the committed seeds in tests/fuzz/corpus are only read.
status=0
"$out/fuzz_api" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -artifact_prefix="$out/" \
    "$out/corpus" "$root/tests/fuzz/corpus" >"$out/fuzz.log" 2>&1 || status=$?
grep -E "^#[0-9]+ +(INITED|DONE)|ERROR|SUMMARY|fuzz_api:|Test unit written" "$out/fuzz.log" || true
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
echo "fuzz: ${runs:-0} executions in ${seconds} s, exit status $status"
exit "$status"

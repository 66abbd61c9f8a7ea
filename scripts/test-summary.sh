#!/usr/bin/env bash
# One closing line over meson's test logs of the given build folders: "tests: N passed, N failed, N skipped".
#   test-summary.sh [--step NAME=STATUS ...] BUILD_DIR...   (a step outside meson counts as one test)
set -euo pipefail
passed=0 failed=0 skipped=0
while [[ ${1:-} == --step ]]; do
    status=${2#*=}
    if [[ $status == 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "step ${2%%=*} failed"; fi
    shift 2
done
for dir in "$@"; do
    # meson names the log after a --wrapper (testlog-valgrind.json); each folder has one run.
    log=$(ls -t "$dir"/meson-logs/testlog*.json 2>/dev/null | head -n 1)
    [[ -n $log ]] || { echo "no test log in $dir" >&2; failed=$((failed + 1)); continue; }
    # One JSON object per test and line; grep -c exits 1 on zero matches, which is not an error here.
    passed=$((passed + $(grep -c '"result": "OK"' "$log" || true)))
    skipped=$((skipped + $(grep -c '"result": "SKIP"' "$log" || true)))
    failed=$((failed + $(grep -c '"result": "\(FAIL\|TIMEOUT\|ERROR\|UNEXPECTEDPASS\)"' "$log" || true)))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]

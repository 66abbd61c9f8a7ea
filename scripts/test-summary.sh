#!/usr/bin/env bash
# One closing line over meson's test logs of the given build folders: "tests: N passed, N failed, N skipped".
set -euo pipefail
passed=0 failed=0 skipped=0
for dir in "$@"; do
    log="$dir/meson-logs/testlog.json"
    [[ -f $log ]] || { echo "no test log in $dir" >&2; failed=$((failed + 1)); continue; }
    passed=$((passed + $(grep -o '"result": "OK"' "$log" | wc -l)))
    skipped=$((skipped + $(grep -o '"result": "SKIP"' "$log" | wc -l)))
    failed=$((failed + $(grep -o '"result": "\(FAIL\|TIMEOUT\|ERROR\|UNEXPECTEDPASS\)"' "$log" | wc -l)))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]

#!/usr/bin/env bash
# Runs the word-vector example and checks what it prints: the three routes agree, the shared
# word is compared across sentences, a malformed file is reported with its line number, and an
# unknown word is a warning with a zero vector.
#   check_glove_example.sh EXAMPLE VECTORS MALFORMED
set -u
example=$1 vectors=$2 malformed=$3
fail() { echo "FAIL: $*"; exit 1; }

out=$("$example" "$vectors" "money bank grows" "river bank flows") || fail "exit status $? on the synthetic vectors"
[[ $(grep -c "^routes agree" <<<"$out") -eq 2 ]] || fail "expected two 'routes agree' lines:"$'\n'"$out"
grep -q "^'bank' in sentence 1 and sentence 2: input vectors identical, contextual vectors cosine 0\.[0-9]" <<<"$out" ||
    fail "no cross-sentence comparison of 'bank'"
# Weights rows are probability distributions: each of the 3 rows of sentence 1 sums to ~1.
awk '/^sentence 1/{s=1} s&&/^ *(money|bank|grows) +[0-9.]+ +[0-9.]+ +[0-9.]+$/{n++; t=$2+$3+$4; if (t<0.999||t>1.001) bad=1}
     /^contextual/{s=0} END{exit (n==3 && !bad) ? 0 : 1}' <<<"$out" || fail "weight rows do not sum to 1"

err=$("$example" "$malformed" "river bank" 2>&1 >/dev/null)
status=$?
[[ $status -eq 2 ]] || fail "malformed file: exit status $status, expected 2"
grep -q "malformed_vectors.txt:3: 2 values where the file's first line has 3" <<<"$err" || fail "malformed file: $err"

err=$("$example" "$vectors" "money zebra" 2>&1 >/dev/null) || fail "unknown word: exit status $?"
grep -q "warning: 'zebra' is not in" <<<"$err" || fail "unknown word: no warning: $err"
echo "glove example: 4 checks passed"

#!/usr/bin/env bash
# The checks that need PyPI: the Python binding (pip install ./python into BUILD/pyenv, then its pytest
# tests against BUILD's libsattn.so) and the model check (examples/minilm against onnxruntime on the real
# all-MiniLM-L6-v2, scripts/check-minilm.py). When PyPI cannot be reached, one line says they were
# skipped and the step passes.
#   scripts/check-python.sh BUILD
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: check-python.sh BUILD}" && pwd)
if py=$("$root/scripts/python-env.sh" "$build"); then :; else
    rc=$?
    if [[ $rc -eq 77 ]]; then
        echo "python checks skipped: PyPI could not be reached to install numpy, onnxruntime and the model"
        exit 0
    fi
    exit $rc
fi
status=0
# pip builds in the source folder (python/build); a copy keeps the checkout clean.
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp -r "$root/python/." "$copy"
if "$py" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$copy" >/dev/null; then
    # From outside the source tree, so that the installed package is the one imported.
    (cd "$build" && SATTN_LIBRARY="$build/libsattn.so" "$py" -m pytest -q -p no:cacheprovider "$root/python/tests") ||
        status=1
else
    echo "FAIL: pip install ./python"
    status=1
fi
"$py" "$root/scripts/check-minilm.py" "$build/examples/minilm/minilm" || status=1
exit $status

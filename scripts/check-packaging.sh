#!/usr/bin/env bash
# Packaging checks, each with a tiny consumer (tests/packaging/consumer.c):
#   1. meson install, then build against the installed copy through pkg-config, shared and static,
#      and through CMake's find_package (tests/packaging/CMakeLists.txt);
#   2. sattn as a meson subproject (dependency('sattn') resolved by meson.override_dependency);
#   3. a build without meson, with the commands of the README's "Vendoring into an engine".
# Usage: scripts/check-packaging.sh [BUILD_DIR]   (a configured native build, default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
consumer=$root/tests/packaging/consumer.c
passed=0

# 1. Installed copy through pkg-config.
meson install -C "$build" --destdir "$work/stage" >/dev/null
pc=$(find "$work/stage" -name sattn.pc | head -n 1)
[[ -n $pc ]] || { echo "FAIL: no sattn.pc installed"; exit 1; }
export PKG_CONFIG_SYSROOT_DIR=$work/stage PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir sattn)
cc -std=c11 "$consumer" $(pkg-config --cflags --libs sattn) -lm -o "$work/consumer_shared"
LD_LIBRARY_PATH=$libdir "$work/consumer_shared" # pkgconf applies the sysroot to variables too
# ldd's output is captured first: with pipefail, `ldd | grep -q` fails when grep exits early.
deps=$(ldd "$work/consumer_shared")
grep -q "libsattn.so" <<<"$deps" || { echo "FAIL: not linked to libsattn.so"; exit 1; }
# Static libsattn, shared system libraries: sattn's Libs.private plus hwloc's shared flags (a fully
# static --static link would also want hwloc's own static dependencies, libudev and others).
private=$(sed -n 's/^Libs.private: //p' "$pc")
cc -std=c11 "$consumer" $(pkg-config --cflags sattn) $(pkg-config --libs sattn | sed 's/-lsattn/-l:libsattn.a/') \
    $private $(pkg-config --libs hwloc 2>/dev/null) -lm -o "$work/consumer_static"
"$work/consumer_static"
deps=$(ldd "$work/consumer_static")
if grep -q libsattn <<<"$deps"; then echo "FAIL: static consumer loads libsattn.so"; exit 1; fi
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH
passed=$((passed + 1))

# 1b. The same installed copy as a CMake package: find_package(sattn CONFIG) and sattn::sattn.
config=$(find "$work/stage" -name sattnConfig.cmake | head -n 1)
[[ -n $config ]] || { echo "FAIL: no sattnConfig.cmake installed"; exit 1; }
cmake -S "$root/tests/packaging" -B "$work/cmake" -Dsattn_DIR="$(dirname "$config")" >/dev/null
cmake --build "$work/cmake" >/dev/null
LD_LIBRARY_PATH=$libdir "$work/cmake/consumer"
deps=$(ldd "$work/cmake/consumer")
grep -q "libsattn.so.0.2" <<<"$deps" || { echo "FAIL: the CMake consumer is not linked to libsattn.so.0.2"; exit 1; }
passed=$((passed + 1))

# 2. Meson subproject.
mkdir -p "$work/sub/subprojects"
cp "$root/tests/packaging/meson.build" "$consumer" "$work/sub/"
ln -s "$root" "$work/sub/subprojects/sattn"
meson setup "$work/sub/build" "$work/sub" --wrap-mode=forcefallback -Dsattn:bench=disabled >/dev/null
ninja -C "$work/sub/build" >/dev/null
"$work/sub/build/consumer"
passed=$((passed + 1))

# 3. Without meson: sattn_config.h written by hand from its template, then compiler commands per
#    folder, each folder with its own flags only; a folder's *_tmpl.c kernels are compiled once per
#    element type with -DSATTN_TMPL_TYPE=0..4 (f32, f16, bf16, i8, i4), the AVX2 f16 one with -mf16c
#    (the README's "Vendoring into an engine"), and no OpenMP: the library runs on its built-in pool.
cpu=$(uname -m)
mkdir -p "$work/vendor/config"
have_avx2=0 have_neon=0 isa_flags=() isa_dir=""
case $cpu in
    x86_64) have_avx2=1 isa_dir=avx2 isa_flags=(-mavx2 -mfma) ;;
    aarch64) have_neon=1 isa_dir=neon isa_flags=(-fno-schedule-insns) ;;
esac
sed -e "s/@SATTN_HAVE_AVX2@/$have_avx2/" -e "s/@SATTN_HAVE_NEON@/$have_neon/" -e "s/@SATTN_HAVE_AVX512@/0/" \
    -e "s/@SATTN_HAVE_HWLOC@/0/" -e "s/@SATTN_HAVE_[A-Z0-9_]*@/0/" \
    "$root/src/sattn_config.h.in" >"$work/vendor/config/sattn_config.h" # folders not compiled in: 0
inc=(-I "$root/include" -I "$work/vendor/config")
# folder, flags...: its plain sources once, its templates once per type, each in an output folder of its own.
compile_folder() {
    local dir=$1
    shift
    local plain=() tmpl=()
    for f in "$root/src/$dir"/*.c; do [[ $f == *_tmpl.c ]] && tmpl+=("$f") || plain+=("$f"); done
    mkdir -p "$work/vendor/$dir"
    (cd "$work/vendor/$dir" && cc -O2 -std=c11 -fPIC "$@" "${inc[@]}" -c "${plain[@]}")
    for t in 0 1 2 3 4; do
        local extra=()
        [[ $dir == avx2 && $t == 1 ]] && extra=(-mf16c)
        mkdir -p "$work/vendor/$dir-$t"
        (cd "$work/vendor/$dir-$t" && cc -O2 -std=c11 -fPIC "$@" "${extra[@]}" "${inc[@]}" -DSATTN_TMPL_TYPE=$t -c "${tmpl[@]}")
    done
}
mkdir -p "$work/vendor/core"
(cd "$work/vendor/core" && cc -O2 -std=c11 -fPIC "${inc[@]}" -c "$root"/src/*.c) # no OpenMP: the built-in pool
compile_folder scalar
[[ -n $isa_dir ]] && compile_folder "$isa_dir" "${isa_flags[@]}"
ar rcs "$work/vendor/libsattn.a" $(find "$work/vendor" -name '*.o')
cc -std=c11 -I "$root/include" "$consumer" "$work/vendor/libsattn.a" -lm -lpthread -o "$work/consumer_vendored"
"$work/consumer_vendored"
passed=$((passed + 1))

echo "packaging: $passed passed, 0 failed"

#!/usr/bin/env bash
# Configures and builds instantchat into a build folder (default: build/, Release).
#   scripts/build.sh [BUILD_DIR] [extra cmake arguments…]
# INSTANTCHAT_CCACHE=0 builds without ccache.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$root/build}
shift || true
launcher=()
# ccache (installed by scripts/setup.sh) makes a rebuild in another clone or folder cheap; paths are
# taken relative to the clone so that two clones share their compiled objects.
if command -v ccache >/dev/null 2>&1 && [[ "${INSTANTCHAT_CCACHE:-1}" != 0 ]]; then
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" "${launcher[@]}" "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

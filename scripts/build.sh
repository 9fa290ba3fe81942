#!/usr/bin/env bash
# Configures and builds charsim (Release) in build/release. Extra arguments go to CMake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${CHARSIM_BUILD_DIR:-$root/build/release}"
jobs="${CHARSIM_JOBS:-$(nproc)}"
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$jobs"

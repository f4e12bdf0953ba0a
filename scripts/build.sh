#!/usr/bin/env bash
# Configures and builds s2sbench into build/ (or $S2S_BUILD_DIR; Release with debug info).
# Extra arguments go to cmake's configure step, e.g. -DS2S_SANITIZE_ADDRESS=ON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${S2S_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)" 2>&1 | grep -Ev '^\[ *[0-9]+%\]|^-- |Consolidate|Built target' || true
test -x "$build/s2sbench"

#!/usr/bin/env bash
# Configures and builds s2sbench into build/ (Release with debug info). Extra arguments go
# to cmake's configure step, e.g. -DS2S_SANITIZE_ADDRESS=ON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$root/build" -j"$(nproc)" 2>&1 | grep -Ev '^\[ *[0-9]+%\]|^-- |Consolidate|Built target' || true
test -x "$root/build/s2sbench"

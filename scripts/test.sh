#!/usr/bin/env bash
# Sets up, builds into build/ and runs every test with ctest (labels: unit, device, cli).
# Extra arguments go to ctest, e.g. ./scripts/test.sh -L unit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
export POCL_CACHE_DIR=$root/build/pocl-cache
export PATH=$root/build/venv/bin:$PATH
cd "$root/build"
ctest --output-on-failure --timeout 1500 "$@"

#!/usr/bin/env bash
# Sets everything up, builds, and runs the main job: lists the OpenCL devices (and their
# sub-devices), trains the `tiny` model on the synthetic `copy` task on the CPU device,
# then benchmarks the `small` training step against the device's SGEMM ceiling. Results
# land in results/local/ (git-ignored). About 3 minutes on a 2-core machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
export POCL_CACHE_DIR=$root/build/pocl-cache
bin=$root/build/s2sbench
out=$root/results/local/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
echo "== devices"
"$bin" devices
echo "== train: tiny model, synthetic copy task (the embedded corpus is not in this build yet)"
"$bin" train --preset tiny --task copy --max-len 8 --steps 600 --log-every 50 \
  --out "$out/train-tiny-copy" --checkpoint "$out/train-tiny-copy/model.ckpt"
echo "== bench step: small preset (2x256, V16k, B64), 20+20 words per sentence"
"$bin" bench step --preset small --len 20 --trials 3 --out "$out/bench-step-small"
echo "results in $out"

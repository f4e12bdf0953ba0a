#!/usr/bin/env bash
# Reruns this machine kind's reference records from a clean tree: builds build-ref/ from
# HEAD (refusing uncommitted changes to tracked files, so every run.json names a commit
# without -dirty), then writes results/<machine>/: the main sweep, bench pipeline against
# both baselines for both splits, bench step, the microbenchmarks and the figures.
# The learning run (bench/learning/reverse_bleu.sh, ~8 minutes) only with --learning.
# Run on a quiet machine: the numbers are timings. About 10 minutes on 2 cores.
# usage: scripts/reference-run.sh [--learning] [MACHINE]   (default debian12-2core-epyc-pocl)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
learning=0
[ "${1:-}" = "--learning" ] && { learning=1; shift; }
machine=${1:-debian12-2core-epyc-pocl}
cd "$root"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "reference-run: tracked files have uncommitted changes; commit first (records must name a clean commit)" >&2
  exit 1
fi
S2S_BUILD_DIR=$root/build-ref "$root/scripts/build.sh"
bin=$root/build-ref/s2sbench
grep -q -- '-dirty' "$root/build-ref/generated/s2s_git_commit.h" &&
  { echo "reference-run: the build is of a dirty tree" >&2; exit 1; }
export POCL_CACHE_DIR=$root/build/pocl-cache
out=results/$machine
mkdir -p "$out"
run() { # run FOLDER ARGS...: a fresh record in out/FOLDER
  local dir=$out/$1; shift
  rm -rf "$dir.new"
  echo "reference-run: $dir"
  "$bin" "$@" --out "$dir.new" >"$dir.new.log" 2>&1 || { cat "$dir.new.log"; exit 1; }
  rm -rf "$dir" && mv "$dir.new" "$dir" && mv "$dir.new.log" "$dir/terminal.txt"
}
"$bin" devices >"$out/devices.txt" 2>&1
rm -rf "$out/sweep-cpu-2core"
run sweep-cpu-2core sweep bench/sweeps/cpu-2core.cfg
run bench-pipeline-small-default bench pipeline --preset small --devices cpu/2 --len 20 --trials 5
run bench-pipeline-small-softmax-alone bench pipeline --preset small --devices cpu/2 --len 20 \
  --trials 5 --split 'layers=0,0;softmax=1'
run bench-pipeline-small-contexts bench pipeline --preset small --devices cpu/1x1,cpu/1x1 \
  --len 20 --trials 5 --whole cpu
run bench-step-small bench step --preset small --device cpu --len 20 --trials 5
run bench-gemm-small bench gemm --preset small --device cpu/1 --trials 5
run bench-lstm-small bench lstm --preset small --device cpu/1 --trials 5
run bench-softmax-small bench softmax --preset small --device cpu/1 --trials 5
run bench-transfer-small bench transfer --preset small --devices cpu/2 --trials 5
if [ "$learning" = 1 ]; then
  rm -rf "$out/learn-reverse-tiny"
  S2SBENCH=$bin "$root/bench/learning/reverse_bleu.sh" "$out/learn-reverse-tiny"
  rm -f "$out/learn-reverse-tiny/model.ckpt"
fi
rm -rf "$out/figures"
"$bin" plot "$out/sweep-cpu-2core" "$out/bench-pipeline-small-default" \
  "$out/bench-gemm-small" --out "$out/figures" --format png,pdf,svg
python3 "$root/scripts/check_results.py" --require-clean "$out"/*/run.json "$out"/sweep-*/
echo "reference-run: records in $out from $(cat "$root/build-ref/generated/s2s_git_commit.h")"

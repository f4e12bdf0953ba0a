#!/usr/bin/env bash
# The CPU vendors compared on one machine: for every OpenCL CPU platform (PoCL, Intel's
# runtime), `bench gemm` (CLBlast's defaults, then this machine's tuning from
# results/tuning) and `bench step --preset small` with and without the tuning, the step runs
# interleaved over ROUNDS rounds with PyTorch's step (MKL) on the same machine among them,
# the order turned round every other round; then numpy's OpenBLAS at bench gemm's shapes
# (the peers when build/peer-venv has them: scripts/setup-peers.sh). Ends with summary.tsv
# (words/s per platform and tuning, min, median, max over the rounds, and the peer's) and,
# with gnuplot, OUT/figures: vendors (words/s) and gemm (GFLOP/s per shape, default and
# tuned per platform, OpenBLAS, the estimated peak). Every step run has 2 warm-up steps and
# 5 timed ones: with 1 and 3, PyTorch's median swung between about 3,000 and 7,500 words/s
# from one round to the next on the Xeon (single slow trials of 0.5-0.95 s against 0.33).
# usage: bench/vendors/step_vendors.sh OUT [ROUNDS=3]   (S2SBENCH [build/s2sbench])
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${S2SBENCH:-$root/build/s2sbench}
out=${1:?usage: $0 OUT [ROUNDS]}
rounds=${2:-3}
py=${PEER_PYTHON:-$root/build/peer-venv/bin/python}
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$root/build/pocl-cache}
export S2S_TUNING_DIR=${S2S_TUNING_DIR:-$root/results/tuning}
mkdir -p "$out"
"$bin" devices > "$out/devices.txt"
# the host's CPU as the kernel reports it (model, caches, flags): VMs of one machine kind
# land on different hosts, and a record is compared with another only with this beside it
lscpu > "$out/lscpu.txt" 2>&1 || echo "lscpu failed" > "$out/lscpu.txt"
# one CPU device per platform: the lines "  P:0  NAME" whose block says "type  CPU"
plats=$(awk '/^  [0-9]+:0 /{d=$1} /^      type +CPU/{if (d) print d; d=""}' "$out/devices.txt")
[ -n "$plats" ] || { echo "step_vendors: no OpenCL CPU device" >&2; exit 1; }
echo "platforms: $plats" | tee "$out/summary.txt"
for p in $plats; do
  "$bin" bench gemm --preset small --len 20 --device "$p" --square 0 --trials 5 \
    --out "$out/gemm-${p%%:*}" | tee "$out/gemm-${p%%:*}.txt"
done
peer=0
"$py" -c "import torch" 2>/dev/null && peer=1
step() { # step PLATFORM on|off ROUND, or step peer - ROUND
  local dir=$out/step-${1%%:*}-tuning-$2/round$3
  if [ "$1" = peer ]; then
    "$py" "$root/bench/peers/pytorch_step.py" --preset small --len 20 --trials 5 --warmup 2 --threads "$(nproc)" \
      --out "$out/peer-pytorch-step/round$3" | grep -E "words/s" | sed "s/^/[PyTorch round $3] /"
    return
  fi
  if [ "$2" = off ]; then
    S2S_TUNING=off "$bin" bench step --preset small --len 20 --trials 5 --warmup 2 --device "$1" --out "$dir"
  else
    "$bin" bench step --preset small --len 20 --trials 5 --warmup 2 --device "$1" --out "$dir"
  fi | grep -E "^bench step|words/s|GEMM share" | sed "s/^/[$1 tuning $2 round $3] /"
}
for r in $(seq "$rounds"); do
  runs=()
  for p in $plats; do runs+=("$p on" "$p off"); done
  [ "$peer" = 1 ] && runs+=("peer -")
  if [ $((r % 2)) -eq 0 ]; then # the other order every second round
    rev=(); for ((i=${#runs[@]}-1; i>=0; i--)); do rev+=("${runs[i]}"); done; runs=("${rev[@]}")
  fi
  for x in "${runs[@]}"; do step $x "$r"; done
done
if [ "$peer" = 1 ]; then
  "$py" "$root/bench/peers/numpy_gemm.py" --preset small --len 20 --trials 5 --threads "$(nproc)" \
    --out "$out/peer-numpy-gemm" | tee "$out/peer-numpy-gemm.txt"
else
  echo "no torch in $py: the peers are not measured (scripts/setup-peers.sh)" | tee -a "$out/summary.txt"
fi
S2SBENCH=$bin "$root/bench/vendors/vendors_summary.sh" "$out"

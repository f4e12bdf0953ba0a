#!/usr/bin/env bash
# What cutting a GEMM's long inner dimension buys (blas/gemm.h s2s_gemm_k_chunk): on every
# OpenCL CPU platform, `bench gemm` and `bench step --preset small` with the cut off
# (S2S_GEMM_K_CHUNK=0: one CLBlast call per product, as before) and on (the default),
# the step's runs interleaved over ROUNDS rounds, the order turned round every other round
# (ABBA). Ends with summary.tsv: words/s per platform and setting, min / median / max.
# usage: bench/vendors/gemm_k_chunk_ab.sh OUT [ROUNDS=2]   (S2SBENCH [build/s2sbench])
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${S2SBENCH:-$root/build/s2sbench}
out=${1:?usage: $0 OUT [ROUNDS]}
rounds=${2:-2}
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$root/build/pocl-cache}
mkdir -p "$out"
"$bin" devices > "$out/devices.txt"
plats=$(awk '/^  [0-9]+:0 /{d=$1} /^      type +CPU/{if (d) print d; d=""}' "$out/devices.txt")
[ -n "$plats" ] || { echo "gemm_k_chunk_ab: no OpenCL CPU device" >&2; exit 1; }
name() { [ "$1" = 0 ] && echo whole || echo parts; }
for p in $plats; do
  for k in 0 default; do
    S2S_GEMM_K_CHUNK=${k/default/} "$bin" bench gemm --preset small --len 20 --device "$p" \
      --square 0 --trials 5 --tuning off --out "$out/gemm-${p%%:*}-$(name $k)" >"$out/gemm-${p%%:*}-$(name $k).txt"
  done
done
for r in $(seq "$rounds"); do
  order="0 default"; [ $((r % 2)) = 0 ] && order="default 0"
  for p in $plats; do
    for k in $order; do
      dir=$out/step-${p%%:*}-$(name $k)/round$r
      mkdir -p "${dir%/*}"
      S2S_GEMM_K_CHUNK=${k/default/} "$bin" bench step --preset small --len 20 --device "$p" \
        --trials 3 --warmup 1 --out "$dir" >"$dir.txt" 2>&1 || { cat "$dir.txt"; exit 1; }
      mv "$dir.txt" "$dir/terminal.txt"
      echo "$p $(name $k) round $r: $(grep -m1 '^  words/s' "$dir/terminal.txt")"
    done
  done
done | tee "$out/rounds.txt"
python3 - "$out" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
rows = ["platform\tk_dimension\twords_per_s_min\twords_per_s_median\twords_per_s_max\trounds"]
for d in sorted(glob.glob(os.path.join(out, "step-*"))):
    w = [json.load(open(f))["summary"]["words_per_s"] for f in sorted(glob.glob(d + "/round*/run.json"))]
    plat, how = os.path.basename(d)[5:].rsplit("-", 1)
    rows.append(f"{plat}\t{how}\t{min(w):.0f}\t{statistics.median(w):.0f}\t{max(w):.0f}\t{len(w)}")
open(os.path.join(out, "summary.tsv"), "w").write("\n".join(rows) + "\n")
print("\n".join(rows))
PY

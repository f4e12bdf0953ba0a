#!/usr/bin/env bash
# The pipeline's three transports on one machine, one after the other (issue 11): the
# `small` training step's default split on two 1-CU devices
#   one-context/    cpu/2: two sub-devices of one context (events)
#   two-contexts/   cpu/1x1,cpu/1x1: two contexts of one process (host staging)
#   mpi-2-ranks/    the same two devices as two MPI ranks (mpirun -np 2: messages)
# each with its own interleaved baselines (one 1-CU device, the whole CPU). The three runs
# are not interleaved with each other: compare their speedups over their own baselines,
# and their words/s with the spread in mind. Ends with the words/s of the cross-context
# and MPI runs as a share of the one-context run's.
# usage: bench/transports/pipeline_transports.sh OUT   (S2SBENCH [build/s2sbench])
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${S2SBENCH:-$root/build/s2sbench}
out=${1:?usage: $0 OUT}
args=(bench pipeline --preset small --len 20 --trials 5 --warmup 2)
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$root/build/pocl-cache}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # containers run as root
mkdir -p "$out"
"$bin" "${args[@]}" --devices cpu/2 --out "$out/one-context" | tee "$out/one-context.txt"
"$bin" "${args[@]}" --devices cpu/1x1,cpu/1x1 --out "$out/two-contexts" | tee "$out/two-contexts.txt"
mpirun --oversubscribe -np 2 "$bin" "${args[@]}" --devices cpu/1x1,cpu/1x1 \
  --out "$out/mpi-2-ranks" | tee "$out/mpi-2-ranks.txt"
python3 - "$out" <<'PY' | tee "$out/summary.txt"
import json, sys
out = sys.argv[1]
runs = {k: json.load(open(f"{out}/{k}/run.json"))["summary"]
        for k in ("one-context", "two-contexts", "mpi-2-ranks")}
ref = runs["one-context"]["pipeline_words_per_s"]
print("transport      words/s  share of one context  speedup over one 1-CU device (min-max)  over the whole CPU")
for k, s in runs.items():
    print("%-13s %8.0f  %20.2f  %10.2fx (%.2f-%.2f)  %22.2fx" % (
        k, s["pipeline_words_per_s"], s["pipeline_words_per_s"] / ref, s["speedup"],
        s["speedup_min"], s["speedup_max"], s.get("speedup_vs_whole", float("nan"))))
PY

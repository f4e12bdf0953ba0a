#!/usr/bin/env bash
# "Was pipelining wise?" measured (issue 13): the `small` training step (B64, 20 + 20 words)
# on two 1-CU devices as the paper's pipeline (the default split, the wavefront), as two
# data-parallel replicas (a replica on each device, 32 rows each, the gradients summed
# through the host or by MPI_Allreduce) and as the same split micro-batched (4 micro-batches,
# 1F1B), all in one `bench pipeline` run each so their trials interleave with each other
# and with the baselines (one 1-CU device, the whole CPU):
#   one-process/   cpu/2: two sub-devices of one context, one host thread
#   mpi-2-ranks/   the same two devices as two MPI ranks (mpirun -np 2)
# Ends with a table: words/s (min-max) and the speedup over one 1-CU device of each.
# usage: bench/parallel/pipeline_vs_dp.sh OUT   (S2SBENCH [build/s2sbench])
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${S2SBENCH:-$root/build/s2sbench}
out=${1:?usage: $0 OUT}
args=(bench pipeline --preset small --len 20 --trials 5 --warmup 2 --replicas 2
      --micro-batches 4 --schedule 1f1b)
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$root/build/pocl-cache}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # containers run as root
mkdir -p "$out"
"$bin" "${args[@]}" --devices cpu/2 --out "$out/one-process" | tee "$out/one-process.txt"
mpirun --oversubscribe -np 2 "$bin" "${args[@]}" --devices cpu/1x1,cpu/1x1 \
  --out "$out/mpi-2-ranks" | tee "$out/mpi-2-ranks.txt"
python3 - "$out" <<'PY' | tee "$out/summary.txt"
import json, sys
out = sys.argv[1]
print("where         what                      words/s (min-max)       speedup over one 1-CU device (min-max)  predicted")
for run in ("one-process", "mpi-2-ranks"):
    s = json.load(open(f"{out}/{run}/run.json"))["summary"]
    rows = [("pipeline (wavefront)", "pipeline", "speedup", "predicted_speedup"),
            ("data parallel, 2 replicas", "replicas", "replicas_speedup", "replicas_predicted_speedup"),
            ("micro-batched, 4 x 1F1B", "micro", "micro_speedup", "micro_predicted_speedup")]
    for name, p, sp, pred in rows:
        med = s[f"{p}_words_per_s"]
        step = s[f"{p}_step_s_median"]
        lo, hi = med * step / s[f"{p}_step_s_max"], med * step / s[f"{p}_step_s_min"]
        pv = s.get(pred)
        print(f"{run:13s} {name:25s} {med:7.0f} ({lo:5.0f}-{hi:5.0f})   {s[sp]:.2f}x ({s[sp + '_min']:.2f}-{s[sp + '_max']:.2f})"
              f"                      {'-' if pv is None else f'{pv:.2f}x'}")
    print(f"{run:13s} one 1-CU device            {s['baseline_words_per_s']:7.0f};  the whole CPU {s['whole_words_per_s']:.0f}")
PY

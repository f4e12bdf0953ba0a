#!/usr/bin/env bash
# A GPU report in one go, within a time budget (the project's GPU machine allows 10 minutes
# a command): the devices, a short CLBlast tuning of the chosen device, bench gemm (CLBlast's
# defaults vs that tuning), bench step at paper and small, and the PyTorch peer on CUDA in
# FP32 and TF32, under one folder, with a summary of each step's status, time and numbers.
#
# usage: scripts/gpu-report.sh [--device SPEC] [--out DIR] [--budget S] [--quick]
#            [--tune-from DIR] [--tuner-dir DIR] [--peer-device cuda|cpu] [--bin PATH]
#   on the GPU machine (/work/shared/gpu/README.md): .gpu/run.sh scripts/gpu-report.sh
#   --device SPEC    the s2sbench device spec (README "Devices"; default gpu)
#   --out DIR        the report folder, new or empty (default
#                    results/<device-slug>/gpu-report-<UTC time>/)
#   --budget S       seconds for the whole report (default 540); shares below
#   --quick          for tests: tiny preset and --len 4 everywhere (peers too), 1 trial,
#                    5 s tuner and selection limits, tuners xgemm_direct,xgemm; every step
#   --tune-from DIR  tune parses the tuner outputs saved in DIR (tune --from) instead of
#                    running the tuners, with --tuners xgemm_direct,xgemm --candidates 1
#                    --select-trials 1 (tests/fixtures/tuning: CI has no GPU)
#   --tuner-dir DIR  where the clblast_tuner_* programs are (default: .gpu/bin when it has
#                    them, else PATH; the GPU machine has no clblast-utils of its own)
#   --peer-device D  where the PyTorch peer runs (default cuda; TF32 is CUDA only)
#   --bin PATH       the s2sbench binary (default build/s2sbench)
#   PYTHON=PATH      the peer's interpreter (default python3). Without torch, or CUDA for
#                    --peer-device cuda, the peer steps are skipped (not failed).
#
# The folder: devices.txt (`s2sbench devices`), device.json (the spec's devices), tuning/
# (the tuning file, raw/ = the tuners' outputs), gemm-small/, step-paper/, step-small/,
# peer-{paper,small}-{fp32,tf32}/ (records as results/README.md, each checked by
# scripts/check_results.py), <step>.log (its stdout and stderr), steps.tsv, report.tsv,
# summary.txt and summary.tsv (scripts/gpu_report_summary.py). Every s2sbench step runs with
# S2S_TUNING_DIR=<folder>/tuning, the report's own tuning, never results/tuning.
# Each step runs under `timeout` until its deadline, a share of the budget counted from the
# start, so that time one step leaves goes to the next: devices 3 %, tune 55 % (each tuner
# 8.5 %, the selection 14 %), gemm 10 %, step paper 10 %, step small 6 %, each peer 4 %.
# A failed step never stops the others. Exit status: 0 when every step is ok or skipped, 1
# when one failed, timed out or was not run, 2 for a usage error.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/s2sbench device=gpu out='' budget=540 quick=0 tune_from='' tuner_dir=''
peer_device=cuda py=${PYTHON:-python3}
usage() { sed -n '7,24p' "$0" | sed 's/^# \{0,1\}//'; }  # the header's usage lines
while [ $# -gt 0 ]; do
  case $1 in
    --device|--out|--budget|--tune-from|--tuner-dir|--peer-device|--bin)
      [ $# -ge 2 ] || { echo "gpu-report: $1 needs a value" >&2; exit 2; }
      case $1 in
        --device) device=$2 ;; --out) out=$2 ;; --budget) budget=$2 ;;
        --tune-from) tune_from=$2 ;; --tuner-dir) tuner_dir=$2 ;;
        --peer-device) peer_device=$2 ;; --bin) bin=$2 ;;
      esac
      shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gpu-report: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
case $budget in ''|*[!0-9]*) echo "gpu-report: --budget: whole seconds" >&2; exit 2 ;; esac
[ "$budget" -ge 10 ] || { echo "gpu-report: --budget: at least 10 s" >&2; exit 2; }
[ -x "$bin" ] || { echo "gpu-report: no s2sbench binary at $bin (scripts/build.sh)" >&2; exit 2; }
[ -z "$tune_from" ] || [ -d "$tune_from" ] || { echo "gpu-report: --tune-from: no folder $tune_from" >&2; exit 2; }
tune_from=${tune_from:+$(cd "$tune_from" && pwd)}
[ -n "$tuner_dir" ] || { [ -x "$root/.gpu/bin/clblast_tuner_xgemm" ] && tuner_dir=$root/.gpu/bin; }
now() { date +%s.%N; }
start=$(now)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)

slug() { # the device's name as s2s_tuning_slug writes it: lower case, other runs as one -
  printf '%s' "$1" | LC_ALL=C tr 'A-Z' 'a-z' | LC_ALL=C sed -E 's/[^a-z0-9.]+/-/g; s/^-+//; s/-+$//'
}
json_name() { grep -o '"name": "[^"]*"' "$1" 2>/dev/null | head -1 | sed 's/^"name": "//; s/"$//'; }
if [ -z "$out" ]; then
  probe=$(mktemp)
  timeout -k 5 60 "$bin" devices --devices "$device" --json >"$probe" 2>/dev/null
  s=$(slug "$(json_name "$probe")"); rm -f "$probe"
  out=$root/results/${s:-$(slug "$device")}/gpu-report-$(date -u +%Y%m%dT%H%M%SZ)
fi
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "gpu-report: $out exists and is not empty" >&2; exit 2
fi
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)
export S2S_TUNING_DIR=$out/tuning

if [ "$quick" = 1 ]; then
  p_paper=tiny p_small=tiny len=4 trials_paper=1 trials_small=1 warmup=1 square=64
  tune_cfg=(--preset tiny --len 4 --time-limit 5 --select-time 5)
else
  p_paper=paper p_small=small len=20 trials_paper=5 trials_small=10 warmup=2 square=1024
  tune_cfg=(--preset small --len 20
            --time-limit "$(awk -v b="$budget" 'BEGIN { t = int(b * 0.085); print t < 1 ? 1 : t }')"
            --select-time "$(awk -v b="$budget" 'BEGIN { print int(b * 0.14) }')")
fi
if [ "$quick" = 1 ] || [ -n "$tune_from" ]; then
  tune_cfg+=(--tuners xgemm_direct,xgemm --candidates 1 --select-trials 1)
fi
if [ -n "$tune_from" ]; then tune_cfg+=(--from "$tune_from"); else tune_cfg+=(--raw "$out/tuning/raw"); fi
[ -n "$tuner_dir" ] && tune_cfg+=(--tuner-dir "$tuner_dir")

printf 'step\tstatus\texit\tseconds\tlimit_s\tpreset\trecord\tnote\n' >"$out/steps.tsv"
failed=0 n=0 total=9 child='' interrupted=0
trap 'interrupted=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
echo "gpu-report: device $device, budget $budget s$([ "$quick" = 1 ] && echo ', quick'), into $out"

record() { # record STEP STATUS EXIT SECONDS LIMIT PRESET RECORD NOTE
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$out/steps.tsv"
  case $2 in ok|skipped) ;; *) failed=1 ;; esac
  printf '%-8s %6s s (limit %s s)  %s\n' "$2" "$4" "$5" "$8"
}

# tune runs each tuner in a process group of its own, so a tune stopped by its timeout leaves
# its tuner running: stop those still working in this report's raw folder
tuners_left() {
  local p
  for p in /proc/[0-9]*; do
    case $(readlink "$p/cwd" 2>/dev/null) in "$out/tuning/raw"/*) echo "${p#/proc/}" ;; esac
  done
}
reap_tuners() {
  local pids
  pids=$(tuners_left)
  [ -n "$pids" ] || return 0
  echo "gpu-report: stopping the tuners left running:" $pids >>"$out/tune.log"
  kill -TERM $pids 2>/dev/null
  sleep 3
  pids=$(tuners_left)
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
  return 0
}

# step NAME END PRESET RECORD CMD...: runs CMD until the step's deadline (END, a fraction of
# the budget from the start) with stdout and stderr in NAME.log, checks RECORD (a path in the
# folder, or - for none; a glob is resolved after the run) and appends the step's row.
step() {
  local name=$1 end=$2 preset=$3 rec=$4 want=$4; shift 4
  n=$((n + 1))
  printf '[%d/%d] %-16s ' "$n" "$total" "$name"
  local t0 limit rc secs note='' status
  t0=$(now)
  # a step past its deadline still gets up to 10 s while the budget lasts
  limit=$(awk -v b="$budget" -v e="$end" -v s="$start" -v t="$t0" 'BEGIN {
    l = int(b * e - (t - s)); left = int(b - (t - s))
    if (l < 10) l = left < 10 ? left : 10
    print l < 0 ? 0 : l }')
  if [ "$interrupted" = 1 ] || [ "$limit" -lt 1 ]; then
    record "$name" not-run - 0.0 "$limit" "$preset" - \
      "$([ "$interrupted" = 1 ] && echo interrupted || echo 'budget spent')"
    return
  fi
  timeout -k 5 "$limit" "$@" >"$out/$name.log" 2>&1 </dev/null &
  child=$!
  wait "$child"; rc=$?
  while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done  # a trapped signal
  child=''
  [ "$name" = tune ] && reap_tuners
  secs=$(awk -v s="$t0" -v t="$(now)" 'BEGIN { printf "%.1f", t - s }')
  if [ "$rec" != - ]; then
    rec=$(cd "$out" && ls -d $rec 2>/dev/null | head -1)
    [ -n "$rec" ] || rec=-
  fi
  if [ "$interrupted" = 1 ]; then status=failed note="interrupted (exit $rc)"
  elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then status=timeout note="stopped at its limit"
  elif [ "$rc" -ne 0 ]; then
    status=failed note="exit $rc: $(grep -v '^s2sbench: note:' "$out/$name.log" | grep . | tail -1 | cut -c1-120)"
  elif [ "$rec" = - ] && [ "$want" != - ]; then status=failed note="no record"
  else status=ok
  fi
  if [ "$rec" != - ]; then
    if ! command -v python3 >/dev/null; then note="${note:+$note; }record not checked (no python3)"
    elif python3 "$root/scripts/check_results.py" "$out/$rec" >>"$out/$name.log" 2>&1; then
      note="${note:+$note; }record conforms"
    else
      status=failed note="${note:+$note; }record fails scripts/check_results.py"
    fi
  fi
  record "$name" "$status" "$rc" "$secs" "$limit" "$preset" "$rec" "$note"
}

# the peer: skipped (not failed) without torch, or without CUDA on --peer-device cuda
torch_state=unknown
peer() { # peer NAME END PRESET TRIALS fp32|tf32
  local name=$1 end=$2 preset=$3 trials=$4 prec=$5 why=''
  if [ "$interrupted" = 1 ]; then step "$name" "$end" "$preset" - true; return; fi
  if [ "$torch_state" = unknown ]; then
    torch_state=$(timeout -k 5 60 "$py" -c 'import torch; print(torch.__version__,
      "cuda" if torch.cuda.is_available() else "no-cuda")' 2>"$out/peer-check.log" | tail -1)
    echo "  ($py: ${torch_state:-no torch})"
  fi
  if [ -z "$torch_state" ]; then why="no torch in $py (peer-check.log)"
  elif [ "$peer_device" = cuda ] && [ "${torch_state##* }" != cuda ]; then
    why="no CUDA for torch ${torch_state%% *}"
  elif [ "$prec" = tf32 ] && [ "$peer_device" != cuda ]; then why="TF32 needs --peer-device cuda"
  fi
  if [ -n "$why" ]; then
    n=$((n + 1)); printf '[%d/%d] %-16s ' "$n" "$total" "$name"
    record "$name" skipped - 0.0 - "$preset" - "skipped: $why"
    return
  fi
  local tf=(); [ "$prec" = tf32 ] && tf=(--tf32)
  step "$name" "$end" "$preset" "$name" "$py" "$root/bench/peers/pytorch_step.py" \
    --device "$peer_device" --preset "$preset" --len "$len" --trials "$trials" \
    --warmup "$warmup" "${tf[@]}" --out "$out/$name"
}

step devices 0.03 - - bash -c '"$1" devices | tee "$2/devices.txt"; rc=${PIPESTATUS[0]}
  "$1" devices --devices "$3" --json >"$2/device.json" || exit; exit "$rc"' _ "$bin" "$out" "$device"
step tune 0.58 "${tune_cfg[1]}" 'tuning/*.json' "$bin" tune --device "$device" \
  "${tune_cfg[@]}" --out "$out/tuning"
step gemm-small 0.68 "$p_small" gemm-small "$bin" bench gemm --device "$device" \
  --preset "$p_small" --len "$len" --square "$square" --trials "$trials_small" \
  --out "$out/gemm-small"
step step-paper 0.78 "$p_paper" step-paper "$bin" bench step --device "$device" \
  --preset "$p_paper" --len "$len" --trials "$trials_paper" --warmup "$warmup" --out "$out/step-paper"
step step-small 0.84 "$p_small" step-small "$bin" bench step --device "$device" \
  --preset "$p_small" --len "$len" --trials "$trials_small" --warmup "$warmup" --out "$out/step-small"
peer peer-paper-fp32 0.88 "$p_paper" "$trials_paper" fp32
peer peer-paper-tf32 0.92 "$p_paper" "$trials_paper" tf32
peer peer-small-fp32 0.96 "$p_small" "$trials_small" fp32
peer peer-small-tf32 1.00 "$p_small" "$trials_small" tf32

{
  printf 'device_spec\t%s\n' "$device"
  printf 'device_name\t%s\n' "$(json_name "$out/device.json")"
  printf 'date\t%s\n' "$stamp"
  printf 'mode\t%s\n' "$([ "$quick" = 1 ] && echo quick || echo full)$([ -n "$tune_from" ] && echo ", tune from $tune_from")"
  printf 'budget_s\t%s\n' "$budget"
  printf 'took_s\t%s\n' "$(awk -v s="$start" -v t="$(now)" 'BEGIN { printf "%.0f", t - s }')"
  printf 'host\t%s\n' "$(hostname 2>/dev/null || uname -n)"
  printf 'python\t%s\n' "$py${torch_state:+ (torch $torch_state)}"
} >"$out/report.tsv"
echo
if ! python3 "$root/scripts/gpu_report_summary.py" "$out"; then
  echo "gpu-report: the summary script failed; steps.tsv has each step's status" >&2
  cp "$out/steps.tsv" "$out/summary.tsv"
  { echo "gpu-report: summary script failed; steps as run:"; cat "$out/steps.tsv"; } >"$out/summary.txt"
  failed=1
fi
echo "gpu-report: $out ($(awk -F'\t' '$1 == "took_s" { print $2 }' "$out/report.tsv") s)"
[ "$interrupted" = 1 ] && exit 130
exit "$failed"

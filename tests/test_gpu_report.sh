#!/usr/bin/env bash
# scripts/gpu-report.sh end to end on the CPU (CI has no GPU): --quick, tune parsing the saved
# tuner outputs of tests/fixtures/tuning (tune --from), the peer's python without torch. It
# must exit 0 with every file of the report, each record conforming to the schema, the tuned
# settings applied from the report's own tuning folder, a summary row per step whose numbers
# are the records', and the peers skipped; a device that does not exist must give a non-zero
# exit with the failed steps named, the peers still skipped.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/cli_lib.sh"
require_device
chk="python3 $src/scripts/check_results.py"
# a python without torch: build/venv's (torch is not part of setup), else one that fails
py=$src/build/venv/bin/python
if ! [ -x "$py" ] || "$py" -c 'import torch' 2>/dev/null; then
  py=$work/python && printf '#!/bin/sh\necho "no torch here" >&2\nexit 1\n' >"$py" && chmod +x "$py"
fi
report() { PYTHON=$py "$src/scripts/gpu-report.sh" --bin "$bin" --quick \
  --tune-from "$src/tests/fixtures/tuning" "$@"; }

t0=$(date +%s)
report --device cpu --out "$work/r" >"$work/out" 2>&1
rc=$?
cat "$work/out"
echo "(the report took $(($(date +%s) - t0)) s)"
r=$work/r
check "gpu-report --quick exits 0" test "$rc" -eq 0
for f in devices.txt device.json steps.tsv report.tsv summary.txt summary.tsv \
         gemm-small/run.json gemm-small/cases.tsv step-paper/run.json step-paper/trials.tsv \
         step-small/run.json devices.log tune.log gemm-small.log step-paper.log step-small.log; do
  check "file $f" test -s "$r/$f"
done
check "devices.txt is the device list" grep -q '^OpenCL devices' "$r/devices.txt"
tuning=$(ls "$r"/tuning/*.json 2>/dev/null | head -1)
check "a tuning file in the report's folder" test -n "$tuning"
for rec in "$tuning" "$r/gemm-small" "$r/step-paper" "$r/step-small"; do
  check "schema: ${rec#$r/}" $chk "$rec"
done
check "bench step ran on the report's tuning (S2S_TUNING_DIR)" \
  grep -qF "\"clblast_tuning\": \"$tuning\"" "$r/step-paper/run.json"
check "bench gemm timed the tuned settings" grep -q '"variant": "tuned"' "$r/gemm-small/run.json"

steps="devices tune gemm-small step-paper step-small peer-paper-fp32 peer-paper-tf32 \
peer-small-fp32 peer-small-tf32"
check "summary.tsv: a row per step, in order" \
  test "$(tail -n +2 "$r/summary.tsv" | cut -f1 | tr '\n' ' ')" = "$(echo $steps) "
row() { awk -F'\t' -v s="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
  $1 == s { print $col[c] }' "$r/summary.tsv"; }
for s in devices tune gemm-small step-paper step-small; do
  check "step $s ok, exit 0" test "$(row "$s" status) $(row "$s" exit)" = "ok 0"
done
for s in peer-paper-fp32 peer-paper-tf32 peer-small-fp32 peer-small-tf32; do
  check "peer $s skipped: no torch" bash -c "test '$(row "$s" status)' = skipped &&
    grep -q '^$s .*skipped: no torch' '$r/summary.txt'"
done
for s in step-paper step-small; do
  check "$s: words/s in the summary is the record's" test "$(row "$s" words_per_s)" = \
    "$(python3 -c 'import json, sys
print("%.1f" % json.load(open(sys.argv[1]))["summary"]["words_per_s"])' "$r/$s/run.json")"
done
check "gemm: tuned/default is a number" bash -c "[[ '$(row gemm-small tuned_over_default)' =~ ^[0-9.]+$ ]]"
check "summary.txt: every step ok" grep -q '^every step ok' "$r/summary.txt"
check "summary.txt: a tuned and a default GFLOP/s per case" \
  test "$(grep -cE '^  gates_[a-z]+ .* [0-9.]+ +[0-9.]+ +[0-9.]+x  passed$' "$r/summary.txt")" -eq 5

# a broken device: every s2sbench step fails, each is named, the report still completes
report --device nosuchdevice:9 --out "$work/bad" >"$work/out" 2>&1
rc=$?
check "an unknown device: exit non-zero" test "$rc" -ne 0
check "an unknown device: the failed steps named" \
  grep -q '^failed: devices, tune, gemm-small, step-paper, step-small$' "$work/bad/summary.txt"
check "an unknown device: the peers still reported (skipped)" \
  test "$(grep -c '^peer-.* skipped ' "$work/bad/summary.txt")" -eq 4
report --device cpu --out "$r" >/dev/null 2>&1
check "a report folder that is not empty: refused (exit 2)" test $? -eq 2
exit $fail

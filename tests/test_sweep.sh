#!/usr/bin/env bash
# `s2sbench sweep`: a tiny sweep over cpu/1 and cpu/2 writes one results folder per point
# and a summary with the speedup against the sweep's own 1-device point; run again it
# skips every finished point; a point whose run.json is missing or broken is measured
# again (and only that one); config files are read with errors naming file and line; under
# mpirun a point with one item per rank runs as ranks.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/cli_lib.sh"
require_device
export S2S_TUNING=off # the point here is the sweep machinery, not CLBlast's parameters
run() { "$bin" sweep --devices "cpu/1 cpu/2" --presets tiny --lens 4 --trials 2 --out "$work/sw" "$@"; }

run >"$work/out1" 2>&1; rc=$?
cat "$work/out1"
check "first run exits 0" test "$rc" -eq 0
check "two points measured" test "$(grep -c ' \.\.\.$' "$work/out1")" -eq 2
for p in tiny-b64-t4-cpu-1-one tiny-b64-t4-cpu-2-default; do
  check "point $p has run.json" test -s "$work/sw/points/$p/run.json"
  check "point $p has trials.tsv" test -s "$work/sw/points/$p/trials.tsv"
done
check "sweep.tsv has a speedup column" bash -c "head -1 '$work/sw/sweep.tsv' | tr '\t' '\n' | grep -qx speedup"
# the 2-device row: a number in the speedup column, efficiency = speedup / 2
row=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                  $c["devices"] == 2 { print $c["speedup"], $c["efficiency"], $c["flop_balance"] }' "$work/sw/sweep.tsv")
check "2-device speedup, efficiency and FLOP balance are numbers" \
  awk -v r="$row" 'BEGIN { split(r, a, " "); exit !(a[1] > 0 && a[3] > 1 && (a[2] - a[1] / 2) ^ 2 < 1e-6) }'
check "1-device speedup is 1" bash -c "awk -F'\t' 'NR > 1 && \$2 == 1 { exit !(\$12 == \"1.0000\") }' '$work/sw/sweep.tsv'"
check "2-device speedup range brackets the speedup" awk -F'\t' '
  NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["devices"] == 2 { n++; if (!($c["speedup_min"] <= $c["speedup"] && $c["speedup"] <= $c["speedup_max"])) bad = 1 }
  END { exit !(n > 0 && !bad) }' "$work/sw/sweep.tsv"
check "sweep.json names the baseline" grep -q '"baseline": "tiny-b64-t4-cpu-1-one"' "$work/sw/sweep.json"

# resume: nothing left to measure
before=$(stat -c %Y "$work/sw/points/tiny-b64-t4-cpu-2-default/run.json")
run >"$work/out2" 2>&1; rc=$?
check "second run exits 0" test "$rc" -eq 0
check "second run skips both points" test "$(grep -c 'finished earlier, skipped' "$work/out2")" -eq 2
check "second run measures nothing" test "$(grep -c ' \.\.\.$' "$work/out2")" -eq 0
check "finished point untouched" test "$(stat -c %Y "$work/sw/points/tiny-b64-t4-cpu-2-default/run.json")" = "$before"

# an interrupted point: no run.json (killed before the rename) or a broken one
rm "$work/sw/points/tiny-b64-t4-cpu-2-default/run.json"
echo '{"kind": "sweep point", "summ' >"$work/sw/points/tiny-b64-t4-cpu-1-one/run.json"
run >"$work/out3" 2>&1; rc=$?
check "resumed run exits 0" test "$rc" -eq 0
check "resumed run measures the two unfinished points" test "$(grep -c ' \.\.\.$' "$work/out3")" -eq 2
run >"$work/out4" 2>&1
check "then nothing is left" test "$(grep -c 'finished earlier, skipped' "$work/out4")" -eq 2

# a point whose output check failed is not finished: a resumed sweep measures it again
f=$work/sw/points/tiny-b64-t4-cpu-2-default/run.json
sed -i 's/"output_check_passed": true/"output_check_passed": false/' "$f"
check "(the point now says its check failed)" grep -q '"output_check_passed": false' "$f"
run >"$work/out5" 2>&1
check "a failed point is measured again" grep -q 'tiny-b64-t4-cpu-2-default: 2 devices' "$work/out5"
check "... and only it" test "$(grep -c 'finished earlier, skipped' "$work/out5")" -eq 1
check "... and it passes now" grep -q '"output_check_passed": true' "$f"
check "the 2-device point has its predicted speedup and timeline" python3 -c '
import json, os, sys
s = json.load(open(sys.argv[1]))["summary"]
assert s["predicted_speedup"] > 0 and s["critical_path"]["nodes"] > 0, s
assert os.path.getsize(os.path.join(os.path.dirname(sys.argv[1]), "timeline-predicted.tsv")) > 0
' "$f"

# a config file with two splits for two devices, overridden by flags
cat >"$work/grid.cfg" <<'EOF'
# tiny grid for the test
devices = cpu/1 cpu/2
split.2 = default
split.2 = layers=0,1;softmax=1   # the softmax on the second device only
split.2 = replicas=2             # data parallel: a replica on each device
presets = tiny
batches = 16
lens = 3
trials = 1
EOF
"$bin" sweep "$work/grid.cfg" --trials 2 --out "$work/cfg" >"$work/out5" 2>&1; rc=$?
check "config sweep exits 0" test "$rc" -eq 0
check "config sweep has four points" test "$(($(wc -l <"$work/cfg/sweep.tsv") - 1))" -eq 4
check "flag overrides the file (trials 2)" grep -q '"trials": 2' "$work/cfg/sweep.json"
check "the given split was used" grep -q 'layers=0,1;softmax=1' "$work/cfg/sweep.tsv"
check "the data-parallel point: 2 replicas, predicted" python3 -c '
import glob, json, sys
runs = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/points/*/run.json")]
dp = [r for r in runs if r.get("replicas") == 2]
assert len(dp) == 1 and dp[0]["split"].startswith("replicas=2;"), [r["split"] for r in runs]
assert dp[0]["summary"]["predicted_speedup"] > 0, dp[0]["summary"]
' "$work/cfg"

# errors name the file and line, or the flag
printf 'devices = cpu/1\nbatches = 0\n' >"$work/bad.cfg"
"$bin" sweep "$work/bad.cfg" --out "$work/bad" >/dev/null 2>"$work/err"; rc=$?
check "bad config value: exit 2, file:line" bash -c "test $rc -eq 2 && grep -q 'bad.cfg:2: batches' '$work/err'"
printf 'colour = blue\n' >"$work/bad2.cfg"
"$bin" sweep "$work/bad2.cfg" >/dev/null 2>"$work/err"; rc=$?
check "unknown key: exit 2" bash -c "test $rc -eq 2 && grep -q \"unknown key 'colour'\" '$work/err'"
printf 'devices = cpu/1\npredict = maybe\n' >"$work/bad3.cfg"
"$bin" sweep "$work/bad3.cfg" --out "$work/bad" >/dev/null 2>"$work/err"; rc=$?
check "predict takes on or off: exit 2, file:line" \
  bash -c "test $rc -eq 2 && grep -q 'bad3.cfg:2: predict' '$work/err'"
"$bin" sweep --split 2 --out "$work/bad" >/dev/null 2>"$work/err"; rc=$?
check "bad --split: exit 2" bash -c "test $rc -eq 2 && grep -q 'N:SPEC' '$work/err'"

# a process bound to fewer PUs than a CPU device's compute units: warned, and recorded
if [ "$(nproc --all)" -ge 2 ]; then
  taskset -c 0 "$bin" sweep --devices cpu --presets tiny --lens 3 --trials 1 \
    --out "$work/bound" >"$work/bound.out" 2>&1; rc=$?
  check "a sweep bound to one PU exits 0" test "$rc" -eq 0
  check "... warns that the device's compute units share it" \
    grep -q "warning: this process may run on PU 0 only (1 of [0-9]*), but its CPU device (.*) has [0-9]* compute units" "$work/bound.out"
  check "... and its run.json records the binding" python3 -c "
import json, sys
t = json.load(open(sys.argv[1]))['topology']
assert t['process_pus'] == 1 and t['process_cpuset'] == '0' and t['pus'] >= 2, t" \
    "$(ls "$work"/bound/points/*/run.json)"
fi
if command -v python3 >/dev/null; then
  check "results schema" python3 "$src/scripts/check_results.py" "$work/sw" "$work/cfg" "$work/bound"
fi
# under mpirun with 2 ranks: the 2-item spec runs as two ranks (one device each), the 1-device
# baseline and cpu/2 on rank 0 alone (its replicas in one process, while rank 1 waits at the
# next point: no collective of rank 0's may reach it); rank 0 writes the points and the
# summary
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# sanitized builds: the ranks check memory errors but not leaks (tests/test_mpi_util.h says why)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
mpirun --oversubscribe -np 2 "$bin" sweep --devices "cpu/1 cpu/2 cpu/1x1,cpu/1x1" --presets tiny \
  --lens 4 --split 2:default --split 2:replicas=2 --trials 2 --out "$work/swm" >"$work/mpi.out" 2>&1; rc=$?
check "an MPI sweep exits 0" test "$rc" -eq 0
check "... and measures all five points" test "$(grep -c ' \.\.\.$' "$work/mpi.out")" -eq 5
check "... data parallel over the two ranks predicted" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['summary']
assert s['predicted_speedup'] > 0, s" "$work/swm/points/tiny-b64-t4-cpu-1x1-cpu-1x1-replicas-2/run.json"
check "... the 2-device point as two ranks, both devices busy" python3 - "$work/swm/points/tiny-b64-t4-cpu-1x1-cpu-1x1-default/run.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mpi"]["ranks"] == 2 and len(d["mpi"]["per_rank"]) == 2, d.get("mpi")
assert all(b > 0 for b in d["summary"]["busy_fraction"]), d["summary"]["busy_fraction"]
assert d["summary"]["predicted_speedup"] > 0, d["summary"]  # a process per device, modelled
EOF
for pt in default replicas-2; do
  check "... the $pt point's timeline has both ranks' devices, on one clock" python3 - \
    "$work/swm/points/tiny-b64-t4-cpu-1x1-cpu-1x1-$pt/timeline.tsv" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
starts = [float(r[2]) for r in rows]
assert {r[0] for r in rows} == {"0", "1"}, {r[0] for r in rows}
assert starts == sorted(starts) and starts[0] == 0, starts[:3]
span = max(float(r[3]) for r in rows)
for d in "01":  # each rank's rows lie within the step, not a clock apart
    assert max(float(r[3]) for r in rows if r[0] == d) > 0.5 * span, (d, span)
EOF
done
check "... rank 0's cpu/2 point warned about if mpirun bound rank 0 to fewer PUs (recorded)" python3 - \
  "$work/swm/points/tiny-b64-t4-cpu-2-default/run.json" "$work/mpi.out" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["topology"]
warned = "devices ('" in open(sys.argv[2]).read()
assert warned == (t.get("process_pus", t["pus"]) < 2), (t, warned)
EOF
check "... with a summary" test -s "$work/swm/sweep.tsv"
mpirun --oversubscribe -np 2 "$bin" devices >"$work/mpi-dev.out" 2>&1; rc=$?
check "a command that does not run under mpirun is refused" test "$rc" -ne 0
check "... saying which do" grep -q "train, bench pipeline and sweep do" "$work/mpi-dev.out"

exit $fail

#!/usr/bin/env bash
# `s2sbench tune` without running the tuners (too slow for a test): --from parses saved
# outputs of this machine's real tuners (tests/fixtures/tuning: a completed phase's JSON and
# the printed table of a tuner stopped by its time limit), writes the device's tuning file
# (checked against the schema), keeps kernels an earlier tuning had, chooses a setting per
# shape class of the step among the tuners' fastest configurations (timed on the device at
# the tiny preset's shapes), which `bench gemm` then runs and checks, and a missing tuner
# program is reported as such.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/cli_lib.sh"
require_device
export S2S_TUNING_DIR=$work/tuning

"$bin" tune --from "$src/tests/fixtures/tuning" --tuners xgemm_direct,xgemm --select off \
  >"$work/out" 2>&1
rc=$?
cat "$work/out"
check "tune --from exits 0" test "$rc" -eq 0
f=$(ls "$work"/tuning/*.json 2>/dev/null | head -1)
check "a tuning file was written" test -n "$f"
check "XgemmDirect stored" grep -q '"kernel": "XgemmDirect"' "$f"
check "Xgemm stored (salvaged from a stopped tuner)" grep -q '"kernel": "Xgemm"' "$f"
check "the stopped tuner is marked incomplete" grep -q '"complete": false' "$f"
check "PRECISION is not a parameter" bash -c "! grep -q PRECISION '$f'"
if command -v python3 >/dev/null; then
  check "tuning file schema" python3 "$src/scripts/check_results.py" "$f"
fi

# a later tuning of one kernel keeps the other
"$bin" tune --from "$src/tests/fixtures/tuning" --tuners xgemm_direct --select off >/dev/null 2>&1
check "other kernels kept" grep -q '"kernel": "Xgemm"' "$f"
check "no classes without a selection" bash -c "! grep -q '\"classes\"' '$f'"

# the selection per shape class: the fastest configuration of each tuner phase, at the tiny
# preset's eight classes, against CLBlast's defaults
"$bin" tune --from "$src/tests/fixtures/tuning" --tuners xgemm_direct,xgemm --preset tiny \
  --len 4 --candidates 1 --select-trials 1 >"$work/out" 2>&1
rc=$?
cat "$work/out"
check "tune with selection exits 0" test "$rc" -eq 0
check "eight classes stored" test "$(grep -c '"class": ' "$f")" -eq 8
for c in gates_x gates_h gates_dh gates_dx gates_dw softmax_fwd softmax_dh softmax_dw; do
  check "class $c chosen" grep -q "\"class\": \"$c\"" "$f"
done
check "every class has the default's time beside it" test "$(grep -c '"default_ms": ' "$f")" -eq 8
# a switch is timed between the first two classes whose fastest settings differ (before the
# selection trades switches away); when all are alike (it happens, on timings this close)
# there is none to time: -1. Classes stored with different settings need the measurement.
check "the switch cost is measured where there is a switch" python3 - "$f" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
sets = {json.dumps([c["route"], c["kernel"], c.get("parameters")], sort_keys=True)
        for c in t["classes"]}
sys.exit(0 if (t["switch_ms"] >= 0 or t["switch_ms"] == -1) and
         (len(sets) == 1 or t["switch_ms"] >= 0) else 1)
PY
check "the selection saw every candidate (3)" grep -q "candidate  3:" "$work/out"
if command -v python3 >/dev/null; then
  check "tuning file with classes: schema" python3 "$src/scripts/check_results.py" "$f"
fi
"$bin" bench gemm --preset tiny --len 4 --square 0 --trials 1 >"$work/gemm" 2>&1
rc=$?
check "bench gemm runs the classes' settings (exit 0)" test "$rc" -eq 0
check "bench gemm: eight tuned products, all checked ok" \
  test "$(grep -cE ' tuned +[0-9]+x[0-9]+x[0-9]+ .* ok$' "$work/gemm")" -eq 8
expect_error "bad --select" 2 "on or off" -- tune --select maybe
expect_error "bad --tuners shape" 1 "after @ a class" -- tune --from "$src/tests/fixtures/tuning" \
  --tuners xgemm@nonsense --select off

# errors
"$bin" tune --tuners nope --from "$src/tests/fixtures/tuning" >/dev/null 2>"$work/err"; rc=$?
check "unknown tuner: exit 1, named" bash -c "test $rc -eq 1 && grep -q \"unknown tuner 'nope'\" '$work/err'"
"$bin" tune --tuner-dir "$work/none" --tuners xgemm_direct --time-limit 5 --preset tiny \
  >"$work/out" 2>"$work/err"; rc=$?
check "missing tuner program: exit 1 with the package to install" \
  bash -c "test $rc -eq 1 && grep -q 'clblast-utils' '$work/err'"
# SIGTERM to tune while a tuner runs stops the tuner too (it runs in a group of its own)
mkdir -p "$work/fake"
printf '#!/bin/sh\necho $$ > "%s/fake.pid"\nexec sleep 60\n' "$work" >"$work/fake/clblast_tuner_xgemm_direct"
chmod +x "$work/fake/clblast_tuner_xgemm_direct"
rm -f "$work/fake.pid"
"$bin" tune --tuner-dir "$work/fake" --tuners xgemm_direct --preset tiny --select off \
  >"$work/out" 2>"$work/err" &
tp=$!
for _ in $(seq 100); do [ -s "$work/fake.pid" ] && break; sleep 0.1; done
kill -TERM $tp
wait $tp; rc=$?
check "tune stopped by SIGTERM: exit 143" test "$rc" -eq 143
check "tune stopped by SIGTERM: says so" grep -q "stopped by signal 15" "$work/err"
fp=$(cat "$work/fake.pid" 2>/dev/null)
check "the running tuner was stopped too" bash -c "test -n '$fp' && ! kill -0 '$fp' 2>/dev/null"
"$bin" tune --time-limit 0 >/dev/null 2>"$work/err"; rc=$?
check "bad --time-limit: exit 2" test "$rc" -eq 2
# a tuner output whose "parameters" is an array (found by reading what fuzz_tuning reaches)
mkdir -p "$work/badtune/xgemm"
printf '{"kernel_family":"xgemm_1","arg_m":"64","arg_n":"64","arg_k":"64","results":[{"time":1,"parameters":[1]}]}' \
  >"$work/badtune/xgemm/clblast_xgemm_1_32.json"
expect_error "tuner JSON with array parameters: an error, not a crash" 1 "is not an object" \
  -- tune --from "$work/badtune" --tuners xgemm
# a tunable of 1.6e21 was cast to size_t, undefined behaviour (found by fuzz_tuning)
printf '{"kernel_family":"xgemm_1","arg_m":"64","arg_n":"64","arg_k":"64","results":[{"time":1,"parameters":{"MWG":1.6e21}}]}' \
  >"$work/badtune/xgemm/clblast_xgemm_1_32.json"
expect_error "tuner JSON with a huge tunable: refused" 1 "bad parameter MWG" \
  -- tune --from "$work/badtune" --tuners xgemm
exit $fail

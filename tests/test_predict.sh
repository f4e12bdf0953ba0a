#!/usr/bin/env bash
# `s2sbench predict` and the prediction in `bench pipeline`: costs measured on one 1-CU
# sub-device at the tiny preset; one modelled device predicts speedup 1 exactly (the same
# plan twice); the saved cost table reloads and predicts the same numbers (the simulation
# is deterministic); the predicted timeline is a timeline (the measured TSV's columns, rows
# on every device); a host thread per device (--contexts ranks, MPI) never predicts a
# slower step than one host thread; the paper's 4 + 4 on 8 devices is predicted from the
# tiny table and printed beside the paper's 3.7x; data-parallel replicas (and the paper's 8
# devices as 8 replicas or 2 x 4) are predicted with the all-reduce in the plan; bench
# pipeline records predicted_speedup
# beside the measured one (null with --predict off); bad
# flags, a missing or corrupt cost table and an impossible split are errors that name them.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
# the checks are the plan's and the simulator's, not CLBlast's parameters: a machine's
# tuning file (tuned for the small preset) switches settings between the tiny step's
# products at about 1.3 ms a switch on this project's Xeon, against a 10 ms step, so a
# speedup check's margin would depend on the file
export S2S_TUNING=off
. "$(dirname "$0")/cli_lib.sh"
require_device
tiny=(--preset tiny --len 4 --trials 1)
num() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"][sys.argv[2]])' "$@"; }

"$bin" predict "${tiny[@]}" --devices 1 --measure-on cpu/1x1 --out "$work/one" >"$work/out" 2>&1
rc=$?
cat "$work/out"
check "predict on one device exits 0" test "$rc" -eq 0
check "one device: predicted speedup 1" \
  python3 -c "import sys; assert abs(float(sys.argv[1]) - 1) < 1e-12" "$(num "$work/one/run.json" predicted_speedup)"

"$bin" predict "${tiny[@]}" --devices 2 --measure-on cpu/1x1 --save-cost "$work/cost.tsv" \
  --out "$work/two" >"$work/out" 2>&1
rc=$?
cat "$work/out"
check "predict two devices exits 0" test "$rc" -eq 0
check "the critical path is printed" grep -q "critical path" "$work/out"
check "the measured costs' spread is printed" grep -q "costs measured more than once" "$work/out"
check "... and recorded" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['cost_spread']
assert s['considered'] > 0 and 0 <= s['wide'] <= s['considered'] and 0 <= s['wide_share'] <= 1, s
assert (s['wide'] > 0) == ('heaviest' in s) and s.get('min_s', 0) <= s.get('max_s', 0), s" \
  "$work/two/run.json"
check "predicted timeline: the measured timeline's header" \
  bash -c "head -1 '$work/two/timeline-predicted.tsv' | grep -qx \$'device\twhat\tstart_s\tend_s'"
check "predicted timeline: rows on both devices" \
  bash -c "cut -f1 '$work/two/timeline-predicted.tsv' | sort -u | grep -cx '[01]' | grep -qx 2"
"$bin" predict "${tiny[@]}" --devices 2 --cost "$work/cost.tsv" --out "$work/again" >"$work/out" 2>&1
check "the saved table reloads" test $? -eq 0
check "... with no spread to tell (one sample per row)" \
  bash -c "! grep -q 'costs measured more than once' '$work/out' && ! grep -q cost_spread '$work/again/run.json'"
check "the same prediction from the reloaded table" \
  test "$(num "$work/two/run.json" predicted_step_s)" = "$(num "$work/again/run.json" predicted_step_s)"
"$bin" predict "${tiny[@]}" --devices 2 --contexts each --cost "$work/cost.tsv" --out "$work/ctx" \
  >"$work/out" 2>&1
check "two contexts: host staging in the plan" \
  bash -c "grep -q 'host wait: staging read\|staging write' '$work/ctx/timeline-predicted.tsv'"
"$bin" predict "${tiny[@]}" --devices 2 --contexts each --cost "$work/cost.tsv" --link-gbs 0.001 \
  --link-us 100 --out "$work/slow" >"$work/out" 2>&1
check "a slow link given" test $? -eq 0
check "a slow link lengthens the step between contexts" python3 -c "import sys; assert float(sys.argv[1]) > float(sys.argv[2])" \
  "$(num "$work/slow/run.json" predicted_step_s)" "$(num "$work/ctx/run.json" predicted_step_s)"
"$bin" predict "${tiny[@]}" --devices 2 --contexts ranks --cost "$work/cost.tsv" --out "$work/ranks" \
  >"$work/out" 2>&1
check "MPI ranks (a host thread per device) predicted" test $? -eq 0
check "a host thread per device is never slower than one host for two contexts" python3 -c \
  "import sys; assert float(sys.argv[1]) <= float(sys.argv[2]) + 1e-9, sys.argv[1:]" \
  "$(num "$work/ranks/run.json" predicted_step_s)" "$(num "$work/ctx/run.json" predicted_step_s)"
# the paper's layout (4 + 4 on 8 devices) from the tiny table: every node scaled from it
"$bin" predict --preset paper --len 30 --devices 8 --memory-gib 80 --cost "$work/cost.tsv" --out "$work/paper" \
  >"$work/out" 2>&1
rc=$?
cat "$work/out"
check "predict --preset paper --devices 8 exits 0" test "$rc" -eq 0
check "the paper's 3.7x is printed beside the prediction" grep -q "paper's 8 GPUs.*3.7x" "$work/out"
check "run.json: paper_speedup 3.7, a predicted speedup in (1, 8]" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['summary']
assert s['paper_speedup'] == 3.7 and 1 < s['predicted_speedup'] <= 8, s" "$work/paper/run.json"
# data parallel: 2 replicas, the table measured as 2 replicas on the one device
"$bin" predict "${tiny[@]}" --devices 2 --replicas 2 --measure-on cpu/1x1 --save-cost "$work/dp-cost.tsv" \
  --out "$work/dp" >"$work/out" 2>&1
rc=$?
cat "$work/out"
check "predict --replicas 2 exits 0" test "$rc" -eq 0
check "replicas: run.json says 2" grep -q '"replicas": 2' "$work/dp/run.json"
check "replicas: the all-reduce's row kernel on both devices of the predicted timeline" \
  bash -c "grep embedding_rows_set '$work/dp/timeline-predicted.tsv' | cut -f1 | sort -u | grep -cx '[01]' | grep -qx 2"
check "replicas: the host's adding of the gradients is costed (host work in the timeline)" \
  grep -q "host work: all-reduce add" "$work/dp/timeline-predicted.tsv"
check "replicas: both devices busy" python3 -c "
import json, sys
b = json.load(open(sys.argv[1]))['summary']['predicted_busy_fraction']
assert len(b) == 2 and min(b) > 0.2, b" "$work/dp/run.json"
# 4 replicas measured as 2 on the one device (where 4 copies would not fit it): the 4
# replicas' products replayed at their rows, so no product of the plan is scaled
"$bin" predict "${tiny[@]}" --devices 4 --replicas 4 --measure-replicas 2 --measure-on cpu/1x1 \
  --out "$work/dp4" >"$work/out" 2>&1
rc=$?
cat "$work/out"
check "predict --replicas 4 --measure-replicas 2 exits 0" test "$rc" -eq 0
check "  ... records it" grep -q '"measure_replicas": 2' "$work/dp4/run.json"
check "  ... every GEMM of the plan measured at its shape" python3 -c "
import csv, json, sys
rows = [r for r in csv.DictReader((l for l in open(sys.argv[1]) if not l.startswith('# ')), delimiter='\t')]
gemm = {(r['m'], r['n'], r['k'], r['ta'], r['tb']) for r in rows if r['op'] == 'gemm'}
assert any(r['m'] == '8' for r in rows if r['op'] == 'gemm'), sorted(gemm)  # 32 / 4 rows
" "$work/dp4/cost.tsv"
expect_error "--measure-replicas not below --replicas" 2 "--measure-replicas" -- \
  predict --preset tiny --devices 2 --replicas 2 --measure-replicas 2
# the replicas as MPI ranks (a host thread each): each waits for the other's reads
"$bin" predict "${tiny[@]}" --devices 2 --replicas 2 --contexts ranks --cost "$work/dp-cost.tsv" \
  --out "$work/dp-ranks" >"$work/out" 2>&1
rc=$?
cat "$work/out"
check "predict --replicas 2 --contexts ranks exits 0" test "$rc" -eq 0
check "ranks: a process each, a predicted speedup in (1, 2]" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['summary']
assert 1 < s['predicted_speedup'] <= 2, s" "$work/dp-ranks/run.json"
# the hybrid: 2 replicas of a 2-device pipeline (its table has the sharded softmax too)
"$bin" predict "${tiny[@]}" --devices 4 --replicas 2 --measure-on cpu/1x1 --save-cost "$work/hyb-cost.tsv" \
  --out "$work/hyb" >"$work/out" 2>&1
check "predict the hybrid 2 x 2 exits 0" test $? -eq 0
check "hybrid: rows on all four devices of the predicted timeline" \
  bash -c "cut -f1 '$work/hyb/timeline-predicted.tsv' | sort -u | grep -cx '[0-3]' | grep -qx 4"
# the talk's question on paper: the paper's 8 GPUs as 8 replicas and as 2 replicas of a
# 4-device pipeline, from the tiny hybrid table
for r in 8 2; do
  "$bin" predict --preset paper --len 30 --devices 8 --replicas $r --memory-gib 80 \
    --cost "$work/hyb-cost.tsv" --out "$work/paper-dp$r" >"$work/out" 2>&1
  rc=$?
  cat "$work/out"
  check "the paper's 8 devices as $r replicas predicted" test "$rc" -eq 0
done
# the micro-batched pipeline: 2 stages, 4 micro-batches in both schedules
for sch in fill-drain 1f1b; do
  "$bin" predict "${tiny[@]}" --devices 2 --micro-batches 4 --schedule $sch --measure-on cpu/1x1 \
    --out "$work/mb-$sch" >"$work/out" 2>&1
  rc=$?
  cat "$work/out"
  check "predict --micro-batches 4 --schedule $sch exits 0" test "$rc" -eq 0
  check "  ... records it" grep -q '"schedule": "'$sch'"' "$work/mb-$sch/run.json"
done
check "fill-drain and 1F1B order the same work differently" \
  bash -c "! cmp -s '$work/mb-fill-drain/timeline-predicted.tsv' '$work/mb-1f1b/timeline-predicted.tsv'"
expect_error "bad --schedule" 2 "--schedule" -- predict --preset tiny --micro-batches 2 --schedule gpipe
expect_error "replicas that do not cut the devices" 2 "--replicas 3" -- \
  predict --preset tiny --devices 2 --replicas 3 --cost "$work/dp-cost.tsv"
expect_error "the paper on devices of the table's memory does not fit" 1 "does not fit" -- \
  predict --preset paper --devices 8 --cost "$work/cost.tsv" --memory-gib 1
expect_error "--link-us alone" 2 "--link-gbs" -- predict --preset tiny --cost "$work/cost.tsv" --link-us 5
if command -v python3 >/dev/null; then
  check "run.json schema" python3 "$src/scripts/check_results.py" "$work/two/run.json"
fi

"$bin" bench pipeline "${tiny[@]}" --devices cpu/2 --whole none --out "$work/pipe" >"$work/out" 2>&1
rc=$?
cat "$work/out"
check "bench pipeline exits 0" test "$rc" -eq 0
check "bench pipeline records predicted_speedup" \
  python3 -c "import sys; assert float(sys.argv[1]) > 0" "$(num "$work/pipe/run.json" predicted_speedup)"
check "bench pipeline writes the predicted timeline" test -s "$work/pipe/timeline-predicted.tsv"
"$bin" bench pipeline "${tiny[@]}" --devices cpu/2 --replicas 2 --whole none --out "$work/pipe-dp" \
  >"$work/out" 2>&1
check "bench pipeline --replicas 2 exits 0" test $? -eq 0
check "bench pipeline --replicas 2 records both predictions" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['summary']
assert s['predicted_speedup'] > 0 and s['replicas_predicted_speedup'] > 0, s" "$work/pipe-dp/run.json"
check "  ... and the data-parallel predicted timeline" test -s "$work/pipe-dp/timeline-predicted-replicas.tsv"
"$bin" bench pipeline "${tiny[@]}" --devices cpu/2 --micro-batches 2 --whole none --out "$work/pipe-mb" \
  >"$work/out" 2>&1
check "bench pipeline --micro-batches 2 exits 0" test $? -eq 0
check "bench pipeline --micro-batches 2 records its prediction" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))['summary']
assert s['micro_predicted_speedup'] > 0 and s['micro_words_per_s'] > 0, s" "$work/pipe-mb/run.json"
"$bin" bench pipeline "${tiny[@]}" --devices cpu/2 --whole none --predict off --out "$work/nopred" \
  >"$work/out" 2>&1
check "bench pipeline --predict off exits 0" test $? -eq 0
check "--predict off: predicted_speedup null, no cost table" python3 -c "
import json, os, sys
s = json.load(open(sys.argv[1] + '/run.json'))['summary']
assert s['predicted_speedup'] is None and not os.path.exists(sys.argv[1] + '/cost.tsv'), s" "$work/nopred"
expect_error "bad --predict" 2 "--predict" -- bench pipeline --preset tiny --predict maybe

expect_error "missing cost table" 1 "$work/nope.tsv" -- predict --preset tiny --cost "$work/nope.tsv"
printf '# s2sbench cost table v1\nbogus line\n' >"$work/bad.tsv"
expect_error "corrupt cost table names its line" 1 "bad.tsv:2" -- predict --preset tiny --cost "$work/bad.tsv"
expect_error "bad --contexts" 2 "--contexts" -- predict --preset tiny --contexts some
expect_error "bad --split" 2 "--split" -- predict --preset tiny --devices 2 --split "layers=0,5;softmax=1"
exit $fail

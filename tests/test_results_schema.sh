#!/usr/bin/env bash
# The results schema (results/README.md) holds for what every writer produces now: bench
# step, bench pipeline, train, sweep (and its points), the microbenchmarks; for the
# committed fixtures and reference results; and for the tuning files. The checker itself
# must reject a record with a missing key, a wrong type, or warm-ups mixed into trials.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
chk="python3 $src/scripts/check_results.py"
. "$(dirname "$0")/cli_lib.sh"
command -v python3 >/dev/null || { echo "python3 is not installed: skipping"; exit 77; }
require_device
tiny="--preset tiny"

"$bin" bench step $tiny --len 4 --trials 2 --out "$work/step" >/dev/null || fail=1
"$bin" bench pipeline $tiny --devices cpu/2 --len 4 --trials 2 --out "$work/pipe" >/dev/null || fail=1
"$bin" bench pipeline $tiny --devices cpu/2 --replicas 2 --micro-batches 2 --schedule 1f1b \
  --predict off --len 4 --trials 2 --out "$work/pipe-dp" >/dev/null || fail=1
"$bin" train $tiny --task copy --max-len 5 --steps 20 --log-every 5 --eval-every 10 --quiet \
  --out "$work/train" >/dev/null || fail=1
"$bin" sweep --devices "cpu/1 cpu/2" --presets tiny --lens 3 --trials 2 --out "$work/sweep" \
  >/dev/null || fail=1
"$bin" bench gemm $tiny --len 3 --square 32 --trials 2 --out "$work/gemm" >/dev/null || fail=1
"$bin" bench transfer $tiny --len 3 --trials 2 --out "$work/transfer" >/dev/null || fail=1
for d in step pipe pipe-dp train sweep gemm transfer; do
  check "schema: $d" $chk "$work/$d"
done
check "bench pipeline: trials interleaved, against both baselines" \
  grep -q '"speedup_vs_whole_min"' "$work/pipe/run.json"
check "bench pipeline: whole-device trials kept" grep -q '^whole	trial' "$work/pipe/trials.tsv"
check "bench pipeline --replicas 2: data parallel beside the pipeline" \
  grep -q '"replicas_vs_pipeline_min"' "$work/pipe-dp/run.json"
check "bench pipeline --replicas 2: its trials kept" grep -q '^replicas	trial' "$work/pipe-dp/trials.tsv"
check "bench pipeline --micro-batches 2: micro-batched beside the pipeline" \
  grep -q '"micro_vs_pipeline_min"' "$work/pipe-dp/run.json"
check "bench pipeline --micro-batches 2: its trials kept" grep -q '^micro_batches	trial' "$work/pipe-dp/trials.tsv"
check "schema: committed fixtures" $chk "$src"/tests/fixtures/results/*/
refs=$(find "$src/results" -mindepth 2 -maxdepth 3 \( -name run.json -o -name sweep.json \) \
       -not -path '*/local/*' -not -path '*/points/*' | xargs -r -n1 dirname)
if [ -n "$refs" ]; then check "schema: committed reference results, all from clean trees" $chk --require-clean $refs; fi
tun=$(ls "$src"/results/tuning/*.json 2>/dev/null)
if [ -n "$tun" ]; then check "schema: tuning files" $chk $tun; fi

# the checker can fail
bad() { # bad NAME SED-EXPRESSION [FILE]: the edited copy of the step record must be refused
  rm -rf "$work/bad" && cp -r "$work/step" "$work/bad"
  sed -i "$2" "$work/bad/${3:-run.json}"
  if $chk "$work/bad" >/dev/null 2>&1; then echo "FAIL checker accepts $1"; fail=1
  else echo "ok   checker refuses $1"; fi
}
# provenance: --require-clean refuses a record from a dirty tree and accepts a clean one
rm -rf "$work/prov" && cp -r "$work/step" "$work/prov"
sed -i 's/"git_commit": "[^"]*"/"git_commit": "0123456789ab-dirty"/; s/"git_tree_clean": true/"git_tree_clean": false/' "$work/prov/run.json"
if $chk --require-clean "$work/prov" >/dev/null 2>&1; then echo "FAIL --require-clean accepts a dirty record"; fail=1
else echo "ok   --require-clean refuses a dirty record"; fi
sed -i 's/"git_commit": "[^"]*"/"git_commit": "0123456789ab"/; s/"git_tree_clean": false/"git_tree_clean": true/' "$work/prov/run.json"
check "--require-clean accepts a clean record" $chk --require-clean "$work/prov"
check "records say whether the tree was clean" grep -q '"git_tree_clean": ' "$work/step/run.json"
bad "a missing key" '/"git_commit"/d'
bad "a wrong type" 's/"schema_version": 1/"schema_version": "1"/'
bad "another schema version" 's/"schema_version": 1/"schema_version": 2/'
bad "a bad date" 's/"date": "\([0-9-]*\)T/"date": "\1 /'
bad "no warm-up rows" '/^warmup/d' trials.tsv
bad "a truncated file" '$d'
exit $fail

#!/usr/bin/env bash
# The microbenchmarks at tiny sizes: `bench gemm|lstm|softmax|transfer` run, every case's
# output check passes before a rate is reported, the rates are positive numbers, GEMMs are
# also timed with tuned parameters when a tuning file exists for the device, and a failed
# check withholds the numbers.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/cli_lib.sh"
require_device
export S2S_TUNING_DIR=$work/tuning # no tuning unless this test writes one
tiny="--preset tiny --len 5 --trials 3"

# column COL of cases.tsv, one value per line
col() { awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { print $k }' "$1/cases.tsv"; }
all_passed() { ! col "$1" check | grep -vqx passed && [ -n "$(col "$1" check)" ]; }
positive() { col "$1" "$2" | awk '!($1 > 0) { bad = 1 } END { exit bad || NR == 0 }'; }

for kind in gemm lstm softmax transfer; do
  extra=""
  [ $kind = gemm ] && extra="--square 64"
  [ $kind = transfer ] && extra="--devices cpu/2"
  "$bin" bench $kind $tiny $extra --out "$work/$kind" >"$work/$kind.out" 2>&1; rc=$?
  cat "$work/$kind.out"
  check "bench $kind exits 0" test "$rc" -eq 0
  check "bench $kind: every output check passed" all_passed "$work/$kind"
  case $kind in
    transfer) check "bench transfer: GB/s positive" positive "$work/$kind" gbps ;;
    *) check "bench $kind: GFLOP/s positive" positive "$work/$kind" gflops
       check "bench $kind: GB/s positive" positive "$work/$kind" gbps ;;
  esac
done
check "gemm: the step's shapes and the square" \
  test "$(col "$work/gemm" case | sort -u | tr '\n' ' ')" = \
       "gates_dh gates_dw gates_dx gates_h gates_x softmax_dh softmax_dw softmax_fwd square "
check "gemm: no tuning file, no tuned rows" bash -c "! grep -q tuned '$work/gemm/cases.tsv'"
check "transfer: d2d between the two sub-devices" grep -q 'd2d	' "$work/transfer/cases.tsv"
check "transfer: h2d, d2h for each size" test "$(col "$work/transfer" variant | grep -c '^h2d$')" -eq 6

# with a tuning file for the device (CLBlast's default XgemmDirect values), GEMMs are timed
# twice, and the tuned ones are checked too
# its name as `devices` prints it: the slug of the device name, plus the host ISA on a CPU
slug=$("$bin" devices | awk '/^      tuning file / { print $3; exit }' | sed 's|.*/||; s|\.json$||')
check "devices names the tuning file" test -n "$slug"
mkdir -p "$S2S_TUNING_DIR"
cat >"$S2S_TUNING_DIR/$slug.json" <<'EOF'
{"schema_version": 1, "kind": "tuning", "device": {"name": "test"},
 "kernels": [{"kernel": "XgemmDirect", "m": 64, "n": 64, "k": 64, "time_ms": 1,
   "parameters": {"KWID": 2, "MDIMAD": 8, "MDIMCD": 8, "NDIMBD": 8, "NDIMCD": 8,
                  "PADA": 1, "PADB": 1, "VWMD": 1, "VWND": 1, "WGD": 8}}]}
EOF
"$bin" bench gemm $tiny --square 64 --out "$work/gemm2" >"$work/gemm2.out" 2>&1; rc=$?
cat "$work/gemm2.out"
check "tuned gemm exits 0" test "$rc" -eq 0
check "tuned rows for every shape" test "$(col "$work/gemm2" variant | grep -c '^tuned$')" -eq 9
check "tuned rows checked too" all_passed "$work/gemm2"
check "the note names the tuning file" grep -q "$slug.json" "$work/gemm2/run.json"
S2S_TUNING=off "$bin" bench gemm $tiny --square 64 --out "$work/gemm3" >/dev/null 2>&1
check "S2S_TUNING=off: default only" bash -c "! grep -q tuned '$work/gemm3/cases.tsv'"

# a tuning file CLBlast refuses (a parameter missing) is an error, not a silent default
sed -i 's/"KWID": 2, //' "$S2S_TUNING_DIR/$slug.json"
"$bin" bench gemm $tiny --square 64 >/dev/null 2>"$work/err"; rc=$?
check "refused tuning file: exit 1 with the reason" \
  bash -c "test $rc -eq 1 && grep -q 'refused the XgemmDirect parameters' '$work/err'"

if command -v python3 >/dev/null; then
  check "results schema" python3 "$src/scripts/check_results.py" "$work/gemm" "$work/lstm" \
    "$work/softmax" "$work/transfer" "$work/gemm2"
fi
exit $fail

#!/usr/bin/env bash
# The numpy peer of bench gemm (bench/peers/numpy_gemm.py) at tiny shapes: the same cases
# and shapes as `s2sbench bench gemm`, a record scripts/check_results.py accepts, numbers
# withheld when a product is wrong, and the checker refusing a broken peer record. The
# peers' presets must be model/config.c's (as s2sbench's help prints them). numpy comes
# into build/venv as a dependency of sacreBLEU (scripts/setup.sh); skips (exit 77) when no
# python3 can import it. The PyTorch peer needs torch (scripts/setup-peers.sh), not here.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/cli_lib.sh"
py=python3
[ -x "$src/build/venv/bin/python" ] && py=$src/build/venv/bin/python
"$py" -c 'import numpy' 2>/dev/null || { echo "no python3 with numpy: skipping"; exit 77; }
chk="python3 $src/scripts/check_results.py"
peer="$py $src/bench/peers/numpy_gemm.py --preset tiny --len 3 --square 32 --trials 2 --threads 1"

check "presets equal model/config.c's" "$py" - "$src/bench/peers" <<PY
import sys
sys.path.insert(0, sys.argv[1])
import run_record as rr
help_text = """$("$bin" bench gemm --help)"""
table, rows = {}, False
for line in help_text.splitlines():  # the table: flag, unit, tiny, small, paper
    f = line.split()
    if f[:1] == ["flag"] and f[-3:] == ["tiny", "small", "paper"]:
        rows = True
    elif rows and len(f) >= 5 and f[0].startswith("--") and f[1] == "N":
        table[f[0][2:].replace("-", "_")] = f[-3:]
bad = 0
for i, name in enumerate(("tiny", "small", "paper")):
    c = {**rr.PRESETS[name], **rr.OPTIMISER}
    for k, v in table.items():
        if float(v[i]) != float(c.get(k, "nan")):
            print(f"{name} {k}: s2sbench {v[i]}, peers {c.get(k)}")
            bad = 1
sys.exit(bad if len(table) == 14 else 1)
PY

$peer --out "$work/gemm" >"$work/out" 2>&1 || { cat "$work/out"; fail=1; }
check "the peer's record conforms" $chk "$work/gemm"
check "kind peer numpy gemm" grep -q '"kind": "peer numpy gemm"' "$work/gemm/run.json"
check "terminal.txt is what it printed" diff "$work/out" "$work/gemm/terminal.txt"
check "every case checked and passed" test "$(cut -f12 "$work/gemm/cases.tsv" | sort | uniq -c |
  awk '{print $1, $2}' | tr '\n' ' ')" = "1 check 9 passed "
check "the threads asked for" grep -q '"threads": 1,' "$work/gemm/run.json"
# the peak of those threads from /proc/cpuinfo: lanes x 2 x FMA units x the clock
check "the estimated peak of 1 thread, with its basis" "$py" -c '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
clock = any(l.startswith("cpu MHz") for l in open("/proc/cpuinfo"))
ok = (s["peak_gflops"] > 0 and s["peak_basis"].startswith("1 core x ")) if clock else \
    (s["peak_gflops"] is None and s["peak_basis"])
sys.exit(0 if ok else 1)' "$work/gemm/run.json"
check "no temporary file left" test -z "$(ls "$work/gemm" | grep '\.tmp$')"
# the shapes are bench gemm's, case by case (R = N rows: tiny fits every device); without
# an OpenCL device the rest still runs, and the test ends skipped (77) if all else passed
nodevice=0
if ! "$bin" devices >/dev/null 2>&1; then
  echo "no OpenCL device: shapes not compared with s2sbench bench gemm"; nodevice=1
elif "$bin" bench gemm --preset tiny --len 3 --square 32 --trials 1 --tuning off \
     --out "$work/c" >/dev/null 2>&1; then
  check "the cases and shapes of s2sbench bench gemm" \
    diff <(cut -f1,3,5,6 "$work/c/cases.tsv") <(cut -f1,3,5,6 "$work/gemm/cases.tsv")
else
  echo "FAIL s2sbench bench gemm did not run: shapes not compared"; fail=1
fi
# softmax rows capped as bench gemm caps them for a small max_alloc: 4 B x 2 x R x V
$peer --square 0 --max-alloc 40000 >"$work/capped" 2>&1 || fail=1
check "--max-alloc caps the softmax rows (R = 64 of N = 96)" \
  grep -q 'softmax_dw *openblas 64x64x64 TN' "$work/capped"

# a wrong product: exit 1, the check says failed, its numbers are withheld, the record
# still conforms (the raw trials stay)
(cd "$src/bench/peers" && "$py" - --preset tiny --len 3 --square 0 --trials 2 \
  --out "$work/wrong" <<'PY') >"$work/wrong.out" 2>&1
import sys
import numpy
import numpy_gemm
right = numpy.matmul
def wrong(a, b, out):
    right(a, b, out=out)
    out += 1.0
    return out
numpy.matmul = wrong
sys.argv[0] = "numpy_gemm.py"
sys.exit(numpy_gemm.main())
PY
check "a wrong product fails the run (exit 1)" test $? -eq 1
check "a wrong product is reported" grep -q 'FAILED (err' "$work/wrong.out"
check "a wrong product's record conforms" $chk "$work/wrong"
check "its numbers are withheld" "$py" -c '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
sys.exit(s["output_check_passed"] or any("seconds_median" in c or c["check"] != "failed"
                                         for c in s["cases"]))' "$work/wrong/run.json"

# the checker refuses a broken peer record
bad() { # bad FOLDER NAME SED-EXPRESSION [FILE]: the edited copy of FOLDER must be refused
  rm -rf "$work/bad" && cp -r "$1" "$work/bad" || { echo "FAIL no $1"; fail=1; return; }
  sed -i "$3" "$work/bad/${4:-run.json}"
  if $chk "$work/bad" >/dev/null 2>&1; then echo "FAIL checker accepts $2"; fail=1
  else echo "ok   checker refuses $2"; fi
}
g=$work/gemm
bad "$g" "a missing BLAS version" '/"blas_version"/d'
bad "$g" "a missing git_tree_clean" '/"git_tree_clean"/d'
bad "$g" "a device without threads" '0,/"threads": 1,/{/"threads": 1,/d}'
bad "$g" "a case without its median" '0,/"seconds_median"/{/"seconds_median"/d}'
bad "$g" "no warm-up rows" '/	warmup	/d' trials.tsv
bad "$g" "a truncated cases.tsv" '$d' cases.tsv
rm -rf "$work/bad" && cp -r "$g" "$work/bad" && rm "$work/bad/terminal.txt"
if $chk "$work/bad" >/dev/null 2>&1; then echo "FAIL checker accepts no terminal.txt"; fail=1
else echo "ok   checker refuses no terminal.txt"; fi
# the committed PyTorch peer record (tests/fixtures/results) and broken copies of it
p=$src/tests/fixtures/results/peer-pytorch-step-tiny
check "schema: the PyTorch peer's fixture" $chk "$p"
bad "$p" "a PyTorch record without torch's version" '/"torch": /d'
bad "$p" "a PyTorch record without its GFLOP/s" '/"achieved_gflops"/d'
bad "$p" "a PyTorch record without gflops in trials.tsv" 's/\tgflops$//' trials.tsv
[ "$fail" = 0 ] && [ "$nodevice" = 1 ] && exit 77
exit $fail

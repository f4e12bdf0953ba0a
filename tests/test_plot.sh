#!/usr/bin/env bash
# `s2sbench plot`: every figure type renders from the committed sample results
# (tests/fixtures/results: a tiny sweep, a bench pipeline run, a training run with dev
# evaluations, a bench decode run, a bench gemm run with default and tuned parameters,
# and, made here, a BLAS peer's record and step_vendors.sh's summary.tsv) in
# PNG, PDF and SVG, and each file is valid (signature, header or root element, size).
# Also: dev BLEU is drawn when train.tsv has it, dev perplexity otherwise; several runs
# share a figure; a missing gnuplot is a clear error.
set -u
bin=$1
src=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
fx=$src/tests/fixtures/results
. "$(dirname "$0")/cli_lib.sh"
command -v gnuplot >/dev/null || { echo "gnuplot is not installed: skipping"; exit 77; }

valid() { # valid FILE: the format its extension names, and more than a blank canvas
  local f=$1
  [ -s "$f" ] && [ "$(stat -c %s "$f")" -gt 2000 ] || return 1
  case $f in
    *.png) [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ;;
    *.pdf) [ "$(head -c 5 "$f")" = "%PDF-" ] && tail -c 64 "$f" | grep -q '%%EOF' ;;
    *.svg) grep -q '<svg' "$f" && grep -q '</svg>' "$f" ;;
    *) return 1 ;;
  esac
}

"$bin" plot "$fx/sweep-tiny" "$fx/pipeline-tiny" "$fx/train-tiny" "$fx/decode-tiny" \
  "$fx/gemm-tiny" --out "$work/fig" --format png,pdf,svg >"$work/out" 2>&1; rc=$?
cat "$work/out"
check "plot exits 0" test "$rc" -eq 0
for fig in speedup words_per_s timeline-1 timeline-2 bleu_steps bleu_time bleu_epochs ppl_epochs bleu_beam gemm; do
  for ext in png pdf svg; do
    check "$fig.$ext is a valid $ext" valid "$work/fig/$fig.$ext"
  done
done
check "no temporary files left" test -z "$(find "$work/fig" -name '*.tmp')"
# three series: the sweep's default split, its other split, the bench pipeline run; each
# starts from its 1-device baseline at speedup 1
check "speedup data has three series" test "$(grep -c '^# devices' "$work/fig/data/scaling.tsv")" -eq 3
check "each series starts at 1 device, speedup 1" \
  test "$(grep -c '^1	1.0000' "$work/fig/data/scaling.tsv")" -eq 3
check "speedup bars: every point's range brackets it (columns 7, 8)" awk -F'\t' '
  /^[0-9]/ { n++; if (!($7 <= $2 + 1e-9 && $2 <= $8 + 1e-9)) bad = 1; if ($8 > $7) wide++ }
  END { exit !(n > 0 && !bad && wide > 0) }' "$work/fig/data/scaling.tsv"
# the same split on devices of one item (cpu/2) and of several (a context or rank each):
# separate series, each named by its spec
mkdir -p "$work/mixed"
cp -r "$fx/sweep-tiny/points" "$work/mixed/"
python3 - "$fx/sweep-tiny/sweep.json" "$work/mixed/sweep.json" <<'EOF'
import copy, json, sys
j = json.load(open(sys.argv[1]))
p = copy.deepcopy([q for q in j["points"] if q["devices"] == 2 and q["split_given"] == "default"][0])
p["device_spec"], p["speedup"] = "cpu/1x1,cpu/1x1", 1.5
j["points"].append(p)
json.dump(j, open(sys.argv[2], "w"))
EOF
"$bin" plot "$work/mixed" --out "$work/figm" --format svg >"$work/outm" 2>&1
check "one item and several: three series (two splits, one of them twice)" test "$(grep -c '^# devices' "$work/figm/data/scaling.tsv")" -eq 3
check "... the several-item series named by its spec" grep -q 'default split, cpu/1x1,cpu/1x1' "$work/figm/speedup.svg"
check "... and its own speedup" grep -q $'^2\t1.5000' "$work/figm/data/scaling.tsv"
check "gemm data has default and tuned series" \
  bash -c "head -1 '$work/fig/data/gemm.tsv' | grep -q series2"
check "training draws dev BLEU" grep -q 'dev_bleu' "$work/fig/data/training.tsv"

# a BLAS peer's record (numpy_gemm.py: kind peer numpy gemm, variant openblas, the peak
# estimate) lands on the gemm figure beside bench gemm's, its peak as a line; the words/s
# per platform of step_vendors.sh's summary.tsv is the vendors figure
mkdir -p "$work/peer"
python3 - "$fx/gemm-tiny" "$work/peer" <<'EOF2'
import json, sys
src, dst = sys.argv[1:]
r = json.load(open(f"{src}/run.json"))
r["kind"] = "peer numpy gemm"
r["devices"][0]["driver"] = "numpy 2, scipy-openblas 0.3"
r["summary"]["peak_gflops"], r["summary"]["peak_basis"] = 432.5, "2 cores x 16 lanes x ..."
json.dump(r, open(f"{dst}/run.json", "w"))
lines = open(f"{src}/cases.tsv").read().splitlines()
with open(f"{dst}/cases.tsv", "w") as f:
    f.write(lines[0] + "\n")
    for l in lines[1:]:
        c = l.split("\t")
        if c[1] == "default":
            c[1] = "openblas"
            f.write("\t".join(c) + "\n")
EOF2
mkdir -p "$work/vendors"
printf 'run\tplatform\twords_per_s_min\twords_per_s_median\twords_per_s_max\trounds\tlabel\n%s\n%s\n%s\n' \
  $'step-0-tuning-on\tPortable Computing Language\t1500\t1550\t1600\t3\tPoCL 3.1, tuned' \
  $'step-1-tuning-off\tIntel(R) OpenCL\t1700\t1720\t1760\t3\tIntel(R) OpenCL 2026, CLBlast defaults' \
  $'peer-pytorch-step\tIntel(R) Xeon(R) Processor\t6000\t7600\t8200\t3\tPyTorch 2.15 (mkl)' \
  >"$work/vendors/summary.tsv"
"$bin" plot "$work/vendors" "$fx/gemm-tiny" "$work/peer" --out "$work/figp" --format svg,png \
  >"$work/outp" 2>&1; rc=$?
cat "$work/outp"
check "peer and vendors plot exits 0" test "$rc" -eq 0
check "gemm: default, tuned and the peer's series" \
  bash -c "head -1 '$work/figp/data/gemm.tsv' | grep -q series3"
check "... the peer named by its BLAS" grep -q 'openblas' "$work/figp/gemm.svg"
check "... the peak drawn" grep -q 'peak (estimate) 432' "$work/figp/gemm.svg"
check "vendors.svg and .png valid" bash -c "$(declare -f valid); valid '$work/figp/vendors.svg' && valid '$work/figp/vendors.png'"
check "... a bar per row, labelled" bash -c "test \$(grep -vc '^#' '$work/figp/data/vendors.tsv') -eq 3 && grep -q 'PyTorch 2.15 (mkl)' '$work/figp/vendors.svg'"
check "... median, min, max in the data" grep -q $'^PoCL 3.1, tuned\t1550\t1500\t1600$' "$work/figp/data/vendors.tsv"
# bench/vendors/vendors_summary.sh: summary.tsv and the figures from a step_vendors folder's
# records alone (rounds of a platform tuned, and the PyTorch peer)
vs=$work/vend
python3 - "$fx/peer-pytorch-step-tiny/run.json" "$vs" <<'EOF2'
import json, os, sys
src, out = sys.argv[1:]
for run, r, w, plat, drv in (("step-0-tuning-on", 1, 100.0, "Portable Computing Language", "3.1+debian"),
                             ("step-0-tuning-on", 2, 300.0, "Portable Computing Language", "3.1+debian"),
                             ("peer-pytorch-step", 1, 500.0, None, None)):
    j = json.load(open(src))
    j["summary"]["words_per_s"] = w
    if plat:
        j["devices"][0]["platform"], j["devices"][0]["driver"] = plat, drv
    os.makedirs(f"{out}/{run}/round{r}")
    json.dump(j, open(f"{out}/{run}/round{r}/run.json", "w"))
EOF2
printf 'platforms: 0:0\n' >"$vs/summary.txt"
S2SBENCH=$bin "$src/bench/vendors/vendors_summary.sh" "$vs" >"$work/outv" 2>&1; rc=$?
check "vendors_summary.sh exits 0 (exit $rc)" test "$rc" -eq 0
check "... min, median, max over the rounds, a short label" \
  grep -q $'^step-0-tuning-on\tPortable Computing Language\t100\t200\t300\t2\tPoCL 3.1, tuned$' "$vs/summary.tsv"
check "... the peer's row and its share in summary.txt" \
  bash -c "grep -q '^peer-pytorch-step' '$vs/summary.tsv' && grep -q 'step-0-tuning-on .* 0.40' '$vs/summary.txt' && head -1 '$vs/summary.txt' | grep -q platforms"
check "... the vendors figure" valid "$vs/figures/vendors.svg"

# without dev_bleu values (an older train.tsv, or no BLEU evaluation) dev perplexity is drawn
mkdir -p "$work/ppl"
cp "$fx/train-tiny/run.json" "$work/ppl/"
cut -f1-12 "$fx/train-tiny/train.tsv" >"$work/ppl/train.tsv"
"$bin" plot "$work/ppl" "$fx/train-tiny" --out "$work/fig2" --format svg >"$work/out2" 2>&1; rc=$?
check "perplexity plot exits 0" test "$rc" -eq 0
check "falls back to dev perplexity" grep -q 'dev_perplexity' "$work/fig2/data/training.tsv"
check "bleu_time.svg valid" valid "$work/fig2/bleu_time.svg"
"$bin" plot "$work/ppl" --format png >/dev/null 2>&1
check "default output folder RESULT_DIR/figures" valid "$work/ppl/figures/bleu_steps.png"

# errors
"$bin" plot "$fx/sweep-tiny" --gnuplot /nonexistent/gnuplot --out "$work/x" >/dev/null 2>"$work/err"; rc=$?
check "missing gnuplot: exit 1 and says so" bash -c "test $rc -eq 1 && grep -q 'install gnuplot' '$work/err'"
"$bin" plot "$work/nothing-here" >/dev/null 2>"$work/err"; rc=$?
check "missing folder: exit 2" bash -c "test $rc -eq 2 && grep -q 'not a result folder' '$work/err'"
"$bin" plot "$fx/sweep-tiny" --format gif --out "$work/x" >/dev/null 2>"$work/err"; rc=$?
check "bad format: exit 2" test "$rc" -eq 2
mkdir -p "$work/empty"
"$bin" plot "$work/empty" --out "$work/x" >/dev/null 2>"$work/err"; rc=$?
check "nothing to plot: exit 1" bash -c "test $rc -eq 1 && grep -q 'nothing to plot' '$work/err'"
# a training run without --eval-every (the README's first example) still has its curve,
# the training perplexity, and a figure, with no gnuplot error
"$bin" train --preset tiny --task copy --max-len 5 --steps 20 --log-every 5 --quiet \
  --out "$work/noeval" >/dev/null 2>&1
"$bin" plot "$work/noeval" --out "$work/fig-noeval" --format png >"$work/out" 2>&1; rc=$?
check "plot of a run without dev evaluations exits 0 (exit $rc)" test "$rc" -eq 0
check "... draws the training perplexity" valid "$work/fig-noeval/bleu_steps.png"
check "... without gnuplot errors" bash -c "! grep -qi 'invalid\|error' '$work/out'"
# a corrupt record is an error that names the file
cp -r "$work/noeval" "$work/corrupt"
printf '{"kind": "train", "summ' >"$work/corrupt/run.json"
"$bin" plot "$work/corrupt" --out "$work/fig-corrupt" >"$work/out" 2>&1; rc=$?
check "a corrupt run.json: exit 1 (got $rc)" test "$rc" -eq 1
check "... naming the file" grep -q "$work/corrupt/run.json" "$work/out"
exit $fail

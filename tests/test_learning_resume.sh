#!/usr/bin/env bash
# The reference learning run's script (bench/learning/enfr_small.sh) on a short run: the
# tiny preset on the fixture corpus (dev doubling as test, one placeholder), evaluated every
# half epoch. Run once uninterrupted, once stopped by SIGTERM mid-training and rerun: the
# resumed run's curve (every column but the clocks) and its test hypotheses equal the
# uninterrupted run's; the record has the restored test split, beams 1 and 2, their BLEU
# lines and a summary that counts the segments.
set -u
bin=$1
src="${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
. "$(dirname "$0")/cli_lib.sh"
require_device
data=$work/data
mkdir -p "$data"
cp "$src"/tests/fixtures/data/enfr/{train,dev}.{en,fr} "$data/"
cp "$data/dev.en" "$data/test.en"
cp "$data/dev.fr" "$data/test.fr"
line=$(grep -n '⟨ph1⟩' "$data/test.en" | head -n 1 | cut -d: -f1)
printf 'line\tside\ttoken\toriginal\n%s\ten\t⟨ph1⟩\t%%s\n' "$line" >"$data/test.mask.tsv"
export S2SBENCH=$bin S2S_LEARN_DATA=$data S2S_LEARN_DEVICES=cpu S2S_LEARN_BEAMS=1,2
export S2S_LEARN_MODEL="--preset tiny --max-len 16 --cache-dir $work/cache"
export S2S_LEARN_EXTRA="--steps 120" S2S_LEARN_CKPT_EVERY=7 S2S_LEARN_LOG_EVERY=3
export SACREBLEU=${SACREBLEU:-$src/build/venv/bin/sacrebleu}
script=$src/bench/learning/enfr_small.sh

bash "$script" "$work/a" >"$work/a.log" 2>&1 || { cat "$work/a.log"; fail=1; }

# the same run, stopped by SIGTERM once a few rows are out, then rerun to the end
bash "$script" "$work/b" >"$work/b1.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [ "$(cat "$work/b/train.tsv.partial" 2>/dev/null | wc -l)" -ge 12 ] && break
  sleep 0.05
done
pkill -TERM -f "s2sbench train .*--out $work/b " || true
wait "$pid"
rc=$?
check "the stopped run exits 143 (SIGTERM after its step and checkpoint)" test "$rc" -eq 143
check "the stopped run left a checkpoint" test -f "$work/b/model.ckpt"
bash "$script" "$work/b" >"$work/b2.log" 2>&1 || { cat "$work/b2.log"; fail=1; }
check "the rerun resumed from the checkpoint" grep -q "resuming from model.ckpt" "$work/b2.log"

curve() { # every column of train.tsv but the clocks
  python3 - "$1" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for r in rows:
    print("\t".join(v for k, v in r.items()
                    if k not in ("words_per_s", "elapsed_s", "train_s")))
EOF
}
check "the resumed curve equals the uninterrupted one" \
  cmp -s <(curve "$work/a/train.tsv") <(curve "$work/b/train.tsv")
check "the resumed run's clocks go on (elapsed_s and train_s never fall)" python3 - "$work/b/train.tsv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for col in ("elapsed_s", "train_s"):
    v = [float(r[col]) for r in rows]
    assert all(b >= a for a, b in zip(v, v[1:])), (col, v)
EOF
check "the curve has dev BLEU every half epoch" python3 - "$work/a/train.tsv" "$work/a/run.json" <<'EOF'
import csv, json, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if r["dev_bleu"]]
epochs = [float(r["epoch"]) for r in rows]
assert len(epochs) >= 4, epochs
gaps = [round(b - a, 3) for a, b in zip(epochs, epochs[1:-1])]
assert all(abs(g - 0.5) < 0.26 for g in gaps), gaps
EOF
for k in 1 2; do
  check "beam $k hypotheses equal after the resume" cmp -s "$work/a/test.beam$k.hyp" "$work/b/test.beam$k.hyp"
  check "beam $k: one hypothesis per test line" \
    test "$(wc -l <"$work/a/test.beam$k.hyp")" -eq "$(wc -l <"$data/test.fr")"
  check "beam $k: our BLEU line equals sacreBLEU's" python3 - "$work/a/test.beam$k.bleu" <<'EOF'
import sys
lines = dict(l.split(":", 1) for l in open(sys.argv[1]).read().splitlines())
assert lines["s2sbench bleu"].strip() == lines["sacrebleu"].strip(), lines
EOF
done
check "the placeholder is restored in the test source" grep -q '%s' "$work/a/test.src.en"
check "no placeholder token left in the test source" test "$(grep -c '⟨' "$work/a/test.src.en")" -eq 0
check "the summary counts two segments for the resumed run" \
  grep -q "2 training segments (resumed 1 times)" "$work/b/summary.txt"
check "the summary has the beam table" grep -qE "^ +2 +[0-9.]+ " "$work/a/summary.txt"
exit $fail

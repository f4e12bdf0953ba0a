#!/usr/bin/env bash
# `s2sbench train` on a corpus: --data on the fixture trains and reports OOV/padding in
# run.json, the second run reads the token-id cache, a truncated cache is rebuilt, bad inputs
# (flags, line counts, UTF-8, a million-character line) give clear errors or counted skips,
# and a checkpoint from other data (another tokenization = another vocabulary) is refused.
set -u
bin=$1
src="${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
fix="$src/tests/fixtures/data/enfr"
. "$(dirname "$0")/cli_lib.sh"
require_device
tiny="--preset tiny --max-len 16 --cache-dir $work/cache"

# a run on the fixture corpus, then the same run from the cache
"$bin" train $tiny --data "$fix" --tokenize --steps 5 --eval-every 5 --out "$work/a" \
  2>"$work/a.err" || { cat "$work/a.err"; fail=1; }
check "first run builds the cache" grep -q "token ids cached in" "$work/a.err"
check "OOV rate on the terminal" grep -qE "OOV [0-9.]+% source" "$work/a.err"
check "skips counted (1 empty, 1 over 16 words)" \
  grep -q "skipped 1 with an empty side, 1 over 16 words" "$work/a.err"
check "run.json reports OOV, padding, cache" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["source"] == "corpus" and d["cache_hit"] is False
assert d["train"]["pairs"] == 48 and d["train"]["skipped_empty"] == 1
assert 0 < d["train"]["src_oov_rate"] < 1 and 0 < d["dev"]["tgt_oov_rate"] < 1
assert 0 < d["padding_efficiency"] <= 1' "$work/a/run.json"
check "train.tsv has dev perplexity" awk -F'\t' 'NR == 2 && $11 > 0 {ok = 1} END {exit !ok}' "$work/a/train.tsv"
"$bin" train $tiny --data "$fix" --tokenize --steps 5 --out "$work/b" 2>"$work/b.err" || fail=1
check "second run reads the cache" grep -q "token ids from cache" "$work/b.err"
check "same loss from the cache" cmp -s <(cut -f4 "$work/a/train.tsv" | sed -n 2p) \
  <(cut -f4 "$work/b/train.tsv" | sed -n 2p)
for f in "$work"/cache/*.ids; do head -c 1000 "$f" >"$f.x" && mv "$f.x" "$f"; done
"$bin" train $tiny --data "$fix" --tokenize --steps 2 2>"$work/c.err" || fail=1
check "truncated cache: reported and rebuilt" grep -q "truncated.*rebuilding" "$work/c.err"
"$bin" train $tiny --train-src "$fix/train.en" --train-tgt "$fix/train.fr" --steps 2 --quiet \
  || { echo "FAIL explicit files without dev"; fail=1; }

# flags
expect_error "--data and --task" 2 "exclude" -- train $tiny --data "$fix" --task copy
expect_error "no such folder" 2 "train.en" -- train $tiny --data "$work/none"
expect_error "half a pair" 2 "--train-tgt" -- train $tiny --train-src "$fix/train.en"
expect_error "one dev file" 2 "--dev-tgt" -- train $tiny --train-src "$fix/train.en" \
  --train-tgt "$fix/train.fr" --dev-src "$fix/dev.en"
expect_error "bad language" 2 "'Klingon'" -- train $tiny --data "$fix" --src-lang Klingon
expect_error "no data at all" 2 "--data DIR" -- train $tiny --steps 1

# bad files: line counts, UTF-8, a million-character line (skipped), nothing left
mkdir -p "$work/d"
printf 'one\ntwo\nthree\n' >"$work/d/train.en"; printf 'un\ndeux\n' >"$work/d/train.fr"
expect_error "line counts" 1 "train.en' has 3 lines but '$work/d/train.fr' has 2" -- \
  train $tiny --data "$work/d" --steps 1
printf 'un\ndeux\ntrois\n' >"$work/d/train.fr"
printf 'one\nt\xffo\nthree\n' >"$work/d/train.en"
expect_error "invalid UTF-8" 1 "$work/d/train.en:2: invalid UTF-8" -- train $tiny --data "$work/d" --steps 1
{ echo one; head -c 1000000 /dev/zero | tr '\0' 'x'; echo; echo three; } >"$work/d/train.en"
"$bin" train $tiny --data "$work/d" --steps 2 2>"$work/e.err" || { cat "$work/e.err"; fail=1; }
check "million-character line skipped and counted" grep -q "2 pairs (3 read; skipped 0 with an empty side, 1 over 16" "$work/e.err"
printf '\n\n' >"$work/d/train.en"; printf 'a\nb\n' >"$work/d/train.fr"
expect_error "nothing left" 1 "no training pair left" -- train $tiny --data "$work/d" --steps 1

# checkpoints carry the data hash: resume on the same corpus works, on another is refused
"$bin" train $tiny --data "$fix" --tokenize --steps 3 --quiet --checkpoint "$work/ck.bin" || fail=1
check "checkpoint carries both vocabularies" grep -qa S2SVPAIR "$work/ck.bin"
"$bin" train $tiny --data "$fix" --tokenize --steps 4 --quiet --resume "$work/ck.bin" || \
  { echo "FAIL resume on the same corpus"; fail=1; }
expect_error "resume on other data" 1 "trained on other data" -- train $tiny --data "$fix" \
  --steps 4 --resume "$work/ck.bin"
expect_error "resume a synthetic checkpoint" 1 "trained on other data" -- train $tiny \
  --task copy --steps 4 --resume "$work/ck.bin"
exit $fail

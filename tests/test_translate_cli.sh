#!/usr/bin/env bash
# `s2sbench translate` and `s2sbench bench decode` contract: flag and input errors are
# refused with a reason, corrupt checkpoints with the checkpoint module's messages; the
# device decoder writes the same translations as the CPU reference decoder (beams 1 and 3,
# length normalisation, a short max length); an empty input line gives an empty output
# line; a corpus model's placeholder tokens are never printed raw; -o appears whole; bench
# decode writes a valid run.json and beams.tsv whose BLEU `s2sbench bleu` reproduces from
# the files it leaves.
set -u
bin=$1
. "$(dirname "$0")/cli_lib.sh"
require_device

# a model with peaked distributions in one step (init 2): varied, non-empty outputs
ck=$work/m.ckpt
"$bin" train --preset tiny --task reverse --max-len 5 --src-vocab 12 --tgt-vocab 12 \
  --init-scale 2 --seed 1 --steps 1 --quiet --checkpoint "$ck" || { echo "FAIL train"; exit 1; }
printf 'w3\nw7 w2\nw6 w6 w9\nw5 w11 w2 w11 w4\nw8 w10 w7 w10\n\nhello w3 <eos>\nw4 w4 w4 w4 w4 w4 w4\n' >"$work/src"
cp "$work/src" "$work/in"

expect_error "unknown flag" 2 "'--bogus'" -- translate --checkpoint "$ck" --bogus
expect_error "no checkpoint flag" 2 "--checkpoint" -- translate
printf 'a b\n' >"$work/in"
expect_error "-o into a folder that is a file, refused before decoding" 1 "-o '$work/in/x.txt'" \
  -- translate --checkpoint "$ck" -o "$work/in/x.txt"
expect_error "-o naming a folder" 1 "-o '$work'" -- translate --checkpoint "$ck" -o "$work"
rm -f "$work/in"
expect_error "bad beam" 2 "--beam" -- translate --checkpoint "$ck" --beam 0
expect_error "missing checkpoint" 1 "no-such" -- translate --checkpoint "$work/no-such.ckpt"
cp "$ck" "$work/flip.ckpt"
printf '\x55' | dd of="$work/flip.ckpt" bs=1 seek=300 conv=notrunc 2>/dev/null
expect_error "corrupt checkpoint" 1 "checksum" -- translate --checkpoint "$work/flip.ckpt"
head -c 200 "$ck" >"$work/short.ckpt"
expect_error "truncated checkpoint" 1 "truncated" -- translate --checkpoint "$work/short.ckpt"
expect_error "not a checkpoint" 1 "bad magic" -- translate --checkpoint "$bin"
: >"$work/in"
expect_error "empty input" 1 "no input sentences" -- translate --checkpoint "$ck"
printf 'w3 w4\nw5 \xff w6\n' >"$work/in"
expect_error "invalid UTF-8" 1 "invalid UTF-8" -- translate --checkpoint "$ck"
expect_error "missing input file" 1 "no-such.txt" -- translate --checkpoint "$ck" -i "$work/no-such.txt"
cp "$work/src" "$work/in"

# device vs CPU reference, several settings; stdin in, -o out
for opts in "--beam 1" "--beam 3" "--beam 3 --length-norm" "--beam 2 --max-len 2"; do
  "$bin" translate --checkpoint "$ck" $opts --batch 3 -o "$work/dev.txt" <"$work/src" 2>"$work/err" || fail=1
  "$bin" translate --checkpoint "$ck" $opts --cpu-reference -i "$work/src" >"$work/ref.txt" 2>/dev/null || fail=1
  check "device == CPU reference ($opts)" cmp -s "$work/dev.txt" "$work/ref.txt"
done
check "one line out per line in" test "$(wc -l <"$work/dev.txt")" -eq "$(wc -l <"$work/src")"
# line 6 of the input is empty: nothing to translate, an empty line out (device, reference)
check "empty line in, empty line out (device)" test -z "$(sed -n 6p "$work/dev.txt")"
check "empty line in, empty line out (CPU reference)" test -z "$(sed -n 6p "$work/ref.txt")"
"$bin" translate --checkpoint "$ck" --tokenize -i "$work/src" -o "$work/tok.txt" --quiet || fail=1
check "empty line in, empty line out (--tokenize)" test -z "$(sed -n 6p "$work/tok.txt")"
check "--max-len 2 bounds the output" test "$(awk '{ if (NF > m) m = NF } END { print m + 0 }' "$work/dev.txt")" -le 2
check "speed on stderr" grep -q "sentences/s.*words/s" "$work/err"
check "no temporary files left" test -z "$(ls "$work" | grep -E '\.tmp$')"
"$bin" translate --checkpoint "$ck" --beam 3 -i "$work/src" >"$work/a.txt" 2>/dev/null
check "some outputs are not empty" grep -q w "$work/a.txt"

# a corpus model (the fixture's text holds the masked token ⟨ph1⟩, so the target vocabulary
# does): bench decode's raw hypotheses show the model emits it; translate must restore it
# from the line's table or drop it, never print it raw (with and without --tokenize)
src_dir=${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
fix=$src_dir/tests/fixtures/data/enfr
cm=$work/corpus.ckpt
"$bin" train --preset tiny --max-len 16 --data "$fix" --tokenize --init-scale 2 --seed 2 --steps 1 \
  --quiet --cache-dir "$work/cache" --checkpoint "$cm" || fail=1
cat "$fix/dev.en" "$fix/train.en" >"$work/csrc"
cat "$fix/dev.fr" "$fix/train.fr" >"$work/cref"
printf '\nOpen %%s now\n' >>"$work/csrc"; printf '\nOuvrir %%s\n' >>"$work/cref"
"$bin" bench decode --checkpoint "$cm" --beams 1 -i "$work/csrc" -r "$work/cref" --trials 1 \
  --out "$work/cb" >"$work/cb.out" 2>&1 || { cat "$work/cb.out"; fail=1; }
check "the corpus model emits placeholder tokens (bench decode drops and counts them)" python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))["summary"]["beams"][0]
assert b["placeholders_dropped"] > 0, b' "$work/cb/run.json"
check "bench decode prints no raw placeholder" test "$(grep -c '⟨' "$work/cb/hyp.beam1.txt")" -eq 0
for t in "--no-tokenize" "--tokenize"; do
  "$bin" translate --checkpoint "$cm" $t -i "$work/csrc" -o "$work/ct.txt" --quiet || fail=1
  check "no raw placeholder printed ($t)" test "$(grep -c '⟨' "$work/ct.txt")" -eq 0
  check "one line out per line in ($t)" test "$(wc -l <"$work/ct.txt")" -eq "$(wc -l <"$work/csrc")"
  check "empty line in, empty line out ($t)" test -z "$(tail -n 2 "$work/ct.txt" | head -n 1)"
done

# the checkpoint carries the tokenization (train --tokenize, languages en/fr from the file
# names): no flags decode as the model was trained; --no-tokenize does not
printf 'Open the file, now!\nIt\'s "done".\n' >"$work/punct"
"$bin" translate --checkpoint "$cm" -i "$work/punct" -o "$work/p0.txt" --quiet || fail=1
"$bin" translate --checkpoint "$cm" --tokenize --src-lang en --tgt-lang fr -i "$work/punct" \
  -o "$work/p1.txt" --quiet || fail=1
"$bin" translate --checkpoint "$cm" --no-tokenize -i "$work/punct" -o "$work/p2.txt" --quiet ||
  fail=1
check "tokenization read back from the checkpoint" cmp -s "$work/p0.txt" "$work/p1.txt"
"$bin" bench decode --checkpoint "$cm" --beams 1 -i "$work/punct" -r "$work/punct" --trials 1 \
  --warmup 0 --out "$work/pb" >/dev/null 2>&1 || fail=1
check "bench decode reads it too" cmp -s "$work/p0.txt" "$work/pb/hyp.beam1.txt"

# bench decode on the synthetic task's dev stream
expect_error "bench: -i without -r" 2 "-r REF" -- bench decode --checkpoint "$ck" -i "$work/src"
"$bin" bench decode --checkpoint "$ck" --beams 1,3 --sentences 24 --batch 10 --trials 2 \
  --out "$work/bd" >"$work/bench.out" 2>&1 || { cat "$work/bench.out"; fail=1; }
check "run.json is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/bd/run.json"
check "beams.tsv: header + 2 beams" test "$(wc -l <"$work/bd/beams.tsv")" -eq 3
bleu3=$(awk -F'\t' '$1 == 3 { print $2 }' "$work/bd/beams.tsv")
again=$("$bin" bleu "$work/bd/ref.txt" -i "$work/bd/hyp.beam3.txt" -b -w 4)
check "bench BLEU = s2sbench bleu on its files ($bleu3 vs $again)" test "$bleu3" = "$again"
# the same set given as files: -i SRC -r REF (the reverse task: reference = reversed source)
"$bin" translate --checkpoint "$ck" --beam 3 -i "$work/src" -o "$work/hyp.txt" --quiet
awk '{ for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? " " : ""); print "" }' "$work/src" >"$work/rev.txt"
"$bin" bench decode --checkpoint "$ck" --beams 3 -i "$work/src" -r "$work/rev.txt" --trials 1 \
  --out "$work/bf" >"$work/bench2.out" 2>&1 || { cat "$work/bench2.out"; fail=1; }
check "bench decode -i/-r decodes like translate" cmp -s "$work/hyp.txt" "$work/bf/hyp.beam3.txt"

exit $fail

#!/usr/bin/env bash
# `s2sbench bleu` against sacreBLEU itself: ~950 outputs on 50 random corpora (fixed seed;
# every tokenizer and smoothing method, -lc, text/JSON/-b/-sl, stdin, multi-bleu mode) must
# match byte for byte. First the CLI contract (errors, exit codes), which needs no Python.
# Skips (exit 77) when python3 cannot import sacrebleu.
# Usage: test_bleu_sacrebleu.sh PATH/TO/s2sbench   (S2S_MULTI_BLEU_PERL=multi-bleu.perl optional)
set -u
bin=${1:?usage: test_bleu_sacrebleu.sh S2SBENCH}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/s2s_bleu_sacrebleu.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0

# expect RC PATTERN ARGS...: exit status RC and stderr matching PATTERN (grep -E)
expect() {
  local want=$1 pat=$2 rc
  shift 2
  "$bin" bleu "$@" >"$work/out" 2>"$work/err" </dev/null
  rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -Eq -- "$pat" "$work/err"; then
    echo "FAIL: s2sbench bleu $*: exit $rc (want $want), stderr: $(cat "$work/err")"
    fail=1
  fi
}
cd "$work" || exit 1
printf 'The cat sat on the mat.\nA second line.\n' >ref2
printf 'The cat sat on a mat.\n' >hyp1
printf 'The cat sat on a mat.\nA second line.' >hyp2
: >empty
printf 'fine\nbad \xff byte\n' >badutf8
expect 1 "ref2.*2 lines.*hyp1.*1" ref2 -i hyp1
expect 1 "empty.*no hypotheses" ref2 -i empty
expect 1 "badutf8:2: invalid UTF-8" ref2 -i badutf8
expect 1 "badutf8:2: invalid UTF-8" badutf8 -i hyp2
expect 2 "unknown flag '--bogus'" ref2 -i hyp2 --bogus
expect 1 "reference file 'missing'" missing -i hyp2
expect 1 "hypothesis file 'missing'" ref2 -i missing
expect 2 "no reference" -i hyp2
expect 2 "unknown tokenizer 'zh'" ref2 -i hyp2 -tok zh
expect 2 "unknown smoothing method 'bogus'" ref2 -i hyp2 -s bogus
expect 2 "second system" ref2 -i hyp2 ref2
expect 2 "-sv needs" ref2 -i hyp2 -sv
"$bin" bleu ref2 -i hyp2 -f text >out 2>err
if ! grep -q '^BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:[0-9.]* = ' out; then
  echo "FAIL: text line: $(cat out) $(cat err)"; fail=1
fi
"$bin" bleu ref2 -f text <hyp2 >out2 2>err
if ! cmp -s out out2; then echo "FAIL: stdin and -i differ: $(cat out2) $(cat err)"; fail=1; fi
printf 'a\tb\nc\n' | "$bin" bleu ref2 >/dev/null 2>err
if [ $? -ne 1 ] || ! grep -q 'tab' err; then echo "FAIL: tab on stdin not refused"; fail=1; fi
[ $fail -eq 0 ] && echo "CLI contract: ok"

if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 not found"; [ $fail -eq 0 ] && exit 77 || exit 1
fi
if ! why=$(python3 -c 'import sacrebleu' 2>&1); then
  echo "SKIP: python3 cannot import sacrebleu (pip install sacrebleu): ${why##*$'\n'}"
  [ $fail -eq 0 ] && exit 77 || exit 1
fi
python3 "$here/bleu_gen_cases.py" "$bin" "$work/corpora" || fail=1
exit $fail

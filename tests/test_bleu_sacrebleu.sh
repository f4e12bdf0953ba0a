#!/usr/bin/env bash
# `s2sbench bleu` against sacreBLEU itself: ~900 outputs on 50 random corpora (fixed seed;
# every tokenizer and smoothing method, -lc, text/JSON/-b/-sl, stdin, multi-bleu mode) must
# match byte for byte. Skips (exit 77) when python3 cannot import sacrebleu.
# Usage: test_bleu_sacrebleu.sh PATH/TO/s2sbench   (S2S_MULTI_BLEU_PERL=multi-bleu.perl optional)
set -u
bin=${1:?usage: test_bleu_sacrebleu.sh S2SBENCH}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 not found"; exit 77
fi
if ! why=$(python3 -c 'import sacrebleu' 2>&1); then
  echo "SKIP: python3 cannot import sacrebleu (pip install sacrebleu): ${why##*$'\n'}"; exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/s2s_bleu_sacrebleu.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$here/bleu_gen_cases.py" "$bin" "$work"

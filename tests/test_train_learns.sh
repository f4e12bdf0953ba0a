#!/usr/bin/env bash
# Learning is real: the tiny preset on the synthetic `reverse` task (lengths 1-5, 62
# words) must bring dev perplexity below 12 within 4000 steps. It starts near 62, and a
# model that only learns sentence lengths plateaus near 22, so the bar needs the model to
# learn the words themselves. Measured on the 2-core PoCL machine: 4.0 at step 4000.
# (The full bar of issue 5, dev BLEU >= 95, takes 20k steps: bench/learning/reverse_bleu.sh.)
set -u
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" devices >/dev/null 2>&1 || { echo "no OpenCL device: skipping"; exit 77; }
"$bin" train --preset tiny --task reverse --max-len 5 --steps 4000 --log-every 1000 \
  --eval-every 4000 --eval-batches 8 --out "$work/run" --quiet || exit 1
cut -f1,4,5,7,10,11,12 "$work/run/train.tsv"
ppl=$(awk -F'\t' 'NR > 1 && $11 != "" { p = $11 } END { print p }' "$work/run/train.tsv")
echo "dev perplexity after 4000 steps: $ppl (bar: < 12)"
awk -v p="$ppl" 'BEGIN { exit !(p != "" && p < 12) }'

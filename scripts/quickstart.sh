#!/usr/bin/env bash
# Sets everything up, builds, and runs the main job on this machine:
#   1. lists the OpenCL devices, their sub-devices and the hwloc topology;
#   2. builds the embedded English->French corpus (scripts/get-corpus.sh; falls back,
#      loudly, to the synthetic copy task when the Debian archive is unreachable);
#   3. trains a small model on it with dev BLEU and perplexity every 150 steps;
#   4. sweeps the `small` training step over 1 and 2 devices (bench/sweeps/cpu-2core.cfg:
#      the CPU as one and as two 1-CU sub-devices; on an 8-GPU machine run
#      bench/sweeps/paper-8gpu.cfg instead);
#   5. draws the figures (speedup with the ideal and analytic bounds, words/s, per-device
#      timelines, BLEU and perplexity curves) as PNG, PDF and SVG.
# Everything lands in results/local/<UTC time>/ (git-ignored). On a 2-core machine about
# 4 minutes, including the first run's 205 MB of .debs (3m42s from a fresh clone).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
export POCL_CACHE_DIR=$root/build/pocl-cache
bin=$root/build/s2sbench
out=$root/results/local/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
t0=$SECONDS

echo "== 1. devices"
"$bin" devices

echo "== 2. the embedded corpus"
train_data=()
corpus=0
if "$root/scripts/get-corpus.sh" "$root/data/enfr-l10n"; then
  corpus=1
  train_data=(--data "$root/data/enfr-l10n" --tokenize --eval-batches 4)
else
  echo "WARNING: the embedded corpus could not be built (is the Debian archive reachable?)." >&2
  echo "WARNING: training on the SYNTHETIC copy task instead: BLEU below is NOT translation." >&2
  train_data=(--task copy --min-len 3 --eval-batches 8)
fi

echo "== 3. training: 2x128 LSTM, 8k vocabularies, batch 32, sentences up to 20 words"
"$bin" train --preset small --hidden 128 --embed 128 --src-vocab 8000 --tgt-vocab 8000 \
  --batch 32 --max-len 20 "${train_data[@]}" --steps 900 --log-every 50 --eval-every 150 \
  --out "$out/train" --checkpoint "$out/train/model.ckpt"

if [ "$corpus" = 1 ]; then
  echo "== 3b. what the model just trained does: six short test sentences, beam 12"
  # the test split with its placeholders restored; six short lines; translate reads the
  # tokenization from the checkpoint
  python3 "$root/scripts/corpus-restore.py" "$root/data/enfr-l10n" test "$out/test-split"
  awk 'NF >= 3 && NF <= 8 { print NR; if (++n == 6) exit }' "$out/test-split/test.en" \
    >"$out/test-split/picked"
  awk 'NR == FNR { want[$1] = 1; next } FNR in want' "$out/test-split/picked" \
    "$out/test-split/test.en" >"$out/test-split/picked.en"
  awk 'NR == FNR { want[$1] = 1; next } FNR in want' "$out/test-split/picked" \
    "$out/test-split/test.fr" >"$out/test-split/picked.fr"
  "$bin" translate --checkpoint "$out/train/model.ckpt" --beam 12 --quiet \
    -i "$out/test-split/picked.en" -o "$out/test-split/picked.hyp"
  paste "$out/test-split/picked.en" "$out/test-split/picked.hyp" "$out/test-split/picked.fr" |
    awk -F'\t' '{ printf "  source:     %s\n  model:      %s\n  reference:  %s\n\n", $1, $2, $3 }'
fi

echo "== 4. sweep: the small model's training step on 1 and 2 devices"
sweep_cfg=$root/bench/sweeps/cpu-2core.cfg
"$bin" sweep "$sweep_cfg" --out "$out/sweep"

echo "== 5. figures"
"$bin" plot "$out/sweep" "$out/train" --out "$out/figures"

echo "main job done in $((SECONDS - t0)) s; results and figures in $out"

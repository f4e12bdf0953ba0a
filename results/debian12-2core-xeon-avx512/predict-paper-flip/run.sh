#!/usr/bin/env bash
# where the answer flips: the paper's setting (len 30, 160k) predicted from the three tables
# with a given host link and at other batch sizes (no measurement: --cost)
set -uo pipefail
cd /work/clean
R=/work/records/i13d/out
F=$R/predict-paper-flip
mkdir -p $F
b=build/s2sbench
TMPD=$(mktemp -d); trap 'rm -rf $TMPD' EXIT
rm -rf $F; mkdir -p $F
T_pipe=$R/predict-paper-cost/cost.tsv T_dp=$R/predict-paper-cost-replicas-8/cost.tsv T_hyb=$R/predict-paper-cost-hybrid-2x4/cost.tsv
printf 'layout\tbatch\tlink_gbs\tspeedup\tstep_s\tone_device_s\n' > $F/flip.tsv
for lay in pipe dp hyb; do
  case $lay in pipe) a=(); t=$T_pipe;; dp) a=(--replicas 8); t=$T_dp;; hyb) a=(--replicas 2); t=$T_hyb;; esac
  for B in 32 64 128 256; do for L in measured 50 12 1; do
    l=(); [ $L != measured ] && l=(--link-gbs $L --link-us 10)
    o=$F/$lay-b$B-link-$L.txt
    $b predict --preset paper --len 30 --devices 8 --memory-gib 80 --batch $B "${a[@]}" "${l[@]}" --cost $t --out $TMPD/x > $o 2>&1 || { echo "$lay B$B link $L failed: $(tail -1 $o)"; continue; }
    sed -n 's/^predicted step \([0-9.]*\) ms on 8 devices, \([0-9.]*\) ms on one: speedup \([0-9.]*\)x.*/\3\t\1\t\2/p' $o | \
      awk -v l=$lay -v b=$B -v k=$L -F'\t' '{printf "%s\t%s\t%s\t%s\t%.2f\t%.2f\n", l, b, k, $1, $2 / 1e3, $3 / 1e3}' >> $F/flip.tsv
    mkdir -p ${o%.txt} && cp $TMPD/x/run.json ${o%.txt}/prediction.json  # its run.json (commit, flags), without the timeline
  done; done
done
for c in each ranks; do for L in measured 50 12 1; do # the pipeline with a context or a host thread per device
  l=(); [ $L != measured ] && l=(--link-gbs $L --link-us 10)
  o=$F/pipe-$c-b128-link-$L.txt
  $b predict --preset paper --len 30 --devices 8 --memory-gib 80 --contexts $c "${l[@]}" --cost $T_pipe --out $TMPD/x > $o 2>&1 || continue
  sed -n 's/^predicted step \([0-9.]*\) ms on 8 devices, \([0-9.]*\) ms on one: speedup \([0-9.]*\)x.*/\3\t\1\t\2/p' $o | \
    awk -v k=$L -v c=$c -F'\t' '{printf "pipe-contexts-%s\t128\t%s\t%s\t%.2f\t%.2f\n", c, k, $1, $2 / 1e3, $3 / 1e3}' >> $F/flip.tsv
  mkdir -p ${o%.txt} && cp $TMPD/x/run.json ${o%.txt}/prediction.json
done; done
column -t $F/flip.tsv

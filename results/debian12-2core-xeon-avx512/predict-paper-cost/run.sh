#!/usr/bin/env bash
# issue 13's paper-setting predictions, from the clean tree /work/clean (commit in each run.json)
set -uo pipefail
cd /work/clean
R=/work/records/i13d/out
mkdir -p $R
export POCL_CACHE_DIR=/work/clean/build/pocl-cache
b=build/s2sbench
step() { echo "=== $(date +%T) $1"; }
P=(--preset paper --src-vocab 16000 --len 10 --trials 2 --devices 8 --memory-gib 80 --measure-on 1:0/1x1)
step paper-pipeline
$b predict "${P[@]}" --out $R/predict-paper-cost > $R/pp.txt 2>&1; echo rc=$?
step paper-8-replicas
$b predict "${P[@]}" --replicas 8 --measure-replicas 2 --out $R/predict-paper-cost-replicas-8 > $R/pr8.txt 2>&1; echo rc=$?
step paper-2x4
$b predict "${P[@]}" --replicas 2 --out $R/predict-paper-cost-hybrid-2x4 > $R/ph.txt 2>&1; echo rc=$?
Q=(--preset paper --len 30 --devices 8 --memory-gib 80)
step paper-len30
$b predict "${Q[@]}" --cost $R/predict-paper-cost/cost.tsv --out $R/predict-paper-8 > $R/pp30.txt 2>&1; echo rc=$?
$b predict "${Q[@]}" --replicas 8 --cost $R/predict-paper-cost-replicas-8/cost.tsv --out $R/predict-paper-8-replicas-8 > $R/pr830.txt 2>&1; echo rc=$?
$b predict "${Q[@]}" --replicas 2 --cost $R/predict-paper-cost-hybrid-2x4/cost.tsv --out $R/predict-paper-8-hybrid-2x4 > $R/ph30.txt 2>&1; echo rc=$?
step cross-table
H=$R/predict-paper-cost-hybrid-2x4/cost.tsv
C=$R/predict-paper-cross-table
$b predict --preset paper --src-vocab 16000 --len 10 --devices 8 --memory-gib 80 --cost $H --out $C/pipeline-len10 > $R/x1.txt 2>&1; echo rc=$?
$b predict --preset paper --src-vocab 16000 --len 10 --devices 8 --memory-gib 80 --replicas 8 --cost $H --out $C/replicas-8-len10 > $R/x2.txt 2>&1; echo rc=$?
$b predict "${Q[@]}" --cost $H --out $C/pipeline-len30 > $R/x3.txt 2>&1; echo rc=$?
$b predict "${Q[@]}" --replicas 8 --cost $H --out $C/replicas-8-len30 > $R/x4.txt 2>&1; echo rc=$?
step done

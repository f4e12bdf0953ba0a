#!/usr/bin/env bash
# `s2sbench train` contract: flag errors name the flag, resume reproduces the uninterrupted
# loss curve (also train.tsv resumed into the same --out), corrupt / mismatched checkpoints
# are refused with a reason, unwritable outputs are refused before any work, a fresh run
# does not replace an existing checkpoint, a diverging run stops with a clear error and
# keeps its last good checkpoint, SIGTERM stops after the step with a checkpoint and
# run.json, results files are valid.
set -u
bin=$1
. "$(dirname "$0")/cli_lib.sh"
require_device
tiny="--preset tiny --task reverse --max-len 6 --quiet"

expect_error "unknown flag" 2 "'--bogus'" -- train --task copy --bogus
expect_error "bad number" 2 "--steps" -- train --task copy --steps 12x
expect_error "missing task" 2 "--task" -- train --steps 3
expect_error "unknown task" 2 "'sort'" -- train --task sort
expect_error "bad preset" 2 "'huge'" -- train --preset huge --task copy
expect_error "missing device" 1 "accelerator" -- train --task copy --steps 1 --device accelerator

# resume: 40 steps straight vs 20 + resume to 40, same seed, same device
"$bin" train $tiny --steps 40 --log-every 10 --out "$work/a" || fail=1
"$bin" train $tiny --steps 20 --log-every 10 --checkpoint "$work/ck20.bin" || fail=1
"$bin" train $tiny --steps 40 --log-every 10 --resume "$work/ck20.bin" --out "$work/b" || fail=1
cut -f1,4,6 "$work/a/train.tsv" | awk 'NR > 1 && $1 > 20' >"$work/a.loss"
cut -f1,4,6 "$work/b/train.tsv" | awk 'NR > 1 && $1 > 20' >"$work/b.loss"
check "resume gives the same loss curve" cmp -s "$work/a.loss" "$work/b.loss"
check "resumed curve is not empty" test "$(wc -l <"$work/b.loss")" -eq 2
check "run.json is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/a/run.json"
check "run.json has the summary" grep -q '"final_loss"' "$work/a/run.json"
check "train.tsv has a header and 4 rows" test "$(wc -l <"$work/a/train.tsv")" -eq 5
check "no temporary files left" test -z "$(ls "$work"/a | grep -E 'tmp|partial')"

# data parallel: 2 replicas resume like one; replicas must cut the devices evenly
"$bin" train $tiny --devices cpu/2 --replicas 2 --replica-check 5 --steps 40 --log-every 10 --out "$work/dpa" || fail=1
"$bin" train $tiny --devices cpu/2 --replicas 2 --steps 20 --log-every 10 --checkpoint "$work/dp20.bin" || fail=1
"$bin" train $tiny --devices cpu/2 --replicas 2 --steps 40 --log-every 10 --resume "$work/dp20.bin" --out "$work/dpb" || fail=1
cut -f1,4,6 "$work/dpa/train.tsv" | awk 'NR > 1 && $1 > 20' >"$work/dpa.loss"
cut -f1,4,6 "$work/dpb/train.tsv" | awk 'NR > 1 && $1 > 20' >"$work/dpb.loss"
check "2 replicas: resume gives the same loss curve" cmp -s "$work/dpa.loss" "$work/dpb.loss"
check "2 replicas: the curve is not empty" test "$(wc -l <"$work/dpb.loss")" -eq 2
check "2 replicas: run.json says so" grep -q '"replicas": 2' "$work/dpa/run.json"
expect_error "replicas that do not cut the devices" 2 "--replicas 3" -- train $tiny --devices cpu/2 --replicas 3 --steps 1
expect_error "replicas out of range" 2 "--replicas" -- train $tiny --replicas 0 --steps 1
# micro-batches: 1F1B over 2 stages resumes like one run; bad schedules and mixes refused
mb="--devices cpu/2 --micro-batches 3 --schedule 1f1b"
"$bin" train $tiny $mb --steps 40 --log-every 10 --out "$work/mba" || fail=1
"$bin" train $tiny $mb --steps 20 --log-every 10 --checkpoint "$work/mb20.bin" || fail=1
"$bin" train $tiny $mb --steps 40 --log-every 10 --resume "$work/mb20.bin" --out "$work/mbb" || fail=1
cut -f1,4,6 "$work/mba/train.tsv" | awk 'NR > 1 && $1 > 20' >"$work/mba.loss"
cut -f1,4,6 "$work/mbb/train.tsv" | awk 'NR > 1 && $1 > 20' >"$work/mbb.loss"
check "micro-batches: resume gives the same loss curve" cmp -s "$work/mba.loss" "$work/mbb.loss"
check "micro-batches: run.json says so" grep -q '"schedule": "1f1b"' "$work/mba/run.json"
expect_error "bad --schedule" 2 "--schedule" -- train $tiny --micro-batches 2 --schedule gpipe --steps 1
expect_error "replicas with micro-batches" 2 "not supported yet" -- train $tiny --devices cpu/2 --replicas 2 --micro-batches 2 --steps 1

# corrupt and mismatched checkpoints
cp "$work/ck20.bin" "$work/flip.bin"
printf '\x55' | dd of="$work/flip.bin" bs=1 seek=500 conv=notrunc 2>/dev/null
expect_error "checksum" 1 "checksum" -- train $tiny --steps 40 --resume "$work/flip.bin"
head -c 1000 "$work/ck20.bin" >"$work/short.bin"
expect_error "truncated" 1 "truncated" -- train $tiny --steps 40 --resume "$work/short.bin"
expect_error "not a checkpoint" 1 "bad magic" -- train $tiny --steps 40 --resume "$bin"
expect_error "size mismatch" 1 "hidden" -- train $tiny --hidden 16 --steps 40 --resume "$work/ck20.bin"
expect_error "missing checkpoint" 1 "no-such" -- train $tiny --steps 40 --resume "$work/no-such.bin"

expect_error "resume from a directory" 1 "is a directory" -- train $tiny --steps 40 --resume "$work"
check "  ... naming the path" grep -qF "'$work'" "$work/err"
: >"$work/empty.bin"
expect_error "resume from an empty file" 1 "is empty (0 bytes)" -- train $tiny --steps 40 --resume "$work/empty.bin"
check "  ... naming the path" grep -qF "$work/empty.bin" "$work/err"

# outputs checked before any work: a folder under a regular file cannot be created
: >"$work/plainfile"
start=$(date +%s)
expect_error "unwritable --checkpoint folder" 1 "--checkpoint '$work/plainfile/sub/m.ckpt'" -- train $tiny --steps 100000 --checkpoint "$work/plainfile/sub/m.ckpt"
check "  ... refused before training" test $(($(date +%s) - start)) -lt 20
expect_error "unwritable --out" 1 "--out '$work/plainfile/o'" -- train $tiny --steps 100000 --out "$work/plainfile/o"
expect_error "--checkpoint is a directory" 1 "is a directory" -- train $tiny --steps 3 --checkpoint "$work"
"$bin" train $tiny --steps 3 --checkpoint "$work/new/sub/m.ckpt" || fail=1
check "a missing --checkpoint folder is created" test -s "$work/new/sub/m.ckpt"
# a fresh run does not replace an existing model
cp "$work/ck20.bin" "$work/keep.bin"
expect_error "fresh run onto an existing checkpoint" 1 "exists" -- train $tiny --steps 3 --checkpoint "$work/ck20.bin"
check "  ... which is untouched" cmp -s "$work/ck20.bin" "$work/keep.bin"
cp "$work/ck20.bin" "$work/ow.bin"
"$bin" train $tiny --steps 3 --checkpoint "$work/ow.bin" --overwrite --quiet >/dev/null 2>&1
check "--overwrite lets a fresh run replace it" bash -c "test $? -eq 0 && ! cmp -s '$work/ow.bin' '$work/keep.bin'"

# resume into the same --out: rows up to the checkpoint step are kept, later ones (logged
# by the killed run after its last checkpoint) are dropped and redone. The killed run:
# resumed from step 20 to 30 into c, its train.tsv left as .partial (as a kill leaves it).
"$bin" train $tiny --steps 20 --log-every 10 --checkpoint "$work/c20.bin" --out "$work/c" || fail=1
"$bin" train $tiny --steps 30 --log-every 10 --resume "$work/c20.bin" --checkpoint "$work/c30.bin" --out "$work/c" || fail=1
check "resume keeps the earlier rows (10, 20, 30)" test "$(cut -f1 "$work/c/train.tsv" | tr '\n' ' ')" = "step 10 20 30 "
mv "$work/c/train.tsv" "$work/c/train.tsv.partial"
"$bin" train $tiny --steps 40 --log-every 10 --resume "$work/c20.bin" --out "$work/c" || fail=1
cut -f1,4,6 "$work/a/train.tsv" >"$work/a.all"
cut -f1,4,6 "$work/c/train.tsv" >"$work/c.all"
check "resumed train.tsv = uninterrupted (rows 10..40)" cmp -s "$work/a.all" "$work/c.all"
check "  ... no .partial left" test ! -e "$work/c/train.tsv.partial"

# SIGTERM: the step ends, the checkpoint and run.json are written, the exit is 143
"$bin" train $tiny --steps 1000000 --log-every 1000 --checkpoint "$work/sig.bin" --checkpoint-every 50 --out "$work/sig" &
pid=$!
for _ in $(seq 600); do [ -s "$work/sig.bin" ] && break; sleep 0.1; done
kill -TERM "$pid"
for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$pid" 2>/dev/null # a run that ignored SIGTERM fails below (137), never hangs
wait "$pid"
rc=$?
check "SIGTERM: exit 143 (got $rc)" test "$rc" -eq 143
check "SIGTERM: run.json written" python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; assert s["status"] == "interrupted" and s["signal"] == "SIGTERM", s' "$work/sig/run.json"
check "SIGTERM: train.tsv in place" test -s "$work/sig/train.tsv"
last=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; assert s["last_checkpoint_step"] == s["last_step"] > 0; print(s["last_step"])' "$work/sig/run.json")
check "SIGTERM: checkpoint at the last step done (${last:-none})" test -n "$last"
"$bin" train $tiny --steps $((${last:-0} + 2)) --resume "$work/sig.bin" --checkpoint "$work/sig.bin" >"$work/out" 2>&1
check "SIGTERM: the checkpoint resumes" test $? -eq 0

# divergence: a huge learning rate; the checkpoint written before it is kept intact
"$bin" train $tiny --steps 5 --checkpoint "$work/good.bin" || fail=1
cp "$work/good.bin" "$work/good.orig"
expect_error "non-finite loss stops the run" 1 "non-finite" -- train $tiny --lr 1e30 --clip 1e30 --steps 40 --resume "$work/good.bin" --checkpoint "$work/good.bin" --checkpoint-every 100
check "last good checkpoint untouched" cmp -s "$work/good.bin" "$work/good.orig"

# a split that does not fit is refused before any allocation, with every device's numbers
# (the paper model at batch 4096: one layer's gate activations, 3.2 GiB, exceed a CPU sub-device's
# largest allocation)
expect_error "a model too big for the device is refused" 1 "the split does not fit the devices" \
  -- train --preset paper --batch 4096 --task copy --steps 1 --devices cpu/2 --out "$work/big"
check "... with each device's memory" grep -qE "device 1: [0-9.]+ MiB \(parameters and gradients" "$work/err"
check "... and nothing written" test ! -e "$work/big/run.json"
# the memory table at the start of a run; two stages each hold a part of the parameters
"$bin" train --preset tiny --task reverse --max-len 6 --steps 1 --devices cpu/2 >"$work/mem.out" 2>&1 || fail=1
check "memory per device printed" grep -q "memory per device" "$work/mem.out"
check "each stage holds only its own parameters" python3 - "$work/mem.out" <<'EOF'
import re, sys
pg = [float(x) for x in re.findall(r"parameters and gradients ([0-9.]+) MiB", open(sys.argv[1]).read())]
assert len(pg) == 2 and all(0 < v for v in pg), pg
EOF
# --plan-memory: the paper's 4+4 on 8 devices like this one, sized without opening them
"$bin" train --preset paper --plan-memory 8 --devices cpu >"$work/plan.out" 2>&1
check "the paper 4+4 plan fits 8 devices like this CPU (exit 0)" test $? -eq 0
check "... with the paper's split" grep -q "split layers=0,1,2,3;softmax=4,5,6,7 on 8 devices" "$work/plan.out"
check "... one line per device, the embeddings' stage the largest" python3 - "$work/plan.out" <<'EOF'
import re, sys
pg = [float(x) for x in re.findall(r"parameters and gradients ([0-9.]+) MiB", open(sys.argv[1]).read())]
# 384M parameters: 240M embeddings and 16M of LSTMs (layer 0, both sides) on device 0, 80M softmax over 4 shards (x2 for gradients)
assert len(pg) == 8 and abs(pg[0] - 2 * 4 * (240e6 + 16.008e6) / 2**20) < 1 and abs(pg[4] - 2 * 4 * 20.02e6 / 2**20) < 1, pg
EOF
"$bin" train --preset paper --batch 4096 --plan-memory 2 --devices cpu >"$work/plan2.out" 2>&1
check "a plan that does not fit exits 1 and says so" test $? -eq 1
check "... in words" grep -q "does not fit" "$work/plan2.out"
expect_error "--plan-memory takes 1..16 devices" 2 "--plan-memory" -- train --preset paper --plan-memory 0

exit $fail

#!/usr/bin/env bash
# `s2sbench train` contract: flag errors name the flag, resume reproduces the uninterrupted
# loss curve, corrupt / mismatched checkpoints are refused with a reason, a diverging run
# stops with a clear error and keeps its last good checkpoint, results files are valid.
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

# corrupt and mismatched checkpoints
cp "$work/ck20.bin" "$work/flip.bin"
printf '\x55' | dd of="$work/flip.bin" bs=1 seek=500 conv=notrunc 2>/dev/null
expect_error "checksum" 1 "checksum" -- train $tiny --steps 40 --resume "$work/flip.bin"
head -c 1000 "$work/ck20.bin" >"$work/short.bin"
expect_error "truncated" 1 "truncated" -- train $tiny --steps 40 --resume "$work/short.bin"
expect_error "not a checkpoint" 1 "bad magic" -- train $tiny --steps 40 --resume "$bin"
expect_error "size mismatch" 1 "hidden" -- train $tiny --hidden 16 --steps 40 --resume "$work/ck20.bin"
expect_error "missing checkpoint" 1 "no-such" -- train $tiny --steps 40 --resume "$work/no-such.bin"

# divergence: a huge learning rate; the checkpoint written before it is kept intact
"$bin" train $tiny --steps 5 --checkpoint "$work/good.bin" || fail=1
cp "$work/good.bin" "$work/good.orig"
expect_error "non-finite loss stops the run" 1 "non-finite" -- train $tiny --lr 1e30 --clip 1e30 --steps 40 --resume "$work/good.bin" --checkpoint "$work/good.bin" --checkpoint-every 100
check "last good checkpoint untouched" cmp -s "$work/good.bin" "$work/good.orig"

exit $fail

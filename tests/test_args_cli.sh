#!/usr/bin/env bash
# The one flag parser of every command (harness/args): a size flag before --preset is
# refused instead of being silently reset, numbers are checked with their range, and the
# commands that had parsers of their own (devices, sweep) now answer like the others.
set -u
bin=$1
. "$(dirname "$0")/cli_lib.sh"

expect_error "size flag before --preset is refused" 2 "--preset must come before the size flags: it would reset --hidden" \
  -- train --hidden 32 --preset tiny --task copy --steps 1
expect_error "also in --flag=value form" 2 "it would reset --layers=3" \
  -- bench step --layers=3 --preset tiny
expect_error "an integer out of range names the range" 2 "'0' is not an integer in [1," \
  -- train --preset tiny --task copy --steps 0
expect_error "a bad config value names the flag" 2 "--lr: invalid value '1e'" \
  -- train --preset tiny --task copy --lr 1e
expect_error "devices: unknown flag" 2 "s2sbench devices: unknown flag '--bogus'" -- devices --bogus
expect_error "devices: empty spec" 2 "--devices: empty SPEC" -- devices --devices ''
expect_error "devices: a flag without its value" 2 "flag '--devices' needs a value" -- devices --devices
expect_error "sweep: a flag without its value" 2 "flag '--out' needs a value" -- sweep --out
printf 'presets = tiny\n' >"$work/a.cfg"
expect_error "sweep: one config file" 2 "one CONFIG file only" -- sweep "$work/a.cfg" --trials 2 "$work/a.cfg"
"$bin" devices --help >"$work/out" 2>&1
check "devices --help exits 0" test $? -eq 0
"$bin" train --preset tiny --hidden 32 --task copy --steps 1 --out "$work/run" >"$work/out" 2>&1
rc=$?
check "size flag after --preset is taken (exit $rc)" test "$rc" -eq 0
check "... and recorded: 32 cells" grep -q '"hidden": 32' "$work/run/run.json"
# usage errors of the device flags exit 2, like every other bad flag
expect_error "train: empty --devices" 2 "--devices: empty SPEC" -- train --preset tiny --task copy --steps 1 --devices ''
expect_error "train: a split naming a device the run lacks" 2 "device 5 does not exist" \
  -- train --preset tiny --task copy --steps 1 --devices cpu/2 --split 'layers=0,5;softmax=1'
# found by fuzz_sweep: a part given twice (the second list overwrote the first, keeping its
# extra entries) is refused
expect_error "train: a split part given twice" 2 "'softmax' is given twice" \
  -- train --preset tiny --task copy --steps 1 --devices cpu/2 --split 'layers=0,1;softmax=1,0,1;softmax=1,0'
expect_error "a device spec error names the flag once (a usage error: exit 2)" 2 "s2sbench train: --devices: 'nope': unknown device spec item" \
  -- train --preset tiny --task copy --steps 1 --devices nope
check "... once" bash -c "! grep -q -- '--devices: --devices' '$work/err'"
# spec syntax is a usage error (2) in every command; a well-formed spec naming a device
# this machine lacks is a failed run (1)
expect_error "train: malformed split suffix" 2 "expected ITEM/N or ITEM/NxC" -- train --preset tiny --task copy --steps 1 --devices cpu/0
expect_error "bench step: malformed item" 2 "unknown device spec item" -- bench step --preset tiny --device 'cpu:1'
expect_error "devices: stray comma" 2 "empty device spec item" -- devices --devices cpu,
expect_error "train: a device that is not there" 1 "no device 9:9" -- train --preset tiny --task copy --steps 1 --devices 9:9
# resuming with another seed is allowed, and said
"$bin" train --preset tiny --task copy --steps 2 --quiet --checkpoint "$work/s.ckpt" >/dev/null 2>&1
"$bin" train --preset tiny --task copy --steps 3 --quiet --resume "$work/s.ckpt" --seed 7 \
  >"$work/out" 2>&1
check "resume with another --seed warns" grep -q 'trained with --seed 1, this run uses 7' "$work/out"
expect_error "translate: empty name=" 2 "name= needs a text" -- translate --checkpoint "$work/s.ckpt" --device name=

# UTF-8 errors count the byte from 1 in every reader: train's corpus and translate's input
mkdir -p "$work/u8"
printf 'a b\nc \377 d\n' >"$work/u8/train.en"; printf 'a b\nc d\n' >"$work/u8/train.fr"
expect_error "train: UTF-8 error at byte 3 of line 2" 1 "train.en:2: invalid UTF-8 at byte 3 of the line (counting from 1): 0xFF" \
  -- train --preset tiny --data "$work/u8" --steps 1 --cache-dir "$work/u8/cache"
printf 'ok\nc \377 d\n' >"$work/in"
expect_error "translate: UTF-8 error at byte 3 of line 2" 1 "<stdin>:2: invalid UTF-8 at byte 3 of the line (counting from 1): 0xFF" \
  -- translate --checkpoint "$work/s.ckpt"
rm -f "$work/in"

# help: every flag once, with its unit and the presets' values
"$bin" train --help >"$work/help" 2>&1
check "train --help: --epochs is one flag line" test "$(grep -c '^  --epochs N' "$work/help")" -eq 1
check "train --help: --devices, not --device" bash -c "grep -q -- '--devices SPEC \[--split' '$work/help' && ! grep -q -- '--device SPEC' '$work/help'"
check "train --help: the presets' values (tiny hidden 64, paper 1000)" grep -Eq -- '--hidden N +cells per layer +64 +256 +1000' "$work/help"
check "train --help: loss and dev_loss explained" grep -q 'dev_loss is per target token' "$work/help"
"$bin" help >"$work/top" 2>&1
check "top-level help names the char tokenizer" grep -q '13a/intl/char/none' "$work/top"
exit $fail

#!/usr/bin/env bash
# Short libFuzzer runs (ASan + UBSan) of the readers of untrusted files that
# tests/test_fuzz_mo.sh and tests/test_fuzz_sgm_cache.sh do not cover: the JSON reader
# (tests/fuzz/fuzz_json.c), checkpoints (fuzz_ckpt.c), sweep config files (fuzz_sweep.c),
# CLBlast tuning files and tuner outputs (fuzz_tuning.c), seeded with the repository's
# files (and two tiny checkpoints trained by the s2sbench binary, $1, where it runs). Then
# every target, old and new, replays its regression inputs (tests/fuzz/regressions/NAME/:
# the crashes scripts/fuzz.sh found). A failure prints the failing input and exits 1.
# Skips (exit 77) without clang's libFuzzer. Longer runs: S2S_FUZZ_SECONDS=600 (per target);
# the campaign over all targets with a results record: scripts/fuzz.sh.
set -euo pipefail
bin=${1:-}
src="${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
secs="${S2S_FUZZ_SECONDS:-10}"
. "$src/tests/fuzz/targets.sh"
command -v clang >/dev/null || { echo "test_fuzz_readers: no clang: skipped"; exit 77; }
work="$(mktemp -d /tmp/s2s_fuzz_readers.XXXXXX)"
# the readers take paths: their per-run input files go to tmpfs where there is one
S2S_FUZZ_TMP="$(mktemp -d /dev/shm/s2s_fuzz_readers.XXXXXX 2>/dev/null || echo "$work")"
export S2S_FUZZ_TMP
trap 'rm -rf "$work" "$S2S_FUZZ_TMP"' EXIT
build() { # build NAME
  local rc=0
  s2s_fuzz_build "$1" "$work" || rc=$?
  if [ "$rc" -eq 77 ]; then
    echo "test_fuzz_readers: clang cannot link libFuzzer: skipped"; cat "$work/$1.build.log"; exit 77
  elif [ "$rc" -ne 0 ]; then
    cat "$work/$1.build.log"; echo "test_fuzz_readers: $1 does not build"; exit 1
  fi
}
for t in $S2S_FUZZ_READERS; do
  build "$t"
  s2s_fuzz_seed "$t" "$work/corpus-$t" "$bin"
  if ! s2s_fuzz_run "$t" "$work" "$work/corpus-$t" "$secs" "$work/$t.log"; then
    s2s_fuzz_show_failure "$work" "$work/$t.log"
    echo "test_fuzz_readers: $t found a failure"; exit 1
  fi
  echo "$t: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$t.log" | tail -1)"
  grep -E "stat::number_of_executed_units" "$work/$t.log" | tail -1
done
# regression inputs of every target (old ones are built here only when they have some)
replayed=0
for t in $S2S_FUZZ_TARGETS; do
  d="$src/tests/fuzz/regressions/$t"
  [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] || continue
  [ -x "$work/$t" ] || build "$t"
  if ! s2s_fuzz_replay "$t" "$work" "$work/$t.replay.log"; then
    tail -n 60 "$work/$t.replay.log"
    echo "test_fuzz_readers: $t fails on a regression input of $d (above)"; exit 1
  fi
  n=$(ls -A "$d" | wc -l)
  replayed=$((replayed + n))
  echo "$t: $n regression input(s) replayed without a failure"
done
echo "test_fuzz_readers: ${secs}s per target without a failure, $replayed regression input(s) replayed"

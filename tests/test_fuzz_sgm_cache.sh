#!/usr/bin/env bash
# Short libFuzzer runs (ASan + UBSan) of tests/fuzz/fuzz_sgm.c (SGM reader, tokenizer,
# detokenizer) and tests/fuzz/fuzz_cache.c (token-id cache reader, batching from a cache,
# vocabulary blocks), seeded with the fixtures and a real cache. Skips (exit 77) without
# clang's libFuzzer. Longer runs: S2S_FUZZ_SECONDS=600 (per target).
set -euo pipefail
src="${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
secs="${S2S_FUZZ_SECONDS:-10}"
command -v clang >/dev/null || { echo "test_fuzz_sgm_cache: no clang: skipped"; exit 77; }
work="$(mktemp -d /tmp/s2s_fuzz_data.XXXXXX)"
trap 'rm -rf "$work"' EXIT
flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I"$src/harness" -I"$src")
h="$src/harness"
build() { # build NAME SOURCES...
  local name=$1; shift
  if ! clang "${flags[@]}" -o "$work/$name" "$@" -lm 2>"$work/$name.log"; then
    if grep -q "fuzzer" "$work/$name.log" && ! grep -q "error:.*\.c:" "$work/$name.log"; then
      echo "test_fuzz_sgm_cache: clang cannot link libFuzzer: skipped"; cat "$work/$name.log"; exit 77
    fi
    cat "$work/$name.log"; exit 1
  fi
}
build fuzz_sgm "$src/tests/fuzz/fuzz_sgm.c" "$h/data/sgm.c" "$h/text/utf8.c" "$h/data/tokenize.c"
build fuzz_cache "$src/tests/fuzz/fuzz_cache.c" "$h/data/dataset_cache.c" "$h/data/dataset_batches.c" \
  "$h/data/dataset_build.c" "$h/data/dataset.c" "$h/data/tokenize.c" "$h/text/utf8.c" "$h/text/sha256.c" "$h/record/json.c" \
  "$h/record/atomic_file.c" "$src/model/vocab.c" "$src/model/checkpoint.c" "$src/model/batch.c" \
  "$src/model/config.c"
mkdir -p "$work/sgm" "$work/cache"
cp "$src/tests/fixtures/data/newstest-sample.sgm" "$work/sgm/"
printf '%s' '<seg id=1>L&apos;homme ⟨ph1⟩: e.g. don'"'"'t, http://x.org/a?b. « ok » ...</seg>' >"$work/sgm/text"
cd "$work"
run() { # run NAME CORPUS
  if ! S2S_FUZZ_FIXTURE="$src/tests/fixtures/data/enfr" S2S_FUZZ_SEED_DIR="$work/cache" \
      "./$1" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -close_fd_mask=1 "$2" >"$work/$1.out" 2>&1; then
    tail -n 60 "$work/$1.out"
    for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do [ -f "$f" ] && od -c "$f" | head -20; done
    echo "test_fuzz_sgm_cache: $1 found a failure"; exit 1
  fi
  grep -E "stat::number_of_executed_units|INITED|DONE" "$work/$1.out" | tail -3
}
run fuzz_sgm sgm
run fuzz_cache cache
test -s "$work/cache/fixture.ids" || { echo "test_fuzz_sgm_cache: no seed cache was built"; exit 1; }
echo "test_fuzz_sgm_cache: ${secs}s per target without a failure"

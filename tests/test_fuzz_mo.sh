#!/usr/bin/env bash
# Short libFuzzer run of tests/fuzz/fuzz_mo_reader.c (the .mo reader, normalisation and
# placeholder masking round trip) with ASan and UBSan, seeded with the fixture catalogs.
# Skips (exit 77) without clang's libFuzzer. Longer runs: S2S_FUZZ_SECONDS=600.
set -euo pipefail
src="${S2S_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
secs="${S2S_FUZZ_SECONDS:-20}"
command -v clang >/dev/null || { echo "test_fuzz_mo: no clang: skipped"; exit 77; }
work="$(mktemp -d /tmp/s2s_fuzz_mo.XXXXXX)"
trap 'rm -rf "$work"' EXIT
if ! clang -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I"$src/harness" -I"$src" -o "$work/fuzz_mo_reader" \
    "$src/tests/fuzz/fuzz_mo_reader.c" "$src/harness/corpus/mo_reader.c" "$src/harness/corpus/corpus_text.c" \
    "$src/harness/corpus/corpus_mask.c" "$src/harness/text/utf8.c" "$src/harness/text/unicode_tables.c" \
    2>"$work/build.log"; then
  if grep -q "fuzzer" "$work/build.log" && ! grep -q "error:.*\.c:" "$work/build.log"; then
    echo "test_fuzz_mo: clang cannot link libFuzzer: skipped"; cat "$work/build.log"; exit 77
  fi
  cat "$work/build.log"; exit 1
fi
mkdir -p "$work/corpus"
cp "$src"/tests/fixtures/mo/*.mo "$src"/tests/fixtures/corpus/*.mo "$work/corpus/"
printf '%s' '_Open %s <b>x</b> &amp; {0} %1$s &File' >"$work/corpus/text-seed"
cd "$work"
if ! ./fuzz_mo_reader -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -close_fd_mask=1 corpus >"$work/fuzz.log" 2>&1; then
  tail -n 60 "$work/fuzz.log"
  ls "$work"/crash-* "$work"/timeout-* "$work"/leak-* 2>/dev/null && \
    for f in "$work"/crash-* "$work"/leak-*; do [ -f "$f" ] && od -c "$f" | head -20; done
  echo "test_fuzz_mo: the fuzzer found a failure"; exit 1
fi
grep -E "stat::number_of_executed_units|Done" "$work/fuzz.log" | tail -2
echo "test_fuzz_mo: ${secs}s without a failure"

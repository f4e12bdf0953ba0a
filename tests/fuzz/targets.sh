# shellcheck shell=bash
# Every libFuzzer target of tests/fuzz/, in one place (sourced, not run): the C files each
# one needs, its seeds, and how it is built, run and replayed. Used by
# tests/test_fuzz_readers.sh (CI: short runs, regression replays) and scripts/fuzz.sh (the
# campaign). tests/test_fuzz_mo.sh and tests/test_fuzz_sgm_cache.sh build and run the
# first three targets on their own; the sources listed here for them are theirs.
# Needs: src (the source tree). Builds with clang -fsanitize=fuzzer,address,undefined.

S2S_FUZZ_TARGETS="fuzz_mo_reader fuzz_sgm fuzz_cache fuzz_json fuzz_ckpt fuzz_sweep fuzz_tuning fuzz_cost"
S2S_FUZZ_READERS="fuzz_json fuzz_ckpt fuzz_sweep fuzz_tuning fuzz_cost" # tests/test_fuzz_readers.sh

s2s_fuzz_sources() { # s2s_fuzz_sources NAME: the C files of target NAME
  local h="$src/harness" m="$src/model"
  case "$1" in
  fuzz_mo_reader) echo "$h/corpus/mo_reader.c $h/corpus/corpus_text.c $h/corpus/corpus_mask.c" \
      "$h/text/utf8.c $h/text/unicode_tables.c" ;;
  fuzz_sgm) echo "$h/data/sgm.c $h/text/utf8.c $h/data/tokenize.c" ;;
  fuzz_cache) echo "$h/data/dataset_cache.c $h/data/dataset_batches.c $h/data/dataset_build.c" \
      "$h/data/dataset.c $h/data/tokenize.c $h/text/utf8.c $h/text/sha256.c $h/record/json.c" \
      "$h/record/atomic_file.c $m/vocab.c $m/checkpoint.c $m/batch.c $m/config.c" ;;
  fuzz_json) echo "$h/record/json_read.c" ;;
  fuzz_ckpt) # translate_io.c and reference.c call the rest of the data and model code
    echo "$m/checkpoint.c $m/params.c $m/config.c $m/vocab.c $m/reference.c $m/embedding.c" \
      "$m/encoder.c $m/lstm.c $m/lstm_cell.c $m/optimizer.c $m/softmax_xent.c $m/batch.c" \
      "$h/decode/translate_io.c $h/data/dataset.c $h/data/dataset_cache.c" \
      "$h/data/dataset_batches.c $h/data/dataset_build.c $h/data/tokenize.c $h/text/sha256.c" \
      "$h/corpus/corpus_mask.c $h/corpus/corpus_text.c $h/text/unicode_tables.c $h/text/utf8.c" \
      "$h/record/json.c $h/record/atomic_file.c" ;;
  fuzz_sweep) echo "$src/bench/sweep_config.c $h/step/pipeline_split.c $h/args/args.c $m/config.c" ;;
  fuzz_tuning) echo "$h/blas/tuning.c $h/blas/tuning_parse.c $h/record/json_read.c $h/record/json.c" \
      "$h/record/atomic_file.c" ;;
  fuzz_cost) echo "$h/profile/cost_table.c $h/plan/plan.c $h/record/atomic_file.c" \
      "$h/record/tsv_fields.c" ;;
  *) return 1 ;;
  esac
}

# s2s_fuzz_build NAME OUT_DIR: builds OUT_DIR/NAME (log OUT_DIR/NAME.build.log). Returns 0,
# 77 when clang is missing or cannot link libFuzzer, 1 on a compile error.
s2s_fuzz_build() {
  local name=$1 out=$2 files
  command -v clang >/dev/null || return 77
  files=$(s2s_fuzz_sources "$name") || { echo "unknown fuzz target '$name'" >&2; return 1; }
  # shellcheck disable=SC2086
  if ! clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g \
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -I"$src/harness" -I"$src" -I"$src/tests/fuzz" -o "$out/$name" \
      "$src/tests/fuzz/$name.c" $files -lm >"$out/$name.build.log" 2>&1; then
    if grep -q "fuzzer" "$out/$name.build.log" && ! grep -q "error:.*\.c:" "$out/$name.build.log"; then
      return 77
    fi
    return 1
  fi
}

# s2s_fuzz_seed NAME DIR [S2SBENCH]: copies the repository's files that target NAME reads
# into DIR (the binary, when given and working, also trains two tiny checkpoints).
s2s_fuzz_seed() {
  local name=$1 dir=$2 bin=${3:-} f
  mkdir -p "$dir"
  case "$name" in
  fuzz_mo_reader)
    cp "$src"/tests/fixtures/mo/*.mo "$src"/tests/fixtures/corpus/*.mo "$dir/"
    printf '%s' '_Open %s <b>x</b> &amp; {0} %1$s &File' >"$dir/text-seed" ;;
  fuzz_sgm)
    cp "$src/tests/fixtures/data/newstest-sample.sgm" "$dir/"
    printf '%s' '<seg id=1>L&apos;homme ⟨ph1⟩: e.g. don'"'"'t, http://x.org/a?b. « ok » ...</seg>' >"$dir/text" ;;
  fuzz_cache) : ;; # the target writes a real cache at start-up (S2S_FUZZ_SEED_DIR)
  fuzz_json)
    local i=0
    while IFS= read -r f; do
      i=$((i + 1)); cp "$f" "$dir/seed-$i.json"
    done < <(find "$src/results" "$src/tests/fixtures" -name '*.json' -size -64k \
               -not -path '*/local/*' | sort | head -n 40)
    printf '%s' '{"a":[1,-0.5e+3,"\u00e9\ud83d\ude00\n",true,false,null,{}],"b.c":{"":[]}}' >"$dir/escapes" ;;
  fuzz_ckpt) # the target writes two tiny checkpoints at start-up (S2S_FUZZ_SEED_DIR)
    if [ -n "$bin" ] && [ -x "$bin" ]; then
      local t; t=$(mktemp -d "${TMPDIR:-/tmp}/s2s_fuzz_ckpt.XXXXXX")
      timeout 120 "$bin" train --preset tiny --task copy --layers 1 --hidden 4 --embed 4 \
        --src-vocab 8 --tgt-vocab 8 --steps 1 --quiet --checkpoint "$dir/train-copy.ckpt" \
        >/dev/null 2>&1 || true
      timeout 120 "$bin" train --preset tiny --data "$src/tests/fixtures/data/enfr" --cache-dir "$t" \
        --layers 1 --hidden 4 --embed 4 --src-vocab 40 --tgt-vocab 40 --batch 4 --steps 1 --quiet \
        --checkpoint "$dir/train-corpus.ckpt" >/dev/null 2>&1 || true
      rm -rf "$t"
    fi ;;
  fuzz_sweep)
    cp "$src"/bench/sweeps/*.cfg "$dir/"
    for f in "$src"/tests/fixtures/results/sweep-*/*.cfg; do [ -f "$f" ] && cp "$f" "$dir/"; done
    printf 'devices = cpu/1 gpu@2\nsplit.2 = layers=0,1;softmax=1,0\nsplit.1 = default\npresets = tiny small\nbatches = 4 8\nlens = 3\nhidden = 16 # x\ntgt-vocab = 9\n' >"$dir/grid.cfg" ;;
  fuzz_tuning)
    cp "$src"/results/tuning/*.json "$dir/" 2>/dev/null || true
    for f in "$src"/tests/fixtures/tuning/*/*; do
      [ -f "$f" ] && cp "$f" "$dir/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
    # small ones too: mutations of a 30 KB log are slow
    printf '%s' '{"device":{"name":"X"},"kernels":[{"kernel":"Xgemm","family":"xgemm_1","m":8,"time_ms":1.5,"complete":false,"parameters":{"MWG":16,"KWG":1}}]}' >"$dir/small-tuning.json"
    printf '%s' '{"kernel_family":"xgemm_direct_2","arg_m":"64","arg_n":8,"results":[{"kernel":"XgemmDirectNN","time":2.5,"parameters":{"WGD":8,"PRECISION":32}},{"time":1,"parameters":{"WGD":16}}]}' >"$dir/small-tuner.json"
    printf '%s\n' '-m 64' '-n 8' '* Parameters explored: KWID MDIMCD PRECISION' \
      '|    1 |   4 |  2 8 32 |  8  8 |  64  64 | OK  1 ms |  2.50 ms |  3.1 | results match |' \
      '|    2 |   4 |  2 16 32 |  8  8 |  64  64 | OK  1 ms |  1.50 ms |  5.1 | results match |' \
      '* Parameters explored: WGD' \
      '|    1 |   2 |  16 |  8  8 |  64  64 | OK  1 ms |  1.00 ms |  9.0 | results match |' \
      >"$dir/small-log.txt" ;;
  fuzz_cost)
    local i=0
    while IFS= read -r f; do
      i=$((i + 1)); head -c 8192 "$f" >"$dir/seed-$i.tsv"
    done < <(find "$src/results" -name 'cost.tsv' -not -path '*/local/*' | sort | head -n 8)
    printf '# s2sbench cost table v1\n# device X\n# memory 1024 512\n# link 1e-05 1000000000\nop\twhat\tm\tn\tk\tta\ttb\telems\tseconds\tsamples\ngemm\tgemm\t64\t1024\t256\tN\tT\t0\t0.001\t3\nkernel\taxpy\t0\t0\t0\t-\t-\t1000\t2e-05\t1\nhost\tgemm\t0\t0\t0\t-\t-\t0\t2e-05\t9\n' >"$dir/small.tsv" ;;
  *) return 1 ;;
  esac
  return 0
}

# s2s_fuzz_opts NAME: target NAME's own libFuzzer options: its dictionary, its input size
# limit (fuzz_tuning: 4 KB, its 30 KB seed logs are cut, or mutating them costs 5x the runs).
s2s_fuzz_opts() {
  case "$1" in
  fuzz_json) echo "-dict=$src/tests/fuzz/json.dict -max_len=65536" ;;
  fuzz_tuning) echo "-dict=$src/tests/fuzz/json.dict -max_len=4096" ;;
  fuzz_sweep) echo "-dict=$src/tests/fuzz/sweep.dict -max_len=65536" ;;
  fuzz_cost) echo "-max_len=16384" ;;
  *) echo "-max_len=65536" ;;
  esac
}

# s2s_fuzz_run NAME WORK CORPUS SECONDS LOG [ARGS...]: runs WORK/NAME for SECONDS on CORPUS
# (new inputs are added to it), crash files as WORK/crash-*, libFuzzer's output in LOG.
# Returns libFuzzer's status (0: no failure; libFuzzer's own failure status is 77).
s2s_fuzz_run() {
  local name=$1 work=$2 corpus=$3 secs=$4 log=$5 opts
  shift 5
  opts=$(s2s_fuzz_opts "$name")
  # shellcheck disable=SC2086
  (cd "$work" && S2S_FUZZ_FIXTURE="$src/tests/fixtures/data/enfr" S2S_FUZZ_SEED_DIR="$corpus" \
    S2S_FUZZ_TMP="${S2S_FUZZ_TMP:-$work}" "./$name" -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=1 -artifact_prefix="$work/" \
    $opts "$@" "$corpus" >"$log" 2>&1)
}

# s2s_fuzz_replay NAME WORK LOG: runs WORK/NAME once on every file of
# tests/fuzz/regressions/NAME/ (none: returns 0). Returns libFuzzer's status.
s2s_fuzz_replay() {
  local name=$1 work=$2 log=$3 dir="$src/tests/fuzz/regressions/$1"
  [ -d "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ] || return 0
  (cd "$work" && S2S_FUZZ_FIXTURE="$src/tests/fixtures/data/enfr" S2S_FUZZ_TMP="${S2S_FUZZ_TMP:-$work}" \
    "./$name" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=1 "$dir"/* >"$log" 2>&1)
}

# s2s_fuzz_show_failure WORK LOG: the end of the log and every crash input, in hex (and
# copied to $S2S_FUZZ_ARTIFACTS when that names a folder).
s2s_fuzz_show_failure() {
  local f
  grep -vE '^#[0-9]+[[:space:]]|NEW_FUNC' "$2" | tail -n 60
  for f in "$1"/crash-* "$1"/leak-* "$1"/timeout-* "$1"/oom-* "$1"/slow-unit-*; do
    [ -f "$f" ] || continue
    echo "--- failing input $f ($(wc -c <"$f") bytes):"
    [ -n "${S2S_FUZZ_ARTIFACTS:-}" ] && [ -d "$S2S_FUZZ_ARTIFACTS" ] && cp "$f" "$S2S_FUZZ_ARTIFACTS/"
    od -A d -c "$f" | head -40
  done
}

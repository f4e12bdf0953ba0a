#!/usr/bin/env bash
# A fuzzing campaign over every libFuzzer target of tests/fuzz/ (tests/fuzz/targets.sh: the
# .mo reader, SGM reader, token-id cache, JSON reader, checkpoints, sweep configs, CLBlast
# tuning files and tuner outputs), one after the other, MINUTES each (default 10; decimals
# allowed, e.g. 0.5), built with ASan + UBSan. Writes a record:
#   results/<machine>/fuzz/fuzz.json   date, host, git commit (`git describe --always
#                                      --dirty`), clang, and per target: seconds, executions,
#                                      executions/s, coverage (libFuzzer's final cov: and
#                                      ft:), corpus size, new inputs, peak RSS, crashes
#   results/<machine>/fuzz/logs/NAME.log   the end of each libFuzzer log (its final stats)
# (named fuzz.json, not run.json: it is not a results-schema run record). Every crash found
# is copied to tests/fuzz/regressions/NAME/ (tests/test_fuzz_readers.sh replays them); a
# target stops at its first crash and the campaign goes on with the next one. The corpora
# persist in build/fuzz-corpus/NAME/, so campaigns build on each other.
#
# usage: scripts/fuzz.sh [MINUTES] [MACHINE]   MACHINE default: $S2S_MACHINE, else
#        debian12-2core-epyc-pocl. S2S_FUZZ_ONLY="fuzz_json fuzz_ckpt" picks targets.
#        S2S_FUZZ_RUNS=N: a target stops after N executions (libFuzzer -runs) or MINUTES,
#        whichever comes first; the record says whether each reached N (the goal: 1M).
# Exit: 0 without a crash, 1 when a target crashed (the record is written either way),
# 2 when a target does not build, 77 without clang's libFuzzer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=$root
minutes=${1:-10}
machine=${2:-${S2S_MACHINE:-debian12-2core-epyc-pocl}}
. "$src/tests/fuzz/targets.sh"
targets=${S2S_FUZZ_ONLY:-$S2S_FUZZ_TARGETS}
runs=${S2S_FUZZ_RUNS:-}
[ -z "$runs" ] || [[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: S2S_FUZZ_RUNS must be a positive integer (got '$runs')" >&2; exit 2; }
run_args=()
[ -n "$runs" ] && run_args=(-runs="$runs")
secs=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60 + 0.5); if (s < 1) s = 0; print s }')
[[ $machine =~ ^[A-Za-z0-9._-]+$ ]] || { echo "fuzz.sh: MACHINE is a folder name under results/ (got '$machine')" >&2; exit 2; }
[ "$secs" -ge 1 ] || { echo "fuzz.sh: MINUTES must be a positive number (got '$minutes')" >&2; exit 2; }
command -v clang >/dev/null || { echo "fuzz.sh: no clang (scripts/setup.sh installs it)" >&2; exit 77; }
command -v python3 >/dev/null || { echo "fuzz.sh: python3 is needed for the record" >&2; exit 2; }

out="$root/results/$machine/fuzz"
corpora="$root/build/fuzz-corpus"
work=$(mktemp -d /tmp/s2s_fuzz_campaign.XXXXXX)
S2S_FUZZ_TMP=$(mktemp -d /dev/shm/s2s_fuzz_campaign.XXXXXX 2>/dev/null || echo "$work/tmp")
mkdir -p "$S2S_FUZZ_TMP" "$out/logs" "$corpora"
export S2S_FUZZ_TMP
trap 'rm -rf "$work" "$S2S_FUZZ_TMP"' EXIT
bin=""
[ -x "$root/build/s2sbench" ] && bin="$root/build/s2sbench"

date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
echo "fuzz.sh: $(echo "$targets" | wc -w) targets x ${secs}s, commit $commit, record in $out"
: >"$work/targets.tsv"
crashed=0
for t in $targets; do
  tw="$work/$t"
  mkdir -p "$tw"
  rc=0
  s2s_fuzz_build "$t" "$tw" || rc=$?
  if [ "$rc" -eq 77 ]; then cat "$tw/$t.build.log"; echo "fuzz.sh: clang cannot link libFuzzer" >&2; exit 77; fi
  if [ "$rc" -ne 0 ]; then cat "$tw/$t.build.log"; echo "fuzz.sh: $t does not build" >&2; exit 2; fi
  s2s_fuzz_seed "$t" "$corpora/$t" "$bin"
  t0=$(date +%s.%N)
  rc=0
  s2s_fuzz_run "$t" "$tw" "$corpora/$t" "$secs" "$tw/fuzz.log" "${run_args[@]}" || rc=$?
  t1=$(date +%s.%N)
  kept=""
  for f in "$tw"/crash-* "$tw"/leak-* "$tw"/timeout-* "$tw"/oom-*; do
    [ -f "$f" ] || continue
    mkdir -p "$src/tests/fuzz/regressions/$t"
    cp "$f" "$src/tests/fuzz/regressions/$t/"
    kept="$kept tests/fuzz/regressions/$t/$(basename "$f")"
  done
  if [ "$rc" -ne 0 ]; then
    crashed=1
    echo "fuzz.sh: $t FAILED (status $rc):"
    s2s_fuzz_show_failure "$tw" "$tw/fuzz.log" | grep -vE '^ *#[0-9]+ 0x' | tail -n 30
  fi
  # the raw log's end: its last status line, the failure (if any), the final stats
  grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|NEW_FUNC|^ *#[0-9]+ 0x|# Uses: [0-9]+$|^###### ' \
    "$tw/fuzz.log" | tail -n 40 \
    >"$out/logs/$t.log.tmp"
  mv "$out/logs/$t.log.tmp" "$out/logs/$t.log"
  cp "$tw/fuzz.log" "$work/$t.fulllog"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$rc" "$t0" "$t1" "$(ls "$corpora/$t" | wc -l)" "${kept# }" \
    >>"$work/targets.tsv"
  echo "fuzz.sh: $t: $(grep -E '^#[0-9]+[[:space:]]' "$tw/fuzz.log" | tail -1 | tr -s '\t ' ' ')"
done

clang_version=$(clang --version | head -1)
python3 - "$work" "$out/fuzz.json" "$date_utc" "$commit" "$secs" "$clang_version" "$machine" \
  "${runs:-0}" <<'EOF'
import json, os, re, socket, sys
work, dest, date, commit, secs, clang, machine, runs = sys.argv[1:9]
runs = int(runs)
targets = []
for line in open(os.path.join(work, "targets.tsv")):
    name, rc, t0, t1, ncorp, kept = (line.rstrip("\n").split("\t") + [""])[:6]
    log = open(os.path.join(work, name + ".fulllog"), errors="replace").read()
    stat = dict(re.findall(r"^stat::(\w+):\s*(\S+)", log, re.M))
    status = re.findall(r"^#(\d+)\s+(INITED|NEW|REDUCE|pulse|DONE)\s+cov: (\d+) ft: (\d+) "
                        r"corp: (\d+)/(\S+)", log, re.M)
    last = status[-1] if status else None
    execs = int(stat.get("number_of_executed_units", last[0] if last else 0))
    wall = float(t1) - float(t0)
    failure = re.search(r"^(==\d+==ERROR: .*|SUMMARY: .*|.*runtime error: .*)$", log, re.M)
    targets.append({
        "name": name,
        "status": int(rc),
        "seconds": round(wall, 1),
        "executions": execs,
        "executions_per_s": int(stat["average_exec_per_sec"]) if "average_exec_per_sec" in stat
                            else round(execs / wall) if wall > 0 else 0,
        "coverage": {"cov": int(last[2]) if last else None, "ft": int(last[3]) if last else None},
        "corpus_units": int(last[4]) if last else None,
        "corpus_size": last[5] if last else None,
        "corpus_files": int(ncorp),
        "new_units": int(stat.get("new_units_added", 0)),
        "peak_rss_mb": int(stat.get("peak_rss_mb", 0)),
        "slowest_unit_s": int(stat.get("slowest_unit_time_sec", 0)),
        "crashes": len(kept.split()) if kept else 0,
        "crash_inputs": kept.split() if kept else [],
        "failure": failure.group(1).strip() if (failure and int(rc)) else None,
        "final_stats": [l for l in log.splitlines()
                        if l.startswith("stat::") or re.match(r"^#\d+\s+DONE", l)
                        or l.startswith("Done ")],
        "log": "logs/%s.log" % name,
    })
    if runs:
        targets[-1]["reached_executions_goal"] = execs >= runs
record = {
    "kind": "fuzz",
    "date": date,
    "host": socket.gethostname(),
    "machine": machine,
    "git_commit": commit,
    "git_tree_clean": not commit.endswith("-dirty"),
    "clang": clang,
    "sanitizers": "address,undefined (-fno-sanitize-recover=undefined)",
    "seconds_per_target": int(secs),
    "executions_goal": runs or None,
    "targets": targets,
    "crashes": sum(t["crashes"] for t in targets),
}
tmp = dest + ".tmp"
with open(tmp, "w") as f:
    json.dump(record, f, indent=2)
    f.write("\n")
os.replace(tmp, dest)
print("fuzz.sh: %-15s %9s %8s %6s %6s %s" % ("target", "execs", "execs/s", "cov", "ft", "crashes"))
for t in targets:
    print("fuzz.sh: %-15s %9d %8d %6s %6s %d" % (t["name"], t["executions"], t["executions_per_s"],
          t["coverage"]["cov"], t["coverage"]["ft"], t["crashes"]))
EOF
echo "fuzz.sh: record written to $out/fuzz.json"
exit "$crashed"

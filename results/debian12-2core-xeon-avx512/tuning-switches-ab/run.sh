#!/usr/bin/env bash
# A/B on Intel's runtime, small step: the per-class tuning file (old/: the first selection,
# which did not count switches) against the switch-aware one (new/: results/tuning), the
# same binary, interleaved over 4 rounds, the order turned round every other round.
# usage: run.sh OUT   (OUT holds old/ and new/; S2SBENCH [build/s2sbench])
out=${1:?usage: $0 OUT (with old/ and new/ tuning folders)}
bin=${S2SBENCH:-build/s2sbench}
for r in 1 2 3 4; do
  if [ $((r % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
  for v in $order; do
    S2S_TUNING_DIR=$out/$v $bin bench step --preset small --len 20 --trials 3 --device 1:0 \
      --out $out/$v-r$r | grep -E "words/s|switches" | sed "s/^/$v r$r /"
  done
done
python3 - "$out" <<'PY' | tee "$out/summary.txt"
import collections, glob, json, sys
d = collections.defaultdict(list)
for f in glob.glob(f"{sys.argv[1]}/*-r*/run.json"):
    k = f.split("/")[-2].rsplit("-r", 1)[0]
    s = json.load(open(f))["summary"]
    d[k].append((s["words_per_s"], s["tuning_switches"], s["gemm_in_step_s"]))
for k in sorted(d):
    w = [x[0] for x in d[k]]
    print(k, "words/s min %.0f max %.0f" % (min(w), max(w)), "switches",
          sorted(set(x[1] for x in d[k])), "GEMM in step s", sorted(round(x[2], 4) for x in d[k]))
PY

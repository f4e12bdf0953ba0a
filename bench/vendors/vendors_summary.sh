#!/usr/bin/env bash
# The summary of a bench/vendors/step_vendors.sh folder, from its records alone (so it can
# be drawn again): summary.tsv (words/s per platform and tuning, min, median, max over the
# rounds, and the PyTorch peer's; a short label per row), the table in summary.txt after its
# platforms line, and with gnuplot OUT/figures: vendors (words/s) and gemm (GFLOP/s per
# shape: each platform default and tuned, OpenBLAS, the estimated peak).
# usage: bench/vendors/vendors_summary.sh OUT   (S2SBENCH [build/s2sbench])
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${S2SBENCH:-$root/build/s2sbench}
out=${1:?usage: $0 OUT}
[ -f "$out/summary.txt" ] && sed -i '/^run  /,$d' "$out/summary.txt"
python3 - "$out" <<'PY' | tee -a "$out/summary.txt" > /dev/null
import glob, json, os, statistics, sys
out = sys.argv[1]
rows = []
for d in sorted(glob.glob(f"{out}/step-*-tuning-*")) + sorted(glob.glob(f"{out}/peer-pytorch-step")):
    ws = []
    for f in sorted(glob.glob(f"{d}/round*/run.json")):
        r = json.load(open(f))
        ws.append(r["summary"]["words_per_s"])
        dev = r["devices"][0]
        name = dev.get("platform", dev.get("name", "?"))
        run = os.path.basename(d)
        if run == "peer-pytorch-step":
            v = r.get("versions", {})
            label = f"PyTorch {v.get('torch', '?').split('+')[0]} ({v.get('blas', '?').upper()})"
        else:
            drv = dev.get("driver", "")
            if name.startswith("Portable Computing"):  # PoCL 3.1+debian: PoCL 3.1
                short = "PoCL " + drv.split("+")[0]
            elif name.startswith("Intel"):  # 2026.22.10.0.01_160000: Intel 2026.22
                short = "Intel " + ".".join(drv.split(".")[:2])
            else:
                short = f"{name} {drv}"
            label = short + (", tuned" if run.endswith("-on") else ", CLBlast defaults")
    if ws:
        rows.append((run, name, min(ws), statistics.median(ws), max(ws), len(ws), label))
with open(f"{out}/summary.tsv", "w") as t:
    t.write("run\tplatform\twords_per_s_min\twords_per_s_median\twords_per_s_max\trounds\tlabel\n")
    for row in rows:
        t.write("%s\t%s\t%.0f\t%.0f\t%.0f\t%d\t%s\n" % row)
peer = [r for r in rows if r[0] == "peer-pytorch-step"]
print("run                       words/s min  median   max  share of the PyTorch peer (medians)")
for r in rows:
    share = " %.2f" % (r[3] / peer[0][3]) if peer else ""
    print("%-25s %11.0f %7.0f %5.0f %s" % (r[0], r[2], r[3], r[4], share))
PY
cat "$out/summary.txt"
if command -v gnuplot > /dev/null; then
  gemms=(); for g in "$out"/gemm-*/; do [ -d "$g" ] && gemms+=("$g"); done
  [ -d "$out/peer-numpy-gemm" ] && gemms+=("$out/peer-numpy-gemm")
  "$bin" plot "$out" "${gemms[@]}" --out "$out/figures"
fi

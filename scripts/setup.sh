#!/usr/bin/env bash
# Installs what s2sbench needs on Debian/Ubuntu (build tools, OpenCL ICD loader and headers,
# PoCL as the CPU OpenCL device, CLBlast, hwloc, gnuplot; clang with its libFuzzer and
# sanitizer runtimes for the fuzz tests; sacreBLEU and regex from PyPI, at the versions
# pinned in scripts/requirements-oracle.txt, for the BLEU cross-check) and only what is
# missing or at another version. Idempotent and quiet when everything is there.
# hwloc's libxml2 XML reader (libhwloc-plugins) is neither needed nor in the way: the XML
# fixture is in the form hwloc's built-in reader reads.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-headers
      pocl-opencl-icd clinfo libclblast-dev clblast-utils libhwloc-dev hwloc gnuplot-nox
      gettext python3 python3-pip python3-venv ca-certificates
      clang libclang-rt-dev)  # libclang-rt-dev: libFuzzer, ASan, UBSan (tests/test_fuzz_*.sh)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# sacreBLEU is the oracle of the BLEU tests; it lives in a project-local venv so the system
# Python stays untouched (Debian's pip refuses system installs). Exact versions: a newer
# regex or sacreBLEU may classify or score differently from what the C side reproduces.
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/build/venv
req=$root/scripts/requirements-oracle.txt
pins_ok() { # every name==version of $req is what the venv has
  "$venv/bin/python" - "$req" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if line:
        name, want = (x.strip() for x in line.split("=="))
        if version(name) != want:
            sys.exit(1)
PY
}
if ! pins_ok; then
  echo "setup: installing $(grep -v '^#' "$req" | xargs) into $venv"
  mkdir -p "$root/build"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" ||
    echo "setup: WARNING: the pinned sacrebleu could not be installed; the sacreBLEU cross-check will be skipped (and scripts/test.sh fail)" >&2
  pins_ok || echo "setup: WARNING: $venv does not hold the versions of $req" >&2
fi

if ! clinfo -l 2>/dev/null | grep -q Device; then
  echo "setup: WARNING: no OpenCL device visible (clinfo -l lists none)" >&2
fi

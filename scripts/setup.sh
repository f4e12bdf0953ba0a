#!/usr/bin/env bash
# Installs what s2sbench needs on Debian/Ubuntu (build tools, OpenCL ICD loader and headers,
# PoCL as the CPU OpenCL device, CLBlast, hwloc, gnuplot; sacreBLEU from PyPI for the BLEU
# cross-check) and only what is missing. Idempotent and quiet when everything is there.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-headers
      pocl-opencl-icd clinfo libclblast-dev clblast-utils libhwloc-dev hwloc gnuplot-nox
      gettext python3 python3-pip python3-venv ca-certificates)
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
# Python stays untouched (Debian's pip refuses system installs).
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/build/venv
if ! "$venv/bin/python" -c 'import sacrebleu' 2>/dev/null; then
  echo "setup: installing sacrebleu into $venv"
  mkdir -p "$root/build"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'sacrebleu>=2.4,<3' ||
    echo "setup: WARNING: sacrebleu could not be installed; the sacreBLEU cross-check will be skipped" >&2
fi

if ! clinfo -l 2>/dev/null | grep -q Device; then
  echo "setup: WARNING: no OpenCL device visible (clinfo -l lists none)" >&2
fi

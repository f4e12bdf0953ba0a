#!/usr/bin/env bash
# Installs what s2sbench needs on Debian/Ubuntu (build tools, OpenCL ICD loader and headers,
# PoCL as the CPU OpenCL device, CLBlast, hwloc, gnuplot; clang with its libFuzzer and
# sanitizer runtimes for the fuzz tests; sacreBLEU and regex from PyPI, at the versions
# pinned in scripts/requirements-oracle.txt, for the BLEU cross-check; Intel's OpenCL CPU
# runtime from PyPI as a second CPU platform) and only what is missing or at another
# version. Idempotent and quiet when everything is there.
# hwloc's plugins (libhwloc-plugins, a dependency of Open MPI's library) are neither needed
# nor in the way: the XML fixture is in the form hwloc's built-in reader reads, and the PCI
# plugin gives GPUs their PCI locality where there are some.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-headers
      pocl-opencl-icd clinfo libclblast-dev clblast-utils libhwloc-dev hwloc gnuplot-nox
      gettext python3 python3-pip python3-venv ca-certificates
      openmpi-bin libopenmpi-dev  # Open MPI: pipeline stages in separate processes (mpirun)
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

# Intel's OpenCL CPU runtime: a second CPU platform next to PoCL (its own compiler and
# threading, so the same kernels and GEMMs are measured on two OpenCL implementations).
# From PyPI wheels (pip --prefix: the wheels' libraries land in PREFIX/lib; pip --target
# drops them, since the wheels place them outside the package folder). As root into
# /opt/s2sbench/intel-ocl-<pins>, one copy per pin set shared by every checkout on the
# machine: the ICD file is machine-wide, and pointing it into one checkout's build/ broke
# the others when that checkout went (a CI clone, removed after its run). Installed under a
# temporary name and renamed, so two setups at once never see half a runtime. Not root:
# build/intel-ocl. --no-deps with every pin given: tbb's declared tcmlib is not needed.
# The ICD loader finds it through /etc/OpenCL/vendors/intel-cpu-s2s.icd (full path of
# libintelocl.so); its dependent libraries (libtbb, libimf, libsvml, ...) are found through
# its own RUNPATH $ORIGIN, so no ld.so.conf.d entry: that folder also holds Intel's own
# libOpenCL.so.1, which would then shadow the system ICD loader for every program.
# Not root: a vendors folder of our own (the system's .icd files + Intel's) and the line
# to export. S2S_INTEL_OCL=0 leaves it out (PoCL alone). A failed download is one
# WARNING: everything runs on PoCL alone (tests/test_pipeline's mixed case then skips).
intel_pins=(intel-opencl-rt==2026.2.0 tbb==2023.2.0 intel-cmplr-lib-rt==2026.2.0
            intel-cmplr-lic-rt==2026.2.0)
if [ "$(id -u)" -eq 0 ]; then
  ocl=/opt/s2sbench/intel-ocl-$(printf '%s' "${intel_pins[*]}" | sha256sum | cut -c1-12)
else
  ocl=$root/build/intel-ocl
fi
ocl_lib=$ocl/lib/libintelocl.so
icd=/etc/OpenCL/vendors/intel-cpu-s2s.icd
if [ "${S2S_INTEL_OCL:-1}" != 0 ]; then
  if [ "$(cat "$ocl/.s2s-pins" 2>/dev/null)" != "${intel_pins[*]}" ] || [ ! -f "$ocl_lib" ]; then
    echo "setup: installing Intel's OpenCL CPU runtime (${intel_pins[*]}) into $ocl"
    staging=$ocl.tmp.$$
    rm -rf "$staging"
    mkdir -p "$staging"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >/dev/null 2>&1 || true
    if "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --prefix "$staging" \
         "${intel_pins[@]}" >"$root/build/intel-ocl.log" 2>&1 &&
       [ -f "$staging/lib/libintelocl.so" ]; then
      echo "${intel_pins[*]}" >"$staging/.s2s-pins"
      rm -rf "$ocl"
      mv -T "$staging" "$ocl"
    else
      rm -rf "$staging"
      echo "setup: WARNING: Intel's OpenCL CPU runtime could not be installed (see build/intel-ocl.log): running on PoCL alone (tests/test_pipeline's mixed-vendor case skips, so scripts/test.sh fails)" >&2
    fi
  fi
  if [ -f "$ocl_lib" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      if [ "$(cat "$icd" 2>/dev/null)" != "$ocl_lib" ]; then
        mkdir -p /etc/OpenCL/vendors
        echo "$ocl_lib" >"$icd"
      fi
    else # a vendors folder of our own: the loader then reads only this folder
      vend=$ocl/vendors
      mkdir -p "$vend"
      cp -f /etc/OpenCL/vendors/*.icd "$vend/" 2>/dev/null || true
      echo "$ocl_lib" >"$vend/intel-cpu-s2s.icd"
      case "${OCL_ICD_VENDORS:-}" in
        "$vend"|"$vend/") ;;
        *) echo "setup: not root: Intel's OpenCL CPU platform is registered in $vend only; to use it: export OCL_ICD_VENDORS=$vend" ;;
      esac
    fi
  fi
fi
# our .icd naming a library that is no longer there (build/ removed, S2S_INTEL_OCL=0)
if [ -f "$icd" ] && { [ "${S2S_INTEL_OCL:-1}" = 0 ] || [ ! -f "$(cat "$icd")" ]; } &&
   [ -w "$(dirname "$icd")" ]; then
  rm -f "$icd"
fi

# captured first: with pipefail, grep -q ending the pipe early makes clinfo's SIGPIPE fail it
listed=$(clinfo -l 2>/dev/null || true)
if ! grep -q Device <<<"$listed"; then
  echo "setup: WARNING: no OpenCL device visible (clinfo -l lists none)" >&2
fi

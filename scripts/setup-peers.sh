#!/usr/bin/env bash
# Puts the peers' libraries (bench/peers/: PyTorch's training step, numpy's and PyTorch's
# GEMMs) into build/peer-venv at the versions pinned in scripts/requirements-peers.txt.
# Not part of setup.sh or CI: torch 2.15.0 from PyPI pulls in its NVIDIA CUDA wheels
# (several GB, also on a CPU-only machine); that is accepted for a peer measured by hand.
# Idempotent: does nothing when the venv holds the pinned versions.
# usage: scripts/setup-peers.sh   (then build/peer-venv/bin/python bench/peers/...)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/build/peer-venv
req=$root/scripts/requirements-peers.txt
pins_ok() { # every name==version of $req is what the venv has (a local label as +cu132 aside)
  "$venv/bin/python" - "$req" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if line:
        name, want = (x.strip() for x in line.split("=="))
        if version(name).split("+", 1)[0] != want:
            sys.exit(1)
PY
}
if pins_ok; then
  echo "setup-peers: $venv holds $(grep -v '^#' "$req" | xargs)"
  exit 0
fi
echo "setup-peers: installing $(grep -v '^#' "$req" | xargs) into $venv (torch brings several GB of CUDA wheels)"
mkdir -p "$root/build"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
pins_ok || { echo "setup-peers: $venv does not hold the versions of $req" >&2; exit 1; }
echo "setup-peers: done"

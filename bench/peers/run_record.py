"""What the peers' results records share with the C writers (harness/run/run_record.c,
results/README.md): the presets of model/config.c, the metadata that starts every run.json,
the CPU as a device, files written to a temporary name and renamed, and a copy of what was
printed (terminal.txt). Python 3 standard library only: the peers import it before their
numerical library, so that thread settings can still reach it.
"""
import datetime
import json
import os
import platform
import re
import socket
import subprocess
import sys

SCHEMA_VERSION = 1  # results/README.md
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# s2s_config_preset (model/config.c); tests/test_peers.sh compares them with s2sbench's help
PRESETS = {
    "tiny": {"layers": 2, "hidden": 64, "embed": 64, "src_vocab": 64, "tgt_vocab": 64,
             "batch": 32, "max_len": 16, "lr": 5.0},
    "small": {"layers": 2, "hidden": 256, "embed": 256, "src_vocab": 16000,
              "tgt_vocab": 16000, "batch": 64, "max_len": 50, "lr": 0.7},
    "paper": {"layers": 4, "hidden": 1000, "embed": 1000, "src_vocab": 160000,
              "tgt_vocab": 80000, "batch": 128, "max_len": 50, "lr": 0.7},
}
OPTIMISER = {"clip": 5.0, "init_scale": 0.08, "decay_start": 5.0, "decay_every": 0.5,
             "epochs": 7.5, "seed": 1}  # set_paper_optimiser, shared by every preset
SIZE_FLAGS = ("layers", "hidden", "embed", "src_vocab", "tgt_vocab", "batch")
ENV_PREFIXES = ("POCL_", "OCL_ICD", "CLBLAST_", "S2S_", "CUDA_VISIBLE", "OMP_", "HWLOC_",
                "OPENBLAS_", "GOTO", "MKL_", "KMP_", "TORCH_", "PYTORCH_")
# as the command was started: read before a peer sets a thread count or a library sets its
# own (threadpoolctl sets KMP_DUPLICATE_LIB_OK when it loads)
ENVIRONMENT = {k: v for k, v in sorted(os.environ.items()) if k.startswith(ENV_PREFIXES)}


def positive(text):
    v = int(text)
    if v < 1:
        raise ValueError(text)
    return v


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def add_config_args(ap, default="small"):
    ap.add_argument("--preset", default=default, choices=PRESETS)
    for k in SIZE_FLAGS:
        ap.add_argument("--" + k.replace("_", "-"), type=positive, metavar="N",
                        help="overrides the preset's " + k)


def config_from_args(a):
    """The config block of run.json, keys in s2s_run_record_config's order."""
    c = {"preset": a.preset, **PRESETS[a.preset], **OPTIMISER}
    for k in SIZE_FLAGS:
        if getattr(a, k) is not None:
            c[k] = getattr(a, k)
    order = ("preset", "layers", "hidden", "embed", "src_vocab", "tgt_vocab", "batch",
             "max_len", "lr", "clip", "init_scale", "decay_start", "decay_every", "epochs",
             "seed")
    return {k: c[k] for k in order}


def git_commit():
    """cmake/git_commit.cmake's convention: `git describe --always --dirty --abbrev=12`, of
    the source the peer runs from (read now: the peers are not built)."""
    try:
        out = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty",
                              "--abbrev=12"], capture_output=True, text=True, check=True)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpuinfo():
    """The first CPU's fields of /proc/cpuinfo ({} where there is none)."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                info.setdefault(k.strip(), v.strip())
    except OSError:
        pass
    return info


def cpu_device(threads, library):
    """The CPU as the record's device: what /proc/cpuinfo calls it, the threads the library
    was given, and the library in `driver` (a figure's legend names name and driver)."""
    info = cpuinfo()
    return {"name": info.get("model name") or platform.processor() or platform.machine(),
            "vendor": info.get("vendor_id", "unknown"), "type": "CPU", "driver": library,
            "threads": int(threads), "logical_cpus": os.cpu_count() or 0,
            "cpus_allowed": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 0}


def cpu_peak(threads):
    """The FP32 peak of `threads` cores, estimated from /proc/cpuinfo: lanes per vector
    (16 with AVX-512, 8 with AVX2, else 4) x 2 (an FMA) x FMA units per core (Intel's
    AVX-512 cores have two 512-bit units; AMD's Zen 4 runs a 512-bit FMA on its two
    256-bit units, one per cycle; AVX2 cores two 256-bit units) x the clock /proc/cpuinfo
    reports (a VM's nominal clock; turbo can be higher). Returns (GFLOP/s, the basis in
    words), or (None, why) when the clock is unknown. An estimate, not a measurement: a
    library that beats it says the guess of the units or the clock was low."""
    info = cpuinfo()
    flags = info.get("flags", "").split()
    try:
        mhz = float(info.get("cpu MHz", ""))
    except ValueError:
        return None, "no clock in /proc/cpuinfo"
    intel = info.get("vendor_id") == "GenuineIntel"
    if "avx512f" in flags:
        lanes, units = 16, 2 if intel else 1
    elif "avx2" in flags and "fma" in flags:
        lanes, units = 8, 2
    else:
        lanes, units = 4, 1
    gflops = threads * lanes * 2 * units * mhz / 1000
    cores = f"{threads} core{'s' if threads != 1 else ''}"
    return gflops, (f"{cores} x {lanes} lanes x 2 (FMA) x {units} FMA unit(s) x "
                    f"{mhz / 1000:.2f} GHz (/proc/cpuinfo)")


def torch_versions(torch, cuda=False):
    """PyTorch and the BLAS it was built with: torch.__config__.show()'s BLAS_INFO and the
    library's own line (for MKL, Intel oneAPI MKL's version)."""
    shown = torch.__config__.show()
    m = re.search(r"BLAS_INFO=([^,\s]+)", shown)
    blas = m.group(1) if m else "unknown"
    key = "math kernel library" if blas == "mkl" else blas.lower()
    line = next((l.strip(" -") for l in shown.splitlines()
                 if key in l.lower() and "BLAS_INFO" not in l), "unknown")
    v = {"torch": torch.__version__, "blas": blas, "blas_version": line}
    if cuda:
        v["cuda"] = torch.version.cuda
    return v


def meta(kind, versions, devices, config):
    """The keys every run.json starts with (s2s_run_record_meta, s2s_run_record_config)."""
    commit = git_commit()
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "command": [sys.executable] + sys.argv,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": socket.gethostname(),
        "git_commit": commit,
        "git_tree_clean": commit != "unknown" and not commit.endswith("-dirty"),
        "versions": {"python": platform.python_version(), **versions},
        "devices": devices,
        "environment": ENVIRONMENT,
        "config": config,
    }


def check_out_dir(path):
    """Refuses an --out that cannot be written before anything is measured."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        sys.exit(f"{os.path.basename(sys.argv[0])}: --out: cannot create '{path}': {e}")
    if not os.access(path, os.W_OK | os.X_OK):
        sys.exit(f"{os.path.basename(sys.argv[0])}: --out: '{path}' is not writable")


def write_file(folder, name, text):
    """folder/name.tmp, synced, then renamed: a reader sees the whole file or none."""
    path = os.path.join(folder, name)
    tmp = path + ".tmp"
    try:
        with open(tmp, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_record(folder, files, record):
    """The TSVs and terminal.txt first, run.json last (as s2s_micro_write): a folder with a
    run.json holds the whole record."""
    os.makedirs(folder, exist_ok=True)
    for name, text in files:
        write_file(folder, name, text)
    write_file(folder, "run.json", json.dumps(record, indent=1) + "\n")


def tsv(header, rows):
    return "".join("\t".join(map(str, r)) + "\n" for r in [header] + list(rows))


class Terminal:
    """Prints and keeps each line, for terminal.txt."""

    def __init__(self):
        self.lines = []

    def say(self, line=""):
        print(line, flush=True)
        self.lines.append(line)

    def text(self):
        return "".join(line + "\n" for line in self.lines)


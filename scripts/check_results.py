#!/usr/bin/env python3
"""Checks result folders against the results schema (results/README.md).

usage: scripts/check_results.py [--require-clean] PATH...   (a run folder, a sweep folder,
       a run.json, or results/tuning/<device>.json; the peers' records of bench/peers/
       too); exit status 0 when every record conforms, 1 otherwise. --require-clean also
       refuses a record written by a build of a dirty tree (git_commit ending in -dirty):
       reference results must name a commit.
A sweep folder is checked with every point folder under it. Python 3 standard library only.
"""
import json
import os
import sys

SCHEMA_VERSION = 1
NUM = (int, float)
# the peers (bench/peers/): the library in place of s2sbench, CLBlast and hwloc, the CPU
# (or a CUDA GPU) in place of an OpenCL device, and no topology
PEER_VERSIONS = {
    "peer pytorch step": ("python", "torch", "blas", "blas_version"),
    "peer numpy gemm": ("python", "numpy", "blas", "blas_version"),
    "peer torch gemm": ("python", "torch", "blas", "blas_version"),
}
MICRO_KINDS = ("bench gemm", "bench lstm", "bench softmax", "bench transfer",
               "peer numpy gemm", "peer torch gemm")
errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def need(where, obj, key, types, nullable=False):
    """obj[key] exists and has one of types; returns the value (or None)."""
    if not isinstance(obj, dict) or key not in obj:
        err(where, f"missing key '{key}'")
        return None
    v = obj[key]
    if v is None and nullable:
        return None
    if isinstance(v, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        err(where, f"'{key}' is a boolean, expected {types}")
        return None
    if not isinstance(v, types):
        err(where, f"'{key}' has type {type(v).__name__}, expected {types}")
        return None
    return v



def need_balance(where, s):
    """The split's FLOP balance: "flop_balance" (records before 2026-12 called it
    "analytic_bound", a misleading name: it is not a bound)."""
    key = "flop_balance" if isinstance(s, dict) and "flop_balance" in s else "analytic_bound"
    return need(where, s, key, NUM)

def check_meta(where, r, with_config=True):
    v = need(where, r, "schema_version", int)
    if v is not None and v != SCHEMA_VERSION:
        err(where, f"schema_version {v}, this checker knows {SCHEMA_VERSION}")
    need(where, r, "kind", str)
    cmd = need(where, r, "command", list)
    if cmd is not None and (not cmd or not all(isinstance(a, str) for a in cmd)):
        err(where, "'command' must be a non-empty list of strings")
    date = need(where, r, "date", str)
    if date and not (len(date) == 20 and date[4] == "-" and date[10] == "T" and date[-1] == "Z"):
        err(where, f"'date' is not UTC ISO 8601 (YYYY-MM-DDTHH:MM:SSZ): {date}")
    need(where, r, "host", str)
    commit = need(where, r, "git_commit", str)
    if REQUIRE_CLEAN and commit is not None and (
            commit.endswith("-dirty") or commit == "unknown" or r.get("git_tree_clean") is False):
        err(where, f"written by a build of a dirty tree ({commit}): a reference record must "
                   "come from a clean commit (--require-clean)")
    ver = need(where, r, "versions", dict)
    peer = r.get("kind") in PEER_VERSIONS
    for k in PEER_VERSIONS[r["kind"]] if peer else ("s2sbench", "clblast", "hwloc_api"):
        need(where + ".versions", ver, k, str)
    devs = need(where, r, "devices", list)
    if peer:
        need(where, r, "git_tree_clean", bool)
        if devs == []:
            err(where, "no devices")
    for i, d in enumerate(devs or []):
        if peer:
            for k in ("name", "vendor", "type", "driver"):
                need(f"{where}.devices[{i}]", d, k, str)
            need(f"{where}.devices[{i}]", d, "threads", int)
            continue
        w = f"{where}.devices[{i}]"
        for k in ("platform", "platform_version", "name", "vendor", "driver", "version",
                  "c_version", "type"):
            need(w, d, k, str)
        for k in ("compute_units", "global_mem", "max_alloc", "local_mem", "platform_index",
                  "device_index", "sub_index", "sub_count"):
            need(w, d, k, int)
        for k in ("fp16", "fp64"):
            need(w, d, k, bool)
        need(w, d, "pci_bus_id", str, nullable=True)
    if "topology" in r:
        t = need(where, r, "topology", dict)
        for k in ("packages", "cores", "pus", "numa_nodes"):
            need(where + ".topology", t, k, int)
        if t and "process_pus" in t:  # the process's binding (since 2026-12-03)
            need(where + ".topology", t, "process_pus", int)
            need(where + ".topology", t, "process_cpuset", str)
        pl = need(where, r, "placement", list)
        for i, p in enumerate(pl or []):
            need(f"{where}.placement[{i}]", p, "cpuset", str)
            need(f"{where}.placement[{i}]", p, "by_pci", bool)
    env = need(where, r, "environment", dict)
    for k, v in (env or {}).items():
        if not isinstance(v, str):
            err(where + ".environment", f"'{k}' is not a string")
    if with_config:
        c = need(where, r, "config", dict)
        need(where + ".config", c, "preset", str)
        for k in ("layers", "hidden", "embed", "src_vocab", "tgt_vocab", "batch", "max_len",
                  "seed"):
            need(where + ".config", c, k, int)
        for k in ("lr", "clip", "init_scale", "decay_start", "decay_every", "epochs"):
            need(where + ".config", c, k, NUM)


def check_tsv(where, path, columns, phases=False):
    if not os.path.isfile(path):
        err(where, f"missing {os.path.basename(path)}")
        return []
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    if not lines:
        err(path, "empty")
        return []
    head = lines[0].split("\t")
    for c in columns:
        if c not in head:
            err(path, f"missing column '{c}' (header: {' '.join(head)})")
    rows = [dict(zip(head, l.split("\t"))) for l in lines[1:]]
    for i, row in enumerate(rows):
        if len(lines[i + 1].split("\t")) != len(head):
            err(path, f"line {i + 2}: {len(lines[i + 1].split(chr(9)))} fields, header has {len(head)}")
            break
    if phases:
        got = {row.get("phase") for row in rows}
        if not got <= {"warmup", "trial"} or "trial" not in got or "warmup" not in got:
            err(path, f"phase column must hold 'warmup' and 'trial' rows (got {sorted(map(str, got))})")
    return rows


def check_step_summary(w, s):
    need(w, s, "output_check_passed", bool)
    need(w, s, "words_per_sentence", int)
    need(w, s, "words_convention", str)
    if s and s.get("output_check_passed"):
        for k in ("step_s_median", "step_s_min", "step_s_max", "words_per_s"):
            need(w, s, k, NUM)
        need(w, s, "trials", int)


def check_run(folder, r, where):
    kind = r.get("kind", "")
    tuning = kind == "tuning"
    check_meta(where, r, with_config=not tuning)
    s = need(where, r, "summary", dict) if not tuning else None
    w = where + ".summary"
    if kind in PEER_VERSIONS and not os.path.isfile(os.path.join(folder, "terminal.txt")):
        err(folder, "missing terminal.txt (a peer keeps what it printed)")
    if kind == "bench step":
        check_step_summary(w, s)
        need(w, s, "words_per_step", NUM)
        check_tsv(folder, os.path.join(folder, "trials.tsv"), ["phase", "trial", "seconds", "words_per_s"], True)
    elif kind == "peer pytorch step":
        check_step_summary(w, s)
        need(w, s, "words_per_step", NUM)
        need(w, s, "warmup", int)
        need(w, s, "loss_per_token", NUM)
        if s and s.get("output_check_passed"):
            for k in ("step_gflop", "achieved_gflops"):
                need(w, s, k, NUM)
        check_tsv(folder, os.path.join(folder, "trials.tsv"),
                  ["phase", "trial", "seconds", "words_per_s", "gflops"], True)
    elif kind == "bench pipeline":
        need(where, r, "split", str)
        need(w, s, "output_check_passed", bool)
        need(w, s, "devices", int)
        for k in ("baseline_words_per_s", "pipeline_words_per_s", "speedup", "efficiency"):
            need(w, s, k, NUM)
        need_balance(w, s)
        if isinstance(s, dict) and s.get("trials_interleaved"):
            # since the trials are interleaved: both baselines, each speedup with its range
            for k in ("speedup_min", "speedup_max", "whole_words_per_s", "speedup_vs_whole",
                      "speedup_vs_whole_min", "speedup_vs_whole_max"):
                need(w, s, k, NUM)
            need(where, r, "whole_device", dict)
        for k in ("work_share", "busy_fraction"):
            need(w, s, k, list)
        # data parallel (replicas) and the split micro-batched, interleaved with the pipeline
        for count, prefix, named in (("replicas", "replicas", "replicas_split"),
                                     ("micro_batches", "micro", "schedule")):
            if not (isinstance(r.get(count), int) and r[count] > 1):
                continue
            need(where, r, named, str)
            for k in ("words_per_s", "speedup", "speedup_min", "speedup_max", "vs_pipeline",
                      "vs_pipeline_min", "vs_pipeline_max"):
                need(w, s, prefix + "_" + k, NUM)
            need(w, s, prefix + "_busy_fraction", list)
        check_tsv(folder, os.path.join(folder, "trials.tsv"), ["config", "phase", "trial", "seconds"], True)
    elif kind == "predict":
        need(where, r, "split", str)
        need(where, r, "cost_table_device", str)
        need(w, s, "devices", int)
        for k in ("predicted_step_s", "predicted_one_device_step_s", "predicted_speedup"):
            need(w, s, k, NUM)
        need(w, s, "critical_path", dict)
        need(w, s, "predicted_busy_fraction", list)
        check_tsv(folder, os.path.join(folder, "timeline-predicted.tsv"), ["device", "what", "start_s", "end_s"])
    elif kind == "sweep point":
        need(where, r, "split", str)
        check_step_summary(w, s)
        for k in ("sweep", "point", "device_spec", "clblast_tuning"):
            need(w, s, k, str)
        need(w, s, "devices", int)
        need_balance(w, s)
        need(w, s, "work_share", list)
        if s and s.get("output_check_passed"):
            need(w, s, "words_per_s_min", NUM)
            need(w, s, "words_per_s_max", NUM)
            need(w, s, "busy_fraction", list)
        check_tsv(folder, os.path.join(folder, "trials.tsv"), ["phase", "trial", "seconds", "words_per_s"], True)
        check_tsv(folder, os.path.join(folder, "timeline.tsv"), ["device", "what", "start_s", "end_s"])
    elif kind == "train":
        need(where, r, "split", str)
        d = need(where, r, "data", dict)
        need(where + ".data", d, "source", str)
        need(where + ".data", d, "steps_per_epoch", int)
        need(w, s, "status", str)
        for k in ("first_step", "last_step"):
            need(w, s, k, int)
        for k in ("final_loss", "elapsed_s", "words_per_s"):
            need(w, s, k, NUM)
        check_tsv(folder, os.path.join(folder, "train.tsv"),
                  ["step", "epoch", "lr", "loss", "perplexity", "grad_norm", "accuracy",
                   "words_per_s", "elapsed_s", "dev_loss", "dev_perplexity", "dev_accuracy"])
    elif kind in MICRO_KINDS:
        need(w, s, "output_check_passed", bool)
        need(w, s, "trials", int)
        if kind in PEER_VERSIONS:
            need(w, s, "warmup", int)
            need(w, s, "threads", int)
            if s and "peak_gflops" in s:  # records before the peak estimate lack it
                if s["peak_gflops"] is not None and not isinstance(s["peak_gflops"], NUM):
                    err(w, "peak_gflops: a number or null")
                need(w, s, "peak_basis", str)
        cases = need(w, s, "cases", list) or []
        if not cases:
            err(w, "no cases")
        for i, c in enumerate(cases):
            cw = f"{w}.cases[{i}]"
            for k in ("name", "variant", "shape", "check"):
                need(cw, c, k, str)
            for k in ("flops", "bytes"):
                need(cw, c, k, NUM)
            if c.get("check") not in ("passed", "failed", "none"):
                err(cw, f"'check' is {c.get('check')!r}")
            if c.get("check") != "failed":
                for k in ("seconds_median", "seconds_min", "seconds_max"):
                    need(cw, c, k, NUM)
        check_tsv(folder, os.path.join(folder, "trials.tsv"), ["case", "variant", "phase", "trial", "seconds"], True)
        rows = check_tsv(folder, os.path.join(folder, "cases.tsv"),
                         ["case", "variant", "shape", "gflops", "gbps", "check"])
        if rows and len(rows) != len(cases):
            err(folder, f"cases.tsv has {len(rows)} rows, run.json {len(cases)} cases")
    elif kind == "bench decode":
        beams = need(w, s, "beams", list) or []
        if not beams:
            err(w, "no beams")
        for i, b in enumerate(beams):
            bw = f"{w}.beams[{i}]"
            need(bw, b, "beam", int)
            need(bw, b, "output_check_passed", bool)
            if b.get("output_check_passed"):
                for k in ("bleu", "decode_s_median", "sentences_per_s", "words_per_s"):
                    need(bw, b, k, NUM)
        check_tsv(folder, os.path.join(folder, "beams.tsv"), ["beam", "bleu", "sentences_per_s"])
    elif kind == "sweep":
        sw = need(where, r, "sweep", dict)
        for k in ("devices", "presets", "batches", "lens"):
            need(where + ".sweep", sw, k, list)
        for k in ("trials", "warmup"):
            need(where + ".sweep", sw, k, int)
        need(w, s, "output_check_passed", bool)
        need(w, s, "points", int)
        pts = need(where, r, "points", list) or []
        for i, p in enumerate(pts):
            pw = f"{where}.points[{i}]"
            for k in ("point", "path", "device_spec", "split", "preset", "device_name"):
                need(pw, p, k, str)
            for k in ("devices", "batch", "len"):
                need(pw, p, k, int)
            need(pw, p, "output_check_passed", bool)
            bal = "flop_balance" if "flop_balance" in p or "analytic_bound" not in p else "analytic_bound"
            for k in ("words_per_s", "speedup", "efficiency", bal):
                need(pw, p, k, NUM, nullable=True)
            sub = os.path.join(folder, p.get("path", ""))
            if os.path.isfile(os.path.join(sub, "run.json")):
                check_path(sub)
            else:
                err(pw, f"point folder {sub} has no run.json")
        tsv = os.path.join(folder, "sweep.tsv")
        try:
            with open(tsv, encoding="utf-8") as fh:
                header = fh.readline().rstrip("\n").split("\t")
        except OSError:
            header = []
        bal = "bound" if "bound" in header and "flop_balance" not in header else "flop_balance"
        rows = check_tsv(folder, tsv,
                         ["point", "devices", "split", "preset", "batch", "len",
                          "words_per_s_median", "words_per_s_min", "words_per_s_max",
                          "speedup", "efficiency", bal, "busy_fraction"])
        if len(rows) != len(pts):
            err(folder, f"sweep.tsv has {len(rows)} rows, sweep.json {len(pts)} points")
    elif tuning:
        dev = need(where, r, "device", dict)
        need(where + ".device", dev, "name", str)
        ks = need(where, r, "kernels", list) or []
        for i, k in enumerate(ks):
            kw = f"{where}.kernels[{i}]"
            need(kw, k, "kernel", str)
            for key in ("m", "n", "k"):
                need(kw, k, key, int)
            need(kw, k, "time_ms", NUM)
            params = need(kw, k, "parameters", dict) or {}
            if not params or not all(isinstance(v, int) and v >= 0 for v in params.values()):
                err(kw, "'parameters' must map names to non-negative integers")
        cs = r.get("classes")
        if cs is not None:
            if not isinstance(cs, list):
                err(where, "'classes' must be a list")
                cs = []
            need(where, r, "switch_ms", NUM)
            for i, c in enumerate(cs):
                cw = f"{where}.classes[{i}]"
                need(cw, c, "class", str)
                if c.get("trans") not in ("NN", "NT", "TN", "TT"):
                    err(cw, "'trans' must be NN, NT, TN or TT")
                route = {"Xgemm": "indirect", "XgemmDirect": "direct"}.get(c.get("kernel"))
                if route is None or c.get("route") != route:
                    err(cw, "'kernel' must be Xgemm (route indirect) or XgemmDirect (route direct)")
                for key in ("m", "n", "k", "candidates"):
                    need(cw, c, key, int)
                for key in ("time_ms", "gflops", "default_ms", "default_gflops"):
                    need(cw, c, key, NUM)
                need(cw, c, "pristine", bool)
                params = need(cw, c, "parameters", dict)
                if params is None:
                    params = {}
                if c.get("pristine") is True:
                    if params:
                        err(cw, "a pristine class (CLBlast's own parameters) has no 'parameters'")
                    if any(k.get("kernel") == c.get("kernel") for k in ks if isinstance(k, dict)):
                        err(cw, "a pristine class's kernel must not have a base set in 'kernels'")
                elif not params or not all(isinstance(v, int) and v >= 0
                                           for v in params.values()):
                    err(cw, "'parameters' must map names to non-negative integers")
    else:
        err(where, f"unknown kind {kind!r}")


def check_path(path):
    if os.path.isdir(path):
        for name in ("sweep.json", "run.json"):
            if os.path.isfile(os.path.join(path, name)):
                return check_file(os.path.join(path, name))
        err(path, "no run.json or sweep.json")
        return
    check_file(path)


def check_file(path):
    try:
        with open(path) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        err(path, f"does not parse: {e}")
        return
    if not isinstance(r, dict):
        err(path, "not a JSON object")
        return
    check_run(os.path.dirname(path) or ".", r, path)


REQUIRE_CLEAN = False


def main():
    global REQUIRE_CLEAN
    args = sys.argv[1:]
    if args and args[0] == "--require-clean":
        REQUIRE_CLEAN = True
        args = args[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    for p in args:
        check_path(p)
    for e in errors:
        print(e, file=sys.stderr)
    print(f"check_results: {len(args)} path(s), {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes summary.txt and summary.tsv of a scripts/gpu-report.sh folder from its steps.tsv
(step, status, exit status, seconds, limit, preset, record, note: what the script saw),
its report.tsv (the run's settings) and the records the steps wrote (run.json of bench
gemm, bench step and the PyTorch peer; the tuning file). Prints summary.txt. Python 3
standard library only.

usage: scripts/gpu_report_summary.py REPORT_DIR
"""
import json
import math
import os
import re
import sys

COLUMNS = ("step", "status", "exit", "seconds", "limit_s", "preset", "words_per_s",
           "achieved_gflops", "tuned_over_default", "record", "headline")


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def fmt(v, spec=".1f", suffix=""):
    """v formatted by spec (+ suffix), or "-" in the same width when there is no value."""
    width = int(re.match(r"\d*", spec).group() or 0)
    return "-".rjust(width + len(suffix)) if v is None else format(v, spec) + suffix


def record_of(top, row):
    """The record's run.json (or the tuning file) and its summary, or (None, {})."""
    rec = row["record"]
    if rec == "-":
        return None, {}
    path = os.path.join(top, rec)
    r = load(os.path.join(path, "run.json") if os.path.isdir(path) else path)
    return r, (r or {}).get("summary") or {}


def gemm_cases(s):
    """(case, shape, default GFLOP/s, tuned GFLOP/s, check) in the record's case order."""
    by = {}
    for c in s.get("cases", []):
        e = by.setdefault(c["name"], {"shape": c.get("shape", "-"), "check": []})
        e[c.get("variant")] = c.get("gflops")  # absent when the check failed: withheld
        e["check"].append(c.get("check", "-"))
    return [(n, e["shape"], e.get("default"), e.get("tuned"),
             "passed" if all(x == "passed" for x in e["check"]) else ",".join(e["check"]))
            for n, e in by.items()]


def headline(top, row, report_tuning):
    """(words/s, GFLOP/s, tuned/default, text) of one step."""
    r, s = record_of(top, row)
    step = row["step"]
    if row["status"] != "ok" and not s and not (r and step == "tune"):
        return None, None, None, row["note"]
    if step == "devices":
        d = load(os.path.join(top, "device.json")) or {}
        devs = [x.get("device", {}) for x in d.get("devices", [])]
        return None, None, None, "; ".join(
            f"{x.get('name')} ({x.get('platform')}, {x.get('version')}, driver "
            f"{x.get('driver')}, {x.get('compute_units')} CUs)" for x in devs) or row["note"]
    if step == "tune":
        cls = (r or {}).get("classes", [])
        g = geomean([c["default_ms"] / c["time_ms"] for c in cls
                     if c.get("time_ms") and c.get("default_ms")])
        kernels = len((r or {}).get("kernels", []))
        return None, None, g, (f"{kernels} kernels, {len(cls)} classes, chosen over CLBlast's "
                               f"defaults {fmt(g, '.2f')}x (geomean of the classes)")
    if step.startswith("gemm"):
        rows = gemm_cases(s)  # the step's shapes, then "square" (the device's reference)
        ratios = [t / d for name, _, d, t, _ in rows if d and t and name != "square"]
        g = geomean(ratios)
        text = (f"{len(rows)} cases, tuned/default {fmt(g, '.2f')}x (geomean of the "
                f"{len(ratios)} step shapes)" if ratios else
                f"{len(rows)} cases, default only (no tuning file applied)")
        return None, None, g, text
    wps, gf = s.get("words_per_s"), s.get("achieved_gflops")
    if wps is None:
        return None, None, None, "output check failed: numbers withheld" if s else row["note"]
    text = f"{wps:,.0f} words/s, {gf:.1f} GFLOP/s"
    if step.startswith("step"):
        if s.get("fraction_of_ceiling") is not None:
            text += f", {100 * s['fraction_of_ceiling']:.0f} % of its GEMMs' rate"
        t = ((r or {}).get("devices") or [{}])[0].get("clblast_tuning", "none")
        mine = t and os.path.realpath(t).startswith(report_tuning + os.sep)
        text += ", the report's tuning" if mine else f", tuning {t}"
    else:
        text += f", {s.get('precision', 'fp32').upper()}"
    return wps, gf, None, text


def main():
    top = sys.argv[1]
    with open(os.path.join(top, "steps.tsv")) as f:
        head, *lines = [ln.rstrip("\n").split("\t") for ln in f if ln.strip()]
    rows = [dict(zip(head, ln)) for ln in lines]
    report_tuning = os.path.realpath(os.path.join(top, "tuning"))
    out, tsv = [], ["\t".join(COLUMNS)]
    meta = {}
    try:
        with open(os.path.join(top, "report.tsv")) as f:  # key<TAB>value, by gpu-report.sh
            meta = dict(ln.rstrip("\n").split("\t", 1) for ln in f if "\t" in ln)
    except OSError:
        pass
    commits = [r.get("git_commit") for r in (record_of(top, row)[0] for row in rows) if r]
    meta["git_commit"] = next((c for c in commits if c), "?")
    out.append(f"gpu-report: device {meta.get('device_spec', '?')} "
               f"({meta.get('device_name') or '?'}), {meta.get('date', '?')}, "
               f"{meta.get('mode', '?')}, budget {meta.get('budget_s', '?')} s")
    out.append(f"  s2sbench {meta.get('git_commit', '?')}, host {meta.get('host', '?')}, "
               f"python {meta.get('python', '?')}")
    out.append("")
    out.append(f"{'step':<16} {'status':<8} {'exit':>4} {'seconds':>8} {'limit':>6}  "
               f"{'preset':<6} headline")
    words, gemm = {}, []
    for row in rows:
        wps, gf, ratio, text = headline(top, row, report_tuning)
        words[row["step"]] = wps
        if row["step"].startswith("gemm"):
            gemm = gemm_cases(record_of(top, row)[1])
        out.append(f"{row['step']:<16} {row['status']:<8} {row['exit']:>4} {row['seconds']:>8} "
                   f"{row['limit_s']:>6}  {row['preset']:<6} {text}")
        tsv.append("\t".join((row["step"], row["status"], row["exit"], row["seconds"],
                              row["limit_s"], row["preset"], fmt(wps), fmt(gf, ".3f"),
                              fmt(ratio, ".3f"), row["record"], text)))
    if gemm:
        out += ["", "bench gemm, GFLOP/s (median of the trials):",
                f"  {'case':<12} {'shape':<22} {'default':>9} {'tuned':>9} {'tuned/default':>14}"
                "  check"]
        for name, shape, d, t, chk in gemm:
            out.append(f"  {name:<12} {shape:<22} {fmt(d, '9.1f')} {fmt(t, '9.1f')} "
                       f"{fmt(t / d if d and t else None, '13.2f', 'x')}  {chk}")
    pairs = [(p, words.get(f"step-{p}"), words.get(f"peer-{p}-fp32"), words.get(f"peer-{p}-tf32"))
             for p in ("paper", "small")]
    if any(x for _, *xs in pairs for x in xs):
        out += ["", "words/s, s2sbench (OpenCL, CLBlast SGEMM) against the PyTorch peer:",
                f"  {'step':<6} {'s2sbench':>10} {'torch FP32':>11} {'torch TF32':>11} "
                f"{'s2s/FP32':>9} {'s2s/TF32':>9}"]
        for p, s2s, f32, t32 in pairs:
            out.append(f"  {p:<6} {fmt(s2s, '10,.0f')} {fmt(f32, '11,.0f')} {fmt(t32, '11,.0f')} "
                       f"{fmt(s2s / f32 if s2s and f32 else None, '8.2f', 'x')} "
                       f"{fmt(s2s / t32 if s2s and t32 else None, '8.2f', 'x')}")
    bad = [r["step"] for r in rows if r["status"] not in ("ok", "skipped")]
    out += ["", f"failed: {', '.join(bad)}" if bad else "every step ok (or skipped)"]
    text = "\n".join(out) + "\n"
    for name, body in (("summary.txt", text), ("summary.tsv", "\n".join(tsv) + "\n")):
        tmp = os.path.join(top, name + ".tmp")
        with open(tmp, "w") as f:
            f.write(body)
        os.replace(tmp, os.path.join(top, name))
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The peer of `s2sbench bench gemm`: float32 matrix products at the same cases and shapes
(bench/bench_gemm.c), timed by numpy.matmul on the BLAS numpy ships (OpenBLAS, from PyPI),
or by torch.matmul on PyTorch's (MKL) with --torch. Transposes are views, so the library
gets them as flags, as CLBlast does; the output is preallocated. Each product is checked
against double-precision dot products on sampled entries first (bench gemm's check and
tolerance); a failed check withholds its numbers. --out DIR writes run.json, trials.tsv,
cases.tsv and terminal.txt (results/README.md).

usage: python3 bench/peers/numpy_gemm.py [--preset tiny|small|paper] [size flags] [--len T]
       [--square N] [--max-alloc BYTES] [--samples N] [--trials N] [--warmup N]
       [--threads N] [--torch] [--out DIR]
"""
import argparse
import importlib.util
import math
import os
import statistics
import sys
import time

import run_record as rr

TOLERANCE = 1e-4  # |got - want| <= 1e-4 * sum_k |a_ik b_kj|, as bench gemm


def step_shapes(cfg, T, square, max_alloc):
    """The cases as `s2sbench bench gemm` builds them (harness/blas/gemm_classes.c): (name,
    transpose A, transpose B, m, n, k). The softmax cases take R = N rows, or fewer when
    two R x V floats would pass max_alloc (the OpenCL device's limit there; none here
    unless --max-alloc gives one). tests/test_peers.sh compares them with the binary's."""
    B, H, E, V = cfg["batch"], cfg["hidden"], cfg["embed"], cfg["tgt_vocab"]
    G, N = 4 * H, T * B
    R, cap = N, max_alloc // 4 // 2 // V if max_alloc else N
    if R > cap:
        R = cap // B * B if cap > B else (cap if cap else 1)
    cs = [("gates_x", False, False, N, G, E), ("gates_h", False, False, B, G, H),
          ("gates_dh", False, False, B, H, G), ("gates_dx", False, False, N, E, G),
          ("gates_dw", True, False, G, H, N), ("softmax_fwd", False, False, R, V, H),
          ("softmax_dh", False, False, R, H, V), ("softmax_dw", True, False, V, H, R)]
    if square:
        cs.append(("square", False, False, square, square, square))
    return cs


def sample_error(np, opa, opb, c, samples):
    """bench gemm's check_gemm: the same entries (its generator), against float64 dots."""
    m, n = c.shape
    s, err = 12345, 0.0
    for _ in range(samples):
        s = (s * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        i, j = (s >> 33) % m, (s >> 13) % n
        prod = opa[i, :].astype(np.float64) * opb[:, j].astype(np.float64)
        mag = float(np.abs(prod).sum())
        e = abs(float(c[i, j]) - float(prod.sum())) / (mag if mag > 0 else 1)
        if e != e:  # NaN: the worst, for good (a later sample must not replace it)
            return math.inf
        err = max(err, e)
    return err


def numpy_library(np, pool):
    """versions, the variant name, the threads OpenBLAS runs and how we know it."""
    blas = {}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # older numpy: no mode="dicts"
        pass
    name, version = blas.get("name", "unknown"), blas.get("version", "unknown")
    v = {"numpy": np.__version__, "blas": name, "blas_version": version,
         "blas_config": blas.get("openblas configuration", "unknown")}
    info = [i for i in (pool.threadpool_info() if pool else []) if i.get("user_api") == "blas"]
    if info:
        v["threadpoolctl"] = pool.__version__
        v["blas_runtime"] = " ".join(str(info[0].get(k, "")) for k in
                                     ("internal_api", "version", "architecture")).strip()
        threads, source = info[0]["num_threads"], "threadpoolctl"
    else:  # OpenBLAS reads these when it loads (we set the first for --threads)
        var = next((e for e in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
                    if os.environ.get(e, "").isdigit() and int(os.environ[e]) > 0), None)
        threads = int(os.environ[var]) if var else len(os.sched_getaffinity(0))
        source = var or "assumed: OpenBLAS's default, one per CPU"
    variant = "openblas" if "openblas" in name.lower() else name
    return v, variant, threads, source, f"numpy {np.__version__}, {name} {version}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    rr.add_config_args(ap)
    ap.add_argument("--len", type=rr.positive, default=20,
                    help="words per sentence for the shapes (default 20)")
    ap.add_argument("--square", type=int, default=1024,
                    help="side of the reference product (default 1024, 0 = none)")
    ap.add_argument("--max-alloc", type=int, default=0, metavar="BYTES",
                    help="cap the softmax rows as bench gemm does for a device with this "
                         "max_alloc (s2sbench devices), default none")
    ap.add_argument("--samples", type=rr.positive, default=64,
                    help="entries checked per product (default 64)")
    ap.add_argument("--trials", type=rr.positive, default=5)
    ap.add_argument("--warmup", type=rr.positive, default=1, help="at least 1")
    ap.add_argument("--threads", type=rr.positive, default=None)
    ap.add_argument("--torch", action="store_true", help="time torch.matmul instead")
    ap.add_argument("--out", metavar="DIR")
    a = ap.parse_args()
    if a.square < 0 or a.max_alloc < 0:
        ap.error("--square and --max-alloc are >= 0")
    cfg = rr.config_from_args(a)
    if a.out:
        rr.check_out_dir(a.out)
    pool = None
    if not a.torch and importlib.util.find_spec("threadpoolctl"):
        import threadpoolctl as pool
    elif not a.torch and a.threads:  # OpenBLAS reads it once, when numpy loads it
        os.environ["OPENBLAS_NUM_THREADS"] = str(a.threads)
    import numpy as np
    if pool and a.threads:
        pool.threadpool_limits(a.threads, user_api="blas")
    if a.torch:
        try:
            import torch
        except ImportError as e:
            sys.exit(f"numpy_gemm.py: --torch: torch does not import ({e}): "
                     "scripts/setup-peers.sh installs it into build/peer-venv")
        if a.threads:
            torch.set_num_threads(a.threads)
        versions = rr.torch_versions(torch)
        variant, threads, source = versions["blas"], torch.get_num_threads(), "torch"
        library = f"PyTorch {torch.__version__}, {versions['blas']}"
        kind, call = "peer torch gemm", "torch.matmul"
    else:
        versions, variant, threads, source, library = numpy_library(np, pool)
        kind, call = "peer numpy gemm", "numpy.matmul"

    out = rr.Terminal()
    rows, cases, ok = [], [], True
    for idx, (name, ta, tb, m, n, k) in enumerate(step_shapes(cfg, a.len, a.square,
                                                              a.max_alloc)):
        # stored row-major with tight leading dimensions: A is (k, m) when transposed
        rng = np.random.default_rng(1 + idx)
        ha = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
        hb = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
        hc = np.empty((m, n), np.float32)
        if a.torch:
            xa, xb, xc = torch.from_numpy(ha), torch.from_numpy(hb), torch.from_numpy(hc)
            opa, opb = (xa.t() if ta else xa), (xb.t() if tb else xb)
            run = lambda: torch.matmul(opa, opb, out=xc)  # noqa: E731
        else:
            opa, opb = (ha.T if ta else ha), (hb.T if tb else hb)
            run = lambda: np.matmul(opa, opb, out=hc)  # noqa: E731
        run()  # also the library's first call, outside every timed region
        err = sample_error(np, ha.T if ta else ha, hb.T if tb else hb, hc, a.samples)
        passed = err <= TOLERANCE
        ok = ok and passed

        def timed():
            t = time.perf_counter()
            run()
            return time.perf_counter() - t

        warm = [timed() for _ in range(a.warmup)]
        trials = [timed() for _ in range(a.trials)]
        rows += [(name, variant, 0, "warmup", i, f"{t:.9f}") for i, t in enumerate(warm)]
        rows += [(name, variant, 0, "trial", i, f"{t:.9f}") for i, t in enumerate(trials)]
        c = {"name": name, "variant": variant,
             "shape": f"{m}x{n}x{k} {'T' if ta else 'N'}{'T' if tb else 'N'}", "device": 0,
             "flops": 2.0 * m * n * k, "bytes": 4.0 * (m * k + k * n + m * n),
             "check": "passed" if passed else "failed",
             "max_err": err if math.isfinite(err) else None,
             "seconds_median": statistics.median(trials), "seconds_min": min(trials),
             "seconds_max": max(trials)}
        c["gflops"] = c["flops"] / c["seconds_median"] * 1e-9
        c["gbps"] = c["bytes"] / c["seconds_median"] * 1e-9
        cases.append(c)

    device = rr.cpu_device(threads, library)
    note = f"{call}, {library}, {rr.plural(threads, 'thread')} ({source})"
    out.say(f"{kind}: {cfg['preset']} {cfg['layers']}x{cfg['hidden']} E{cfg['embed']} "
            f"V{cfg['src_vocab']}/{cfg['tgt_vocab']} B{cfg['batch']} T{a.len} on "
            f"{device['name']}")
    out.say(f"  {'case':<18} {'variant':<8} {'shape':<22} {'median s':>11} {'min s':>11} "
            f"{'max s':>11} {'GFLOP/s':>9} {'GB/s':>9}  check")
    for c in cases:
        line = (f"  {c['name']:<18} {c['variant']:<8} {c['shape']:<22} "
                f"{c['seconds_median']:11.3e} {c['seconds_min']:11.3e} {c['seconds_max']:11.3e} ")
        if c["check"] == "failed":
            err = math.inf if c["max_err"] is None else c["max_err"]
            out.say(line + f"{'-':>9} {'-':>9}  FAILED (err {err:.3g}): numbers withheld")
        else:
            out.say(line + f"{c['gflops']:9.2f} {c['gbps']:9.3f}  ok")
    out.say(f"  {note}")

    if a.out:
        table = rr.tsv(("case", "variant", "shape", "device", "flops", "bytes",
                        "seconds_median", "seconds_min", "seconds_max", "gflops", "gbps",
                        "check"),
                       [(c["name"], c["variant"], c["shape"], 0, f"{c['flops']:.0f}",
                         f"{c['bytes']:.0f}", f"{c['seconds_median']:.9f}",
                         f"{c['seconds_min']:.9f}", f"{c['seconds_max']:.9f}",
                         f"{c['gflops']:.6g}" if c["check"] == "passed" else "",
                         f"{c['gbps']:.6g}" if c["check"] == "passed" else "",
                         "passed" if c["check"] == "passed" else "FAILED") for c in cases])
        for c in cases:  # a failed check withholds the numbers (the raw trials stay)
            if c["check"] == "failed":
                for key in ("seconds_median", "seconds_min", "seconds_max", "gflops", "gbps"):
                    del c[key]
        record = rr.meta(kind, versions, [device], cfg)
        record["summary"] = {
            "output_check_passed": ok, "words_per_sentence": a.len, "trials": a.trials,
            "warmup": a.warmup, "timing": f"host wall clock (perf_counter) around one "
                                          f"{call} call", "note": note, "threads": threads,
            "threads_source": source, "cases": cases}
        peak, basis = rr.cpu_peak(threads)
        record["summary"]["peak_gflops"] = peak
        record["summary"]["peak_basis"] = basis
        rr.write_record(a.out, [("trials.tsv", rr.tsv(("case", "variant", "device", "phase",
                                                        "trial", "seconds"), rows)),
                                ("cases.tsv", table), ("terminal.txt", out.text())], record)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks the house rules of the source tree (issue: the house by concern):

1. No file directly in harness/ but README.md: every source file lives in a concern folder.
2. No include cycle between modules (a module is NAME.c with NAME.h; a .c that includes
   another module's header depends on that module).
3. No call cycle between source files: from the object files of a build (nm), an edge
   a -> b when a.o uses a symbol that b.o defines.
4. Folders depend one way only, along the layer table below: a folder may use its own
   files and folders of a lower layer, never one of its own layer or above.

usage: scripts/check_deps.py [--require-objects] [BUILD_DIR]   (objects are read from
BUILD_DIR, default build/; without objects only the include rules are checked, unless
--require-objects makes that an error, as the ctest `check_deps` does). Exit 0 when clean, 1 with every
offending edge or cycle printed.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Layer of every folder: a folder may depend only on folders of a LOWER layer (and itself).
LAYERS = {
    "model": 0,             # the CPU reference: the spec (no OpenCL)
    "harness/text": 1,      # UTF-8, Unicode tables, SHA-256
    "harness/record": 1,    # JSON writer and reader, atomic files
    "harness/args": 1,      # flags and numbers of every command
    "harness/mpi": 1,
    "harness/plan": 1,      # the step as a plan (nodes, dependencies) and its simulator       # the MPI world: ranks, collectives, point-to-point messages
    "harness/cl": 2,        # OpenCL devices, buffers, programs, launchers, status, hwloc, events
    "harness/bleu": 2,      # sacreBLEU-exact BLEU
    "harness/data": 2,      # reading parallel corpora, synthetic tasks, tokenizer, SGM, cache
    "harness/corpus": 2,    # building the embedded corpus from gettext catalogs
    "harness/plot": 2,      # figures' data and gnuplot
    "harness/blas": 3,      # CLBlast calls and tuning
    "harness/run": 4,       # a command's devices and the metadata of every results record
    "harness/profile": 4,   # GEMM replay, trial statistics
    "harness/step": 5,      # the training step: pipeline split, transports
    "harness/decode": 6,    # beam search on the device, translate I/O
    "harness/train": 7,     # the training loop
    "bench": 8,             # benchmark programs and sweeps
    "harness/cli": 9,       # main and the commands
}
SRC_DIRS = ["model", "harness", "bench"]
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    out = []
    for top in SRC_DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, f), ROOT))
    return sorted(out)


def folder(path):
    d = os.path.dirname(path)
    return d


def resolve(inc, src, known):
    """Finds the file an #include "inc" names: in the including file's folder, then under
    harness/ or the project root (the include paths CMake sets)."""
    for base in (os.path.dirname(src), "harness", ""):
        p = os.path.normpath(os.path.join(base, inc))
        if p in known:
            return p
    return None


def find_cycles(graph):
    """Strongly connected components of size > 1 (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def module(path):
    """NAME.c, NAME.h and NAME_internal.h (a family's private header) are one module."""
    m = os.path.splitext(path)[0]
    return m[:-len("_internal")] if m.endswith("_internal") else m


def check_layer(edges, what, problems):
    for a, b in sorted(edges):
        fa, fb = folder(a), folder(b)
        if fa == fb:
            continue
        la, lb = LAYERS.get(fa), LAYERS.get(fb)
        if la is None or lb is None:
            problems.append(f"{what}: {a} -> {b}: folder {fa if la is None else fb} has no layer "
                            "in scripts/check_deps.py")
        elif lb >= la:
            problems.append(f"{what}: {a} -> {b}: {fa} (layer {la}) may not depend on {fb} "
                            f"(layer {lb})")


def nm_symbols(obj):
    res = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=True)
    defined, used = set(), set()
    for line in res.stdout.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            used.add(name)
        elif kind in "TDBRCV" or kind in "W":
            defined.add(name)
    return defined, used


def main():
    args = [a for a in sys.argv[1:] if a != "--require-objects"]
    require_objects = "--require-objects" in sys.argv[1:]
    build = args[0] if args else os.path.join(ROOT, "build")
    problems = []
    for f in os.listdir(os.path.join(ROOT, "harness")):
        if os.path.isfile(os.path.join(ROOT, "harness", f)) and f != "README.md":
            problems.append(f"harness/{f}: files live in a concern folder of harness/")

    srcs = sources()
    known = set(srcs)
    inc_edges = set()
    mod_graph = {}
    for s in srcs:
        with open(os.path.join(ROOT, s), encoding="utf-8") as fh:
            text = fh.read()
        for inc in INCLUDE_RE.findall(text):
            target = resolve(inc, s, known)
            if target is None:
                continue  # generated or system-like header
            inc_edges.add((s, target))
            ma, mb = module(s), module(target)
            if ma != mb:
                mod_graph.setdefault(ma, set()).add(mb)
    for comp in find_cycles(mod_graph):
        problems.append("include cycle between modules: " + " <-> ".join(comp))
    check_layer(inc_edges, "include", problems)

    objs = {}
    for dirpath, _, files in os.walk(build):
        for f in files:
            if f.endswith(".c.o") and re.search(r"/CMakeFiles/(s2s_[a-z]+|s2sbench)\.dir/", dirpath + "/"):
                rel = os.path.relpath(os.path.join(dirpath, f[:-2]), build)
                # CMakeFiles/<target>.dir/<source path>
                parts = rel.split(os.sep)
                src = os.path.join(*parts[2:]) if len(parts) > 2 else None
                if src in known:
                    objs[src] = os.path.join(dirpath, f)
    if objs:
        syms = {s: nm_symbols(o) for s, o in objs.items()}
        owner = {}
        for s, (defined, _) in syms.items():
            for name in defined:
                owner[name] = s
        call_graph, call_edges = {}, set()
        for s, (_, used) in syms.items():
            for name in used:
                t = owner.get(name)
                if t and t != s:
                    call_graph.setdefault(s, set()).add(t)
                    call_edges.add((s, t))
        for comp in find_cycles(call_graph):
            problems.append("call cycle between files: " + " <-> ".join(comp))
        check_layer(call_edges, "call", problems)
    elif require_objects:
        problems.append(f"no object files under {build}: the call graph cannot be checked")
    else:
        print(f"check_deps: no object files under {build}; call graph not checked",
              file=sys.stderr)

    for p in problems:
        print(p)
    print(f"check_deps: {len(srcs)} sources, {len(inc_edges)} include edges, "
          f"{len(objs)} objects: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

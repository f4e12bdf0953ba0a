#!/usr/bin/env python3
"""Compares `s2sbench bleu` with sacreBLEU on random corpora (fixed seed): every tokenizer and
smoothing method, lowercase or not, text/JSON/score-only output, sentence level, stdin, and
multi-bleu mode (against $S2S_MULTI_BLEU_PERL when it names moses' multi-bleu.perl, else
against a Python transcription of its rules). Any difference in the printed output fails.
Run by tests/test_bleu_sacrebleu.sh:  bleu_gen_cases.py S2SBENCH [WORKDIR]"""
import os
import random
import re
import subprocess
import sys
import tempfile

import sacrebleu
from sacrebleu.metrics import BLEU

SEED = int(os.environ.get("S2S_BLEU_SEED", "20140914"))  # other seeds: exploratory runs
N_CORPORA = 50
TOKENIZERS = ["13a", "intl", "none", "char"]
SMOOTH = ["exp", "floor", "add-k", "none"]

# Word pools: ASCII, French with U+00A0 / U+202F before and inside punctuation, the 13a
# special cases (entities, <skipped>, dashes next to digits, decimal separators), Unicode
# punctuation/symbols/numbers for intl, case pairs for -lc (final sigma, dotted I, sharp s).
ASCII = ("the a of to and in is was for on that with by it he as at from his an were are "
         "which this be has had or not but its cat dog man bit first house 2014 3.14 1,000 "
         "50.000,00 5-6 a-b -- ... U.S. e.g., don't $5 100% a/b {x} [y] ~ ^ ` @user #tag "
         "x, ,y a.b 10. (see) \"quoted\" 'single' ; : ! ? * + = < > | \\ _ & "
         "&quot;hi&quot; &amp;amp; &lt;tag&gt; &QUOT; <skipped> A-\nB").split(" ")
FRENCH = ["le", "la", "les", "de", "du", "une", "été", "l’été", "où", "ça", "élève", "Noël",
          "«\u00a0Bonjour\u00a0»", "«\u202foui\u202f»", "mot\u00a0:", "quoi\u00a0?", "non\u202f!",
          "point\u00a0;", "1\u202f000", "3,14", "12\u00a0%", "–", "—", "…", "c’est", "aujourd’hui",
          "Ça", "ÉTÉ", "Œuvre", "cœur"]
UNICODE = ["¿Qué?", "¡Hola!", "€", "£10", "°C", "½", "²", "٣", "①", "Ⅻ", "東京", "日本語。",
           "e\u0301", "ΟΔΟΣ", "ΣΑΣ", "Σ.", "ΑΣ\u0301", "İstanbul", "ẞ", "Straße", "ǅ", "Ωμέγα",
           "😀", "©", "±", "→", "x\u2009y", "a\u3000b", "tab\there", "v\x0bw", "f\x0cg",
           "u\x1fv", "n\u0085m", "z\u2028z", "\ufeffbom", "ﬁ", "Ⅸ", "‰", "§", "¶", "·"]
POOLS = [ASCII, FRENCH, UNICODE]


def make_sentence(rng, lo=0, hi=18):
    n = rng.randint(lo, hi)
    words = []
    for _ in range(n):
        pool = rng.choices(POOLS, weights=[6, 3, 2])[0]
        words.append(rng.choice(pool))
    seps = [" "] * 12 + ["  ", "\u00a0", "\u202f", "\t"]
    out = ""
    for i, w in enumerate(words):
        out += (rng.choice(seps) if i else "") + w
    if rng.random() < 0.1:
        out += rng.choice([" ", "  ", "\u00a0", "\t", " \u202f"])  # trailing whitespace
    if rng.random() < 0.05:
        out = " " + out
    return out


def perturb(rng, ref):
    words = ref.split(" ")
    r = rng.random()
    if r < 0.05:
        return ""
    if r < 0.10:
        return make_sentence(rng)  # unrelated
    out = []
    for w in words:
        x = rng.random()
        if x < 0.1:
            continue
        if x < 0.2:
            out.append(rng.choice(rng.choice(POOLS)))
        elif x < 0.25:
            out += [w, w]
        elif x < 0.30:
            out.append(w.upper())
        else:
            out.append(w)
    if rng.random() < 0.2:
        out.append(".")
    return " ".join(out)


def make_corpus(rng, for_stdin=False):
    nseg = rng.choice([1, 2, 3, 5, 8, 13, 21, 40])
    nrefs = rng.choice([1, 1, 1, 2, 3])
    refs = [[] for _ in range(nrefs)]
    hyps = []
    for _ in range(nseg):
        base = make_sentence(rng) if rng.random() > 0.05 else ""
        for r in range(nrefs):
            refs[r].append(base if r == 0 else perturb(rng, base))
        hyps.append(perturb(rng, base))
    if for_stdin:  # stdin: no tabs (several systems) and no line breaks but "\n"
        hyps = [re.sub(r"[\t\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", " ", h) for h in hyps]
    return hyps, refs


def clean(line):
    return line.replace("\r", " ").replace("\n", " ")


def write_lines(path, lines, rng, crlf_ok=True):
    """Writes with "\n" (sometimes "\r\n") endings, sometimes without the last one."""
    eol = "\r\n" if crlf_ok and rng.random() < 0.2 else "\n"
    body = eol.join(clean(x) for x in lines)
    if rng.random() < 0.8 or not lines or lines[-1] == "":
        body += eol  # (an empty last line needs its terminator to exist)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(body)


def read_cli(path):
    """As sacrebleu's CLI reads files: newline="\n", each line rstrip()ed."""
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip() for line in f]


def expected_sacrebleu(hyps, refs, cfg):
    kw = dict(lowercase=cfg["lc"], tokenize=cfg["tok"], smooth_method=cfg["smooth"],
              smooth_value=cfg["sv"])
    if cfg["sl"]:
        metric = BLEU(effective_order=True, references=refs, **kw)
        lines = []
        for hyp, *r in zip(hyps, *refs):
            score = metric.sentence_score(hyp, r)
            sig = metric.get_signature().format(cfg["short"])
            lines.append(score.format(cfg["width"], cfg["b"], sig))
        return "\n".join(lines)
    metric = BLEU(references=refs, **kw)
    score = metric.corpus_score(hyps, None)
    is_json = cfg["fmt"] == "json"
    sig = metric.get_signature().format(cfg["short"] if not is_json else False)
    return score.format(cfg["width"], cfg["b"], sig, is_json)


def cli_args(cfg):
    a = ["-tok", cfg["tok"], "-s", cfg["smooth"], "-w", str(cfg["width"])]
    if cfg["sv"] is not None:
        a += ["-sv", repr(cfg["sv"])]
    if cfg["lc"]:
        a.append("-lc")
    if cfg["b"]:
        a.append("-b")
    if cfg["short"]:
        a.append("-sh")
    if cfg["sl"]:
        a.append("-sl")
    a += ["-f", cfg["fmt"]]
    return a


def normalize_version(text):
    return re.sub(r'(version:|"version": ")[0-9][0-9a-z.+-]*', r"\1VER", text)


def multi_bleu_python(hyp_path, ref_paths, lc):
    """multi-bleu.perl's rules transcribed: chop, Perl split on ASCII whitespace, lc on
    ASCII, clipped counts, closest ref length (ties shorter, from 9999), its printf."""
    import math

    def lines(p):
        data = open(p, "rb").read()
        out = data.split(b"\n")
        if out and out[-1] == b"":
            out.pop()
        elif out:
            out[-1] = out[-1][:-1]  # chop on an unterminated last line
        return out

    def toks(b):
        if lc:
            b = bytes(c + 32 if 65 <= c <= 90 else c for c in b)
        return b.split()

    hyp = lines(hyp_path)
    refs = [lines(p) for p in ref_paths]
    correct, total = [0] * 5, [0] * 5
    tl = rl = 0
    for s, h in enumerate(hyp):
        w = toks(h)
        cd, cl = 9999, 9999
        refmax = {}
        for r in refs:
            rw = toks(r[s])
            d = abs(len(w) - len(rw))
            if d < cd:
                cd, cl = d, len(rw)
            elif d == cd and len(rw) < cl:
                cl = len(rw)
            for n in range(1, 5):
                cnt = {}
                for i in range(len(rw) - n + 1):
                    cnt[tuple(rw[i:i + n])] = cnt.get(tuple(rw[i:i + n]), 0) + 1
                for k, v in cnt.items():
                    refmax[k] = max(refmax.get(k, 0), v)
        tl += len(w)
        rl += cl
        for n in range(1, 5):
            cnt = {}
            for i in range(len(w) - n + 1):
                cnt[tuple(w[i:i + n])] = cnt.get(tuple(w[i:i + n]), 0) + 1
            for k, v in cnt.items():
                total[n] += v
                correct[n] += min(v, refmax.get(k, 0))
    b = [correct[n] / total[n] if total[n] else 0 for n in range(5)]
    if rl == 0:
        return "BLEU = 0, 0/0/0/0 (BP=0, ratio=0, hyp_len=0, ref_len=0)", 1
    bp = 1
    if tl < rl:
        if tl == 0:
            return "", 1  # Perl dies: Illegal division by zero
        bp = math.exp(1 - rl / tl)

    def my_log(x):
        return -9999999999 if not x else math.log(x)
    bleu = bp * math.exp((my_log(b[1]) + my_log(b[2]) + my_log(b[3]) + my_log(b[4])) / 4)
    return ("BLEU = %.2f, %.1f/%.1f/%.1f/%.1f (BP=%.3f, ratio=%.3f, hyp_len=%d, ref_len=%d)"
            % (100 * bleu, 100 * b[1], 100 * b[2], 100 * b[3], 100 * b[4], bp, tl / rl, tl, rl)), 0


def main():
    binary = sys.argv[1]
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="s2s_bleu_")
    os.makedirs(work, exist_ok=True)
    rng = random.Random(SEED)
    env = dict(os.environ)
    env.pop("SACREBLEU_FORMAT", None)
    perl_script = os.environ.get("S2S_MULTI_BLEU_PERL")
    compared = failed = 0

    def check(label, want, args, stdin=None, want_fail=False):
        """want_fail: the oracle exits non-zero too (multi-bleu.perl on empty text)."""
        nonlocal compared, failed
        p = subprocess.run([binary, "bleu"] + args, input=stdin, capture_output=True, env=env)
        got = p.stdout.decode("utf-8", "replace").rstrip("\n")
        compared += 1
        if (p.returncode != 0) != want_fail or normalize_version(got) != normalize_version(want):
            failed += 1
            if failed <= 10:
                print(f"MISMATCH {label}: s2sbench bleu {' '.join(args)} (rc {p.returncode})")
                print(f"  sacreBLEU: {want}\n  s2sbench:  {got}")
                if p.stderr:
                    print("  stderr:", p.stderr.decode("utf-8", "replace").strip())

    if sacrebleu.__version__ != "2.6.0":
        print(f"note: sacrebleu {sacrebleu.__version__} installed; s2sbench reproduces 2.6.0 "
              "(version fields ignored in the comparison)")
    for c in range(N_CORPORA):
        hyps, refs = make_corpus(rng)
        d = os.path.join(work, f"c{c:02d}")
        os.makedirs(d, exist_ok=True)
        ref_paths = []
        for r, lines in enumerate(refs):
            ref_paths.append(os.path.join(d, f"ref{r}"))
            write_lines(ref_paths[-1], lines, rng)
        hyp_path = os.path.join(d, "hyp.txt")
        write_lines(hyp_path, hyps, rng)
        cli_hyps = read_cli(hyp_path)
        cli_refs = [read_cli(p) for p in ref_paths]
        assert all(len(r) == len(cli_hyps) for r in cli_refs), "generator: line counts"
        for tok in TOKENIZERS:
            for smooth in SMOOTH:
                sv = None
                if smooth in ("floor", "add-k") and rng.random() < 0.4:
                    sv = rng.choice([0.0, 0.01, 0.5, 1.0, 2.0])
                cfg = dict(tok=tok, smooth=smooth, sv=sv, lc=rng.random() < 0.4,
                           width=rng.choice([1, 1, 2, 3, 0]), b=rng.random() < 0.1,
                           short=rng.random() < 0.2, sl=False,
                           fmt=rng.choice(["text", "text", "json"]))
                want = expected_sacrebleu(cli_hyps, cli_refs, cfg)
                check(f"corpus {c} {tok}/{smooth}", want, ref_paths + ["-i", hyp_path] + cli_args(cfg))
        # sentence level, one random configuration per corpus
        cfg = dict(tok=rng.choice(TOKENIZERS), smooth=rng.choice(SMOOTH), sv=None,
                   lc=rng.random() < 0.5, width=rng.choice([1, 2]), b=False,
                   short=rng.random() < 0.3, sl=True, fmt="text")
        want = expected_sacrebleu(cli_hyps, cli_refs, cfg)
        check(f"corpus {c} sentence-level", want, ref_paths + ["-i", hyp_path] + cli_args(cfg))
        # multi-bleu.perl mode
        for lc in (False, True):
            margs = ["--multi-bleu"] + (["-lc"] if lc else [])
            if perl_script:
                with open(hyp_path, "rb") as f:
                    p = subprocess.run(["perl", perl_script] + (["-lc"] if lc else []) +
                                       [os.path.join(d, "ref")], stdin=f, capture_output=True)
                want, rc = p.stdout.decode("utf-8", "replace").rstrip("\n"), p.returncode
            else:
                want, rc = multi_bleu_python(hyp_path, ref_paths, lc)
            check(f"corpus {c} multi-bleu lc={lc}", want, ref_paths + ["-i", hyp_path] + margs,
                  want_fail=rc != 0)
    # the real command line, hypotheses on stdin (universal newlines) and from -i
    for c in range(6):
        hyps, refs = make_corpus(rng, for_stdin=True)
        d = os.path.join(work, f"cli{c}")
        os.makedirs(d, exist_ok=True)
        ref_paths = []
        for r, lines in enumerate(refs):
            ref_paths.append(os.path.join(d, f"ref{r}"))
            write_lines(ref_paths[-1], lines, rng)
        hyp_path = os.path.join(d, "hyp.txt")
        write_lines(hyp_path, hyps, rng)
        opts = ["-tok", TOKENIZERS[c % 4], "-s", SMOOTH[(c + 1) % 4]] + (["-lc"] if c % 2 else [])
        opts += [] if c % 3 else ["-f", "text"]
        stdin_mode = c < 3
        cmd = [sys.executable, "-m", "sacrebleu"] + ref_paths + ([] if stdin_mode else ["-i", hyp_path]) + opts
        data = open(hyp_path, "rb").read()
        p = subprocess.run(cmd, input=data if stdin_mode else None, capture_output=True, env=env)
        want = p.stdout.decode("utf-8").rstrip("\n")
        if p.returncode != 0:
            print(f"sacrebleu CLI failed on cli{c}: {p.stderr.decode()}")
            failed += 1
            continue
        check(f"sacrebleu CLI cli{c} ({'stdin' if stdin_mode else '-i'})", want,
              ref_paths + ([] if stdin_mode else ["-i", hyp_path]) + opts,
              stdin=data if stdin_mode else None)
    oracle = "multi-bleu.perl" if perl_script else "Python transcription of multi-bleu.perl"
    print(f"compared {compared} outputs with sacreBLEU {sacrebleu.__version__} "
          f"(multi-bleu mode against {oracle}): {failed} differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The peer of `s2sbench bench step`: the same model, batch and full training step
(forward, backward, global-norm clip at 5, SGD) in PyTorch, FP32, timed the same way
(warm-ups apart, median of trials, learning rate 0 so that every trial computes the update
from the same parameters and the loss check holds), words = source + target words.
--out DIR writes run.json, trials.tsv and terminal.txt (results/README.md). TF32 is off
(FP32 products, as CLBlast's SGEMM) unless --tf32 allows it on CUDA for cuBLAS and cuDNN:
the record's summary.precision says which ("fp32" or "tf32").

usage: python3 bench/peers/pytorch_step.py [--preset tiny|small|paper] [size flags]
       [--len T] [--trials N] [--warmup N] [--threads N] [--device cpu|cuda] [--tf32]
       [--out DIR]
       (needs torch: scripts/setup-peers.sh puts it into build/peer-venv)
"""
import argparse
import math
import statistics
import sys
import time

import run_record as rr

import torch
import torch.nn as nn


class Seq2Seq(nn.Module):
    def __init__(self, L, H, E, Vs, Vt, init_scale):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(Vs, E), nn.Embedding(Vt, E)
        self.enc, self.dec = nn.LSTM(E, H, L), nn.LSTM(E, H, L)
        self.out = nn.Linear(H, Vt)
        for p in self.parameters():
            nn.init.uniform_(p, -init_scale, init_scale)

    def forward(self, src, tgt_in, tgt_out):
        _, state = self.enc(self.src_emb(src))            # (T, B) time-major
        h, _ = self.dec(self.tgt_emb(tgt_in), state)
        logits = self.out(h)                              # (T+1, B, Vt)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           tgt_out.reshape(-1), reduction="sum")
        return loss / src.shape[1]                        # sum over tokens / B (the paper's)


def device_entry(dev, blas):
    if dev.type != "cuda":
        return rr.cpu_device(torch.get_num_threads(), blas)
    p = torch.cuda.get_device_properties(dev)
    return {"name": p.name, "vendor": "NVIDIA", "type": "GPU",
            "driver": f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}",
            "threads": torch.get_num_threads(), "compute_units": p.multi_processor_count,
            "global_mem": p.total_memory}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    rr.add_config_args(ap)
    ap.add_argument("--len", type=rr.positive, default=0,
                    help="words per sentence, each side (default min(30, max-len))")
    ap.add_argument("--trials", type=rr.positive, default=5)
    ap.add_argument("--warmup", type=rr.positive, default=1, help="at least 1")
    ap.add_argument("--threads", type=rr.positive, default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--tf32", action="store_true",
                    help="allow TF32 in cuBLAS and cuDNN (CUDA only; default FP32)")
    ap.add_argument("--out", metavar="DIR")
    a = ap.parse_args()
    if a.tf32 and not a.device.startswith("cuda"):
        ap.error("--tf32 needs --device cuda (TF32 is a CUDA tensor-core mode)")
    cfg = rr.config_from_args(a)
    T = a.len or min(30, cfg["max_len"])
    cfg["max_len"] = max(cfg["max_len"], T)  # as bench step
    if a.out:
        rr.check_out_dir(a.out)
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    precision = "tf32" if a.tf32 else "fp32"
    L, H, E, Vs, Vt, B = (cfg[k] for k in rr.SIZE_FLAGS)
    dev = torch.device(a.device)
    torch.manual_seed(cfg["seed"])
    m = Seq2Seq(L, H, E, Vs, Vt, cfg["init_scale"]).to(dev)
    opt = torch.optim.SGD(m.parameters(), lr=0.0)  # bench step's lr 0: same work per step
    g = torch.Generator().manual_seed(cfg["seed"])
    src = torch.randint(2, Vs, (T, B), generator=g).to(dev)
    tgt = torch.randint(2, Vt, (T, B), generator=g)
    tgt_in = torch.cat([torch.ones(1, B, dtype=torch.long), tgt], 0).to(dev)   # <eos> first
    tgt_out = torch.cat([tgt, torch.ones(1, B, dtype=torch.long)], 0).to(dev)  # <eos> last

    def step():
        opt.zero_grad(set_to_none=True)
        loss = m(src, tgt_in, tgt_out)
        loss.backward()
        nn.utils.clip_grad_norm_(m.parameters(), cfg["clip"])
        opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        return loss.item()

    def timed():
        t = time.perf_counter()
        loss = step()
        return time.perf_counter() - t, loss

    warm = [timed() for _ in range(a.warmup)]
    runs = [timed() for _ in range(a.trials)]
    times = [t for t, _ in runs]
    words = B * 2 * T
    # results/FACTS.md: 3x the forward's multiply-adds, a multiply-add is 2 FLOP; the
    # decoder and softmax run T+1 steps (<eos>), as s2s_train_step_flops counts
    P = sum(4 * H * ((E if l == 0 else H) + H) for l in range(L))
    flops = B * (6 * P * T + (6 * P + 6 * H * Vt) * (T + 1))
    # output check (bench step's): at initialisation the loss per token is near ln(V)
    loss_per_token = warm[-1][1] / (T + 1)
    lnv = math.log(Vt)
    valid = (all(math.isfinite(l) for _, l in warm + runs) and
             0.5 * lnv < loss_per_token < 2.0 * lnv)
    med = statistics.median(times)
    versions = rr.torch_versions(torch, dev.type == "cuda")
    device = device_entry(dev, f"PyTorch {torch.__version__}, {versions['blas']}")

    out = rr.Terminal()
    threads = rr.plural(torch.get_num_threads(), "thread")
    out.say(f"peer pytorch step: {cfg['preset']} {L}x{H} E{E} V{Vs}/{Vt} B{B}, {T}+{T} "
            f"words/sentence on {device['name']} ({a.device}, {precision.upper()}, {threads}, "
            f"PyTorch {torch.__version__}, {versions['blas']})")
    out.say(f"  warm-up step 1         {warm[0][0]:.3f} s")
    if valid:
        out.say(f"  step time              median {med:.4f} s  (min {min(times):.4f}, max "
                f"{max(times):.4f}, {a.trials} trials)")
        out.say(f"  words/s                {words / med:.0f} (source + target words)")
        out.say(f"  achieved               {flops / med * 1e-9:.2f} GFLOP/s ({flops * 1e-9:.3f} "
                "GFLOP per step, results/FACTS.md formula)")
    else:
        out.say(f"  OUTPUT CHECK FAILED: loss per token {loss_per_token:.4f} is not near "
                f"ln(V) = {lnv:.4f}; numbers withheld")
    if a.out:
        summary = {"output_check_passed": valid, "device": a.device, "precision": precision,
                   "words_per_sentence": T, "words_per_step": words,
                   "words_convention": "source + target words, <eos> excluded",
                   "timing": "host wall clock around the step (perf_counter; "
                             "torch.cuda.synchronize on cuda)",
                   "step_lr": 0.0, "warmup": a.warmup, "first_step_s": warm[0][0],
                   "loss_per_token": loss_per_token}
        if valid:
            summary.update({"step_s_median": med, "step_s_min": min(times),
                            "step_s_max": max(times), "trials": a.trials,
                            "words_per_s": words / med, "step_gflop": flops * 1e-9,
                            "achieved_gflops": flops / med * 1e-9})
        record = rr.meta("peer pytorch step", versions, [device], cfg)
        record["summary"] = summary
        rows = [("warmup", i, f"{t:.6f}", f"{words / t:.1f}", f"{flops / t * 1e-9:.3f}")
                for i, (t, _) in enumerate(warm)]
        rows += [("trial", i, f"{t:.6f}", f"{words / t:.1f}", f"{flops / t * 1e-9:.3f}")
                 for i, t in enumerate(times)]
        trials = rr.tsv(("phase", "trial", "seconds", "words_per_s", "gflops"), rows)
        rr.write_record(a.out, [("trials.tsv", trials), ("terminal.txt", out.text())], record)
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())

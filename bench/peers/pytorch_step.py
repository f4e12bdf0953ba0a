#!/usr/bin/env python3
"""The peer of `s2sbench bench step`: the same model, batch and full training step
(forward, backward, global-norm clip at 5, SGD) in PyTorch, FP32, timed the same way
(warm-up apart, median of trials), words = source + target words.

usage: python3 bench/peers/pytorch_step.py [--preset small|paper] [--len 20] [--trials 5]
       [--threads N] [--device cpu|cuda]   (needs `pip install torch`)
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn

PRESETS = {  # layers, hidden, embed, src vocab, tgt vocab, batch (model/config.c)
    "tiny": (2, 32, 32, 64, 64, 32),
    "small": (2, 256, 256, 16000, 16000, 64),
    "paper": (4, 1000, 1000, 160000, 80000, 128),
}


class Seq2Seq(nn.Module):
    def __init__(self, L, H, E, Vs, Vt):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(Vs, E), nn.Embedding(Vt, E)
        self.enc, self.dec = nn.LSTM(E, H, L), nn.LSTM(E, H, L)
        self.out = nn.Linear(H, Vt)
        for p in self.parameters():
            nn.init.uniform_(p, -0.08, 0.08)

    def forward(self, src, tgt_in, tgt_out):
        _, state = self.enc(self.src_emb(src))            # (T, B) time-major
        h, _ = self.dec(self.tgt_emb(tgt_in), state)
        logits = self.out(h)                              # (T, B, Vt)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                           tgt_out.reshape(-1), reduction="sum")
        return loss / src.shape[1]                        # sum over tokens / B (the paper's)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="small", choices=PRESETS)
    ap.add_argument("--len", type=int, default=20)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    L, H, E, Vs, Vt, B = PRESETS[a.preset]
    dev = torch.device(a.device)
    m = Seq2Seq(L, H, E, Vs, Vt).to(dev)
    opt = torch.optim.SGD(m.parameters(), lr=0.7)
    g = torch.Generator().manual_seed(1)
    T = a.len
    src = torch.randint(2, Vs, (T, B), generator=g).to(dev)
    tgt = torch.randint(2, Vt, (T, B), generator=g)
    tgt_in = torch.cat([torch.ones(1, B, dtype=torch.long), tgt], 0).to(dev)   # <eos> first
    tgt_out = torch.cat([tgt, torch.ones(1, B, dtype=torch.long)], 0).to(dev)  # <eos> last

    def step():
        opt.zero_grad(set_to_none=True)
        loss = m(src, tgt_in, tgt_out)
        loss.backward()
        nn.utils.clip_grad_norm_(m.parameters(), 5.0)
        opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.trials):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    words = B * 2 * T
    P = sum(4 * H * ((E if l == 0 else H) + H) for l in range(L))
    flops = B * (6 * P * T + (6 * P + 6 * H * Vt) * (T + 1))
    print(f"pytorch {torch.__version__} {a.device} threads={torch.get_num_threads()} "
          f"{a.preset} B{B} {T}+{T}: step median {med:.4f} s (min {min(times):.4f}, max "
          f"{max(times):.4f}, {a.trials} trials), {words / med:.0f} words/s, "
          f"{flops / med * 1e-9:.2f} GFLOP/s")


if __name__ == "__main__":
    main()

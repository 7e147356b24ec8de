#!/usr/bin/python3
"""Time anysr operating points with the PyTorch reference (train/anysr_train/network.py) on the CPU.

Called by anysr-bench with the same model file, input picture and ops, so the two
timings come from one run; prints one line per op:

  OP <width> <depth> <mode> <ms per frame> <MACs (model.macs)> <heavy share>

  PYTHONPATH=train /usr/bin/python3 bench/torch_bench.py --model models/anysr-default.safetensors \
      --size 128x96 --out 256x192 --ops 8:2:light,32:8:heavy [--input-raw f.rgba]

Threads: --threads (default: all cores).  Times the forward pass only (input already a
float tensor, output not converted): --warmup frames per op, then --frames rounds over
all ops (round-robin), median per op (as anysr-bench).
"""

import argparse
import os
import statistics
import time

import numpy as np
import torch

from anysr_train import model_file
from anysr_train.network import Op, macs

HERE = os.path.dirname(os.path.abspath(__file__))


def size(s):
    w, h = s.lower().split("x")
    return int(w), int(h)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(HERE, "..", "models", "anysr-default.safetensors"))
    ap.add_argument("--size", type=size, default=(128, 96), help="input WxH")
    ap.add_argument("--out", type=size, required=True, help="output WxH")
    ap.add_argument("--input-raw", default=None, help="RGBA8 input of --size (default: random)")
    ap.add_argument("--ops", required=True, help="comma list of width:depth:mode")
    ap.add_argument("--k", type=float, default=None, help="routing knob (default: the model's)")
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()

    torch.set_num_threads(max(1, a.threads))
    model, arch, _ = model_file.load_model(a.model)
    model.eval()
    k = arch.get("default_k", 0.0) if a.k is None else a.k
    w, h = a.size
    W, H = a.out
    if a.input_raw:
        px = np.fromfile(a.input_raw, dtype=np.uint8).reshape(h, w, 4)[..., :3]
    else:
        px = np.random.default_rng(1).integers(0, 256, (h, w, 3), dtype=np.uint8)
    lr = torch.from_numpy(px.astype(np.float32).transpose(2, 0, 1) / 255.0).unsqueeze(0).contiguous()
    print("# torch %s, %d threads, %dx%d -> %dx%d" % (torch.__version__, torch.get_num_threads(), w, h, W, H),
          flush=True)
    ops = []
    for spec in a.ops.split(","):
        c, d, mode = spec.split(":")
        ops.append(Op(int(c), int(d), mode, k))
    times = {op: [] for op in ops}
    hfs = {op: (1.0 if op.mode == "heavy" else 0.0) for op in ops}
    with torch.no_grad():
        for op in ops:
            for _ in range(max(0, a.warmup)):
                model(lr, H, W, op, return_aux=True)
        # round-robin, as anysr-bench: a change of the machine's load falls on every op
        for _ in range(max(1, a.frames)):
            for op in ops:
                t = time.perf_counter()
                out, aux = model(lr, H, W, op, return_aux=True)
                times[op].append((time.perf_counter() - t) * 1e3)
                if op.mode == "routed":
                    hfs[op] = aux["heavy_fraction"]
    for op in ops:
        ms = statistics.median(times[op])
        print("OP %d %d %s %.4f %.0f %.4f" % (op.width, op.depth, op.mode, ms,
                                             macs(op, h, w, H, W, hfs[op], arch), hfs[op]), flush=True)

if __name__ == "__main__":
    main()

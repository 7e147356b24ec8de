#!/usr/bin/python3
"""Evaluate an anysr model with the DESIGN section 7 protocol.

For every dataset x scale x operating point of the ladder: Y-PSNR of the heavy, light
and routed (default k) decoders, the heavy-pixel share of the routed decoder, MACs per
output pixel of each, beside Pillow bicubic.  Writes a markdown table and JSON.

  /usr/bin/python3 train/eval.py --model models/anysr-default.safetensors
  /usr/bin/python3 train/eval.py --ckpt train/runs/ckpt.pt --sets Set5 --scales 2
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from data import DEFAULT_DATA  # noqa: E402
from evalcore import (bicubic_up, eval_images, lr_tensor, prepare, psnr_y,  # noqa: E402
                      shave_of, to_uint8)
from model import ARCH, AnySR, Op, macs, query_inputs, refine, route_threshold, run_mlp  # noqa: E402
import modelio  # noqa: E402

SCALES = [(2.0, 2.0), (3.0, 3.0), (4.0, 4.0), (2.5, 2.5), (1.5, 2.0)]
SETS = ["Set5", "Set14", "B100"]


def scale_name(s):
    sx, sy = s
    f = lambda v: ("%g" % v)
    return "x" + f(sx) if sx == sy else "(%s,%s)" % (f(sx), f(sy))


def load_any(model_path=None, ckpt=None):
    """Model from a .safetensors file or a training checkpoint (ckpt.pt / snap_*.pt)."""
    if ckpt:
        ck = torch.load(ckpt, map_location="cpu")
        sd = ck.get("ema", ck.get("model")) if "model" in ck else ck
        m = AnySR(ARCH)
        m.load_state_dict({k: v.contiguous() for k, v in sd.items()})
        info = {"iterations": ck.get("it") if isinstance(ck, dict) and "it" in ck else None}
        return m, dict(ARCH), info
    return modelio.load_model(model_path)


@torch.no_grad()
def decode_all(model, lr, op_wd, H, W):
    """One encoder pass, then heavy and light outputs and the routing delta for every
    HR pixel.  Returns (base+heavy, base+light, delta) as (1,3,H,W),(1,3,H,W),(1,H,W)."""
    c, d = op_wd
    scale = model.scale_of(lr, H, W)
    feat = model.encode(lr, scale, c, d)
    ys, xs = torch.meshgrid(torch.arange(H, device=lr.device), torch.arange(W, device=lr.device), indexing="ij")
    inp, base = query_inputs(lr, feat, xs.reshape(1, -1), ys.reshape(1, -1), H, W)
    oh = base + run_mlp(model.dec.heavy, inp)
    ol = base + run_mlp(model.dec.light, inp)
    lg = run_mlp(model.dec.cls, inp)
    delta = (lg[..., 0] - lg[..., 1]).view(1, H, W)
    f = lambda o: o.transpose(1, 2).reshape(1, 3, H, W)
    return f(oh), f(ol), delta


def compose_routed(oh, ol, delta, k, arch=ARCH):
    heavy = delta >= route_threshold(k, arch)
    out = torch.where(heavy.unsqueeze(1), oh, ol)
    return refine(out, heavy), heavy.float().mean().item()


@torch.no_grad()
def evaluate(model, arch, sets=SETS, scales=SCALES, k=None, data_root=DEFAULT_DATA, log=print):
    k = arch.get("default_k", 0.0) if k is None else k
    ladder = [tuple(x) for x in arch["ladder"]]
    model.eval()
    rows = []
    for sname in sets:
        imgs = eval_images(sname, data_root)
        for sc in scales:
            sx, sy = sc
            acc = {"bicubic": []}
            for wd in ladder:
                for m in ("heavy", "light", "routed"):
                    acc[(wd, m)] = []
                acc[(wd, "hf")] = []
                acc[(wd, "macs")] = {m: [] for m in ("heavy", "light", "routed")}
            for _, hr0 in imgs:
                hr, lr = prepare(hr0, sx, sy)
                H, W = hr.shape[:2]
                sh = shave_of(sx, sy)
                acc["bicubic"].append(psnr_y(bicubic_up(lr, H, W), hr, sh))
                lt = lr_tensor(lr)
                for wd in ladder:
                    oh, ol, delta = decode_all(model, lt, wd, H, W)
                    orr, hf = compose_routed(oh, ol, delta, k, arch)
                    for m, o in (("heavy", oh), ("light", ol), ("routed", orr)):
                        acc[(wd, m)].append(psnr_y(to_uint8(o[0]), hr, sh))
                    acc[(wd, "hf")].append(hf)
                    for m, f in (("heavy", 1.0), ("light", 0.0), ("routed", hf)):
                        acc[(wd, "macs")][m].append(
                            macs(Op(wd[0], wd[1], m, k), lr.shape[0], lr.shape[1], H, W, f, arch) / (H * W))
            bic = float(np.mean(acc["bicubic"]))
            for wd in ladder:
                row = {"set": sname, "scale": scale_name(sc), "sx": sx, "sy": sy,
                       "width": wd[0], "depth": wd[1], "bicubic": round(bic, 3),
                       "heavy": round(float(np.mean(acc[(wd, "heavy")])), 3),
                       "light": round(float(np.mean(acc[(wd, "light")])), 3),
                       "routed": round(float(np.mean(acc[(wd, "routed")])), 3),
                       "heavy_share": round(float(np.mean(acc[(wd, "hf")])), 3),
                       "macs_heavy": int(np.mean(acc[(wd, "macs")]["heavy"])),
                       "macs_light": int(np.mean(acc[(wd, "macs")]["light"])),
                       "macs_routed": int(np.mean(acc[(wd, "macs")]["routed"])), "k": k}
                rows.append(row)
                log("%-6s %-9s (%2d,%d)  bicubic %.3f  heavy %.3f  light %.3f  routed %.3f  heavy share %.2f" % (
                    sname, row["scale"], wd[0], wd[1], bic, row["heavy"], row["light"], row["routed"], row["heavy_share"]))
    return rows


def markdown(rows):
    out = ["| set | scale | op (c,d) | bicubic | heavy | light | routed | heavy share | MACs/px heavy | light | routed |",
           "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        out.append("| %s | %s | (%d,%d) | %.2f | %.2f | %.2f | %.2f | %.0f %% | %s | %s | %s |" % (
            r["set"], r["scale"], r["width"], r["depth"], r["bicubic"], r["heavy"], r["light"], r["routed"],
            100 * r["heavy_share"], *["{:,}".format(r[k]) if k in r else "-"
                                      for k in ("macs_heavy", "macs_light", "macs_routed")]))
    return "\n".join(out) + "\n"


def check_bars(rows, arch=ARCH):
    """The issue's quality bars; returns list of (description, ok, value)."""
    full = tuple(arch["ladder"][-1])
    cheap = tuple(arch["ladder"][0])
    get = lambda s, sc, wd: next((r for r in rows if r["set"] == s and r["scale"] == sc and
                                 (r["width"], r["depth"]) == wd), None)
    res = []
    for s, sc, hb, lb in (("Set5", "x2", 36.8, 35.2), ("Set5", "x3", 32.9, 31.6), ("Set5", "x4", 30.5, 29.4),
                          ("Set14", "x2", 32.4, 31.5), ("B100", "x2", 31.4, 30.7)):
        r = get(s, sc, full)
        if r:
            res.append(("full heavy %s %s >= %.1f" % (s, sc, hb), r["heavy"] >= hb, r["heavy"]))
        r = get(s, sc, cheap)
        if r:
            res.append(("cheapest light %s %s >= %.1f" % (s, sc, lb), r["light"] >= lb, r["light"]))
    worst = None
    for r in rows:
        m = min(r["heavy"], r["light"], r["routed"]) - r["bicubic"]
        worst = m if worst is None else min(worst, m)
    if worst is not None:
        res.append(("every op/decoder beats bicubic (worst margin dB)", worst > 0, round(worst, 3)))
    r = get("Set5", "x2", full)
    if r:
        res.append(("routed within 0.10 dB of heavy, Set5 x2 full", r["heavy"] - r["routed"] <= 0.10,
                    round(r["heavy"] - r["routed"], 3)))
        res.append(("light share >= 40 %, Set5 x2 full", 1 - r["heavy_share"] >= 0.40, round(1 - r["heavy_share"], 3)))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(HERE, "..", "models", "anysr-default.safetensors"))
    ap.add_argument("--ckpt", default=None, help="evaluate a training checkpoint instead")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--scales", default="2,3,4,2.5,1.5x2.0", help="comma list; 'AxB' for sx x sy")
    ap.add_argument("--k", type=float, default=None, help="routing knob (default: the model's)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    ap.add_argument("--md", default=None)
    ap.add_argument("--data", default=DEFAULT_DATA)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, arch, info = load_any(a.model, a.ckpt)
    scales = []
    for s in a.scales.split(","):
        if "x" in s:
            x, y = s.split("x")
            scales.append((float(x), float(y)))
        else:
            scales.append((float(s), float(s)))
    t = time.time()
    rows = evaluate(model, arch, a.sets.split(","), scales, a.k, a.data)
    md = markdown(rows)
    print(md)
    for desc, ok, v in check_bars(rows, arch):
        print("%s %s: %s" % ("PASS" if ok else "FAIL", desc, v))
    print("eval time %.0f s" % (time.time() - t))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"iterations": info.get("iterations"), "rows": rows}, f, indent=1)
    if a.md:
        with open(a.md, "w") as f:
            f.write(md)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Export a training checkpoint to models/anysr-default.safetensors (DESIGN section 4).

Picks the default routing knob k on training images (not on the benchmarks), measures
the quality table with the section 7 protocol, writes the file with its __metadata__,
then reads it back and proves the round trip bit-exact (tensors and model outputs).

  /usr/bin/python3 train/export.py --ckpt train/runs/ckpt.pt --eval full
  /usr/bin/python3 train/export.py --ckpt train/runs/ckpt.pt --eval set5    # faster table
"""

import argparse
import hashlib
import json
import os
import re
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import modelio  # noqa: E402
from data import DEFAULT_DATA, list_images, load_rgb  # noqa: E402
from evalcore import lr_tensor, prepare, psnr_y, shave_of, to_uint8  # noqa: E402
import eval as ev  # noqa: E402
from model import ARCH, AnySR, Op  # noqa: E402

DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "models", "anysr-default.safetensors"))


def validation_images(data_root=DEFAULT_DATA, n=12, crop=160):
    """Centre crops of a fixed spread of training images (for picking k)."""
    files = list_images(os.path.join(data_root, "train"))
    pick = files[:: max(1, len(files) // n)][:n]
    out = []
    for f in pick:
        im = load_rgb(f)
        h, w = im.shape[:2]
        ch, cw = min(crop, h), min(crop, w)
        y0, x0 = (h - ch) // 2, (w - cw) // 2
        out.append(im[y0:y0 + ch, x0:x0 + cw])
    return out


@torch.no_grad()
def pick_k(model, arch, data_root=DEFAULT_DATA, max_drop=0.05, min_light=0.45, log=print):
    """Largest light share whose Y-PSNR drop vs all-heavy (full op, x2, training
    images) stays <= max_drop; if that gives < min_light, the smallest k reaching
    min_light.  Returns (k, sweep)."""
    ks = [round(x, 3) for x in np.arange(-0.5, 1.0001, 0.01)]
    imgs = validation_images(data_root)
    full = tuple(arch["ladder"][-1])
    heavy_ps = []
    per_k = {k: ([], []) for k in ks}
    for hr0 in imgs:
        hr, lr = prepare(hr0, 2.0, 2.0)
        H, W = hr.shape[:2]
        oh, ol, delta = ev.decode_all(model, lr_tensor(lr), full, H, W)
        heavy_ps.append(psnr_y(to_uint8(oh[0]), hr, 2))
        for k in ks:
            o, hf = ev.compose_routed(oh, ol, delta, k, arch)
            per_k[k][0].append(psnr_y(to_uint8(o[0]), hr, 2))
            per_k[k][1].append(hf)
    hp = float(np.mean(heavy_ps))
    sweep = [{"k": k, "drop": round(hp - float(np.mean(per_k[k][0])), 4),
              "light": round(1 - float(np.mean(per_k[k][1])), 4)} for k in ks]
    ok = [s for s in sweep if s["drop"] <= max_drop]
    best = max(ok, key=lambda s: s["light"]) if ok else None
    if best is None or best["light"] < min_light:
        reach = [s for s in sweep if s["light"] >= min_light]
        if reach:
            best = min(reach, key=lambda s: s["drop"])
    if best is None:
        best = {"k": 0.0}
    log("k sweep (training images, x2, full op): " + ", ".join(
        "k=%g drop %.3f light %.0f%%" % (s["k"], s["drop"], 100 * s["light"]) for s in sweep[::10]))
    log("default k = %g (%s)" % (best["k"], best))
    return float(best["k"]), sweep


def load_source(ckpt=None, model_in=None):
    if ckpt:
        ck = torch.load(ckpt, map_location="cpu")
        sd = ck.get("ema", ck.get("model")) if "model" in ck else ck
        m = AnySR(ARCH)
        m.load_state_dict({k: v.contiguous() for k, v in sd.items()})
        if "model" in ck:
            info = {"iterations": int(ck.get("it", 0)), "curve": ck.get("curve", []), "args": ck.get("args", {})}
        else:
            # a snapshot (snap_NNNNNNN.pt: EMA weights only): iteration from the name,
            # curve and arguments from the checkpoint beside it
            mt = re.search(r"snap_(\d+)\.pt$", ckpt)
            it = int(mt.group(1)) if mt else 0
            side = os.path.join(os.path.dirname(ckpt), "ckpt.pt")
            ck2 = torch.load(side, map_location="cpu") if os.path.exists(side) else {}
            curve = {c["it"]: c for c in ck2.get("curve", [])}
            cj = os.path.join(os.path.dirname(ckpt), "curve.jsonl")
            if os.path.exists(cj):  # written at every check, ahead of the checkpoint
                with open(cj) as f:
                    for line in f:
                        if line.strip():
                            c = json.loads(line)
                            curve[c["it"]] = c
            info = {"iterations": it, "curve": [curve[i] for i in sorted(curve) if i <= it],
                    "args": ck2.get("args", {})}
        return m, dict(ARCH), info
    m, arch, tinfo = modelio.load_model(model_in)
    return m, arch, {"iterations": tinfo.get("iterations", 0), "curve": tinfo.get("curve", []),
                     "args": tinfo.get("args", {})}


@torch.no_grad()
def verify_round_trip(model, path, dtype):
    m2, arch2, _ = modelio.load_model(path)
    sd1, sd2 = model.state_dict(), m2.state_dict()
    for name in sd1:
        a = sd1[name].float()
        if dtype == "F16":
            a = a.half().float()
        if not torch.equal(a, sd2[name]):
            raise SystemExit("round trip: tensor %s differs" % name)
    g = torch.Generator().manual_seed(0)
    lr = torch.rand(1, 3, 11, 13, generator=g)
    ref = AnySR(arch2)
    ref.load_state_dict({k: (v.float().half().float() if dtype == "F16" else v.float()) for k, v in sd1.items()})
    for op in (Op(32, 8, "heavy"), Op(8, 2, "light"), Op(16, 4, "routed", arch2["default_k"])):
        if not torch.equal(ref(lr, 27, 30, op), m2(lr, 27, 30, op)):
            raise SystemExit("round trip: output differs for %s" % (op,))
    return True


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=os.path.join(HERE, "runs", "ckpt.pt"))
    ap.add_argument("--model-in", default=None, help="re-export an existing .safetensors instead")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--dtype", default="F32", choices=("F32", "F16"))
    ap.add_argument("--k", default="auto", help="default routing knob, or 'auto'")
    ap.add_argument("--eval", default="full", help="full | set5 | none | path of an eval.py --json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default=DEFAULT_DATA)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    model, arch, info = load_source(None if a.model_in else a.ckpt, a.model_in)
    model.eval()
    if a.k == "auto":
        k, sweep = pick_k(model, arch, a.data)
    else:
        k, sweep = float(a.k), None
    arch["default_k"] = k

    rows = []
    if a.eval == "full":
        rows = ev.evaluate(model, arch, ev.SETS, ev.SCALES, k, a.data)
    elif a.eval == "set5":
        rows = ev.evaluate(model, arch, ["Set5"], ev.SCALES, k, a.data)
    elif a.eval != "none":
        with open(a.eval) as f:
            rows = json.load(f)["rows"]
    targs = info.get("args", {}) or {}
    train_info = {
        "data": "shared/data/train: T91, BSD200, BSDS500_test200, McMaster18, SunHays80 (589 images)",
        "iterations": info["iterations"],
        "batch": targs.get("batch", 16), "lr_crop": targs.get("lr_size", 48), "queries": targs.get("queries", 2304),
        "p_full": targs.get("p", 0.6), "scales": "sx, sy in [1, 4], %d %% asymmetric" % round(100 * targs.get("p_asym", 0.5)),
        "optimizer": "Adam, cosine lr %g -> %g over %s iterations" % (
            targs.get("lr", 5e-4), targs.get("lr_min", 1e-5), targs.get("total_iters", "?")),
        "loss": "L1 (heavy: encoder+heavy; light & classifier on detached features; balancing 1.0)",
        "curve": info.get("curve", []),
        "k_sweep": "training images, x2, full op" if sweep else "given",
        "psnr": [{key: r[key] for key in ("set", "scale", "width", "depth", "bicubic", "heavy", "light",
                                          "routed", "heavy_share", "macs_heavy", "macs_light", "macs_routed")}
                 for r in rows],
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    modelio.save_model(tmp, model, train_info, arch, a.dtype)
    verify_round_trip(model, tmp, a.dtype)
    os.replace(tmp, a.out)
    size = os.path.getsize(a.out)
    print("wrote %s (%d bytes, sha256 %s); round trip bit-exact; %.0f s" % (a.out, size, sha256(a.out), time.time() - t0))
    if size > 1 << 20:
        raise SystemExit("model file over 1 MiB")
    if rows:
        print(ev.markdown(rows))
        for desc, ok, v in ev.check_bars(rows, arch):
            print("%s %s: %s" % ("PASS" if ok else "FAIL", desc, v))
        base = os.path.splitext(a.out)[0]
        with open(os.path.join(HERE, "runs", "last_export_eval.json") if os.path.isdir(os.path.join(HERE, "runs"))
                  else base + ".eval.json", "w") as f:
            json.dump({"iterations": info["iterations"], "k": k, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()

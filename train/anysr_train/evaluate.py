"""Evaluate an anysr model with the quality protocol (docs/testing.md#quality).

For every dataset x scale x operating point of the ladder: Y-PSNR of the heavy, light
and routed (default k) decoders, the heavy-pixel share of the routed decoder, MACs per
output pixel of each, beside Pillow bicubic.  Writes a markdown table and JSON.

  /usr/bin/python3 train/eval.py --model models/anysr-default.safetensors
  /usr/bin/python3 train/eval.py --ckpt train/runs/ckpt.pt --sets Set5 --scales 2
"""

import argparse
import json
import os
import time

import numpy as np
import torch

from .paths import TRAIN_DIR
from .datasets import DEFAULT_DATA
from .eval_protocol import (bicubic_up, eval_images, lr_tensor, prepare, psnr_y,
                            shave_of, to_uint8)
from .network import (ARCH, AnySR, DepthAdapter, Op, encoder_macs_adaptive, encoder_macs_per_pixel, macs,
                      query_inputs, refine, route_threshold, run_mlp)
from . import model_file

SCALES = [(2.0, 2.0), (3.0, 3.0), (4.0, 4.0), (2.5, 2.5), (1.5, 2.0)]
SETS = ["Set5", "Set14", "B100"]


def scale_name(s):
    sx, sy = s
    f = lambda v: ("%g" % v)
    return "x" + f(sx) if sx == sy else "(%s,%s)" % (f(sx), f(sy))


def state_dict_of(ck):
    """The weights of a torch.load()ed ckpt.pt (EMA preferred) or snap_*.pt."""
    return ck.get("ema", ck.get("model")) if "model" in ck else ck


def arch_from_state(sd):
    """ARCH for a state dict: with the depth adapter (its width and pooling from the
    tensors) when it has adapter.* tensors, else depth_tile 0 (a checkpoint from
    before the adapter)."""
    arch = dict(ARCH)
    if not any(k.startswith("adapter.") for k in sd):
        arch["depth_tile"] = 0
    else:
        ah = int(sd["adapter.pix.weight"].shape[0])
        arch["adapter_hidden"] = ah
        stats = (int(sd["adapter.fc1.weight"].shape[1]) - 1) // ah  # fc1 reads [stats x ah, t]
        arch["adapter_pool"] = {n: k for k, n in DepthAdapter.POOLS.items()}[stats]
    return arch


def model_from_state(sd):
    """AnySR for a state dict (arch_from_state) with its weights, and the arch."""
    arch = arch_from_state(sd)
    m = AnySR(arch)
    m.load_state_dict({k: v.contiguous() for k, v in sd.items()})
    return m, arch


def load_any(model_path=None, ckpt=None):
    """Model from a .safetensors file or a training checkpoint (ckpt.pt / snap_*.pt)."""
    if ckpt:
        ck = torch.load(ckpt, map_location="cpu")
        m, arch = model_from_state(state_dict_of(ck))
        info = {"iterations": ck.get("it") if isinstance(ck, dict) and "it" in ck else None}
        if info["iterations"] is None:
            import re
            mt = re.search(r"snap_(\d+)\.pt$", ckpt)
            info["iterations"] = int(mt.group(1)) if mt else None
        return m, arch, info
    return model_file.load_model(model_path)


@torch.no_grad()
def decode_all(model, lr, op_wd, H, W, target=1.0, modes=("heavy", "light", "cls"), stages=None):
    """One encoder pass (spatial depth target `target`), then heavy and light outputs
    and the routing delta for every HR pixel.  Returns (base+heavy, base+light, delta)
    as (1,3,H,W),(1,3,H,W),(1,H,W); the ones left out of `modes` are None.  stages: a
    dict that receives the encoder's "depth" map (1, th, tw) when it ran adaptively."""
    c, d = op_wd
    scale = model.scale_of(lr, H, W)
    if stages is None:
        feat = model.encode(lr, scale, c, d, target=target)
    else:
        feat, st = model.encode(lr, scale, c, d, return_stages=True, target=target)
        stages.update({k: v for k, v in st.items() if k in ("depth", "dc")})
    return decode_feat(model, lr, feat, H, W, modes)


@torch.no_grad()
def decode_feat(model, lr, feat, H, W, modes=("heavy", "light", "cls")):
    """decode_all's decoders on given encoder features feat (1, F, h, w)."""
    ys, xs = torch.meshgrid(torch.arange(H, device=lr.device), torch.arange(W, device=lr.device), indexing="ij")
    inp, base = query_inputs(lr, feat, xs.reshape(1, -1), ys.reshape(1, -1), H, W)
    f = lambda o: o.transpose(1, 2).reshape(1, 3, H, W)
    oh = f(base + run_mlp(model.dec.heavy, inp)) if "heavy" in modes else None
    ol = f(base + run_mlp(model.dec.light, inp)) if "light" in modes else None
    delta = None
    if "cls" in modes:
        lg = run_mlp(model.dec.cls, inp)
        delta = (lg[..., 0] - lg[..., 1]).view(1, H, W)
    return oh, ol, delta


def compose_routed(oh, ol, delta, k, arch=ARCH):
    heavy = delta >= route_threshold(k, arch)
    out = torch.where(heavy.unsqueeze(1), oh, ol)
    return refine(out, heavy), heavy.float().mean().item()


@torch.no_grad()
def evaluate(model, arch, sets=SETS, scales=SCALES, k=None, data_root=DEFAULT_DATA, log=print, limit=0):
    k = arch.get("default_k", 0.0) if k is None else k
    ladder = [tuple(x) for x in arch["ladder"]]
    model.eval()
    rows = []
    for sname in sets:
        imgs = pick_images(eval_images(sname, data_root), limit)
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


def pick_images(imgs, limit=0):
    """All images, or `limit` of them spread evenly over the sorted list."""
    if not limit or limit >= len(imgs):
        return list(imgs)
    idx = np.unique(np.linspace(0, len(imgs) - 1, limit).round().astype(int))
    return [imgs[i] for i in idx]


def fixed_enc_macs(width, depth, arch=ARCH):
    """Encoder MACs per LR pixel at fixed depth (head, d blocks, tail; no adapter)."""
    return float(encoder_macs_per_pixel(width, depth, arch))


@torch.no_grad()
def evaluate_depth(model, arch, sets, scales, points, modes=("heavy", "light", "routed"), k=None,
                   data_root=DEFAULT_DATA, limit=0, log=print):
    """Spatial depth (docs/models.md#spatial-depth): Y-PSNR (docs/testing.md#quality) of operating
    points (width, depth, target) and the encoder MACs per LR pixel they actually ran.
    target >= 1 (or a model without adapter): fixed depth.  modes: the decoders measured
    ("heavy", "light", "routed"; routed at k, default the model's).  limit > 0: that many
    images per set, spread evenly (a quick look; the rows record the count).

    Row keys: set, scale, sx, sy, width, depth, target, images, the modes' PSNR (and
    heavy_share with routed), enc_macs = encoder MACs per LR pixel from the depth maps
    (model.encoder_macs_adaptive: head, adapter pixel layer, the blocks each pixel's
    tile ran, tail; SA not counted; mean over the images), enc_macs_fixed = the same
    width and depth at fixed depth, mac_drop = 1 - enc_macs / enc_macs_fixed,
    mean_depth = blocks run per LR pixel (mean over the images)."""
    k = arch.get("default_k", 0.0) if k is None else k
    adaptive_model = model.adapter is not None
    model.eval()
    rows = []
    for sname in sets:
        imgs = pick_images(eval_images(sname, data_root), limit)
        for sc in scales:
            sx, sy = sc
            acc = {p: {"psnr": {m: [] for m in modes}, "hf": [], "macs": [], "depth": []} for p in points}
            for _, hr0 in imgs:
                hr, lr = prepare(hr0, sx, sy)
                H, W = hr.shape[:2]
                h, w = lr.shape[:2]
                sh = shave_of(sx, sy)
                lt = lr_tensor(lr)
                for p in points:
                    c, d, t = p
                    st = {}
                    need = set(modes) | ({"heavy", "light", "cls"} if "routed" in modes else set())
                    oh, ol, delta = decode_all(model, lt, (c, d), H, W, t, need, st)
                    a = acc[p]
                    if "heavy" in modes:
                        a["psnr"]["heavy"].append(psnr_y(to_uint8(oh[0]), hr, sh))
                    if "light" in modes:
                        a["psnr"]["light"].append(psnr_y(to_uint8(ol[0]), hr, sh))
                    if "routed" in modes:
                        orr, hf = compose_routed(oh, ol, delta, k, arch)
                        a["psnr"]["routed"].append(psnr_y(to_uint8(orr[0]), hr, sh))
                        a["hf"].append(hf)
                    if "depth" in st:
                        dm = st["depth"][0].numpy()
                        a["macs"].append(encoder_macs_adaptive(c, d, dm, h, w, arch) / (h * w))
                        T = arch["depth_tile"]
                        per_px = np.repeat(np.repeat(dm, T, 0), T, 1)[:h, :w]
                        a["depth"].append(float(per_px.mean()))
                    else:
                        a["macs"].append(fixed_enc_macs(c, d, arch))
                        a["depth"].append(float(d))
            for p in points:
                c, d, t = p
                a = acc[p]
                fixed = fixed_enc_macs(c, d, arch)
                em = float(np.mean(a["macs"]))
                row = {"set": sname, "scale": scale_name(sc), "sx": sx, "sy": sy, "width": c, "depth": d,
                       "target": float(t) if (adaptive_model and t < 1.0 and d > 0) else 1.0,
                       "images": len(imgs)}
                for m in modes:
                    row[m] = round(float(np.mean(a["psnr"][m])), 3)
                if "routed" in modes:
                    row["heavy_share"] = round(float(np.mean(a["hf"])), 3)
                    row["k"] = k
                row.update({"enc_macs": round(em, 1), "enc_macs_fixed": fixed,
                            "mac_drop": round(1.0 - em / fixed, 4),
                            "mean_depth": round(float(np.mean(a["depth"])), 3)})
                rows.append(row)
                log("%-6s %-9s (%2d,%d) t=%-5g %s  enc MACs/px %s (%+.1f %%)  mean depth %.2f" % (
                    sname, row["scale"], c, d, row["target"],
                    "  ".join("%s %.3f" % (m, row[m]) for m in modes), "{:,.0f}".format(em),
                    -100 * row["mac_drop"], row["mean_depth"]))
    return rows


def fixed_depth_rows(rows, arch=ARCH):
    """evaluate() rows as evaluate_depth() rows (target 1, encoder MACs of the op)."""
    out = []
    for r in rows:
        fixed = fixed_enc_macs(r["width"], r["depth"], arch)
        q = {key: r[key] for key in ("set", "scale", "sx", "sy", "width", "depth", "heavy", "light", "routed",
                                     "heavy_share", "k") if key in r}
        q.update({"target": 1.0, "enc_macs": fixed, "enc_macs_fixed": fixed, "mac_drop": 0.0,
                  "mean_depth": float(r["depth"])})
        out.append(q)
    return out


def markdown_depth(rows):
    """Spatial depth table: every row of evaluate_depth() (and fixed_depth_rows())."""
    modes = [m for m in ("heavy", "light", "routed") if any(m in r for r in rows)]
    out = ["| set | scale | op (c,d) | target | " + " | ".join(modes) +
           " | enc MACs/LR px | vs fixed (c,d) | mean depth |",
           "| --- | --- | --- | ---: | " + " | ".join("---:" for _ in modes) + " | ---: | ---: | ---: |"]
    for r in rows:
        out.append("| %s | %s | (%d,%d) | %s | %s | %s | %s | %.2f |" % (
            r["set"], r["scale"], r["width"], r["depth"], "fixed" if r["target"] >= 1 else "%g" % r["target"],
            " | ".join("%.2f" % r[m] if m in r else "-" for m in modes), "{:,.0f}".format(r["enc_macs"]),
            "-" if r["target"] >= 1 else "%+.1f %%" % (-100 * r["mac_drop"]), r["mean_depth"]))
    return "\n".join(out) + "\n"


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
    """The quality bars the model was accepted with (docs/models.md); returns list of (description, ok, value)."""
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
    ap.add_argument("--model", default=os.path.join(TRAIN_DIR, "..", "models", "anysr-default.safetensors"))
    ap.add_argument("--ckpt", default=None, help="evaluate a training checkpoint instead")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--scales", default="2,3,4,2.5,1.5x2.0", help="comma list; 'AxB' for sx x sy")
    ap.add_argument("--k", type=float, default=None, help="routing knob (default: the model's)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    ap.add_argument("--md", default=None)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--targets", default=None,
                    help="spatial depth targets, e.g. 0.5,0.65,1: Y-PSNR and the encoder MACs per LR pixel "
                         "actually run, beside the fixed-depth ladder (model with the depth adapter)")
    ap.add_argument("--target-ops", default="full", choices=("full", "all"),
                    help="ops measured at the targets: the full op or every ladder op")
    ap.add_argument("--limit", type=int, default=0, help="at most this many images per set (evenly spread)")
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
    rows = evaluate(model, arch, a.sets.split(","), scales, a.k, a.data, limit=a.limit)
    md = markdown(rows)
    print(md)
    for desc, ok, v in check_bars(rows, arch):
        print("%s %s: %s" % ("PASS" if ok else "FAIL", desc, v))
    depth_rows = None
    if a.targets:
        targets = [float(x) for x in a.targets.split(",") if x.strip()]
        if model.adapter is None and any(x < 1 for x in targets):
            print("note: the model has no depth adapter; every target runs at fixed depth")
        ladder = [tuple(x) for x in arch["ladder"]]
        ops = ladder if a.target_ops == "all" else ladder[-1:]
        points = [(c, d, x) for (c, d) in ops for x in targets if x < 1 and model.adapter is not None]
        drows = evaluate_depth(model, arch, a.sets.split(","), scales, points, k=a.k, data_root=a.data,
                               limit=a.limit) if points else []
        fixed = fixed_depth_rows(rows, arch)
        depth_rows = []
        for r0 in fixed:  # per set and scale: the fixed ladder, then the targets of each op
            if (r0["width"], r0["depth"]) == ladder[0]:
                grp = [r for r in fixed + drows if r["set"] == r0["set"] and r["scale"] == r0["scale"]]
                depth_rows += sorted(grp, key=lambda r: (r["width"], r["depth"], -r["target"]))
        mdd = markdown_depth(depth_rows)
        print("Spatial depth (encoder MACs per LR pixel actually run, from the depth maps):\n")
        print(mdd)
        md += "\nSpatial depth (encoder MACs per LR pixel actually run, from the depth maps):\n\n" + mdd
    print("eval time %.0f s" % (time.time() - t))
    if a.json:
        with open(a.json, "w") as f:
            out = {"iterations": info.get("iterations"), "rows": rows}
            if depth_rows is not None:
                out["depth_rows"] = depth_rows
            json.dump(out, f, indent=1)
    if a.md:
        with open(a.md, "w") as f:
            f.write(md)


if __name__ == "__main__":
    main()

"""Export a training checkpoint to models/anysr-default.safetensors (docs/design.md#model-file).

Picks the default routing knob k on training images, not on the benchmarks (the rule
is choose_k), measures the quality table with the section 7 protocol, writes the file
with its __metadata__, then reads it back and proves the round trip bit-exact (tensors
and model outputs).

  /usr/bin/python3 train/export.py --ckpt train/runs/ckpt.pt --eval full
  /usr/bin/python3 train/export.py --ckpt train/runs/ckpt.pt --eval set5    # faster table

With the depth adapter (docs/models.md#spatial-depth) it also picks the default depth target
(choose_target: full op, heavy decoder, x2 on Set14 and B100, a grid of targets against
fixed depth) and the depth_points; --depth-target keep|<t> skips that measurement and
--target-limit N measures on N images per set (a quick look).
"""

import argparse
import hashlib
import json
import os
import re
import time

import numpy as np
import torch

from .paths import TRAIN_DIR
from . import model_file
from .datasets import DEFAULT_DATA, list_images, load_rgb
from .eval_protocol import lr_tensor, prepare, psnr_y, to_uint8
from . import evaluate as ev
from .network import ARCH, AnySR, Op

DEFAULT_OUT = os.path.normpath(os.path.join(TRAIN_DIR, "..", "models", "anysr-default.safetensors"))


def validation_sets(data_root=DEFAULT_DATA, per_subset=6, crop=384):
    """Validation images for picking k: from every subfolder of train/ (one kind of
    content each: BSD photos, T91 flowers and faces, McMaster colour scenes, SunHays
    JPEG scenes), `per_subset` images spread evenly over the sorted list, centre crops
    of at most crop x crop.  Returns {subset: [HxWx3 uint8, ...]}."""
    root = os.path.join(data_root, "train")
    out = {}
    for sub in sorted(os.listdir(root)):
        files = list_images(os.path.join(root, sub))
        if not files:
            continue
        pick = files[:: max(1, len(files) // per_subset)][:per_subset]
        ims = []
        for f in pick:
            im = load_rgb(f)
            h, w = im.shape[:2]
            ch, cw = min(crop, h), min(crop, w)
            y0, x0 = (h - ch) // 2, (w - cw) // 2
            ims.append(im[y0:y0 + ch, x0:x0 + cw])
        out[sub] = ims
    return out


def choose_k(sweeps, max_drop=0.05, min_light=0.40):
    """The default-k rule, a pure function of the sweeps: {subset: [{"k", "drop",
    "light"}, ...]} (same k grid in every subset; drop = Y-PSNR of all-heavy minus
    routed, mean over the subset's images; light = share of light pixels).  Among the
    k whose drop is <= max_drop on *every* subset (the worst kind of content decides),
    the one with the largest mean light share; ties go to the smaller k.  The routed
    decoder must save work, so if that leaves a mean light share below min_light (40 %
    by default), the smallest k whose mean light share reaches min_light instead.
    Returns the chosen k (the smallest k of the grid when nothing qualifies)."""
    subs = sorted(sweeps)
    ks = [s["k"] for s in sweeps[subs[0]]]
    light = [float(np.mean([sweeps[s][i]["light"] for s in subs])) for i in range(len(ks))]
    ok = [i for i in range(len(ks)) if all(sweeps[s][i]["drop"] <= max_drop for s in subs)]
    best = max(ok, key=lambda j: (light[j], -ks[j])) if ok else None
    if best is not None and light[best] >= min_light:
        return ks[best]
    reach = [ks[j] for j in range(len(ks)) if light[j] >= min_light]
    if reach:
        return min(reach)
    return ks[best] if best is not None else min(ks)


@torch.no_grad()
def pick_k(model, arch, data_root=DEFAULT_DATA, max_drop=0.05, min_light=0.40, log=print):
    """Sweep k on the validation sets (full op, x2, Y-PSNR as in docs/testing.md#quality) and
    apply choose_k: a grid of 0.05 over [-0.5, 1], then 0.01 around the coarse choice
    (drop and light share grow with k, so the fine grid holds the answer).  Returns
    (k, summary for the metadata)."""
    full = tuple(arch["ladder"][-1])
    decoded = {}
    for sub, imgs in validation_sets(data_root).items():
        decoded[sub] = []
        for hr0 in imgs:
            hr, lr = prepare(hr0, 2.0, 2.0)
            H, W = hr.shape[:2]
            oh, ol, delta = ev.decode_all(model, lr_tensor(lr), full, H, W)
            decoded[sub].append((hr, oh, ol, delta, psnr_y(to_uint8(oh[0]), hr, 2)))

    def sweep(ks):
        out = {}
        for sub, items in decoded.items():
            hp = float(np.mean([it[4] for it in items]))
            rows = []
            for k in ks:
                ps, hfs = [], []
                for hr, oh, ol, delta, _ in items:
                    o, hf = ev.compose_routed(oh, ol, delta, k, arch)
                    ps.append(psnr_y(to_uint8(o[0]), hr, 2))
                    hfs.append(hf)
                rows.append({"k": k, "drop": round(hp - float(np.mean(ps)), 4),
                             "light": round(1 - float(np.mean(hfs)), 4)})
            out[sub] = rows
        return out

    coarse = sweep([round(x, 3) + 0.0 for x in np.arange(-0.5, 1.0001, 0.05)])
    for sub, rows in coarse.items():
        log("k sweep %-16s " % sub + ", ".join(
            "k=%g %.3f dB %.0f%%" % (r["k"], r["drop"], 100 * r["light"]) for r in rows[6:18]))
    kc = choose_k(coarse, max_drop, min_light)
    fine = sweep([round(kc + x, 3) + 0.0 for x in np.arange(-0.05, 0.0501, 0.01)])
    k = choose_k(fine, max_drop, min_light)
    i = [r["k"] for r in next(iter(fine.values()))].index(k)
    at_k = {sub: {"drop": rows[i]["drop"], "light": rows[i]["light"]} for sub, rows in fine.items()}
    log("default k = %g (drop <= %g dB on every validation set, mean light share >= %g): %s" % (
        k, max_drop, min_light, json.dumps(at_k)))
    summary = {"rule": "largest mean light share with drop <= %g dB vs all-heavy on every "
                       "validation set (train/ subfolders, 6 centre crops <= 384 each; x2, full op); "
                       "if under %g, the smallest k reaching a mean light share of %g" % (
                           max_drop, min_light, min_light),
               "k": k, "at_k": at_k}
    return float(k), summary


def choose_target(table, max_loss=0.05):
    """The default depth target rule, a pure function of the measurements: table =
    [{"t": t, set: {"loss": dB}, ...}, ...] over a grid of targets (loss = Y-PSNR at
    fixed depth minus at target t, mean over the set).  Returns the smallest t whose
    loss is <= max_loss on every set, and on every set for every larger t of the grid
    too (a lone passing point below a failing one is noise, not a safe default); 1.0
    (fixed depth) when the largest t already fails."""
    rows = sorted((r for r in table if r["t"] < 1.0), key=lambda r: r["t"])
    sets = [k for k in rows[0] if k != "t"] if rows else []
    best = 1.0
    for r in reversed(rows):
        if all(r[s]["loss"] <= max_loss for s in sets):
            best = r["t"]
        else:
            break
    return best


def depth_points_for(t):
    """[a lower point (t - 0.25, at least 0.25), t]."""
    return [round(max(0.25, t - 0.25), 3), round(t, 3)]


@torch.no_grad()
def pick_target(model, arch, sets=("Set14", "B100"), grid=None, data_root=DEFAULT_DATA, limit=0,
                max_loss=0.05, log=print):
    """Measure the full op (heavy decoder, x2, docs/testing.md#quality Y-PSNR) at every target of
    `grid` and at fixed depth on `sets`, with the encoder MACs per LR pixel from the depth
    maps (eval.evaluate_depth), and apply choose_target.  Returns (t, summary)."""
    grid = grid or [round(x, 3) for x in np.arange(0.45, 0.9001, 0.05)]
    full = tuple(arch["ladder"][-1])
    t0 = time.time()
    points = [(full[0], full[1], t) for t in list(grid) + [1.0]]
    rows = ev.evaluate_depth(model, arch, list(sets), [(2.0, 2.0)], points, modes=("heavy",),
                              data_root=data_root, limit=limit, log=lambda *a: None)
    secs = time.time() - t0
    ref = {r["set"]: r["heavy"] for r in rows if r["target"] >= 1.0}
    table = []
    for t in list(grid) + [1.0]:
        e = {"t": t}
        for r in rows:
            if r["target"] == (t if t < 1.0 else 1.0):
                e[r["set"]] = {"psnr": r["heavy"], "loss": round(ref[r["set"]] - r["heavy"], 3),
                               "enc_macs": r["enc_macs"], "mac_drop": r["mac_drop"],
                               "mean_depth": r["mean_depth"], "images": r["images"]}
        table.append(e)
    t = choose_target(table, max_loss)
    hdr = "| t | " + " | ".join("%s PSNR | loss | enc MACs/LR px | MACs vs fixed" % s for s in sets) + " |"
    log("depth target sweep: full op %s heavy, x2, %s (%s images), %.0f s" % (
        full, "/".join(sets), "/".join(str(table[0][s]["images"]) for s in sets), secs))
    log(hdr)
    log("| ---: " * (1 + 4 * len(sets)) + "|")
    for e in table:
        log("| %s | " % ("fixed" if e["t"] >= 1 else "%g" % e["t"]) + " | ".join(
            "%.3f | %.3f | %s | %s" % (e[s]["psnr"], e[s]["loss"], "{:,.0f}".format(e[s]["enc_macs"]),
                                       "-" if e["t"] >= 1 else "%+.1f %%" % (-100 * e[s]["mac_drop"]))
            for s in sets) + " |")
    pts = depth_points_for(t)
    log("default depth target = %g (the smallest t with a loss <= %g dB vs fixed depth on %s, also at every "
        "larger t of the grid); depth_points = %s" % (t, max_loss, " and ".join(sets), pts))
    summary = {"rule": "smallest t of the grid whose Y-PSNR loss vs fixed depth is <= %g dB on every set, and "
                       "on every set at every larger t of the grid; full op %s, heavy decoder, x2 (the quality "
                       "protocol of docs/testing.md#quality); encoder MACs per LR pixel from the depth maps (head, adapter pixel layer, "
                       "blocks run, tail; mean over the images); depth_points = [max(0.25, t - 0.25), t]" % (
                           max_loss, list(full)),
               "sets": list(sets), "limit": limit, "seconds": round(secs, 1), "depth_target": t,
               "depth_points": pts, "table": table}
    return t, summary


def fit_text(fit):
    """The adapter fits (fit_adapter.py) a checkpoint went through, oldest first, in words."""
    if not fit:
        return ""
    first, steps = fit, []
    while fit:
        first = fit
        steps.append("%d steps, batch %d, lr %g, t ~ U(%g, %g)%s%s" % (
            fit["steps"], fit["batch"], fit["lr"], fit["tmin"], fit["tmax"],
            ", x2 crops only" if fit.get("only_x2") else "",
            ", pooling %s (the new statistic starting at no effect)" % fit["pool"] if fit.get("pool") else ""))
        fit = fit.get("after")
    return ("; then the adapter alone (backbone frozen) fitted to the per-tile depth oracle (fit_adapter.py: "
            "%d crops, cost 4.343 e(d) / %g + lam(t) d with e the tile's deviation from the full-depth "
            "output (\"%s\")): %s" % (first["crops"], first["mse0"], first["target"], " then ".join(reversed(steps))))


def load_source(ckpt=None, model_in=None):
    if ckpt:
        ck = torch.load(ckpt, map_location="cpu")
        m, arch0 = ev.model_from_state(ev.state_dict_of(ck))
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
        return m, arch0, info
    m, arch, tinfo = model_file.load_model(model_in)
    return m, arch, {"iterations": tinfo.get("iterations", 0), "curve": tinfo.get("curve", []),
                     "args": tinfo.get("args", {})}


@torch.no_grad()
def verify_round_trip(model, path, dtype):
    m2, arch2, _ = model_file.load_model(path)
    sd1, sd2 = model.state_dict(), m2.state_dict()
    for name in sd1:
        a = sd1[name].float()
        if dtype == "F16":
            a = a.half().float()
        if not torch.equal(a, sd2[name]):
            raise SystemExit("round trip: tensor %s differs" % name)
    if model.arch.get("depth_tile", 0) != arch2.get("depth_tile", 0):
        raise SystemExit("round trip: depth_tile %s, written %s" % (arch2.get("depth_tile"), model.arch.get("depth_tile")))
    g = torch.Generator().manual_seed(0)
    lr = torch.rand(1, 3, 11, 13, generator=g)
    ref = AnySR(arch2)
    ref.load_state_dict({k: (v.float().half().float() if dtype == "F16" else v.float()) for k, v in sd1.items()})
    for op in (Op(32, 8, "heavy"), Op(8, 2, "light"), Op(16, 4, "routed", arch2["default_k"])):
        if not torch.equal(ref(lr, 27, 30, op), m2(lr, 27, 30, op)):
            raise SystemExit("round trip: output differs for %s" % (op,))
    if m2.adapter is not None:
        # the adapter path: a frame of 3x3 tiles, edge tiles clipped; outputs and depth maps
        lr = torch.rand(1, 3, 37, 45, generator=g)
        t = float(arch2.get("depth_target", 0.65))
        for op in (Op(32, 8, "heavy", target=t), Op(16, 4, "routed", arch2["default_k"], target=0.4)):
            if not torch.equal(ref(lr, 74, 90, op), m2(lr, 74, 90, op)):
                raise SystemExit("round trip: output differs for %s" % (op,))
            sc = m2.scale_of(lr, 74, 90)
            _, s1 = ref.encode(lr, sc, op.width, op.depth, return_stages=True, target=op.target)
            _, s2 = m2.encode(lr, sc, op.width, op.depth, return_stages=True, target=op.target)
            if not torch.equal(s1["depth"], s2["depth"]):
                raise SystemExit("round trip: depth map differs for %s" % (op,))
    return True


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=os.path.join(TRAIN_DIR, "runs", "ckpt.pt"))
    ap.add_argument("--model-in", default=None, help="re-export an existing .safetensors instead")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--dtype", default="F32", choices=("F32", "F16"))
    ap.add_argument("--k", default="auto", help="default routing knob, or 'auto'")
    ap.add_argument("--eval", default="full", help="full | set5 | none | path of an eval.py --json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--depth-target", default="auto",
                    help="default spatial depth target: 'auto' (measure, choose_target), 'keep' (the "
                         "source's), or a number (model with the depth adapter)")
    ap.add_argument("--target-grid", default="0.45:0.9:0.05", help="targets measured by 'auto': lo:hi:step")
    ap.add_argument("--target-sets", default="Set14,B100")
    ap.add_argument("--target-limit", type=int, default=0,
                    help="'auto' on at most N images per set (evenly spread; 0: all)")
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
    tchoice = None
    if model.adapter is not None:
        if a.depth_target == "auto":
            lo, hi, st = (float(x) for x in a.target_grid.split(":"))
            grid = [round(x, 3) for x in np.arange(lo, hi + st / 100, st)]
            t, tchoice = pick_target(model, arch, a.target_sets.split(","), grid, a.data, a.target_limit)
        elif a.depth_target == "keep":
            t = float(arch.get("depth_target", ARCH["depth_target"]))
        else:
            t = float(a.depth_target)
        arch["depth_target"] = t
        arch["depth_points"] = (depth_points_for(t) if a.depth_target != "keep"
                                else arch.get("depth_points", depth_points_for(t)))
        model.arch.update({"depth_target": arch["depth_target"], "depth_points": arch["depth_points"]})

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
        "loss": "L1 of heavy and light outputs (both train the encoder, light_enc %g); classifier %s on "
                "detached features (%s)" % (
                    targs.get("light_enc", 1.0), targs.get("cls_loss", "bce"),
                    "heavy gain above the batch median, %dx%d box" % ((targs.get("cls_smooth", 9),) * 2)
                    if targs.get("cls_loss", "bce") == "bce" else "PCSR mixture + balancing %g" % targs.get("balance", 1.0)),
        "curve": info.get("curve", []),
        "k_choice": sweep if sweep else "given",
        # depth_recipe: the adapter's whole history in words, written into a checkpoint
        # that went through several runs (train.py, fit_adapter.py, train.py --freeze-adapter)
        "depth": targs["depth_recipe"] if targs.get("depth_recipe") else (
                 "AdaDSR depth adapter per %d x %d LR tile: %d %% of the iterations adaptive with t ~ U(%g, %g) "
                  "per sample, depth loss %g%s" % (
                      arch["depth_tile"], arch["depth_tile"], round(100 * targs.get("p_adapt", 0.5)),
                      targs.get("tmin", 0.3), targs.get("tmax", 0.95), targs.get("depth_loss", 1.0),
                      ", adapter only" if targs.get("adapter_only") else "") +
                  (", texture guide %g, adapter lr %g" % (targs["adapter_guide"], targs.get("adapter_lr") or
                                                          targs.get("lr", 5e-4))
                   if targs.get("adapter_guide") else "") + fit_text(targs.get("adapter_fit"))
                  ) if model.adapter is not None else "none",
        "adapter_fit": targs.get("adapter_fit", "none"),
        "depth_target_choice": tchoice if tchoice else ("given" if model.adapter is not None else "none"),
        "psnr": [{key: r[key] for key in ("set", "scale", "width", "depth", "bicubic", "heavy", "light",
                                          "routed", "heavy_share", "macs_heavy", "macs_light", "macs_routed")}
                 for r in rows],
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    model_file.save_model(tmp, model, train_info, arch, a.dtype)
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
        with open(os.path.join(TRAIN_DIR, "runs", "last_export_eval.json") if os.path.isdir(os.path.join(TRAIN_DIR, "runs"))
                  else base + ".eval.json", "w") as f:
            json.dump({"iterations": info["iterations"], "k": k, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()

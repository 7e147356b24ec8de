"""Per-tile depth oracle for the AdaDSR adapter (docs/models.md#spatial-depth).

For every image of an evaluation set (or a list of training crops) this measures, for
each 16x16 LR tile, the squared Y error of the HR pixels the tile covers when the whole
frame runs d = 0..D blocks (full width, heavy decoder).  From that table the best depth
map for a budget follows tile by tile: a tile runs the depth d that minimises

    4.343 * err_tile(d) / err_image(D)  +  lam * d * tile_pixels / image_pixels,

i.e. the first-order loss of the image's PSNR plus the price lam of its block MACs.
Sweeping lam gives the oracle's PSNR-vs-MACs curve; `--check` runs the real model
with those maps forced (neighbours at other depths, SA pooled over running pixels)
to confirm the first-order estimate.  train.py --oracle trains the adapter to
reproduce these maps.

  /usr/bin/python3 train/oracle.py --model models/anysr-default.safetensors --sets B100,Set14
"""

import argparse
import math
import os

import numpy as np
import torch
import torch.nn as nn

from .eval_protocol import eval_images, lr_tensor, prepare, psnr_y, shave_of, to_uint8, y_channel
from .network import encoder_macs_adaptive, encoder_macs_per_pixel
from .evaluate import decode_all, decode_feat, load_any, pick_images

DB = 10.0 / math.log(10.0)


@torch.no_grad()
def depth_outputs(model, lt, H, W, width, depth):
    """Heavy-decoder outputs (1, 3, H, W), unclamped, of the frame at uniform depth
    0..depth, from one encoder pass (block outputs reused); and the head's features."""
    scale = model.scale_of(lt, H, W)
    _, st = model.encode(lt, scale, width, depth, return_stages=True, target=1.0)
    h0 = st["head"]
    outs = []
    for d in range(depth + 1):
        x = h0 if d == 0 else st["block%d" % (d - 1)]
        outs.append(decode_feat(model, lt, model.tail(x) + h0, H, W, ("heavy",))[0])
    return outs, h0


def tile_index(H, W, h, w, tile):
    """(H, W) LR tile of each HR pixel (HR pixel (Y, X) belongs to LR pixel
    (floor(Y*h/H), floor(X*w/W))), numbered in raster order; and (th, tw)."""
    ty = (np.arange(H) * h // H) // tile
    tx = (np.arange(W) * w // W) // tile
    th, tw = (h + tile - 1) // tile, (w + tile - 1) // tile
    return ty[:, None] * tw + tx[None, :], (th, tw)


def tile_errors(outs, hr, h, w, tile, shave, ref=None):
    """(D+1, th, tw) sums of squared Y error per LR tile (tile_index), shaved borders
    excluded, of the uint8 outputs against hr (or against ref); and the tiles' LR
    pixel counts (th, tw)."""
    H, W = hr.shape[:2]
    yh = y_channel(hr if ref is None else ref)
    mask = np.zeros((H, W), bool)
    mask[shave:H - shave, shave:W - shave] = True
    tid, (th, tw) = tile_index(H, W, h, w, tile)
    idx = tid[mask]
    err = np.zeros((len(outs), th * tw))
    for d, o in enumerate(outs):
        e = ((y_channel(o) - yh) ** 2)[mask]
        err[d] = np.bincount(idx, weights=e, minlength=th * tw)
    ly = np.minimum(tile, h - np.arange(th) * tile)
    lx = np.minimum(tile, w - np.arange(tw) * tile)
    return err.reshape(len(outs), th, tw), (ly[:, None] * lx[None, :]).astype(np.float64)


def oracle_map(err, area, lam):
    """err (D+1, th, tw), area (th, tw): the depth map minimising the first-order PSNR
    loss plus lam times the image's block-MAC share (see the module doc)."""
    D = err.shape[0] - 1
    ref = max(err[D].sum(), 1e-9)
    cost = DB * err / ref + lam * np.arange(D + 1)[:, None, None] * (area / area.sum())[None]
    return cost.argmin(0)


class ForcedAdapter(nn.Module):
    """Stands in for model.adapter: returns a given depth map."""

    def __init__(self, tile):
        super().__init__()
        self.tile = tile
        self.map = None

    def forward(self, h0, t, depth):
        di = torch.as_tensor(self.map, dtype=torch.float32)[None]
        return di, di


@torch.no_grad()
def run_forced(model, lt, H, W, width, depth, dmap):
    """The heavy output (uint8) with the encoder's depth map forced to dmap."""
    real = model.adapter
    fa = ForcedAdapter(real.tile)
    fa.map = dmap
    model.adapter = fa
    try:
        oh, _, _ = decode_all(model, lt, (width, depth), H, W, 0.5, ("heavy",))
    finally:
        model.adapter = real
    return to_uint8(oh[0])


def score(err, dm, lr, arch):
    """A depth map dm's first-order PSNR loss (dB, from the tile table err) and its
    share of the full op's encoder MACs saved."""
    F, D = arch["F"], arch["D"]
    h, w = lr.shape[:2]
    e = np.take_along_axis(err, dm[None], 0)[0].sum()
    loss = DB * math.log(max(e, 1e-9) / max(err[D].sum(), 1e-9))
    return loss, 1 - encoder_macs_adaptive(F, D, dm, h, w, arch) / (h * w) / encoder_macs_per_pixel(F, D, arch)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--ckpt")
    ap.add_argument("--sets", default="B100,Set14")
    ap.add_argument("--scale", type=float, default=2.0)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--lams", default="0.005,0.01,0.02,0.03,0.05,0.08")
    ap.add_argument("--check", default="", help="lams to run with the maps forced")
    ap.add_argument("--targets", default="0.7,0.75,0.8", help="the model's adapter, for comparison")
    ap.add_argument("--cache", default="/tmp/anysr-oracle")
    ap.add_argument("--fair", action="store_true",
                    help="the oracle sees the deviation from the full-depth output, not the ground truth")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, arch, _ = load_any(a.model, a.ckpt)
    model.eval()
    F, D, T = arch["F"], arch["D"], arch["depth_tile"]
    os.makedirs(a.cache, exist_ok=True)
    s = a.scale
    for sname in a.sets.split(","):
        imgs = pick_images(eval_images(sname), a.limit)
        tabs = []
        for name, hr0 in imgs:
            hr, lr = prepare(hr0, s, s)
            H, W = hr.shape[:2]
            h, w = lr.shape[:2]
            cf = os.path.join(a.cache, "%s-x%g-%s.npz" % (sname, s, name))
            if os.path.exists(cf):
                z = np.load(cf)
                err, area, dev = z["err"], z["area"], z["dev"]
            else:
                outs = [to_uint8(o[0]) for o in depth_outputs(model, lr_tensor(lr), H, W, F, D)[0]]
                err, area = tile_errors(outs, hr, h, w, T, shave_of(s, s))
                dev, _ = tile_errors(outs, hr, h, w, T, shave_of(s, s), ref=outs[-1])
                np.savez(cf, err=err, area=area, dev=dev)
            tabs.append((name, hr, lr, err, area, dev))
        print("%s x%g: %d images" % (sname, s, len(tabs)))
        # first-order oracle curve
        for lam in [float(x) for x in a.lams.split(",") if x]:
            loss, drop, md = [], [], []
            for name, hr, lr, err, area, dev in tabs:
                dm = oracle_map(dev + err[D][None] if a.fair else err, area, lam)
                lo, dr = score(err, dm, lr, arch)
                loss.append(lo)
                drop.append(dr)
                md.append((dm * area).sum() / area.sum())
            print("  oracle lam %.3f: est. loss %.3f dB  enc MACs drop %.1f %%  mean depth %.2f" % (
                lam, np.mean(loss), 100 * np.mean(drop), np.mean(md)))
        for lam in [float(x) for x in a.check.split(",") if x]:
            loss, drop = [], []
            for name, hr, lr, err, area, dev in tabs:
                H, W = hr.shape[:2]
                dm = oracle_map(dev + err[D][None] if a.fair else err, area, lam)
                o = run_forced(model, lr_tensor(lr), H, W, F, D, dm)
                p = psnr_y(o, hr, shave_of(s, s))
                sse = max(err[D].sum(), 1e-9)
                n = (H - 2 * shave_of(s, s)) * (W - 2 * shave_of(s, s))
                p8 = 10 * math.log10(255.0 ** 2 * n / sse)
                loss.append(p8 - p)
                drop.append(score(err, dm, lr, arch)[1])
            print("  forced lam %.3f: loss %.3f dB  enc MACs drop %.1f %%" % (lam, np.mean(loss), 100 * np.mean(drop)))
        # the model's adapter, first-order estimate from the same tables
        for t in [float(x) for x in a.targets.split(",") if x]:
            loss, drop = [], []
            for name, hr, lr, err, area, dev in tabs:
                st = {}
                lt = lr_tensor(lr)
                H, W = hr.shape[:2]
                with torch.no_grad():
                    _, st = model.encode(lt, model.scale_of(lt, H, W), F, D, return_stages=True, target=t)
                dm = st["depth"][0].numpy().astype(int)
                lo, dr = score(err, dm, lr, arch)
                loss.append(lo)
                drop.append(dr)
            print("  adapter t %.2f: est. loss %.3f dB  enc MACs drop %.1f %%" % (t, np.mean(loss), 100 * np.mean(drop)))


if __name__ == "__main__":
    main()

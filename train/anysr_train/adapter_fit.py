"""Fit the AdaDSR depth adapter to the per-tile depth oracle, the backbone frozen.

The gate gradient alone barely moves the adapter (docs/models.md#spatial-depth): a tile's
choice changes the loss by a sliver of a sliver.  This script measures instead what
each depth costs each tile and trains the adapter to choose well:

1. Tables.  For N random training crops (Pillow bicubic LR, scale x2 mostly, some x3
   and x4), the frozen model runs every uniform depth 0..D (full width, heavy decoder)
   and records, per 16x16 LR tile, the mean squared Y error (0..255 units) of the HR
   pixels it covers against the ground truth ("gt") and against the full-depth output
   ("dev"), beside the head features the adapter reads.  Cached in --cache.
2. Price.  A tile at depth d costs  c(d) = 4.343 * e(d) / MSE0 + lam * d : the first
   -order PSNR loss of an image with mean squared error MSE0 plus lam per block.  The
   oracle's map for a price lam runs argmin c(d) in every tile (train/oracle.py).  lam
   and the target t are tied by the tables: lam(t) is the price at which the "dev"
   oracle's mean depth over the tables is t * D, so t keeps meaning "fraction of the
   op's depth".
3. Fit.  Per crop a t ~ U(tmin, tmax); the adapter's continuous depth dc = D t s pays
   the lower convex hull of c(d) interpolated at dc (the hull's minimum is the oracle's
   choice; dc above D pays lam per extra block), weighted by tile area.  Adam on the
   adapter's tensors only, so every fixed-depth output of the model is unchanged.

Writes a checkpoint that export.py reads (--ckpt), with the source's curve and
arguments and this fit's in args["adapter_fit"].

  /usr/bin/python3 train/fit_adapter.py --ckpt train/runs/ckpt.pt --out train/runs/adapter_fit.pt
"""

import argparse
import math
import os
import time

import numpy as np
import torch
from PIL import Image

from .paths import TRAIN_DIR
from .datasets import DEFAULT_DATA, dihedral, load_train_cache
from .network import AnySR, DepthAdapter
from . import evaluate as ev
from . import depth_oracle

DB = 10.0 / math.log(10.0)
Y_W = torch.tensor([65.481, 128.553, 24.966])  # BT.601 Y of RGB in [0, 1], 0..255 units minus 16


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=os.path.join(TRAIN_DIR, "runs", "ckpt.pt"))
    ap.add_argument("--out", default=os.path.join(TRAIN_DIR, "runs", "adapter_fit.pt"))
    ap.add_argument("--cache", default=os.path.join(TRAIN_DIR, ".cache", "oracle"))
    ap.add_argument("--crops", type=int, default=3000)
    ap.add_argument("--lr-size", type=int, default=96, help="LR crop side (a multiple of the tile)")
    ap.add_argument("--p-x2", type=float, default=0.7, help="share of x2 crops (the rest x3 or x4)")
    ap.add_argument("--target", choices=("gt", "dev"), default="gt")
    ap.add_argument("--only-x2", action="store_true", help="fit on the x2 crops of the tables only")
    ap.add_argument("--mse0", type=float, default=50.0)
    ap.add_argument("--norm", choices=("global", "crop"), default="global",
                    help="MSE0: --mse0 for every tile, or the crop's own full-depth error (at least --mse-floor)")
    ap.add_argument("--mse-floor", type=float, default=5.0)
    ap.add_argument("--tmin", type=float, default=0.3)
    ap.add_argument("--tmax", type=float, default=0.95)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--val", type=float, default=0.1, help="share of the tables held out")
    ap.add_argument("--pix-stride", type=int, default=1,
                    help="fit steps average every n-th pixel of a tile per direction (faster; 1: all)")
    ap.add_argument("--hidden", type=int, default=0,
                    help="the adapter's hidden values (0: the checkpoint's); a wider adapter keeps the "
                         "old units and starts the new ones at no effect")
    ap.add_argument("--pool", choices=sorted(DepthAdapter.POOLS), default=None,
                    help="the adapter's tile pooling (default: the checkpoint's); mean -> mean_max "
                         "adds the tile maximum at no effect")
    ap.add_argument("--reinit", action="store_true", help="start from fresh adapter weights")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", default=DEFAULT_DATA)
    return ap.parse_args()


@torch.no_grad()
def crop_table(model, lr, hr, F_, D, T):
    """Head features (F, h, w) fp16 and the tiles' mean squared Y error at depth
    0..D against the ground truth and against the full-depth output, (D+1, th, tw)."""
    lt = torch.from_numpy(lr.astype(np.float32).transpose(2, 0, 1) / 255.0)[None]
    H, W = hr.shape[:2]
    h, w = lr.shape[:2]
    outs, h0 = depth_oracle.depth_outputs(model, lt, H, W, F_, D)
    outs = [o[0].clamp(0, 1).permute(1, 2, 0).reshape(-1, 3) @ Y_W for o in outs]
    gt = torch.from_numpy(hr.astype(np.float32) / 255.0).reshape(-1, 3) @ Y_W
    tid, (th, tw) = depth_oracle.tile_index(H, W, h, w, T)
    idx = torch.from_numpy(tid.reshape(-1))
    cnt = torch.bincount(idx, minlength=th * tw).float()
    e_gt = torch.stack([torch.bincount(idx, (o - gt) ** 2, th * tw) for o in outs]) / cnt
    e_dev = torch.stack([torch.bincount(idx, (o - outs[-1]) ** 2, th * tw) for o in outs]) / cnt
    return h0[0].half(), e_gt.view(D + 1, th, tw), e_dev.view(D + 1, th, tw)


def build_tables(model, arch, a):
    path = os.path.join(a.cache, "tables-%d-%d-%g-%d.pt" % (a.crops, a.lr_size, a.p_x2, a.seed))
    if os.path.exists(path):
        return torch.load(path)
    os.makedirs(a.cache, exist_ok=True)
    imgs = load_train_cache(a.data)
    area = np.array([im.shape[0] * im.shape[1] for im in imgs], dtype=np.float64)
    prob = area / area.sum()
    rng = np.random.default_rng(a.seed)
    F_, D, T = arch["F"], arch["D"], arch["depth_tile"]
    h0s, gts, devs, scales = [], [], [], []
    t0 = time.time()
    for i in range(a.crops):
        s = 2.0 if rng.random() < a.p_x2 else float(rng.choice([3.0, 4.0]))
        lr, hr = sample_crop(rng, imgs, prob, a.lr_size, s)
        h0, eg, ed = crop_table(model, lr, hr, F_, D, T)
        h0s.append(h0)
        gts.append(eg)
        devs.append(ed)
        scales.append(s)
        if (i + 1) % 100 == 0:
            el = time.time() - t0
            print("tables %d/%d  %.0f s, ETA %.0f s" % (i + 1, a.crops, el, el / (i + 1) * (a.crops - i - 1)), flush=True)
    tab = {"h0": torch.stack(h0s), "gt": torch.stack(gts), "dev": torch.stack(devs), "scale": torch.tensor(scales)}
    torch.save(tab, path + ".tmp")
    os.replace(path + ".tmp", path)
    return tab


def sample_crop(rng, imgs, prob, lr_size, s):
    """A random HR crop of lr_size * s pixels (image drawn by area), one of the 8
    dihedral transforms, and its Pillow bicubic LR of lr_size x lr_size."""
    n = int(round(lr_size * s))
    while True:
        im = imgs[rng.choice(len(imgs), p=prob)]
        if im.shape[0] >= n and im.shape[1] >= n:
            break
    y0, x0 = rng.integers(0, im.shape[0] - n + 1), rng.integers(0, im.shape[1] - n + 1)
    hr = dihedral(rng, im[y0:y0 + n, x0:x0 + n], rng.random() < 0.5)
    lr = np.asarray(Image.fromarray(hr).resize((lr_size, lr_size), Image.BICUBIC))
    return lr, hr


def hull_table(c):
    """c: (..., D+1) costs.  Returns the lower convex hull of d -> c(d), sampled at the
    integers (..., D+1): the tile's best choice for any price is a hull vertex."""
    n = c.shape[-1]
    flat = c.reshape(-1, n).numpy()
    out = np.empty_like(flat)
    for r in range(flat.shape[0]):
        y = flat[r]
        hull = [0]
        for x in range(1, n):
            while len(hull) >= 2:
                x1, x2 = hull[-2], hull[-1]
                # drop x2 if it lies on or above the segment x1 -> x
                if (y[x2] - y[x1]) * (x - x1) >= (y[x] - y[x1]) * (x2 - x1):
                    hull.pop()
                else:
                    break
            hull.append(x)
        out[r] = np.interp(np.arange(n), hull, y[hull])
    return torch.from_numpy(out).reshape(c.shape)


def interp_cost(e_hull, lam, dc, mse0):
    """Hull cost at continuous depth dc: e_hull (N, D+1) error hull, lam (N,), dc (N,)."""
    D = e_hull.shape[1] - 1
    x = dc.clamp(0, D)
    i0 = x.detach().floor().clamp(max=D - 1).long()
    f = x - i0.float()
    e0 = e_hull.gather(1, i0[:, None])[:, 0]
    e1 = e_hull.gather(1, (i0 + 1)[:, None])[:, 0]
    e = e0 + f * (e1 - e0)
    return DB * e / mse0 + lam * dc  # above D: e stays at e(D), each extra block still costs lam


def lam_for_targets(e, mse0, lams):
    """Mean oracle depth fraction over all tiles for each price of lams."""
    D = e.shape[1] - 1
    dd = torch.arange(D + 1, dtype=torch.float32)
    out = []
    for lam in lams:
        c = DB * e / mse0 + lam * dd
        out.append(float(c.argmin(1).float().mean()) / D)
    return out


def price_of_target(e_rows, mse0):
    """lam(t) for the rows e_rows (N, D+1) of the training tiles: the price at which
    the oracle's mean depth over them is t * D (interpolated in log price over a grid
    of 80 prices from 1e-4 to 2).  Returns a function of t (float or array)."""
    lams = np.exp(np.linspace(math.log(1e-4), math.log(2.0), 80))
    fr = np.array(lam_for_targets(e_rows, mse0, lams))[::-1]
    ll = np.log(lams)[::-1]
    return lambda t: np.exp(np.interp(t, fr, ll))


def batch_cost(hull, dc, t, lam_of, mse0):
    """The fit's loss: the mean hull cost of a batch's tiles.  hull (B, tiles, D+1),
    dc (B, th, tw) the adapter's continuous depths, t (B,) the crops' targets."""
    B, ntiles, n = hull.shape
    lam = torch.from_numpy(lam_of(t.numpy()).astype(np.float32))
    lam_rows = lam[:, None].expand(B, ntiles).reshape(-1)
    return interp_cost(hull.reshape(-1, n), lam_rows, dc.reshape(-1), mse0).mean()


def adapter_dc(ad, h0, t, D, stride):
    """The adapter's continuous depth dc (B, th, tw) of whole-tile crops, its tile pools
    taken over every stride-th pixel in each direction (a fit-time shortcut: the
    engine and DepthAdapter.forward pool all the tile's pixels)."""
    x = h0.float() if stride == 1 else h0[:, :, ::stride, ::stride].float()
    return ad.tile_depth(ad.pixels(x), t, D, ad.tile // stride)[0]


def reshape_adapter(model, arch, hidden, pool):
    """The same model with an adapter of `hidden` >= current hidden values and pooling
    `pool` (DepthAdapter.POOLS; at least the current statistics): the old units and
    statistics as they were, new units with small random input weights and a zero
    output weight, new statistics (the tile maximum) with zero weights, so the depth
    maps are unchanged until the fit moves them."""
    old = model.adapter
    h, pools = old.pix.out_features, DepthAdapter.POOLS
    assert hidden >= h, "can only widen the adapter (%d -> %d)" % (h, hidden)
    assert pools[pool] >= pools[old.pool], "cannot drop a pooled statistic (%s -> %s)" % (old.pool, pool)
    arch = dict(arch)
    arch["adapter_hidden"] = hidden
    arch["adapter_pool"] = pool
    m = AnySR(arch)
    m.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("adapter.")}, strict=False)
    ad = m.adapter
    with torch.no_grad():
        ad.pix.weight.mul_(0.1)
        ad.pix.weight[:h] = old.pix.weight
        ad.pix.bias[:h] = old.pix.bias
        ad.fc1.weight.mul_(0.1)
        ad.fc1.weight[:h] = 0.0
        for k in range(pools[old.pool]):  # statistic k of unit i: column k * hidden + i
            ad.fc1.weight[:h, k * hidden:k * hidden + h] = old.fc1.weight[:, k * h:(k + 1) * h]
        ad.fc1.weight[:h, -1] = old.fc1.weight[:, -1]  # the target input is last
        ad.fc1.bias[:h] = old.fc1.bias
        ad.fc2.weight.zero_()
        ad.fc2.weight[:, :h] = old.fc2.weight
        ad.fc2.bias.copy_(old.fc2.bias)
    return m.eval(), arch


def main():
    a = parse()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    ck = torch.load(a.ckpt, map_location="cpu")
    model, arch = ev.model_from_state(ev.state_dict_of(ck))
    model.eval()
    assert model.adapter is not None, "the checkpoint has no depth adapter"
    hidden, pool = a.hidden or arch["adapter_hidden"], a.pool or model.adapter.pool
    if hidden != arch["adapter_hidden"] or pool != model.adapter.pool:
        model, arch = reshape_adapter(model, arch, hidden, pool)
    D = arch["D"]
    tab = build_tables(model, arch, a)
    if a.only_x2:
        keep = tab["scale"] == 2.0
        tab = {k: v[keep] for k, v in tab.items()}
    n = tab["h0"].shape[0]
    nval = int(round(n * a.val))
    e_all = tab[a.target]  # (n, D+1, th, tw)
    th, tw = e_all.shape[2], e_all.shape[3]
    # per tile, as rows (n * th * tw, D+1)
    e_rows = e_all.permute(0, 2, 3, 1).reshape(-1, D + 1).float()
    e_hull = hull_table(e_rows)
    # lam(t): the oracle's mean depth fraction over the training tables is t
    # (priced on "dev": with the ground truth some tiles are best below D at any price,
    # so the "gt" oracle never reaches the high targets)
    # per crop MSE0: the image the first-order PSNR loss is taken on
    if a.norm == "crop":
        mse0 = tab["gt"][:, D].reshape(n, -1).mean(1).clamp(min=a.mse_floor)
    else:
        mse0 = torch.full((n,), a.mse0)
    rescale = (a.mse0 / mse0).repeat_interleave(th * tw)[:, None]
    e_dev = tab["dev"].permute(0, 2, 3, 1).reshape(-1, D + 1).float() * rescale
    lam_of = price_of_target(e_dev[: (n - nval) * th * tw], a.mse0)

    print("tables: %d crops of %dx%d LR, %d tiles; oracle on '%s': t 0.5 -> lam %.4g, 0.7 -> %.4g, 0.9 -> %.4g" % (
        n, a.lr_size, a.lr_size, e_rows.shape[0], a.target, lam_of(0.5), lam_of(0.7), lam_of(0.9)), flush=True)

    ad = model.adapter
    if a.reinit:
        for m_ in (ad.pix, ad.fc1, ad.fc2):
            m_.reset_parameters()
    for p in model.parameters():
        p.requires_grad_(False)
    params = list(ad.parameters())
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=a.lr)
    rng = np.random.default_rng(a.seed + 1)
    h0 = tab["h0"]
    # costs in units of the crop's MSE0 (lam then prices the same dB in every crop)
    hull = e_hull.view(n, th * tw, D + 1) / mse0[:, None, None] * a.mse0
    rows_e = e_rows.view(n, th * tw, D + 1)

    def evaluate(idx, t):
        with torch.no_grad():
            tt = torch.full((len(idx),), t)
            dc, di = ad(h0[idx].float(), tt, D)
            lam = float(lam_of(t))
            dd = torch.arange(D + 1, dtype=torch.float32)
            e = (rows_e[idx] / mse0[idx, None, None] * a.mse0).reshape(-1, D + 1)
            got = e.gather(1, di.reshape(-1, 1).long())[:, 0]
            ora = (DB * e / a.mse0 + lam * dd).argmin(1)
            eo = e.gather(1, ora[:, None])[:, 0]
            obj = float((DB * got / a.mse0 + lam * di.reshape(-1)).mean())
            oobj = float((DB * eo / a.mse0 + lam * ora.float()).mean())
            return (float(di.mean()) / D, obj, float(ora.float().mean()) / D, oobj)

    val = np.arange(n - nval, n)
    t0 = time.time()
    for step in range(a.steps + 1):
        if step % 250 == 0:
            line = []
            for t in (0.5, 0.7, 0.85):
                df, el, of, eo = evaluate(val, t)
                line.append("t %.2f: depth %.3f cost %.4f (oracle %.3f cost %.4f)" % (t, df, el, of, eo))
            print("step %d  %.0f s  val  %s" % (step, time.time() - t0, "  ".join(line)), flush=True)
        if step == a.steps:
            break
        for g in opt.param_groups:
            g["lr"] = a.lr * 0.5 * (1 + math.cos(math.pi * step / a.steps))
        idx = rng.integers(0, n - nval, a.batch)
        t = torch.from_numpy(rng.uniform(a.tmin, a.tmax, a.batch).astype(np.float32))
        loss = batch_cost(hull[idx], adapter_dc(ad, h0[idx], t, D, a.pix_stride), t, lam_of, a.mse0)
        opt.zero_grad()
        loss.backward()
        opt.step()

    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    args = dict(ck.get("args", {}))
    prev = args.get("adapter_fit")
    args["adapter_fit"] = {k: v for k, v in vars(a).items() if k not in ("data", "cache", "out", "threads")}
    if prev:
        args["adapter_fit"]["after"] = prev  # a fit that started from an earlier fit
    args["adapter_fit"]["lam_of_t"] = {"%.2f" % t: float(lam_of(t)) for t in np.arange(0.3, 0.951, 0.05)}
    out = {"model": sd, "ema": sd, "it": int(ck.get("it", 0)), "curve": ck.get("curve", []), "args": args}
    torch.save(out, a.out + ".tmp")
    os.replace(a.out + ".tmp", a.out)
    print("wrote %s" % a.out)


if __name__ == "__main__":
    main()

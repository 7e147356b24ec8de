"""Compare depth-adapter variants on the oracle tables (how `adapter_pool` "mean_max" was
chosen; train/README.md "Spatial depth").

Every variant starts from the adapter of --ckpt at no effect (its new weights zero, so
its first depth maps are the checkpoint's), is fitted like fit_adapter.py (the x2 crops of
the cached tables, "dev" costs, t ~ U(0.4, 0.8), Adam with a cosine schedule, batch 32),
and is scored by the first-order PSNR loss at a 30 % and a 35 % encoder-MAC cut on B100
and Set14 x2 (depth_oracle.score on oracle.py's per-image tables, interpolated over
t = 0.45..0.75).  Variants (comma-separated --kinds):

  base      the DepthAdapter as it is (mean pooling), trained further
  max       the tile's max of u beside its mean (what "mean_max" ships)
  pix2      a second 16 -> 16 per-pixel layer (ReLU) before pooling
  ctx       a 3x3 per-pixel layer instead of 1x1
  (combinations: max_pix2, ctx_max, ...)

Needs the tables (fit_adapter.py --crops 4000 builds them) and oracle.py's caches:
  /usr/bin/python3 train/oracle.py --ckpt train/runs/adapter_fit.pt --sets B100,Set14 --lams "" --targets ""
  /usr/bin/python3 train/adapter_variants.py --ckpt train/runs/adapter_fit.pt --kinds base,max,pix2,ctx
"""

import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .paths import TRAIN_DIR
from . import evaluate as ev
from . import adapter_fit as fa
from . import depth_oracle
from .eval_protocol import eval_images, lr_tensor, prepare
from .network import DepthAdapter


class Variant(DepthAdapter):
    """A DepthAdapter with another pixel layer and/or pooling that starts as `base`
    (its tile pooling and layers after it are DepthAdapter's own)."""

    def __init__(self, base, kind):
        h, Fc = base.pix.out_features, base.pix.in_features
        super().__init__(Fc, h, base.tile, "mean_max" if "max" in kind else "mean")
        self.ctx = nn.Conv2d(Fc, h, 3, padding=1) if "ctx" in kind else None
        self.pix2 = nn.Conv2d(h, h, 1) if "pix2" in kind else None
        nb = base.fc1.in_features - 1  # pooled inputs of the base
        with torch.no_grad():
            self.pix.load_state_dict(base.pix.state_dict())
            if self.ctx is not None:  # the 1x1 layer as the 3x3 one's centre tap
                self.ctx.weight.zero_()
                self.ctx.weight[:, :, 1, 1] = base.pix.weight
                self.ctx.bias.copy_(base.pix.bias)
                self.pix.requires_grad_(False)  # unused
            if self.pix2 is not None:
                self.pix2.weight.copy_(torch.eye(h)[:, :, None, None])  # relu(relu(x)) = relu(x)
                self.pix2.bias.zero_()
            self.fc1.weight.zero_()
            self.fc1.weight[:, :nb] = base.fc1.weight[:, :nb]
            self.fc1.weight[:, -1] = base.fc1.weight[:, -1]
            self.fc1.bias.copy_(base.fc1.bias)
            self.fc2.load_state_dict(base.fc2.state_dict())

    def pixels(self, h0):
        u = F.relu(self.ctx(h0)) if self.ctx is not None else super().pixels(h0)
        return F.relu(self.pix2(u)) if self.pix2 is not None else u


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=os.path.join(TRAIN_DIR, "runs", "adapter_fit.pt"))
    ap.add_argument("--tables", default=os.path.join(TRAIN_DIR, ".cache", "oracle", "tables-4000-96-0.7-7.pt"))
    ap.add_argument("--oracle-cache", default="/tmp/anysr-oracle", help="oracle.py --cache")
    ap.add_argument("--kinds", default="base,max,pix2,ctx")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--mse0", type=float, default=50.0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, arch = ev.model_from_state(ev.state_dict_of(torch.load(a.ckpt, map_location="cpu")))
    model.eval()
    D = arch["D"]
    tab = torch.load(a.tables)
    keep = tab["scale"] == 2.0
    tab = {k: v[keep] for k, v in tab.items()}
    n = tab["h0"].shape[0]
    nval = int(round(n * 0.1))
    th, tw = tab["dev"].shape[2:]
    e_rows = tab["dev"].permute(0, 2, 3, 1).reshape(-1, D + 1).float()
    hull = fa.hull_table(e_rows).view(n, th * tw, D + 1)
    lam_of = fa.price_of_target(e_rows[: (n - nval) * th * tw], a.mse0)

    sets = {}
    for sname in ("B100", "Set14"):
        rows = []
        for name, hr0 in eval_images(sname):
            hr, lr = prepare(hr0, 2.0, 2.0)
            z = np.load(os.path.join(a.oracle_cache, "%s-x2-%s.npz" % (sname, name)))
            with torch.no_grad():
                rows.append((lr, z["err"], model.head(lr_tensor(lr))))
        sets[sname] = rows
    ts = np.arange(0.45, 0.751, 0.025)

    def at_cuts(ad, sname):
        loss, drop = [], []
        for t in ts:
            lo, dr = [], []
            for lr, err, h0 in sets[sname]:
                with torch.no_grad():
                    _, di = ad(h0, torch.tensor([t], dtype=torch.float32), D)
                x, y = depth_oracle.score(err, di[0].numpy().astype(int), lr, arch)
                lo.append(x)
                dr.append(y)
            loss.append(np.mean(lo))
            drop.append(np.mean(dr))
        o = np.argsort(drop)
        return [float(np.interp(c, np.array(drop)[o], np.array(loss)[o])) for c in (0.30, 0.35)]

    h0 = tab["h0"]
    for kind in a.kinds.split(","):
        ad = Variant(model.adapter, kind)
        opt = torch.optim.Adam(ad.parameters(), lr=a.lr)
        rng = np.random.default_rng(8)
        t0 = time.time()
        for step in range(a.steps):
            for g in opt.param_groups:
                g["lr"] = a.lr * 0.5 * (1 + math.cos(math.pi * step / a.steps))
            idx = rng.integers(0, n - nval, 32)
            t = torch.from_numpy(rng.uniform(0.4, 0.8, 32).astype(np.float32))
            loss = fa.batch_cost(hull[idx], ad(h0[idx].float(), t, D)[0], t, lam_of, a.mse0)
            opt.zero_grad()
            loss.backward()
            opt.step()
        res = ["%s loss at a 30 %% cut %.4f dB, 35 %% %.4f" % ((s,) + tuple(at_cuts(ad, s))) for s in sets]
        print("%-10s %d steps %.0f s: %s" % (kind, a.steps, time.time() - t0, "; ".join(res)), flush=True)


if __name__ == "__main__":
    main()

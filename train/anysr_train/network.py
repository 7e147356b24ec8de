"""anysr reference model (PyTorch).

This file is the reference the Vulkan engine implements; train/README.md states the
same contract in words.  One set of weights; an operating point (Op) selects a prefix
of it (encoder width c, depth d) and a decoder mode (heavy / light / routed with knob k).

Coordinate convention (all exact integer arithmetic before one float division, so the
engine can reproduce it bit for bit):

  LR size (h, w), HR size (H, W).  sx = W / w, sy = H / h.
  HR pixel X (column) has continuous LR position  p = (X + 0.5) * w / W   (LR pixel units)
  nearest LR pixel      ix  = min(floor((2X+1) * w / (2W)), w - 1)      (integer division)
  relative coordinate   rel_x = ((2X+1) * w - (2*ix+1) * W) / (2W)      in [-0.5, 0.5)
  relative cell         cell_x = w / W                                 (= 1/sx)
  (rows the same with Y, h, H).
  MLP input vector: [z_0 .. z_{F-1}, rel_x, rel_y, cell_x, cell_y]  (no extra scaling)

  bilinear base (= F.interpolate(lr, (H, W), mode='bilinear', align_corners=False)):
  num_x = max((2X+1) * w - W, 0); x0 = num_x // (2W); fx = (num_x - x0 * 2W) / (2W)
  x1 = min(x0 + 1, w - 1); same for y;
  base = (1-fy) * ((1-fx) * L[y0,x0] + fx * L[y0,x1]) + fy * ((1-fx) * L[y1,x0] + fx * L[y1,x1])
"""

import json
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------------
# architecture constants (docs/design.md#network)

ARCH = {
    "family": "anysr",
    "F": 32,
    "D": 8,
    "ladder": [[8, 2], [16, 4], [24, 6], [32, 8]],
    "sa_hidden": 16,
    "chunk": 8,
    "sa_scale_input": "raw",      # (sx, sy) = (W/w, H/h) fed as they are
    "dec_heavy": [64, 64],        # hidden sizes of the heavy MLP
    "dec_light": [16],            # hidden sizes of the light MLP
    "dec_in": "z(F), rel_x, rel_y, cell_x, cell_y",
    "cls_logits": "heavy, light",
    "scale_caps": [[1.7, [16, 4]], [2.5, [24, 6]], [None, [32, 8]]],
    "default_k": 0.0,
    "refine": "3x3 mean of final outputs for light pixels with a heavy 8-neighbour",
    # AdaDSR spatial depth (docs/models.md#spatial-depth): tile side in LR pixels (0: no
    # adapter, fixed depth only), adapter hidden size, what the adapter pools over a
    # tile ("mean", or "mean_max": the mean and the maximum), default depth target
    "depth_tile": 16,
    "adapter_hidden": 16,
    "adapter_pool": "mean_max",
    "depth_target": 0.65,
    "depth_points": [0.4, 0.65],
}

MODES = ("heavy", "light", "routed")


@dataclass(frozen=True)
class Op:
    """Operating point: encoder width and depth, decoder mode, routing knob k, and
    the spatial depth target t (fraction of depth; >= 1: every tile runs every block)."""
    width: int = 32
    depth: int = 8
    mode: str = "heavy"
    k: float = 0.0
    target: float = 1.0

    def __post_init__(self):
        assert self.mode in MODES, self.mode


def ladder_ops(mode="heavy", k=0.0, arch=ARCH):
    return [Op(c, d, mode, k) for c, d in arch["ladder"]]


def scale_cap(sx, sy, arch=ARCH):
    m = max(sx, sy)
    for lim, wd in arch["scale_caps"]:
        if lim is None or m <= lim:
            return tuple(wd)
    return tuple(arch["ladder"][-1])


# ---------------------------------------------------------------------------------
# cost model


def mlp_macs(n_in, hidden, n_out):
    sizes = [n_in] + list(hidden) + [n_out]
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def decoder_macs(arch=ARCH):
    n_in = arch["F"] + 4
    return {
        "heavy": mlp_macs(n_in, arch["dec_heavy"], 3),
        "light": mlp_macs(n_in, arch["dec_light"], 3),
        "cls": n_in * 2,
    }


def encoder_macs_per_pixel(width, depth, arch=ARCH):
    Fc = arch["F"]
    head = 9 * 3 * Fc
    tail = 9 * Fc * Fc
    return head + depth * block_macs_per_pixel(width, arch) + tail


def block_macs_per_pixel(width, arch=ARCH):
    Fc = arch["F"]
    return 9 * Fc * width + 9 * width * Fc


def adapter_macs_per_pixel(arch=ARCH):
    """The adapter's per-pixel layer (its per-tile layers are not counted)."""
    return arch["F"] * arch["adapter_hidden"] if arch.get("depth_tile", 0) else 0


def encoder_macs_adaptive(width, depth, tile_depth, h, w, arch=ARCH):
    """Encoder MACs of a frame whose tiles ran tile_depth (B=1 (th, tw) tensor or
    array of ints): head, adapter, the blocks each pixel ran, tail; SA not counted."""
    T = arch["depth_tile"]
    dm = np.asarray(tile_depth).reshape(-1, np.asarray(tile_depth).shape[-1])
    per_px = np.repeat(np.repeat(dm, T, 0), T, 1)[:h, :w]
    full = encoder_macs_per_pixel(width, depth, arch) * h * w
    return full - block_macs_per_pixel(width, arch) * float((depth - per_px).sum()) + \
        adapter_macs_per_pixel(arch) * h * w


def sa_macs(width, depth, arch=ARCH):
    """Per image (not per pixel): the two FC layers of each block's scale attention."""
    n_in = width + width // arch["chunk"] * 2
    return depth * (n_in * arch["sa_hidden"] + arch["sa_hidden"] * width)


def macs(op, in_h, in_w, out_h, out_w, heavy_fraction=None, arch=ARCH):
    """Multiply-accumulates of one frame: encoder convs (weights only, no bias/adds),
    scale-attention FCs, decoder MLP per HR pixel (heavy/light mix by heavy_fraction),
    classifier per HR pixel when routed.  Bilinear base and refinement are not counted."""
    dm = decoder_macs(arch)
    if op.mode == "heavy":
        hf = 1.0
    elif op.mode == "light":
        hf = 0.0
    else:
        hf = 0.5 if heavy_fraction is None else float(heavy_fraction)
    enc = encoder_macs_per_pixel(op.width, op.depth, arch) * in_h * in_w + sa_macs(op.width, op.depth, arch)
    per_hr = hf * dm["heavy"] + (1.0 - hf) * dm["light"]
    if op.mode == "routed":
        per_hr += dm["cls"]
    return enc + per_hr * out_h * out_w


def route_threshold(k, arch=ARCH):
    """Heavy iff logit_h - logit_l >= route_threshold(k) = k * ln(MACs_heavy / MACs_light)."""
    dm = decoder_macs(arch)
    return k * (math.log(dm["heavy"]) - math.log(dm["light"]))


# ---------------------------------------------------------------------------------
# coordinates


def _axis(X, n_in, n_out):
    """X: int64 tensor of HR indices; n_in, n_out: ints or int64 tensors broadcastable.
    Returns nearest index, rel, base index 0/1 and base fraction (float32)."""
    num = (2 * X + 1) * n_in
    den = 2 * n_out
    i = torch.minimum(torch.div(num, den, rounding_mode="floor"), torch.as_tensor(n_in - 1))
    rel = (num - (2 * i + 1) * n_out).float() / torch.as_tensor(den).float()
    bn = torch.clamp(num - n_out, min=0)
    b0 = torch.div(bn, den, rounding_mode="floor")
    bf = (bn - b0 * den).float() / torch.as_tensor(den).float()
    b1 = torch.minimum(b0 + 1, torch.as_tensor(n_in - 1))
    return i, rel, b0, b1, bf


def _gather(t, idx):
    """t: (B, C, h*w); idx: (B, Q) -> (B, Q, C)."""
    B, C, _ = t.shape
    return t.gather(2, idx.unsqueeze(1).expand(B, C, idx.shape[1])).transpose(1, 2)


def query_inputs(lr, feat, xs, ys, out_h, out_w):
    """Decoder inputs for HR pixels (xs, ys) (int64 (B, Q)).  out_h/out_w: int or
    int64 tensor (B,).  Returns mlp input (B, Q, F+4) and bilinear base (B, Q, 3)."""
    B, _, h, w = lr.shape
    if torch.is_tensor(out_w):
        out_w = out_w.view(B, 1)
        out_h = out_h.view(B, 1)
    ix, rx, x0, x1, fx = _axis(xs, w, out_w)
    iy, ry, y0, y1, fy = _axis(ys, h, out_h)
    z = _gather(feat.flatten(2), iy * w + ix)
    cw = torch.tensor(float(w)) / torch.as_tensor(out_w).float()
    ch = torch.tensor(float(h)) / torch.as_tensor(out_h).float()
    cell_x = (torch.ones_like(rx) * cw)
    cell_y = (torch.ones_like(ry) * ch)
    inp = torch.cat([z, rx.unsqueeze(-1), ry.unsqueeze(-1), cell_x.unsqueeze(-1), cell_y.unsqueeze(-1)], -1)
    L = lr.flatten(2)
    a = _gather(L, y0 * w + x0)
    b = _gather(L, y0 * w + x1)
    c = _gather(L, y1 * w + x0)
    d = _gather(L, y1 * w + x1)
    fx = fx.unsqueeze(-1)
    fy = fy.unsqueeze(-1)
    base = (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d)
    return inp, base


# ---------------------------------------------------------------------------------
# modules


class ScaleAttention(nn.Module):
    """AnySR feature-interweaving scale attention, prefix-sliceable."""

    def __init__(self, Fc, hidden, chunk):
        super().__init__()
        self.chunk = chunk
        self.fc1 = nn.Linear(Fc + Fc // chunk * 2, hidden)
        self.fc2 = nn.Linear(hidden, Fc)

    def forward(self, y, scale, run=None):
        """y: (B, c, h, w); scale: (B, 2) = (sx, sy); run: None or a (B, 1, h, w) 0/1
        mask: the pool is the mean over the pixels it marks (0 when none).
        Returns y * attention."""
        c = y.shape[1]
        if run is None:
            g = y.mean((2, 3))
        else:
            g = (y * run).sum((2, 3)) / run.sum((2, 3)).clamp(min=1.0)
        parts = []
        for j in range(0, c, self.chunk):
            parts.append(g[:, j:j + self.chunk])
            parts.append(scale)
        v = torch.cat(parts, 1)
        n = v.shape[1]
        a = F.relu(F.linear(v, self.fc1.weight[:, :n], self.fc1.bias))
        a = torch.sigmoid(F.linear(a, self.fc2.weight[:c], self.fc2.bias[:c]))
        return y * a[:, :, None, None]


class Block(nn.Module):
    def __init__(self, Fc, hidden, chunk):
        super().__init__()
        self.conv1 = nn.Conv2d(Fc, Fc, 3, padding=1)
        self.conv2 = nn.Conv2d(Fc, Fc, 3, padding=1)
        self.sa = ScaleAttention(Fc, hidden, chunk)

    def forward(self, x, scale, c, run=None, gate=None):
        """run: None (every pixel runs the block) or a (B, 1, h, w) 0/1 mask of the
        pixels whose tile runs it; gate: the residual's multiplier (run with the
        straight-through gradient of the soft gate while training)."""
        y = F.conv2d(x, self.conv1.weight[:c], self.conv1.bias[:c], padding=1)
        if run is None:
            y = F.relu(self.sa(y, scale))
            return x + F.conv2d(y, self.conv2.weight[:, :c], self.conv2.bias, padding=1)
        # the pool covers the pixels that run the block; conv2 reads zero outside them
        y = F.relu(self.sa(y, scale, run)) * run
        return x + gate * F.conv2d(y, self.conv2.weight[:, :c], self.conv2.bias, padding=1)


def run_mlp(mod, x):
    """Apply an nn.Linear or an nn.Sequential of Linear/ReLU to x (..., C).  Runs as
    1x1 convolutions in channels_last layout (oneDNN): the Debian torch build has a
    generic BLAS that makes nn.Linear ~10x slower.  Same maths as mod(x)."""
    shp = x.shape
    if x.numel() == 0:
        return mod(x)
    x2 = x.reshape(-1, shp[-1])
    n = x2.shape[0]
    CH = 16384  # big frames in cache-sized chunks (~4x faster on one core)
    if n > 2 * CH:
        y = torch.cat([run_mlp(mod, x2[i:i + CH]) for i in range(0, n, CH)], 0)
        return y.reshape(*shp[:-1], y.shape[-1])
    G = 16  # oneDNN is picked for 1x1 convolutions only with batch >= 16 on 1 thread
    pad = (-n) % G
    if pad:
        x2 = torch.cat([x2, x2.new_zeros(pad, shp[-1])], 0)
    y = x2.reshape(G, -1, shp[-1]).permute(0, 2, 1).unsqueeze(-1)  # (G, C, n/G, 1) channels_last
    layers = mod if isinstance(mod, nn.Sequential) else [mod]
    for l in layers:
        if isinstance(l, nn.Linear):
            y = F.conv2d(y, l.weight[:, :, None, None], l.bias)
        else:
            y = l(y)
    y = y.squeeze(-1).permute(0, 2, 1).reshape(-1, y.shape[1])[:n]
    return y.reshape(*shp[:-1], y.shape[-1])


def _mlp(n_in, hidden, n_out):
    layers = []
    prev = n_in
    for h in hidden:
        layers += [nn.Linear(prev, h), nn.ReLU()]
        prev = h
    layers.append(nn.Linear(prev, n_out))
    return nn.Sequential(*layers)


class Decoder(nn.Module):
    def __init__(self, arch):
        super().__init__()
        n_in = arch["F"] + 4
        self.heavy = _mlp(n_in, arch["dec_heavy"], 3)
        self.light = _mlp(n_in, arch["dec_light"], 3)
        self.cls = nn.Linear(n_in, 2)


class DepthAdapter(nn.Module):
    """AdaDSR depth adapter, per tile of T x T LR pixels (edge tiles clipped):
      u(p)  = relu(pix.weight . h0(p) + pix.bias)           per pixel, hidden values
      m     = mean of u over the tile's pixels
      x     = max of u over the tile's pixels                 (pool "mean_max" only)
      v     = relu(fc1.weight . [m, x, t] + fc1.bias)         ([m, t] with pool "mean")
      s     = softplus(fc2.weight . v + fc2.bias)             (torch threshold 20)
      dc    = float32(d * t) * s                              continuous depth
      depth = min(d, floor(dc + 0.5))                         blocks the tile runs
    with d the op's depth and t the depth target."""

    POOLS = {"mean": 1, "mean_max": 2}  # pool -> tile statistics per hidden value

    def __init__(self, Fc, hidden, tile, pool="mean"):
        super().__init__()
        assert pool in self.POOLS, "adapter_pool %r" % pool
        self.tile = tile
        self.pool = pool
        self.pix = nn.Linear(Fc, hidden)
        self.fc1 = nn.Linear(hidden * self.POOLS[pool] + 1, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, h0, t, depth):
        """h0: (B, F, h, w); t: (B,) float targets; depth: int.  Returns the tiles'
        continuous depth dc and integer depth (B, th, tw) (float tensors)."""
        return self.tile_depth(self.pixels(h0), t, depth, self.tile)

    def pixels(self, h0):
        """u: the per-pixel hidden values (B, hidden, h, w)."""
        return F.relu(F.conv2d(h0, self.pix.weight[:, :, None, None], self.pix.bias))

    def tile_depth(self, u, t, depth, T):
        """forward's per-tile part on pixel values u, tiles of T x T (forward: the
        adapter's tile; fit_adapter.py pools subsampled u over smaller tiles)."""
        B, _, h, w = u.shape
        ph, pw = (-h) % T, (-w) % T
        ones = u.new_ones(1, 1, h, w)
        if ph or pw:
            u = F.pad(u, (0, pw, 0, ph))
            ones = F.pad(ones, (0, pw, 0, ph))
        m = [F.avg_pool2d(u, T) / F.avg_pool2d(ones, T)]
        if self.pool == "mean_max":
            m.append(F.max_pool2d(u, T))  # u >= 0: the zero padding never wins
        th, tw = m[0].shape[2], m[0].shape[3]
        tt = t.view(B, 1, 1, 1).expand(B, 1, th, tw)
        v = torch.cat(m + [tt], 1).permute(0, 2, 3, 1)
        v = F.relu(self.fc1(v))
        s = F.softplus(self.fc2(v)[..., 0])
        dt = (float(depth) * t.float()).view(B, 1, 1)
        dc = dt * s
        di = torch.clamp(torch.floor(dc + 0.5), max=float(depth))
        return dc, di


def tile_to_pixels(tmap, tile, h, w):
    """(B, th, tw) per-tile values -> (B, 1, h, w) per pixel."""
    t = tmap.unsqueeze(1).repeat_interleave(tile, 2).repeat_interleave(tile, 3)
    return t[:, :, :h, :w]


class AnySR(nn.Module):
    def __init__(self, arch=ARCH):
        super().__init__()
        self.arch = dict(arch)
        Fc, D = arch["F"], arch["D"]
        self.head = nn.Conv2d(3, Fc, 3, padding=1)
        self.blocks = nn.ModuleList([Block(Fc, arch["sa_hidden"], arch["chunk"]) for _ in range(D)])
        self.tail = nn.Conv2d(Fc, Fc, 3, padding=1)
        self.dec = Decoder(arch)
        if arch.get("depth_tile", 0):
            self.adapter = DepthAdapter(Fc, arch["adapter_hidden"], arch["depth_tile"],
                                        arch.get("adapter_pool", "mean"))
        else:
            self.adapter = None

    # -- encoder ------------------------------------------------------------------
    def encode(self, lr, scale, width, depth, return_stages=False, target=1.0, ste=False):
        """lr: (B, 3, h, w) in [0, 1]; scale: (B, 2) float (sx, sy); target: the
        spatial depth target (float or (B,) tensor; >= 1 or no adapter: fixed depth).
        ste: training, residual gates = hard gates with the gradient of the soft
        AdaDSR gate clamp(dc - l, 0, 1).  stages["depth"]: the tiles' depth map,
        stages["dc"]: the continuous one (adaptive only)."""
        assert width % self.arch["chunk"] == 0 and 0 < width <= self.arch["F"]
        assert 0 <= depth <= self.arch["D"]
        h0 = self.head(lr)
        x = h0
        stages = {"head": h0}
        B, _, h, w = lr.shape
        tt = torch.as_tensor(target, dtype=torch.float32, device=lr.device).reshape(-1).expand(B)
        adaptive = self.adapter is not None and depth > 0 and bool((tt < 1.0).any())
        if adaptive:
            assert bool((tt < 1.0).all()), "mixed fixed/adaptive targets in one batch"
            dc, di = self.adapter(h0, tt, depth)
            stages["dc"], stages["depth"] = dc, di
            T = self.adapter.tile
        for i in range(depth):
            if adaptive:
                hard = (di > i).float()
                run = tile_to_pixels(hard, T, h, w)
                if ste:
                    soft = torch.clamp(dc - i, 0.0, 1.0)
                    gate = tile_to_pixels(hard + soft - soft.detach(), T, h, w)
                else:
                    gate = run
                x = self.blocks[i](x, scale, width, run, gate)
            else:
                x = self.blocks[i](x, scale, width)
            if return_stages:
                stages["block%d" % i] = x
        out = self.tail(x) + h0
        stages["enc"] = out
        return (out, stages) if return_stages else out

    # -- decoder pieces -----------------------------------------------------------
    def route_delta(self, inp):
        lg = run_mlp(self.dec.cls, inp)
        return lg[..., 0] - lg[..., 1]

    @staticmethod
    def scale_of(lr, out_h, out_w):
        B, _, h, w = lr.shape
        return torch.tensor([[out_w / w, out_h / h]], dtype=torch.float32, device=lr.device).expand(B, 2)

    def forward(self, lr, out_h, out_w, op=Op(), return_aux=False):
        """Super-resolve lr (B, 3, h, w) to (B, 3, out_h, out_w).  Output not clamped."""
        B, _, h, w = lr.shape
        scale = self.scale_of(lr, out_h, out_w)
        feat = self.encode(lr, scale, op.width, op.depth, target=op.target)
        ys, xs = torch.meshgrid(torch.arange(out_h, device=lr.device), torch.arange(out_w, device=lr.device),
                                indexing="ij")
        xs = xs.reshape(1, -1).expand(B, -1)
        ys = ys.reshape(1, -1).expand(B, -1)
        inp, base = query_inputs(lr, feat, xs, ys, out_h, out_w)
        aux = {}
        if op.mode == "heavy":
            out = base + run_mlp(self.dec.heavy, inp)
        elif op.mode == "light":
            out = base + run_mlp(self.dec.light, inp)
        else:
            delta = self.route_delta(inp)
            heavy = delta >= route_threshold(op.k, self.arch)
            res = torch.empty_like(base)
            res[heavy] = run_mlp(self.dec.heavy, inp[heavy])
            res[~heavy] = run_mlp(self.dec.light, inp[~heavy])
            out = base + res
            aux["delta"] = delta.view(B, out_h, out_w)
            aux["heavy"] = heavy.view(B, out_h, out_w)
        out = out.transpose(1, 2).reshape(B, 3, out_h, out_w)
        if op.mode == "routed":
            out = refine(out, aux["heavy"])
            aux["heavy_fraction"] = aux["heavy"].float().mean().item()
        return (out, aux) if return_aux else out


def refine(out, heavy):
    """PCSR refinement: a light pixel with >= 1 heavy pixel among its 8 neighbours takes
    the mean of the final (base + MLP) outputs of its 3x3 neighbourhood, itself
    included, in-image pixels only (divided by their count).  All means read the
    unrefined values."""
    hm = heavy.float().unsqueeze(1)
    near = F.max_pool2d(hm, 3, stride=1, padding=1) > 0
    sel = near & ~heavy.unsqueeze(1)
    mean = F.avg_pool2d(out, 3, stride=1, padding=1, count_include_pad=False)
    return torch.where(sel, mean, out)


# ---------------------------------------------------------------------------------
# tensor naming (model file) helpers


def tensor_names(arch=ARCH):
    """Stable tensor names in file order, with shapes."""
    Fc, D = arch["F"], arch["D"]
    n_sa = Fc + Fc // arch["chunk"] * 2
    hs = arch["sa_hidden"]
    out = [("head.weight", (Fc, 3, 3, 3)), ("head.bias", (Fc,))]
    for i in range(D):
        out += [
            ("blocks.%d.conv1.weight" % i, (Fc, Fc, 3, 3)), ("blocks.%d.conv1.bias" % i, (Fc,)),
            ("blocks.%d.sa.fc1.weight" % i, (hs, n_sa)), ("blocks.%d.sa.fc1.bias" % i, (hs,)),
            ("blocks.%d.sa.fc2.weight" % i, (Fc, hs)), ("blocks.%d.sa.fc2.bias" % i, (Fc,)),
            ("blocks.%d.conv2.weight" % i, (Fc, Fc, 3, 3)), ("blocks.%d.conv2.bias" % i, (Fc,)),
        ]
    out += [("tail.weight", (Fc, Fc, 3, 3)), ("tail.bias", (Fc,))]
    n_in = Fc + 4
    for name, hidden in (("heavy", arch["dec_heavy"]), ("light", arch["dec_light"])):
        sizes = [n_in] + list(hidden) + [3]
        for j, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            out += [("dec.%s.%d.weight" % (name, 2 * j), (b, a)), ("dec.%s.%d.bias" % (name, 2 * j), (b,))]
    out += [("dec.cls.weight", (2, n_in)), ("dec.cls.bias", (2,))]
    if arch.get("depth_tile", 0):
        ah = arch["adapter_hidden"]
        out += [("adapter.pix.weight", (ah, Fc)), ("adapter.pix.bias", (ah,)),
                ("adapter.fc1.weight", (ah, ah * DepthAdapter.POOLS[arch.get("adapter_pool", "mean")] + 1)),
                ("adapter.fc1.bias", (ah,)),
                ("adapter.fc2.weight", (1, ah)), ("adapter.fc2.bias", (1,))]
    return out


def arch_json(arch=ARCH):
    return json.dumps(arch, sort_keys=True)

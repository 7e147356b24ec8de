"""Golden vectors for the engine (tests/golden/), made from the shipped model.

tests/golden/golden.safetensors (F32 tensors):
  input.<name>            (1, 3, h, w)  LR input in [0, 1] (synthetic, deterministic)
  case.<n>.out            (1, 3, H, W)  reference output, float, not clamped
  case.<n>.delta          (1, H, W)     routed cases: logit_heavy - logit_light per pixel
  case.<n>.heavy          (1, H, W)     routed cases: 1.0 where the pixel took the heavy MLP
  feat.<stage>            encoder stages of the 'features' case: head (1,F,h,w),
                          block<i> (x after block i), att<i> (1, c) scale attention of
                          block i (after sigmoid), enc (tail + head skip, decoder input)
  case.<n>.depth          (th, tw)      adaptive cases: the tiles' depth map (blocks each
                          16x16 LR tile ran; float holding integers 0..d), th = ceil(h/16),
                          tw = ceil(w/16), edge tiles clipped
tests/golden/golden.json: the case list (input, out size, op width/depth, decoder mode,
k, route threshold), the sha256 of the model file, tolerances (same JSON as the
safetensors' __metadata__ 'anysr.golden').

Spatial depth (model with the depth adapter, docs/models.md#spatial-depth): every case has
"target" (float32-exact; 1.0: fixed depth, the old path).  Adaptive cases (target < 1)
add "depth_map" (the case.<n>.depth tensor), "tile" (16), "dc_margin" (the smallest
distance of a tile's continuous depth dc = float32(d*t)*s to a rounding boundary k + 0.5,
k < d; >= 1e-3 by construction: the target is nudged until it is, so float rounding in
the engine cannot flip a tile's depth) and "depth_counts" (tiles per depth 0..d).
Inputs d (36x40, 3x3 tiles, flat tiles beside textured ones), e (21x37, 2x3 tiles) and
f (32x45, 2x3 tiles of extremes: flat, binary noise, a ramp, a pixel checkerboard),
none a multiple of 16 wide; output at the input size (scale 1: the cases are about the
encoder, and keep the files small).  Case "designed" (input f, full op): its target is
searched so that the map holds depth 0, depth d and the most depths between (refused
when no target in [0.02, 0.98] does, unless --allow-no-designed).  Without an adapter no
adaptive case is written.

  /usr/bin/python3 train/golden.py            # regenerate after every model export
"""

import argparse
import hashlib
import json
import os

import numpy as np
import torch

from .paths import TRAIN_DIR
from . import model_file
from . import safetensors_io
from .network import Op, route_threshold

ROOT = os.path.normpath(os.path.join(TRAIN_DIR, ".."))
DEFAULT_MODEL = os.path.join(ROOT, "models", "anysr-default.safetensors")
DEFAULT_OUT = os.path.join(ROOT, "tests", "golden")

# output sizes from the scale per axis: round(w * sx), round(h * sy)
SCALES = [(2.0, 2.0), (3.0, 3.0), (2.5, 2.5), (1.5, 2.0), (4.0, 4.0), (4.6, 4.6)]


def synth_input(h, w, seed):
    """Deterministic test picture: gradients, a disc edge, stripes and noise."""
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = np.sqrt((yy - h * 0.4) ** 2 + (xx - w * 0.55) ** 2)
    img = np.stack([
        0.2 + 0.6 * xx / max(1, w - 1),
        np.where(r < min(h, w) * 0.3, 0.85, 0.15),
        0.5 + 0.4 * np.sin(xx * 1.3 + yy * 0.7),
    ], 0)
    img = img + g.normal(0, 0.04, img.shape)
    img = np.floor(np.clip(img, 0, 1) * 255 + 0.5) / 255.0  # 8-bit values, as frames are
    return torch.from_numpy(img.astype(np.float32)).unsqueeze(0)


def tiles_input(h, w, seed, tile=16):
    """Deterministic picture of tiles from flat to highly textured: every tile x tile
    block has one texture level (0: a constant colour, 1: full-range noise and fine
    stripes), levels spread over [0, 1] in a scrambled order so that flat tiles sit
    beside textured ones."""
    g = np.random.default_rng(seed)
    th, tw = -(-h // tile), -(-w // tile)
    n = th * tw
    levels = np.linspace(0.0, 1.0, n)[(np.arange(n) * 5 + 2) % n if n % 5 else g.permutation(n)]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    lev = levels.reshape(th, tw).repeat(tile, 0).repeat(tile, 1)[:h, :w]
    base = np.stack([0.45 + 0.1 * np.sin(yy / 11.0), 0.5 + 0.1 * np.cos(xx / 13.0), 0.4 + 0.0 * xx], 0)
    tex = g.uniform(-0.5, 0.5, (3, h, w)) * 0.7 + 0.3 * np.sign(np.sin(xx * 2.1 + yy * 1.3))[None]
    img = base + lev[None] * tex
    img = np.floor(np.clip(img, 0, 1) * 255 + 0.5) / 255.0
    return torch.from_numpy(img.astype(np.float32)).unsqueeze(0)


def contrast_input(h, w, seed, tile=16):
    """Deterministic 2 x 3-tile picture of extremes for the designed spatial-depth
    case (h <= 2 tile, w <= 3 tile): a constant colour, full-range binary noise, a
    horizontal ramp / a pixel checkerboard, mild noise, grey binary noise.  With the
    shipped adapter the noise tiles run every block and the checkerboard none at the
    same target."""
    g = np.random.default_rng(seed)
    img = np.zeros((3, h, w))
    T = tile
    img[:, :T, :T] = np.array([0.5, 0.45, 0.4])[:, None, None]
    img[:, :T, T:2 * T] = (g.random((3, T, T)) > 0.5)
    img[:, T:, :T] = np.linspace(0.1, 0.9, T)[None, None, :]
    yy, xx = np.mgrid[0:h - T, 0:w - 2 * T]
    img[:, T:, 2 * T:] = ((yy + xx) % 2)[None]
    img[:, T:, T:2 * T] = 0.5 + 0.25 * g.random((3, h - T, T))
    img[:, :T, 2 * T:] = (g.random((1, T, w - 2 * T)) > 0.5)
    img = np.floor(np.clip(img, 0, 1) * 255 + 0.5) / 255.0
    return torch.from_numpy(img.astype(np.float32)).unsqueeze(0)


def f32(x):
    """x as the float32 the engine receives (exact in JSON as a double)."""
    return float(np.float32(x))


def dc_margin(dc, depth):
    """Smallest distance of a continuous depth to a boundary k + 0.5 that decides the
    tile's depth (k < depth; above depth - 0.5 the min() decides)."""
    dc = np.asarray(dc, np.float64).reshape(-1)
    m = np.inf
    for k in range(depth):
        m = min(m, float(np.abs(dc - (k + 0.5)).min()))
    return m


@torch.no_grad()
def depth_maps(model, lr, H, W, c, d, t):
    scale = model.scale_of(lr, H, W)
    _, st = model.encode(lr, scale, c, d, return_stages=True, target=t)
    return st["dc"][0], st["depth"][0]


def safe_target(model, lr, H, W, c, d, t, margin=1e-3, step=1e-3):
    """t, nudged by +-step, +-2 step, ... until every tile's dc is at least `margin`
    away from a rounding boundary.  Returns (float32 t, dc, depth map, margin)."""
    for j in range(200):
        tt = f32(t + step * ((j + 1) // 2) * (1 if j % 2 else -1) if j else t)
        dc, dm = depth_maps(model, lr, H, W, c, d, tt)
        m = dc_margin(dc.numpy(), d)
        if m >= margin:
            return tt, dc, dm, m
    raise SystemExit("no target near %g keeps every tile %g away from a rounding boundary" % (t, margin))


TARGET_GRID = [f32(round(t, 2)) for t in np.arange(0.02, 0.981, 0.01)]  # searched targets


def depth_values(dm):
    """The set of depths in a depth map."""
    return set(int(v) for v in dm.reshape(-1).tolist())


def designed_target(model, lr, H, W, c, d):
    """The target whose depth map holds depth 0, depth d and the most depths between
    (ties: the target nearest 0.5).  Returns it, or None when no target does."""
    best = None
    for t in TARGET_GRID:
        vals = depth_values(depth_maps(model, lr, H, W, c, d, t)[1])
        if 0 in vals and d in vals and len(vals) > 2:
            key = (len(vals), -abs(t - 0.5))
            if best is None or key > best[0]:
                best = (key, t)
    return None if best is None else best[1]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@torch.no_grad()
def encoder_stages(model, lr, H, W, c, d):
    scale = model.scale_of(lr, H, W)
    feat, st = model.encode(lr, scale, c, d, return_stages=True)
    atts = {}
    x = st["head"]
    for i in range(d):
        # the attention vector, rebuilt with the same steps as ScaleAttention.forward
        b = model.blocks[i]
        y = torch.nn.functional.conv2d(x, b.conv1.weight[:c], b.conv1.bias[:c], padding=1)
        g = y.mean((2, 3))
        parts = []
        for j in range(0, c, b.sa.chunk):
            parts += [g[:, j:j + b.sa.chunk], scale]
        v = torch.cat(parts, 1)
        a = torch.relu(torch.nn.functional.linear(v, b.sa.fc1.weight[:, :v.shape[1]], b.sa.fc1.bias))
        a = torch.sigmoid(torch.nn.functional.linear(a, b.sa.fc2.weight[:c], b.sa.fc2.bias[:c]))
        assert torch.equal(b.sa(y, scale), y * a[:, :, None, None])
        atts["att%d" % i] = a
        x = b(x, scale, c)
        assert torch.equal(x, st["block%d" % i])
    out = {"head": st["head"]}
    for i in range(d):
        out["block%d" % i] = st["block%d" % i]
        out["att%d" % i] = atts["att%d" % i]
    out["enc"] = feat
    return out


@torch.no_grad()
def make(model_path, out_dir, log=print, require_designed=True, depth_only=False):
    model, arch, _ = model_file.load_model(model_path)
    model.eval()
    k = float(arch.get("default_k", 0.0))
    ladder = [tuple(x) for x in arch["ladder"]]
    inputs = {"a": synth_input(9, 11, 1), "b": synth_input(12, 16, 2), "c": synth_input(7, 5, 3)}
    tensors = {}
    for n, t in inputs.items():
        tensors["input.%s" % n] = t
    cases = []

    def add(inp, H, W, op, extra=None):
        lr = inputs[inp]
        out, aux = model(lr, H, W, op, return_aux=True)
        n = len(cases)
        tensors["case.%d.out" % n] = out
        case = {"id": n, "input": "input.%s" % inp, "in_h": lr.shape[2], "in_w": lr.shape[3],
                "out_h": H, "out_w": W, "width": op.width, "depth": op.depth, "mode": op.mode,
                "k": op.k, "target": op.target, "output": "case.%d.out" % n}
        if op.target < 1.0:
            dc, dm = depth_maps(model, lr, H, W, op.width, op.depth, op.target)
            tensors["case.%d.depth" % n] = dm
            case.update({"depth_map": "case.%d.depth" % n, "tile": arch["depth_tile"],
                         "dc_margin": round(dc_margin(dc.numpy(), op.depth), 6),
                         "depth_counts": [int((dm == v).sum()) for v in range(op.depth + 1)]})
        case.update(extra or {})
        if op.mode == "routed":
            tensors["case.%d.delta" % n] = aux["delta"]
            tensors["case.%d.heavy" % n] = aux["heavy"].float()
            case.update({"delta": "case.%d.delta" % n, "heavy": "case.%d.heavy" % n,
                         "threshold": route_threshold(op.k, arch),
                         "heavy_fraction": round(aux["heavy_fraction"], 4)})
        cases.append(case)

    if not depth_only:  # the fixed-depth cases (a model's full golden)
        # every op x every scale x heavy/light, routed for the cheapest and the full op;
        # input a (9x11) for the scales up to 3, input c (7x5) for 4 and 4.6 (keeps the
        # files small)
        for sx, sy in SCALES:
            name = "a" if max(sx, sy) <= 3 else "c"
            li = inputs[name]
            H, W = int(round(li.shape[2] * sy)), int(round(li.shape[3] * sx))
            for c, d in ladder:
                for mode in ("heavy", "light"):
                    add(name, H, W, Op(c, d, mode, k))
            for c, d in (ladder[0], ladder[-1]):
                add(name, H, W, Op(c, d, "routed", k))
        # input b (even size): x2 and (1.5, 2.0), each op, routed at default k and at k=0
        lb = inputs["b"]
        for sx, sy in ((2.0, 2.0), (1.5, 2.0)):
            H, W = int(round(lb.shape[2] * sy)), int(round(lb.shape[3] * sx))
            for c, d in ladder:
                add("b", H, W, Op(c, d, "routed", k))
            add("b", H, W, Op(32, 8, "routed", 0.0))
        # input c (tiny, odd, taller than wide): scale 3 and a non-integer asymmetric size
        add("c", 21, 15, Op(32, 8, "heavy", k))
        add("c", 17, 13, Op(16, 4, "routed", k))
        add("c", 7, 5, Op(8, 2, "heavy", k))  # scale 1: identity size

    if model.adapter is not None:
        # spatial depth: inputs whose size is not a multiple of the tile, several tiles each
        inputs["d"] = tiles_input(36, 40, 4, arch["depth_tile"])
        inputs["e"] = synth_input(21, 37, 5)
        for n in ("d", "e"):
            tensors["input.%s" % n] = inputs[n]
        full, small = ladder[-1], ladder[1]
        for inp, (c, d), ts in (("d", full, (0.1, 0.3, 0.65, 0.9)), ("e", full, (0.65,)), ("e", small, (0.3, 0.65, 0.9))):
            li = inputs[inp]
            H, W = li.shape[2], li.shape[3]
            for t in ts:
                tt, _, _, m = safe_target(model, li, H, W, c, d, t)
                add(inp, H, W, Op(c, d, "heavy", k, tt))
        # designed: tiles stop at depth 0, at d and between, side by side
        inputs["f"] = contrast_input(32, 45, 6, arch["depth_tile"])
        tensors["input.f"] = inputs["f"]
        li = inputs["f"]
        H, W = li.shape[2], li.shape[3]
        c, d = full
        t0 = designed_target(model, li, H, W, c, d)
        if t0 is None:
            msg = "designed case: no target in [0.02, 0.98] gives depth 0, %d and a depth between on input f" % d
            if require_designed:
                raise SystemExit(msg + " (--allow-no-designed writes the vectors without it)")
            log("WARNING: " + msg + "; written without it")
        else:
            tt, _, dm, m = safe_target(model, li, H, W, c, d, t0)
            vals = sorted(depth_values(dm))
            assert 0 in vals and d in vals and len(vals) > 2, vals
            add("f", H, W, Op(c, d, "heavy", k, tt), {"designed": "depth 0, %d and between: %s" % (d, vals)})
            log("designed case: target %.6g, depths %s, dc margin %.4f" % (tt, vals, m))
        # every depth below d beside tiles that run all d blocks: add cases on inputs
        # f and d for the depths no case above shows in one frame with depth d
        def beside_d(dm):
            vals = depth_values(dm)
            return vals - {d} if d in vals else set()
        missing = set(range(d))
        for cs in cases:
            if cs["target"] < 1.0 and cs["depth"] == d:
                missing -= beside_d(tensors[cs["depth_map"]])
        while missing:
            best = None
            for inp in ("f", "d"):
                li = inputs[inp]
                H, W = li.shape[2], li.shape[3]
                for t in TARGET_GRID:
                    got = beside_d(depth_maps(model, li, H, W, c, d, t)[1]) & missing
                    if got and (best is None or len(got) > len(best[0])):
                        best = (got, inp, t)
            if best is None:
                log("WARNING: no case shows depths %s beside depth %d" % (sorted(missing), d))
                break
            li = inputs[best[1]]
            tt, _, dm, m = safe_target(model, li, li.shape[2], li.shape[3], c, d, best[2])
            got = beside_d(dm) & missing
            if not got:  # the nudge to a safe target lost them
                log("WARNING: depths %s beside %d lost at a safe target" % (sorted(best[0]), d))
                break
            add(best[1], li.shape[2], li.shape[3], Op(c, d, "heavy", k, tt),
                {"designed": "depths %s beside %d" % (sorted(got), d)})
            missing -= got
        for cs in cases:
            if cs["target"] < 1.0:
                log("case %d: input %s (%d,%d) t=%.6g depth map %s, dc margin %.4f" % (
                    cs["id"], cs["input"], cs["width"], cs["depth"], cs["target"],
                    tensors[cs["depth_map"]].int().tolist(), cs["dc_margin"]))

    la = inputs["a"]
    # encoder stages of one case: input a, x2, full op
    fa = encoder_stages(model, la, la.shape[2] * 2, la.shape[3] * 2, *ladder[-1])
    for n, t in fa.items():
        tensors["feat.%s" % n] = t

    meta = {
        "format": "1",
        "model": os.path.basename(model_path),
        "model_sha256": sha256(model_path),
        "generator": "train/golden.py",
        "features_case": {"input": "input.a", "out_h": la.shape[2] * 2, "out_w": la.shape[3] * 2,
                          "width": ladder[-1][0], "depth": ladder[-1][1],
                          "stages": sorted(fa.keys())},
        "tolerance": {"out_max_abs": 2e-3, "feat_max_abs": 1e-3,
                      "routed_ignore_delta_within": 1e-3,
                      "depth_map": "exact (every adaptive case has dc_margin >= 1e-3)",
                      "note": "routed: pixels whose |delta - threshold| is below routed_ignore_delta_within,"
                              " and light pixels within one pixel of them (refinement), may differ"},
        "cases": cases,
    }
    os.makedirs(out_dir, exist_ok=True)
    st_path = os.path.join(out_dir, "golden.safetensors")
    safetensors_io.save(st_path, {n: t.float().contiguous() for n, t in tensors.items()},
              {"anysr.golden": json.dumps(meta, sort_keys=True)}, dtype="F32")
    with open(os.path.join(out_dir, "golden.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    size = os.path.getsize(st_path) + os.path.getsize(os.path.join(out_dir, "golden.json"))
    log("wrote %s: %d cases, %d tensors, %d bytes in all" % (out_dir, len(cases), len(tensors), size))
    if size >= 1 << 20:
        raise SystemExit("golden vectors over 1 MiB")
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--allow-no-designed", action="store_true",
                    help="write the vectors without the designed spatial-depth case when no target gives "
                         "depth 0, d and between (default: refuse)")
    ap.add_argument("--depth-only", action="store_true",
                    help="only the spatial-depth cases and the encoder stages (a second model's vectors, "
                         "e.g. tests/golden/mean-pool/)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.depth_only and a.out == DEFAULT_OUT:
        raise SystemExit("--depth-only writes a second model's vectors: give --out")
    make(a.model, a.out, require_designed=not a.allow_no_designed, depth_only=a.depth_only)


if __name__ == "__main__":
    main()

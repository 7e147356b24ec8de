#!/usr/bin/python3
"""Picture of the spatial depth map (AdaDSR, docs/models.md#spatial-depth) over a real image.

The HR image of an evaluation picture (docs/testing.md#quality preparation: modcrop, Pillow
bicubic LR), in grey with every 16x16 LR tile (its HR footprint) tinted by the number
of blocks the tile ran at the given op and target (legend 0..d with the tile counts,
the depth written in each tile); --side-by-side adds the untinted image on the left.  The title gives the mean depth, the encoder MACs per
LR pixel against fixed depth and the Y-PSNR of both (heavy decoder).

  PYTHONPATH=train /usr/bin/python3 bench/plots/depthmap.py --model models/anysr-default.safetensors
  PYTHONPATH=train /usr/bin/python3 bench/plots/depthmap.py --ckpt train/runs/snap_0030000.pt --image Set14/barbara.png --target 0.5
"""

import argparse
import os

import numpy as np
from PIL import Image, ImageDraw

from pngplot import _font

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
RESULTS = os.path.join(BENCH, "results")
# viridis at 0, 0.25, 0.5, 0.75, 1
ANCHORS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]


def color_of(v):
    """v in [0, 1] -> RGB (piecewise linear viridis)."""
    x = min(max(v, 0.0), 1.0) * (len(ANCHORS) - 1)
    i = min(int(x), len(ANCHORS) - 2)
    f = x - i
    return tuple(int(round(a + (b - a) * f)) for a, b in zip(ANCHORS[i], ANCHORS[i + 1]))


def hr_tile_index(n_lr, n_hr, tile):
    """Tile index of every HR row (column): the nearest LR pixel (the decoder's
    convention: floor((2X+1) n_lr / (2 n_hr)), clamped) divided by the tile size."""
    X = np.arange(n_hr)
    ix = np.minimum((2 * X + 1) * n_lr // (2 * n_hr), n_lr - 1)
    return ix // tile


def palette_image(d, levels, alpha=0.5):
    """A 'P' image whose palette holds, for every depth 0..d, `levels` greys mixed with
    its colour as render() mixes them, the pure depth colours, 16 greys, white, black."""
    cols = []
    for v in range(d + 1):
        c = np.array(color_of(v / max(1, d)), np.float64)
        for g in np.linspace(0, 255, levels):
            cols.append(tuple(int(x + 0.5) for x in (1 - alpha) * g + alpha * c))
    cols += [color_of(v / max(1, d)) for v in range(d + 1)]
    cols += [(int(g), int(g), int(g)) for g in np.linspace(0, 255, 16)]
    cols += [(255, 255, 255), (0, 0, 0)]
    assert len(cols) <= 256, len(cols)
    flat = [x for c in cols for x in c]
    flat += flat[-3:] * (256 - len(cols))
    pal = Image.new("P", (1, 1))
    pal.putpalette(flat)
    return pal


def render(hr, lr_size, depth, d, tile, title, lines, alpha=0.5, side_by_side=False):
    """hr: HxWx3 uint8; lr_size: (h, w); depth: (th, tw) ints.  Returns a PIL image."""
    H, W = hr.shape[:2]
    font, small, big = _font(13), _font(11), _font(15)
    ty = hr_tile_index(lr_size[0], H, tile)
    tx = hr_tile_index(lr_size[1], W, tile)
    per_px = depth[ty][:, tx].astype(np.float64)
    tint = np.zeros((H, W, 3), np.float64)
    for v in range(d + 1):
        tint[per_px == v] = color_of(v / max(1, d))
    grey = hr.astype(np.float64).mean(2, keepdims=True).repeat(3, 2)
    mix = (1 - alpha) * grey + alpha * tint
    over = Image.fromarray(np.clip(mix + 0.5, 0, 255).astype(np.uint8))
    dr = ImageDraw.Draw(over)
    # tile borders and the depth in each tile
    ys = [0] + [int(i) for i in np.nonzero(np.diff(ty))[0] + 1] + [H]
    xs = [0] + [int(i) for i in np.nonzero(np.diff(tx))[0] + 1] + [W]
    for y in ys[1:-1]:
        dr.line([0, y, W, y], fill=(255, 255, 255), width=1)
    for x in xs[1:-1]:
        dr.line([x, 0, x, H], fill=(255, 255, 255), width=1)
    for i in range(len(ys) - 1):
        for j in range(len(xs) - 1):
            if ys[i + 1] - ys[i] >= 12 and xs[j + 1] - xs[j] >= 10:
                v = int(depth[i, j])
                dr.text(((xs[j] + xs[j + 1]) / 2, (ys[i] + ys[i + 1]) / 2), str(v),
                        fill=(0, 0, 0) if v / max(1, d) > 0.6 else (255, 255, 255), font=small, anchor="mm")
    pad, top, leg = 10, 30 + 16 * len(lines), 60
    x_over = W + 2 * pad if side_by_side else pad
    canvas = Image.new("RGB", (x_over + W + pad, H + top + leg), "white")
    cd = ImageDraw.Draw(canvas)
    cd.text((pad, 6), title, fill="black", font=big)
    for k, s in enumerate(lines):
        cd.text((pad, 28 + 16 * k), s, fill="#333333", font=font)
    if side_by_side:
        canvas.paste(Image.fromarray(hr), (pad, top))
    canvas.paste(over, (x_over, top))
    # legend: one swatch per depth
    y0 = top + H + 12
    cd.text((x_over, y0 + 9), "blocks run per tile:", fill="black", font=font, anchor="lm")
    x = x_over + 140
    for v in range(d + 1):
        c = color_of(v / max(1, d))
        cd.rectangle([x, y0, x + 26, y0 + 18], fill=c, outline="black")
        cd.text((x + 13, y0 + 9), str(v), fill=(0, 0, 0) if v / max(1, d) > 0.6 else (255, 255, 255),
                font=small, anchor="mm")
        n = int((depth == v).sum())
        cd.text((x + 13, y0 + 30), "%d" % n, fill="#555555", font=small, anchor="mm")
        x += 32
    cd.text((x + 6, y0 + 30), "tiles", fill="#555555", font=small, anchor="lm")
    return canvas


def main():
    import torch
    from anysr_train import evaluate as ev
    from anysr_train.datasets import DEFAULT_DATA, load_rgb
    from anysr_train.eval_protocol import lr_tensor, prepare, psnr_y, shave_of, to_uint8
    from anysr_train.network import encoder_macs_adaptive, encoder_macs_per_pixel

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(BENCH, "..", "models", "anysr-default.safetensors"))
    ap.add_argument("--ckpt", default=None, help="a training checkpoint or snapshot instead of --model")
    ap.add_argument("--image", default="Set14/barbara.png", help="path, or SET/NAME under the data's eval/")
    ap.add_argument("--scale", type=float, default=2.0)
    ap.add_argument("--op", default=None, help="width,depth (default: the full op)")
    ap.add_argument("--target", type=float, default=None, help="default: the model's depth_target")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(RESULTS, "depthmap-x2.png"))
    ap.add_argument("--max-width", type=int, default=1200, help="scale the picture down to this width (0: never)")
    ap.add_argument("--side-by-side", action="store_true", help="the untinted image on the left too")
    ap.add_argument("--grey-levels", type=int, default=24,
                    help="grey levels per depth colour in the PNG's palette (0: full RGB)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, arch, info = ev.load_any(None if a.ckpt else a.model, a.ckpt)
    model.eval()
    if model.adapter is None:
        raise SystemExit("the model has no depth adapter (depth_tile 0)")
    c, d = (int(x) for x in a.op.split(",")) if a.op else tuple(arch["ladder"][-1])
    t = float(arch.get("depth_target", 0.65)) if a.target is None else a.target
    path = a.image if os.path.exists(a.image) else os.path.join(a.data, "eval", a.image)
    hr, lr = prepare(load_rgb(path), a.scale, a.scale)
    H, W = hr.shape[:2]
    h, w = lr.shape[:2]
    lt = lr_tensor(lr)
    st = {}
    with torch.no_grad():
        oh, _, _ = ev.decode_all(model, lt, (c, d), H, W, t, ("heavy",), st)
        of, _, _ = ev.decode_all(model, lt, (c, d), H, W, 1.0, ("heavy",))
    dm = st["depth"][0].numpy().astype(int)
    sh = shave_of(a.scale, a.scale)
    pa, pf = psnr_y(to_uint8(oh[0]), hr, sh), psnr_y(to_uint8(of[0]), hr, sh)
    em = encoder_macs_adaptive(c, d, dm, h, w, arch) / (h * w)
    ef = encoder_macs_per_pixel(c, d, arch)
    T = arch["depth_tile"]
    mean_depth = np.repeat(np.repeat(dm, T, 0), T, 1)[:h, :w].mean()
    name = os.path.relpath(path, os.path.join(a.data, "eval")) if path.startswith(a.data) else os.path.basename(path)
    it = (info or {}).get("iterations")
    title = "%s x%g, op (%d,%d), depth target %g: blocks run per %dx%d LR tile" % (name, a.scale, c, d, t, T, T)
    lines = ["mean depth %.2f of %d; encoder %s MACs per LR pixel vs %s at fixed depth (%+.1f %%)" % (
                 mean_depth, d, "{:,.0f}".format(em), "{:,.0f}".format(ef), 100 * (em / ef - 1)),
             "Y-PSNR (heavy) %.2f dB vs %.2f dB at fixed depth%s" % (
                 pa, pf, "; model: %s iterations" % it if it else "")]
    img = render(hr, (h, w), dm, d, T, title, lines, side_by_side=a.side_by_side)
    if a.max_width and img.width > a.max_width:
        img = img.resize((a.max_width, round(img.height * a.max_width / img.width)), Image.LANCZOS)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    # a fixed palette (grey levels under each depth's tint, the legend colours, greys for
    # the text) keeps the photograph's PNG small and the legend's colours exact
    if a.grey_levels:
        img = img.quantize(palette=palette_image(d, a.grey_levels), dither=Image.NONE)
    img.save(a.out, optimize=True)
    print("wrote %s (%dx%d): %s; %s" % (a.out, img.width, img.height, lines[0], lines[1]))
    print("depth map (%dx%d tiles):" % dm.shape)
    for row in dm:
        print("  " + " ".join(str(v) for v in row))


if __name__ == "__main__":
    main()

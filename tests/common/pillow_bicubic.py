#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""anysr's bicubic path against Pillow's Image.resize(BICUBIC), pixel by pixel.

  pillow_bicubic.py engine PATH/TO/asr-rgba-tool WORKDIR
      libanysr's bicubic upscaling (the engine's internal mode, through asr-rgba-tool,
      format RGBx) on synthetic RGB images (smooth gradients, noise, hard edges,
      text-like strokes) at several sizes and per-axis scales: at least 99.9 % of the
      channel values within 1 of Pillow's and none more than 3 away, padding bytes 255.
      Prints the share and the largest difference per case and overall.

  pillow_bicubic.py element GST_LAUNCH [--keep DIR]
      the element (bicubic path) on a synthetic PNG (gradients, hard edges, a thin line
      pattern and noise):
          gst-launch-1.0 filesrc ! pngdec ! videoconvert ! video/x-raw,format=F !
              anysr ! video/x-raw,width=W,height=H ! filesink
      for several output sizes (integer, fractional, asymmetric, up to 8x) and formats,
      every pixel, borders included: |difference| <= 1 on at least 99.9 % of the
      pixels, alpha 255.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

from gst_raw import anysr_to_raw

try:
    BICUBIC = Image.Resampling.BICUBIC
except AttributeError:  # Pillow < 9.1
    BICUBIC = Image.BICUBIC


def pillow_bicubic(rgb, w, h):
    """Pillow's bicubic resize of an HxWx3 uint8 array (or RGB image) to w x h, as int16."""
    img = rgb if isinstance(rgb, Image.Image) else Image.fromarray(rgb, "RGB")
    return np.asarray(img.resize((w, h), BICUBIC), dtype=np.int16)


# ---- the engine (asr-rgba-tool)

def synthetic(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127.5 + 127.5 * np.sin(x / max(w, 1) * 6.3 + y / max(h, 1) * 2.0)
    g = 255.0 * x / max(w - 1, 1)
    b = 255.0 * ((x // 5 + y // 4) % 2)          # hard-edged checker
    img = np.stack([r, g, b], axis=-1)
    img += rng.normal(0.0, 12.0, img.shape)      # texture
    cx, cy = w * 0.6, h * 0.4                    # a dark disc with a sharp rim
    disc = (x - cx) ** 2 + (y - cy) ** 2 < (min(w, h) * 0.25) ** 2
    img[disc] = [20.0, 200.0, 40.0]
    img[h // 3, :, :] = 255.0                    # one-pixel line
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def run_engine_case(tool, workdir, w, h, ow, oh, seed):
    rgb = synthetic(w, h, seed)
    rgbx = np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=-1)
    src = os.path.join(workdir, "in-%d.raw" % seed)
    dst = os.path.join(workdir, "out-%d.raw" % seed)
    rgbx.tofile(src)
    subprocess.run([tool, "RGBx", str(w), str(h), str(ow), str(oh), src, dst], check=True)
    got = np.fromfile(dst, np.uint8).reshape(oh, ow, 4)
    want = pillow_bicubic(rgb, ow, oh)
    diff = np.abs(got[:, :, :3].astype(np.int16) - want)
    pad_ok = bool(np.all(got[:, :, 3] == 255))
    return diff, pad_ok


def engine_main(tool, workdir):
    os.makedirs(workdir, exist_ok=True)
    cases = [
        (48, 32, 1.0, 1.0), (48, 32, 1.5, 1.5), (48, 32, 2.0, 2.0), (37, 29, 2.5, 2.5),
        (40, 30, 3.0, 3.0), (33, 35, 3.7, 3.7), (40, 30, 1.5, 2.0), (40, 30, 1.0, 2.0),
        (40, 30, 2.0, 1.0), (64, 48, 1.333, 1.0), (17, 13, 4.0, 4.0), (9, 7, 8.0, 8.0),
        (31, 23, 1.25, 1.75),
    ]
    total = within = exact = 0
    worst = 0
    failed = False
    print("%-22s %10s %10s %5s" % ("case", "exact", "<=1 LSB", "max"))
    for i, (w, h, sx, sy) in enumerate(cases):
        ow, oh = int(round(w * sx)), int(round(h * sy))
        diff, pad_ok = run_engine_case(tool, workdir, w, h, ow, oh, 1000 + i)
        share = float(np.mean(diff <= 1))
        total += diff.size
        within += int(np.sum(diff <= 1))
        exact += int(np.sum(diff == 0))
        worst = max(worst, int(diff.max()))
        print("%3dx%-3d -> %4dx%-4d %9.4f%% %9.4f%% %5d" % (
            w, h, ow, oh, 100 * float(np.mean(diff == 0)), 100 * share, diff.max()))
        if share < 0.999 or diff.max() > 3 or not pad_ok:
            failed = True
            print("  FAIL (padding bytes 255: %s)" % pad_ok)
    share = within / total
    print("overall: %.4f%% of %d values within 1 LSB of Pillow (%.4f%% exact), max diff %d"
          % (100 * share, total, 100 * exact / total, worst))
    if share < 0.999:
        failed = True
    return 1 if failed else 0


# ---- the element (gst-launch-1.0)

IN_W, IN_H = 61, 47
# (width, height) of the outputs; the input is 61x47
SIZES = [
    (122, 94),   # 2x
    (153, 118),  # 2.5x, rounded
    (100, 47),   # (1.64, 1.0)
    (73, 141),   # (1.2, 3.0)
    (91, 70),    # 1.49x
    (488, 376),  # 8x
]
# formats checked (byte order in memory) and their channel order
FORMATS = {"RGBA": (0, 1, 2), "BGRx": (2, 1, 0)}
MIN_FRACTION = 0.999
MAX_LSB = 1


def make_image():
    rng = np.random.default_rng(20240611)
    y, x = np.mgrid[0:IN_H, 0:IN_W].astype(np.float64)
    r = 255.0 * x / (IN_W - 1)                       # horizontal ramp
    g = 255.0 * y / (IN_H - 1)                       # vertical ramp
    b = 127.5 + 127.5 * np.sin(x * 0.7) * np.cos(y * 0.5)
    img = np.stack([r, g, b], axis=-1)
    img[10:30, 20:40] = [250, 10, 10]                # a hard-edged box
    img[:, 45:47] = 0                                # a dark vertical bar
    img[::3, 5:15] = 255                             # thin lines
    img[0, :] = [0, 255, 0]                          # border rows/columns
    img[-1, :] = [255, 0, 255]
    img[:, 0] = [20, 20, 200]
    img += rng.normal(0.0, 12.0, img.shape)          # noise
    return Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "RGB")


def element_main(gst_launch, keep):
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = keep or tmp
        os.makedirs(out_dir, exist_ok=True)
        src = make_image()
        png = os.path.join(out_dir, "input-%dx%d.png" % (IN_W, IN_H))
        src.save(png)
        for fmt, order in FORMATS.items():
            for (w, h) in SIZES:
                raw = os.path.join(out_dir, "anysr-%s-%dx%d.raw" % (fmt, w, h))
                got, _ = anysr_to_raw(gst_launch, png, raw, w, h, in_format=fmt)
                rgb = got[:, :, list(order)].astype(np.int16)
                ref = pillow_bicubic(src, w, h)
                diff = np.abs(rgb - ref).max(axis=-1)
                ok = np.count_nonzero(diff <= MAX_LSB) / diff.size
                border = np.concatenate([diff[0], diff[-1], diff[:, 0], diff[:, -1]])
                alpha_ok = fmt != "RGBA" or bool(np.all(got[:, :, 3] == 255))
                good = ok >= MIN_FRACTION and alpha_ok
                print("%s %dx%d -> %dx%d (%.4g x %.4g): %.4f %% within %d LSB, "
                      "max %d, border max %d%s  %s"
                      % (fmt, IN_W, IN_H, w, h, w / IN_W, h / IN_H, 100.0 * ok,
                         MAX_LSB, diff.max(), border.max(),
                         "" if alpha_ok else ", alpha not 255",
                         "ok" if good else "FAIL"))
                if keep:
                    Image.fromarray(rgb.astype(np.uint8), "RGB").save(
                        os.path.join(out_dir, "anysr-%s-%dx%d.png" % (fmt, w, h)))
                    Image.fromarray(ref.astype(np.uint8), "RGB").save(
                        os.path.join(out_dir, "pillow-%dx%d.png" % (w, h)))
                failures += not good
    if failures:
        print("%d comparison(s) failed" % failures)
        return 1
    print("all comparisons within tolerance")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    eng = sub.add_parser("engine", help="libanysr through asr-rgba-tool")
    eng.add_argument("tool")
    eng.add_argument("workdir")
    elem = sub.add_parser("element", help="the element through gst-launch-1.0")
    elem.add_argument("gst_launch")
    elem.add_argument("--keep", help="keep the images in this folder")
    args = ap.parse_args()
    if args.what == "engine":
        return engine_main(args.tool, args.workdir)
    return element_main(args.gst_launch, args.keep)


if __name__ == "__main__":
    sys.exit(main())

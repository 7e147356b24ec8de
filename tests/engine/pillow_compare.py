#!/usr/bin/python3
"""Compare libanysr's bicubic upscaling with Pillow's Image.resize(BICUBIC).

usage: pillow_compare.py PATH/TO/asr-rgba-tool WORKDIR

For synthetic RGB images (smooth gradients, noise, hard edges, text-like
strokes) and several sizes and per-axis scales, runs the engine through
asr-rgba-tool (format RGBx) and Pillow, and requires that at least 99.9 % of
the channel values differ by at most 1 and none by more than 3. Prints the
share and the largest difference per case and overall.
"""
import os
import subprocess
import sys

import numpy as np
from PIL import Image

try:
    BICUBIC = Image.Resampling.BICUBIC
except AttributeError:  # Pillow < 9.1
    BICUBIC = Image.BICUBIC


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


def run_case(tool, workdir, w, h, ow, oh, seed):
    rgb = synthetic(w, h, seed)
    rgbx = np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=-1)
    src = os.path.join(workdir, "in-%d.raw" % seed)
    dst = os.path.join(workdir, "out-%d.raw" % seed)
    rgbx.tofile(src)
    subprocess.run([tool, "RGBx", str(w), str(h), str(ow), str(oh), src, dst], check=True)
    got = np.fromfile(dst, np.uint8).reshape(oh, ow, 4)
    want = np.asarray(Image.fromarray(rgb, "RGB").resize((ow, oh), BICUBIC))
    diff = np.abs(got[:, :, :3].astype(np.int16) - want.astype(np.int16))
    pad_ok = bool(np.all(got[:, :, 3] == 255))
    return diff, pad_ok


def main():
    tool, workdir = sys.argv[1], sys.argv[2]
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
        diff, pad_ok = run_case(tool, workdir, w, h, ow, oh, 1000 + i)
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


if __name__ == "__main__":
    sys.exit(main())

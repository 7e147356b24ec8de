#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""anysr through GStreamer vs Pillow's bicubic resize, pixel by pixel.

Makes a synthetic PNG (gradients, hard edges, a thin line pattern and noise),
runs

    gst-launch-1.0 filesrc ! pngdec ! videoconvert ! video/x-raw,format=F !
        anysr ! video/x-raw,width=W,height=H ! filesink

for several output sizes (integer, fractional, asymmetric, up to 8x) and
compares every pixel, borders included, with Image.resize((W, H),
Image.BICUBIC): |difference| <= 1 on at least 99.9 % of the pixels.

Usage: pillow_compare.py GST_LAUNCH [--keep DIR]
"""
import argparse
import os
import sys
import tempfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from gst_raw import anysr_to_raw  # noqa: E402

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gst_launch")
    ap.add_argument("--keep", help="keep the images in this folder")
    args = ap.parse_args()

    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or tmp
        os.makedirs(out_dir, exist_ok=True)
        src = make_image()
        png = os.path.join(out_dir, "input-%dx%d.png" % (IN_W, IN_H))
        src.save(png)
        for fmt, order in FORMATS.items():
            for (w, h) in SIZES:
                raw = os.path.join(out_dir, "anysr-%s-%dx%d.raw" % (fmt, w, h))
                got, _ = anysr_to_raw(args.gst_launch, png, raw, w, h, in_format=fmt)
                rgb = got[:, :, list(order)].astype(np.int16)
                ref = np.asarray(src.resize((w, h), Image.BICUBIC), dtype=np.int16)
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
                if args.keep:
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


if __name__ == "__main__":
    sys.exit(main())

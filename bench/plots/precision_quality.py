#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Y-PSNR through the element with fp16 and with fp32 feature maps (the precision
rows of docs/models.md): for each set and integer scale, every image (docs/testing.md#quality
protocol) through

    gst-launch-1.0 filesrc ! pngdec ! videoconvert ! anysr subnet=S decoder=heavy
        precision=P ! video/x-raw,width=W,height=H ! filesink

and the mean for each precision. Information, not a test (the quality suite
asserts Set5 x2); slow on lavapipe: Set14 takes minutes per scale and precision.

  precision_quality.py --sets Set5,Set14 --scales 2,4 [--subnet 3] [--limit N]
"""
import argparse
import os
import sys
import tempfile


import numpy as np
from PIL import Image

from anysr_train.datasets import DEFAULT_DATA
from anysr_train.eval_protocol import eval_images, prepare, psnr_y, shave_of
from gst_raw import anysr_to_raw


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gst-launch", default="gst-launch-1.0")
    ap.add_argument("--sets", default="Set5,Set14")
    ap.add_argument("--scales", default="2,4")
    ap.add_argument("--subnet", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="first N images of each set (0: all)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="anysr-prec-")
    print("| set | scale | images | fp32 | fp16 | fp16 - fp32 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in a.sets.split(","):
        imgs = eval_images(name, DEFAULT_DATA)
        if a.limit:
            imgs = imgs[:a.limit]
        for s in (int(v) for v in a.scales.split(",")):
            res = {"fp32": [], "fp16": []}
            for iname, hr0 in imgs:
                hr, lr = prepare(hr0, s, s)
                H, W = hr.shape[:2]
                png = os.path.join(work, "lr.png")
                Image.fromarray(lr).save(png)
                for prec in res:
                    out, _ = anysr_to_raw(a.gst_launch, png, os.path.join(work, "out.rgba"), W, H,
                                          props=[("subnet", a.subnet), ("decoder", "heavy"),
                                                 ("precision", prec)],
                                          out_caps="format=RGBA,", timeout=1800, strict=True)
                    res[prec].append(psnr_y(out[..., :3], hr, shave_of(s, s)))
            f32, f16 = float(np.mean(res["fp32"])), float(np.mean(res["fp16"]))
            print("| %s | x%d | %d | %.3f | %.3f | %+.4f |" % (name, s, len(imgs), f32, f16, f16 - f32),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

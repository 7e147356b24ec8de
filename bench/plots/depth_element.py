#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Spatial depth through the element (its acceptance measurement): PSNR and encoder MACs per
depth target, on B100 and Set14 x2 (the quality protocol, docs/testing.md#quality), full width.

For every image: HR modcropped, LR = Pillow bicubic (train/anysr_train/eval_protocol.py prepare), saved
as a PNG; then per depth target t

    gst-launch-1.0 -m filesrc location=lr.png ! pngdec ! videoconvert !
        video/x-raw,format=RGBA ! anysr subnet=TOP decoder=heavy depth-target=t !
        video/x-raw,format=RGBA,width=W,height=H ! filesink

The anysr-stats message gives the frame's MACs (work that ran), mean-depth and
macs-skipped; the output's Y-PSNR (shave = scale) is taken against HR. t = 1 is the
same width at full depth (every tile runs every block). Encoder MACs per LR pixel =
full-depth encoder MACs x (1 - macs-skipped) + the adapter's per-pixel layer.

  PYTHONPATH=train /usr/bin/python3 bench/plots/depth_element.py --work /tmp/depth --targets 1,0.8,0.65,0.5 [--sets B100,Set14]
        [--json out.json] [--md out.md] [--limit N]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

import numpy as np
from PIL import Image

from anysr_train.datasets import DEFAULT_DATA
from anysr_train.eval_protocol import eval_images, prepare, psnr_y, shave_of
from anysr_train.network import adapter_macs_per_pixel, encoder_macs_per_pixel
from anysr_train import model_file

FIELD = r"%s=\(\w+\)([-+0-9.eE]+|true|false|\"?[a-z0-9]+\"?)"


def stats_of(out):
    """The last anysr-stats message of a gst-launch-1.0 -m output, as a dict."""
    msgs = [l for l in out.splitlines() if "anysr-stats" in l]
    if not msgs:
        return None
    line = msgs[-1]
    r = {}
    for name in ("macs", "mean-depth", "macs-skipped", "depth-target", "width", "depth",
                 "wall-ms", "gpu-ms"):
        m = re.search(FIELD % re.escape(name), line)
        if m:
            try:
                r[name] = float(m.group(1))
            except ValueError:
                r[name] = m.group(1)
    return r


def run(gst, png, raw, W, H, props, timeout=900):
    cmd = [gst, "-m", "filesrc", "location=" + png, "!", "pngdec", "!", "videoconvert", "!",
           "video/x-raw,format=RGBA", "!", "anysr"] + ["%s=%s" % kv for kv in props] + [
           "!", "video/x-raw,format=RGBA,width=%d,height=%d" % (W, H), "!", "filesink",
           "location=" + raw]
    if os.path.exists(raw):
        os.unlink(raw)
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=timeout)
    if res.returncode != 0:
        print(" ".join(cmd))
        print(res.stdout[-4000:])
        raise SystemExit("gst-launch-1.0 failed")
    st = stats_of(res.stdout)
    if st is None or "macs" not in st:
        print(res.stdout[-4000:])
        raise SystemExit("no anysr-stats message with macs (is depth-target a property?)")
    data = np.fromfile(raw, dtype=np.uint8)
    if data.size != W * H * 4:
        raise SystemExit("%s: %d bytes, expected %d" % (raw, data.size, W * H * 4))
    return data.reshape(H, W, 4)[..., :3], st


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gst-launch", default="gst-launch-1.0")
    ap.add_argument("--work", required=True)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "anysr-default.safetensors"),
                    help="the element's embedded model (for the arch and cost model)")
    ap.add_argument("--sets", default="B100,Set14")
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--targets", default="1,0.8,0.65,0.5")
    ap.add_argument("--subnet", default="top", help="ladder index, or top")
    ap.add_argument("--limit", type=int, default=0, help="first N images of each set (0: all)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--md", default=None)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    _, arch, _ = model_file.load_model(a.model)
    ladder = [tuple(x) for x in arch["ladder"]]
    sn = len(ladder) - 1 if a.subnet == "top" else int(a.subnet)
    c, d = ladder[sn]
    full_enc = encoder_macs_per_pixel(c, d, arch)
    ad = adapter_macs_per_pixel(arch)
    targets = [float(t) for t in a.targets.split(",")]
    s = a.scale
    results = {}
    t0 = time.time()
    for name in a.sets.split(","):
        imgs = eval_images(name, DEFAULT_DATA)
        if a.limit:
            imgs = imgs[:a.limit]
        per = {t: {"psnr": [], "enc": [], "depth": []} for t in targets}
        for i, (fn, hr) in enumerate(imgs):
            hr, lr = prepare(hr, s, s)
            png = os.path.join(a.work, "%s_%03d.png" % (name, i))
            Image.fromarray(lr).save(png)
            H, W = hr.shape[0], hr.shape[1]
            for t in targets:
                out, st = run(a.gst_launch, png, os.path.join(a.work, "out.raw"), W, H,
                              [("subnet", sn), ("decoder", "heavy"), ("depth-target", t)])
                p = psnr_y(out, hr, shave_of(s, s))
                skipped = st.get("macs-skipped", 0.0)
                enc = full_enc * (1.0 - skipped) + (ad if t < 1 else 0.0)
                per[t]["psnr"].append(p)
                per[t]["enc"].append(enc)
                per[t]["depth"].append(st.get("mean-depth", d))
            print("%s %3d/%d %-12s %s  (%.0f s)" % (name, i + 1, len(imgs), os.path.basename(str(fn))[:12],
                  "  ".join("t=%.2f %.2f dB %.0fK" % (t, per[t]["psnr"][-1], per[t]["enc"][-1] / 1e3)
                            for t in targets), time.time() - t0), flush=True)
        base = per[targets[0]] if targets[0] >= 1 else None
        res = {}
        for t in targets:
            r = {"psnr": float(np.mean(per[t]["psnr"])), "enc_macs_per_px": float(np.mean(per[t]["enc"])),
                 "mean_depth": float(np.mean(per[t]["depth"])), "images": len(per[t]["psnr"])}
            if base is not None:
                r["psnr_loss_db"] = float(np.mean(base["psnr"]) - r["psnr"])
                r["enc_macs_drop"] = float(1.0 - r["enc_macs_per_px"] / np.mean(base["enc"]))
            res["%g" % t] = r
        results[name] = res
    lines = ["| set x%d | depth target | Y-PSNR dB | loss vs full depth dB | encoder MACs / LR px | drop | mean depth |" % s,
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, res in results.items():
        for t, r in res.items():
            lines.append("| %s | %s | %.3f | %s | %.0f | %s | %.2f |" % (
                name, t, r["psnr"], "%.3f" % r["psnr_loss_db"] if "psnr_loss_db" in r else "",
                r["enc_macs_per_px"], "%.1f %%" % (100 * r["enc_macs_drop"]) if "enc_macs_drop" in r else "",
                r["mean_depth"]))
    md = "\n".join(lines)
    print(md)
    meta = {"op": [c, d], "decoder": "heavy", "scale": s, "model": os.path.basename(a.model),
            "command": " ".join(sys.argv), "results": results}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(meta, f, indent=1)
    if a.md:
        with open(a.md, "w") as f:
            f.write(md + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

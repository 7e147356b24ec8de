"""Markdown for the model section of docs/models.md from a model file's metadata:
training curve, quality table (docs/testing.md#quality) and the quality bars.

  /usr/bin/python3 train/report.py [--model models/anysr-default.safetensors]
"""

import argparse
import json
import os

from .paths import TRAIN_DIR
from . import safetensors_io
from . import evaluate as ev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(TRAIN_DIR, "..", "models", "anysr-default.safetensors"))
    a = ap.parse_args()
    _, meta = safetensors_io.load(a.model)
    arch = json.loads(meta["anysr.arch"])
    tr = json.loads(meta["anysr.train"])
    print("Model: %d training iterations, default k = %g, p(full) = %s.\n" % (
        tr["iterations"], arch["default_k"], tr.get("p_full")))
    if tr.get("curve"):
        print("Training curve (EMA weights, Set5 x2, Y-PSNR dB):\n")
        print("| iteration | full (32,8) heavy | cheapest (8,2) light |")
        print("| ---: | ---: | ---: |")
        for c in tr["curve"]:
            print("| %d | %.3f | %.3f |" % (c["it"], c["full_heavy_x2"], c["min_light_x2"]))
        print()
    rows = tr.get("psnr", [])
    if rows:
        full_rows = rows
        print("Quality (docs/testing.md#quality protocol; Y-PSNR dB; MACs per output pixel, mean over the set):\n")
        print(ev.markdown(full_rows))
        for desc, ok, v in ev.check_bars(full_rows, arch):
            print("- %s %s: %s" % ("PASS" if ok else "**FAIL**", desc, v))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Quality vs cost of every operating point, from a model file's metadata table.

The table is `anysr.train`'s `psnr` list in the safetensors `__metadata__` (measured by
train/export.py with train/eval.py's quality protocol, docs/testing.md#quality).  Left: Y-PSNR vs MACs
per output pixel (the table's macs_* columns, or train/anysr_train/network.py's macs() when the
table has none), for the heavy, light and routed decoders of every ladder rung, with
bicubic and the model's quality bars as dashed lines.  Right (with --bench-csv): Y-PSNR vs the
GPU ms per frame measured by anysr-bench for the same ops.

  PYTHONPATH=train /usr/bin/python3 bench/plots/quality_cost.py [--model models/anysr-default.safetensors] \
      [--set Set5] [--scale x2] [--bench-csv ops.csv] [--out bench/quality-cost.png]
"""

import argparse
import csv
import json
import math
import os

from anysr_train import safetensors_io
from pngplot import COLORS, Figure

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)

MODES = ("heavy", "light", "routed")
SHAPES = {"heavy": "s", "light": "o", "routed": "^"}
BARS = {("Set5", "x2"): (36.8, 35.2), ("Set5", "x3"): (32.9, 31.6), ("Set5", "x4"): (30.5, 29.4),
        ("Set14", "x2"): (32.4, 31.5), ("B100", "x2"): (31.4, 30.7)}


def macs_per_px(row, mode, arch):
    key = "macs_" + mode
    if key in row:
        return float(row[key])
    from anysr_train.network import Op, macs  # train/anysr_train/network.py (torch): only when the table lacks MACs
    sx, sy = float(row.get("sx", 2.0)), float(row.get("sy", row.get("sx", 2.0)))
    h = w = 128
    H, W = int(round(h * sy)), int(round(w * sx))
    hf = {"heavy": 1.0, "light": 0.0, "routed": float(row.get("heavy_share", 0.5))}[mode]
    return macs(Op(row["width"], row["depth"], mode, 0.0), h, w, H, W, hf, arch) / (H * W)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(BENCH, "..", "models", "anysr-default.safetensors"))
    ap.add_argument("--set", default="Set5")
    ap.add_argument("--scale", default="x2", help="as the table names it: x2, x2.5, (1.5,2) ...")
    ap.add_argument("--bench-csv", default=None, help="anysr-bench --csv output for a measured-time panel")
    ap.add_argument("--out", default=os.path.join(BENCH, "quality-cost.png"))
    a = ap.parse_args()

    _, meta = safetensors_io.load(a.model)
    arch = json.loads(meta["anysr.arch"])
    tr = json.loads(meta.get("anysr.train", "{}"))
    rows = [r for r in tr.get("psnr", []) if r["set"] == a.set and r["scale"] == a.scale]
    if not rows:
        raise SystemExit("%s: no %s %s rows in the anysr.train table" % (a.model, a.set, a.scale))
    bic = rows[0]["bicubic"]
    bars = BARS.get((a.set, a.scale))

    pts = []  # (width, depth, mode, macs/px, psnr, heavy share)
    for r in rows:
        for m in MODES:
            pts.append((r["width"], r["depth"], m, macs_per_px(r, m, arch), r[m], r.get("heavy_share")))
    bench = {}
    if a.bench_csv:
        with open(a.bench_csv) as f:
            for r in csv.DictReader(f):
                if r["op"] == "net":
                    bench[(int(r["width"]), int(r["depth"]), r["decoder"])] = r
    panels = 2 if bench else 1
    fig = Figure(620 * panels, 520)
    ys = [p[4] for p in pts] + [bic] + (list(bars) if bars else [])
    ylim = (math.floor(min(ys) * 2 - 0.6) / 2, math.ceil(max(ys) * 2 + 0.6) / 2)
    ladder = sorted({(p[0], p[1]) for p in pts})
    col = {wd: COLORS[i % len(COLORS)] for i, wd in enumerate(ladder)}

    def draw(ax, xof):
        ax.hline(bic, "#555555", label="bicubic %.2f" % bic)
        if bars:
            ax.hline(bars[0], "#d62728", label="bar full op %.1f" % bars[0])
            ax.hline(bars[1], "#9467bd", label="bar cheapest op %.1f" % bars[1])
        for m in MODES:  # one line per decoder across the ladder
            s = sorted((xof(p), p[4]) for p in pts if p[2] == m and xof(p) is not None)
            if s:
                ax.line([x for x, _ in s], [y for _, y in s], "#bbbbbb", width=1, dash=(m == "routed"))
        for p in pts:
            x = xof(p)
            if x is not None:
                ax.marker(ax.px(x), ax.py(p[4]), col[(p[0], p[1])], SHAPES[p[2]], 6)
        items = [(col[wd], "(%d,%d)" % wd, "o") for wd in ladder]
        items += [("#ffffff", m + (" (k %g)" % arch.get("default_k", 0) if m == "routed" else ""), SHAPES[m])
                  for m in MODES]
        ax.legend(items, corner="tl")

    xs = [p[3] for p in pts]
    ax = fig.axes(0, 0, 620, 520, title="%s %s: quality vs cost (model metadata, %s iterations)" % (
        a.set, a.scale, tr.get("iterations", "?")), xlabel="MACs per output pixel (log)",
        ylabel="Y-PSNR (dB)", xlim=(min(xs) / 1.3, max(xs) * 1.3), ylim=ylim, xlog=True)
    draw(ax, lambda p: p[3])
    if bench:
        def ms(p):
            r = bench.get((p[0], p[1], p[2]))
            return float(r["gpu_ms"]) if r else None
        bx = [ms(p) for p in pts if ms(p) is not None]
        any_r = next(iter(bench.values()))
        ax2 = fig.axes(620, 0, 620, 520, title="measured: anysr-bench %sx%s -> %sx%s, GPU ms per frame" % (
            any_r["in_w"], any_r["in_h"], any_r["out_w"], any_r["out_h"]), xlabel="GPU ms per frame (log)",
            ylabel="Y-PSNR (dB)", xlim=(min(bx) / 1.3, max(bx) * 1.3), ylim=ylim, xlog=True)
        draw(ax2, ms)
    fig.save(a.out)
    print("wrote %s" % a.out)


if __name__ == "__main__":
    main()

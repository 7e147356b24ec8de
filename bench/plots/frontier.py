#!/usr/bin/python3
"""Quality vs encoder cost frontier: fixed depth against spatial depth (AdaDSR).

Two panels, B100 x2 and Set14 x2: Y-PSNR (docs/testing.md#quality, heavy decoder) against the
encoder MACs per LR pixel actually run (train/anysr_train/network.py encoder_macs_adaptive on the
depth maps: head, adapter pixel layer, the blocks each tile ran, tail; scale attention
not counted; mean over the set).  Series:

  - the fixed-depth ladder (8,2) (16,4) (24,6) (32,8)
  - width 32 at fixed depth d = 2, 4, 6, 8
  - width 32, depth 8 with spatial depth at several targets t (--targets)
  - with --small-ops: the smaller ladder ops with spatial depth (--small-targets)
  - the frontier of all of them (dashed black): the points that no cheaper point
    beats in PSNR, drawn when it holds a spatial-depth point

The rows come from a json (--json: this script's own --save-json, or train/eval.py
--json with --targets, whose depth_rows it reads); points the json lacks are measured
with the model (train/eval.py evaluate_depth), unless --no-compute.

  PYTHONPATH=train /usr/bin/python3 bench/plots/frontier.py --model models/anysr-default.safetensors
  PYTHONPATH=train /usr/bin/python3 bench/plots/frontier.py --ckpt train/runs/snap_0030000.pt --limit 20   # quick look
  PYTHONPATH=train /usr/bin/python3 bench/plots/frontier.py --json bench/results/frontier-x2.json          # re-plot only
"""

import argparse
import json
import math
import os
import time

from pngplot import COLORS, Figure

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
RESULTS = os.path.join(BENCH, "results")
SETS = ["B100", "Set14"]
TARGETS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
SMALL_TARGETS = [0.4, 0.6, 0.8]


def wanted_points(arch, targets, small_ops, small_targets):
    """(width, depth, target) of every series; target 1.0 = fixed depth."""
    ladder = [tuple(x) for x in arch["ladder"]]
    F, D = arch["F"], arch["D"]
    pts = [(c, d, 1.0) for c, d in ladder]
    pts += [(F, d, 1.0) for d in range(2, D + 1, 2)]
    if arch.get("depth_tile", 0):
        pts += [(F, D, t) for t in targets]
        if small_ops:
            pts += [(c, d, t) for c, d in ladder[:-1] for t in small_targets]
    out = []
    for p in pts:
        if p not in out:
            out.append(p)
    return out


def key(r):
    return (r["set"], r["width"], r["depth"], round(float(r.get("target", 1.0)), 4))


def load_rows(path):
    with open(path) as f:
        j = json.load(f)
    rows = j.get("depth_rows") or []
    if not rows:  # a plain eval.py json: fixed-depth rows
        from anysr_train import evaluate as ev
        rows = ev.fixed_depth_rows(j.get("rows", []))
    return [r for r in rows if r.get("scale") == "x2" and "heavy" in r], j


def pareto(rows):
    """The rows no cheaper (or equally cheap) row beats in PSNR, by cost."""
    out = []
    for r in sorted(rows, key=lambda r: (r["enc_macs"], -r["heavy"])):
        if not out or r["heavy"] > out[-1]["heavy"]:
            out.append(r)
    return out


def plot(rows, arch, out, title_note=""):
    F, D = arch["F"], arch["D"]
    ladder = [tuple(x) for x in arch["ladder"]]
    sets = [s for s in SETS if any(r["set"] == s for r in rows)]
    fig = Figure(660 * len(sets), 584)
    for i, s in enumerate(sets):
        rs = {key(r)[1:]: r for r in rows if r["set"] == s}
        xs = [r["enc_macs"] / 1e3 for r in rs.values()]
        ys = [r["heavy"] for r in rs.values()]
        n_img = max(r.get("images", 0) for r in rs.values())
        ax = fig.axes(660 * i, 0, 660, 560,
                      title="%s x2 (%s images): Y-PSNR vs encoder cost%s" % (s, n_img or "all", title_note),
                      xlabel="encoder MACs per LR pixel actually run (thousands)", ylabel="Y-PSNR heavy (dB)",
                      xlim=(0, max(xs) * 1.08), ylim=(math.floor(min(ys) * 4 - 0.4) / 4,
                                                     math.ceil(max(ys) * 4 + 0.4) / 4))
        items = []
        placed = []  # label positions, so that coinciding points are labelled once

        queue = []  # labels, placed at the end in order of priority

        def series(pts, color, shape, label, dash=False, labels=None, prio=0):
            pts = [p for p in pts if p in rs]
            if not pts:
                return
            pts.sort(key=lambda p: rs[p]["enc_macs"])
            ax.line([rs[p]["enc_macs"] / 1e3 for p in pts], [rs[p]["heavy"] for p in pts], color, width=2, dash=dash)
            for p in pts:
                x, y = ax.px(rs[p]["enc_macs"] / 1e3), ax.py(rs[p]["heavy"])
                ax.marker(x, y, color, shape, 5)
                lab = labels(p) if labels else ""
                if lab:
                    queue.append((prio, x, y, rs[p], lab, color))
            items.append((color, label, shape))

        small = []
        for j, (c, d) in enumerate(ladder[:-1]):  # drawn first: the main series stay on top
            sp = sorted(p for p in rs if p[:2] == (c, d) and p[2] < 1.0)
            if sp:
                series(sp + [(c, d, 1.0)], COLORS[4 + j % 4], "d", "(%d,%d) spatial depth" % (c, d), dash=True,
                       labels=lambda p: "t=%g" % p[2] if p[2] < 1 else "", prio=3)
                small.append(items.pop())
        series([(c, d, 1.0) for c, d in ladder], COLORS[0], "s", "fixed-depth ladder (c,d)",
               labels=lambda p: "(%d,%d)" % p[:2])
        series([(F, d, 1.0) for d in range(2, D + 1, 2)], COLORS[1], "o", "width %d, fixed depth d" % F,
               labels=lambda p: "d=%d" % p[1] if p[1] < D else "", prio=1)
        ts = sorted(p for p in rs if p[:2] == (F, D) and p[2] < 1.0)
        series(ts + [(F, D, 1.0)], COLORS[3], "^", "width %d, depth %d, spatial depth target t" % (F, D),
               labels=lambda p: "t=%g" % p[2] if p[2] < 1 else "", prio=2)
        # the frontier: the points no cheaper point beats, drawn when spatial depth is on it
        pts = pareto(list(rs.values()))
        if any(r["target"] < 1.0 for r in pts):
            ax.line([r["enc_macs"] / 1e3 for r in pts], [r["heavy"] for r in pts], "#000000", width=1, dash=True)
            items.append(("#000000", "frontier with spatial depth (no point cheaper and better)", "dash"))
        for _, x, y, r, lab, color in sorted(queue, key=lambda q: q[0]):
            if all(abs(x - u) > 34 or abs(y - v) > 12 for u, v in placed):
                placed.append((x, y))
                ax.text(r["enc_macs"] / 1e3, r["heavy"], "  " + lab, color, anchor="lm")
        ax.legend(items + small, corner="br")
    fig.note(8, 562, "Y-PSNR: the quality protocol of docs/testing.md (Pillow bicubic LR, 8-bit, Y BT.601, shave 2). Encoder MACs per LR "
                     "pixel from the tiles' depth maps (head, adapter, blocks run, tail); fixed depth has no adapter.")
    fig.save(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(BENCH, "..", "models", "anysr-default.safetensors"))
    ap.add_argument("--ckpt", default=None, help="a training checkpoint or snapshot instead of --model")
    ap.add_argument("--json", default=None, help="rows to plot (this script's --save-json or eval.py --json)")
    ap.add_argument("--no-compute", action="store_true", help="plot the json's rows only")
    ap.add_argument("--targets", default=",".join("%g" % t for t in TARGETS))
    ap.add_argument("--small-ops", action="store_true", help="also the smaller ladder ops with spatial depth")
    ap.add_argument("--small-targets", default=",".join("%g" % t for t in SMALL_TARGETS))
    ap.add_argument("--limit", type=int, default=0, help="at most N images per set (evenly spread; 0: all)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default=os.path.join(RESULTS, "frontier-x2.png"))
    ap.add_argument("--save-json", default=None, help="default: the --out path with .json")
    a = ap.parse_args()

    rows, src, arch, it = [], {}, None, None
    if a.json:
        rows, src = load_rows(a.json)
        it = src.get("iterations")
        arch = src.get("arch")
    model = None
    if not a.no_compute:
        import torch
        from anysr_train import evaluate as ev
        from anysr_train.datasets import DEFAULT_DATA
        torch.set_num_threads(a.threads)
        model, arch, info = ev.load_any(None if a.ckpt else a.model, a.ckpt)
        it = (info or {}).get("iterations", it)
        targets = [float(x) for x in a.targets.split(",") if x]
        small = [float(x) for x in a.small_targets.split(",") if x]
        have = {key(r) for r in rows}
        pts = [p for p in wanted_points(arch, targets, a.small_ops, small)
               if any((s,) + (p[0], p[1], round(p[2], 4)) not in have for s in SETS)]
        if pts:
            t0 = time.time()
            new = ev.evaluate_depth(model, arch, SETS, [(2.0, 2.0)], pts, modes=("heavy",),
                                    data_root=a.data or DEFAULT_DATA, limit=a.limit)
            print("measured %d points on %s in %.0f s" % (len(pts), "/".join(SETS), time.time() - t0))
            rows = [r for r in rows if key(r) not in {key(n) for n in new}] + new
    if arch is None:
        from anysr_train.network import ARCH as arch  # noqa: N811
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    note = ", %s iterations" % it if it else ""
    plot(rows, arch, a.out, note)
    print("wrote %s" % a.out)
    if not a.no_compute:
        sj = a.save_json or os.path.splitext(a.out)[0] + ".json"
        with open(sj, "w") as f:
            json.dump({"iterations": it, "arch": arch, "depth_rows": rows}, f, indent=1)
        print("wrote %s" % sj)
    for s in SETS:
        print("%s x2:" % s)
        for r in sorted((r for r in rows if r["set"] == s), key=lambda r: (r["width"], r["depth"], -r["target"])):
            print("  (%2d,%d) %-6s heavy %.3f  enc MACs/LR px %9s  vs fixed %s  mean depth %.2f" % (
                r["width"], r["depth"], "fixed" if r["target"] >= 1 else "t=%g" % r["target"], r["heavy"],
                "{:,.0f}".format(r["enc_macs"]), "-" if r["target"] >= 1 else "%+.1f %%" % (-100 * r["mac_drop"]),
                r["mean_depth"]))


if __name__ == "__main__":
    main()

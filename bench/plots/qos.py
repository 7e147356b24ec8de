#!/usr/bin/python3
"""Plot an anysr-bench --qos per-frame CSV: operating point and frame time over the frames.

Top: the op point the controller chose per frame (and the subnet / decoder it stands
for).  Bottom: wall ms and GPU ms per frame beside the budget.  Shaded: frames under
load (competing engines; the darker, the more).

  anysr-bench --qos --target-fps auto --frames 120 --load-step 40:1 --load-step 80:0 --csv qos.csv
  /usr/bin/python3 bench/plots/qos.py qos.csv [--out bench/qos.png]
"""

import argparse
import csv
import os

from pngplot import Figure

LOAD_SHADE = ["#ffffff", "#fde9d9", "#fbd3b6", "#f8bd92", "#f6a76f"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("--out", default=None, help="default: the CSV's name with .png")
    ap.add_argument("--title", default=None)
    a = ap.parse_args()
    with open(a.csv) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit("%s: no frames" % a.csv)
    fr = [int(r["frame"]) for r in rows]
    pt = [int(r["op_point"]) for r in rows]
    wall = [float(r["wall_ms"]) for r in rows]
    gpu = [float(r["gpu_ms"]) for r in rows]
    bud = [float(r["budget_ms"]) for r in rows]
    load = [int(r["load"]) for r in rows]
    names = {}
    for r in rows:
        names.setdefault(int(r["op_point"]), "(%s,%s) %s" % (r["width"], r["depth"], r["decoder"]))
    n = len(rows)
    within = sum(w <= b for w, b in zip(wall, bud))

    fig = Figure(1000, 720)
    xl = (0, (max(fr) + 1) * 1.2)  # room on the right for the op point names
    top = max(pt) + 1

    def shade(ax):
        i = 0
        while i < n:
            j = i
            while j < n and load[j] == load[i]:
                j += 1
            if load[i] > 0:
                ax.band(fr[i] - 0.5, fr[j - 1] + 0.5, LOAD_SHADE[min(load[i], len(LOAD_SHADE) - 1)])
            i = j

    title = a.title or "QoS load-step replay: %d frames, %.1f %% within budget" % (n, 100.0 * within / n)
    ax = fig.axes(0, 0, 1000, 300, title=title, xlabel="", ylabel="op point", xlim=xl,
                  ylim=(-0.5, max(top, 1) + 0.5))
    shade(ax)
    ax.line(fr, pt, "#1f77b4", width=3, step=True)
    for p, s in sorted(names.items()):
        ax.text(xl[1], p, " %d = %s" % (p, s), "#1f77b4", anchor="rm")
    ax2 = fig.axes(0, 300, 1000, 420, title="", xlabel="frame", ylabel="ms per frame", xlim=xl,
                   ylim=(0, max(max(wall), max(bud)) * 1.15))
    shade(ax2)
    ax2.line(fr, bud, "#d62728", width=2, dash=True)
    ax2.line(fr, gpu, "#2ca02c", width=1)
    ax2.line(fr, wall, "#1f77b4", width=2)
    items = [("#1f77b4", "wall ms (asr_engine_process)", "line"), ("#2ca02c", "GPU ms", "line"),
             ("#d62728", "budget = 1000 / target fps", "dash")]
    for l in sorted(set(load) - {0}):
        items.append((LOAD_SHADE[min(l, len(LOAD_SHADE) - 1)], "%d competing engine(s)" % l, "band"))
    ax2.legend(items, corner="tl")
    out = a.out or os.path.splitext(a.csv)[0] + ".png"
    fig.save(out)
    print("wrote %s" % out)


if __name__ == "__main__":
    main()

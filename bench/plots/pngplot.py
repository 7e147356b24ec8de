"""Minimal line / scatter charts drawn with Pillow's ImageDraw (no matplotlib needed).

    fig = Figure(900, 600)
    ax = fig.axes(0, 0, 900, 600, title="...", xlabel="...", ylabel="...",
                  xlim=(a, b), ylim=(c, d), xlog=False)
    ax.line(xs, ys, color, width=2, step=False, dash=False)
    ax.points(xs, ys, color, shape="o", size=5)
    ax.hline(y, color, dash=True); ax.band(x0, x1, color)   # shaded x range
    ax.text(x, y, "label", color)                             # data coordinates
    ax.legend([(color, "label", "line"|"o"|"s"|"^"), ...])
    fig.save("out.png")
"""

import math
import os

from PIL import Image, ImageDraw, ImageFont

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _font(size):
    for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/TTF/DejaVuSans.ttf"):
        if os.path.exists(p):
            return ImageFont.truetype(p, size)
    return ImageFont.load_default()


def nice_ticks(lo, hi, n=6):
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    t = math.ceil(lo / step) * step
    out = []
    while t <= hi + 1e-9 * step:
        out.append(round(t, 10))
        t += step
    return out


def fmt_tick(v):
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6:
        return "%gM" % (v / 1e6)
    if a >= 1e4:
        return "%gk" % (v / 1e3)
    if a < 1e-2:
        return "%.2g" % v
    return ("%.2f" % v).rstrip("0").rstrip(".")


class Axes:
    def __init__(self, fig, x, y, w, h, title="", xlabel="", ylabel="", xlim=(0, 1), ylim=(0, 1),
                 xlog=False):
        self.fig, self.d = fig, fig.draw
        self.xlog = xlog
        self.xlim, self.ylim = xlim, ylim
        self.f, self.fs, self.ft = fig.font, fig.small, fig.title_font
        # plot area inside the margins
        self.x0, self.y0 = x + 70, y + 34
        self.x1, self.y1 = x + w - 20, y + h - 48
        d = self.d
        d.rectangle([self.x0, self.y0, self.x1, self.y1], outline="black")
        if title:
            d.text(((self.x0 + self.x1) / 2, y + 6), title, fill="black", font=self.ft, anchor="ma")
        if xlabel:
            d.text(((self.x0 + self.x1) / 2, y + h - 20), xlabel, fill="black", font=self.f, anchor="ma")
        if ylabel:
            im = Image.new("RGBA", (int(self.y1 - self.y0), 22), (255, 255, 255, 0))
            ImageDraw.Draw(im).text((im.width / 2, 2), ylabel, fill="black", font=self.f, anchor="ma")
            im = im.rotate(90, expand=True)
            fig.img.paste(im, (int(x + 4), int(self.y0)), im)
        # ticks
        if xlog:
            lo, hi = math.log10(xlim[0]), math.log10(xlim[1])
            xt = [10 ** e * m for e in range(int(math.floor(lo)), int(math.ceil(hi)) + 1) for m in (1, 2, 5)]
            xt = [t for t in xt if xlim[0] <= t <= xlim[1]]
        else:
            xt = nice_ticks(*xlim)
        for t in xt:
            px = self.px(t)
            d.line([px, self.y1, px, self.y1 + 5], fill="black")
            d.line([px, self.y0, px, self.y1], fill="#e6e6e6")
            d.text((px, self.y1 + 7), fmt_tick(t), fill="black", font=self.fs, anchor="ma")
        for t in nice_ticks(*ylim):
            py = self.py(t)
            d.line([self.x0 - 5, py, self.x0, py], fill="black")
            d.line([self.x0 + 1, py, self.x1 - 1, py], fill="#e6e6e6")
            d.text((self.x0 - 8, py), fmt_tick(t), fill="black", font=self.fs, anchor="rm")
        d.rectangle([self.x0, self.y0, self.x1, self.y1], outline="black")

    def px(self, v):
        if self.xlog:
            a, b, v = math.log10(self.xlim[0]), math.log10(self.xlim[1]), math.log10(max(v, 1e-300))
        else:
            a, b = self.xlim
        return self.x0 + (v - a) / (b - a) * (self.x1 - self.x0)

    def py(self, v):
        a, b = self.ylim
        return self.y1 - (v - a) / (b - a) * (self.y1 - self.y0)

    def _clip(self, p):
        return (min(max(p[0], self.x0), self.x1), min(max(p[1], self.y0), self.y1))

    def _seg(self, a, b, color, width, dash):
        if not dash:
            self.d.line([a, b], fill=color, width=width)
            return
        L = math.hypot(b[0] - a[0], b[1] - a[1])
        n = max(1, int(L / 6))
        for i in range(0, n, 2):
            t0, t1 = i / n, min(1.0, (i + 1) / n)
            self.d.line([(a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0),
                         (a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1)], fill=color, width=width)

    def line(self, xs, ys, color, width=2, step=False, dash=False):
        pts = [self._clip((self.px(x), self.py(y))) for x, y in zip(xs, ys)]
        if step:
            sp = []
            for i, p in enumerate(pts):
                if i:
                    sp.append((p[0], sp[-1][1]))
                sp.append(p)
            pts = sp
        if not dash:
            for a, b in zip(pts[:-1], pts[1:]):
                self._seg(a, b, color, width, False)
            return
        # dashes along the whole polyline (6 px on, 6 px off)
        pos = 0.0
        for a, b in zip(pts[:-1], pts[1:]):
            L = math.hypot(b[0] - a[0], b[1] - a[1])
            t = 0.0
            while t < L:
                ph = pos % 12.0
                run = min((6.0 if ph < 6.0 else 12.0) - ph, L - t)
                if ph < 6.0:
                    p0 = (a[0] + (b[0] - a[0]) * t / L, a[1] + (b[1] - a[1]) * t / L)
                    p1 = (a[0] + (b[0] - a[0]) * (t + run) / L, a[1] + (b[1] - a[1]) * (t + run) / L)
                    self.d.line([p0, p1], fill=color, width=width)
                t += run
                pos += run

    def points(self, xs, ys, color, shape="o", size=5):
        for x, y in zip(xs, ys):
            self.marker(self.px(x), self.py(y), color, shape, size)

    def marker(self, cx, cy, color, shape="o", size=5):
        s = size
        if shape == "s":
            self.d.rectangle([cx - s, cy - s, cx + s, cy + s], fill=color, outline="black")
        elif shape == "^":
            self.d.polygon([(cx, cy - s - 1), (cx - s, cy + s), (cx + s, cy + s)], fill=color, outline="black")
        elif shape == "d":
            self.d.polygon([(cx, cy - s - 1), (cx + s + 1, cy), (cx, cy + s + 1), (cx - s - 1, cy)], fill=color,
                           outline="black")
        else:
            self.d.ellipse([cx - s, cy - s, cx + s, cy + s], fill=color, outline="black")

    def hline(self, y, color, dash=True, width=1, label=None):
        self._seg((self.x0, self.py(y)), (self.x1, self.py(y)), color, width, dash)
        if label:
            self.d.text((self.x1 - 4, self.py(y) - 3), label, fill=color, font=self.fs, anchor="rd")

    def band(self, xa, xb, color):
        a, b = max(self.x0 + 1, self.px(xa)), min(self.x1 - 1, self.px(xb))
        if b > a:
            self.d.rectangle([a, self.y0 + 1, b, self.y1 - 1], fill=color)

    def text(self, x, y, s, color="black", anchor="la"):
        self.d.text((self.px(x), self.py(y)), s, fill=color, font=self.fs, anchor=anchor)

    def legend(self, items, corner="br"):
        lh = 18
        wmax = max(self.d.textlength(t, font=self.fs) for _, t, _ in items) + 40
        h = lh * len(items) + 8
        x = self.x1 - wmax - 8 if corner[1] == "r" else self.x0 + 8
        y = self.y1 - h - 8 if corner[0] == "b" else self.y0 + 8
        self.d.rectangle([x, y, x + wmax, y + h], fill="white", outline="#999999")
        for i, (color, txt, kind) in enumerate(items):
            cy = y + 4 + lh * i + lh / 2
            if kind == "line":
                self.d.line([x + 6, cy, x + 28, cy], fill=color, width=3)
            elif kind == "dash":
                self._seg((x + 6, cy), (x + 28, cy), color, 2, True)
            elif kind == "band":
                self.d.rectangle([x + 6, cy - 6, x + 28, cy + 6], fill=color)
            else:
                self.marker(x + 17, cy, color, kind, 5)
            self.d.text((x + 34, cy), txt, fill="black", font=self.fs, anchor="lm")


class Figure:
    def __init__(self, w, h):
        self.img = Image.new("RGB", (w, h), "white")
        self.draw = ImageDraw.Draw(self.img)
        self.font, self.small, self.title_font = _font(14), _font(12), _font(15)

    def axes(self, x, y, w, h, **kw):
        return Axes(self, x, y, w, h, **kw)

    def note(self, x, y, s):
        self.draw.text((x, y), s, fill="#444444", font=self.small)

    def save(self, path):
        self.img.save(path)

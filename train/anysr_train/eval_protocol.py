"""The quality protocol (docs/testing.md#quality) (shared by eval.py, train.py and the tests).

HR image; for integer s (sx == sy == s integer) modcrop HR to a multiple of s;
LR = Pillow BICUBIC resize of HR to (round(W/sx), round(H/sy)); run LR -> HR size;
round both to 8 bit; PSNR on Y (BT.601: Y = 16 + (65.481 R + 128.553 G + 24.966 B)/255,
RGB in [0, 1]) shaving ceil(max(sx, sy)) pixels at every border.
Bicubic baseline: Pillow BICUBIC resize of LR back to the HR size.
"""

import math
import os

import numpy as np
import torch
from PIL import Image

from .datasets import DEFAULT_DATA, list_images, load_rgb


def is_integer_scale(sx, sy):
    return sx == sy and float(sx).is_integer()


def prepare(hr, sx, sy):
    """hr: HxWx3 uint8.  Returns (hr cropped, lr uint8)."""
    if is_integer_scale(sx, sy):
        s = int(sx)
        H, W = hr.shape[0] // s * s, hr.shape[1] // s * s
        hr = hr[:H, :W]
    H, W = hr.shape[:2]
    lw, lh = int(round(W / sx)), int(round(H / sy))
    lr = np.asarray(Image.fromarray(np.ascontiguousarray(hr)).resize((lw, lh), Image.BICUBIC))
    return hr, lr


def bicubic_up(lr, H, W):
    return np.asarray(Image.fromarray(lr).resize((W, H), Image.BICUBIC))


def to_uint8(x):
    """float RGB [0,1] (3,H,W) tensor or HxWx3 array -> HxWx3 uint8 (round half up after clamp)."""
    if torch.is_tensor(x):
        x = x.detach().cpu().numpy().transpose(1, 2, 0)
    return np.clip(np.floor(x * 255.0 + 0.5), 0, 255).astype(np.uint8)


def y_channel(img):
    x = img.astype(np.float64) / 255.0
    return 16.0 + (65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2])


def psnr_y(a, b, shave):
    ya, yb = y_channel(a), y_channel(b)
    if shave > 0:
        ya = ya[shave:-shave, shave:-shave]
        yb = yb[shave:-shave, shave:-shave]
    mse = np.mean((ya - yb) ** 2)
    if mse == 0:
        return float("inf")
    return 10.0 * math.log10(255.0 ** 2 / mse)


def shave_of(sx, sy):
    return int(math.ceil(max(sx, sy)))


def lr_tensor(lr):
    return torch.from_numpy(lr.astype(np.float32).transpose(2, 0, 1) / 255.0).unsqueeze(0)


_EVAL_CACHE = {}


def eval_images(name, data_root=DEFAULT_DATA):
    key = (name, data_root)
    if key not in _EVAL_CACHE:
        files = list_images(os.path.join(data_root, "eval", name))
        _EVAL_CACHE[key] = [(os.path.basename(f), load_rgb(f)) for f in files]
    return _EVAL_CACHE[key]


@torch.no_grad()
def psnr_dataset(model, op, name, sx, sy, data_root=DEFAULT_DATA):
    vals = []
    for _, hr in eval_images(name, data_root):
        hr, lr = prepare(hr, sx, sy)
        out = model(lr_tensor(lr), hr.shape[0], hr.shape[1], op)
        vals.append(psnr_y(to_uint8(out[0]), hr, shave_of(sx, sy)))
    return float(np.mean(vals))

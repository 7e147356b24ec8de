"""Training data: decoded once into a uint8 cache, random HR crops with per-sample
(sx, sy) scale pairs, LR made by Pillow bicubic (as the evaluation protocol does),
flips and 90 degree rotations, and a random subset of HR query pixels per crop."""

import os

import numpy as np
from PIL import Image

from .paths import TRAIN_DIR
DEFAULT_DATA = os.environ.get("ANYSR_SHARED_DATA") or os.path.normpath(os.path.join(TRAIN_DIR, "..", "..", "shared", "data"))
if not os.path.isdir(DEFAULT_DATA):
    DEFAULT_DATA = "/work/shared/data"
CACHE_DIR = os.path.join(TRAIN_DIR, ".cache")
IMG_EXT = (".png", ".jpg", ".jpeg", ".bmp")


def list_images(root):
    files = []
    for dp, _, fns in os.walk(root):
        for fn in fns:
            if fn.lower().endswith(IMG_EXT):
                files.append(os.path.join(dp, fn))
    return sorted(files)


def load_rgb(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def load_train_cache(data_root=DEFAULT_DATA, cache_dir=CACHE_DIR, subsets=None, verbose=True):
    """Returns a list of HxWx3 uint8 arrays of every training image.  Decoded once
    and kept in cache_dir as one .npy blob + an index (offsets and shapes)."""
    root = os.path.join(data_root, "train")
    files = list_images(root)
    if subsets:
        files = [f for f in files if os.path.relpath(f, root).split(os.sep)[0] in subsets]
    tag = "train-%d-%s" % (len(files), "-".join(sorted(subsets)) if subsets else "all")
    os.makedirs(cache_dir, exist_ok=True)
    blob_path = os.path.join(cache_dir, tag + ".npy")
    idx_path = os.path.join(cache_dir, tag + ".idx.npy")
    if not (os.path.exists(blob_path) and os.path.exists(idx_path)):
        if verbose:
            print("decoding %d training images into %s" % (len(files), blob_path), flush=True)
        arrs = [load_rgb(f) for f in files]
        idx = np.array([[0, a.shape[0], a.shape[1]] for a in arrs], dtype=np.int64)
        sizes = [a.size for a in arrs]
        idx[:, 0] = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        blob = np.concatenate([a.reshape(-1) for a in arrs])
        np.save(blob_path + ".tmp.npy", blob)
        np.save(idx_path + ".tmp.npy", idx)
        os.replace(blob_path + ".tmp.npy", blob_path)
        os.replace(idx_path + ".tmp.npy", idx_path)
    blob = np.load(blob_path, mmap_mode="r")
    blob = np.array(blob)  # into memory
    idx = np.load(idx_path)
    return [blob[o:o + h * w * 3].reshape(h, w, 3) for o, h, w in idx]


def dihedral(rng, hr, rot):
    """hr transposed when rot, then flipped left-right and up-down with probability
    1/2 each (two draws of rng, in that order): with rot drawn at random, one of the 8
    dihedral transforms.  Returns a contiguous copy."""
    if rot:
        hr = hr.transpose(1, 0, 2)
    if rng.random() < 0.5:
        hr = hr[:, ::-1]
    if rng.random() < 0.5:
        hr = hr[::-1]
    return np.ascontiguousarray(hr)


def draw_scale(rng, smin=1.0, smax=4.0, p_asym=0.5):
    """(sx, sy): with probability p_asym independent per axis, else equal."""
    if rng.random() < p_asym:
        return rng.uniform(smin, smax), rng.uniform(smin, smax)
    s = rng.uniform(smin, smax)
    return s, s


class Sampler:
    """Produces batches of (lr, hr-query coords, targets, out sizes)."""

    def __init__(self, images, lr_size=48, n_query=48 * 48, smin=1.0, smax=4.0, p_asym=0.5, window=0):
        """window > 0: the queries are a random window x window block of the HR crop
        (raster order) instead of n_query scattered pixels (needs window <= lr_size)."""
        self.window = window
        self.images = images
        self.lr_size = lr_size
        self.n_query = n_query
        self.smin, self.smax, self.p_asym = smin, smax, p_asym
        area = np.array([im.shape[0] * im.shape[1] for im in images], dtype=np.float64)
        self.prob = area / area.sum()
        self.short = np.array([min(im.shape[:2]) for im in images])
        self.long = np.array([max(im.shape[:2]) for im in images])

    def sample(self, rng, scale=None):
        s = self.lr_size
        sx, sy = draw_scale(rng, self.smin, self.smax, self.p_asym) if scale is None else scale
        W, H = int(round(s * sx)), int(round(s * sy))  # HR crop size after augmentation
        while True:
            k = rng.choice(len(self.images), p=self.prob)
            im = self.images[k]
            rot = rng.random() < 0.5  # transpose (with flips gives all 8 dihedral ops)
            ch, cw = (W, H) if rot else (H, W)  # crop size in the stored orientation
            if im.shape[0] >= ch and im.shape[1] >= cw:
                break
        y0 = rng.integers(0, im.shape[0] - ch + 1)
        x0 = rng.integers(0, im.shape[1] - cw + 1)
        hr = dihedral(rng, im[y0:y0 + ch, x0:x0 + cw], rot)
        lr = np.asarray(Image.fromarray(hr).resize((s, s), Image.BICUBIC))
        if self.window:
            q = self.window
            wy0 = rng.integers(0, H - q + 1)
            wx0 = rng.integers(0, W - q + 1)
            ys, xs = np.mgrid[wy0:wy0 + q, wx0:wx0 + q]
            ys, xs = ys.reshape(-1), xs.reshape(-1)
            return lr, xs, ys, hr[ys, xs], H, W
        q = rng.choice(H * W, size=min(self.n_query, H * W), replace=H * W < self.n_query)
        if len(q) < self.n_query:
            q = np.concatenate([q, rng.choice(H * W, size=self.n_query - len(q))])
        ys, xs = q // W, q % W
        tgt = hr[ys, xs]
        return lr, xs, ys, tgt, H, W

    def batch(self, rng, n, scales=None):
        items = [self.sample(rng, None if scales is None else scales[i]) for i in range(n)]
        lr = np.stack([it[0] for it in items]).astype(np.float32).transpose(0, 3, 1, 2) / 255.0
        xs = np.stack([it[1] for it in items]).astype(np.int64)
        ys = np.stack([it[2] for it in items]).astype(np.int64)
        tgt = np.stack([it[3] for it in items]).astype(np.float32) / 255.0
        hw = np.array([[it[4], it[5]] for it in items], dtype=np.int64)
        return lr, xs, ys, tgt, hw

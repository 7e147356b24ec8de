"""Spatial depth (AdaDSR depth adapter, docs/models.md#spatial-depth): the fixed-depth path is
unchanged, skipping tiles is exact (a per-tile emulation), depth maps, cost, model files."""

import json
import math
import os
import tempfile
import unittest

import _common
import numpy as np
import torch
import torch.nn.functional as F

from anysr_train import model_file
from anysr_train import safetensors_io
from anysr_train.network import (ARCH, AnySR, Op, block_macs_per_pixel, encoder_macs_adaptive, encoder_macs_per_pixel,
                                 tensor_names)

T = ARCH["depth_tile"]


def rand_model(seed=0, arch=ARCH):
    torch.manual_seed(seed)
    m = AnySR(arch)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.05)
        if m.adapter is not None:  # tiles of one picture get clearly different depths
            m.adapter.fc2.weight.mul_(8.0)
    return m.eval()


def without_adapter(m):
    arch = dict(m.arch)
    arch["depth_tile"] = 0
    m0 = AnySR(arch)
    m0.load_state_dict({k: v for k, v in m.state_dict().items() if not k.startswith("adapter.")})
    return m0.eval()


def force_depth(m, dm):
    """Make the adapter return the depth map dm ((th, tw) ints) whatever the input."""
    di = torch.as_tensor(dm, dtype=torch.float32)[None]
    m.adapter.forward = lambda h0, t, depth: (di.clone(), di.clone())


@torch.no_grad()
def emulate(m, lr, scale, c, d, dm):
    """The encoder run tile by tile: block l runs only on the tiles whose depth is > l.
    Each running tile computes conv1 on its own pixels and a one-pixel halo from a crop
    of x with a two-pixel halo (zeros outside the frame); the scale attention's pool is
    the mean of conv1 over the running tiles' own pixels; conv2 reads y on the tile and
    its halo, where halo pixels outside the frame or in a tile that does not run block l
    are zero; the tile's x gets the result.  Tiles that do not run block l keep x."""
    _, _, h, w = lr.shape
    h0 = F.conv2d(lr, m.head.weight, m.head.bias, padding=1)
    x = h0
    th, tw = -(-h // T), -(-w // T)
    for l in range(d):
        b = m.blocks[l]
        w1, b1 = b.conv1.weight[:c], b.conv1.bias[:c]
        w2, b2 = b.conv2.weight[:, :c], b.conv2.bias
        tiles = [(i, j) for i in range(th) for j in range(tw) if dm[i][j] > l]
        xp = F.pad(x, (2, 2, 2, 2))
        ys, tot, cnt = {}, torch.zeros(1, c), 0
        for i, j in tiles:
            y0, y1, x0, x1 = i * T, min((i + 1) * T, h), j * T, min((j + 1) * T, w)
            yt = F.conv2d(xp[:, :, y0:y1 + 4, x0:x1 + 4], w1, b1)  # rows y0-1 .. y1, cols x0-1 .. x1
            ys[(i, j)] = yt
            tot = tot + yt[:, :, 1:-1, 1:-1].sum((2, 3))
            cnt += (y1 - y0) * (x1 - x0)
        g = tot / max(cnt, 1)
        parts = []
        for k in range(0, c, 8):
            parts += [g[:, k:k + 8], scale]
        v = torch.cat(parts, 1)
        a = torch.relu(F.linear(v, b.sa.fc1.weight[:, :v.shape[1]], b.sa.fc1.bias))
        a = torch.sigmoid(F.linear(a, b.sa.fc2.weight[:c], b.sa.fc2.bias[:c]))
        new = x.clone()
        for i, j in tiles:
            y0, y1, x0, x1 = i * T, min((i + 1) * T, h), j * T, min((j + 1) * T, w)
            yt = torch.relu(ys[(i, j)] * a[:, :, None, None])
            for yy in range(y0 - 1, y1 + 1):
                for xx in range(x0 - 1, x1 + 1):
                    inside = 0 <= yy < h and 0 <= xx < w
                    if not inside or dm[yy // T][xx // T] <= l:
                        yt[:, :, yy - y0 + 1, xx - x0 + 1] = 0.0
            new[:, :, y0:y1, x0:x1] = x[:, :, y0:y1, x0:x1] + F.conv2d(yt, w2, b2)
        x = new
    return F.conv2d(x, m.tail.weight, m.tail.bias, padding=1) + h0


class FixedPath(unittest.TestCase):
    def test_target_one_is_the_old_output(self):
        """target >= 1 (and any target without adapter) is bit-identical to fixed depth."""
        m = rand_model(1)
        m0 = without_adapter(m)
        lr = torch.rand(1, 3, 19, 35)
        for c, d in ARCH["ladder"]:
            for mode in ("heavy", "light", "routed"):
                ref = m0(lr, 38, 53, Op(c, d, mode, 0.1))
                for t in (1.0, 1.5):
                    self.assertTrue(torch.equal(m(lr, 38, 53, Op(c, d, mode, 0.1, t)), ref), (c, d, mode, t))
                self.assertTrue(torch.equal(m0(lr, 38, 53, Op(c, d, mode, 0.1, 0.5)), ref), (c, d, mode))
        sc = m.scale_of(lr, 38, 53)
        self.assertTrue(torch.equal(m.encode(lr, sc, 32, 8, target=torch.ones(1)), m0.encode(lr, sc, 32, 8)))
        # an adaptive target changes the output
        self.assertFalse(torch.equal(m(lr, 38, 53, Op(32, 8, "heavy", 0, 0.4)), m0(lr, 38, 53, Op(32, 8))))


class TileSkipping(unittest.TestCase):
    def check(self, c, d, dm, h=37, w=45, seed=2):
        m = rand_model(seed)
        force_depth(m, dm)
        lr = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(seed))
        sc = torch.tensor([[2.0, 2.5]])
        got, st = m.encode(lr, sc, c, d, target=0.5, return_stages=True)
        ref = emulate(m, lr, sc, c, d, dm)
        err = (got - ref).abs().max().item()
        self.assertLess(err, 1e-4 * max(1.0, ref.abs().max().item()), (c, d, dm))
        # a tile that does not run block l keeps x exactly
        prev = st["head"]
        for l in range(d):
            cur = st["block%d" % l]
            for i in range(len(dm)):
                for j in range(len(dm[0])):
                    a = (slice(None), slice(None), slice(i * T, (i + 1) * T), slice(j * T, (j + 1) * T))
                    if dm[i][j] <= l:
                        self.assertTrue(torch.equal(cur[a], prev[a]), (l, i, j))
                    else:
                        self.assertFalse(torch.equal(cur[a], prev[a]), (l, i, j))
            prev = cur
        return got

    def test_full_op_every_depth(self):
        # 37x45: 3x3 tiles, the last row 5 pixels high, the last column 13 wide
        self.check(32, 8, [[0, 8, 3], [8, 1, 5], [2, 7, 0]])

    def test_blocks_no_tile_runs(self):
        # blocks 5..7 run nowhere (pool over no pixel: 0); the whole frame at depth 0
        self.check(32, 8, [[0, 5, 3], [2, 1, 5], [0, 4, 0]])
        m0 = rand_model(2)
        lr = torch.rand(1, 3, 20, 18)
        force_depth(m0, [[0, 0], [0, 0]])
        sc = torch.tensor([[2.0, 2.0]])
        self.assertTrue(torch.equal(m0.encode(lr, sc, 32, 8, target=0.5), m0.encode(lr, sc, 32, 0)))

    def test_smaller_op(self):
        self.check(16, 4, [[4, 0, 2, 1], [1, 4, 3, 0]], h=29, w=53, seed=3)

    def test_real_adapter_map(self):
        """The adapter's own map (not forced) through the same emulation."""
        from anysr_train import golden
        m = rand_model(4)
        lr = golden.tiles_input(40, 36, 4)  # flat tiles beside textured ones
        sc = torch.tensor([[2.0, 2.0]])
        t = 0.5
        with torch.no_grad():  # rescale fc2 so that its output spans [-3, 3] over the tiles
            _, st = m.encode(lr, sc, 32, 8, target=t, return_stages=True)
            z = torch.log(torch.expm1(st["dc"][0] / (8 * t)))
            a = 6.0 / (z.max() - z.min()).item()
            m.adapter.fc2.weight.mul_(a)
            m.adapter.fc2.bias.mul_(a).add_(-3.0 - a * z.min().item())
        got, st = m.encode(lr, sc, 32, 8, target=t, return_stages=True)
        dm = st["depth"][0].int().tolist()
        self.assertGreater(len(set(v for r in dm for v in r)), 3, dm)
        ref = emulate(m, lr, sc, 32, 8, dm)
        self.assertLess((got - ref).abs().max().item(), 1e-4 * max(1.0, ref.abs().max().item()))


class DepthMaps(unittest.TestCase):
    def test_shapes_clipping_range_and_formula(self):
        for pool in ("mean", "mean_max"):
            with self.subTest(pool=pool):
                self.check_maps(rand_model(5, dict(ARCH, adapter_pool=pool)))

    def check_maps(self, m):
        a = m.adapter
        for (h, w) in ((1, 1), (15, 17), (16, 16), (17, 33), (36, 40), (29, 53)):
            lr = torch.rand(1, 3, h, w)
            sc = torch.tensor([[2.0, 2.0]])
            for c, d in ((32, 8), (16, 4), (8, 2)):
                for t in (0.3, 0.65, 0.9):
                    _, st = m.encode(lr, sc, c, d, target=t, return_stages=True)
                    dc, dm = st["dc"][0], st["depth"][0]
                    th, tw = math.ceil(h / T), math.ceil(w / T)
                    self.assertEqual(tuple(dm.shape), (th, tw))
                    self.assertTrue(torch.equal(dm, dm.round()))
                    self.assertGreaterEqual(dm.min().item(), 0)
                    self.assertLessEqual(dm.max().item(), d)
                    # the contract, tile by tile, edge tiles over their clipped pixels only
                    h0 = st["head"]
                    u = torch.relu(torch.einsum("bchw,oc->bohw", h0, a.pix.weight) + a.pix.bias[:, None, None])
                    dt = np.float32(d) * np.float32(t)
                    for i in range(th):
                        for j in range(tw):
                            ut = u[0, :, i * T:(i + 1) * T, j * T:(j + 1) * T]
                            pooled = [ut.mean((1, 2))] + ([ut.amax((1, 2))] if a.pool == "mean_max" else [])
                            v = torch.relu(a.fc1.weight @ torch.cat(pooled + [torch.tensor([t])]) + a.fc1.bias)
                            s = F.softplus(a.fc2.weight @ v + a.fc2.bias)[0]
                            want = float(dt) * s.item()
                            self.assertAlmostEqual(dc[i, j].item(), want, delta=1e-5 * max(1, want))
                            if abs(want - math.floor(want) - 0.5) > 1e-4:
                                self.assertEqual(dm[i, j].item(), min(d, math.floor(want + 0.5)), (h, w, i, j))

    def test_cost_from_the_map(self):
        dm = np.array([[0, 8, 3], [8, 1, 5], [2, 7, 0]])
        h, w = 37, 45
        per_px = np.repeat(np.repeat(dm, T, 0), T, 1)[:h, :w]
        want = (encoder_macs_per_pixel(32, 0) * h * w + block_macs_per_pixel(32) * per_px.sum() +
                ARCH["F"] * ARCH["adapter_hidden"] * h * w)
        self.assertEqual(encoder_macs_adaptive(32, 8, dm, h, w), want)


class Files(unittest.TestCase):
    def test_round_trip_with_adapter(self):
        from anysr_train import export
        m = rand_model(6)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.safetensors")
            model_file.save_model(p, m, {"iterations": 3})
            m2, arch, _ = model_file.load_model(p)
            for key in ("depth_tile", "adapter_hidden", "adapter_pool", "depth_target", "depth_points"):
                self.assertEqual(arch[key], ARCH[key], key)
            tensors, meta = safetensors_io.load(p)
            names = [n for n, _ in tensor_names(arch)]
            self.assertEqual(list(tensors), names)
            self.assertEqual([n for n in names if n.startswith("adapter.")],
                             ["adapter.pix.weight", "adapter.pix.bias", "adapter.fc1.weight", "adapter.fc1.bias",
                              "adapter.fc2.weight", "adapter.fc2.bias"])
            self.assertEqual(tensors["adapter.pix.weight"].shape, (16, 32))
            self.assertEqual(tensors["adapter.fc1.weight"].shape, (16, 33))  # [mean, max, t]
            for n, t in m.state_dict().items():
                self.assertTrue(torch.equal(t, m2.state_dict()[n]), n)
            lr = torch.rand(1, 3, 37, 21)
            for op in (Op(32, 8, "heavy", 0, 0.65), Op(16, 4, "routed", 0.2, 0.3), Op(8, 2, "light", 0, 1.0)):
                self.assertTrue(torch.equal(m(lr, 74, 42, op), m2(lr, 74, 42, op)), op)
            self.assertTrue(export.verify_round_trip(m, p, "F32"))

    def test_old_file_without_adapter(self):
        arch = {k: v for k, v in ARCH.items() if k not in ("depth_tile", "adapter_hidden", "depth_target",
                                                           "depth_points")}
        m = rand_model(7, dict(arch, depth_tile=0))
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "old.safetensors")
            model_file.save_model(p, m, {}, arch=arch)
            _, meta = safetensors_io.load(p)
            self.assertNotIn("depth_tile", json.loads(meta["anysr.arch"]))
            m2, arch2, _ = model_file.load_model(p)
            self.assertEqual(arch2["depth_tile"], 0)
            self.assertIsNone(m2.adapter)
            lr = torch.rand(1, 3, 20, 18)
            self.assertTrue(torch.equal(m2(lr, 40, 36, Op(32, 8, "heavy", 0, 0.5)), m(lr, 40, 36, Op(32, 8))))
            # an arch that announces the adapter needs its tensors
            safetensors_io.save(p, model_file.state_to_tensors(m), {"anysr.format": "1", "anysr.arch": json.dumps(ARCH)})
            with self.assertRaisesRegex(ValueError, "adapter.pix.weight"):
                model_file.load_model(p)
        if os.path.exists(_common.MODEL):
            m3, arch3, _ = model_file.load_model(_common.MODEL)
            self.assertEqual(arch3["depth_tile"] == 0, m3.adapter is None)

    def test_checkpoint_without_adapter(self):
        from anysr_train import evaluate as ev
        m = rand_model(8, dict(ARCH, depth_tile=0))
        m2, arch = ev.model_from_state(m.state_dict())
        self.assertEqual(arch["depth_tile"], 0)
        m3, arch = ev.model_from_state(rand_model(8).state_dict())
        self.assertEqual(arch["depth_tile"], T)
        self.assertIsNotNone(m3.adapter)
        # the pooling follows from fc1's width
        for pool in ("mean", "mean_max"):
            _, arch = ev.model_from_state(rand_model(8, dict(ARCH, adapter_pool=pool)).state_dict())
            self.assertEqual(arch["adapter_pool"], pool)

    def test_file_without_adapter_pool(self):
        """A file from before adapter_pool (an adapter that pools the mean) loads as "mean"."""
        arch = {k: v for k, v in ARCH.items() if k != "adapter_pool"}
        m = rand_model(9, dict(arch, adapter_pool="mean"))
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "mean.safetensors")
            model_file.save_model(p, m, {}, arch=arch)
            self.assertNotIn("adapter_pool", json.loads(safetensors_io.load(p)[1]["anysr.arch"]))
            m2, arch2, _ = model_file.load_model(p)
            self.assertEqual((arch2["adapter_pool"], m2.adapter.pool), ("mean", "mean"))
            lr = torch.rand(1, 3, 20, 18)
            op = Op(32, 8, "heavy", 0, 0.5)
            self.assertTrue(torch.equal(m2(lr, 40, 36, op), m(lr, 40, 36, op)))


class DefaultTarget(unittest.TestCase):
    """export.choose_target: smallest t within 0.05 dB on every set, at every larger t too."""

    @staticmethod
    def table(ts, losses):
        return [{"t": t, **{s: {"loss": l[i]} for s, l in losses.items()}} for i, t in enumerate(ts)] + \
            [{"t": 1.0, **{s: {"loss": 0.0} for s in losses}}]

    def test_rule(self):
        from anysr_train import export
        ts = [0.45, 0.5, 0.55, 0.6, 0.65]
        tb = self.table(ts, {"Set14": [0.2, 0.08, 0.04, 0.02, 0.01], "B100": [0.1, 0.04, 0.05, 0.03, 0.0]})
        self.assertEqual(export.choose_target(tb), 0.55)  # 0.5 passes on B100, not on Set14
        self.assertEqual(export.choose_target(tb, 0.1), 0.5)
        # a lone passing point below a failing one is not taken
        tb = self.table(ts, {"Set14": [0.01, 0.08, 0.04, 0.02, 0.01]})
        self.assertEqual(export.choose_target(tb), 0.55)
        # nothing passes: fixed depth
        tb = self.table(ts, {"Set14": [0.3, 0.2, 0.2, 0.1, 0.06]})
        self.assertEqual(export.choose_target(tb), 1.0)
        self.assertEqual(export.depth_points_for(0.6), [0.35, 0.6])
        self.assertEqual(export.depth_points_for(0.45), [0.25, 0.45])


class Golden(unittest.TestCase):
    def test_margin_and_safe_target(self):
        from anysr_train import golden
        self.assertAlmostEqual(golden.dc_margin([0.2, 3.49, 9.7], 8), 0.01, places=9)
        self.assertAlmostEqual(golden.dc_margin([8.5], 8), 1.0, places=9)  # above d - 0.5: min() decides
        m = rand_model(9)
        lr = golden.tiles_input(36, 40, 4)
        self.assertEqual(tuple(lr.shape), (1, 3, 36, 40))
        t, dc, dm, mg = golden.safe_target(m, lr, 36, 40, 32, 8, 0.65, margin=0.05)
        self.assertGreaterEqual(mg, 0.05)
        self.assertEqual(t, float(np.float32(t)))
        self.assertTrue(torch.equal(dm, torch.clamp(torch.floor(dc + 0.5), max=8.0)))


@unittest.skipUnless(_common.HAVE_DATA, "no ../shared/data")
class EvalDepth(unittest.TestCase):
    def test_rows_and_costs(self):
        from anysr_train import evaluate as ev
        m = rand_model(10)
        rows = ev.evaluate_depth(m, m.arch, ["Set5"], [(2.0, 2.0)], [(32, 8, 1.0), (32, 8, 0.5)],
                                 modes=("heavy",), data_root=_common.DATA, limit=1, log=lambda *a: None)
        fixed, ada = rows
        self.assertEqual((fixed["target"], ada["target"]), (1.0, 0.5))
        self.assertEqual(fixed["enc_macs"], encoder_macs_per_pixel(32, 8))
        self.assertEqual(fixed["mac_drop"], 0.0)
        want = encoder_macs_per_pixel(32, 8) - block_macs_per_pixel(32) * (8 - ada["mean_depth"]) + 512
        self.assertAlmostEqual(ada["enc_macs"], want, delta=2.0)
        self.assertAlmostEqual(ada["mac_drop"], 1 - ada["enc_macs"] / fixed["enc_macs"], places=3)
        self.assertEqual(ada["images"], 1)


if __name__ == "__main__":
    unittest.main()

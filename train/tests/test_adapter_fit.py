"""Fitting the depth adapter to the per-tile oracle (fit_adapter.py, oracle.py): the
convex hull of a tile's costs, the interpolated cost and its gradient, the price of a
target, a tile table against a direct computation, the oracle's map at the extremes."""

import math
import unittest

import _common  # noqa: F401
import numpy as np
import torch

from anysr_train import adapter_fit as fa
from anysr_train import depth_oracle
from anysr_train.network import ARCH, AnySR

D = ARCH["D"]


class Hull(unittest.TestCase):
    def test_lower_convex_hull(self):
        rng = np.random.default_rng(3)
        c = torch.from_numpy(rng.uniform(0, 10, (200, D + 1)))
        h = fa.hull_table(c)
        self.assertTrue(bool((h <= c + 1e-12).all()), "the hull lies on or below the costs")
        d2 = h[:, 2:] - 2 * h[:, 1:-1] + h[:, :-2]
        self.assertTrue(bool((d2 >= -1e-9).all()), "the hull is convex")
        # its vertices are costs: the minimum of hull + lam d is the minimum of c + lam d
        dd = torch.arange(D + 1, dtype=torch.float64)
        for lam in (0.0, 0.3, 1.0, 3.0):
            self.assertTrue(torch.allclose((h + lam * dd).min(1).values, (c + lam * dd).min(1).values))
        self.assertTrue(torch.equal(h[:, 0], c[:, 0]) and torch.equal(h[:, -1], c[:, -1]))

    def test_already_convex_is_unchanged(self):
        d = torch.arange(D + 1, dtype=torch.float64)
        c = ((d - 3.0) ** 2)[None]
        self.assertTrue(torch.allclose(fa.hull_table(c), c))


class Cost(unittest.TestCase):
    def test_interpolation_and_gradient(self):
        e = torch.tensor([[8.0, 4.0, 2.0, 1.0, 0.5, 0.3, 0.2, 0.1, 0.05]], dtype=torch.float32)
        lam = torch.tensor([0.5])
        for dc0, want in ((0.0, 8.0), (1.5, 3.0), (8.0, 0.05), (9.0, 0.05)):
            dc = torch.tensor([dc0], requires_grad=True)
            c = fa.interp_cost(e, lam, dc, 1.0)
            self.assertAlmostEqual(float(c), fa.DB * want + 0.5 * dc0, places=4)
        dc = torch.tensor([1.5], requires_grad=True)
        fa.interp_cost(e, lam, dc, 1.0).backward()
        self.assertAlmostEqual(float(dc.grad), fa.DB * (2.0 - 4.0) + 0.5, places=4)

    def test_price_of_a_target_is_monotone(self):
        rng = np.random.default_rng(1)
        base = np.sort(rng.uniform(0, 30, (500, D + 1)), 1)[:, ::-1].copy()
        base[:, -1] = 0.0
        e = torch.from_numpy(base).float()
        lams = np.exp(np.linspace(math.log(1e-4), math.log(2.0), 40))
        fr = fa.lam_for_targets(e, 50.0, lams)
        self.assertAlmostEqual(fr[0], 1.0, places=2)
        self.assertTrue(all(b <= a + 1e-9 for a, b in zip(fr, fr[1:])), fr)


class Tables(unittest.TestCase):
    def test_crop_table_against_direct(self):
        torch.manual_seed(0)
        m = AnySR(ARCH).eval()
        rng = np.random.default_rng(0)
        hr = rng.integers(0, 256, (40, 72, 3)).astype(np.uint8)
        lr = hr[::2, ::2].copy()  # 20 x 36 LR: 2 x 3 tiles, edge tiles clipped
        h0, eg, ed = fa.crop_table(m, lr, hr, ARCH["F"], D, ARCH["depth_tile"])
        self.assertEqual(tuple(eg.shape), (D + 1, 2, 3))
        self.assertTrue(bool((ed[D] == 0).all()))
        # depth 3, tile (1, 2): the output at uniform depth 3 against hr, by hand
        lt = torch.from_numpy(lr.astype(np.float32).transpose(2, 0, 1) / 255.0)[None]
        out = m(lt, 40, 72, fa_op(3))[0].clamp(0, 1)
        y = (out.permute(1, 2, 0).reshape(-1, 3) @ fa.Y_W).view(40, 72)
        g = (torch.from_numpy(hr.astype(np.float32) / 255.0).reshape(-1, 3) @ fa.Y_W).view(40, 72)
        want = ((y - g)[32:40, 64:72] ** 2).mean()
        self.assertTrue(torch.allclose(eg[3, 1, 2], want, rtol=1e-4), (float(eg[3, 1, 2]), float(want)))


def fa_op(d):
    from anysr_train.network import Op
    return Op(ARCH["F"], d, "heavy", 0.0)


class OracleMap(unittest.TestCase):
    def test_price_zero_and_high(self):
        rng = np.random.default_rng(2)
        err = np.sort(rng.uniform(1, 9, (D + 1, 3, 4)), 0)[::-1].copy()
        area = np.full((3, 4), 256.0)
        self.assertTrue((depth_oracle.oracle_map(err, area, 0.0) == D).all())
        self.assertTrue((depth_oracle.oracle_map(err, area, 1e6) == 0).all())


class Reshape(unittest.TestCase):
    def test_wider_and_max_pooled_adapter_keeps_the_maps(self):
        """reshape_adapter: mean -> mean_max and 16 -> 24 hidden values leave dc unchanged
        (the new statistic and units start at no effect), and the new columns sit where
        DepthAdapter reads them (the max of unit i at column hidden + i)."""
        torch.manual_seed(3)
        m = AnySR(dict(ARCH, adapter_pool="mean")).eval()
        with torch.no_grad():
            m.adapter.fc2.weight.mul_(8.0)
        h0 = torch.randn(2, ARCH["F"], 37, 21)
        t = torch.tensor([0.4, 0.7])
        for hidden, pool in ((16, "mean_max"), (24, "mean"), (24, "mean_max")):
            m2, arch2 = fa.reshape_adapter(m, ARCH, hidden, pool)
            self.assertEqual((arch2["adapter_hidden"], arch2["adapter_pool"]), (hidden, pool))
            with torch.no_grad():
                want, got = m.adapter(h0, t, D)[0], m2.adapter(h0, t, D)[0]
            self.assertTrue(torch.allclose(want, got, rtol=1e-5, atol=1e-6), (hidden, pool))
            if pool == "mean_max":
                with torch.no_grad():  # the max of unit 0 now counts
                    m2.adapter.fc1.weight[:, hidden] = 1.0
                    moved = m2.adapter(h0, t, D)[0]
                self.assertFalse(torch.allclose(want, moved))
        with self.assertRaises(AssertionError):
            fa.reshape_adapter(m2, arch2, 16, "mean_max")


if __name__ == "__main__":
    unittest.main()

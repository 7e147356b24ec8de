"""Reference model: prefix property, shapes, coordinate convention, routing, cost model."""

import unittest

import _common  # noqa: F401
import torch
import torch.nn.functional as F

from anysr_train.network import (ARCH, AnySR, Op, decoder_macs, encoder_macs_per_pixel, ladder_ops, macs,
                                 query_inputs, refine, route_threshold, run_mlp, scale_cap)


def model(seed=0):
    torch.manual_seed(seed)
    m = AnySR()
    # non-trivial biases/attention so that slices matter
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return m.eval()


class Prefix(unittest.TestCase):
    def test_smaller_op_is_a_slice_of_the_full_weights(self):
        """A sub-network built from the sliced tensors alone gives the same output."""
        m = model()
        lr = torch.rand(1, 3, 10, 12)
        sd = m.state_dict()
        for c, d in ARCH["ladder"][:-1]:
            sub = {"head.weight": sd["head.weight"], "head.bias": sd["head.bias"],
                   "tail.weight": sd["tail.weight"], "tail.bias": sd["tail.bias"]}
            h0 = F.conv2d(lr, sub["head.weight"], sub["head.bias"], padding=1)
            x = h0
            sc = torch.tensor([[2.0, 2.0]])
            for i in range(d):
                w1 = sd["blocks.%d.conv1.weight" % i][:c].clone()
                b1 = sd["blocks.%d.conv1.bias" % i][:c].clone()
                w2 = sd["blocks.%d.conv2.weight" % i][:, :c].clone()
                b2 = sd["blocks.%d.conv2.bias" % i].clone()
                n_in = c + c // 8 * 2
                f1 = sd["blocks.%d.sa.fc1.weight" % i][:, :n_in].clone()
                f1b = sd["blocks.%d.sa.fc1.bias" % i].clone()
                f2 = sd["blocks.%d.sa.fc2.weight" % i][:c].clone()
                f2b = sd["blocks.%d.sa.fc2.bias" % i][:c].clone()
                y = F.conv2d(x, w1, b1, padding=1)
                g = y.mean((2, 3))
                v = torch.cat([t for j in range(0, c, 8) for t in (g[:, j:j + 8], sc)], 1)
                a = torch.sigmoid(F.linear(torch.relu(F.linear(v, f1, f1b)), f2, f2b))
                y = torch.relu(y * a[:, :, None, None])
                x = x + F.conv2d(y, w2, b2, padding=1)
            ref = F.conv2d(x, sub["tail.weight"], sub["tail.bias"], padding=1) + h0
            got = m.encode(lr, sc, c, d)
            self.assertLess((ref - got).abs().max().item(), 1e-5, (c, d))

    def test_unused_weights_do_not_matter_and_ops_differ(self):
        m = model()
        lr = torch.rand(1, 3, 9, 11)
        outs = {}
        for op in ladder_ops("heavy"):
            outs[(op.width, op.depth)] = m(lr, 18, 22, op)
        c, d = ARCH["ladder"][0]
        with torch.no_grad():
            for i in range(len(m.blocks)):
                b = m.blocks[i]
                if i >= d:
                    b.conv1.weight.add_(1.0)
                b.conv1.weight[c:].add_(1.0)
                b.conv1.bias[c:].add_(1.0)
                b.conv2.weight[:, c:].add_(1.0)
                b.sa.fc2.weight[c:].add_(1.0)
                b.sa.fc1.weight[:, c + c // 4:].add_(1.0)
        again = m(lr, 18, 22, Op(c, d, "heavy"))
        self.assertTrue(torch.equal(again, outs[(c, d)]))
        keys = list(outs)
        for i in range(len(keys) - 1):
            self.assertGreater((outs[keys[i]] - outs[keys[i + 1]]).abs().max().item(), 1e-4)


class Shapes(unittest.TestCase):
    def test_fractional_and_asymmetric_sizes(self):
        m = model()
        for (h, w) in ((9, 11), (12, 16), (5, 7), (1, 1)):
            lr = torch.rand(1, 3, h, w)
            for H, W in ((2 * h, 2 * w), (round(h * 2.5), round(w * 2.5)), (2 * h, round(w * 1.5)),
                         (round(h * 1.33), w), (5 * h, 4 * w), (h, w)):
                for mode in ("heavy", "light", "routed"):
                    out = m(lr, H, W, Op(16, 4, mode, 0.3))
                    self.assertEqual(tuple(out.shape), (1, 3, H, W))
                    self.assertTrue(torch.isfinite(out).all())

    def test_batch_equals_single(self):
        m = model()
        lr = torch.rand(2, 3, 8, 10)
        both = m(lr, 20, 15, Op(24, 6, "heavy"))
        one = m(lr[1:], 20, 15, Op(24, 6, "heavy"))
        self.assertLess((both[1:] - one).abs().max().item(), 1e-5)


class Coordinates(unittest.TestCase):
    def test_base_is_pytorch_bilinear(self):
        g = torch.Generator().manual_seed(1)
        for (h, w, H, W) in ((9, 11, 18, 22), (9, 11, 23, 28), (7, 5, 21, 15), (12, 16, 24, 24),
                             (5, 5, 5, 5), (3, 4, 17, 30), (1, 3, 4, 9)):
            lr = torch.rand(1, 3, h, w, generator=g)
            feat = torch.zeros(1, 32, h, w)
            ys, xs = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
            _, base = query_inputs(lr, feat, xs.reshape(1, -1), ys.reshape(1, -1), H, W)
            ref = F.interpolate(lr, size=(H, W), mode="bilinear", align_corners=False)
            self.assertLess((base.transpose(1, 2).reshape(1, 3, H, W) - ref).abs().max().item(), 2e-6)

    def test_nearest_rel_cell(self):
        # w = 10 -> W = 25 (sx = 2.5): X = 2 sits exactly on an LR pixel border (p = 1.0)
        lr = torch.zeros(1, 3, 1, 10)
        feat = torch.arange(10.0).view(1, 1, 1, 10).expand(1, 32, 1, 10).contiguous()
        xs = torch.arange(25).view(1, -1)
        ys = torch.zeros_like(xs)
        inp, _ = query_inputs(lr, feat, xs, ys, 1, 25)
        p = (xs.double() + 0.5) * 10 / 25
        ix = torch.clamp(torch.floor(p), 0, 9)
        self.assertTrue(torch.equal(inp[0, :, 0].double(), ix[0]))
        self.assertEqual(inp[0, 2, 0].item(), 1.0)  # X = 2: p = 1.0 -> pixel 1, rel -0.5
        self.assertEqual(inp[0, 2, 32].item(), -0.5)
        self.assertLess((inp[0, :, 32].double() - (p - ix - 0.5)[0]).abs().max().item(), 1e-6)
        self.assertTrue(bool(((inp[0, :, 32] >= -0.5) & (inp[0, :, 32] < 0.5)).all()))
        self.assertAlmostEqual(inp[0, 0, 34].item(), 10 / 25, places=6)
        self.assertAlmostEqual(inp[0, 0, 35].item(), 1.0, places=6)
        self.assertAlmostEqual(inp[0, 0, 33].item(), 0.0, places=6)  # rel_y: h = H = 1


class Routing(unittest.TestCase):
    def test_routed_is_composition_with_refinement(self):
        m = model()
        lr = torch.rand(1, 3, 9, 11)
        H, W = 23, 30
        k = 0.2
        heavy = m(lr, H, W, Op(32, 8, "heavy"))
        light = m(lr, H, W, Op(32, 8, "light"))
        out, aux = m(lr, H, W, Op(32, 8, "routed", k), return_aux=True)
        hm = aux["delta"] >= route_threshold(k)
        self.assertTrue(torch.equal(hm, aux["heavy"]))
        self.assertTrue(0 < hm.float().mean() < 1)
        mix = torch.where(hm.unsqueeze(1), heavy, light)
        # reference refinement written with explicit loops
        ref = mix.clone()
        for y in range(H):
            for x in range(W):
                if hm[0, y, x]:
                    continue
                nb = [(yy, xx) for yy in range(y - 1, y + 2) for xx in range(x - 1, x + 2)
                      if 0 <= yy < H and 0 <= xx < W]
                if any(hm[0, yy, xx] for yy, xx in nb if (yy, xx) != (y, x)):
                    ref[0, :, y, x] = sum(mix[0, :, yy, xx] for yy, xx in nb) / len(nb)
        self.assertLess((out - ref).abs().max().item(), 1e-5)

    def test_k_moves_the_share(self):
        m = model()
        lr = torch.rand(1, 3, 9, 11)
        shares = [m(lr, 18, 22, Op(8, 2, "routed", k), return_aux=True)[1]["heavy_fraction"]
                  for k in (-5.0, 0.0, 5.0)]
        self.assertEqual(shares[0], 1.0)
        self.assertEqual(shares[2], 0.0)
        self.assertTrue(shares[0] >= shares[1] >= shares[2])

    def test_threshold(self):
        dm = decoder_macs()
        self.assertAlmostEqual(route_threshold(1.0), torch.log(torch.tensor(dm["heavy"] / dm["light"])).item(), 5)


class Cost(unittest.TestCase):
    def test_design_numbers_and_order(self):
        self.assertEqual(encoder_macs_per_pixel(32, 8), 157536)
        self.assertEqual(encoder_macs_per_pixel(8, 2), 19296)
        dm = decoder_macs()
        self.assertEqual((dm["heavy"], dm["light"], dm["cls"]), (6592, 624, 72))
        for mode in ("heavy", "light", "routed"):
            costs = [macs(op, 100, 100, 200, 200, 0.5) for op in ladder_ops(mode)]
            self.assertEqual(costs, sorted(costs))
            self.assertEqual(len(set(costs)), len(costs))
        cheap = macs(Op(8, 2, "light"), 100, 100, 200, 200)
        full = macs(Op(32, 8, "heavy"), 100, 100, 200, 200)
        self.assertLessEqual(cheap / full, 0.15)

    def test_scale_caps(self):
        self.assertEqual(scale_cap(1.5, 1.0), (16, 4))
        self.assertEqual(scale_cap(2.0, 2.5), (24, 6))
        self.assertEqual(scale_cap(3.0, 1.0), (32, 8))

    def test_run_mlp_matches_linear(self):
        m = model()
        for shp in ((37, 36), (2, 100, 36), (0, 36)):
            x = torch.randn(*shp)
            for mod in (m.dec.heavy, m.dec.light, m.dec.cls):
                self.assertLess((run_mlp(mod, x) - mod(x)).abs().max().item() if x.numel() else 0, 1e-5)


if __name__ == "__main__":
    unittest.main()

"""Evaluation protocol (docs/testing.md#quality) on synthetic images with known answers."""

import math
import unittest

import _common  # noqa: F401
import numpy as np
import torch
from PIL import Image

from anysr_train.eval_protocol import bicubic_up, prepare, psnr_y, shave_of, to_uint8, y_channel


class Protocol(unittest.TestCase):
    def test_psnr_known_offset(self):
        a = np.full((20, 30, 3), 100, np.uint8)
        b = a + 1
        # Y difference of +1 in every channel: (65.481 + 128.553 + 24.966) / 255 = 219 / 255
        want = 10 * math.log10(255.0 ** 2 / (219.0 / 255.0) ** 2)
        self.assertAlmostEqual(psnr_y(a, b, 2), want, places=9)
        self.assertAlmostEqual(y_channel(np.array([[[255, 255, 255]]], np.uint8))[0, 0], 235.0, places=9)
        self.assertAlmostEqual(y_channel(np.zeros((1, 1, 3), np.uint8))[0, 0], 16.0, places=9)

    def test_shave(self):
        a = np.zeros((20, 20, 3), np.uint8)
        b = a.copy()
        b[:3] = 255  # only the border rows differ
        self.assertEqual(psnr_y(a, b, 3), float("inf"))
        self.assertLess(psnr_y(a, b, 2), 20)
        self.assertEqual(shave_of(2.5, 2.5), 3)
        self.assertEqual(shave_of(1.5, 2.0), 2)
        self.assertEqual(shave_of(4, 4), 4)

    def test_modcrop_and_lr_sizes(self):
        hr = np.random.default_rng(0).integers(0, 256, (101, 77, 3)).astype(np.uint8)
        h, l = prepare(hr, 3.0, 3.0)
        self.assertEqual(h.shape[:2], (99, 75))
        self.assertEqual(l.shape[:2], (33, 25))
        h, l = prepare(hr, 2.5, 2.5)  # fractional: no modcrop, LR = round(W/s), round(H/s)
        self.assertEqual(h.shape[:2], (101, 77))
        self.assertEqual(l.shape[:2], (round(101 / 2.5), round(77 / 2.5)))
        h, l = prepare(hr, 1.5, 2.0)  # not integer per axis: no modcrop
        self.assertEqual(l.shape[:2], (round(101 / 2.0), round(77 / 1.5)))
        self.assertTrue(np.array_equal(l, np.asarray(Image.fromarray(hr).resize((51, 50), Image.BICUBIC))))

    def test_constant_image_is_exact(self):
        hr = np.full((24, 36, 3), (200, 30, 90), np.uint8)
        h, l = prepare(hr, 2.0, 2.0)
        self.assertEqual(psnr_y(bicubic_up(l, *h.shape[:2]), h, 2), float("inf"))
        # a model output of exactly the HR image in float rounds back to the same bytes
        t = torch.from_numpy(h.astype(np.float32).transpose(2, 0, 1) / 255.0)
        self.assertTrue(np.array_equal(to_uint8(t), h))
        self.assertTrue(np.array_equal(to_uint8(t * 2 - 0.5)[..., 1], np.zeros(h.shape[:2], np.uint8)))

    def test_bicubic_baseline_on_a_ramp(self):
        # a horizontal linear ramp: Pillow bicubic of a ramp stays a ramp away from the
        # borders, so the shaved PSNR is high and finite
        x = np.linspace(20, 230, 96)
        hr = np.repeat(np.repeat(x[None, :, None], 64, 0), 3, 2).round().astype(np.uint8)
        h, l = prepare(hr, 2.0, 2.0)
        p = psnr_y(bicubic_up(l, *h.shape[:2]), h, 2)
        self.assertGreater(p, 40)


class EvalPaths(unittest.TestCase):
    def test_shared_encoder_path_equals_forward(self):
        from anysr_train import evaluate as ev
        from anysr_train.network import AnySR, Op
        torch.manual_seed(3)
        m = AnySR().eval()
        lr = torch.rand(1, 3, 10, 13)
        oh, ol, delta = ev.decode_all(m, lr, (16, 4), 25, 20)
        self.assertTrue(torch.equal(oh, m(lr, 25, 20, Op(16, 4, "heavy"))))
        self.assertTrue(torch.equal(ol, m(lr, 25, 20, Op(16, 4, "light"))))
        for k in (-0.2, 0.0, 0.3):
            ro, hf = ev.compose_routed(oh, ol, delta, k)
            ref, aux = m(lr, 25, 20, Op(16, 4, "routed", k), return_aux=True)
            self.assertLess((ro - ref).abs().max().item(), 1e-6)
            self.assertAlmostEqual(hf, aux["heavy_fraction"], places=6)

    def test_bars_and_markdown(self):
        from anysr_train import evaluate as ev
        rows = [{"set": "Set5", "scale": "x2", "sx": 2, "sy": 2, "width": w, "depth": d, "bicubic": 33.0,
                 "heavy": 37.0, "light": 35.5, "routed": 36.95, "heavy_share": 0.5, "macs_heavy": 1000,
                 "macs_light": 100, "macs_routed": 500, "k": 0} for w, d in ((8, 2), (32, 8))]
        res = {desc: ok for desc, ok, _ in ev.check_bars(rows)}
        self.assertTrue(res["full heavy Set5 x2 >= 36.8"])
        self.assertTrue(res["cheapest light Set5 x2 >= 35.2"])
        self.assertTrue(res["light share >= 40 %, Set5 x2 full"])
        self.assertIn("| Set5 | x2 | (32,8) | 33.00 | 37.00 |", ev.markdown(rows))


if __name__ == "__main__":
    unittest.main()

"""Model file: writer/reader round trip (bit-exact), validation, shipped model and golden."""

import hashlib
import json
import os
import struct
import tempfile
import unittest

import _common
import numpy as np
import torch

from anysr_train import model_file
from anysr_train import safetensors_io
from anysr_train.network import ARCH, AnySR, Op, tensor_names


def rand_model(seed=0):
    torch.manual_seed(seed)
    return AnySR().eval()


class RoundTrip(unittest.TestCase):
    def test_f32_bit_exact(self):
        m = rand_model()
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.safetensors")
            model_file.save_model(p, m, {"iterations": 7})
            m2, arch, tr = model_file.load_model(p)
            self.assertEqual(tr["iterations"], 7)
            for (n, _), (n2, t2) in zip(tensor_names(), m2.state_dict().items()):
                pass
            sd1, sd2 = m.state_dict(), m2.state_dict()
            for n in sd1:
                self.assertTrue(torch.equal(sd1[n], sd2[n]), n)
            lr = torch.rand(1, 3, 7, 9)
            for op in (Op(32, 8, "heavy"), Op(8, 2, "routed", 0.5)):
                self.assertTrue(torch.equal(m(lr, 15, 20, op), m2(lr, 15, 20, op)))
            # header: 8-byte little-endian length, JSON, names and metadata as documented
            with open(p, "rb") as f:
                raw = f.read()
            (n,) = struct.unpack("<Q", raw[:8])
            hdr = json.loads(raw[8:8 + n])
            self.assertEqual(hdr["__metadata__"]["anysr.format"], "1")
            arch = json.loads(hdr["__metadata__"]["anysr.arch"])
            self.assertEqual(arch["ladder"], ARCH["ladder"])
            self.assertEqual([k for k in hdr if k != "__metadata__"], [k for k, _ in tensor_names()])
            self.assertEqual(hdr["head.weight"]["shape"], [32, 3, 3, 3])
            self.assertEqual(hdr["dec.heavy.0.weight"]["shape"], [64, 36])
            self.assertEqual(8 + n + max(v["data_offsets"][1] for k, v in hdr.items() if k != "__metadata__"), len(raw))

    def test_f16(self):
        m = rand_model(1)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.safetensors")
            model_file.save_model(p, m, {}, dtype="F16")
            m2, _, _ = model_file.load_model(p)
            for n, t in m.state_dict().items():
                self.assertTrue(torch.equal(t.half().float(), m2.state_dict()[n]), n)

    def test_reader_rejects_bad_files(self):
        m = rand_model()
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.safetensors")
            t = model_file.state_to_tensors(m)
            meta = {"anysr.format": "1", "anysr.arch": json.dumps(ARCH)}
            bad = dict(t)
            bad["tail.bias"] = torch.zeros(31)
            safetensors_io.save(p, bad, meta)
            with self.assertRaisesRegex(ValueError, "tail.bias"):
                model_file.load_model(p)
            bad = dict(t)
            del bad["dec.cls.weight"]
            safetensors_io.save(p, bad, meta)
            with self.assertRaisesRegex(ValueError, "dec.cls.weight"):
                model_file.load_model(p)
            bad = dict(t)
            bad["head.bias"] = torch.full((32,), float("nan"))
            safetensors_io.save(p, bad, meta)
            with self.assertRaisesRegex(ValueError, "head.bias"):
                model_file.load_model(p)
            safetensors_io.save(p, t, meta)
            with open(p, "rb") as f:
                raw = f.read()
            with open(p, "wb") as f:
                f.write(raw[:-4])
            with self.assertRaises(ValueError):
                model_file.load_model(p)


@unittest.skipUnless(os.path.exists(_common.MODEL), "no shipped model")
class Shipped(unittest.TestCase):
    def test_shipped_model(self):
        self.assertLessEqual(os.path.getsize(_common.MODEL), 1 << 20)
        m, arch, tr = model_file.load_model(_common.MODEL)
        for key in ("iterations", "psnr", "p_full", "data"):
            self.assertIn(key, tr)
        self.assertIn("default_k", arch)

    def test_golden_matches_shipped_model(self):
        gj = os.path.join(_common.GOLDEN, "golden.json")
        if not os.path.exists(gj):
            self.skipTest("no golden vectors")
        with open(gj) as f:
            meta = json.load(f)
        with open(_common.MODEL, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(meta["model_sha256"], sha, "golden vectors are stale: run train/golden.py")
        tensors, gmeta = safetensors_io.load(os.path.join(_common.GOLDEN, "golden.safetensors"))
        self.assertEqual(json.loads(gmeta["anysr.golden"]), meta)
        m, _, _ = model_file.load_model(_common.MODEL)
        for c in meta["cases"]:
            lr = torch.from_numpy(tensors[c["input"]])
            op = Op(c["width"], c["depth"], c["mode"], c["k"], c.get("target", 1.0))
            out = m(lr, c["out_h"], c["out_w"], op)
            self.assertLess((out - torch.from_numpy(tensors[c["output"]])).abs().max().item(), 1e-5, c)
            if "depth_map" in c:  # spatial depth: the tiles' depth map, exactly
                _, st = m.encode(lr, m.scale_of(lr, c["out_h"], c["out_w"]), op.width, op.depth,
                                 return_stages=True, target=op.target)
                self.assertTrue(torch.equal(st["depth"][0], torch.from_numpy(tensors[c["depth_map"]])), c)
        self.assertLess(os.path.getsize(os.path.join(_common.GOLDEN, "golden.safetensors")) +
                        os.path.getsize(gj), 1 << 20)


class DefaultK(unittest.TestCase):
    """export.choose_k: the worst kind of content decides the default k."""

    @staticmethod
    def sweep(ks, drops, lights):
        return [{"k": k, "drop": d, "light": l} for k, d, l in zip(ks, drops, lights)]

    def test_worst_subset_decides(self):
        from anysr_train import export
        ks = [-0.2, -0.1, 0.0, 0.1]
        sw = {"easy": self.sweep(ks, [0.0, 0.01, 0.03, 0.2], [0.1, 0.4, 0.6, 0.8]),
              "hard": self.sweep(ks, [0.0, 0.04, 0.09, 0.3], [0.1, 0.3, 0.5, 0.7])}
        # 0.0 is within 0.05 dB on "easy" only; -0.1 holds on both
        self.assertEqual(export.choose_k(sw, 0.05, 0.0), -0.1)
        self.assertEqual(export.choose_k(sw, 0.10, 0.0), 0.0)
        self.assertEqual(export.choose_k({"easy": sw["easy"]}, 0.05, 0.0), 0.0)

    def test_largest_light_share_and_fallback(self):
        from anysr_train import export
        ks = [-0.2, -0.1, 0.0]
        # drop is not monotone in k here: the rule takes the largest light share, not the largest k
        sw = {"a": self.sweep(ks, [0.0, 0.02, 0.01], [0.5, 0.7, 0.6])}
        self.assertEqual(export.choose_k(sw, 0.05, 0.0), -0.1)
        # nothing qualifies: the smallest k (most heavy pixels)
        sw = {"a": self.sweep(ks, [0.2, 0.3, 0.4], [0.5, 0.7, 0.6])}
        self.assertEqual(export.choose_k(sw, 0.05, 0.0), -0.2)

    def test_light_share_floor(self):
        from anysr_train import export
        ks = [-0.2, -0.1, 0.0, 0.1]
        sw = {"easy": self.sweep(ks, [0.0, 0.01, 0.03, 0.2], [0.1, 0.4, 0.6, 0.8]),
              "hard": self.sweep(ks, [0.0, 0.04, 0.09, 0.3], [0.1, 0.3, 0.5, 0.7])}
        # the drop rule gives -0.1 with a mean light share of 35 %: under a 40 % floor the
        # smallest k reaching it (0.0, 55 %); a floor already met changes nothing
        self.assertEqual(export.choose_k(sw, 0.05, 0.40), 0.0)
        self.assertEqual(export.choose_k(sw, 0.05, 0.35), -0.1)
        self.assertEqual(export.choose_k(sw, 0.05), 0.0)


if __name__ == "__main__":
    unittest.main()

"""Smoke training: a few iterations on T91 end to end (train -> checkpoint -> resume -> export)."""

import os
import subprocess
import sys
import tempfile
import time
import unittest

import _common

PY = sys.executable


@unittest.skipUnless(_common.HAVE_DATA, "no ../shared/data")
class Smoke(unittest.TestCase):
    def test_train_resume_export(self):
        t0 = time.time()
        with tempfile.TemporaryDirectory() as d:
            base = [PY, os.path.join(_common.TRAIN, "train.py"), "--out", d, "--subsets", "T91",
                    "--batch", "4", "--lr-size", "24", "--queries", "256", "--query-window", "16", "--eval-every", "0",
                    "--threads", "1", "--data", _common.DATA, "--log-every", "2"]
            r = subprocess.run(base + ["--iters", "6"], capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertTrue(os.path.exists(os.path.join(d, "ckpt.pt")))
            r = subprocess.run(base + ["--iters", "10", "--resume"], capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("resumed", r.stdout)
            self.assertIn("it 10/10", r.stdout)
            out = os.path.join(d, "m.safetensors")
            r = subprocess.run([PY, os.path.join(_common.TRAIN, "export.py"), "--ckpt", os.path.join(d, "ckpt.pt"),
                                "--out", out, "--eval", "none", "--k", "0.1", "--data", _common.DATA,
                                # the default-depth-target sweep, small: 1 Set14 image, 3 targets
                                "--target-sets", "Set14", "--target-limit", "1", "--target-grid", "0.5:0.9:0.2"],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("round trip bit-exact", r.stdout)
            self.assertIn("default depth target = ", r.stdout)
            r = subprocess.run(base + ["--iters", "12", "--init", out, "--stage", "2", "--out", os.path.join(d, "s2")],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("warm start", r.stdout)
        self.assertLess(time.time() - t0, 120)


if __name__ == "__main__":
    unittest.main()

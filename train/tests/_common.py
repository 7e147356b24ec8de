"""Shared set-up of the train/ tests: the repository's paths and a clear message without torch.

The tests import the package anysr_train from train/: run them from there,
  cd train && /usr/bin/python3 -m unittest discover -s tests -v
(meson test -C build --suite train does the same, one file a test)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN = os.path.dirname(HERE)
ROOT = os.path.dirname(TRAIN)

try:
    import torch  # noqa: F401
    import numpy  # noqa: F401
    from PIL import Image  # noqa: F401
except ImportError as e:  # pragma: no cover
    sys.stderr.write("train tests need PyTorch, numpy and Pillow for %s (Debian: apt install "
                     "python3-torch python3-numpy python3-pil): %s\n" % (sys.executable, e))
    sys.exit(1)

torch.set_num_threads(1)

DATA = os.environ.get("ANYSR_SHARED_DATA") or os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
if not os.path.isdir(DATA):
    DATA = "/work/shared/data"
HAVE_DATA = os.path.isdir(os.path.join(DATA, "train")) and os.path.isdir(os.path.join(DATA, "eval"))
MODEL = os.path.join(ROOT, "models", "anysr-default.safetensors")
GOLDEN = os.path.join(ROOT, "tests", "golden")

"""Where the package stands: train/ (its default run, checkpoint and cache folders)."""

import os

TRAIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#!/usr/bin/python3
"""The per-tile depth oracle of the depth adapter (anysr_train/depth_oracle.py: its options and examples; --help)."""

from anysr_train.depth_oracle import main

if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Train the anysr model (anysr_train/training.py: its options and examples; --help)."""

from anysr_train.training import main

if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Export a checkpoint to the model file, with its evaluation (anysr_train/export.py: its options and examples; --help)."""

from anysr_train.export import main

if __name__ == "__main__":
    main()

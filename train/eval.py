#!/usr/bin/python3
"""Evaluate a model with the evaluation protocol (anysr_train/evaluate.py: its options and examples; --help)."""

from anysr_train.evaluate import main

if __name__ == "__main__":
    main()

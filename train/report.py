#!/usr/bin/python3
"""Markdown of the model report from a model file's metadata (anysr_train/report.py: its options and examples; --help)."""

from anysr_train.report import main

if __name__ == "__main__":
    main()

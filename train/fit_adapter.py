#!/usr/bin/python3
"""Fit the depth adapter to the per-tile depth oracle, backbone frozen (anysr_train/adapter_fit.py: its options and examples; --help)."""

from anysr_train.adapter_fit import main

if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Compare variants of the depth adapter on the oracle tables (anysr_train/adapter_variants.py: its options and examples; --help)."""

from anysr_train.adapter_variants import main

if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Write the golden vectors (tests/golden/) from a model file (anysr_train/golden.py: its options and examples; --help)."""

from anysr_train.golden import main

if __name__ == "__main__":
    main()

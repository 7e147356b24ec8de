#!/bin/sh
# fuzz-model (mutation-loop driver) for ANYSR_FUZZ_SECONDS (default 60) seconds.
exec "$1" "$2" "${ANYSR_FUZZ_SECONDS:-60}"

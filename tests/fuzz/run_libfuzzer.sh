#!/bin/sh
# fuzz-model (libFuzzer) for ANYSR_FUZZ_SECONDS (default 60) seconds; new
# inputs go to a scratch copy of the corpus, the seed corpus stays as built.
work="$2.run"
rm -rf "$work" && mkdir -p "$work" && cp "$2"/* "$work"/ || exit 1
exec "$1" -max_total_time="${ANYSR_FUZZ_SECONDS:-60}" -max_len=1048576 -rss_limit_mb=4096 \
  -timeout=10 "$work"

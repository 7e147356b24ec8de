#!/usr/bin/env bash
# The device check's dry run (meson test device-check-dry, suite bench): the
# bundle of BUILD_DIR (bench/bundle.sh), unpacked into a temporary folder,
# runs its device-check --dry-run on the test setup's Vulkan device.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$(dirname "${BASH_SOURCE[0]}")/bundle.sh" "$1" "$tmp/bundle.tar.gz"
tar -C "$tmp" -xzf "$tmp/bundle.tar.gz"
# a cache folder of its own: its tuning must not change what other tests run
ANYSR_CACHE_DIR=$tmp/cache "$tmp/anysr-bench-bundle/device-check" --dry-run --out "$tmp/out"
# every row of the table is there: 2 sizes x (simt fp16, simt fp32, coopmat
# fp16, coopmat fp32 n/a) x their ops, none missing
rows=$(tail -n +2 "$tmp/out/device-check.csv" | wc -l)
missing=$(grep -c 'missing' "$tmp/out/device-check.csv" || true)
echo "device-check-dry: $rows rows, $missing missing"
[ "$rows" -eq 20 ] && [ "$missing" -eq 0 ]

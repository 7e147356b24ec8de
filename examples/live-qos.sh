#!/usr/bin/env bash
# anysr holding a frame rate, twice, with the anysr-stats messages printed
# from the bus by build/examples/anysr-live-qos (examples/live-qos.c):
#
#   examples/live-qos.sh [SECONDS]
#
# 1. live: videotestsrc is-live=true ! 8x6 at 30 fps ! anysr target-fps=30
#    scale=3 ! fakesink sync=true qos=true, for SECONDS (default 16); a
#    second pipeline with an anysr of its own loads the device from 5 s to
#    10 s, and the element switches down, then back up;
# 2. a file: playbin uri=<a 2-second 32x24 clip made first>
#    video-filter="anysr target-fps=30 scale=1.5 ..." video-sink=fakesink.
#
# The sizes are tiny because Mesa's lavapipe (a Vulkan device on the CPU)
# is slow; on a GPU run build/examples/anysr-live-qos --size 320x240 (see
# --help).
set -euo pipefail
. "$(dirname "$0")/env.sh"

prog=$anysr_build/examples/anysr-live-qos
[ -x "$prog" ] || { echo "error: $prog is not built (meson compile -C $anysr_build)" >&2; exit 1; }
seconds=${1:-16}

echo "== live, target-fps=30, load from 5 s to 10 s"
"$prog" --seconds "$seconds" --size 8x6 --scale 3 --target-fps 30 \
  --load-at 5 --load-for 5 --interval 30

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo
echo "== a file through playbin, video-filter=\"anysr target-fps=30\""
"$prog" --make-clip "$tmp/clip.webm"
"$prog" --play "$tmp/clip.webm" --target-fps 30 --scale 1.5 --load-for 0 --interval 10

#!/usr/bin/env bash
# A live source upscaled on the fly:
#
#   examples/live.sh [SECONDS] [WIDTHxHEIGHT]
#
#   videotestsrc is-live=true ! 320x240 at 30 fps ! anysr !
#       video/x-raw,width=W,height=H ! videoconvert ! sink
#
# SECONDS: how long to run (default: until Ctrl-C); WIDTHxHEIGHT: the output
# size (default 800x600, a per-axis scale of 2.5). The sink is autovideosink
# when a display is there (DISPLAY or WAYLAND_DISPLAY), else fakesink
# sync=true; SINK=... overrides it.
set -euo pipefail
. "$(dirname "$0")/env.sh"

seconds=${1:-0}
size=${2:-800x600}
[[ $size =~ ^([0-9]+)x([0-9]+)$ ]] || { echo "error: WIDTHxHEIGHT expected, e.g. 800x600" >&2; exit 2; }
w=${BASH_REMATCH[1]} h=${BASH_REMATCH[2]}

if [ -n "${SINK:-}" ]; then
  sink=$SINK
elif [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  sink=autovideosink
else
  sink="fakesink sync=true"
  echo "no display: showing nothing, frames go to fakesink at the live rate"
fi

buffers=-1
[ "$seconds" -gt 0 ] && buffers=$((seconds * 30))

echo "videotestsrc 320x240 @ 30 fps -> anysr -> ${w}x${h} -> $sink"
# shellcheck disable=SC2086 # $sink may carry properties
exec gst-launch-1.0 -e videotestsrc is-live=true pattern=ball "num-buffers=$buffers" \
  ! video/x-raw,width=320,height=240,framerate=30/1 \
  ! anysr ! "video/x-raw,width=$w,height=$h" \
  ! videoconvert ! $sink

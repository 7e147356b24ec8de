#!/usr/bin/env bash
# Plays a file through playbin with anysr as its video filter:
#
#   examples/playbin.sh [FILE] [SCALE]
#
#   gst-launch-1.0 playbin uri=file:///.../FILE video-filter="anysr scale=SCALE"
#
# FILE defaults to a 2-second test clip made first with
# examples/upscale-file.sh; SCALE defaults to 2. With no display
# (DISPLAY / WAYLAND_DISPLAY unset) video and audio go to fakesink.
set -euo pipefail
here=$(dirname "$0")
. "$here/env.sh"

file=${1:-}
scale=${2:-2}
if [ -z "$file" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  file=$tmp/clip.webm
  gst-launch-1.0 -q videotestsrc num-buffers=60 pattern=ball \
    ! video/x-raw,width=160,height=120,framerate=30/1 \
    ! vp8enc deadline=1 ! webmmux ! filesink "location=$file"
  echo "made a test clip: 160x120, 2 s"
fi
[ -f "$file" ] || { echo "error: no such file: $file" >&2; exit 1; }
uri=file://$(realpath "$file")

sinks=()
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  sinks=(video-sink=fakesink audio-sink=fakesink)
  echo "no display: playing into fakesink"
fi
echo "playbin uri=$uri video-filter=\"anysr scale=$scale\""
exec gst-launch-1.0 playbin "uri=$uri" "video-filter=anysr scale=$scale" "${sinks[@]}"

#!/bin/sh
# The table of docs/element.md#numbers: what playback (playbin, fakesink
# sync=true) and a live source (videotestsrc is-live=true) show through
# anysr with its default properties, x2, at 160x120, 320x180 and 640x360,
# and the network at 64x48. Needs a build (build/gst, build/bench).
#
#   bench/playback-numbers.sh [BUILD_DIR] [SECONDS]
#
# Clips: 10 s of videotestsrc pattern=ball at 30 fps, jpegenc ! avimux, in
# a temporary directory. SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
build=${1:-build}
secs=${2:-10}
bin=$build/bench/anysr-playback-numbers
export GST_PLUGIN_PATH=$build/gst
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| source | size | wall s | shown | shown fps | network | floor | first frame ms | first out ms | out | switches | longest dwell |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for size in 160x120 320x180 640x360; do
  w=${size%x*}; h=${size#*x}
  gst-launch-1.0 -q videotestsrc num-buffers=$((secs * 30)) pattern=ball ! \
    video/x-raw,width=$w,height=$h,framerate=30/1 ! jpegenc ! avimux ! \
    filesink location="$tmp/clip_$size.avi"
  $bin --row "playbin | $size" "playbin uri=file://$tmp/clip_$size.avi video-filter=anysr video-sink=\"fakesink name=out sync=true\"" | tail -1
done
for size in 64x48 160x120 320x180 320x240 640x360; do
  w=${size%x*}; h=${size#*x}
  $bin --seconds "$secs" --row "live | $size" "videotestsrc is-live=true ! video/x-raw,format=I420,width=$w,height=$h,framerate=30/1 ! anysr ! fakesink name=out sync=true" | tail -1
done

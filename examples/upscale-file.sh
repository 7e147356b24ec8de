#!/usr/bin/env bash
# Upscales a video or image file with anysr into another file, or, with no
# input, a short clip (picture and sound) from videotestsrc / audiotestsrc;
# runs anysr-upscale (docs/anysr-upscale.md), which prints what it did.
#
#   examples/upscale-file.sh [-s SCALE | -S WxH] [-n FRAMES] [-t WxH] [INPUT [OUTPUT]]
#
#   -s SCALE   scale factor for both axes, 1 to 8 (default 2)
#   -S WxH     output size instead (a per-axis scale from 1 to 8 each)
#   -n FRAMES  frames of the test clip when there is no INPUT (default 30)
#   -t WxH     size of the test clip (default 160x120: lavapipe is slow)
#   INPUT      any file GStreamer can decode (video or image), or a folder of
#              them; "" or none = the test clip, at 30 fps with a tone
#   OUTPUT     default anysr-out.mkv; the extension picks the format:
#              .mkv .mp4 .mov: H.264 (x264 CRF 16) | .webm: VP9 | .avi: Motion
#              JPEG | .y4m: raw | .png .jpg: an image; the audio is kept
#
# Uses the plugin and anysr-upscale in build/ (or ANYSR_BUILD_DIR) when they
# are built there, else the installed ones.
set -euo pipefail
. "$(dirname "$0")/env.sh"

scale=2
size=
frames=30
clip=160x120
usage() { sed -n '2,19s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while getopts "s:S:n:t:h" opt; do
  case $opt in
    s) scale=$OPTARG ;;
    S) size=$OPTARG ;;
    n) frames=$OPTARG ;;
    t) clip=$OPTARG ;;
    h) usage 0 ;;
    *) usage 2 >&2 ;;
  esac
done
shift $((OPTIND - 1))
input=${1:-}
output=${2:-anysr-out.mkv}

tool=$anysr_build/tools/anysr-upscale/anysr-upscale
[ -x "$tool" ] || tool=$(command -v anysr-upscale) ||
  { echo "error: anysr-upscale is neither built in $anysr_build nor installed" >&2; exit 1; }

if [ -z "$input" ]; then
  [[ $clip =~ ^([0-9]+)x([0-9]+)$ ]] || { echo "error: -t wants WIDTHxHEIGHT, e.g. 320x240" >&2; exit 2; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  input=$tmp/videotestsrc.mkv
  # raw I420 and a vorbis tone of the same length (frames / 30 s)
  gst-launch-1.0 -q videotestsrc "num-buffers=$frames" pattern=smpte ! \
    "video/x-raw,format=I420,width=${BASH_REMATCH[1]},height=${BASH_REMATCH[2]},framerate=30/1" ! \
    queue ! matroskamux name=mux ! filesink "location=$input" \
    audiotestsrc "num-buffers=$frames" samplesperbuffer=1600 ! audio/x-raw,rate=48000 ! \
    vorbisenc ! queue ! mux.
  echo "input: videotestsrc, $frames frames of $clip, with a tone"
fi

if [ -n "$size" ]; then
  "$tool" --size "$size" "$input" "$output"
else
  "$tool" --scale "$scale" "$input" "$output"
fi

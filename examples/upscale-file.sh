#!/usr/bin/env bash
# Upscales a video or image file with anysr into another file, or, with no
# input, a short clip from videotestsrc; then prints what it did.
#
#   examples/upscale-file.sh [-s SCALE | -S WxH] [-n FRAMES] [-t WxH] [INPUT [OUTPUT]]
#
#   -s SCALE   scale factor for both axes, 1 to 8 (default 2)
#   -S WxH     output size instead (a per-axis scale from 1 to 8 each)
#   -n FRAMES  frames of the test clip when there is no INPUT (default 30)
#   -t WxH     size of the test clip (default 160x120: lavapipe is slow)
#   INPUT      any file GStreamer can decode (video or image); "" or none =
#              the test clip from videotestsrc, at 30 fps
#   OUTPUT     default anysr-out.mkv; the extension picks the encoder:
#              .mkv .webm: VP8 | .avi: Motion JPEG | .y4m: raw YUV4MPEG |
#              .png .jpg: the first frame as an image
#
# Uses the plugin in build/ (or ANYSR_BUILD_DIR) when it is built there.
set -euo pipefail
. "$(dirname "$0")/env.sh"

scale=2
size=
frames=30
clip=160x120
usage() { sed -n '2,17s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
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

if [ -n "$input" ]; then
  [ -f "$input" ] || { echo "error: no such file: $input" >&2; exit 1; }
  src=(filesrc "location=$input" ! decodebin ! videoconvert)
  what="$input"
else
  [[ $clip =~ ^([0-9]+)x([0-9]+)$ ]] || { echo "error: -t wants WIDTHxHEIGHT, e.g. 320x240" >&2; exit 2; }
  src=(videotestsrc "num-buffers=$frames" pattern=smpte ! "video/x-raw,width=${BASH_REMATCH[1]},height=${BASH_REMATCH[2]},framerate=30/1")
  what="videotestsrc ($frames frames)"
fi

if [ -n "$size" ]; then
  [[ $size =~ ^([0-9]+)x([0-9]+)$ ]] || { echo "error: -S wants WIDTHxHEIGHT, e.g. 1920x1080" >&2; exit 2; }
  sr=(anysr name=sr ! "video/x-raw,width=${BASH_REMATCH[1]},height=${BASH_REMATCH[2]}")
else
  sr=(anysr name=sr "scale=$scale")
fi

case ${output,,} in
  *.mkv) enc=(videoconvert ! vp8enc deadline=1 cpu-used=8 ! matroskamux) ;;
  *.webm) enc=(videoconvert ! vp8enc deadline=1 cpu-used=8 ! webmmux) ;;
  *.avi) enc=(videoconvert ! jpegenc ! avimux) ;;
  *.y4m) enc=(videoconvert ! video/x-raw,format=I420 ! y4menc) ;;
  *.png) enc=(videoconvert ! pngenc snapshot=true) ;;
  *.jpg | *.jpeg) enc=(videoconvert ! jpegenc snapshot=true) ;;
  *) echo "error: unknown output type: $output (use .mkv .webm .avi .y4m .png .jpg)" >&2; exit 2 ;;
esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s.%N)
if ! gst-launch-1.0 -v -e "${src[@]}" ! "${sr[@]}" ! "${enc[@]}" ! filesink "location=$output" >"$log" 2>&1; then
  grep -E "^(ERROR|WARNING|Additional debug info)|^[^/].*" "$log" | grep -v "^Setting\|^Pipeline\|^Redistribute\|^New clock\|^Got EOS\|^Execution\|^Freeing" >&2 || true
  echo "error: the pipeline failed (see above)" >&2
  exit 1
fi
end=$(date +%s.%N)

caps_of() { grep -E "GstAnySr:sr.GstPad:$1: caps = " "$log" | tail -n 1; }
field() { sed -nE "s/.* $1=\(int\)([0-9]+).*/\1/p"; }
in_caps=$(caps_of sink)
out_caps=$(caps_of src)
in_w=$(field width <<<"$in_caps"); in_h=$(field height <<<"$in_caps")
out_w=$(field width <<<"$out_caps"); out_h=$(field height <<<"$out_caps")
format=$(sed -nE 's/.*format=\(string\)([A-Za-z0-9]+).*/\1/p' <<<"$in_caps")
device=$(sed -nE 's/.*GstAnySr:sr: device-name = (.*)$/\1/p' "$log" | tail -n 1)

echo "anysr upscaled $what"
echo "  input      ${in_w}x${in_h} $format"
echo "  output     ${out_w}x${out_h} $format (scale $(awk -v a="$out_w" -v b="$in_w" -v c="$out_h" -v d="$in_h" 'BEGIN { printf "%.4g x %.4g", a / b, c / d }'))"
echo "  device     ${device:-unknown}"
echo "  time       $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f s", b - a }') (whole pipeline, encoding included)"
echo "  written to $output ($(stat -c %s "$output") bytes)"

#!/usr/bin/env bash
# Quick start, on a fresh Debian 12 machine as root (or with sudo):
#
#   ./examples/quickstart.sh [INPUT [OUTPUT]]
#
# installs what anysr needs to build and run (only the missing packages),
# builds it in build/ (meson + ninja), then upscales INPUT (any video or
# image file GStreamer decodes), or with no INPUT a short 160x120 clip (10 frames)
# from videotestsrc, twice in each direction into OUTPUT (default
# build/anysr-out.mkv: H.264 at constant quality, the audio kept) with
# anysr-upscale (through examples/upscale-file.sh), and prints what it did:
# sizes, encoder, Vulkan device, time, and how to run the element by hand.
# Running it again skips what is done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
  meson ninja-build pkg-config gcc libc6-dev python3
  glslang-tools libvulkan-dev libjson-glib-dev liborc-0.4-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  mesa-vulkan-drivers
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-tools
  # x264enc: anysr-upscale's encoder for .mkv / .mp4 (constant quality)
  gstreamer1.0-plugins-ugly
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: run as root (or install sudo) to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${packages[@]}"
fi

if [ ! -f build/build.ninja ]; then
  echo "== configuring build/"
  # the tests need more packages: bash .ci/run installs them and runs them
  meson setup -Dtests=false build
fi
echo "== building"
meson compile -C build

echo "== upscaling"
input=${1:-}
output=${2:-build/anysr-out.mkv}
if [ -n "$input" ]; then
  ./examples/upscale-file.sh -s 2 "$input" "$output"
else
  ./examples/upscale-file.sh -s 2 -n 10 -t 160x120 "" "$output"
fi
cat <<EOF

Next:
  build/tools/anysr-upscale/anysr-upscale --help      (images, folders, videos; docs/anysr-upscale.md)
  the element by hand, from this folder:
    GST_PLUGIN_PATH=$PWD/build/gst gst-launch-1.0 videotestsrc num-buffers=30 ! \\
      video/x-raw,format=I420,width=160,height=120 ! anysr scale=2 ! videoconvert ! autovideosink
  after meson install -C build to /usr/local, GStreamer programs need
    GST_PLUGIN_PATH=/usr/local/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/gstreamer-1.0
EOF

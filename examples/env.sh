# Sourced by the example scripts: makes the anysr plugin of this source tree's
# build folder (ANYSR_BUILD_DIR, default build/) visible to GStreamer, unless
# it is not built, in which case an installed anysr plugin is used.
anysr_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
anysr_build=${ANYSR_BUILD_DIR:-$anysr_root/build}
if [ -f "$anysr_build/gst/libgstanysr.so" ]; then
  export GST_PLUGIN_PATH="$anysr_build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
fi
if ! gst-inspect-1.0 anysr >/dev/null 2>&1; then
  echo "error: the GStreamer element anysr was not found." >&2
  echo "Build it first (./examples/quickstart.sh does it all, or meson setup build && meson compile -C build)," >&2
  echo "or install it (meson install -C build) and set GST_PLUGIN_PATH to where it went." >&2
  exit 1
fi

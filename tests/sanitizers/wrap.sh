#!/bin/sh
# exe_wrapper of the 'asan' test setup (tests/sanitizers/meson.build): writes
# the test's GStreamer registry (GST_REGISTRY_1_0, from the setup or the
# test) before the test runs, then runs it. A first scan of every system
# plugin in an instrumented process leaves GLib's first quark table unfreed
# (on purpose: GLib never frees a replaced one), a leak whose stack is too
# short for lsan.supp to match unless fast_unwind_on_malloc=0 (slow, and it
# can deadlock against lavapipe's threads); here gst-inspect-1.0 scans with
# leak detection off. When the registry is up to date this only reads it (a
# fraction of a second).
#
# Only the plugins these tests use are visible: GStreamer's core elements and
# gst-plugins-base and -good (a whitelist by Debian package). With more of
# the system's plugins (gst-plugins-bad for the gst-vulkan tests, -ugly and
# gst-libav for anysr-upscale), merely loading the registry registers more
# than the 2048 quarks of GLib's first table, and every test process would
# leak it. GST_PLUGIN_SYSTEM_PATH_1_0 points at a folder beside the registry
# holding links to the whitelisted plugins.
if [ -n "${GST_REGISTRY_1_0:-}" ] && [ -z "${GST_PLUGIN_SYSTEM_PATH_1_0:-}" ] &&
   command -v dpkg-query >/dev/null 2>&1; then
  dir=$(dirname "$GST_REGISTRY_1_0")/asan-plugins
  if [ ! -d "$dir" ]; then
    tmp="$dir.tmp.$$"
    mkdir -p "$tmp"
    for p in $(dpkg-query -L libgstreamer1.0-0 gstreamer1.0-plugins-base \
                 gstreamer1.0-plugins-good 2>/dev/null |
               grep '/gstreamer-1\.0/[^/]*\.so$'); do
      [ -e "$p" ] && ln -s "$p" "$tmp/"
    done
    mv "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp" # another test made it first
  fi
  GST_PLUGIN_SYSTEM_PATH_1_0=$dir
  export GST_PLUGIN_SYSTEM_PATH_1_0
fi
if [ -n "${GST_REGISTRY_1_0:-}" ] && command -v gst-inspect-1.0 >/dev/null 2>&1; then
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    gst-inspect-1.0 anysr >/dev/null 2>&1 || true
fi
exec "$@"

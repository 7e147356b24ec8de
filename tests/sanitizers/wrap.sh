#!/bin/sh
# exe_wrapper of the 'asan' test setup (tests/sanitizers/meson.build): writes
# the test's GStreamer registry (GST_REGISTRY_1_0, from the setup or the
# test) before the test runs, then runs it. A first scan of every system
# plugin in an instrumented process leaves GLib's first quark table unfreed
# (on purpose: GLib never frees a replaced one), a leak whose stack is too
# short for lsan.supp to match unless fast_unwind_on_malloc=0 (slow); here
# gst-inspect-1.0 scans with leak detection off. When the registry is up to
# date this only reads it (a fraction of a second).
if [ -n "${GST_REGISTRY_1_0:-}" ] && command -v gst-inspect-1.0 >/dev/null 2>&1; then
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    gst-inspect-1.0 anysr >/dev/null 2>&1 || true
fi
exec "$@"

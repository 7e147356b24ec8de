"""Run `gst-launch-1.0 filesrc ! pngdec ! videoconvert ! <format> ! anysr ... ! <out caps> !
filesink` on a PNG and read the raw 4-byte-per-pixel frame back (the Python tests that drive
the element from the command line: tests/common/pillow_bicubic.py, tests/quality/quality.py)."""

import os
import subprocess
import time

import numpy as np


def anysr_to_raw(gst_launch, png, raw, w, h, in_format="RGBA", props=(), out_caps="",
                 timeout=300, strict=False):
    """Upscale `png` to w x h through the element; returns (HxWx4 uint8 array, seconds).
    props: (name, value) pairs for anysr; out_caps: extra fields of the output caps
    ("format=RGBA," say). strict: a WARNING or ERROR in the output fails too.  Exits the
    test with the command and its output when the pipeline fails."""
    cmd = [gst_launch, "-q", "filesrc", "location=" + png, "!", "pngdec", "!", "videoconvert", "!",
           "video/x-raw,format=" + in_format, "!", "anysr"] + ["%s=%s" % kv for kv in props] + [
           "!", "video/x-raw,%swidth=%d,height=%d" % (out_caps, w, h), "!", "filesink",
           "location=" + raw]
    if os.path.exists(raw):
        os.unlink(raw)
    t = time.time()
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=timeout)
    dt = time.time() - t
    if res.returncode != 0 or (strict and ("WARNING" in res.stdout or "ERROR" in res.stdout)):
        print(" ".join(cmd))
        print(res.stdout)
        raise SystemExit("gst-launch-1.0 failed (%d)%s" % (res.returncode, " or warned" if strict else ""))
    data = np.fromfile(raw, dtype=np.uint8)
    if data.size != w * h * 4:
        raise SystemExit("%s: %d bytes, expected %d" % (raw, data.size, w * h * 4))
    return data.reshape(h, w, 4), dt

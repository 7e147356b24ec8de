#!/usr/bin/python3
"""Measures what the encoders of anysr-upscale keep of the network's output
(not a test: the numbers of docs/anysr-upscale.md#encoded-quality).

  measure_encoders.py ANYSR_UPSCALE DATA_DIR [WIDTHxHEIGHT [PHOTO]]

A clip of 10 frames panned across a photo of Set14 (each frame a
WIDTHxHEIGHT crop, 4 px right and 2 px down from the last: the ground
truth; the input its bicubic half, raw I420 in Matroska), upscaled x2. Prints
the Y-PSNR against the ground truth of the lossless element output, of
GStreamer's catrom scaler, of the encoder the example scripts used before
anysr-upscale (vp8enc deadline=1 cpu-used=8) and of anysr-upscale's
encoders, and each one's Y-PSNR against the lossless element output. Needs
GST_PLUGIN_PATH to reach the element. Default: 640x480 from barbara.png.
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_upscale as t  # noqa: E402

tool, data = sys.argv[1], sys.argv[2]
width, height = (int(v) for v in (sys.argv[3] if len(sys.argv) > 3 else "640x480").split("x"))
t.setup(tool, shutil.which("gst-launch-1.0"), data,
        sys.argv[4] if len(sys.argv) > 4 else "barbara.png")
count = 10
with tempfile.TemporaryDirectory(prefix="anysr-measure-") as tmp:
    clip = t.make_clip(tmp, "in.mkv", count, width, height)
    demux = "filesrc location=%s ! matroskademux name=d d.video_0 ! queue ! decodebin ! videoconvert" % clip
    t.launch("multifilesrc location=%s/gt%%02d.png index=0 stop-index=%d caps=image/png,"
             "framerate=10/1 ! pngdec ! videoconvert ! video/x-raw,format=I420 ! "
             "filesink location=%s/gt.yuv" % (tmp, count - 1, tmp))
    t.launch("%s ! anysr scale=2 ! video/x-raw,format=I420 ! filesink location=%s/ref.yuv"
             % (demux, tmp))
    t.launch("%s ! video/x-raw,format=I420 ! videoscale method=catrom ! video/x-raw,width=%d,"
             "height=%d ! filesink location=%s/catrom.yuv" % (demux, width, height, tmp))
    t.launch("%s ! anysr scale=2 ! videoconvert ! vp8enc deadline=1 cpu-used=8 ! matroskamux ! "
             "filesink location=%s/vp8.mkv" % (demux, tmp))
    gt = t.read_i420_y(os.path.join(tmp, "gt.yuv"), width, height)
    ref = t.read_i420_y(os.path.join(tmp, "ref.yuv"), width, height)

    def report(name, frames, size=None):
        print("%-34s %6.2f dB  (%+.2f)  %6.2f dB vs lossless%s" % (
            name, t.psnr(frames, gt), t.psnr(frames, gt) - t.psnr(ref, gt),
            t.psnr(frames, ref) if frames is not ref else float("inf"),
            "  %d bytes" % size if size else ""))

    print("%dx%d from %dx%d, %d frames of %s; Y-PSNR against the ground truth"
          % (width, height, width // 2, height // 2, count, os.path.basename(t.PHOTO)))
    report("lossless element", ref)
    report("videoscale method=catrom", t.read_i420_y(os.path.join(tmp, "catrom.yuv"), width, height))
    t.decode_video(os.path.join(tmp, "vp8.mkv"), os.path.join(tmp, "vp8.yuv"))
    report("vp8enc deadline=1 cpu-used=8 (old)", t.read_i420_y(os.path.join(tmp, "vp8.yuv"), width,
           height), os.path.getsize(os.path.join(tmp, "vp8.mkv")))
    for args, ext in [([], ".mkv"), (["-q", "23"], ".mkv"), (["-q", "28"], ".mkv"), ([], ".webm")]:
        out = os.path.join(tmp, "out" + ext)
        proc = t.run([tool, "--quiet"] + args + [clip, out])
        if proc.returncode != 0:
            t.fail(proc.stderr)
        t.decode_video(out, os.path.join(tmp, "out.yuv"))
        report("anysr-upscale %s%s" % (" ".join(args) + " " if args else "", ext),
               t.read_i420_y(os.path.join(tmp, "out.yuv"), width, height), os.path.getsize(out))

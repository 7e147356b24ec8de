#!/usr/bin/python3
"""Tests of anysr-upscale (docs/anysr-upscale.md), one case per argument:

  image     in.png --scale 2.5 gives the pixels of the element through gst-launch
  video     a clip of real photos with audio: the audio keeps its duration, the
            encoded video is within 0.5 dB Y-PSNR of the lossless element
            output against the ground truth; MP4 re-encodes the audio (Opus),
            same duration; --lossless gives the element output exactly
  folder    10 images -> 10 outputs, progress lines, two pipelines (--devices 0,0)
  pty       under a pseudo-terminal the progress line is rewritten in place
  sigint    SIGINT midway: a playable file with the frames done, exit 130
  errors    exit statuses and messages; a failing run leaves no file
  example   examples/upscale-image.c (libanysr, libpng) gives the element's pixels

usage: test_upscale.py CASE ANYSR_UPSCALE GST_LAUNCH DATA_DIR [UPSCALE_IMAGE]
Small frames: lavapipe runs the network on the CPU.
"""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

TOOL = LAUNCH = PHOTO = None


def setup(tool_path, launch_path, data, photo="baboon.png"):
    """The programs and the photo the cases use (measure_encoders.py too)."""
    global TOOL, LAUNCH, PHOTO
    TOOL, LAUNCH = tool_path, launch_path
    PHOTO = os.path.join(data, "eval", "Set14", photo)
    if not os.path.exists(PHOTO):
        PHOTO = sorted(
            os.path.join(data, "eval", "B100", f)
            for f in os.listdir(os.path.join(data, "eval", "B100")) if f.endswith(".png"))[0]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(args, **kw):
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)
    return proc


def launch(pipeline):
    proc = run([LAUNCH, "-q"] + pipeline.split())
    if proc.returncode != 0:
        fail("gst-launch failed: %s\n%s%s" % (pipeline, proc.stdout, proc.stderr))


def tool(args, expect=0):
    proc = run([TOOL] + args)
    sys.stdout.write(proc.stdout + proc.stderr)
    if expect is not None and proc.returncode != expect:
        fail("anysr-upscale %s: exit %d, expected %d" % (" ".join(args), proc.returncode, expect))
    return proc


def photo_frames(folder, count, width, height, step=4):
    """A pan across a photo: `count` crops of width x height (the ground
    truth), each with its half-size bicubic version (the input)."""
    photo = Image.open(PHOTO).convert("RGB")
    for i in range(count):
        crop = photo.crop((i * step, i * step // 2, i * step + width, i * step // 2 + height))
        crop.save(os.path.join(folder, "gt%02d.png" % i))
        crop.resize((width // 2, height // 2), Image.BICUBIC).save(
            os.path.join(folder, "lr%02d.png" % i))


def make_clip(folder, name, count, width, height, audio=True):
    """lr%02d.png -> raw I420 at 10 fps in Matroska, with a vorbis tone of the
    same duration."""
    photo_frames(folder, count, width, height)
    out = os.path.join(folder, name)
    pipeline = ("multifilesrc location=%s/lr%%02d.png index=0 stop-index=%d "
                "caps=image/png,framerate=10/1 ! pngdec ! videoconvert ! "
                "video/x-raw,format=I420 ! queue ! matroskamux name=m ! filesink location=%s"
                % (folder, count - 1, out))
    if audio:
        pipeline += (" audiotestsrc samplesperbuffer=4410 num-buffers=%d ! "
                     "audio/x-raw,rate=44100,channels=2 ! vorbisenc ! queue ! m." % count)
    launch(pipeline)
    return out


def read_i420_y(path, width, height):
    data = np.fromfile(path, dtype=np.uint8)
    frame = width * height * 3 // 2
    if data.size % frame:
        fail("%s: %d bytes, not whole %dx%d I420 frames" % (path, data.size, width, height))
    return data.reshape(-1, frame)[:, :width * height].reshape(-1, height, width)


def decode_video(path, raw):
    launch("filesrc location=%s ! matroskademux name=d d.video_0 ! queue ! decodebin ! "
           "videoconvert ! video/x-raw,format=I420 ! filesink location=%s" % (path, raw))


def audio_seconds(path, folder, demuxer="matroskademux"):
    raw = os.path.join(folder, "audio.raw")
    launch("filesrc location=%s ! %s name=d d.audio_0 ! queue ! decodebin ! "
           "audioconvert ! audioresample ! audio/x-raw,format=S16LE,channels=1,rate=48000 ! "
           "filesink location=%s" % (path, demuxer, raw))
    return os.path.getsize(raw) / 2 / 48000.0


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse)


def case_image(tmp):
    src = os.path.join(tmp, "in.png")
    Image.open(PHOTO).convert("RGB").crop((40, 40, 88, 72)).save(src)
    out = os.path.join(tmp, "out.png")
    ref = os.path.join(tmp, "ref.png")
    tool([src, out, "--scale", "2.5"])
    launch("filesrc location=%s ! decodebin ! videoconvert ! anysr scale=2.5 ! videoconvert ! "
           "pngenc ! filesink location=%s" % (src, ref))
    # the same pixels; either PNG may carry an opaque alpha channel (the
    # element ran on BGRx, pngenc takes RGB or RGBA)
    a = np.asarray(Image.open(out).convert("RGBA"))
    b = np.asarray(Image.open(ref).convert("RGBA"))
    if a.shape != (80, 120, 4) or a.shape != b.shape:
        fail("shapes %s %s" % (a.shape, b.shape))
    if np.any(a[..., 3] != 255) or np.any(b[..., 3] != 255):
        fail("alpha not opaque")
    if not np.array_equal(a, b):
        fail("pixels differ from the element's: %d of %d" % (np.count_nonzero(a != b), a.size))
    print("image: %s identical to the element's output through gst-launch" % (a.shape,))


def case_video(tmp):
    count, width, height = 10, 192, 128
    clip = make_clip(tmp, "in.mkv", count, width, height)
    out = os.path.join(tmp, "out.mkv")
    proc = tool([clip, out])
    if "audio remuxed" not in proc.stdout:
        fail("the summary does not say the audio was remuxed")
    # ground truth and the lossless element output, both through videoconvert to I420
    launch("multifilesrc location=%s/gt%%02d.png index=0 stop-index=%d caps=image/png,"
           "framerate=10/1 ! pngdec ! videoconvert ! video/x-raw,format=I420 ! "
           "filesink location=%s/gt.yuv" % (tmp, count - 1, tmp))
    launch("filesrc location=%s ! matroskademux name=d d.video_0 ! queue ! decodebin ! "
           "videoconvert ! anysr scale=2 ! video/x-raw,format=I420 ! filesink location=%s/ref.yuv"
           % (clip, tmp))
    decode_video(out, os.path.join(tmp, "out.yuv"))
    gt = read_i420_y(os.path.join(tmp, "gt.yuv"), width, height)
    ref = read_i420_y(os.path.join(tmp, "ref.yuv"), width, height)
    got = read_i420_y(os.path.join(tmp, "out.yuv"), width, height)
    if not (len(gt) == len(ref) == len(got) == count):
        fail("frames: ground truth %d, element %d, anysr-upscale %d" % (len(gt), len(ref), len(got)))
    p_ref, p_got = psnr(ref, gt), psnr(got, gt)
    p_enc = psnr(got, ref)
    print("video: Y-PSNR against the ground truth: lossless element %.2f dB, anysr-upscale "
          "%.2f dB (%+.2f dB); encoded against lossless %.2f dB; %d bytes"
          % (p_ref, p_got, p_got - p_ref, p_enc, os.path.getsize(out)))
    if p_got < p_ref - 0.5:
        fail("the encoded video loses %.2f dB of the network's output (limit 0.5)" % (p_ref - p_got))
    a_in, a_out = audio_seconds(clip, tmp), audio_seconds(out, tmp)
    print("audio: %.4f s in, %.4f s out" % (a_in, a_out))
    if a_in < 0.9 or abs(a_in - a_out) > 0.02:
        fail("audio duration %.4f s in, %.4f s out" % (a_in, a_out))
    # MP4 does not take Vorbis: re-encoded (Opus), the same duration
    mp4 = os.path.join(tmp, "out.mp4")
    proc = tool([clip, mp4])
    if "audio re-encoded" not in proc.stdout:
        fail("the summary does not say the audio was re-encoded")
    a_mp4 = audio_seconds(mp4, tmp, "qtdemux")
    print("audio: %.4f s in, %.4f s re-encoded in MP4" % (a_in, a_mp4))
    if abs(a_in - a_mp4) > 0.03:
        fail("re-encoded audio duration %.4f s, input %.4f s" % (a_mp4, a_in))
    lossless = os.path.join(tmp, "lossless.mkv")
    proc = tool(["--lossless", clip, lossless])
    decode_video(lossless, os.path.join(tmp, "lossless.yuv"))
    exact = read_i420_y(os.path.join(tmp, "lossless.yuv"), width, height)
    if not np.array_equal(exact, ref):
        fail("--lossless differs from the element's output")
    print("video: --lossless decodes to the element's output exactly")


def case_folder(tmp):
    src = os.path.join(tmp, "in")
    os.mkdir(src)
    photo = Image.open(PHOTO).convert("RGB")
    for i in range(10):
        photo.crop((i * 8, 0, i * 8 + 24, 16)).save(os.path.join(src, "img%02d.png" % i))
    out = os.path.join(tmp, "out")
    proc = tool([src, out, "--devices", "0,0"])
    names = sorted(os.listdir(out))
    if names != ["img%02d.png" % i for i in range(10)]:
        fail("outputs: %s" % names)
    for name in names:
        if Image.open(os.path.join(out, name)).size != (48, 32):
            fail("%s: size %s" % (name, Image.open(os.path.join(out, name)).size))
    done = re.findall(r"^\[(\d+)/10\] ", proc.stdout, re.M)
    progress = re.findall(r"^ *[0-9.]+%  \d+/10 files", proc.stderr, re.M)
    if len(done) != 10 or not progress:
        fail("expected 10 per-file lines and progress lines, got %d and %d" % (len(done), len(progress)))
    if "with 2 pipelines" not in proc.stdout:
        fail("--devices 0,0 did not run two pipelines")
    print("folder: 10 outputs, %d progress lines, two pipelines on device 0" % len(progress))


def case_pty(tmp):
    clip = make_clip(tmp, "in.mkv", 8, 96, 64, audio=False)
    out = os.path.join(tmp, "out.mkv")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(TOOL, [TOOL, clip, out])
    data = b""
    while True:
        try:
            ready, _, _ = select.select([fd], [], [], 600)
            chunk = os.read(fd, 4096) if ready else b""
        except OSError:
            chunk = b""
        if not chunk:
            break
        data += chunk
    _, status = os.waitpid(pid, 0)
    text = data.decode(errors="replace")
    sys.stdout.write(text.replace("\r", "<CR>"))
    if os.waitstatus_to_exitcode(status) != 0:
        fail("exit status %d" % os.waitstatus_to_exitcode(status))
    updates = re.findall(r"\r *[0-9.]+%  \d+/8 frames", text)
    lines = re.findall(r"\n *[0-9.]+%  \d+/8 frames", text)
    if len(updates) < 2 or lines:
        fail("expected the progress rewritten in place: %d in place, %d on new lines"
             % (len(updates), len(lines)))
    print("\npty: %d in-place progress updates" % len(updates))


def case_sigint(tmp):
    count = 40
    clip = make_clip(tmp, "in.mkv", count, 128, 96)
    out = os.path.join(tmp, "out.mkv")
    proc = subprocess.Popen([TOOL, clip, out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    # plain progress lines (not a terminal): wait for some frames, then Ctrl-C
    done = 0
    deadline = time.monotonic() + 500
    while done < 4 and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        match = re.search(r"(\d+)/%d frames" % count, line)
        if match:
            done = int(match.group(1))
    if done < 4:
        fail("no progress before the signal")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=500)
    sys.stdout.write(stdout + stderr)
    if proc.returncode != 130:
        fail("exit status %d after SIGINT, expected 130" % proc.returncode)
    if not os.path.exists(out):
        fail("no output after SIGINT")
    decode_video(out, os.path.join(tmp, "out.yuv"))
    frames = len(read_i420_y(os.path.join(tmp, "out.yuv"), 128, 96))
    if not (done <= frames < count):
        fail("%d frames in the interrupted file (%d done at the signal, %d in all)"
             % (frames, done, count))
    if [f for f in os.listdir(tmp) if f.endswith(".part")]:
        fail("a temporary file was left")
    print("sigint: exit 130, %d of %d frames, the file decodes" % (frames, count))
    # a second Ctrl-C stops at once: nothing under the final name, no temporary file
    out2 = os.path.join(tmp, "out2.mkv")
    proc = subprocess.Popen([TOOL, clip, out2], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    while True:
        line = proc.stderr.readline()
        if not line or re.search(r"[1-9]\d*/%d frames" % count, line):
            break
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=500)
    if proc.returncode != 130 or os.path.exists(out2) or "nothing written" not in stderr:
        fail("two SIGINTs: exit %d, output %s: %s" % (proc.returncode, os.path.exists(out2), stderr))
    if [f for f in os.listdir(tmp) if f.endswith(".part")]:
        fail("a temporary file was left after two SIGINTs")
    print("sigint: twice, exit 130 and no file")


def case_errors(tmp):
    src = os.path.join(tmp, "in.png")
    Image.open(PHOTO).convert("RGB").crop((0, 0, 16, 12)).save(src)
    bad = os.path.join(tmp, "bad.png")
    with open(bad, "w") as f:
        f.write("not an image\n")
    broken_model = os.path.join(tmp, "broken.safetensors")
    with open(broken_model, "wb") as f:
        f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{}garbage")
    out = os.path.join(tmp, "out.png")
    cases = [
        ([os.path.join(tmp, "missing.png"), out], 3, "no such file"),
        ([src, os.path.join(tmp, "out.xyz")], 2, "unknown output extension"),
        ([src, os.path.join(tmp, "no", "such", "dir", "out.png")], 4, "cannot write"),
        ([bad, out], 3, "cannot decode"),
        ([src, out, "--size", "8x6"], 5, "anysr cannot make 8x6"),
        ([src, out, "--scale", "9"], 5, "anysr cannot make"),
        ([src, out, "--scale", "two"], 2, "--scale wants"),
        ([src, os.path.join(tmp, "out.mkv"), "--size", "33x24"], 5, "even width and height"),
        ([src, out, "--model", broken_model], 1, "model"),
    ]
    for args, status, message in cases:
        proc = tool(args, expect=status)
        if message not in proc.stderr:
            fail("anysr-upscale %s: no '%s' in: %s" % (" ".join(args), message, proc.stderr))
        left = [f for f in os.listdir(tmp) if f.startswith(".") or f.startswith("out")]
        if left:
            fail("anysr-upscale %s left %s" % (" ".join(args), left))
    print("errors: %d cases, each with its status and message, no file left" % len(cases))


def case_example(tmp):
    example = sys.argv[5]
    src = os.path.join(tmp, "in.png")
    Image.open(PHOTO).convert("RGB").crop((100, 60, 148, 92)).save(src)
    out = os.path.join(tmp, "out.png")
    ref = os.path.join(tmp, "ref.png")
    proc = run([example, src, out, "3"])
    sys.stdout.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        fail("upscale-image: exit %d" % proc.returncode)
    launch("filesrc location=%s ! decodebin ! videoconvert ! video/x-raw,format=RGBA ! "
           "anysr scale=3 ! pngenc ! filesink location=%s" % (src, ref))
    a = np.asarray(Image.open(out).convert("RGBA"))
    b = np.asarray(Image.open(ref).convert("RGBA"))
    if a.shape != (96, 144, 4) or not np.array_equal(a, b):
        fail("upscale-image differs from the element: shapes %s %s, %d values"
             % (a.shape, b.shape, np.count_nonzero(a != b) if a.shape == b.shape else -1))
    print("example: upscale-image gives the element's pixels (%dx%d)" % (a.shape[1], a.shape[0]))


if __name__ == "__main__":
    setup(sys.argv[2], sys.argv[3], sys.argv[4])
    with tempfile.TemporaryDirectory(prefix="anysr-upscale-") as tmpdir:
        globals()["case_" + sys.argv[1]](tmpdir)
    print("PASS")

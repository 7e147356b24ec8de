#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Quality through the element: Set5 x2, the quality protocol (docs/testing.md#quality).

For every Set5 image: HR modcropped to a multiple of 2, LR = Pillow bicubic resize to
(W/2, H/2) saved as a PNG in the build folder, then per operating point

    gst-launch-1.0 filesrc location=lr.png ! pngdec ! videoconvert !
        video/x-raw,format=RGBA ! anysr subnet=N decoder=D ! 
        video/x-raw,format=RGBA,width=W,height=H ! filesink

and Y-PSNR with a shave of 2 (train/anysr_train/eval_protocol.py, the functions train/eval.py uses).
In the same run the PyTorch reference (train/anysr_train/network.py, the same model file) computes
the same op on the same LR images (train/eval.py's figure for that op).

Asserts, per image and for the mean: |element - reference| <= 0.05 dB; every op's
mean above bicubic's; and the model's quality bars on the whole images: the full op
(subnet 'top', heavy) >= 36.8 dB and the cheapest op (subnet 0, light) >= 35.2 dB.
And the routing bar: the full op routed at the model's default k within 0.10 dB
of the full op all-heavy (both through the element), with >= 40 % of the output pixels
on the light MLP (the reference's routes; the golden suite checks the engine's).

Spatial depth (docs/models.md#spatial-depth): the ops run at fixed depth (depth-target=1) unless their spec
gives a target (subnet:decoder:target, 'default' = the model's); the default list adds the
full op heavy at the model's default target, checked against the reference at that target
(the bars are of the fixed-depth ops).

Precision (fp16 against fp32 feature maps): the ops of --fp32-ops run a second time with
precision=fp32; the element's default (auto) keeps feature maps in fp16 where the device
has 16-bit storage. Asserts the mean of each within 0.02 dB of its fp32 run.

A fixed subnet runs as asked, above the scale-group cap too; subnet -1 runs the cap
(x2: (24,6)). The reference runs the op the element ran.  Without the element properties subnet and
decoder (gst-inspect-1.0 anysr), only the element's default op is checked (routed at
the cap with the model's k) and the missing properties are named in the log.

  PYTHONPATH=train:tests/common /usr/bin/python3 tests/quality/quality.py \
      --gst-launch gst-launch-1.0 --gst-inspect gst-inspect-1.0 --work DIR
      [--crop N] [--ops top:heavy,0:light,-1:routed,top:routed] [--model FILE]
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image

from anysr_train import evaluate as ev
from anysr_train import model_file
from anysr_train.datasets import DEFAULT_DATA
from anysr_train.eval_protocol import (bicubic_up, eval_images, lr_tensor, prepare, psnr_y,
                                       shave_of, to_uint8)
from anysr_train.network import Op, scale_cap
from gst_raw import anysr_to_raw

HERE = os.path.dirname(os.path.abspath(__file__))

TOL_DB = 0.05
SCALE = 2
BARS = {"full heavy": 36.8, "cheapest light": 35.2}
# routing bar: the full op routed at the model's default k, against the full op all-heavy
ROUTED_MAX_DROP_DB = 0.10
# fp16 feature maps against fp32 ones, Set5 x2 means through the element
FP16_MAX_DIFF_DB = 0.02
ROUTED_MIN_LIGHT = 0.40


def element_props(gst_inspect):
    res = subprocess.run([gst_inspect, "anysr"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=300)
    if res.returncode != 0:
        print(res.stdout)
        raise SystemExit("gst-inspect-1.0 anysr failed (is the plugin built? GST_PLUGIN_PATH_1_0=%s)"
                         % os.environ.get("GST_PLUGIN_PATH_1_0"))
    props = set()
    for line in res.stdout.splitlines():
        # property lines: two spaces, a name, spaces, ':' (gst-inspect layout)
        s = line.strip()
        if line.startswith("  ") and not line.startswith("    ") and ":" in s:
            name = s.split(":", 1)[0].strip()
            if name and " " not in name:
                props.add(name)
    return props


def centre_crop(hr, n):
    H, W = hr.shape[:2]
    ch, cw = min(n, H) // SCALE * SCALE, min(n, W) // SCALE * SCALE
    y0, x0 = (H - ch) // 2, (W - cw) // 2
    return np.ascontiguousarray(hr[y0:y0 + ch, x0:x0 + cw])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gst-launch", default="gst-launch-1.0")
    ap.add_argument("--gst-inspect", default="gst-inspect-1.0")
    ap.add_argument("--work", required=True, help="folder for the LR PNGs and outputs")
    ap.add_argument("--model", default=os.path.join(HERE, "..", "..", "models", "anysr-default.safetensors"),
                    help="the element's embedded model (its source file)")
    ap.add_argument("--ops", default="top:heavy,0:light,-1:routed,top:routed,top:heavy:default",
                    help="subnet:decoder[:target] list (subnet -1 = the scale cap, the element default; "
                         "top = the model's full subnet; target: the spatial depth target, 'default' "
                         "the model's, omitted = 1, every block)")
    ap.add_argument("--fp32-ops", default="top:heavy,0:light",
                    help="ops to run again with precision=fp32 ('' for none)")
    ap.add_argument("--crop", type=int, default=0, help="centre crops of N x N HR pixels (0: whole images)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", default=None, help="write the figures here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.work, exist_ok=True)
    t_start = time.time()

    model, arch, train = model_file.load_model(a.model)
    model.eval()
    k = float(arch.get("default_k", 0.0))
    ladder = [tuple(x) for x in arch["ladder"]]
    cap_wd = scale_cap(SCALE, SCALE, arch)
    cap = ladder.index(cap_wd)

    props = element_props(a.gst_inspect)
    have = {p: p in props for p in ("subnet", "decoder", "k", "precision", "depth-target")}
    print("element properties: %s" % ", ".join("%s %s" % (p, "yes" if v else "MISSING") for p, v in have.items()))
    ops = []
    if have["subnet"] and have["decoder"]:
        for spec in a.ops.split(","):
            parts = spec.split(":")
            sn, dec = parts[0], parts[1]
            tgt = 1.0
            if len(parts) > 2:
                tgt = float(arch.get("depth_target", 1.0)) if parts[2] == "default" else float(parts[2])
            if tgt < 1.0 and not (arch.get("depth_tile", 0) and have["depth-target"]):
                print("NOTE: %s skipped: the model has no depth adapter or the element no "
                      "depth-target" % spec)
                continue
            ops.append((len(ladder) - 1 if sn == "top" else int(sn), dec, tgt))
    else:
        print("NOTE: the element has no 'subnet'/'decoder' property yet: checking only its default op "
              "(routed at the scale cap, k = %g); ops asked for: %s" % (k, a.ops))
        ops.append((-1, "routed", 1.0))

    data_root = DEFAULT_DATA
    if not os.path.isdir(os.path.join(data_root, "eval", "Set5")):
        print("SKIP: no Set5 under %s/eval (set ANYSR_SHARED_DATA)" % data_root)
        return 77  # meson: skipped
    imgs = eval_images("Set5", data_root)
    print("Set5 from %s, x%d, %s, model %s (%s iterations), k %g, scale cap (%d,%d) = subnet %d" % (
        data_root, SCALE, "centre crops %dx%d" % (a.crop, a.crop) if a.crop else "whole images",
        os.path.basename(a.model), train.get("iterations"), k, cap_wd[0], cap_wd[1], cap))

    rows = {}      # op label -> list of (name, elem, ref, bic, maxdiff, frac_diff, seconds)
    rows32 = {}    # op label -> list of (name, element fp32, element default)
    fp32_ops = set()
    if have["precision"] and a.fp32_ops:
        for spec in a.fp32_ops.split(","):
            sn, dec = spec.split(":")
            fp32_ops.add((len(ladder) - 1 if sn == "top" else int(sn), dec))
    bic_all = []
    failures = []
    for name, hr0 in imgs:
        if a.crop:
            hr0 = centre_crop(hr0, a.crop)
        hr, lr = prepare(hr0, SCALE, SCALE)
        H, W = hr.shape[:2]
        sh = shave_of(SCALE, SCALE)
        stem = os.path.splitext(name)[0]
        png = os.path.join(a.work, "%s_lr_x%d.png" % (stem, SCALE))
        Image.fromarray(lr).save(png)
        bic = psnr_y(bicubic_up(lr, H, W), hr, sh)
        bic_all.append(bic)
        lt = lr_tensor(lr)
        for sn, dec, tgt in ops:
            run_sn = cap if sn < 0 else sn
            c, d = ladder[run_sn]
            label = "subnet %d (%d,%d) %s" % (run_sn, c, d, dec)
            if tgt < 1.0:
                label += " depth %.2f" % tgt
            eprops = []
            if have["depth-target"]:
                eprops.append(("depth-target", "%.9g" % tgt))
            if have["subnet"]:
                eprops.append(("subnet", sn))
            if have["decoder"]:
                eprops.append(("decoder", dec))
            if have["k"] and dec == "routed":
                eprops.append(("k", "%.9g" % k))
            raw = os.path.join(a.work, "%s_x%d_%d_%s_%g.rgba" % (stem, SCALE, run_sn, dec, tgt))
            out, dt = anysr_to_raw(a.gst_launch, png, raw, W, H, props=eprops, out_caps="format=RGBA,",
                                   timeout=900, strict=True)
            out = out[..., :3]
            elem = psnr_y(out, hr, sh)
            if (sn, dec) in fp32_ops and tgt >= 1.0:
                raw32 = raw.replace(".rgba", "_fp32.rgba")
                out32, dt32 = anysr_to_raw(a.gst_launch, png, raw32, W, H,
                                           props=eprops + [("precision", "fp32")],
                                           out_caps="format=RGBA,", timeout=900, strict=True)
                e32 = psnr_y(out32[..., :3], hr, sh)
                rows32.setdefault(label, []).append((stem, e32, elem))
                print("  %-10s %4dx%-4d %-26s precision fp32 %7.3f, default %7.3f  (diff %+.4f)  "
                      "[%.1f s]" % (stem, W, H, label, e32, elem, elem - e32, dt32), flush=True)
            hf = None
            with torch.no_grad():
                if dec == "routed":
                    # eval.py's path: the same output, and the share of heavy pixels
                    oh, ol, delta = ev.decode_all(model, lt, (c, d), H, W)
                    o, hf = ev.compose_routed(oh, ol, delta, k, arch)
                    ref_img = to_uint8(o[0])
                else:
                    ref_img = to_uint8(model(lt, H, W, Op(c, d, dec, k, target=tgt))[0])
            ref = psnr_y(ref_img, hr, sh)
            diff = np.abs(out.astype(np.int32) - ref_img.astype(np.int32))
            rows.setdefault(label, []).append((stem, elem, ref, bic, int(diff.max()),
                                               float((diff > 0).mean()), dt, hf))
            ok = abs(elem - ref) <= TOL_DB
            if not ok:
                failures.append("%s %s: element %.3f dB vs reference %.3f dB (|diff| %.3f > %.2f)" % (
                    stem, label, elem, ref, abs(elem - ref), TOL_DB))
            print("  %-10s %4dx%-4d %-26s element %7.3f  reference %7.3f  (diff %+.4f)  bicubic %7.3f  "
                  "max |px diff| %d on %.4f %% of the values  [%.1f s]%s" % (
                      stem, W, H, label, elem, ref, elem - ref, bic, int(diff.max()),
                      100.0 * float((diff > 0).mean()), dt, "" if ok else "  FAIL"), flush=True)

    bic_mean = float(np.mean(bic_all))
    print("\nSet5 x%d means (Y-PSNR dB, shave %d)%s:" % (SCALE, shave_of(SCALE, SCALE),
                                                         ", centre crops %d" % a.crop if a.crop else ""))
    print("| op (element) | element | reference (PyTorch) | diff | model table | bicubic | element - bicubic |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    summary = {}
    table = train.get("psnr", [])
    for label, rs in rows.items():
        e = float(np.mean([r[1] for r in rs]))
        r = float(np.mean([r[2] for r in rs]))
        # the model's metadata table (eval.py at export) has exactly this case on whole images
        wd, dec = tuple(int(v) for v in label.split("(")[1].split(")")[0].split(",")), label.split()[3]
        trow = next((t for t in table if t["set"] == "Set5" and t["scale"] == "x%d" % SCALE and
                     (t["width"], t["depth"]) == wd and (dec != "routed" or abs(t.get("k", k) - k) < 1e-6)), None)
        tval = "%.3f" % trow[dec] if trow and not a.crop and "depth" not in label else "-"
        print("| %s | %.3f | %.3f | %+.4f | %s | %.3f | %+.3f |" % (label, e, r, e - r, tval, bic_mean, e - bic_mean))
        summary[label] = {"element": e, "reference": r, "bicubic": bic_mean,
                          "images": [{"name": x[0], "element": x[1], "reference": x[2], "bicubic": x[3],
                                      "max_px_diff": x[4], "frac_px_diff": x[5], "seconds": x[6]} for x in rs]}
        if abs(e - r) > TOL_DB:
            failures.append("%s mean: element %.3f vs reference %.3f" % (label, e, r))
        if e <= bic_mean:
            failures.append("%s mean: element %.3f dB not above bicubic %.3f dB (reference %.3f)" % (
                label, e, bic_mean, r))
        row_sn = int(label.split()[1])
        bar_key = {("heavy", len(ladder) - 1): "full heavy", ("light", 0): "cheapest light"}.get((dec, row_sn))
        if "depth" in label:
            bar_key = None  # the bars are of the fixed-depth ops
        if bar_key and not a.crop and e < BARS[bar_key]:
            failures.append("%s mean: element %.3f dB below the bar of %.1f dB (%s)" % (
                label, e, BARS[bar_key], bar_key))

    if rows32:
        print("\nPrecision (Set5 x%d means through the element): default (auto) vs fp32" % SCALE)
        print("| op | fp32 | default | diff |")
        print("| --- | ---: | ---: | ---: |")
        for label, rs in rows32.items():
            e32 = float(np.mean([r[1] for r in rs]))
            ed = float(np.mean([r[2] for r in rs]))
            print("| %s | %.3f | %.3f | %+.4f |" % (label, e32, ed, ed - e32))
            summary.setdefault(label, {})["element_fp32"] = e32
            if abs(ed - e32) > FP16_MAX_DIFF_DB:
                failures.append("%s: default precision %.3f dB vs fp32 %.3f dB (bar %.2f dB)" % (
                    label, ed, e32, FP16_MAX_DIFF_DB))

    # routing bar: the full op routed at the default k within 0.10 dB of all-heavy,
    # with at least 40 % of the output pixels on the light MLP (share from the reference,
    # whose routes the golden suite proves the engine's)
    top = len(ladder) - 1
    lab_h = next((lb for lb in rows if lb.startswith("subnet %d " % top) and lb.endswith(" heavy")), None)
    # (depth-target rows end in "depth T": not these)
    lab_r = next((lb for lb in rows if lb.startswith("subnet %d " % top) and lb.endswith(" routed")), None)
    if lab_h and lab_r and not a.crop:
        drop = summary[lab_h]["element"] - summary[lab_r]["element"]
        light = 1.0 - float(np.mean([x[7] for x in rows[lab_r]]))
        ok = drop <= ROUTED_MAX_DROP_DB and light >= ROUTED_MIN_LIGHT
        print("\nRouting bar (Set5 x2, full op, k %g): routed %.3f dB, heavy %.3f dB, drop %.3f dB "
              "(bar <= %.2f), light share %.1f %% (bar >= %.0f %%)  %s" % (
                  k, summary[lab_r]["element"], summary[lab_h]["element"], drop, ROUTED_MAX_DROP_DB,
                  100 * light, 100 * ROUTED_MIN_LIGHT, "meets" if ok else "BELOW"))
        summary[lab_r]["light_share"] = light
        if drop > ROUTED_MAX_DROP_DB:
            failures.append("%s: %.3f dB below all-heavy (bar %.2f dB)" % (lab_r, drop, ROUTED_MAX_DROP_DB))
        if light < ROUTED_MIN_LIGHT:
            failures.append("%s: light share %.1f %% (bar %.0f %%)" % (lab_r, 100 * light, 100 * ROUTED_MIN_LIGHT))

    # quality bars (asserted above for the ops this run drove through the element)
    print("\nQuality bars (Set5 x2):")
    get = lambda wd: next((r for r in table if r["set"] == "Set5" and r["scale"] == "x2" and
                           (r["width"], r["depth"]) == wd), None)
    full_wd, cheap_wd = ladder[-1], ladder[0]
    for desc, wd, key, bar in (("full op (%d,%d) heavy" % full_wd, full_wd, "heavy", BARS["full heavy"]),
                               ("cheapest op (%d,%d) light" % cheap_wd, cheap_wd, "light", BARS["cheapest light"])):
        r = get(wd)
        v = "%.3f dB" % r[key] if r else "not in the table"
        verdict = "" if not r else ("meets" if r[key] >= bar else "BELOW")
        print("  model metadata (eval.py, no scale cap): %-26s %s  bar %.1f  %s" % (desc, v, bar, verdict))
    for label, s in summary.items():
        print("  element, this run:                      %-26s %.3f dB" % (label, s["element"]))

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"crop": a.crop, "bicubic": bic_mean, "ops": summary, "props": have}, f, indent=1)
    print("\ntotal %.0f s" % (time.time() - t_start))
    if failures:
        print("\nFAILED:")
        for f in failures:
            print("  " + f)
        return 1
    print("PASS: element within %.2f dB of the reference on every image and op, above bicubic, "
          "full and cheapest ops at or above their bars%s" % (
              TOL_DB, ", full op routed within the routing bar" if lab_h and lab_r and not a.crop else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

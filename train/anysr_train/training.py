"""Train the anysr model (AnySR random-subnet training + PCSR light/classifier stage).

Every iteration picks one operating point: the full network with probability p, else
one of the smaller ladder points uniformly.  The encoder runs on whole 48x48 LR crops
(per-sample (sx, sy) in [1, 4]); the decoders run on a random subset of HR query pixels.

Stage 1 (default): L1 of the heavy decoder and of the light decoder train the encoder
and both MLPs (--light-enc 0 keeps the light MLP on detached features); the classifier
trains beside them on detached features, so it stays in step with the encoder.
Stage 2 (--stage 2, PCSR's second stage): encoder and heavy MLP frozen; light MLP and
classifier trained.  Classifier loss (default --cls-loss bce): binary cross-entropy of
delta = logit_h - logit_l against "this pixel's L1 gain of heavy over light is above
the batch median" -- balanced 50/50 by construction, so routing cannot collapse to one
side.  --cls-loss mix is PCSR's soft mixture p_h*heavy + (1-p_h)*light (detached) plus
the balancing loss |mean(p_h) - 0.5|; on frozen features it ranked pixels far worse
(docs/models.md#training).

Examples:
  /usr/bin/python3 train/train.py --threads 1 --init models/anysr-default.safetensors
  /usr/bin/python3 train/train.py --resume            # continue train/runs/ckpt.pt
"""

import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from .paths import TRAIN_DIR
from .datasets import DEFAULT_DATA, Sampler, load_train_cache
from .eval_protocol import psnr_dataset
from .network import ARCH, AnySR, Op, query_inputs, run_mlp
from . import model_file


def source_arch(sd):
    """ARCH, with the adapter's width and pooling of the state dict sd (the checkpoint
    resumed or the model warm-started from; None: neither) when it has an adapter (an
    older adapter keeps its form)."""
    if sd is None or not any(k.startswith("adapter.") for k in sd):
        return dict(ARCH)
    from . import evaluate as ev
    return ev.arch_from_state(sd)


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(TRAIN_DIR, "runs"), help="checkpoint folder")
    ap.add_argument("--iters", type=int, default=200000, help="stop at this global iteration")
    ap.add_argument("--total-iters", type=int, default=200000, help="length of the cosine LR schedule")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-min", type=float, default=1e-5)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr-size", type=int, default=48)
    ap.add_argument("--queries", type=int, default=48 * 48, help="HR query pixels per crop")
    ap.add_argument("--query-window", type=int, default=48,
                    help="queries = a random WxW block of the HR crop (0: --queries scattered pixels)")
    ap.add_argument("--cls-smooth", type=int, default=9,
                    help="box size (HR pixels) over which the heavy gain is averaged for the classifier target")
    ap.add_argument("--p", type=float, default=0.6, help="probability of the full network")
    ap.add_argument("--smin", type=float, default=1.0)
    ap.add_argument("--smax", type=float, default=4.0)
    ap.add_argument("--p-asym", type=float, default=0.5, help="share of asymmetric scale pairs")
    ap.add_argument("--light-enc", type=float, default=1.0,
                    help="weight of the light-decoder L1 that reaches the encoder (0: light MLP on detached features)")
    ap.add_argument("--cls-loss", default="bce", choices=("bce", "mix"),
                    help="bce: classify 'heavy gains more than the batch median' (balanced by construction); "
                         "mix: PCSR soft-mixture L1 + balancing loss")
    ap.add_argument("--balance", type=float, default=1.0, help="weight of the balancing loss (mix)")
    ap.add_argument("--stage", type=int, default=1, choices=(1, 2))
    ap.add_argument("--p-adapt", type=float, default=0.5,
                    help="probability of an iteration with spatial depth (AdaDSR; model with an adapter)")
    ap.add_argument("--tmin", type=float, default=0.3, help="depth targets t ~ U(tmin, tmax) per sample")
    ap.add_argument("--tmax", type=float, default=0.95)
    ap.add_argument("--depth-loss", type=float, default=1.0,
                    help="weight of AdaDSR's depth loss mean_b max(0, mean(depth)/d - t)")
    ap.add_argument("--freeze-adapter", action="store_true",
                    help="keep the depth adapter as it is (e.g. fitted by fit_adapter.py) and train the rest "
                         "under its depth maps")
    ap.add_argument("--adapter-only", action="store_true",
                    help="train the depth adapter only (the rest frozen)")
    ap.add_argument("--adapter-lr", type=float, default=None, help="lr of the adapter (default --lr)")
    ap.add_argument("--adapter-guide", type=float, default=0.0,
                    help="weight of a guidance loss that pulls each tile's s towards its share of the "
                         "batch's LR high-frequency energy, sqrt(hp_tile) / mean(sqrt(hp)) "
                         "(a texture prior; the gradient through the gates refines it)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--resume", action="store_true", help="continue from OUT/ckpt.pt")
    ap.add_argument("--init", default=None, help="warm start from a .safetensors model")
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--eval-every", type=int, default=2000, help="Set5 x2 check every N iterations (0: never)")
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--subsets", default=None, help="comma list of train/ subfolders (default all)")
    ap.add_argument("--ema", type=float, default=0.999, help="decay of the weight average that is exported")
    ap.add_argument("--device", default=None)
    return ap.parse_args()


def lr_at(it, a, warm_from=0):
    """Cosine schedule on the global iteration; linear warm-up over --warmup iterations
    at the start and again after a warm start (--init: fresh optimizer state)."""
    if it - warm_from < a.warmup:
        w = (it - warm_from + 1) / a.warmup
        return w * lr_at(it, a, warm_from=-10 ** 9) if warm_from > 0 else a.lr * w
    t = min(1.0, (it - a.warmup) / max(1, a.total_iters - a.warmup))
    return a.lr_min + 0.5 * (a.lr - a.lr_min) * (1 + math.cos(math.pi * t))


def pick_op(rng, p, ladder):
    if rng.random() < p:
        return tuple(ladder[-1])
    return tuple(ladder[rng.integers(0, len(ladder) - 1)])


def save_ckpt(path, model, ema, opt, it, rng, curve, args):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "it": it,
                "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                "curve": curve, "args": vars(args), "arch": model.arch}, tmp)
    os.replace(tmp, path)


def fmt_time(s):
    s = int(s)
    return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)


def quick_eval(model, ladder):
    was = model.training
    model.eval()
    r = {
        "full_heavy_x2": psnr_dataset(model, Op(*ladder[-1], "heavy"), "Set5", 2, 2),
        "min_light_x2": psnr_dataset(model, Op(*ladder[0], "light"), "Set5", 2, 2),
    }
    if model.adapter is not None:
        t = model.arch.get("depth_target", 0.65)
        r["full_heavy_t_x2"] = psnr_dataset(model, Op(*ladder[-1], "heavy", target=t), "Set5", 2, 2)
    model.train(was)
    return r


def main():
    a = parse()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, "ckpt.pt")
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    rng = np.random.default_rng(a.seed)

    ck = torch.load(ckpt_path, map_location="cpu") if a.resume and os.path.exists(ckpt_path) else None
    init = model_file.load_model(a.init) if ck is None and a.init else None
    arch = source_arch(ck["model"] if ck is not None else init[0].state_dict() if init is not None else None)
    model = AnySR(arch)
    warm_from = 0
    ema = AnySR(arch)
    ema_state = None
    it = 0
    curve = []
    opt_state = None
    if ck is not None:
        model.load_state_dict(ck["model"])
        opt_state = ck["opt"]
        ema_state = ck.get("ema")
        it = ck["it"]
        curve = ck.get("curve", [])
        rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])
        print("resumed %s at iteration %d" % (ckpt_path, it), flush=True)
    elif init is not None:
        m2, _, tinfo = init
        missing = [k for k in model.load_state_dict(m2.state_dict(), strict=False).missing_keys]
        if missing:
            # a model from before the adapter: s = softplus(z) starts at 1 everywhere
            assert all(k.startswith("adapter.") for k in missing), missing
            with torch.no_grad():
                model.adapter.fc2.weight.mul_(0.1)
                model.adapter.fc2.bias.fill_(math.log(math.e - 1.0))
            print("new depth adapter (%d tensors)" % len(missing), flush=True)
        it = int(tinfo.get("iterations", 0))
        warm_from = it
        curve = list(tinfo.get("curve", []))
        rng = np.random.default_rng(a.seed + it)
        torch.manual_seed(a.seed + it)
        print("warm start from %s (iteration %d)" % (a.init, it), flush=True)
    # the exported weights are the exponential moving average (ema); eval/snapshots use it
    elif a.resume:
        print("no checkpoint at %s; starting fresh" % ckpt_path, flush=True)

    ema.load_state_dict(ema_state if ema_state is not None else model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    model.to(dev)
    ema.to(dev)
    if dev.type == "cpu":
        model.to(memory_format=torch.channels_last)
        ema.to(memory_format=torch.channels_last)
    m_params = list(model.parameters())
    e_params = list(ema.parameters())
    ladder = ARCH["ladder"]
    if a.stage == 2:
        for p in list(model.head.parameters()) + list(model.blocks.parameters()) + \
                list(model.tail.parameters()) + list(model.dec.heavy.parameters()):
            p.requires_grad_(False)
    if a.freeze_adapter and model.adapter is not None:
        for p in model.adapter.parameters():
            p.requires_grad_(False)
    if a.adapter_only:
        a.p_adapt = 1.0
        for n_, p in model.named_parameters():
            p.requires_grad_(n_.startswith("adapter."))
    ad_params = [p for n_, p in model.named_parameters() if p.requires_grad and n_.startswith("adapter.")]
    params = [p for n_, p in model.named_parameters() if p.requires_grad and not n_.startswith("adapter.")]
    groups = [{"params": params, "lr": a.lr, "scale": 1.0}] if params else []
    if ad_params:
        groups.append({"params": ad_params, "lr": a.lr, "scale": (a.adapter_lr or a.lr) / a.lr})
    opt = torch.optim.Adam(groups, lr=a.lr)
    if opt_state is not None:
        try:
            opt.load_state_dict(opt_state)
            for g, want in zip(opt.param_groups, groups):
                g["scale"] = want["scale"]  # this run's --adapter-lr, not the checkpoint's
        except ValueError:
            print("optimizer state does not match (stage change?); fresh optimizer", flush=True)

    images = load_train_cache(a.data, subsets=a.subsets.split(",") if a.subsets else None)
    qwin = min(a.query_window, a.lr_size)
    sampler = Sampler(images, a.lr_size, a.queries, a.smin, a.smax, a.p_asym, window=qwin)
    print("train images: %d, threads %d, device %s, stage %d, p %.2f" % (len(images), a.threads, dev, a.stage, a.p), flush=True)

    tty = sys.stdout.isatty()
    t_start = time.time()
    t_ckpt = time.time()
    it0 = it
    avg = {}
    model.train()
    while it < a.iters:
        lr_now = lr_at(it, a, warm_from)
        for g in opt.param_groups:
            g["lr"] = lr_now * g.get("scale", 1.0)
        c, d = pick_op(rng, a.p, ladder)
        lr_np, xs, ys, tgt, hw = sampler.batch(rng, a.batch)
        lr_t = torch.from_numpy(lr_np).to(dev)
        if dev.type == "cpu":
            lr_t = lr_t.contiguous(memory_format=torch.channels_last)
        xs, ys = torch.from_numpy(xs).to(dev), torch.from_numpy(ys).to(dev)
        tgt = torch.from_numpy(tgt).to(dev)
        hw_t = torch.from_numpy(hw).to(dev)
        scale = torch.stack([hw_t[:, 1].float() / a.lr_size, hw_t[:, 0].float() / a.lr_size], 1)

        adapt = model.adapter is not None and d > 0 and rng.random() < a.p_adapt
        l_d = torch.zeros(())
        if adapt:
            t_b = torch.from_numpy(rng.uniform(a.tmin, a.tmax, a.batch).astype(np.float32)).to(dev)
            with torch.set_grad_enabled(a.stage == 1 or a.adapter_only):
                feat, st = model.encode(lr_t, scale, c, d, return_stages=True, target=t_b, ste=True)
            # AdaDSR depth loss on the continuous depth the tiles get (capped at d)
            md = torch.clamp(st["dc"], max=float(d)).mean((1, 2)) / d
            l_d = a.depth_loss * F.relu(md - t_b).mean()
            if a.adapter_guide > 0:
                T = model.adapter.tile
                hp = (lr_t - F.avg_pool2d(lr_t, 3, 1, 1, count_include_pad=False)).abs().mean(1, keepdim=True)
                g = F.avg_pool2d(hp, T, ceil_mode=True)[:, 0].sqrt()
                g = g / g.mean().clamp(min=1e-6)
                s_t = st["dc"] / (d * t_b).view(-1, 1, 1)
                l_g = (s_t - g.detach()).abs().mean()
                l_d = l_d + a.adapter_guide * l_g
                avg["guide"] = l_g.item() if "guide" not in avg else 0.98 * avg["guide"] + 0.02 * l_g.item()
            avg["depth"] = st["depth"].mean().item() / d if "depth" not in avg else \
                0.98 * avg["depth"] + 0.02 * st["depth"].mean().item() / d
        else:
            with torch.set_grad_enabled(a.stage == 1):
                feat = model.encode(lr_t, scale, c, d)
        inp, base = query_inputs(lr_t, feat, xs, ys, hw_t[:, 0], hw_t[:, 1])
        res = tgt - base
        if a.stage == 1 or a.adapter_only:
            oh = run_mlp(model.dec.heavy, inp)
            l_h = (oh - res).abs().mean()
        else:
            with torch.no_grad():
                oh = run_mlp(model.dec.heavy, inp)
            l_h = (oh - res).abs().mean().detach()
        inp_d = inp.detach()
        if a.stage == 1 and a.light_enc > 0:
            # the light MLP's loss also trains the encoder (weight light_enc); the MLP
            # itself gets the full gradient
            inp_l = a.light_enc * inp + (1 - a.light_enc) * inp_d if a.light_enc != 1 else inp
        else:
            inp_l = inp_d
        ol = run_mlp(model.dec.light, inp_l)
        l_l = (ol - res).abs().mean()
        lg = run_mlp(model.dec.cls, inp_d)
        ph = torch.softmax(lg, -1)[..., :1]
        if a.cls_loss == "mix":
            mix = ph * oh.detach() + (1 - ph) * ol.detach()
            l_c = (mix - res).abs().mean() + a.balance * (ph.mean() - 0.5).abs()
        else:
            with torch.no_grad():
                gain = ((ol - res).abs() - (oh - res).abs()).mean(-1)
                if qwin and a.cls_smooth > 1:
                    # regional gain: routing maps come out in coherent regions, so
                    # the 3x3 refinement touches few pixels
                    g2 = gain.view(-1, 1, qwin, qwin)
                    gain = F.avg_pool2d(g2, a.cls_smooth, 1, a.cls_smooth // 2,
                                        count_include_pad=False).view(gain.shape)
                tgt_h = (gain > gain.median()).float()
            l_c = F.binary_cross_entropy_with_logits(lg[..., 0] - lg[..., 1], tgt_h)
        loss = (l_h if a.stage == 1 or a.adapter_only else 0) + l_l + l_c + l_d
        if not torch.isfinite(loss):
            print("non-finite loss at %d; skipped" % it, flush=True)
            opt.zero_grad(set_to_none=True)
            it += 1
            continue
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            torch._foreach_mul_(e_params, a.ema)
            torch._foreach_add_(e_params, m_params, alpha=1 - a.ema)
        it += 1

        for k, v in (("heavy", l_h.item()), ("light", l_l.item()), ("ph", ph.mean().item())):
            avg[k] = v if k not in avg else 0.98 * avg[k] + 0.02 * v
        if it % a.log_every == 0 or it == a.iters:
            el = time.time() - t_start
            spi = el / max(1, it - it0)
            eta = spi * (a.iters - it)
            line = "it %d/%d  L1 heavy %.5f light %.5f  p_h %.2f  depth %.3f guide %.3f  lr %.2e  %.2f s/it  elapsed %s  ETA %s" % (
                it, a.iters, avg["heavy"], avg["light"], avg["ph"], avg.get("depth", 1.0), avg.get("guide", 0.0), lr_now, spi,
                fmt_time(el), fmt_time(eta))
            if tty:
                print("\r" + line, end="", flush=True)
            else:
                print(line, flush=True)
        if a.eval_every and it % a.eval_every == 0:
            r = quick_eval(ema, ladder)
            r["it"] = it
            curve.append(r)
            print("%seval it %d: Set5 x2 full/heavy %.3f dB, (8,2)/light %.3f dB, full/heavy t %.3f dB" % (
                "\n" if tty else "", it, r["full_heavy_x2"], r["min_light_x2"], r.get("full_heavy_t_x2", 0.0)),
                flush=True)
            with open(os.path.join(a.out, "curve.jsonl"), "a") as f:
                f.write(json.dumps(r) + "\n")
            torch.save(ema.state_dict(), os.path.join(a.out, "snap_%07d.pt" % it))
        if time.time() - t_ckpt > a.ckpt_minutes * 60 or it == a.iters:
            save_ckpt(ckpt_path, model, ema, opt, it, rng, curve, a)
            t_ckpt = time.time()
    save_ckpt(ckpt_path, model, ema, opt, it, rng, curve, a)
    print("\ndone at iteration %d" % it, flush=True)


if __name__ == "__main__":
    main()

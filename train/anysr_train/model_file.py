"""Model file <-> AnySR module (docs/design.md#model-file)."""

import json

import numpy as np
import torch

from . import safetensors_io
from .network import ARCH, AnySR, tensor_names

FORMAT = "1"


def state_to_tensors(model):
    sd = model.state_dict()
    out = {}
    for name, shape in tensor_names(model.arch):
        t = sd[name]
        assert tuple(t.shape) == tuple(shape), (name, t.shape, shape)
        out[name] = t.detach().cpu().float().contiguous()
    return out


def save_model(path, model, train_info, arch=None, dtype="F32"):
    arch = dict(arch or model.arch)
    meta = {
        "anysr.format": FORMAT,
        "anysr.arch": json.dumps(arch, sort_keys=True),
        "anysr.train": json.dumps(train_info, sort_keys=True),
    }
    safetensors_io.save(path, state_to_tensors(model), meta, dtype=dtype)


def load_model(path, strict=True):
    """Returns (model, arch dict, train dict).  Checks names, shapes and finiteness."""
    tensors, meta = safetensors_io.load(path)
    if meta.get("anysr.format") != FORMAT:
        raise ValueError("anysr.format %r unsupported" % meta.get("anysr.format"))
    arch = json.loads(meta["anysr.arch"])
    train = json.loads(meta.get("anysr.train", "{}"))
    base = dict(ARCH)
    base["depth_tile"] = 0  # files from before the depth adapter: fixed depth only
    base["adapter_pool"] = "mean"  # files from before the pooled maximum
    base.update(arch)
    model = AnySR(base)
    sd = {}
    for name, shape in tensor_names(base):
        if name not in tensors:
            raise ValueError("tensor %s missing" % name)
        a = tensors[name]
        if tuple(a.shape) != tuple(shape):
            raise ValueError("tensor %s shape %s, expected %s" % (name, a.shape, shape))
        if not np.isfinite(a).all():
            raise ValueError("tensor %s not finite" % name)
        sd[name] = torch.from_numpy(a.astype(np.float32))
    extra = set(tensors) - set(sd)
    if extra and strict:
        raise ValueError("unexpected tensors: %s" % sorted(extra))
    model.load_state_dict(sd)
    return model, base, train

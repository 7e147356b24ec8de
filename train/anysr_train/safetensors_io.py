"""Minimal safetensors reader/writer (json + struct; no safetensors package needed).

Format: 8-byte little-endian header length N, N bytes of JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
then the raw little-endian tensor data; offsets are relative to the end of the header.
"""

import json
import struct
from collections import OrderedDict

import numpy as np

_DT = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "F64": np.dtype("<f8"),
       "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "U8": np.dtype("u1"), "I8": np.dtype("i1")}
_NAME = {v: k for k, v in _DT.items()}


def _as_numpy(t):
    if hasattr(t, "detach"):
        t = t.detach().cpu().contiguous().numpy()
    return np.ascontiguousarray(t)


def save(path, tensors, metadata=None, dtype=None):
    """tensors: ordered mapping name -> array/tensor (written in that order).
    dtype: None keeps each array's dtype; 'F16'/'F32' converts floats."""
    header = OrderedDict()
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    off = 0
    for name, t in tensors.items():
        a = _as_numpy(t)
        if dtype is not None and a.dtype.kind == "f":
            a = a.astype(_DT[dtype])
        a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        dt = _NAME[np.dtype(a.dtype.str)]
        b = a.tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)  # align data start to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


def load(path):
    """Returns (OrderedDict name -> numpy array, metadata dict).  Validates offsets."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("%s: too short" % path)
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError("%s: header length %d beyond file" % (path, n))
    header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=OrderedDict)
    meta = header.pop("__metadata__", {}) or {}
    body = memoryview(data)[8 + n:]
    out = OrderedDict()
    for name, info in header.items():
        dt = _DT[info["dtype"]]
        b, e = info["data_offsets"]
        shape = tuple(info["shape"])
        if not (0 <= b <= e <= len(body)) or e - b != int(np.prod(shape, dtype=np.int64)) * dt.itemsize:
            raise ValueError("%s: bad offsets for %s" % (path, name))
        out[name] = np.frombuffer(body[b:e], dtype=dt).reshape(shape).copy()
    return out, dict(meta)

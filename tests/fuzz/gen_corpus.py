#!/usr/bin/env python3
"""Seed corpus for tests/fuzz/fuzz_model.c (the safetensors parser and the
model loader): the shipped default model, its header alone and truncations,
a small valid model (F32 and F16) and variants of its header that the loader
must refuse (duplicate keys, deep nesting, numbers out of range, hex, bytes
after the data), and plain safetensors blobs.

    gen_corpus.py DEFAULT_MODEL OUT_DIR [STAMP]

Deterministic; standard library only. SPDX-License-Identifier: LGPL-2.1-or-later
"""
import json
import os
import random
import struct
import sys


def blob(header, data=b""):
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def small_model(f16=False, arch_patch=None, raw_arch=None):
    """A valid anysr model: F 8, D 1 (train/anysr_train/network.py tensor_names())."""
    F, D, chunk, hs, heavy, light = 8, 1, 8, 4, [4], [4]
    arch = {"family": "anysr", "F": F, "D": D, "chunk": chunk, "sa_hidden": hs,
            "sa_scale_input": "raw", "ladder": [[8, 1]], "dec_heavy": heavy,
            "dec_light": light, "scale_caps": [[None, [8, 1]]], "default_k": 0.25}
    arch.update(arch_patch or {})
    nsa = F + F // chunk * 2
    t = [("head.weight", [F, 3, 3, 3]), ("head.bias", [F])]
    for i in range(D):
        t += [(f"blocks.{i}.conv1.weight", [F, F, 3, 3]), (f"blocks.{i}.conv1.bias", [F]),
              (f"blocks.{i}.sa.fc1.weight", [hs, nsa]), (f"blocks.{i}.sa.fc1.bias", [hs]),
              (f"blocks.{i}.sa.fc2.weight", [F, hs]), (f"blocks.{i}.sa.fc2.bias", [F]),
              (f"blocks.{i}.conv2.weight", [F, F, 3, 3]), (f"blocks.{i}.conv2.bias", [F])]
    t += [("tail.weight", [F, F, 3, 3]), ("tail.bias", [F])]
    for m, hid in (("heavy", heavy), ("light", light)):
        prev = F + 4
        for j, outs in enumerate(hid + [3]):
            t += [(f"dec.{m}.{2 * j}.weight", [outs, prev]), (f"dec.{m}.{2 * j}.bias", [outs])]
            prev = outs
    t += [("dec.cls.weight", [2, F + 4]), ("dec.cls.bias", [2])]
    rng = random.Random(1)
    header = {"__metadata__": {"anysr.format": "1",
                               "anysr.arch": raw_arch if raw_arch is not None else json.dumps(arch),
                               "anysr.train": "{}"}}
    data = bytearray()
    esz = 2 if f16 else 4
    for name, shape in t:
        n = 1
        for s in shape:
            n *= s
        begin = len(data)
        for _ in range(n):
            v = rng.uniform(-0.5, 0.5)
            data += struct.pack("<e" if f16 else "<f", v)
        header[name] = {"dtype": "F16" if f16 else "F32", "shape": shape,
                        "data_offsets": [begin, begin + n * esz]}
    return header, bytes(data)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    default_model, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    files = {}
    with open(default_model, "rb") as f:
        full = f.read()
    hlen = struct.unpack("<Q", full[:8])[0]
    files["default.safetensors"] = full
    files["default-header-only"] = full[:8 + hlen]
    for cut in (0, 7, 8, 100, hlen // 2, 8 + hlen + 1000):
        files[f"default-cut-{cut}"] = full[:cut]

    h, d = small_model()
    files["small.safetensors"] = blob(h, d)
    h16, d16 = small_model(f16=True)
    files["small-f16.safetensors"] = blob(h16, d16)
    files["small-trailing"] = blob(h, d + b"\0" * 16)
    text = json.dumps(h)
    files["small-dup-key"] = blob(text.replace('{"__metadata__": {',
                                                '{"__metadata__": {"anysr.format": "7", ', 1).encode(), d)
    files["small-deep-header"] = blob(text[:-1].encode() + b', "x": ' + b"[" * 70 + b"]" * 70 + b"}", d)
    files["small-int-overflow"] = blob(text.replace('"shape": [8]', '"shape": [18446744073709551624]', 1).encode(), d)
    files["small-hex"] = blob(text.replace('"shape": [8]', '"shape": [0x8]', 1).encode(), d)
    for name, patch in (("k-1e308", {"default_k": 1e308}), ("cap-limit", {"scale_caps": [[1.5, [8, 1]]]}),
                        ("F-big", {"F": 4096}), ("ladder-bad", {"ladder": [[8, 2]]})):
        hh, dd = small_model(arch_patch=patch)
        files[f"small-arch-{name}"] = blob(hh, dd)
    arch_text = h["__metadata__"]["anysr.arch"]
    for name, raw in (("arch-dup", '{"F": 16, ' + arch_text[1:]),
                      ("arch-deep", "[" * 80 + "]" * 80),
                      ("arch-wrap", arch_text.replace('"D": 1', '"D": -18446744073709551615')),
                      ("arch-octal", arch_text.replace('"F": 8', '"F": 010'))):
        hh, dd = small_model(raw_arch=raw)
        files[f"small-{name}"] = blob(hh, dd)

    vals = struct.pack("<6f", 1.0, -2.5, 3.25, 0.0, 1e-3, 42.0) + struct.pack("<2H", 0x3C00, 0xC000)
    files["plain.safetensors"] = blob({"__metadata__": {"note": "x"},
                                       "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                                       "h": {"dtype": "F16", "shape": [2], "data_offsets": [24, 28]}}, vals)
    files["plain-empty"] = blob({})
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    if len(sys.argv) == 4:
        with open(sys.argv[3], "w") as f:
            f.write(f"{len(files)} files\n")


if __name__ == "__main__":
    main()

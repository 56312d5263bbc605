"""The safetensors format, byte for byte as the ``safetensors`` package writes it: an 8-byte
little-endian header size, a JSON header padded with spaces to a multiple of 8 bytes, then
each tensor's contiguous bytes, ordered by dtype (widest first) and then by name.

>>> import io, os, tempfile, tensorjit as tj
>>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
>>> tj.safetensors.save_file({"w": tj.eye(2), "b": tj.zeros(2)}, path, metadata={"step": "3"})
>>> sorted(tj.safetensors.load_file(path).items())[1]
('w', tensor([[1., 0.],
        [0., 1.]]))
"""
from __future__ import annotations

import json
import os
import struct
import tempfile

import numpy as np

from . import _dtypes
from ._shape import contiguous_strides
from ._tensor import Tensor, make_dense

__all__ = ["save", "save_file", "load", "load_file"]

# safetensors dtype names, in the package's order (it writes wider dtypes first).
_ORDER = ["BOOL", "U8", "I8", "I16", "U16", "F16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
_TO_ST = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "uint16": "U16", "float16": "F16",
          "int32": "I32", "uint32": "U32", "float32": "F32", "complex64": "C64", "float64": "F64",
          "int64": "I64", "uint64": "U64"}
_FROM_ST = {v: k for k, v in _TO_ST.items()}
_MAX_HEADER = 100_000_000   # the package's own limit


class SafetensorError(RuntimeError):
    """A safetensors file or buffer that can't be read: truncated, corrupted or malformed."""


def save(tensors, metadata=None):
    """The safetensors bytes of a dict of named tensors (contiguous copies are written)."""
    if not isinstance(tensors, dict):
        raise TypeError(f"safetensors.save(): expected a dict of tensors, got {type(tensors).__name__}")
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError("safetensors.save(): metadata must be a dict of str to str")
    items = []
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"safetensors.save(): tensor names must be str, got {type(name).__name__}")
        if not isinstance(t, Tensor):
            raise TypeError(f"safetensors.save(): {name!r} is a {type(t).__name__}, not a Tensor")
        if t._dtype.name not in _TO_ST:
            raise TypeError(f"safetensors.save(): {name!r} has dtype {t._dtype.name}, which safetensors can't store")
        if t.device.type != "cpu":
            t = t.cpu()
        items.append((name, t))
    items.sort(key=lambda it: (-_ORDER.index(_TO_ST[it[1]._dtype.name]), it[0]))
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs, pos = [], 0
    for name, t in items:
        b = np.ascontiguousarray(t.numpy()).tobytes() if t.numel() else b""
        header[name] = {"dtype": _TO_ST[t._dtype.name], "shape": list(t._shape), "data_offsets": [pos, pos + len(b)]}
        blobs.append(b)
        pos += len(b)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((-len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def save_file(tensors, filename, metadata=None):
    """Write a dict of named tensors to ``filename`` in the safetensors format, atomically."""
    data = save(tensors, metadata)
    path = os.fspath(filename)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".st-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(data, name="<bytes>"):
    """The dict of tensors in safetensors bytes ``data`` (metadata is checked, then dropped)."""
    data = bytes(data)
    if len(data) < 8:
        raise SafetensorError(f"safetensors: {name}: too short to hold a header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER or 8 + n > len(data):
        raise SafetensorError(f"safetensors: {name}: header of {n} bytes does not fit in {len(data)} bytes "
                              f"(truncated or not a safetensors file)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"safetensors: {name}: invalid header ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorError(f"safetensors: {name}: header is not a JSON object")
    header.pop("__metadata__", None)
    body = np.frombuffer(data, np.uint8, offset=8 + n)
    spans = []
    out = {}
    for key, e in header.items():
        try:
            d = _dtypes.as_dtype(_FROM_ST[e["dtype"]])
            shape = tuple(int(s) for s in e["shape"])
            b, end = (int(v) for v in e["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise SafetensorError(f"safetensors: {name}: malformed entry {key!r}") from None
        numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if any(s < 0 for s in shape) or end - b != numel * d.itemsize or b < 0 or end > body.size:
            raise SafetensorError(f"safetensors: {name}: entry {key!r} ({d.name}, shape {list(shape)}) has bad "
                                  f"data offsets [{b}, {end}] for a body of {body.size} bytes")
        spans.append((b, end))
        arr = body[b:end].copy().view(d.knp)
        out[key] = make_dense(arr, shape, contiguous_strides(shape), 0, d)
    spans.sort()
    pos = 0
    for b, end in spans:
        if b != pos:
            raise SafetensorError(f"safetensors: {name}: tensor data overlaps or leaves gaps at byte {pos}")
        pos = end
    if pos != body.size:
        raise SafetensorError(f"safetensors: {name}: {body.size - pos} trailing bytes after the tensor data")
    return out


def load_file(filename, device="cpu"):
    """The dict of tensors in safetensors file ``filename``, on ``device``."""
    path = os.fspath(filename)
    with open(path, "rb") as f:
        out = load(f.read(), name=path)
    if str(device) != "cpu":
        out = {k: v.to(device) for k, v in out.items()}
    return out

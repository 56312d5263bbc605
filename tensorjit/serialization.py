"""``tensorjit.save`` / ``tensorjit.load``: tensors and nested containers in a file format that
loading can never turn into code execution.

Note [file format]
    A file is ``MAGIC`` (8 bytes), the header length (8 bytes, little-endian), a UTF-8 JSON
    header, then the storages' raw bytes, each starting at a multiple of ``ALIGN`` bytes from
    the start of the file (so ``mmap=True`` can view them in place). The header holds
    ``storages`` (byte offset, byte length, CRC-32 of the bytes) and ``object``, the saved
    value encoded as JSON with tagged dicts for what JSON lacks: tensors (storage index,
    dtype, shape, strides, offset in elements, device), tuples, dicts with non-string keys,
    bytes, complex numbers, dtypes. Tensors whose kernel arrays cover the same memory are
    saved as one storage, so a view and its base (or a complex tensor and its ``.real``)
    share memory again after loading. Loading parses JSON only: nothing in a file names code,
    so nothing in a file can run. Every size, offset, checksum and tensor extent is checked
    against the file before any tensor is built, and errors name the file.
"""
from __future__ import annotations

import base64
import io
import json
import os
import struct
import tempfile
import zlib

import numpy as np

from . import _dtypes
from ._shape import extent
from ._tensor import Tensor, make

MAGIC = b"TJSAVE\x00\x01"
ALIGN = 64
VERSION = 1
_MAX_HEADER = 1 << 30


class LoadError(RuntimeError):
    """A file tensorjit.load refuses: foreign, truncated, corrupted or holding values it doesn't allow."""


# -- saving ------------------------------------------------------------------------------------
class _Writer:
    """Encodes an object; tensors' bytes go to ``storages``, one per memory buffer, covering
    the span of that buffer the saved tensors use (not a whole array a tensor slices)."""

    def __init__(self, obj):
        self.storages = []          # uint8 arrays
        self.where = {}             # id(kernel array) -> (storage index, byte offset)
        spans = {}                  # root buffer key -> [root uint8 view, lo, hi, kernel arrays]
        for t in _tensors(obj):
            data = t._data
            root = data
            while isinstance(root.base, np.ndarray):
                root = root.base
            if root.flags.c_contiguous and root.size:
                flat = root.reshape(-1).view(np.uint8)
                key = (flat.ctypes.data, flat.nbytes)
            else:
                flat = data.view(np.uint8)
                key = ("own", id(data))
            lo = data.ctypes.data - flat.ctypes.data
            hi = lo + data.nbytes
            sp = spans.get(key)
            if sp is None:
                spans[key] = [flat, lo, hi, [data]]
            else:
                sp[1], sp[2] = min(sp[1], lo), max(sp[2], hi)
                sp[3].append(data)
        for flat, lo, hi, arrays in spans.values():
            i = len(self.storages)
            self.storages.append(flat[lo:hi])
            for a in arrays:
                self.where[id(a)] = (i, a.ctypes.data - flat.ctypes.data - lo)

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if np.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, Tensor) and hasattr(obj, "_save_state"):
            return {"__qtensor__": self.encode(obj._save_state())}
        if isinstance(obj, Tensor):
            i, byte0 = self.where[id(obj._data)]
            isz = obj._dtype.itemsize
            return {"__tensor__": {"storage": i, "byte_offset": byte0, "dtype": obj._dtype.name,
                                   "shape": list(obj._shape), "strides": list(obj._strides),
                                   "offset": obj._offset, "numel": len(obj._data), "itemsize": isz}}
        if isinstance(obj, _dtypes.dtype):
            return {"__dtype__": obj.name}
        if isinstance(obj, complex):
            return {"__complex__": [self.encode(obj.real), self.encode(obj.imag)]}
        if isinstance(obj, (bytes, bytearray)):
            return {"__bytes__": base64.b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        if isinstance(obj, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in obj):
                return {k: self.encode(v) for k, v in obj.items()}
            return {"__dict__": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, (np.integer, np.floating, np.bool_)):
            return self.encode(obj.item())
        raise TypeError(f"save(): can't save an object of type {type(obj).__name__}; tensorjit.save takes tensors, "
                        f"numbers, strings, bytes, None, dtypes and lists, tuples and dicts of them")


def _tensors(obj):
    """Every tensor in ``obj`` (CPU copies of CUDA tensors are made by ``encode``)."""
    if isinstance(obj, Tensor):
        parts = getattr(obj, "_save_parts", None)   # quantized tensors: their plain parts
        yield from (parts() if parts else (obj,))
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _tensors(v)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _tensors(k)
            yield from _tensors(v)


def _pad(n):
    return (-n) % ALIGN


def _serialize(obj, f):
    obj = _on_cpu(obj)
    w = _Writer(obj)
    encoded = w.encode(obj)
    # Storage offsets depend on the header's length, which depends on the offsets: lay the
    # data out relative to the aligned end of the header, then fix the header size.
    rel, entries = 0, []
    for buf in w.storages:
        entries.append({"offset": rel, "nbytes": int(buf.nbytes), "crc32": zlib.crc32(buf)})
        rel += buf.nbytes + _pad(buf.nbytes)
    header = {"format": "tensorjit", "version": VERSION, "storages": entries, "object": encoded}
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    start = len(MAGIC) + 8 + len(text)
    data0 = start + _pad(start)
    f.write(MAGIC)
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    f.write(b"\0" * (data0 - start))
    for buf in w.storages:
        f.write(memoryview(buf))
        f.write(b"\0" * _pad(buf.nbytes))


def save(obj, f):
    """Save a tensor, or nested lists/tuples/dicts of tensors and plain values, to a path or a
    binary file object. Writing to a path is atomic: a temporary file is renamed into place,
    so an interrupted save leaves any old file intact. See Note [file format].

    >>> import os, tempfile, tensorjit as tj
    >>> path = os.path.join(tempfile.mkdtemp(), "x.tj")
    >>> x = tj.arange(6).view(2, 3)
    >>> tj.save({"x": x, "row": x[1]}, path)
    >>> d = tj.load(path)
    >>> d["row"].tolist(), d["row"].storage_offset()
    ([3, 4, 5], 3)
    """
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        d = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                _serialize(obj, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        _serialize(obj, f)


# -- loading -----------------------------------------------------------------------------------
def _describe_foreign(head):
    if head.startswith(b"PK\x03\x04"):
        return "it looks like a zip archive (a PyTorch torch.save file?); tensorjit.load never unpickles"
    if head[:1] == b"\x80":
        return "it looks like a pickle; tensorjit.load never unpickles (pickles can run code)"
    if head[:8] == b"\x89HDF\r\n\x1a\n":
        return "it is an HDF5 file: use tensorjit.hdf5.load"
    return "bad magic bytes"


class _Reader:
    def __init__(self, name, header, storages):
        self.name, self.header, self.storages = name, header, storages

    def fail(self, why):
        raise LoadError(f"load(): {self.name}: {why}")

    def decode(self, x):
        if x is None or isinstance(x, (bool, str, int, float)):
            return x
        if isinstance(x, list):
            return [self.decode(v) for v in x]
        if not isinstance(x, dict):
            self.fail(f"unexpected value of type {type(x).__name__} in the header")
        if len(x) == 1:
            (tag, v), = x.items()
            if tag == "__tensor__":
                return self.tensor(v)
            if tag == "__tuple__":
                return tuple(self.decode(e) for e in self._list(v))
            if tag == "__dict__":
                out = {}
                for pair in self._list(v):
                    if not isinstance(pair, list) or len(pair) != 2:
                        self.fail("malformed dict entry")
                    k = self.decode(pair[0])
                    try:
                        out[k] = self.decode(pair[1])
                    except TypeError:
                        self.fail("unhashable dict key")
                return out
            if tag == "__float__":
                if v not in ("inf", "-inf", "nan"):
                    self.fail(f"bad float {v!r}")
                return float(v)
            if tag == "__complex__":
                re, im = self._list(v)
                return complex(self.decode(re), self.decode(im))
            if tag == "__bytes__":
                try:
                    return base64.b64decode(v, validate=True)
                except Exception:
                    self.fail("bad base64 bytes")
            if tag == "__dtype__":
                return self._dtype(v)
            if tag == "__qtensor__":
                from ._quantized_tensor import from_state
                try:
                    return from_state(self.decode(v))
                except (AttributeError, ValueError) as e:
                    self.fail(f"malformed quantized tensor: {e}")
            if tag.startswith("__"):
                self.fail(f"refusing unknown tag {tag!r}")
        for k in x:
            if not isinstance(k, str) or k.startswith("__"):
                self.fail(f"refusing unknown tag {k!r}")
        return {k: self.decode(v) for k, v in x.items()}

    def _list(self, v):
        if not isinstance(v, list):
            self.fail("malformed header: expected a list")
        return v

    def _dtype(self, name):
        if not isinstance(name, str) or name not in _dtypes._BY_NAME:
            self.fail(f"unknown dtype {name!r}")
        return _dtypes.as_dtype(name)

    def tensor(self, v):
        if not isinstance(v, dict):
            self.fail("malformed tensor entry")
        try:
            i, byte0, numel = int(v["storage"]), int(v["byte_offset"]), int(v["numel"])
            shape, strides, off = [int(n) for n in v["shape"]], [int(s) for s in v["strides"]], int(v["offset"])
            d = self._dtype(v["dtype"])
        except (KeyError, TypeError, ValueError):
            self.fail("malformed tensor entry")
        if not 0 <= i < len(self.storages):
            self.fail(f"tensor names storage {i}, but the file has {len(self.storages)}")
        buf = self.storages[i]
        isz = d.itemsize
        if byte0 < 0 or numel < 0 or byte0 + numel * isz > buf.nbytes:
            self.fail(f"tensor data ({numel} x {d.name} at byte {byte0}) lies outside its storage "
                      f"of {buf.nbytes} bytes")
        if len(shape) != len(strides) or any(n < 0 for n in shape):
            self.fail(f"bad tensor shape {shape} / strides {strides}")
        e = extent(tuple(shape), tuple(strides), off)
        if e is not None and (e[0] < 0 or e[1] >= numel):
            self.fail(f"tensor of shape {shape}, strides {strides} and offset {off} reaches outside its "
                      f"{numel} elements")
        data = buf[byte0:byte0 + numel * isz].view(d.knp)
        return make(data, tuple(shape), tuple(strides), off, d)


def _read_header(name, read, size):
    head = read(16)
    if len(head) < 16 or head[:8] != MAGIC:
        if len(head) >= 8 and head[:6] == MAGIC[:6]:
            raise LoadError(f"load(): {name}: unsupported tensorjit file version {head[6:8]!r}")
        raise LoadError(f"load(): {name}: not a tensorjit file ({_describe_foreign(head)})")
    (n,) = struct.unpack("<Q", head[8:16])
    if n > _MAX_HEADER or (size is not None and 16 + n > size):
        raise LoadError(f"load(): {name}: header of {n} bytes is larger than the file (truncated or corrupted)")
    text = read(n)
    if len(text) != n:
        raise LoadError(f"load(): {name}: truncated header")
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise LoadError(f"load(): {name}: corrupted header ({e})") from None
    if not isinstance(header, dict) or header.get("format") != "tensorjit" or "object" not in header:
        raise LoadError(f"load(): {name}: malformed header")
    if header.get("version") != VERSION:
        raise LoadError(f"load(): {name}: unsupported format version {header.get('version')!r}")
    start = 16 + n
    return header, start + _pad(start)


def load(f, map_location=None, *, mmap=False, weights_only=True):
    """Load what ``save`` wrote, from a path or a binary file object. Never runs code from the
    file (Note [file format]); a foreign, truncated or corrupted file raises ``LoadError``
    naming it. ``mmap=True`` (paths only) maps the tensors' bytes from the file instead of
    reading them (copy-on-write: writes stay in memory; checksums are not verified).
    ``map_location`` moves the loaded tensors to a device.

    >>> import io, tensorjit as tj
    >>> buf = io.BytesIO(); tj.save([tj.tensor([1.5, 2.5]), (3, "x")], buf); _ = buf.seek(0)
    >>> tj.load(buf)
    [tensor([1.5000, 2.5000]), (3, 'x')]
    """
    if not weights_only:
        raise ValueError("load(): weights_only=False is not supported: tensorjit files never hold code")
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        size = os.path.getsize(name)
        with open(name, "rb") as fh:
            header, data0 = _read_header(name, fh.read, size)
            if mmap:
                storages = _storages(name, header, data0, size, None, np.memmap(name, np.uint8, "c") if size else None)
            else:
                fh.seek(data0)
                storages = _storages(name, header, data0, size, fh, None)
    else:
        if mmap:
            raise ValueError("load(): mmap=True needs a path, not a file object")
        name = getattr(f, "name", None) or type(f).__name__
        raw = f.read()
        fh = io.BytesIO(raw)
        header, data0 = _read_header(name, fh.read, len(raw))
        fh.seek(data0)
        storages = _storages(name, header, data0, len(raw), fh, None)
    obj = _Reader(name, header, storages).decode(header["object"])
    if map_location is not None:
        obj = _move(obj, map_location)
    return obj


def _storages(name, header, data0, size, fh, mm):
    entries = header.get("storages")
    if not isinstance(entries, list):
        raise LoadError(f"load(): {name}: malformed header (storages)")
    out = []
    end = data0
    for e in entries:
        if isinstance(e, dict) and isinstance(e.get("offset"), int) and isinstance(e.get("nbytes"), int):
            end = max(end, data0 + e["offset"] + e["nbytes"] + _pad(e["nbytes"]))
    if end != size and entries:
        raise LoadError(f"load(): {name}: the file has {size} bytes but its header describes {end}: "
                        f"{'truncated' if size < end else 'trailing data'}")
    for k, e in enumerate(entries):
        try:
            off, nbytes, crc = int(e["offset"]), int(e["nbytes"]), int(e["crc32"])
        except (KeyError, TypeError, ValueError):
            raise LoadError(f"load(): {name}: malformed storage entry {k}") from None
        if off < 0 or nbytes < 0 or data0 + off + nbytes > size:
            raise LoadError(f"load(): {name}: storage {k} ({nbytes} bytes at {data0 + off}) lies beyond the end of "
                            f"the file ({size} bytes): truncated or corrupted")
        if mm is not None:
            out.append(mm[data0 + off:data0 + off + nbytes].view(np.ndarray))   # a plain ndarray view: tensors check type(_data)
            continue
        fh.seek(data0 + off)
        buf = np.empty(nbytes, np.uint8)
        if fh.readinto(memoryview(buf)) != nbytes:
            raise LoadError(f"load(): {name}: truncated data in storage {k}")
        if zlib.crc32(buf) != crc:
            raise LoadError(f"load(): {name}: checksum mismatch in storage {k}: the file is corrupted")
        out.append(buf)
    return out


def _on_cpu(obj):
    if isinstance(obj, Tensor):
        return obj if obj.device.type == "cpu" else obj.cpu()
    if isinstance(obj, list):
        return [_on_cpu(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_on_cpu(v) for v in obj)
    if isinstance(obj, dict):
        return {_on_cpu(k): _on_cpu(v) for k, v in obj.items()}
    return obj


def _move(obj, device):
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, list):
        return [_move(v, device) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_move(v, device) for v in obj)
    if isinstance(obj, dict):
        return {k: _move(v, device) for k, v in obj.items()}
    return obj

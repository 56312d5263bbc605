"""Copies into existing tensors: ``copy_``, ``fill_``, ``zero_``, and dtype/device moves (``to``)."""
from __future__ import annotations

import numpy as np

from . import _dtypes
from ._device import as_device
from ._dispatch import cast_into, check_operand, _check_writable
from ._shape import broadcast_shapes, like_strides
from ._storage import allocate
from ._tensor import Tensor, make
from .cuda._tensor import CudaTensor
from ._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]


def copy_(self, src, non_blocking=False, *, _op="copy_"):
    """Copy ``src`` into ``self`` in place, broadcasting and converting dtype; returns ``self``.

    >>> import tensorjit as tj
    >>> a = tj.zeros(2, 2, dtype=tj.int32); a.copy_(tj.tensor([1.7, 2.2])).tolist()
    [[1, 2], [1, 2]]
    """
    key = (type(self) in _KEYED or type(src) in _KEYED) and _key_of(self, src)  # Note [layout dispatch]
    if key and _lookup("copy_", key):
        return _lookup("copy_", key)(self, src, non_blocking, _op=_op)
    if not isinstance(src, Tensor):
        raise TypeError(f"{_op}(): argument 'src' must be Tensor, not {type(src).__name__}")
    shape = src._shape
    while len(shape) > len(self._shape) and shape[0] == 1:
        shape = shape[1:]
    if shape != src._shape:
        src = src.reshape(shape)
    b = broadcast_shapes(self._shape, src._shape, op=_op)
    if b != self._shape:
        raise RuntimeError(f"{_op}: source shape {tuple(src._shape)} ({src._dtype.name}) cannot be broadcast to "
                           f"the destination shape {tuple(self._shape)} ({self._dtype.name})")
    if type(self) is CudaTensor or type(src) is CudaTensor:
        return _copy_devices(self, src, _op)
    _check_writable(self, _op)
    return cast_into(self, src)


def _copy_devices(dest, src, op):
    """``copy_`` where a CUDA tensor is involved: move ``src`` to ``dest``'s device (one transfer
    in ``src``'s dtype), then copy and convert there."""
    from .cuda import _dispatch as cu
    _check_writable(dest, op)
    if type(dest) is CudaTensor:
        if type(src) is not CudaTensor or src.device != dest.device:
            src = cu.to_device(src if type(src) is not CudaTensor else cu.to_host(src), dest.device)
        return cu.cast_into(dest, src)
    return cast_into(dest, cu.to_host(src))


def fill_(self, value, *, _op="fill_"):
    """Set every element to ``value`` (a number or a one-element tensor); returns ``self``.

    >>> import tensorjit as tj
    >>> tj.empty(3).fill_(2).tolist()
    [2.0, 2.0, 2.0]
    """
    if type(self) in _KEYED and _lookup("fill_", self._dispatch_key):  # Note [layout dispatch]
        return _lookup("fill_", self._dispatch_key)(self, value, _op=_op)
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"{_op} only supports 0-dimension value tensor but got tensor with "
                               f"{value.dim()} dimensions.")
        value = value.item()
    check_operand(value, _op)
    _check_fits(value, self._dtype, _op)
    if type(self) is CudaTensor:
        from .cuda._dispatch import cast_into as cuda_cast_into
        return cuda_cast_into(self, value)
    # Filling an expanded tensor writes one value many times over: harmless.
    _check_writable(self, _op, allow_overlap=True)
    return cast_into(self, value)


def _check_fits(value, d, op):
    """PyTorch refuses fill values that overflow the destination dtype (arithmetic wraps instead)."""
    if isinstance(value, (complex, np.complexfloating)):
        ok = d.category == _dtypes.COMPLEX or value.imag == 0
        value = value.real
    else:
        ok = True
    if ok and d.category == _dtypes.INT:
        info = np.iinfo(d.np)
        # Python ints compare exactly (np.isfinite refuses ints beyond 64 bits).
        ok = (isinstance(value, (int, np.integer)) or bool(np.isfinite(value))) and info.min <= value <= info.max
    elif ok and d.category >= _dtypes.FLOAT:
        ok = not np.isfinite(value) or abs(value) <= float(np.finfo(d.to_real().np).max)
    if not ok:
        raise RuntimeError(f"{op}: value cannot be converted to type {d.name} without overflow")


def zero_(self):
    """Set every element to zero; returns ``self``."""
    return fill_(self, 0, _op="zero_")


def _convert(t, dtype, device, copy, op="to"):
    if type(t) in _KEYED and _lookup("to", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("to", t._dispatch_key)(t, dtype, device, copy, op)
    dtype = t._dtype if dtype is None else _dtypes.as_dtype(dtype, op=op)
    device = t.device if device is None else as_device(device, op=op)
    here = t.device
    if dtype is t._dtype and device == here and not copy:
        return t
    if device != here:
        # One transfer in the dtype with fewer bytes; the conversion happens on either side.
        from .cuda import _dispatch as cu
        if dtype is not t._dtype and dtype.itemsize < t._dtype.itemsize:
            t = _convert(t, dtype, None, False)
        if here.type == "cuda":
            t = cu.to_host(t)
        if device.type == "cuda":
            t = cu.to_device(t, device)
        return _convert(t, dtype, None, False)
    # Like PyTorch, the copy keeps t's dim order (preserve_format).
    strides = t._strides if t._dense else like_strides(t._shape, t._strides)
    out = make(allocate(t.numel(), dtype, device), t._shape, strides, 0, dtype)
    return cast_into(out, t)


def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, memory_format=None):
    """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(other)``, ``to(device, dtype)``.

    Returns ``self`` when nothing changes and ``copy`` is false.

    >>> import tensorjit as tj
    >>> t = tj.ones(2); t.to(tj.float32) is t, t.to(tj.int64).dtype
    (True, tensorjit.int64)
    """
    from ._device import device as device_cls
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a._dtype, a.device
        elif isinstance(a, (device_cls,)) or (isinstance(a, str) and (a.startswith("cpu") or a.startswith("cuda"))) \
                or (isinstance(a, int) and not isinstance(a, bool)):
            device = a
        else:
            dtype = a
    return _convert(self, dtype, device, copy)


def type_(self, dtype=None, non_blocking=False):
    """The dtype's name without an argument; else ``to(dtype)``."""
    if dtype is None:
        return "tensorjit." + _LEGACY_NAMES[self._dtype.name]
    return _convert(self, dtype, None, False)


_LEGACY_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
                 "uint8": "ByteTensor", "bool": "BoolTensor", "uint16": "UInt16Tensor", "uint32": "UInt32Tensor",
                 "uint64": "UInt64Tensor", "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor"}


def _caster(d):
    def cast(self, memory_format=None):
        return _convert(self, d, None, False)
    cast.__name__ = d.name
    cast.__doc__ = f"``self.to({d.name})``."
    return cast


CASTS = {"double": _dtypes.float64, "float": _dtypes.float32, "half": _dtypes.float16,
         "int": _dtypes.int32, "long": _dtypes.int64, "short": _dtypes.int16, "char": _dtypes.int8,
         "byte": _dtypes.uint8, "bool": _dtypes.bool, "cfloat": _dtypes.complex64, "cdouble": _dtypes.complex128}
CAST_METHODS = {name: _caster(d) for name, d in CASTS.items()}


def cpu(self, memory_format=None):
    """A copy in CPU memory (``self`` when already there).

    >>> import tensorjit as tj
    >>> t = tj.ones(2); t.cpu() is t
    True
    """
    return _convert(self, None, "cpu", False, op="cpu")


def to_cuda(self, device=None):
    """``Tensor.cuda()``: a copy on a CUDA device (the current one by default); ``self`` when already there."""
    return _convert(self, None, "cuda" if device is None else device, False, op="cuda")

"""Sharing CUDA tensors with other GPU libraries without a copy: ``__cuda_array_interface__``
(version 3) and DLPack (``__dlpack__``), both describing the tensor's own device memory.

Note [cuda interop streams]
    Every tensorjit kernel and copy runs on the default stream (Note [device pool] in
    tensorjit/cuda/_runtime.py). The interface dict names that stream (1, the legacy default
    stream, or 2 when Numba runs with a per-thread default stream), so a consumer that works
    on another stream makes it wait for tensorjit's pending work first, as protocol version 3
    asks. ``__dlpack__(stream=s)`` goes the other way: the consumer names the stream it will
    read on. The default stream (``None``, 0, 1, or 2 with a per-thread default stream) is
    ordered after tensorjit's work already; ``-1`` asks for no synchronisation; any other
    stream gets a device-wide synchronisation before the capsule is returned (correct for
    every stream, at the cost of waiting).

Note [dlpack capsules]
    ``__dlpack__`` returns a PyCapsule named ``"dltensor"`` (a ``DLManagedTensor``) or, when the
    consumer passes ``max_version`` of 1 or more, ``"dltensor_versioned"`` (a
    ``DLManagedTensorVersioned``, DLPack 1.0). The structs are ctypes structures whose memory
    Python owns; they, the shape and stride arrays and the tensor itself stay in ``_LIVE``
    (keyed by the struct's address) until the struct's ``deleter`` runs: the consumer calls
    it when it is done with the memory (it renamed the capsule ``"used_dltensor..."`` on
    taking it), and the capsule's destructor calls it when no one took the capsule. The
    tensor in ``_LIVE`` keeps its device block out of the device pool meanwhile. Strides are
    in elements and may be negative; ``data`` points at the first element
    (``byte_offset`` is 0), as PyTorch exports.
"""
from __future__ import annotations

import ctypes

import numpy as np

from .. import _dtypes
from .._shape import contiguous_strides, numel
from ._tensor import data, op_name

KDLCPU, KDLCUDA = 1, 2
# DLDataTypeCode
_INT, _UINT, _FLOAT, _COMPLEX, _BOOL = 0, 1, 2, 5, 6
DLPACK_VERSION = (1, 0)
FLAG_READ_ONLY, FLAG_IS_COPIED = 1, 2


def _typestr(d):
    return np.dtype(d.np).str


def _stream():
    """The stream tensorjit's work is queued on, as the interface names it (Note [cuda interop streams])."""
    from numba import config
    return 2 if getattr(config, "CUDA_PER_THREAD_DEFAULT_STREAM", 0) else 1


def cuda_array_interface(t):
    """``t.__cuda_array_interface__``: version 3 of Numba's CUDA Array Interface.

    ``strides`` is None for a C-contiguous tensor and the strides in bytes otherwise; ``data``
    is (address of the first element, read-only flag), address 0 for an empty tensor.

    >>> import tensorjit as tj
    >>> if tj.cuda.is_available():
    ...     cai = tj.ones(2, 3, device="cuda").t().__cuda_array_interface__
    ...     assert cai["shape"] == (3, 2) and cai["strides"] == (4, 12) and cai["typestr"] == "<f4"
    """
    d = t._dtype
    shape = tuple(t._shape)
    strides = None if t.is_contiguous() else tuple(s * d.itemsize for s in t._strides)
    ptr = t.data_ptr() if numel(shape) else 0
    return {"shape": shape, "typestr": _typestr(d), "data": (ptr, False), "strides": strides, "version": 3,
            "stream": _stream()}


# -- DLPack structs (dlpack.h, version 1.0) ----------------------------------------------------
class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32), ("dtype", DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    pass


DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER)]


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("version", DLPackVersion), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER),
                ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]


# address of a managed struct -> everything it points at, and the tensor (Note [dlpack capsules])
_LIVE = {}


@DELETER
def _deleter(address):
    _LIVE.pop(address, None)


# Private prototypes (setting argtypes on ctypes.pythonapi's shared functions would change them
# for every other user in the process). The destructor gets the capsule as a raw pointer: it
# runs while the capsule is being freed, when taking a new reference to it would revive it.
_CAPSULE_DESTRUCTOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_capsule_new = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, _CAPSULE_DESTRUCTOR)(
    ("PyCapsule_New", ctypes.pythonapi))
_capsule_is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_IsValid", ctypes.pythonapi))
_capsule_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))

_NAME, _NAME_VERSIONED = b"dltensor", b"dltensor_versioned"


def _unused_capsule(capsule, name):
    # A capsule the consumer took was renamed "used_..."; only an untaken one still owns its struct.
    if _capsule_is_valid(capsule, name):
        address = _capsule_pointer(capsule, name)
        _LIVE.pop(address, None)      # what the struct's deleter does


@_CAPSULE_DESTRUCTOR
def _destroy(capsule):
    _unused_capsule(capsule, _NAME)


@_CAPSULE_DESTRUCTOR
def _destroy_versioned(capsule):
    _unused_capsule(capsule, _NAME_VERSIONED)


def dl_dtype(d):
    """The DLDataType of tensorjit dtype ``d`` (bool as kDLBool, 8 bits, as PyTorch and NumPy)."""
    code = {_dtypes.BOOL: _BOOL, _dtypes.FLOAT: _FLOAT, _dtypes.COMPLEX: _COMPLEX}.get(d.category)
    if code is None:
        code = _INT if d.is_signed else _UINT
    return DLDataType(code, 8 * d.itemsize, 1)


def capsule(owner, ptr, shape, strides, dtype, device, versioned=False, flags=0):
    """A DLPack capsule over ``ptr`` (the first element) for ``shape`` and ``strides`` (in
    elements) of tensorjit dtype ``dtype`` on DLPack ``device`` (type, id); ``owner`` stays
    alive until the consumer's deleter call (Note [dlpack capsules])."""
    ndim = len(shape)
    c_shape = (ctypes.c_int64 * max(ndim, 1))(*shape)
    c_strides = (ctypes.c_int64 * max(ndim, 1))(*strides)
    tensor = DLTensor(ptr, DLDevice(*device), ndim, dl_dtype(dtype), c_shape, c_strides, 0)
    if versioned:
        managed = DLManagedTensorVersioned(DLPackVersion(*DLPACK_VERSION), None, _deleter, flags, tensor)
        name, destroy = _NAME_VERSIONED, _destroy_versioned
    else:
        managed = DLManagedTensor(tensor, None, _deleter)
        name, destroy = _NAME, _destroy
    address = ctypes.addressof(managed)
    _LIVE[address] = (managed, c_shape, c_strides, owner)
    try:
        return _capsule_new(address, name, destroy)
    except BaseException:
        _LIVE.pop(address, None)
        raise


def to_dlpack(t, stream=None, max_version=None, dl_device=None, copy=None):
    """``t.__dlpack__(...)`` for CUDA tensor ``t``: a DLPack capsule of its device memory
    (the array API's keywords; Note [cuda interop streams], Note [dlpack capsules]).

    >>> import tensorjit as tj
    >>> if tj.cuda.is_available():
    ...     assert type(tj.ones(3, device="cuda").__dlpack__()).__name__ == "PyCapsule"
    """
    name = op_name("__dlpack__")
    if stream is not None and type(stream) is not int:
        raise TypeError(f"{name}: stream must be ``int`` or ``None``, got {type(stream).__name__}")
    dev = data(t).device
    if dl_device is not None and tuple(dl_device) != (KDLCUDA, dev.index):
        raise BufferError(f"{name}: the tensor is on {dev} (DLPack device {(KDLCUDA, dev.index)}); "
                          f"exporting it to DLPack device {tuple(dl_device)} is not supported: copy it with "
                          ".to() first")
    if copy is True:
        t = t.clone()
    if stream is not None and stream != -1 and stream not in (0, 1, _stream()):
        from . import require
        require(name).synchronize()
    versioned = max_version is not None and max_version[0] >= 1
    strides = t._strides if numel(t._shape) else contiguous_strides(t._shape)
    flags = FLAG_IS_COPIED if copy is True else 0
    return capsule(t, t.data_ptr(), t._shape, strides, t._dtype, (KDLCUDA, dev.index), versioned, flags)

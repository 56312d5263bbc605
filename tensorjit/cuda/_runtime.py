"""Numba's CUDA target behind tensorjit: devices, device memory, transfers, launch sizes.

Imported on the first CUDA use only (``tensorjit.cuda._backend()``), never by ``import tensorjit``.
``numba.cuda`` is the numba-cuda package when it is installed (it takes over that name) and
Numba's built-in, deprecated target otherwise; tensorjit uses only the API both share.

Note [device pool]
    ``cuda.device_array`` is a driver allocation (cuMemAlloc) per call: for a large output
    it costs more than the kernel that fills it. Blocks of POOL_MIN bytes or more are kept
    (up to POOL_BYTES in all, $TENSORJIT_CUDA_POOL_BYTES, 0 turns it off) and handed out
    again once nothing else refers to their memory, as Note [output pool] does on CPU:
    every view of a block (slices, dtype views, tensors) holds a reference to the block's
    memory owner, so an owner only the pooled array refers to is free. Every kernel and copy
    runs on the default stream, in order, so a block reused by the next op is never still
    being read by the previous one.
"""
from __future__ import annotations

import os
import sys
import threading

import numpy as np
from numba import config as _config
from numba import cuda

from .._device import device as device_cls
from .._storage import DeviceBuffer

SIMULATOR = bool(_config.ENABLE_CUDASIM)
# Threads per block; the simulator runs each thread as a Python thread, so it gets few.
THREADS = 8 if SIMULATOR else 256
MAX_BLOCKS = 2 if SIMULATOR else 65535


def probe():
    """Raise unless a CUDA device (or the simulator) can be used."""
    if not cuda.is_available():
        raise RuntimeError("numba.cuda.is_available() is False")
    if device_count() == 0:
        raise RuntimeError("no CUDA device")


def device_count():
    return len(cuda.gpus)


_current = [0]


def current_index():
    return _current[0]


def select(index):
    n = device_count()
    if not 0 <= index < n:
        raise RuntimeError(f"CUDA error: invalid device ordinal {index} ({n} device(s))")
    cuda.select_device(index)
    _current[0] = index


def device_name(index):
    if SIMULATOR:
        return "Numba CUDA simulator"
    d = cuda.gpus[index]
    name = d.name
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize():
    cuda.synchronize()


def resolve(d, op):
    """``d`` (a CUDA ``tensorjit.device``) with its index filled in and checked."""
    index = _current[0] if d.index is None else d.index
    n = device_count()
    if not 0 <= index < n:
        raise RuntimeError(f"{op}: CUDA error: invalid device ordinal (device 'cuda:{index}', "
                           f"{n} CUDA device(s) found)")
    return _DEVICES.setdefault(index, device_cls("cuda", index))


_DEVICES = {}


def context(dev):
    """A context manager making ``dev`` current for allocations and launches."""
    if dev.index == _current[0]:
        return _NULL
    return cuda.gpus[dev.index]


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NULL = _Null()


# -- memory ---------------------------------------------------------------------------------
POOL_MIN = 1 << 16
POOL_BYTES = int(os.environ.get("TENSORJIT_CUDA_POOL_BYTES", 4 << 30))
_pool = {}
_pooled = [0]
_lock = threading.Lock()


def _owner(arr):
    """The object every view of device array ``arr``'s memory refers to (Note [device pool])."""
    return arr._ary if SIMULATOR else arr.gpu_data


def _new_array(nbytes, dev):
    with context(dev):
        return cuda.device_array(nbytes, np.uint8)


def _take(nbytes, dev):
    key = (dev.index, nbytes)
    with _lock:
        blocks = _pool.get(key)
        if blocks is not None:
            for arr in blocks:
                # the pooled array's reference and the call's argument (Note [device pool])
                if sys.getrefcount(_owner(arr)) == 2:
                    return arr
        arr = _new_array(nbytes, dev)
        if _pooled[0] + nbytes <= POOL_BYTES:
            _pool.setdefault(key, []).append(arr)
            _pooled[0] += nbytes
        return arr


def release_pool():
    """Forget the pooled device blocks (their memory goes back once no tensor uses it)."""
    with _lock:
        _pool.clear()
        _pooled[0] = 0


def empty(numel, npdtype, dev):
    """A fresh DeviceBuffer of ``numel`` elements of NumPy dtype ``npdtype`` on ``dev``."""
    npdtype = np.dtype(npdtype)
    nbytes = numel * npdtype.itemsize
    if POOL_MIN <= nbytes <= POOL_BYTES:
        block = _take(nbytes, dev)
    else:
        block = _new_array(max(nbytes, 1), dev)[:nbytes]
    return DeviceBuffer(block.view(npdtype), dev)


def to_device(host, dev):
    """A DeviceBuffer holding a copy of the C-contiguous 1-D NumPy array ``host``."""
    buf = empty(host.shape[0], host.dtype, dev)
    if host.shape[0]:
        with context(dev):
            buf.array.copy_to_device(host)
    return buf


def to_host(buf, start, count):
    """A new NumPy array holding elements ``[start, start + count)`` of DeviceBuffer ``buf``."""
    out = np.empty(count, buf.array.dtype)
    if count:
        with context(buf.device):
            buf.array[start:start + count].copy_to_host(out)
    return out


def host_scalar(buf, index):
    """Element ``index`` of DeviceBuffer ``buf`` as a NumPy scalar."""
    return to_host(buf, index, 1)[0]


def pointer(buf):
    """The device address of ``buf``'s first element (under the simulator, where "device"
    memory is host memory, its host address)."""
    if SIMULATOR:
        return buf.array._ary.ctypes.data
    return buf.array.__cuda_array_interface__["data"][0]


def grid(n):
    """(blocks, threads per block) for a grid-stride loop over ``n`` positions."""
    return max(1, min(MAX_BLOCKS, -(-n // THREADS))), THREADS

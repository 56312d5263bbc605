"""Storage: the flat 1-D buffer that tensors view."""
from __future__ import annotations

import os
import sys
import threading

import numpy as np

from ._device import CPU


class DeviceBuffer:
    """The flat storage of a CUDA tensor: a 1-D ``numba.cuda`` device array in the kernel dtype
    (``dtype.knp``) and the ``tensorjit.device`` it lives on. Made by tensorjit.cuda only.

    It answers what views need (``len``, ``dtype``, ``view`` to another dtype); anything that
    would read it as host memory is refused by the tensor first (Note [cuda storage guard]
    in tensorjit/_tensor.py).
    """

    __slots__ = ("array", "device", "__weakref__")

    def __init__(self, array, device):
        self.array = array
        self.device = device

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def itemsize(self):
        return self.array.dtype.itemsize

    @property
    def size(self):
        return self.array.shape[0]

    @property
    def nbytes(self):
        return self.array.shape[0] * self.array.dtype.itemsize

    def __len__(self):
        return self.array.shape[0]

    def view(self, dtype):
        """The same device memory read as NumPy dtype ``dtype``."""
        return DeviceBuffer(self.array.view(np.dtype(dtype)), self.device)

    def __repr__(self):
        return f"DeviceBuffer({self.array.dtype}, {len(self)} elements, device='{self.device}')"


class Storage:
    """A flat, typed 1-D buffer (a NumPy array on CPU). Tensors view it by offset and strides.

    Indexable, iterable and sized like ``torch.TypedStorage``:

    >>> import tensorjit as tj
    >>> t = tj.arange(6).view(2, 3)
    >>> len(t.storage()), t.storage()[4]
    (6, 4)
    """

    __slots__ = ("data", "kdata", "device", "dtype", "__weakref__")

    def __init__(self, kdata, dtype, device=CPU):
        # Tensors hold the kernel-facing array (float16 as uint16 bits); ``data`` is
        # the same memory as the user's dtype.
        self.kdata = kdata
        self.data = kdata.view(dtype.np) if kdata.dtype != dtype.np else kdata
        self.device = device
        self.dtype = dtype

    @property
    def writeable(self):
        return self.data.flags.writeable

    def size(self):
        return self.data.shape[0]

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, i):
        v = self.data[i]
        return v.tolist() if isinstance(v, np.ndarray) else v.item()

    def __setitem__(self, i, v):
        self.data[i] = v

    def __iter__(self):
        return iter(self.data.tolist())

    def tolist(self):
        return self.data.tolist()

    def __eq__(self, other):
        return isinstance(other, Storage) and self.data_ptr() == other.data_ptr() and \
            self.data.nbytes == other.data.nbytes

    __hash__ = object.__hash__

    def data_ptr(self):
        return self.data.ctypes.data if self.data.size else 0

    def nbytes(self):
        return self.data.nbytes

    def element_size(self):
        return self.data.itemsize

    def __repr__(self):
        body = "\n".join(" " + str(v) for v in self.data[:20].tolist())
        more = "\n ..." if len(self) > 20 else ""
        return f"{body}{more}\n[tensorjit.storage.Storage(dtype={self.dtype.name}, device={self.device}) of size {len(self)}]"


# Note [output pool]: large outputs come from recycled blocks. A fresh np.empty of many MB is
# fresh mmap'd memory, and the kernel that first writes it pays a page fault per 4 KB page:
# for a 1e7-element float32 add that is most of the time. So blocks of POOL_MIN bytes or more
# are kept (up to POOL_BYTES in all, $TENSORJIT_POOL_BYTES, 0 turns it off) and handed out
# again once nothing refers to them: every array or tensor viewing a block holds a reference
# to it (NumPy's ``base``), so a block whose only reference is the pool's list is free.
POOL_MIN = 1 << 20
POOL_BYTES = int(os.environ.get("TENSORJIT_POOL_BYTES", 1 << 30))
_pool = {}
_pooled = [0]
_pool_lock = threading.Lock()


def _take_block(nbytes):
    with _pool_lock:
        blocks = _pool.get(nbytes)
        if blocks is not None:
            for i in range(len(blocks)):
                if sys.getrefcount(blocks[i]) == 2:  # the list's and the call's argument
                    return blocks[i]
        block = np.empty(nbytes, np.uint8)
        if _pooled[0] + nbytes <= POOL_BYTES:
            _pool.setdefault(nbytes, []).append(block)
            _pooled[0] += nbytes
        return block


def release_pool():
    """Forget the recycled output blocks (their memory goes back once no tensor uses it)."""
    with _pool_lock:
        _pool.clear()
        _pooled[0] = 0


def allocate(numel, dtype, device=CPU):
    """A fresh kernel array for ``numel`` elements of ``dtype`` (a DeviceBuffer on CUDA).

    Outputs come from np.empty in Python, never from inside a kernel (page faults);
    large ones from recycled blocks (Note [output pool]; Note [device pool] on CUDA).
    """
    if device is not CPU and device.type == "cuda":
        from .cuda import require
        return require("allocate").empty(numel, dtype.knp, device)
    nbytes = numel * dtype.itemsize
    if nbytes < POOL_MIN or nbytes > POOL_BYTES:
        return np.empty(numel, dtype.knp)
    return _take_block(nbytes).view(dtype.knp)

"""Storage: the flat 1-D buffer that tensors view."""
from __future__ import annotations

import numpy as np

from ._device import CPU


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


def allocate(numel, dtype, device=CPU):
    """A fresh kernel array for ``numel`` elements of ``dtype``.

    Outputs come from np.empty in Python, never from inside a kernel (page faults).
    """
    return np.empty(numel, dtype.knp)

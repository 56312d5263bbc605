"""DLPack: ``Tensor.__dlpack__`` / ``__dlpack_device__`` and ``from_dlpack``, zero-copy both ways.

A CPU tensor exports the NumPy view of its storage (``numpy()``), so every layout, negative
strides included, travels without a copy; an import goes through ``np.from_dlpack`` and
``from_numpy``, so NumPy arrays, PyTorch CPU tensors and any other CPU producer share memory.
"""
from __future__ import annotations

import numpy as np

from ._tensor import Tensor

KDL_CPU, KDL_CUDA = 1, 2


def dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """The DLPack capsule of this tensor's memory (the array API's ``__dlpack__``).

    >>> import numpy as np, tensorjit as tj
    >>> t = tj.arange(3.); a = np.from_dlpack(t); a[0] = 7; t.tolist()
    [7.0, 1.0, 2.0]
    """
    if dl_device is not None and tuple(dl_device) != (KDL_CPU, 0):
        raise BufferError(f"__dlpack__: cannot export a cpu tensor to device {tuple(dl_device)}")
    kw = {}
    if max_version is not None:
        kw["max_version"] = max_version
    if copy is not None:
        kw["copy"] = copy
    return self.numpy().__dlpack__(stream=stream, **kw)


def dlpack_device(self):
    """``(kDLCPU, 0)``: where this tensor's memory lives, as DLPack names it."""
    return (KDL_CPU, 0)


def from_dlpack(x, /, *, device=None, copy=None):
    """A tensor sharing the memory of any DLPack producer (NumPy, PyTorch, another tensorjit tensor).

    ``copy=True`` copies, ``copy=False`` refuses to, ``None`` shares where possible.

    >>> import numpy as np, tensorjit as tj
    >>> a = np.arange(4); t = tj.from_dlpack(a); t[0] = 9; int(a[0])
    9
    """
    from ._creation import from_numpy
    from ._device import as_device
    if device is not None and as_device(device, "from_dlpack").type != "cpu":
        raise TypeError("from_dlpack: importing to a CUDA device is not supported; import to cpu and call .cuda()")
    if isinstance(x, Tensor):
        if x.is_cuda:
            raise TypeError(f"from_dlpack: the producer lives on {x.device}; only cpu producers are supported")
        return x.clone() if copy else x
    dev = x.__dlpack_device__() if hasattr(x, "__dlpack_device__") else (KDL_CPU, 0)
    if int(dev[0]) not in (KDL_CPU, 3):     # 3: kDLCUDAHost, host memory too
        raise TypeError(f"from_dlpack: the producer's memory is on DLPack device {tuple(dev)}; only cpu "
                        "producers are supported")
    try:
        a = np.from_dlpack(x, copy=copy)
    except TypeError:
        a = np.from_dlpack(x)
        if copy:
            a = a.copy()
    return from_numpy(a)

"""CudaTensor: a Tensor whose storage is a DeviceBuffer (GPU memory).

Note [cuda tensor class]
    A CUDA tensor is a ``Tensor`` subclass with the same slots, made by ``make``/``make_dense``
    (tensorjit/_tensor.py) whenever the storage is a DeviceBuffer, so every view of a CUDA
    tensor is one too. Being another class keeps the CPU fast paths exact: the binary fast
    path tests ``type(x) is Tensor`` and so sends CUDA operands to ``_dispatch.elementwise``,
    which routes them here (tensorjit/cuda/_dispatch.py). Methods that must act differently on
    the GPU (``numpy``, ``item``, ``clone``, ``contiguous``, ``repr`` ...) are overridden below.

Note [cuda storage guard]
    Code that knows CUDA storage (views, copies, creation, this package) reads ``_data`` as
    usual. Any other module that reads a CUDA tensor's ``_data`` is an op without a CUDA
    kernel about to treat device memory as a NumPy array: the read raises NotImplementedError
    naming the op the user called (the outermost tensorjit frame) and the device. That is the
    one policy for ops outside the CUDA backend (order statistics, unique, kthvalue, mode,
    linalg, ...): they raise, they never silently copy through the CPU. Ops with CUDA
    kernels route to this package before touching storage (indexing: _index.py, scans:
    _scan.py, matmul: _matmul.py, sampling: _random.py, sort/topk/searchsorted: _sort.py).
"""
from __future__ import annotations

import sys

import numpy as np

from .._tensor import Tensor, _new
from .._shape import contiguous_strides, like_strides, numel as _numel

_SLOT = Tensor.__dict__["_data"]
data = _SLOT.__get__          # data(t): the DeviceBuffer, without the guard (this package only)
set_data = _SLOT.__set__

# Modules that handle CUDA storage themselves (Note [cuda storage guard]).
_AWARE = frozenset({"tensorjit._tensor", "tensorjit._views", "tensorjit._indexing", "tensorjit._complex",
                    "tensorjit._copy", "tensorjit._creation", "tensorjit._storage", "tensorjit._device",
                    # they move storage references between tensors, never read them as arrays
                    "tensorjit.autograd.graph", "tensorjit.autograd._record", "tensorjit.nn.parameter"})
# Wrapper names that say nothing about the op (tensorjit/_methods.py's operator closures).
_WRAPPERS = frozenset({"op", "r", "operator", "op_", "wrapper", "inner", "f"})


def op_name(default="this op", skip=2):
    """The public tensorjit function the user called: the outermost tensorjit frame's name."""
    f = sys._getframe(skip)
    name = None
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if mod.startswith("tensorjit") and not mod.startswith("tensorjit.cuda"):
            n = f.f_code.co_name
            if not n.startswith("<") and n not in _WRAPPERS:
                name = n
        f = f.f_back
    return name or default


def unsupported(t, op=None, skip=3):
    """The NotImplementedError for an op without a CUDA kernel (Note [cuda storage guard])."""
    op = op or op_name(skip=skip)
    return NotImplementedError(
        f"{op}: not implemented for CUDA tensors (device '{data(t).device}', dtype {t._dtype.name}): "
        "tensorjit's CUDA backend has creation, transfers, views, copies, elementwise ops, every "
        "reduction of the reduction table (sum ... var/std, norms, logsumexp, max/min with dim, "
        "argmax/argmin), indexing, scans, matmul, sampling, sort, topk and searchsorted. Call .cpu() first.")


def _guarded_get(self):
    mod = sys._getframe(1).f_globals.get("__name__", "")
    if mod in _AWARE or mod.startswith("tensorjit.cuda"):
        return data(self)
    raise unsupported(self)


def _guarded_set(self, value):
    from .._storage import DeviceBuffer
    if type(value) is not DeviceBuffer:
        raise unsupported(self)
    set_data(self, value)


def _host(t):
    """``t``'s values as a NumPy array (a copy from the device)."""
    return t.cpu().numpy()


class CudaTensor(Tensor):
    """A tensor in GPU memory (see Note [cuda tensor class]). Made by factories with
    ``device="cuda"``, by ``.cuda()`` / ``.to("cuda")`` and by ops on CUDA tensors.

    >>> import tensorjit as tj
    >>> if tj.cuda.is_available():
    ...     t = tj.ones(2, device="cuda"); assert t.is_cuda and (t + 1).device == t.device
    """

    __slots__ = ()
    _data = property(_guarded_get, _guarded_set)

    @property
    def device(self):
        return data(self).device

    @property
    def is_cuda(self):
        return True

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        from .._copy import to_cuda
        return to_cuda(self, device)

    # -- host access: torch's rules ------------------------------------------------------
    def numpy(self, *, force=False):
        """Refused (device memory): call ``.cpu()`` first; ``force=True`` copies to the host."""
        if force:
            return _host(self)
        mod = sys._getframe(1).f_globals.get("__name__", "")
        if mod.startswith("tensorjit"):
            raise unsupported(self)
        raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy "
                        "the tensor to host memory first.")

    def __array__(self, dtype=None, copy=None):
        mod = sys._getframe(1).f_globals.get("__name__", "")
        if mod.startswith("tensorjit"):
            raise unsupported(self)
        raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy "
                        "the tensor to host memory first.")

    @property
    def __array_interface__(self):
        raise AttributeError("__array_interface__: a CUDA tensor has no host memory to share (see "
                             "__cuda_array_interface__ or call .cpu())")

    @property
    def __cuda_array_interface__(self):
        """The CUDA Array Interface (version 3) of this tensor's device memory (no copy)."""
        from ._interop import cuda_array_interface
        return cuda_array_interface(self)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """A DLPack capsule of this tensor's device memory (Note [dlpack capsules] in
        tensorjit/cuda/_interop.py)."""
        from ._interop import to_dlpack
        return to_dlpack(self, stream, max_version, dl_device, copy)

    def __dlpack_device__(self):
        return (2, self.device.index)   # kDLCUDA

    def tolist(self):
        return _host(self).tolist()

    def item(self):
        n = _numel(self._shape)
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        from . import require
        v = require("item").host_scalar(data(self), self._offset)
        return v.view(self._dtype.np).item() if v.dtype != self._dtype.np else v.item()

    def data_ptr(self):
        from . import require
        return require("data_ptr").pointer(data(self)) + self._offset * self._dtype.itemsize

    def storage(self):
        raise unsupported(self, "storage")

    def untyped_storage(self):
        raise unsupported(self, "untyped_storage")

    def __repr__(self):
        from .._printing import format_tensor
        from .. import _dtypes
        return format_tensor(_host(self), self._dtype.name, default_dtype_name=_dtypes.get_default_dtype().name,
                             device=str(self.device))

    __str__ = __repr__

    def __reduce__(self):
        return (_rebuild, (np.ascontiguousarray(_host(self)), str(self.device)))

    # -- copies on the device -----------------------------------------------------------
    def clone(self, memory_format=None):
        """A copy on the same device, keeping the dim order (``preserve_format``)."""
        from ._dispatch import cast_into
        from .._storage import allocate
        strides = (contiguous_strides(self._shape) if memory_format == "contiguous_format" or self._dense
                   else like_strides(self._shape, self._strides))
        dest = make_cuda(allocate(_numel(self._shape), self._dtype, self.device), self._shape, strides, 0,
                         self._dtype)
        return cast_into(dest, self)

    def contiguous(self, memory_format=None):
        return self if self.is_contiguous() else self.clone("contiguous_format")

    def resize_(self, *sizes):
        """Give ``self`` a new contiguous shape, reallocating device storage when too small."""
        from .._shape import normalize_shape
        from .._storage import allocate
        from ._dispatch import copy_buffer
        shape = normalize_shape(sizes, "resize_")
        need = self._offset + _numel(shape)
        old = data(self)
        if need > len(old):
            new = allocate(need, self._dtype, self.device)
            copy_buffer(new, old, len(old))
            set_data(self, new)
        self._shape, self._strides = shape, contiguous_strides(shape)
        self._dense = True
        return self


def make_cuda(buf, shape, strides, offset, dtype):
    """A CudaTensor over DeviceBuffer ``buf`` (no checks)."""
    t = _new(CudaTensor)
    set_data(t, buf)
    t._shape, t._strides, t._offset, t._dtype = shape, strides, offset, dtype
    t._dense = strides == contiguous_strides(shape)
    return t


def _rebuild(arr, device):
    from .._creation import from_numpy
    return from_numpy(arr).to(device)

"""Row layout for ops that work along one dim: sort, scans, median, topk, unique, ...

Note [row kernels]
    These ops move ``dim`` last and see the input as a C-contiguous 2-d array of ``M`` rows of
    ``K`` elements (copying only when the input is not already laid out that way); their
    kernels, hand-written generic ``@njit`` functions in kernels/cpu/ loaded through
    ``registry.load_source``, loop over rows and write C-contiguous 2-d outputs. Numba
    specialises them per dtype on first call. float16 rows are computed in float32 (kernel
    arrays hold float16 as raw uint16 bits) and rounded back. ``from_rows`` turns an output
    back into a tensor with the row dim at ``dim``, contiguous like PyTorch's outputs.
"""
from __future__ import annotations

import math

from . import _dtypes
from ._shape import contiguous_strides, wrap_dim
from ._storage import allocate
from ._tensor import Tensor, make_dense


def kernels(name):
    """The hand-written kernel module ``kernels/cpu/<name>.py`` (see Note [row kernels])."""
    from .kernels import registry
    return registry.load_source(f"cpu/{name}.py")


def compute_dtype(d):
    """The dtype a row kernel sees for input dtype ``d`` (float16 computes in float32)."""
    return _dtypes.float32 if d is _dtypes.float16 else d


def rows(x: Tensor, dim, name):
    """``(a, outer, dim)``: ``a`` is a C-contiguous ``(M, K)`` NumPy array holding ``x`` with
    ``dim`` moved last (float16 converted to float32), ``outer`` the shape of the other dims
    and ``dim`` wrapped. A 0-d tensor is one row of one element."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    ndim = len(x._shape)
    dim = wrap_dim(dim, max(ndim, 1), name)
    if x._dtype is _dtypes.float16:
        x = x.to(_dtypes.float32)
    if ndim == 0:
        x, ndim = x.reshape(1), 1
    if dim != ndim - 1:
        from ._views import movedim
        x = movedim(x, dim, -1)
    x = x.contiguous()
    outer = x._shape[:-1]
    k = x._shape[-1]
    m = math.prod(outer)
    a = x._data[x._offset:x._offset + m * k].reshape(m, k)
    return a, outer, dim


def new_rows(m, k, dtype):
    """A fresh C-contiguous ``(m, k)`` kernel array for an output of ``dtype`` (float16 outputs
    are written as float32 and converted by ``from_rows``)."""
    d = compute_dtype(dtype)
    return allocate(m * k, d).reshape(m, k)


def from_rows(a, outer, dim, dtype, ndim):
    """The tensor of dtype ``dtype`` whose rows along ``dim`` are the rows of kernel array ``a``
    (as made by ``new_rows``); ``ndim`` is the result's number of dims (0 for a 0-d result)."""
    k = a.shape[1]
    d = compute_dtype(dtype)
    shape = outer + (k,)
    flat = a.reshape(-1)
    t = make_dense(flat, shape, contiguous_strides(shape), 0, d)
    if ndim == 0:
        t = t.reshape(())
    elif dim != ndim - 1:
        from ._views import movedim
        t = movedim(t, -1, dim).contiguous()
    if d is not dtype:
        t = t.to(dtype)
    return t

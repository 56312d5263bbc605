"""Tensors inside your own Numba code: pass tensors to ``@numba.njit`` functions, index them,
write them, return them.

>>> import numba, tensorjit as tj
>>> @numba.njit
... def trace(m):
...     s = 0.0
...     for i in range(min(m.shape[0], m.shape[1])):
...         s += m[i, i]
...     return s
>>> trace(tj.arange(9, dtype=tj.float64).view(3, 3).t())
12.0

Note [tensors in numba]
~~~~~~~~~~~~~~~~~~~~~~~
A dense CPU tensor has a Numba type, ``TensorType(dtype, ndim, layout, readonly, aligned)``
(``tensor(float32, 2d, C)``): layout ``"C"`` when ``is_contiguous()`` holds, ``"A"`` for any
other strides (transposed, stepped, offset, negative, broadcast), so a contiguous tensor and a
strided one compile separate specialisations, as NumPy's C and A arrays do. Its value is the
flat storage array (``Tensor._data``, whose NRT reference keeps the memory alive), the shape,
the strides and the storage offset, strides and offset in elements. Passing a tensor in copies
nothing; returning one (or a view of one) gives a Tensor over the same storage, so writes in
compiled code show in Python and the other way round.

In compiled code, as in PyTorch: ``t.shape``, ``t.size()``, ``t.size(d)``, ``t.stride()``,
``t.stride(d)``, ``t.strides`` (the same element strides as ``t.stride()``; NumPy's byte
strides are ``t.numpy().strides``), ``t.ndim``, ``t.dim()``, ``len(t)``, ``t.numel()``,
``t.nelement()``, ``t.storage_offset()``, ``t.element_size()``, ``t.is_contiguous()``,
``t.item()``, the views ``t.t()``, ``t.T`` and ``t.transpose(d0, d1)``, ``t.dtype`` (the NumPy dtype of the values compiled code reads, usable in
``np.empty(n, t.dtype)``), and ``t.numpy()``: a NumPy array viewing the same elements (C
layout for a contiguous tensor) for NumPy functions, slices and the fastest loops.

Indexing takes integers only: ``t[i, j]`` with one index per dim reads an element and
``t[i, j] = v`` writes one (``v`` is cast to the tensor's dtype as a NumPy array cast); fewer
indices than dims give a view (``t[i]`` is ``t.select(0, i)``); more raise a TypingError at
compile time. ``for x in t`` yields ``t[0]``, ``t[1]``, ... (views, or the elements of a 1-d
tensor). Negative indices wrap as in Python. Every index is checked: one out of range raises
IndexError, whatever Numba's ``boundscheck`` option (a loop over ``range(t.shape[k])`` lets
LLVM drop the check). Slices, masks, index arrays and whole-tensor math (``t + 1``,
``t.sum()``) are not tensor operations in compiled code: use ``t.numpy()`` and NumPy's
functions there. A tensor enters compiled code as an argument only, never as a global or
closure constant.

float16 tensors are stored as their uint16 bits: compiled code reads their elements as
float32 and rounds what it writes to the nearest float16 (ties to even); ``t.numpy()`` of a
float16 tensor is refused (Numba has no float16 arithmetic on CPU).

``from_numpy(a)`` inside compiled code wraps a C-contiguous array without a copy, so
``from_numpy(np.empty((n, m), np.float32))`` makes a tensor there that can be returned.

Only dense CPU tensors enter ``@njit`` code. A CUDA tensor is refused there (typeof raises a
ValueError naming ``.cpu()``); numba.cuda's dispatcher catches that ValueError and falls back
to the tensor's ``__cuda_array_interface__``, which describes the strided view, so
``kernel[grid, block](t)`` sees a strided device array on a GPU. ``cuda_array(t)`` returns that
device array explicitly (Numba's CUDA simulator has no interface support: there it is the
way to pass a CUDA tensor to a kernel).

Registration is lazy: Numba calls ``_init_extension`` (the ``numba_extensions`` entry point)
when it initialises, and importing this module calls it too; ``import tensorjit`` never
imports Numba.
"""
from __future__ import annotations

__all__ = ["from_numpy", "cuda_array", "TensorType"]

_state = {"ready": False}


def _init_extension():
    """Register tensors with Numba (called by Numba's ``numba_extensions`` entry point; cheap
    and idempotent: it imports the type and its overloads, no kernel)."""
    if _state["ready"]:
        return
    # Importing them registers the type, its model, typeof, boxing and the overloads.
    from . import _numba_ext_types, _numba_ext_ops
    _state["modules"] = (_numba_ext_types, _numba_ext_ops)
    _state["ready"] = True


def from_numpy(a):
    """A tensor sharing NumPy array ``a``'s memory: ``tensorjit.from_numpy`` in Python; inside
    ``@njit`` code the same for a C-contiguous array, so compiled code can make and return
    tensors.

    >>> import numba, numpy as np
    >>> from tensorjit.numba_ext import from_numpy
    >>> @numba.njit
    ... def squares(n):
    ...     t = from_numpy(np.empty(n, np.int64))
    ...     for i in range(n):
    ...         t[i] = i * i
    ...     return t
    >>> squares(4)
    tensor([0, 1, 4, 9])
    """
    from ._creation import from_numpy as _from_numpy
    return _from_numpy(a)


def cuda_array(t):
    """A ``numba.cuda`` device array viewing CUDA tensor ``t``'s elements (its shape and
    strides, no copy): what a ``numba.cuda.jit`` kernel receives for ``t``.

    >>> import tensorjit as tj
    >>> if tj.cuda.is_available():
    ...     assert cuda_array(tj.ones(2, 3, device="cuda").t()).shape == (3, 2)
    """
    if not getattr(t, "is_cuda", False):
        raise TypeError(f"cuda_array: expected a CUDA tensor (got a {type(t).__name__} on "
                        f"{getattr(t, 'device', 'no device')}); pass CPU tensors to @numba.njit code directly")
    from .cuda._runtime import SIMULATOR
    if not SIMULATOR:
        from numba import cuda
        return cuda.as_cuda_array(t)
    import numpy as np
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray
    from .cuda._tensor import data
    # Simulated device memory is host memory: view it as Tensor.numpy() views the host storage.
    d = t._dtype
    buf = data(t).array._ary.view(d.np)
    off = t._offset * d.itemsize if 0 not in t._shape else 0
    view = np.ndarray(t._shape, d.np, buffer=buf, offset=off, strides=tuple(s * d.itemsize for s in t._strides))
    return FakeCUDAArray(view)


_init_extension()
from ._numba_ext_types import TensorType  # noqa: E402  (after registration, which imports it)

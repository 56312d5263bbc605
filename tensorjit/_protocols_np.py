"""Shared helpers of the NumPy protocols: operand conversion, NumPy's result dtypes, the fallback.

Note [numpy fallback]
    A NumPy function or ufunc that tensorjit does not map runs in NumPy itself on CPU: tensor
    operands become NumPy views of their storage (``numpy()``, no copy), NumPy computes (its
    ``out=`` writes land in the tensors' memory), and every array result comes back wrapped by
    ``from_numpy`` (again without a copy). A CUDA operand cannot take that road: the call
    raises a TypeError naming the function, never copies through the host silently.

Note [numpy semantics]
    Inside the protocols a call is a NumPy call, so results follow NumPy: result dtypes are
    NumPy's (``np.exp`` of int64 is float64, ``np.mean`` of ints is float64), arguments are
    NumPy's (``axis``, ``keepdims``, ``ddof``). Operands are cast to the dtypes NumPy's loop
    would use before tensorjit's kernel runs, so values match NumPy's too. tensorjit's own
    functions keep PyTorch's rules.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _dtypes
from ._tensor import Tensor

SCALARS = (bool, int, float, complex)


def np_dtype_to_tj(npdt):
    """The tensorjit dtype of NumPy dtype ``npdt``, or None where tensorjit has none."""
    return _dtypes._BY_NP.get(np.dtype(npdt))


def is_cuda(x):
    return isinstance(x, Tensor) and x.is_cuda


def any_cuda(items):
    return any(is_cuda(x) for x in _walk(items))


def _walk(obj):
    if isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _walk(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _walk(o)
    else:
        yield obj


def to_tensor(x):
    """``x`` as a Tensor: tensors as they are, NumPy arrays and scalars shared or wrapped."""
    if isinstance(x, Tensor):
        return x
    from ._creation import from_numpy
    a = np.asarray(x)
    if np_dtype_to_tj(a.dtype) is None:
        raise TypeError(f"tensorjit has no dtype for NumPy dtype {a.dtype}")
    return from_numpy(a) if a.flags.writeable or a.ndim else from_numpy(a.copy())


def np_operand_dtype(x):
    """What NumPy's dtype resolution sees for ``x``: a dtype, or the Python type of a weak scalar."""
    if isinstance(x, Tensor):
        return x._dtype.np
    if isinstance(x, SCALARS):
        return type(x)
    return np.asarray(x).dtype


def cast(x, npdt):
    """Tensor ``x`` in NumPy dtype ``npdt``; Python scalars stay scalars (weak)."""
    if isinstance(x, SCALARS):
        return x
    t = to_tensor(x)
    d = np_dtype_to_tj(npdt)
    if d is None:
        raise TypeError(f"tensorjit has no dtype for NumPy dtype {npdt}")
    return t if t._dtype is d else t.to(d)


def as_numpy(obj, name):
    """``obj`` with every Tensor replaced by its NumPy view, recursively (Note [numpy fallback])."""
    if isinstance(obj, Tensor):
        if obj.is_cuda:
            raise TypeError(f"{name}: tensorjit has no CUDA implementation of this NumPy function and "
                            f"will not copy a {obj.device} tensor to the host implicitly; call .cpu() first")
        return obj.numpy()
    if isinstance(obj, list):
        return [as_numpy(o, name) for o in obj]
    if isinstance(obj, tuple):
        return tuple(as_numpy(o, name) for o in obj)
    if isinstance(obj, dict):
        return {k: as_numpy(v, name) for k, v in obj.items()}
    return obj


def wrap(obj):
    """NumPy results as tensors (shared memory); other values as they are."""
    if isinstance(obj, np.ndarray) and type(obj) is np.ndarray:
        if np_dtype_to_tj(obj.dtype) is None or not obj.dtype.isnative:
            return obj
        from ._creation import from_numpy
        return from_numpy(obj)
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(wrap(o) for o in obj)
    if isinstance(obj, tuple):
        return type(obj)(*(wrap(o) for o in obj))
    if isinstance(obj, list):
        return [wrap(o) for o in obj]
    return obj


def known_operand(x):
    """Whether the protocols may handle ``x``: a Tensor, a NumPy array or scalar, a Python scalar or list."""
    return isinstance(x, (Tensor, np.ndarray, np.generic, numbers.Number, list)) or x is None


def norm_axis(axis, ndim):
    """NumPy's ``axis`` (None, an int or a tuple) as tensorjit's ``dim`` (None or a tuple)."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) for a in axis)
    return (int(axis),)

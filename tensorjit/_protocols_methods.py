"""NumPy-style method calls on tensors, for NumPy-generic code (Dask calls them on chunks).

Note [numpy methods]
    ``t.sum(axis=0, keepdims=True)``, ``t.max(axis=1)``, ``t.transpose((1, 0, 2))``,
    ``t.squeeze(axis=0)``, ``t.copy()`` and the like are what NumPy-generic code calls on an
    array. A method here takes NumPy's form only when the call says so (a NumPy keyword such as
    ``axis``/``keepdims``/``ddof``/``out``, a NumPy dtype, or for ``transpose`` a tuple or a full
    permutation); every other call is PyTorch's method unchanged, so ``t.sum(0)``,
    ``t.max(1)`` (values and indices) and ``t.transpose(0, 1)`` keep PyTorch's meaning.
"""
from __future__ import annotations

import numpy as np

from . import _dtypes
from ._protocols_func import HANDLERS

_NUMPY_KW = frozenset({"axis", "keepdims", "ddof", "out", "initial", "where", "order"})


def _numpy_call(kwargs):
    if _NUMPY_KW.intersection(kwargs):
        return True
    d = kwargs.get("dtype")
    return d is not None and type(d) is not _dtypes.dtype


def torch_method(name):
    """The PyTorch method ``name`` as the op modules define it (bound before this module's)."""
    from . import _methods
    from .ops import reduction, scan
    for table in (scan.METHODS, reduction.METHODS, _methods._METHODS):
        if name in table:
            return table[name]
    raise AttributeError(name)


def _dual(name, npfunc):
    handler = HANDLERS[npfunc]
    torch_fn = []

    def method(self, *args, **kwargs):
        if _numpy_call(kwargs):
            if kwargs.get("out") is not None:
                return getattr(np, npfunc.__name__)(self.numpy(), *args, **kwargs)
            return handler(self, *args, **kwargs)
        if not torch_fn:
            torch_fn.append(torch_method(name))
        return torch_fn[0](self, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = f"PyTorch's ``Tensor.{name}``; NumPy's form with NumPy keywords (Note [numpy methods])."
    return method


def build():
    """The NumPy-aware methods, wrapping the PyTorch methods of the same names."""
    out = {}
    for name, f in (("sum", np.sum), ("prod", np.prod), ("mean", np.mean), ("std", np.std), ("var", np.var),
                    ("max", np.max), ("min", np.min), ("all", np.all), ("any", np.any),
                    ("argmax", np.argmax), ("argmin", np.argmin), ("cumsum", np.cumsum),
                    ("cumprod", np.cumprod)):
        out[name] = _dual(name, f)

    def torch_transpose(self, *a):
        return torch_method("transpose")(self, *a)

    def torch_squeeze(self, *a, **k):
        return torch_method("squeeze")(self, *a, **k)

    def torch_reshape(self, *a):
        return torch_method("reshape")(self, *a)

    def transpose(self, *axes):
        """PyTorch's ``transpose(dim0, dim1)``; NumPy's ``transpose()``, ``transpose(axes)`` or
        ``transpose(*axes)`` for a full permutation of other than two dims (Note [numpy methods])."""
        if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
            return torch_transpose(self, *axes)     # two dims: PyTorch's swap, also on 2-d tensors
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if not axes or (len(axes) == 1 and axes[0] is None):
            axes = tuple(range(self.ndim - 1, -1, -1))
        if len(axes) != self.ndim:
            return torch_transpose(self, *axes)
        return self.permute(*axes)

    def squeeze(self, *dims, dim=None, axis=None):
        """PyTorch's ``squeeze``; NumPy's ``squeeze(axis=...)`` too."""
        if axis is not None:
            return HANDLERS[np.squeeze](self, axis)
        return torch_squeeze(self, *dims, dim=dim) if dim is not None else torch_squeeze(self, *dims)

    def reshape(self, *shape, order="C"):
        """PyTorch's ``reshape(*shape)``; NumPy's ``reshape(shape, order="C")`` too."""
        if order != "C":
            raise NotImplementedError(f"reshape: order={order!r}: tensorjit tensors are reshaped in C order")
        return torch_reshape(self, *shape)

    def copy(self, order="K"):
        """A copy of this tensor (NumPy's ``ndarray.copy``; PyTorch's ``clone``)."""
        return self.clone()

    out.update(transpose=transpose, squeeze=squeeze, reshape=reshape, copy=copy)
    return out

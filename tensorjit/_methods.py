"""Binds the functions of the op and view modules to Tensor as methods and operators."""
from __future__ import annotations

import numpy as np

from . import _complex, _copy, _html, _indexing, _views
from ._tensor import Tensor
from .ops import pointwise as pw


def _reflect(fn):
    def r(self, other):
        return fn(other, self)
    return r


def _operator(fn):
    # Python operators give NotImplemented for foreign operands so the other side can answer.
    def op(self, other):
        # NumPy arrays answer through their reflected operator, which reaches
        # Tensor.__array_ufunc__ and computes with tensorjit.
        if isinstance(other, np.ndarray) or \
                not isinstance(other, (Tensor, bool, int, float, complex)) and not hasattr(other, "dtype"):
            return NotImplemented
        return fn(self, other)
    return op


_METHODS = {
    # views
    "view": _views.view, "view_as": _views.view_as, "reshape": _views.reshape, "reshape_as": _views.reshape_as,
    "transpose": _views.transpose,
    "t": _views.t_, "permute": _views.permute, "movedim": _views.movedim, "moveaxis": _views.movedim,
    "expand": _views.expand, "expand_as": _views.expand_as, "broadcast_to": _views.broadcast_to,
    "unsqueeze": _views.unsqueeze, "squeeze": _views.squeeze, "flatten": _views.flatten,
    "unflatten": _views.unflatten, "narrow": _views.narrow, "select": _views.select, "unfold": _views.unfold,
    "as_strided": _views.as_strided, "diagonal": _views.diagonal, "split": _views.split, "chunk": _views.chunk,
    "contiguous": _views.contiguous, "clone": _views.clone, "resize_": _views.resize_,
    # copies and conversions
    "copy_": _copy.copy_, "fill_": _copy.fill_, "zero_": _copy.zero_, "to": _copy.to, "type": _copy.type_,
    "cpu": _copy.cpu, **_copy.CAST_METHODS,
    # indexing
    "__getitem__": _indexing.getitem, "__setitem__": _indexing.setitem,
    # pointwise
    "add": pw.add, "add_": pw.add_, "sub": pw.sub, "sub_": pw.sub_, "subtract": pw.sub, "mul": pw.mul,
    "mul_": pw.mul_, "multiply": pw.mul, "div": pw.div, "div_": pw.div_, "divide": pw.div,
    "true_divide": pw.true_divide, "true_divide_": pw.true_divide_, "floor_divide": pw.floor_divide,
    "floor_divide_": pw.floor_divide_, "remainder": pw.remainder, "remainder_": pw.remainder_,
    "pow": pw.pow, "pow_": pw.pow_, "maximum": pw.maximum, "minimum": pw.minimum,
    "eq": pw.eq, "ne": pw.ne, "lt": pw.lt, "le": pw.le, "gt": pw.gt, "ge": pw.ge,
    "eq_": pw.eq_, "ne_": pw.ne_, "lt_": pw.lt_, "le_": pw.le_, "gt_": pw.gt_, "ge_": pw.ge_,
    "greater": pw.gt, "greater_equal": pw.ge, "less": pw.lt, "less_equal": pw.le, "not_equal": pw.ne,
    "neg": pw.neg, "neg_": pw.neg_, "negative": pw.neg, "abs": pw.abs, "abs_": pw.abs_, "absolute": pw.abs,
    "where": lambda self, condition, other: pw.where(condition, self, other),
    # operators
    "__add__": pw.add.operator, "__radd__": _operator(_reflect(pw.add)), "__iadd__": pw.add_,
    "__sub__": pw.sub.operator, "__rsub__": _operator(_reflect(pw.sub)), "__isub__": pw.sub_,
    "__mul__": pw.mul.operator, "__rmul__": _operator(_reflect(pw.mul)), "__imul__": pw.mul_,
    "__truediv__": pw.true_divide.operator, "__rtruediv__": _operator(_reflect(pw.true_divide)),
    "__itruediv__": pw.true_divide_,
    "__floordiv__": _operator(pw.floor_divide), "__rfloordiv__": _operator(_reflect(pw.floor_divide)),
    "__ifloordiv__": pw.floor_divide_,
    "__mod__": _operator(pw.remainder), "__rmod__": _operator(_reflect(pw.remainder)),
    "__imod__": pw.remainder_,
    "__pow__": _operator(pw.pow), "__rpow__": _operator(_reflect(pw.pow)), "__ipow__": pw.pow_,
    "__eq__": _operator(pw.eq), "__ne__": _operator(pw.ne), "__lt__": _operator(pw.lt),
    "__le__": _operator(pw.le), "__gt__": _operator(pw.gt), "__ge__": _operator(pw.ge),
    "__neg__": pw.neg, "__abs__": pw.abs, "__pos__": lambda self: self,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)

Tensor.T = property(_views.T)
Tensor._repr_html_ = lambda self: _html.repr_html(self)
Tensor.stft = lambda self, *args, **kwargs: _spectral().stft(self, *args, **kwargs)
Tensor.istft = lambda self, *args, **kwargs: _spectral().istft(self, *args, **kwargs)


def _spectral():
    from .ops import spectral
    return spectral
Tensor.real = property(_complex.real, lambda self, v: _copy.copy_(_complex.real(self), v))
Tensor.imag = property(_complex.imag, lambda self, v: _copy.copy_(_complex.imag(self), v))
for _name, _fn in _complex.METHODS.items():
    setattr(Tensor, _name, _fn)
Tensor.mT = property(_views.mT)

# Math ops (tensorjit/ops/math.py): methods, in-place methods and the bitwise operators.
from .ops import math as _math  # noqa: E402

for _name, _fn in _math.METHODS.items():
    setattr(Tensor, _name, _fn)
for _name, _fn, _fn_ in _math.OPERATORS:
    setattr(Tensor, f"__{_name}__", _operator(_fn))
    setattr(Tensor, f"__r{_name}__", _operator(_reflect(_fn)))
    setattr(Tensor, f"__i{_name}__", _fn_)
Tensor.__invert__ = _math.bitwise_not

# Reductions, scans, sorting and searching: each op module's METHODS.
from .ops import reduction as _reduction, scan as _scan, sorting as _sorting, searching as _searching  # noqa: E402
from .ops import shape as _shape_ops, indexing as _indexing_ops, blas as _blas, random as _random  # noqa: E402

from . import _protocols  # noqa: E402

for _mod in (_reduction, _scan, _sorting, _searching, _shape_ops, _indexing_ops, _blas, _random, _protocols):
    for _name, _fn in _mod.METHODS.items():
        setattr(Tensor, _name, _fn)

# Quantized tensors (tensorjit/quantized.py): dequantize and the q_* accessors on dense tensors.
from . import quantized as _quantized  # noqa: E402

for _name, _fn in _quantized.TENSOR_METHODS.items():
    setattr(Tensor, _name, _fn)

# relu/softmax/log_softmax as methods (tensorjit/ops/activation.py: nn.functional's, lazily).
from .ops import activation as _activation  # noqa: E402

for _name, _fn in _activation.METHODS.items():
    setattr(Tensor, _name, _fn)

# Top-level linear algebra as methods (tensorjit/_linalg_top.py: det, inverse, lu, cov, ...).
from . import _linalg_top  # noqa: E402

for _name, _fn in _linalg_top.METHODS.items():
    setattr(Tensor, _name, _fn)

# polygamma, mvlgamma, renorm (tensorjit/ops/special_fns.py).
from .ops import special_fns as _special_fns  # noqa: E402

for _name, _fn in _special_fns.METHODS.items():
    setattr(Tensor, _name, _fn)

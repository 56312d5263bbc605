"""Pointwise ops built from the rows of ``kernels.opdefs.POINTWISE``: functions, in-place
methods and the Python operators.

Note [binary fast path]
    ``a + b`` on two dense tensors of one shape and dtype skips promotion, broadcasting and
    layout work: ``_dispatch.elementwise`` registers the kernel for (op, dtype) the first
    time it runs that case, and later calls go straight to its entry point with a
    contiguous ``meta``. Anything else takes the general path, which gives the same result.
"""
from __future__ import annotations

from numpy import ndarray as _ndarray

import math

import numpy as np

from .. import _dtypes
from .._dispatch import elementwise, compute_dtype, FAST, PARALLEL_THRESHOLD, check_operand, register_fast
from .._tensor import Tensor

_new = object.__new__
from ..kernels.opdefs import POINTWISE

_prod = math.prod
_empty = np.empty


_ONE = 1


_MISSING = object()


def _binary(name, doc, with_alpha=False, label=None):
    """The public function of binary row ``name`` (errors name it ``label``, default ``name``)."""
    row = POINTWISE[name]
    fast = FAST[name]
    label = label or name

    def operator(input, other):
        # Note [binary fast path]: everything inline, this is the per-op floor.
        if type(other) is Tensor and type(input) is Tensor and input._dense and other._dense:
            shape = input._shape
            d = input._dtype
            if shape == other._shape and d is other._dtype:
                f = fast.get(d, _MISSING)
                if f is _MISSING:
                    f = register_fast(row, d, label)
                n = _prod(shape)
                if f is not None and 0 < n < PARALLEL_THRESHOLD:
                    entry, rd, knp = f
                    data = _empty(n, knp)
                    entry(data, input._data, other._data, input._offset, other._offset, n)
                    t = _new(Tensor)
                    t._data = data
                    t._shape = shape
                    t._strides = input._strides
                    t._offset = 0
                    t._dtype = rd
                    t._dense = True
                    return t
        if type(other) is _ndarray:
            return NotImplemented   # NumPy's reflected operator reaches Tensor.__array_ufunc__
        return elementwise(row, (input, other), None, name=label)

    if with_alpha:
        alpha_row = POINTWISE[name + "_alpha"]

        def op(input, other, *, alpha=1, out=None):
            if alpha is _ONE and out is None:
                return operator(input, other)
            if type(alpha) is int and alpha == 1:
                return elementwise(row, (input, other), out)
            return _alpha_call(row, alpha_row, name, (input, other), alpha, out, False)
    else:
        def op(input, other, *, out=None):
            if out is None:
                return operator(input, other)
            return elementwise(row, (input, other), out, name=label)

    op.__name__ = op.__qualname__ = label
    op.__doc__ = doc
    op.operator = operator
    return op


def _alpha_call(row, alpha_row, name, args, alpha, out, inplace):
    compute = compute_dtype(row, args, name)
    check_operand(alpha, name)
    # PyTorch's alpha_check, rule for rule.
    if isinstance(alpha, (bool, np.bool_)) and compute is not _dtypes.bool:
        raise RuntimeError(f"{name}: Boolean alpha only supported for Boolean results.")
    if compute.category <= _dtypes.INT and isinstance(alpha, (float, complex, np.floating, np.complexfloating)):
        raise RuntimeError(f"{name}: For integral input tensors, argument alpha must not be a floating point "
                           "number.")
    if compute.category != _dtypes.COMPLEX and isinstance(alpha, (complex, np.complexfloating)):
        raise RuntimeError(f"{name}: For non-complex input tensors, argument alpha must not be a complex number.")
    if row.name == "sub":
        alpha = -alpha
    return elementwise(alpha_row, args + (alpha,), out, inplace=inplace, name=name, compute=compute)


def _with_alpha_inplace(name):
    row = POINTWISE[name]
    alpha_row = POINTWISE[name + "_alpha"]

    def op_(self, other, *, alpha=1):
        if type(alpha) is int and alpha == 1:
            return elementwise(row, (self, other), self, inplace=True, name=name + "_")
        return _alpha_call(row, alpha_row, name + "_", (self, other), alpha, self, True)

    op_.__name__ = op_.__qualname__ = name + "_"
    op_.__doc__ = f"In-place ``{name}``."
    return op_


def _inplace(name):
    row = POINTWISE[name]

    def op_(self, other):
        return elementwise(row, (self, other), self, inplace=True, name=name + "_")

    op_.__name__ = op_.__qualname__ = name + "_"
    op_.__doc__ = f"In-place ``{name}``: writes into ``self``, which must hold the broadcast shape and " \
                  "a dtype the result can be cast to."
    return op_


mul = _binary("mul", """Elementwise product.

    >>> import tensorjit as tj
    >>> tj.mul(tj.tensor([1, 2]), 3).tolist()
    [3, 6]
    """)
true_divide = _binary("true_divide", """Elementwise true division; integers divide into the default float dtype.

    >>> import tensorjit as tj
    >>> tj.true_divide(tj.tensor([1, 2]), 2).tolist()
    [0.5, 1.0]
    """)
floor_divide = _binary("floor_divide", """Elementwise division rounded toward minus infinity.

    >>> import tensorjit as tj
    >>> tj.floor_divide(tj.tensor([-7, 7]), 2).tolist()
    [-4, 3]
    """)
remainder = _binary("remainder", """Python's modulus: the result has the divisor's sign.

    >>> import tensorjit as tj
    >>> tj.remainder(tj.tensor([-7, 7]), 3).tolist()
    [2, 1]
    """)
maximum = _binary("maximum", """Elementwise maximum; NaN propagates.

    >>> import tensorjit as tj
    >>> tj.maximum(tj.tensor([1, 5]), tj.tensor([3, 2])).tolist()
    [3, 5]
    """)
minimum = _binary("minimum", """Elementwise minimum; NaN propagates.

    >>> import tensorjit as tj
    >>> tj.minimum(tj.tensor([1, 5]), tj.tensor([3, 2])).tolist()
    [1, 2]
    """)
_CMP_DOC = """Elementwise ``{sym}``, giving a bool tensor.

    >>> import tensorjit as tj
    >>> tj.{name}(tj.tensor([1, 2, 3]), 2).tolist()
    {example}
    """
eq = _binary("eq", _CMP_DOC.format(sym="==", name="eq", example="[False, True, False]"))
ne = _binary("ne", _CMP_DOC.format(sym="!=", name="ne", example="[True, False, True]"))
lt = _binary("lt", _CMP_DOC.format(sym="<", name="lt", example="[True, False, False]"))
le = _binary("le", _CMP_DOC.format(sym="<=", name="le", example="[True, True, False]"))
gt = _binary("gt", _CMP_DOC.format(sym=">", name="gt", example="[False, False, True]"))
ge = _binary("ge", _CMP_DOC.format(sym=">=", name="ge", example="[False, True, True]"))
_pow_plain = _binary("pow", "")
add = _binary("add", """``input + alpha * other``, with broadcasting and type promotion.

    >>> import tensorjit as tj
    >>> tj.add(tj.tensor([1, 2]), tj.tensor([10, 20]), alpha=2).tolist()
    [21, 42]
    """, with_alpha=True)
sub = _binary("sub", """``input - alpha * other``.

    >>> import tensorjit as tj
    >>> tj.sub(tj.tensor([5, 5]), 2).tolist()
    [3, 3]
    """, with_alpha=True)
add_ = _with_alpha_inplace("add")
sub_ = _with_alpha_inplace("sub")
subtract = sub

_div_true = _binary("true_divide", "", label="div")
_ROUNDING = {None: "true_divide", "trunc": "div_trunc", "floor": "floor_divide"}


def _rounding_row(rounding_mode):
    try:
        return POINTWISE[_ROUNDING[rounding_mode]]
    except KeyError:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'") from None


def div(input, other, *, rounding_mode=None, out=None):
    """Elementwise division: true (``None``), ``"trunc"`` toward zero, or ``"floor"``.

    >>> import tensorjit as tj
    >>> tj.div(tj.tensor([-7, 7]), 2, rounding_mode="trunc").tolist()
    [-3, 3]
    """
    if rounding_mode is None:
        return _div_true(input, other, out=out)
    return elementwise(_rounding_row(rounding_mode), (input, other), out, name="div")


divide = div


def div_(self, other, *, rounding_mode=None):
    """In-place ``div``."""
    return elementwise(_rounding_row(rounding_mode), (self, other), self, inplace=True, name="div_")


def pow(input, exponent, *, out=None):
    """``input ** exponent`` elementwise; either may be a Python number.

    >>> import tensorjit as tj
    >>> tj.pow(tj.tensor([1, 2, 3]), 2).tolist(), tj.pow(2, tj.tensor([1., 3.])).tolist()
    ([1, 4, 9], [2.0, 8.0])
    """
    _check_int_pow(input, exponent, "pow")
    if _is_square(input, exponent):
        return elementwise(_SQUARE, (input,), out, name="pow")
    return _pow_plain(input, exponent, out=out)


_SQUARE = POINTWISE["square"]


def _is_square(input, exponent):
    # As PyTorch, ``x ** 2`` is ``x * x`` (exact where powf may round a float32 midpoint, and
    # ~20x faster); only where the result dtype is the input's (not for bool, nor ints ** 2.0).
    if type(exponent) is int:
        return exponent == 2 and isinstance(input, Tensor) and input._dtype.category > _dtypes.BOOL
    return type(exponent) is float and exponent == 2.0 and isinstance(input, Tensor) \
        and input._dtype.category >= _dtypes.FLOAT


def _check_int_pow(input, exponent, name):
    if isinstance(input, Tensor) and input._dtype.category <= _dtypes.INT and type(exponent) is int \
            and exponent < 0:
        raise RuntimeError(f"{name}: Integers to negative integer powers are not allowed.")


def pow_(self, exponent):
    """In-place ``pow``."""
    _check_int_pow(self, exponent, "pow_")
    if _is_square(self, exponent):
        return elementwise(_SQUARE, (self,), self, inplace=True, name="pow_")
    return elementwise(POINTWISE["pow"], (self, exponent), self, inplace=True, name="pow_")


def _unary(name, doc):
    row = POINTWISE[name]

    def op(input, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
        return elementwise(row, (input,), out)

    def op_(self):
        return elementwise(row, (self,), self, inplace=True, name=name + "_")

    op.__name__ = op.__qualname__ = name
    op_.__name__ = op_.__qualname__ = name + "_"
    op.__doc__ = doc
    op_.__doc__ = f"In-place ``{name}``."
    return op, op_


neg, neg_ = _unary("neg", """Elementwise negation.

    >>> import tensorjit as tj
    >>> tj.neg(tj.tensor([1, -2])).tolist()
    [-1, 2]
    """)
negative = neg
abs, abs_ = _unary("abs", """Elementwise absolute value (the magnitude for complex inputs, as a real dtype).

    >>> import tensorjit as tj
    >>> tj.abs(tj.tensor([-1.5, 2.0])).tolist()
    [1.5, 2.0]
    """)
absolute = abs


def where(condition, input, other, *, out=None):
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (either may be a number).

    >>> import tensorjit as tj
    >>> tj.where(tj.tensor([True, False]), tj.tensor([1, 2]), 0).tolist()
    [1, 0]
    """
    if not isinstance(condition, Tensor) or condition._dtype is not _dtypes.bool:
        got = condition._dtype.name if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {got}")
    row = POINTWISE["where"]
    compute = _dtypes.result_type(input, other)
    check_operand(input, "where")
    check_operand(other, "where")
    return elementwise(row, (condition, input, other), out, compute=compute)


floor_divide_ = _inplace("floor_divide")
remainder_ = _inplace("remainder")
mul_ = _inplace("mul")
true_divide_ = _inplace("true_divide")
eq_, ne_, lt_, le_, gt_, ge_ = (_inplace(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))

# NumPy-style aliases PyTorch also has.
multiply, greater, greater_equal, less, less_equal, not_equal = mul, gt, ge, lt, le, ne


def rsub(input, other, *, alpha=1):
    """``other - alpha * input``."""
    return sub(other, input, alpha=alpha)

"""Array API element-wise functions, generated from tables of (standard name, tensorjit op).

Binary functions accept one Python scalar operand (the standard's weak scalars, Note [array api
promotion] in tensorjit/array_api/_dtypes.py): it takes the array's dtype.
"""
from __future__ import annotations

import builtins

import tensorjit as _tj
from tensorjit import _dtypes
from tensorjit._tensor import Tensor

from ._dtypes import promote, scalar_fits

UNARY = {
    "abs": "abs", "acos": "acos", "acosh": "acosh", "asin": "asin", "asinh": "asinh", "atan": "atan",
    "atanh": "atanh", "bitwise_invert": "bitwise_not", "ceil": "ceil", "conj": "conj_physical", "cos": "cos",
    "cosh": "cosh", "exp": "exp", "expm1": "expm1", "floor": "floor", "isfinite": "isfinite",
    "isinf": "isinf", "isnan": "isnan", "log": "log", "log1p": "log1p", "log2": "log2", "log10": "log10",
    "logical_not": "logical_not", "negative": "neg", "reciprocal": "reciprocal", "signbit": "signbit",
    "sin": "sin", "sinh": "sinh", "sqrt": "sqrt", "square": "square", "tan": "tan", "tanh": "tanh",
    "trunc": "trunc",
}
BINARY = {
    "add": "add", "atan2": "atan2", "bitwise_and": "bitwise_and", "bitwise_left_shift": "bitwise_left_shift",
    "bitwise_or": "bitwise_or", "bitwise_right_shift": "bitwise_right_shift", "bitwise_xor": "bitwise_xor",
    "copysign": "copysign", "divide": "true_divide", "equal": "eq",
    "greater": "gt", "greater_equal": "ge", "hypot": "hypot", "less": "lt", "less_equal": "le",
    "logaddexp": "logaddexp", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_xor": "logical_xor", "maximum": "maximum", "minimum": "minimum", "multiply": "mul",
    "nextafter": "nextafter", "not_equal": "ne", "pow": "pow", "subtract": "sub",
}


def _array(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected an array, got {type(x).__name__}")
    return x


def scalar_as(s, d, op):
    """Python scalar ``s`` as a 0-d tensor meeting dtype ``d`` (weak: it takes ``d``)."""
    scalar_fits(s, d, op)
    if isinstance(s, complex) and d.category == _dtypes.FLOAT:
        d = d.to_complex()
    return _tj.tensor(s, dtype=d)


def operands(x1, x2, op):
    """Both operands as tensors; a Python scalar takes the other operand's dtype."""
    a, b = isinstance(x1, Tensor), isinstance(x2, Tensor)
    if a and b:
        if x1.dtype is x2.dtype:
            return x1, x2
        # The standard promotes 0-d arrays like any other (PyTorch lets a 0-d tensor of the
        # same kind yield: uint16 0-d + uint8 1-d would stay uint8), so cast both up front.
        d = promote(x1.dtype, x2.dtype, op)
        return (x1 if x1.dtype is d else x1.to(d)), (x2 if x2.dtype is d else x2.to(d))
    if a:
        return x1, scalar_as(x2, x1.dtype, op)
    if b:
        return scalar_as(x1, x2.dtype, op), x2
    raise TypeError(f"{op}: at least one operand must be an array")


def _unary(name, tjname):
    fn = getattr(_tj, tjname)

    def f(x, /):
        return fn(_array(x, name))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The array API's ``{name}``: tensorjit's ``{tjname}`` element-wise."
    return f


def _binary(name, tjname):
    fn = getattr(_tj, tjname)

    def f(x1, x2, /):
        return fn(*operands(x1, x2, name))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The array API's ``{name}``: tensorjit's ``{tjname}`` with broadcasting."
    return f


FUNCTIONS = {n: _unary(n, t) for n, t in UNARY.items()}
FUNCTIONS.update({n: _binary(n, t) for n, t in BINARY.items()})


def positive(x, /):
    """``+x``: a copy of ``x``."""
    return _array(x, "positive").clone()


def sign(x, /):
    """The sign of each element; ``x / |x|`` for complex ``x`` (0 at 0; NaN stays NaN, as the standard says).

    >>> import tensorjit.array_api as xp
    >>> xp.sign(xp.asarray([-2., 0., 3.])).tolist()
    [-1.0, 0.0, 1.0]
    """
    x = _array(x, "sign")
    if x.dtype.category == _dtypes.COMPLEX:
        # The standard: a zero (of either sign in either part) gives exactly 0 + 0j.
        r = _tj.sgn(x)
        return _tj.where(_tj.eq(x, 0), _tj.zeros_like(r), r)
    r = _tj.sign(x)
    # The standard keeps NaN (PyTorch's sign gives 0 for it).
    return _tj.where(_tj.isnan(x), x, r) if x.dtype.category == _dtypes.FLOAT else r


def real(x, /):
    """The real part (``x`` itself, copied, for real dtypes)."""
    x = _array(x, "real")
    return _tj.real(x).clone() if x.dtype.category == _dtypes.COMPLEX else x.clone()


def imag(x, /):
    """The imaginary part (zeros for real dtypes)."""
    x = _array(x, "imag")
    return _tj.imag(x).clone() if x.dtype.category == _dtypes.COMPLEX else _tj.zeros_like(x)


def round(x, /):
    """Round half to even, element-wise (integers unchanged)."""
    x = _array(x, "round")
    return x.clone() if x.dtype.category < _dtypes.FLOAT else _tj.round(x)


def clip(x, /, min=None, max=None):
    """``x`` clamped into ``[min, max]`` (arrays or scalars; the result keeps ``x``'s dtype).

    >>> import tensorjit.array_api as xp
    >>> xp.clip(xp.asarray([1, 5, 9]), 2, 6).tolist()
    [2, 5, 6]
    """
    x = _array(x, "clip")
    r = x
    for bound, op in ((min, _tj.maximum), (max, _tj.minimum)):
        if bound is None:
            continue
        if not isinstance(bound, Tensor):
            scalar_fits(bound, x.dtype, "clip")
            if x.dtype.category == _dtypes.INT:
                info = _tj.iinfo(x.dtype)
                if (bound < info.min and op is _tj.maximum) or (bound > info.max and op is _tj.minimum):
                    continue        # a bound beyond the dtype's range clamps nothing
                bound = builtins.min(builtins.max(bound, info.min), info.max)
            bound = _tj.tensor(bound, dtype=x.dtype)
        r = op(r, bound if bound.dtype is x.dtype else bound.to(x.dtype))
    if r.dtype is not x.dtype:
        r = r.to(x.dtype)
    # The result has the broadcast shape of x and the array bounds (not always x's own shape).
    shape = tuple(_tj.broadcast_shapes(x.shape, *[tuple(b.shape) for b in (min, max) if isinstance(b, Tensor)]))
    return r.clone() if r is x else r.expand(*shape) if tuple(r.shape) != shape else r


def floor_divide(x1, x2, /):
    """``x1 // x2`` element-wise, with the standard's special cases for infinite operands.

    PyTorch's ``floor_divide`` (``x1 - fmod(x1, x2)`` based) gives NaN for ``inf // 2`` and
    ``-1`` for ``1 // -inf``; the standard asks ``floor(x1 / x2)`` there: ``+inf`` and ``-0``.
    Finite operands keep PyTorch's (and Python's) exact result.

    >>> import tensorjit.array_api as xp
    >>> xp.floor_divide(xp.asarray([7., xp.inf, 1.]), xp.asarray([2., 2., -xp.inf])).tolist()
    [3.0, inf, -0.0]
    """
    a, b = operands(x1, x2, "floor_divide")
    r = _tj.floor_divide(a, b)
    if r.dtype.category != _dtypes.FLOAT:
        return r
    return _tj.where(_tj.logical_or(_tj.isinf(a), _tj.isinf(b)), _tj.floor(_tj.true_divide(a, b)), r)


def remainder(x1, x2, /):
    """``x1 % x2`` element-wise; a zero result takes the sign of ``x2``, as the standard says.

    (PyTorch keeps the sign of ``x1`` for zeros: ``remainder(-0., 5.)`` is ``-0.``; the standard
    and Python give ``+0.``.)

    >>> import tensorjit.array_api as xp
    >>> xp.remainder(xp.asarray([-0., 0., 7.]), xp.asarray([5., -5., -2.])).tolist()
    [0.0, -0.0, -1.0]
    """
    a, b = operands(x1, x2, "remainder")
    r = _tj.remainder(a, b)
    if r.dtype.category != _dtypes.FLOAT:
        return r
    return _tj.where(_tj.eq(r, 0), _tj.copysign(r, b), r)


FUNCTIONS.update(positive=positive, sign=sign, real=real, imag=imag, round=round, clip=clip,
                 floor_divide=floor_divide, remainder=remainder)

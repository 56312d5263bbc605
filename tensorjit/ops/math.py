"""Pointwise math ops built from the math rows of ``kernels.opdefs.POINTWISE``: unary
functions (exp, log, sin, ..., predicates), binary ones (atan2, fmod, logical and bitwise
ops), clamp, lerp, addcmul and addcdiv; with their methods, in-place variants and the
``& | ^ << >> ~`` operators (bound in tensorjit/_methods.py from ``METHODS``).

Each public function follows its PyTorch namesake: dtypes per the row's promotion kind
(Note [promotion kinds]), the dtypes PyTorch refuses refused with a RuntimeError naming the
op, and ``out=`` / in-place writes through the general path of ``_dispatch.elementwise``.
"""
from __future__ import annotations

from .. import _dtypes
from .._dispatch import elementwise, compute_dtype, check_operand
from .._tensor import Tensor
from ..kernels.opdefs import POINTWISE
from .pointwise import _binary, _unary, _inplace

__all__ = []   # filled below: what ``import tensorjit`` exports
METHODS = {}   # Tensor method name -> function


def _export(name, fn, method=True):
    globals()[name] = fn
    __all__.append(name)
    if method:
        METHODS[name] = fn


def _require_tensor(x, name, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


# -- unary -------------------------------------------------------------------------------------
_UNARY = {
    "exp": "e ** x", "exp2": "2 ** x", "expm1": "e ** x - 1", "log": "the natural logarithm",
    "log2": "the base-2 logarithm", "log10": "the base-10 logarithm", "log1p": "log(1 + x)",
    "sqrt": "the square root", "rsqrt": "1 / sqrt(x)", "sin": "the sine", "cos": "the cosine",
    "tan": "the tangent", "asin": "the arcsine", "acos": "the arccosine", "atan": "the arctangent",
    "sinh": "the hyperbolic sine", "cosh": "the hyperbolic cosine", "tanh": "the hyperbolic tangent",
    "asinh": "the inverse hyperbolic sine", "acosh": "the inverse hyperbolic cosine",
    "atanh": "the inverse hyperbolic tangent", "sigmoid": "1 / (1 + e ** -x)", "erf": "the error function",
    "erfc": "the complementary error function", "lgamma": "log |gamma(x)|", "reciprocal": "1 / x",
    "deg2rad": "degrees to radians", "rad2deg": "radians to degrees", "frac": "x - trunc(x)",
    "floor": "rounded down", "ceil": "rounded up", "trunc": "rounded toward zero",
    "sign": "-1, 0 or 1 (0 for NaN)", "positive": "x itself (refuses bool)",
    "bitwise_not": "bitwise NOT (logical NOT for bool)", "logical_not": "x == 0, as bool",
    "isnan": "whether x is NaN", "isinf": "whether x is infinite", "isposinf": "whether x is +inf",
    "isneginf": "whether x is -inf", "isfinite": "whether x is finite", "signbit": "whether x's sign bit is set",
}
# Ops PyTorch has no in-place method for.
_NO_INPLACE = {"positive", "isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit"}
_INT_TO_FLOAT_NOTE = " Integers and bool compute in the default float dtype."

for _n, _what in _UNARY.items():
    _doc = f"Elementwise {_what}." + (_INT_TO_FLOAT_NOTE if POINTWISE[_n].kind == "int_to_float" else "")
    _op, _op_ = _unary(_n, _doc)
    _export(_n, _op)
    if _n not in _NO_INPLACE:
        _export(_n + "_", _op_)

exp.__doc__ += """

    >>> import tensorjit as tj
    >>> tj.exp(tj.tensor([0, 1])).tolist()
    [1.0, 2.7182817459106445]
    """
for _alias, _fn in (("arcsin", asin), ("arccos", acos), ("arctan", atan), ("arcsinh", asinh),
                    ("arccosh", acosh), ("arctanh", atanh), ("fix", trunc)):
    _export(_alias, _fn)
    _export(_alias + "_", METHODS[_fn.__name__ + "_"])
_export("special_expit", sigmoid, method=False)

_square_plain, _square_plain_ = _unary("square", "")


def square(input, *, out=None):
    """``input * input``; bool squares into int64, as PyTorch.

    >>> import tensorjit as tj
    >>> tj.square(tj.tensor([-3, 2])).tolist()
    [9, 4]
    """
    _require_tensor(input, "square")
    if input._dtype is _dtypes.bool:
        return elementwise(POINTWISE["square"], (input,), out, compute=_dtypes.int64, name="square")
    return _square_plain(input, out=out)


def square_(self):
    """In-place ``square``."""
    if self._dtype is _dtypes.bool:
        return elementwise(POINTWISE["square"], (self,), self, inplace=True, compute=_dtypes.int64, name="square_")
    return _square_plain_(self)


_export("square", square)
_export("square_", square_)

_round_plain, _round_plain_ = _unary("round", "")


def _round(input, decimals, out, inplace, name):
    _require_tensor(input, name)
    if type(decimals) is not int:
        raise TypeError(f"{name}(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if decimals == 0:
        return _round_plain_(input) if inplace else _round_plain(input, out=out)
    row = POINTWISE["round_pos" if decimals > 0 else "round_neg"]
    compute = compute_dtype(row, (input,), name)
    return elementwise(row, (input, float(10 ** abs(decimals))), input if inplace else out, inplace=inplace,
                       name=name, compute=compute)


def round(input, *, decimals=0, out=None):
    """Round half to even (as Python's ``round``), to ``decimals`` decimal places (floats only).

    >>> import tensorjit as tj
    >>> tj.round(tj.tensor([0.5, 1.5, 2.5, -0.5])).tolist()
    [0.0, 2.0, 2.0, -0.0]
    """
    return _round(input, decimals, out, False, "round")


def round_(self, *, decimals=0):
    """In-place ``round``."""
    return _round(self, decimals, None, True, "round_")


_export("round", round)
_export("round_", round_)

# -- binary ------------------------------------------------------------------------------------
_BINARY = {
    "atan2": ("the arctangent of input / other in the right quadrant", True),
    "hypot": ("sqrt(input ** 2 + other ** 2)", True),
    "fmod": ("C's remainder: the result has the dividend's sign", True),
    "copysign": ("input's magnitude with other's sign", True),
    "logaddexp": ("log(e ** input + e ** other)", False),
    "logaddexp2": ("log2(2 ** input + 2 ** other)", False),
    "fmax": ("maximum, ignoring NaN unless both are NaN", False),
    "fmin": ("minimum, ignoring NaN unless both are NaN", False),
    "xlogy": ("input * log(other), 0 where input is 0 (NaN where other is NaN)", True),
    "logical_and": ("logical AND, as bool", True), "logical_or": ("logical OR, as bool", True),
    "logical_xor": ("logical XOR, as bool", True),
    "bitwise_and": ("bitwise AND (integers and bool)", True), "bitwise_or": ("bitwise OR", True),
    "bitwise_xor": ("bitwise XOR", True),
    "bitwise_left_shift": ("left shift (integers; 0 past the dtype's width)", True),
    "bitwise_right_shift": ("arithmetic right shift (integers)", True),
}
for _n, (_what, _has_inplace) in _BINARY.items():
    _export(_n, _binary(_n, f"Elementwise {_what}."))
    if _has_inplace:
        _export(_n + "_", _inplace(_n))
_export("arctan2", atan2)
_export("arctan2_", atan2_)

bitwise_and.__doc__ += """

    >>> import tensorjit as tj
    >>> (tj.tensor([12, 10]) & 6).tolist(), (tj.tensor([1, 2]) << 3).tolist()
    ([4, 2], [8, 16])
    """


def _float_power_dtype(args):
    if any(isinstance(a, Tensor) and a._dtype.category == _dtypes.COMPLEX or isinstance(a, complex) for a in args):
        return _dtypes.complex128
    return _dtypes.float64


def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in float64 (complex128 for complex operands), as PyTorch.

    >>> import tensorjit as tj
    >>> r = tj.float_power(tj.tensor([2, 3]), 2); r.tolist(), r.dtype
    ([4.0, 9.0], tensorjit.float64)
    """
    for a in (input, exponent):
        check_operand(a, "float_power")
    return elementwise(POINTWISE["float_power"], (input, exponent), out, compute=_float_power_dtype((input, exponent)))


def float_power_(self, exponent):
    """In-place ``float_power``: ``self`` must already have the result dtype (float64 or complex128)."""
    check_operand(exponent, "float_power_")
    compute = _float_power_dtype((self, exponent))
    if self._dtype is not compute:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype {self._dtype.name} but the "
                           f"operation's result requires dtype {compute.name}")
    return elementwise(POINTWISE["float_power"], (self, exponent), self, inplace=True, name="float_power_",
                       compute=compute)


_export("float_power", float_power)
_export("float_power_", float_power_)


# -- clamp, lerp, addcmul, addcdiv ---------------------------------------------------------------
def _clamp(input, min, max, out, inplace, name):
    _require_tensor(input, name)
    if min is None and max is None:
        raise RuntimeError(f"{name}: At least one of 'min' or 'max' must not be None")
    if max is None:
        row, args = POINTWISE["clamp_min"], (input, min)
    elif min is None:
        row, args = POINTWISE["clamp_max"], (input, max)
    else:
        row, args = POINTWISE["clamp"], (input, min, max)
    for a in args:
        check_operand(a, name)
    compute = compute_dtype(row, args, name)
    return elementwise(row, args, input if inplace else out, inplace=inplace, name=name, compute=compute)


def clamp(input, min=None, max=None, *, out=None):
    """Clamp into ``[min, max]`` (either bound may be None, a number or a tensor); NaN propagates
    and ``min > max`` gives ``max``, as PyTorch. Bounds take part in type promotion.

    >>> import tensorjit as tj
    >>> tj.clamp(tj.tensor([-2, 0, 5]), min=-1, max=3).tolist()
    [-1, 0, 3]
    """
    return _clamp(input, min, max, out, False, "clamp")


def clamp_(self, min=None, max=None):
    """In-place ``clamp``."""
    return _clamp(self, min, max, None, True, "clamp_")


def clamp_min(input, min, *, out=None):
    """``clamp(input, min=min)``."""
    return _clamp(input, min, None, out, False, "clamp_min")


def clamp_max(input, max, *, out=None):
    """``clamp(input, max=max)``."""
    return _clamp(input, None, max, out, False, "clamp_max")


def clamp_min_(self, min):
    """In-place ``clamp_min``."""
    return _clamp(self, min, None, None, True, "clamp_min_")


def clamp_max_(self, max):
    """In-place ``clamp_max``."""
    return _clamp(self, None, max, None, True, "clamp_max_")


for _fn in (clamp, clamp_, clamp_min, clamp_max, clamp_min_, clamp_max_):
    _export(_fn.__name__, _fn)
_export("clip", clamp)
_export("clip_", clamp_)


def _lerp(input, end, weight, out, inplace, name):
    _require_tensor(input, name)
    _require_tensor(end, name, "end")
    check_operand(weight, name)
    if end._dtype is not input._dtype:
        raise RuntimeError(f"{name}: expected dtype {input._dtype.name} for `end` but got dtype {end._dtype.name}")
    if isinstance(weight, Tensor) and weight._dtype is not input._dtype:
        raise RuntimeError(f"{name}: expected dtype {input._dtype.name} for `weight` but got dtype "
                           f"{weight._dtype.name}")
    row = POINTWISE["lerp"]
    if input._dtype.category not in row.categories:
        raise RuntimeError(f"{name}: not implemented for dtype {input._dtype.name}")
    compute = compute_dtype(row, (input, end, weight), name)
    return elementwise(row, (input, end, weight), input if inplace else out, inplace=inplace, name=name,
                       compute=compute)


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)`` (PyTorch's formula, exact at both ends); ``weight`` is a
    number or a tensor of ``input``'s dtype.

    >>> import tensorjit as tj
    >>> tj.lerp(tj.tensor([0., 10.]), tj.tensor([10., 20.]), 0.25).tolist()
    [2.5, 12.5]
    """
    return _lerp(input, end, weight, out, False, "lerp")


def lerp_(self, end, weight):
    """In-place ``lerp``."""
    return _lerp(self, end, weight, None, True, "lerp_")


def _addc(name, input, tensor1, tensor2, value, out, inplace):
    label = name + ("_" if inplace else "")
    for a, arg in ((input, "input"), (tensor1, "tensor1"), (tensor2, "tensor2")):
        _require_tensor(a, label, arg)
    check_operand(value, label)
    row = POINTWISE[name]
    compute = compute_dtype(row, (input, tensor1, tensor2), label)
    if compute.category <= _dtypes.INT and isinstance(value, (float, complex)):
        raise RuntimeError(f"{label}: For integral input tensors, argument value must not be a floating "
                           "point number.")
    return elementwise(row, (input, tensor1, tensor2, value), input if inplace else out, inplace=inplace,
                       name=label, compute=compute)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``.

    >>> import tensorjit as tj
    >>> tj.addcmul(tj.tensor([1., 1.]), tj.tensor([2., 3.]), tj.tensor([4., 5.]), value=0.5).tolist()
    [5.0, 8.5]
    """
    return _addc("addcmul", input, tensor1, tensor2, value, out, False)


def addcmul_(self, tensor1, tensor2, *, value=1):
    """In-place ``addcmul``."""
    return _addc("addcmul", self, tensor1, tensor2, value, None, True)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2`` (floating and complex dtypes only, as PyTorch).

    >>> import tensorjit as tj
    >>> tj.addcdiv(tj.tensor([1., 1.]), tj.tensor([2., 3.]), tj.tensor([4., 6.]), value=2).tolist()
    [2.0, 2.0]
    """
    return _addc("addcdiv", input, tensor1, tensor2, value, out, False)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    """In-place ``addcdiv``."""
    return _addc("addcdiv", self, tensor1, tensor2, value, None, True)


for _fn in (lerp, lerp_, addcmul, addcmul_, addcdiv, addcdiv_):
    _export(_fn.__name__, _fn)


# -- operators ----------------------------------------------------------------------------------
# (method name, function, in-place function) for the Python operators; _methods.py adds the
# reflected forms and NotImplemented for foreign operands.
OPERATORS = [("and", bitwise_and, bitwise_and_), ("or", bitwise_or, bitwise_or_),
             ("xor", bitwise_xor, bitwise_xor_), ("lshift", bitwise_left_shift, bitwise_left_shift_),
             ("rshift", bitwise_right_shift, bitwise_right_shift_)]

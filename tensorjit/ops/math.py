"""Pointwise math ops built from the math rows of ``kernels.opdefs.POINTWISE``: unary
functions (exp, log, sin, ..., predicates), binary ones (atan2, fmod, logical and bitwise
ops), clamp, lerp, addcmul and addcdiv; with their methods, in-place variants and the
``& | ^ << >> ~`` operators (bound in tensorjit/_methods.py from ``METHODS``).

Each public function follows its PyTorch namesake: dtypes per the row's promotion kind
(Note [promotion kinds]), the dtypes PyTorch refuses refused with a RuntimeError naming the
op, and ``out=`` / in-place writes through the general path of ``_dispatch.elementwise``.
"""
from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._dispatch import elementwise, compute_dtype, check_operand
from .._tensor import Tensor
from ..kernels.opdefs import POINTWISE
from .pointwise import _binary, _unary, _inplace
from .compare import isclose, allclose, equal

__all__ = []   # what ``import tensorjit`` exports (every public name below)
METHODS = {}   # Tensor method name -> function


def _public(*fns, method=True, **aliases):
    """Record module-level functions (under their ``__name__``, or the keyword names of
    ``aliases``) in ``__all__`` and, with ``method``, in ``METHODS``."""
    for name, fn in [(f.__name__, f) for f in fns] + list(aliases.items()):
        __all__.append(name)
        if method:
            METHODS[name] = fn


def _require_tensor(x, name, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


# -- unary -------------------------------------------------------------------------------------
_INT_TO_FLOAT_NOTE = " Integers and bool compute in the default float dtype."


def _u(name, what):
    """(function, in-place method) of unary row ``name``."""
    doc = f"Elementwise {what}." + (_INT_TO_FLOAT_NOTE if POINTWISE[name].kind == "int_to_float" else "")
    return _unary(name, doc)


exp, exp_ = _u("exp", """e ** x

    >>> import tensorjit as tj
    >>> tj.exp(tj.tensor([0, 1])).tolist()
    [1.0, 2.7182817459106445]
    """)
exp2, exp2_ = _u("exp2", "2 ** x")
expm1, expm1_ = _u("expm1", "e ** x - 1")
log, log_ = _u("log", "the natural logarithm")
log2, log2_ = _u("log2", "the base-2 logarithm")
log10, log10_ = _u("log10", "the base-10 logarithm")
log1p, log1p_ = _u("log1p", "log(1 + x)")
sqrt, sqrt_ = _u("sqrt", "the square root")
rsqrt, rsqrt_ = _u("rsqrt", "1 / sqrt(x)")
sin, sin_ = _u("sin", "the sine")
cos, cos_ = _u("cos", "the cosine")
tan, tan_ = _u("tan", "the tangent")
asin, asin_ = _u("asin", "the arcsine")
acos, acos_ = _u("acos", "the arccosine")
atan, atan_ = _u("atan", "the arctangent")
sinh, sinh_ = _u("sinh", "the hyperbolic sine")
cosh, cosh_ = _u("cosh", "the hyperbolic cosine")
tanh, tanh_ = _u("tanh", "the hyperbolic tangent")
asinh, asinh_ = _u("asinh", "the inverse hyperbolic sine")
acosh, acosh_ = _u("acosh", "the inverse hyperbolic cosine")
atanh, atanh_ = _u("atanh", "the inverse hyperbolic tangent")
sigmoid, sigmoid_ = _u("sigmoid", "1 / (1 + e ** -x)")
erf, erf_ = _u("erf", "the error function")
erfc, erfc_ = _u("erfc", "the complementary error function")
erfinv, erfinv_ = _u("erfinv", """inverse error function (NaN outside [-1, 1], +-inf at +-1)

    >>> import tensorjit as tj
    >>> tj.erfinv(tj.tensor([0.0, 1.0])).tolist()
    [0.0, inf]
    """)
lgamma, lgamma_ = _u("lgamma", "log |gamma(x)|")
digamma, digamma_ = _u("digamma", """logarithmic derivative of gamma: -inf at 0, NaN at negative integers

    >>> import tensorjit as tj
    >>> tj.digamma(tj.tensor([1.0, 0.0, -1.0])).tolist()
    [-0.5772156715393066, -inf, nan]
    """)
reciprocal, reciprocal_ = _u("reciprocal", "1 / x")
deg2rad, deg2rad_ = _u("deg2rad", "degrees to radians")
rad2deg, rad2deg_ = _u("rad2deg", "radians to degrees")
frac, frac_ = _u("frac", "x - trunc(x)")
floor, floor_ = _u("floor", "rounded down")
ceil, ceil_ = _u("ceil", "rounded up")
trunc, trunc_ = _u("trunc", "rounded toward zero")
sign, sign_ = _u("sign", "-1, 0 or 1 (0 for NaN)")
sgn, sgn_ = _u("sgn", """sign: ``sign`` for real dtypes, ``z / |z|`` (0 at 0) for complex ones

    >>> import tensorjit as tj
    >>> tj.sgn(tj.tensor([3 + 4j, 0j])).tolist()
    [(0.6000000238418579+0.800000011920929j), 0j]
    """)
bitwise_not, bitwise_not_ = _u("bitwise_not", "bitwise NOT (logical NOT for bool)")
logical_not, logical_not_ = _u("logical_not", "x == 0, as bool")
# (PyTorch has no in-place method for these)
positive = _u("positive", "x itself (refuses bool)")[0]
isnan = _u("isnan", "whether x is NaN")[0]
isinf = _u("isinf", "whether x is infinite")[0]
isposinf = _u("isposinf", "whether x is +inf")[0]
isneginf = _u("isneginf", "whether x is -inf")[0]
isfinite = _u("isfinite", "whether x is finite")[0]
signbit = _u("signbit", "whether x's sign bit is set")[0]

_public(exp, exp_, exp2, exp2_, expm1, expm1_, log, log_, log2, log2_, log10, log10_, log1p, log1p_, sqrt,
        sqrt_, rsqrt, rsqrt_, sin, sin_, cos, cos_, tan, tan_, asin, asin_, acos, acos_, atan, atan_, sinh,
        sinh_, cosh, cosh_, tanh, tanh_, asinh, asinh_, acosh, acosh_, atanh, atanh_, sigmoid, sigmoid_, erf,
        erf_, erfc, erfc_, erfinv, erfinv_, lgamma, lgamma_, digamma, digamma_, reciprocal, reciprocal_,
        deg2rad, deg2rad_, rad2deg, rad2deg_, frac, frac_, floor, floor_, ceil, ceil_, trunc, trunc_, sign,
        sign_, sgn, sgn_, bitwise_not, bitwise_not_, logical_not, logical_not_, positive, isnan, isinf,
        isposinf, isneginf, isfinite, signbit)
arcsin, arccos, arctan, arcsinh, arccosh, arctanh, fix = asin, acos, atan, asinh, acosh, atanh, trunc
arcsin_, arccos_, arctan_, arcsinh_, arccosh_, arctanh_, fix_ = asin_, acos_, atan_, asinh_, acosh_, atanh_, trunc_
_public(arcsin=arcsin, arccos=arccos, arctan=arctan, arcsinh=arcsinh, arccosh=arccosh, arctanh=arctanh, fix=fix,
        arcsin_=arcsin_, arccos_=arccos_, arctan_=arctan_, arcsinh_=arcsinh_, arccosh_=arccosh_,
        arctanh_=arctanh_, fix_=fix_)
special_expit = sigmoid
_public(method=False, special_expit=special_expit)

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


_public(square, square_)

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


_public(round, round_)

# -- binary ------------------------------------------------------------------------------------
def _b(name, what, inplace=True):
    """(function, in-place method or None) of binary row ``name``."""
    return _binary(name, f"Elementwise {what}."), (_inplace(name) if inplace else None)


atan2, atan2_ = _b("atan2", "the arctangent of input / other in the right quadrant")
hypot, hypot_ = _b("hypot", "sqrt(input ** 2 + other ** 2)")
fmod, fmod_ = _b("fmod", "C's remainder: the result has the dividend's sign")
copysign, copysign_ = _b("copysign", "input's magnitude with other's sign")
logaddexp = _b("logaddexp", "log(e ** input + e ** other)", False)[0]
logaddexp2 = _b("logaddexp2", "log2(2 ** input + 2 ** other)", False)[0]
fmax = _b("fmax", "maximum, ignoring NaN unless both are NaN", False)[0]
fmin = _b("fmin", "minimum, ignoring NaN unless both are NaN", False)[0]
xlogy, xlogy_ = _b("xlogy", "input * log(other), 0 where input is 0 (NaN where other is NaN)")
nextafter, nextafter_ = _b("nextafter", """next representable value after input toward other (in input's dtype)

    >>> import tensorjit as tj
    >>> (tj.nextafter(tj.tensor([1.0]), tj.tensor([2.0])) - 1).tolist()
    [1.1920928955078125e-07]
    """)
logical_and, logical_and_ = _b("logical_and", "logical AND, as bool")
logical_or, logical_or_ = _b("logical_or", "logical OR, as bool")
logical_xor, logical_xor_ = _b("logical_xor", "logical XOR, as bool")
bitwise_and, bitwise_and_ = _b("bitwise_and", """bitwise AND (integers and bool)

    >>> import tensorjit as tj
    >>> (tj.tensor([12, 10]) & 6).tolist(), (tj.tensor([1, 2]) << 3).tolist()
    ([4, 2], [8, 16])
    """)
bitwise_or, bitwise_or_ = _b("bitwise_or", "bitwise OR")
bitwise_xor, bitwise_xor_ = _b("bitwise_xor", "bitwise XOR")
bitwise_left_shift, bitwise_left_shift_ = _b("bitwise_left_shift", "left shift (integers; 0 past the dtype's width)")
bitwise_right_shift, bitwise_right_shift_ = _b("bitwise_right_shift", "arithmetic right shift (integers)")
arctan2, arctan2_ = atan2, atan2_
_public(atan2, atan2_, hypot, hypot_, fmod, fmod_, copysign, copysign_, logaddexp, logaddexp2, fmax, fmin, xlogy,
        xlogy_, nextafter, nextafter_, logical_and, logical_and_, logical_or, logical_or_, logical_xor,
        logical_xor_, bitwise_and, bitwise_and_, bitwise_or, bitwise_or_, bitwise_xor, bitwise_xor_,
        bitwise_left_shift, bitwise_left_shift_, bitwise_right_shift, bitwise_right_shift_,
        arctan2=arctan2, arctan2_=arctan2_)


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


_public(float_power, float_power_)


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


clip, clip_ = clamp, clamp_
_public(clamp, clamp_, clamp_min, clamp_max, clamp_min_, clamp_max_, clip=clip, clip_=clip_)


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


_public(lerp, lerp_, addcmul, addcmul_, addcdiv, addcdiv_)


# -- logit, nan_to_num, angle, ldexp ------------------------------------------------------------
def _logit(input, eps, out, inplace, name):
    _require_tensor(input, name)
    if eps is not None and not isinstance(eps, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}(): argument 'eps' must be float, not {type(eps).__name__}")
    # eps clamps the input into [eps, 1 - eps]; None or a negative eps leaves it (PyTorch)
    row, args = (POINTWISE["logit"], (input,)) if eps is None or eps < 0 else \
        (POINTWISE["logit_eps"], (input, float(eps)))
    compute = compute_dtype(POINTWISE["logit"], (input,), name)   # eps takes no part in promotion
    return elementwise(row, args, input if inplace else out, inplace=inplace, name=name, compute=compute)


def logit(input, eps=None, *, out=None):
    """``log(x / (1 - x))``, with ``x`` clamped into ``[eps, 1 - eps]`` when ``eps`` is given.
    Integers and bool compute in the default float dtype.

    >>> import tensorjit as tj
    >>> tj.logit(tj.tensor([0.5, 0.0, 0.0]), eps=None).tolist()[:2], tj.logit(tj.tensor([0.0]), eps=0.5).tolist()
    ([0.0, -inf], [0.0])
    """
    return _logit(input, eps, out, False, "logit")


def logit_(self, eps=None):
    """In-place ``logit``."""
    return _logit(self, eps, None, True, "logit_")


def _nan_to_num(input, nan, posinf, neginf, out, inplace, name):
    _require_tensor(input, name)
    for v, arg in ((nan, "nan"), (posinf, "posinf"), (neginf, "neginf")):
        if v is not None and not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name}(): argument '{arg}' must be float, not {type(v).__name__}")
    d = input._dtype
    if d.category <= _dtypes.INT:
        # No NaN or infinity to replace: a copy (or nothing, in place), as PyTorch.
        if inplace:
            return input
        return input.clone() if out is None else elementwise(POINTWISE["copy"], (input,), out, name=name)
    info = _dtypes.finfo(d.to_real())
    args = (input, 0.0 if nan is None else float(nan), info.max if posinf is None else float(posinf),
            info.min if neginf is None else float(neginf))
    return elementwise(POINTWISE["nan_to_num"], args, input if inplace else out, inplace=inplace, name=name,
                       compute=d)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (default: the dtype's
    largest and lowest finite values); complex parts separately; integers are copied.

    >>> import tensorjit as tj
    >>> tj.nan_to_num(tj.tensor([float("nan"), float("inf"), 1.0]), posinf=9.0).tolist()
    [0.0, 9.0, 1.0]
    """
    return _nan_to_num(input, nan, posinf, neginf, out, False, "nan_to_num")


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    """In-place ``nan_to_num``."""
    return _nan_to_num(self, nan, posinf, neginf, None, True, "nan_to_num_")


def angle(input, *, out=None):
    """The argument of complex numbers (a real dtype); for real input 0, or pi below zero
    (NaN stays NaN). Integers and bool compute in the default float dtype.

    >>> import tensorjit as tj
    >>> tj.angle(tj.tensor([-2.0, 3.0])).tolist(), tj.angle(tj.tensor([1j])).tolist()
    ([3.1415927410125732, 0.0], [1.5707963705062866])
    """
    _require_tensor(input, "angle")
    d = input._dtype
    compute = _dtypes.get_default_dtype() if d.category <= _dtypes.INT else d
    return elementwise(POINTWISE["angle"], (input,), out, name="angle", compute=compute)


def _ldexp(input, other, out, inplace, name):
    _require_tensor(input, name)
    _require_tensor(other, name, "other")
    compute = compute_dtype(POINTWISE["ldexp"], (input, other), name)
    # A floating input with an integer exponent scales exactly; anything else goes through
    # 2 ** other (PyTorch, which has no bool exponent for floating inputs).
    exact = input._dtype.category == _dtypes.FLOAT and other._dtype.category <= _dtypes.INT
    if exact and other._dtype is _dtypes.bool:
        raise RuntimeError(f"{name}: a bool exponent is not implemented for {input._dtype.name} input "
                           f"(shapes {list(input._shape)} and {list(other._shape)})")
    row = POINTWISE["ldexp_int" if exact else "ldexp"]
    return elementwise(row, (input, other), input if inplace else out, inplace=inplace, name=name,
                       compute=compute)


def ldexp(input, other, *, out=None):
    """``input * 2 ** other``; the result is floating (integers and bool compute in the default
    float dtype), exact for integer ``other``.

    >>> import tensorjit as tj
    >>> tj.ldexp(tj.tensor([1.0, 3.0]), tj.tensor([3, -1])).tolist()
    [8.0, 1.5]
    """
    return _ldexp(input, other, out, False, "ldexp")


def ldexp_(self, other):
    """In-place ``ldexp``."""
    return _ldexp(self, other, None, True, "ldexp_")


_public(logit, logit_, nan_to_num, nan_to_num_, angle, ldexp, ldexp_)
_public(isclose, allclose, equal)   # (tensorjit/ops/compare.py)


# -- operators ----------------------------------------------------------------------------------
# (method name, function, in-place function) for the Python operators; _methods.py adds the
# reflected forms and NotImplemented for foreign operands.
OPERATORS = [("and", bitwise_and, bitwise_and_), ("or", bitwise_or, bitwise_or_),
             ("xor", bitwise_xor, bitwise_xor_), ("lshift", bitwise_left_shift, bitwise_left_shift_),
             ("rshift", bitwise_right_shift, bitwise_right_shift_)]

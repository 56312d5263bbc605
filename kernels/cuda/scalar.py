"""Scalar functions for CUDA kernels where kernels/scalar.py's use NumPy ufuncs (``np.exp``,
``np.trunc``, ``np.rint`` ...) that Numba's CUDA target does not compile: the same semantics
through ``math``, ``cmath`` and libdevice. Applied by kernels/cuda/pointwise.py through
CUDA_SCALARS (Note [cuda scalars]), on a GPU only: the simulator runs kernels/scalar.py itself
as Python. tests_cuda/ptx compiles every POINTWISE row with these in place.

On the CUDA target ``math.floor``, ``math.ceil`` and ``math.trunc`` of a float return a float
of the same width (libdevice's), not an int as in Python and on Numba's CPU target, so NaN and
infinities pass through them.
"""
import cmath
import math

import numpy as np
from numba.cuda import libdevice
from numba.extending import register_jitable

from .. import complex_special as _complex_special
from ..scalar import _cdiv

_UNARY = {"exp_": "exp", "expm1_": "expm1", "log_": "log", "log2_": "log2", "log10_": "log10",
          "log1p_": "log1p", "sqrt_": "sqrt", "sin_": "sin", "cos_": "cos", "tan_": "tan", "asin_": "asin",
          "acos_": "acos", "atan_": "atan", "sinh_": "sinh", "cosh_": "cosh", "tanh_": "tanh",
          "asinh_": "asinh", "acosh_": "acosh", "atanh_": "atanh", "isinf_": "isinf", "isfinite_": "isfinite"}


def exp_(a):
    return math.exp(a)


def expm1_(a):
    return math.expm1(a)


def log_(a):
    return math.log(a)


def log2_(a):
    return math.log2(a)


def log10_(a):
    return math.log10(a)


def log1p_(a):
    return math.log1p(a)


def sqrt_(a):
    return math.sqrt(a)


def sin_(a):
    return math.sin(a)


def cos_(a):
    return math.cos(a)


def tan_(a):
    return math.tan(a)


def asin_(a):
    return math.asin(a)


def acos_(a):
    return math.acos(a)


def atan_(a):
    return math.atan(a)


def sinh_(a):
    return math.sinh(a)


def cosh_(a):
    return math.cosh(a)


def tanh_(a):
    return math.tanh(a)


def asinh_(a):
    return math.asinh(a)


def acosh_(a):
    return math.acosh(a)


def atanh_(a):
    return math.atanh(a)


def isinf_(a):
    return math.isinf(a)


def isfinite_(a):
    return math.isfinite(a)


def exp2_(a):
    return math.pow(2.0, a)


def rsqrt_(a):
    return np.float32(1.0) / math.sqrt(a)


def sigmoid_(a):
    return np.float32(1.0) / (np.float32(1.0) + math.exp(-a))


def atan2_(a, b):
    return math.atan2(a, b)


def hypot_(a, b):
    return math.hypot(a, b)


def copysign_(a, b):
    return math.copysign(a, b)


def fmod_(a, b):
    return math.fmod(a, b)


def logit_(a):
    return math.log(a / (np.float32(1.0) - a))



# -- real floats: rounding, division, remainders ----------------------------------------------
def fdiv_trunc(a, b):
    return math.trunc(a / b)


def ffloordiv(a, b):
    # kernels/scalar.py's algorithm (PyTorch's), with math's fmod and floor.
    if b == 0:
        return a / b
    mod = math.fmod(a, b)
    div = (a - mod) / b
    if mod != 0 and (b < 0) != (mod < 0):
        div -= 1
    if div != 0:
        fl = math.floor(div)
        if div - fl > 0.5:
            fl += 1
        return fl
    return math.copysign(0.0, a / b)


def fmod_py(a, b):
    if b == 0:
        return math.fmod(a, b)
    m = math.fmod(a, b)
    if m != 0 and (b < 0) != (m < 0):
        m += b
    return m


def floor_(a):
    return math.floor(a)


def ceil_(a):
    return math.ceil(a)


def trunc_(a):
    return math.trunc(a)


def frac_(a):
    return a - math.trunc(a)


# round half to even: libdevice's rint, per width
def round_f32(a):
    return libdevice.rintf(a)


def round_f64(a):
    return libdevice.rint(a)


def round_pos_f32(a, p):
    return libdevice.rintf(a * p) / p


def round_pos_f64(a, p):
    return libdevice.rint(a * p) / p


def round_neg_f32(a, p):
    return libdevice.rintf(a / p) * p


def round_neg_f64(a, p):
    return libdevice.rint(a / p) * p


def nextafter_f32(a, b):
    return libdevice.nextafterf(a, b)


def nextafter_f64(a, b):
    return libdevice.nextafter(a, b)


_HALF_MAX = 65504.0
_HALF_TINY = 5.960464477539063e-08     # 2 ** -24, the smallest float16 subnormal
_HALF_NORMAL = 6.103515625e-05         # 2 ** -14, the smallest normal float16


def nextafter_f16(a, b):
    # float16 values held as float32: step by float16's spacing at ``a`` (exact in float32).
    if a != a or b != b:
        return a + b
    if a == b:
        return b
    if a == 0:
        return np.float32(_HALF_TINY) if b > 0 else np.float32(-_HALF_TINY)
    mag = abs(a)
    if mag == np.inf:
        return math.copysign(np.float32(_HALF_MAX), a)
    up = (a < b) == (a > 0)       # away from zero
    m, e = math.frexp(mag)        # mag = m * 2**e, 0.5 <= m < 1
    ulp = np.float32(_HALF_TINY) if mag < _HALF_NORMAL else math.ldexp(np.float32(1.0), e - 11)
    if not up and m == 0.5 and mag > _HALF_NORMAL:
        ulp = ulp * np.float32(0.5)   # below a power of two the spacing halves
    mag = mag + ulp if up else mag - ulp
    return math.copysign(mag, a)


_LN2 = 0.6931471805599453
_LOG2E = 1.4426950408889634


def logaddexp_(a, b):
    # NumPy's npy_logaddexp: equal arguments (infinities included) first, NaN falls through.
    if a == b:
        return a + _LN2
    d = a - b
    if d > 0:
        return a + math.log1p(math.exp(-d))
    if d <= 0:
        return b + math.log1p(math.exp(d))
    return d


def logaddexp2_(a, b):
    if a == b:
        return a + 1.0
    d = a - b
    if d > 0:
        return a + _LOG2E * math.log1p(math.pow(2.0, -d))
    if d <= 0:
        return b + _LOG2E * math.log1p(math.pow(2.0, d))
    return d


# -- complex -----------------------------------------------------------------------------------
# One source for CPU and GPU (Note [annex g]); kept here under its name for callers of this module.
cexpm1_ = _complex_special.cexpm1_


def cexp_(a):
    return cmath.exp(a)


def cexp2_(a):
    return cmath.exp(a * _LN2)


@register_jitable
def _clog1p(a):
    # NumPy's nc_log1p.
    x, y = a.real + 1, a.imag
    return complex(math.log(math.hypot(x, y)), math.atan2(y, x))


def clog1p_(a):
    return _clog1p(a)


def csqrt_(a):
    return cmath.sqrt(a)


def crsqrt_(a):
    return _cdiv(1 + 0j, cmath.sqrt(a))


def csigmoid_(a):
    return _cdiv(1 + 0j, 1 + cmath.exp(-a))


def cisinf_(a):
    return math.isinf(a.real) or math.isinf(a.imag)


def cisfinite_(a):
    return math.isfinite(a.real) and math.isfinite(a.imag)


def clogaddexp_(a, b):
    lo, hi = (a, b) if a.real < b.real else (b, a)
    if lo.real != lo.real or lo.imag != lo.imag:
        return complex(np.nan, np.nan)
    if math.isinf(lo.real) and lo.real == hi.real:
        if lo.real < 0:
            return lo + 0j
        return cmath.log(cmath.exp(lo) + cmath.exp(hi))
    return _clog1p(cmath.exp(lo - hi)) + hi


# (scalar function of kernels/scalar.py) -> {compute dtype code: replacement here}
_REAL = ("f2", "f4", "f8")
_COMPLEX = ("c8", "c16")
REPLACEMENTS = {}
for _name in (*_UNARY, "exp2_", "rsqrt_", "sigmoid_", "atan2_", "hypot_", "copysign_", "fmod_", "logit_",
              "fdiv_trunc", "ffloordiv", "fmod_py", "floor_", "ceil_", "trunc_", "frac_", "logaddexp_",
              "logaddexp2_"):
    REPLACEMENTS.setdefault(_name, {}).update((c, _name) for c in _REAL)
REPLACEMENTS.update({
    "round_": {"f2": "round_f32", "f4": "round_f32", "f8": "round_f64"},
    "round_pos_": {"f2": "round_pos_f32", "f4": "round_pos_f32", "f8": "round_pos_f64"},
    "round_neg_": {"f2": "round_neg_f32", "f4": "round_neg_f32", "f8": "round_neg_f64"},
    # float16 steps by its own spacing (its values compute in float32)
    "nextafter_": {"f2": "nextafter_f16", "f4": "nextafter_f32", "f8": "nextafter_f64"},
})
# The complex functions of kernels/complex_special.py (cexpm1_, ctanh_, ccosh_ ...) need no
# replacement: they use only math and arithmetic, so the GPU compiles kernels/scalar.py's own.
for _name in ("exp_", "exp2_", "log1p_", "sqrt_", "isinf_", "isfinite_"):
    REPLACEMENTS.setdefault(_name, {}).update((c, "c" + _name) for c in _COMPLEX)
for _name in ("crsqrt_", "csigmoid_", "clogaddexp_"):
    REPLACEMENTS.setdefault(_name, {}).update((c, _name) for c in _COMPLEX)

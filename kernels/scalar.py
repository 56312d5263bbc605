"""Scalar functions that op-table rows name. Plain Python that Numba compiles inside
generated kernels (njit on CPU, device functions on CUDA); each takes values already
converted to the op's compute dtype and returns one value.

A function here must not allocate, raise or call into Python: kernels are strict.
"""
import math

import numpy as np


def identity(a):
    return a


def add(a, b):
    return a + b


def add_alpha(a, b, alpha):
    return a + alpha * b


def sub(a, b):
    return a - b


def mul(a, b):
    return a * b


def truediv(a, b):
    return a / b


def idiv_trunc(a, b):
    # C-style division; the front end rejects zero divisors for integers.
    q = a // b
    if q < 0 and q * b != a:
        q += 1
    return q


def fdiv_trunc(a, b):
    q = a / b
    return np.trunc(q)


def ifloordiv(a, b):
    return a // b


def ffloordiv(a, b):
    # PyTorch's floor division for floats: exact when a / b is inexact near an integer.
    if b == 0:
        return a / b
    mod = np.fmod(a, b)
    div = (a - mod) / b
    if mod != 0 and (b < 0) != (mod < 0):
        div -= 1
    if div != 0:
        fl = np.floor(div)
        if div - fl > 0.5:
            fl += 1
        return fl
    return math.copysign(0.0, a / b)


def imod(a, b):
    return a % b


def fmod_py(a, b):
    # Python's (and PyTorch's) remainder: the result takes the divisor's sign.
    if b == 0:
        return np.fmod(a, b)
    m = np.fmod(a, b)
    if m != 0 and (b < 0) != (m < 0):
        m += b
    return m


def ipow(a, b):
    # Integer power by squaring; negative exponents follow PyTorch (0 unless |a| == 1).
    if b < 0:
        if a == 1:
            return a
        if a == -1:
            return a if b % 2 else -a
        return a - a
    r = a - a + 1
    base = a
    while b:
        if b & 1:
            r = r * base
        base = base * base
        b >>= 1
    return r


def fpow(a, b):
    return a ** b


def maximum(a, b):
    # NaN propagates, as in PyTorch.
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


def minimum(a, b):
    if a != a:
        return a
    if b != b:
        return b
    return a if a <= b else b


def eq(a, b):
    return a == b


def ne(a, b):
    return a != b


def lt(a, b):
    return a < b


def le(a, b):
    return a <= b


def gt(a, b):
    return a > b


def ge(a, b):
    return a >= b


def neg(a):
    return -a


def abs_(a):
    return abs(a)


def where(c, a, b):
    return a if c else b


# -- math ops (tensorjit/ops/math.py) ------------------------------------------------------
# Constants are np.float32 where the op should keep its compute dtype: float32 op float32
# stays float32, float32 op float64 widens, float32 op complex64 stays complex64.
_LN2 = 0.6931471805599453
_DEG = 0.017453292519943295


def exp_(a):
    return np.exp(a)


def exp2_(a):
    return np.exp2(a)


def expm1_(a):
    return np.expm1(a)


def log_(a):
    return np.log(a)


def log2_(a):
    return np.log2(a)


def log10_(a):
    return np.log10(a)


def log1p_(a):
    return np.log1p(a)


def sqrt_(a):
    return np.sqrt(a)


def rsqrt_(a):
    return np.float32(1.0) / np.sqrt(a)


def sin_(a):
    return np.sin(a)


def cos_(a):
    return np.cos(a)


def tan_(a):
    return np.tan(a)


def asin_(a):
    return np.arcsin(a)


def acos_(a):
    return np.arccos(a)


def atan_(a):
    return np.arctan(a)


def sinh_(a):
    return np.sinh(a)


def cosh_(a):
    return np.cosh(a)


def tanh_(a):
    return np.tanh(a)


def asinh_(a):
    return np.arcsinh(a)


def acosh_(a):
    return np.arccosh(a)


def atanh_(a):
    return np.arctanh(a)


def sigmoid_(a):
    return np.float32(1.0) / (np.float32(1.0) + np.exp(-a))


def erf_(a):
    return math.erf(a)


def erfc_(a):
    return math.erfc(a)


def lgamma_(a):
    if a == -np.inf:
        return np.inf    # PyTorch's lgamma(-inf) is +inf (math.lgamma's C library agrees; be explicit)
    return math.lgamma(a)


def reciprocal_(a):
    return np.float32(1.0) / a


def deg2rad_(a):
    return a * _DEG


def rad2deg_(a):
    return a * (180.0 / math.pi)


def square_(a):
    return a * a


def isign_(a):
    # PyTorch: (0 < a) - (a < 0).
    if a > 0:
        return a - a + 1
    if a < 0:
        return a - a - 1
    return a - a


def fsign_(a):
    # As isign_: sign(-0.0) is +0.0 and sign(nan) is 0, as PyTorch.
    if a > 0:
        return np.float32(1.0)
    if a < 0:
        return np.float32(-1.0)
    return np.float32(0.0)


def floor_(a):
    return np.floor(a)


def ceil_(a):
    return np.ceil(a)


def trunc_(a):
    return np.trunc(a)


def frac_(a):
    return a - np.trunc(a)


def round_(a):
    # Round half to even, as PyTorch (nearbyint) and Python's round().
    return np.rint(a)


def round_pos_(a, p):
    return np.rint(a * p) / p


def round_neg_(a, p):
    return np.rint(a / p) * p


def invert_(a):
    return ~a


def logical_not_(a):
    return a == 0


def self_ne_(a):
    # True only for NaN (or a NaN part): constant False for bool and integers.
    return a != a


def self_eq_(a):
    # False only for NaN: constant True for bool and integers.
    return a == a


def isinf_(a):
    return np.isinf(a)


def isfinite_(a):
    return np.isfinite(a)


def isposinf_(a):
    return a == np.inf


def isneginf_(a):
    return a == -np.inf


def fsignbit_(a):
    return math.copysign(1.0, a) < 0


def isignbit_(a):
    return a < 0


def atan2_(a, b):
    return np.arctan2(a, b)


def hypot_(a, b):
    return np.hypot(a, b)


def fmod_(a, b):
    # C's fmod: the result takes the dividend's sign (integers: the front end rejects zero divisors).
    return np.fmod(a, b)


def ifmod_(a, b):
    # Integer fmod (Numba's np.fmod is wrong for integers): Python's % corrected to the dividend's sign.
    r = a % b
    if r != 0 and (r < 0) != (a < 0):
        r -= b
    return r


def copysign_(a, b):
    return np.copysign(a, b)


def logaddexp_(a, b):
    return np.logaddexp(a, b)


def logaddexp2_(a, b):
    return np.logaddexp2(a, b)


def fmax_(a, b):
    # NaN-ignoring: a NaN loses unless both are NaN.
    if a != a:
        return b
    if b != b:
        return a
    return a if a >= b else b


def fmin_(a, b):
    if a != a:
        return b
    if b != b:
        return a
    return a if a <= b else b


def xlogy_(x, y):
    if y != y:
        return y
    if x == 0:
        return np.float32(0.0)
    return x * np.log(y)


def logical_and_(a, b):
    return (a != 0) and (b != 0)


def logical_or_(a, b):
    return (a != 0) or (b != 0)


def logical_xor_(a, b):
    return (a != 0) != (b != 0)


def and_(a, b):
    return a & b


def or_(a, b):
    return a | b


def xor_(a, b):
    return a ^ b


def lshift_(a, b):
    # Narrow integers compute in int64 (Numba), so shifts past the dtype's width give 0 once
    # stored; past 64 bits or negative: 0, as PyTorch.
    if b < 0 or b >= 64:
        return a - a
    return a << b


def rshift_(a, b):
    # Past the width or negative: the sign fill (0 or -1), as PyTorch.
    if b < 0 or b >= 64:
        return a - a - 1 if a < 0 else a - a
    return a >> b


def clamp_(a, lo, hi):
    # NaN in the input or in a bound propagates, as PyTorch; min > max gives max.
    if a != a:
        return a
    if lo != lo:
        return lo
    if hi != hi:
        return hi
    r = lo if a < lo else a
    return hi if r > hi else r


def clamp_min_(a, lo):
    if a != a:
        return a
    if lo != lo:
        return lo
    return lo if a < lo else a


def clamp_max_(a, hi):
    if a != a:
        return a
    if hi != hi:
        return hi
    return hi if a > hi else a


def lerp_(a, b, w):
    # PyTorch's formula, which is exact at both ends.
    if abs(w) < 0.5:
        return a + w * (b - a)
    return b - (b - a) * (np.float32(1.0) - w)


def addcmul_(a, t1, t2, v):
    return a + v * t1 * t2


def addcdiv_(a, t1, t2, v):
    return a + v * t1 / t2

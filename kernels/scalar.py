"""Scalar functions that op-table rows name. Plain Python that Numba compiles inside
generated kernels (njit on CPU, device functions on CUDA); each takes values already
converted to the op's compute dtype and returns one value.

A function here must not allocate, raise or call into Python: kernels are strict. Helpers
shared by several of them are ``register_jitable`` (plain functions Numba may call).
"""
import math

import numpy as np
from numba.extending import register_jitable

from .complex_special import cacos_, cacosh_, casinh_, catanh_, ccosh_, cexpm1_, csinh_, ctanh_

# Complex functions with C99 Annex G special values that op rows name (Note [annex g])
ANNEX_G = (cacos_, cacosh_, casinh_, catanh_, ccosh_, cexpm1_, csinh_, ctanh_)


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


@register_jitable
def _cdiv(a, b):
    # Complex division as PyTorch and NumPy do it (Smith's algorithm): a zero divisor gives
    # inf / nan parts where Numba's own complex division would raise.
    ar, ai, c, d = a.real, a.imag, b.real, b.imag
    abs_c, abs_d = abs(c), abs(d)
    if abs_c >= abs_d:
        if abs_c == 0 and abs_d == 0:
            return complex(ar / abs_c, ai / abs_d)
        rat = d / c
        scl = 1.0 / (c + d * rat)
        return complex((ar + ai * rat) * scl, (ai - ar * rat) * scl)
    rat = c / d
    scl = 1.0 / (d + c * rat)
    return complex((ar * rat + ai) * scl, (ai * rat - ar) * scl)


def ctruediv(a, b):
    return _cdiv(a, b)


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


def crsqrt_(a):
    return _cdiv(1 + 0j, np.sqrt(a))


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


def csigmoid_(a):
    return _cdiv(1 + 0j, 1 + np.exp(-a))


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


def creciprocal_(a):
    return _cdiv(1 + 0j, a)


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


def clogaddexp_(a, b):
    # PyTorch's complex logaddexp: NaN parts spread, equal infinite real parts are special.
    lo, hi = (a, b) if a.real < b.real else (b, a)
    if lo.real != lo.real or lo.imag != lo.imag:
        return complex(np.nan, np.nan)
    if np.isinf(lo.real) and lo.real == hi.real:
        if lo.real < 0:
            return lo + 0j
        return np.log(np.exp(lo) + np.exp(hi))
    return np.log1p(np.exp(lo - hi)) + hi


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


def caddcdiv_(a, t1, t2, v):
    return a + _cdiv(v * t1, t2)


# -- more math ops ---------------------------------------------------------------------------
def csgn_(a):
    # z / |z|, 0 at 0 (complex division as PyTorch's: inf parts give nan + nanj)
    if a == 0:
        return a
    return _cdiv(a, complex(abs(a), 0.0))


def angle_(a):
    # Real input: 0 or pi (-0.0 and +0.0 give 0), NaN stays NaN.
    if a != a:
        return a
    return math.pi if a < 0 else 0.0


def cangle_(a):
    return np.arctan2(a.imag, a.real)


def nan_to_num_(a, nan, posinf, neginf):
    if a != a:
        return nan
    if a == np.inf:
        return posinf
    if a == -np.inf:
        return neginf
    return a


@register_jitable
def _nan_to_num_part(a, nan, posinf, neginf):
    if a != a:
        return nan
    if a == np.inf:
        return posinf
    if a == -np.inf:
        return neginf
    return a


def cnan_to_num_(a, nan, posinf, neginf):
    # Real and imaginary parts separately, with the real parts of the replacements.
    return complex(_nan_to_num_part(a.real, nan.real, posinf.real, neginf.real),
                   _nan_to_num_part(a.imag, nan.real, posinf.real, neginf.real))


def logit_(a):
    return np.log(a / (np.float32(1.0) - a))


def logit_eps_(a, eps):
    # PyTorch clamps into [eps, 1 - eps] (NaN passes) before log(x / (1 - x)).
    hi = np.float32(1.0) - eps
    x = eps if a < eps else (hi if a > hi else a)
    return np.log(x / (np.float32(1.0) - x))


_ERFINV_A = (0.886226899, -1.645349621, 0.914624893, -0.140543331)
_ERFINV_B = (-2.118377725, 1.442710462, -0.329097515, 0.012229801)
_ERFINV_C = (-1.970840454, -1.624906493, 3.429567803, 1.641345311)
_ERFINV_D = (3.543889200, 1.637067800)
_TWO_OVER_SQRTPI = 1.1283791670955126


def erfinv_(a):
    # PyTorch's algorithm (a rational first guess, two Newton steps), in float64.
    y = np.float64(a)
    ya = abs(y)
    if ya > 1.0:
        return np.nan
    if ya == 1.0:
        return math.copysign(np.inf, y)
    if ya <= 0.7:
        z = y * y
        num = ((_ERFINV_A[3] * z + _ERFINV_A[2]) * z + _ERFINV_A[1]) * z + _ERFINV_A[0]
        dem = (((_ERFINV_B[3] * z + _ERFINV_B[2]) * z + _ERFINV_B[1]) * z + _ERFINV_B[0]) * z + 1.0
        x = y * num / dem
    else:
        z = math.sqrt(-math.log((1.0 - ya) / 2.0))
        num = ((_ERFINV_C[3] * z + _ERFINV_C[2]) * z + _ERFINV_C[1]) * z + _ERFINV_C[0]
        dem = (_ERFINV_D[1] * z + _ERFINV_D[0]) * z + 1.0
        x = math.copysign(num, y) / dem
    x = x - (math.erf(x) - y) / (_TWO_OVER_SQRTPI * math.exp(-x * x))
    x = x - (math.erf(x) - y) / (_TWO_OVER_SQRTPI * math.exp(-x * x))
    return x


_PSI_10 = 2.25175258906672110764
_DIGAMMA_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
              -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
              8.33333333333333333333E-2)


def digamma_(a):
    # PyTorch's algorithm, in float64: digamma(+-0) = -+inf, negative integers (and -inf) NaN;
    # reflection for x < 0, recurrence up to x >= 10, then the asymptotic series.
    x = np.float64(a)
    if x == 0:
        return math.copysign(np.inf, -x)
    result = 0.0
    if x < 0:
        # (math.trunc, which CUDA device code has too; beyond -2 ** 52 every float is an integer)
        if x <= -4503599627370496.0 or x == math.trunc(x):
            return np.nan
        result = -math.pi / math.tan(math.pi * (x - math.trunc(x)))
        x = 1.0 - x
    while x < 10:
        result -= 1.0 / x
        x += 1.0
    if x == 10:
        return result + _PSI_10
    y = 0.0
    if x < 1.0e17:
        z = 1.0 / (x * x)
        p = _DIGAMMA_A[0]
        for c in _DIGAMMA_A[1:]:
            p = p * z + c
        y = z * p
    return result + math.log(x) - (0.5 / x) - y


register_jitable(digamma_)   # polygamma_ calls it; CUDA compiles this same source

# Hurwitz zeta's Euler-Maclaurin coefficients (Cephes' zeta, as PyTorch's): (2k)! / B_2k
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18)
_MACHEP = 1.11022302462515654042e-16


@register_jitable
def _zeta(x, q):
    # Hurwitz zeta sum_k (q + k) ** -x in float64 (Cephes' algorithm, as PyTorch's): direct sum
    # up to q + k > 9, then the Euler-Maclaurin tail; +inf at q a non-positive integer.
    if x == 1.0:
        return np.inf
    if x < 1.0:
        return np.nan
    if q <= 0.0:
        if q == math.floor(q):
            return np.inf
        if x != x or x != math.floor(x):     # (a NaN x never reaches math.floor)
            return np.nan
    s = q ** -x
    a = q
    i = 0
    b = 0.0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a ** -x
        s += b
        if -_MACHEP * s < b and b < _MACHEP * s:
            return s
    w = a
    s += b * w / (x - 1.0)
    s -= 0.5 * b
    a = 1.0
    k = 0.0
    for j in range(12):
        a *= x + k
        b /= w
        t = a * b / _ZETA_A[j]
        s = s + t
        if abs(t) < _MACHEP * abs(s):
            return s
        k += 1.0
        a *= x + k
        b /= w
        k += 1.0
    return s


# B_2k of trigamma's asymptotic series 1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1), k = 1..8
_TRIGAMMA_B = (1.0 / 6.0, -1.0 / 30.0, 1.0 / 42.0, -1.0 / 30.0, 5.0 / 66.0, -691.0 / 2730.0, 7.0 / 6.0,
               -3617.0 / 510.0)


@register_jitable
def _trigamma(x):
    # Float64-accurate trigamma: reflection below 0 (sin^2 of the exact distance to the nearest
    # integer), the recurrence up to x >= 10, then the asymptotic series (next term below 1e-16
    # relative).
    reflected = 0.0
    sign = 1.0
    if x <= 0.0:
        if x == math.floor(x):
            return np.inf
        s = math.sin(math.pi * (x - math.floor(x + 0.5)))   # (x - nearest integer is exact)
        reflected = math.pi * math.pi / (s * s)   # trigamma(x) = this - trigamma(1 - x)
        sign = -1.0
        x = 1.0 - x
    result = 0.0
    while x < 10.0:
        result += 1.0 / (x * x)
        x += 1.0
    z = 1.0 / (x * x)
    p = 0.0
    for j in range(7, -1, -1):
        p = p * z + _TRIGAMMA_B[j]
    return reflected + sign * (result + (1.0 + 0.5 / x + p * z) / x)


def zeta_(x, q):
    # Hurwitz zeta in float64 (PyTorch's special.zeta)
    return _zeta(np.float64(x), np.float64(q))


def polygamma_(a, n):
    # n-th derivative of digamma at a, in float64: digamma for n = 0, trigamma for 1, else
    # (-1) ** (n + 1) * n! * zeta(n + 1, a) (PyTorch's formula; the front end checks n >= 0).
    x = np.float64(a)
    k = int(n)
    if k == 0:
        return digamma_(x)
    if k == 1:
        if x == np.inf or x == -np.inf:
            return 0.0 if x > 0 else np.nan   # PyTorch's trigamma at +-inf
        return _trigamma(x)
    sign = 1.0 if k % 2 == 1 else -1.0
    return sign * math.exp(math.lgamma(k + 1.0)) * _zeta(k + 1.0, x)


def sinc_(a):
    # sin(pi x) / (pi x), 1 at 0 (PyTorch's), in float64
    x = np.float64(a)
    if x == 0:
        return 1.0
    if not math.isfinite(x):
        return np.nan
    y = math.pi * x
    return math.sin(y) / y


def heaviside_(a, b):
    # values where input is 0, else input > 0 (NaN gives 0, as PyTorch)
    if a == 0:
        return b
    return a > 0


def frexp_mantissa_(a):
    # C's frexp: the mantissa in [0.5, 1) with a's sign; 0, inf and NaN as they are
    return math.frexp(np.float64(a))[0]


def frexp_exponent_(a):
    # the exponent (0 for 0, inf and NaN, as PyTorch's), as a float the front end casts to int32
    x = np.float64(a)
    if x != x or x == np.inf or x == -np.inf:
        return 0.0
    return np.float64(math.frexp(x)[1])


@register_jitable
def _bessel_ie(nu, x):
    # exp(-x) * I_nu(x) for x >= 0 and nu in {0, 1}, in float64: the power series (positive
    # terms, no cancellation) up to x = 30, the asymptotic series above (its terms shrink past
    # 1e-17 before they grow again for x > 30).
    if x <= 30.0:
        h = 0.5 * x
        t = h if nu == 1 else 1.0
        q = h * h
        total = t
        k = 0.0
        while t > 1e-17 * total:
            k += 1.0
            t = t * q / (k * (k + nu))
            total += t
        return total * math.exp(-x)
    mu = 4.0 * nu * nu
    t = 1.0
    total = 1.0
    for k in range(1, 60):
        t = -t * (mu - (2.0 * k - 1.0) ** 2) / (k * 8.0 * x)
        total += t
        if abs(t) < 1e-17 * abs(total):
            break
    return total / math.sqrt(2.0 * math.pi * x)


def i0_(a):
    x = abs(np.float64(a))
    if x != x:
        return x
    return _bessel_ie(0, x) * math.exp(x)   # (+-inf: inf * 0 = NaN, as PyTorch's Cephes i0)


def i0e_(a):
    x = abs(np.float64(a))
    if x != x:
        return x
    if x == np.inf:
        return 0.0
    return _bessel_ie(0, x)


def i1_(a):
    y = np.float64(a)
    x = abs(y)
    if x != x:
        return x
    return math.copysign(_bessel_ie(1, x) * math.exp(x), y)


def i1e_(a):
    y = np.float64(a)
    x = abs(y)
    if x != x:
        return x
    if x == np.inf:
        return math.copysign(0.0, y)
    return math.copysign(_bessel_ie(1, x), y)


def nextafter_(a, b):
    return np.nextafter(a, b)


def ldexp_(a, b):
    # PyTorch's input * 2 ** other, 2 ** other rounded in the compute dtype first.
    return a * np.float32(2.0) ** b


def ldexp_exact_(a, b):
    # Integer exponents: exact, as the C library's ldexp (float32 results rounded once).
    n = b if b < 4096 else 4096
    n = n if n > -4096 else -4096
    return math.ldexp(np.float64(a), int(n))


def isclose_(a, b, rtol, atol, equal_nan):
    # PyTorch's rule: equal, or both NaN with equal_nan, or |a - b| finite and within
    # atol + |rtol * b|.
    if a == b:
        return True
    if a != a and b != b:
        return equal_nan != 0
    d = abs(a - b)
    return d != np.inf and d <= atol + abs(b * rtol)


def cisclose_(a, b, rtol, atol, equal_nan):
    if a == b:
        return True
    if a != a and b != b:
        return equal_nan != 0
    d = abs(a - b)
    return d != np.inf and d <= atol.real + abs(b * rtol)

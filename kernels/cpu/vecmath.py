"""float32 transcendentals that LLVM vectorises.

Numba's ``math.exp`` / ``np.exp`` call the C library once per element, which no loop
vectoriser can widen (there is no SIMD math library behind llvmlite). The functions here
are written with float32 arithmetic, integer bit tricks and selects only, so a kernel loop
over them compiles to SIMD code. Each takes and returns a float32 and is inlined into the
generated kernels in place of the row's scalar function for float32 (and float16, which
computes in float32): see Note [fast scalars] in kernels/opdefs.py.

Note [vecmath accuracy]
    Errors are measured in float32 ulps of the correctly rounded result, against float64
    NumPy over a strided sweep of every float32 bit pattern (denormals, infinities and
    NaN included; tests/test_math.py states the bounds): exp <= 1 ulp, expm1 <= 2,
    log <= 1, sigmoid <= 2.5, tanh <= 2. Special values are exact: exp(+inf) = inf,
    exp(-inf) = 0, overflow gives inf, underflow gives denormals then 0, NaN stays NaN.

Branches are written as conditional expressions over values computed on both sides, so
LLVM turns them into selects; constants are float32 so nothing widens to float64.
"""
import numpy as np
from numba import njit

from tensorjit.kernels.cpu.half import bits_to_f32, f32_to_bits, f2h, h2f

_f = np.float32
_LOG2E = _f(1.4426950408889634)
_MAGIC = _f(12582912.0)            # 1.5 * 2**23: adding it rounds to an integer
# ln 2 split so that n * _LN2_HI is exact for |n| < 2**9 (Cody and Waite).
_LN2_HI = _f(0.693359375)
_LN2_LO = _f(-2.12194440e-4)
_X_HI = _f(89.0)                   # exp(89) overflows float32: clamping here keeps inf
_X_LO = _f(-104.0)                 # exp(-104) rounds to 0 (below half the smallest denormal)
_ONE = _f(1.0)
_HALF = _f(0.5)
_TWO = _f(2.0)
_ZERO = _f(0.0)
_INF = _f(np.inf)
# Minimax coefficients of (e**r - 1 - r) / r**2 on |r| <= ln(2)/2 (Cephes expf).
_E0, _E1, _E2 = _f(5.0000001201e-1), _f(1.6666665459e-1), _f(4.1665795894e-2)
_E3, _E4, _E5 = _f(8.3334519073e-3), _f(1.3981999507e-3), _f(1.9875691500e-4)


@njit(inline="always")
def _pow2(k):
    """2**k as a float32 for integer -126 <= k <= 127 (the exponent field set directly)."""
    return bits_to_f32((k + 127) << 23)


@njit(inline="always")
def _expm1_reduced(r):
    """e**r - 1 for |r| <= ln(2)/2, to about half an ulp."""
    z = r * r
    p = (((((_E5 * r + _E4) * r + _E3) * r + _E2) * r + _E1) * r + _E0) * z
    return p + r


@njit(inline="always")
def _reduce(x):
    """(n, r) with x = n * ln 2 + r, |r| <= ln(2)/2, for x already clamped to [-104, 89]."""
    t = x * _LOG2E + _MAGIC
    nf = t - _MAGIC
    r = (x - nf * _LN2_HI) - nf * _LN2_LO
    return np.int32(nf), r


@njit(inline="always")
def exp_f32(x):
    """e ** x (Note [vecmath accuracy])."""
    xc = x if x < _X_HI else _X_HI         # (NaN takes the clamp; restored at the end)
    xc = xc if xc > _X_LO else _X_LO
    n, r = _reduce(xc)
    p = _expm1_reduced(r) + _ONE
    # 2**n in two factors, each a normal float: the second multiply rounds once, into
    # the denormal range where the result is that small and to inf where it overflows.
    n1 = n >> 1
    y = (p * _pow2(n1)) * _pow2(n - n1)
    return y if x == x else x


@njit(inline="always")
def expm1_f32(x):
    """e ** x - 1: 2**n * expm1(r) + (2**n - 1), exact in its last step's cancellation."""
    xc = x if x < _X_HI else _X_HI
    xc = xc if xc > _f(-30.0) else _f(-30.0)   # expm1(x) rounds to -1 below -17.4
    n, r = _reduce(xc)
    u = _expm1_reduced(r)
    n1 = n >> 1
    s1 = _pow2(n1)
    s2 = _pow2(n - n1)
    # 2**n - 1 is exact for |n| <= 24, where the two terms may cancel; beyond, 2**n alone
    # dominates (and is applied in two factors, as in exp_f32, so it cannot overflow early).
    mid = (u * s1) * s2 + ((s1 * s2) - _ONE)
    big = ((u + _ONE) * s1) * s2 - _ONE
    y = mid if abs(n) <= 24 else big
    y = y if n != 0 else u
    # |x| tiny: expm1(x) = x, kept exactly (and with its sign for -0.0).
    y = y if abs(x) > _f(1e-8) else x
    return y if x == x else x


@njit(inline="always")
def sigmoid_f32(x):
    """1 / (1 + e**-x) from e = e**-|x| <= 1, so nothing overflows: 1/(1+e) or e/(1+e)."""
    e = exp_f32(-abs(x))
    num = _ONE if x >= _ZERO else e
    return num / (_ONE + e)


# Minimax odd polynomial for tanh on |x| <= 0.625 (Cephes tanhf).
_T0, _T1, _T2 = _f(-3.33332819422e-1), _f(1.33314422036e-1), _f(-5.37397155531e-2)
_T3, _T4 = _f(2.06390887954e-2), _f(-5.70498872745e-3)


@njit(inline="always")
def tanh_f32(x):
    """tanh x: an odd polynomial near 0, else (1 - e) / (1 + e) with e = e**(-2|x|)."""
    z = x * x
    small = ((((_T4 * z + _T3) * z + _T2) * z + _T1) * z + _T0) * z * x + x
    a = abs(x)
    e = exp_f32(-_TWO * a)
    big = (_ONE - e) / (_ONE + e)
    big = big if x >= _ZERO else -big
    y = small if a < _f(0.625) else big
    return y if x == x else x


# log: x = 2**k * m with m in [sqrt(1/2), sqrt(2)); log(m) = f - f**2/2 + f**3 P(f), f = m - 1
# (Cephes logf coefficients).
_L = (_f(7.0376836292e-2), _f(-1.1514610310e-1), _f(1.1676998740e-1), _f(-1.2420140846e-1),
      _f(1.4249322787e-1), _f(-1.6668057665e-1), _f(2.0000714765e-1), _f(-2.4999993993e-1),
      _f(3.3333331174e-1))
_L0, _L1, _L2, _L3, _L4, _L5, _L6, _L7, _L8 = _L
_SQRTH_BITS = np.uint32(0x3F3504F3)   # bits of sqrt(1/2)
_OFFSET = np.uint32(0x3F800000 - 0x3F3504F3)
_MANT = np.uint32(0x7FFFFF)
_TWO23 = _f(8388608.0)


@njit(inline="always")
def log_f32(x):
    """natural log; log(0) = -inf, log(x < 0) = NaN, log(inf) = inf."""
    # Denormals: scale into the normal range first (and take 23 off the exponent).
    d = x < _f(1.1754943508222875e-38)
    xs = x * _TWO23 if d else x
    # Exponent k and mantissa m in [sqrt(1/2), sqrt(2)): offsetting the bits by
    # 1.0 - sqrt(1/2) moves the exponent boundary to sqrt(1/2) (as musl's logf).
    b = f32_to_bits(xs) + _OFFSET
    k = np.int32(b >> 23) - np.int32(127)
    m = bits_to_f32((b & _MANT) + _SQRTH_BITS)
    k = k - np.int32(23) if d else k
    f = m - _ONE
    z = f * f
    p = ((((((((_L0 * f + _L1) * f + _L2) * f + _L3) * f + _L4) * f + _L5) * f + _L6) * f + _L7) * f + _L8)
    kf = _f(k)
    y = f * z * p + kf * _LN2_LO - _HALF * z
    y = f + y + kf * _LN2_HI
    y = y if x < _INF else x                    # +inf
    y = y if x != _ZERO else -_INF               # +-0
    y = y if x >= _ZERO else _f(np.nan)          # negative (NaN falls through below)
    return y if x == x else x


_HALF_TINY = _f(5.960464477539063e-08)   # the smallest float16 denormal


@njit(inline="always")
def nextafter_f16(a, b):
    """The float16 after ``a`` toward ``b`` (both float16 values held as float32)."""
    if a != a or b != b:
        return a + b
    if a == b:
        return b
    if a == _ZERO:
        return _HALF_TINY if b > _ZERO else -_HALF_TINY
    h = np.int32(f2h(a))
    # Away from zero: the next bit pattern up; toward zero: down (sign-magnitude bits).
    h = h + np.int32(1) if (a < b) == (a > _ZERO) else h - np.int32(1)
    return h2f(np.uint16(h))

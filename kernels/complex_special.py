"""Complex hyperbolic, inverse hyperbolic, ``acos`` and ``expm1`` scalar functions with C99's
Annex G special values (G.6.1-G.6.3), as the array API standard and PyTorch require.

Note [annex g]
    At an infinite or NaN real or imaginary part each function returns the value its Annex G
    table states, with the symmetries the annex states (conjugation everywhere; ``sinh``,
    ``tanh``, ``asinh``, ``atanh`` odd; ``cosh`` even). Where the annex leaves a sign
    unspecified the value is PyTorch's (up to the sign bit of a NaN input). Finite arguments
    go through formulas accurate over the whole plane (the limit forms where the textbook one
    overflows or cancels), computed in complex128 for both complex dtypes (complex64's own
    arithmetic loses digits to cancellation), the result cast by the kernel's store.

    Only ``math``/``cmath`` calls, ``complex(...)`` and arithmetic: no allocation, no raising,
    nothing Numba's CUDA target lacks, so the GPU compiles these same functions as device
    functions (no kernels/cuda/scalar.py replacement). kernels/scalar.py imports them under the names the op rows
    of kernels/opdefs.py give.
"""
import cmath
import math

import numpy as np

_PI = math.pi
_PI_2 = math.pi / 2
_PI_4 = math.pi / 4
_3PI_4 = 3 * math.pi / 4
_INF = math.inf
_NAN = math.nan


def ccosh_(a):
    # G.6.2.4; FreeBSD msun's case split. Even and conjugate-symmetric.
    z = np.complex128(a)
    x, y = z.real, z.imag
    if math.isfinite(x) and math.isfinite(y):
        if y == 0.0:
            return complex(math.cosh(x), x * y)
        return complex(math.cosh(x) * math.cos(y), math.sinh(x) * math.sin(y))
    if x == 0.0:                      # y inf or NaN: NaN + i0 (the sign unspecified; PyTorch's +0)
        return complex(_NAN, 0.0)
    if y == 0.0:                      # x inf or NaN
        return complex(x * x, math.copysign(0.0, x) * y)
    if math.isfinite(x):              # finite nonzero x, y inf or NaN
        return complex(_NAN, _NAN)
    if math.isinf(x):
        if not math.isfinite(y):
            return complex(_INF, _NAN)
        return complex((x * x) * math.cos(y), x * math.sin(y))
    return complex(_NAN, _NAN)


def csinh_(a):
    # G.6.2.5; FreeBSD msun's case split. Odd and conjugate-symmetric.
    z = np.complex128(a)
    x, y = z.real, z.imag
    if math.isfinite(x) and math.isfinite(y):
        if y == 0.0:
            return complex(math.sinh(x), y)
        return complex(math.sinh(x) * math.cos(y), math.cosh(x) * math.sin(y))
    if x == 0.0:                      # y inf or NaN: +-0 + iNaN
        return complex(x, _NAN)
    if y == 0.0:                      # x inf or NaN: x + i0
        return complex(x, y)
    if math.isfinite(x):              # finite nonzero x, y inf or NaN
        return complex(_NAN, _NAN)
    if math.isinf(x):
        if not math.isfinite(y):
            return complex(_INF, _NAN)
        return complex(x * math.cos(y), _INF * math.sin(y))
    return complex(_NAN, _NAN)


def ctanh_(a):
    # G.6.2.6 (with C11's tanh(+0 + i inf) = +0 + iNaN, as the array API standard). Odd and
    # conjugate-symmetric.
    z = np.complex128(a)
    x, y = z.real, z.imag
    if math.isnan(x):
        return complex(x, y if y == 0.0 else x * y)
    if math.isinf(x):
        s = y if math.isinf(y) else math.sin(y) * math.cos(y)
        return complex(math.copysign(1.0, x), math.copysign(0.0, s))
    if not math.isfinite(y):
        return complex(x if x == 0.0 else _NAN, _NAN)
    if abs(x) > 20.0:
        # tanh(x) rounds to +-1; the imaginary part is the limit form (no cosh overflow)
        return complex(math.copysign(1.0, x), 4.0 * math.sin(y) * math.cos(y) * math.exp(-2.0 * abs(x)))
    # Kahan's formula: no cancellation anywhere in the strip
    t = math.tan(y)
    beta = 1.0 + t * t
    s = math.sinh(x)
    rho = math.sqrt(1.0 + s * s)
    den = 1.0 + beta * s * s
    return complex(beta * rho * s / den, t / den)


def cexpm1_(a):
    # exp(z) - 1 with the array API standard's special cases (cexp's G.6.3.1, shifted by -1).
    # Finite: NumPy's and PyTorch's formula, accurate near 0.
    z = np.complex128(a)
    x, y = z.real, z.imag
    if math.isfinite(x):
        if not math.isfinite(y):
            return complex(_NAN, _NAN)
        if y == 0.0:
            return complex(math.expm1(x), y)
        s = math.sin(0.5 * y)
        return complex(math.expm1(x) * math.cos(y) - 2.0 * s * s, math.exp(x) * math.sin(y))
    if math.isinf(x):
        if x < 0.0:
            if math.isfinite(y):
                return complex(-1.0, 0.0 * math.sin(y))
            return complex(-1.0, math.copysign(0.0, y))
        if y == 0.0:
            return complex(x, y)
        if math.isfinite(y):
            return complex(x * math.cos(y), x * math.sin(y))
        return complex(x, _NAN)
    return complex(x, y if y == 0.0 else x * y)


def casinh_(a):
    # G.6.2.2. Odd and conjugate-symmetric: the table for x, y >= 0, signs copied back.
    z = np.complex128(a)
    x, y = z.real, z.imag
    if math.isfinite(x) and math.isfinite(y):
        return cmath.asinh(z)
    ax, ay = abs(x), abs(y)
    if math.isnan(x):
        if y == 0.0:
            return complex(x, y)
        if math.isinf(y):
            return complex(_INF, _NAN)
        return complex(_NAN, _NAN)
    if math.isinf(ax):
        if math.isnan(y):
            return complex(x, y)
        return complex(x, math.copysign(_PI_4 if math.isinf(ay) else 0.0, y))
    if math.isinf(ay):                # finite x
        return complex(math.copysign(_INF, x), math.copysign(_PI_2, y))
    return complex(_NAN, _NAN)        # finite x, NaN y


def cacosh_(a):
    # G.6.2.1 (with C11's acosh(+-0 + iNaN) = NaN + i pi/2, as PyTorch). Conjugate-symmetric:
    # the table for y >= 0, the sign of the imaginary part copied from y.
    z = np.complex128(a)
    x, y = z.real, z.imag
    if math.isfinite(x) and math.isfinite(y):
        return cmath.acosh(z)
    if math.isnan(x):
        if math.isinf(y):
            return complex(_INF, _NAN)
        return complex(_NAN, _NAN)
    if math.isinf(x):
        if math.isnan(y):
            return complex(_INF, _NAN)
        if math.isinf(y):
            return complex(_INF, math.copysign(_3PI_4 if x < 0.0 else _PI_4, y))
        return complex(_INF, math.copysign(_PI if x < 0.0 else 0.0, y))
    if math.isinf(y):                 # finite x
        return complex(_INF, math.copysign(_PI_2, y))
    if x == 0.0:                      # +-0 + iNaN
        return complex(_NAN, _PI_2)
    return complex(_NAN, _NAN)


def cacos_(a):
    # G.6.1.1. Conjugate-symmetric: the table for y >= 0, where the imaginary part is <= 0.
    z = np.complex128(a)
    x, y = z.real, z.imag
    if math.isfinite(x) and math.isfinite(y):
        return cmath.acos(z)
    if math.isnan(x):
        if math.isinf(y):
            return complex(_NAN, -y)
        return complex(_NAN, _NAN)
    if math.isinf(x):
        if math.isnan(y):
            return complex(_NAN, _INF)   # NaN + i inf, the sign unspecified (PyTorch's)
        if math.isinf(y):
            return complex(_3PI_4 if x < 0.0 else _PI_4, -y)
        return complex(_PI if x < 0.0 else 0.0, math.copysign(_INF, -y))
    if math.isinf(y):                 # finite x
        return complex(_PI_2, -y)
    if x == 0.0:                      # +-0 + iNaN
        return complex(_PI_2, y)
    return complex(_NAN, _NAN)


def catanh_(a):
    # G.6.2.3. Odd and conjugate-symmetric: the table for x, y >= 0, signs copied back.
    z = np.complex128(a)
    x, y = z.real, z.imag
    if x == 0.0:
        # atanh(+-0 + iy) = +-0 + i atan(y), exactly (covers y inf and NaN too)
        return complex(x, math.atan(y))
    if y == 0.0 and abs(x) == 1.0:
        return complex(math.copysign(_INF, x), y)    # the poles (a domain error for Python's cmath)
    if math.isfinite(x) and math.isfinite(y):
        return cmath.atanh(z)
    if math.isinf(y):                 # any x, NaN included
        return complex(math.copysign(0.0, x), math.copysign(_PI_2, y))
    if math.isinf(x):
        if math.isnan(y):
            return complex(math.copysign(0.0, x), y)
        return complex(math.copysign(0.0, x), math.copysign(_PI_2, y))
    return complex(_NAN, _NAN)        # NaN with finite y, or finite nonzero x with NaN y

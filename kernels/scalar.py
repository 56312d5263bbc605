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

"""Row kernels for scans: cumsum, cumprod, cummax/cummin, logcumsumexp, diff (Note [row kernels]
in tensorjit/_rows.py).

Each kernel takes C-contiguous (M, K) rows and writes C-contiguous outputs; Numba specialises
it per dtype. Accumulators come in as a zero (or one) of the accumulation dtype, so one
generic kernel accumulates float32 in float64, integers in int64 and complex64 in complex128,
as PyTorch's CPU scans do.

Note [blocked scan]
    A running sum is one chain of dependent adds: 4 cycles each in float64. Long rows are cut
    into LANES chunks; a first pass sums each chunk (a reduction LLVM vectorises), the chunk
    offsets follow, and a second pass runs the LANES running sums side by side, each from its
    exact offset, so the adds of different chains overlap. Every output is the float64 sum of
    its prefix (in a different association than a strictly sequential loop), rounded once to
    the output dtype. Integer sums wrap identically in any association.
"""
import math

import numpy as np
from numba import njit, prange

LANES = 8
BLOCKED_MIN = 4096


@njit(cache=True, nogil=True)
def _cumsum_row(xr, orow, acc, zero):
    n = xr.shape[0]
    if n < BLOCKED_MIN:
        for i in range(n):
            acc += xr[i]
            orow[i] = acc
        return
    # Note [blocked scan]
    step = n // LANES
    o0 = acc
    s = zero
    for i in range(0, step):
        s += xr[i]
    o1 = o0 + s
    s = zero
    for i in range(step, 2 * step):
        s += xr[i]
    o2 = o1 + s
    s = zero
    for i in range(2 * step, 3 * step):
        s += xr[i]
    o3 = o2 + s
    s = zero
    for i in range(3 * step, 4 * step):
        s += xr[i]
    o4 = o3 + s
    s = zero
    for i in range(4 * step, 5 * step):
        s += xr[i]
    o5 = o4 + s
    s = zero
    for i in range(5 * step, 6 * step):
        s += xr[i]
    o6 = o5 + s
    s = zero
    for i in range(6 * step, 7 * step):
        s += xr[i]
    o7 = o6 + s
    for j in range(step):
        o0 += xr[j]
        orow[j] = o0
        o1 += xr[step + j]
        orow[step + j] = o1
        o2 += xr[2 * step + j]
        orow[2 * step + j] = o2
        o3 += xr[3 * step + j]
        orow[3 * step + j] = o3
        o4 += xr[4 * step + j]
        orow[4 * step + j] = o4
        o5 += xr[5 * step + j]
        orow[5 * step + j] = o5
        o6 += xr[6 * step + j]
        orow[6 * step + j] = o6
        o7 += xr[7 * step + j]
        orow[7 * step + j] = o7
    for i in range(LANES * step, n):
        o7 += xr[i]
        orow[i] = o7


@njit(cache=True, nogil=True)
def cumsum_rows(x, out, acc):
    """Running sums of each row of ``x`` into ``out``, accumulated in ``acc``'s dtype (``acc``
    is 0)."""
    for r in range(x.shape[0]):
        _cumsum_row(x[r], out[r], acc, acc)


@njit(cache=True, nogil=True, parallel=True)
def cumsum_rows_par(x, out, acc):
    """``cumsum_rows`` over rows in parallel."""
    for r in prange(x.shape[0]):
        _cumsum_row(x[r], out[r], acc, acc)


@njit(cache=True, nogil=True)
def cumprod_rows(x, out, acc):
    """Running products of each row of ``x`` into ``out``, in ``acc``'s dtype (``acc`` is 1)."""
    for r in range(x.shape[0]):
        p = acc
        for i in range(x.shape[1]):
            p *= x[r, i]
            out[r, i] = p


@njit(cache=True, nogil=True)
def cummaxmin_rows(x, vals, idx, is_max):
    """Running max (or min) and its index; the later index wins ties and the latest NaN
    sticks, as in PyTorch."""
    m, n = x.shape
    for r in range(m):
        if n == 0:
            continue
        best = x[r, 0]
        bi = 0
        for i in range(n):
            v = x[r, i]
            if v != v or (best == best and ((v >= best) if is_max else (v <= best))):
                best = v
                bi = i
            vals[r, i] = best
            idx[r, i] = bi


@njit(cache=True, nogil=True)
def logcumsumexp_rows(x, out, acc):
    """``log(cumsum(exp(x)))`` per row without overflow, accumulated in ``acc``'s dtype
    (``acc`` is -inf), with PyTorch's handling of infinities and NaN."""
    for r in range(x.shape[0]):
        c = acc
        for i in range(x.shape[1]):
            v = np.float64(x[r, i])
            # PyTorch's log-add-exp step (v, c): its std::min/max keep the first operand on NaN.
            if c != c:
                lo = c
                hi = c
            else:
                lo = c if c < v else v
                hi = c if v < c else v
            if lo != hi or math.isfinite(lo):
                c = math.log1p(math.exp(lo - hi)) + hi
            else:
                c = v
            out[r, i] = c


@njit(cache=True, nogil=True)
def diff_rows(x, out):
    """First differences ``x[:, i + 1] - x[:, i]`` of each row."""
    for r in range(out.shape[0]):
        for i in range(out.shape[1]):
            out[r, i] = x[r, i + 1] - x[r, i]


@njit(cache=True, nogil=True)
def xor_diff_rows(x, out):
    """First differences of bool rows (as bytes): ``x[:, i + 1] != x[:, i]``."""
    for r in range(out.shape[0]):
        for i in range(out.shape[1]):
            out[r, i] = x[r, i + 1] ^ x[r, i]


@njit(cache=True, nogil=True)
def logcumsumexp_rows_complex(x, out):
    """``logcumsumexp`` of complex rows in complex128, with PyTorch's rules: a NaN (in either
    part) makes the rest NaN, and equal infinite real parts are combined without log1p."""
    for r in range(x.shape[0]):
        c = complex(-np.inf, 0.0)
        for i in range(x.shape[1]):
            v = np.complex128(x[r, i])
            if c.real != c.real or c.imag != c.imag:
                lo = c
                hi = c
            elif v.real != v.real or v.imag != v.imag:
                lo = v
                hi = v
            elif v.real < c.real:
                lo = v
                hi = c
            else:
                lo = c
                hi = v
            if lo.real != lo.real or lo.imag != lo.imag:
                c = complex(np.nan, np.nan)
            elif not math.isfinite(lo.real) and lo.real == hi.real:
                c = lo if lo.real < 0 else np.log(np.exp(lo) + np.exp(hi))
            else:
                c = np.log1p(np.exp(lo - hi)) + hi
            out[r, i] = c

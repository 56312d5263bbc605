"""Random-number kernels on CUDA: the CPU's counter-based Philox4x32-10 streams (Note [philox
streams] in kernels/cpu/random.py) with one thread per Philox block (a grid-stride loop).

Note [cuda philox]
    Element ``e`` of a call reads block ``e // PER``, lane ``e % PER`` of the stream, exactly as
    on CPU, and goes through the CPU's own functions (``philox``, ``_log_f32``,
    ``_sincos_2pi``, ``_u53``, ``_from_uniform``: Numba compiles those ``@njit`` functions for
    the GPU too), so a seed and offset give the CPU's numbers. Integer and uniform samples are
    the CPU's to the bit; on a GPU the compiler may fuse a float multiply and add into one
    rounding, so a normal (or exponential, Cauchy...) sample can differ from the CPU's in its
    last bit. float32 normals pair lanes (0, 1) and (2, 3) of a block, float64 normals take one
    pair per block, as on CPU (an odd last element is its pair's first value).
"""
import math

import numpy as np
from numba import cuda

from tensorjit.kernels.cpu.random import (philox, _log_f32, _sincos_2pi, _u53, _from_uniform, MASK, S32,
                                          UNIFORM, NORMAL, LOG_NORMAL, _F2M24, _FM2)


@cuda.jit(device=True)
def _words(ub, o0, o1, k0, k1):
    """The four words of Philox block ``ub`` as uint64 (the simulator's calls box them as ints)."""
    w0, w1, w2, w3 = philox(ub & MASK, ub >> S32, o0, o1, k0, k1)
    return np.uint64(w0), np.uint64(w1), np.uint64(w2), np.uint64(w3)


@cuda.jit(device=True)
def _lane(w0, w1, w2, w3, lane):
    if lane == 0:
        return w0
    if lane == 1:
        return w1
    if lane == 2:
        return w2
    return w3


@cuda.jit(cache=True)
def fill(out, off, n, k0, k1, o0, o1, op, mbits, a, b):
    """``out[off:off + n]`` = transform ``op`` of the stream (Note [cuda philox])."""
    wide = mbits > 32
    per = 2 if wide else 4
    nb = (n + per - 1) // per
    normal = op == NORMAL or op == LOG_NORMAL
    af = np.float32(a)
    bf = np.float32(b)
    j = cuda.grid(1)
    step = cuda.gridsize(1)
    while j < nb:
        ub = np.uint64(j)
        w0, w1, w2, w3 = _words(ub, o0, o1, k0, k1)
        for lane in range(per):
            e = j * per + lane
            if e < n:
                if normal and not wide:
                    first = lane - lane % 2
                    u1 = np.float32((_lane(w0, w1, w2, w3, first) >> np.uint64(8)) + np.uint64(1)) * _F2M24
                    u2 = np.float32(_lane(w0, w1, w2, w3, first + 1) >> np.uint64(8)) * _F2M24
                    r = np.float32(math.sqrt(_FM2 * _log_f32(u1)))   # correctly rounded, as np.sqrt
                    sn, cs = _sincos_2pi(u2)
                    v = af + bf * (r * (cs if lane % 2 == 0 else sn))
                    out[off + e] = v
                elif normal:
                    u1 = 1.0 - _u53(w0, w1)
                    u2 = _u53(w2, w3)
                    r = math.sqrt(-2.0 * math.log(u1))
                    t = 2.0 * math.pi * u2
                    out[off + e] = a + b * (r * (math.cos(t) if lane == 0 else math.sin(t)))
                elif wide:
                    out[off + e] = _from_uniform(op, _u53(_lane(w0, w1, w2, w3, 2 * lane),
                                                          _lane(w0, w1, w2, w3, 2 * lane + 1)), a, b)
                elif op == UNIFORM:
                    sh = np.uint64(32 - mbits)
                    out[off + e] = a + np.float64(_lane(w0, w1, w2, w3, lane) >> sh) * ((b - a) * 2.0 ** -mbits)
                else:
                    sh = np.uint64(32 - mbits)
                    u = np.float64(_lane(w0, w1, w2, w3, lane) >> sh) * 2.0 ** -mbits
                    out[off + e] = _from_uniform(op, u, a, b)
                if op == LOG_NORMAL:
                    out[off + e] = math.exp(out[off + e])
        j += step


@cuda.jit(cache=True)
def ints(out, n, k0, k1, o0, o1, low, span, wide):
    """uint64 ``out[:n]`` = ``low + w mod span`` (wrapping; span 0 with ``wide``: all 64 bits)."""
    per = 2 if wide else 4
    nb = (n + per - 1) // per
    j = cuda.grid(1)
    step = cuda.gridsize(1)
    while j < nb:
        ub = np.uint64(j)
        w0, w1, w2, w3 = _words(ub, o0, o1, k0, k1)
        for lane in range(per):
            e = j * per + lane
            if e < n:
                if wide:
                    x = (_lane(w0, w1, w2, w3, 2 * lane) << S32) | _lane(w0, w1, w2, w3, 2 * lane + 1)
                    out[e] = low + (x % span if span else x)
                else:
                    out[e] = low + _lane(w0, w1, w2, w3, lane) % span
        j += step

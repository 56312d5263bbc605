"""Random-number kernels on the counter-based Philox4x32-10 generator (Note [philox streams]).

Loaded through ``registry.load_source`` (Note [kernel cache] in kernels/registry.py); Numba
specialises each function per output dtype on first call.

Note [philox streams]
    Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", 2011) maps a
    128-bit counter and a 64-bit key to four 32-bit words. The key is the generator's seed; the
    counter of block ``j`` of a call is ``(j mod 2^32, j div 2^32, offset mod 2^32, offset div
    2^32)``, where ``offset`` is the generator's offset, advanced by one per call. So every
    number is a pure function of (seed, offset, element index): any thread count, any chunking
    and any device that runs the same arithmetic produce the same numbers. Element ``e`` of a
    call reads block ``e // PER`` and lane ``e % PER``: ``PER`` is 4 where one 32-bit word makes
    one value (float16/float32 floats, integer ranges below 2^32) and 2 where a value takes two
    words (float64 floats, wider integer ranges). Normal values come in Box-Muller pairs from
    two uniforms: lanes (0, 1) of a block from its words (0, 1), lanes (2, 3) from words (2, 3)
    (float64: one pair per block, each uniform from two words). Samplers that need a varying
    number of uniforms per element (poisson) give each element its own counter ``(e mod 2^32,
    draw, offset)`` and count draws.

Uniforms: ``u = (w >> (32 - m)) * 2^-m`` in [0, 1) with ``m`` mantissa bits (11 for float16,
24 for float32, 53 from two words for float64); ``u1 = (w + 1) * 2^-32`` in (0, 1] where a
logarithm needs it.
"""
import math

import numpy as np
from numba import njit, prange

from tensorjit.kernels.cpu.half import bits_to_f32, f32_to_bits

M0 = np.uint64(0xD2511F53)
M1 = np.uint64(0xCD9E8D57)
W0 = np.uint64(0x9E3779B9)
W1 = np.uint64(0xBB67AE85)
MASK = np.uint64(0xFFFFFFFF)
S32 = np.uint64(32)
TWO_PI = 2.0 * math.pi

# float32 constants of the branch-free log and sincos used by float32 normals.
_f32 = np.float32
_F1, _F2, _HALF, _QUART = _f32(1.0), _f32(2.0), _f32(0.5), _f32(0.25)
_FM2 = _f32(-2.0)
_F2M24 = _f32(2.0 ** -24)
_TWO_PI32 = _f32(2.0 * math.pi)
_SQRTH = np.uint32(0x3F3504F3)                    # bits of sqrt(1/2)
_LOG_OFF = np.uint32(0x3F800000 - 0x3F3504F3)      # moves the exponent boundary to sqrt(1/2)
_MANT = np.uint32(0x007FFFFF)
# log(1 + f) = f - f^2/2 + f^3 P(f) on sqrt(1/2) - 1 <= f < sqrt(2) - 1 (Cephes logf); ln 2
# split in two so k * _LN2_HI is exact. No division: a float division stops the vectoriser.
_L = tuple(_f32(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                             1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                             3.3333331174e-1))
_LN2_HI, _LN2_LO = _f32(0.693359375), _f32(-2.12194440e-4)
# Taylor coefficients of sin and cos on |t| <= pi / 2 (truncation error below float32's ulp).
_S3, _S5, _S7, _S9, _S11 = (_f32(c) for c in (-1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800))
_K2, _K4, _K6, _K8, _K10, _K12 = (_f32(c) for c in (-1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800,
                                                    1 / 479001600))

# Transform codes of ``fill`` (see the front end, tensorjit/ops/random.py).
UNIFORM, NORMAL, LOG_NORMAL, EXPONENTIAL, CAUCHY, GEOMETRIC, BERNOULLI = 0, 1, 2, 3, 4, 5, 6
CHUNK = 2048  # blocks per task: their words (32 KB) stay in cache for the transform


@njit(cache=True, nogil=True, inline="always")
def philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0..c3) and key (k0, k1), all uint64 holding 32-bit values."""
    for _ in range(10):
        p0 = M0 * c0
        p1 = M1 * c2
        c0, c1, c2, c3 = ((p1 >> S32) ^ c1 ^ k0) & MASK, p1 & MASK, ((p0 >> S32) ^ c3 ^ k1) & MASK, p0 & MASK
        k0 = (k0 + W0) & MASK
        k1 = (k1 + W1) & MASK
    return c0, c1, c2, c3


@njit(cache=True, nogil=True, error_model="numpy")
def philox_block(c0, c1, c2, c3, k0, k1):
    """The four words of one block as a uint64 array (tests check the known-answer vectors)."""
    r = np.empty(4, np.uint64)
    r[0], r[1], r[2], r[3] = philox(np.uint64(c0), np.uint64(c1), np.uint64(c2), np.uint64(c3),
                                    np.uint64(k0), np.uint64(k1))
    return r


@njit(cache=True, nogil=True, error_model="numpy")
def _words(buf, b0, nb, k0, k1, o0, o1):
    """The words of blocks [b0, b0 + nb) into ``buf`` (uint32), four per block."""
    for j in range(nb):
        ub = np.uint64(b0 + j)
        w0, w1, w2, w3 = philox(ub & MASK, ub >> S32, o0, o1, k0, k1)
        buf[4 * j] = w0
        buf[4 * j + 1] = w1
        buf[4 * j + 2] = w2
        buf[4 * j + 3] = w3


@njit(cache=True, nogil=True, inline="always")
def _log_f32(x):
    """log(x) for float32 0 < x <= 1 (normal numbers), branch-free so loops vectorise."""
    b = f32_to_bits(x) + _LOG_OFF
    k = np.int32(b >> np.uint32(23)) - np.int32(127)
    m = bits_to_f32((b & _MANT) + _SQRTH)
    f = m - _F1
    z = f * f
    p = _L[0]
    for c in _L[1:]:
        p = p * f + c
    kf = _f32(k)
    return f + (f * z * p + kf * _LN2_LO - _HALF * z) + kf * _LN2_HI


@njit(cache=True, nogil=True, inline="always")
def _sincos_2pi(u):
    """(sin 2 pi u, cos 2 pi u) for float32 u in [0, 1), branch-free (selects only)."""
    x = u - _HALF          # 2 pi u = 2 pi x + pi: both signs flip
    hi = x > _QUART
    lo = x < -_QUART
    y = _HALF - x if hi else (-_HALF - x if lo else x)
    t = _TWO_PI32 * y       # |t| <= pi / 2
    t2 = t * t
    sn = t * (_F1 + t2 * (_S3 + t2 * (_S5 + t2 * (_S7 + t2 * (_S9 + t2 * _S11)))))
    cs = _F1 + t2 * (_K2 + t2 * (_K4 + t2 * (_K6 + t2 * (_K8 + t2 * (_K10 + t2 * _K12)))))
    cs = -cs if (hi or lo) else cs
    return -sn, -cs


@njit(cache=True, nogil=True, error_model="numpy")
def _fill_chunk(out, b0, b1, k0, k1, o0, o1, op, mbits, a, b, buf):
    """Blocks [b0, b1) of Note [philox streams] into ``out`` (flat), transformed by ``op``.
    Each transform is its own branch-free loop over the chunk's words so that it vectorises."""
    nb = b1 - b0
    _words(buf, b0, nb, k0, k1, o0, o1)
    wide = mbits > 32
    per = 2 if wide else 4
    e0 = b0 * per
    n = min(out.shape[0] - e0, nb * per)
    o = out[e0:e0 + n]  # a view indexed from 0: no signed offset in the vector loops
    normal = op == NORMAL or op == LOG_NORMAL
    if normal and not wide:
        af, bf = _f32(a), _f32(b)
        for p in range(n // 2):
            u1 = _f32((buf[2 * p] >> np.uint32(8)) + np.uint32(1)) * _F2M24
            u2 = _f32(buf[2 * p + 1] >> np.uint32(8)) * _F2M24
            r = np.sqrt(_FM2 * _log_f32(u1))
            sn, cs = _sincos_2pi(u2)
            o[2 * p] = af + bf * (r * cs)
            o[2 * p + 1] = af + bf * (r * sn)
        if n % 2:
            u1 = _f32((buf[n - 1] >> np.uint32(8)) + np.uint32(1)) * _F2M24
            u2 = _f32(buf[n] >> np.uint32(8)) * _F2M24
            sn, cs = _sincos_2pi(u2)
            o[n - 1] = af + bf * (np.sqrt(_FM2 * _log_f32(u1)) * cs)
    elif normal:
        for p in range((n + 1) // 2):
            u1 = 1.0 - _u53(np.uint64(buf[4 * p]), np.uint64(buf[4 * p + 1]))
            u2 = _u53(np.uint64(buf[4 * p + 2]), np.uint64(buf[4 * p + 3]))
            r = math.sqrt(-2.0 * math.log(u1))
            t = TWO_PI * u2
            o[2 * p] = a + b * (r * math.cos(t))
            if 2 * p + 1 < n:
                o[2 * p + 1] = a + b * (r * math.sin(t))
    elif wide:
        for i in range(n):
            o[i] = _from_uniform(op, _u53(np.uint64(buf[2 * i]), np.uint64(buf[2 * i + 1])), a, b)
    elif op == UNIFORM:
        scale = (b - a) * 2.0 ** -mbits
        sh = np.uint32(32 - mbits)
        for i in range(n):
            o[i] = a + np.float64(buf[i] >> sh) * scale
    else:
        sh = np.uint32(32 - mbits)
        for i in range(n):
            o[i] = _from_uniform(op, np.float64(buf[i] >> sh) * 2.0 ** -mbits, a, b)
    if op == LOG_NORMAL:
        for i in range(n):
            o[i] = math.exp(o[i])


@njit(cache=True, nogil=True, inline="always")
def _u53(hi, lo):
    return np.float64(((hi << S32) | lo) >> np.uint64(11)) * (2.0 ** -53)


@njit(cache=True, nogil=True, inline="always")
def _from_uniform(op, u, a, b):
    if op == UNIFORM:
        return a + (b - a) * u
    if op == EXPONENTIAL:
        return -math.log(1.0 - u) / a
    if op == CAUCHY:
        return a + b * math.tan(math.pi * (u - 0.5))
    if op == GEOMETRIC:
        return math.ceil(math.log(1.0 - u) / math.log1p(-a))
    # BERNOULLI
    return 1.0 if u < a else 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def fill(out, k0, k1, o0, o1, op, mbits, a, b):
    """Fill flat ``out`` with transform ``op`` of the stream (seed (k0, k1), offset (o0, o1))."""
    per = 2 if mbits > 32 else 4
    nb = (out.shape[0] + per - 1) // per
    buf = np.empty(4 * CHUNK, np.uint32)
    for c in range((nb + CHUNK - 1) // CHUNK):
        _fill_chunk(out, c * CHUNK, min(nb, (c + 1) * CHUNK), k0, k1, o0, o1, op, mbits, a, b, buf)


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def fill_par(out, k0, k1, o0, o1, op, mbits, a, b):
    """``fill`` with chunks spread over the parallel pool (the same numbers)."""
    per = 2 if mbits > 32 else 4
    nb = (out.shape[0] + per - 1) // per
    for c in prange((nb + CHUNK - 1) // CHUNK):
        buf = np.empty(4 * CHUNK, np.uint32)
        _fill_chunk(out, c * CHUNK, min(nb, (c + 1) * CHUNK), k0, k1, o0, o1, op, mbits, a, b, buf)


@njit(cache=True, nogil=True, error_model="numpy")
def _ints_chunk(out, b0, b1, k0, k1, o0, o1, low, span, wide, buf):
    nb = b1 - b0
    _words(buf, b0, nb, k0, k1, o0, o1)
    per = 2 if wide else 4
    e0 = b0 * per
    n = min(out.shape[0] - e0, nb * per)
    o = out[e0:e0 + n]  # a view indexed from 0: no signed offset in the vector loops
    if wide:
        for i in range(n):
            x = (np.uint64(buf[2 * i]) << S32) | np.uint64(buf[2 * i + 1])
            o[i] = low + (x % span if span else x)
    else:
        for i in range(n):
            o[i] = low + np.uint64(buf[i]) % span


@njit(cache=True, nogil=True, error_model="numpy")
def ints(out, k0, k1, o0, o1, low, span, wide):
    """Integers ``low + w mod span`` (wrapping, in uint64) into flat uint64 ``out``; ``span`` 0
    with ``wide`` takes all 64 bits."""
    per = 2 if wide else 4
    nb = (out.shape[0] + per - 1) // per
    buf = np.empty(4 * CHUNK, np.uint32)
    for c in range((nb + CHUNK - 1) // CHUNK):
        _ints_chunk(out, c * CHUNK, min(nb, (c + 1) * CHUNK), k0, k1, o0, o1, low, span, wide, buf)


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def ints_par(out, k0, k1, o0, o1, low, span, wide):
    """``ints`` over the parallel pool (the same numbers)."""
    per = 2 if wide else 4
    nb = (out.shape[0] + per - 1) // per
    for c in prange((nb + CHUNK - 1) // CHUNK):
        buf = np.empty(4 * CHUNK, np.uint32)
        _ints_chunk(out, c * CHUNK, min(nb, (c + 1) * CHUNK), k0, k1, o0, o1, low, span, wide, buf)


@njit(cache=True, nogil=True, inline="always")
def _uniform_at(e, draw, k0, k1, o0, o1):
    """The ``draw``-th uniform in (0, 1) of element ``e``'s own counter (poisson)."""
    ue = np.uint64(e)
    w0, w1, w2, w3 = philox(ue & MASK, np.uint64(draw), o0, o1, k0, k1)
    return (np.float64(((w0 << S32) | w1) >> np.uint64(11)) + 0.5) * (2.0 ** -53)


@njit(cache=True, nogil=True, error_model="numpy")
def poisson(rates, out, k0, k1, o0, o1):
    """Poisson samples of flat float64 ``rates`` into ``out``: Knuth's product of uniforms below
    rate 10, Hoermann's transformed rejection (PTRS, as NumPy) above."""
    for e in range(rates.shape[0]):
        lam = rates[e]
        draw = 0
        if lam == 0.0:
            out[e] = 0.0
            continue
        if lam < 10.0:
            limit = math.exp(-lam)
            k = 0
            prod = _uniform_at(e, draw, k0, k1, o0, o1)
            draw += 1
            while prod > limit:
                k += 1
                prod *= _uniform_at(e, draw, k0, k1, o0, o1)
                draw += 1
            out[e] = k
            continue
        slam = math.sqrt(lam)
        loglam = math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = _uniform_at(e, draw, k0, k1, o0, o1) - 0.5
            v = _uniform_at(e, draw + 1, k0, k1, o0, o1)
            draw += 2
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + lam + 0.43)
            if us >= 0.07 and v <= vr:
                break
            if k < 0 or (us < 0.013 and v > us):
                continue
            if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= \
                    -lam + k * loglam - math.lgamma(k + 1):
                break
        out[e] = k


@njit(cache=True, nogil=True, error_model="numpy")
def categorical(cdf, u, out):
    """For each row of ``cdf`` (M, K, rows summing to their last entry) and each uniform of
    ``u`` (M, S), the first index whose cumulative weight exceeds ``u * total`` (zero weights
    are never drawn)."""
    m, k = cdf.shape
    for r in range(m):
        total = cdf[r, k - 1]
        for s in range(u.shape[1]):
            x = u[r, s] * total
            lo, hi = 0, k - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if cdf[r, mid] > x:
                    hi = mid
                else:
                    lo = mid + 1
            out[r, s] = lo

"""Quantized tensor kernels: quantize, dequantize, elementwise add/mul and the int8 GEMM.

Loaded through ``registry.load_source("cpu/quant.py")`` (Note [row kernels]): generic ``@njit``
functions that Numba specialises per integer dtype on first call. Every array is a flat,
C-contiguous kernel array (the front end copies other layouts to that form first), and every
scale or multiplier arrives already rounded the way the rules below need it.

Note [quantize rounding]
    PyTorch's CPU kernels quantize ``x`` (float32) with ``inv = 1.0f / float(scale)`` and round
    to nearest, ties to even, in two ways that differ in the last bit of the intermediate:

    * per-tensor quint8/qint8 (its vectorised path): ``v = fma(x, inv, zero_point)`` rounded once
      to float32, then ``rint(v)``; NaN becomes the dtype's maximum (a float ``min`` against the
      largest int32 before the conversion lets NaN through as that bound);
    * per-tensor qint32 and every per-channel quantization: ``t = float32(x * inv)``, then
      ``rint(float32(t + float32(zero_point)))``; NaN becomes 0 for the 8-bit dtypes and the
      int32 minimum for qint32 (the bit pattern of a NaN converted to int32, truncated).

    Both then clamp to the dtype's range, so +-inf saturate. The fma is computed exactly in
    float64 (a product of two float32 is exact there) and rounded to float32: the same value
    as a hardware fma unless the float64 sum itself rounds, which needs a zero point far
    beyond the product's magnitude and cannot change the integer it rounds to.

Note [dequantize rounding]
    Per-tensor: ``float32(int32(q - zero_point)) * float32(scale)`` in float32 (the subtraction
    wraps in int32, as PyTorch's does for qint32). Per-channel: ``float32(float64(float32(q) -
    float32(zero_point)) * scale)`` with the float64 scale. Both match PyTorch bit for bit.

Note [quantized gemm]
    ``qgemm`` accumulates ``sum_k a[i, k] * b[j, k]`` in int32 over the 8-bit operands
    (LLVM widens them to int16 and uses multiply-add instructions, VNNI where the CPU has it;
    4x4 blocks of dot products share their row loads), then removes the zero points with row
    and column sums: ``sum (a - za)(b - zb) = sum ab - zb[j] * rowsum_a[i] -
    za * colsum_b[j] + K * za * zb[j]``, all in wrapping int32 like FBGEMM. Products of 8-bit
    values are below 2**16, so the sums are exact while ``K * 255 * 255 < 2**31`` (K up to
    33025). The result is requantized as FBGEMM does for a float bias:
    ``rint(float32((float32(acc) + bias_q[j]) * mult[j])) + zo``, clamped, where ``bias_q``
    is ``float32(bias / (sa * sb[j]))`` and ``mult`` is ``float32(sa * sb[j] / so)``.
"""
import numpy as np
from numba import njit, prange

# The largest float32 below 2**31: PyTorch clips to it before converting to int32.
INT32_FLOAT_MAX = np.float32(2147483520.0)


@njit(cache=True, nogil=True)
def _round_fma(x, inv, zp, nanv, lo, hi):
    # Note [quantize rounding], first rule.
    v = np.float32(np.float64(x) * np.float64(inv) + zp)
    if v != v:
        return nanv
    r = np.rint(np.float64(v))
    return lo if r < lo else (hi if r > hi else r)


@njit(cache=True, nogil=True)
def _round_two_step(x, inv, zp, nanv, lo, hi):
    # Note [quantize rounding], second rule.
    v = np.float32(np.float32(x * inv) + np.float32(zp))
    if v != v:
        return nanv
    r = np.rint(np.float64(v))
    return lo if r < lo else (hi if r > hi else r)


@njit(cache=True, nogil=True)
def quantize(x, out, inv, zp, outer, nch, inner, fma, nanv, lo, hi):
    """out[o, c, i] = round(x[o, c, i] with channel c's ``inv`` (float32) and ``zp`` (float64))."""
    for o in range(outer):
        for c in range(nch):
            s = inv[c]
            z = zp[c]
            base = (o * nch + c) * inner
            if fma:
                for i in range(inner):
                    out[base + i] = _round_fma(x[base + i], s, z, nanv, lo, hi)
            else:
                for i in range(inner):
                    out[base + i] = _round_two_step(x[base + i], s, z, nanv, lo, hi)


@njit(cache=True, nogil=True)
def dequantize(q, out, scale32, scale64, zp, outer, nch, inner, per_channel):
    """out = dequantized q by Note [dequantize rounding]; per-channel geometry as ``quantize``."""
    for o in range(outer):
        for c in range(nch):
            base = (o * nch + c) * inner
            z = zp[c]
            if per_channel:
                s64 = scale64[c]
                z32f = np.float32(z)
                for i in range(inner):
                    out[base + i] = np.float32(np.float64(np.float32(q[base + i]) - z32f) * s64)
            else:
                s32 = scale32[c]
                z32 = np.int32(z)
                for i in range(inner):
                    out[base + i] = np.float32(np.int32(np.int32(q[base + i]) - z32)) * s32


@njit(cache=True, nogil=True)
def add(a, b, out, sa, za, sb, zb, inv, zo, relu, fma, nanv, lo, hi):
    """out = quantize(dequantize(a) + dequantize(b)), per-tensor, float32 in between (PyTorch's qadd)."""
    za32 = np.int32(za)
    zb32 = np.int32(zb)
    zero = np.float32(0.0)
    for i in range(out.size):
        c = (np.float32(np.int32(np.int32(a[i]) - za32)) * sa
             + np.float32(np.int32(np.int32(b[i]) - zb32)) * sb)
        if relu and c < zero:
            c = zero
        if fma:
            out[i] = _round_fma(c, inv, zo, nanv, lo, hi)
        else:
            out[i] = _round_two_step(c, inv, zo, nanv, lo, hi)


@njit(cache=True, nogil=True)
def mul(a, b, out, za, zb, mult, zo, relu, lo, hi):
    """out = clamp(zo + rint(float32(int32 product) * mult)): PyTorch's qmul, int32 product."""
    za32 = np.int32(za)
    zb32 = np.int32(zb)
    for i in range(out.size):
        # Numba widens int32 arithmetic to int64: the casts keep PyTorch's wrapping int32.
        p = np.int32(np.int32(np.int32(a[i]) - za32) * np.int32(np.int32(b[i]) - zb32))
        r = np.rint(np.float64(np.float32(np.float32(p) * mult))) + zo
        if relu and r < zo:
            r = zo
        out[i] = lo if r < lo else (hi if r > hi else r)


@njit(cache=True, nogil=True)
def _dot(x, y, k):
    # int32 accumulation: Numba widens int32 products to int64, the casts narrow them back
    # (and let LLVM vectorise in 32-bit lanes with multiply-add instructions).
    s = np.int32(0)
    for t in range(k):
        s = np.int32(s + np.int32(x[t]) * np.int32(y[t]))
    return s


@njit(cache=True, nogil=True)
def _dot4x4(a, b, i, j, k, acc):
    # 16 dot products sharing 8 row loads per step: 4 rows of a against 4 rows of b.
    a0, a1, a2, a3 = a[i], a[i + 1], a[i + 2], a[i + 3]
    b0, b1, b2, b3 = b[j], b[j + 1], b[j + 2], b[j + 3]
    I = np.int32
    s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = I(0)
    s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = I(0)
    for t in range(k):
        x0, x1, x2, x3 = I(a0[t]), I(a1[t]), I(a2[t]), I(a3[t])
        y0, y1, y2, y3 = I(b0[t]), I(b1[t]), I(b2[t]), I(b3[t])
        s00 = I(s00 + x0 * y0); s01 = I(s01 + x0 * y1); s02 = I(s02 + x0 * y2); s03 = I(s03 + x0 * y3)  # noqa: E702
        s10 = I(s10 + x1 * y0); s11 = I(s11 + x1 * y1); s12 = I(s12 + x1 * y2); s13 = I(s13 + x1 * y3)  # noqa: E702
        s20 = I(s20 + x2 * y0); s21 = I(s21 + x2 * y1); s22 = I(s22 + x2 * y2); s23 = I(s23 + x2 * y3)  # noqa: E702
        s30 = I(s30 + x3 * y0); s31 = I(s31 + x3 * y1); s32 = I(s32 + x3 * y2); s33 = I(s33 + x3 * y3)  # noqa: E702
    acc[i, j], acc[i, j + 1], acc[i, j + 2], acc[i, j + 3] = s00, s01, s02, s03
    acc[i + 1, j], acc[i + 1, j + 1], acc[i + 1, j + 2], acc[i + 1, j + 3] = s10, s11, s12, s13
    acc[i + 2, j], acc[i + 2, j + 1], acc[i + 2, j + 2], acc[i + 2, j + 3] = s20, s21, s22, s23
    acc[i + 3, j], acc[i + 3, j + 1], acc[i + 3, j + 2], acc[i + 3, j + 3] = s30, s31, s32, s33


@njit(cache=True, nogil=True)
def _gemm_columns(a, b, za, zb, rowsum, colsum, bias_q, mult, zo, lo, hi, out, j0, j1):
    # Note [quantized gemm]: columns j0..j1 of out (int32) for every row; 4x4 blocks where they
    # fit. The caller keeps j1 - j0 small (64 rows of b stay in cache while a's rows pass).
    m = a.shape[0]
    k = a.shape[1]
    m4 = m // 4 * 4
    j4 = j0 + (j1 - j0) // 4 * 4
    for i in range(0, m4, 4):
        for j in range(j0, j4, 4):
            _dot4x4(a, b, i, j, k, out)
        for j in range(j4, j1):
            for r in range(i, i + 4):
                out[r, j] = _dot(a[r], b[j], k)
    for i in range(m4, m):
        for j in range(j0, j1):
            out[i, j] = _dot(a[i], b[j], k)
    za32 = np.int32(za)
    kza = np.int32(np.int32(k) * za32)
    for i in range(m):
        rs = rowsum[i]
        orow = out[i]
        for j in range(j0, j1):
            zbj = zb[j]
            acc = np.int32(orow[j] - np.int32(zbj * rs) - np.int32(za32 * colsum[j]) + np.int32(kza * zbj))
            v = np.float32(np.float32(np.float32(acc) + bias_q[j]) * mult[j])
            r = np.rint(np.float64(v)) + zo
            orow[j] = lo if r < lo else (hi if r > hi else r)


@njit(cache=True, nogil=True)
def qgemm(a, b, za, zb, rowsum, colsum, bias_q, mult, zo, lo, hi, out):
    """out (m, n) int32 = requantized (a - za) @ (b - zb).T, clamped to [lo, hi]; a (m, k) and
    b (n, k) 8-bit, ``rowsum``/``colsum`` their row sums (Note [quantized gemm])."""
    n = b.shape[0]
    for j0 in range(0, n, 64):
        _gemm_columns(a, b, za, zb, rowsum, colsum, bias_q, mult, zo, lo, hi, out, j0, min(j0 + 64, n))


@njit(cache=True, nogil=True, parallel=True)
def qgemm_parallel(a, b, za, zb, rowsum, colsum, bias_q, mult, zo, lo, hi, out):
    """``qgemm`` with blocks of 64 columns on the thread pool (large products only)."""
    n = b.shape[0]
    for blk in prange((n + 63) // 64):
        _gemm_columns(a, b, za, zb, rowsum, colsum, bias_q, mult, zo, lo, hi, out, blk * 64, min(blk * 64 + 64, n))


@njit(cache=True, nogil=True)
def rowsums(b, out):
    """out[j] = sum_k b[j, k] in int32."""
    n, k = b.shape
    for j in range(n):
        s = np.int32(0)
        br = b[j]
        for t in range(k):
            s = np.int32(s + np.int32(br[t]))
        out[j] = s

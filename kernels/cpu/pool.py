"""Pooling kernels over C-contiguous float32/float64 planes: max (with indices), average and
adaptive average, forward and backward.

Every kernel sees its input as (P, H, W): P planes (batch times channels) of H x W. Window
arithmetic follows PyTorch's CPU kernels: a max window skips positions in the padding (and a
NaN wins, as PyTorch's ``val > max || isnan(val)``); the recorded index is ``iy * W + ix``
within the plane, as ``return_indices`` gives it. An average window is clipped to the padded
input for ``count_include_pad`` and to the input itself otherwise; ``divisor`` > 0 overrides
both. An adaptive window of output ``o`` is ``[floor(o*H/oh), ceil((o+1)*H/oh))``.
"""
import math

from numba import njit, prange


@njit(cache=True, nogil=True)
def _max_plane(x, out, idx, p, kh, kw, sh, sw, ph, pw, dh, dw):
    H, W = x.shape[1], x.shape[2]
    oh, ow = out.shape[1], out.shape[2]
    for oy in range(oh):
        y0 = oy * sh - ph
        for ox in range(ow):
            x0 = ox * sw - pw
            best = -math.inf
            bi = -1
            for i in range(kh):
                iy = y0 + i * dh
                if iy < 0 or iy >= H:
                    continue
                for j in range(kw):
                    ix = x0 + j * dw
                    if ix < 0 or ix >= W:
                        continue
                    v = x[p, iy, ix]
                    if bi < 0 or v > best or math.isnan(v):
                        best = v
                        bi = iy * W + ix
                        if math.isnan(v):
                            break
                if bi >= 0 and math.isnan(best):
                    break
            out[p, oy, ox] = best
            idx[p, oy, ox] = bi


@njit(cache=True, nogil=True)
def max_pool2d(x, out, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    """Max over each window of ``x`` (P, H, W) into ``out`` and its argmax into ``idx`` (P, oh, ow)."""
    for p in range(x.shape[0]):
        _max_plane(x, out, idx, p, kh, kw, sh, sw, ph, pw, dh, dw)


@njit(cache=True, nogil=True, parallel=True)
def max_pool2d_par(x, out, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    for p in prange(x.shape[0]):
        _max_plane(x, out, idx, p, kh, kw, sh, sw, ph, pw, dh, dw)


@njit(cache=True, nogil=True)
def max_pool2d_backward(go, idx, gx):
    """``gx[p].flat[idx[p, o]] += go[p, o]`` for ``gx`` (P, H*W) zeroed by the caller."""
    P, L = go.shape
    for p in range(P):
        for k in range(L):
            i = idx[p, k]
            if i >= 0:
                gx[p, i] += go[p, k]


@njit(cache=True, nogil=True, inline="always")
def _avg_window(oy, ox, H, W, kh, kw, sh, sw, ph, pw, include_pad, divisor):
    y0 = oy * sh - ph
    x0 = ox * sw - pw
    y1 = min(y0 + kh, H + ph)
    x1 = min(x0 + kw, W + pw)
    size = (y1 - y0) * (x1 - x0)
    y0 = max(y0, 0)
    x0 = max(x0, 0)
    y1 = min(y1, H)
    x1 = min(x1, W)
    if divisor > 0:
        div = divisor
    elif include_pad:
        div = size
    else:
        div = (y1 - y0) * (x1 - x0)
    return y0, y1, x0, x1, div


@njit(cache=True, nogil=True)
def avg_pool2d(x, out, kh, kw, sh, sw, ph, pw, include_pad, divisor):
    """Mean over each window of ``x`` (P, H, W) into ``out`` (P, oh, ow)."""
    P, H, W = x.shape
    oh, ow = out.shape[1], out.shape[2]
    for p in range(P):
        for oy in range(oh):
            for ox in range(ow):
                y0, y1, x0, x1, div = _avg_window(oy, ox, H, W, kh, kw, sh, sw, ph, pw, include_pad, divisor)
                s = x.dtype.type(0)
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        s += x[p, iy, ix]
                out[p, oy, ox] = s / div


@njit(cache=True, nogil=True)
def avg_pool2d_backward(go, gx, kh, kw, sh, sw, ph, pw, include_pad, divisor):
    """The adjoint of ``avg_pool2d``: add ``go / div`` over each window into ``gx`` (zeroed)."""
    P, H, W = gx.shape
    oh, ow = go.shape[1], go.shape[2]
    for p in range(P):
        for oy in range(oh):
            for ox in range(ow):
                y0, y1, x0, x1, div = _avg_window(oy, ox, H, W, kh, kw, sh, sw, ph, pw, include_pad, divisor)
                g = go[p, oy, ox] / div
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        gx[p, iy, ix] += g


@njit(cache=True, nogil=True)
def adaptive_avg_pool2d(x, out):
    """Adaptive mean of ``x`` (P, H, W) into ``out`` (P, oh, ow)."""
    P, H, W = x.shape
    oh, ow = out.shape[1], out.shape[2]
    for p in range(P):
        for oy in range(oh):
            y0 = (oy * H) // oh
            y1 = -((-(oy + 1) * H) // oh)
            for ox in range(ow):
                x0 = (ox * W) // ow
                x1 = -((-(ox + 1) * W) // ow)
                s = x.dtype.type(0)
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        s += x[p, iy, ix]
                out[p, oy, ox] = s / ((y1 - y0) * (x1 - x0))


@njit(cache=True, nogil=True)
def adaptive_avg_pool2d_backward(go, gx):
    """The adjoint of ``adaptive_avg_pool2d`` into ``gx`` (P, H, W), zeroed by the caller."""
    P, H, W = gx.shape
    oh, ow = go.shape[1], go.shape[2]
    for p in range(P):
        for oy in range(oh):
            y0 = (oy * H) // oh
            y1 = -((-(oy + 1) * H) // oh)
            for ox in range(ow):
                x0 = (ox * W) // ow
                x1 = -((-(ox + 1) * W) // ow)
                g = go[p, oy, ox] / ((y1 - y0) * (x1 - x0))
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        gx[p, iy, ix] += g

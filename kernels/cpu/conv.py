"""Convolution kernels: im2col and col2im over C-contiguous float32/float64 arrays.

Note [conv im2col]
    A 2-d convolution of ``x`` (N, C, H, W) with a (O, C/G, kh, kw) weight is a matrix product
    per group: ``cols`` (N, C*kh*kw, oh*ow) holds, for each output position, the input values
    its kernel window reads (zero where the window hangs over the padding), and
    ``out[n] = W.reshape(G, O/G, C/G*kh*kw) @ cols[n]`` (BLAS, batched over n and groups).
    The backward of that product gives the input gradient as a ``cols``-shaped array that
    ``col2im`` adds back onto the input positions it came from; a transposed convolution is
    the same pair used the other way round. Row ``r`` of ``cols`` is ``(c, i, j)`` =
    ``(r // (kh*kw), r // kw % kh, r % kw)``. Along an output row the valid ``ox`` form one
    interval, computed up front so the inner copy has no bounds test and vectorises for
    stride 1. The ``_par`` variants split the batch over threads (compiled only for large
    inputs).
"""

from numba import njit, prange


@njit(cache=True, nogil=True, inline="always")
def _valid(o_n, s, p, d, j, n):
    """The interval [lo, hi) of output indices o in [0, o_n) with 0 <= o*s - p + j*d < n."""
    base = j * d - p
    lo = 0
    if base < 0:
        lo = (-base + s - 1) // s
    hi = o_n
    if o_n > 0:
        # largest o with o*s + base <= n - 1
        lim = n - 1 - base
        if lim < 0:
            hi = 0
        else:
            hi = min(o_n, lim // s + 1)
    if hi < lo:
        hi = lo
    return lo, hi


@njit(cache=True, nogil=True)
def _im2col_one(x, cols, n, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    zero = cols.dtype.type(0)
    for c in range(C):
        for i in range(kh):
            ylo, yhi = _valid(oh, sh, ph, dh, i, H)
            for j in range(kw):
                r = (c * kh + i) * kw + j
                xlo, xhi = _valid(ow, sw, pw, dw, j, W)
                for oy in range(oh):
                    base = oy * ow
                    if oy < ylo or oy >= yhi:
                        for ox in range(ow):
                            cols[n, r, base + ox] = zero
                        continue
                    iy = oy * sh - ph + i * dh
                    for ox in range(xlo):
                        cols[n, r, base + ox] = zero
                    off = j * dw - pw
                    for ox in range(xlo, xhi):
                        cols[n, r, base + ox] = x[n, c, iy, ox * sw + off]
                    for ox in range(xhi, ow):
                        cols[n, r, base + ox] = zero


@njit(cache=True, nogil=True)
def im2col(x, cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    """Fill ``cols`` (N, C*kh*kw, oh*ow) from ``x`` (N, C, H, W) (Note [conv im2col])."""
    N, C, H, W = x.shape
    for n in range(N):
        _im2col_one(x, cols, n, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


@njit(cache=True, nogil=True, parallel=True)
def im2col_par(x, cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    N, C, H, W = x.shape
    for n in prange(N):
        _im2col_one(x, cols, n, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


@njit(cache=True, nogil=True)
def _col2im_one(cols, x, n, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    for c in range(C):
        for i in range(kh):
            ylo, yhi = _valid(oh, sh, ph, dh, i, H)
            for j in range(kw):
                r = (c * kh + i) * kw + j
                xlo, xhi = _valid(ow, sw, pw, dw, j, W)
                off = j * dw - pw
                for oy in range(ylo, yhi):
                    iy = oy * sh - ph + i * dh
                    base = oy * ow
                    for ox in range(xlo, xhi):
                        x[n, c, iy, ox * sw + off] += cols[n, r, base + ox]


@njit(cache=True, nogil=True)
def col2im(cols, x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    """Add ``cols`` (N, C*kh*kw, oh*ow) onto ``x`` (N, C, H, W), the adjoint of ``im2col``."""
    N, C, H, W = x.shape
    for n in range(N):
        _col2im_one(cols, x, n, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


@njit(cache=True, nogil=True, parallel=True)
def col2im_par(cols, x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    N, C, H, W = x.shape
    for n in prange(N):
        _col2im_one(cols, x, n, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)


@njit(cache=True, nogil=True)
def add_bias(out, bias):
    """``out[n, o, :] += bias[o]`` for ``out`` (N, O, L)."""
    N, O, L = out.shape
    for n in range(N):
        for o in range(O):
            b = bias[o]
            for k in range(L):
                out[n, o, k] += b



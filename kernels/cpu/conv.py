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
    interval, computed up front so the inner copy has no bounds test; the arrays are read
    flat with uint64 indices so that copy vectorises for stride 1 (5x faster than indexing
    the 4-d arrays with signed ints). Threads split the batch above these kernels (Note
    [conv chunks] in tensorjit/nn/_functional_conv.py).
"""

from numba import njit, uint64


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
def im2col(x, cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    """Fill ``cols`` (N, C*kh*kw, oh*ow) from ``x`` (N, C, H, W) (Note [conv im2col])."""
    N, C, H, W = x.shape
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    L = oh * ow
    zero = cols.dtype.type(0)
    for n in range(N):
        for c in range(C):
            xc = uint64((n * C + c) * H * W)
            for i in range(kh):
                ylo, yhi = _valid(oh, sh, ph, dh, i, H)
                for j in range(kw):
                    xlo, xhi = _valid(ow, sw, pw, dw, j, W)
                    rb = uint64((((n * C + c) * kh + i) * kw + j) * L)
                    off = j * dw - pw
                    for oy in range(oh):
                        dst = rb + uint64(oy * ow)
                        if oy < ylo or oy >= yhi:
                            for t in range(uint64(ow)):
                                cf[dst + t] = zero
                            continue
                        iy = oy * sh - ph + i * dh
                        for t in range(uint64(xlo)):
                            cf[dst + t] = zero
                        src = xc + uint64(iy * W + xlo * sw + off)
                        d0 = dst + uint64(xlo)
                        m = uint64(xhi - xlo)
                        if sw == 1:
                            for t in range(m):
                                cf[d0 + t] = xf[src + t]
                        else:
                            s = uint64(sw)
                            for t in range(m):
                                cf[d0 + t] = xf[src + t * s]
                        for t in range(uint64(xhi), uint64(ow)):
                            cf[dst + t] = zero

@njit(cache=True, nogil=True)
def col2im(cols, x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
    """Add ``cols`` (N, C*kh*kw, oh*ow) onto ``x`` (N, C, H, W), the adjoint of ``im2col``."""
    N, C, H, W = x.shape
    xf = x.reshape(-1)
    cf = cols.reshape(-1)
    L = oh * ow
    for n in range(N):
        for c in range(C):
            xc = uint64((n * C + c) * H * W)
            for i in range(kh):
                ylo, yhi = _valid(oh, sh, ph, dh, i, H)
                for j in range(kw):
                    xlo, xhi = _valid(ow, sw, pw, dw, j, W)
                    rb = uint64((((n * C + c) * kh + i) * kw + j) * L)
                    off = j * dw - pw
                    m = uint64(max(xhi - xlo, 0))
                    for oy in range(ylo, yhi):
                        iy = oy * sh - ph + i * dh
                        src = rb + uint64(oy * ow + xlo)
                        dst = xc + uint64(iy * W + xlo * sw + off)
                        if sw == 1:
                            for t in range(m):
                                xf[dst + t] += cf[src + t]
                        else:
                            s = uint64(sw)
                            for t in range(m):
                                xf[dst + t * s] += cf[src + t]


@njit(cache=True, nogil=True)
def add_bias(out, bias):
    """``out[n, o, :] += bias[o]`` for ``out`` (N, O, L)."""
    N, O, L = out.shape
    for n in range(N):
        for o in range(O):
            b = bias[o]
            for k in range(L):
                out[n, o, k] += b



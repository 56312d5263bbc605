"""Hand-written kernels for masks and index checks (Note [row kernels]): generic ``@njit``
functions that Numba specialises per argument dtype. All arrays are 1-d and C-contiguous
unless said otherwise; ``compress``/``count`` see element-moving data as unsigned ints of
the element's size (Note [index layout] in index.py).
"""
import numpy as np
from numba import njit, prange


@njit(nogil=True, cache=True)
def first_out_of_range(idx, lo, hi):
    """Position of the first index outside ``[lo, hi)``, or -1."""
    for p in range(idx.shape[0]):
        v = idx[p]
        if v < lo or v >= hi:
            return p
    return -1


@njit(nogil=True, cache=True)
def count(mask, lo, hi):
    """Number of True elements of ``mask[lo:hi]``."""
    c = 0
    for p in range(lo, hi):
        c += mask[p]
    return c


@njit(nogil=True, cache=True)
def nonzero(mask, shape, out):
    """Write the row-major coordinates of every True element of flat ``mask`` (of ``shape``)
    into the rows of ``out`` (one row per True element, one column per dim)."""
    nd = shape.shape[0]
    coord = np.zeros(nd, np.int64)
    r = 0
    for p in range(mask.shape[0]):
        if mask[p]:
            for d in range(nd):
                out[r, d] = coord[d]
            r += 1
        d = nd - 1
        while d >= 0:
            coord[d] += 1
            if coord[d] < shape[d]:
                break
            coord[d] = 0
            d -= 1


@njit(nogil=True, cache=True)
def compress(x, mask, out, lo, hi, start, stop):
    """Copy ``x[p]`` for every True ``mask[p]``, p in ``[lo, hi)``, to ``out[start:stop]``.

    Branch-free (a 50% random mask defeats branch prediction): every element is written at
    the next free slot, which only advances past a selected one. Writing stops once ``stop``
    slots are filled, so nothing lands past this range (another chunk's)."""
    r = start
    p = lo
    while p < hi and r < stop:
        out[r] = x[p]
        r += 1 if mask[p] else 0
        p += 1


@njit(nogil=True, cache=True, parallel=True)
def compress_par(x, mask, out, nchunks):
    """``compress`` of the whole array in ``nchunks`` chunks: count per chunk, then write each
    chunk's selection from its prefix-sum start."""
    n = x.shape[0]
    chunk = (n + nchunks - 1) // nchunks
    counts = np.zeros(nchunks + 1, np.int64)
    for c in prange(nchunks):
        counts[c + 1] = count(mask, min(n, c * chunk), min(n, (c + 1) * chunk))
    for c in range(nchunks):
        counts[c + 1] += counts[c]
    for c in prange(nchunks):
        compress(x, mask, out, min(n, c * chunk), min(n, (c + 1) * chunk), counts[c], counts[c + 1])

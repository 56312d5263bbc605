"""Hand-written CUDA kernels for masks and index checks (Note [row kernels] in
tensorjit/_rows.py): generic ``@cuda.jit`` functions that Numba specialises per argument
dtype. Arrays are 1-d; element-moving data comes as unsigned ints of the element's size
(Note [index layout] in kernels/cpu/index.py).

Note [cuda compaction]
    ``nonzero`` and ``masked_select`` keep the selected elements in order with two passes
    over chunks of ``chunk`` elements, one block per chunk: ``block_counts`` counts each
    chunk's selected elements; the front end turns the counts into each chunk's first output
    slot (an exclusive prefix sum over a few thousand counts, on the host, which needs the
    total anyway to size the result); ``compact``/``coords`` then give every thread a
    consecutive run of its block's chunk, scan the threads' counts in shared memory
    (Hillis-Steele) and write each run from its first slot, so the output keeps the input's
    order. Blocks have at most ``SHARED`` threads.
"""
import numpy as np
from numba import cuda

SHARED = 256


@cuda.jit(cache=True)
def first_out_of_range(idx, n, lo, hi, res):
    """``res[0] = `` the lowest position p < n with ``idx[p]`` outside ``[lo, hi)`` (res[0] starts at n)."""
    p = cuda.grid(1)
    step = cuda.gridsize(1)
    while p < n:
        v = idx[p]
        if v < lo or v >= hi:
            cuda.atomic.min(res, 0, p)
        p += step


@cuda.jit(cache=True)
def block_counts(mask, off, n, chunk, counts):
    """``counts[c]`` = the number of True ``mask[off + j]`` for j in chunk c of ``[0, n)``."""
    sm = cuda.shared.array(SHARED, np.int64)
    tid = cuda.threadIdx.x
    nt = cuda.blockDim.x
    c = cuda.blockIdx.x
    lo = c * chunk
    hi = lo + chunk
    if hi > n:        # (no min(): Numba's CUDA target resolves it to a one-argument function)
        hi = n
    s = 0
    j = lo + tid
    while j < hi:
        if mask[off + j]:
            s += 1
        j += nt
    sm[tid] = s
    cuda.syncthreads()
    w = nt // 2
    while w > 0:
        if tid < w:
            sm[tid] += sm[tid + w]
        cuda.syncthreads()
        w //= 2
    if tid == 0:
        counts[c] = sm[0]


@cuda.jit(device=True)
def _run_start(mask, off, n, chunk, starts, sm):
    """(first position, end, first output slot) of this thread's run (Note [cuda compaction])."""
    tid = cuda.threadIdx.x
    nt = cuda.blockDim.x
    c = cuda.blockIdx.x
    per = (chunk + nt - 1) // nt
    lo = c * chunk + tid * per
    hi = lo + per
    if hi > c * chunk + chunk:
        hi = c * chunk + chunk
    if hi > n:
        hi = n
    cnt = 0
    for j in range(lo, hi):
        if mask[off + j]:
            cnt += 1
    sm[tid] = cnt
    cuda.syncthreads()
    d = 1
    while d < nt:
        v = 0
        if tid >= d:
            v = sm[tid - d]
        cuda.syncthreads()
        sm[tid] += v
        cuda.syncthreads()
        d *= 2
    return lo, hi, starts[c] + sm[tid] - cnt


@cuda.jit(cache=True)
def compact(x, xoff, mask, moff, n, chunk, starts, out):
    """``out`` = the ``x[xoff + j]`` with True ``mask[moff + j]``, in order (Note [cuda compaction])."""
    sm = cuda.shared.array(SHARED, np.int64)
    lo, hi, r = _run_start(mask, moff, n, chunk, starts, sm)
    for j in range(lo, hi):
        if mask[moff + j]:
            out[r] = x[xoff + j]
            r += 1


@cuda.jit(cache=True)
def coords(mask, moff, n, chunk, starts, shape, out, total):
    """Row-major coordinates of the True elements of ``mask`` (of ``shape``) into column-major
    ``out`` (``out[d * total + r]`` is coordinate d of the r-th), in order."""
    sm = cuda.shared.array(SHARED, np.int64)
    lo, hi, r = _run_start(mask, moff, n, chunk, starts, sm)
    nd = shape.shape[0]
    for j in range(lo, hi):
        if mask[moff + j]:
            q = j
            for e in range(nd):
                d = nd - 1 - e
                out[d * total + r] = q % shape[d]
                q //= shape[d]
            r += 1

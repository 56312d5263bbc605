"""Hand-written CUDA kernels for sorting rows (Note [row kernels] in tensorjit/_rows.py):
generic ``@cuda.jit`` functions that Numba specialises per key width.

Note [cuda sort]
    One block sorts one row (a grid-stride loop over rows, so rows run in parallel), on the
    CPU's unsigned keys (Note [sort keys] in kernels/cpu/sort.py, through its own ``_key``): so
    NaN sorts last, -0.0 ties with 0.0, and descending order flips the keys, exactly as on CPU.
    The sort is a bottom-up merge sort whose merges are fully parallel: after the keys and
    the identity indices are written, each pass of width ``w`` moves every element of a run
    straight to its place in the merged run of ``2w``, its offset in its own run plus its
    rank in the partner run found by binary search: the number of partner keys below it for
    the left run, at or below it for the right run, so equal keys keep their order (stable,
    as the CPU's radix sort). Passes ping-pong between two scratch rows; values are finally
    gathered from the input by index, keeping every element's exact bits.
"""
from numba import cuda

from tensorjit.kernels.cpu.sort import _key


@cuda.jit(device=True)
def _rank(keys, lo, hi, key, upper):
    """How many of ``keys[lo:hi]`` (sorted) are below ``key`` (at or below it when ``upper``)."""
    a = lo
    b = hi
    while a < b:
        mid = (a + b) // 2
        if keys[mid] < key or (upper and keys[mid] == key):
            a = mid + 1
        else:
            b = mid
    return a - lo


@cuda.jit(device=True)
def _merge(ks, js, kd, jd, base, k, w, p):
    """Move element ``p`` of the row at ``base`` from (ks, js) to its place after a merge pass."""
    start = (p // w) * w
    if (p // w) % 2 == 0:
        lo = start + w
        hi = start + 2 * w
        first = start
        upper = False
    else:
        lo = start - w
        hi = start
        first = start - w
        upper = True
    if lo > k:
        lo = k
    if hi > k:
        hi = k
    key = ks[base + p]
    dest = first + (p - start) + _rank(ks, base + lo, base + hi, key, upper)
    kd[base + dest] = key
    jd[base + dest] = js[base + p]


@cuda.jit(cache=True)
def sort_rows(x, xoff, vals, idx, ka, ja, kb, jb, k, sign, top, ones, flip, mode, m):
    """Sort each of the ``m`` rows of ``k`` elements of unsigned view ``x`` (from ``xoff``) into
    ``vals`` (the same view) and ``idx`` (int64), with scratch rows ka/ja, kb/jb (Note [cuda sort])."""
    tid = cuda.threadIdx.x
    nt = cuda.blockDim.x
    r = cuda.blockIdx.x
    while r < m:
        base = r * k
        i = tid
        while i < k:
            ka[base + i] = _key(x[xoff + base + i], mode, sign, top, ones, flip)
            ja[base + i] = i
            i += nt
        cuda.syncthreads()
        w = 1
        flipped = False
        while w < k:
            p = tid
            while p < k:
                if flipped:
                    _merge(kb, jb, ka, ja, base, k, w, p)
                else:
                    _merge(ka, ja, kb, jb, base, k, w, p)
                p += nt
            cuda.syncthreads()
            flipped = not flipped
            w *= 2
        i = tid
        while i < k:
            j = jb[base + i] if flipped else ja[base + i]
            idx[base + i] = j
            vals[base + i] = x[xoff + base + j]
            i += nt
        cuda.syncthreads()
        r += cuda.gridDim.x


@cuda.jit(cache=True)
def searchsorted(seq, soff, vals, voff, sorter, sroff, use_sorter, right, out, ks, kv, one, n):
    """Insertion points of the ``n`` values (rows of ``kv``) into the rows of ``ks`` of ``seq``
    (its only row when ``one``), PyTorch's bisection step for step as kernels/cpu/search.py's."""
    e = cuda.grid(1)
    step = cuda.gridsize(1)
    while e < n:
        r = e // kv
        sr = 0 if one else r
        v = vals[voff + e]
        start = 0
        end = ks
        while start < end:
            mid = start + ((end - start) >> 1)
            q = sorter[sroff + sr * ks + mid] if use_sorter else mid
            mv = seq[soff + sr * ks + q]
            go = not (mv > v) if right else not (mv >= v)
            if go:
                start = mid + 1
            else:
                end = mid
        out[e] = start
        e += step

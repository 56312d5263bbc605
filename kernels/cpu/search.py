"""Kernels of the searching and counting ops: unique, unique_consecutive, searchsorted, bucketize,
histc, bincount and isin. Their front end is tensorjit/ops/searching.py.

Generic ``@njit`` functions that Numba specialises per argument dtype on first call (Note [row
kernels] in tensorjit/_rows.py). Outputs and scratch arrays come from the caller; ``*_par``
variants are compiled only when an input is large enough to ask for them.

Note [order keys]
    unique, unique_consecutive and isin never compare elements in their own dtype: ``int_keys``
    and ``float_keys`` first map each element to a uint64 whose unsigned order is the elements'
    order, and the sorting, grouping and searching kernels exist once, for uint64 keys (a
    small compile budget: only the two key kernels and ``take_firsts`` are per dtype).
    Integers keep their two's complement bits with the sign bit flipped (signed) or as they
    are (unsigned, bool). Floats (float32 and float64, given as their bit patterns) set the
    sign bit of positive values and flip every bit of negative ones; -0.0 gets +0.0's key
    (they are equal) and every NaN gets NAN_KEY (all ones), above +inf's key. When a key
    array holds NaNs (``nan_keys``) two NAN_KEY keys are never equal: each NaN is its own
    unique value and matches nothing in isin, as in PyTorch. An integer key can be all ones
    too, but integer keys never have ``nan_keys`` set.

Note [radix argsort]
    ``argsort_keys`` is a stable least-significant-digit radix sort of uint64 keys: six passes
    of 11-bit digits, with one read of the keys counting all six digit histograms first. A
    pass whose digit is the same for every key moves nothing and is skipped, so 1e6 int64
    values below 2048 sort in one pass. Stability makes the first element of a run of equal
    keys its earliest occurrence in the input, which is the element ``take_firsts`` returns.
"""
import numpy as np
from numba import njit, prange

from tensorjit.kernels.cpu.half import f2h, h2f

NAN_KEY = np.uint64(0xFFFFFFFFFFFFFFFF)
_BITS = 11
_RADIX = 1 << _BITS
_PASSES = 6
_MASK = np.uint64(_RADIX - 1)
# Below this many keys an insertion sort beats six digit histograms.
_SMALL = 64


# -- order keys (Note [order keys]) ----------------------------------------------------------
@njit(cache=True, nogil=True)
def int_keys(a, keys, flip):
    """Keys of integer or bool ``a``: ``flip`` is the sign bit for signed dtypes, else 0."""
    for i in range(a.shape[0]):
        keys[i] = np.uint64(np.int64(a[i])) ^ flip


@njit(cache=True, nogil=True)
def float_keys(bits, keys, sign, inf):
    """Keys of floats given as their uint32/uint64 bit patterns; ``sign`` is the sign bit and
    ``inf`` the bits of +inf. Returns the number of NaNs."""
    width = sign | (sign - np.uint64(1))
    absmask = sign - np.uint64(1)
    nan = 0
    for i in range(bits.shape[0]):
        b = np.uint64(bits[i])
        mag = b & absmask
        if mag > inf:
            keys[i] = NAN_KEY
            nan += 1
        elif mag == 0:
            keys[i] = sign
        elif b & sign:
            keys[i] = ~b & width
        else:
            keys[i] = b | sign
    return nan


# -- sorting and runs ------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def argsort_keys(keys, perm, tmp_keys, tmp_perm):
    """Stable radix argsort of uint64 ``keys`` (Note [radix argsort]). Sorts ``keys`` along.
    Returns 0 when the sorted keys and permutation end in (keys, perm), 1 when in
    (tmp_keys, tmp_perm)."""
    n = keys.shape[0]
    if n <= _SMALL:
        for i in range(n):
            perm[i] = i
        for i in range(1, n):
            k = keys[i]
            j = i - 1
            while j >= 0 and keys[j] > k:
                keys[j + 1] = keys[j]
                perm[j + 1] = perm[j]
                j -= 1
            keys[j + 1] = k
            perm[j + 1] = i
        return 0
    hist = np.zeros((_PASSES, _RADIX), np.int64)
    for i in range(n):
        k = keys[i]
        for p in range(_PASSES):
            hist[p, (k >> np.uint64(p * _BITS)) & _MASK] += 1
    src_k, src_p, dst_k, dst_p = keys, perm, tmp_keys, tmp_perm
    moved = False
    parity = 0
    for p in range(_PASSES):
        shift = np.uint64(p * _BITS)
        h = hist[p]
        if h[(keys[0] >> shift) & _MASK] == n:
            continue
        acc = 0
        for b in range(_RADIX):
            c = h[b]
            h[b] = acc
            acc += c
        if moved:
            for i in range(n):
                k = src_k[i]
                b = (k >> shift) & _MASK
                d = h[b]
                h[b] = d + 1
                dst_k[d] = k
                dst_p[d] = src_p[i]
        else:
            for i in range(n):
                k = src_k[i]
                b = (k >> shift) & _MASK
                d = h[b]
                h[b] = d + 1
                dst_k[d] = k
                dst_p[d] = i
            moved = True
        src_k, src_p, dst_k, dst_p = dst_k, dst_p, src_k, src_p
        parity ^= 1
    if not moved:
        for i in range(n):
            perm[i] = i
    return parity


@njit(cache=True, nogil=True)
def run_starts(keys, nan_keys, starts):
    """Start positions of the runs of equal adjacent ``keys`` into ``starts`` (one more slot
    than keys: ``starts[k] = n`` closes the last run); returns the number of runs ``k``."""
    n = keys.shape[0]
    k = 0
    for i in range(n):
        if i == 0 or keys[i] != keys[i - 1] or (nan_keys and keys[i] == NAN_KEY):
            starts[k] = i
            k += 1
    starts[k] = n
    return k


@njit(cache=True, nogil=True)
def fill_runs(starts, k, perm, use_perm, counts, want_counts, inverse, want_inverse):
    """Counts of the ``k`` runs, and the run of each element (``inverse``, indexed through
    ``perm`` when the runs are of sorted keys)."""
    for j in range(k):
        s = starts[j]
        e = starts[j + 1]
        if want_counts:
            counts[j] = e - s
        if want_inverse:
            if use_perm:
                for i in range(s, e):
                    inverse[perm[i]] = j
            else:
                for i in range(s, e):
                    inverse[i] = j


@njit(cache=True, nogil=True)
def take_firsts(a, starts, k, perm, use_perm, out):
    """The first element of each run (its earliest occurrence, Note [radix argsort])."""
    for j in range(k):
        s = starts[j]
        out[j] = a[perm[s] if use_perm else s]


# -- rows (unique along a dim) -----------------------------------------------------------------
@njit(cache=True, nogil=True)
def _row_cmp(r, a, b, nan_rank):
    # PyTorch's row order: the first column where one row's element is < or > the other's
    # decides; a NaN (rank >= nan_rank) is neither, so its column is passed over.
    for c in range(r.shape[1]):
        x = r[a, c]
        y = r[b, c]
        if x != y and x < nan_rank and y < nan_rank:
            return -1 if x < y else 1
    return 0


@njit(cache=True, nogil=True)
def _row_same(r, a, b):
    for c in range(r.shape[1]):
        if r[a, c] != r[b, c]:
            return False
    return True


@njit(cache=True, nogil=True)
def argsort_rows(r, nan_rank, perm, tmp):
    """Stable bottom-up merge sort of the row indices of 2-d ``r`` (ranks of elements; those
    from ``nan_rank`` up are NaNs) in lexicographic row order. Returns 0 when the permutation
    ends in ``perm``, 1 when in ``tmp``."""
    m = r.shape[0]
    for i in range(m):
        perm[i] = i
    src, dst = perm, tmp
    parity = 0
    width = 1
    while width < m:
        for lo in range(0, m, 2 * width):
            mid = min(lo + width, m)
            hi = min(lo + 2 * width, m)
            i, j, o = lo, mid, lo
            while i < mid and j < hi:
                if _row_cmp(r, src[j], src[i], nan_rank) < 0:
                    dst[o] = src[j]
                    j += 1
                else:
                    dst[o] = src[i]
                    i += 1
                o += 1
            while i < mid:
                dst[o] = src[i]
                i += 1
                o += 1
            while j < hi:
                dst[o] = src[j]
                j += 1
                o += 1
        src, dst = dst, src
        parity ^= 1
        width *= 2
    return parity


@njit(cache=True, nogil=True)
def row_run_starts(r, perm, use_perm, starts):
    """``run_starts`` over the rows of 2-d ``r`` (in ``perm`` order when ``use_perm``); rows
    of ranks are equal when their elements are (each NaN has its own rank)."""
    m = r.shape[0]
    k = 0
    prev = 0
    for i in range(m):
        cur = perm[i] if use_perm else i
        if i == 0 or not _row_same(r, prev, cur):
            starts[k] = i
            k += 1
        prev = cur
    starts[k] = m
    return k


@njit(cache=True, nogil=True)
def take_first_rows(a, starts, k, perm, use_perm, out):
    """The first row of each run of rows."""
    for j in range(k):
        s = starts[j]
        src = perm[s] if use_perm else s
        for c in range(a.shape[1]):
            out[j, c] = a[src, c]


# -- searchsorted ----------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def sorter_in_range(sorter, n):
    """Whether every index of ``sorter`` lies in [0, n)."""
    for i in range(sorter.shape[0]):
        for j in range(sorter.shape[1]):
            v = sorter[i, j]
            if v < 0 or v >= n:
                return False
    return True


@njit(cache=True, nogil=True)
def searchsorted(seq, vals, sorter, use_sorter, right, out, lo, hi):
    """Insertion points of the values at flat positions [lo, hi) of 2-d ``vals`` into the
    rows of ``seq`` (its only row when it has one). The bisection is PyTorch's step for step
    (``mid = start + (end - start) // 2``, moving right while ``!(mid >= v)``, or ``!(mid > v)``
    for ``right``), so NaN values and NaN boundaries land where PyTorch puts them."""
    kv = vals.shape[1]
    ks = seq.shape[1]
    one = seq.shape[0] == 1
    if hi <= lo:
        return
    r = lo // kv
    c = lo - r * kv
    for _ in range(lo, hi):
        sr = 0 if one else r
        v = vals[r, c]
        start = 0
        end = ks
        while start < end:
            mid = start + ((end - start) >> 1)
            mv = seq[sr, sorter[sr, mid]] if use_sorter else seq[sr, mid]
            go = not (mv > v) if right else not (mv >= v)
            start = mid + 1 if go else start
            end = end if go else mid
        out[r, c] = start
        c += 1
        if c == kv:
            c = 0
            r += 1


@njit(cache=True, nogil=True, parallel=True)
def searchsorted_par(seq, vals, sorter, use_sorter, right, out, nchunks):
    """``searchsorted`` over all values, in ``nchunks`` chunks under ``prange``."""
    n = vals.shape[0] * vals.shape[1]
    step = (n + nchunks - 1) // nchunks
    for t in prange(nchunks):
        searchsorted(seq, vals, sorter, use_sorter, right, out, t * step, min(n, (t + 1) * step))


# -- isin --------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def isin_keys(keys, sorted_test, nan_keys, invert, out, lo, hi):
    """Whether each key at [lo, hi) is among the sorted keys ``sorted_test`` (a branch-free
    binary search: ~log2(m) steps of a conditional move), xor ``invert``."""
    m = sorted_test.shape[0]
    for i in range(lo, hi):
        k = keys[i]
        found = False
        if m > 0 and not (nan_keys and k == NAN_KEY):
            base = 0
            n = m
            while n > 1:
                half = n >> 1
                base = base + half if sorted_test[base + half] <= k else base
                n -= half
            found = sorted_test[base] == k
        out[i] = found != invert


@njit(cache=True, nogil=True, parallel=True)
def isin_keys_par(keys, sorted_test, nan_keys, invert, out, nchunks):
    n = keys.shape[0]
    step = (n + nchunks - 1) // nchunks
    for t in prange(nchunks):
        isin_keys(keys, sorted_test, nan_keys, invert, out, t * step, min(n, (t + 1) * step))


@njit(cache=True, nogil=True)
def key_table(sorted_keys, table):
    """Mark ``table[key - sorted_keys[0]]`` for every key (``table`` spans the keys)."""
    table[:] = False
    lo = sorted_keys[0]
    for i in range(sorted_keys.shape[0]):
        table[sorted_keys[i] - lo] = True


@njit(cache=True, nogil=True)
def isin_table(keys, lo, table, invert, out):
    """``isin_keys`` through a ``key_table`` starting at key ``lo``."""
    span = np.uint64(table.shape[0])
    for i in range(keys.shape[0]):
        d = keys[i] - lo
        out[i] = (d < span and table[d]) != invert


# -- bincount ----------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def int_range(x):
    """(min, max) of non-empty integer ``x`` as int64."""
    lo = np.int64(x[0])
    hi = lo
    for i in range(x.shape[0]):
        v = np.int64(x[i])
        lo = min(lo, v)
        hi = max(hi, v)
    return lo, hi


@njit(cache=True, nogil=True)
def bincount(x, out, lo, hi):
    """Add one to ``out[x[i]]`` for i in [lo, hi); ``out`` is zeroed first."""
    out[:] = 0
    for i in range(lo, hi):
        out[x[i]] += 1


@njit(cache=True, nogil=True, parallel=True)
def bincount_par(x, out, part):
    """``bincount`` with one partial count array per chunk (the rows of ``part``), summed."""
    nchunks = part.shape[0]
    n = x.shape[0]
    step = (n + nchunks - 1) // nchunks
    for t in prange(nchunks):
        bincount(x, part[t], t * step, min(n, (t + 1) * step))
    nb = out.shape[0]
    for b in prange(nb):
        s = 0
        for t in range(nchunks):
            s += part[t, b]
        out[b] = s


@njit(cache=True, nogil=True)
def bincount_weighted(x, w, out):
    """Add ``w[i]`` to ``out[x[i]]`` in input order (PyTorch's summation order)."""
    out[:] = 0
    for i in range(x.shape[0]):
        out[x[i]] += w[i]


# -- histc -------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def float_range(a):
    """(min, max) of non-empty float ``a``; both NaN when any element is NaN."""
    lo = a[0]
    hi = a[0]
    for i in range(a.shape[0]):
        v = a[i]
        if v != v:
            return v, v
        lo = min(lo, v)
        hi = max(hi, v)
    return lo, hi


@njit(inline="always")
def _r(v, half):
    # PyTorch's float16 arithmetic rounds every intermediate result to float16.
    return h2f(f2h(v)) if half else v


@njit(cache=True, nogil=True)
def histc(a, left, right, nbins, width, bins, half, out):
    """Count the elements of ``a`` in [left, right] into ``bins`` equal bins, skipping the
    rest and NaN. An element goes to bin ``trunc((e - left) * nbins / width)`` computed in
    the input dtype (``half``: rounded to float16 at every step), the last bin taking its
    right edge: PyTorch's histc arithmetic, so elements on a bin edge land in the same bin.
    ``nbins`` is ``bins`` and ``width`` is ``right - left``, both in the input dtype."""
    out[:] = 0
    for i in range(a.shape[0]):
        e = a[i]
        if not (e >= left and e <= right):
            continue
        q = _r(_r(_r(e - left, half) * nbins, half) / width, half)
        if q >= nbins:
            pos = bins - 1
        elif q > 0:
            pos = min(np.int64(q), bins - 1)
        else:
            pos = 0
        out[pos] += 1

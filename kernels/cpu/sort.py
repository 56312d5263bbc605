"""Row kernels for sorting and order statistics (Note [row kernels] in tensorjit/_rows.py).

Note [sort keys]
    Every sort works on unsigned integer keys of the element's width: the front end views
    bool and integer rows as unsigned integers of the same width (float16 arrives as float32),
    and ``_key`` maps an element's bits to a key whose unsigned order is PyTorch's order:
    signed integers flip the sign bit; floats flip every bit of negatives and the sign bit of
    positives, -0.0 keys as +0.0 (they compare equal, so a stable sort keeps their order) and
    every NaN, whatever its sign and payload, keys as the largest value. Descending sorts
    flip every bit of the key, so equal elements keep their order there too. ``consts`` holds
    (sign bit, largest non-NaN magnitude, all ones, flip mask) in the key dtype; ``mode`` is 0
    for unsigned, 1 for signed and 2 for floating elements. The pickers after a sort
    (``pick_rows``, ``mode_rows``) read the sorted rows through the same unsigned views and
    compare keys, so every kernel here specialises per element width only (4 compiles).

Note [radix sort]
    Rows longer than SMALL sort by a least-significant-digit radix sort on bytes: one pass
    over the row computes every byte's histogram, bytes whose histogram has one full bucket
    are skipped (small integers, floats of one sign and magnitude range), and each remaining
    byte is one stable scatter of (key, index) pairs between the output rows and a scratch
    row. The first scatter reads indices as the identity, the last writes only indices, and
    values are finally gathered from the input by index, so outputs keep each element's
    exact bits (-0.0, NaN payloads). Shorter rows use an insertion sort. Both are stable.
"""
import numpy as np
from numba import njit, prange

SMALL = 32


@njit(cache=True, nogil=True, inline="always")
def _key(k, mode, sign, top, ones, flip):
    # Note [sort keys]
    if mode == 1:
        k = k ^ sign
    elif mode == 2:
        a = k & (sign - 1)
        if a > top:
            k = ones
        elif a == 0:
            k = sign
        elif k & sign:
            k = k ^ ones
        else:
            k = k | sign
    return k ^ flip


@njit(cache=True, nogil=True)
def _sort_row(xr, vr, ir, kb, ib, counts, consts, mode):
    # Sort one row xr into values vr and indices ir (Note [radix sort]); kb, ib are scratch.
    n = xr.shape[0]
    sign, top, ones, flip = consts[0], consts[1], consts[2], consts[3]
    if n <= SMALL:
        for i in range(n):
            k = _key(xr[i], mode, sign, top, ones, flip)
            j = i
            while j > 0 and vr[j - 1] > k:
                vr[j] = vr[j - 1]
                ir[j] = ir[j - 1]
                j -= 1
            vr[j] = k
            ir[j] = i
        for j in range(n):
            vr[j] = xr[ir[j]]
        return
    # Keys go to scratch first, in loops without per-element mode branches (they vectorise).
    if mode == 0:
        for i in range(n):
            kb[i] = xr[i] ^ flip
    elif mode == 1:
        sf = sign ^ flip
        for i in range(n):
            kb[i] = xr[i] ^ sf
    else:
        for i in range(n):
            kb[i] = _key(xr[i], 2, sign, top, ones, flip)
    nbytes = counts.shape[0]
    counts[:, :] = 0
    for i in range(n):
        k = kb[i]
        for b in range(nbytes):
            counts[b, np.intp((k >> np.uint64(8 * b)) & np.uint64(255))] += 1
    k0 = kb[0]
    active = np.empty(nbytes, np.intp)
    npass = 0
    for b in range(nbytes):
        if counts[b, np.intp((k0 >> np.uint64(8 * b)) & np.uint64(255))] != n:
            active[npass] = b
            npass += 1
    if npass == 0:
        for i in range(n):
            ir[i] = i
    elif npass % 2 == 0:
        # The first pass writes to scratch: move the keys out of its way.
        vr[:] = kb
    offs = np.empty(256, np.int64)
    for p in range(npass):
        b = active[p]
        acc = 0
        for d in range(256):
            c = counts[b, d]
            offs[d] = acc
            acc += c
        sh = np.uint64(8 * b)
        # Passes alternate between the output rows and the scratch rows so that the last
        # one lands in the output.
        if (npass - 1 - p) % 2 == 0:
            sk, si, dk, di = kb, ib, vr, ir
        else:
            sk, si, dk, di = vr, ir, kb, ib
        last = p == npass - 1
        if p == 0 and last:
            for i in range(n):
                d = np.intp((sk[i] >> sh) & np.uint64(255))
                q = offs[d]
                offs[d] = q + 1
                di[q] = i
        elif p == 0:
            for i in range(n):
                k = sk[i]
                d = np.intp((k >> sh) & np.uint64(255))
                q = offs[d]
                offs[d] = q + 1
                dk[q] = k
                di[q] = i
        elif last:
            for i in range(n):
                d = np.intp((sk[i] >> sh) & np.uint64(255))
                q = offs[d]
                offs[d] = q + 1
                di[q] = si[i]
        else:
            for i in range(n):
                k = sk[i]
                d = np.intp((k >> sh) & np.uint64(255))
                q = offs[d]
                offs[d] = q + 1
                dk[q] = k
                di[q] = si[i]
    for j in range(n):
        vr[j] = xr[ir[j]]


@njit(cache=True, nogil=True)
def _sort_range(x, vals, idx, kb, ib, consts, mode, r0, r1):
    counts = np.empty((x.itemsize, 256), np.int64)
    for r in range(r0, r1):
        _sort_row(x[r], vals[r], idx[r], kb, ib, counts, consts, mode)


@njit(cache=True, nogil=True)
def sort_rows(x, vals, idx, kbuf, ibuf, consts, mode):
    """Sort each row of unsigned-key array ``x`` into ``vals`` and ``idx`` (Note [sort keys]);
    ``kbuf`` (1, K) and ``ibuf`` (1, K) are scratch."""
    _sort_range(x, vals, idx, kbuf[0], ibuf[0], consts, mode, 0, x.shape[0])


@njit(cache=True, nogil=True, parallel=True)
def sort_rows_par(x, vals, idx, kbuf, ibuf, consts, mode):
    """``sort_rows`` with the rows split into ``kbuf.shape[0]`` chunks run in parallel."""
    m = x.shape[0]
    t = kbuf.shape[0]
    for c in prange(t):
        _sort_range(x, vals, idx, kbuf[c], ibuf[c], consts, mode, c * m // t, (c + 1) * m // t)


@njit(cache=True, nogil=True, inline="always")
def _is_nan(v, consts, mode):
    return mode == 2 and (v & (consts[0] - 1)) > consts[1]


@njit(cache=True, nogil=True)
def pick_rows(sv, si, k, how, ov, oi, consts, mode):
    """One order statistic per sorted row (values ``sv`` as unsigned keys' source bits,
    indices ``si``, NaNs last; ``consts`` and ``mode`` as in Note [sort keys]): ``how`` 0
    takes position ``k``; 1 the lower median, or the first NaN if the row has one; 2 the lower
    median of the non-NaN values, or the first NaN when all are NaN."""
    m, n = sv.shape
    for r in range(m):
        nnan = 0
        if how != 0:
            while nnan < n and _is_nan(sv[r, n - 1 - nnan], consts, mode):
                nnan += 1
        if how == 0:
            p = k
        elif how == 1:
            p = n - nnan if nnan > 0 else (n - 1) // 2
        else:
            p = (n - nnan - 1) // 2 if nnan < n else 0
        ov[r] = sv[r, p]
        oi[r] = si[r, p]


@njit(cache=True, nogil=True)
def mode_rows(sv, si, ov, oi, consts, mode):
    """The most frequent value of each stably sorted row (the smallest on ties; elements are
    equal when their sort keys are, so -0.0 equals 0.0 and NaNs equal each other) and the
    largest index holding it: the last of its run."""
    m, n = sv.shape
    sign, top, ones = consts[0], consts[1], consts[2]
    zero = sign ^ sign
    for r in range(m):
        best = 0
        run = 0
        for j in range(n):
            run += 1
            if j + 1 < n and _key(sv[r, j], mode, sign, top, ones, zero) == \
                    _key(sv[r, j + 1], mode, sign, top, ones, zero):
                continue
            if run > best:
                best = run
                ov[r] = sv[r, j]
                oi[r] = si[r, j]
            run = 0


@njit(cache=True, nogil=True)
def quantile_rows(sv, q, how, half, out):
    """Quantiles ``q`` (in the input's float dtype) of each sorted row of ``sv`` (NaNs last)
    into ``out[j, r]``, as PyTorch computes them. ``how``: 0 linear, 1 lower, 2 higher,
    3 midpoint, 4 nearest, plus 8 to skip NaNs (nanquantile). ``half`` holds (0.5, 1) in the
    input's dtype so the arithmetic stays in it."""
    m, n = sv.shape
    skip = how >= 8
    mode = how & 7
    f = np.empty(1, q.dtype)
    for r in range(m):
        nnan = 0
        while nnan < n and sv[r, n - 1 - nnan] != sv[r, n - 1 - nnan]:
            nnan += 1
        # Ranks are computed in the input's dtype, as PyTorch does (q * last index).
        f[0] = (n - nnan - 1) if skip else (n - 1)
        for j in range(q.shape[0]):
            rank = q[j] * f[0]
            if skip and rank < 0:
                rank = half[1] - half[1]
            elif not skip and nnan > 0:
                rank = f[0]
            if mode == 1:
                rank = np.floor(rank)
            elif mode == 2:
                rank = np.ceil(rank)
            elif mode == 4:
                rank = np.round(rank)
            lo = np.floor(rank)
            below = sv[r, np.intp(lo)]
            if mode == 0 or mode == 3:
                w = half[0] if mode == 3 else rank - lo
                above = sv[r, np.intp(np.ceil(rank))]
                # PyTorch's lerp: from the nearer end for accuracy.
                if abs(w) < half[0]:
                    below = below + w * (above - below)
                else:
                    below = above - (above - below) * (half[1] - w)
            out[j, r] = below

"""Blocked matrix-product kernels for the dtypes without a BLAS: integers (Note [integer matmul]
    ``out[p] = a[ia[p]] @ bt[ib[p]].T`` for C-contiguous 3-d ``a`` (Ba, M, K), ``bt`` (Bb, N, K)
    (``b`` transposed: each column of ``b`` is a contiguous row) and ``out`` (P, M, N);
    ``ia``/``ib`` map each output batch to its operands' batches, so a broadcast batch dim is
    never materialised. The front end copies other layouts to this one: a copy is O(n^2)
    against the product's O(n^3). Each 4x4 tile of ``out`` is sixteen dot products over ``K``
    run side by side: the loop over ``K`` reads four rows of ``a`` and four of ``bt``
    contiguously and keeps the sixteen sums in registers, which LLVM vectorises (integer sums
    reassociate exactly). Sums run in 64-bit (``zero`` is a uint64 0) and are truncated on the
    store, which is the product modulo 2^bits: exactly the wraparound of PyTorch's same-dtype
    integer matmul, and the same bits for a signed dtype as for the unsigned one of its width
    (so the front end passes unsigned views and four specialisations serve all eight integer
    dtypes). Tasks are (batch, ROWS-row slab) pairs, spread over the parallel pool for large
    products.
"""
from numba import njit, prange

ROWS = 64   # rows of out per task


@njit(cache=True, nogil=True, error_model="numpy")
def _task(a, bt, out, ia, ib, t, tasks_per_batch, zero):
    p = t // tasks_per_batch
    r0 = (t % tasks_per_batch) * ROWS
    m, k, n = a.shape[1], a.shape[2], bt.shape[1]
    r1 = min(r0 + ROWS, m)
    a2 = a[ia[p]]
    b2 = bt[ib[p]]
    o2 = out[p]
    for i in range(r0, r1, 4):
        for j in range(0, n, 4):
            if i + 4 <= r1 and j + 4 <= n:
                x0, x1, x2, x3 = a2[i], a2[i + 1], a2[i + 2], a2[i + 3]
                y0, y1, y2, y3 = b2[j], b2[j + 1], b2[j + 2], b2[j + 3]
                s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = zero
                s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = zero
                for kk in range(k):
                    p0, p1, p2, p3 = x0[kk], x1[kk], x2[kk], x3[kk]
                    q0, q1, q2, q3 = y0[kk], y1[kk], y2[kk], y3[kk]
                    s00 += p0 * q0
                    s01 += p0 * q1
                    s02 += p0 * q2
                    s03 += p0 * q3
                    s10 += p1 * q0
                    s11 += p1 * q1
                    s12 += p1 * q2
                    s13 += p1 * q3
                    s20 += p2 * q0
                    s21 += p2 * q1
                    s22 += p2 * q2
                    s23 += p2 * q3
                    s30 += p3 * q0
                    s31 += p3 * q1
                    s32 += p3 * q2
                    s33 += p3 * q3
                o2[i, j], o2[i, j + 1], o2[i, j + 2], o2[i, j + 3] = s00, s01, s02, s03
                o2[i + 1, j], o2[i + 1, j + 1], o2[i + 1, j + 2], o2[i + 1, j + 3] = s10, s11, s12, s13
                o2[i + 2, j], o2[i + 2, j + 1], o2[i + 2, j + 2], o2[i + 2, j + 3] = s20, s21, s22, s23
                o2[i + 3, j], o2[i + 3, j + 1], o2[i + 3, j + 2], o2[i + 3, j + 3] = s30, s31, s32, s33
            else:
                for ii in range(i, min(i + 4, r1)):
                    xr = a2[ii]
                    for jj in range(j, min(j + 4, n)):
                        yr = b2[jj]
                        acc = zero
                        for kk in range(k):
                            acc += xr[kk] * yr[kk]
                        o2[ii, jj] = acc


@njit(cache=True, nogil=True, error_model="numpy")
def matmul(a, bt, out, ia, ib, zero):
    """Note [integer matmul], one thread."""
    tpb = (a.shape[1] + ROWS - 1) // ROWS
    for t in range(out.shape[0] * tpb):
        _task(a, bt, out, ia, ib, t, tpb, zero)


@njit(cache=True, nogil=True, parallel=True, error_model="numpy")
def matmul_par(a, bt, out, ia, ib, zero):
    """Note [integer matmul], tasks spread over the parallel pool."""
    tpb = (a.shape[1] + ROWS - 1) // ROWS
    for t in prange(out.shape[0] * tpb):
        _task(a, bt, out, ia, ib, t, tpb, zero)

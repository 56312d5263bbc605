"""Kernels of the sparse tensors (Note [row kernels] in tensorjit/_rows.py: generic ``@njit``
functions that Numba specialises per dtype on first call): the products, and the int64 index
work behind coalesce and the layout conversions (one compile each, shared by every dtype).

Note [csr products]
    A CSR matrix is ``crow`` (rows + 1 offsets), ``col`` and ``val`` (nnz each), all C-contiguous;
    indices are int64. ``csr_dense`` computes ``out[i, :] = sum_j val[j] * b[col[j], :]`` for a
    C-contiguous dense ``b``: each non-zero scales one contiguous row of ``b`` into an
    accumulator row that stays in L1, so the inner loop over the output columns vectorises.
    The parallel variant gives each thread whole rows (a block of rows holding about the same
    number of non-zeros), so no two threads write one output row. ``csr_csr_*`` is Gustavson's
    row-by-row product: a first pass counts each output row's distinct columns with a marker
    array, a second writes the columns (sorted per row) and their summed values. Index
    arithmetic is in uint64 where it feeds the vectorised loops (see PERFORMANCE: signed
    index arithmetic blocks vectorisation).
"""
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

# Non-zeros ahead whose row of ``b`` is prefetched (Note [csr prefetch]).
PREFETCH_AHEAD = 16


@intrinsic
def _prefetch(typingctx, arr, idx):
    """Hint the cache to load element ``idx`` of 1-d ``arr`` (LLVM's prefetch: read, high
    locality, data); it never faults, so an index past the end is harmless."""
    def codegen(context, builder, signature, args):
        aty = signature.args[0]
        ary = context.make_array(aty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aty, ary, [args[1]], wraparound=False,
                                       boundscheck=False)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()
    return types.void(arr, idx), codegen


# Note [csr prefetch]
#     Each non-zero reads one row of ``b`` at a random place: the product waits on memory
#     latency, not bandwidth, and two threads on one core's hyperthreads do not hide it. So
#     while non-zero j is summed, the row of non-zero j + PREFETCH_AHEAD is prefetched, one
#     hint per cache line (``line`` elements): 1.5x on a 1e5 x 1e5 matrix with 1e6 non-zeros.
@njit(cache=True, nogil=True)
def _rows_into(crow, col, val, b, out, r0, r1, acc, line):
    n = b.shape[1]
    flat = b.reshape(-1)
    nnz = len(col)
    un = np.uint64(n)
    for i in range(r0, r1):
        for c in range(n):
            acc[c] = 0
        for j in range(crow[i], crow[i + 1]):
            ahead = j + PREFETCH_AHEAD
            if ahead < nnz:
                base = np.uint64(col[ahead]) * un
                for q in range(0, n, line):
                    _prefetch(flat, base + np.uint64(q))
            v = val[j]
            k = np.uint64(col[j])
            for c in range(n):
                acc[c] += v * b[k, c]
        for c in range(n):
            out[i, c] = acc[c]


@njit(cache=True, nogil=True)
def csr_dense(crow, col, val, b, out, line):
    """``out = A @ b`` for CSR ``A`` (Note [csr products]), serial; ``line``: elements of ``b``
    per cache line (Note [csr prefetch])."""
    acc = np.empty(b.shape[1], out.dtype)
    _rows_into(crow, col, val, b, out, 0, out.shape[0], acc, line)


@njit(cache=True, nogil=True, parallel=True)
def csr_dense_par(crow, col, val, b, out, bounds, line):
    """``csr_dense`` over the row blocks ``bounds[t]:bounds[t + 1]``, one block per task."""
    for t in prange(len(bounds) - 1):
        acc = np.empty(b.shape[1], out.dtype)
        _rows_into(crow, col, val, b, out, bounds[t], bounds[t + 1], acc, line)


@njit(cache=True, nogil=True)
def csr_csr_count(acrow, acol, bcrow, bcol, ncols, crow):
    """First pass of Gustavson's product (Note [csr products]): ``crow`` of ``A @ B``."""
    mark = np.full(ncols, -1, np.int64)
    crow[0] = 0
    for i in range(len(acrow) - 1):
        cnt = 0
        for j in range(acrow[i], acrow[i + 1]):
            k = acol[j]
            for q in range(bcrow[k], bcrow[k + 1]):
                c = bcol[q]
                if mark[c] != i:
                    mark[c] = i
                    cnt += 1
        crow[i + 1] = crow[i] + cnt


@njit(cache=True, nogil=True)
def csr_csr_fill(acrow, acol, aval, bcrow, bcol, bval, ncols, crow, col, val):
    """Second pass: the sorted columns and summed values of each row of ``A @ B``."""
    # pos[c]: where column c sits in the output; a position before the row's start is stale.
    pos = np.full(ncols, -1, np.int64)
    for i in range(len(acrow) - 1):
        start = crow[i]
        end = start
        for j in range(acrow[i], acrow[i + 1]):
            k = acol[j]
            a = aval[j]
            for q in range(bcrow[k], bcrow[k + 1]):
                c = bcol[q]
                p = pos[c]
                if p < start:
                    pos[c] = end
                    col[end] = c
                    val[end] = a * bval[q]
                    end += 1
                else:
                    val[p] += a * bval[q]
        # Sort the row's columns: an insertion sort, since rows of a sparse product are short.
        for x in range(start + 1, end):
            c = col[x]
            v = val[x]
            y = x - 1
            while y >= start and col[y] > c:
                col[y + 1] = col[y]
                val[y + 1] = val[y]
                y -= 1
            col[y + 1] = c
            val[y + 1] = v


# -- index structure (int64 only: one compile each, whatever the value dtype) --------------
@njit(cache=True, nogil=True)
def linear_keys(idx, strides, keys):
    """``keys[j] = sum_d idx[d, j] * strides[d]``: the row-major position of entry ``j``."""
    for j in range(idx.shape[1]):
        k = 0
        for d in range(idx.shape[0]):
            k += idx[d, j] * strides[d]
        keys[j] = k


@njit(cache=True, nogil=True)
def unravel(keys, shape, idx):
    """The inverse of ``linear_keys``: ``idx[:, j]`` of row-major position ``keys[j]``."""
    for j in range(len(keys)):
        k = keys[j]
        for d in range(len(shape) - 1, -1, -1):
            idx[d, j] = k % shape[d]
            k //= shape[d]


@njit(cache=True, nogil=True)
def runs(sorted_keys, inverse, firsts):
    """Number the runs of equal ``sorted_keys``: ``inverse[j]`` is the run of entry ``j`` and
    ``firsts[r]`` the key of run ``r``; returns the number of runs."""
    r = -1
    for j in range(len(sorted_keys)):
        if j == 0 or sorted_keys[j] != sorted_keys[j - 1]:
            r += 1
            firsts[r] = sorted_keys[j]
        inverse[j] = r
    return r + 1


@njit(cache=True, nogil=True)
def compress(rows, crow):
    """``crow`` (rows + 1 offsets) of the sorted row indices ``rows``."""
    crow[:] = 0
    for j in range(len(rows)):
        crow[rows[j] + 1] += 1
    for i in range(1, len(crow)):
        crow[i] += crow[i - 1]


@njit(cache=True, nogil=True)
def expand(crow, rows):
    """The row index of every stored element of a CSR matrix (``compress`` inverted)."""
    for i in range(len(crow) - 1):
        for j in range(crow[i], crow[i + 1]):
            rows[j] = i


@njit(cache=True, nogil=True)
def index_bounds(idx, lo, hi):
    """The smallest and largest index of each row of ``idx`` (the factories' checks)."""
    for d in range(idx.shape[0]):
        a = idx[d, 0]
        b = a
        for j in range(1, idx.shape[1]):
            v = idx[d, j]
            if v < a:
                a = v
            if v > b:
                b = v
        lo[d] = a
        hi[d] = b


@njit(cache=True, nogil=True)
def csr_decreasing(crow):
    """The first row whose offsets decrease (``crow[i + 1] < crow[i]``), or -1."""
    for i in range(len(crow) - 1):
        if crow[i + 1] < crow[i]:
            return i
    return -1

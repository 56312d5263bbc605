"""Products with sparse operands: ``matmul`` / ``@``, ``mm``, ``mv``, ``addmm`` (routed here by the
public functions of tensorjit/ops/blas.py, Note [layout dispatch]).

Note [sparse products]
    Results follow PyTorch: sparse @ dense and dense @ sparse are dense; CSR @ CSR is CSR and
    COO @ COO is COO (coalesced); mixing COO and CSR raises. Every product runs the CSR
    kernels of kernels/cpu/sparse.py (Note [csr products]): a COO operand is compressed
    first, and ``dense @ sparse`` is computed as ``(sparse.T @ dense.T).T``. Both operands
    have one dtype, as for dense products; float16 computes in float32 and rounds once.
    Integer dtypes run the same kernels (PyTorch's CSR products refuse them), bool is refused.
    A product over ``PARALLEL_WORK`` multiply-adds or more runs on the thread pool, each
    thread on whole rows holding about the same number of non-zeros; the kernel prefetches
    the rows of the dense operand it will need (Note [csr prefetch] in kernels/cpu/sparse.py).
"""
from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._dispatch import get_num_threads
from .._layouts import register, unsupported
from .._shape import contiguous_strides
from .._storage import allocate
from .._tensor import Tensor, make_dense
from ._tensor import SparseCOOTensor, SparseCSRTensor, make_csr
from ._convert import to_coo, to_csr

_SPARSE = (SparseCOOTensor, SparseCSRTensor)
_int64 = _dtypes.int64
# Multiply-adds (nnz x output columns) from which the parallel kernel runs.
PARALLEL_WORK = 1 << 17
# Row blocks per thread: spreads uneven rows without a task per row.
_TASKS_PER_THREAD = 4


def _kernels():
    from .._rows import kernels
    return kernels("sparse")


def _karr(t, cd):
    """The kernel array of dense ``t`` in compute dtype ``cd``: C-contiguous, no copy when it
    already is."""
    if t._dtype is not cd:
        t = t.to(cd)
    t = t.contiguous()
    n = 1
    for d in t._shape:
        n *= d
    return t._data[t._offset:t._offset + n].reshape(t._shape)


def _compute(d):
    return _dtypes.float32 if d is _dtypes.float16 else d


def _check_dtypes(a, b, op):
    from ..ops.blas import TORCH_NAMES, check_numeric
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{op}(): expected both operands to have the same dtype, but got "
                           f"{TORCH_NAMES[a._dtype.name]} and {TORCH_NAMES[b._dtype.name]} (a sparse operand: "
                           f"{'x'.join(map(str, a._shape))} and {'x'.join(map(str, b._shape))})")
    check_numeric(a._dtype, op)


def _check_inner(m, k, k2, n, op):
    if k != k2:
        raise RuntimeError(f"{op}(): mat1 and mat2 shapes cannot be multiplied ({m}x{k} and {k2}x{n})")


def _csr_arrays(s):
    """(crow, col, values) of 2-d sparse ``s`` as kernel arrays (int64 indices, compute dtype)."""
    c = to_csr(s)
    cd = _compute(c._dtype)
    return _karr(c._crow.to(_int64), _int64), _karr(c._col.to(_int64), _int64), _karr(c._vals, cd)


def _line(a):
    # Elements of kernel array ``a`` per 64-byte cache line (Note [csr prefetch]).
    return max(1, 64 // a.itemsize)


def csr_dense(s, b):
    """``s @ b`` for 2-d sparse ``s`` and 2-d dense ``b`` of one dtype: a new dense tensor."""
    m, n = s._shape[0], b._shape[1]
    d = s._dtype
    cd = _compute(d)
    crow, col, val = _csr_arrays(s)
    barr = _karr(b, cd)
    data = allocate(m * n, cd)
    out = data.reshape(m, n)
    if m * n:
        k = _kernels()
        work = len(val) * n
        threads = get_num_threads()
        if work >= PARALLEL_WORK and threads > 1 and m > 1:
            tasks = min(m, threads * _TASKS_PER_THREAD)
            # Row blocks of about equal non-zeros (+ rows, so empty rows count too).
            weight = crow + np.arange(m + 1, dtype=np.int64)
            bounds = np.searchsorted(weight, np.linspace(0, weight[-1], tasks + 1)).astype(np.int64)
            bounds[0], bounds[-1] = 0, m
            k.csr_dense_par(crow, col, val, barr, out, bounds, _line(barr))
        else:
            k.csr_dense(crow, col, val, barr, out, _line(barr))
    r = make_dense(data, (m, n), contiguous_strides((m, n)), 0, cd)
    return r if cd is d else r.to(d)


def csr_csr(a, b):
    """``a @ b`` of two 2-d sparse tensors: (crow, col, values) tensors of the CSR product."""
    m, n = a._shape[0], b._shape[1]
    d = a._dtype
    cd = _compute(d)
    acrow, acol, aval = _csr_arrays(a)
    bcrow, bcol, bval = _csr_arrays(b)
    k = _kernels()
    crow = allocate(m + 1, _int64)
    k.csr_csr_count(acrow, acol, bcrow, bcol, max(n, 1), crow)
    nnz = int(crow[-1])
    col, val = allocate(nnz, _int64), allocate(nnz, cd)
    if nnz:
        k.csr_csr_fill(acrow, acol, aval, bcrow, bcol, bval, max(n, 1), crow, col, val)
    vals = make_dense(val, (nnz,), (1,), 0, cd)
    return (make_dense(crow, (m + 1,), (1,), 0, _int64), make_dense(col, (nnz,), (1,), 0, _int64),
            vals if cd is d else vals.to(d))


def _sparse_t(s):
    """The transpose of 2-d sparse ``s`` as COO (CSR has no CSR transpose view)."""
    return to_coo(s).transpose(0, 1)


def _product(a, b, op):
    """The 2-d product ``a @ b`` where at least one operand is sparse (Note [sparse products])."""
    _check_dtypes(a, b, op)
    _check_inner(a._shape[0], a._shape[1], b._shape[0], b._shape[1], op)
    sa, sb = type(a) in _SPARSE, type(b) in _SPARSE
    if sa and sb:
        if type(a) is not type(b):
            raise unsupported(op, "sparse_coo and sparse_csr", f"a {a.layout} and a {b.layout} operand")
        crow, col, vals = csr_csr(a, b)
        c = make_csr(crow, col, vals, (a._shape[0], b._shape[1]))
        return c if type(a) is SparseCSRTensor else to_coo(c)
    if sa:
        if type(b) is not Tensor:
            raise unsupported(op, b._dispatch_key)
        return csr_dense(a, b)
    if type(a) is not Tensor:
        raise unsupported(op, a._dispatch_key)
    return csr_dense(_sparse_t(b), a.t()).t().contiguous()


def _finish(r, out, op):
    if out is None:
        return r
    if type(r) is not Tensor or type(out) is not Tensor:
        raise unsupported(op, r._dispatch_key, "out= for a sparse result")
    from ..ops.blas import check_out, finish
    check_out(out, r._dtype, op)
    return finish(r, out, op)


def _key_of(*xs):
    return next(x._dispatch_key for x in xs if type(x) in _SPARSE)


def _require_2d(x, op, what, key):
    if x.ndim != 2:
        raise unsupported(op, key, f"{what} has {x.ndim} dims: products with a sparse operand take matrices "
                                   "(no batches)")


def _matmul(input, other, *, out=None):
    from ..ops.blas import check_tensor
    check_tensor(input, "matmul")
    check_tensor(other, "matmul", "other")
    if other.ndim == 1 and type(other) is Tensor and type(input) in _SPARSE:
        return _mv(input, other, out=out, _op="matmul")
    key = _key_of(input, other)
    _require_2d(input, "matmul", "input", key)
    _require_2d(other, "matmul", "other", key)
    return _finish(_product(input, other, "matmul"), out, "matmul")


def _mm(input, mat2, *, out=None):
    from ..ops.blas import check_tensor
    check_tensor(input, "mm")
    check_tensor(mat2, "mm", "mat2")
    key = _key_of(input, mat2)
    _require_2d(input, "mm", "self", key)
    _require_2d(mat2, "mm", "mat2", key)
    return _finish(_product(input, mat2, "mm"), out, "mm")


def _mv(input, vec, *, out=None, _op="mv"):
    from ..ops.blas import check_tensor
    check_tensor(input, _op)
    check_tensor(vec, _op, "vec")
    if type(input) not in _SPARSE or type(vec) is not Tensor:
        raise unsupported(_op, _key_of(input, vec), "a sparse vector")
    _require_2d(input, _op, "input", input._dispatch_key)
    if vec.ndim != 1:
        raise RuntimeError(f"{_op}(): vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    _check_dtypes(input, vec, _op)
    if input._shape[1] != vec._shape[0]:
        raise RuntimeError(f"{_op}(): size mismatch, got input ({input._shape[0]}), mat "
                           f"({input._shape[0]}x{input._shape[1]}), vec ({vec._shape[0]})")
    return _finish(csr_dense(input, vec.unsqueeze(1)).squeeze(1), out, _op)


def _addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    from ..ops.blas import _check_input_shape, _scaled, TORCH_NAMES
    if type(input) is not Tensor:
        raise unsupported("addmm", _key_of(input, mat1, mat2), "a sparse input (the result is dense)")
    prod = _mm(mat1, mat2)
    if type(prod) is not Tensor:
        raise unsupported("addmm", _key_of(mat1, mat2), "sparse @ sparse")
    _check_input_shape(input, prod._shape, "addmm")
    if input._dtype is not prod._dtype:
        raise RuntimeError(f"addmm(): self and mat2 must have the same dtype, but got "
                           f"{TORCH_NAMES[input._dtype.name]} and {TORCH_NAMES[prod._dtype.name]}")
    return _finish(_scaled(prod, input, beta, alpha, "addmm"), out, "addmm")


for _k in ("sparse_coo", "sparse_csr"):
    register("matmul", _k)(_matmul)
    register("mm", _k)(_mm)
    register("mv", _k)(_mv)
    register("addmm", _k)(_addmm)


def mm(mat1, mat2):
    """``mat1 @ mat2`` with a sparse operand, as ``torch.sparse.mm``.

    >>> import tensorjit as tj
    >>> tj.sparse.mm(tj.eye(2).to_sparse(), tj.ones(2, 1)).tolist()
    [[1.0], [1.0]]
    """
    return _mm(mat1, mat2)


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """``beta * mat + alpha * (mat1 @ mat2)`` with sparse ``mat1``, as ``torch.sparse.addmm``."""
    return _addmm(mat, mat1, mat2, beta=beta, alpha=alpha)


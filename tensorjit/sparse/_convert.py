"""Conversions between the strided, COO and CSR layouts, ``coalesce`` and the sparse repr.

The index work runs the int64 kernels of kernels/cpu/sparse.py (linear keys, runs of equal
keys, compressing and expanding rows: one compile each, whatever the value dtype); sorting
keys is the dense ``argsort``, summing duplicates ``index_add_`` and finding non-zeros
``nonzero`` (Note [sparse storage] in _tensor.py).
"""
from __future__ import annotations

import re

from .. import _dtypes
from .._layouts import unsupported, sparse_coo as _COO, sparse_csr as _CSR, strided as _STRIDED
from .._tensor import Tensor
from ._tensor import (SparseCOOTensor, SparseCSRTensor, make_coo, make_csr, linear_keys, unravel, kernels,
                      karray, new_int64)

_int64 = _dtypes.int64


def _acc_dtype(d):
    # index_add_ sums duplicates; bool values are OR-ed, as PyTorch's coalesce does.
    return _int64 if d is _dtypes.bool else d


def coalesce(s: SparseCOOTensor) -> SparseCOOTensor:
    """``s`` with row-major sorted, unique indices; duplicate values summed."""
    from .._creation import zeros
    from ..ops.sorting import argsort
    nnz = s._vals._shape[0]
    if s._coalesced or nnz <= 1:
        return make_coo(s._idx, s._vals, s._shape, True)
    keys = linear_keys(s._idx, s._shape)
    order = argsort(keys, stable=True)
    inverse, inv = new_int64((nnz,))
    firsts, first = new_int64((nnz,))
    n = kernels().runs(karray(keys[order]), inv, first)
    acc = _acc_dtype(s._dtype)
    vals = zeros(n, dtype=acc).index_add_(0, inverse, s._vals[order].to(acc))
    if acc is not s._dtype:
        vals = vals != 0
    return make_coo(unravel(firsts[:n], s._shape), vals, s._shape, True)


def to_dense(s) -> Tensor:
    """The strided tensor of sparse ``s`` (COO duplicates summed)."""
    from .._creation import zeros
    if type(s) is SparseCSRTensor:
        s = to_coo(s)
    acc = _acc_dtype(s._dtype)
    n = 1
    for d in s._shape:
        n *= d
    flat = zeros(n, dtype=acc)
    if s._vals._shape[0]:
        flat.index_add_(0, linear_keys(s._idx, s._shape), s._vals.to(acc))
    if acc is not s._dtype:
        flat = flat != 0
    return flat.view(s._shape)


def dense_to_coo(x: Tensor) -> SparseCOOTensor:
    """The COO tensor of the non-zeros of strided ``x`` (coalesced: ``nonzero`` is row-major)."""
    from .._creation import empty
    from ..ops.indexing import nonzero
    if x.ndim == 0:
        keep = 1 if bool(x != 0) else 0
        return make_coo(empty((0, keep), dtype=_int64), x.reshape(1)[:keep].contiguous(), (), True)
    idx = nonzero(x).t().contiguous()
    vals = x.reshape(-1)[linear_keys(idx, x._shape)] if idx._shape[1] else empty(0, dtype=x._dtype)
    return make_coo(idx, vals.contiguous(), x._shape, True)


def to_coo(s) -> SparseCOOTensor:
    """``s`` (any layout) as a COO tensor."""
    if type(s) is SparseCOOTensor:
        return s
    if type(s) is SparseCSRTensor:
        idx, arr = new_int64((2, s._vals._shape[0]))
        kernels().expand(karray(s._crow.to(_int64)), arr[0])
        arr[1] = karray(s._col)
        return make_coo(idx, s._vals, s._shape, True)
    return dense_to_coo(s)


def to_csr(s) -> SparseCSRTensor:
    """``s`` (any layout, 2-d) as a CSR tensor with int64 indices."""
    if type(s) is SparseCSRTensor:
        return s
    if len(s._shape) != 2:
        raise RuntimeError(f"to_sparse_csr(): only 2-d tensors can be converted to the sparse_csr layout, got "
                           f"{len(s._shape)}-d (tensorjit.sparse_csr has no batch dims)")
    c = coalesce(to_coo(s))
    crow, arr = new_int64((s._shape[0] + 1,))
    kernels().compress(karray(c._idx[0]), arr)
    return make_csr(crow, c._idx[1].contiguous(), c._vals, s._shape)


def to_sparse(x, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """``x`` (any layout) in the COO layout, or in ``layout`` (``tensorjit.sparse_coo``,
    ``tensorjit.sparse_csr`` or ``tensorjit.strided``). ``sparse_dim`` must be ``x.ndim``
    (hybrid tensors are not built).

    >>> import tensorjit as tj
    >>> tj.tensor([[0., 2.], [3., 0.]]).to_sparse().indices().tolist()
    [[0, 1], [1, 0]]
    """
    key = getattr(x, "_dispatch_key", None) or "strided"
    if blocksize is not None or dense_dim:
        raise unsupported("to_sparse", key if key != "strided" else "sparse_coo", "blocksize and dense_dim are not built")
    if sparse_dim is not None and sparse_dim != len(x._shape):
        if not 0 <= sparse_dim <= len(x._shape):
            raise RuntimeError(f"to_sparse(): sparse_dim {sparse_dim} is out of range for a {len(x._shape)}-d tensor")
        raise unsupported("to_sparse", "sparse_coo", f"sparse_dim={sparse_dim} < ndim makes a hybrid tensor, not built")
    if layout is None or layout is _COO:
        return to_coo(x)
    if layout is _CSR:
        return to_csr(x)
    if layout is _STRIDED:
        return x if type(x) is Tensor else to_dense(x)
    raise unsupported("to_sparse", key if key != "strided" else "sparse_coo", f"no conversion to layout {layout}")


def _indent(t, n):
    # PyTorch prints the dtype once, for the whole sparse tensor, never in its parts, and
    # always gives the size of an empty part.
    if t.numel() == 0:
        return f"tensor([], size={tuple(t._shape)})"
    return re.sub(r",\s*dtype=tensorjit\.\w+", "", repr(t)).replace("\n", "\n" + " " * n)


def _add_suffixes(text, suffixes, indent, force_newline):
    # PyTorch's _add_suffixes: each suffix goes on the line while it fits the line width.
    from .._printing import get_printoptions
    width = get_printoptions()["linewidth"]
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if force_newline or last + len(suffix) + 2 > width:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
            force_newline = False
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(parts) + ")"


def format_sparse(s) -> str:
    """PyTorch's repr of a sparse tensor."""
    dflt = _dtypes.get_default_dtype()
    size = "(" + ", ".join(map(str, s._shape)) + ("," if len(s._shape) == 1 else "") + ")"
    suffixes = [f"size={size}", f"nnz={s._vals._shape[0]}"]
    if s._dtype not in (dflt, _int64, _dtypes.bool):
        suffixes.append(f"dtype=tensorjit.{s._dtype.name}")
    coo = type(s) is SparseCOOTensor
    suffixes.append("layout=tensorjit." + ("sparse_coo" if coo else "sparse_csr"))
    if coo:
        text = f"tensor(indices={_indent(s._idx, 15)},\n       values={_indent(s._vals, 14)}"
    else:
        text = (f"tensor(crow_indices={_indent(s._crow, 20)},\n       col_indices={_indent(s._col, 19)},\n"
                f"       values={_indent(s._vals, 14)}")
    return _add_suffixes(text, suffixes, 7, coo)

"""Triangles and diagonals: tril, triu (and in place), tril_indices, triu_indices, diag,
diag_embed, diagflat.

Note [triangle mask]
    ``tril``/``triu`` are one ``where(mask, input, 0)``: the mask of an (n, m) matrix is
    ``j - i <= k`` (tril) or ``j - i >= k`` (triu), which depends on ``j - i`` only. So it
    is a Toeplitz view, strides ``(-1, 1)``, of a bool vector ``v`` of length ``n + m - 1``
    with ``mask[i, j] = v[j - i + n - 1]``: no index tensors, no comparison kernel, and
    batches broadcast it for free. The diagonals ops are zeros plus one copy into a
    ``diagonal`` view (Note [shape ops copy]).
"""
from __future__ import annotations

import numpy as np

from .. import _dtypes, _views
from .._shape import wrap_dim
from .._tensor import make
from .._layouts import KEYED as _KEYED, lookup as _lookup  # Note [layout dispatch]
from .shape_common import check_out, copy_into, finish, int_arg, new_tensor, resize_out, tensor_arg


def _mask(n, m, k, lower):
    """The (n, m) bool mask of Note [triangle mask] as a view of a length ``n + m - 1`` vector."""
    q = np.arange(n + m - 1) - (n - 1)            # q = j - i along the vector
    v = q <= k if lower else q >= k
    return make(v, (n, m), (-1, 1), n - 1, _dtypes.bool)


def _tri(input, diagonal, out, lower, op):
    from .pointwise import where
    tensor_arg(input, op)
    k = int_arg(diagonal, op, "diagonal")
    if input.dim() < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions (got shape {tuple(input._shape)})")
    if out is None:
        out = new_tensor(input._shape, input._dtype)
    elif out is not input:
        check_out(out, op, dtype=input._dtype)
        resize_out(out, input._shape, op)
    if not out.numel():
        return out
    n, m = input._shape[-2:]
    zero = False if input._dtype is _dtypes.bool else 0
    return where(_mask(n, m, k, lower), input, zero, out=out)


def tril(input, diagonal=0, *, out=None):
    """The lower triangle of the last two dims (elements with ``j - i <= diagonal``); others zero.

    >>> import tensorjit as tj
    >>> tj.tril(tj.ones(2, 3, dtype=tj.int64)).tolist()
    [[1, 0, 0], [1, 1, 0]]
    """
    if type(input) in _KEYED and _lookup("tril", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("tril", input._dispatch_key)(input, diagonal, out=out)
    return _tri(input, diagonal, out, True, "tril")


def triu(input, diagonal=0, *, out=None):
    """The upper triangle of the last two dims (elements with ``j - i >= diagonal``); others zero.

    >>> import tensorjit as tj
    >>> tj.triu(tj.ones(2, 3, dtype=tj.int64), 1).tolist()
    [[0, 1, 1], [0, 0, 1]]
    """
    if type(input) in _KEYED and _lookup("triu", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("triu", input._dispatch_key)(input, diagonal, out=out)
    return _tri(input, diagonal, out, False, "triu")


def tril_(self, diagonal=0):
    """In-place :func:`tril`; returns ``self``."""
    if type(self) in _KEYED and _lookup("tril_", self._dispatch_key):  # Note [layout dispatch]
        return _lookup("tril_", self._dispatch_key)(self, diagonal)
    return _tri(self, diagonal, self, True, "tril_")


def triu_(self, diagonal=0):
    """In-place :func:`triu`; returns ``self``."""
    if type(self) in _KEYED and _lookup("triu_", self._dispatch_key):  # Note [layout dispatch]
        return _lookup("triu_", self._dispatch_key)(self, diagonal)
    return _tri(self, diagonal, self, False, "triu_")


# -- triangle indices --------------------------------------------------------------------------------
def _tri_indices(row, col, offset, dtype, lower, op):
    row, col, offset = int_arg(row, op, "row"), int_arg(col, op, "col"), int_arg(offset, op, "offset")
    if row < 0:
        raise RuntimeError(f"{op}: row must be non-negative, got {row}")
    if col < 0:
        raise RuntimeError(f"{op}: col must be non-negative, got {col}")
    d = _dtypes.int64 if dtype is None else _dtypes.as_dtype(dtype, op=op)
    if d not in (_dtypes.int64, _dtypes.int32):
        raise NotImplementedError(f'"{op}" not implemented for dtype {d.name} (int32 and int64 only)')
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    from .._creation import from_numpy
    return from_numpy(np.stack([rows, cols]).astype(d.np).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, requires_grad=False):
    """The (row, col) coordinates of the lower triangle of a ``row`` x ``col`` matrix, as a
    2 x N tensor in row-major order (``offset`` as ``tril``'s ``diagonal``).

    >>> import tensorjit as tj
    >>> tj.tril_indices(2, 2).tolist()
    [[0, 1, 1], [0, 0, 1]]
    """
    return _tri_indices(row, col, offset, dtype, True, "tril_indices")


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None, requires_grad=False):
    """The (row, col) coordinates of the upper triangle of a ``row`` x ``col`` matrix (2 x N).

    >>> import tensorjit as tj
    >>> tj.triu_indices(2, 2).tolist()
    [[0, 0, 1], [0, 1, 1]]
    """
    return _tri_indices(row, col, offset, dtype, False, "triu_indices")


# -- diagonals --------------------------------------------------------------------------------------
def _zeros(shape, dtype):
    from .._creation import zeros
    return zeros(tuple(shape), dtype=dtype)


def diag(input, diagonal=0, *, out=None):
    """1-d input: a square matrix with ``input`` on diagonal ``diagonal``; 2-d input: a copy of
    that diagonal.

    >>> import tensorjit as tj
    >>> tj.diag(tj.tensor([1, 2])).tolist()
    [[1, 0], [0, 2]]
    >>> tj.diag(tj.tensor([[1, 2], [3, 4]]), 1).tolist()
    [2]
    """
    if type(input) in _KEYED and _lookup("diag", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("diag", input._dispatch_key)(input, diagonal, out=out)
    tensor_arg(input, "diag")
    k = int_arg(diagonal, "diag", "diagonal")
    nd = input.dim()
    if nd == 1:
        size = input._shape[0] + abs(k)
        res = _zeros((size, size), input._dtype)
        copy_into(_views.diagonal(res, k), input)
    elif nd == 2:
        src = _views.diagonal(input, k)
        res = copy_into(new_tensor(src._shape, input._dtype), src)
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")
    return finish(res, out, "diag")


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Tensors whose diagonals (in the planes of ``dim1`` and ``dim2`` of the output) are the
    last dim of ``input``; zero elsewhere.

    >>> import tensorjit as tj
    >>> tj.diag_embed(tj.tensor([[1, 2]])).tolist()
    [[[1, 0], [0, 2]]]
    """
    if type(input) in _KEYED and _lookup("diag_embed", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("diag_embed", input._dispatch_key)(input, offset, dim1, dim2)
    op = "diag_embed"
    tensor_arg(input, op)
    offset = int_arg(offset, op, "offset")
    nd = input.dim() + 1
    d1, d2 = wrap_dim(dim1, nd, op), wrap_dim(dim2, nd, op)
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input._shape[-1] + abs(offset)
    shape = list(input._shape[:-1])
    lo, hi = sorted((d1, d2))
    shape.insert(lo, n)
    shape.insert(hi, n)
    res = _zeros(shape, input._dtype)
    copy_into(_views.diagonal(res, offset, d1, d2), input)
    return res


def diagflat(input, offset=0):
    """A square matrix with the flattened ``input`` on diagonal ``offset``.

    >>> import tensorjit as tj
    >>> tj.diagflat(tj.tensor([[1], [2]])).tolist()
    [[1, 0], [0, 2]]
    """
    if type(input) in _KEYED and _lookup("diagflat", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("diagflat", input._dispatch_key)(input, offset)
    tensor_arg(input, "diagflat")
    return diag(_views.reshape(input, -1), int_arg(offset, "diagflat", "offset"))


METHODS = {"tril": tril, "triu": triu, "tril_": tril_, "triu_": triu_, "diag": diag, "diag_embed": diag_embed,
           "diagflat": diagflat}

"""Array API manipulation, indexing, searching, set, sorting, statistical, utility and linear
algebra functions, with the standard's argument names (``axis``, ``keepdims``, ``correction``)."""
from __future__ import annotations

import builtins
from collections import namedtuple

import tensorjit as _tj
from tensorjit import _dtypes
from tensorjit._tensor import Tensor

from ._dtypes import promote
from ._elementwise import operands, scalar_as


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _keep_all(r, x, keepdims):
    return r.reshape((1,) * x.ndim) if keepdims else r


# -- manipulation ------------------------------------------------------------------------
def broadcast_arrays(*arrays):
    """The arrays broadcast against each other (views; a tuple since 2025.12)."""
    return tuple(_tj.broadcast_tensors(*arrays))


def broadcast_shapes(*shapes):
    """The shape that ``shapes`` broadcast to, as a tuple (new in 2025.12).

    >>> import tensorjit.array_api as xp
    >>> xp.broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    return tuple(_tj.broadcast_shapes(*shapes))


def broadcast_to(x, /, shape):
    """``x`` broadcast to ``shape`` (a view)."""
    return _tj.broadcast_to(x, tuple(shape))


def concat(arrays, /, *, axis=0):
    """Join arrays along ``axis`` (flattened first when ``axis`` is None), promoting their dtypes."""
    arrays = list(arrays)
    d = arrays[0].dtype
    for a in arrays[1:]:
        d = _promote(d, a.dtype, "concat")
    arrays = [a if a.dtype is d else a.to(d) for a in arrays]
    if axis is None:
        return _tj.cat([a.reshape(-1) for a in arrays], 0)
    return _tj.cat(arrays, axis)


def _promote(a, b, op):
    from ._dtypes import promote
    return promote(a, b, op)


def expand_dims(x, /, axis=0):
    """``x`` with a size-1 axis inserted at ``axis`` (in ``[-ndim-1, ndim]``)."""
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise IndexError(f"expand_dims: axis {axis} out of range for a {x.ndim}-d array")
    return x.unsqueeze(axis)


def flip(x, /, *, axis=None):
    """``x`` reversed along ``axis`` (all axes when None)."""
    return _tj.flip(x, _axes(axis, x.ndim))


def moveaxis(x, source, destination, /):
    """``x`` with axes moved from ``source`` to ``destination``."""
    return _tj.movedim(x, source, destination)


def permute_dims(x, /, axes):
    """``x`` with its axes permuted."""
    return x.permute(*axes)


def repeat(x, repeats, /, *, axis=None):
    """Each element repeated ``repeats`` times along ``axis`` (``x`` flattened when None)."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    return _tj.repeat_interleave(x, repeats, axis)


def reshape(x, /, shape, *, copy=None):
    """``x`` in a new shape: a view when the layout allows, a copy otherwise; ``copy=False``
    raises where a copy is needed."""
    shape = tuple(shape)
    if copy:
        return x.reshape(shape).clone()
    if copy is False:
        try:
            return x.view(shape)
        except RuntimeError:
            raise ValueError("reshape: copy=False but this reshape needs a copy") from None
    return x.reshape(shape)


def roll(x, /, shift, *, axis=None):
    """``x`` rolled by ``shift`` along ``axis`` (flattened when None)."""
    if axis is None:
        return _tj.roll(x.reshape(-1), shift).reshape(tuple(x.shape))
    return _tj.roll(x, shift, axis)


def squeeze(x, /, axis):
    """``x`` without the size-1 ``axis`` (a ValueError for another size)."""
    axes = _axes(axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {tuple(x.shape)} does not have size 1")
    return x.squeeze(axes) if axes else x


def stack(arrays, /, *, axis=0):
    """Join arrays along a new ``axis``, promoting their dtypes."""
    arrays = list(arrays)
    d = arrays[0].dtype
    for a in arrays[1:]:
        d = _promote(d, a.dtype, "stack")
    return _tj.stack([a if a.dtype is d else a.to(d) for a in arrays], axis)


def tile(x, repetitions, /):
    """``x`` repeated ``repetitions`` times per axis."""
    return _tj.tile(x, tuple(repetitions))


def unstack(x, /, *, axis=0):
    """The slices of ``x`` along ``axis``, as a tuple of views."""
    return tuple(_tj.unbind(x, axis))


# -- indexing ----------------------------------------------------------------------------
def take(x, indices, /, *, axis=None):
    """Elements of ``x`` at ``indices`` (a 1-D integer array) along ``axis``."""
    if axis is None:
        if x.ndim != 1:
            raise ValueError("take: axis is required for an array of more than one dimension")
        axis = 0
    return _tj.index_select(x, axis, indices)


def take_along_axis(x, indices, /, *, axis=-1):
    """Elements of ``x`` at ``indices`` (same rank) along ``axis``."""
    return _tj.take_along_dim(x, indices, axis)


# -- searching ----------------------------------------------------------------------------
def argmax(x, /, *, axis=None, keepdims=False):
    """Index of the first maximum (of the flattened ``x`` when ``axis`` is None)."""
    return _keep_all(_tj.argmax(x), x, keepdims) if axis is None else _tj.argmax(x, axis, keepdims)


def argmin(x, /, *, axis=None, keepdims=False):
    """Index of the first minimum (of the flattened ``x`` when ``axis`` is None)."""
    return _keep_all(_tj.argmin(x), x, keepdims) if axis is None else _tj.argmin(x, axis, keepdims)


def count_nonzero(x, /, *, axis=None, keepdims=False):
    """The number of nonzero elements over ``axis``."""
    axes = _axes(axis, x.ndim)
    r = _tj.count_nonzero(x, axes) if axes else (x != 0).to(_tj.int64)
    if keepdims:
        shape = [1 if i in {a % builtins.max(x.ndim, 1) for a in axes} else s for i, s in enumerate(x.shape)]
        r = r.reshape(shape)
    return r


def nonzero(x, /):
    """The indices of the nonzero elements, one array per axis (0-d input refused)."""
    if x.ndim == 0:
        raise ValueError("nonzero: a 0-d array has no axes to index")
    return tuple(_tj.nonzero(x, as_tuple=True))


def searchsorted(x1, x2, /, *, side="left", sorter=None):
    """Insertion indices of ``x2`` into the sorted 1-D ``x1``."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', not {side!r}")
    if isinstance(x2, (bool, int, float, complex)):
        x2 = scalar_as(x2, x1.dtype, "searchsorted")
    if sorter is not None:
        x1 = _tj.take(x1, sorter)
    d = _promote(x1.dtype, x2.dtype, "searchsorted")
    return _tj.searchsorted(x1.to(d), x2.to(d), side=side)


def isin(x1, x2, /, *, invert=False):
    """Whether each element of ``x1`` occurs in ``x2`` (either may be a Python int), compared in
    their promoted dtype; a bool array shaped like ``x1`` (new in 2025.12).

    >>> import tensorjit.array_api as xp
    >>> xp.isin(xp.asarray([1, 2, 3]), xp.asarray([3, 1])).tolist()
    [True, False, True]
    """
    a, b = operands(x1, x2, "isin")
    d = _promote(a.dtype, b.dtype, "isin")
    if d.category == _dtypes.COMPLEX:
        raise TypeError(f"isin: complex dtypes are not supported, got {a.dtype.name} and {b.dtype.name}")
    if d is _tj.bool:      # compared as 0/1 (tensorjit.isin, as PyTorch's, refuses bool)
        d = _tj.uint8
    return _tj.isin(a.to(d), b.to(d), invert=invert)


def where(condition, x1, x2, /):
    """Elements of ``x1`` where ``condition``, else of ``x2`` (scalars take the other's dtype)."""
    x1, x2 = operands(x1, x2, "where")
    if x1.dtype is not x2.dtype:
        d = _promote(x1.dtype, x2.dtype, "where")
        x1, x2 = x1.to(d), x2.to(d)
    return _tj.where(condition, x1, x2)


# -- sets ---------------------------------------------------------------------------------
UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


def _unique(x):
    flat = x.reshape(-1)
    return flat, _tj.unique(flat, return_inverse=True, return_counts=True)


def unique_all(x, /):
    """Unique values (NaNs distinct), first-occurrence indices, inverse indices (``x``'s shape), counts.

    >>> import tensorjit.array_api as xp
    >>> r = xp.unique_all(xp.asarray([3, 1, 3])); r.values.tolist(), r.indices.tolist(), r.counts.tolist()
    ([1, 3], [1, 0], [1, 2])
    """
    flat, (values, inverse, counts) = _unique(x)
    n = flat.shape[0]
    first = _tj.full((values.shape[0],), n, dtype=_tj.int64)
    first = _tj.scatter_reduce(first, 0, inverse, _tj.arange(n), "amin")
    return UniqueAllResult(values, first, inverse.reshape(tuple(x.shape)), counts)


def unique_counts(x, /):
    """Unique values and their counts."""
    _, (values, _inv, counts) = _unique(x)
    return UniqueCountsResult(values, counts)


def unique_inverse(x, /):
    """Unique values and the inverse indices (``x``'s shape) that rebuild ``x``."""
    _, (values, inverse, _c) = _unique(x)
    return UniqueInverseResult(values, inverse.reshape(tuple(x.shape)))


def unique_values(x, /):
    """The unique values of ``x``, sorted, NaNs distinct."""
    return _tj.unique(x.reshape(-1))


# -- sorting ------------------------------------------------------------------------------
def argsort(x, /, *, axis=-1, descending=False, stable=True):
    """Indices that sort ``x`` along ``axis`` (stable by default)."""
    return _tj.argsort(x, axis, descending, stable=True)


def sort(x, /, *, axis=-1, descending=False, stable=True):
    """``x`` sorted along ``axis`` (stable by default)."""
    return _tj.sort(x, axis, descending, stable=True).values


# -- statistics ---------------------------------------------------------------------------
def _sum_dtype(x, dtype):
    # The standard: integers sum in the default integer dtype, unsigned in its unsigned twin.
    if dtype is not None:
        return dtype
    d = x.dtype
    if d.category == _dtypes.BOOL or (d.category == _dtypes.INT and d.is_signed):
        return _tj.int64
    if d.category == _dtypes.INT:
        return _tj.uint64
    return d


def sum(x, /, *, axis=None, dtype=None, keepdims=False):
    """Sum over ``axis`` (all when None); integers in int64 (uint64 for unsigned)."""
    d = _sum_dtype(x, dtype)
    if axis is None:
        return _keep_all(_tj.sum(x, dtype=d), x, keepdims)
    axes = _axes(axis, x.ndim)
    return _tj.sum(x, axes, keepdims, dtype=d) if axes else x.to(d, copy=True)


def prod(x, /, *, axis=None, dtype=None, keepdims=False):
    """Product over ``axis`` (all when None); integers in int64 (uint64 for unsigned)."""
    d = _sum_dtype(x, dtype)
    if axis is None:
        return _keep_all(_tj.prod(x, dtype=d), x, keepdims)
    r = x.to(d)
    axes = sorted({a % x.ndim for a in _axes(axis, x.ndim)}, reverse=True)
    for a in axes:
        r = _tj.prod(r, a, keepdims, dtype=d)
    return r if axes else r.clone()


def _reduce_float(op, x, axis, keepdims, **kw):
    if x.dtype.category < _dtypes.FLOAT:
        raise TypeError(f"{op}: expected a floating-point array, got {x.dtype.name}")
    axes = _axes(axis, x.ndim)
    if not axes:
        return getattr(_tj, op)(x.unsqueeze(0), 0, **kw) if op == "mean" else \
            getattr(_tj, op)(x.unsqueeze(0), 0, keepdim=False, **kw)
    return getattr(_tj, op)(x, axes, keepdim=keepdims, **kw)


def mean(x, /, *, axis=None, keepdims=False):
    """Arithmetic mean over ``axis`` (floating-point arrays)."""
    return _reduce_float("mean", x, axis, keepdims)


def std(x, /, *, axis=None, correction=0.0, keepdims=False):
    """Standard deviation over ``axis`` with ``correction`` degrees of freedom removed."""
    return _reduce_float("std", x, axis, keepdims, correction=correction)


def var(x, /, *, axis=None, correction=0.0, keepdims=False):
    """Variance over ``axis`` with ``correction`` degrees of freedom removed."""
    return _reduce_float("var", x, axis, keepdims, correction=correction)


def max(x, /, *, axis=None, keepdims=False):
    """Maximum over ``axis`` (NaN propagates)."""
    axes = _axes(axis, x.ndim)
    return _tj.amax(x, axes, keepdims) if axes else x.clone()


def min(x, /, *, axis=None, keepdims=False):
    """Minimum over ``axis`` (NaN propagates)."""
    axes = _axes(axis, x.ndim)
    return _tj.amin(x, axes, keepdims) if axes else x.clone()


def _cumulative(op, x, axis, dtype, include_initial):
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{op}: axis is required for an array of more than one dimension")
        axis = 0
    d = _sum_dtype(x, dtype)
    r = getattr(_tj, "cumsum" if op == "cumulative_sum" else "cumprod")(x, axis, dtype=d)
    if include_initial:
        shape = list(x.shape)
        shape[axis] = 1
        init = _tj.full(tuple(shape), 0 if op == "cumulative_sum" else 1, dtype=d)
        r = _tj.cat([init, r], axis)
    return r


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """Running sums along ``axis`` (optional leading zero)."""
    return _cumulative("cumulative_sum", x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """Running products along ``axis`` (optional leading one)."""
    return _cumulative("cumulative_prod", x, axis, dtype, include_initial)


# -- utility ------------------------------------------------------------------------------
def _empty_logical(x, axes, keepdims, value):
    # An empty input reduces to the operation's identity without a kernel (the reduction
    # planner does not take some empty layouts, e.g. a broadcast (0, 0, 0, 0) comparison).
    norm = {a % x.ndim for a in axes}
    shape = tuple(1 if i in norm else n for i, n in enumerate(x.shape) if keepdims or i not in norm)
    return _tj.full(shape, value, dtype=_tj.bool)


def all(x, /, *, axis=None, keepdims=False):
    """Whether every element over ``axis`` is true (``True`` over an empty axis)."""
    axes = _axes(axis, x.ndim)
    if axes and x.numel() == 0:
        return _empty_logical(x, axes, keepdims, True)
    b = x if x.dtype is _tj.bool else x != 0
    return _tj.all(b, axes, keepdims) if axes else b.clone()


def any(x, /, *, axis=None, keepdims=False):
    """Whether any element over ``axis`` is true (``False`` over an empty axis)."""
    axes = _axes(axis, x.ndim)
    if axes and x.numel() == 0:
        return _empty_logical(x, axes, keepdims, False)
    b = x if x.dtype is _tj.bool else x != 0
    return _tj.any(b, axes, keepdims) if axes else b.clone()


def diff(x, /, *, axis=-1, n=1, prepend=None, append=None):
    """The ``n``-th forward difference along ``axis``."""
    return _tj.diff(x, n, axis, prepend, append)


# -- linear algebra in the main namespace ---------------------------------------------------
def promoted(x1, x2, op):
    """Both arrays in the dtype the standard's promotion gives them (PyTorch's products insist
    on equal dtypes; the standard promotes, e.g. ``uint8 @ uint16`` is ``uint16``)."""
    d = promote(x1.dtype, x2.dtype, op)
    return (x1 if x1.dtype is d else x1.to(d)), (x2 if x2.dtype is d else x2.to(d))


def matmul(x1, x2, /):
    """Matrix product with broadcasting (0-d operands refused; mixed dtypes promoted).

    >>> import tensorjit.array_api as xp
    >>> xp.matmul(xp.ones((1, 2), dtype=xp.uint8), xp.ones((2, 1), dtype=xp.uint16)).dtype
    tensorjit.uint16
    """
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError("matmul: operands must have at least one dimension")
    return _tj.matmul(*promoted(x1, x2, "matmul"))


def matrix_transpose(x, /):
    """``x`` with its last two axes swapped."""
    if x.ndim < 2:
        raise ValueError("matrix_transpose: expected at least 2 dimensions")
    return x.transpose(-1, -2)


def tensordot(x1, x2, /, *, axes=2):
    """Sum of products over ``axes`` (a count or two sequences of axes)."""
    if not isinstance(axes, int):
        axes = [list(axes[0]), list(axes[1])]
    return _tj.tensordot(*promoted(x1, x2, "tensordot"), axes)


def vecdot(x1, x2, /, *, axis=-1):
    """Dot product along ``axis`` (``x1`` conjugated), broadcasting the rest."""
    if isinstance(x1, Tensor) and x1.dtype.category == _dtypes.COMPLEX:
        x1 = _tj.conj_physical(x1)
    a, b = _tj.broadcast_tensors(x1, x2)
    if a.shape[axis] != x1.shape[axis] or b.shape[axis] != x2.shape[axis]:
        raise ValueError("vecdot: the contracted axis may not be broadcast")
    p = a * b
    # The result keeps the promoted dtype (PyTorch's sum would widen integers to int64).
    return _tj.sum(p, axis, dtype=p.dtype)

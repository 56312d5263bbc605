"""``__array_function__`` handlers, second half: joining, shape, sorting and searching,
selection, and linear algebra (``np.linalg``). See tensorjit/_protocols_func.py."""
from __future__ import annotations

import numpy as np

from . import _protocols_np as P
from ._protocols_func import Fallback, T, common, dims_of, implements, need_plain, tj
from ._tensor import Tensor


# -- joining and splitting ----------------------------------------------------------------
@implements(np.concatenate)
def _concatenate(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    need_plain(out=out, dtype=dtype)
    xs = common(*arrays)
    if axis is None:
        return tj().cat([x.reshape(-1) for x in xs], 0)
    return tj().cat(xs, int(axis))


@implements(np.stack)
def _stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    need_plain(out=out, dtype=dtype)
    return tj().stack(common(*arrays), int(axis))


def _joiner(op):
    def handler(tup, *, dtype=None, casting="same_kind"):
        need_plain(dtype=dtype)
        return getattr(tj(), op)(common(*tup))
    return handler


for _f, _op in ((np.vstack, "vstack"), (np.hstack, "hstack"), (np.dstack, "dstack"),
                (np.column_stack, "column_stack")):
    implements(_f)(_joiner(_op))


@implements(np.array_split)
def _array_split(ary, indices_or_sections, axis=0):
    return list(tj().tensor_split(T(ary), _sections(indices_or_sections), int(axis)))


@implements(np.split)
def _split(ary, indices_or_sections, axis=0):
    x = T(ary)
    if isinstance(indices_or_sections, int) and x.shape[axis] % indices_or_sections:
        raise Fallback          # NumPy's error: the array does not split evenly
    return _array_split(x, indices_or_sections, axis)


def _sections(s):
    return int(s) if isinstance(s, (int, np.integer)) else [int(i) for i in s]


# -- shape ------------------------------------------------------------------------------
@implements(np.reshape)
def _reshape(a, /, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C" or copy is not None:
        raise Fallback
    shape = newshape if shape is None else shape
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    return T(a).reshape(shape)


@implements(np.ravel)
def _ravel(a, order="C"):
    if order != "C":
        raise Fallback
    return T(a).reshape(-1)


@implements(np.transpose)
def _transpose(a, axes=None):
    x = T(a)
    return x.permute(*(range(x.ndim - 1, -1, -1) if axes is None else axes))


@implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    return T(a).transpose(axis1, axis2)


@implements(np.moveaxis)
def _moveaxis(a, source, destination):
    return tj().movedim(T(a), source, destination)


@implements(np.expand_dims)
def _expand_dims(a, axis):
    x = T(a)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    nd = x.ndim + len(axes)
    for ax in sorted(a % nd for a in axes):
        x = x.unsqueeze(ax)
    return x


@implements(np.squeeze)
def _squeeze(a, axis=None):
    x = T(a)
    if axis is None:
        return x.squeeze()
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if any(x.shape[ax] != 1 for ax in axes):
        raise Fallback          # NumPy's error for a non-1 axis
    return x.squeeze(axes)


@implements(np.flip)
def _flip(m, axis=None):
    x = T(m)
    return tj().flip(x, tuple(range(x.ndim)) if axis is None else dims_of(axis, x))


implements(np.fliplr)(lambda m: tj().fliplr(T(m)))
implements(np.flipud)(lambda m: tj().flipud(T(m)))


@implements(np.roll)
def _roll(a, shift, axis=None):
    x = T(a)
    if axis is None:
        return tj().roll(x.reshape(-1), shift).reshape(tuple(x.shape))
    return tj().roll(x, shift, axis)


@implements(np.rot90)
def _rot90(m, k=1, axes=(0, 1)):
    return tj().rot90(T(m), k, list(axes))


@implements(np.tile)
def _tile(A, reps):
    return tj().tile(T(A), (reps,) if isinstance(reps, int) else tuple(reps))


@implements(np.repeat)
def _repeat(a, repeats, axis=None):
    x = T(a)
    r = repeats if isinstance(repeats, (int, np.integer)) else T(repeats).to(tj().int64)
    if axis is None:
        return tj().repeat_interleave(x.reshape(-1), r, 0)
    return tj().repeat_interleave(x, r, int(axis))


@implements(np.broadcast_to)
def _broadcast_to(array, shape, subok=False):
    return tj().broadcast_to(T(array), (shape,) if isinstance(shape, int) else tuple(shape))


@implements(np.broadcast_arrays)
def _broadcast_arrays(*args, subok=False):
    return tuple(tj().broadcast_tensors(*(T(a) for a in args)))


for _f, _op in ((np.atleast_1d, "atleast_1d"), (np.atleast_2d, "atleast_2d"), (np.atleast_3d, "atleast_3d")):
    implements(_f)((lambda op: lambda *arys: getattr(tj(), op)(*(T(a) for a in arys)))(_op))


@implements(np.copy)
def _copy(a, order="K", subok=False):
    return T(a).clone()


def _like(fill):
    def handler(a, dtype=None, order="K", subok=True, shape=None, *, device=None, fill_value=None):
        x = T(a)
        d = x._dtype if dtype is None else P.np_dtype_to_tj(np.dtype(dtype))
        if d is None or order not in ("K", "C"):
            raise Fallback
        shp = tuple(x.shape) if shape is None else ((shape,) if isinstance(shape, int) else tuple(shape))
        return tj().full(shp, fill if fill is not None else fill_value, dtype=d)
    return handler


implements(np.zeros_like)(_like(0))
implements(np.ones_like)(_like(1))
implements(np.empty_like)(_like(0))


@implements(np.full_like)
def _full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    return _like(None)(a, dtype, order, subok, shape, fill_value=fill_value)


# -- selection ----------------------------------------------------------------------------
@implements(np.where)
def _where(condition, *xy):
    if not xy:
        return _nonzero(condition)
    if len(xy) != 2:
        raise Fallback
    c = T(condition)
    x, y = common(*xy)
    return tj().where(c if c._dtype is tj().bool else c.to(tj().bool), x, y)


@implements(np.nonzero)
def _nonzero(a):
    x = T(a)
    if x.ndim == 0:
        raise Fallback
    return tj().nonzero(x, as_tuple=True)


@implements(np.argwhere)
def _argwhere(a):
    x = T(a)
    if x.ndim == 0:
        raise Fallback
    return tj().argwhere(x)


@implements(np.clip)
def _clip(a, a_min=np._NoValue, a_max=np._NoValue, out=None, *, min=np._NoValue, max=np._NoValue, **kw):
    need_plain(out=out)
    if kw:
        raise Fallback
    lo = min if a_min is np._NoValue else a_min
    hi = max if a_max is np._NoValue else a_max
    lo = None if lo is np._NoValue else lo
    hi = None if hi is np._NoValue else hi
    ops = [a] + [v for v in (lo, hi) if v is not None]
    cast = common(*ops)
    x = cast[0]
    lo = cast[1] if lo is not None else None
    hi = cast[-1] if hi is not None else None
    if lo is None and hi is None:
        raise Fallback
    r = x
    if lo is not None:
        r = tj().maximum(r, lo) if isinstance(lo, Tensor) else tj().clamp(r, min=lo)
    if hi is not None:
        r = tj().minimum(r, hi) if isinstance(hi, Tensor) else tj().clamp(r, max=hi)
    return r if r is not x else x.clone()


@implements(np.take)
def _take(a, indices, axis=None, out=None, mode="raise"):
    need_plain(out=out)
    if mode != "raise":
        raise Fallback
    x = T(a)
    idx = tj().as_tensor(np.asarray(indices)) if not isinstance(indices, Tensor) else indices
    if axis is None:
        return tj().take(x, idx)
    flat = tj().index_select(x, int(axis), idx.reshape(-1))
    ax = int(axis) % x.ndim
    return flat.reshape(tuple(x.shape[:ax]) + tuple(idx.shape) + tuple(x.shape[ax + 1:]))


@implements(np.take_along_axis)
def _take_along_axis(arr, indices, axis=-1):
    x = T(arr)
    if axis is None:
        return tj().take_along_dim(x.reshape(-1), T(indices), 0)
    return tj().take_along_dim(x, T(indices), int(axis))


@implements(np.diagonal)
def _diagonal(a, offset=0, axis1=0, axis2=1):
    return tj().diagonal(T(a), offset, axis1, axis2)


@implements(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    need_plain(out=out, dtype=dtype)
    x = T(a)
    want = P.np_dtype_to_tj(np.trace(np.zeros((1, 1), x._dtype.np)).dtype)
    return tj().sum(tj().diagonal(x, offset, axis1, axis2), -1, dtype=want)


@implements(np.diag)
def _diag(v, k=0):
    x = T(v)
    if x.ndim not in (1, 2):
        raise Fallback
    return tj().diag(x, k)


implements(np.tril)(lambda m, k=0: tj().tril(T(m), k))
implements(np.triu)(lambda m, k=0: tj().triu(T(m), k))


@implements(np.diff)
def _diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    x = T(a)
    pre = None if prepend is np._NoValue else prepend
    app = None if append is np._NoValue else append
    ax = int(axis) % x.ndim

    def edge(v):
        if v is None:
            return None
        v = P.cast(T(v), x._dtype.np)
        if v.ndim == 0:
            shp = list(x.shape)
            shp[ax] = 1
            v = v.expand(*shp)
        return v
    if x._dtype is tj().bool:
        raise Fallback          # NumPy's bool diff is xor; tensorjit's is not defined
    return tj().diff(x, n, ax, edge(pre), edge(app))


# -- sorting and searching ----------------------------------------------------------------
@implements(np.sort)
def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    need_plain(order=order)
    x = T(a)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return tj().sort(x, int(axis), stable=True).values


@implements(np.argsort)
def _argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    need_plain(order=order)
    x = T(a)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return tj().argsort(x, int(axis), stable=True)


@implements(np.searchsorted)
def _searchsorted(a, v, side="left", sorter=None):
    need_plain(sorter=sorter)
    seq, vals = common(a, v)
    if isinstance(vals, P.SCALARS):
        vals = tj().tensor(vals, dtype=seq._dtype)
    return tj().searchsorted(seq, vals, side=side)


@implements(np.unique)
def _unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *, equal_nan=True,
            sorted=True):
    if return_index or axis is not None:
        raise Fallback
    x = T(ar)
    res = tj().unique(x.reshape(-1), return_inverse=return_inverse, return_counts=return_counts)
    if not (return_inverse or return_counts):
        return res
    res = list(res)
    if return_inverse:
        res[1] = res[1].reshape(tuple(x.shape))      # NumPy 2: the inverse has the input's shape
    return tuple(res)


@implements(np.isin)
def _isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    r = tj().isin(*common(element, test_elements))
    return tj().logical_not(r) if invert else r


@implements(np.isclose)
def _isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    x, y = common(a, b)
    if isinstance(x, P.SCALARS) or isinstance(y, P.SCALARS):
        raise Fallback
    x, y = tj().broadcast_tensors(x, y)
    return tj().isclose(x, y, rtol, atol, equal_nan)


@implements(np.allclose)
def _allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(_isclose(a, b, rtol, atol, equal_nan).all())


@implements(np.array_equal)
def _array_equal(a1, a2, equal_nan=False):
    x, y = T(a1), T(a2)
    if tuple(x.shape) != tuple(y.shape):
        return False
    if equal_nan:
        raise Fallback
    return bool(tj().eq(*common(x, y)).all())


@implements(np.round, np.around)
def _round(a, decimals=0, out=None):
    need_plain(out=out)
    x = T(a)
    if x._dtype.category < 2:
        if decimals >= 0:
            return x.clone()
        raise Fallback
    return tj().round(x, decimals=decimals)


@implements(np.nan_to_num)
def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    if not copy:
        raise Fallback
    t = T(x)
    if t._dtype.category < 2:
        return t.clone()
    return tj().nan_to_num(t, nan, posinf, neginf)


# -- linear algebra -------------------------------------------------------------------------
@implements(np.matmul)
def _matmul(x1, x2, /, out=None, **kw):
    need_plain(out=out)
    if kw:
        raise Fallback
    a, b = common(x1, x2)
    if isinstance(a, P.SCALARS) or isinstance(b, P.SCALARS) or a.ndim == 0 or b.ndim == 0:
        raise Fallback
    return tj().matmul(a, b)


@implements(np.dot)
def _dot(a, b, out=None):
    need_plain(out=out)
    x, y = common(a, b)
    if isinstance(x, P.SCALARS) or isinstance(y, P.SCALARS) or x.ndim == 0 or y.ndim == 0:
        return tj().mul(x, y)
    if y.ndim > 2:
        raise Fallback          # NumPy's N-d dot sums over b's second-to-last axis: not matmul
    return tj().matmul(x, y)


@implements(np.vdot)
def _vdot(a, b):
    x, y = common(a, b)
    return tj().vdot(x.reshape(-1), y.reshape(-1))


@implements(np.inner)
def _inner(a, b):
    x, y = common(a, b)
    if isinstance(x, P.SCALARS) or isinstance(y, P.SCALARS):
        return tj().mul(x, y)
    return tj().inner(x, y)


@implements(np.outer)
def _outer(a, b, out=None):
    need_plain(out=out)
    x, y = common(a, b)
    return tj().outer(x.reshape(-1), y.reshape(-1))


@implements(np.tensordot)
def _tensordot(a, b, axes=2):
    x, y = common(a, b)
    if not isinstance(axes, int):
        axes = [[axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                [axes[1]] if isinstance(axes[1], int) else list(axes[1])]
    return tj().tensordot(x, y, axes)


@implements(np.einsum)
def _einsum(*operands, out=None, dtype=None, order="K", casting="safe", optimize=False):
    need_plain(out=out, dtype=dtype)
    if not isinstance(operands[0], str):
        raise Fallback          # the sublist form
    return tj().einsum(operands[0], *common(*operands[1:]))


@implements(np.kron)
def _kron(a, b):
    return tj().kron(*common(a, b))


@implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    t = T(x)
    if t._dtype.category < 2:
        t = t.to(tj().float64)
    if axis is None and ord is None:
        return tj().norm(t.reshape(-1), 2, 0, False).reshape((1,) * t.ndim if keepdims else ())
    if isinstance(axis, int) or (axis is None and t.ndim == 1):
        if ord is not None and not isinstance(ord, (int, float)):
            raise Fallback
        ax = 0 if axis is None else axis
        return tj().norm(t, 2 if ord is None else ord, ax, keepdims)
    if ord in (None, "fro") and axis is not None and len(axis) == 2:
        return tj().norm(t, "fro", tuple(axis), keepdims)
    raise Fallback


@implements(np.linalg.matmul)
def _la_matmul(x1, x2, /):
    return _matmul(x1, x2)


@implements(np.linalg.multi_dot)
def _multi_dot(arrays, *, out=None):
    need_plain(out=out)
    xs = common(*arrays)
    r = xs[0]
    for m in xs[1:]:
        r = tj().matmul(r, m)
    return r


@implements(np.linalg.matrix_power)
def _matrix_power(a, n):
    x = T(a)
    if not isinstance(n, (int, np.integer)) or n < 0 or x.ndim < 2:
        raise Fallback          # a negative power needs an inverse: NumPy's
    r = tj().eye(x.shape[-1], dtype=x._dtype).expand(*x.shape).clone()
    base = x
    while n:
        if n & 1:
            r = tj().matmul(r, base)
        base = tj().matmul(base, base)
        n >>= 1
    return r


@implements(np.linalg.matrix_transpose)
def _matrix_transpose(x, /):
    t = T(x)
    if t.ndim < 2:
        raise Fallback
    return t.transpose(-1, -2)


@implements(np.linalg.trace)
def _la_trace(x, /, *, offset=0, dtype=None):
    return _trace(x, offset, -2, -1, dtype)


@implements(np.linalg.vecdot, np.vecdot)
def _vecdot(x1, x2, /, *, axis=-1, **kw):
    if kw:
        raise Fallback
    a, b = common(x1, x2)
    if a._dtype.category == 3:
        a = a.conj()
    return tj().sum(tj().mul(a, b), int(axis))


@implements(np.linalg.outer)
def _la_outer(x1, x2, /):
    x, y = common(x1, x2)
    if x.ndim != 1 or y.ndim != 1:
        raise Fallback
    return tj().outer(x, y)


@implements(np.linalg.tensordot)
def _la_tensordot(x1, x2, /, *, axes=2):
    return _tensordot(x1, x2, axes)


@implements(np.linalg.diagonal)
def _la_diagonal(x, /, *, offset=0):
    return tj().diagonal(T(x), offset, -2, -1)

"""Sorting and order statistics along one dim: sort, argsort, msort, topk, kthvalue, median,
nanmedian, mode, quantile, nanquantile.

Row layout and kernels: Note [row kernels] (tensorjit/_rows.py); the sort itself is a stable
radix sort on integer keys (Note [sort keys], Note [radix sort] in kernels/cpu/sort.py), so
``stable=False`` gives the stable order too. Order statistics sort each row and pick.
"""
from __future__ import annotations

import numpy as np

from .. import _dtypes, return_types
from .._rows import rows, new_rows, from_rows
from .._shape import wrap_dim
from .._storage import allocate
from .._tensor import Tensor
from .._layouts import KEYED as _KEYED, lookup as _lookup  # Note [layout dispatch]
from .sorting_common import (check_input, check_dim_int, check_out, check_out_tuple, kernels, threads_for,
                             write_out, unsigned_view, key_mode, key_consts)

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "quantile",
           "nanquantile"]

_U = {1: _dtypes.uint8, 2: _dtypes.uint16, 4: _dtypes.uint32, 8: _dtypes.uint64}


def _cuda_sort():
    from ..cuda import _sort
    return _sort


def _sorted_rows(x, dim, descending, name):
    """``(values, indices, outer, dim)``: the rows of ``x`` along ``dim`` sorted stably, as
    kernel arrays (values in x's compute dtype, float16 as float32)."""
    a, outer, d = rows(x, dim, name)
    m, k = a.shape
    v = new_rows(m, k, x._dtype)
    i = new_rows(m, k, _dtypes.int64)
    if m * k:
        au, u = unsigned_view(a)
        vu = v.view(u)
        t = threads_for(m, k)
        kb = allocate(t * k, _U[u.itemsize]).reshape(t, k)
        ib = allocate(t * k, _dtypes.int64).reshape(t, k)
        mod = kernels("sort")
        (mod.sort_rows_par if t > 1 else mod.sort_rows)(au, vu, i, kb, ib, key_consts(u, descending), _key_mode(x))
    return v, i, outer, d


def _key_mode(x):
    # Rows of float16 arrive as float32 (Note [row kernels]); both key as floats.
    return key_mode(x._dtype)


def _pair(name, vals, idx, out):
    rt = getattr(return_types, name)
    if out is None:
        return rt(vals, idx)
    write_out(out[0], vals, name)
    write_out(out[1], idx, name)
    return rt(out[0], out[1])


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sort along ``dim``: ``(values, indices)``. NaN sorts as the largest value; the sort is
    always stable, so ``stable=`` changes nothing.

    >>> import tensorjit as tj
    >>> r = tj.tensor([3., float("nan"), 1., 3.]).sort()
    >>> r.values.tolist()[:3], r.indices.tolist()
    ([1.0, 3.0, 3.0], [2, 0, 3, 1])
    >>> tj.tensor([[2, 1], [0, 5]]).sort(dim=0, descending=True).values.tolist()
    [[2, 5], [0, 1]]
    """
    if type(input) in _KEYED and _lookup("sort", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("sort", input._dispatch_key)(input, dim, descending, stable, out=out)
    name = "sort"
    check_input(input, name)
    dim = check_dim_int(dim, name)
    if out is not None:
        check_out_tuple(out, (input._dtype, _dtypes.int64), name)
    if input.is_cuda: return _pair(name, *_cuda_sort().sorted_rows(input, dim, descending, name), out)  # noqa: E701
    v, i, outer, d = _sorted_rows(input, dim, bool(descending), name)
    return _pair(name, from_rows(v, outer, d, input._dtype, input.ndim),
                 from_rows(i, outer, d, _dtypes.int64, input.ndim), out)


def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``).

    >>> import tensorjit as tj
    >>> tj.tensor([30, 10, 20]).argsort().tolist()
    [1, 2, 0]
    """
    check_input(input, "argsort")
    dim = check_dim_int(dim, "argsort")
    if input.is_cuda: return _cuda_sort().sorted_rows(input, dim, descending, "argsort")[1]  # noqa: E701
    _, i, outer, d = _sorted_rows(input, dim, bool(descending), "argsort")
    return from_rows(i, outer, d, _dtypes.int64, input.ndim)


def msort(input, *, out=None):
    """``input`` sorted along dim 0 (the values of ``sort(input, 0)``).

    >>> import tensorjit as tj
    >>> tj.tensor([[3, 1], [2, 4]]).msort().tolist()
    [[2, 1], [3, 4]]
    """
    if type(input) in _KEYED and _lookup("msort", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("msort", input._dispatch_key)(input, out=out)
    check_input(input, "msort")
    if out is not None:
        check_out(out, input._dtype, "msort")
    if input.is_cuda:
        r = _cuda_sort().sorted_rows(input, 0, False, "msort")[0]
        return r if out is None else write_out(out, r, "msort")
    v, _, outer, d = _sorted_rows(input, 0, False, "msort")
    r = from_rows(v, outer, d, input._dtype, input.ndim)
    return r if out is None else write_out(out, r, "msort")


def _size_along(x, dim, name):
    d = wrap_dim(dim, x.ndim, name)
    return d, (x._shape[d] if x.ndim else 1)


def _picked(x, v, i, outer, d, keepdim, name, out, rt_name):
    """Wrap one picked value and index per row (kernel arrays of m elements) as the
    reduction's result: dim ``d`` removed (kept as size 1 with ``keepdim``)."""
    m = v.shape[0]
    vals = from_rows(v.reshape(m, 1), outer, d, x._dtype, x.ndim)
    idx = from_rows(i.reshape(m, 1), outer, d, _dtypes.int64, x.ndim)
    if not keepdim and x.ndim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    return _pair(rt_name, vals, idx, out)


def _check_nonempty_dim(x, d, name):
    if x.ndim and x._shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or, with ``largest=False``, smallest) elements along ``dim`` and their
    indices, in sorted order (also when ``sorted=False``); NaN counts as the largest.

    >>> import tensorjit as tj
    >>> r = tj.tensor([1, 5, 3, 4]).topk(2)
    >>> r.values.tolist(), r.indices.tolist()
    ([5, 4], [1, 3])
    """
    if type(input) in _KEYED and _lookup("topk", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("topk", input._dispatch_key)(input, k, dim, largest, sorted, out=out)
    name = "topk"
    check_input(input, name)
    k = check_dim_int(k, name)
    d, size = _size_along(input, check_dim_int(dim, name), name)
    if not 0 <= k <= size:
        raise RuntimeError(f"topk(): selected index k out of range (k = {k}, size of dim {d} = {size})")
    if out is not None:
        check_out_tuple(out, (input._dtype, _dtypes.int64), name)
    if input.ndim == 0:
        k = 1       # PyTorch returns the element for k = 0 too
    if input.is_cuda: return _pair(name, *_cuda_sort().topk(input, k, d, bool(largest), name), out)  # noqa: E701
    v, i, outer, d = _sorted_rows(input, d, bool(largest), name)
    m = v.shape[0]
    vk, ik = new_rows(m, k, input._dtype), new_rows(m, k, _dtypes.int64)
    vk[:], ik[:] = v[:, :k], i[:, :k]
    return _pair(name, from_rows(vk, outer, d, input._dtype, input.ndim),
                 from_rows(ik, outer, d, _dtypes.int64, input.ndim), out)


def _order_stat(name, input, how, k, dim, keepdim, out):
    v, i, outer, d = _sorted_rows(input, dim, False, name)
    m = v.shape[0]
    pv, pi = new_rows(m, 1, input._dtype)[:, 0], new_rows(m, 1, _dtypes.int64)[:, 0]
    if m and v.shape[1]:
        vu, u = unsigned_view(v)
        kernels("sort").pick_rows(vu, i, k, how, pv.view(u), pi, key_consts(u, False), _key_mode(input))
    return _picked(input, pv, pi, outer, d, keepdim, name, out, name)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest element along ``dim`` (``k`` from 1) and its index; NaN counts as
    the largest value.

    >>> import tensorjit as tj
    >>> r = tj.tensor([[4, 1, 3], [9, 8, 7]]).kthvalue(2)
    >>> r.values.tolist(), r.indices.tolist()
    ([3, 8], [2, 1])
    """
    if type(input) in _KEYED and _lookup("kthvalue", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("kthvalue", input._dispatch_key)(input, k, dim, keepdim, out=out)
    name = "kthvalue"
    check_input(input, name)
    k = check_dim_int(k, name)
    d, size = _size_along(input, check_dim_int(dim, name), name)
    _check_nonempty_dim(input, d, name)
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} (k = {k}, "
                           f"size {size})")
    if out is not None:
        check_out_tuple(out, (input._dtype, _dtypes.int64), name)
    return _order_stat(name, input, 0, k - 1, d, keepdim, out)


def _median(name, how, input, dim, keepdim, out):
    check_input(input, name)
    if dim is None:
        if out is not None:
            check_out(out, input._dtype, name)
        x = input.reshape(-1)
        if x.numel() == 0:
            # PyTorch returns NaN converted to the dtype.
            from .._creation import full
            r = full((), np.nan if input._dtype.is_floating_point else _nan_as_int(input._dtype), dtype=input._dtype)
        else:
            r = _order_stat(name, x, how, 0, 0, False, None).values
        return r if out is None else write_out(out, r, name)
    d, _ = _size_along(input, check_dim_int(dim, name), name)
    _check_nonempty_dim(input, d, name)
    if out is not None:
        check_out_tuple(out, (input._dtype, _dtypes.int64), name)
    return _order_stat(name, input, how, 0, d, keepdim, out)


def _nan_as_int(d):
    return int(np.iinfo(d.np).min) if d.is_signed else 0


def median(input, dim=None, keepdim=False, *, out=None):
    """The lower median: of all elements as a 0-d tensor without ``dim``, else ``(values,
    indices)`` along ``dim``. A row holding NaN has median NaN (at its first NaN).

    >>> import tensorjit as tj
    >>> x = tj.tensor([[1., 4., 2., 3.], [5., 6., 7., 8.]])
    >>> x.median().item(), x.median(1).values.tolist(), x.median(1).indices.tolist()
    (4.0, [2.0, 6.0], [2, 1])
    """
    if type(input) in _KEYED and _lookup("median", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("median", input._dispatch_key)(input, dim, keepdim, out=out)
    return _median("median", 1, input, dim, keepdim, out)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """``median`` ignoring NaNs (NaN only where a row is all NaN).

    >>> import tensorjit as tj
    >>> tj.tensor([1., float("nan"), 3., 2.]).nanmedian().item()
    2.0
    """
    if type(input) in _KEYED and _lookup("nanmedian", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("nanmedian", input._dispatch_key)(input, dim, keepdim, out=out)
    return _median("nanmedian", 2, input, dim, keepdim, out)


def mode(input, dim=-1, keepdim=False, *, out=None):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and the
    last index where it occurs. NaNs count as equal to each other.

    >>> import tensorjit as tj
    >>> r = tj.tensor([3, 1, 3, 1, 2]).mode()
    >>> r.values.item(), r.indices.item()
    (1, 3)
    """
    if type(input) in _KEYED and _lookup("mode", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("mode", input._dispatch_key)(input, dim, keepdim, out=out)
    name = "mode"
    check_input(input, name)
    d, _ = _size_along(input, check_dim_int(dim, name), name)
    _check_nonempty_dim(input, d, name)
    if out is not None:
        check_out_tuple(out, (input._dtype, _dtypes.int64), name)
    v, i, outer, d = _sorted_rows(input, d, False, name)
    m = v.shape[0]
    pv, pi = new_rows(m, 1, input._dtype)[:, 0], new_rows(m, 1, _dtypes.int64)[:, 0]
    if m and v.shape[1]:
        vu, u = unsigned_view(v)
        kernels("sort").mode_rows(vu, i, pv.view(u), pi, key_consts(u, False), _key_mode(input))
    return _picked(input, pv, pi, outer, d, keepdim, name, out, name)


_INTERPOLATIONS = {"linear": 0, "lower": 1, "higher": 2, "midpoint": 3, "nearest": 4}


def _quantile(name, skip, input, q, dim, keepdim, interpolation, out):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input._dtype not in (_dtypes.float32, _dtypes.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype "
                           f"(got {input._dtype.name})")
    d = input._dtype
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor (got shape {list(q._shape)})")
        if q._dtype is not d:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor "
                               f"(q {q._dtype.name}, input {d.name})")
        qa = np.array(q.numpy(), dtype=d.np).reshape(-1)
        if not np.all((qa >= 0) & (qa <= 1)):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        scalar_q = q.ndim == 0
    elif isinstance(q, (int, float)) and not isinstance(q, bool):
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        qa = np.array([q], dtype=d.np)
        scalar_q = True
    else:
        raise TypeError(f"{name}(): argument 'q' must be a float or a Tensor, not {type(q).__name__}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if out is not None:
        if isinstance(out, Tensor) and out._dtype is not d:
            raise RuntimeError(f"{name}() out tensor must be same dtype as the input tensor "
                               f"(out {out._dtype.name}, input {d.name})")
        check_out(out, d, name)
    x = input
    if dim is None:
        x, dd = input.reshape(-1), 0
    else:
        dd, _ = _size_along(input, check_dim_int(dim, name), name)
    v, _, outer, _ = _sorted_rows(x, dd, False, name)
    m = v.shape[0]
    nq = qa.shape[0]
    res = allocate(nq * m, d).reshape(nq, m)
    if m and nq:
        how = _INTERPOLATIONS[interpolation] + (8 if skip else 0)
        kernels("sort").quantile_rows(v, qa, how, np.array([0.5, 1.0], d.np), res)
    from .._tensor import make_dense
    from .._shape import contiguous_strides
    if dim is None:
        shape = (1,) * input.ndim if keepdim else ()
    else:
        shape = tuple(1 if j == dd else n for j, n in enumerate(input._shape)) if keepdim else \
            tuple(n for j, n in enumerate(input._shape) if j != dd)
    if not scalar_q:
        shape = (nq,) + shape
    r = make_dense(res.reshape(-1), shape, contiguous_strides(shape), 0, d)
    return r if out is None else write_out(out, r, name)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-th quantiles (a float or a 1-d tensor in [0, 1]) of ``input`` along ``dim``
    (all elements when None), interpolating as ``interpolation`` says; a 1-d ``q`` adds a
    leading dim. Rows holding NaN give NaN.

    >>> import tensorjit as tj
    >>> x = tj.tensor([[1., 2., 3., 4.]])
    >>> x.quantile(0.5).item(), x.quantile(tj.tensor([0.25, 1.0]), dim=1).tolist()
    (2.5, [[1.75], [4.0]])
    """
    if type(input) in _KEYED and _lookup("quantile", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("quantile", input._dispatch_key)(input, q, dim, keepdim, interpolation=interpolation, out=out)
    return _quantile("quantile", False, input, q, dim, keepdim, interpolation, out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """``quantile`` ignoring NaNs (NaN only where a row is all NaN).

    >>> import tensorjit as tj
    >>> tj.tensor([1., float("nan"), 3.]).nanquantile(0.5).item()
    2.0
    """
    if type(input) in _KEYED and _lookup("nanquantile", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("nanquantile", input._dispatch_key)(input, q, dim, keepdim, interpolation=interpolation, out=out)
    return _quantile("nanquantile", True, input, q, dim, keepdim, interpolation, out)


METHODS = {"sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue,
           "median": median, "nanmedian": nanmedian, "mode": mode, "quantile": quantile,
           "nanquantile": nanquantile}

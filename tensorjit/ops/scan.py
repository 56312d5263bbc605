"""Scans along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp, diff.

Row layout and kernels: Note [row kernels] (tensorjit/_rows.py); kernels/cpu/scan.py.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtypes, return_types
from .._dtypes import as_dtype, result_type, FLOAT, COMPLEX
from .._rows import rows, new_rows, from_rows
from .._tensor import Tensor
from .._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]
from .sorting_common import (check_input, check_dim_int, check_out, check_out_tuple, kernels, threads_for,
                             write_out, TORCH_NAMES)

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff"]

# The accumulator each result category runs in (PyTorch's CPU acc_type): float64 for every
# float, complex128 for complex, int64 for integers and bool.
_ACC = {FLOAT: np.float64, COMPLEX: np.complex128}


def _cuda_scan():
    from ..cuda import _scan
    return _scan


def _acc(d, value):
    return _ACC.get(d.category, np.int64)(value)


def _result_dtype(x, dtype, name):
    """PyTorch's result dtype of cumsum/cumprod: ``dtype=``, else int64 for bool and integers."""
    if dtype is not None:
        return as_dtype(dtype, op=name)
    return _dtypes.int64 if x._dtype.category <= _dtypes.INT else x._dtype


def _scan(x, dim, result, kname, acc_value, name):
    """Run row kernel ``kname`` of kernels/cpu/scan.py over ``x`` (already of dtype ``result``
    or promoted by the kernel) along ``dim`` into a new tensor of dtype ``result``."""
    if x.is_cuda: return _cuda_scan().scan(x, dim, result, kname, name)  # noqa: E701
    a, outer, d = rows(x, dim, name)
    m, k = a.shape
    o = new_rows(m, k, result)
    if m * k:
        mod = kernels("scan")
        acc = _acc(result, acc_value)
        if kname == "cumsum_rows" and threads_for(m, k) > 1:
            mod.cumsum_rows_par(a, o, acc)
        elif kname == "logcumsumexp_rows_complex":
            mod.logcumsumexp_rows_complex(a, o)
        else:
            getattr(mod, kname)(a, o, acc)
    return from_rows(o, outer, d, result, x.ndim)


def _sum_prod(name, kname, identity, input, dim, dtype, out):
    check_input(input, name)
    dim = check_dim_int(dim, name)
    result = _result_dtype(input, dtype, name)
    if out is not None:
        check_out(out, result, name, exact=False)
    x = input.to(result) if dtype is not None else input
    r = _scan(x, dim, result, kname, identity, name)
    return r if out is None else write_out(out, r, name)


def cumsum(input, dim, *, dtype=None, out=None):
    """Running sum along ``dim``; bool and integers sum in int64, ``dtype=`` converts first.
    float32 accumulates in float64 (Note [blocked scan] in kernels/cpu/scan.py).

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 2, 3], [4, 5, 6]]).cumsum(1).tolist()
    [[1, 3, 6], [4, 9, 15]]
    """
    if type(input) in _KEYED and _lookup("cumsum", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("cumsum", input._dispatch_key)(input, dim, dtype=dtype, out=out)
    return _sum_prod("cumsum", "cumsum_rows", 0, input, dim, dtype, out)


def cumprod(input, dim, *, dtype=None, out=None):
    """Running product along ``dim``; bool and integers multiply in int64.

    >>> import tensorjit as tj
    >>> tj.tensor([1., 2., 3., 4.]).cumprod(0).tolist()
    [1.0, 2.0, 6.0, 24.0]
    """
    if type(input) in _KEYED and _lookup("cumprod", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("cumprod", input._dispatch_key)(input, dim, dtype=dtype, out=out)
    return _sum_prod("cumprod", "cumprod_rows", 1, input, dim, dtype, out)


def _inplace(fn, name):
    def method(self, dim, *, dtype=None):
        if type(self) in _KEYED and _lookup(name, self._dispatch_key):  # Note [layout dispatch]
            return _lookup(name, self._dispatch_key)(self, dim, dtype=dtype)
        if dtype is not None and as_dtype(dtype, op=name) is not self._dtype:
            raise RuntimeError(f"{name}(): Bad in-place call: input tensor dtype {self._dtype.name} and output "
                               f"tensor dtype {as_dtype(dtype).name} should match")
        if self._dtype is _dtypes.bool:
            raise NotImplementedError(f"{name}(): not implemented for 'Bool' in place")
        r = fn(self, dim, dtype=self._dtype)
        from .._copy import copy_
        return copy_(self, r, _op=name)
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}`` (the result keeps ``self``'s dtype)."
    return method


cumsum_ = _inplace(cumsum, "cumsum_")
cumprod_ = _inplace(cumprod, "cumprod_")


def _cum_extreme(name, input, dim, out):
    if isinstance(input, Tensor) and input.is_cuda: return _cuda_scan().cum_extreme(name, input, dim, out)  # noqa: E701
    check_input(input, name)
    dim = check_dim_int(dim, name)
    if out is not None:
        check_out_tuple(out, (input._dtype, _dtypes.int64), name)
    a, outer, d = rows(input, dim, name)
    m, k = a.shape
    v = new_rows(m, k, input._dtype)
    i = new_rows(m, k, _dtypes.int64)
    if m * k:
        kernels("scan").cummaxmin_rows(a, v, i, name == "cummax")
    vals = from_rows(v, outer, d, input._dtype, input.ndim)
    idx = from_rows(i, outer, d, _dtypes.int64, input.ndim)
    rt = getattr(return_types, name)
    if out is None:
        return rt(vals, idx)
    write_out(out[0], vals, name)
    write_out(out[1], idx, name)
    return rt(out[0], out[1])


def cummax(input, dim, *, out=None):
    """Running maximum along ``dim`` and where it was: ``(values, indices)``. On ties the later
    index wins; a NaN sticks, with the index of the latest NaN.

    >>> import tensorjit as tj
    >>> r = tj.tensor([1, 3, 2, 3]).cummax(0)
    >>> r.values.tolist(), r.indices.tolist()
    ([1, 3, 3, 3], [0, 1, 1, 3])
    """
    if type(input) in _KEYED and _lookup("cummax", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("cummax", input._dispatch_key)(input, dim, out=out)
    return _cum_extreme("cummax", input, dim, out)


def cummin(input, dim, *, out=None):
    """Running minimum along ``dim`` and where it was: ``(values, indices)`` (see ``cummax``).

    >>> import tensorjit as tj
    >>> tj.tensor([3, 1, 2, 1]).cummin(0).indices.tolist()
    [0, 1, 1, 3]
    """
    if type(input) in _KEYED and _lookup("cummin", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("cummin", input._dispatch_key)(input, dim, out=out)
    return _cum_extreme("cummin", input, dim, out)


def logcumsumexp(input, dim, *, out=None):
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow (float and complex).

    >>> import tensorjit as tj
    >>> [round(v, 4) for v in tj.tensor([0., 0., 0.]).logcumsumexp(0).tolist()]
    [0.0, 0.6931, 1.0986]
    """
    if type(input) in _KEYED and _lookup("logcumsumexp", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("logcumsumexp", input._dispatch_key)(input, dim, out=out)
    name = "logcumsumexp"
    check_input(input, name)
    dim = check_dim_int(dim, name)
    if out is not None:
        check_out(out, input._dtype, name)
    complex_ = input._dtype.category == COMPLEX
    r = _scan(input, dim, input._dtype, "logcumsumexp_rows_complex" if complex_ else "logcumsumexp_rows",
              -math.inf, name)
    return r if out is None else write_out(out, r, name)


def _diff_operand(t, x, dim, what):
    if not isinstance(t, Tensor):
        raise TypeError(f"diff(): argument '{what}' must be Tensor, not {type(t).__name__}")
    if t.ndim != x.ndim:
        raise RuntimeError("diff(): diff expects prepend or append to be the same dimension as input "
                           f"(input shape {list(x._shape)}, {what} shape {list(t._shape)})")
    for i in range(x.ndim):
        if i != dim and t._shape[i] != x._shape[i]:
            raise RuntimeError("diff(): diff expects the shape of tensor to prepend or append to match that of "
                               f"input except along the differencing dimension; input.size({i}) = "
                               f"{x._shape[i]}, but got tensor.size({i}) = {t._shape[i]}")


def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` are joined first);
    bool inputs give ``!=`` of neighbours.

    >>> import tensorjit as tj
    >>> tj.tensor([1, 4, 9, 16]).diff().tolist(), tj.tensor([1, 4, 9, 16]).diff(2).tolist()
    ([3, 5, 7], [2, 2])
    """
    key = (type(input) in _KEYED or type(prepend) in _KEYED or type(append) in _KEYED) and \
        _key_of(input, prepend, append)  # Note [layout dispatch]
    if key and _lookup("diff", key):
        return _lookup("diff", key)(input, n, dim, prepend, append, out=out)
    name = "diff"
    check_input(input, name)
    if input.ndim == 0:
        raise RuntimeError("diff(): diff expects input to be at least one-dimensional")
    n = check_dim_int(n, name)
    if n < 0:
        raise RuntimeError(f"diff(): order must be non-negative but got {n}")
    from .._shape import wrap_dim
    dim = wrap_dim(check_dim_int(dim, name), input.ndim, name)
    parts = []
    for t, what in ((prepend, "prepend"), (input, None), (append, "append")):
        if t is None:
            continue
        if what is not None:
            _diff_operand(t, input, dim, what)
        parts.append(t)
    result = parts[0]._dtype
    for t in parts[1:]:
        result = result_type(result, t)
    if out is not None:
        check_out(out, result, name, exact=False)
        if not _dtypes.can_cast(result, out._dtype):
            raise RuntimeError(f"diff(): result type {TORCH_NAMES[result.name]} can't be cast to the desired "
                               f"output type {TORCH_NAMES[out._dtype.name]}")
    x = _join(parts, dim, result)
    for _ in range(min(n, x._shape[dim])):
        x = _diff1(x, dim)
    return x if out is None else write_out(out, x, name)


def _join(parts, dim, dtype):
    """``cat(parts, dim)`` converted to ``dtype``."""
    if len(parts) == 1:
        return parts[0] if parts[0]._dtype is dtype else parts[0].to(dtype)
    from .._creation import empty
    shape = list(parts[0]._shape)
    shape[dim] = sum(t._shape[dim] for t in parts)
    r = empty(*shape, dtype=dtype, device=parts[0].device)
    from .._views import narrow
    from .._copy import copy_
    at = 0
    for t in parts:
        copy_(narrow(r, dim, at, t._shape[dim]), t)
        at += t._shape[dim]
    return r


def _diff1(x, dim):
    if x.is_cuda: return _cuda_scan().diff1(x, dim)  # noqa: E701
    a, outer, d = rows(x, dim, "diff")
    m, k = a.shape
    o = new_rows(m, max(k - 1, 0), x._dtype)
    if m * (k - 1) > 0:
        mod = kernels("scan")
        if x._dtype is _dtypes.bool:
            mod.xor_diff_rows(a.view(np.uint8), o.view(np.uint8))
        else:
            mod.diff_rows(a, o)
    return from_rows(o, outer, d, x._dtype, x.ndim)


METHODS = {"cumsum": cumsum, "cumprod": cumprod, "cumsum_": cumsum_, "cumprod_": cumprod_,
           "cummax": cummax, "cummin": cummin, "logcumsumexp": logcumsumexp, "diff": diff}

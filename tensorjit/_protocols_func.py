"""``Tensor.__array_function__``: NumPy functions on tensors run tensorjit's ops.

Each handler takes NumPy's arguments (``axis``, ``keepdims``, ``ddof`` ...) and returns NumPy's
result dtype (Note [numpy semantics] in tensorjit/_protocols_np.py). Functions without a handler,
or calls a handler declines (``_Fallback``), run in NumPy (Note [numpy fallback]); a foreign
array type among the operands gives NotImplemented so its own library can answer.
Shape, sorting and linear-algebra handlers live in tensorjit/_protocols_func2.py.
"""
from __future__ import annotations

import numpy as np

from . import _protocols_np as P
from ._tensor import Tensor

HANDLERS = {}


class Fallback(Exception):
    """Raised by a handler that cannot serve these arguments: NumPy computes instead."""


def implements(*funcs):
    def deco(fn):
        for f in funcs:
            HANDLERS[f] = fn
        return fn
    return deco


def tj():
    import tensorjit
    return tensorjit


def array_function(self, func, types, args, kwargs):
    """NumPy's function protocol (NEP 18).

    >>> import numpy as np, tensorjit as tj
    >>> r = np.sum(tj.tensor([[1., 2.], [3., 4.]]), axis=0); type(r).__name__, r.tolist()
    ('Tensor', [4.0, 6.0])
    """
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented
    handler = HANDLERS.get(func)
    if handler is not None:
        try:
            return handler(*args, **kwargs)
        except Fallback:
            pass
    name = f"numpy.{getattr(func, '__name__', func)}"
    impl = getattr(func, "_implementation", func)
    return P.wrap(impl(*P.as_numpy(args, name), **P.as_numpy(kwargs, name)))


# -- helpers ------------------------------------------------------------------------------
def T(x):
    """An operand as a Tensor (NumPy arrays and scalars shared or wrapped)."""
    try:
        return P.to_tensor(x)
    except TypeError:
        raise Fallback from None


def common(*xs):
    """Tensors of ``xs`` cast to NumPy's result dtype of them all (Note [numpy semantics])."""
    try:
        want = np.result_type(*(P.np_operand_dtype(x) if isinstance(x, Tensor) else x for x in xs))
    except TypeError:
        raise Fallback from None
    if P.np_dtype_to_tj(want) is None:
        raise Fallback
    return [P.cast(T(x) if not isinstance(x, P.SCALARS) else x, want) for x in xs]


def need_plain(**kw):
    """Decline arguments the handlers do not implement (``out=``, ``where=``, ``order='F'`` ...)."""
    for k, v in kw.items():
        if v is not None and v is not np._NoValue:
            raise Fallback


def float_of(x, dtype=None):
    """``x`` in NumPy's dtype for mean/var/std: float64 for bool and integer inputs."""
    if dtype is not None:
        d = P.np_dtype_to_tj(np.dtype(dtype))
        if d is None:
            raise Fallback
        return x.to(d)
    if x._dtype.category <= 1:
        return x.to(tj().float64)
    return x


def dims_of(axis, x):
    if axis is np._NoValue:
        axis = None
    return P.norm_axis(axis, x.ndim)


def keep_of(keepdims):
    return False if keepdims is np._NoValue else bool(keepdims)


def _all_dims(x, dims):
    return tuple(range(x.ndim)) if dims is None else dims


# -- reductions ---------------------------------------------------------------------------
@implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=np._NoValue, initial=np._NoValue, where=np._NoValue):
    need_plain(out=out, initial=initial, where=where)
    x = T(a)
    want = P.np_dtype_to_tj(np.sum(np.zeros(1, x._dtype.np), dtype=dtype).dtype)
    dims, keep = dims_of(axis, x), keep_of(keepdims)
    if dims is None:
        r = tj().sum(x, dtype=want)
        return r.reshape((1,) * x.ndim) if keep else r
    return tj().sum(x, dims, keep, dtype=want)


@implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=np._NoValue, initial=np._NoValue, where=np._NoValue):
    need_plain(out=out, initial=initial, where=where)
    x = T(a)
    want = P.np_dtype_to_tj(np.prod(np.zeros(1, x._dtype.np), dtype=dtype).dtype)
    dims, keep = dims_of(axis, x), keep_of(keepdims)
    if dims is None:
        r = tj().prod(x, dtype=want)
        return r.reshape((1,) * x.ndim) if keep else r
    r = x.to(want)
    for d in sorted((d % x.ndim for d in dims), reverse=True):
        r = tj().prod(r, d, keep)
    return r


@implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=np._NoValue, *, where=np._NoValue):
    need_plain(out=out, where=where)
    x = float_of(T(a), dtype)
    dims = dims_of(axis, x)
    return tj().mean(x, dims, keep_of(keepdims))


def _var_like(op, a, axis, dtype, out, ddof, keepdims, where, mean, correction):
    need_plain(out=out, where=where, mean=mean)
    x = float_of(T(a), dtype)
    corr = ddof if correction is np._NoValue else correction
    return getattr(tj(), op)(x, dims_of(axis, x), keepdim=keep_of(keepdims), correction=corr)


@implements(np.var)
def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=np._NoValue, *, where=np._NoValue,
         mean=np._NoValue, correction=np._NoValue):
    return _var_like("var", a, axis, dtype, out, ddof, keepdims, where, mean, correction)


@implements(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=np._NoValue, *, where=np._NoValue,
         mean=np._NoValue, correction=np._NoValue):
    return _var_like("std", a, axis, dtype, out, ddof, keepdims, where, mean, correction)


def _extreme(op):
    def handler(a, axis=None, out=None, keepdims=np._NoValue, initial=np._NoValue, where=np._NoValue):
        need_plain(out=out, initial=initial, where=where)
        x = T(a)
        return getattr(tj(), op)(x, _all_dims(x, dims_of(axis, x)), keep_of(keepdims))
    handler.__name__ = op
    return handler


implements(np.max, np.amax)(_extreme("amax"))
implements(np.min, np.amin)(_extreme("amin"))


def _logical(op):
    def handler(a, axis=None, out=None, keepdims=np._NoValue, *, where=np._NoValue):
        need_plain(out=out, where=where)
        x = T(a)
        dims = dims_of(axis, x)
        keep = keep_of(keepdims)
        if dims is None:
            r = getattr(tj(), op)(x)
            return r.reshape((1,) * x.ndim) if keep else r
        return getattr(tj(), op)(x, dims, keep)
    return handler


implements(np.all)(_logical("all"))
implements(np.any)(_logical("any"))


def _arg(op):
    def handler(a, axis=None, out=None, *, keepdims=np._NoValue):
        need_plain(out=out)
        x = T(a)
        keep = keep_of(keepdims)
        if axis is None:
            r = getattr(tj(), op)(x)
            return r.reshape((1,) * x.ndim) if keep else r
        return getattr(tj(), op)(x, int(axis), keep)
    return handler


implements(np.argmax)(_arg("argmax"))
implements(np.argmin)(_arg("argmin"))


def _scan(op):
    def handler(a, axis=None, dtype=None, out=None):
        need_plain(out=out)
        x = T(a)
        want = P.np_dtype_to_tj(getattr(np, op)(np.zeros(1, x._dtype.np), dtype=dtype).dtype)
        if axis is None:
            x, axis = x.reshape(-1), 0
        return getattr(tj(), op)(x, int(axis), dtype=want)
    return handler


implements(np.cumsum)(_scan("cumsum"))
implements(np.cumprod)(_scan("cumprod"))


@implements(np.nansum)
def _nansum(a, axis=None, dtype=None, out=None, keepdims=np._NoValue, initial=np._NoValue, where=np._NoValue):
    need_plain(out=out, initial=initial, where=where, dtype=dtype)
    x = T(a)
    if x._dtype.category < 2:
        return _sum(x, axis, keepdims=keepdims)
    dims = dims_of(axis, x)
    r = tj().nansum(x, dims, keep_of(keepdims)) if dims is not None else tj().nansum(x)
    return r.reshape((1,) * x.ndim) if dims is None and keep_of(keepdims) else r


@implements(np.nanmean)
def _nanmean(a, axis=None, dtype=None, out=None, keepdims=np._NoValue, *, where=np._NoValue):
    need_plain(out=out, where=where)
    x = float_of(T(a), dtype)
    dims = dims_of(axis, x)
    return tj().nanmean(x, dims, keep_of(keepdims))


@implements(np.median)
def _median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    need_plain(out=out)
    return _quantile(a, 0.5, axis=axis, keepdims=keepdims)


@implements(np.quantile)
def _quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
              weights=None, interpolation=None):
    need_plain(out=out, weights=weights, interpolation=interpolation)
    if method not in ("linear", "lower", "higher", "midpoint", "nearest") or isinstance(axis, (tuple, list)):
        raise Fallback
    x = float_of(T(a))
    qt = q if isinstance(q, (int, float)) else P.cast(T(q), x._dtype.np)
    return tj().quantile(x, qt, None if axis is None else int(axis), bool(keepdims), interpolation=method)


@implements(np.percentile)
def _percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
                weights=None, interpolation=None):
    q = q / 100 if isinstance(q, (int, float)) else T(q).to(tj().float64) / 100
    return _quantile(a, q, axis, out, overwrite_input, method, keepdims, weights=weights,
                     interpolation=interpolation)


@implements(np.ptp)
def _ptp(a, axis=None, out=None, keepdims=np._NoValue):
    need_plain(out=out)
    x = T(a)
    dims = _all_dims(x, dims_of(axis, x))
    return tj().amax(x, dims, keep_of(keepdims)) - tj().amin(x, dims, keep_of(keepdims))


@implements(np.count_nonzero)
def _count_nonzero(a, axis=None, *, keepdims=False):
    x = T(a)
    if keepdims:
        raise Fallback
    return tj().count_nonzero(x, dims_of(axis, x))


# Importing the second half registers its handlers.
from . import _protocols_func2  # noqa: E402

HANDLER_MODULES = (_protocols_func2,)

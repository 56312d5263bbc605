"""Reductions built from the rows of ``kernels.reductions.REDUCTIONS``: sum, prod, mean, amax,
amin, any, all, count_nonzero, max/min (whole tensor or along a dim), and, from
tensorjit/_reduce_stats.py, nansum, nanmean, var, std, var_mean, std_mean, norm, argmax,
argmin, aminmax and logsumexp. The work happens in ``tensorjit._reduce`` (dims, dtypes,
layout) and kernels/cpu/reduction.py.
"""
from __future__ import annotations

from .._reduce import reduce
from .._reduce_stats import (nansum, nanmean, var, std, var_mean, std_mean, norm, argmax, argmin, aminmax,
                             logsumexp, max_min_dim)
from .._tensor import Tensor
from ..kernels.reductions import REDUCTIONS

__all__ = ["sum", "prod", "mean", "amax", "amin", "any", "all", "count_nonzero", "max", "min", "nansum", "nanmean",
           "var", "std", "var_mean", "std_mean", "norm", "argmax", "argmin", "aminmax", "logsumexp"]

_R = REDUCTIONS


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum of ``input`` over ``dim`` (all dims when None). Bool and integer inputs sum in int64.

    >>> import tensorjit as tj
    >>> x = tj.tensor([[1, 2, 3], [4, 5, 6]])
    >>> x.sum().item(), x.sum(0).tolist(), tuple(x.sum(1, keepdim=True).shape)
    (21, [5, 7, 9], (2, 1))
    """
    return reduce(_R["sum"], input, dim, keepdim, dtype=dtype, out=out)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of ``input`` over ``dim`` (all dims when None); bool and integers in int64.

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 2], [3, 4]]).prod(1).tolist()
    [2, 12]
    """
    return reduce(_R["prod"], input, dim, keepdim, dtype=dtype, out=out)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim``; floating and complex inputs only, unless ``dtype=`` names one.

    >>> import tensorjit as tj
    >>> tj.tensor([[1.0, 2.0], [3.0, 5.0]]).mean(0).tolist()
    [2.0, 3.5]
    >>> tj.tensor([1, 2]).mean(dtype=tj.float64).item()
    1.5
    """
    return reduce(_R["mean"], input, dim, keepdim, dtype=dtype, out=out)


def amax(input, dim=(), keepdim=False, *, out=None):
    """Largest element over ``dim`` (all dims by default); NaN wins, as in PyTorch.

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 5], [7, 2]]).amax(1).tolist()
    [5, 7]
    """
    return reduce(_R["amax"], input, _dims_or_none(dim), keepdim, out=out)


def amin(input, dim=(), keepdim=False, *, out=None):
    """Smallest element over ``dim`` (all dims by default); NaN wins, as in PyTorch.

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 5], [7, 2]]).amin(0).tolist()
    [1, 2]
    """
    return reduce(_R["amin"], input, _dims_or_none(dim), keepdim, out=out)


def any(input, dim=None, keepdim=False, *, out=None):
    """Whether any element over ``dim`` is nonzero (bool result; uint8 for uint8 input).

    >>> import tensorjit as tj
    >>> tj.tensor([[0, 0], [0, 3]]).any(1).tolist()
    [False, True]
    """
    return reduce(_R["any"], input, dim, keepdim, out=out)


def all(input, dim=None, keepdim=False, *, out=None):
    """Whether every element over ``dim`` is nonzero (bool result; uint8 for uint8 input).

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 0], [2, 3]]).all(1).tolist()
    [False, True]
    """
    return reduce(_R["all"], input, dim, keepdim, out=out)


def count_nonzero(input, dim=None):
    """Number of nonzero elements over ``dim`` (int64), i.e. ``(input != 0).sum(dim)``.

    >>> import tensorjit as tj
    >>> tj.count_nonzero(tj.tensor([[0, 1], [2, 0]]), dim=0).tolist()
    [1, 1]
    """
    from .pointwise import ne
    if not isinstance(input, Tensor):
        raise TypeError(f"count_nonzero(): argument 'input' must be Tensor, not {type(input).__name__}")
    # Empty dim tuple means all dims for sum; count_nonzero agrees.
    return reduce(_R["sum"], ne(input, 0), dim, False, name="count_nonzero")


def max(input, *args, **kwargs):
    """The largest element of ``input`` (a 0-d tensor); NaN wins. ``max(a, b)`` is ``maximum``;
    ``max(input, dim, keepdim=False, *, out=None)`` gives ``return_types.max(values, indices)``
    (int64 indices of the first occurrence, of the first NaN where there is one).

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 5], [7, 2]]).max().item()
    7
    >>> r = tj.tensor([[1, 5], [7, 2]]).max(1)
    >>> r.values.tolist(), r.indices.tolist()
    ([5, 7], [1, 0])
    """
    return _max_min("max", "amax", "maximum", input, args, kwargs)


def min(input, *args, **kwargs):
    """The smallest element of ``input`` (a 0-d tensor); NaN wins. ``min(a, b)`` is ``minimum``;
    ``min(input, dim, keepdim=False, *, out=None)`` gives ``return_types.min(values, indices)``.

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 5], [7, 2]]).min().item()
    1
    """
    return _max_min("min", "amin", "minimum", input, args, kwargs)


def _max_min(name, rname, pointwise_name, input, args, kwargs):
    other = kwargs.pop("other", None) if "other" in kwargs else None
    if other is None and len(args) == 1 and isinstance(args[0], Tensor):
        other, args = args[0], ()
    if other is not None:
        if args or set(kwargs) - {"out"}:
            raise TypeError(f"{name}(): {name}(input, other) takes only the keyword argument out")
        from . import pointwise
        return getattr(pointwise, pointwise_name)(input, other, **kwargs)
    if not args and "dim" not in kwargs:
        if kwargs:
            raise TypeError(f"{name}(): unexpected keyword arguments {sorted(kwargs)} without dim")
        return reduce(_R[rname], input, None, False, name=name)
    names = ("dim", "keepdim")
    if len(args) > 2:
        raise TypeError(f"{name}(): takes at most 3 positional arguments ({len(args) + 1} given)")
    bound = dict(zip(names, args))
    for k, v in kwargs.items():
        if k not in names + ("out",) or k in bound:
            raise TypeError(f"{name}(): got an unexpected or repeated keyword argument '{k}'")
        bound[k] = v
    return max_min_dim(name, input, bound["dim"], bound.get("keepdim", False), bound.get("out"))


def _dims_or_none(dim):
    # amax/amin default to dim=(): all dims, and an empty input then has no dim to blame.
    return None if isinstance(dim, (tuple, list)) and len(dim) == 0 else dim


METHODS = {"sum": sum, "prod": prod, "mean": mean, "amax": amax, "amin": amin, "any": any, "all": all,
           "count_nonzero": count_nonzero, "max": max, "min": min, "nansum": nansum, "nanmean": nanmean,
           "var": var, "std": std, "norm": norm, "argmax": argmax, "argmin": argmin, "aminmax": aminmax,
           "logsumexp": logsumexp}

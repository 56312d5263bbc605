"""Reductions beyond the plain folds: nansum, nanmean, var, std, var_mean, std_mean, norm,
max/min along a dim, argmax, argmin, aminmax and logsumexp. Exported through
tensorjit/ops/reduction.py; the work happens in ``tensorjit._reduce`` and the kernels of
kernels/cpu/reduction.py (Note [reduction states]).
"""
from __future__ import annotations

import math
import numbers
import operator
import warnings

from . import _dtypes, return_types
from ._dtypes import as_dtype, FLOAT, COMPLEX
from ._reduce import (reduce, reduce2 as _reduce2, reduced_dims, check_nonempty, dtypes, check_out, write_out,
                      out_shape, torch_name)
from ._tensor import Tensor
from ._layouts import KEYED as _KEYED
from .kernels.reductions import REDUCTIONS

_R = REDUCTIONS


def reduce2(row, x, rdims, keepdim, compute, result, name, param=0.0):
    """``_reduce.reduce2``, with CUDA inputs routed to tensorjit/cuda/_reduce_more.py."""
    if x.is_cuda and type(x) not in _KEYED:    # autograd's CUDA tensors go through reduce2's routing
        from .cuda._reduce_more import reduce2 as cuda_reduce2
        return cuda_reduce2(row, x, rdims, keepdim, compute, result, name, param)
    return _reduce2(row, x, rdims, keepdim, compute, result, name, param)


def _require_tensor(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")


# -- nan-ignoring sums ----------------------------------------------------------------------
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` treating NaN as zero; bool and integer inputs sum in int64.

    >>> import tensorjit as tj
    >>> tj.tensor([[1.0, float('nan')], [3.0, 4.0]]).nansum(1).tolist()
    [1.0, 7.0]
    """
    _require_tensor(input, "nansum")
    if input._dtype.category == COMPLEX or (dtype is not None and as_dtype(dtype).category == COMPLEX):
        raise RuntimeError("nansum(): does not support complex inputs")
    return reduce(_R["nansum"], input, dim, keepdim, dtype=dtype, out=out, name="nansum")


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim`` of the elements that are not NaN (NaN where there are none).

    >>> import tensorjit as tj
    >>> tj.tensor([[1.0, float('nan')], [3.0, 4.0]]).nanmean(1).tolist()
    [1.0, 3.5]
    """
    _require_tensor(input, "nanmean")
    if input._dtype.category not in (FLOAT, COMPLEX):
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{torch_name(input._dtype)}")
    if input._dtype.category == COMPLEX:
        raise RuntimeError("nanmean(): does not support complex inputs (it is nansum / count, and nansum "
                           "does not support complex inputs)")
    from .ops.math import isnan, logical_not
    from .ops.pointwise import true_divide
    total = nansum(input, dim, keepdim, dtype=dtype)
    count = reduce(_R["sum"], logical_not(isnan(input)), dim, keepdim, name="nanmean")
    res = true_divide(total, count)
    if out is None:
        return res
    check_out(out, res._dtype, res._shape, "nanmean")
    return write_out(out, res, "nanmean")


# -- var and std -----------------------------------------------------------------------------
def _correction(name, dim, unbiased, correction):
    """(dim, correction) from PyTorch's three forms: ``correction=``, ``unbiased`` as the
    third positional or keyword, and the legacy ``var(input, unbiased)``."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}(): dim must be None, an int or a tuple of ints, got bool")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{name}(): cannot specify both unbiased and correction")
    if unbiased is not None:
        if not isinstance(unbiased, bool):
            raise TypeError(f"{name}(): argument 'unbiased' must be bool, not {type(unbiased).__name__}")
        return dim, 1.0 if unbiased else 0.0
    if correction is None:
        return dim, 1.0
    if isinstance(correction, bool) or not isinstance(correction, numbers.Real):
        raise TypeError(f"{name}(): argument 'correction' must be a number, not {type(correction).__name__}")
    return dim, float(correction)


def _moments(row, name, input, dim, unbiased, keepdim, correction, two):
    _require_tensor(input, name)
    if input._dtype.category not in (FLOAT, COMPLEX):
        raise RuntimeError(f"{name}(): std and var only support floating point and complex dtypes, got "
                           f"{torch_name(input._dtype)}")
    dim, corr = _correction(name, dim, unbiased, correction)
    rdims = reduced_dims(dim, len(input._shape), name)
    n_red = math.prod(input._shape[d] for d in rdims)
    n_out = math.prod(out_shape(input._shape, rdims, keepdim))
    if n_red - corr <= 0 and n_out:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    compute, result = dtypes(row, input._dtype, None, name)
    if two:
        return reduce2(row, input, rdims, keepdim, compute, result, name, param=corr)
    return reduce(row, input, rdims, keepdim, name=name, param=corr)


def _moment_out(res, out, name):
    if out is None:
        return res
    check_out(out, res._dtype, res._shape, name)
    return write_out(out, res, name)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim`` with ``correction`` (default 1: Bessel's); ``unbiased=False`` is
    ``correction=0``. Complex input gives a real result. Accurate: blocks merged by Chan's formula.

    >>> import tensorjit as tj
    >>> x = tj.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    >>> x.var(1).tolist(), x.var(1, unbiased=False).mul(3).tolist()
    ([1.0, 4.0], [2.0, 8.0])
    """
    if out is not None:
        return _moment_out(var(input, dim, unbiased, keepdim, correction=correction), out, "var")
    return _moments(_R["var"], "var", input, dim, unbiased, keepdim, correction, False)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over ``dim`` (the square root of ``var``, same arguments).

    >>> import tensorjit as tj
    >>> tj.tensor([1.0, 3.0, 5.0]).std().item()
    2.0
    """
    if out is not None:
        return _moment_out(std(input, dim, unbiased, keepdim, correction=correction), out, "std")
    return _moments(_R["std"], "std", input, dim, unbiased, keepdim, correction, False)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim`` from one pass (a plain tuple, as PyTorch returns).

    >>> import tensorjit as tj
    >>> v, m = tj.var_mean(tj.tensor([1.0, 2.0, 3.0]))
    >>> v.item(), m.item()
    (1.0, 2.0)
    """
    return _moments(_R["var"], "var_mean", input, dim, unbiased, keepdim, correction, True)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim`` from one pass (a plain tuple, as PyTorch returns).

    >>> import tensorjit as tj
    >>> s, m = tj.std_mean(tj.tensor([1.0, 3.0, 5.0]))
    >>> s.item(), m.item()
    (2.0, 3.0)
    """
    return _moments(_R["std"], "std_mean", input, dim, unbiased, keepdim, correction, True)


# -- norms ---------------------------------------------------------------------------------------
_NORM_ROWS = {0.0: "norm0", 1.0: "norm1", 2.0: "norm2", math.inf: "norminf", -math.inf: "normneginf"}


def _norm_dtypes(input, dtype):
    """(compute, result) of a vector norm, with PyTorch's checks."""
    d = input._dtype
    if d.category not in (FLOAT, COMPLEX):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {torch_name(d)}")
    if dtype is None:
        return d, d.to_real()
    dtype = as_dtype(dtype, op="norm")
    if dtype.category not in (FLOAT, COMPLEX):
        raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got "
                           f"{torch_name(dtype)}")
    if d.category == COMPLEX and dtype.category != COMPLEX:
        raise RuntimeError(f"linalg.vector_norm: dtype should be complex for complex inputs, but got "
                           f"{torch_name(dtype)}")
    if d.category != COMPLEX and dtype.category == COMPLEX:
        raise RuntimeError(f"linalg.vector_norm: dtype should be real for real inputs, but got {torch_name(dtype)}")
    return dtype, dtype.to_real()


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The vector ``p``-norm over ``dim`` (all dims when None): ``p`` a number (0 counts the
    nonzeros, inf/-inf take the largest/smallest ``|x|``) or ``'fro'`` (the 2-norm). Complex
    input gives a real result. ``'nuc'`` needs a singular value decomposition and is refused.

    >>> import tensorjit as tj
    >>> x = tj.tensor([[3.0, -4.0], [0.0, 1.0]])
    >>> x.norm(dim=1).tolist(), x.norm(1).item(), x.norm(float('inf'), 0).tolist()
    ([5.0, 1.0], 8.0, [3.0, 4.0])
    """
    _require_tensor(input, "norm")
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm(): p='nuc' (the nuclear norm) needs the singular values of a matrix "
                                      "(linalg.matrix_norm / linalg.svdvals), which tensorjit does not implement")
        if p != "fro":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        p = 2.0
    elif p is None:
        p = 2.0
    elif isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"norm(): argument 'p' must be a number or 'fro'/'nuc', not {type(p).__name__}")
    p = float(p)
    compute, result = _norm_dtypes(input, dtype)
    rdims = reduced_dims(dim, len(input._shape), "norm")
    if math.isinf(p) and input.numel() == 0:
        if dim is None:
            raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
                               "operation does not have an identity")
        for d in rdims:
            if input._shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the inf norm on the dimension {d} because "
                                   "this dimension is empty and the operation does not have an identity")
    if out is not None:
        check_out(out, result, out_shape(input._shape, rdims, keepdim), "norm", exact=True)
    name = _NORM_ROWS.get(p)
    if name is not None:
        res = reduce(_R[name], input, rdims, keepdim, dtype=compute, name="norm")
    else:
        res = _general_norm(input, p, rdims, keepdim, compute, result)
    return res if out is None else write_out(out, res, "norm")


def _general_norm(input, p, rdims, keepdim, compute, result):
    # (sum |x|**p) ** (1/p) from pointwise ops; float16 computes in float32 as the kernels do.
    from .ops.pointwise import abs as abs_, pow as pow_
    work = _dtypes.float32 if compute is _dtypes.float16 else compute
    x = input if input._dtype is work else input.to(work)
    s = reduce(_R["sum"], pow_(abs_(x), p), rdims, keepdim, name="norm")
    r = pow_(s, 1.0 / p)
    return r if r._dtype is result else r.to(result)


# -- values with their positions -------------------------------------------------------------
def _one_dim(dim, name):
    if isinstance(dim, (tuple, list)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    try:
        return operator.index(dim)
    except TypeError:
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}") from None


def _check_indexed_dtype(input, name, bool_ok):
    d = input._dtype
    if d.category == COMPLEX:
        raise RuntimeError(f"{name}(): does not support complex input")
    if d is _dtypes.bool and not bool_ok:
        raise RuntimeError(f"{name}(): does not support bool input")


def max_min_dim(name, input, dim, keepdim, out):
    """``max``/``min`` along one dim: ``return_types.max/min(values, indices)``."""
    _require_tensor(input, name)
    dim = _one_dim(dim, name)
    _check_indexed_dtype(input, name, True)
    row = _R["max_dim" if name == "max" else "min_dim"]
    rdims = reduced_dims(dim, len(input._shape), name)
    check_nonempty(row, input, rdims, dim, name)
    oshape = out_shape(input._shape, rdims, keepdim)
    if out is not None:
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError(f"{name}(): argument 'out' must be a tuple of two Tensors (values, indices)")
        check_out(out[0], input._dtype, oshape, name, exact=True)
        check_out(out[1], _dtypes.int64, oshape, name, exact=True)
    values, indices = reduce2(row, input, rdims, keepdim, input._dtype, input._dtype, name)
    cls = getattr(return_types, name)
    if out is None:
        return cls(values, indices)
    return cls(write_out(out[0], values, name), write_out(out[1], indices, name))


def _arg(name, input, dim, keepdim, out):
    _require_tensor(input, name)
    _check_indexed_dtype(input, name, False)
    row = _R["max_dim" if name == "argmax" else "min_dim"]
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        rdims = tuple(range(len(input._shape)))
    else:
        rdims = reduced_dims(_one_dim(dim, name), len(input._shape), name)
        check_nonempty(row, input, rdims, dim, name)
    oshape = out_shape(input._shape, rdims, keepdim)
    if out is not None:
        check_out(out, _dtypes.int64, oshape, name, exact=True)
    _, indices = reduce2(row, input, rdims, keepdim, input._dtype, input._dtype, name)
    return indices if out is None else write_out(out, indices, name)


def argmax(input, dim=None, keepdim=False, *, out=None):
    """Position (int64) of the largest element over ``dim``, or in the flattened input when
    ``dim`` is None; the first of equal values, the first NaN if there is one.

    >>> import tensorjit as tj
    >>> x = tj.tensor([[1, 5, 5], [7, 2, 7]])
    >>> x.argmax().item(), x.argmax(1).tolist()
    (3, [1, 0])
    """
    return _arg("argmax", input, dim, keepdim, out)


def argmin(input, dim=None, keepdim=False, *, out=None):
    """Position (int64) of the smallest element over ``dim`` (see ``argmax``).

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 5, 0], [0, 2, 7]]).argmin(0).tolist()
    [1, 1, 0]
    """
    return _arg("argmin", input, dim, keepdim, out)


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``return_types.aminmax(min, max)`` over ``dim`` (an int, or None for all elements).

    >>> import tensorjit as tj
    >>> r = tj.aminmax(tj.tensor([[1, 5], [7, 2]]), dim=1)
    >>> r.min.tolist(), r.max.tolist()
    ([1, 2], [5, 7])
    """
    _require_tensor(input, "aminmax")
    if dim is not None:
        dim = _one_dim(dim, "aminmax")
    if input._dtype.category == COMPLEX:
        raise RuntimeError("aminmax(): does not support complex input")
    rdims = reduced_dims(dim, len(input._shape), "aminmax")
    if dim is None and input.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                           "no identity.")
    check_nonempty(_R["amin"], input, rdims, dim, "aminmax")
    oshape = out_shape(input._shape, rdims, keepdim)
    if out is not None:
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError("aminmax(): argument 'out' must be a tuple of two Tensors (min, max)")
        check_out(out[0], input._dtype, oshape, "aminmax", exact=True)
        check_out(out[1], input._dtype, oshape, "aminmax", exact=True)
    lo = reduce(_R["amin"], input, rdims, keepdim, name="aminmax")
    hi = reduce(_R["amax"], input, rdims, keepdim, name="aminmax")
    if out is None:
        return return_types.aminmax(lo, hi)
    return return_types.aminmax(write_out(out[0], lo, "aminmax"), write_out(out[1], hi, "aminmax"))


# -- logsumexp -------------------------------------------------------------------------------
def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input)))`` over ``dim``, computed stably (the max is taken out first).
    Bool and integer inputs compute in the default float dtype.

    >>> import tensorjit as tj
    >>> round(tj.tensor([[0.0, 0.0], [1000.0, 1000.0]]).logsumexp(1)[1].item(), 3)
    1000.693
    """
    _require_tensor(input, "logsumexp")
    if input._dtype.category == COMPLEX:
        raise NotImplementedError("logsumexp(): complex input is not implemented")
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        raise RuntimeError("logsumexp(): dim must name at least one dimension")
    row = _R["logsumexp"]
    rdims = reduced_dims(dim, len(input._shape), "logsumexp")
    if out is not None:
        if not isinstance(out, Tensor):
            raise TypeError(f"logsumexp(): argument 'out' must be Tensor, not {type(out).__name__}")
        if out._dtype.category != FLOAT:
            raise RuntimeError(f"logsumexp(): Expected floating point type for result tensor, but got: "
                               f"{torch_name(out._dtype)}")
    return reduce(row, input, rdims, keepdim, out=out, name="logsumexp")


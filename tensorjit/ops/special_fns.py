"""PyTorch's special functions and composite ops: ``polygamma`` (a pointwise row of
kernels/opdefs.py) and ops built from tensorjit ops (``mvlgamma``, distances, block matrices,
combinatorics), so their gradients come from the ops they use.

Note [composite gradients]
    Where a composite's plain formula has an undefined derivative at a point PyTorch defines
    (the square root of a zero distance), it takes the value through ``_safe_sqrt``: the
    ``where`` hides the singular branch, so the gradient there is 0 as PyTorch's formula gives
    (``_euclidean_dist_backward`` and ``_cdist_backward`` mask zero distances).
"""
from __future__ import annotations

import itertools
import math
import operator

from .. import _dtypes, _layouts
from .._dispatch import compute_dtype, elementwise
from .._reduce import check_out, write_out
from .._tensor import Tensor
from ..kernels.opdefs import POINTWISE

__all__ = ["polygamma", "mvlgamma", "sinc", "sinc_", "i0", "i0_", "special_i0e", "special_i1", "special_i1e",
           "special_zeta", "heaviside", "frexp", "trapezoid", "trapz", "cumulative_trapezoid", "histogram",
           "cdist", "renorm", "block_diag", "cartesian_prod", "combinations"]
METHODS = {}   # Tensor method name -> function (bound in tensorjit/_methods.py)


def _tj():
    import tensorjit
    return tensorjit


def _require_tensor(x, name, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


def _require_int(n, name, arg, pos):
    if isinstance(n, bool) or not isinstance(n, int):
        try:
            n = operator.index(n)
        except TypeError:
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be int, "
                            f"not {type(n).__name__}") from None
    return int(n)


def _finish(result, out, name):
    """``result``, or it written into the validated ``out`` (nothing is written on error)."""
    if out is None:
        return result
    check_out(out, result._dtype, result._shape, name)
    return write_out(out, result, name)


# -- polygamma, mvlgamma -----------------------------------------------------------------------
def _polygamma(n, input, out, inplace, name):
    n = _require_int(n, name, "n", 1)
    _require_tensor(input, name)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    row = POINTWISE["polygamma"]
    compute = compute_dtype(row, (input,), name)   # n takes no part in promotion
    return elementwise(row, (input, n), input if inplace else out, inplace=inplace, name=name,
                       compute=compute)


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of ``digamma`` (``n >= 0``; ``digamma`` itself for 0), in float64
    internally. Integers and bool compute in the default float dtype.

    >>> import tensorjit as tj
    >>> round(tj.polygamma(1, tj.tensor([1.0], dtype=tj.float64)).item(), 12)   # pi ** 2 / 6
    1.644934066848
    """
    return _polygamma(n, input, out, False, "polygamma")


def _polygamma_method(self, n):
    return _polygamma(n, self, None, False, "polygamma")


def polygamma_(self, n):
    """In-place ``polygamma(n, self)``."""
    return _polygamma(n, self, None, True, "polygamma_")


def _mvlgamma_value(input, p, name):
    _require_tensor(input, name)
    p = _require_int(p, name, "p", 2)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    tj = _tj()
    x = input
    if x._dtype.category <= _dtypes.INT:
        x = x.to(_dtypes.get_default_dtype())
    elif x._dtype.category != _dtypes.FLOAT:
        raise RuntimeError(f"\"{name}\" not implemented for '{x._dtype.name}'")
    # PyTorch's formula: sum_i lgamma(x - i / 2) + p (p - 1) / 4 log(pi)
    shifts = tj.arange(-(p - 1) / 2, 0.25, 0.5, dtype=x._dtype)
    return tj.lgamma(x.unsqueeze(-1) + shifts).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


def mvlgamma(input, p, *, out=None):
    """The multivariate log-gamma function of dimension ``p`` (``p >= 1``), elementwise:
    ``sum_{i<p} lgamma(x - i / 2) + p (p - 1) / 4 * log(pi)``.

    >>> import tensorjit as tj
    >>> round(tj.mvlgamma(tj.tensor([2.5], dtype=tj.float64), 2).item(), 6)
    0.857048
    """
    return _finish(_mvlgamma_value(input, p, "mvlgamma"), out, "mvlgamma")


def mvlgamma_(self, p):
    """In-place ``mvlgamma`` (the result must fit ``self``'s dtype)."""
    value = _mvlgamma_value(self, p, "mvlgamma_")
    check_out(self, value._dtype, value._shape, "mvlgamma_")
    return self.copy_(value)


# -- sinc, heaviside, frexp, Bessel functions ---------------------------------------------------
def _unary_row(row_name, input, out, inplace, name):
    _require_tensor(input, name)
    row = POINTWISE[row_name]
    compute = compute_dtype(row, (input,), name)
    return elementwise(row, (input,), input if inplace else out, inplace=inplace, name=name, compute=compute)


def sinc(input, *, out=None):
    """``sin(pi x) / (pi x)``, 1 at 0, elementwise (float64 internally). Integers and bool
    compute in the default float dtype.

    >>> import tensorjit as tj
    >>> tj.sinc(tj.tensor([0.0, 0.5])).tolist()
    [1.0, 0.6366197466850281]
    """
    return _unary_row("sinc", input, out, False, "sinc")


def sinc_(self):
    """In-place ``sinc``."""
    return _unary_row("sinc", self, None, True, "sinc_")


def i0(input, *, out=None):
    """The modified Bessel function of the first kind of order 0, elementwise (float64
    internally). Integers and bool compute in the default float dtype.

    >>> import tensorjit as tj
    >>> tj.i0(tj.tensor([0.0, 1.0], dtype=tj.float64)).tolist()
    [1.0, 1.2660658777520082]
    """
    return _unary_row("i0", input, out, False, "i0")


def i0_(self):
    """In-place ``i0``."""
    return _unary_row("i0", self, None, True, "i0_")


def special_i0e(input, *, out=None):
    """``exp(-|x|) * i0(x)`` (``tensorjit.special.i0e``).

    >>> import tensorjit as tj
    >>> round(tj.special_i0e(tj.tensor([1.0], dtype=tj.float64)).item(), 8)
    0.46575961
    """
    return _unary_row("i0e", input, out, False, "special_i0e")


def special_i1(input, *, out=None):
    """The modified Bessel function of the first kind of order 1 (``tensorjit.special.i1``).

    >>> import tensorjit as tj
    >>> round(tj.special_i1(tj.tensor([1.0], dtype=tj.float64)).item(), 8)
    0.5651591
    """
    return _unary_row("i1", input, out, False, "special_i1")


def special_i1e(input, *, out=None):
    """``exp(-|x|) * i1(x)`` (``tensorjit.special.i1e``).

    >>> import tensorjit as tj
    >>> round(tj.special_i1e(tj.tensor([1.0], dtype=tj.float64)).item(), 8)
    0.20791042
    """
    return _unary_row("i1e", input, out, False, "special_i1e")


def special_zeta(input, other, *, out=None):
    """The Hurwitz zeta function ``sum_k (other + k) ** -input`` (``tensorjit.special.zeta``),
    in float64 internally; operands broadcast (either may be a Python number), integers and bool
    compute in the default float dtype.

    >>> import tensorjit as tj
    >>> round(tj.special_zeta(tj.tensor([2.0], dtype=tj.float64), 1.0).item(), 12)   # pi ** 2 / 6
    1.644934066848
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("zeta(): expected at least one of 'input' and 'other' to be a Tensor")
    row = POINTWISE["zeta"]
    return elementwise(row, (input, other), out, name="special_zeta")


def _heaviside(input, values, out, inplace, name):
    _require_tensor(input, name)
    _require_tensor(values, name, "values")
    if input._dtype is not values._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    if input._dtype.category == _dtypes.COMPLEX:
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    return elementwise(POINTWISE["heaviside"], (input, values), input if inplace else out, inplace=inplace,
                       name=name)


def heaviside(input, values, *, out=None):
    """The Heaviside step: 0 where ``input < 0`` (and NaN), ``values`` where it is 0, 1 above;
    ``input`` and ``values`` broadcast and must share a (non-complex) dtype.

    >>> import tensorjit as tj
    >>> tj.heaviside(tj.tensor([-1.0, 0.0, 2.0]), tj.tensor(0.5)).tolist()
    [0.0, 0.5, 1.0]
    """
    return _heaviside(input, values, out, False, "heaviside")


def heaviside_(self, values):
    """In-place ``heaviside``."""
    return _heaviside(self, values, None, True, "heaviside_")


def frexp(input, *, out=None):
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``, ``|mantissa|`` in
    ``[0.5, 1)`` (0, inf and NaN mantissas as the input, their exponent 0); the exponent is int32.

    >>> import tensorjit as tj
    >>> m, e = tj.frexp(tj.tensor([3.0, -5.5]))
    >>> m.tolist(), e.tolist(), e.dtype
    ([0.75, -0.6875], [2, 3], tensorjit.int32)
    """
    _require_tensor(input, "frexp")
    if input._dtype.category != _dtypes.FLOAT:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    if out is not None:
        if not (isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(o, Tensor) for o in out)):
            raise TypeError("frexp(): argument 'out' must be a tuple of two Tensors")
        if out[0]._dtype is not input._dtype:
            raise RuntimeError("torch.frexp() expects mantissa to have dtype " + input._dtype.name +
                               " but got " + out[0]._dtype.name)
        if out[1]._dtype is not _dtypes.int32:
            raise RuntimeError("torch.frexp() expects exponent to have int dtype but got " + out[1]._dtype.name)
    mantissa = elementwise(POINTWISE["frexp_mantissa"], (input,), name="frexp")
    exponent = elementwise(POINTWISE["frexp_exponent"], (input,), name="frexp").to(_dtypes.int32)
    if out is not None:
        write_out(out[0], mantissa, "frexp")
        write_out(out[1], exponent, "frexp")
        mantissa, exponent = out
    from ..return_types import frexp as _frexp_type
    return _frexp_type(mantissa, exponent)


# -- trapezoid rule ------------------------------------------------------------------------------
def _trapezoid_parts(y, x, dx, dim, name):
    """(y, wrapped dim, spacing): a Python number, or the tensor of spacings broadcast along dim."""
    _require_tensor(y, name, "y")
    key = _layouts.key_of(y, x)
    if key is not None and key != "autograd":   # sparse / quantized: the slicing below is dense-only
        raise _layouts.unsupported(name, key)
    if x is not None and dx is not None:
        raise TypeError(f"{name}(): received both x and dx; pass only one of them")
    from .._shape import wrap_dim
    if y.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = wrap_dim(dim, y.dim(), name)
    if x is None:
        return y, dim, 1 if dx is None else dx
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'x' must be Tensor, not {type(x).__name__}")
    tj = _tj()
    if x.dim() == 1:
        if x._shape[0] != y._shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.dim()
        shape[dim] = max(x._shape[0] - 1, 0)
        return y, dim, tj.diff(x).reshape(shape)
    return y, dim, tj.diff(x, dim=dim if x.dim() == y.dim() else dim - y.dim())


def _pairs(y, dim):
    lead = (slice(None),) * dim
    return y[lead + (slice(1, None),)] + y[lead + (slice(None, -1),)]


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoid rule along ``dim``: sample points ``x`` (1-d, or broadcastable to ``y``) or
    a constant spacing ``dx`` (default 1). Integers compute in the default float dtype.

    >>> import tensorjit as tj
    >>> tj.trapezoid(tj.tensor([1.0, 2.0, 3.0]), tj.tensor([0.0, 1.0, 3.0])).item()
    6.5
    """
    y, dim, d = _trapezoid_parts(y, x, dx, dim, "trapezoid")
    if y._shape[dim] == 0:
        return _tj().zeros([n for i, n in enumerate(y._shape) if i != dim],
                           dtype=y._dtype if y._dtype.category >= _dtypes.FLOAT else _dtypes.get_default_dtype())
    if isinstance(d, Tensor):
        # PyTorch's forms, so values and gradients round alike
        return (d * _pairs(y, dim)).sum(dim) / 2
    return (y.sum(dim) - (y.select(dim, 0) + y.select(dim, -1)) * 0.5) * d


def trapz(y, x=None, *, dx=None, dim=-1):
    """``trapezoid`` (NumPy's older name): ``trapz(y, x, dim=-1)`` or ``trapz(y, dx=1, dim=-1)``.

    >>> import tensorjit as tj
    >>> tj.trapz(tj.tensor([1.0, 2.0, 3.0]), dx=2.0).item()
    8.0
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid rule along ``dim`` (one element fewer than ``y`` there).

    >>> import tensorjit as tj
    >>> tj.cumulative_trapezoid(tj.tensor([1.0, 2.0, 3.0])).tolist()
    [1.5, 4.0]
    """
    y, dim, d = _trapezoid_parts(y, x, dx, dim, "cumulative_trapezoid")
    if isinstance(d, Tensor):
        return (d * _pairs(y, dim)).cumsum(dim) / 2
    return (d / 2 * _pairs(y, dim)).cumsum(dim)


def _linspace_edges(lo, hi, steps, d):
    # PyTorch's linspace in the edges' dtype (its histogram edges, to the last bit): from the
    # start for the first half, from the end for the second
    import numpy as np
    t = np.float32 if d.itemsize <= 4 else np.float64
    lo, hi = t(lo), t(hi)
    step = (hi - lo) / t(steps - 1)
    i = np.arange(steps)
    return np.where(i < steps // 2, lo + step * i.astype(t), hi - step * (steps - 1 - i).astype(t)).astype(t)


# -- histogram -----------------------------------------------------------------------------------
def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """``(hist, bin_edges)``: counts (or summed ``weight``) of ``input``'s elements in ``bins``
    equal-width bins over ``range`` (default: the data's min and max, widened by 0.5 each way
    when they are equal) or between the edges of the 1-d tensor ``bins``; each bin holds its
    left edge, the last also its right one; values outside, NaN included, are not counted.
    ``density`` divides by the total and the bin widths.

    >>> import tensorjit as tj
    >>> h, e = tj.histogram(tj.tensor([1.0, 2.0, 1.0, 2.5, 4.0]), 3)
    >>> h.tolist(), e.tolist()
    ([2.0, 2.0, 1.0], [1.0, 2.0, 3.0, 4.0])
    """
    _require_tensor(input, "histogram")
    tj = _tj()
    d = input._dtype
    if d.category != _dtypes.FLOAT:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{d.name}'")
    if weight is not None:
        _require_tensor(weight, "histogram", "weight")
        if weight._shape != input._shape:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as "
                               f"the input tensor excluding its innermost dimension, but got input with shape "
                               f"{list(input._shape)} and weight with shape {list(weight._shape)}")
        if weight._dtype is not d:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                               f"should have the same dtype, but got input({d.name}), and weight({weight._dtype.name})")
    if isinstance(bins, Tensor):
        if bins.dim() != 1 or bins.numel() < 1:
            raise RuntimeError("torch.histogram(): bins tensor should have one dimension and at least 1 edge, "
                               f"but got shape {list(bins._shape)}")
        if bins._dtype is not d:
            raise RuntimeError("torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                               f"but got input {d.name} and bins {bins._dtype.name}")
        edges = bins
    else:
        n = _require_int(bins, "histogram", "bins", 2)
        if n <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {n} for dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif input.numel() == 0:
            lo, hi = 0.0, 1.0
        else:
            lo, hi = input.min().item(), input.max().item()
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo} max {hi} "
                               "for dimension 0")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{lo}, {hi}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = tj.tensor(_linspace_edges(lo, hi, n + 1, d), dtype=d)
    if out is not None:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("histogram(): argument 'out' must be a tuple of two Tensors")
        for o in out:
            check_out(o, d, o._shape if isinstance(o, Tensor) else (), "histogram")
    nb = max(edges._shape[0] - 1, 0)
    x = input.detach().reshape(-1)
    w = None if weight is None else weight.detach().reshape(-1)
    if nb == 0:
        hist = tj.zeros(0, dtype=d)
    else:
        # the bin of x is the last edge <= x; the right edge belongs to the last bin
        idx = tj.searchsorted(edges, x, right=True) - 1
        idx = tj.where(x == edges[-1], nb - 1, idx)
        keep = (x >= edges[0]) & (x <= edges[-1])
        hist = tj.bincount(idx[keep], weights=None if w is None else w[keep], minlength=nb).to(d)
        if density:
            hist = hist / (hist.sum() * tj.diff(edges))
    if out is not None:
        write_out(out[0], hist, "histogram")
        write_out(out[1], edges, "histogram")
        hist, edges = out
    from ..return_types import histogram as _histogram_type
    return _histogram_type(hist, edges)


# -- distances ---------------------------------------------------------------------------------
_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _safe_sqrt(d):
    # Note [composite gradients]: 0 (with a zero gradient) where d is 0.
    tj = _tj()
    zero = d == 0   # (NaN stays NaN)
    return tj.where(zero, 0., tj.sqrt(tj.where(zero, 1., d)))


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of ``x1`` (``..., P, M``) and each row of ``x2``
    (``..., R, M``): a ``(..., P, R)`` tensor, batch dims broadcast. ``p = 2`` takes the
    matrix-product path (``|a|^2 - 2 a.b + |b|^2``) when ``compute_mode`` asks for it, or by
    default when ``P`` or ``R`` exceeds 25, as PyTorch.

    >>> import tensorjit as tj
    >>> tj.cdist(tj.tensor([[0.0, 0.0]]), tj.tensor([[3.0, 4.0], [1.0, 0.0]])).tolist()
    [[5.0, 1.0]]
    """
    _require_tensor(x1, "cdist", "x1")
    _require_tensor(x2, "cdist", "x2")
    for t, lab in ((x1, "X1"), (x2, "X2")):
        if t.dim() < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {lab} got: {t.dim()}D")
        if t._dtype.category != _dtypes.FLOAT:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {lab} got: {t._dtype.name}")
    if x1._shape[-1] != x2._shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._shape[-1]} "
                           f"X2: {x2._shape[-1]}")
    if x1._dtype is not x2._dtype:
        raise RuntimeError(f"cdist: expected both inputs to have the same dtype, but got {x1._dtype.name} "
                           f"and {x2._dtype.name}")
    if not isinstance(p, (int, float)) or isinstance(p, bool) or p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    tj = _tj()
    batch = tj.broadcast_shapes(x1._shape[:-2], x2._shape[:-2])
    a = x1.expand(*batch, *x1._shape[-2:])
    b = x2.expand(*batch, *x2._shape[-2:])
    P, R = a._shape[-2], b._shape[-2]
    mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or
                     (compute_mode == "use_mm_for_euclid_dist_if_necessary" and (P > 25 or R > 25)))
    if mm:
        an = (a * a).sum(-1, keepdim=True)
        bn = (b * b).sum(-1, keepdim=True)
        sq = (an - 2 * tj.matmul(a, b.mT)) + bn.mT
        return _safe_sqrt(tj.clamp_min(sq, 0.))
    diff = a.unsqueeze(-2) - b.unsqueeze(-3)   # (..., P, R, M)
    ad = diff.abs()
    if p == 0:
        # the count of differing coordinates, differentiable with the zero gradient PyTorch gives
        return tj.where(ad != 0, 1., ad * 0).sum(-1)
    if p == 1:
        return ad.sum(-1)
    if p == math.inf:
        if ad._shape[-1] == 0:
            return tj.zeros(ad._shape[:-1], dtype=a._dtype)
        # PyTorch's running max(agg, |d|) from 0 skips NaN differences
        return tj.where(tj.isnan(ad), 0., ad).amax(-1)
    if p == 2:
        return _safe_sqrt((diff * diff).sum(-1))
    s = ad.pow(p).sum(-1)
    zero = s == 0
    return tj.where(zero, 0., tj.where(zero, 1., s).pow(1.0 / p))


# -- renorm ------------------------------------------------------------------------------------
def _renorm_value(input, p, dim, maxnorm, name):
    _require_tensor(input, name)
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dim() <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} dimensions")
    if input._dtype.category not in (_dtypes.FLOAT, _dtypes.COMPLEX):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {input._dtype.name}")
    from .._shape import wrap_dim
    dim = wrap_dim(dim, input.dim(), name)
    tj = _tj()
    others = tuple(d for d in range(input.dim()) if d != dim)
    norm = tj.linalg.vector_norm(input, p, dim=others, keepdim=True)
    # PyTorch's factor: maxnorm / (norm + 1e-7) where the norm exceeds maxnorm, else 1
    factor = tj.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.)
    return input * factor.to(norm._dtype)


def renorm(input, p, dim, maxnorm, *, out=None):
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to
    norm ``maxnorm``.

    >>> import tensorjit as tj
    >>> tj.renorm(tj.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.30000001192092896, 0.4000000059604645]]
    """
    return _finish(_renorm_value(input, p, dim, maxnorm, "renorm"), out, "renorm")


def renorm_(self, p, dim, maxnorm):
    """In-place ``renorm``."""
    return self.copy_(_renorm_value(self, p, dim, maxnorm, "renorm_"))


# -- block matrices and combinatorics -----------------------------------------------------------
def block_diag(*tensors):
    """A block-diagonal matrix of the given tensors (0-d as 1x1, 1-d as one row), in their
    promoted dtype.

    >>> import tensorjit as tj
    >>> tj.block_diag(tj.tensor([[1, 2]]), tj.tensor(3)).tolist()
    [[1, 2, 0], [0, 0, 3]]
    """
    tj = _tj()
    mats = []
    for i, t in enumerate(tensors):
        _require_tensor(t, "block_diag", f"tensors[{i}]")
        if t.dim() > 2:
            raise RuntimeError("torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.dim()} dimensions")
        mats.append(t.reshape(1, -1) if t.dim() < 2 else t)
    dtype = _dtypes.result_type(*tensors) if tensors else _dtypes.get_default_dtype()
    cols = sum(m._shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m._shape
        rows.append(tj.cat([tj.zeros(r, left, dtype=dtype), m.to(dtype), tj.zeros(r, cols - left - c, dtype=dtype)],
                           dim=1))
        left += c
    if not rows:
        return tj.zeros(1, 0, dtype=dtype)
    return tj.cat(rows, dim=0)


def cartesian_prod(*tensors):
    """The Cartesian product of 1-d tensors as rows of an ``(N, len(tensors))`` tensor (one
    tensor is returned as is), as ``itertools.product``.

    >>> import tensorjit as tj
    >>> tj.cartesian_prod(tj.tensor([1, 2]), tj.tensor([3, 4])).tolist()
    [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    tj = _tj()
    for i, t in enumerate(tensors):
        _require_tensor(t, "cartesian_prod", f"tensors[{i}]")
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._shape)}")
    if len(tensors) == 1:
        return tensors[0]
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t._dtype is not tensors[0]._dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    grids = tj.meshgrid(*tensors, indexing="ij")
    return tj.stack([g.reshape(-1) for g in grids], dim=1)


def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of the elements of 1-d ``input`` as rows (with
    ``with_replacement``, elements may repeat), in ``itertools.combinations`` order.

    >>> import tensorjit as tj
    >>> tj.combinations(tj.tensor([1, 2, 3])).tolist()
    [[1, 2], [1, 3], [2, 3]]
    """
    _require_tensor(input, "combinations")
    r = _require_int(r, "combinations", "r", 2)
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input._shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    tj = _tj()
    if r == 0:
        return tj.empty(0, dtype=input._dtype)
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = [i for c in gen(range(input._shape[0]), r) for i in c]
    # index_select keeps the gradient path back to input
    picked = tj.index_select(input, 0, tj.tensor(idx, dtype=_dtypes.int64))
    return picked.reshape(len(idx) // r, r)


METHODS.update(polygamma=_polygamma_method, polygamma_=polygamma_, mvlgamma=lambda self, p: mvlgamma(self, p),
               mvlgamma_=mvlgamma_, renorm=lambda self, p, dim, maxnorm: renorm(self, p, dim, maxnorm),
               renorm_=renorm_, sinc=sinc, sinc_=sinc_, i0=i0, i0_=i0_, heaviside=heaviside, heaviside_=heaviside_,
               frexp=lambda self: frexp(self), histogram=histogram)

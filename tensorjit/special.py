"""``tensorjit.special``: PyTorch's ``torch.special`` names. Most are the top-level ops under
their SciPy-style names; ``entr``, ``xlog1py`` and ``ndtr`` are composites of tensorjit ops (so
their gradients come from the ops they use).

>>> import tensorjit as tj
>>> tj.special.expit(tj.tensor([0.0])).tolist(), tj.special.gammaln(tj.tensor([3.0])).tolist()
([0.5], [0.6931471824645996])
"""
from __future__ import annotations

import math

from . import _dtypes
from ._tensor import Tensor
from .ops.math import (sigmoid as expit, logit, erf, erfc, erfinv, expm1, exp2, log1p, lgamma as gammaln, digamma,
                       round, xlogy)
from .ops.reduction import logsumexp
from .ops.activation import softmax, log_softmax
from .ops.special_fns import (polygamma, mvlgamma as multigammaln, sinc, i0, special_i0e as i0e, special_i1 as i1,
                              special_i1e as i1e, special_zeta as zeta)

__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "expm1", "exp2", "log1p", "gammaln", "digamma", "psi",
           "polygamma", "multigammaln", "sinc", "round", "softmax", "log_softmax", "logsumexp", "xlogy", "xlog1py",
           "entr", "i0", "i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_i1", "ndtr", "zeta"]

psi = digamma
modified_bessel_i0, modified_bessel_i1 = i0, i1


def _tj():
    import tensorjit
    return tensorjit


def _float_input(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x._dtype.category == _dtypes.COMPLEX:
        raise RuntimeError(f"\"{name}\" not implemented for '{x._dtype.name}'")
    return x.to(_dtypes.get_default_dtype()) if x._dtype.category <= _dtypes.INT else x


def _finish(value, out, name):
    if out is None:
        return value
    from ._reduce import check_out, write_out
    check_out(out, value._dtype, value._shape, name)
    return write_out(out, value, name)


def entr(input, *, out=None):
    """Elementwise entropy ``-x * log(x)``: 0 at 0, ``-inf`` below 0, NaN for NaN.

    >>> import tensorjit as tj
    >>> tj.special.entr(tj.tensor([0.0, 1.0, -1.0])).tolist()
    [0.0, -0.0, -inf]
    """
    tj = _tj()
    x = _float_input(input, "entr")
    pos = x > 0
    value = tj.where(pos, -x * tj.log(tj.where(pos, x, 1.)), tj.where(x == 0, 0., -math.inf))
    return _finish(tj.where(tj.isnan(x), x, value), out, "entr")


def xlog1py(input, other, *, out=None):
    """``input * log1p(other)``, 0 where ``input`` is 0 (NaN where ``other`` is NaN); operands
    broadcast and promote as ``xlogy``'s.

    >>> import tensorjit as tj
    >>> tj.special.xlog1py(tj.tensor([0.0, 2.0]), tj.tensor([-1.0, 0.0])).tolist()
    [0.0, 0.0]
    """
    tj = _tj()
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("xlog1py(): expected at least one of 'input' and 'other' to be a Tensor")
    x = input if isinstance(input, Tensor) else tj.tensor(input)
    y = other if isinstance(other, Tensor) else tj.tensor(other)
    if x._dtype.category == _dtypes.COMPLEX or y._dtype.category == _dtypes.COMPLEX:
        raise RuntimeError("xlog1py: complex inputs are not supported")
    value = x * tj.log1p(y)
    return _finish(tj.where((x == 0) & ~tj.isnan(y), 0., value), out, "xlog1py")


def ndtr(input, *, out=None):
    """The standard normal distribution function, as PyTorch's (``erf`` near 0, ``erfc`` in
    the tails so they keep their relative accuracy).

    >>> import tensorjit as tj
    >>> tj.special.ndtr(tj.tensor([0.0])).tolist()
    [0.5]
    """
    tj = _tj()
    x = _float_input(input, "ndtr") * math.sqrt(0.5)
    z = x.abs()
    tail = 0.5 * tj.erfc(z)
    value = tj.where(z < math.sqrt(0.5), 0.5 + 0.5 * tj.erf(x), tj.where(x > 0, 1 - tail, tail))
    return _finish(value, out, "ndtr")

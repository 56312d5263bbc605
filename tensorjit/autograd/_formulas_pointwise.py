"""Helpers that the pointwise derivative formulas call (Note [derivative formulas] in
kernels/opdefs.py): the parts of PyTorch's derivatives that do not fit one expression."""
from __future__ import annotations

from .._tensor import Tensor


def _is_complex(v):
    return v.is_complex() if isinstance(v, Tensor) else isinstance(v, complex)


def cj(v):
    """The conjugate of a complex operand (PyTorch's formulas are conjugate Wirtinger derivatives);
    real operands unchanged."""
    if isinstance(v, Tensor) and v.is_complex():
        from .._complex import conj_physical
        return conj_physical(v)
    if isinstance(v, complex):
        return v.conjugate()
    return v


def pow_base(grad, x, y):
    """d(x ** y)/dx: ``y * x ** (y - 1)``, zero where ``y == 0`` (PyTorch's pow_backward)."""
    from .. import where
    if not isinstance(y, Tensor):
        if y == 0:
            return grad * 0
        return grad * cj(y * x ** (y - 1))
    return where(y == 0, 0., grad * cj(y * x ** (y - 1)))


def pow_exponent(grad, x, y, result):
    """d(x ** y)/dy: ``result * log(x)``, zero where ``x == 0`` and ``y >= 0``."""
    from .. import where, log
    if not isinstance(x, Tensor):
        import math
        if x == 0:
            return where(y >= 0, 0., grad * cj(result * float("-inf")))
        return grad * cj(result * math.log(x))
    val = grad * cj(result * log(x))
    if _is_complex(val):
        return val
    return where((x == 0) & (y >= 0), 0., val)


def xlogy_self(grad, x, y):
    """d xlogy(x, y)/dx: ``log(y)``, zero where ``x == 0`` and ``y <= 0``."""
    from .. import where, log
    return where((x == 0) & (y <= 0), 0., grad * log(y))


def angle_backward(grad, x):
    """d angle: zero for real inputs; ``grad * x / |x|^2 * i`` for complex ones, zero at 0
    (PyTorch's angle_backward)."""
    from .. import zeros_like
    if not _is_complex(x):
        return zeros_like(grad)
    r = x.abs()
    # |x|^2 read as 1 at x == 0 (where x itself is 0): fewer complex kernels than a where().
    return x * 1j * (grad / (r * r + (r == 0).to(r.dtype)))


def logit_backward(grad, x):
    """d logit/dx = 1 / (x (1 - x)); NaN outside [0, 1], where logit is NaN (PyTorch's)."""
    from .. import where
    return where((x < 0) | (x > 1), float("nan"), grad / (x * (1 - x)))


def logit_eps_backward(grad, x, eps):
    """logit with eps clamps its input to [eps, 1 - eps]: zero gradient outside."""
    from .. import where
    lo = eps
    hi = 1 - eps
    return where((x < lo) | (x > hi), 0., grad / (x * (1 - x)))

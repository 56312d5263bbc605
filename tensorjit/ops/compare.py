"""Whole-tensor and tolerance comparisons: ``isclose``, ``allclose`` and ``equal``.

``isclose`` is the pointwise row of the same name (``kernels.opdefs``); the other two reduce
its result (or ``eq``'s) to a Python bool. Their public names are exported through
tensorjit/ops/math.py.
"""
from __future__ import annotations

from .. import _dtypes
from .._dispatch import elementwise
from .._tensor import Tensor
from ..kernels.opdefs import POINTWISE
from .pointwise import eq


def _require_tensors(name, input, other):
    for x, arg in ((input, "input"), (other, "other")):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


def _check_close_args(name, input, other, rtol, atol):
    _require_tensors(name, input, other)
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{name}: {input._dtype.name} did not match {other._dtype.name} (shapes "
                           f"{list(input._shape)} and {list(other._shape)}): both operands must have one dtype")
    for v, arg in ((rtol, "rtol"), (atol, "atol")):
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise TypeError(f"{name}(): argument '{arg}' must be float, not {type(v).__name__}")
        if v < 0:
            raise RuntimeError(f"{name}: {arg} must be greater than or equal to zero, but got {v}")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``input`` and ``other`` (one dtype, broadcast) are close: equal, or
    ``|input - other| <= atol + rtol * |other|`` with a finite difference, or both NaN when
    ``equal_nan``. Integers and bool are compared in the default float dtype (exactly when both
    tolerances are zero); complex numbers by their distance, as PyTorch.

    >>> import tensorjit as tj
    >>> tj.isclose(tj.tensor([1.0, 1.1, float("nan")]), tj.tensor([1.0 + 1e-7, 1.0, float("nan")])).tolist()
    [True, False, False]
    """
    _check_close_args("isclose", input, other, rtol, atol)
    d = input._dtype
    if d.category <= _dtypes.INT:
        if rtol == 0 and atol == 0:
            return eq(input, other)
        d = _dtypes.get_default_dtype()
    return elementwise(POINTWISE["isclose"], (input, other, float(rtol), float(atol), bool(equal_nan)), None,
                       name="isclose", compute=d)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of ``isclose(input, other, ...)`` holds, as a Python bool.

    >>> import tensorjit as tj
    >>> tj.allclose(tj.tensor([1.0, 2.0]), tj.tensor([1.0, 2.0 + 1e-6]))
    True
    """
    _check_close_args("allclose", input, other, rtol, atol)
    return bool(isclose(input, other, rtol, atol, equal_nan).all().item())


def equal(input, other):
    """Whether ``input`` and ``other`` have the same shape and the same values (after type
    promotion; NaN is not equal to itself), as a Python bool.

    >>> import tensorjit as tj
    >>> tj.equal(tj.tensor([1, 2]), tj.tensor([1.0, 2.0])), tj.equal(tj.ones(2), tj.ones(1))
    (True, False)
    """
    _require_tensors("equal", input, other)
    if input._shape != other._shape:
        return False
    return bool(eq(input, other).all().item())

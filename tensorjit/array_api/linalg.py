"""The array API ``linalg`` extension, as far as tensorjit's kernels reach.

Every function of the extension: products and norms on tensorjit's kernels, the
decompositions (``cholesky``, ``det``, ``eig``, ``eigvals``, ``eigh``, ``eigvalsh``, ``inv``, ``matrix_rank``,
``pinv``, ``qr``, ``slogdet``, ``solve``, ``svd``, ``svdvals``) through ``tensorjit.linalg``
with the standard's signatures.
"""
from __future__ import annotations

import math

import tensorjit as _tj
from tensorjit import _dtypes

from ._functions import matmul, matrix_transpose, promoted, tensordot, vecdot  # noqa: F401  (part of linalg)

__all__ = ["cholesky", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv", "matmul", "matrix_norm",
           "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd",
           "svdvals", "tensordot", "trace", "vecdot", "vector_norm"]


def cross(x1, x2, /, *, axis=-1):
    """Cross product of 3-vectors along ``axis`` (broadcasting the rest)."""
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError("cross: the axis must have size 3 in both arrays")
    a, b = _tj.broadcast_tensors(*promoted(x1, x2, "cross"))
    return _tj.cross(a, b, dim=axis)


def diagonal(x, /, *, offset=0):
    """Diagonal ``offset`` of the last two axes (a view)."""
    return _tj.diagonal(x, offset, -2, -1)


def outer(x1, x2, /):
    """Outer product of two 1-D arrays."""
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError("outer: expected 1-D arrays")
    return _tj.outer(x1, x2)


def trace(x, /, *, offset=0, dtype=None):
    """Sum of diagonal ``offset`` of the last two axes (integers sum in int64, unsigned in uint64)."""
    from ._functions import _sum_dtype
    return _tj.sum(_tj.diagonal(x, offset, -2, -1), -1, dtype=_sum_dtype(x, dtype))


def _real_float(x, op):
    if x.dtype.category < _dtypes.FLOAT:
        raise TypeError(f"{op}: expected a floating-point array, got {x.dtype.name}")
    return x


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """The ``ord``-norm over ``axis`` (all axes when None); the result is real.

    >>> import tensorjit.array_api as xp
    >>> float(xp.linalg.vector_norm(xp.asarray([3., 4.])))
    5.0
    """
    x = _real_float(x, "vector_norm")
    a = _tj.abs(x)
    axes = tuple(range(x.ndim)) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    if not axes:
        return a
    if ord == math.inf:
        r = _tj.amax(a, axes, keepdims)
    elif ord == -math.inf:
        r = _tj.amin(a, axes, keepdims)
    elif ord == 0:
        r = _tj.sum((a != 0).to(a.dtype), axes, keepdims)
    else:
        r = _tj.norm(a, ord, axes, keepdims)
    return r


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """Matrix norm of the last two axes: ``"fro"``, ``1``, ``-1``, ``inf``, ``-inf``, ``2``, ``-2``,
    ``"nuc"`` (the last three from singular values)."""
    x = _real_float(x, "matrix_norm")
    a = _tj.abs(x)
    if ord == "fro":
        r = _tj.sqrt(_tj.sum(a * a, (-2, -1)))
    elif ord in (1, -1, math.inf, -math.inf):
        inner, outer_ = (-2, -1) if ord in (1, -1) else (-1, -2)
        s = _tj.sum(a, inner, keepdim=True)
        r = (_tj.amax if ord > 0 else _tj.amin)(s, outer_ if outer_ == -1 else -2, True)
        r = r.reshape(tuple(x.shape[:-2]))
    else:
        return _tj.linalg.matrix_norm(x, ord, keepdim=keepdims)
    return r.reshape(tuple(x.shape[:-2]) + (1, 1)) if keepdims else r


def matrix_power(x, n, /):
    """``x`` (square matrices) to the integer power ``n`` by repeated squaring (``n < 0``: of the inverse)."""
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError("matrix_power: expected square matrices")
    if n < 0:
        return _tj.linalg.matrix_power(x, n)
    r = _tj.eye(x.shape[-1], dtype=x.dtype).expand(*x.shape).clone()
    base = x
    while n:
        if n & 1:
            r = _tj.matmul(r, base)
        n >>= 1
        if n:
            base = _tj.matmul(base, base)
    return r


def cholesky(x, /, *, upper=False):
    """Cholesky factor of Hermitian positive-definite matrices (lower, or upper)."""
    return _tj.linalg.cholesky(x, upper=upper)


def det(x, /):
    """Determinants of square matrices."""
    return _tj.linalg.det(x)


def eig(x, /):
    """``(eigenvalues, eigenvectors)`` of general square matrices: complex results (complex64 for
    float32 input), eigenvectors normalised to unit length (new in 2025.12)."""
    return _tj.linalg.eig(_real_or_complex_float(x, "eig"))


def eigvals(x, /):
    """Eigenvalues of general square matrices, complex (new in 2025.12)."""
    return _tj.linalg.eigvals(_real_or_complex_float(x, "eigvals"))


def _real_or_complex_float(x, op):
    if x.dtype.category < _dtypes.FLOAT:
        raise TypeError(f"{op}: only floating-point dtypes are allowed, got {x.dtype.name}")
    return x


def eigh(x, /):
    """``(eigenvalues, eigenvectors)`` of Hermitian matrices."""
    return _tj.linalg.eigh(x)


def eigvalsh(x, /):
    """Eigenvalues of Hermitian matrices, ascending."""
    return _tj.linalg.eigvalsh(x)


def inv(x, /):
    """Inverses of square matrices."""
    return _tj.linalg.inv(x)


def matrix_rank(x, /, *, rtol=None):
    """Ranks from singular values above ``rtol`` times the largest."""
    return _tj.linalg.matrix_rank(x, rtol=rtol)


def pinv(x, /, *, rtol=None):
    """Moore-Penrose pseudo-inverses."""
    return _tj.linalg.pinv(x, rtol=rtol)


def qr(x, /, *, mode="reduced"):
    """``(Q, R)`` factorisation, ``mode`` "reduced" or "complete"."""
    return _tj.linalg.qr(x, mode)


def slogdet(x, /):
    """``(sign, logabsdet)`` of square matrices."""
    return _tj.linalg.slogdet(x)


def solve(x1, x2, /):
    """Solutions ``X`` of ``x1 @ X = x2``; a 1-D ``x2`` is one vector, otherwise a stack of matrices.
    The operands promote to a common dtype first, as the standard's binary functions do."""
    d = _tj.promote_types(x1.dtype, x2.dtype)
    x1, x2 = x1.to(d), x2.to(d)
    if x2.ndim == 1:
        return _tj.linalg.solve(x1, x2)
    return _tj.linalg.solve(x1, x2)


def svd(x, /, *, full_matrices=True):
    """``(U, S, Vh)`` with ``x = U @ diag(S) @ Vh``."""
    return _tj.linalg.svd(x, full_matrices)


def svdvals(x, /):
    """Singular values, descending."""
    return _tj.linalg.svdvals(x)

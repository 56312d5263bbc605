"""Norms, condition numbers, matrix functions and products of ``tensorjit.linalg``."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _dtypes
from .._reduce import torch_name
from .._tensor import Tensor
from ..ops.blas import matmul
from ..ops.blas_ext import vecdot, cross as _cross
from ._common import (check_float, check_matrix, check_out, check_tensor, finish, prepare, wrap)
from ._decomp import inv, svdvals
from .._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]

__all__ = ["norm", "vector_norm", "matrix_norm", "cond", "matrix_power", "matrix_exp", "multi_dot", "cross",
           "diagonal", "vecdot", "matmul"]


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The vector ``ord``-norm of ``x`` over ``dim`` (all dims when None): ``sum(|x|**ord) **
    (1/ord)``, with 0 counting nonzeros and inf/-inf the largest/smallest ``|x|``. Real result.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.vector_norm(tj.tensor([[3., 4.], [0., 0.]])).item()
    5.0
    """
    from .._reduce_stats import norm as _norm
    if not isinstance(x, Tensor):    # CUDA tensors too: the norm reductions run on both devices
        raise TypeError(f"linalg.vector_norm(): argument 'x' must be Tensor, not {type(x).__name__}")
    if isinstance(ord, str) or isinstance(ord, bool) or not isinstance(ord, numbers.Real):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return _norm(x, float(ord), dim, keepdim, out=out, dtype=dtype)


def _matrix_dims(A, dim, name):
    from .._shape import wrap_dim
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (wrap_dim(d, A.ndim, name) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """The matrix norm of the matrices over the two dims ``dim``: ``'fro'`` (Frobenius), ``'nuc'``
    (sum of singular values), 2/-2 (largest/smallest singular value), 1/-1 (max/min absolute
    column sum), inf/-inf (max/min absolute row sum). Real result.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> A = tj.tensor([[1., -2.], [3., 4.]])
    >>> la.matrix_norm(A, 1).item(), la.matrix_norm(A, float('inf')).item()
    (6.0, 7.0)
    """
    from ..ops.reduction import amax, amin, sum as sum_
    from ..ops.pointwise import abs as abs_
    name = "linalg.matrix_norm"
    check_tensor(A, name)
    check_float(A, name)
    check_matrix(A, name)
    if isinstance(ord, bool) or ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{name}: Order {ord} not supported.")
    d0, d1 = _matrix_dims(A, dim, name)
    check_out(out, name)
    if dtype is not None:
        A = A.to(_dtypes.as_dtype(dtype, op=name))
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, out=out)
    if ord in ("nuc", 2, -2):
        from .._views import movedim
        s = svdvals(movedim(A, (d0, d1), (-2, -1)))
        r = sum_(s, -1) if ord == "nuc" else (amax if ord == 2 else amin)(s, -1)
    else:
        # 1-norms sum over rows (d0) then pick over columns (d1); inf-norms the other way round.
        inner, outer = (d0, d1) if abs(ord) == 1 else (d1, d0)
        r = (amax if ord > 0 else amin)(sum_(abs_(A), inner, keepdim=True), outer, keepdim=True)
        r = r.squeeze((d0, d1))
    if keepdim:
        for d in sorted((d0, d1)):
            r = r.unsqueeze(d)
    return finish(r.contiguous(), out, name)


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """A vector or matrix norm, chosen as PyTorch chooses: a matrix norm when ``dim`` is a
    2-tuple (or ``dim`` is None, ``ord`` is given and ``A`` is 2-d), a vector norm otherwise
    (``ord=None`` with ``dim=None`` is the 2-norm of all elements).

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.norm(tj.tensor([[3., 4.], [0., 0.]])).item(), la.norm(tj.tensor([[1., 2.], [3., 4.]]), 1).item()
    (5.0, 6.0)
    """
    name = "linalg.norm"
    check_tensor(A, name)
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            if isinstance(ord, str):
                raise RuntimeError(f"{name}: Order {ord} not supported.")
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
        raise RuntimeError(f"{name}: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.ndim not in (1, 2):
        raise RuntimeError(f"{name}: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.ndim}D.")
    if A.ndim == 1:
        if isinstance(ord, str):
            raise RuntimeError(f"{name}: Order {ord} not supported.")
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None):
    """Condition number of each matrix in the ``p`` norm: ``norm(A) * norm(inv(A))``, or from
    the singular values for ``p`` None/2/-2 (any shape then). A singular square matrix gives inf
    for the norms that need the inverse.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.cond(tj.tensor([[2., 0.], [0., 0.5]])).item()
    4.0
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.cond", key):
        return _lookup("linalg.cond", key)(A, p, out=out)
    name = "linalg.cond"
    if p is not None and p not in _MATRIX_ORDS:
        raise RuntimeError(f"{name}: Order {p} not supported.")
    a = prepare(A, name, square=p not in (None, 2, -2))
    check_out(out, name)
    rd = A._dtype.to_real()
    if p in (None, 2, -2):
        s = np.linalg.svd(a, compute_uv=False)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
        return finish(wrap(r, rd), out, name)
    ordn = {"fro": "fro", "nuc": "nuc"}.get(p, p)
    na = np.linalg.norm(a, ord=ordn, axis=(-2, -1))
    ainv = np.empty_like(a)
    ok = np.ones(a.shape[:-2], bool)
    for idx in np.ndindex(*a.shape[:-2]):
        try:
            ainv[idx] = np.linalg.inv(a[idx])
        except np.linalg.LinAlgError:
            ainv[idx], ok[idx] = 0, False
    r = np.where(ok, na * np.linalg.norm(ainv, ord=ordn, axis=(-2, -1)), np.inf)
    return finish(wrap(r, rd), out, name)


def matrix_power(A, n, *, out=None):
    """``A`` (square matrices) to the integer power ``n`` by repeated squaring; ``n < 0`` inverts
    first (float and complex only), ``n == 0`` gives identities.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.matrix_power(tj.tensor([[1, 1], [0, 1]]), 3).tolist()
    [[1, 3], [0, 1]]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.matrix_power", key):
        return _lookup("linalg.matrix_power", key)(A, n, out=out)
    name = "linalg.matrix_power"
    check_tensor(A, name)
    check_matrix(A, name, square=True)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name}(): argument 'n' must be int, not {type(n).__name__}")
    check_out(out, name)
    if n < 0:
        A, n = inv(A), -n
    if n == 0:
        from .._creation import eye
        r = eye(A._shape[-1], dtype=A._dtype).expand(*A._shape).contiguous()
        return finish(r, out, name)
    r, base = None, A
    while n:
        if n & 1:
            r = base if r is None else matmul(r, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return finish(r.contiguous() if r is A else r, out, name)


# Note [matrix exponential]: Higham's scaling and squaring with the [13/13] Pade approximant
# (SIAM J. Matrix Anal. Appl. 26(4), 2005): A / 2**s has 1-norm at most THETA_13, where the
# approximant is accurate to double precision, and the result is squared back s times. Each
# matrix of a batch gets its own s. Computed in double precision and rounded to A's dtype.
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800., 129060195264000.,
           10559470521600., 670442572800., 33522128640., 1323241920., 40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def matrix_exp(A):
    """The matrix exponential of each square matrix (Pade approximation with scaling and
    squaring, Note [matrix exponential]).

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> [round(v, 6) for v in la.matrix_exp(tj.tensor([[0., 1.], [0., 0.]])).flatten().tolist()]
    [1.0, 1.0, 0.0, 1.0]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.matrix_exp", key):
        return _lookup("linalg.matrix_exp", key)(A)
    name = "linalg.matrix_exp"
    a = prepare(A, name, square=True)
    work = np.complex128 if A.is_complex() else np.float64
    a = np.array(a, dtype=work)
    n = a.shape[-1]
    if a.size == 0:
        return wrap(a, A._dtype)
    norm1 = np.abs(a).sum(-2).max(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.ceil(np.log2(norm1 / _THETA13))
    s = np.where(np.isfinite(s) & (s > 0), s, 0).astype(np.int64)
    a = a / (2.0 ** s)[..., None, None]
    b = _PADE13
    eye = np.eye(n, dtype=work)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    with np.errstate(all="ignore"):
        try:
            r = np.linalg.solve(v - u, v + u)
        except np.linalg.LinAlgError:  # only with non-finite input: the result is NaN there
            r = np.full(a.shape, np.nan, work)
        for k in range(int(s.max(initial=0))):
            sq = r @ r
            r = np.where((s > k)[..., None, None], sq, r)
    return wrap(r, A._dtype)


def _chain_order(dims):
    """Matrix-chain order: split[i][j] is where the product of matrices i..j is best split."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices, multiplied in the order with the fewest operations;
    the first may be a row vector and the last a column vector (1-d), dropped from the result.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.multi_dot([tj.tensor([1., 2.]), tj.tensor([[1., 0.], [0., 1.]]), tj.tensor([3., 4.])]).item()
    11.0
    """
    name = "multi_dot"
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"{name}(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        check_tensor(t, name, f"tensors[{i}]")
        lo = 1 if i in (0, len(tensors) - 1) else 2
        if not lo <= t.ndim <= 2:
            where = "first" if i == 0 else "last" if i == len(tensors) - 1 else None
            raise RuntimeError(f"{name}(): the {where} tensor must be 1D or 2D but got {t.ndim}D" if where else
                               f"{name}(): tensor {i} must be 2D but got {t.ndim}D")
        if t._dtype is not tensors[0]._dtype:
            raise RuntimeError(f"{name}(): all tensors must have be the same dtype but tensor 0 is "
                               f"{torch_name(tensors[0]._dtype)} and tensor {i} {torch_name(t._dtype)}")
    first_vec, last_vec = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(1)
    for i in range(len(mats) - 1):
        if mats[i]._shape[1] != mats[i + 1]._shape[0]:
            raise RuntimeError(f"{name}(): tensors {i} and {i + 1} with shapes {list(tensors[i]._shape)} and "
                               f"{list(tensors[i + 1]._shape)} cannot be multiplied")
    check_out(out, name)
    split = _chain_order([m._shape[0] for m in mats] + [mats[-1]._shape[1]])

    def prod(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return matmul(prod(i, k), prod(k + 1, j))

    r = prod(0, len(mats) - 1)
    if first_vec:
        r = r.squeeze(0)
    if last_vec:
        r = r.squeeze(-1)
    return finish(r.contiguous(), out, name)


def cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (default the last), broadcasting the rest:
    ``tensorjit.cross`` with linalg's default dim.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.cross(tj.tensor([0., 1., 0.]), tj.tensor([0., 0., 1.])).tolist()
    [1.0, 0.0, 0.0]
    """
    key = (type(input) in _KEYED or type(other) in _KEYED) and _key_of(input, other)  # Note [layout dispatch]
    if key and _lookup("linalg.cross", key):
        return _lookup("linalg.cross", key)(input, other, dim=dim, out=out)
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    return _cross(input, other, dim, out=out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal ``offset`` of the matrices over ``dim1``/``dim2`` (a view, the diagonal last).

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.diagonal(tj.tensor([[1, 2], [3, 4]])).tolist()
    [1, 4]
    """
    from .._views import diagonal as _diagonal
    check_tensor(A, "linalg.diagonal")
    return _diagonal(A, offset, dim1, dim2)


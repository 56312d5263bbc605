"""Householder products, tensor inverses and solves, and Vandermonde matrices: composites of
differentiable tensorjit ops, so their gradients (and higher ones) come from those ops."""
from __future__ import annotations

import math

from .. import _dtypes
from .._creation import eye, ones
from .._reduce import torch_name
from .._dtypes import BOOL, COMPLEX, FLOAT
from ._common import check_float, check_matrix, check_out, check_tensor, finish, same_dtype

__all__ = ["householder_product", "tensorinv", "tensorsolve", "vander"]


def _h(t):
    t = t.transpose(-2, -1)
    return t.conj() if t.is_complex() else t


def householder_product(A, tau, *, out=None):
    """The first n columns of ``H_1 H_2 ... H_k`` with ``H_i = I - tau_i v_i v_i^H``, ``v_i`` the
    i-th column of ``A`` (..., m, n) below the diagonal with a unit i-th entry (LAPACK's
    ``orgqr``; ``A, tau`` as :func:`geqrf` returns them).

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.householder_product(tj.tensor([[1.], [1.]]), tj.tensor([1.])).tolist()
    [[0.0], [-1.0]]
    """
    name = "torch.linalg.householder_product"
    check_tensor(A, name, "input")
    check_tensor(tau, name, "tau")
    check_float(A, name)
    check_matrix(A, name, "input")
    m, n = A.shape[-2:]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"{name}: input.dim() - tau.dim() should be 1 but got {A.ndim - tau.ndim}")
    if tau.shape[-1] > n:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    same_dtype(A, tau, name, "input", "tau")
    check_out(out, name)
    d = A._dtype
    V = A.tril(-1) + eye(m, n, dtype=d)
    Q = eye(m, n, dtype=d).expand(*A.shape[:-2], m, n)
    # Q = H_1 (H_2 (... (H_k E))): apply the reflectors right to left to E = I[:, :n].
    for i in reversed(range(tau.shape[-1])):
        v = V.narrow(-1, i, 1)
        Q = Q - (tau.narrow(-1, i, 1).unsqueeze(-1) * v) @ (_h(v) @ Q)
    return finish(Q.clone() if tau.shape[-1] == 0 else Q, out, name)


def tensorinv(A, ind=2, *, out=None):
    """The tensor ``X`` with ``tensordot(A, X, ind)`` the identity: the inverse of ``A`` reshaped to
    a square matrix (rows: the first ``ind`` dims), reshaped to ``A.shape[ind:] + A.shape[:ind]``.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.tensorinv(tj.eye(4).reshape(4, 2, 2), ind=1).shape
    tensorjit.Size([2, 2, 4])
    """
    from ._decomp import inv
    check_tensor(A, "linalg.tensorinv")
    if isinstance(ind, bool) or not isinstance(ind, int) or ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    check_out(out, "linalg.tensorinv")
    return finish(inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind]), out, "linalg.tensorinv")


def tensorsolve(A, B, dims=None, *, out=None):
    """The tensor ``X`` with ``tensordot(A, X, X.ndim) == B``; ``dims`` are dims of ``A`` moved to
    the end first. ``X`` has the shape ``A.shape[B.ndim:]``.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.tensorsolve(2 * tj.eye(4).reshape(2, 2, 4), tj.ones(2, 2)).tolist()
    [0.5, 0.5, 0.5, 0.5]
    """
    from ._decomp import solve
    name = "linalg.tensorsolve"
    check_tensor(A, name)
    check_tensor(B, name, "B")
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.permute(*[d for d in range(A.ndim) if d not in dims], *dims)
    rest = tuple(A.shape[B.ndim:])
    n = math.prod(rest)
    if math.prod(A.shape) != n * n or math.prod(B.shape) != n or tuple(A.shape[:B.ndim]) != tuple(B.shape):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {n} != {math.prod(A.shape[:B.ndim])}")
    check_out(out, name)
    return finish(solve(A.reshape(n, n), B.reshape(n)).reshape(rest), out, name)


def _powers(x, N, name):
    """x[..., None] ** [0, 1, ..., N-1] by cumulative products (integers computed in int64)."""
    from ..ops.scan import cumprod
    from ..ops.shape import cat
    d = x._dtype
    if d.category == BOOL:
        raise RuntimeError(f"{name} supports floating point, complex, and integer tensors, but got "
                           f"{torch_name(d)}")
    rd = d if d.category in (FLOAT, COMPLEX) else _dtypes.int64
    x = x.to(rd).unsqueeze(-1)
    first = ones(tuple(x.shape), dtype=rd)
    if N == 1:
        return first
    return cat([first, cumprod(x.expand(*x.shape[:-1], N - 1), -1)], dim=-1)


def vander(x, *, N=None):
    """The Vandermonde matrix of ``x`` (..., n): ``[..., i, j] = x[..., i] ** j`` for j < N
    (default n), increasing powers; integer input gives int64.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.vander(tj.tensor([1, 2, 3])).tolist()
    [[1, 1, 1], [1, 2, 4], [1, 3, 9]]
    """
    name = "linalg.vander"
    check_tensor(x, name, "x")
    if x.ndim == 0:
        raise RuntimeError("N must be greater than 1.")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    return _powers(x, N, name)

"""LU factorisation with partial pivoting and what is built on it: ``lu_factor(_ex)``, ``lu``,
``lu_unpack``, ``lu_solve`` and the ``*_ex`` variants of inv, solve and cholesky that report
failures in an ``info`` tensor instead of raising.

Note [LU without getrf]
    NumPy exposes no LAPACK ``getrf``, so the factorisation is right-looking Gaussian
    elimination with partial pivoting, vectorised over the batch: ``min(m, n)`` steps, each one
    NumPy pass over every matrix of the batch. The pivot is the first entry of largest
    magnitude, magnitude being ``|re| + |im|`` for complex entries, as LAPACK's ``i?amax``
    picks it (a NaN only when it comes first), so pivots (1-based, int32) and ``info`` (the 1-based index of the first exactly
    zero pivot, 0 when none) agree with LAPACK's. A zero pivot column is left unscaled and
    elimination goes on, as ``getf2`` does. Everything downstream (unpacking, solving) is
    written with differentiable tensorjit ops; only the factorisation itself has a formula
    (PyTorch's ``linalg_lu_backward``, in tensorjit/autograd/_formulas_decomp.py).
"""
from __future__ import annotations

import numpy as np

from .._creation import eye, from_numpy
from .._dtypes import int32
from .._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]
from .._reduce import torch_name
from .._tensor import Tensor
from .. import return_types as _rt
from ._common import (LinAlgError, batch_prefix, check_float, check_matrix, check_out, check_tensor, finish,
                      not_pd_order, prepare, same_dtype, wrap)

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_unpack", "lu_solve", "inv_ex", "solve_ex", "cholesky_ex"]

linalg_lu_factor = _rt.linalg_lu_factor
linalg_lu_factor_ex = _rt.linalg_lu_factor_ex
linalg_lu = _rt.linalg_lu
lu_unpack_t = _rt.lu_unpack
linalg_inv_ex = _rt.linalg_inv_ex
linalg_solve_ex = _rt.linalg_solve_ex
linalg_cholesky_ex = _rt.linalg_cholesky_ex


def _h(t):
    t = t.transpose(-2, -1)
    return t.conj() if t.is_complex() else t


def _plain(t):
    """The values of ``t`` without its autograd history (a plain alias)."""
    return Tensor.detach(t) if type(t) is not Tensor else t


# -- Note [LU without getrf] ------------------------------------------------------------------
def getrf(a):
    """(LU, pivots, info) of the NumPy batch ``a`` (..., m, n), as LAPACK's getrf."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    nb = int(np.prod(batch))
    lu = np.array(a, copy=True).reshape((nb, m, n))
    piv = np.empty((nb, k), np.int32)
    info = np.zeros(nb, np.int32)
    rows = np.arange(nb)
    cplx = np.iscomplexobj(lu)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):   # NaN/inf propagate, as in LAPACK
        _eliminate(lu, piv, info, rows, k, cplx)
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _eliminate(lu, piv, info, rows, k, cplx):
    for j in range(k):
        col = lu[:, j:, j]
        mag = np.abs(col.real) + np.abs(col.imag) if cplx else np.abs(col)
        # i?amax: a NaN first entry wins, a later NaN never compares greater.
        nan = np.isnan(mag)
        if nan.any():
            mag = np.where(nan, -1.0, mag)
            mag[:, 0] = np.where(nan[:, 0], np.inf, mag[:, 0])
        p = j + np.argmax(mag, axis=1)
        piv[:, j] = p + 1
        swap = lu[rows, p].copy()
        lu[rows, p] = lu[rows, j]
        lu[rows, j] = swap
        d = lu[:, j, j]
        zero = d == 0
        info[(info == 0) & zero] = j + 1
        mult = lu[:, j + 1:, j] / np.where(zero, 1, d)[:, None]
        lu[:, j + 1:, j] = mult
        lu[:, j + 1:, j + 1:] -= mult[:, :, None] * lu[:, j, None, j + 1:]


def permutation(piv, m):
    """The permutation ``perm`` (..., m) with ``A[perm] = L U`` for LAPACK pivots ``piv``."""
    batch = piv.shape[:-1]
    perm = np.broadcast_to(np.arange(m), batch + (m,)).reshape(int(np.prod(batch)), m).copy()
    flat = piv.reshape(perm.shape[0], piv.shape[-1]).astype(np.intp) - 1
    rows = np.arange(perm.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j]
        swap = perm[rows, p].copy()
        perm[rows, p] = perm[rows, j]
        perm[rows, j] = swap
    return perm.reshape(batch + (m,))


def _zero_pivot_error(name, info):
    i = int(np.flatnonzero(info.reshape(-1))[0])
    j = int(info.reshape(-1)[i])
    prefix = batch_prefix(i if info.ndim else None)
    return prefix, j


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """LU factorisation with partial pivoting of each matrix of ``A`` (..., m, n), LAPACK's
    compact form: returns ``linalg_lu_factor_ex(LU, pivots, info)`` where ``LU`` holds ``L``
    (unit diagonal implied) below and ``U`` on and above the diagonal, ``pivots`` the 1-based
    int32 row swaps and ``info`` the first zero pivot (0 when none) per matrix.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> LU, piv, info = la.lu_factor_ex(tj.tensor([[1., 2.], [4., 4.]]))
    >>> LU.tolist(), piv.tolist(), info.item()
    ([[4.0, 4.0], [0.25, 1.0]], [2, 2], 0)
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.lu_factor_ex", key):
        return _lookup("linalg.lu_factor_ex", key)(A, pivot=pivot, check_errors=check_errors, out=out)
    name = "linalg.lu_factor_ex"
    a = prepare(A, name)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    check_out(out, name)
    lu_, piv, info = getrf(a)
    if check_errors and info.any():
        prefix, j = _zero_pivot_error(name, info)
        raise LinAlgError(f"{name}: {prefix}The factorization could not be completed because the input matrix is "
                          f"singular (U[{j},{j}] is zero).")
    return finish(linalg_lu_factor_ex(wrap(lu_, A._dtype), from_numpy(piv), from_numpy(info)), out, name)


def lu_factor(A, *, pivot=True, out=None):
    """``linalg_lu_factor(LU, pivots)`` of each matrix (see :func:`lu_factor_ex`); a zero pivot
    raises, as PyTorch's does, since ``lu_solve`` would divide by it.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.lu_factor(tj.tensor([[1., 2.], [3., 4.]])).pivots.tolist()
    [2, 2]
    """
    name = "linalg.lu_factor"
    check_tensor(A, name)
    check_out(out, name)
    r = lu_factor_ex(A, pivot=pivot)
    info = _plain(r.info).numpy()
    if info.any():
        prefix, j = _zero_pivot_error(name, info)
        raise RuntimeError(f"torch.linalg.lu_factor: {prefix}U[{j},{j}] is zero and using it on lu_solve would "
                           "result in a division by zero. If you still want to perform the factorization, consider "
                           "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return finish(linalg_lu_factor(r.LU, r.pivots), out, name)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``lu_unpack(P, L, U)`` from the compact ``(LU, pivots)`` of :func:`lu_factor`, with
    ``A = P @ L @ U``; ``P`` (or ``L`` and ``U``) is an empty tensor when not asked for.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> A = tj.tensor([[1., 2.], [3., 4.]])
    >>> P, L, U = tj.lu_unpack(*la.lu_factor(A))
    >>> (P @ L @ U).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    name = "lu_unpack"
    check_tensor(LU_data, name, "LU_data")
    check_tensor(LU_pivots, name, "LU_pivots")
    check_matrix(LU_data, name, "LU_data")
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    if LU_pivots._dtype is not int32:
        raise RuntimeError(f"{name}: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype. Note: "
                           f"this function is intended to be used with the output produced by torch.linalg.lu_factor, "
                           f"but got {torch_name(LU_pivots._dtype)}")
    if unpack_pivots and tuple(LU_pivots.shape) != tuple(LU_data.shape[:-2]) + (k,):
        raise RuntimeError(f"{name}: Expected LU_pivots.size(-1) == min(LU.size(-1), LU.size(-2)) and the batch "
                           f"dims of LU_pivots to match those of LU_data, but got LU_pivots of shape "
                           f"{list(LU_pivots.shape)} and LU_data of shape {list(LU_data.shape)}")
    check_out(out, name)
    d = LU_data._dtype
    empty = wrap(np.zeros(0), d)
    if unpack_pivots:
        piv = _plain(LU_pivots).numpy()
        if piv.size and (piv.min() < 1 or piv.max() > m):
            raise RuntimeError(f"{name}: LU_pivots must contain indices in the range [1, {m}]")
        perm = permutation(piv, m)
        P = np.zeros(perm.shape + (m,), d.np)
        np.put_along_axis(P, perm[..., None], 1, axis=-1)    # row perm[i] of P ... see below
        P = wrap(np.swapaxes(P, -1, -2), d)                    # P[perm[i], i] = 1
    else:
        P = empty
    if unpack_data:
        L = LU_data.narrow(-1, 0, k).tril(-1) + eye(m, k, dtype=d)
        U = LU_data.narrow(-2, 0, k).triu()
    else:
        L = U = empty
    return finish(lu_unpack_t(P, L, U), out, name)


def lu(A, *, pivot=True, out=None):
    """``linalg_lu(P, L, U)`` of each matrix of ``A`` (..., m, n): ``A = P @ L @ U`` with ``P`` a
    permutation matrix, ``L`` unit lower (m, k) and ``U`` upper (k, n) trapezoidal.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> P, L, U = la.lu(tj.tensor([[1., 2.], [4., 4.]]))
    >>> P.tolist(), U.tolist()
    ([[0.0, 1.0], [1.0, 0.0]], [[4.0, 4.0], [0.0, 1.0]])
    """
    name = "linalg.lu"
    check_tensor(A, name)
    check_out(out, name)
    r = lu_factor_ex(A, pivot=pivot)
    P, L, U = lu_unpack(r.LU, r.pivots)
    return finish(linalg_lu(P, L, U), out, name)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """The solution X of ``A X = B`` given ``(LU, pivots)`` of ``A`` from :func:`lu_factor`;
    ``adjoint=True`` solves with ``A^H``, ``left=False`` solves ``X A = B``. Batched and broadcast.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> LU, piv = la.lu_factor(tj.tensor([[2., 0.], [0., 4.]]))
    >>> la.lu_solve(LU, piv, tj.tensor([[2.], [2.]])).tolist()
    [[1.0], [0.5]]
    """
    from ._decomp import solve_triangular as st
    name = "linalg.lu_solve"
    check_tensor(LU, name, "LU")
    check_tensor(pivots, name, "pivots")
    check_tensor(B, name, "B")
    check_float(LU, name)
    check_matrix(LU, name, "LU", square=True)
    if B.ndim < 2:
        raise RuntimeError(f"{name}: Expected B to have at least 2 dimensions, but it has {B.ndim} dimensions "
                           "instead")
    same_dtype(LU, B, name, "LU", "B")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    if pivots._dtype is not int32 or tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError(f"{name}: Expected pivots to be an int32 tensor of shape {list(LU.shape[:-1])}, but got "
                           f"{torch_name(pivots._dtype)} of shape {list(pivots.shape)}")
    check_out(out, name)
    P = lu_unpack(LU, pivots, unpack_data=False).P
    if left and not adjoint:        # X = U^-1 L^-1 P^T B
        X = st(LU, st(LU, P.mT @ B, upper=False, unitriangular=True), upper=True)
    elif left:                      # A^H = U^H L^H P^T:  X = P L^-H U^-H B
        X = P @ st(_h(LU), st(_h(LU), B, upper=False), upper=True, unitriangular=True)
    elif not adjoint:               # X = B U^-1 L^-1 P^T
        X = st(LU, st(LU, B, upper=True, left=False), upper=False, left=False, unitriangular=True) @ P.mT
    else:                           # X = B P L^-H U^-H
        X = st(_h(LU), st(_h(LU), B @ P, upper=True, left=False, unitriangular=True), upper=False, left=False)
    return finish(X, out, name)


# -- the *_ex variants: failures reported in ``info`` ---------------------------------------------
def _replace_failed(a, failed):
    """``a`` (NumPy, (..., n, n)) with the failing matrices replaced by identities."""
    if not failed.any():
        return a
    a = np.array(a, copy=True)
    a[failed] = np.eye(a.shape[-1], dtype=a.dtype)
    return a


def _info_tensor(info):
    return from_numpy(np.array(info, dtype=np.int32))


def inv_ex(A, *, check_errors=False, out=None):
    """``linalg_inv_ex(inverse, info)``: the inverse of each square matrix and LAPACK's
    ``info`` (the first zero pivot, 0 when invertible); the inverse of a singular matrix is
    NaN-filled, unless ``check_errors=True``, which raises as :func:`inv` does.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.inv_ex(tj.zeros(2, 2)).info.item()
    1
    """
    from ._decomp import inv
    name = "linalg.inv_ex"
    a = prepare(_plain(A) if isinstance(A, Tensor) else A, name, square=True)
    check_out(out, name)
    info = getrf(a)[2] if a.size else np.zeros(a.shape[:-2], np.int32)
    failed = info != 0
    if check_errors and failed.any():
        prefix, j = _zero_pivot_error(name, info)
        raise LinAlgError(f"{name}: {prefix}The diagonal element {j} is zero, the inversion could not be completed "
                          "because the input matrix is singular.")
    if failed.any():
        r = np.linalg.inv(_replace_failed(a, failed))
        r[failed] = np.nan
        res = wrap(r, A._dtype)
    else:
        res = inv(A)
    return finish(linalg_inv_ex(res, _info_tensor(info)), out, name)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``linalg_solve_ex(result, info)``: :func:`solve` with LAPACK's ``info`` per matrix of
    ``A`` instead of an error (the result for a singular matrix is NaN-filled), unless
    ``check_errors=True``.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.solve_ex(tj.eye(2), tj.ones(2)).result.tolist()
    [1.0, 1.0]
    """
    from ._decomp import solve
    name = "linalg.solve_ex"
    a = prepare(_plain(A) if isinstance(A, Tensor) else A, name, square=True)
    check_out(out, name)
    info = getrf(a)[2] if a.size else np.zeros(a.shape[:-2], np.int32)
    failed = info != 0
    if check_errors and failed.any():
        prefix, _ = _zero_pivot_error(name, info)
        raise LinAlgError(f"torch.linalg.solve_ex: {prefix}The solver failed because the input matrix is singular.")
    vec = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if failed.any():
        res = solve(wrap(_replace_failed(a, failed), A._dtype), _plain(B), left=left)
        r = res.numpy()
        r[np.broadcast_to(failed, r.shape[:-1] if vec else r.shape[:-2])] = np.nan
    else:
        res = solve(A, B, left=left)
    return finish(linalg_solve_ex(res, _info_tensor(info)), out, name)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``linalg_cholesky_ex(L, info)``: :func:`cholesky` with, per matrix, the order of the first
    leading minor that is not positive-definite in ``info`` (0 on success) instead of an error;
    ``L`` of a failing matrix is NaN-filled. ``check_errors=True`` raises as :func:`cholesky`.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.cholesky_ex(-tj.eye(2)).info.item()
    1
    """
    from ._decomp import cholesky
    name = "linalg.cholesky_ex"
    a = prepare(_plain(A) if isinstance(A, Tensor) else A, name, square=True)
    check_out(out, name)
    flat = a.reshape((-1,) + a.shape[-2:])
    try:
        np.linalg.cholesky(flat)
        info = np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        info = np.array([not_pd_order(m) or 0 for m in flat], np.int32).reshape(a.shape[:-2])
    failed = info != 0
    if check_errors and failed.any():
        i = int(np.flatnonzero(info.reshape(-1))[0])
        prefix = batch_prefix(i if info.ndim else None)
        raise LinAlgError(f"{name}: {prefix}The factorization could not be completed because the input is not "
                          f"positive-definite (the leading minor of order {int(info.reshape(-1)[i])} is not "
                          "positive-definite).")
    if failed.any():
        L = np.linalg.cholesky(_replace_failed(a, failed))
        L[failed] = np.nan
        if upper:
            L = np.conj(np.swapaxes(L, -1, -2))
        res = wrap(L, A._dtype)
    else:
        res = cholesky(A, upper=upper)
    return finish(linalg_cholesky_ex(res, _info_tensor(info)), out, name)

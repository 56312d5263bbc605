"""Determinants, inverses, solvers and decompositions (Note [linalg via LAPACK] in _common.py)."""
from __future__ import annotations

import numpy as np

from .._shape import broadcast_shapes
from .._tensor import Tensor
from ._common import (LinAlgError, batch_prefix, check_float, check_matrix, check_out, check_tensor, eps,
                      finish, first_failure, linalg_eig, linalg_eigh, linalg_lstsq, linalg_qr, linalg_slogdet,
                      linalg_svd, not_pd_order, prepare, same_dtype, wrap, zero_pivot)
from .. import _dtypes
from .._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]

__all__ = ["det", "slogdet", "inv", "solve", "cholesky", "qr", "eig", "eigvals", "eigh", "eigvalsh", "svd",
           "svdvals", "lstsq", "solve_triangular", "pinv", "matrix_rank"]


def det(A, *, out=None):
    """Determinant of each square matrix of ``A`` (..., n, n).

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.det(tj.tensor([[2., 1.], [1., 3.]])).item()
    5.0
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.det", key):
        return _lookup("linalg.det", key)(A, out=out)
    a = prepare(A, "linalg.det", square=True)
    check_out(out, "linalg.det")
    return finish(wrap(np.linalg.det(a), A._dtype), out, "linalg.det")


def slogdet(A, *, out=None):
    """``(sign, logabsdet)`` of each square matrix: ``det = sign * exp(logabsdet)``; ``sign`` has
    ``A``'s dtype (a unit complex number for complex input), ``logabsdet`` the real dtype.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> r = la.slogdet(tj.tensor([[-2., 0.], [0., 1.]]))
    >>> r.sign.item(), round(r.logabsdet.item(), 4)
    (-1.0, 0.6931)
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.slogdet", key):
        return _lookup("linalg.slogdet", key)(A, out=out)
    a = prepare(A, "linalg.slogdet", square=True)
    check_out(out, "linalg.slogdet")
    sign, logabs = np.linalg.slogdet(a)
    return finish(linalg_slogdet(wrap(sign, A._dtype), wrap(logabs, A._dtype.to_real())), out, "linalg.slogdet")


def _singular_inv(a, name):
    i, piv = first_failure(a, zero_pivot)
    piv = 1 if piv is None else piv
    return LinAlgError(f"{name}: {batch_prefix(i)}The diagonal element {piv} is zero, the inversion could not be "
                       "completed because the input matrix is singular.")


def inv(A, *, out=None):
    """Inverse of each square matrix; a singular one raises LinAlgError naming the batch element
    and the zero pivot, as PyTorch does.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.inv(tj.tensor([[2., 0.], [0., 4.]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.inv", key):
        return _lookup("linalg.inv", key)(A, out=out)
    a = prepare(A, "linalg.inv", square=True)
    check_out(out, "linalg.inv")
    try:
        r = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _singular_inv(a, "linalg.inv") from None
    return finish(wrap(r, A._dtype), out, "linalg.inv")


def _vector_case(A, B):
    """PyTorch's rule: B is a (batch of) vector(s) when 1-d or shaped like A without its last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B._shape == A._shape[:-1])


def solve(A, B, *, left=True, out=None):
    """The solution X of ``A X = B`` (``X A = B`` when ``left=False``), batched and broadcast;
    ``B`` may be a vector. A singular ``A`` raises LinAlgError naming the batch element.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.solve(tj.tensor([[2., 0.], [0., 4.]]), tj.tensor([2., 2.])).tolist()
    [1.0, 0.5]
    """
    key = (type(A) in _KEYED or type(B) in _KEYED) and _key_of(A, B)  # Note [layout dispatch]
    if key and _lookup("linalg.solve", key):
        return _lookup("linalg.solve", key)(A, B, left=left, out=out)
    name = "linalg.solve"
    a = prepare(A, name, square=True)
    check_tensor(B, name, "B")
    check_float(B, name)
    same_dtype(A, B, name)
    vec = _vector_case(A, B)
    b = B.numpy()
    if vec:
        b = b[..., None]
    if b.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({'x'.join(map(str, a.shape[-2:]))} and "
                           f"{'x'.join(map(str, b.shape[-2:]))})")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], op=name)
    check_out(out, name)
    if not left:
        a, b = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    try:
        x = np.linalg.solve(a, b) if 0 not in b.shape else np.zeros(b.shape, a.dtype)
    except np.linalg.LinAlgError:
        i, _ = first_failure(a, zero_pivot)
        raise LinAlgError(f"torch.linalg.solve: {batch_prefix(i)}The solver failed because the input matrix is "
                          "singular.") from None
    if not left:
        x = np.swapaxes(x, -1, -2)
    if vec:
        x = x[..., 0]
    return finish(wrap(x, A._dtype), out, name)


def cholesky(A, *, upper=False, out=None):
    """Cholesky factor of each Hermitian positive-definite matrix: lower ``L`` with ``A = L L^H``
    (upper ``L^H`` when ``upper=True``). Otherwise LinAlgError names the failing leading minor.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.cholesky(tj.tensor([[4., 2.], [2., 2.]])).tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.cholesky", key):
        return _lookup("linalg.cholesky", key)(A, upper=upper, out=out)
    name = "linalg.cholesky"
    a = prepare(A, name, square=True)
    check_out(out, name)
    try:
        L = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        i, k = first_failure(a, not_pd_order)
        raise LinAlgError(f"{name}: {batch_prefix(i)}The factorization could not be completed because the input "
                          f"is not positive-definite (the leading minor of order {k or 1} is not "
                          "positive-definite).") from None
    if upper:
        L = np.conj(np.swapaxes(L, -1, -2))
    return finish(wrap(L, A._dtype), out, name)


_QR_MODES = ("reduced", "complete", "r")


def qr(A, mode="reduced", *, out=None):
    """QR decomposition ``A = Q R`` of each matrix; ``mode`` is ``'reduced'``, ``'complete'`` or
    ``'r'`` (R only; Q is then an empty tensor). Returns ``linalg_qr(Q, R)``.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> Q, R = la.qr(tj.tensor([[3., 1.], [4., 2.]]))
    >>> [round(v, 4) for v in (Q @ R).flatten().tolist()]
    [3.0, 1.0, 4.0, 2.0]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.qr", key):
        return _lookup("linalg.qr", key)(A, mode, out=out)
    name = "linalg.qr"
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    a = prepare(A, name)
    check_out(out, name)
    d = A._dtype
    if mode == "r":
        r = np.linalg.qr(a, mode="r") if a.size else np.zeros(a.shape[:-2] + (min(a.shape[-2:]), a.shape[-1]))
        return finish(linalg_qr(wrap(np.zeros(0), d), wrap(r, d)), out, name)
    q, r = np.linalg.qr(a, mode=mode)
    return finish(linalg_qr(wrap(q, d), wrap(r, d)), out, name)


def eig(A, *, out=None):
    """Eigenvalues and right eigenvectors (unit columns) of each square matrix, always complex
    (complex64 for float32 input). Returns ``linalg_eig(eigenvalues, eigenvectors)``.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.eig(tj.tensor([[2., 0.], [0., 3.]])).eigenvalues.tolist()
    [(2+0j), (3+0j)]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.eig", key):
        return _lookup("linalg.eig", key)(A, out=out)
    a = prepare(A, "linalg.eig", square=True)
    check_out(out, "linalg.eig")
    w, v = np.linalg.eig(a)
    c = A._dtype.to_complex()
    return finish(linalg_eig(wrap(w, c), wrap(v, c)), out, "linalg.eig")


def eigvals(A, *, out=None):
    """Eigenvalues of each square matrix, complex.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.eigvals(tj.tensor([[0., -1.], [1., 0.]])).tolist()
    [1j, -1j]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.eigvals", key):
        return _lookup("linalg.eigvals", key)(A, out=out)
    a = prepare(A, "linalg.eigvals", square=True)
    check_out(out, "linalg.eigvals")
    return finish(wrap(np.linalg.eigvals(a), A._dtype.to_complex()), out, "linalg.eigvals")


def _uplo(UPLO, name):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{name}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (real, ascending) and orthonormal eigenvectors of each Hermitian matrix, from
    its lower (``UPLO='L'``) or upper triangle. Returns ``linalg_eigh(eigenvalues, eigenvectors)``.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.eigh(tj.tensor([[2., 1.], [1., 2.]])).eigenvalues.tolist()
    [1.0, 3.0]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.eigh", key):
        return _lookup("linalg.eigh", key)(A, UPLO, out=out)
    _uplo(UPLO, "linalg.eigh")
    a = prepare(A, "linalg.eigh", square=True)
    check_out(out, "linalg.eigh")
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return finish(linalg_eigh(wrap(w, A._dtype.to_real()), wrap(v, A._dtype)), out, "linalg.eigh")


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (real, ascending) of each Hermitian matrix.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.eigvalsh(tj.tensor([[2., 1.], [1., 2.]])).tolist()
    [1.0, 3.0]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.eigvalsh", key):
        return _lookup("linalg.eigvalsh", key)(A, UPLO, out=out)
    _uplo(UPLO, "linalg.eigvalsh")
    a = prepare(A, "linalg.eigvalsh", square=True)
    check_out(out, "linalg.eigvalsh")
    return finish(wrap(np.linalg.eigvalsh(a, UPLO=UPLO), A._dtype.to_real()), out, "linalg.eigvalsh")


def svd(A, full_matrices=True, *, driver=None, out=None):
    """Singular value decomposition ``A = U diag(S) Vh`` of each matrix, ``S`` real and
    descending. Returns ``linalg_svd(U, S, Vh)``. ``driver`` is accepted for PyTorch
    compatibility (it picks a CUDA solver there) and must be None on the CPU.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.svd(tj.tensor([[3., 0.], [0., -4.]])).S.tolist()
    [4.0, 3.0]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.svd", key):
        return _lookup("linalg.svd", key)(A, full_matrices, driver=driver, out=out)
    name = "linalg.svd"
    a = prepare(A, name)
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")
    check_out(out, name)
    d = A._dtype
    m, n = a.shape[-2:]
    if a.size == 0:
        k = min(m, n)
        batch = a.shape[:-2]
        u = np.zeros(batch + (m, m if full_matrices else k), a.dtype)
        vh = np.zeros(batch + (n if full_matrices else k, n), a.dtype)
        if full_matrices:  # PyTorch gives identities for the complete bases of an empty matrix
            u[...] = np.eye(m, dtype=a.dtype)
            vh[...] = np.eye(n, dtype=a.dtype)
        return finish(linalg_svd(wrap(u, d), wrap(np.zeros(batch + (k,)), d.to_real()), wrap(vh, d)), out, name)
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return finish(linalg_svd(wrap(u, d), wrap(s, d.to_real()), wrap(vh, d)), out, name)


def svdvals(A, *, driver=None, out=None):
    """Singular values of each matrix, real and descending.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.svdvals(tj.tensor([[3., 0.], [0., -4.]])).tolist()
    [4.0, 3.0]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.svdvals", key):
        return _lookup("linalg.svdvals", key)(A, driver=driver, out=out)
    a = prepare(A, "linalg.svdvals")
    check_out(out, "linalg.svdvals")
    s = (np.linalg.svd(a, compute_uv=False) if a.size
         else np.zeros(a.shape[:-2] + (min(a.shape[-2:]),)))
    return finish(wrap(s, A._dtype.to_real()), out, "linalg.svdvals")


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solutions of ``A X = B``, batched and broadcast. Returns
    ``linalg_lstsq(solution, residuals, rank, singular_values)`` filled as PyTorch fills them on
    the CPU: ``rank`` for every driver but ``'gels'``, ``singular_values`` for ``'gelsd'`` and
    ``'gelss'``, ``residuals`` (squared) for all but ``'gelsy'`` when ``m > n`` and every matrix
    has full rank; the others are empty. The default driver is ``'gelsy'``. Solutions come from an SVD
    (LAPACK gelsd) for every driver: they agree wherever the problem has a unique solution.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> r = la.lstsq(tj.tensor([[1., 0.], [0., 1.], [0., 0.]]), tj.tensor([[1.], [2.], [3.]]))
    >>> r.solution.flatten().tolist(), r.rank.item()
    ([1.0, 2.0], 2)
    """
    key = (type(A) in _KEYED or type(B) in _KEYED) and _key_of(A, B)  # Note [layout dispatch]
    if key and _lookup("linalg.lstsq", key):
        return _lookup("linalg.lstsq", key)(A, B, rcond, driver=driver)
    name = "torch.linalg.lstsq"
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    a = prepare(A, "linalg.lstsq")
    check_tensor(B, "linalg.lstsq", "B")
    check_float(B, "linalg.lstsq")
    same_dtype(A, B, "linalg.lstsq", "input", "other")
    if not (A.ndim >= B.ndim and A.ndim - B.ndim <= 1):
        raise RuntimeError(f"{name}: input.dim() must be greater or equal to other.dim() and (input.dim() - "
                           "other.dim()) <= 1")
    vec = B.ndim == A.ndim - 1
    b = B.numpy()[..., None] if vec else B.numpy()
    m, n = a.shape[-2:]
    if b.shape[-2] != m:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-2)")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], op=name)
    a = np.broadcast_to(a, batch + (m, n))
    b = np.broadcast_to(b, batch + b.shape[-2:])
    k = b.shape[-1]
    d, rd = A._dtype, A._dtype.to_real()
    if rcond is None:
        rcond = eps(d) * max(m, n)
    x = np.zeros(batch + (n, k), a.dtype)
    rank = np.zeros(batch, np.int64)
    sv = np.zeros(batch + (min(m, n),), rd.np)
    res = np.zeros(batch + (k,), rd.np)
    for idx in np.ndindex(*batch):
        if a[idx].size == 0:
            continue
        xi, ri, rk, si = np.linalg.lstsq(a[idx], b[idx], rcond=rcond)
        x[idx], rank[idx], sv[idx] = xi, rk, si
        if ri.size:
            res[idx] = ri
    empty = np.zeros(0, rd.np)
    full = bool(np.all(rank == n)) and m > n
    svd_driver = driver in ("gelsd", "gelss")
    res_out = res if (driver != "gelsy" and full) else empty
    if vec:
        x = x[..., 0]
    return linalg_lstsq(wrap(x, d), wrap(res_out, rd), wrap(rank if driver != "gels" else np.zeros(0), _dtypes.int64),
                        wrap(sv if svd_driver else empty, rd))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """The solution X of ``A X = B`` (``X A = B`` when ``left=False``) for triangular ``A``: only
    the ``upper`` (or lower) triangle is read, and its diagonal is taken as ones when
    ``unitriangular``. A zero on the diagonal gives inf/nan, as LAPACK's trsm does.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.solve_triangular(tj.tensor([[2., 1.], [0., 4.]]), tj.tensor([[3.], [4.]]), upper=True).tolist()
    [[1.0], [1.0]]
    """
    key = (type(A) in _KEYED or type(B) in _KEYED) and _key_of(A, B)  # Note [layout dispatch]
    if key and _lookup("linalg.solve_triangular", key):
        return _lookup("linalg.solve_triangular", key)(A, B, upper=upper, left=left,
                                                       unitriangular=unitriangular, out=out)
    name = "linalg.solve_triangular"
    a = prepare(A, name, square=True)
    check_tensor(B, name, "B")
    check_float(B, name)
    check_matrix(B, name, "B")
    same_dtype(A, B, name)
    b = B.numpy()
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({'x'.join(map(str, a.shape[-2:]))} and "
                           f"{'x'.join(map(str, b.shape[-2:]))})")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], op=name)
    check_out(out, name)
    if not left:  # X A = B  <=>  A^T X^T = B^T, and A^T is triangular the other way
        a, b, upper = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2), not upper
    a = np.broadcast_to(a, batch + (n, n))
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=a.dtype)
    # Substitution, one row at a time, vectorised over the batch and the right-hand sides.
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            rest = slice(i + 1, n) if upper else slice(0, i)
            acc = x[..., i, :] - np.einsum("...j,...jk->...k", a[..., i, rest], x[..., rest, :])
            x[..., i, :] = acc if unitriangular else acc / a[..., i, i][..., None]
    if not left:
        x = np.swapaxes(x, -1, -2)
    return finish(wrap(x, A._dtype), out, name)


def _tolerance(s_max, atol, rtol, d, m, n, name):
    """PyTorch's cut-off ``max(atol, rtol * s_max)`` (rtol defaults to eps * max(m, n) when
    atol is not given too, to 0 when only atol is)."""
    def value(v):
        if v is None:
            return None
        if isinstance(v, Tensor):
            check_tensor(v, name, "atol")
            return v.numpy().astype(np.float64)
        return float(v)
    atol, rtol = value(atol), value(rtol)
    if rtol is None:
        rtol = eps(d) * max(m, n) if atol is None or np.all(np.asarray(atol) <= 0) else 0.0
    atol = 0.0 if atol is None else atol
    return np.maximum(atol, np.asarray(rtol) * s_max)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse of each matrix from its SVD (its eigen-decomposition when
    ``hermitian``), singular values at or below ``max(atol, rtol * largest)`` treated as zero.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.pinv(tj.tensor([[2., 0.], [0., 0.]])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.pinv", key):
        return _lookup("linalg.pinv", key)(A, atol=atol, rtol=rtol, hermitian=hermitian, out=out)
    name = "linalg.pinv"
    a = prepare(A, name, square=hermitian)
    check_out(out, name)
    m, n = a.shape[-2:]
    if a.size == 0:
        return finish(wrap(np.zeros(a.shape[:-2] + (n, m)), A._dtype), out, name)
    if hermitian:
        w, v = np.linalg.eigh(a)
        s = np.abs(w)
        u, vh = v, np.conj(np.swapaxes(v, -1, -2))
        sinv_sign = np.sign(w)
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        sinv_sign = 1.0
    tol = _tolerance(s.max(axis=-1), atol, rtol, A._dtype, m, n, name)
    with np.errstate(divide="ignore"):
        sinv = np.where(s > np.asarray(tol)[..., None], sinv_sign / s, 0).astype(s.dtype)
    r = np.conj(np.swapaxes(vh, -1, -2)) @ (sinv[..., :, None] * np.conj(np.swapaxes(u, -1, -2)))
    return finish(wrap(r, A._dtype), out, name)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Numerical rank (int64) of each matrix: the number of singular values (absolute eigenvalues
    when ``hermitian``) above ``max(atol, rtol * largest)``.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> la.matrix_rank(tj.tensor([[1., 2.], [2., 4.]])).item()
    1
    """
    key = (type(A) in _KEYED) and _key_of(A)  # Note [layout dispatch]
    if key and _lookup("linalg.matrix_rank", key):
        return _lookup("linalg.matrix_rank", key)(A, atol=atol, rtol=rtol, hermitian=hermitian, out=out)
    name = "linalg.matrix_rank"
    a = prepare(A, name, square=hermitian)
    check_out(out, name)
    m, n = a.shape[-2:]
    if a.size == 0:
        return finish(wrap(np.zeros(a.shape[:-2], np.int64), _dtypes.int64), out, name)
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    tol = _tolerance(s.max(axis=-1), atol, rtol, A._dtype, m, n, name)
    return finish(wrap((s > np.asarray(tol)[..., None]).sum(-1), _dtypes.int64), out, name)

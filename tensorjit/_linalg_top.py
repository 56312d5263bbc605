"""PyTorch's top-level linear-algebra names (``torch.det``, ``torch.inverse``, ...), star-imported
into ``tensorjit``; each is built on ``tensorjit.linalg`` or on differentiable tensor ops, so
gradients come from those. ``METHODS`` are the ones PyTorch also has as Tensor methods."""
from __future__ import annotations

import warnings

import numpy as np

from . import return_types as _rt

__all__ = ["det", "logdet", "slogdet", "inverse", "svd", "pinverse", "cholesky", "cholesky_solve",
           "cholesky_inverse", "qr", "lu", "lu_solve", "lu_unpack", "matrix_power", "matrix_exp",
           "triangular_solve", "geqrf", "orgqr", "ormqr", "dist", "pdist", "cov", "corrcoef", "vander"]

slogdet_t = _rt.slogdet
svd_t = _rt.svd
qr_t = _rt.qr
triangular_solve_t = _rt.triangular_solve
geqrf_t = _rt.geqrf
lu_with_info_t = _rt._lu_with_info


def _la():
    from . import linalg
    return linalg


def _h(t):
    t = t.transpose(-2, -1)
    return t.conj() if t.is_complex() else t


def _finish(result, out, name):
    from .linalg._common import finish
    return finish(result, out, name)


def _check_out(out, name):
    from .linalg._common import check_out
    check_out(out, name)


def det(input):
    """``linalg.det``. ``tj.det(tj.eye(2)).item()`` gives ``1.0``."""
    return _la().det(input)


def logdet(input):
    """Log-determinant of each square matrix: NaN for a negative real determinant, ``-inf`` for
    a zero one, ``log(sign) + logabsdet`` for complex input.

    >>> import tensorjit as tj
    >>> round(tj.logdet(tj.tensor([[2., 0.], [0., 3.]])).item(), 4)
    1.7918
    """
    sign, logabs = _la().slogdet(input)
    return sign.log() + logabs


def slogdet(input, *, out=None):
    """``slogdet(sign, logabsdet)``, as :func:`tensorjit.linalg.slogdet`.

    >>> import tensorjit as tj
    >>> tj.slogdet(tj.tensor([[-2., 0.], [0., 1.]])).sign.item()
    -1.0
    """
    _check_out(out, "slogdet")
    return _finish(slogdet_t(*_la().slogdet(input)), out, "slogdet")


def inverse(input, *, out=None):
    """``linalg.inv``. ``tj.inverse(2 * tj.eye(2))`` is ``0.5 * tj.eye(2)``."""
    return _la().inv(input, out=out)


def svd(input, some=True, compute_uv=True, *, out=None):
    """The old SVD API: ``svd(U, S, V)`` with ``input = U diag(S) V^H`` (``V``, not ``Vh``);
    ``some=False`` gives full U and V; ``compute_uv=False`` gives zero-filled U (m, m) and
    V (n, n) and the singular values.

    >>> import tensorjit as tj
    >>> tj.svd(tj.tensor([[3., 0.], [0., 4.]])).S.tolist()
    [4.0, 3.0]
    """
    from ._creation import zeros
    la = _la()
    _check_out(out, "svd")
    if not compute_uv:
        S = la.svdvals(input)
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        r = svd_t(zeros(batch + (m, m), dtype=input.dtype), S, zeros(batch + (n, n), dtype=input.dtype))
    else:
        U, S, Vh = la.svd(input, full_matrices=not some)
        r = svd_t(U, S, _h(Vh))
    return _finish(r, out, "svd")


def pinverse(input, rcond=1e-15):
    """``linalg.pinv`` with ``rcond`` as its relative tolerance.

    >>> import tensorjit as tj
    >>> tj.pinverse(tj.tensor([[2., 0.], [0., 0.]])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    return _la().pinv(input, rtol=rcond)


def cholesky(input, upper=False, *, out=None):
    """``linalg.cholesky`` (lower ``L``, or upper ``L^H`` with ``upper=True``).

    >>> import tensorjit as tj
    >>> tj.cholesky(tj.tensor([[4., 2.], [2., 2.]]), upper=True).tolist()
    [[2.0, 1.0], [0.0, 1.0]]
    """
    return _la().cholesky(input, upper=upper, out=out)


def cholesky_solve(B, L, upper=False, *, out=None):
    """The solution X of ``A X = B`` given the Cholesky factor ``L`` of ``A`` (``A = L L^H``, or
    ``A = U^H U`` with ``upper=True``); two triangular solves, batched and broadcast.

    >>> import tensorjit as tj
    >>> tj.cholesky_solve(tj.tensor([[4.], [2.]]), tj.tensor([[2., 0.], [1., 1.]])).tolist()
    [[1.0], [0.0]]
    """
    from .linalg._common import check_float, check_matrix, check_tensor, same_dtype
    la = _la()
    name = "cholesky_solve"
    check_tensor(B, name, "input")
    check_tensor(L, name, "input2")
    check_float(B, name)
    check_matrix(B, name, "input")
    check_matrix(L, name, "input2", square=True)
    same_dtype(B, L, name, "input", "input2")
    if B.shape[-2] != L.shape[-1]:
        raise RuntimeError(f"{name}: Incompatible matrix sizes for {name}: each A matrix is {L.shape[-1]} by "
                           f"{L.shape[-1]} but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    _check_out(out, name)
    lo = _h(L) if upper else L
    X = la.solve_triangular(_h(lo), la.solve_triangular(lo, B, upper=False), upper=True)
    return _finish(X, out, name)


def cholesky_inverse(L, upper=False, *, out=None):
    """The inverse of ``A`` from its Cholesky factor ``L`` (see :func:`cholesky_solve`).

    >>> import tensorjit as tj
    >>> tj.cholesky_inverse(tj.tensor([[2., 0.], [0., 1.]])).tolist()
    [[0.25, 0.0], [0.0, 1.0]]
    """
    from ._creation import eye
    from .linalg._common import check_matrix, check_tensor
    check_tensor(L, "cholesky_inverse", "input")
    check_matrix(L, "cholesky_inverse", "input", square=True)
    _check_out(out, "cholesky_inverse")
    n = L.shape[-1]
    E = eye(n, dtype=L.dtype).expand(*L.shape[:-2], n, n)
    return _finish(cholesky_solve(E, L, upper), out, "cholesky_inverse")


def qr(input, some=True, *, out=None):
    """``qr(Q, R)``: ``linalg.qr`` with mode ``'reduced'`` (``some=True``) or ``'complete'``.

    >>> import tensorjit as tj
    >>> tj.qr(tj.eye(2)).R.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    _check_out(out, "qr")
    return _finish(qr_t(*_la().qr(input, "reduced" if some else "complete")), out, "qr")


def lu(A, pivot=True, get_infos=False, out=None):
    """``(LU, pivots)`` of :func:`tensorjit.linalg.lu_factor`, or ``(LU, pivots, infos)`` when
    ``get_infos=True`` (then a singular matrix does not raise).

    >>> import tensorjit as tj
    >>> tj.lu(tj.tensor([[1., 2.], [3., 4.]]))[1].tolist()
    [2, 2]
    """
    la = _la()
    if get_infos:
        r = lu_with_info_t(*la.lu_factor_ex(A, pivot=pivot))
    else:
        r = la.lu_factor(A, pivot=pivot)
        r = (r.LU, r.pivots)
    return r if out is None else _finish(r, out, "lu")


def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """``linalg.lu_solve(LU_data, LU_pivots, b)``: the solution of ``A X = b`` from A's LU.

    >>> import tensorjit as tj
    >>> LU, piv = tj.lu(2 * tj.eye(2))
    >>> tj.lu_solve(tj.ones(2, 1), LU, piv).tolist()
    [[0.5], [0.5]]
    """
    return _la().lu_solve(LU_data, LU_pivots, b, out=out)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``lu_unpack(P, L, U)`` of a compact LU (:func:`tensorjit.linalg.lu_factor`)."""
    from .linalg._lu import lu_unpack as f
    return f(LU_data, LU_pivots, unpack_data, unpack_pivots, out=out)


def matrix_power(input, n):
    """``linalg.matrix_power``. ``tj.matrix_power(2 * tj.eye(2), 3)`` is ``8 * tj.eye(2)``."""
    return _la().matrix_power(input, n)


def matrix_exp(input):
    """``linalg.matrix_exp``. ``tj.matrix_exp(tj.zeros(2, 2))`` is ``tj.eye(2)``."""
    return _la().matrix_exp(input)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """``triangular_solve(solution, cloned_coefficient)``: the solution of ``op(A) X = b`` with
    ``op(A) = A`` or ``A^T`` (``transpose=True``), and a copy of ``A`` broadcast to the batch.

    >>> import tensorjit as tj
    >>> tj.triangular_solve(tj.tensor([[2.], [4.]]), tj.tensor([[1., 0.], [0., 2.]])).solution.tolist()
    [[2.0], [2.0]]
    """
    from .linalg._common import check_matrix, check_tensor
    name = "triangular_solve"
    check_tensor(b, name, "input")
    check_tensor(A, name, "A")
    check_matrix(b, name, "input")
    check_matrix(A, name, "A", square=True)
    _check_out(out, name)
    X = _la().solve_triangular(A.mT if transpose else A, b, upper=upper != transpose, unitriangular=unitriangular)
    C = A.expand(*X.shape[:-2], *A.shape[-2:]).clone()
    return _finish(triangular_solve_t(X, C), out, name)


def geqrf(input, *, out=None):
    """LAPACK's compact QR ``geqrf(a, tau)``: R on and above the diagonal of ``a``, the Householder
    vectors below it, their scalings in ``tau`` (see :func:`orgqr`). Not differentiable.

    >>> import tensorjit as tj
    >>> a, tau = tj.geqrf(tj.tensor([[3.], [4.]]))
    >>> a.tolist()[0], tau.shape
    ([-5.0], tensorjit.Size([1]))
    """
    from .linalg._common import prepare, wrap
    from .autograd._record import plain
    a = prepare(plain(input), "geqrf", "input")
    _check_out(out, "geqrf")
    m, n = a.shape[-2:]
    if a.size:
        h, tau = np.linalg.qr(a, mode="raw")
        h = np.swapaxes(h, -1, -2)
    else:
        h, tau = a, np.zeros(a.shape[:-2] + (min(m, n),), a.dtype)
    return _finish(geqrf_t(wrap(h, input.dtype), wrap(tau, input.dtype)), out, "geqrf")


def orgqr(input, tau):
    """``linalg.householder_product``: Q of :func:`geqrf`'s ``(a, tau)``."""
    return _la().householder_product(input, tau)


def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """``Q @ other`` (``other @ Q`` when ``left=False``; ``Q^H`` when ``transpose=True``) with Q the
    product of the Householder reflectors ``(input, tau)`` of :func:`geqrf`, never formed.

    >>> import tensorjit as tj
    >>> a, tau = tj.geqrf(tj.tensor([[3.], [4.]]))
    >>> [round(v, 4) for v in tj.ormqr(a, tau, tj.tensor([[1.], [0.]])).flatten().tolist()]
    [-0.6, -0.8]
    """
    from ._creation import eye
    from .linalg._common import check_float, check_matrix, check_tensor, same_dtype
    name = "torch.ormqr"
    for t, arg in ((input, "input"), (tau, "tau"), (other, "other")):
        check_tensor(t, name, arg)
    check_float(input, name)
    check_matrix(input, name, "input")
    check_matrix(other, name, "other")
    same_dtype(input, other, name, "input", "other")
    same_dtype(input, tau, name, "input", "tau")
    mn, k = input.shape[-2], tau.shape[-1]
    if (other.shape[-2] if left else other.shape[-1]) != mn:
        raise RuntimeError(f"{name}: other.shape[{-2 if left else -1}] must be equal to input.shape[-2]")
    if k > min(input.shape[-2:]):
        raise RuntimeError(f"{name}: tau.shape[-1] must be less than or equal to input.shape[-1]")
    _check_out(out, name)
    V = input.narrow(-1, 0, k).tril(-1) + eye(mn, k, dtype=input.dtype)
    C = other
    # Q = H_1 ... H_k with H_i = I - tau_i v_i v_i^H; H_i^H uses conj(tau_i).
    order = range(k) if left == transpose else reversed(range(k))
    for i in order:
        v = V.narrow(-1, i, 1)
        t = tau.narrow(-1, i, 1).unsqueeze(-1)
        if transpose and t.is_complex():
            t = t.conj()
        C = C - (t * v) @ (_h(v) @ C) if left else C - (C @ v) @ (t * _h(v))
    return _finish(C.clone() if C is other else C, out, name)


def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast), a 0-d tensor.

    >>> import tensorjit as tj
    >>> tj.dist(tj.tensor([0., 3.]), tj.tensor([4., 0.])).item()
    5.0
    """
    return _la().vector_norm(input - other, p)


def pdist(input, p=2):
    """The p-norm distances between the rows of ``input`` (N, M), pairs ``i < j`` in row-major
    order: ``N (N - 1) / 2`` values.

    >>> import tensorjit as tj
    >>> tj.pdist(tj.tensor([[0., 0.], [3., 4.], [0., 4.]])).tolist()
    [5.0, 4.0, 3.0]
    """
    from .linalg._common import check_tensor, check_float
    check_tensor(input, "pdist", "input")
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    check_float(input, "pdist")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    from ._creation import from_numpy
    i, j = np.triu_indices(input.shape[0], 1)
    diff = input.index_select(0, from_numpy(i)) - input.index_select(0, from_numpy(j))
    if p == 0:      # PyTorch counts nonzeros as min(ceil(|d|), 1), which keeps NaN
        return diff.abs().ceil().clamp(max=1).sum(-1)
    return _la().vector_norm(diff, p, dim=-1)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the rows of ``input`` (variables) over its columns (observations),
    weighted by integer frequency weights ``fweights`` and/or ``aweights``; ``correction=1``
    is Bessel's correction. 0-d for a 1-d input.

    >>> import tensorjit as tj
    >>> round(tj.cov(tj.tensor([1., 2., 4.])).item(), 4)
    2.3333
    """
    from ._dtypes import COMPLEX, FLOAT, INT
    from ._reduce import torch_name
    from ._tensor import Tensor
    from .linalg._common import check_tensor
    check_tensor(input, "cov", "input")
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if x.dtype.category not in (FLOAT, COMPLEX):
        from . import get_default_dtype
        x = x.to(get_default_dtype())
    n = x.shape[1]
    w = None
    for wt, wname in ((fweights, "fweights"), (aweights, "aweights")):
        if wt is None:
            continue
        check_tensor(wt, "cov", wname)
        if wt.ndim > 1:
            raise RuntimeError(f"cov(): expected {wname} to have one or fewer dimensions but got {wname} with "
                               f"{wt.ndim} dimensions")
        if wt.numel() != n:
            raise RuntimeError(f"cov(): expected {wname} to have the same numel as there are observations in the "
                               f"input but got {wt.numel()} != {n}")
        ok = wt.dtype.category == INT if wname == "fweights" else wt.dtype.category == FLOAT
        if not ok:
            kind = "integral" if wname == "fweights" else "floating point"
            raise RuntimeError(f"cov(): expected {wname} to have {kind} dtype but got {torch_name(wt.dtype)}")
        if (Tensor.detach(wt).numpy() < 0).any():     # a check on the values, before any work
            raise RuntimeError(f"cov(): {wname} cannot be negative")
        w = wt if w is None else w * wt
    if w is not None:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
    else:
        w_sum = n
        avg = x.mean(1)
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if float(norm) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", RuntimeWarning, stacklevel=2)
        norm = norm * 0 if w is not None else 0
    xc = x - avg.unsqueeze(1)
    xw = xc * w if w is not None else xc
    c = xc @ _h(xw)
    return (c / norm).squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the rows of ``input`` (variables) over its columns,
    clipped to [-1, 1] (real and imaginary parts separately for complex input).

    >>> import tensorjit as tj
    >>> tj.corrcoef(tj.tensor([[1., 2., 3.], [3., 2., 1.]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    s = (d.real if d.is_complex() else d).sqrt()
    c = c / s.unsqueeze(1)
    c = c / s.unsqueeze(0)
    if c.is_complex():
        return c.real.clamp(-1, 1) + 1j * c.imag.clamp(-1, 1)
    return c.clamp(-1, 1)


def vander(x, N=None, increasing=False):
    """Vandermonde matrix of the 1-d ``x``: columns ``x ** (N-1), ..., x ** 0`` (ascending with
    ``increasing=True``); ``N`` defaults to ``len(x)``; integer input gives int64.

    >>> import tensorjit as tj
    >>> tj.vander(tj.tensor([1, 2, 3]), N=3).tolist()
    [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    from .linalg._common import check_tensor
    from .linalg._more import _powers
    check_tensor(x, "vander", "x")
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if N == 0:
        from ._creation import empty
        r = _powers(x, 1, "vander")
        return empty((x.shape[0], 0), dtype=r.dtype)
    r = _powers(x, N, "vander")
    return r if increasing else r.flip(-1)


def _m(fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


METHODS = {name: _m(globals()[name]) for name in (
    "det", "logdet", "slogdet", "inverse", "svd", "pinverse", "cholesky", "cholesky_solve", "cholesky_inverse",
    "qr", "lu", "lu_solve", "matrix_power", "matrix_exp", "triangular_solve", "geqrf", "orgqr", "ormqr", "dist",
    "cov", "corrcoef")}

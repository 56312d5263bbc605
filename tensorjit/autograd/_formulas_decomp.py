"""Derivative formulas of the decompositions and matrix functions of ``tensorjit.linalg``
(slogdet, qr, eigh, eig, svd, lstsq, pinv, solve_triangular, matrix_exp, cross), keyed by op
name (``FORMULAS``; conventions as in tensorjit/autograd/_formulas_shape.py), and the
composite routes (``COMPOSITES``) of the functions whose derivative is that of other ops
(eigvalsh through eigh, svdvals through svd, eigvals through eig, cond, matrix_power).

Note [decomposition derivatives]
    The formulas are PyTorch's (its FunctionsManual), written with differentiable tensorjit
    ops so that ``create_graph=True`` records them too. Multi-output ops receive ``None`` for
    an output the loss does not use (their nodes do not materialize zero gradients), and take
    the cheaper path PyTorch takes then: eigenvalues or singular values alone need no division
    by eigenvalue gaps. Where the loss depends on the arbitrary phase of complex singular or
    eigen vectors the backward raises PyTorch's error; repeated eigenvalues (singular values)
    with a loss on the vectors give inf/nan, as in PyTorch. Complex formulas take real and
    imaginary parts, so their second derivatives need those ops to be differentiable.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._formulas_linalg import _h
from ._record import _NAMES, _unwrap, node_class
from .graph import _STATE, requires_grad

# PyTorch's node names (the ops routed through a composite record the node of the op they use).
_NAMES.update({"linalg.slogdet": "LinalgSlogdet", "linalg.qr": "LinalgQr", "linalg.eigh": "LinalgEigh",
               "linalg.svd": "LinalgSvd", "linalg.eig": "LinalgEig", "linalg.lstsq": "LinalgLstsq",
               "linalg.pinv": "LinalgPinv", "linalg.solve_triangular": "LinalgSolveTriangular",
               "linalg.matrix_exp": "LinalgMatrixExp", "linalg.cross": "LinalgCross",
               "linalg.lu_factor_ex": "LinalgLuFactorEx"})
# Note [decomposition derivatives]: unused outputs reach the formula as None.
for _op in ("linalg.slogdet", "linalg.qr", "linalg.eigh", "linalg.svd", "linalg.eig", "linalg.lstsq"):
    node_class(_op).materialize = False


def _real(t):
    from .._complex import real
    return real(t) if t.is_complex() else t


def _imag(t):
    from .._complex import imag
    return imag(t)


def _eye_like(t):
    from .._creation import eye
    return eye(t.shape[-1], dtype=t.dtype)


def _slogdet(ctx, grads, A, *, out=None):
    # d logabsdet = Re tr(A^-1 dA); d sign = i sign Im tr(A^-1 dA) (complex only).
    from ..linalg import inv
    gsign, glog = grads
    A = ctx.saved(A)    # the input's values: an in-place change since raises PyTorch's error
    if A.is_complex():
        if glog is None and gsign is None:
            return None
        g = glog
        if gsign is not None:
            g_sign = _imag(gsign * ctx.result(0).conj()) * 1j
            g = g_sign if glog is None else g_sign + glog
    elif glog is None:
        return None
    else:
        g = glog
    return g.unsqueeze(-1).unsqueeze(-1) * _h(inv(A))


_QR_R_ONLY = ("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
              "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")


def _qr_tall(gQ, gR, Q, R):
    """Gradient of A (m >= n) from PyTorch's linalg_qr_backward."""
    from ..linalg import solve_triangular
    if gR is not None:
        M = gR @ _h(R)
        if gQ is not None:
            M = M - _h(Q) @ gQ
    else:
        M = -(_h(Q) @ gQ)
    up = M.triu(1)
    # X + X^H with the real part of the diagonal halved (X = triu(M)).
    sym = up + _h(up) + _real(M.diagonal(0, -2, -1)).diag_embed()
    gA = Q @ sym
    if gQ is not None:
        gA = gA + gQ
    return solve_triangular(_h(R), gA, upper=False, left=False)


def _qr(ctx, grads, A, mode="reduced", *, out=None):
    gQ, gR = grads
    if mode == "r":
        raise RuntimeError(_QR_R_ONLY)
    m, n = A.shape[-2], A.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    if gQ is None and gR is None:
        return None
    Q, R = ctx.result(0), ctx.result(1)
    if m >= n:
        return _qr_tall(gQ, gR, Q, R)
    # Wide A = [X | Y]: Q R_X = X is a square QR and R_Y = Q^H Y, so Y's gradient is Q gR_Y and
    # Q receives Y gR_Y^H on top of gQ.
    from .._creation import zeros_like
    from ..ops.shape import cat
    Y = ctx.saved(A).narrow(-1, m, n - m)
    gRX = None
    if gR is not None:
        gRX, gRY = gR.narrow(-1, 0, m), gR.narrow(-1, m, n - m)
        extra = Y @ _h(gRY)
        gQ = extra if gQ is None else gQ + extra
        gY = Q @ gRY
    else:
        gY = zeros_like(Y)      # Y moves only R_Y, which the loss does not use
    gX = _qr_tall(gQ, gRX, Q, R.narrow(-1, 0, m))
    return cat([gX, gY], -1)


def _check_phase(diag, what):
    """PyTorch's gauge check: the loss must not depend on the phase of complex eigenvectors
    (PyTorch's allclose(imag(diag(V^H gV)), 0, rtol=1e-2, atol=1e-2))."""
    if np.any(np.abs(diag.detach().numpy().imag) > 1e-2):
        raise RuntimeError(f"{what}: The eigenvectors in the complex case are specified up to multiplication by "
                           "e^{i phi}. The specified loss function depends on this quantity, so it is ill-defined.")


def _eig_backward(gL, gV, L, V, hermitian):
    """PyTorch's linalg_eig_backward: A = V diag(L) V^-1 (V unitary when ``hermitian``)."""
    from ..linalg import solve
    if gV is None:
        if gL is None:
            return None
        gA = gL.diag_embed()
    else:
        VhgV = _h(V) @ gV
        diag = VhgV.diagonal(0, -2, -1)
        if V.is_complex():
            _check_phase(diag, "linalg_eigh_backward" if hermitian else "linalg_eig_backward")
        if hermitian:   # the tangent space of U(n) at the identity: skew-Hermitian matrices
            VhgV = (VhgV - _h(VhgV)) * 0.5
        else:           # ... of the matrices with unit columns
            VhgV = VhgV - _h(V) @ (V * _real(diag).unsqueeze(-2))
        Lc = L.conj() if L.is_complex() else L
        E = Lc.unsqueeze(-2) - Lc.unsqueeze(-1)
        gA = VhgV / (E + _eye_like(E))       # E's diagonal is exactly zero: divide it by one
        if gL is not None:
            gA = gA - gA.diagonal(0, -2, -1).diag_embed() + gL.diag_embed()
    if hermitian:
        return V @ gA @ _h(V)
    return solve(_h(V), gA @ _h(V))


def _eigh(ctx, grads, A, UPLO="L", *, out=None):
    return _eig_backward(grads[0], grads[1], ctx.result(0), ctx.result(1), True)


def _eig(ctx, grads, A, *, out=None):
    return _eig_backward(grads[0], grads[1], ctx.result(0), ctx.result(1), False)


def _svd_backward(gU, gS, gVh, U, S, Vh):
    """PyTorch's svd_backward for the reduced SVD A = U diag(S) Vh."""
    m, n = U.shape[-2], Vh.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return None
        return U @ (gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)) @ Vh
    UhgU = VhgV = None
    if gU is not None:
        UhgU = _h(U) @ gU
        UhgU = UhgU - _h(UhgU)
    if gVh is not None:
        VhgV = Vh @ _h(gVh)
        VhgV = VhgV - _h(VhgV)
    if U.is_complex():
        # PyTorch's allclose(imag(diag(UhgU)), -imag(diag(VhgV)), rtol=1e-2, atol=1e-2).
        a = 0 if UhgU is None else UhgU.diagonal(0, -2, -1).detach().numpy().imag
        b = 0 if VhgV is None else VhgV.diagonal(0, -2, -1).detach().numpy().imag
        if np.any(np.abs(a + b) > 1e-2 + 1e-2 * np.abs(b)):
            raise RuntimeError("svd_backward: The singular vectors in the complex case are specified up to "
                               "multiplication by e^{i phi}. The specified loss function depends on this phase "
                               "term, making it ill-defined.")
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    E = E + _eye_like(E)
    if UhgU is not None and VhgV is not None:
        gA = (UhgU * S.unsqueeze(-2) + VhgV * S.unsqueeze(-1)) / E
    elif UhgU is not None:
        gA = UhgU / E * S.unsqueeze(-2)
    else:
        gA = VhgV * S.unsqueeze(-1) / E
    if gS is not None:
        gA = gA + gS.diag_embed()
    if U.is_complex() and UhgU is not None:
        gA = gA + (UhgU.diagonal(0, -2, -1) / (2 * S)).diag_embed()
    if m > n and gU is not None:
        # gA = [U gA + (I - U U^H) gU S^-1] Vh
        gA = U @ gA
        gUSinv = gU / S.unsqueeze(-2)
        gA = (gA + gUSinv - U @ (_h(U) @ gUSinv)) @ Vh
    elif m < n and gVh is not None:
        # gA = U [gA Vh + S^-1 gVh (I - V Vh)]
        gA = gA @ Vh
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = U @ (gA + SinvgVh - (SinvgVh @ _h(Vh)) @ Vh)
    else:
        gA = U @ (gA @ Vh) if m >= n else (U @ gA) @ Vh
    return gA


def _svd(ctx, grads, A, full_matrices=True, *, driver=None, out=None):
    gU, gS, gVh = grads
    U, S, Vh = ctx.result(0), ctx.result(1), ctx.result(2)
    if full_matrices:   # only the first k = min(m, n) singular vectors are determined by A
        k = S.shape[-1]
        U, Vh = U.narrow(-1, 0, k), Vh.narrow(-2, 0, k)
        gU = None if gU is None else gU.narrow(-1, 0, k)
        gVh = None if gVh is None else gVh.narrow(-2, 0, k)
    return _svd_backward(gU, gS, gVh, U, S, Vh)


def pinv_backward(g, pinvA, A):
    """PyTorch's pinv_backward: the gradient of A from that of its pseudo-inverse."""
    m, n = A.shape[-2], A.shape[-1]
    pinvAh, gh = _h(pinvA), _h(g)
    if m <= n:
        K = gh @ pinvA
        KpinvAh = K @ pinvAh
        return -_h(pinvA @ K) + KpinvAh - (A @ pinvA) @ KpinvAh + (pinvAh @ pinvA) @ (gh - K @ A)
    K = pinvA @ gh
    pinvAhK = pinvAh @ K
    return -_h(K @ pinvA) + (gh - A @ K) @ pinvA @ pinvAh + pinvAhK - pinvAhK @ pinvA @ A


def _pinv(ctx, g, A, *, atol=None, rtol=None, hermitian=False, out=None):
    return pinv_backward(g, ctx.result(), ctx.saved(A))


def _lstsq(ctx, grads, A, B, rcond=None, *, driver=None):
    # The solution is pinv(A) B; the squared residuals |A X - B|^2 move with A and B only
    # through the residual itself (X minimises them). The singular values are not
    # differentiable, as in PyTorch.
    from ..linalg import pinv
    gX, gL = grads[0], grads[1]
    if gX is None and gL is None:
        return None, None
    A, B = ctx.saved(A), ctx.saved(B)
    vec = B.dim() == A.dim() - 1
    if vec:
        B = B.unsqueeze(-1)
    gA = gB = None
    if gX is not None:
        if vec:
            gX = gX.unsqueeze(-1)
        pinvA = pinv(A)
        gA = pinv_backward(gX @ _h(B), pinvA, A) if ctx.needs(0) else None
        gB = _h(pinvA) @ gX if ctx.needs(1) else None
    if gL is not None and gL.numel():
        X = ctx.result(0)
        X = X.unsqueeze(-1) if vec else X
        r = (A @ X - B) * gL.unsqueeze(-2)
        if ctx.needs(0):
            t = 2 * (r @ _h(X))
            gA = t if gA is None else gA + t
        if ctx.needs(1):
            gB = -2 * r if gB is None else gB - 2 * r
    if vec and gB is not None:
        gB = gB.squeeze(-1)
    return gA, gB


def _solve_triangular(ctx, g, A, B, *, upper, left=True, unitriangular=False, out=None):
    # X = A^-1 B: gB = A^-H gX, gA = -gB X^H restricted to A's triangle.
    from ..linalg import solve_triangular
    gB = solve_triangular(_h(ctx.saved(A)), g, upper=not upper, left=left, unitriangular=unitriangular)
    gA = None
    if ctx.needs(0):
        X = ctx.result()
        gA = -(gB @ _h(X)) if left else -(_h(X) @ gB)
        gA = gA.triu(int(unitriangular)) if upper else gA.tril(-int(unitriangular))
    return gA, gB if ctx.needs(1) else None


def _matrix_exp(ctx, g, A):
    # The adjoint of the differential of exp at A is the upper right block of
    # exp([[A^H, g], [0, A^H]]) (Mathias 1996), PyTorch's differential_analytic_matrix_function.
    from .._creation import zeros_like
    from ..linalg import matrix_exp
    from ..ops.shape import cat
    n = A.shape[-1]
    Ah = _h(ctx.saved(A))
    top = cat([Ah, g], -1)
    bottom = cat([zeros_like(Ah), Ah], -1)
    return matrix_exp(cat([top, bottom], -2)).narrow(-2, 0, n).narrow(-1, n, n)


def _cross(ctx, g, input, other, *, dim=-1, out=None):
    from ..linalg import cross
    input, other = ctx.saved(input), ctx.saved(other)
    gi = cross(other.conj() if other.is_complex() else other, g, dim=dim) if ctx.needs(0) else None
    go = cross(g, input.conj() if input.is_complex() else input, dim=dim) if ctx.needs(1) else None
    return gi, go


def lu_backward(gL, gU, P, L, U):
    """Gradient of A = P L U from those of L (m, k) and U (k, n): PyTorch's linalg_lu_backward."""
    from ..linalg import solve_triangular as st
    from ..ops.shape import cat
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if gL is None and gU is None:
        return None
    if m == n:
        gA = _h(L) @ gL if gL is not None else None
        gA = gA.tril(-1) if gA is not None else None
        if gU is not None:
            t = (gU @ _h(U)).triu()
            gA = t if gA is None else gA + t
        gA = st(_h(U), gA, upper=False, left=False)
        gA = st(_h(L), gA, upper=True, unitriangular=True)
    elif m < n:
        U1 = U.narrow(-1, 0, k)
        gA = _h(L) @ gL if gL is not None else None
        if gU is not None:
            t = gU.triu() @ _h(U)
            gA = -t if gA is None else gA - t
        gA = st(_h(U1), gA.tril(-1), upper=False, left=False)
        if gU is not None:
            gA = cat([gA + gU.narrow(-1, 0, k).triu(), gU.narrow(-1, k, n - k)], dim=-1)
        gA = st(_h(L), gA, upper=True, unitriangular=True)
        if gU is None:
            gA = cat([gA, (U.narrow(-1, k, n - k) * 0).detach()], dim=-1)
    else:
        L1 = L.narrow(-2, 0, k)
        gA = gU @ _h(U) if gU is not None else None
        if gL is not None:
            t = _h(L) @ gL.tril(-1)
            gA = -t if gA is None else gA - t
        gA = st(_h(L1), gA.triu(), upper=True, unitriangular=True)
        if gL is not None:
            gA = cat([gA + gL.narrow(-2, 0, k).tril(-1), gL.narrow(-2, k, m - k)], dim=-2)
        gA = st(_h(U), gA, upper=False, left=False)
        if gL is None:
            gA = cat([gA, (L.narrow(-2, k, m - k) * 0).detach()], dim=-2)
    return P @ gA


def _lu_factor_ex(ctx, grads, A, *, pivot=True, check_errors=False, out=None):
    # PyTorch's lu_factor_ex_backward: L's gradient is the first k columns of LU's, U's the
    # first k rows (each formula keeps the triangle it needs).
    from ..linalg._lu import lu_unpack
    g = grads[0]
    if g is None:
        return None
    LU = ctx.result(0)
    P, L, U = lu_unpack(LU, ctx.result(1))
    m, n = LU.shape[-2:]
    k = min(m, n)
    return lu_backward(g.narrow(-1, 0, k), g.narrow(-2, 0, k), P, L, U)


FORMULAS = {"linalg.slogdet": _slogdet, "linalg.qr": _qr, "linalg.eigh": _eigh, "linalg.eig": _eig,
            "linalg.svd": _svd, "linalg.pinv": _pinv, "linalg.lstsq": _lstsq,
            "linalg.solve_triangular": _solve_triangular, "linalg.matrix_exp": _matrix_exp,
            "linalg.cross": _cross, "linalg.lu_factor_ex": _lu_factor_ex}


# -- composite routes -----------------------------------------------------------------------------
def _composite(name, impl, check):
    """The autograd route of ``tensorjit.linalg.<name>``: ``impl`` (differentiable ops) when an
    operand requires grad in grad mode, after ``check`` (the dense function's argument checks,
    on plain aliases); the dense function on plain aliases otherwise."""

    def handler(*args, **kwargs):
        from .. import linalg
        pa, pk, inputs = _unwrap(args, kwargs)
        if not (_STATE[0] and any(requires_grad(t) for t in inputs)):
            return getattr(linalg, name)(*pa, **pk)
        if kwargs.get("out") is not None:
            raise RuntimeError(f"linalg_{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        pk.pop("out", None)
        kwargs.pop("out", None)
        check(*pa, **pk)
        return impl(*args, **kwargs)

    handler.__name__ = name
    return handler


def _eigvalsh(A, UPLO="L"):
    from ..linalg import eigh
    return eigh(A, UPLO).eigenvalues


def _check_eigvalsh(A, UPLO="L"):
    from ..linalg._common import prepare
    from ..linalg._decomp import _uplo
    _uplo(UPLO, "linalg.eigvalsh")
    prepare(A, "linalg.eigvalsh", square=True)


def _svdvals(A, *, driver=None):
    from ..linalg import svd
    return svd(A, full_matrices=False, driver=driver).S


def _check_svdvals(A, *, driver=None):
    from ..linalg._common import prepare
    prepare(A, "linalg.svdvals")


def _eigvals(A):
    from ..linalg import eig
    return eig(A).eigenvalues


def _check_eigvals(A):
    from ..linalg._common import prepare
    prepare(A, "linalg.eigvals", square=True)


def _cond(A, p=None):
    # PyTorch's composite: a ratio of singular values, or norm(A) * norm(inv(A)).
    from ..linalg import inv, matrix_norm, svdvals
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = s.select(-1, 0), s.select(-1, -1)
        return small / big if p == -2 else big / small
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def _check_cond(A, p=None):
    from ..linalg._common import prepare
    from ..linalg._funcs import _MATRIX_ORDS
    if p is not None and p not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.cond: Order {p} not supported.")
    prepare(A, "linalg.cond", square=p not in (None, 2, -2))


def _matrix_power(A, n):
    # Repeated squaring with differentiable products; n == 0 gives identities that still depend
    # on A (a zero gradient, PyTorch's CopyBackwards), n == 1 a copy.
    from ..linalg import inv
    if n == 0:
        zero = A.narrow(-1, 0, 0).sum(-1, keepdim=True)      # (..., n, 1) of exact zeros
        return _eye_like(A) + zero
    if n < 0:
        A, n = inv(A), -n
    r, base = None, A
    while n:
        if n & 1:
            r = base if r is None else r @ base
        n >>= 1
        if n:
            base = base @ base
    return r.clone() if r is A else r


def _check_matrix_power(A, n):
    import numbers
    from ..linalg._common import check_matrix, check_tensor
    name = "linalg.matrix_power"
    check_tensor(A, name)
    check_matrix(A, name, square=True)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name}(): argument 'n' must be int, not {type(n).__name__}")


COMPOSITES = {"linalg." + k: _composite(k, f, c) for k, f, c in (
    ("eigvalsh", _eigvalsh, _check_eigvalsh), ("svdvals", _svdvals, _check_svdvals),
    ("eigvals", _eigvals, _check_eigvals), ("cond", _cond, _check_cond),
    ("matrix_power", _matrix_power, _check_matrix_power))}


# The ops whose formulas read their results (the others need no saved outputs).
SAVES_RESULT = frozenset({"linalg.slogdet", "linalg.qr", "linalg.eigh", "linalg.eig", "linalg.svd", "linalg.pinv",
                          "linalg.solve_triangular", "linalg.lstsq", "linalg.lu_factor_ex"})
# Outputs PyTorch does not differentiate: they come back detached.
_NOT_DIFFERENTIABLE = {"linalg.lstsq": (3,)}     # singular_values


def route(name, handler):
    """Register the autograd route of ``name`` around ``handler`` (the recording handler from
    ``register_op``): PyTorch's refusal of ``out=`` when an operand requires grad, before
    anything is written, and the non-differentiable outputs detached."""
    from .. import _layouts
    detach = _NOT_DIFFERENTIABLE.get(name, ())

    def guarded(*args, **kwargs):
        if kwargs.get("out") is not None and _STATE[0] and any(requires_grad(t) for t in _unwrap(args, {})[2]):
            raise RuntimeError(f"{name.replace('.', '_')}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires grad.")
        r = handler(*args, **kwargs)
        if detach:
            r = type(r)(*(Tensor.detach(t) if i in detach and requires_grad(t) else t for i, t in enumerate(r)))
        return r

    guarded.__name__ = handler.__name__
    _layouts.register(name, "autograd")(guarded)
    return guarded

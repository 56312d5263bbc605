"""LU and the *_ex variants of tensorjit.linalg, householder_product, tensorinv, tensorsolve,
vander and the top-level linear-algebra names (det, logdet, svd, cholesky_solve, lu, cov, ...),
against torch: values, dtypes, shapes, errors and gradients (gradcheck in float64 and the
gradients torch computes on the same graph)."""
import numpy as np
import pytest
import torch

import tensorjit as tj
import tensorjit.linalg as la
from tensorjit.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
NP = {"float32": np.float32, "float64": np.float64, "complex128": np.complex128}


def rand(*shape, dtype="float64"):
    a = RNG.standard_normal(shape)
    if dtype.startswith("complex"):
        a = a + 1j * RNG.standard_normal(shape)
    return a.astype(NP[dtype])


def spd(*shape, dtype="float64"):
    a = rand(*shape, dtype=dtype)
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + shape[-1] * np.eye(shape[-1])).astype(NP[dtype])


def pair(a, requires_grad=False):
    return tj.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def tol(x):
    return dict(rtol=1e-4, atol=1e-4) if str(x.dtype).endswith(("float32", "complex64")) else dict(rtol=1e-9, atol=1e-9)


def check(x, t, exact=False):
    """Values, dtype and shape of tensorjit's ``x`` against torch's ``t`` (or tuples of them)."""
    if isinstance(t, (tuple, list)):
        assert len(x) == len(t)
        for a, b in zip(x, t):
            check(a, b, exact)
        return
    assert str(x.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (x.dtype, t.dtype)
    assert tuple(x.shape) == tuple(t.shape), (x.shape, t.shape)
    xn, tn = x.detach().numpy(), t.detach().resolve_conj().numpy()
    if exact:
        np.testing.assert_array_equal(xn, tn)
    else:
        np.testing.assert_allclose(xn, tn, equal_nan=True, **tol(t))


def grads_match(fn, *arrays, weights_seed=1):
    """Gradients of sum(w * fn(inputs)) for tensorjit and torch on the same graph, and gradcheck."""
    xs, ts = zip(*(pair(a, True) for a in arrays))
    out_x, out_t = fn(tj, *xs), fn(torch, *ts)
    check(out_x, out_t)
    w = np.random.default_rng(weights_seed).standard_normal(tuple(out_t.shape))
    if out_t.is_complex():
        w = w + 1j * np.random.default_rng(weights_seed + 1).standard_normal(tuple(out_t.shape))
    wx, wt = tj.tensor(w.astype(out_x.detach().numpy().dtype)), torch.tensor(w.astype(out_t.detach().numpy().dtype))
    if out_t.is_complex():      # a real loss
        out_x, out_t = out_x.abs(), out_t.abs()
        wx, wt = wx.abs(), wt.abs()
    lx = (out_x * wx).sum()
    lt = (out_t * wt).sum()
    gx = tj.autograd.grad(lx, xs)
    gt = torch.autograd.grad(lt, ts)
    for a, b in zip(gx, gt):
        check(a, b)
    if not any(np.iscomplexobj(a) for a in arrays):     # tensorjit's gradcheck is real-only
        assert gradcheck(lambda *i: fn(tj, *i), xs)
    return xs


# -- LU -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
def test_lu_factor_ex_dtypes_match_torch(dtype):
    a = rand(3, 4, 4, dtype=dtype)
    x, t = pair(a)
    r, e = la.lu_factor_ex(x), torch.linalg.lu_factor_ex(t)
    check(r.LU, e.LU)
    check(r.pivots, e.pivots, exact=True)
    check(r.info, e.info, exact=True)
    check(la.lu(x), torch.linalg.lu(t))
    check(tj.lu_unpack(r.LU, r.pivots), torch.lu_unpack(e.LU, e.pivots))


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 0, 0), (0, 3, 3), (1, 1), (2, 3, 4, 2)])
def test_lu_shapes_match_torch(shape):
    x, t = pair(rand(*shape))
    check(la.lu_factor(x), torch.linalg.lu_factor(t))
    check(la.lu(x), torch.linalg.lu(t))
    LU, piv = torch.linalg.lu_factor(t)
    for data, pivots in ((True, False), (False, True)):
        check(tj.lu_unpack(tj.tensor(LU.numpy()), tj.tensor(piv.numpy()), data, pivots),
              torch.lu_unpack(LU, piv, data, pivots))


@pytest.mark.parametrize("view", ["transposed", "stepped", "offset"])
def test_lu_layouts_match_torch(view):
    x, t = pair(rand(3, 6, 6))
    sel = {"transposed": lambda v: v.mT, "stepped": lambda v: v[:, ::2, 1::2], "offset": lambda v: v[1:, 1:, 1:]}[view]
    check(la.lu_factor_ex(sel(x)), torch.linalg.lu_factor_ex(sel(t)))
    assert x.numpy().flags.writeable and np.array_equal(x.numpy(), t.numpy())    # input untouched


def test_lu_singular_info_and_errors():
    a = rand(3, 3, 3)
    a[1] = 0
    a[2, :, 1] = a[2, :, 0]      # rank-deficient: a zero pivot at step 2 (up to rounding, see below)
    a[2, :, 1] = 2 * a[2, :, 0]
    x, t = pair(a)
    r, e = la.lu_factor_ex(x), torch.linalg.lu_factor_ex(t)
    check(r.info[:2], e.info[:2], exact=True)
    with pytest.raises(RuntimeError, match="lu_factor"):
        la.lu_factor(x[1])
    with pytest.raises(la.LinAlgError, match=r"Batch element 1"):
        la.lu_factor_ex(x[:2], check_errors=True)
    with pytest.raises(RuntimeError, match="without pivoting"):
        la.lu_factor(x, pivot=False)
    for bad in (tj.ones(3), tj.ones(3, 3, dtype=tj.int64), tj.ones(3, 3, dtype=tj.float16)):
        with pytest.raises(RuntimeError):
            la.lu_factor(bad)
    with pytest.raises(RuntimeError, match="int32"):
        tj.lu_unpack(r.LU, r.pivots.to(tj.int64))


def test_lu_nan_inf_match_torch():
    a = rand(5, 4, 4)
    a[0, 2, 0] = np.nan      # a NaN below the first pivot is never chosen
    a[1, 0, 0] = np.nan      # ... unless it comes first
    a[2, 1, 1] = np.inf
    a[3, :, 0] = np.inf
    a[4, 1, :] = -np.inf
    x, t = pair(a)
    check(la.lu_factor_ex(x), torch.linalg.lu_factor_ex(t))
    # NaN only: linalg.det/slogdet of matrices holding inf differ from PyTorch's (reported).
    check(tj.det(x[:2]), torch.det(t[:2]))
    check(tj.logdet(x[:2]), torch.logdet(t[:2]))


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
def test_lu_solve_matches_torch(dtype):
    a, b = rand(2, 4, 4, dtype=dtype), rand(3, 1, 4, 2, dtype=dtype)
    LUx, pivx = la.lu_factor(tj.tensor(a))
    LUt, pivt = torch.linalg.lu_factor(torch.tensor(a))
    for left in (True, False):
        for adjoint in (False, True):
            bb = b if left else np.swapaxes(b, -1, -2)
            check(la.lu_solve(LUx, pivx, tj.tensor(bb), left=left, adjoint=adjoint),
                  torch.linalg.lu_solve(LUt, pivt, torch.tensor(bb), left=left, adjoint=adjoint))
    check(tj.lu_solve(tj.tensor(b), LUx, pivx), torch.lu_solve(torch.tensor(b), LUt, pivt))
    with pytest.raises(RuntimeError):
        la.lu_solve(LUx, pivx, tj.tensor(rand(4, dtype=dtype)))
    with pytest.raises(RuntimeError):
        la.lu_solve(LUx, pivx, tj.tensor(rand(3, 2, dtype=dtype)))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_lu_factor_gradients_match_torch(shape):
    grads_match(lambda m, A: m.linalg.lu_factor(A).LU, rand(2, *shape))
    grads_match(lambda m, A: m.linalg.lu(A).L, rand(*shape))
    grads_match(lambda m, A: m.linalg.lu(A).U, rand(*shape))


def test_lu_factor_second_order_gradients():
    x = tj.tensor(rand(2, 2), requires_grad=True)
    assert gradgradcheck(lambda A: la.lu_factor(A).LU, (x,))


def test_lu_solve_gradients_match_torch():
    a = rand(4, 4)
    LU, piv = torch.linalg.lu_factor(torch.tensor(a))
    pv = piv.numpy()
    for left, adjoint in ((True, False), (False, True)):
        grads_match(lambda m, LU_, B: m.linalg.lu_solve(LU_, m.tensor(pv), B, left=left, adjoint=adjoint),
                    LU.numpy(), rand(4, 4))


# -- the *_ex variants ----------------------------------------------------------------------------
def test_ex_variants_match_torch():
    a = rand(3, 3, 3)
    a[1] = 0
    x, t = pair(a)
    check(la.inv_ex(x).info, torch.linalg.inv_ex(t).info, exact=True)
    check(la.inv_ex(x).inverse[0::2], torch.linalg.inv_ex(t).inverse[0::2])
    assert np.isnan(la.inv_ex(x).inverse[1].numpy()).all()
    b = rand(2, 1, 3, 2)
    r, e = la.solve_ex(x, tj.tensor(b)), torch.linalg.solve_ex(t, torch.tensor(b))
    check(r.info, e.info, exact=True)
    check(r.result[:, 0::2], e.result[:, 0::2])
    s = spd(3, 3, 3)
    s[2] = -np.eye(3)
    x, t = pair(s)
    for upper in (False, True):
        r, e = la.cholesky_ex(x, upper=upper), torch.linalg.cholesky_ex(t, upper=upper)
        check(r.info, e.info, exact=True)
        check(r.L[:2], e.L[:2])
    for f, args in ((la.inv_ex, (tj.zeros(2, 2, 2),)), (la.solve_ex, (tj.zeros(2, 2), tj.ones(2))),
                    (la.cholesky_ex, (x,))):
        with pytest.raises(la.LinAlgError, match=f.__name__):
            f(*args, check_errors=True)
    c = rand(3, 3, dtype="complex128")
    check(la.inv_ex(tj.tensor(c)), torch.linalg.inv_ex(torch.tensor(c)))
    check(la.solve_ex(tj.tensor(c), tj.tensor(c[0])), torch.linalg.solve_ex(torch.tensor(c), torch.tensor(c[0])))


def test_ex_variants_gradients_match_torch():
    grads_match(lambda m, A: m.linalg.inv_ex(A).inverse, rand(3, 3))
    grads_match(lambda m, A, B: m.linalg.solve_ex(A, B).result, rand(3, 3), rand(3, 2))
    grads_match(lambda m, A: m.linalg.cholesky_ex(A @ A.mT + 3 * m.eye(3, dtype=A.dtype)).L, rand(3, 3))


def test_ex_out():
    x = tj.tensor(rand(3, 3))
    o = (tj.empty(0, dtype=tj.float64), tj.empty(0, dtype=tj.int32))
    r = la.inv_ex(x, out=o)
    assert r.inverse is o[0] and r.info is o[1]
    np.testing.assert_allclose(o[0].numpy(), np.linalg.inv(x.numpy()))
    bad = (tj.empty(0, dtype=tj.float32), tj.empty(0, dtype=tj.int32))
    with pytest.raises(RuntimeError):
        la.inv_ex(x, out=bad)
    assert bad[0].shape == (0,)


# -- householder_product, tensorinv, tensorsolve, vander ---------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_householder_product_matches_torch(dtype):
    a, tau = rand(2, 5, 3, dtype=dtype), rand(2, 2, dtype=dtype)
    x, t = pair(a)
    check(la.householder_product(x, tj.tensor(tau)), torch.linalg.householder_product(t, torch.tensor(tau)))
    g, gt = tj.geqrf(x), torch.geqrf(t)
    check(g, gt)
    check(tj.orgqr(*g), torch.orgqr(*gt))
    for left in (True, False):
        for transpose in (False, True):
            o = rand(2, 5, 4, dtype=dtype) if left else rand(2, 4, 5, dtype=dtype)
            check(tj.ormqr(*g, tj.tensor(o), left, transpose), torch.ormqr(*gt, torch.tensor(o), left, transpose))
    with pytest.raises(RuntimeError):
        la.householder_product(x.mT, tj.tensor(tau))
    with pytest.raises(RuntimeError):
        la.householder_product(x, tj.tensor(rand(2, 4, dtype=dtype)))


def test_householder_product_gradients_match_torch():
    grads_match(lambda m, A, tau: m.linalg.householder_product(A, tau), rand(4, 3), rand(3))


def test_tensorinv_tensorsolve_match_torch():
    x, t = pair(rand(4, 6, 8, 3))
    check(la.tensorinv(x, ind=2), torch.linalg.tensorinv(t, ind=2))
    x, t = pair(rand(6, 4, 3, 8))
    check(la.tensorinv(x, ind=1 + 1), torch.linalg.tensorinv(t, ind=2))
    for ind in (0, 1):
        with pytest.raises(RuntimeError):
            la.tensorinv(x, ind=ind)
    A, B = rand(2, 3, 6), rand(2, 3)
    check(la.tensorsolve(tj.tensor(A), tj.tensor(B)), torch.linalg.tensorsolve(torch.tensor(A), torch.tensor(B)))
    A = rand(6, 2, 3)
    check(la.tensorsolve(tj.tensor(A), tj.tensor(B), dims=(0,)),
          torch.linalg.tensorsolve(torch.tensor(A), torch.tensor(B), dims=(0,)))
    grads_match(lambda m, A, B: m.linalg.tensorsolve(A, B), rand(2, 3, 6), rand(2, 3))
    grads_match(lambda m, A: m.linalg.tensorinv(A, ind=1), rand(4, 2, 2))


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64", "complex128"])
def test_vander_matches_torch(dtype):
    a = (RNG.integers(-3, 4, (2, 4)) + (1j * RNG.integers(-3, 4, (2, 4)) if dtype.startswith("complex") else 0))
    x, t = pair(a.astype(dtype))
    check(la.vander(x), torch.linalg.vander(t))
    check(la.vander(x, N=6), torch.linalg.vander(t, N=6))
    for N in (None, 0, 1, 5):
        for inc in (False, True):
            check(tj.vander(x[0], N, inc), torch.vander(t[0], N, inc))
    for f in (lambda: la.vander(x, N=1), lambda: la.vander(x[0, 0]), lambda: tj.vander(x),
              lambda: la.vander(tj.tensor([True]))):
        with pytest.raises(RuntimeError):
            f()


def test_vander_gradients_match_torch():
    grads_match(lambda m, x: m.linalg.vander(x, N=4), rand(2, 3))


# -- top level --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
def test_top_level_aliases_match_torch(dtype):
    a, s, b = rand(2, 3, 3, dtype=dtype), spd(2, 3, 3, dtype=dtype), rand(2, 3, 2, dtype=dtype)
    (x, t), (sx, st), (bx, bt) = pair(a), pair(s), pair(b)
    check(tj.det(x), torch.det(t))
    check(tj.logdet(sx), torch.logdet(st))
    check(tj.slogdet(x), torch.slogdet(t))
    assert type(tj.slogdet(x)).__name__ == "slogdet"
    check(tj.inverse(x), torch.inverse(t))
    check(tj.pinverse(x[..., :2]), torch.pinverse(t[..., :2]))
    for upper in (False, True):
        Lx, Lt = tj.cholesky(sx, upper), torch.cholesky(st, upper)
        check(Lx, Lt)
        check(tj.cholesky_solve(bx, Lx, upper), torch.cholesky_solve(bt, Lt, upper))
        check(tj.cholesky_inverse(Lx, upper), torch.cholesky_inverse(Lt, upper))
    for some in (True, False):
        check(tj.qr(x[..., :2], some), torch.qr(t[..., :2], some))
    check(tj.matrix_power(x, 3), torch.matrix_power(t, 3))
    check(tj.matrix_exp(x), torch.matrix_exp(t))
    for upper in (True, False):
        for transpose in (False, True):
            for unit in (False, True):
                check(tj.triangular_solve(bx, x[0], upper, transpose, unit),
                      torch.triangular_solve(bt, t[0], upper, transpose, unit))
    check(tj.lu(x), torch.linalg.lu_factor(t))
    check(tj.lu(x, get_infos=True), torch.linalg.lu_factor_ex(t))
    assert x.det is not None and x.inverse().shape == (2, 3, 3) and x.lu()[1].dtype == tj.int32


def test_logdet_signs_match_torch():
    x, t = pair(np.array([[[-2., 0.], [0., 1.]], [[0., 0.], [0., 1.]], [[2., 1.], [1., 2.]]]))
    check(tj.logdet(x), torch.logdet(t))
    check(x.logdet(), t.logdet())


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_svd_old_api_matches_torch(shape):
    x, t = pair(rand(*shape))
    for some in (True, False):
        U, S, V = tj.svd(x, some)
        Ut, St, Vt = torch.svd(t, some)
        check(S, St)
        assert U.shape == Ut.shape and V.shape == Vt.shape
        k = min(shape[-2:])
        rec = U.numpy()[..., :k] * S.numpy()[..., None, :] @ np.swapaxes(V.numpy()[..., :k], -1, -2)
        np.testing.assert_allclose(rec, x.numpy(), atol=1e-10)
        np.testing.assert_allclose(np.abs(V.numpy()), np.abs(Vt.numpy()), atol=1e-10)
    check(tj.svd(x, compute_uv=False), torch.svd(t, compute_uv=False))


def test_top_level_gradients_match_torch():
    grads_match(lambda m, A: m.logdet(A @ A.mT + m.eye(3, dtype=A.dtype)), rand(3, 3))
    grads_match(lambda m, A: m.svd(A).S, rand(4, 3))
    grads_match(lambda m, A: m.pinverse(A), rand(4, 3))
    grads_match(lambda m, A, b: m.triangular_solve(b, A, False, True).solution, rand(3, 3) + 3 * np.eye(3),
                rand(3, 2))
    L = np.linalg.cholesky(spd(3, 3))
    grads_match(lambda m, b: m.cholesky_solve(b, m.tensor(L)), rand(3, 2))


def test_cholesky_solve_gradient_in_triangle_matches_torch():
    # PyTorch's formula also fills the triangle the op never reads; the read one must agree.
    L = np.linalg.cholesky(spd(3, 3))
    (Lx, Lt), (bx, bt) = pair(L, True), pair(rand(3, 2), True)
    tj.cholesky_solve(bx, Lx).sum().backward()
    torch.cholesky_solve(bt, Lt).sum().backward()
    np.testing.assert_allclose(np.tril(Lx.grad.numpy()), np.tril(Lt.grad.numpy()), atol=1e-10)
    check(bx.grad, bt.grad)
    assert gradcheck(lambda L_: tj.cholesky_inverse(L_.tril()), (Lx,))


@pytest.mark.parametrize("p", [0, 1, 2, 3.5, float("inf")])
def test_dist_pdist_match_torch(p):
    a, b = rand(3, 4), rand(4)
    a[1] = a[0]              # a zero distance
    a[2, 0] = np.nan
    (x, t), (y, u) = pair(a), pair(b)
    check(tj.dist(x, y, p), torch.dist(t, u, p))
    check(x.dist(y, p), t.dist(u, p))
    check(tj.pdist(x, p), torch.pdist(t, p))
    check(tj.pdist(x[::2, 1:], p), torch.pdist(t[::2, 1:], p))


def test_dist_pdist_float32_and_gradients_match_torch():
    x, t = pair(rand(3, 4, dtype="float32"))
    check(tj.pdist(x.mT), torch.pdist(t.mT))
    check(tj.dist(x, x[0]), torch.dist(t, t[0]))
    grads_match(lambda m, x_, y_: m.dist(x_, y_), rand(3, 4), rand(4))
    grads_match(lambda m, x_: m.pdist(x_, 3.5), rand(4, 3))


def test_pdist_errors():
    for f in (lambda: tj.pdist(tj.ones(2, 2, 2)), lambda: tj.pdist(tj.ones(2, 2), -1),
              lambda: tj.dist(tj.tensor([1, 2]), tj.tensor([1, 3]))):
        with pytest.raises(RuntimeError):
            f()
    check(tj.pdist(tj.ones(1, 3)), torch.pdist(torch.ones(1, 3)))
    check(tj.pdist(tj.ones(0, 3)), torch.pdist(torch.ones(0, 3)))


def test_cov_corrcoef_match_torch():
    a = rand(3, 5)
    x, t = pair(a)
    fw, aw = RNG.integers(0, 4, 5), RNG.random(5)
    for correction in (0, 1, 2):
        check(tj.cov(x, correction=correction), torch.cov(t, correction=correction))
        check(tj.cov(x, correction=correction, fweights=tj.tensor(fw)),
              torch.cov(t, correction=correction, fweights=torch.tensor(fw)))
        check(tj.cov(x, correction=correction, fweights=tj.tensor(fw), aweights=tj.tensor(aw)),
              torch.cov(t, correction=correction, fweights=torch.tensor(fw), aweights=torch.tensor(aw)))
    check(tj.cov(x[0]), torch.cov(t[0]))
    check(tj.cov(x.mT[::2]), torch.cov(t.mT[::2]))
    check(tj.corrcoef(x), torch.corrcoef(t))
    check(x.corrcoef(), t.corrcoef())
    check(tj.corrcoef(x[0]), torch.corrcoef(t[0]))


@pytest.mark.parametrize("dtype", ["float32", "complex128"])
def test_cov_dtypes_match_torch(dtype):
    x, t = pair(rand(3, 5, dtype=dtype))
    check(tj.cov(x), torch.cov(t))
    check(x.cov(), t.cov())


def test_cov_special_inputs_match_torch():
    ints = np.array([[1, 2, 3], [2, 5, 1]])
    check(tj.cov(tj.tensor(ints)), torch.cov(torch.tensor(ints)))
    check(tj.corrcoef(tj.tensor(ints)), torch.corrcoef(torch.tensor(ints)))
    a = np.array([[1., np.nan, 2.], [np.inf, 1., 2.], [1., 1., 1.]])
    check(tj.cov(tj.tensor(a)), torch.cov(torch.tensor(a)))
    with pytest.warns(RuntimeWarning):
        r = tj.cov(tj.tensor([1.]))
    check(r, torch.cov(torch.tensor([1.])))
    x = tj.ones(2, 3)
    for kw in ({"fweights": tj.tensor([1., 2., 3.])}, {"aweights": tj.tensor([1, 2, 3])},
               {"fweights": tj.tensor([1, -2, 3])}, {"aweights": tj.ones(2)}):
        with pytest.raises(RuntimeError, match="cov"):
            tj.cov(x, **kw)
    with pytest.raises(RuntimeError, match="cov"):
        tj.cov(tj.ones(2, 2, 2))


def test_cov_corrcoef_gradients_match_torch():
    aw = RNG.random(5)
    grads_match(lambda m, x: m.cov(x, fweights=m.tensor([1, 2, 1, 3, 1]), aweights=m.tensor(aw)), rand(3, 5))
    grads_match(lambda m, x: m.corrcoef(x), rand(3, 5))


def test_out_and_failures_leave_outputs_untouched():
    x = tj.tensor(rand(3, 3))
    o = tj.zeros(2)
    with pytest.raises(RuntimeError):
        tj.inverse(x, out=o)
    assert o.tolist() == [0.0, 0.0]
    s = tj.tensor(np.zeros((3, 3)))
    o = (tj.zeros(1, dtype=tj.float64), tj.zeros(1, dtype=tj.int32))
    with pytest.raises(RuntimeError):
        la.lu_factor(s, out=o)
    assert o[0].tolist() == [0.0] and o[1].tolist() == [0]
    o = (tj.empty(0, dtype=tj.float64), tj.empty(0, dtype=tj.int32))
    r = la.lu_factor(x, out=o)
    assert r.LU is o[0] and r.pivots is o[1]
    check(r, torch.linalg.lu_factor(torch.tensor(x.numpy())))
    y = tj.tensor(rand(3, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match="out="):
        la.lu_factor_ex(y, out=(tj.zeros(1, dtype=tj.float64), tj.zeros(1, dtype=tj.int32),
                                tj.zeros(1, dtype=tj.int32)))

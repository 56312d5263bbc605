"""Gradients of tensorjit.linalg's decompositions and matrix functions against PyTorch's on the
same graphs (values, dtype, shape), float64 gradcheck against finite differences, and
gradgradcheck for slogdet, eigh, svd and qr.

Compile budget: float64 (and complex128 for the complex formulas) on small matrices; the
forward runs in LAPACK, so the kernels compiled are the pointwise, matmul and reduction ones
the formulas use. Each sample is shared by the gradient comparison and the gradcheck.
Well-conditioned samples: distinct, well-separated eigen and singular values.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import tensorjit as tj
import tensorjit.linalg as la
from tensorjit.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for the linalg gradients")


def _rng(seed):
    return np.random.default_rng(seed)


def _mat(seed, *shape, complex_=False, shift=0.0):
    """A random matrix (batch) with ``shift`` added to the diagonal of its square part."""
    r = _rng(seed)
    a = r.uniform(-1, 1, shape)
    if complex_:
        a = a + 1j * r.uniform(-1, 1, shape)
    if shift:
        k = min(shape[-2:])
        idx = np.arange(k)
        a[..., idx, idx] += shift
    return a


def _leaves(arrays):
    tjs = [tj.tensor(a, requires_grad=True) for a in arrays]
    ths = [torch.tensor(a, requires_grad=True) for a in arrays]
    return tjs, ths


def _outputs(r):
    return [r] if not isinstance(r, tuple) else list(r)


def _phase_free(o, vec):
    """``o`` itself, or for eigen/singular vectors (``vec``) a function of it that their
    arbitrary sign (phase) does not change: ``o**2`` (real), ``|o|`` (complex)."""
    if o.dtype.is_complex:
        return o.abs()
    return o * o if vec else o


def _loss(lib, outs, seed):
    """A real loss touching every output: sum of w * out."""
    r = _rng(seed)
    total = 0
    for o in outs:
        w = r.uniform(0.5, 1.5, tuple(o.shape))
        total = total + (o * lib.tensor(w, dtype=o.dtype)).sum()
    return total


def _compare(fn_tj, fn_torch, arrays, *, seed=0, pick=None, vec=(), atol=1e-7, rtol=1e-6, ftol=1e-9):
    """Run ``fn`` on leaves of both libraries, back-propagate the same loss and compare the
    gradients (values, dtype, shape) and the forward values; ``vec``: the outputs (after
    ``pick``) that are eigen or singular vectors (compared through ``_phase_free``)."""
    xs, ts = _leaves(arrays)
    out_j, out_t = _outputs(fn_tj(*xs)), _outputs(fn_torch(*ts))
    if pick is not None:
        out_j, out_t = [out_j[i] for i in pick], [out_t[i] for i in pick]
    keep = [i for i, o in enumerate(out_t) if (o.dtype.is_floating_point or o.dtype.is_complex) and o.numel()]
    out_j = [_phase_free(out_j[i], i in vec) for i in keep]
    out_t = [_phase_free(out_t[i], i in vec) for i in keep]
    for oj, ot in zip(out_j, out_t):
        np.testing.assert_allclose(oj.detach().numpy(), ot.detach().numpy(), atol=ftol, rtol=ftol)
    _loss(tj, out_j, seed).backward()
    _loss(torch, out_t, seed).backward()
    for x, t in zip(xs, ts):
        assert t.grad is not None and x.grad is not None
        assert x.grad.shape == tuple(t.grad.shape)
        assert str(x.grad.dtype).split(".")[-1] == str(t.grad.dtype).split(".")[-1]
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=atol, rtol=rtol)
    return xs


def _gradcheck(fn, arrays, **kw):
    xs = [tj.tensor(a, requires_grad=True) for a in arrays]
    return gradcheck(fn, tuple(xs), **kw)


def _gradgradcheck(fn, a, seed=0):
    """gradgradcheck with explicit (random, fixed) output gradients."""
    x = tj.tensor(a, requires_grad=True)
    with tj.no_grad():
        outs = _outputs(fn(x))
    r = _rng(seed)
    gos = tuple(tj.tensor(r.uniform(-1, 1, tuple(o.shape)), requires_grad=True) for o in outs)
    return gradgradcheck(fn, (x,), gos)


# -- slogdet --------------------------------------------------------------------------------------
def test_slogdet_real_batched():
    a = _mat(1, 2, 3, 3, shift=2.0)
    a[1, 0] *= -1     # one negative determinant
    _compare(la.slogdet, torch.linalg.slogdet, [a])
    assert _gradcheck(lambda x: la.slogdet(x).logabsdet, [a])


def test_slogdet_complex_both_outputs():
    a = _mat(2, 3, 3, complex_=True, shift=2.0)
    # |sign + 0.5| depends on the phase of sign: the sign output's gradient is exercised.
    _compare(lambda x: (la.slogdet(x).sign + 0.5, la.slogdet(x).logabsdet),
             lambda x: (torch.linalg.slogdet(x).sign + 0.5, torch.linalg.slogdet(x).logabsdet), [a])
    _compare(lambda x: la.slogdet(x).sign + 0.5, lambda x: torch.linalg.slogdet(x).sign + 0.5, [a], seed=3)


def test_slogdet_node_and_gradgradcheck():
    a = _mat(3, 3, 3, shift=2.0)
    x = tj.tensor(a, requires_grad=True)
    r = la.slogdet(x)
    assert r.logabsdet.grad_fn.name() == "LinalgSlogdetBackward0"
    assert _gradgradcheck(lambda t: la.slogdet(t).logabsdet, a)


# -- qr -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,mode", [((4, 3), "reduced"), ((2, 3, 3), "reduced"), ((3, 5), "reduced"),
                                        ((3, 5), "complete"), ((3, 3), "complete")])
def test_qr_matches_torch(shape, mode):
    a = _mat(4, *shape, shift=2.0)
    _compare(lambda x: la.qr(x, mode), lambda x: torch.linalg.qr(x, mode), [a])
    assert _gradcheck(lambda x: la.qr(x, mode), [a])


def test_qr_complex_matches_torch():
    for shape in ((4, 3), (3, 5)):
        a = _mat(5, *shape, complex_=True, shift=2.0)
        _compare(la.qr, torch.linalg.qr, [a])


def test_qr_one_output_and_gradgradcheck():
    a = _mat(6, 4, 3, shift=2.0)
    _compare(la.qr, torch.linalg.qr, [a], pick=[0])
    _compare(la.qr, torch.linalg.qr, [a], pick=[1])
    assert _gradgradcheck(la.qr, a)


def test_qr_not_differentiable_modes_raise_at_backward():
    x = tj.tensor(_mat(7, 3, 3), requires_grad=True)
    r = la.qr(x, mode="r")
    with pytest.raises(RuntimeError, match="depends on Q, which is not computed when mode='r'"):
        r.R.sum().backward()
    x = tj.tensor(_mat(7, 4, 3), requires_grad=True)
    r = la.qr(x, mode="complete")
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        r.Q.sum().backward()


# -- eigh / eigvalsh --------------------------------------------------------------------------------
def _sym(x):
    return x + x.mT


def test_eigh_matches_torch_symmetrised():
    a = _mat(8, 2, 3, 3)
    _compare(lambda x: la.eigh(_sym(x)), lambda x: torch.linalg.eigh(_sym(x)), [a], vec=(1,))
    assert _gradcheck(lambda x: la.eigh(_sym(x)), [a])


def test_eigh_leaf_and_upper():
    # The gradient of a symmetric leaf (the formula reads no triangle) and of UPLO='U'.
    a = _mat(9, 4, 4)
    a = a + a.T
    _compare(lambda x: la.eigh(x), lambda x: torch.linalg.eigh(x), [a], vec=(1,))
    _compare(lambda x: la.eigh(x, "U"), lambda x: torch.linalg.eigh(x, "U"), [a], seed=1, vec=(1,))
    _compare(lambda x: la.eigvalsh(x, "U"), lambda x: torch.linalg.eigvalsh(x, "U"), [a], seed=2)


def test_eigh_complex_and_phase_check():
    a = _mat(10, 3, 3, complex_=True)
    a = a + a.conj().T      # a Hermitian leaf (conj is not differentiable yet)
    _compare(la.eigh, torch.linalg.eigh, [a], vec=(1,))
    x = tj.tensor(a, requires_grad=True)
    v = la.eigh(x).eigenvectors
    with pytest.raises(RuntimeError, match=r"linalg_eigh_backward: The eigenvectors in the complex case are "
                                           r"specified up to multiplication by e\^\{i phi\}"):
        (v + 1).abs().sum().backward()


def test_eigvalsh_batched_and_gradgradcheck():
    a = _mat(11, 2, 3, 3)
    _compare(lambda x: la.eigvalsh(_sym(x)), lambda x: torch.linalg.eigvalsh(_sym(x)), [a])
    x = tj.tensor(a, requires_grad=True)
    assert la.eigvalsh(_sym(x)).grad_fn.name() == "LinalgEighBackward0"
    assert _gradgradcheck(lambda t: la.eigh(_sym(t)), a[0])


def test_eigh_repeated_eigenvalues_like_torch():
    # Eigenvalues alone stay finite; a loss on the eigenvectors divides by zero gaps (inf/nan).
    e = np.eye(3)
    _compare(la.eigvalsh, torch.linalg.eigvalsh, [e])
    x, t = tj.tensor(e, requires_grad=True), torch.tensor(e, requires_grad=True)
    la.eigh(x).eigenvectors.sum().backward()
    torch.linalg.eigh(t).eigenvectors.sum().backward()
    np.testing.assert_array_equal(np.isfinite(x.grad.numpy()), np.isfinite(t.grad.numpy()))
    assert not np.isfinite(x.grad.numpy()).all()
    x, t = tj.tensor(e, requires_grad=True), torch.tensor(e, requires_grad=True)
    la.svd(x).U.sum().backward()
    torch.linalg.svd(t).U.sum().backward()
    np.testing.assert_array_equal(np.isfinite(x.grad.numpy()), np.isfinite(t.grad.numpy()))


# -- svd / svdvals ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,full", [((4, 3), False), ((3, 5), False), ((2, 3, 3), False), ((4, 3), True),
                                        ((3, 5), True)])
def test_svd_matches_torch(shape, full):
    a = _mat(12, *shape, shift=1.5)
    k = min(shape[-2:])     # with full_matrices, vectors past the k-th are not determined by A

    def first_k(r):
        return r[0][..., :k], r[1], r[2][..., :k, :]
    _compare(lambda x: first_k(la.svd(x, full)), lambda x: first_k(torch.linalg.svd(x, full)), [a], vec=(0, 2))
    assert _gradcheck(lambda x: la.svd(x, full_matrices=False).S, [a])


def test_svd_vectors_gradcheck():
    # A loss invariant to the signs of the singular vectors: U diag(S) Vh restricted.
    for shape in ((4, 3), (3, 4)):
        a = _mat(13, *shape, shift=1.5)
        assert _gradcheck(lambda x: (la.svd(x, False).U ** 2, la.svd(x, False).Vh ** 2), [a])


def test_svd_complex_and_phase_check():
    for shape in ((4, 3), (3, 4)):
        a = _mat(14, *shape, complex_=True, shift=1.5)
        _compare(lambda x: la.svd(x, False), lambda x: torch.linalg.svd(x, False), [a])
    x = tj.tensor(_mat(14, 3, 3, complex_=True, shift=1.5), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"svd_backward: The singular vectors in the complex case"):
        (la.svd(x).U + 1).abs().sum().backward()


def test_svdvals_and_gradgradcheck():
    a = _mat(15, 2, 4, 3, shift=1.5)
    _compare(la.svdvals, torch.linalg.svdvals, [a])
    x = tj.tensor(a, requires_grad=True)
    assert la.svdvals(x).grad_fn.name() == "LinalgSvdBackward0"
    assert _gradgradcheck(lambda t: la.svd(t, False).S, a[0])
    assert _gradgradcheck(lambda t: la.svd(t, False).U ** 2, a[1])


# -- eig / eigvals ----------------------------------------------------------------------------------
def test_eig_matches_torch():
    a = _mat(16, 2, 3, 3)       # real input, complex eigenpairs
    _compare(la.eig, torch.linalg.eig, [a])
    _compare(la.eigvals, torch.linalg.eigvals, [a], seed=1)
    c = _mat(17, 3, 3, complex_=True)
    _compare(la.eig, torch.linalg.eig, [c])
    x = tj.tensor(c, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"linalg_eig_backward: The eigenvectors in the complex case"):
        (la.eig(x).eigenvectors + 1).abs().sum().backward()


def test_eig_gradcheck():
    a = _mat(18, 3, 3)
    assert _gradcheck(lambda x: la.eigvals(x).abs(), [a])
    assert _gradcheck(lambda x: la.eig(x).eigenvectors.abs(), [a])


# -- lstsq, pinv, solve_triangular -----------------------------------------------------------------
def test_lstsq_solution_matches_torch():
    a, b = _mat(19, 5, 3), _mat(20, 5, 2)
    _compare(lambda x, y: la.lstsq(x, y).solution, lambda x, y: torch.linalg.lstsq(x, y).solution, [a, b])
    a, bv = _mat(21, 2, 5, 3), _mat(22, 2, 5)
    _compare(lambda x, y: la.lstsq(x, y).solution, lambda x, y: torch.linalg.lstsq(x, y).solution, [a, bv])
    assert _gradcheck(lambda x, y: la.lstsq(x, y).solution, [a[0], bv[0]])
    _compare(lambda x, y: la.lstsq(x, y).solution, lambda x, y: torch.linalg.lstsq(x, y).solution,
             [a, _mat(57, 1, 5, 2)])            # B broadcast over A's batch
    aw, bw = _mat(54, 3, 5), _mat(55, 3, 2)      # wide: the minimum-norm solution
    _compare(lambda x, y: la.lstsq(x, y).solution, lambda x, y: torch.linalg.lstsq(x, y).solution, [aw, bw])


def test_lstsq_residuals_and_non_differentiable_outputs():
    a, b = _mat(23, 5, 3), _mat(24, 5, 2)
    _compare(lambda x, y: la.lstsq(x, y, driver="gelsd"), lambda x, y: torch.linalg.lstsq(x, y, driver="gelsd"),
             [a, b], pick=[0, 1])
    _compare(lambda x, y: la.lstsq(x, y, driver="gelsd").residuals,
             lambda x, y: torch.linalg.lstsq(x, y, driver="gelsd").residuals, [a, b])
    assert _gradcheck(lambda x, y: la.lstsq(x, y, driver="gelss").residuals, [a, b])
    x, y = tj.tensor(a, requires_grad=True), tj.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    r, tr = la.lstsq(x, y, driver="gelsd"), torch.linalg.lstsq(tx, ty, driver="gelsd")
    assert r.solution.grad_fn.name() == tr.solution.grad_fn.name() == "LinalgLstsqBackward0"
    for name in ("residuals", "rank", "singular_values"):
        assert getattr(r, name).requires_grad == getattr(tr, name).requires_grad


@pytest.mark.parametrize("shape,hermitian", [((4, 3), False), ((3, 5), False), ((2, 3, 3), False),
                                             ((3, 3), True)])
def test_pinv_matches_torch(shape, hermitian):
    a = _mat(25, *shape, shift=1.5)
    if hermitian:
        a = a + a.T
    _compare(lambda x: la.pinv(x, hermitian=hermitian), lambda x: torch.linalg.pinv(x, hermitian=hermitian), [a])
    # The hermitian path reads one triangle: finite differences of a symmetrised argument.
    assert _gradcheck(lambda x: la.pinv(_sym(x) if hermitian else x, hermitian=hermitian), [a])


def test_pinv_complex():
    a = _mat(26, 4, 3, complex_=True, shift=1.5)
    _compare(la.pinv, torch.linalg.pinv, [a])


@pytest.mark.parametrize("upper,left,unit", [(True, True, False), (False, True, False), (True, False, True),
                                             (False, False, False)])
def test_solve_triangular_matches_torch(upper, left, unit):
    a = _mat(27, 2, 3, 3, shift=2.0)
    b = _mat(28, 3, 2) if left else _mat(28, 2, 3)     # broadcast over A's batch
    kw = dict(upper=upper, left=left, unitriangular=unit)
    _compare(lambda x, y: la.solve_triangular(x, y, **kw), lambda x, y: torch.linalg.solve_triangular(x, y, **kw),
             [a, b])
    assert _gradcheck(lambda x, y: la.solve_triangular(x, y, **kw), [a[0], b])


def test_solve_triangular_complex():
    a, b = _mat(29, 3, 3, complex_=True, shift=2.0), _mat(30, 3, 2, complex_=True)
    _compare(lambda x, y: la.solve_triangular(x, y, upper=True),
             lambda x, y: torch.linalg.solve_triangular(x, y, upper=True), [a, b])


# -- matrix functions and products ------------------------------------------------------------------
def test_matrix_exp_matches_torch():
    a = _mat(31, 2, 3, 3)
    _compare(la.matrix_exp, torch.linalg.matrix_exp, [a])
    _compare(la.matrix_exp, torch.linalg.matrix_exp, [3 * _mat(32, 3, 3)])   # scaled and squared
    _compare(la.matrix_exp, torch.linalg.matrix_exp, [_mat(33, 3, 3, complex_=True)])
    assert _gradcheck(la.matrix_exp, [a[0]])


@pytest.mark.parametrize("n", [-2, -1, 0, 1, 3])
def test_matrix_power_matches_torch(n):
    a = _mat(34, 2, 3, 3, shift=2.0)
    xs = _compare(lambda x: la.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), [a])
    r = la.matrix_power(xs[0], n)
    assert r.requires_grad and r is not xs[0]


def test_multi_dot_and_cross():
    v, m1, m2, w = _mat(35, 3), _mat(36, 3, 4), _mat(37, 4, 2), _mat(38, 2)
    _compare(lambda *t: la.multi_dot(list(t)), lambda *t: torch.linalg.multi_dot(list(t)), [v, m1, m2, w])
    _compare(lambda *t: la.multi_dot(list(t)), lambda *t: torch.linalg.multi_dot(list(t)), [m1, m2])
    a, b = _mat(39, 2, 4, 3), _mat(40, 1, 4, 3)        # broadcast
    _compare(la.cross, torch.linalg.cross, [a, b])
    _compare(lambda x, y: la.cross(x, y, dim=0), lambda x, y: torch.linalg.cross(x, y, dim=0),
             [_mat(41, 3, 2), _mat(42, 3, 2)])
    x = tj.tensor(a, requires_grad=True)
    assert la.cross(x, x).grad_fn.name() == "LinalgCrossBackward0"


_ORDS = ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf]


@pytest.mark.parametrize("ord", _ORDS)
def test_matrix_norm_matches_torch(ord):
    a = _mat(43, 2, 3, 4, shift=1.5)
    _compare(lambda x: la.matrix_norm(x, ord), lambda x: torch.linalg.matrix_norm(x, ord), [a])
    _compare(lambda x: la.matrix_norm(x, ord, dim=(0, 2), keepdim=True),
             lambda x: torch.linalg.matrix_norm(x, ord, dim=(0, 2), keepdim=True), [a], seed=1)
    _compare(lambda x: la.norm(x[0], ord), lambda x: torch.linalg.norm(x[0], ord), [a], seed=2)


@pytest.mark.parametrize("p", [None, 2, -2, 1, "fro", "nuc", math.inf])
def test_cond_matches_torch(p):
    a = _mat(44, 2, 3, 3, shift=1.5)
    if p in (None, 2, -2):
        _compare(lambda x: la.cond(x, p), lambda x: torch.linalg.cond(x, p), [a])
    else:
        # torch.linalg.cond's own backward fails for these orders (it writes in place into a
        # tensor it saved): the oracle is its definition, norm(A) * norm(inv(A)).
        _compare(lambda x: la.cond(x, p),
                 lambda x: torch.linalg.matrix_norm(x, p) * torch.linalg.matrix_norm(torch.linalg.inv(x), p), [a])
        np.testing.assert_allclose(la.cond(tj.tensor(a), p).numpy(), torch.linalg.cond(torch.tensor(a), p).numpy())


def test_cond_rectangular_gradcheck():
    assert _gradcheck(lambda x: la.cond(x), [_mat(45, 4, 3, shift=1.5)])


# -- routing ---------------------------------------------------------------------------------------
def test_out_refused_when_an_input_requires_grad():
    x = tj.tensor(_mat(46, 3, 3, shift=2.0), requires_grad=True)
    o = tj.empty(0, dtype=tj.float64)
    for call in (lambda: la.eigvalsh(x, out=o), lambda: la.pinv(x, out=o), lambda: la.matrix_power(x, 2, out=o),
                 lambda: la.slogdet(x, out=(o, tj.empty(0, dtype=tj.float64)))):
        with pytest.raises(RuntimeError, match=r"functions with out=\.\.\. arguments don't support automatic"):
            call()
    assert o.shape == (0,)
    with tj.no_grad():
        la.pinv(x, out=o)
    np.testing.assert_allclose(o.numpy(), np.linalg.pinv(x.detach().numpy()))


def test_inplace_change_of_a_saved_input_is_detected():
    for lib, L in ((tj, la), (torch, torch.linalg)):
        x = lib.tensor(_mat(56, 3, 3, shift=2.0), requires_grad=True)
        y = x * 1
        r = L.slogdet(y).logabsdet + L.pinv(y).sum()
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            r.backward()


def test_no_grad_and_non_differentiable_results():
    x = tj.tensor(_mat(47, 3, 3, shift=2.0), requires_grad=True)
    with tj.no_grad():
        for r in (la.eigvalsh(_sym(x)), la.svdvals(x), la.cond(x), la.matrix_power(x, 2), la.svd(x).S):
            assert not r.requires_grad
    rank = la.matrix_rank(x)
    assert rank.item() == 3 and not rank.requires_grad
    # The dense function's errors come first, named as the forward names them.
    with pytest.raises(RuntimeError, match="linalg.eigvalsh: A must be batches of square matrices"):
        la.eigvalsh(tj.tensor(_mat(48, 2, 3), requires_grad=True))
    with pytest.raises(TypeError, match="argument 'n' must be int"):
        la.matrix_power(x, 1.5)
    with pytest.raises(RuntimeError, match="linalg.cond: Order 3 not supported"):
        la.cond(x, 3)
    with pytest.raises(RuntimeError, match="linalg.eigvals: A must be batches of square matrices"):
        la.eigvals(tj.tensor(_mat(48, 2, 3), requires_grad=True))


# -- layouts, dtypes, empty inputs -----------------------------------------------------------------
def test_strided_transposed_and_offset_operands():
    # Stepped, offset and transposed views of the leaves: the gradient lands in the right places.
    base, rhs = _mat(49, 6, 7, shift=1.5), _mat(50, 7, 4)

    def view(t):
        return t[1::2, 1:7:2].mT         # 3x3, steps and an offset, transposed

    def tri(lib, L, x, y):
        return L.solve_triangular(view(x) + 3 * lib.eye(3, dtype=lib.float64), y[1::2, ::2].mT, upper=False,
                                  left=False)

    _compare(lambda x: la.svd(view(x)), lambda x: torch.linalg.svd(view(x)), [base], vec=(0, 2))
    _compare(lambda x: la.eigh(_sym(view(x))), lambda x: torch.linalg.eigh(_sym(view(x))), [base], vec=(1,))
    _compare(lambda x, y: tri(tj, la, x, y), lambda x, y: tri(torch, torch.linalg, x, y), [base, rhs])


def test_float32_gradients_keep_the_dtype():
    a = _mat(51, 2, 4, 3, shift=1.5).astype(np.float32)
    _compare(la.svdvals, torch.linalg.svdvals, [a], atol=1e-5, rtol=1e-4, ftol=1e-5)


def test_lstsq_complex():
    a, b = _mat(52, 5, 3, complex_=True), _mat(53, 5, 2, complex_=True)
    _compare(lambda x, y: la.lstsq(x, y).solution, lambda x, y: torch.linalg.lstsq(x, y).solution, [a, b])


_EMPTY = {
    "svdvals": (lambda L, x: L.svdvals(x), (0, 3)),
    "svd": (lambda L, x: L.svd(x, full_matrices=False), (0, 3, 3)),
    "eigh": (lambda L, x: L.eigh(x), (0, 3, 3)),
    "eigvalsh": (lambda L, x: L.eigvalsh(x), (0, 0)),
    "slogdet": (lambda L, x: L.slogdet(x), (0, 3, 3)),
    "pinv": (lambda L, x: L.pinv(x), (0, 3)),
    "qr": (lambda L, x: L.qr(x), (0, 3, 3)),
    "matrix_exp": (lambda L, x: L.matrix_exp(x), (0, 3, 3)),
    "eigvals": (lambda L, x: L.eigvals(x), (0, 3, 3)),
}


@pytest.mark.parametrize("name", list(_EMPTY))
def test_empty_inputs(name):
    fn, shape = _EMPTY[name]
    x, t = tj.zeros(shape, dtype=tj.float64, requires_grad=True), torch.zeros(shape, dtype=torch.float64,
                                                                              requires_grad=True)
    rj, rt = _outputs(fn(la, x)), _outputs(fn(torch.linalg, t))
    sum(o.abs().sum() for o in rj if o.is_floating_point() or o.is_complex()).backward()
    sum(o.abs().sum() for o in rt if o.is_floating_point() or o.is_complex()).backward()
    assert x.grad.shape == tuple(t.grad.shape) and x.grad.dtype == tj.float64
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())

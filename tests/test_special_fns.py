"""polygamma, mvlgamma, cdist, renorm, block_diag, cartesian_prod, combinations (and the
pointwise rows and ``tensorjit.special`` names beside them) against torch: values, dtype,
shape, errors, and gradients (gradcheck in float64 and torch's gradients on the same graph).

Compile budget: the pointwise rows in float32 and float64 (plus one float16 check), one small
layout sweep on float64; the composites reuse kernels other tests compile.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import torch

import tensorjit as tj
from tensorjit.autograd import gradcheck, gradgradcheck

_TJ = {"float16": tj.float16, "float32": tj.float32, "float64": tj.float64, "int64": tj.int64, "bool": tj.bool}


def _tt(t):
    """The torch tensor of a tensorjit tensor (same values, shape and dtype)."""
    return torch.from_numpy(np.array(t.numpy()))


def _check(got, want, rtol=1e-6, atol=1e-6, strides=True):
    assert isinstance(got, tj.Tensor)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(want.shape)
    if strides and want.numel():
        assert got.stride() == want.stride()
    np.testing.assert_allclose(got.numpy().astype(np.float64), want.detach().numpy().astype(np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


def _pair(values, dtype="float64"):
    x = tj.tensor(values, dtype=_TJ[dtype])
    return x, _tt(x)


_SPECIALS = [0.5, 1.0, 2.5, -2.5, -0.3, 10.0, 1e-3, 33.0, 0.0, math.nan, math.inf, -math.inf]


# -- polygamma / digamma ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_polygamma_values(n, dtype):
    x, tx = _pair(_SPECIALS, dtype)
    got = tj.polygamma(n, x)
    # PyTorch's trigamma (n = 1) is a short asymptotic series accurate to ~1e-9 in float64; ours
    # is float64-accurate (scipy agrees to the last digits)
    _check(got, torch.polygamma(n, tx), rtol=1e-5 if dtype == "float32" else 1e-8, atol=0)
    if dtype == "float64":
        fin = np.isfinite(tx.numpy())                            # (scipy's infinities differ from torch's)
        np.testing.assert_allclose(got.numpy()[fin], scipy.special.polygamma(n, tx.numpy()[fin]), rtol=2e-13)


def test_polygamma_poles():
    x, tx = _pair([0.0, -1.0, -3.0])
    for n in (2, 3, 4):
        _check(tj.polygamma(n, x), torch.polygamma(n, tx))
    # trigamma's double poles: +inf (PyTorch's reflection gives a huge finite value there, as
    # sin(pi * x) rounds away from 0, except at 0 itself)
    assert tj.polygamma(1, x).tolist() == [math.inf] * 3
    assert torch.polygamma(1, tx)[0].item() == math.inf and (torch.polygamma(1, tx)[1:] > 1e15).all()


def test_polygamma_dtypes_layouts_and_method():
    i = tj.tensor([1, 2, 3])
    _check(tj.polygamma(2, i), torch.polygamma(2, _tt(i)))                      # int -> default float
    _check(tj.polygamma(1, tj.tensor([True])), torch.polygamma(1, torch.tensor([True])))
    h = tj.tensor([0.5, 2.0], dtype=tj.float16)
    _check(h.polygamma(1), _tt(h).polygamma(1), rtol=1e-3)
    base = tj.tensor(np.linspace(0.2, 5.0, 24).reshape(4, 6))
    # transposed, stepped, offset, 0-d and empty operands
    for x in (base.mT, base[::2, 1::2], base[1:, 2:], base[0, 0], base[:, :0]):
        _check(tj.polygamma(3, x), torch.polygamma(3, _tt(x)), rtol=1e-12)
    y = base.clone()
    ty = _tt(y)
    assert y.polygamma_(1) is y
    _check(y, ty.polygamma_(1), rtol=1e-8)
    out = tj.empty(0, dtype=tj.float64)
    assert tj.polygamma(2, base, out=out) is out
    _check(out, torch.polygamma(2, _tt(base)), rtol=1e-12)


def test_polygamma_errors():
    x = tj.tensor([1.0])
    with pytest.raises(RuntimeError, match="does not support negative n"):
        tj.polygamma(-1, x)
    with pytest.raises(TypeError, match="polygamma"):
        tj.polygamma(1.5, x)
    with pytest.raises(RuntimeError, match="polygamma"):
        tj.polygamma(1, tj.tensor([1 + 1j]))
    out = tj.zeros(1, dtype=tj.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        tj.polygamma(1, x, out=out)
    assert out.tolist() == [0]


@pytest.mark.parametrize("fn, tfn", [
    (lambda t: tj.digamma(t), lambda t: torch.digamma(t)),
    (lambda t: tj.polygamma(0, t), lambda t: torch.polygamma(0, t)),
    (lambda t: tj.polygamma(2, t), lambda t: torch.polygamma(2, t)),
    (lambda t: tj.mvlgamma(t + 1, 3), lambda t: torch.mvlgamma(t + 1, 3)),
])
def test_gamma_family_gradients(fn, tfn):
    vals = [[0.7, 1.5, 3.2], [2.2, 0.9, 5.0]]
    x = tj.tensor(vals, dtype=tj.float64, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
    tx = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    (fn(x) * tj.tensor([1.0, -2.0, 0.5], dtype=tj.float64)).sum().backward()
    (tfn(tx) * torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)).sum().backward()
    # torch's trigamma (digamma's derivative) is accurate to ~1e-9
    _check(x.grad, tx.grad, rtol=1e-8, atol=0)


# -- mvlgamma ------------------------------------------------------------------------------------
@pytest.mark.parametrize("p, dtype", [(1, "float64"), (2, "float64"), (5, "float64"), (3, "float32")])
def test_mvlgamma_values(p, dtype):
    x, tx = _pair([[2.5, 3.0, 10.0], [4.25, 7.5, 2.1]], dtype)
    _check(tj.mvlgamma(x, p), torch.mvlgamma(tx, p), rtol=1e-5 if dtype == "float32" else 1e-12)
    _check(x.mT.mvlgamma(p), tx.mT.mvlgamma(p), rtol=1e-5 if dtype == "float32" else 1e-12, strides=False)


def test_mvlgamma_edges_and_errors():
    i = tj.tensor([3, 4])
    _check(tj.mvlgamma(i, 2), torch.mvlgamma(_tt(i), 2))                   # int -> default float
    x, tx = _pair([1.0, 3.0, math.inf, math.nan])
    _check(tj.mvlgamma(x, 3), torch.mvlgamma(tx, 3))                       # inf below (p - 1) / 2
    _check(tj.mvlgamma(tj.tensor(3.0), 2), torch.mvlgamma(torch.tensor(3.0), 2))
    _check(tj.mvlgamma(tj.zeros(0), 2), torch.mvlgamma(torch.zeros(0), 2))
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        tj.mvlgamma(x, 0)
    y = tj.tensor([3.0, 4.0])
    assert y.mvlgamma_(2) is y
    _check(y, torch.tensor([3.0, 4.0]).mvlgamma_(2))
    out = tj.empty(2)
    assert tj.mvlgamma(tj.tensor([3.0, 4.0]), 2, out=out) is out
    _check(out, torch.mvlgamma(torch.tensor([3.0, 4.0]), 2))


# -- cdist ---------------------------------------------------------------------------------------
_MODES = ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"]


@pytest.mark.parametrize("p, dtype", [(p, "float64") for p in (0.0, 1.0, 2.0, 3.5, 0.5, math.inf)] +
                         [(2.0, "float32")])
def test_cdist_values(p, dtype):
    rng = np.random.default_rng(0)
    a = np.round(rng.normal(size=(2, 4, 3)), 1)
    a[0, 1] = a[0, 0]                                            # a zero distance and exact ties
    b = np.round(rng.normal(size=(5, 3)), 1)
    b[0] = a[0, 0]
    x1, x2 = tj.tensor(a, dtype=_TJ[dtype]), tj.tensor(b, dtype=_TJ[dtype])
    _check(tj.cdist(x1, x2, p=p), torch.cdist(_tt(x1), _tt(x2), p=p), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", _MODES)
def test_cdist_compute_modes_and_layouts(mode):
    rng = np.random.default_rng(1)
    base = tj.tensor(rng.normal(size=(30, 8)))
    other = tj.tensor(rng.normal(size=(3, 8, 27)))
    pairs = ((base, base[::2]), (base[:, ::2], other.mT[1, :, :4]), (base[2:, 1:5].unsqueeze(0), other[:, :4].mT))
    for x1, x2 in pairs:
        _check(tj.cdist(x1, x2, compute_mode=mode), torch.cdist(_tt(x1), _tt(x2), compute_mode=mode),
               rtol=1e-9, atol=1e-6)   # (the matrix-product path: sqrt of a rounding residual near 0)
    empties = ((tj.zeros(0, 3), tj.ones(2, 3)), (tj.zeros(2, 0), tj.zeros(3, 0)),
               (tj.ones(2, 3, 0, 2), tj.ones(3, 1, 2)))
    for x1, x2 in empties:
        _check(tj.cdist(x1, x2, compute_mode=mode), torch.cdist(_tt(x1), _tt(x2), compute_mode=mode))


def test_cdist_nan_inf():
    x1, t1 = _pair([[math.nan, 0.0], [math.inf, 1.0], [1.0, 2.0]])
    x2, t2 = _pair([[0.0, 0.0], [math.inf, 1.0]])
    for p in (1.0, 2.0, math.inf):
        _check(tj.cdist(x1, x2, p=p, compute_mode="donot_use_mm_for_euclid_dist"),
               torch.cdist(t1, t2, p=p, compute_mode="donot_use_mm_for_euclid_dist"))


def test_cdist_errors():
    a, b = tj.ones(3, 4), tj.ones(5, 4)
    cases = [((a.long(), b), RuntimeError, "cdist only supports floating-point dtypes, X1 got"),
             ((a, tj.ones(5, 3)), RuntimeError, "X1 and X2 must have the same number of columns. X1: 4 X2: 3"),
             ((a[0], b), RuntimeError, "cdist only supports at least 2D tensors, X1 got: 1D"),
             ((a, b, -1.0), RuntimeError, "cdist only supports non-negative p values"),
             ((a, b.double()), RuntimeError, "cdist"),
             ((a, b, 2.0, "x"), ValueError, "x is not a valid value for compute_mode")]
    for args, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            tj.cdist(*args)


@pytest.mark.parametrize("p, mode", [(0.0, _MODES[0]), (1.0, _MODES[0]), (2.0, _MODES[2]), (2.0, _MODES[1]),
                                     (3.0, _MODES[0]), (math.inf, _MODES[0])])
def test_cdist_gradients(p, mode):
    rng = np.random.default_rng(2)
    a = rng.normal(size=(2, 3, 4))
    b = rng.normal(size=(5, 4))
    b[0] = a[0, 0]                                               # a zero distance: gradient 0 there
    x1 = tj.tensor(a, requires_grad=True)
    x2 = tj.tensor(b, requires_grad=True)
    assert gradcheck(lambda u, v: tj.cdist(u, v, p=p, compute_mode=mode),
                     (tj.tensor(a[:, 1:], requires_grad=True), tj.tensor(b[1:], requires_grad=True)))
    w = rng.normal(size=(2, 3, 5))
    (tj.cdist(x1, x2, p=p, compute_mode=mode) * tj.tensor(w)).sum().backward()
    t1, t2 = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (torch.cdist(t1, t2, p=p, compute_mode=mode) * torch.tensor(w)).sum().backward()
    _check(x1.grad, t1.grad, rtol=1e-9, atol=1e-12)
    _check(x2.grad, t2.grad, rtol=1e-9, atol=1e-12)


# -- renorm --------------------------------------------------------------------------------------
@pytest.mark.parametrize("p, dim, maxnorm, dtype", [(2, 0, 1.0, "float64"), (1, 1, 2.5, "float64"),
                                                   (3.0, -1, 0.0, "float64"), (math.inf, 2, 1.5, "float64"),
                                                   (2, 1, 0.5, "float32")])
def test_renorm_values(p, dim, maxnorm, dtype):
    x = tj.tensor(np.random.default_rng(3).normal(size=(3, 4, 2)), dtype=_TJ[dtype])
    _check(tj.renorm(x, p, dim, maxnorm), torch.renorm(_tt(x), p, dim, maxnorm), rtol=1e-5)
    _check(x.mT.renorm(p, 0, maxnorm), _tt(x).mT.renorm(p, 0, maxnorm), rtol=1e-5, strides=False)


def test_renorm_inplace_out_nan_and_errors():
    x, tx = _pair([[3.0, 4.0], [0.3, 0.4], [math.nan, 1.0], [math.inf, 1.0]])
    _check(tj.renorm(x, 2, 0, 1.0), torch.renorm(tx, 2, 0, 1.0))
    y = x.clone()
    assert y.renorm_(2, 0, 1.0) is y
    _check(y, tx.clone().renorm_(2, 0, 1.0))
    out = tj.empty(0, dtype=tj.float64)
    assert tj.renorm(x, 1, 1, 1.0, out=out) is out
    _check(out, torch.renorm(tx, 1, 1, 1.0))
    for args, exc, msg in [((x, 0, 0, 1.0), RuntimeError, "renorm: non-positive-norm not supported"),
                           ((x, 2, 0, -1.0), RuntimeError, "renorm: expected maxnorm to be >= 0 but got -1"),
                           ((x[0], 2, 0, 1.0), RuntimeError, "renorm: input needs at least 2 dimensions, got 1"),
                           ((x.long(), 2, 0, 1.0), RuntimeError, "Expected a floating point or complex tensor"),
                           ((x, 2, 2, 1.0), IndexError, "Dimension out of range")]:
        with pytest.raises(exc, match=msg):
            tj.renorm(*args)


def test_renorm_gradients():
    vals = [[3.0, 4.0, 1.0], [0.3, 0.4, 0.1]]
    x = tj.tensor(vals, dtype=tj.float64, requires_grad=True)
    assert gradcheck(lambda t: tj.renorm(t, 2, 0, 1.0), (x,))
    tx = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    w = [[1.0, -1.0, 2.0], [0.5, 3.0, -2.0]]
    (tj.renorm(x, 2, 0, 1.0) * tj.tensor(w)).sum().backward()
    (torch.renorm(tx, 2, 0, 1.0) * torch.tensor(w, dtype=torch.float64)).sum().backward()
    _check(x.grad, tx.grad, rtol=1e-9)


# -- block_diag, cartesian_prod, combinations -----------------------------------------------------
def test_block_diag():
    a = tj.tensor([[1, 2], [3, 4], [5, 6]])
    ops = [(a,), (a.mT, tj.tensor([7.5, 8.0]), tj.tensor(9)), (tj.tensor(True), a[::2]),
           (tj.zeros(2, 0), a, tj.zeros(0, 3)), ()]
    for args in ops:
        _check(tj.block_diag(*args), torch.block_diag(*[_tt(t) for t in args]))
    with pytest.raises(RuntimeError, match="Input tensors must have 2 or fewer dimensions. Input 1 has 3"):
        tj.block_diag(a, tj.ones(1, 1, 1))
    x = tj.tensor([[1.0, 2.0]], dtype=tj.float64, requires_grad=True)
    y = tj.tensor([3.0, 4.0, 5.0], dtype=tj.float64, requires_grad=True)
    assert gradcheck(tj.block_diag, (x, y))


def test_cartesian_prod():
    a, b, c = tj.tensor([1, 2, 3]), tj.tensor([4, 5]), tj.tensor([6, 7, 8, 9])[::2]
    for args in ((a, b), (a, b, c), (a,), (a, tj.tensor([], dtype=tj.int64))):
        _check(tj.cartesian_prod(*args), torch.cartesian_prod(*[_tt(t) for t in args]), strides=len(args) > 1)
    assert tj.cartesian_prod(a) is a
    with pytest.raises(RuntimeError, match="same dtype"):
        tj.cartesian_prod(a, tj.tensor([1.0]))
    with pytest.raises(RuntimeError, match=r"Expect a 1D vector, but got shape \[2, 2\]"):
        tj.cartesian_prod(tj.ones(2, 2))
    x = tj.tensor([1.0, 2.0], dtype=tj.float64, requires_grad=True)
    y = tj.tensor([3.0, 4.0, 5.0], dtype=tj.float64, requires_grad=True)
    assert gradcheck(tj.cartesian_prod, (x, y))


@pytest.mark.parametrize("r", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations(r, with_replacement):
    x = tj.tensor([1.5, -2.0, 3.0, 4.0, 0.0, 7.0])[::2]
    for t in (x, tj.tensor([], dtype=tj.float32)):
        _check(tj.combinations(t, r, with_replacement), torch.combinations(_tt(t), r, with_replacement))


def test_combinations_errors_and_gradient():
    with pytest.raises(RuntimeError, match="Expect a non-negative number, but got -1"):
        tj.combinations(tj.arange(3), -1)
    with pytest.raises(RuntimeError, match=r"Expect a 1D vector, but got shape \[2, 2\]"):
        tj.combinations(tj.ones(2, 2))
    x = tj.tensor([1.0, 2.0, 4.0], dtype=tj.float64, requires_grad=True)
    assert gradcheck(lambda t: tj.combinations(t, 2, with_replacement=True), (x,))


# -- sinc, Bessel functions, heaviside, frexp ----------------------------------------------------------
_POINTWISE_SPECIALS = [0.0, -0.0, 1.0, -2.5, 0.5, 1e-20, 30.0, 31.0, -45.0, 700.0, 720.0,
                       math.inf, -math.inf, math.nan]
_BESSEL = [(tj.i0, torch.i0), (tj.special_i0e, torch.special.i0e), (tj.special_i1, torch.special.i1),
           (tj.special_i1e, torch.special.i1e), (tj.sinc, torch.sinc)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k", range(len(_BESSEL)), ids=["i0", "i0e", "i1", "i1e", "sinc"])
def test_unary_special_values(k, dtype):
    fn, tfn = _BESSEL[k]
    x, tx = _pair(_POINTWISE_SPECIALS, dtype)
    _check(fn(x), tfn(tx), rtol=1e-5 if dtype == "float32" else 1e-13, atol=0 if k < 4 else 1e-7)


def test_unary_special_dtypes_layouts_and_methods():
    i = tj.tensor([[0, 1, 2], [3, -4, 5]])
    base = tj.tensor(np.linspace(-3, 3, 24).reshape(4, 6))
    for fn, tfn in _BESSEL:
        _check(fn(i), tfn(_tt(i)))                                              # int -> default float
        for x in (base.mT, base[::2, 1::2], base[1:, 2:], base[0, 0], base[:, :0]):
            _check(fn(x), tfn(_tt(x)), rtol=1e-13, atol=1e-15)
    h = tj.tensor([0.5, 2.0], dtype=tj.float16)
    _check(tj.i0(h), torch.i0(_tt(h)), rtol=1e-3)
    for name in ("sinc", "i0"):
        y = base.clone()
        assert getattr(y, name + "_")() is y
        _check(y, getattr(_tt(base), name + "_")(), rtol=1e-13, atol=1e-15)
        _check(getattr(base.mT, name)(), getattr(_tt(base).mT, name)(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("fn, tfn", [(tj.i0, torch.i0), (tj.special_i0e, torch.special.i0e),
                                     (tj.special_i1, torch.special.i1), (tj.special_i1e, torch.special.i1e),
                                     (tj.sinc, torch.sinc), (lambda t: tj.frexp(t)[0], lambda t: torch.frexp(t)[0])],
                         ids=["i0", "i0e", "i1", "i1e", "sinc", "frexp"])
def test_unary_special_gradients(fn, tfn):
    vals = [0.3, -1.7, 2.2, 35.0, 0.0, -0.6]
    x = tj.tensor(vals, dtype=tj.float64, requires_grad=True)
    assert gradcheck(fn, (tj.tensor(vals[:4], dtype=tj.float64, requires_grad=True),))
    assert gradgradcheck(fn, (tj.tensor(vals[:4], dtype=tj.float64, requires_grad=True),))
    tx = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    w = [1.0, -2.0, 0.5, 0.25, 3.0, 1.5]
    (fn(x) * tj.tensor(w, dtype=tj.float64)).sum().backward()
    (tfn(tx) * torch.tensor(w, dtype=torch.float64)).sum().backward()
    _check(x.grad, tx.grad, rtol=1e-12, atol=1e-14)


def test_heaviside():
    x, tx = _pair([0.0, -1.0, 2.0, math.nan, -0.0, math.inf])
    v, tv = _pair([0.5, 0.25, 0.5, 0.5, math.nan, 0.5])
    _check(tj.heaviside(x, v), torch.heaviside(tx, tv))
    _check(tj.heaviside(x.reshape(2, 3).mT, v[:2]), torch.heaviside(tx.reshape(2, 3).mT, tv[:2]))
    for dt in ("int64", "bool"):
        a, ta = _pair([0, 1, 0, 1] if dt == "bool" else [0, 1, -2, 5], dt)
        b, tb = _pair([1], dt)
        _check(tj.heaviside(a, b), torch.heaviside(ta, tb))
    y = x.clone()
    assert y.heaviside_(v) is y
    _check(y, tx.clone().heaviside_(tv))
    with pytest.raises(RuntimeError, match="different dtypes"):
        tj.heaviside(x, tj.tensor([1], dtype=tj.int64))
    with pytest.raises(RuntimeError, match="complex tensors"):
        tj.heaviside(tj.tensor([1j]), tj.tensor([1j]))
    with pytest.raises(RuntimeError, match="not implemented"):
        tj.heaviside(tj.tensor([1.0], dtype=tj.float64, requires_grad=True), tj.tensor([1.0], dtype=tj.float64))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_frexp(dtype):
    x, tx = _pair([0.0, -0.0, 3.0, math.inf, -math.inf, math.nan, 1e-40 if dtype == "float32" else 1e-310, -5.5,
                   1e30], dtype)
    m, e = tj.frexp(x)
    tm, te = torch.frexp(tx)
    _check(m, tm, rtol=0, atol=0)
    _check(e, te, rtol=0, atol=0)
    m2, e2 = x.reshape(3, 3).mT.frexp()
    _check(m2, torch.frexp(tx.reshape(3, 3).mT)[0], rtol=0, atol=0)
    outs = (tj.empty(0, dtype=_TJ[dtype]), tj.empty(0, dtype=tj.int32))
    res = tj.frexp(x, out=outs)
    assert res[0] is outs[0] and res[1] is outs[1] and res.exponent.tolist() == te.tolist()
    with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
        tj.frexp(tj.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="exponent"):
        tj.frexp(x, out=(tj.empty(0, dtype=_TJ[dtype]), tj.empty(0, dtype=tj.int64)))


# -- trapezoid -----------------------------------------------------------------------------------
def _trap_cases():
    yf = tj.tensor([[1.0, 2.5, 3.0], [4.0, -5.0, 6.5]], dtype=tj.float64)
    yi = tj.tensor([[1, 2, 3], [4, 5, 6]])
    return [((yi,), {}), ((yi,), {"dx": 2}), ((yi, tj.tensor([1, 2, 4])), {}), ((yf,), {"dim": 0}),
            ((yf, tj.tensor([0.0, 0.5, 2.0], dtype=tj.float64)), {}), ((yf.mT, tj.tensor([[1.0, 2], [3, 5], [0, 1]],
                                                                                      dtype=tj.float64)), {"dim": 0}),
            ((yf, tj.tensor([[1.0, 2, 3]], dtype=tj.float64)), {}), ((yf[:, ::2],), {"dx": 0.5}),
            ((tj.zeros(2, 0),), {}), ((tj.zeros(2, 1),), {}),
            ((tj.tensor([math.nan, 1.0, math.inf]),), {})]


@pytest.mark.parametrize("name", ["trapezoid", "cumulative_trapezoid", "trapz"])
def test_trapezoid_values(name):
    for args, kwargs in _trap_cases():
        if name == "trapz" and "dim" in kwargs:
            continue
        _check(getattr(tj, name)(*args, **kwargs), getattr(torch, name)(*map(_tt, args), **kwargs),
               rtol=1e-12, strides=False)


def test_trapezoid_errors_and_gradients():
    y = tj.tensor([[1.0, 2.0, 3.0]], dtype=tj.float64, requires_grad=True)
    x = tj.tensor([0.0, 0.5, 2.0], dtype=tj.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="There must be one `x` value for each sample point"):
        tj.trapezoid(y, tj.tensor([1.0, 2.0], dtype=tj.float64))
    with pytest.raises(IndexError, match="no dimensions"):
        tj.trapezoid(tj.tensor(1.0))
    for fn in (tj.trapezoid, tj.cumulative_trapezoid):
        assert gradcheck(fn, (y, x))
        assert gradcheck(lambda t: fn(t, dx=0.5), (y,))
        ty = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64, requires_grad=True)
        tx = torch.tensor([0.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
        y.grad = x.grad = None
        fn(y, x).sum().backward()
        getattr(torch, fn.__name__)(ty, tx).sum().backward()
        _check(y.grad, ty.grad, rtol=1e-12)
        _check(x.grad, tx.grad, rtol=1e-12)


# -- histogram -----------------------------------------------------------------------------------
def test_histogram_values():
    cases = [([1.0, 2, 1, 2.5, 4], 4, {}), ([3.0, 3.0], 4, {}), ([], 4, {}),
             ([1.0, 2, 1, 2.5, 4, math.nan, math.inf, -math.inf], 4, {"range": (0.0, 3.0)}),
             ([1.0, 2, 1, 2.5, 4], [0.0, 1.5, 2.0, 5.0], {"weight": [1.0, 2, 3, 4, 5], "density": True}),
             ([0.1 * i for i in range(100)], 7, {"density": True}),
             ([[1.0, 5.0], [2.0, 2.0]], 3, {"weight": [[1.0, 0.5], [2.0, 3.0]]})]
    for dtype, some in (("float64", cases), ("float32", cases[3:4])):   # (edges round per dtype)
        for vals, bins, kw in some:
            x, tx = _pair(vals, dtype)
            tb = torch.tensor(bins, dtype=tx.dtype) if isinstance(bins, list) else bins
            b = tj.tensor(bins, dtype=_TJ[dtype]) if isinstance(bins, list) else bins
            kw_tj = {k: (tj.tensor(v, dtype=_TJ[dtype]) if k == "weight" else v) for k, v in kw.items()}
            kw_t = {k: (torch.tensor(v, dtype=tx.dtype) if k == "weight" else v) for k, v in kw.items()}
            h, e = tj.histogram(x, b, **kw_tj)
            th, te = torch.histogram(tx, tb, **kw_t)
            _check(h, th, rtol=1e-5)
            _check(e, te, rtol=0, atol=0)
    x = tj.tensor([[1.0, 2.0], [3.0, 9.0]]).mT
    _check(x.histogram(3)[0], torch.histogram(_tt(x), 3)[0])


def test_histogram_errors():
    x = tj.tensor([1.0, 2.0])
    for args, kw, exc, msg in [((tj.tensor([1, 2]), 4), {}, NotImplementedError, "histogramdd"),
                               ((x, 0), {}, RuntimeError, "bins must be > 0, but got 0"),
                               ((x, 4), {"range": (3.0, 1.0)}, RuntimeError, "min should not exceed max"),
                               ((tj.tensor([1.0, math.nan]), 4), {}, RuntimeError, "is not finite"),
                               ((x, 2), {"weight": tj.tensor([1.0])}, RuntimeError, "same shape"),
                               ((x, 2), {"weight": tj.tensor([1.0, 2.0], dtype=tj.float64)}, RuntimeError,
                                "same dtype")]:
        with pytest.raises(exc, match=msg):
            tj.histogram(*args, **kw)
    out = (tj.empty(0), tj.empty(0))
    res = tj.histogram(x, 2, out=out)
    assert res.hist is out[0] and res.bin_edges is out[1] and out[0].tolist() == [1.0, 1.0]


# -- tensorjit.special ------------------------------------------------------------------------------
def test_special_namespace_aliases():
    import tensorjit.special as sp
    # the names that are top-level ops (each tested in its own op's tests) are those ops
    for name, op in [("expit", tj.sigmoid), ("erf", tj.erf), ("erfc", tj.erfc), ("expm1", tj.expm1),
                     ("exp2", tj.exp2), ("log1p", tj.log1p), ("gammaln", tj.lgamma), ("digamma", tj.digamma),
                     ("psi", tj.digamma), ("sinc", tj.sinc), ("round", tj.round), ("i0", tj.i0),
                     ("i0e", tj.special_i0e), ("i1", tj.special_i1), ("i1e", tj.special_i1e), ("logit", tj.logit),
                     ("erfinv", tj.erfinv), ("polygamma", tj.polygamma), ("multigammaln", tj.mvlgamma),
                     ("xlogy", tj.xlogy), ("logsumexp", tj.logsumexp), ("softmax", tj.softmax),
                     ("log_softmax", tj.log_softmax)]:
        assert getattr(sp, name) is op, name
        assert hasattr(torch.special, name)
    assert set(sp.__all__) <= set(dir(torch.special))
    x, tx = _pair([0.25, 0.5, 2.0, 0.0, -0.5, math.nan])
    p, tp = _pair([0.25, 0.5, 0.75, 0.0, 1.0, math.nan])
    m = x.reshape(2, 3)
    for a, b in ((x, p), (x, 2.0), (tj.tensor([0, 1, 2]), p[:3]), (m, x[:3])):
        ta = _tt(a) if isinstance(a, tj.Tensor) else a
        tb = _tt(b) if isinstance(b, tj.Tensor) else b
        _check(sp.xlog1py(a, b), torch.special.xlog1py(ta, tb))


@pytest.mark.parametrize("name", ["entr", "ndtr", "xlog1py"])
def test_special_composite_edges_and_gradients(name):
    import tensorjit.special as sp
    vals = [0.0, 1.0, -1.0, 2.5, -3.0, 40.0, -40.0, math.inf, -math.inf, math.nan]
    x, tx = _pair(vals)
    args, targs = ((x, x.flip(0)), (tx, tx.flip(0))) if name == "xlog1py" else ((x,), (tx,))
    _check(getattr(sp, name)(*args), getattr(torch.special, name)(*targs), rtol=1e-14, atol=0)
    ints = (tj.tensor([1, 0, 2]),) * len(args)
    _check(getattr(sp, name)(*ints), getattr(torch.special, name)(*map(_tt, ints)), rtol=1e-6)
    g = [tj.tensor([0.5, 1.5, 2.0], dtype=tj.float64, requires_grad=True) for _ in args]
    assert gradcheck(getattr(sp, name), tuple(g))
    tg = [torch.tensor([0.5, 1.5, 2.0], dtype=torch.float64, requires_grad=True) for _ in args]
    getattr(sp, name)(*g).sum().backward()
    getattr(torch.special, name)(*tg).sum().backward()
    for a, b in zip(g, tg):
        _check(a.grad, b.grad, rtol=1e-12)


def test_special_zeta():
    import tensorjit.special as sp
    x, tx = _pair([2.0, 3.0, 1.0, 0.5, 4.5, math.inf, math.nan, 2.0, 3.0, 7.0, 2.0])
    q, tq = _pair([1.0, 2.5, 1.0, 1.0, -1.5, 2.0, 1.0, 0.0, -2.0, -2.5, math.inf])
    _check(sp.zeta(x, q), torch.special.zeta(tx, tq), rtol=1e-13, atol=0)
    _check(sp.zeta(x.reshape(1, -1), q[:, None][::2]), torch.special.zeta(tx.reshape(1, -1), tq[:, None][::2]),
           rtol=1e-13, atol=0)                                             # broadcast, stepped
    i = tj.tensor([2, 3])
    _check(sp.zeta(i, tj.tensor([1, 2])), torch.special.zeta(_tt(i), torch.tensor([1, 2])))
    _check(sp.zeta(2.0, tj.tensor([1.0, 2.0])), torch.special.zeta(2.0, torch.tensor([1.0, 2.0])))
    _check(sp.zeta(tj.tensor([2.0, 4.0]), 1), torch.special.zeta(torch.tensor([2.0, 4.0]), 1))
    qq = tj.tensor([1.5, 2.0, 7.0], dtype=tj.float64, requires_grad=True)
    xx = tj.tensor([2.5, 3.0, 2.0], dtype=tj.float64)
    assert gradcheck(lambda t: sp.zeta(xx, t), (qq,))
    tq2 = torch.tensor([1.5, 2.0, 7.0], dtype=torch.float64, requires_grad=True)
    sp.zeta(xx, qq).sum().backward()
    torch.special.zeta(_tt(xx), tq2).sum().backward()
    _check(qq.grad, tq2.grad, rtol=1e-12)
    with pytest.raises(RuntimeError, match="not implemented"):
        sp.zeta(qq, 2.0)                                                    # (none in PyTorch either)

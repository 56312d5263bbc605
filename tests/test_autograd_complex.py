"""Complex autograd against PyTorch: the derivatives of ``real``, ``imag``, ``conj``,
``conj_physical``, ``view_as_real``, ``view_as_complex``, ``angle``, ``abs``, ``sgn``, ``complex``
and ``polar`` (conjugate Wirtinger convention), alone and inside bigger programs, to second
order; and ``gradcheck``/``gradgradcheck`` with complex inputs and outputs."""
from __future__ import annotations

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.autograd import Function, gradcheck, gradgradcheck
from tensorjit.autograd.gradcheck import GradcheckError

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for autograd's semantics")

RNG = np.random.default_rng(11)


@pytest.fixture(autouse=True)
def _seed():
    """The same operands whichever tests ran before."""
    global RNG
    RNG = np.random.default_rng(11)


def _cnum(shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().numpy()
    return t.detach().numpy()


def _check(a, b, rtol=1e-7, atol=1e-9):
    assert (a is None) == (b is None)
    if a is None:
        return
    assert a.dtype.name == str(b.dtype).split(".")[1] and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol, equal_nan=True)


def _loss(out, w):
    """A real loss of ``out`` with weights ``w`` (real part of the weighted sum when complex)."""
    s = (out * w).sum()
    return s.real if s.is_complex() else s


def _both(fn, arrays, second=True):
    """Gradients (and, with ``second``, gradients of the gradients' squared modulus) of a
    weighted loss of ``fn`` w.r.t. ``arrays``, in tensorjit and torch; compared."""
    res = []
    for lib, mk, grad in ((tj, tj.tensor, tj.autograd.grad), (torch, torch.tensor, torch.autograd.grad)):
        xs = [mk(a, requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        w = mk(np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(_np(out).dtype) * (1 + 0.5j)
               if out.is_complex() else np.random.default_rng(1).standard_normal(tuple(out.shape)))
        gs = grad(_loss(out, w), xs, create_graph=second, allow_unused=True)
        row = [out, *gs]
        if second:
            dep = [g for g in gs if g is not None and g.requires_grad]
            s = sum((g.abs() ** 2).sum() for g in dep) if dep else None
            row += list(grad(s, xs, allow_unused=True)) if s is not None else [None] * len(xs)
        res.append(row)
    for a, b in zip(*res):
        _check(a, b)


def _fn(name):
    """An op applied the same way in tensorjit and torch."""
    return {
        "real": lambda L, z: z.real * 1.5,
        "imag": lambda L, z: z.imag * 1.5,
        "conj": lambda L, z: z.conj() * z.detach(),
        "conj_physical": lambda L, z: L.conj_physical(z) * 2,
        "angle": lambda L, z: z.angle(),
        "abs": lambda L, z: z.abs(),
        "sgn": lambda L, z: z.sgn(),
        "view_as_real": lambda L, z: L.view_as_real(z) * 3,
        "view_as_complex": lambda L, z: L.view_as_complex(L.view_as_real(z * 1) * 2),
        "real_sq": lambda L, z: z.real ** 2 + z.imag * z.real,
        "abs_sq": lambda L, z: z.abs() ** 3,
    }[name]


@pytest.mark.parametrize("name", ["real", "imag", "conj", "conj_physical", "angle", "abs", "sgn", "view_as_real",
                                  "view_as_complex", "real_sq", "abs_sq"])
def test_complex_unary_grads_match_torch(name):
    z = _cnum((3, 4))
    _both(_fn(name), [z])
    z[0, 0] = 0          # angle, sgn and abs have PyTorch's zero subgradient at 0 (first order)
    _both(_fn(name), [z], second=False)


@pytest.mark.parametrize("name", ["angle", "abs", "sgn", "real_sq"])
def test_complex_grads_nan_inf(name):
    z = np.array([complex(np.nan, 1), complex(np.inf, 0), complex(1, -np.inf), complex(np.inf, np.inf), 1 + 2j])
    _both(_fn(name), [z], second=False)


@pytest.mark.parametrize("shape", [(), (0,), (0, 3)])
def test_complex_grads_zero_d_and_empty(shape):
    # (not view_as_real: PyTorch's own backward of it refuses empty gradients)
    _both(lambda L, z: z.real * z.abs() + z.imag * z.angle() + (z.conj() * z).real, [_cnum(shape)])


@pytest.mark.parametrize("layout", ["transposed", "strided"])
def test_complex_part_grads_noncontiguous(layout):
    a = _cnum((3, 4))
    res = []
    for lib in (tj, torch):
        mk = tj.tensor if lib is tj else torch.tensor
        if layout == "transposed":
            leaf = mk(np.ascontiguousarray(a.T), requires_grad=True)
            z = leaf.t()
        else:
            big = np.zeros((7, 4), complex)
            big[1::2] = a
            leaf = mk(big, requires_grad=True)
            z = leaf[1::2, 1:]
        out = (z.real * 2 + z.imag ** 2).sum() + lib.view_as_real(z * 1).pow(2).sum() + z.conj().abs().sum()
        g, = (tj.autograd.grad if lib is tj else torch.autograd.grad)(out, leaf)
        res.append(g)
    _check(*res)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_complex_and_polar_grads_match_torch(dtype):
    a = (RNG.random((2, 3)) + 0.5).astype(dtype)
    t = RNG.standard_normal((2, 3)).astype(dtype)
    b = RNG.standard_normal(3).astype(dtype)      # broadcast against (2, 3)
    res = []
    for lib in (tj, torch):
        mk = tj.tensor if lib is tj else torch.tensor
        xa, xt, xb = (mk(v, requires_grad=True) for v in (a, t, b))
        c, p = lib.complex(xa, xb), lib.polar(xa, xt)
        out = (c * p).real.sum() + (p.conj() * c).imag.pow(2).sum() + c.abs().sum()
        gs = (tj.autograd.grad if lib is tj else torch.autograd.grad)(out, (xa, xt, xb))
        res.append((c, p) + tuple(gs))
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else {}
    for x, y in zip(*res):
        _check(x, y, **tol)


def test_complex_programs_second_order():
    zc, wc, xr = _cnum(4), _cnum(4), RNG.standard_normal(4)
    _both(lambda L, z, w, x: (z * w).real, [zc, wc, xr])
    _both(lambda L, z, w, x: z.abs() * x + (x * w).abs(), [zc, wc, xr])           # real promoted to complex
    _both(lambda L, z, w, x: L.view_as_real(z * w).pow(2), [zc, wc, xr])
    _both(lambda L, z, w, x: L.polar(x.abs() + 1, x) * z.conj(), [zc, wc, xr])
    _both(lambda L, z, w, x: L.complex(x, x * x) * w + (z * x).angle(), [zc, wc, xr])
    _both(lambda L, z, w, x: L.fft.fft(z * x).abs() + L.fft.ifft(w).real, [zc, wc, xr])


def test_part_views_share_storage_and_history():
    z = tj.tensor(_cnum(3), requires_grad=True)
    w = z * 2
    r, i, v = w.real, w.imag, tj.view_as_real(w)
    assert r.grad_fn is not None and i.grad_fn is not None and v.grad_fn is not None
    assert r._data.base is not None and np.shares_memory(r._data, w._data) and r.requires_grad
    real_in = tj.tensor([1.0, 2.0], requires_grad=True)
    assert real_in.real is real_in and real_in.conj() is real_in     # PyTorch returns the input itself
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        real_in.imag


def _inplace_program(L, mode, a, x):
    """In-place writes through complex part views of non-leaves (Note [view history])."""
    mk = torch.tensor if L is torch else tj.tensor
    z = mk(a, requires_grad=True)
    w = z * 2
    if mode == "real_part":
        w.real.mul_(3)
        w.imag[0] = 5.0
        return z, (w * w).abs().sum()
    if mode == "base_written":            # the part views see a later write through their base
        r, i = w.real, w.imag
        w.mul_(1j)
        return z, (r * i).sum() + (r ** 2).sum()
    if mode == "view_as_real":
        v = L.view_as_real(w)
        v[:, 1, 0] = 7.0
        v.mul_(v.detach() + 1)
        return z, (w.conj() * w * z).real.sum()
    xr = mk(x, requires_grad=True)        # view_as_complex of a real non-leaf
    y = xr * 1
    c = L.view_as_complex(y)
    c.mul_(1 + 2j)
    return xr, (y ** 3).sum() + c.abs().sum()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("mode", ["real_part", "base_written", "view_as_real", "view_as_complex"])
def test_inplace_on_complex_part_views_of_nonleaf(mode, create_graph):
    a, x = _cnum((2, 3)), RNG.standard_normal((3, 2))
    res = []
    for L, grad in ((tj, tj.autograd.grad), (torch, torch.autograd.grad)):
        leaf, loss = _inplace_program(L, mode, a, x)
        g, = grad(loss, leaf, create_graph=create_graph)
        row = [loss, g]
        if create_graph:
            row += list(grad((g.abs() ** 2).sum(), leaf))
        res.append(row)
    for p, q in zip(*res):
        _check(p, q)


def test_complex_constructor_errors_match_torch():
    i = tj.ones(2, dtype=tj.int64)
    f32, f64 = tj.ones(2), tj.ones(2, dtype=tj.float64)
    for fn in (tj.complex, tj.polar):
        with pytest.raises(RuntimeError, match="Expected both inputs to be Half, Float or Double tensors but got "
                                               "Long and Long"):
            fn(i, i)
        with pytest.raises(RuntimeError, match="Expected object of scalar type Float but got scalar type Double "
                                               "for second argument"):
            fn(f32, f64)
    z = tj.tensor(_cnum(2), requires_grad=True)
    x = tj.tensor([1.0, 2.0], dtype=tj.float64, requires_grad=True)
    out = tj.empty(2, dtype=tj.complex128)
    for call, name in ((lambda: tj.conj_physical(z, out=out), "conj_physical"),
                       (lambda: tj.complex(x, x, out=out), "complex"), (lambda: tj.polar(x, x, out=out), "polar")):
        with pytest.raises(RuntimeError, match=f"{name}\\(\\): functions with out=... arguments don't support "
                                               "automatic differentiation"):
            call()
    assert tj.complex(x.detach(), x.detach(), out=out) is out and out.tolist() == [1 + 1j, 2 + 2j]


def test_grad_fn_names_match_torch():
    z, tz = tj.tensor(_cnum(2), requires_grad=True), torch.tensor(_cnum(2), requires_grad=True)
    for f in (lambda L, z: z.conj(), lambda L, z: L.conj_physical(z), lambda L, z: L.view_as_real(z),
              lambda L, z: L.view_as_complex(L.view_as_real(z)), lambda L, z: L.complex(z.real, z.imag),
              lambda L, z: L.polar(z.abs(), z.angle()), lambda L, z: z.sgn()):
        assert f(tj, z).grad_fn.name() == f(torch, tz).grad_fn.name()


# -- gradcheck with complex inputs and outputs (Note [complex gradcheck]) -------------------------------
def _c(*shape):
    return tj.tensor(_cnum(shape), requires_grad=True)


@pytest.mark.parametrize("case", ["mul", "exp", "matmul", "sum", "fft", "inv", "real_times_complex", "polar"])
def test_gradcheck_complex(case):
    x = tj.tensor(RNG.random(3) + 0.5, requires_grad=True)
    fn, inputs = {
        "mul": (lambda a, b: a * b, (_c(3), _c(3))),
        "exp": (lambda a: a.exp(), (_c(2, 2),)),
        "matmul": (lambda a, b: a @ b, (_c(3, 3), _c(3))),
        "sum": (lambda a: a.sum(), (_c(2, 3),)),
        "fft": (lambda a: tj.fft.fft(a), (_c(4),)),
        "inv": (lambda a: tj.linalg.inv(a), (tj.tensor(_cnum((3, 3)) + 3 * np.eye(3), requires_grad=True),)),
        "real_times_complex": (lambda a, b: (a * b).abs() + a, (x, _c(3))),
        "polar": (lambda a, b: tj.polar(a, b), (x, tj.tensor(RNG.standard_normal(3), requires_grad=True))),
    }[case]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


class _NoConj(Function):
    """z * z with a backward that forgets the conjugate: wrong under the Wirtinger convention."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * 2 * a


class _RealOnly(Function):
    """|z|^2 with a backward that drops the imaginary part of the gradient."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.abs() ** 2

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return (g * 2 * a.real).to(tj.complex128)


def test_gradcheck_catches_wrong_complex_gradients():
    z = _c(3)
    assert not gradcheck(_NoConj.apply, (z,), raise_exception=False)
    with pytest.raises(GradcheckError, match="While considering the real part of complex outputs only, "
                                                         "Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(_NoConj.apply, (z,))
    assert not gradcheck(_RealOnly.apply, (z,), raise_exception=False)
    # the torch oracle agrees on both
    tz = torch.tensor(_np(z), requires_grad=True)
    for bad in ("no_conj", "real_only"):
        class T(torch.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a if bad == "no_conj" else a.abs() ** 2

            @staticmethod
            def backward(ctx, g):
                a, = ctx.saved_tensors
                return g * 2 * a if bad == "no_conj" else (g * 2 * a.real).to(torch.complex128)
        assert not torch.autograd.gradcheck(T.apply, (tz,), raise_exception=False)

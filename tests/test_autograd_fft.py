"""Gradients of tensorjit.fft (Note [fft gradients] in tensorjit/autograd/_formulas_fft.py) and
of the stft/istft composites (Note [stft composites]): gradcheck and gradgradcheck in float64
over real and complex inputs (complex ones built from two real leaves, complex outputs checked
through their real and imaginary parts), and vector-Jacobian products compared with
torch.autograd's (values, dtype, shape) over ``n``/``s`` smaller and larger than the input,
every ``norm``, ``dim`` tuples, strided, 0-d, empty and non-finite inputs.

Compile budget: the transforms run in NumPy; the formulas' own kernels (mul, add, cat,
narrow, the complex-to-real cast, and the composites' pad, unfold and index_add) are compiled
for float64/complex128, and one test casts float32/complex64.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tensorjit as tj
import tensorjit.fft
from tensorjit.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for the fft gradients")

NORMS = (None, "backward", "ortho", "forward")
ONE_D = ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")
N_D = ("fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2")
REAL_ONLY = {"rfft", "ihfft", "rfftn", "ihfftn", "rfft2", "ihfft2"}
# (n, norm) of the one-dim transforms on a length-5 dim: the default n, n smaller and larger
# (for c2r: the one-sided length n // 2 + 1 smaller and larger), odd and even n, each norm.
N_NORMS = [(None, None), (3, "ortho"), (12, "forward"), (7, "backward")]
# (s, dim) cases of the n-dim transforms on a (2, 3, 4) input: the defaults, s smaller and
# larger than the input, dims apart and reversed, one dim; the 2-d ones take two dims.
CASES_N = [(None, None), ((2, 6), None), (None, (0, 2)), ((5, 1), (2, 0)), ((2,), (1,))]


def _rng(seed):
    return np.random.default_rng(seed)


def _leaf(a):
    return tj.tensor(a).requires_grad_()


class _Complex(tj.autograd.Function):
    """``re + 1j * im`` whose backward returns real gradients itself (through the differentiable
    complex-to-real cast), so that second derivatives flow into the two real leaves."""

    @staticmethod
    def forward(ctx, re, im):
        return re + 1j * im

    @staticmethod
    def backward(ctx, g):
        return g.to(tj.float64), (g * -1j).to(tj.float64)


def _parts(y):
    """Real outputs for gradcheck: a complex result as (real part, imaginary part)."""
    if y.is_complex():
        return y.to(tj.float64), (y * -1j).to(tj.float64)
    return y


def _kwargs(s, dim, norm):
    kw = {"norm": norm}
    if s is not None:
        kw["s"] = s
    if dim is not None:
        kw["dim"] = dim
    return kw


def _cases(name):
    return [(s, d) for s, d in CASES_N if not name.endswith("2") or len(s or d or (0, 0)) == 2]


# -- gradcheck: one dim ---------------------------------------------------------------------------

@pytest.mark.parametrize("n,norm", N_NORMS)
@pytest.mark.parametrize("name", ONE_D)
def test_gradcheck_1d_real_input(name, n, norm):
    f = getattr(tj.fft, name)
    x = _leaf(_rng(0).standard_normal((2, 5)))
    assert gradcheck(lambda t: _parts(f(t, n, -1, norm)), (x,))


@pytest.mark.parametrize("n,norm", N_NORMS)
@pytest.mark.parametrize("name", [n for n in ONE_D if n not in REAL_ONLY])
def test_gradcheck_1d_complex_input(name, n, norm):
    f = getattr(tj.fft, name)
    re, im = (_leaf(_rng(i).standard_normal((5, 2))) for i in (1, 2))
    # dim 0 of a batch: the doubling of c2r runs along a leading dim.
    assert gradcheck(lambda a, b: _parts(f(_Complex.apply(a, b), n, 0, norm)), (re, im))


# -- gradcheck: several dims ----------------------------------------------------------------------

def _nd_params():
    out = []
    for name in N_D:
        for i, (s, dim) in enumerate(_cases(name)):
            out.append(pytest.param(name, s, dim, NORMS[i % 4], id=f"{name}-{s}-{dim}-{NORMS[i % 4]}"))
    return out


@pytest.mark.parametrize("name,s,dim,norm", _nd_params())
def test_gradcheck_nd(name, s, dim, norm):
    f = getattr(tj.fft, name)
    kw = _kwargs(s, dim, norm)
    x = _leaf(_rng(3).standard_normal((2, 3, 4)))
    assert gradcheck(lambda t: _parts(f(t, **kw)), (x,))
    if name not in REAL_ONLY:
        re, im = (_leaf(_rng(i).standard_normal((2, 3, 4))) for i in (4, 5))
        assert gradcheck(lambda a, b: _parts(f(_Complex.apply(a, b), **kw)), (re, im))


def _grad_outputs(y, seed):
    """Fixed incoming gradients for gradgradcheck, one per real output of ``_parts(y)``."""
    shape = tuple(y.shape)
    return tuple(_leaf(_rng(seed + i).standard_normal(shape)) for i in range(2 if y.is_complex() else 1))


@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "hfft", "ihfft", "fftn", "irfftn", "rfft2", "hfftn",
                                  "ihfft2"])
def test_gradgradcheck(name):
    f = getattr(tj.fft, name)
    kw = {"norm": "ortho"} if name.endswith(("n", "2")) else {"n": 6, "norm": "forward"}
    x = _leaf(_rng(6).standard_normal((2, 4)))
    assert gradgradcheck(lambda t: _parts(f(t, **kw)), (x,), _grad_outputs(f(x.detach(), **kw), 16))
    if name not in REAL_ONLY:
        re, im = (_leaf(_rng(i).standard_normal((3, 2))) for i in (7, 8))
        y = f(_Complex.apply(re, im).detach(), **kw)
        assert gradgradcheck(lambda a, b: _parts(f(_Complex.apply(a, b), **kw)), (re, im), _grad_outputs(y, 17))


# -- against torch.autograd -----------------------------------------------------------------------

def _vjp(lib, fn, arrays, v):
    """Gradients of ``fn`` at leaves made from ``arrays`` for the incoming gradient ``v``: those of
    the loss ``sum(Re(fn(*xs) * conj(v)))``, in both libraries' (PyTorch's) convention."""
    if lib is tj:
        xs = [_leaf(a) for a in arrays]
        return tj.autograd.grad(fn(*xs), xs, tj.tensor(v))
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return torch.autograd.grad(fn(*xs), xs, torch.tensor(v))


def _compare(fn_tj, fn_torch, arrays, seed=0, rtol=1e-10, atol=1e-10):
    """``fn_tj``'s gradients against ``fn_torch``'s: values, dtype and shape."""
    with torch.no_grad():
        y = fn_torch(*[torch.tensor(a) for a in arrays])
    rng = _rng(seed + 100)
    v = rng.standard_normal(y.shape)
    if y.is_complex():
        v = v + 1j * rng.standard_normal(y.shape)
    v = v.astype(str(y.dtype).split(".")[1])
    got = _vjp(tj, fn_tj, arrays, v)
    want = _vjp(torch, fn_torch, arrays, v)
    for g, e in zip(got, want):
        assert tuple(g.shape) == tuple(e.shape)
        assert g.dtype.name == str(e.dtype).split(".")[1]
        np.testing.assert_allclose(g.numpy(), e.resolve_conj().numpy(), rtol=rtol, atol=atol)


def _with_complex(names):
    """(name, complex input?) pairs: real input for every transform, complex where it is accepted."""
    return [pytest.param(n, c, id=f"{n}-{'complex' if c else 'real'}") for n in names for c in (False, True)
            if not (c and n in REAL_ONLY)]


def _inputs(name, shape, seed, complex_input):
    rng = _rng(seed)
    a = rng.standard_normal(shape)
    if complex_input:
        a = a + 1j * rng.standard_normal(shape)
    return a


@pytest.mark.parametrize("name,complex_input", _with_complex(ONE_D))
def test_matches_torch_1d(name, complex_input):
    for i, (n, dim) in enumerate([(None, -1), (3, -1), (12, 0), (7, 1), (2, 0)]):
        norm = NORMS[i % 4]
        a = _inputs(name, (4, 5), i, complex_input)
        _compare(lambda x: getattr(tj.fft, name)(x, n, dim, norm),
                 lambda x: getattr(torch.fft, name)(x, n, dim, norm), [a], seed=i)


@pytest.mark.parametrize("name,complex_input", _with_complex(N_D))
def test_matches_torch_nd(name, complex_input):
    for i, (s, dim) in enumerate(_cases(name)):
        kw = _kwargs(s, dim, NORMS[(i + 1) % 4])
        a = _inputs(name, (2, 3, 4), i, complex_input)
        _compare(lambda x: getattr(tj.fft, name)(x, **kw), lambda x: getattr(torch.fft, name)(x, **kw), [a], seed=i)


# Strided operands: the transform reads a view of a leaf; the gradient lands in the leaf.
_VIEWS = {
    "transposed": ((5, 4), lambda x: x.transpose(0, 1)),
    "stepped": ((4, 9), lambda x: x[1:, ::2]),
    "offset": ((3, 6), lambda x: x[1:, 2:]),
}


@pytest.mark.parametrize("view", sorted(_VIEWS))
@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "ihfft", "hfft2", "irfftn"])
def test_matches_torch_strided(name, view):
    shape, v = _VIEWS[view]
    a = _inputs(name, shape, 9, name not in REAL_ONLY)
    _compare(lambda x: getattr(tj.fft, name)(v(x)), lambda x: getattr(torch.fft, name)(v(x)), [a], seed=9)


@pytest.mark.parametrize("name", ["rfft", "fft"])
def test_matches_torch_single_precision(name):
    # float32 input: complex64 result and float32 gradient; complex64 input: complex64 gradient.
    a = _inputs(name, (3, 4), 10, name == "fft")
    a = a.astype(np.complex64 if name == "fft" else np.float32)
    _compare(lambda x: getattr(tj.fft, name)(x, 6, norm="ortho"),
             lambda x: getattr(torch.fft, name)(x, 6, norm="ortho"), [a], rtol=1e-5, atol=1e-5)


def test_matches_torch_spectral_convolution():
    # A graph of several transforms and two leaves: circular convolution through rfft/irfft
    # and a 2-d filter through fft2/ifft2.
    rng = _rng(11)
    a, k = rng.standard_normal((2, 8)), rng.standard_normal(8)
    _compare(lambda x, h: tj.fft.irfft(tj.fft.rfft(x) * tj.fft.rfft(h), 8),
             lambda x, h: torch.fft.irfft(torch.fft.rfft(x) * torch.fft.rfft(h), 8), [a, k])
    b, m = rng.standard_normal((4, 6)), rng.standard_normal((4, 6)) + 1j * rng.standard_normal((4, 6))
    _compare(lambda x, h: tj.fft.ifft2(tj.fft.fft2(x, s=(5, 7)) * tj.fft.fft2(h, s=(5, 7)), norm="ortho"),
             lambda x, h: torch.fft.ifft2(torch.fft.fft2(x, s=(5, 7)) * torch.fft.fft2(h, s=(5, 7)), norm="ortho"),
             [b, m])


def test_matches_torch_0d_and_no_dims():
    a0 = np.array(1.5)
    _compare(lambda x: tj.fft.fftn(x), lambda x: torch.fft.fftn(x), [a0])
    a = _rng(12).standard_normal((2, 3))
    _compare(lambda x: tj.fft.fftn(x, dim=()), lambda x: torch.fft.fftn(x, dim=()), [a])


# NumPy's pocketfft warns on the non-finite forward values (PyTorch does not); the gradient is what is tested.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "hfftn"])
def test_nonfinite_input_gradient(name):
    # The transforms are linear: NaN and inf in the input leave the (finite) gradient as it is.
    a = _inputs(name, (2, 5), 13, name not in REAL_ONLY)
    a[0, 1], a[1, 3], a[1, 0] = np.nan, np.inf, -np.inf
    _compare(lambda x: getattr(tj.fft, name)(x), lambda x: getattr(torch.fft, name)(x), [a])


def test_empty_input_gradient():
    # torch's FFT backend refuses empty batches, so only the shape and dtype are checked here.
    x = _leaf(np.zeros((0, 4)))
    tj.fft.rfft(x).to(tj.float64).sum().backward()
    assert x.grad.shape == (0, 4) and x.grad.dtype is tj.float64


# -- fftshift / ifftshift -------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1)])
@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
def test_shift_gradients(name, dim):
    a = _rng(13).standard_normal((3, 5))
    x = _leaf(a)
    assert gradcheck(lambda t: getattr(tj.fft, name)(t, dim), (x,))
    _compare(lambda t: getattr(tj.fft, name)(t, dim), lambda t: getattr(torch.fft, name)(t, dim), [a])
    z = a + 1j * _rng(14).standard_normal((3, 5))
    _compare(lambda t: getattr(tj.fft, name)(t, dim), lambda t: getattr(torch.fft, name)(t, dim), [z])


# -- out= -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["fft", "rfft2", "irfftn"])
def test_out_refused_when_input_requires_grad(name):
    x = _leaf(_rng(15).standard_normal((2, 4)))
    with tj.no_grad():
        expect = getattr(tj.fft, name)(x)
    out = tj.full(tuple(expect.shape), 7, dtype=expect.dtype)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        getattr(tj.fft, name)(x, out=out)
    with pytest.raises(RuntimeError):
        getattr(torch.fft, name)(torch.tensor(x.detach().numpy(), requires_grad=True),
                                 out=torch.empty(tuple(expect.shape), dtype=getattr(torch, expect.dtype.name)))
    assert (out.numpy() == 7).all()         # untouched
    with tj.no_grad():
        r = getattr(tj.fft, name)(x, out=out)
    assert r is out and np.array_equal(out.numpy(), expect.numpy())


# -- stft / istft (Note [stft composites]) --------------------------------------------------------

def _composite(name):
    """The public ``tensorjit.<name>``: its routing line sends an operand that requires grad to
    the differentiable composite."""
    return getattr(tj, name)


_STFT_CASES = [
    # (input shape, complex input, n_fft, keyword arguments)
    ((2, 20), False, 8, dict(hop_length=2, center=True, pad_mode="reflect")),
    ((19,), False, 8, dict(hop_length=3, win_length=6, center=False, normalized=True)),
    ((17,), False, 6, dict(hop_length=2, center=True, pad_mode="constant", onesided=False)),
    ((2, 16), True, 8, dict(hop_length=4, win_length=5, center=True, pad_mode="replicate")),
]


@pytest.mark.parametrize("case", range(len(_STFT_CASES)))
def test_stft_gradients_match_torch(case):
    shape, cplx, n_fft, kw = _STFT_CASES[case]
    a = _inputs("stft", shape, 20 + case, cplx)
    win = np.hanning(kw.get("win_length", n_fft) + 2)[1:-1]
    stft = _composite("stft")
    _compare(lambda x, w: stft(x, n_fft, window=w, return_complex=True, **kw),
             lambda x, w: torch.stft(x, n_fft, window=w, return_complex=True, **kw), [a, win], seed=case)


_ISTFT_CASES = [
    # (onesided spectrum, keyword arguments)
    (True, dict(hop_length=2, win_length=6, center=True)),
    (True, dict(hop_length=3, center=False, normalized=True, length=15)),
    (False, dict(hop_length=2, center=True, onesided=False, return_complex=True, length=30)),
    (False, dict(hop_length=2, center=True, onesided=False)),
]


@pytest.mark.parametrize("case", range(len(_ISTFT_CASES)))
def test_istft_gradients_match_torch(case):
    onesided, kw = _ISTFT_CASES[case]
    n_fft, frames = 8, 9
    rng = _rng(30 + case)
    shape = (2, n_fft // 2 + 1 if onesided else n_fft, frames)
    spec = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    win = np.hanning(kw.get("win_length", n_fft) + 2)[1:-1]
    istft = _composite("istft")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _compare(lambda x, w: istft(x, n_fft, window=w, **kw), lambda x, w: torch.istft(x, n_fft, window=w, **kw),
                 [spec, win], seed=case)
    # A length beyond the signal pads with zeros, with PyTorch's warning.
    kept = n_fft + kw["hop_length"] * (frames - 1) - (2 * (n_fft // 2) if kw.get("center", True) else 0)
    padded = kw.get("length", 0) > kept
    assert padded == any("istft: the signal is shorter" in str(m.message) for m in seen)


def test_stft_istft_gradcheck():
    stft, istft = _composite("stft"), _composite("istft")
    x, w = _leaf(_rng(40).standard_normal(12)), _leaf(np.hanning(6) + 0.5)
    assert gradcheck(lambda t, u: _parts(stft(t, 6, 2, window=u, return_complex=True)), (x, w))
    re, im = (_leaf(_rng(i).standard_normal((4, 5))) for i in (41, 42))
    assert gradcheck(lambda a, b, u: istft(_Complex.apply(a, b), 6, 2, window=u), (re, im, w))
    assert gradgradcheck(lambda t, u: _parts(stft(t, 6, 3, window=u, return_complex=True)), (x, w),
                         _grad_outputs(stft(x.detach(), 6, 3, window=w.detach(), return_complex=True), 43))


def test_stft_composite_validates_like_the_plain_function():
    stft = _composite("stft")
    x = _leaf(_rng(44).standard_normal(16))
    with pytest.raises(RuntimeError, match="stft requires the return_complex parameter"):
        stft(x, 8)
    with tj.no_grad():      # no gradient asked for: the plain result
        r = stft(x, 8, 2, window=tj.ones(8, dtype=tj.float64), return_complex=True)
    assert r.grad_fn is None
    assert np.array_equal(r.numpy(), tj.stft(x.detach(), 8, 2, window=tj.ones(8, dtype=tj.float64),
                                             return_complex=True).numpy())

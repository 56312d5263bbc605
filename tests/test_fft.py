"""tensorjit.fft against torch.fft: values, result dtypes and shapes for every transform, with
n/s, dim and norm, on transposed, sliced-with-steps and offset inputs; NaN/inf; errors.

Compile budget: the transforms run in NumPy's pocketfft and compile no kernels.
"""
import math

import numpy as np
import pytest

import tensorjit as tj
import tensorjit.fft as tfft

torch = pytest.importorskip("torch", reason="fft is checked against PyTorch")

TOL = {"float32": 2e-5, "float64": 1e-12, "complex64": 2e-5, "complex128": 1e-12}


def _tt(x):
    return torch.from_numpy(np.array(x.numpy(), order="C"))


def _name(d):
    return str(d).split(".")[-1]


def _close(r, e, tol=None):
    e_np = e.resolve_conj().numpy()
    assert _name(r.dtype) == _name(e.dtype)
    assert tuple(r.shape) == tuple(e.shape)
    assert r.is_contiguous()
    tol = tol or TOL.get(_name(r.dtype), 1e-12)
    scale = max(1.0, float(np.nanmax(np.abs(e_np)))) if e_np.size and np.isfinite(e_np).all() else 1.0
    np.testing.assert_allclose(r.numpy(), e_np, rtol=tol, atol=tol * scale)


def _rand(shape, dtype, layout="contiguous", seed=0):
    rng = np.random.default_rng(seed)
    full = {"transposed": shape[::-1], "strided": shape[:-1] + (2 * shape[-1],),
            "offset": (shape[0] + 1,) + shape[1:]}.get(layout, shape)
    a = rng.standard_normal(full)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(full)
    t = tj.from_numpy(a.astype(dtype))
    t = {"transposed": lambda: t.permute(*range(t.ndim - 1, -1, -1)), "strided": lambda: t[..., ::2],
         "offset": lambda: t[1:]}.get(layout, lambda: t)()
    assert tuple(t.shape) == shape
    return t


ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
REAL_ONLY = {"rfft", "ihfft"}
ALL_DTYPES = ["float32", "float64", "complex64", "complex128"]


# Complex input to the real-input transforms is an error, tested in test_errors.
@pytest.mark.parametrize("name,dtype", [(n, d) for n in ONE_D for d in ALL_DTYPES
                                        if not (n in REAL_ONLY and d.startswith("complex"))])
def test_1d_dtypes_norms(name, dtype):
    x = _rand((3, 10), dtype)
    ours, theirs = getattr(tfft, name), getattr(torch.fft, name)
    for norm in (None, "backward", "ortho", "forward"):
        for n in (None, 7, 16):
            for dim in (-1, 0):
                _close(ours(x, n=n, dim=dim, norm=norm), theirs(_tt(x), n=n, dim=dim, norm=norm))


@pytest.mark.parametrize("name", ONE_D)
@pytest.mark.parametrize("layout", ["transposed", "strided", "offset"])
def test_1d_layouts(name, layout):
    x = _rand((4, 6, 8), "float64" if name in REAL_ONLY else "complex128", layout)
    for dim in (0, 1, 2):
        _close(getattr(tfft, name)(x, dim=dim), getattr(torch.fft, name)(_tt(x), dim=dim))


def test_integer_and_bool_inputs():
    for x in (tj.arange(6), tj.tensor([True, False, True])):
        for name in ("fft", "rfft", "ihfft", "irfft"):
            _close(getattr(tfft, name)(x), getattr(torch.fft, name)(_tt(x)))


def test_nan_inf():
    x = tj.tensor([1.0, math.nan, 2.0, math.inf])
    r, e = tfft.fft(x), torch.fft.fft(_tt(x))
    np.testing.assert_array_equal(np.isnan(r.numpy()), np.isnan(e.numpy()))


ND = ["fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]


@pytest.mark.parametrize("name", ND)
@pytest.mark.parametrize("dtype", ["float32", "complex128"])
def test_nd(name, dtype):
    if name in ("rfftn", "ihfftn") and dtype.startswith("complex"):
        dtype = "float64"
    x = _rand((3, 4, 6), dtype, "strided")
    ours, theirs = getattr(tfft, name), getattr(torch.fft, name)
    for s, dim in [(None, None), ((5,), None), (None, (0, 2)), ((3, 8), (2, 0)), ((-1, 4), (0, 1)), (None, 1),
                   (None, ())]:
        for norm in (None, "ortho", "forward"):
            if dim == () and name not in ("fftn", "ifftn"):
                _same_error(lambda: ours(x, s=s, dim=dim), lambda: theirs(_tt(x), s=s, dim=dim))
                continue
            _close(ours(x, s=s, dim=dim, norm=norm), theirs(_tt(x), s=s, dim=dim, norm=norm))


@pytest.mark.parametrize("name", ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"])
def test_2d(name):
    x = _rand((2, 5, 6), "float64", "transposed")
    ours, theirs = getattr(tfft, name), getattr(torch.fft, name)
    _close(ours(x), theirs(_tt(x)))
    _close(ours(x, s=(4, 4), dim=(0, 1), norm="ortho"), theirs(_tt(x), s=(4, 4), dim=(0, 1), norm="ortho"))


def test_out():
    x = _rand((8,), "float32")
    out = tj.empty(8, dtype=tj.complex64)
    assert tfft.fft(x, out=out) is out
    _close(out, torch.fft.fft(_tt(x)))
    with pytest.raises(RuntimeError, match="dtype"):
        tfft.fft(x, out=tj.empty(8, dtype=tj.complex128))


def _same_error(fn_ours, fn_theirs, err=RuntimeError):
    with pytest.raises(err) as ours:
        fn_ours()
    with pytest.raises(err) as theirs:
        fn_theirs()
    assert str(ours.value) == str(theirs.value).splitlines()[0]


def test_errors():
    x, t = tj.ones(4), torch.ones(4)
    _same_error(lambda: tfft.fft(x.to(tj.float16)), lambda: torch.fft.fft(t.half()))
    _same_error(lambda: tfft.rfft(x.to(tj.complex64)), lambda: torch.fft.rfft(t.to(torch.cfloat)))
    _same_error(lambda: tfft.ihfft(x.to(tj.complex64)), lambda: torch.fft.ihfft(t.to(torch.cfloat)))
    _same_error(lambda: tfft.fft(tj.ones(0)), lambda: torch.fft.fft(torch.ones(0)))
    _same_error(lambda: tfft.fft(x, n=0), lambda: torch.fft.fft(t, n=0))
    _same_error(lambda: tfft.irfft(tj.ones(1)), lambda: torch.fft.irfft(torch.ones(1)))
    _same_error(lambda: tfft.fft(x, norm="bad"), lambda: torch.fft.fft(t, norm="bad"))
    _same_error(lambda: tfft.fft(x, dim=2), lambda: torch.fft.fft(t, dim=2), IndexError)
    _same_error(lambda: tfft.fft(tj.tensor(1.)), lambda: torch.fft.fft(torch.tensor(1.)), IndexError)
    m, tm = tj.ones(4, 4), torch.ones(4, 4)
    _same_error(lambda: tfft.fftn(m, s=(2, 3), dim=(0,)), lambda: torch.fft.fftn(tm, s=(2, 3), dim=(0,)))
    _same_error(lambda: tfft.fftn(m, dim=(0, 0)), lambda: torch.fft.fftn(tm, dim=(0, 0)))
    _same_error(lambda: tfft.fftfreq(5, dtype=tj.int64), lambda: torch.fft.fftfreq(5, dtype=torch.long))
    with pytest.raises(TypeError):
        tfft.fft([1.0, 2.0])


def test_freqs():
    for n in (0, 1, 4, 5):
        for d in (1.0, 0.1):
            _close(tfft.fftfreq(n, d), torch.fft.fftfreq(n, d), tol=1e-6)
            _close(tfft.rfftfreq(n, d), torch.fft.rfftfreq(n, d), tol=1e-6)
    _close(tfft.fftfreq(6, dtype=tj.float64), torch.fft.fftfreq(6, dtype=torch.float64))
    with pytest.raises(NotImplementedError):
        torch.fft.rfftfreq(6, 2.0, dtype=torch.complex64)
    with pytest.raises(NotImplementedError, match="rfftfreq"):
        tfft.rfftfreq(6, 2.0, dtype=tj.complex64)


def test_shifts():
    x = _rand((5, 4, 3), "float32", "transposed")
    for dim in (None, 0, -1, (0, 2)):
        _close(tfft.fftshift(x, dim), torch.fft.fftshift(_tt(x), dim))
        _close(tfft.ifftshift(x, dim), torch.fft.ifftshift(_tt(x), dim))
    _same_error(lambda: tfft.fftshift(x, ()), lambda: torch.fft.fftshift(_tt(x), ()))
    i = tj.arange(7)
    _close(tfft.fftshift(i), torch.fft.fftshift(_tt(i)))
    _close(tfft.ifftshift(tfft.fftshift(i)), _tt(i))

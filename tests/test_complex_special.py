"""Complex acos, acosh, asinh, atanh, cosh, sinh, tanh and expm1 at C99 Annex G's special values
(Note [annex g] in kernels/complex_special.py) against the annex's tables AND PyTorch, and on a
grid of finite values against PyTorch and NumPy. Compile budget: one contiguous kernel per
(function, complex dtype), every input of a test batched into one tensor."""
import cmath
import math

import numpy as np
import pytest
import torch

import tensorjit as tj

INF, NAN = math.inf, math.nan
PI = math.pi
FUNCS = ("cosh", "sinh", "tanh", "expm1", "acosh", "asinh", "atanh", "acos")
DTYPES = {"complex64": (np.complex64, torch.complex64), "complex128": (np.complex128, torch.complex128)}
# Positive finite samples: cos(2.0) < 0, sin(4.0) < 0, so every quadrant of cis(y) shows up.
POS = (0.5, 2.0, 4.0)
# "positive-signed finite" in the annex includes +0.
POS0 = (0.0,) + POS
FIN = (0.0, -0.0, 0.5, -2.0, 4.0)          # finite, either sign
NONZERO = (0.5, -2.0, 4.0)                 # nonzero finite


def _cis_inf(y):
    return complex(INF * math.cos(y), INF * math.sin(y))


def _tables():
    """{function: [(z, expected, real sign unspecified, imaginary sign unspecified)]} as the
    annex lists them (one quadrant, or the half-plane the annex gives), before symmetries."""
    t = {f: [] for f in FUNCS}

    def add(f, zs, want, ure=False, uim=False):
        for z in zs:
            t[f].append((z, want(z) if callable(want) else want, ure, uim))

    c = complex
    # G.6.1.1 cacos
    add("acos", [c(0.0, 0.0), c(-0.0, 0.0)], c(PI / 2, -0.0))
    add("acos", [c(0.0, NAN), c(-0.0, NAN)], c(PI / 2, NAN))
    add("acos", [c(x, INF) for x in FIN], c(PI / 2, -INF))
    add("acos", [c(x, NAN) for x in NONZERO], c(NAN, NAN))
    add("acos", [c(-INF, y) for y in POS0], c(PI, -INF))
    add("acos", [c(INF, y) for y in POS0], c(0.0, -INF))
    add("acos", [c(-INF, INF)], c(3 * PI / 4, -INF))
    add("acos", [c(INF, INF)], c(PI / 4, -INF))
    add("acos", [c(INF, NAN), c(-INF, NAN)], c(NAN, INF), uim=True)
    add("acos", [c(NAN, y) for y in FIN], c(NAN, NAN))
    add("acos", [c(NAN, INF)], c(NAN, -INF))
    add("acos", [c(NAN, NAN)], c(NAN, NAN))
    # G.6.2.1 cacosh
    add("acosh", [c(0.0, 0.0), c(-0.0, 0.0)], c(0.0, PI / 2))
    add("acosh", [c(x, INF) for x in FIN], c(INF, PI / 2))
    add("acosh", [c(x, NAN) for x in NONZERO], c(NAN, NAN))
    # C11 and the array API standard: NaN + i pi/2 (C99: NaN + iNaN); PyTorch's is C11's
    add("acosh", [c(0.0, NAN), c(-0.0, NAN)], c(NAN, PI / 2), uim=True)
    add("acosh", [c(-INF, y) for y in POS0], c(INF, PI))
    add("acosh", [c(INF, y) for y in POS0], c(INF, 0.0))
    add("acosh", [c(-INF, INF)], c(INF, 3 * PI / 4))
    add("acosh", [c(INF, INF)], c(INF, PI / 4))
    add("acosh", [c(INF, NAN), c(-INF, NAN)], c(INF, NAN))
    add("acosh", [c(NAN, y) for y in FIN], c(NAN, NAN))
    add("acosh", [c(NAN, INF)], c(INF, NAN))
    add("acosh", [c(NAN, NAN)], c(NAN, NAN))
    # G.6.2.2 casinh
    add("asinh", [c(0.0, 0.0)], c(0.0, 0.0))
    add("asinh", [c(x, INF) for x in POS0], c(INF, PI / 2))
    add("asinh", [c(x, NAN) for x in FIN], c(NAN, NAN))
    add("asinh", [c(INF, y) for y in POS0], c(INF, 0.0))
    add("asinh", [c(INF, INF)], c(INF, PI / 4))
    add("asinh", [c(INF, NAN)], c(INF, NAN))
    add("asinh", [c(NAN, 0.0)], c(NAN, 0.0))
    add("asinh", [c(NAN, y) for y in NONZERO], c(NAN, NAN))
    add("asinh", [c(NAN, INF)], c(INF, NAN), ure=True)
    add("asinh", [c(NAN, NAN)], c(NAN, NAN))
    # G.6.2.3 catanh
    add("atanh", [c(0.0, 0.0)], c(0.0, 0.0))
    add("atanh", [c(0.0, NAN)], c(0.0, NAN))
    add("atanh", [c(1.0, 0.0)], c(INF, 0.0))
    add("atanh", [c(x, INF) for x in POS0], c(0.0, PI / 2))
    add("atanh", [c(x, NAN) for x in NONZERO], c(NAN, NAN))
    add("atanh", [c(INF, y) for y in POS0], c(0.0, PI / 2))
    add("atanh", [c(INF, INF)], c(0.0, PI / 2))
    add("atanh", [c(INF, NAN)], c(0.0, NAN))
    add("atanh", [c(NAN, y) for y in FIN], c(NAN, NAN))
    add("atanh", [c(NAN, INF)], c(0.0, PI / 2), ure=True)
    add("atanh", [c(NAN, NAN)], c(NAN, NAN))
    # G.6.2.4 ccosh
    add("cosh", [c(0.0, 0.0)], c(1.0, 0.0))
    add("cosh", [c(0.0, INF), c(0.0, NAN)], c(NAN, 0.0), uim=True)
    add("cosh", [c(x, INF) for x in NONZERO] + [c(x, NAN) for x in NONZERO], c(NAN, NAN))
    add("cosh", [c(INF, 0.0)], c(INF, 0.0))
    add("cosh", [c(INF, y) for y in NONZERO], lambda z: _cis_inf(z.imag))
    add("cosh", [c(INF, INF)], c(INF, NAN), ure=True)
    add("cosh", [c(INF, NAN)], c(INF, NAN))
    add("cosh", [c(NAN, 0.0)], c(NAN, 0.0), uim=True)
    add("cosh", [c(NAN, y) for y in NONZERO + (INF,)], c(NAN, NAN))
    add("cosh", [c(NAN, NAN)], c(NAN, NAN))
    # G.6.2.5 csinh
    add("sinh", [c(0.0, 0.0)], c(0.0, 0.0))
    add("sinh", [c(0.0, INF), c(0.0, NAN)], c(0.0, NAN), ure=True)
    add("sinh", [c(x, INF) for x in POS] + [c(x, NAN) for x in POS], c(NAN, NAN))
    add("sinh", [c(INF, 0.0)], c(INF, 0.0))
    add("sinh", [c(INF, y) for y in POS], lambda z: _cis_inf(z.imag))
    add("sinh", [c(INF, INF), c(INF, NAN)], c(INF, NAN), ure=True)
    add("sinh", [c(NAN, 0.0)], c(NAN, 0.0))
    add("sinh", [c(NAN, y) for y in NONZERO], c(NAN, NAN))
    add("sinh", [c(NAN, NAN)], c(NAN, NAN))
    # G.6.2.6 ctanh, with C11's (and the array API standard's) tanh(+0 + i inf/NaN) = +0 + iNaN
    add("tanh", [c(0.0, 0.0)], c(0.0, 0.0))
    add("tanh", [c(x, INF) for x in NONZERO] + [c(x, NAN) for x in NONZERO], c(NAN, NAN))
    add("tanh", [c(0.0, INF), c(0.0, NAN)], c(0.0, NAN))
    add("tanh", [c(INF, y) for y in POS0], lambda z: c(1.0, math.copysign(0.0, math.sin(2 * z.imag))))
    add("tanh", [c(INF, INF), c(INF, NAN)], c(1.0, 0.0), uim=True)
    add("tanh", [c(NAN, 0.0)], c(NAN, 0.0))
    add("tanh", [c(NAN, y) for y in NONZERO + (INF,)], c(NAN, NAN))
    add("tanh", [c(NAN, NAN)], c(NAN, NAN))
    # expm1: the array API standard's special cases (cexp's G.6.3.1 shifted by -1)
    add("expm1", [c(0.0, 0.0)], c(0.0, 0.0))
    add("expm1", [c(x, INF) for x in FIN] + [c(x, NAN) for x in FIN], c(NAN, NAN))
    add("expm1", [c(INF, 0.0)], c(INF, 0.0))
    add("expm1", [c(-INF, y) for y in FIN], lambda z: c(-1.0, 0.0 * math.sin(z.imag)))
    add("expm1", [c(INF, y) for y in NONZERO], lambda z: _cis_inf(z.imag))
    add("expm1", [c(-INF, INF), c(-INF, NAN)], c(-1.0, 0.0), uim=True)
    add("expm1", [c(INF, INF), c(INF, NAN)], c(INF, NAN), ure=True)
    add("expm1", [c(NAN, 0.0)], c(NAN, 0.0))
    add("expm1", [c(NAN, y) for y in NONZERO + (INF,)], c(NAN, NAN))
    add("expm1", [c(NAN, NAN)], c(NAN, NAN))
    return t


ODD = {"sinh", "tanh", "asinh", "atanh"}
EVEN = {"cosh"}


def _cases(f):
    """The annex's entries for ``f`` and their images under the symmetries it states:
    f(conj z) = conj f(z) for all eight; f(-z) = -f(z) (odd) or f(z) (even)."""
    out = []
    for z, w, ure, uim in _tables()[f]:
        out.append((z, w, ure, uim))
        out.append((z.conjugate(), w.conjugate(), ure, uim))
        if f in ODD or f in EVEN:
            s = -1 if f in ODD else 1
            out.append((complex(-z.real, -z.imag), complex(s * w.real, s * w.imag), ure, uim))
            out.append((complex(-z.real, z.imag), complex(s * w.real, -s * w.imag), ure, uim))
    return out


def _same(got, want, unspecified_sign, tight):
    """One real part against the annex: NaN for NaN, else equal (to a few ulps for the pi
    multiples) with the sign of zeros and infinities unless the annex leaves it open."""
    if math.isnan(want):
        return math.isnan(got)
    if math.isnan(got):
        return False
    if unspecified_sign:
        got, want = abs(got), abs(want)
    if want == 0 or math.isinf(want):
        return got == want and math.copysign(1, got) == math.copysign(1, want)
    return abs(got - want) <= tight * abs(want)


def _run(f, zs, dn):
    npd, td = DTYPES[dn]
    x = np.array(zs, dtype=npd)
    with np.errstate(all="ignore"):
        got = getattr(tj, f)(tj.tensor(x))
    assert got.dtype == getattr(tj, dn) and tuple(got.shape) == x.shape
    return x, got.numpy()


# PyTorch's results that differ from the annex (each one checked below to be exactly the
# deviation named here; the test follows the annex, which the array API standard requires):
#  - expm1: PyTorch computes exp(z) - 1 without the special cases, so expm1(+inf + 0j) is
#    inf + NaN j (annex: inf + 0j), expm1(NaN + 0j) is NaN + NaN j (annex: NaN + 0j), and at
#    +-inf with an infinite or NaN imaginary part it gives NaN + NaN j (annex: -1 + 0j, inf + NaN j).
#  - acos(+-0 + 0j): PyTorch gives pi/2 + 0j; the annex and the standard say pi/2 - 0j.
def _torch_deviation(f, z, got, ref):
    x, y = z.real, z.imag
    if f == "expm1":
        return not math.isfinite(x) and (y == 0 or not math.isfinite(y)) and math.isnan(ref.imag)
    if f == "acos":
        return x == 0 and y == 0 and ref.real == got.real and ref.imag == 0 and got.imag == 0
    return False


@pytest.mark.parametrize("dn", list(DTYPES))
@pytest.mark.parametrize("f", FUNCS)
def test_annex_g_special_values(f, dn):
    cases = _cases(f)
    zs = [z for z, *_ in cases]
    x, got = _run(f, zs, dn)
    tight = 4 * np.finfo(DTYPES[dn][0]).eps
    with torch.no_grad():
        ref = getattr(torch, f)(torch.from_numpy(x)).numpy()
    assert ref.dtype == got.dtype
    for (z, want, ure, uim), zi, g, r in zip(cases, x, got, ref):
        want = complex(DTYPES[dn][0](want)) if math.isfinite(abs(want)) else want
        assert _same(g.real, want.real, ure, tight) and _same(g.imag, want.imag, uim, tight), \
            f"{f}({z}) = {g}, annex: {want} ({dn})"
        # a sign the annex leaves open may differ (PyTorch's follows the sign bit of a NaN input)
        if not (_same(g.real, r.real, ure, tight) and _same(g.imag, r.imag, uim, tight)):
            assert _torch_deviation(f, complex(zi), g, r), f"{f}({z}) = {g}, PyTorch: {r} ({dn})"


def _grid():
    v = np.array([-30.0, -5.5, -1.0, -0.7, -1e-5, -1e-12, 0.0, 1e-9, 0.3, 0.99, 1.0, 1.01, 2.0, 9.0, 21.0])
    re, im = np.meshgrid(v, v)
    return (re + 1j * im).ravel()


@pytest.mark.parametrize("dn,rtol", [("complex128", 1e-12), ("complex64", 1e-5)])
@pytest.mark.parametrize("f", FUNCS)
def test_finite_values_match_torch_and_numpy(f, dn, rtol):
    x, got = _run(f, _grid(), dn)
    xd = x.astype(np.complex128)        # the rounded inputs, evaluated exactly enough
    with torch.no_grad():
        ref_torch = getattr(torch, f)(torch.from_numpy(xd)).numpy()
        assert getattr(torch, f)(torch.from_numpy(x)).numpy().dtype == got.dtype
    np_name = {"acosh": "arccosh", "asinh": "arcsinh", "atanh": "arctanh", "acos": "arccos"}.get(f, f)
    with np.errstate(all="ignore"):
        ref_np = getattr(np, np_name)(xd)
    big = np.isfinite(ref_np)           # atanh(+-1 + 0j) is infinite: checked for equality
    np.testing.assert_allclose(got[big], ref_np[big], rtol=rtol, atol=0)
    # PyTorch too, where it agrees with NumPy: its acos(1 - 1e-12j) is off by 8e-11 relative
    # (mpmath: 9.99999999999916657e-07 + 1.00000000000008333e-06j; NumPy's and ours agree)
    with np.errstate(invalid="ignore"):
        agree = big & (np.abs(ref_torch - ref_np) <= rtol * np.abs(ref_np))
    assert agree.sum() >= big.sum() - 2
    np.testing.assert_allclose(got[agree], ref_torch[agree], rtol=rtol, atol=0)
    np.testing.assert_array_equal(got[~big], ref_np[~big])


def test_zero_dim_empty_and_strided():
    z0 = tj.tensor(complex(INF, 0.0), dtype=tj.complex128)
    r0 = tj.cosh(z0)
    assert r0.shape == () and r0.item() == complex(INF, 0.0)
    e = tj.cosh(tj.zeros((0, 3), dtype=tj.complex128))
    assert tuple(e.shape) == (0, 3) and e.dtype == tj.complex128
    base = np.array([[complex(a, b) for b in (0.0, 1.5, INF, NAN, -2.0, 0.25)]
                     for a in (INF, -0.0, 3.0, NAN, -INF, 0.5, 1e-3)])
    view = tj.tensor(base)[1:, ::2].T                       # offset, stepped, transposed
    got = tj.cosh(view).numpy()
    with torch.no_grad():
        want = torch.cosh(torch.from_numpy(base)[1:, ::2].T).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(np.signbit(got.imag[got.imag == 0]), np.signbit(want.imag[want.imag == 0]))


def test_accuracy_near_zero_and_large_real_part():
    # expm1 near 0 (no cancellation), tanh past the limit threshold, atanh on the imaginary axis
    zs = [complex(1e-10, 1e-10), complex(-3e-9, 2e-8), complex(25.0, 0.3), complex(-40.0, 2.0),
          complex(0.0, 1e10), complex(-0.0, 0.7)]
    for f in ("expm1", "tanh", "atanh"):
        x, got = _run(f, zs, "complex128")
        want = np.array([getattr(cmath, f)(z) if f != "expm1" else cmath.exp(z) - 1 for z in zs])
        if f == "expm1":
            with torch.no_grad():
                want = torch.expm1(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)

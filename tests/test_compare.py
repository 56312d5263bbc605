"""isclose, allclose and equal (tensorjit/ops/compare.py) against PyTorch.

isclose also has a row in opdb.MATH_OPS (random and NaN/inf samples, in test_math.py); here
the operands are built close on purpose, around the tolerance, for every dtype category.
"""
from __future__ import annotations

import numpy as np
import pytest

import tensorjit as tj

from opdb import dtype_name
from test_pointwise import assert_result, tjt, tht

TORCH_REASON = "PyTorch is the reference implementation for isclose, allclose and equal"


def need_torch():
    return pytest.importorskip("torch", reason=TORCH_REASON)


def _close_pair(dtype, seed=0):
    """(a, b): b is a moved by amounts around the default tolerances, plus NaN/inf pairs for floats."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(16) < 0.5, rng.random(16) < 0.5
    if np.dtype(dtype).kind in "iu":
        a = rng.integers(0, 100, 16).astype(dtype)
        b = (a.astype(np.int64) + rng.integers(-2, 3, 16)).clip(0, 100).astype(dtype)
        return a, b
    a = rng.standard_normal(24) * 10
    rel = np.array([0, 1e-7, -1e-7, 5e-6, -5e-6, 9.9e-6, 1.01e-5, 2e-5, 1e-4, -1e-3, 1e-9, 1.0] * 2)
    b = a * (1 + rel)
    a[:3], b[:3] = 0.0, [1e-9, 2e-8, -0.0]
    special_a = np.array([np.nan, np.nan, np.inf, np.inf, -np.inf, np.inf, 1.0, np.nan])
    special_b = np.array([np.nan, 1.0, np.inf, -np.inf, -np.inf, 1e38, np.inf, np.inf])
    a, b = np.concatenate([a, special_a]), np.concatenate([b, special_b])
    if dtype.startswith("complex"):
        ca, cb = np.empty(len(a), dtype), np.empty(len(b), dtype)
        ca.real, ca.imag = a, a[::-1]
        cb.real, cb.imag = b, np.where(np.arange(len(b)) % 3 == 0, a[::-1], b[::-1])
        return ca, cb
    with np.errstate(over="ignore"):
        return a.astype(dtype), b.astype(dtype)


_DTYPES = ["float32", "float64", "float16", "complex64", "int64", "uint8", "bool"]
_TOLS = [{}, dict(rtol=0, atol=0), dict(rtol=1e-3, atol=0), dict(rtol=0, atol=1.5), dict(equal_nan=True),
         dict(rtol=1e-6, atol=1e-6, equal_nan=True)]


@pytest.mark.parametrize("kw", _TOLS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "default")
@pytest.mark.parametrize("dtype", _DTYPES)
def test_isclose_matches_torch(dtype, kw):
    torch = need_torch()
    a, b = _close_pair(dtype)
    e = torch.isclose(tht(a), tht(b), **kw)
    assert_result(tj.isclose(tjt(a), tjt(b), **kw), e.numpy(), "bool")
    assert_result(tjt(a).isclose(tjt(b), **kw), e.numpy(), "bool")
    assert tj.allclose(tjt(a), tjt(b), **kw) is torch.allclose(tht(a), tht(b), **kw)


def test_isclose_integers_compare_in_float_without_wrapping():
    # The difference is taken in the default float dtype (no uint8 / int8 wrap-around).
    torch = need_torch()
    a, b = np.array([3, 5, -128, 127, 0, 100], np.int8), np.array([5, 3, 127, -128, 0, -100], np.int8)
    for kw in (dict(atol=2, rtol=0), dict(atol=60, rtol=0), dict(atol=255, rtol=0), dict(rtol=0.5)):
        e = torch.isclose(tht(a), tht(b), **kw)
        assert_result(tj.isclose(tjt(a), tjt(b), **kw), e.numpy(), "bool")
    big_a, big_b = np.array([2 ** 60 + 1, 2 ** 24 + 1]), np.array([2 ** 60, 2 ** 24])
    for kw in (dict(rtol=0, atol=0), dict(rtol=0, atol=0.5)):
        e = torch.isclose(tht(big_a), tht(big_b), **kw)
        assert_result(tj.isclose(tjt(big_a), tjt(big_b), **kw), e.numpy(), "bool")


def test_isclose_broadcasts_and_takes_views():
    torch = need_torch()
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = np.array([[0.0], [4.00001], [8.1]], np.float32)
    e = torch.isclose(tht(a).t(), tht(b).t())
    r = tj.isclose(tjt(a).t(), tjt(b).t())
    assert_result(r, e.numpy(), "bool")
    assert r.stride() == e.stride()
    e = torch.isclose(tht(a[::2, 1:]), tht(np.float32(1.0)))
    assert_result(tj.isclose(tjt(a)[::2, 1:], tjt(np.float32(1.0))), e.numpy(), "bool")
    empty = np.zeros((0, 4), np.float32)
    assert_result(tj.isclose(tjt(empty), tjt(a[:1])), np.zeros((0, 4), bool), "bool")


@pytest.mark.parametrize("call", [
    lambda m, T: m.isclose(T(np.ones(2, np.float32)), T(np.ones(2))),
    lambda m, T: m.allclose(T(np.ones(2, np.float32)), T(np.ones(2))),
    lambda m, T: m.isclose(T(np.ones(2)), T(np.ones(2)), rtol=-1.0),
    lambda m, T: m.isclose(T(np.ones(2)), T(np.ones(2)), atol=-1e-9),
    lambda m, T: m.isclose(T(np.ones(2)), T(np.ones(3))),
])
def test_isclose_errors(call):
    torch = need_torch()
    with pytest.raises(RuntimeError):
        call(torch, tht)
    with pytest.raises(RuntimeError, match=r"^(isclose|allclose)\b"):
        call(tj, tjt)


def test_isclose_errors_name_dtypes_and_refuse_numbers():
    with pytest.raises(RuntimeError, match=r"^isclose: float32 did not match float64"):
        tj.isclose(tj.ones(2), tj.ones(2, dtype=tj.float64))
    with pytest.raises(TypeError, match="isclose"):
        tj.isclose(tj.ones(2), 1.0)


def test_allclose_is_a_python_bool():
    need_torch()
    a = np.array([1.0, 2.0, np.nan], np.float32)
    assert tj.allclose(tjt(a[:2]), tjt(a[:2] * (1 + 1e-6))) is True
    assert tj.allclose(tjt(a), tjt(a)) is False
    assert tj.allclose(tjt(a), tjt(a), equal_nan=True) is True
    assert tjt(a).allclose(tjt(a), equal_nan=True) is True
    assert tj.allclose(tjt(a[:2]), tjt(a[:1])) is False   # broadcasts, as PyTorch


@pytest.mark.parametrize("a,b", [
    (np.array([1, 2]), np.array([1.0, 2.0], np.float32)),
    (np.array([1, 2]), np.array([1.0, 2.5], np.float32)),
    (np.array([0.0]), np.array([-0.0])),
    (np.array([np.nan]), np.array([np.nan])),
    (np.array([1.0, 2.0]), np.array([[1.0, 2.0]])),
    (np.array([True, False]), np.array([1, 0])),
    (np.array([1.0], np.float32), np.array([1 + 0j], np.complex64)),
    (np.zeros((0, 3)), np.zeros((0, 3), np.int64)),
    (np.zeros((0, 3)), np.zeros((3, 0))),
    (np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2).T),
    (np.float64(2.0), np.float64(2.0)),
])
def test_equal_matches_torch(a, b):
    torch = need_torch()
    e = torch.equal(tht(a), tht(b))
    r = tj.equal(tjt(a), tjt(b))
    assert r is e
    assert tjt(a).equal(tjt(b)) is e


def test_equal_on_views():
    need_torch()
    base = np.arange(12.0).reshape(3, 4)
    t = tjt(base)
    assert tj.equal(t.t(), tjt(base.T.copy())) is True
    assert tj.equal(t[:, ::2], tjt(base[:, ::2].copy())) is True
    assert tj.equal(t[:, ::-1], tjt(base[:, ::-1].copy())) is True
    assert tj.equal(t[:, 1:], tjt(base[:, :-1].copy())) is False


def test_equal_refuses_numbers():
    with pytest.raises(TypeError, match="equal"):
        tj.equal(tj.ones(2), 1.0)


def test_result_dtype_of_isclose_is_bool_for_every_category():
    need_torch()
    for d in _DTYPES:
        a, b = _close_pair(d, seed=1)
        assert dtype_name(tj.isclose(tjt(a), tjt(b)).dtype) == "bool"

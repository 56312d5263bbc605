"""histc, bincount and isin against PyTorch: values, dtypes, shapes, layouts, NaN/inf, flags,
out= and errors. (unique and searchsorted: test_searching.py.)

Compile budget: every dtype on one contiguous layout; layouts on float32 and int64 only.
"""
import itertools
import warnings

import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="counting ops are checked against PyTorch")

from test_searching import check, data, layouts, same, tt  # noqa: E402


# -- histc -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_histc_every_float_dtype(dtype):
    rng = np.random.default_rng(0)
    # Values on a grid hit bin edges exactly; NaN and inf are never counted.
    a = (rng.integers(-8, 9, 200) / 4).astype(dtype)
    a[:4] = [np.nan, np.inf, -np.inf, 2.0]
    t, v = tj.from_numpy(a), torch.from_numpy(a)
    for bins, lo, hi in [(4, 0, 2), (7, -1.5, 1.75), (16, -2, 2), (3, 0.1, 0.7), (1, -5, 5), (100, -2, 2)]:
        check(tj.histc(t, bins, lo, hi), torch.histc(v, bins, lo, hi))
        check(t.histc(bins=bins, min=lo, max=hi), v.histc(bins=bins, min=lo, max=hi))
    finite = a[4:]
    check(tj.histc(tj.from_numpy(finite), 10), torch.histc(torch.from_numpy(finite), 10))   # data range
    assert np.array_equal(t.numpy(), a, equal_nan=True)


@pytest.mark.parametrize("ln", ["contiguous", "transposed", "stepped", "offset", "0-d", "empty"])
def test_histc_layouts(ln):
    rng = np.random.default_rng(1)
    a = rng.uniform(-3, 3, (6, 8)).astype(np.float32)
    for name, t, n in layouts(a):
        if name != ln:
            continue
        v = torch.from_numpy(np.array(n, order="C"))
        for bins, lo, hi in [(5, -2, 2), (9, 0, 0), (3, 1.5, 1.5)]:
            check(tj.histc(t, bins=bins, min=lo, max=hi), torch.histc(v, bins=bins, min=lo, max=hi))


def test_histc_range_rules_and_errors():
    for x in ([2.0, 2.0], [1.5], [], [1.0, 2.0, 3.0]):
        a = np.array(x, np.float32)
        check(tj.histc(tj.from_numpy(a), bins=3), torch.histc(torch.from_numpy(a), bins=3))
    x = np.array([1.0, 2.0], np.float32)
    same("histc", x, bins=2, min=0.5, max=0.5)
    check(tj.histc(tj.from_numpy(x), bins=2, min=tj.tensor(0.0), max=2), torch.histc(torch.from_numpy(x), 2, 0, 2))
    with pytest.raises(RuntimeError, match="histc.*range of \\[nan, nan\\] is not finite"):
        tj.histc(tj.tensor([1.0, float("nan")]))
    with pytest.raises(RuntimeError, match="histc.*range of \\[1, inf\\] is not finite"):
        tj.histc(tj.tensor([1.0, float("inf")]))
    with pytest.raises(RuntimeError, match="histc.*range of \\[0, inf\\] is not finite"):
        tj.histc(tj.tensor([1.0]), bins=2, min=0, max=float("inf"))
    with pytest.raises(RuntimeError, match="histc.*max must be larger than min"):
        tj.histc(tj.tensor([1.0]), bins=2, min=3, max=1)
    for bins in (0, -1):
        with pytest.raises(RuntimeError, match=f"histc.*bins must be > 0, but got {bins}"):
            tj.histc(tj.tensor([1.0]), bins=bins)
    with pytest.raises(TypeError, match="histc.*'bins' must be int, not float"):
        tj.histc(tj.tensor([1.0]), bins=2.5)
    for d in (tj.int64, tj.bool, tj.complex64):
        with pytest.raises(NotImplementedError, match=f"histc.*{d.name}"):
            tj.histc(tj.ones(3, dtype=d))
    with pytest.raises(TypeError, match="histc.*Tensor"):
        tj.histc([1.0, 2.0])


def test_histc_out():
    x = tj.tensor([1.0, 2.0, 2.5])
    o = tj.zeros(2)
    r = tj.histc(x, bins=2, min=1, max=3, out=o)
    assert r is o
    check(o, torch.histc(tt(x), bins=2, min=1, max=3))
    o5 = tj.zeros(5)
    with pytest.warns(UserWarning, match="histc.*resized"):
        tj.histc(x, bins=2, min=1, max=3, out=o5)
    check(o5, torch.histc(tt(x), bins=2, min=1, max=3))
    keep = tj.full((2,), 7.0, dtype=tj.float64)
    with pytest.raises(RuntimeError, match="histc.*same dtype.*float32.*float64"):
        tj.histc(x, bins=2, out=keep)
    keep32 = tj.full((2,), 7.0)
    with pytest.raises(RuntimeError, match="histc.*max must be larger than min"):
        tj.histc(x, bins=2, min=3, max=1, out=keep32)
    assert keep.tolist() == [7.0, 7.0] and keep32.tolist() == [7.0, 7.0]


# -- bincount ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_bincount_every_dtype(dtype):
    rng = np.random.default_rng(2)
    a = rng.integers(0, 9, 40).astype(dtype)
    t, v = tj.from_numpy(a), torch.from_numpy(a)
    for minlength in (0, 5, 20):
        check(tj.bincount(t, minlength=minlength), torch.bincount(v, minlength=minlength))
        check(t.bincount(minlength=minlength), v.bincount(minlength=minlength))


@pytest.mark.parametrize("wdtype", ["float32", "float64", "float16", "int64", "bool"])
def test_bincount_weights_dtype(wdtype):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 6, 30).astype(np.int64)
    w = data(wdtype, 30, rng, -4, 5) if wdtype in ("int64", "bool") else rng.uniform(-1, 1, 30).astype(wdtype)
    if wdtype == "float32":
        w[3] = np.nan
        w[7] = np.inf
    t, v = tj.from_numpy(a), torch.from_numpy(a)
    got, want = tj.bincount(t, tj.from_numpy(w), 8), torch.bincount(v, torch.from_numpy(w), 8)
    assert got.dtype.name == str(want.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)


def test_bincount_layouts_empty_and_large():
    rng = np.random.default_rng(4)
    a = rng.integers(0, 7, 50).astype(np.int64)
    w = rng.uniform(0, 1, 100)
    for name, t, n in layouts(a):
        if n.ndim != 1:
            continue
        check(tj.bincount(t), torch.bincount(torch.from_numpy(n.copy())))
        ww = tj.from_numpy(w)[::2][:n.shape[0]]
        got = tj.bincount(t, ww)
        want = torch.bincount(torch.from_numpy(n.copy()), torch.from_numpy(w[::2][:n.shape[0]].copy()))
        assert got.dtype.name == str(want.dtype).split(".")[-1] and tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    # Empty input: int64 zeros of minlength, weights or not (as PyTorch).
    e = tj.zeros(0, dtype=tj.int64)
    check(tj.bincount(e), torch.bincount(torch.zeros(0, dtype=torch.int64)))
    check(tj.bincount(e, minlength=3), torch.bincount(torch.zeros(0, dtype=torch.int64), minlength=3))
    check(tj.bincount(e, tj.zeros(0), 3), torch.bincount(torch.zeros(0, dtype=torch.int64), torch.zeros(0), 3))
    # Above the parallel threshold: per-chunk counts, summed.
    big = rng.integers(0, 300, 1 << 18).astype(np.int64)
    check(tj.bincount(tj.from_numpy(big)), torch.bincount(torch.from_numpy(big)))
    check(tj.bincount(tj.from_numpy(big), minlength=500), torch.bincount(torch.from_numpy(big), minlength=500))


def test_bincount_errors():
    for bad in (tj.tensor([1, -1]), tj.tensor([[1]]), tj.tensor(1)):
        with pytest.raises(RuntimeError, match="bincount.*only supports 1-d non-negative integral inputs"):
            tj.bincount(bad)
    for d in (tj.float32, tj.bool, tj.uint32):
        with pytest.raises(NotImplementedError, match=f"bincount.*{d.name}"):
            tj.bincount(tj.ones(2, dtype=d))
    with pytest.raises(RuntimeError, match="bincount.*minlength should be >= 0"):
        tj.bincount(tj.tensor([1, 2]), minlength=-1)
    with pytest.raises(TypeError, match="bincount.*'minlength' must be int, not float"):
        tj.bincount(tj.tensor([1, 2]), minlength=2.5)
    for w in (tj.tensor([1.0]), tj.tensor([[1.0, 2.0]])):
        with pytest.raises(RuntimeError, match="bincount.*weights should be 1-d and have the same length"):
            tj.bincount(tj.tensor([1, 2]), w)
    with pytest.raises(TypeError, match="bincount.*Tensor"):
        tj.bincount([1, 2])


# -- isin --------------------------------------------------------------------------------------
ISIN_DTYPES = ["uint8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", ISIN_DTYPES)
def test_isin_every_dtype(dtype):
    rng = np.random.default_rng(5)
    e = data(dtype, (4, 5), rng, -6, 7)
    te = data(dtype, 6, rng, -3, 4)
    et, tet, ev, tev = tj.from_numpy(e), tj.from_numpy(te), torch.from_numpy(e), torch.from_numpy(te)
    for invert in (False, True):
        check(tj.isin(et, tet, invert=invert), torch.isin(ev, tev, invert=invert))
        check(tj.isin(et, 2, invert=invert), torch.isin(ev, 2, invert=invert))
        check(tj.isin(3, tet, invert=invert), torch.isin(3, tev, invert=invert))
    u = np.unique(te)
    check(tj.isin(tj.from_numpy(u), tj.from_numpy(u[::2].copy()), assume_unique=True),
          torch.isin(torch.from_numpy(u), torch.from_numpy(u[::2].copy()), assume_unique=True))


def test_isin_promotion_nan_inf():
    cases = [(np.array([1, 2, 3]), np.array([2.5, 3.0], np.float32)),
             (np.array([1, 2, 3], np.int8), np.array([259])),
             (np.array([1.0, np.nan, np.inf, -np.inf, -0.0], np.float32), np.array([np.nan, np.inf, 0.0, 1.0])),
             (np.array([[1.0, np.nan], [3.0, 4.0]]), np.array([np.nan, 3.0, 5.0], np.float32))]
    for e, te in cases:
        for invert in (False, True):
            check(tj.isin(tj.from_numpy(e), tj.from_numpy(te), invert=invert),
                  torch.isin(torch.from_numpy(e), torch.from_numpy(te), invert=invert))
    i8 = np.array([1, 2, 3], np.int8)
    for s in (259, 2.5, 3):                       # numbers convert to the tensor's dtype (259 wraps)
        check(tj.isin(tj.from_numpy(i8), s), torch.isin(torch.from_numpy(i8), s))
    check(tj.isin(tj.from_numpy(i8), tj.tensor(259)), torch.isin(torch.from_numpy(i8), torch.tensor(259)))
    check(tj.isin(3.0, tj.tensor([nan := float("nan"), 3.0])), torch.isin(3.0, torch.tensor([nan, 3.0])))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_isin_layouts(dtype):
    rng = np.random.default_rng(6)
    e = data(dtype, (3, 5), rng, -5, 6)
    te = data(dtype, (2, 3), rng, -3, 4)
    for (n1, t1, v1), (n2, t2, v2) in itertools.product(layouts(e), layouts(te)):
        check(tj.isin(t1, t2), torch.isin(torch.from_numpy(np.array(v1, order="C")),
                                          torch.from_numpy(np.array(v2, order="C"))))


def test_isin_large_paths():
    rng = np.random.default_rng(7)
    n = 1 << 18
    # Floats: sorted test keys and a binary search per element (parallel above the threshold).
    e = rng.standard_normal(n).round(2)
    te = rng.standard_normal(3000).round(2)
    e[::1000] = np.nan
    te[:5] = np.nan
    check(tj.isin(tj.from_numpy(e), tj.from_numpy(te)), torch.isin(torch.from_numpy(e), torch.from_numpy(te)))
    check(tj.isin(tj.from_numpy(e), tj.from_numpy(te), invert=True),
          torch.isin(torch.from_numpy(e), torch.from_numpy(te), invert=True))
    # Integers in a narrow range: the table path; and in a wide one: the binary search.
    for hi in (1000, 1 << 62):
        a = rng.integers(-hi, hi, n)
        b = rng.integers(-hi, hi, 2000)
        b[:1000] = a[:1000]
        for invert in (False, True):
            check(tj.isin(tj.from_numpy(a), tj.from_numpy(b), invert=invert),
                  torch.isin(torch.from_numpy(a), torch.from_numpy(b), invert=invert))
    m = np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0, -1])
    same("isin", m, m[1:3])


def test_isin_out_and_errors():
    e, te = tj.tensor([[1, 2], [3, 4]]), tj.tensor([2, 3])
    o = tj.zeros(2, 2, dtype=tj.bool)
    r = tj.isin(e, te, out=o)
    assert r is o
    check(o, torch.isin(tt(e), tt(te)))
    o1 = tj.zeros(1, dtype=tj.bool)
    with pytest.warns(UserWarning, match="isin.*resized"):
        tj.isin(e, te, invert=True, out=o1)
    check(o1, torch.isin(tt(e), tt(te), invert=True))
    keep = tj.full((2, 2), 7, dtype=tj.int64)
    with pytest.raises(RuntimeError, match="isin.*Expected out tensor to have dtype bool.*int64"):
        tj.isin(e, te, out=keep)
    assert keep.tolist() == [[7, 7], [7, 7]]
    with pytest.raises(RuntimeError, match="isin.*Unsupported input type.*Bool"):
        tj.isin(tj.tensor([True, False]), tj.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="isin.*Unsupported input type.*Bool"):
        tj.isin(tj.tensor([1, 2]), True)
    with pytest.raises(RuntimeError, match="isin.*Unsupported input type.*ComplexFloat"):
        tj.isin(tj.ones(2, dtype=tj.complex64), tj.ones(2))
    with pytest.raises(TypeError, match="isin.*at least one of"):
        tj.isin(1, 2)
    with pytest.raises(TypeError, match="isin.*'test_elements' must be Tensor or Number"):
        tj.isin(e, [1, 2])
    assert not hasattr(tj.Tensor, "isin")         # as in PyTorch
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(tj.isin(tj.zeros(0), tj.ones(3)), torch.isin(torch.zeros(0), torch.ones(3)))
        check(tj.isin(tj.ones(3), tj.zeros(0)), torch.isin(torch.ones(3), torch.zeros(0)))

"""Scans against PyTorch: cumsum, cumprod, cummax, cummin, logcumsumexp, diff.

Compile budget: every (kernel, dtype) is a Numba compile, so every dtype is tested on one
layout only; the dim and layout sweep runs on float32 and int64.
"""
import warnings

import numpy as np
import pytest

import tensorjit as tj
from layouts import layouts

torch = pytest.importorskip("torch", reason="scans are checked against PyTorch")

NAN, INF = float("nan"), float("inf")


def _tt(x):
    """The torch tensor with the values of tensorjit tensor x (through NumPy)."""
    return torch.from_numpy(np.array(x.numpy(), order="C"))


def _name(d):
    return str(d).split(".")[-1]


def _check(got, want, rtol=1e-5, atol=1e-6):
    assert isinstance(got, tj.Tensor)
    assert _name(got.dtype) == _name(want.dtype), (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape), (got.shape, want.shape)
    assert got.is_contiguous()
    g, w = got.numpy(), want.numpy()
    if g.dtype.kind in "fc":
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, w)


_layouts = layouts


def _data(shape, dtype, rng):
    if dtype == "float32":
        a = rng.uniform(-2, 2, shape).astype(np.float32)
        a.reshape(-1)[::7] = 0.5            # ties
        return a
    return rng.integers(-3, 4, shape).astype(np.int64)


SHAPES = [(), (5,), (3, 4, 5), (2, 0, 3)]
OPS = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff"]


def _call(lib, op, x, dim):
    if op == "diff":
        return lib.diff(x, dim=dim)
    return getattr(lib, op)(x, dim)


def _check_result(op, got, want, where):
    try:
        if op in ("cummax", "cummin"):
            _check(got.values, want.values)
            _check(got.indices, want.indices)
        else:
            _check(got, want, rtol=2e-5, atol=1e-5)
    except AssertionError as e:
        raise AssertionError(f"{op} {where}: {e}") from None


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_every_dim_and_layout(shape, dtype):
    rng = np.random.default_rng(len(shape))
    a = _data(shape, dtype, rng)
    for lname, t, v in _layouts(a):
        tv = torch.from_numpy(np.array(v, order="C"))
        for op in OPS:
            if op == "logcumsumexp" and dtype != "float32" or op == "diff" and not shape:
                continue
            for dim in range(-max(len(shape), 1), max(len(shape), 1)):
                _check_result(op, _call(tj, op, t, dim), _call(torch, op, tv, dim),
                              f"{lname} shape={shape} dim={dim}")


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64",
          "complex128"]


def _dtype_data(name, rng, shape=(4, 9)):
    if name == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if name.startswith("u"):
        return rng.integers(0, 4, shape).astype(name)
    if name.startswith("int"):
        return rng.integers(-3, 4, shape).astype(name)
    if name.startswith("complex"):
        return (rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)).astype(name)
    return rng.choice(np.array([-1.5, -1, 0, 0.5, 1, 2], name), shape)


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype(name):
    rng = np.random.default_rng(1)
    a = _dtype_data(name, rng)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    tol = 2e-3 if name == "float16" else 1e-5
    for op in OPS:
        try:
            want = _call(torch, op, tt, 1)
        except (RuntimeError, NotImplementedError) as e:
            with pytest.raises(type(e), match=op):
                _call(tj, op, t, 1)
            continue
        got = _call(tj, op, t, 1)
        if op in ("cummax", "cummin"):
            _check(got.values, want.values)
            _check(got.indices, want.indices)
        else:
            _check(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64"])
def test_wide_unsigned_against_numpy(name):
    # PyTorch has no scans for these; tensorjit treats them like the other integers.
    a = np.random.default_rng(2).integers(0, 50, (3, 8)).astype(name)
    t = tj.from_numpy(a)
    np.testing.assert_array_equal(tj.cumsum(t, 1).numpy(), np.cumsum(a.astype(np.int64), 1))
    assert tj.cumsum(t, 1).dtype == tj.int64 and tj.cumprod(t, 1).dtype == tj.int64
    np.testing.assert_array_equal(tj.cummax(t, 1).values.numpy(), np.maximum.accumulate(a, 1))
    np.testing.assert_array_equal(tj.diff(t).numpy(), np.diff(a))


SPECIAL = np.array([[1., NAN, 2., -INF, 3., NAN, 0.],
                    [INF, 1., -INF, 2., INF, INF, 0.],
                    [-0., 0., -0., 2., 2., -1., -1.],
                    [-INF, -INF, 3., INF, -INF, NAN, 1.]], np.float32)


@pytest.mark.parametrize("name", ["float32", "float64"])
def test_nan_inf_and_ties(name):
    a = SPECIAL.astype(name)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    for op in OPS:
        for dim in (0, 1):
            _check_result(op, _call(tj, op, t, dim), _call(torch, op, tt, dim), f"dim={dim}")


def test_integer_ties_take_the_later_index():
    a = np.array([1, 3, 3, 2, 5, 1, 5, 1], np.int64)
    for op in ("cummax", "cummin"):
        got, want = getattr(tj, op)(tj.from_numpy(a), 0), getattr(torch, op)(torch.from_numpy(a), 0)
        _check(got.indices, want.indices)


def test_float32_cumsum_is_accurate():
    a = np.random.default_rng(3).uniform(0, 1, 2_000_000).astype(np.float32)
    exact = np.cumsum(a.astype(np.float64))
    got = tj.cumsum(tj.from_numpy(a), 0).numpy()
    assert got.dtype == np.float32
    err, np_err = np.abs(got - exact).max(), np.abs(np.cumsum(a) - exact).max()
    # float64 accumulation: each output is its exact prefix sum rounded once to float32.
    assert err <= np.spacing(np.float32(exact[-1])), (err, np_err)
    assert err < np_err


def test_many_rows_and_long_rows():
    # Above the parallel threshold (many rows) and long rows (the blocked scan).
    rng = np.random.default_rng(4)
    for shape in [(600, 300), (3, 50_001)]:
        a = rng.integers(-5, 6, shape).astype(np.float32)
        got, want = tj.cumsum(tj.from_numpy(a), 1), torch.cumsum(torch.from_numpy(a), 1)
        _check(got, want)       # small integers: every partial sum is exact
        ai = a.astype(np.int64)
        _check(tj.cumsum(tj.from_numpy(ai), 1), torch.cumsum(torch.from_numpy(ai), 1))


def test_dtype_argument_and_promotion():
    a = np.arange(1, 7, dtype=np.int8).reshape(2, 3)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    for op in ("cumsum", "cumprod"):
        _check(getattr(tj, op)(t, 1), getattr(torch, op)(tt, 1))
        for d in ("float64", "int32", "float16"):
            _check(getattr(tj, op)(t, 0, dtype=getattr(tj, d)), getattr(torch, op)(tt, 0, dtype=getattr(torch, d)))
    b = np.array([[0.7, 1.6], [2.5, -1.2]], np.float32)
    _check(tj.cumsum(tj.from_numpy(b), 1, dtype=tj.int32), torch.cumsum(torch.from_numpy(b), 1, dtype=torch.int32))
    big = np.full(40, 100, np.int8)       # int8 would overflow; int64 accumulation must not
    _check(tj.cumprod(tj.from_numpy(big[:5]), 0), torch.cumprod(torch.from_numpy(big[:5]), 0))


def test_methods_and_inplace():
    a = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    t, tt = tj.from_numpy(a.copy()), torch.from_numpy(a.copy())
    _check(t.cumsum(1), tt.cumsum(1))
    _check(t.cummin(0).values, tt.cummin(0).values)
    _check(t.diff(dim=0), tt.diff(dim=0))
    r = t.cumsum_(1)
    assert r is t
    tt.cumsum_(1)
    _check(t, tt)
    t.cumprod_(0)
    tt.cumprod_(0)
    _check(t, tt)
    f = tj.from_numpy(np.array([[0.5, 1.0], [2.0, 3.0]], np.float32))
    _check(f.logcumsumexp(1), _tt(f).logcumsumexp(1))
    with pytest.raises(RuntimeError, match="cumsum_"):
        t.cumsum_(0, dtype=tj.float32)
    assert t.dtype == tj.int32


def test_out():
    a = np.random.default_rng(5).uniform(-1, 1, (3, 4)).astype(np.float32)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    for op in ("cumsum", "cumprod", "logcumsumexp"):
        o = tj.empty(0, dtype=tj.float32)
        r = getattr(tj, op)(t, 1, out=o)
        assert r is o
        _check(o, getattr(torch, op)(tt, 1))
    o64 = tj.empty(3, 4, dtype=tj.float64)   # cumsum casts into any out dtype, as PyTorch does
    tj.cumsum(t, 0, out=o64)
    _check(o64, torch.cumsum(tt, 0).double())
    for op in ("cummax", "cummin"):
        v, i = tj.empty(0), tj.empty(0, dtype=tj.int64)
        r = getattr(tj, op)(t, 0, out=(v, i))
        assert r.values is v and r.indices is i
        want = getattr(torch, op)(tt, 0)
        _check(v, want.values)
        _check(i, want.indices)
    o = tj.empty(3, 3, dtype=tj.float64)
    tj.diff(t, out=o)
    _check(o, torch.diff(tt).double())
    with pytest.warns(UserWarning, match="resized"):
        tj.cumsum(t, 0, out=tj.empty(5))
    # The input as its own out: computed as if into a fresh tensor.
    s = tj.from_numpy(a.copy())
    tj.cumsum(s, 1, out=s)
    _check(s, torch.cumsum(tt, 1))


def test_out_errors_leave_out_untouched():
    t = tj.tensor([[1., 2.], [3., 4.]])
    v, i = tj.zeros(2, 2, dtype=tj.float64), tj.zeros(2, 2, dtype=tj.int64)
    with pytest.raises(RuntimeError, match="cummax"):
        tj.cummax(t, 0, out=(v, i))
    i32 = tj.zeros(2, 2, dtype=tj.int32)
    with pytest.raises(RuntimeError, match="cummin"):
        tj.cummin(t, 0, out=(tj.zeros(2, 2), i32))
    with pytest.raises(RuntimeError, match="logcumsumexp"):
        tj.logcumsumexp(t, 0, out=v)
    with pytest.raises(RuntimeError, match="diff"):
        tj.diff(t, out=i)
    assert v.numpy().sum() == 0 and i.numpy().sum() == 0 and i32.numpy().sum() == 0


def test_diff_arguments():
    a = np.arange(12, dtype=np.float32).reshape(3, 4) ** 2
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    for n in (0, 1, 2, 3, 4, 7):
        for dim in (0, 1, -1):
            _check(tj.diff(t, n, dim), torch.diff(tt, n, dim))
    p, q = np.ones((3, 2), np.float64), np.full((3, 1), 5, np.int64)
    _check(tj.diff(t, 2, 1, tj.from_numpy(p), tj.from_numpy(q)),
           torch.diff(tt, 2, 1, torch.from_numpy(p), torch.from_numpy(q)))
    r = np.ones((1, 4), np.int64)
    _check(tj.diff(t, dim=0, append=tj.from_numpy(r)), torch.diff(tt, dim=0, append=torch.from_numpy(r)))
    b = np.array([[True, False, False, True]])
    _check(tj.diff(tj.from_numpy(b), 2), torch.diff(torch.from_numpy(b), 2))
    u = np.array([1, 0, 5], np.uint8)         # uint8 differences wrap
    _check(tj.diff(tj.from_numpy(u)), torch.diff(torch.from_numpy(u)))


def test_errors():
    t = tj.tensor([[1., 2.], [3., 4.]])
    with pytest.raises(IndexError, match="cumsum"):
        tj.cumsum(t, 2)
    with pytest.raises(TypeError, match="cumsum"):
        tj.cumsum(t, (0,))
    with pytest.raises(TypeError, match="cumprod"):
        tj.cumprod([1, 2], 0)
    with pytest.raises(NotImplementedError, match="logcumsumexp"):
        tj.logcumsumexp(tj.tensor([1, 2]), 0)
    with pytest.raises(NotImplementedError, match="cummax"):
        tj.cummax(tj.tensor([1j]), 0)
    with pytest.raises(RuntimeError, match="diff"):
        tj.diff(tj.tensor(1.))
    with pytest.raises(RuntimeError, match="diff.*non-negative"):
        tj.diff(t, -1)
    with pytest.raises(RuntimeError, match="diff.*same dimension"):
        tj.diff(t, prepend=tj.zeros(2))
    with pytest.raises(RuntimeError, match="diff.*size\\(0\\) = 2"):
        tj.diff(t, prepend=tj.zeros(3, 1))
    with pytest.raises(TypeError, match="diff.*prepend"):
        tj.diff(t, prepend=1.0)


def test_zero_dim_and_empty():
    for op in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"):
        for dim in (0, -1):
            _check_result(op, getattr(tj, op)(tj.tensor(2.5), dim), getattr(torch, op)(torch.tensor(2.5), dim), "0-d")
        e = np.zeros((0, 3), np.float32)
        _check_result(op, getattr(tj, op)(tj.from_numpy(e), 0), getattr(torch, op)(torch.from_numpy(e), 0), "empty")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check(tj.diff(tj.zeros(0, 3), dim=0), torch.diff(torch.zeros(0, 3), dim=0))

"""Scans on CUDA (Numba's simulator) against the CPU backend: cumsum, cumprod, logcumsumexp,
cummax, cummin and diff, along every dim, on 0-d, empty, transposed, stepped and offset inputs,
with rows longer than a block's threads (several runs per thread) and more rows than blocks.
Every dtype for cumsum/cumprod with NumPy as the oracle (accumulating as the CPU does: float64
for floats, complex128, int64), so no CPU kernel is compiled per dtype."""
import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _dtypes

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float16",
          "float32", "float64", "complex64", "complex128"]


def _values(d, shape, seed=0, special=True):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if d is tj.bool:
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if d.category == _dtypes.INT:
        return rng.integers(-3 if d.is_signed else 0, 4, n).astype(d.np).reshape(shape)
    v = rng.uniform(-2, 2, n).round(1)
    if special and n > 6:
        v[2], v[5] = np.nan, np.inf
        v[-1] = -np.inf
    if d.category == _dtypes.COMPLEX:
        v = np.nan_to_num(v, nan=0.5, posinf=1.0, neginf=-1.0) + 1j * rng.uniform(-1, 1, n).round(1)
    return v.astype(d.np).reshape(shape)


def _same(g, c, tol=0.0):
    assert g.is_cuda and g.dtype is c.dtype and g.shape == c.shape
    if c.numel() > 1:
        assert [s for s, n in zip(g.stride(), g.shape) if n > 1] == [s for s, n in zip(c.stride(), c.shape) if n > 1]
    if tol:
        np.testing.assert_allclose(g.cpu().numpy(), c.numpy(), rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(g.cpu().numpy(), c.numpy())


@pytest.mark.parametrize("dn", DTYPES)
def test_cumsum_cumprod_every_dtype(dn):
    d = getattr(tj, dn)
    a = _values(d, (3, 5))
    g = tj.from_numpy(a).cuda()
    acc = {_dtypes.FLOAT: np.float64, _dtypes.COMPLEX: np.complex128}.get(d.category, np.int64)
    res = d.np if d.category >= _dtypes.FLOAT else np.int64
    with np.errstate(all="ignore"):
        for got, ref in ((g.cumsum(1), np.cumsum), (g.cumprod(1), np.cumprod)):
            want = ref(a.astype(acc), axis=1)
            want = want.astype(np.float32).astype(res) if d is tj.float16 else want.astype(res)
            assert got.dtype.np == np.dtype(res) and got.shape == (3, 5)
            # floats: the same float64 prefixes in another association (Note [cuda scans])
            tol = 1e-12 if d.category >= _dtypes.FLOAT and d.np in (np.float64, np.complex128) else 0
            if tol:
                np.testing.assert_allclose(got.cpu().numpy(), want, rtol=tol, equal_nan=True)
            else:
                np.testing.assert_array_equal(got.cpu().numpy(), want)


OPS = {
    "cumsum": lambda x, dim: x.cumsum(dim),
    "cumprod": lambda x, dim: x.cumprod(dim),
    "logcumsumexp": lambda x, dim: x.logcumsumexp(dim),
    "cummax": lambda x, dim: tuple(x.cummax(dim)),
    "cummin": lambda x, dim: tuple(x.cummin(dim)),
    "diff": lambda x, dim: x.diff(dim=dim),
}


def _check(name, c, g, dim, tol):
    want = OPS[name](c, dim)
    got = OPS[name](g, dim)
    if isinstance(want, tuple):
        _same(got[0], want[0])
        _same(got[1], want[1])
    else:
        _same(got, want, tol if want.dtype.category >= _dtypes.FLOAT and name != "diff" else 0)


# Every op on float32; the integer paths of the others: test_cumsum_cumprod_every_dtype, test_long_rows.
@pytest.mark.parametrize("name,dn", [(n, "float32") for n in OPS] + [(n, "int64") for n in ("cumsum", "cummin",
                                                                                           "diff")])
def test_every_dim_and_layout(name, dn):
    d = getattr(tj, dn)
    tol = 1e-6
    base = _values(d, (4, 3, 5))
    for make in (lambda t: t.transpose(0, 2), lambda t: t[::2, 1:, ::-2]):
        c = make(tj.from_numpy(base.copy()))
        g = make(tj.from_numpy(base.copy()).cuda())
        for dim in range(c.dim()):
            _check(name, c, g, dim, tol)
    _check(name, c, g, -1, tol)
    if name != "diff":
        zero_d = tj.from_numpy(np.array(base[0, 0, 1]))
        _check(name, zero_d, zero_d.cuda(), 0, tol)
    empty = tj.from_numpy(base[:, :0].copy())
    _check(name, empty, empty.cuda(), 1, tol)
    _check(name, empty, empty.cuda(), 0, tol)


@pytest.mark.parametrize("dn", ["float32", "int64"])
def test_long_rows_and_many_rows(dn):
    """Rows longer than a block's threads (each thread scans a run) and more rows than blocks."""
    d = getattr(tj, dn)
    a = _values(d, (3, 37), 3)
    c, g = tj.from_numpy(a), tj.from_numpy(a).cuda()
    for name in ("cumsum", "cummax") + (("logcumsumexp",) if d.category == _dtypes.FLOAT else ()):
        _check(name, c, g, 1, 1e-6)


def test_cummax_ties_and_nans_follow_the_cpu():
    a = np.array([1, 3, 3, np.nan, 2, np.nan, 5, 5, -np.inf, np.inf, np.inf, 0] * 3, np.float32)
    c, g = tj.from_numpy(a), tj.from_numpy(a).cuda()
    for name in ("cummax", "cummin"):
        _check(name, c, g, 0, 0)


def test_dtype_out_and_inplace():
    a = _values(tj.int64, (3, 4))
    c, g = tj.from_numpy(a), tj.from_numpy(a).cuda()
    _same(g.cumsum(0, dtype=tj.float32), c.cumsum(0, dtype=tj.float32))
    out = tj.empty(2, dtype=tj.int64, device="cuda")
    with pytest.warns(UserWarning, match="resized"):
        tj.cumsum(g, 1, out=out)
    _same(out, c.cumsum(1))
    vals, idx = tj.empty(0, dtype=tj.int64, device="cuda"), tj.empty(0, dtype=tj.int64, device="cuda")
    tj.cummax(g, 1, out=(vals, idx))
    _same(vals, c.cummax(1).values)
    _same(idx, c.cummax(1).indices)
    _same(g.clone().cumsum_(1), c.clone().cumsum_(1))
    with pytest.raises(RuntimeError, match="cummax") as cpu_error:
        tj.cummax(c, 1, out=(tj.empty(0, dtype=tj.int32), tj.empty(0, dtype=tj.int64)))
    with pytest.raises(RuntimeError, match="cummax") as cuda_error:
        tj.cummax(g, 1, out=(tj.empty(0, dtype=tj.int32, device="cuda"), tj.empty(0, dtype=tj.int64, device="cuda")))
    assert str(cuda_error.value) == str(cpu_error.value)
    _same(g.diff(2, dim=0, prepend=g[:1], append=g[-1:]), c.diff(2, dim=0, prepend=c[:1], append=c[-1:]))

"""Sorting and order statistics against PyTorch: sort, argsort, msort, topk, kthvalue, median,
nanmedian, mode, quantile, nanquantile.

Compile budget: the sort kernel specialises per key width (1, 2, 4, 8 bytes) and the pickers
per dtype, so every dtype is tested on one layout; the dim and layout sweep runs on float32
and int64.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorjit as tj
from layouts import layouts

torch = pytest.importorskip("torch", reason="sorting is checked against PyTorch")

NAN, INF = float("nan"), float("inf")


def _tt(x):
    return torch.from_numpy(np.array(x.numpy(), order="C"))


def _name(d):
    return str(d).split(".")[-1]


def _check(got, want, rtol=1e-6, atol=1e-6, where=""):
    try:
        _check1(got, want, rtol, atol)
    except AssertionError as e:
        raise AssertionError(f"{where}: {e}") from None


def _check1(got, want, rtol, atol):
    assert isinstance(got, tj.Tensor)
    assert _name(got.dtype) == _name(want.dtype), (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape), (got.shape, want.shape)
    g, w = got.numpy(), want.numpy()
    if g.dtype.kind in "fc":
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, w)


def _check_gather(x, dim, vals, idx, keepdim=True):
    """The indices point at elements equal to the values (NaN at NaN)."""
    xv = np.array(x.numpy(), order="C")
    iv, vv = idx.numpy(), vals.numpy()
    if xv.ndim == 0:
        xv, iv, vv = xv.reshape(1), iv.reshape(1), vv.reshape(1)
    elif not keepdim:
        iv, vv = np.expand_dims(iv, dim), np.expand_dims(vv, dim)
    g = np.take_along_axis(xv, iv, dim)
    np.testing.assert_array_equal(g, vv)


_layouts = layouts


def _data(shape, dtype, rng):
    if dtype == "float32":
        a = rng.choice(np.array([-2, -1.5, -0.0, 0.0, 0.5, 1, 3, NAN, INF, -INF], np.float32), shape)
        return a
    return rng.integers(-3, 4, shape).astype(np.int64)


def _mode_ref(a, dim, keepdim):
    """The smallest of the most frequent values along ``dim`` (NaNs equal), by np.unique."""
    zero_d = np.ndim(a) == 0
    a = np.moveaxis(np.asarray(a).reshape(np.shape(a) or (1,)), dim, -1)
    out = np.empty(a.shape[:-1], a.dtype)
    for i in np.ndindex(a.shape[:-1]):
        v, c = np.unique(a[i], return_counts=True)
        out[i] = v[c == c.max()][0]
    return out.reshape(()) if zero_d else np.expand_dims(out, dim) if keepdim else out


# (3, 4, 40) has rows above the insertion-sort length along its last dim (the radix sort).
SHAPES = [(), (7,), (3, 4, 5), (3, 4, 40), (2, 0, 3)]


def _dims(shape):
    return range(-max(len(shape), 1), max(len(shape), 1))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sort_every_dim_and_layout(shape, dtype):
    rng = np.random.default_rng(len(shape))
    a = _data(shape, dtype, rng)
    for lname, t, v in _layouts(a):
        tv = torch.from_numpy(np.array(v, order="C"))
        for dim in _dims(shape):
            for desc in (False, True):
                where = f"{lname} dim={dim} descending={desc}"
                got = tj.sort(t, dim, desc, stable=True)
                want = torch.sort(tv, dim=dim, descending=desc, stable=True)
                _check(got.values, want.values, where=where)
                _check(got.indices, want.indices, where=where)
                # stable=False: same values, indices that gather them.
                got = tj.sort(t, dim, desc)
                _check(got.values, want.values)
                _check_gather(t, dim % max(len(shape), 1), got.values, got.indices)
                _check(tj.argsort(t, dim, desc, stable=True), want.indices)
        _check(tj.msort(t), torch.msort(tv))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_order_statistics_every_dim_and_layout(shape, dtype):
    rng = np.random.default_rng(10 + len(shape))
    a = _data(shape, dtype, rng)
    for lname, t, v in _layouts(a):
        tv = torch.from_numpy(np.array(v, order="C"))
        for dim in _dims(shape):
            d = dim % max(len(shape), 1)
            size = t.shape[d] if shape else 1
            for keepdim in (False, True):
                where = f"{lname} dim={dim} keepdim={keepdim}"
                for op in ("median", "nanmedian", "mode"):
                    if size == 0:
                        with pytest.raises(IndexError, match=op):
                            getattr(tj, op)(t, dim, keepdim)
                        continue
                    got, want = getattr(tj, op)(t, dim, keepdim), getattr(torch, op)(tv, dim, keepdim)
                    if op == "mode" and dtype == "float32":
                        # PyTorch's mode of rows with NaN depends on how its sort orders NaNs.
                        np.testing.assert_array_equal(got.values.numpy(), _mode_ref(v, d, keepdim), where)
                    else:
                        _check(got.values, want.values, where=where)
                    _check_gather(t, d, got.values, got.indices, keepdim)
                for k in {1, size // 2 + 1, size} if size else ():
                    got, want = tj.kthvalue(t, k, dim, keepdim), torch.kthvalue(tv, k, dim, keepdim)
                    _check(got.values, want.values, where=where)
                    _check_gather(t, d, got.values, got.indices, keepdim)
            for k in {0, min(1, size), size // 2, size}:
                for largest in (True, False):
                    got, want = tj.topk(t, k, dim, largest), torch.topk(tv, k, dim, largest)
                    _check(got.values, want.values)
                    _check_gather(t, d, got.values, got.indices)
            if dtype == "float32" and a.size:
                for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
                    for op in ("quantile", "nanquantile"):
                        for q in (0.0, 0.3, 0.5, 1.0):
                            _check(getattr(tj, op)(t, q, dim, interpolation=interp),
                                   getattr(torch, op)(tv, q, dim, interpolation=interp), rtol=1e-5)
        for op in ("median", "nanmedian"):
            _check(getattr(tj, op)(t), getattr(torch, op)(tv))


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float16",
          "float32", "float64"]


def _dtype_data(name, rng, shape):
    if name == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if name.startswith("u"):
        info = np.iinfo(name)
        return rng.choice(np.array([0, 1, 2, info.max // 2, info.max // 2 + 1, info.max], name), shape)
    if name.startswith("int"):
        info = np.iinfo(name)
        return rng.choice(np.array([info.min, -2, -1, 0, 1, 2, info.max], name), shape)
    return rng.choice(np.array([-INF, -2.5, -1, -0.0, 0.0, 1, 1.5, 7, INF, NAN], name), shape)


_UNSUPPORTED_BY_TORCH = ("uint16", "uint32", "uint64")


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype(name):
    # Rows of 9 (insertion sort) and 70 (radix sort) elements with many ties.
    rng = np.random.default_rng(3)
    for n in (9, 70):
        a = _dtype_data(name, rng, (3, n))
        t, tt = tj.from_numpy(a), torch.from_numpy(a)
        for desc in (False, True):
            got, want = tj.sort(t, 1, desc, stable=True), torch.sort(tt, dim=1, descending=desc, stable=True)
            _check(got.values, want.values)
            _check(got.indices, want.indices)
        if name in _UNSUPPORTED_BY_TORCH:
            _check_unsigned_against_numpy(t, a)
            continue
        for op, args in (("topk", (3, 1)), ("kthvalue", (4, 1)), ("median", (1,)), ("nanmedian", (1,)),
                         ("mode", (1,))):
            try:
                want = getattr(torch, op)(tt, *args)
            except (RuntimeError, NotImplementedError) as e:
                with pytest.raises(type(e), match=op):
                    getattr(tj, op)(t, *args)
                continue
            got = getattr(tj, op)(t, *args)
            if op == "mode" and name.startswith("float"):
                # PyTorch's mode of rows with NaN depends on how its sort orders NaNs.
                np.testing.assert_array_equal(got.values.numpy(), _mode_ref(a, 1, False))
            else:
                _check(got.values, want.values)
            _check_gather(t, 1, got.values, got.indices, op == "topk")
            if op == "mode" and n <= 16:
                _check(got.indices, want.indices)      # PyTorch's choice on short rows: the last
        if name in ("float32", "float64"):
            qs = torch.tensor([0.0, 0.25, 0.5, 0.9, 1.0], dtype=tt.dtype)
            for op in ("quantile", "nanquantile"):
                _check(getattr(tj, op)(t, tj.from_numpy(qs.numpy()), 1), getattr(torch, op)(tt, qs, 1), rtol=1e-5)


def _check_unsigned_against_numpy(t, a):
    # PyTorch has no order statistics for uint16/32/64; tensorjit treats them like other integers.
    s = np.sort(a, 1, kind="stable")
    np.testing.assert_array_equal(tj.kthvalue(t, 2, 1).values.numpy(), s[:, 1])
    np.testing.assert_array_equal(tj.median(t, 1).values.numpy(), s[:, (a.shape[1] - 1) // 2])
    np.testing.assert_array_equal(tj.topk(t, 2, 1).values.numpy(), s[:, ::-1][:, :2])
    vals, counts = zip(*(np.unique(r, return_counts=True) for r in a))
    np.testing.assert_array_equal(tj.mode(t, 1).values.numpy(), [v[c == c.max()].min() for v, c in zip(vals, counts)])


def test_complex_is_refused_like_torch():
    z = tj.tensor([1j, 2.0])
    for op in ("sort", "argsort", "msort"):
        with pytest.raises(RuntimeError, match=f"{op}.*Sort does not support complex"):
            getattr(tj, op)(z)
    with pytest.raises(RuntimeError, match="topk.*complex"):
        tj.topk(z, 1)
    for op in ("kthvalue", "median", "mode"):
        with pytest.raises(NotImplementedError, match=op):
            getattr(tj, op)(z, *((1,) if op == "kthvalue" else ()), 0)
    with pytest.raises(RuntimeError, match="quantile.*float or double"):
        tj.quantile(z, 0.5)


def test_mode_ties_match_torch_on_short_rows():
    rng = np.random.default_rng(6)
    for _ in range(30):
        a = rng.integers(0, 4, (5, 12))
        got, want = tj.mode(tj.from_numpy(a)), torch.mode(torch.from_numpy(a))
        _check(got.values, want.values)
        _check(got.indices, want.indices)


def test_mode_nan_counts_as_one_value():
    # PyTorch's result with NaN depends on its sort's order of NaNs; here NaNs are equal.
    a = np.array([[3., NAN, 1., NAN, NAN, 1.], [NAN, 2., 2., 5., 5., NAN]], np.float32)
    r = tj.mode(tj.from_numpy(a))
    np.testing.assert_array_equal(r.values.numpy(), [NAN, 2.0])
    np.testing.assert_array_equal(r.indices.numpy(), [4, 2])


def test_many_rows_run_in_parallel():
    a = np.random.default_rng(7).integers(-50, 50, (2000, 80)).astype(np.float32)
    got, want = tj.sort(tj.from_numpy(a), 1, stable=True), torch.sort(torch.from_numpy(a), dim=1, stable=True)
    _check(got.values, want.values)
    _check(got.indices, want.indices)


def test_long_row_radix_sort():
    rng = np.random.default_rng(8)
    a = rng.standard_normal(300_000).astype(np.float32)
    a[::1000] = NAN
    a[1::1000] = -0.0
    a[2::1000] = 0.0
    got, want = tj.sort(tj.from_numpy(a), stable=True), torch.sort(torch.from_numpy(a), stable=True)
    _check(got.values, want.values)
    _check(got.indices, want.indices)
    np.testing.assert_array_equal(np.signbit(got.values.numpy()), np.signbit(want.values.numpy()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=0, max_size=80), st.booleans(), st.sampled_from(["int64", "float32"]))
def test_stable_sort_matches_torch(values, descending, dtype):
    a = np.array(values, dtype)
    got = tj.sort(tj.from_numpy(a), descending=descending, stable=True)
    want = torch.sort(torch.from_numpy(a), descending=descending, stable=True)
    _check(got.values, want.values)
    _check(got.indices, want.indices)
    # Properties: the indices are a permutation that gathers the sorted values.
    idx = got.indices.numpy()
    assert sorted(idx.tolist()) == list(range(len(values)))
    np.testing.assert_array_equal(a[idx], got.values.numpy())
    d = np.diff(got.values.numpy())
    assert np.all(d <= 0) if descending else np.all(d >= 0)


def test_out():
    a = np.random.default_rng(9).integers(0, 5, (3, 6)).astype(np.float32)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    for op, args in (("sort", (1,)), ("topk", (2,)), ("kthvalue", (2,)), ("median", (1,)), ("nanmedian", (1,)),
                     ("mode", (1,))):
        v, i = tj.empty(0), tj.empty(0, dtype=tj.int64)
        r = getattr(tj, op)(t, *args, out=(v, i))
        assert r.values is v and r.indices is i
        want = getattr(torch, op)(tt, *args)
        _check(v, want.values)
        _check_gather(t, 1, v, i, op in ("sort", "topk"))
    o = tj.empty(0)
    assert tj.msort(t, out=o) is o
    _check(o, torch.msort(tt))
    o = tj.empty(0)
    assert tj.median(t, out=o) is o
    _check(o, torch.median(tt))
    for op in ("quantile", "nanquantile"):
        o = tj.empty(0)
        assert getattr(tj, op)(t, 0.4, 1, out=o) is o
        _check(o, getattr(torch, op)(tt, 0.4, 1))
    with pytest.warns(UserWarning, match="resized"):
        tj.sort(t, out=(tj.empty(4), tj.empty(0, dtype=tj.int64)))


def test_out_errors_leave_out_untouched():
    t = tj.tensor([[1., 2.], [3., 4.]])
    v64, i64, i32 = tj.zeros(2, 2, dtype=tj.float64), tj.zeros(2, 2, dtype=tj.int64), tj.zeros(2, 2, dtype=tj.int32)
    for op, args in (("sort", ()), ("topk", (1,)), ("kthvalue", (1,)), ("median", (0,)), ("mode", ())):
        with pytest.raises(RuntimeError, match=op):
            getattr(tj, op)(t, *args, out=(v64, i64))
        with pytest.raises(RuntimeError, match=op):
            getattr(tj, op)(t, *args, out=(tj.zeros(2, 2), i32))
    with pytest.raises(RuntimeError, match="quantile.*same dtype"):
        tj.quantile(t, 0.5, out=v64)
    with pytest.raises(RuntimeError, match="msort"):
        tj.msort(t, out=v64)
    assert v64.numpy().sum() == 0 and i64.numpy().sum() == 0 and i32.numpy().sum() == 0


def test_errors():
    t = tj.tensor([[1., 2., 3.], [4., 5., 6.]])
    with pytest.raises(IndexError, match="sort"):
        tj.sort(t, 2)
    with pytest.raises(TypeError, match="sort"):
        tj.sort([1, 2])
    for k in (-1, 4):
        with pytest.raises(RuntimeError, match="topk.*out of range"):
            tj.topk(t, k)
    for k in (0, 4):
        with pytest.raises(RuntimeError, match="kthvalue.*out of range"):
            tj.kthvalue(t, k)
    with pytest.raises(RuntimeError, match="topk.*bool"):
        tj.topk(tj.tensor([True]), 1)
    with pytest.raises(NotImplementedError, match="median.*Bool"):
        tj.median(tj.tensor([True]))
    with pytest.raises(IndexError, match="kthvalue.*non-zero size"):
        tj.kthvalue(tj.zeros(0, 3), 1, 0)


def test_quantile_arguments_and_errors():
    a = np.random.default_rng(11).standard_normal((3, 5)).astype(np.float64)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    q = np.array([0.1, 0.5, 0.75])
    for dim in (None, 0, 1, -1):
        for keepdim in (False, True):
            _check(tj.quantile(t, tj.from_numpy(q), dim, keepdim), torch.quantile(tt, torch.from_numpy(q), dim, keepdim))
            _check(tj.quantile(t, 0.25, dim, keepdim), torch.quantile(tt, 0.25, dim, keepdim))
            _check(tj.quantile(t, tj.tensor(0.6, dtype=tj.float64), dim, keepdim),
                   torch.quantile(tt, torch.tensor(0.6, dtype=torch.float64), dim, keepdim))
    _check(tj.quantile(t, tj.tensor([], dtype=tj.float64), 1), torch.quantile(tt, torch.tensor([], dtype=torch.float64), 1))
    _check(tj.quantile(tj.tensor(2.), 0.3, 0), torch.quantile(torch.tensor(2.), 0.3, 0))
    nan_rows = np.array([[NAN, NAN, NAN], [1., NAN, 2.]], np.float32)
    for op in ("quantile", "nanquantile"):
        _check(getattr(tj, op)(tj.from_numpy(nan_rows), 0.5, 1), getattr(torch, op)(torch.from_numpy(nan_rows), 0.5, 1))
    with pytest.raises(RuntimeError, match=r"quantile\(\) q must be in the range \[0, 1\] but got 1.5"):
        tj.quantile(t, 1.5)
    with pytest.raises(RuntimeError, match=r"nanquantile\(\) q values must be in the range"):
        tj.nanquantile(t, tj.tensor([0.5, -0.1], dtype=tj.float64))
    with pytest.raises(RuntimeError, match="q tensor must be same dtype"):
        tj.quantile(t, tj.tensor([0.5]))
    with pytest.raises(RuntimeError, match="scalar or 1D"):
        tj.quantile(t, tj.tensor([[0.5]], dtype=tj.float64))
    with pytest.raises(RuntimeError, match="interpolation must be one of"):
        tj.quantile(t, 0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match="non-empty"):
        tj.quantile(tj.zeros(0, 3), 0.5, 1)
    for d in (tj.int64, tj.float16):
        with pytest.raises(RuntimeError, match="quantile.*float or double"):
            tj.quantile(tj.zeros(3, dtype=d), 0.5)


def test_whole_tensor_median_and_zero_dim():
    for op in ("median", "nanmedian"):
        _check(getattr(tj, op)(tj.zeros(0)), getattr(torch, op)(torch.zeros(0)))
        _check(getattr(tj, op)(tj.tensor([[3., NAN], [1., 2.]])), getattr(torch, op)(torch.tensor([[3., NAN], [1., 2.]])))
    x, tx = tj.tensor(3.5), torch.tensor(3.5)
    for op, args in (("sort", (0,)), ("topk", (1,)), ("kthvalue", (1,)), ("median", (0,)), ("mode", (0,))):
        got, want = getattr(tj, op)(x, *args), getattr(torch, op)(tx, *args)
        _check(got.values, want.values)
        _check(got.indices, want.indices)


def test_methods():
    t = tj.tensor([[3, 1, 2], [1, 1, 0]])
    tt = _tt(t)
    _check(t.sort(1).values, tt.sort(1).values)
    _check(t.argsort(dim=0, stable=True), tt.argsort(dim=0, stable=True))
    _check(t.msort(), tt.msort())
    _check(t.topk(2).values, tt.topk(2).values)
    _check(t.kthvalue(1, 0).values, tt.kthvalue(1, 0).values)
    _check(t.median(), tt.median())
    _check(t.mode(1).values, tt.mode(1).values)
    f = t.to(tj.float32)
    _check(f.quantile(0.5, 1), _tt(f).quantile(0.5, 1))
    _check(f.nanmedian(1).values, _tt(f).nanmedian(1).values)

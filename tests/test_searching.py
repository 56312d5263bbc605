"""unique, unique_consecutive, searchsorted and bucketize against PyTorch: values, dtypes, shapes,
layouts, NaN/inf, ties, flags, out= and errors; hypothesis properties on small integer arrays.
histc, bincount and isin are in test_searching_counting.py.

Compile budget: every dtype runs on one contiguous layout; the layout sweep runs on float32 and
int64 only.
"""
import itertools
import warnings

import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="searching ops are checked against PyTorch")
hypothesis = pytest.importorskip("hypothesis", reason="property tests need hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]


def tt(x):
    """The torch tensor with the values of tensorjit tensor ``x``."""
    return torch.from_numpy(np.array(x.numpy(), order="C"))


def check(got, want):
    """Same dtype, shape and values (NaN equal to NaN); tuples element by element."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), (type(got), len(want))
        for g, w in zip(got, want):
            check(g, w)
        return
    assert isinstance(got, tj.Tensor), type(got)
    assert got.dtype.name == str(want.dtype).split(".")[-1], (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape), (tuple(got.shape), tuple(want.shape))
    assert got.is_contiguous()
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def same(op, *args, **kw):
    """Check tensorjit's ``op`` against PyTorch's over the same arguments (NumPy arrays become
    tensors of each library)."""
    def conv(lib, x):
        if not isinstance(x, np.ndarray):
            return x
        return tj.from_numpy(x) if lib is tj else torch.from_numpy(np.array(x, order="C"))

    got = getattr(tj, op)(*[conv(tj, a) for a in args], **{k: conv(tj, v) for k, v in kw.items()})
    check(got, getattr(torch, op)(*[conv(torch, a) for a in args], **{k: conv(torch, v) for k, v in kw.items()}))


def data(dtype, shape, rng, lo=-3, hi=4):
    """Values with many ties: small integers in ``dtype``."""
    a = rng.integers(lo, hi, shape)
    if dtype == "bool":
        return a > 0
    if dtype == "uint8":
        return np.abs(a).astype(np.uint8)
    return a.astype(dtype)


def layouts(a):
    """(name, tensorjit view, NumPy view): contiguous, transposed, stepped, offset, 0-d, empty."""
    t = tj.from_numpy(a)
    yield "contiguous", t, a
    perm = tuple(reversed(range(a.ndim)))
    yield "transposed", t.permute(*perm), a.transpose(perm)
    big = np.concatenate([a, a[..., ::-1]], axis=-1)
    tb = tj.from_numpy(big)
    sl = (slice(None),) * (a.ndim - 1) + (slice(None, None, 2),)
    yield "stepped", tb[sl], big[sl]
    sl = (slice(None),) * (a.ndim - 1) + (slice(1, a.shape[-1] + 1),)
    yield "offset", tb[sl], big[sl]
    yield "0-d", tj.from_numpy(a.reshape(-1)[:1].copy()).reshape(()), a.reshape(-1)[:1].reshape(())
    yield "empty", tj.from_numpy(a[:0].copy()), a[:0]


FLAGS = list(itertools.product([False, True], repeat=2))


def unique_both(t, v, dim=None, sorted=True):
    """(tensorjit, torch) results of unique and unique_consecutive for every flag combination."""
    for op, (inv, cnt) in itertools.product(("unique", "unique_consecutive"), FLAGS):
        kw = dict(return_inverse=inv, return_counts=cnt, dim=dim)
        if op == "unique":
            kw["sorted"] = sorted
        yield op, kw, getattr(tj, op)(t, **kw), getattr(torch, op)(v, **kw)


# -- unique ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_unique_every_dtype(dtype):
    rng = np.random.default_rng(0)
    a = data(dtype, (5, 6), rng)
    a[1] = a[3]                                  # duplicate rows for dim=0
    a[:, 2] = a[:, 4]                            # duplicate columns for dim=1
    t, v = tj.from_numpy(a), torch.from_numpy(a)
    for dim in (None, 0, 1):
        for op, kw, got, want in unique_both(t, v, dim):
            try:
                check(got, want)
            except AssertionError as e:
                raise AssertionError(f"{op} {kw}: {e}")
    assert np.array_equal(t.numpy(), a)          # the input is untouched


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("shape", [(7,), (4, 6), (3, 4, 5)], ids=str)
def test_unique_layouts(shape, dtype):
    rng = np.random.default_rng(len(shape))
    a = data(dtype, shape, rng, -2, 3)
    for lname, t, n in layouts(a):
        v = torch.from_numpy(np.array(n, order="C"))
        dims = [None] + ([d for d in range(-n.ndim, n.ndim)] if n.ndim and n.size else [])
        for dim, sorted_ in itertools.product(dims, (True, False)):
            for op, kw, got, want in unique_both(t, v, dim, sorted_):
                try:
                    check(got, want)
                except AssertionError as e:
                    raise AssertionError(f"{lname} {op} {kw}: {e}")


def test_unique_nan_inf_and_signed_zero():
    a = np.array([3.0, np.nan, 1.0, np.nan, np.inf, -np.inf, 1.0, 0.0, -0.0, np.inf, np.nan], np.float32)
    for x in (a, a.astype(np.float64), a.astype(np.float16)):
        t, v = tj.from_numpy(x), torch.from_numpy(x)
        for op, kw, got, want in unique_both(t, v):
            check(got, want)                     # each NaN is its own unique value, 0.0 == -0.0
    # Rows holding NaN are never equal to each other; in the order, PyTorch passes over a
    # column where a NaN is neither < nor > the other row's element.
    for m in ([[np.nan, 1.0], [np.nan, 1.0], [0.0, 2.0], [0.0, 2.0]],
              [[1.0, np.nan], [0.0, 5.0], [1.0, np.nan], [0.0, 5.0], [-1.0, np.inf]]):
        m = np.array(m, np.float32)
        t, v = tj.from_numpy(m), torch.from_numpy(m)
        for op, kw, got, want in unique_both(t, v, dim=0):
            check(got, want)


def test_unique_large_runs_the_radix_passes():
    # Keys differing in high digits only, and both signs: every radix pass moves elements.
    rng = np.random.default_rng(1)
    a = (rng.integers(-50, 50, 5000) * (1 << 40) + rng.integers(0, 3, 5000)).astype(np.int64)
    a[:3] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0]
    check(tj.unique(tj.from_numpy(a), return_inverse=True, return_counts=True),
          torch.unique(torch.from_numpy(a), return_inverse=True, return_counts=True))
    f = rng.standard_normal(5000).astype(np.float32).round(1)
    f[::97] = np.nan
    (v, inv, cnt), (tv, tinv, tcnt) = (tj.unique(tj.from_numpy(f), return_inverse=True, return_counts=True),
                                       torch.unique(torch.from_numpy(f), return_inverse=True, return_counts=True))
    check((v, cnt), (tv, tcnt))
    # Which NaN slot each NaN gets depends on the sort (PyTorch's is not stable on large
    # inputs): the other elements agree, and the NaNs take the NaN slots once each.
    nan = np.isnan(f)
    np.testing.assert_array_equal(inv.numpy()[~nan], tinv.numpy()[~nan])
    assert sorted(inv.numpy()[nan]) == sorted(tinv.numpy()[nan])
    # (Without NaN: PyTorch's order of rows holding NaN at different places depends on its sort.)
    g = np.nan_to_num(f).reshape(50, 100)[:, :60]
    g[:, 30:] = g[:, :30]
    check(tj.unique(tj.from_numpy(g), dim=1, return_inverse=True, return_counts=True),
          torch.unique(torch.from_numpy(g), dim=1, return_inverse=True, return_counts=True))


def test_unique_empty_dims_and_errors():
    for shape, dim in [((0, 3), 0), ((3, 0), 1), ((2, 0, 3), 1), ((0,), 0)]:
        t, v = tj.zeros(*shape), torch.zeros(*shape)
        for op, kw, got, want in unique_both(t, v, dim):
            check(got, want)
    for shape, dim in [((0, 3), 1), ((3, 0), 0), ((2, 0, 3), 2)]:
        for op in ("unique", "unique_consecutive"):
            with pytest.raises(RuntimeError, match=f"{op}.*0 sized dimensions"):
                getattr(tj, op)(tj.zeros(*shape), dim=dim)
            with pytest.raises(RuntimeError):
                getattr(torch, op)(torch.zeros(*shape), dim=dim)
    for op in ("unique", "unique_consecutive"):
        with pytest.raises(IndexError, match=f"{op}.*no dimensions"):
            getattr(tj, op)(tj.tensor(3), dim=0)
        with pytest.raises(IndexError, match=f"{op}.*out of range"):
            getattr(tj, op)(tj.ones(3), dim=1)
        with pytest.raises(NotImplementedError, match=f"{op}.*complex64"):
            getattr(tj, op)(tj.ones(3, dtype=tj.complex64))
        with pytest.raises(TypeError, match=f"{op}.*Tensor"):
            getattr(tj, op)([1, 2])
    # 0-d inputs without dim: one unique value, a 0-d inverse.
    for op, kw, got, want in unique_both(tj.tensor(5), torch.tensor(5)):
        check(got, want)


def test_unique_methods():
    a = np.array([[2, 1, 2], [2, 1, 2]], np.int64)
    t, v = tj.from_numpy(a), torch.from_numpy(a)
    check(t.unique(), v.unique())
    check(t.unique(True, True, True), v.unique(True, True, True))
    check(t.unique(dim=1, return_counts=True), v.unique(dim=1, return_counts=True))
    check(t.unique_consecutive(return_inverse=True), v.unique_consecutive(return_inverse=True))
    check(t.unique_consecutive(dim=0, return_counts=True), v.unique_consecutive(dim=0, return_counts=True))


# -- searchsorted, bucketize ---------------------------------------------------------------------
SEARCH_DTYPES = ["uint8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", SEARCH_DTYPES)
def test_searchsorted_every_dtype(dtype):
    rng = np.random.default_rng(2)
    s = np.sort(data(dtype, 9, rng, 0, 6))      # ties
    x = data(dtype, (3, 4), rng, 0, 8)          # values below, on and above the boundaries
    st_, xt, sv, xv = tj.from_numpy(s), tj.from_numpy(x), torch.from_numpy(s), torch.from_numpy(x)
    for right in (False, True):
        check(tj.searchsorted(st_, xt, right=right), torch.searchsorted(sv, xv, right=right))
        check(tj.searchsorted(st_, xt, side="right" if right else "left"),
              torch.searchsorted(sv, xv, side="right" if right else "left"))
        check(tj.searchsorted(st_, 3, right=right), torch.searchsorted(sv, 3, right=right))
        check(tj.bucketize(xt, st_, right=right), torch.bucketize(xv, sv, right=right))
        check(tj.bucketize(2, st_, right=right), torch.bucketize(2, sv, right=right))
    if dtype == "int64":
        check(tj.searchsorted(st_, xt, out_int32=True), torch.searchsorted(sv, xv, out_int32=True))
        check(tj.bucketize(xt, st_, out_int32=True, right=True), torch.bucketize(xv, sv, out_int32=True, right=True))


def test_searchsorted_promotes_like_torch():
    cases = [(np.array([1, 3, 5]), np.array([2.5, 3.0], np.float32)),
             (np.array([1.0, 3.0, 5.0], np.float32), np.array([2, 3])),
             (np.array([1, 100], np.int8), np.array([300])),
             (np.array([False, True]), np.array([0.5, 1.0], np.float32)),
             (np.array([1.0, 3.0], np.float16), np.array([2.0, 3.0], np.float64))]
    for s, x in cases:
        same("searchsorted", s, x)
    s8 = np.array([1, 100], np.int8)
    # A number or a 0-d tensor converts to the sequence's dtype (300 wraps in int8), as in PyTorch.
    for val in (300, 50.5, True):
        check(tj.searchsorted(tj.from_numpy(s8), val), torch.searchsorted(torch.from_numpy(s8), val))
    check(tj.searchsorted(tj.from_numpy(s8), tj.tensor(300)),
          torch.searchsorted(torch.from_numpy(s8), torch.tensor(300)))
    with pytest.raises(NotImplementedError, match="searchsorted.*bool"):
        tj.searchsorted(tj.tensor([False, True]), tj.tensor([True]))
    with pytest.raises(NotImplementedError, match="searchsorted.*complex64"):
        tj.searchsorted(tj.ones(2, dtype=tj.complex64), tj.ones(2))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_searchsorted_layouts(dtype):
    rng = np.random.default_rng(3)
    seq = np.sort(data(dtype, (3, 5), rng, -4, 5), axis=-1)
    vals = data(dtype, (3, 4), rng, -5, 6)
    s1 = seq[0]
    for (ln, t, v), right in itertools.product(layouts(vals), (False, True)):
        tv = torch.from_numpy(np.array(v, order="C"))
        check(tj.searchsorted(tj.from_numpy(s1), t, right=right),
              torch.searchsorted(torch.from_numpy(s1), tv, right=right))
        if v.ndim == 2 and v.shape[0] == 3:
            check(tj.searchsorted(tj.from_numpy(seq), t, right=right),
                  torch.searchsorted(torch.from_numpy(seq), tv, right=right))
    # Sequences that are views: rows of a transposed array, a stepped row, an offset row.
    sT = np.ascontiguousarray(seq.T)
    tseq = tj.from_numpy(sT).t()
    check(tj.searchsorted(tseq, tj.from_numpy(vals)), torch.searchsorted(torch.from_numpy(seq), torch.from_numpy(vals)))
    wide = np.repeat(s1, 2)
    check(tj.searchsorted(tj.from_numpy(wide)[::2], tj.from_numpy(vals)),
          torch.searchsorted(torch.from_numpy(s1), torch.from_numpy(vals)))
    check(tj.searchsorted(tj.from_numpy(wide)[1:], tj.from_numpy(vals)),
          torch.searchsorted(torch.from_numpy(wide[1:].copy()), torch.from_numpy(vals)))
    # Batched (3-d) sequence with its values; empty sequences and empty value rows.
    s3 = np.sort(data(dtype, (2, 3, 4), rng), axis=-1)
    v3 = data(dtype, (2, 3, 2), rng)
    same("searchsorted", s3, v3)
    for s, x in [((0,), (3,)), ((2, 0), (2, 3)), ((2, 3), (2, 0)), ((0, 3), (0, 4))]:
        check(tj.searchsorted(tj.zeros(*s), tj.zeros(*x)), torch.searchsorted(torch.zeros(*s), torch.zeros(*x)))


def test_searchsorted_nan_inf():
    # PyTorch's bisection with NaN values and NaN boundaries, step for step.
    s = np.array([-np.inf, 1.0, 2.0, 2.0, 3.0, np.inf, np.nan], np.float32)
    x = np.array([np.nan, 0.0, 2.0, np.inf, -np.inf, 5.0, 2.5], np.float32)
    for seq in (s, s[:-1], np.array([1.0, np.nan, 3.0, 4.0], np.float32)):
        for d in (np.float32, np.float64, np.float16):
            a, b = seq.astype(d), x.astype(d)
            for right in (False, True):
                check(tj.searchsorted(tj.from_numpy(a), tj.from_numpy(b), right=right),
                      torch.searchsorted(torch.from_numpy(a), torch.from_numpy(b), right=right))
                check(tj.bucketize(tj.from_numpy(b), tj.from_numpy(a), right=right),
                      torch.bucketize(torch.from_numpy(b), torch.from_numpy(a), right=right))


def test_searchsorted_sorter():
    rng = np.random.default_rng(4)
    for shape in [(7,), (3, 6)]:
        s = data("float32", shape, rng, -3, 4)
        order = np.argsort(s, axis=-1, kind="stable")
        x = data("float32", shape[:-1] + (5,), rng, -4, 5)
        for right in (False, True):
            check(tj.searchsorted(tj.from_numpy(s), tj.from_numpy(x), sorter=tj.from_numpy(order), right=right),
                  torch.searchsorted(torch.from_numpy(s), torch.from_numpy(x), sorter=torch.from_numpy(order),
                                     right=right))
    s = tj.tensor([5, 3, 1])
    with pytest.raises(RuntimeError, match="searchsorted.*sorter index out of range"):
        tj.searchsorted(s, tj.tensor([2]), sorter=tj.tensor([2, 1, 5]))
    with pytest.raises(RuntimeError, match="searchsorted.*sorter index out of range"):
        tj.searchsorted(s, tj.tensor([2]), sorter=tj.tensor([2, 1, -1]))
    with pytest.raises(RuntimeError, match="searchsorted.*sorter must be a tensor of long dtype.*int32"):
        tj.searchsorted(s, tj.tensor([2]), sorter=tj.tensor([2, 1, 0], dtype=tj.int32))
    with pytest.raises(RuntimeError, match="searchsorted.*boundary and sorter must have the same size"):
        tj.searchsorted(s, tj.tensor([2]), sorter=tj.tensor([2, 1]))


def test_searchsorted_out():
    s, x = tj.tensor([1, 3, 5]), tj.tensor([[2, 3], [6, 0]])
    sv, xv = tt(s), tt(x)
    o = tj.zeros(2, 2, dtype=tj.int64)
    r = tj.searchsorted(s, x, out=o)
    assert r is o
    check(o, torch.searchsorted(sv, xv))
    o32 = tj.zeros(2, 2, dtype=tj.int32)
    tj.bucketize(x, s, out_int32=True, out=o32)
    check(o32, torch.bucketize(xv, sv, out_int32=True))
    # A transposed out is written through its strides.
    ot = tj.zeros(2, 2, dtype=tj.int64).t()
    tj.searchsorted(s, x, right=True, out=ot)
    np.testing.assert_array_equal(ot.numpy(), torch.searchsorted(sv, xv, right=True).numpy())
    # Wrong shapes resize with PyTorch's warning.
    o5 = tj.zeros(5, dtype=tj.int64)
    with pytest.warns(UserWarning, match="resized"):
        tj.searchsorted(s, x, out=o5)
    check(o5, torch.searchsorted(sv, xv))
    oe = tj.zeros(0, dtype=tj.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tj.searchsorted(s, x, out=oe)
    check(oe, torch.searchsorted(sv, xv))
    # The out= tensor may be the values themselves.
    xi = tj.tensor([2, 6])
    tj.searchsorted(s, xi, out=xi)
    assert xi.tolist() == [1, 3]
    # Errors leave out= untouched.
    keep = tj.full((2, 2), 7, dtype=tj.int64)
    with pytest.raises(RuntimeError, match="searchsorted.*output tensor's dtype is wrong.*int32"):
        tj.searchsorted(s, x, out=tj.zeros(2, 2, dtype=tj.int32))
    with pytest.raises(RuntimeError, match="bucketize.*output tensor's dtype is wrong.*float32"):
        tj.bucketize(x, s, out=tj.zeros(2, 2))
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        tj.searchsorted(tj.tensor([5, 3, 1]), x, sorter=tj.tensor([2, 1, 3]), out=keep)
    assert keep.tolist() == [[7, 7], [7, 7]]


def test_searchsorted_errors():
    s, x = tj.tensor([1, 3, 5]), tj.tensor([2, 3])
    with pytest.raises(RuntimeError, match="searchsorted.*side and right can't be set to opposites"):
        tj.searchsorted(s, x, right=True, side="left")
    with pytest.raises(RuntimeError, match="searchsorted.*side can only be 'left' or 'right'"):
        tj.searchsorted(s, x, side="middle")
    with pytest.raises(RuntimeError, match="searchsorted.*first N-1 dimensions"):
        tj.searchsorted(tj.tensor([[1, 3, 5]]), x)
    with pytest.raises(RuntimeError, match="searchsorted.*first N-1 dimensions.*\\[2, 3\\].*\\[1, 2\\]"):
        tj.searchsorted(tj.tensor([[1, 3, 5], [1, 2, 3]]), tj.tensor([[2, 3]]))
    with pytest.raises(RuntimeError, match="searchsorted.*positive dimension"):
        tj.searchsorted(tj.tensor(3), x)
    with pytest.raises(RuntimeError, match="searchsorted.*scalar only when boundaries tensor dimension is 1"):
        tj.searchsorted(tj.tensor([[1, 3, 5]]), 2)
    with pytest.raises(TypeError, match="searchsorted.*sorted_sequence.*Tensor"):
        tj.searchsorted([1, 2], x)
    with pytest.raises(TypeError, match="searchsorted.*Tensor or Number"):
        tj.searchsorted(s, [1, 2])
    with pytest.raises(RuntimeError, match="bucketize.*boundaries tensor must be 1 dimension.*dim\\(2\\)"):
        tj.bucketize(x, tj.tensor([[1, 3]]))
    with pytest.raises(RuntimeError, match="bucketize.*boundaries tensor must be 1 dimension.*dim\\(0\\)"):
        tj.bucketize(x, tj.tensor(1))
    assert not hasattr(tj.Tensor, "searchsorted") and not hasattr(tj.Tensor, "bucketize")   # as in PyTorch


def test_searchsorted_large_parallel():
    rng = np.random.default_rng(5)
    bd = np.sort(rng.standard_normal(1000).astype(np.float32))
    x = rng.standard_normal(1 << 18).astype(np.float32)
    x[::1001] = np.nan
    x[::999] = bd[::1][:263]
    for right in (False, True):
        check(tj.searchsorted(tj.from_numpy(bd), tj.from_numpy(x), right=right),
              torch.searchsorted(torch.from_numpy(bd), torch.from_numpy(x), right=right))


# -- properties ----------------------------------------------------------------------------------
small_ints = st.lists(st.integers(-3, 3), min_size=0, max_size=24)


@settings(max_examples=60, deadline=None)
@given(values=small_ints, cols=st.sampled_from([1, 2, 3]), sorted_=st.booleans(), inv=st.booleans(),
       cnt=st.booleans(), dim=st.sampled_from([None, 0, 1, -1]), consecutive=st.booleans())
def test_unique_property(values, cols, sorted_, inv, cnt, dim, consecutive):
    a = np.array(values[:len(values) - len(values) % cols], np.int64).reshape(-1, cols)
    t, v = tj.from_numpy(a), torch.from_numpy(a)
    kw = dict(return_inverse=inv, return_counts=cnt, dim=dim)
    if not consecutive:
        kw["sorted"] = sorted_
    op = "unique_consecutive" if consecutive else "unique"
    try:
        want = getattr(torch, op)(v, **kw)
    except RuntimeError:
        with pytest.raises(RuntimeError, match=op):
            getattr(tj, op)(t, **kw)
        return
    got = getattr(tj, op)(t, **kw)
    check(got, want)
    # unique's values are sorted and hold each value once; inverse indexes them back.
    if inv and dim is None:
        r = got[0].numpy()[got[1].numpy()]
        np.testing.assert_array_equal(r, a)


@settings(max_examples=60, deadline=None)
@given(seq=st.lists(st.integers(-4, 4), min_size=0, max_size=12), vals=st.lists(st.integers(-6, 6), max_size=10),
       rows=st.sampled_from([None, 1, 2]), right=st.booleans(), use_sorter=st.booleans(), fl=st.booleans())
def test_searchsorted_property(seq, vals, rows, right, use_sorter, fl):
    d = np.float64 if fl else np.int64
    s = np.array(seq, d)
    x = np.array(vals, d)
    if rows is not None:
        s = np.stack([s, s[::-1].copy()][:rows])
        x = np.stack([x, x[::-1].copy()][:rows])
    sorter = None
    if use_sorter:
        sorter = np.argsort(s, axis=-1, kind="stable")
    else:
        s = np.sort(s, axis=-1)
    got = tj.searchsorted(tj.from_numpy(s), tj.from_numpy(x), right=right,
                          sorter=None if sorter is None else tj.from_numpy(sorter))
    want = torch.searchsorted(torch.from_numpy(s), torch.from_numpy(x), right=right,
                              sorter=None if sorter is None else torch.from_numpy(sorter))
    check(got, want)

"""Reductions against PyTorch and NumPy: values, dtypes, shapes, layouts, empties, NaN, accuracy.

Compile budget: every (op, dtype) is a Numba compile, so all dtypes are tested only for sum on
one layout; the dim/layout sweep runs on float32 and int64.
"""
import itertools
import math

import numpy as np
import pytest

import tensorjit as tj
from layouts import layouts

torch = pytest.importorskip("torch", reason="reductions are checked against PyTorch")

OPS = ["sum", "prod", "amax", "amin", "any", "all"]


def _tt(x):
    """The torch tensor with the same values as tensorjit tensor x (through NumPy)."""
    return torch.from_numpy(np.array(x.numpy(), order="C"))


def _torch_reduce(op, tv, dim, keepdim):
    # torch.prod takes one dim only: reduce a tuple one dim at a time, last first.
    if op == "prod" and isinstance(dim, tuple):
        for d in sorted(dim, reverse=True):
            tv = torch.prod(tv, d, keepdim)
        return tv
    return getattr(torch, op)(tv, dim, keepdim)


def _check(got, want, rtol=1e-5, atol=1e-6):
    assert isinstance(got, tj.Tensor)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape), (got.shape, want.shape)
    g, w = got.numpy(), want.numpy()
    if g.dtype.kind in "fc":
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, w)


def _data(shape, dtype, rng):
    if dtype == "float32":
        return rng.uniform(-2, 2, shape).astype(np.float32)
    return rng.integers(-3, 4, shape).astype(np.int64)


_layouts = layouts


SHAPES = [(), (5,), (3, 4), (2, 3, 4)]


def _all_dims(ndim):
    dims = [None] + list(range(-max(ndim, 1), max(ndim, 1)))
    for r in range(2, ndim + 1):
        dims += list(itertools.combinations(range(ndim), r))
    return dims


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_dim_and_layout_sweep(shape, dtype):
    rng = np.random.default_rng(len(shape))
    a = _data(shape, dtype, rng)
    for (lname, t, v), op in itertools.product(_layouts(a), OPS):
        tv = torch.from_numpy(np.array(v, order="C"))     # (ascontiguousarray makes 0-d 1-d)
        for dim in _all_dims(len(shape)):
            for keepdim in (False, True):
                if dim is None:
                    got, want = getattr(tj, op)(t), getattr(torch, op)(tv)
                    if keepdim:
                        continue
                else:
                    got = getattr(tj, op)(t, dim, keepdim)
                    want = _torch_reduce(op, tv, dim, keepdim)
                try:
                    _check(got, want, rtol=1e-5, atol=1e-5)
                except AssertionError as e:
                    raise AssertionError(f"{op} {lname} shape={shape} dim={dim} keepdim={keepdim}: {e}")


@pytest.mark.parametrize("name", ["bool", "uint8", "int8", "int16", "int32", "int64", "uint64", "float16",
                                  "float32", "float64", "complex64"])
def test_sum_every_dtype(name):
    rng = np.random.default_rng(0)
    if name == "bool":
        a = rng.integers(0, 2, (6, 7)).astype(bool)
    elif name.startswith("u"):
        a = rng.integers(0, 200, (6, 7)).astype(name)
    elif name.startswith("int"):
        a = rng.integers(-100, 100, (6, 7)).astype(name)
    elif name == "complex64":
        a = (rng.uniform(-1, 1, (6, 7)) + 1j * rng.uniform(-1, 1, (6, 7))).astype(name)
    else:
        a = rng.uniform(-1, 1, (6, 7)).astype(name)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    rtol = 2e-3 if name == "float16" else 1e-5
    for dim in (None, 0, 1):
        got = tj.sum(t) if dim is None else tj.sum(t, dim)
        want = torch.sum(tt) if dim is None else torch.sum(tt, dim)
        _check(got, want, rtol=rtol, atol=rtol)


def test_integer_sum_accumulates_in_int64():
    a = np.full(300, 100, np.int8)          # 30000 overflows int8 and int16 would hold it; int64 must
    got = tj.from_numpy(a).sum()
    assert got.dtype == tj.int64 and got.item() == 30000
    b = tj.from_numpy(np.full(10, 2**31 - 1, np.int32)).prod()
    assert b.dtype == tj.int64 and b.item() == torch.full((10,), 2**31 - 1, dtype=torch.int32).prod().item()
    assert tj.from_numpy(np.ones(5, bool)).sum().dtype == tj.int64


def test_dtype_argument_and_mean():
    a = np.arange(12, dtype=np.int64).reshape(3, 4)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    _check(tj.sum(t, 1, dtype=tj.float32), torch.sum(tt, 1, dtype=torch.float32))
    _check(tj.mean(t, 0, dtype=tj.float64), torch.mean(tt, 0, dtype=torch.float64))
    f = a.astype(np.float32)
    for dim in (None, 0, 1, (0, 1)):
        got = tj.mean(tj.from_numpy(f)) if dim is None else tj.mean(tj.from_numpy(f), dim, True)
        want = torch.mean(torch.from_numpy(f)) if dim is None else torch.mean(torch.from_numpy(f), dim, True)
        _check(got, want)
    with pytest.raises(RuntimeError, match="mean.*could not infer output dtype.*Long"):
        tj.mean(t)


def test_empty_inputs():
    e = tj.zeros(0, 3)
    te = torch.zeros(0, 3)
    _check(tj.sum(e), torch.sum(te))
    _check(tj.sum(e, 0), torch.sum(te, 0))
    _check(tj.prod(e, 0), torch.prod(te, 0))
    _check(tj.any(e, 0), torch.any(te, 0))
    _check(tj.all(e, 0), torch.all(te, 0))
    _check(tj.mean(e, 0), torch.mean(te, 0))     # nan, as PyTorch
    _check(tj.amax(e, 1), torch.amax(te, 1))     # an empty output is fine
    with pytest.raises(IndexError, match="amax.*reduction dim 0"):
        tj.amax(e, 0)
    with pytest.raises(RuntimeError, match="amin.*Specify the reduction dim"):
        tj.amin(e)
    with pytest.raises(RuntimeError, match="max.*Specify the reduction dim"):
        tj.max(tj.zeros(0))


def test_nan_and_inf():
    a = np.array([[1.0, np.nan, 3.0], [-np.inf, 2.0, np.inf]], np.float32)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    for op in ("sum", "amax", "amin", "prod"):
        for dim in (None, 0, 1):
            got = getattr(tj, op)(t) if dim is None else getattr(tj, op)(t, dim)
            want = getattr(torch, op)(tt) if dim is None else getattr(torch, op)(tt, dim)
            _check(got, want)
    # NaN wins wherever it sits, first or last.
    for arr in ([np.nan, 1.0], [1.0, np.nan]):
        assert np.isnan(tj.tensor(arr).max().item()) and np.isnan(tj.tensor(arr).min().item())
    _check(tj.max(t), torch.max(tt))


def test_errors_name_the_op():
    t = tj.ones(2, 3)
    with pytest.raises(RuntimeError, match="sum.*dim 0 appears multiple times"):
        tj.sum(t, (0, 0))
    with pytest.raises(RuntimeError, match="sum.*dim 1 appears multiple times"):
        tj.sum(t, (1, -1))
    with pytest.raises(IndexError, match="prod.*Dimension out of range"):
        tj.prod(t, 2)
    with pytest.raises(RuntimeError, match="amax.*complex64"):
        tj.amax(tj.ones(3, dtype=tj.complex64))
    with pytest.raises(TypeError, match="sum.*Tensor"):
        tj.sum([1, 2])


def test_out_and_methods_and_count_nonzero():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    t, tt = tj.from_numpy(a), torch.from_numpy(a)
    o = tj.empty(3, 4)
    r = tj.sum(t, 0, out=o)
    assert r is o
    _check(o, torch.sum(tt, 0))
    # A transposed out= view is written through its strides.
    o2 = tj.zeros(4, 3)
    tj.amax(t, 0, out=o2.t())
    _check(o2, torch.amax(tt, 0).t().contiguous())
    _check(t.sum((0, 2), keepdim=True), tt.sum((0, 2), keepdim=True))
    _check(t.mean(-1), tt.mean(-1))
    _check(t.max(), tt.max())
    _check(t.min(), tt.min())
    c = np.array([[0, 1, 0], [2, 0, 3]], np.int64)
    _check(tj.count_nonzero(tj.from_numpy(c), dim=0), torch.count_nonzero(torch.from_numpy(c), dim=0))
    _check(tj.from_numpy(c).count_nonzero(), torch.from_numpy(c).count_nonzero())
    u = np.array([0, 3], np.uint8)
    _check(tj.any(tj.from_numpy(u)), torch.any(torch.from_numpy(u)))   # uint8 stays uint8


def test_float32_sum_accuracy_like_numpy():
    rng = np.random.default_rng(1)
    for n in (10**6, 10**7):
        a = rng.uniform(0, 1, n).astype(np.float32)
        ref = a.astype(np.float64).sum()
        err_np = abs(float(a.sum(dtype=np.float32)) - ref) / ref
        got = tj.from_numpy(a).sum()
        assert got.dtype == tj.float32
        err = abs(float(got.item()) - ref) / ref
        # Within a small factor of NumPy's pairwise error (and of float32 rounding of the result).
        assert err <= max(4 * err_np, 2 * 2.0**-24), (n, err, err_np)
    # A column sum (strided rows) is blocked the same way: at least as accurate as NumPy's
    # (which adds rows sequentially along axis 0) and within a few float32 roundings.
    m = rng.uniform(0, 1, (2000, 600)).astype(np.float32)
    ref = m.astype(np.float64).sum(0)
    err = np.abs(tj.from_numpy(m).sum(0).numpy() - ref) / ref
    err_np = np.abs(m.sum(0) - ref) / ref
    assert err.max() <= min(err_np.max(), 8 * 2.0**-24), (err.max(), err_np.max())


@pytest.mark.parametrize("threads", [1, 2])
def test_parallel_path(threads):
    # >= 2**17 elements takes the parallel kernels (one output: chunked partials; many: prange).
    old = tj.get_num_threads()
    try:
        tj.set_num_threads(min(threads, old))
        rng = np.random.default_rng(2)
        a = rng.uniform(-1, 1, (512, 300)).astype(np.float32)
        a[7, 5] = np.nan
        t, tt = tj.from_numpy(a), torch.from_numpy(a)
        _check(tj.sum(tj.from_numpy(np.nan_to_num(a))), torch.sum(torch.from_numpy(np.nan_to_num(a))),
               rtol=1e-5, atol=1e-3)
        _check(tj.amax(t), torch.amax(tt))
        _check(tj.amax(t, 1), torch.amax(tt, 1))
        _check(tj.sum(t.t(), 1), torch.sum(tt.t(), 1), rtol=1e-5, atol=1e-4)
        b = rng.integers(-5, 6, 2**18).astype(np.int64)
        _check(tj.sum(tj.from_numpy(b)), torch.sum(torch.from_numpy(b)))
        _check(tj.sum(tj.from_numpy(b).view(512, 512), 0), torch.sum(torch.from_numpy(b).view(512, 512), 0))
    finally:
        tj.set_num_threads(old)


def test_many_dims_fall_back_to_a_copy():
    # Reduced dims that don't collapse to three: the front end reduces a permuted copy.
    rng = np.random.default_rng(3)
    a = rng.uniform(-1, 1, (2, 3, 4, 5, 6, 7)).astype(np.float32)
    v = a[:, ::2, :, ::2, :, ::2]
    t = tj.from_numpy(a)[:, ::2, :, ::2, :, ::2]
    tv = torch.from_numpy(np.ascontiguousarray(v))
    _check(tj.sum(t, (0, 1, 3, 5)), torch.sum(tv, (0, 1, 3, 5)), atol=1e-5)
    _check(tj.sum(t, (1, 4)), torch.sum(tv, (1, 4)), atol=1e-5)


@pytest.mark.parametrize("shape,dim", [((300, 200), 0), ((40, 70, 5), (0, 1)), ((64, 128), 0), ((200, 3, 30), 0)])
def test_column_reductions(shape, dim):
    # Reductions whose kept dims are the fast-moving ones: the elementwise kinds run the column
    # kernel when the contiguous kept run is long enough (Note [column reductions]); the rest
    # reduce a copy laid out reduced-dims-last (tensorjit._reduce._columns). Results must not change.
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    t = tj.from_numpy(x)
    from tensorjit import _reduce
    rdims = (dim,) if isinstance(dim, int) else dim
    kept = tuple(d for d in range(len(shape)) if d not in rdims)
    assert _reduce._columns(t, kept, rdims)
    inner = math.prod(shape[d] for d in range(max(rdims) + 1, len(shape)))
    from tensorjit._shape import contiguous_strides
    cm = _reduce._cols_meta(t, kept, rdims, contiguous_strides(tuple(shape[d] for d in kept)), 0)
    assert (cm is not None) == (inner >= _reduce._MIN_INNER)
    for name, ref in (("sum", "sum"), ("amax", "max"), ("mean", "mean")):
        r = getattr(t, name)(dim)
        expected = getattr(x.astype(np.float64), ref)(axis=dim)
        assert r.dtype == tj.float32 and tuple(r.shape) == expected.shape
        np.testing.assert_allclose(r.numpy(), expected, rtol=1e-5, atol=1e-5)
    r = t.sum(dim, keepdim=True)
    assert tuple(r.shape) == tuple(1 if d in rdims else n for d, n in enumerate(shape))
    _check(t.any(dim), torch.from_numpy(x).any(dim) if isinstance(dim, int) else
           torch.from_numpy(x).flatten(0, 1).any(0))


def test_column_kernel_layouts_and_out():
    # The column kernel addresses outputs through their strides and offsets, reads offset and
    # negatively strided outer dims, and runs in parallel above the threshold.
    rng = np.random.default_rng(8)
    a = rng.standard_normal((6, 5, 40)).astype(np.float32)
    t, tv = tj.from_numpy(a), torch.from_numpy(a)
    o = tj.zeros(40, 5)
    tj.sum(t, 0, out=o.t())
    _check(o.t(), torch.sum(tv, 0))
    o = tj.zeros(2, 240)
    tj.amin(t, 1, out=o[1].view(6, 40))          # an out= view at an offset
    _check(o[1].view(6, 40), torch.amin(tv, 1))
    _check(tj.sum(t[::-1, 1:], 1), torch.sum(tv.flip(0)[:, 1:], 1))
    _check(tj.prod(t[:, :3], 1), torch.prod(tv[:, :3], 1))
    i = rng.integers(-5, 6, (7, 30)).astype(np.int64)
    _check(tj.sum(tj.from_numpy(i), 0), torch.sum(torch.from_numpy(i), 0))
    w = rng.uniform(0, 1, (3, 50000)).astype(np.float32)            # 1.5e5 elements: parallel
    ref = w.astype(np.float64).sum(0)
    got = tj.from_numpy(w).sum(0)
    assert got.dtype == tj.float32
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-6)


@pytest.mark.parametrize("shape", [(0, 0, 0, 0), (0, 2, 0, 3)])
def test_reducing_several_empty_dims_gives_the_identity(shape):
    # Zero-size dims need not collapse into one: the reduction still writes each identity.
    x, b = tj.zeros(shape), tj.zeros(shape, dtype=tj.bool)
    assert tj.any(b).item() is False and tj.all(b).item() is True
    assert x.sum().item() == 0.0 and x.prod().item() == 1.0
    assert tj.any(b, dim=(0, 2)).shape == (shape[1], shape[3]) and not tj.any(b, dim=(0, 2)).any()
    assert (x.sum(dim=(0, 2)) == 0).all() and (x.prod(dim=(0, 2)) == 1).all()

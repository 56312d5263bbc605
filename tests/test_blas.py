"""Products against PyTorch (and NumPy where PyTorch has no kernel): matmul and @, mm, bmm, mv, dot,
vdot, inner, outer, addmm, addmv, baddbmm, addbmm, addr, tensordot, kron, einsum, cross, trace,
vecdot.

Compile budget: each integer dtype compiles the blocked kernel once, so every dtype is tested on
one batched shape only; layouts are swept on float32 (BLAS) and int64 (the Numba kernel).
"""
import warnings

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.ops import blas, blas_threads
from tensorjit.ops.blas import vecdot

torch = pytest.importorskip("torch", reason="products are checked against PyTorch")

# Relative tolerance per dtype: BLAS sums in a different order than PyTorch's.
TOL = {"float16": 2e-3, "float32": 2e-5, "float64": 1e-12, "complex64": 2e-5, "complex128": 1e-12}


def _name(d):
    return str(d).split(".")[-1]


def _tt(x):
    """The torch tensor with the values of tensorjit tensor ``x``."""
    return torch.from_numpy(np.array(x.numpy(), order="C"))


def _check(got, want, tol=None):
    assert isinstance(got, tj.Tensor)
    assert _name(got.dtype) == _name(want.dtype), (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape), (got.shape, want.shape)
    g, w = got.numpy(), want.numpy()
    if g.dtype.kind in "fc":
        t = TOL[g.dtype.name] if tol is None else tol
        np.testing.assert_allclose(g, w, rtol=t, atol=t * max(1.0, float(np.abs(w).max(initial=0))),
                                   equal_nan=True)
    else:
        np.testing.assert_array_equal(g, w)


def _data(shape, dtype, rng, lo=-4, hi=5):
    if dtype in ("complex64", "complex128"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    if dtype.startswith("float"):
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(lo, info.min), min(hi, info.max) + 1, shape).astype(dtype)


def _pair(dtype, sa, sb, seed=0):
    rng = np.random.default_rng(seed)
    a, b = _data(sa, dtype, rng), _data(sb, dtype, rng)
    return tj.from_numpy(a), tj.from_numpy(b)


TORCH_DTYPES = ["float16", "float32", "float64", "complex64", "complex128", "uint8", "int8", "int16", "int32",
                "int64"]


@pytest.mark.parametrize("dtype", TORCH_DTYPES)
def test_matmul_dtypes_batched_broadcast(dtype):
    a, b = _pair(dtype, (2, 1, 3, 4), (5, 4, 2))
    _check(a @ b, _tt(a) @ _tt(b))


@pytest.mark.parametrize("dtype", ["uint16", "uint32", "uint64"])
def test_matmul_wide_unsigned_against_numpy(dtype):
    # PyTorch has no matmul for these; NumPy's integer matmul wraps the same way.
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype)
    a = rng.integers(0, info.max, (2, 3, 5), dtype=dtype, endpoint=True)
    b = rng.integers(0, info.max, (5, 4), dtype=dtype, endpoint=True)
    r = tj.from_numpy(a) @ tj.from_numpy(b)
    assert r.dtype == getattr(tj, dtype)
    np.testing.assert_array_equal(r.numpy(), a @ b)


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_integer_matmul_wraps_like_torch(dtype):
    rng = np.random.default_rng(2)
    info = np.iinfo(dtype)
    a = rng.integers(info.min, info.max, (7, 33), dtype=dtype, endpoint=True)
    b = rng.integers(info.min, info.max, (33, 9), dtype=dtype, endpoint=True)
    _check(tj.from_numpy(a) @ tj.from_numpy(b), torch.from_numpy(a) @ torch.from_numpy(b))


def test_integer_parallel_kernel_and_edges():
    # Large enough for the parallel kernel; row counts not a multiple of the 4-row step or tasks.
    a, b = _pair("int32", (131, 67), (67, 601), seed=3)
    _check(a @ b, _tt(a) @ _tt(b))
    a, b = _pair("int32", (3, 70, 130), (3, 130, 90), seed=4)
    _check(a @ b, _tt(a) @ _tt(b))


def _layouts(a):
    """(name, tensorjit view, NumPy view): contiguous, transposed, stepped, offset, negative
    steps, expanded."""
    t = tj.from_numpy(a)
    yield "contiguous", t, a
    yield "transposed", tj.from_numpy(np.ascontiguousarray(a.T)).t(), a
    big = np.concatenate([a, a], axis=1)
    yield "stepped", tj.from_numpy(big)[:, ::2], big[:, ::2]
    pad = np.zeros((a.shape[0] + 1, a.shape[1] + 1), a.dtype)
    pad[1:, 1:] = a
    yield "offset", tj.from_numpy(pad)[1:, 1:], pad[1:, 1:]
    yield "negative", t[::-1, ::-1], a[::-1, ::-1]
    row = a[:1]
    yield "expanded", tj.from_numpy(row).expand(a.shape[0], a.shape[1]), np.broadcast_to(row, a.shape)


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_matmul_layouts(dtype):
    rng = np.random.default_rng(5)
    a = _data((6, 5), dtype, rng)
    b = _data((5, 7), dtype, rng)
    for na, ta, xa in _layouts(a):
        for nb, tb, xb in _layouts(b):
            want = torch.from_numpy(np.ascontiguousarray(xa)) @ torch.from_numpy(np.ascontiguousarray(xb))
            got = ta @ tb
            try:
                _check(got, want)
            except AssertionError as e:
                raise AssertionError(f"{na} @ {nb}: {e}") from None
            assert got.is_contiguous()


@pytest.mark.parametrize("sa, sb", [
    ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 3)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((2, 3, 4), (4, 5)),
    ((3, 1, 2, 4), (5, 4, 1)), ((0, 4), (4, 3)), ((3, 0), (0, 2)), ((2, 0, 3, 4), (4, 5)), ((1, 3, 4), (2, 4, 5)),
    ((2, 3, 0), (0, 5)),
])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_matmul_shapes(sa, sb, dtype):
    a, b = _pair(dtype, sa, sb, seed=6)
    _check(tj.matmul(a, b), torch.matmul(_tt(a), _tt(b)))


def test_matmul_nan_inf():
    a = np.array([[1.0, np.nan, 2.0], [np.inf, 1.0, 0.0], [1.0, 2.0, 3.0]], np.float32)
    b = np.array([[1.0, 0.0], [0.0, -np.inf], [2.0, 1.0]], np.float32)
    _check(tj.from_numpy(a) @ tj.from_numpy(b), torch.from_numpy(a) @ torch.from_numpy(b))


def test_blas_slabs_match_torch_and_restore_threads():
    """The split of Note [blas threads]: rows, columns and batches across two threads."""
    rng = np.random.default_rng(7)
    lib = blas_threads._openblas()
    before = lib[1]() if lib else None
    for sa, sb in [((300, 200), (200, 150)), ((40, 300), (300, 900)), ((4, 90, 100), (4, 100, 120))]:
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        out = np.empty(np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1]), np.float32)
        blas_threads.matmul_into(a, b, out, 2)
        np.testing.assert_allclose(out, (torch.from_numpy(a) @ torch.from_numpy(b)).numpy(), rtol=1e-4, atol=1e-3)
        if lib:
            assert lib[1]() == before


def test_operators():
    a, b = _pair("float32", (3, 4), (4, 2))
    _check(a.__matmul__(b), _tt(a) @ _tt(b))
    _check(b.__rmatmul__(a), _tt(a) @ _tt(b))
    c = a
    c @= b
    assert c is not a and tuple(c.shape) == (3, 2)   # PyTorch has no in-place @= either
    assert a.__matmul__(np.ones((4, 2))) is NotImplemented


@pytest.mark.parametrize("fn, args, exc", [
    ("matmul", ((3, 4), (4, 2), "float32", "float64"), RuntimeError),
    ("matmul", ((4,), (4,), "float32", "float64"), RuntimeError),
    ("matmul", ((), (4, 2), "float32", "float32"), RuntimeError),
    ("matmul", ((3, 4), (3, 2), "float32", "float32"), RuntimeError),
    ("matmul", ((2, 3, 4), (5, 4, 2), "float32", "float32"), RuntimeError),
    ("matmul", ((3, 4), (4, 2), "bool", "bool"), NotImplementedError),
    ("mm", ((4,), (4, 2), "float32", "float32"), RuntimeError),
    ("mm", ((3, 4), (4, 2), "int32", "int64"), RuntimeError),
    ("bmm", ((3, 4), (4, 2), "float32", "float32"), RuntimeError),
    ("bmm", ((2, 3, 4), (3, 4, 2), "float32", "float32"), RuntimeError),
    ("bmm", ((2, 3, 4), (2, 4, 2), "float32", "float64"), RuntimeError),
    ("mv", ((3, 4), (3,), "float32", "float32"), RuntimeError),
    ("mv", ((3, 4), (4,), "float32", "float64"), RuntimeError),
    ("dot", ((3, 4), (3, 4), "float32", "float32"), RuntimeError),
    ("dot", ((3,), (4,), "float32", "float32"), RuntimeError),
    ("dot", ((3,), (3,), "bool", "bool"), NotImplementedError),
    ("vdot", ((3,), (3,), "float32", "float64"), RuntimeError),
    ("inner", ((2, 3), (2, 4), "float32", "float32"), RuntimeError),
    ("inner", ((2, 3), (2, 3), "int32", "float32"), RuntimeError),
    ("tensordot", ((2, 3), (2, 3), "int32", "float32"), RuntimeError),
    ("outer", ((2, 3), (3,), "float32", "float32"), RuntimeError),
])
def test_errors_match_torch(fn, args, exc):
    sa, sb, da, db = args
    a = tj.zeros(sa, dtype=getattr(tj, da))
    b = tj.zeros(sb, dtype=getattr(tj, db))
    with pytest.raises(exc):
        getattr(torch, fn)(torch.zeros(sa, dtype=getattr(torch, da)), torch.zeros(sb, dtype=getattr(torch, db)))
    with pytest.raises(exc, match=fn):
        getattr(tj, fn)(a, b)


def test_out_argument():
    a, b = _pair("float32", (3, 4), (4, 2))
    out = tj.empty(3, 2)
    r = tj.mm(a, b, out=out)
    assert r is out
    _check(out, _tt(a) @ _tt(b))
    out = tj.zeros(5)
    with pytest.warns(UserWarning, match="resized"):
        tj.matmul(a, b, out=out)
    _check(out, _tt(a) @ _tt(b))
    # A wrong dtype raises before anything is written.
    bad = tj.full((3, 2), 7.0, dtype=tj.float64)
    with pytest.raises(RuntimeError, match="dtype"):
        tj.mm(a, b, out=bad)
    assert bad.tolist() == [[7.0] * 2] * 3
    # An output that overlaps an input still gets the product of the inputs as they were.
    sq = tj.from_numpy(np.arange(9.0).reshape(3, 3))
    want = _tt(sq) @ _tt(sq)
    tj.matmul(sq, sq, out=sq)
    _check(sq, want)


@pytest.mark.parametrize("dtype", ["float32", "int64", "complex128"])
def test_vector_products(dtype):
    rng = np.random.default_rng(8)
    m, v, w = (tj.from_numpy(_data(s, dtype, rng)) for s in ((4, 6), (6,), (6,)))
    _check(tj.mv(m, v), torch.mv(_tt(m), _tt(v)))
    _check(m.mv(v), torch.mv(_tt(m), _tt(v)))
    _check(tj.dot(v, w), torch.dot(_tt(v), _tt(w)))
    _check(tj.vdot(v, w), torch.vdot(_tt(v), _tt(w)))
    _check(tj.outer(v, w[:3]), torch.outer(_tt(v), _tt(w[:3])))
    _check(tj.ger(v, w), torch.ger(_tt(v), _tt(w)))
    _check(tj.inner(m, v), torch.inner(_tt(m), _tt(v)))
    _check(tj.inner(m, m), torch.inner(_tt(m), _tt(m)))
    _check(tj.dot(v[::2], w[1::2]), torch.dot(_tt(v[::2]), _tt(w[1::2])))


def test_outer_and_inner_promote_like_torch():
    i = tj.tensor([1, 2], dtype=tj.int32)
    f = tj.tensor([0.5, 1.5, 2.0])
    _check(tj.outer(i, f), torch.outer(_tt(i), _tt(f)))
    _check(tj.inner(tj.tensor(2.0), f), torch.inner(torch.tensor(2.0), _tt(f)))


@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_add_products(dtype):
    rng = np.random.default_rng(9)

    def T(*shape):
        return tj.from_numpy(_data(shape, dtype, rng))
    m1, m2, inp, vec, v3 = T(3, 4), T(4, 5), T(5), T(4), T(3)
    b1, b2, binp = T(2, 3, 4), T(2, 4, 5), T(3, 1)
    kw = dict(beta=2, alpha=3)
    _check(tj.addmm(inp, m1, m2, **kw), torch.addmm(_tt(inp), _tt(m1), _tt(m2), **kw))
    _check(tj.addmv(v3, m1, vec, **kw), torch.addmv(_tt(v3), _tt(m1), _tt(vec), **kw))
    _check(tj.baddbmm(binp, b1, b2, **kw), torch.baddbmm(_tt(binp), _tt(b1), _tt(b2), **kw))
    _check(tj.addbmm(binp, b1, b2, **kw), torch.addbmm(_tt(binp), _tt(b1), _tt(b2), **kw))
    _check(tj.addr(m1, v3, vec, **kw), torch.addr(_tt(m1), _tt(v3), _tt(vec), **kw))
    x = T(3, 5)
    want = torch.addmm(_tt(x), _tt(m1), _tt(m2))
    assert x.addmm_(m1, m2) is x
    _check(x, want)
    y = T(2, 3, 5)
    want = torch.baddbmm(_tt(y), _tt(b1), _tt(b2), alpha=2)
    assert y.baddbmm_(b1, b2, alpha=2) is y
    _check(y, want)


def test_addmm_beta_zero_ignores_nan_and_int_scalars():
    m1, m2 = _pair("float32", (2, 3), (3, 2))
    inp = tj.full((2, 2), float("nan"))
    _check(tj.addmm(inp, m1, m2, beta=0), torch.addmm(_tt(inp), _tt(m1), _tt(m2), beta=0))
    i1, i2 = _pair("int32", (2, 3), (3, 2))
    ii = tj.ones(2, 2, dtype=tj.int32)
    _check(tj.addmm(ii, i1, i2, beta=0.5, alpha=1.7), torch.addmm(_tt(ii), _tt(i1), _tt(i2), beta=0.5, alpha=1.7))
    with pytest.raises(RuntimeError):
        tj.addmm(tj.zeros(2, 2, dtype=tj.float64), m1, m2)


def test_tensordot_kron_trace():
    a, b = _pair("float64", (2, 3, 4), (3, 4, 5), seed=10)
    _check(tj.tensordot(a, b), torch.tensordot(_tt(a), _tt(b)))
    _check(tj.tensordot(a[..., :3], b[:, 0, :], dims=1), torch.tensordot(_tt(a[..., :3]), _tt(b[:, 0, :]), dims=1))
    _check(tj.tensordot(a, b, dims=([1], [0])), torch.tensordot(_tt(a), _tt(b), dims=([1], [0])))
    _check(tj.tensordot(a, b.permute(1, 0, 2), dims=([2, 1], [0, 1])),
           torch.tensordot(_tt(a), _tt(b.permute(1, 0, 2)), dims=([2, 1], [0, 1])))
    _check(tj.tensordot(a, b, dims=0), torch.tensordot(_tt(a), _tt(b), dims=0))
    with pytest.raises(RuntimeError, match="contracted dimensions"):
        tj.tensordot(a, b, dims=([0], [0]))
    i, f = _pair("int32", (2, 3), (3, 2), seed=11)
    for x, y in [(a[0], b[0]), (i[0], a), (i.to(tj.bool), f.to(tj.bool))]:
        _check(tj.kron(x, y), torch.kron(_tt(x), _tt(y)))
    _check(tj.trace(a[0]), torch.trace(_tt(a[0])))
    _check(i.t().trace(), torch.trace(_tt(i.t())))
    with pytest.raises(RuntimeError, match="trace"):
        tj.trace(a)
    with pytest.raises(NotImplementedError, match="trace"):
        tj.trace(i.to(tj.bool))


def test_cross():
    a, b = _pair("float64", (4, 3), (4, 3), seed=12)
    _check(tj.cross(a, b, dim=1), torch.cross(_tt(a), _tt(b), dim=1))
    _check(tj.cross(a.t(), b.t(), dim=0), torch.cross(_tt(a.t()), _tt(b.t()), dim=0))
    _check(tj.cross(a[:1], b, dim=-1), torch.cross(_tt(a[:1]), _tt(b), dim=-1))
    i, j = _pair("int64", (3, 3), (3, 3), seed=13)
    _check(i.cross(j, dim=0), torch.cross(_tt(i), _tt(j), dim=0))
    with pytest.warns(UserWarning, match="dim"):
        got = tj.cross(i, j)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _check(got, torch.cross(_tt(i), _tt(j)))
    with pytest.raises(RuntimeError, match="length 3"):
        tj.cross(tj.ones(2, 4), tj.ones(2, 4), dim=1)
    with pytest.raises(RuntimeError):
        tj.cross(i, a[:3], dim=0)
    p = tj.tensor([float("nan"), 1.0, float("inf")])
    q = tj.tensor([2.0, float("inf"), -1.0])
    _check(tj.cross(p, q, dim=0), torch.cross(_tt(p), _tt(q), dim=0))


def test_vecdot():
    rng = np.random.default_rng(14)
    x = tj.from_numpy(_data((3, 4), "complex128", rng))
    y = tj.from_numpy(_data((4,), "complex128", rng))
    _check(vecdot(x, y), torch.linalg.vecdot(_tt(x), _tt(y)))
    _check(vecdot(x.t(), x.t(), dim=0), torch.linalg.vecdot(_tt(x.t()), _tt(x.t()), dim=0))
    f = tj.from_numpy(_data((2, 5), "float32", rng))
    _check(vecdot(f, f), torch.linalg.vecdot(_tt(f), _tt(f)))
    with pytest.raises(RuntimeError, match="floating point"):
        vecdot(tj.ones(3, dtype=tj.int32), tj.ones(3, dtype=tj.int32))
    with pytest.raises(RuntimeError, match="same dtype"):
        vecdot(tj.ones(3), tj.ones(3, dtype=tj.float64))
    assert blas.matmul is tj.matmul


EINSUM = [
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ij,jk", [(3, 4), (4, 2)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ij->", [(3, 4)]), ("ij->ji", [(3, 4)]), ("...ij,...jk", [(5, 2, 3), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("i,j->ij", [(3,), (4,)]), ("i,i->", [(5,), (5,)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]), ("ij,ij->ij", [(2, 1), (2, 3)]), ("iij,jk->ik", [(3, 3, 4), (4, 2)]),
    ("ba,ac", [(2, 3), (3, 4)]), ("i...->...", [(3, 4, 5)]), ("ij,j", [(3, 1), (4,)]), ("b i j , b j k -> b k i",
                                                                                         [(2, 3, 4), (2, 4, 5)]),
    ("...i,...i->...", [(2, 3, 4), (3, 4)]), ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]), ("ij,kl->ijkl",
                                                                                              [(2, 3), (1, 2)]),
    ("i,i,i->i", [(4,), (4,), (4,)]), ("ijk->kji", [(0, 2, 3)]), ("ij,jk->ik", [(2, 0), (0, 3)]),
]


@pytest.mark.parametrize("eq, shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_against_torch(eq, shapes):
    rng = np.random.default_rng(15)
    ops = [rng.standard_normal(s) for s in shapes]
    _check(tj.einsum(eq, *[tj.from_numpy(o) for o in ops]), torch.einsum(eq, *[torch.from_numpy(o) for o in ops]))


def test_einsum_forms_dtypes_and_layouts():
    rng = np.random.default_rng(16)
    a = rng.integers(-3, 4, (3, 4)).astype(np.int8)
    b = rng.integers(-3, 4, (4, 5)).astype(np.int8)
    ta, tb = tj.from_numpy(a), tj.from_numpy(b)
    _check(tj.einsum("ij,jk->ik", ta, tb), torch.einsum("ij,jk->ik", torch.from_numpy(a), torch.from_numpy(b)))
    _check(tj.einsum("ij->i", ta), torch.einsum("ij->i", torch.from_numpy(a)))
    _check(tj.einsum("ij,jk->ik", [ta, tb]), torch.einsum("ij,jk->ik", [torch.from_numpy(a), torch.from_numpy(b)]))
    f = tj.from_numpy(rng.standard_normal((4, 6)))
    _check(tj.einsum(f, [0, 1], f.t(), [1, 2], [0, 2]), torch.einsum(_tt(f), [0, 1], _tt(f.t()), [1, 2], [0, 2]))
    _check(tj.einsum(f[:, ::2], [0, Ellipsis]), torch.einsum(_tt(f[:, ::2]), [0, Ellipsis]))
    _check(tj.einsum("ij,kj->ik", f[::-1], f[1:]), torch.einsum("ij,kj->ik", _tt(f[::-1]), _tt(f[1:])))


@pytest.mark.parametrize("args", [
    ("ij,jk->ik", [(2, 3)]), ("ij->ik", [(2, 3)]), ("ij,jk->ik", [(2, 3), (2, 3)]), ("ij", [(2, 3, 4)]),
    ("i1->i", [(2, 3)]), ("ij,jk->ik", [(2, 3), (3, 4), (4, 5)]), ("ij->ii", [(2, 2)]),
])
def test_einsum_errors(args):
    eq, shapes = args
    with pytest.raises(RuntimeError):
        torch.einsum(eq, *[torch.zeros(s) for s in shapes])
    with pytest.raises(RuntimeError, match="einsum"):
        tj.einsum(eq, *[tj.zeros(s) for s in shapes])
    with pytest.raises(RuntimeError, match="einsum"):
        tj.einsum("ij,jk->ik", tj.ones(2, 3), tj.ones(3, 2, dtype=tj.float64))


def test_einsum_contraction_order_keeps_intermediates_small(monkeypatch):
    """Note [einsum order]: a chain never builds the i x j x k x l outer product."""
    sizes = []
    real = blas.product
    import tensorjit.ops.blas_ext as ext

    def spy(a, b, name="matmul"):
        r = real(a, b, name)
        sizes.append(r.numel())
        return r
    monkeypatch.setattr(ext, "product", spy)
    a, b, c = tj.ones(2, 200), tj.ones(200, 300), tj.ones(300, 2)
    r = tj.einsum("ij,jk,kl->il", a, b, c)
    assert r.tolist() == [[60000.0] * 2] * 2
    assert max(sizes) <= 2 * 300


def test_float16_computes_in_float32():
    a, b = _pair("float16", (8, 64), (64, 8), seed=17)
    want = (torch.from_numpy(a.numpy().astype(np.float32)) @ torch.from_numpy(b.numpy().astype(np.float32))).half()
    _check(a @ b, want, tol=1e-3)

"""Ops on sparse tensors against PyTorch's sparse tensors and SciPy's sparse matrices: pointwise
(unary, add/sub, mul, div), ``sum``, ``transpose``, and the products (matmul / @, mm, mv, addmm;
CSR @ CSR and COO @ COO).

Compile budget: the pointwise ops map the values through the dense kernels (one per op and
dtype): every op is tested on float32, int32 on add/mul/sum, float64 on neg/abs and the
promotions. The product kernels (kernels/cpu/sparse.py) compile per dtype: float32, float64
and int32, plus the parallel variant once (float32).
"""
import numpy as np
import pytest

import tensorjit as tj

from test_sparse import check_sparse, make_pair

torch = pytest.importorskip("torch", reason="sparse ops are checked against PyTorch")
sp = pytest.importorskip("scipy.sparse", reason="sparse products are checked against SciPy")

SPECIAL = np.array([0.5, -2.0, np.nan, np.inf, -np.inf, 4.0, -0.25, 9.0], np.float32)


def special_pair():
    """A 4x5 COO tensor with NaN and inf values and a duplicate index (tensorjit, torch)."""
    idx = np.array([[0, 1, 1, 2, 3, 0, 2, 3], [1, 0, 4, 2, 3, 2, 0, 3]], np.int64)
    s = tj.sparse_coo_tensor(tj.from_numpy(idx), tj.from_numpy(SPECIAL.copy()), (4, 5))
    t = torch.sparse_coo_tensor(torch.from_numpy(idx), torch.from_numpy(SPECIAL.copy()), (4, 5))
    return s, t


def check_dense(got, want, rtol=1e-5):
    assert type(got) is tj.Tensor and got.layout is tj.strided
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=rtol, equal_nan=True)


UNARY = ["neg", "abs", "sqrt", "sin", "tanh", "floor", "sign", "expm1", "isnan", "isinf", "signbit"]


@pytest.mark.parametrize("layout", ["coo", "csr"])
@pytest.mark.parametrize("op", UNARY)
def test_zero_preserving_unary(op, layout):
    s, t = special_pair()
    if layout == "csr":
        s, t = s.to_sparse_csr(), t.to_sparse_csr()
    check_sparse(getattr(tj, op)(s), getattr(torch, op)(t))
    check_sparse(getattr(s, op)(), getattr(t, op)())


def test_unary_dtypes_inplace_and_refused():
    for dtype in ("float64", "int32"):
        s, t = make_pair((3, 4), 6, dtype)
        check_sparse(-s, -t)
        check_sparse(abs(s), abs(t))
    s, t = special_pair()
    check_sparse(tj.square(s), torch.square(t))
    r = s.clone()
    assert r.neg_() is r
    check_sparse(r, t.clone().neg_())
    # f(0) != 0: PyTorch refuses, so does tensorjit, naming the op and the layout
    for lay, x in (("sparse_coo", s), ("sparse_csr", s.to_sparse_csr())):
        for fn, name in ((tj.exp, "exp"), (tj.cos, "cos"), (tj.sigmoid, "sigmoid"), (lambda v: v + 1, "add"),
                         (lambda v: v == v, "eq"), (tj.square if lay == "sparse_csr" else tj.exp, None)):
            with pytest.raises(NotImplementedError, match=rf"{name or ''}.*tensorjit\.{lay}"):
                fn(x)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_add_sub_sparse_sparse(dtype):
    a, ta = make_pair((4, 6), 9, dtype, seed=1)
    b, tb = make_pair((4, 6), 7, dtype, seed=2)
    # uncoalesced inputs: concatenated, the result uncoalesced (PyTorch's flag)
    check_sparse(a + b, ta + tb)
    check_sparse(a - b, ta - tb)
    # coalesced inputs: the result is coalesced
    ac, bc, tac, tbc = a.coalesce(), b.coalesce(), ta.coalesce(), tb.coalesce()
    check_sparse(ac + bc, tac + tbc)
    check_sparse(tj.add(ac, bc, alpha=3), torch.add(tac, tbc, alpha=3))
    check_sparse(tj.sub(ac, bc, alpha=2), torch.sub(tac, tbc, alpha=2))
    if dtype != "int32":
        check_sparse(ac.to_sparse_csr() + bc.to_sparse_csr(), tac.to_sparse_csr() + tbc.to_sparse_csr())
    # empty nnz on either side
    e, te = tj.zeros(4, 6, dtype=getattr(tj, dtype)).to_sparse(), torch.zeros(4, 6, dtype=getattr(torch, dtype)).to_sparse()
    check_sparse(ac + e, tac + te)
    check_sparse(e + e, te + te)


def test_add_promotion_dense_and_inplace():
    a, ta = make_pair((3, 5), 6, "float32", seed=3)
    b, tb = make_pair((3, 5), 4, "float64", seed=4)
    check_sparse(a.coalesce() + b.coalesce(), ta.coalesce() + tb.coalesce())
    d = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    check_dense(tj.from_numpy(d) + a, torch.from_numpy(d) + ta)
    check_dense(tj.from_numpy(d) - a, torch.from_numpy(d) - ta)
    check_dense(tj.add(tj.from_numpy(d), a, alpha=2), torch.add(torch.from_numpy(d), ta, alpha=2))
    # the dense operand broadcasts; a transposed and a stepped view are read through their strides
    row = tj.from_numpy(d[0].copy())
    check_dense(row + a, torch.from_numpy(d[0].copy()).expand(3, 5) + ta)
    dt = np.ascontiguousarray(d.T)
    check_dense(tj.from_numpy(dt).t() + a, torch.from_numpy(d) + ta)
    big = np.random.default_rng(1).standard_normal((6, 10)).astype(np.float32)
    check_dense(tj.from_numpy(big)[::2, 1::2] + a, torch.from_numpy(big)[::2, 1::2] + ta)
    # sparse + dense: PyTorch refuses this order; tensorjit gives the same dense sum as dense + sparse
    check_dense(a + tj.from_numpy(d), torch.from_numpy(d) + ta)
    check_dense(tj.sub(a, tj.from_numpy(d), alpha=2), ta.to_dense() - 2 * torch.from_numpy(d))
    # in place: dense += sparse, sparse += sparse
    x, tx = tj.from_numpy(d.copy()), torch.from_numpy(d.copy())
    x += a
    tx += ta
    check_dense(x, tx)
    y, ty = a.coalesce().clone(), ta.coalesce().clone()
    y.add_(a.coalesce())
    ty.add_(ta.coalesce())
    check_sparse(y, ty)
    with pytest.raises(RuntimeError, match="same size"):
        a + tj.ones(3, 4).to_sparse()
    with pytest.raises(NotImplementedError, match=r"tensorjit\.sparse_coo and tensorjit\.sparse_csr"):
        a + a.to_sparse_csr()


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_mul(dtype):
    a, ta = make_pair((4, 5), 8, dtype, seed=5)
    check_sparse(a * 3, ta * 3)
    check_sparse(3 * a, 3 * ta)
    check_sparse(a * tj.tensor(2), ta * torch.tensor(2))
    check_sparse(a * 2.5, ta * 2.5)   # int * float: float values, as PyTorch promotes
    rng = np.random.default_rng(0)
    d = rng.integers(-3, 4, (4, 5)).astype(dtype)
    check_sparse(a * tj.from_numpy(d), ta * torch.from_numpy(d))
    check_sparse(tj.from_numpy(d) * a, torch.from_numpy(d) * ta)
    check_sparse(a * tj.from_numpy(d[1].copy()), ta * torch.from_numpy(d[1].copy()))
    b, tb = make_pair((4, 5), 9, dtype, seed=6)
    check_sparse(a * b, ta * tb, structure=False)   # PyTorch keeps explicit zeros here
    if dtype == "float32":
        check_sparse(a.to_sparse_csr() * b.to_sparse_csr(), ta.to_sparse_csr() * tb.to_sparse_csr(), structure=False)
        check_sparse(a.to_sparse_csr() * 2, ta.to_sparse_csr() * 2)
        check_sparse(a.to_sparse_csr() * tj.from_numpy(d), ta.to_sparse_csr() * torch.from_numpy(d))
        check_sparse(a / 4, ta / 4)
        check_sparse(a // 2, ta // 2)
        check_sparse(a.coalesce().pow(2), ta.coalesce().pow(2))
        r, tr = a.clone(), ta.clone()
        r.mul_(3)
        tr.mul_(3)
        check_sparse(r, tr, check_flag=False)
        e = tj.zeros(4, 5).to_sparse()
        check_sparse(a * e, ta * torch.zeros(4, 5).to_sparse(), structure=False)
        with pytest.raises(NotImplementedError, match="sparse_coo"):
            a / tj.from_numpy(d)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_sum(dtype):
    s, t = make_pair((3, 4, 5), 14, dtype, seed=7)
    check_dense(tj.sum(s), torch.sum(t))
    check_dense(s.sum(dtype=tj.float64), t.sum(dtype=torch.float64))
    for dim in (0, 1, 2, -1, (0, 2), (1, 2)):
        check_sparse(tj.sum(s, dim), torch.sum(t, dim), check_flag=False)
        check_sparse(s.sum(dim, keepdim=True), t.sum(dim, keepdim=True), check_flag=False)
        check_sparse(tj.sparse.sum(s, dim), torch.sparse.sum(t, dim), check_flag=False)
    check_dense(s.sum((0, 1, 2)), t.sum((0, 1, 2)))
    e, te = tj.zeros(3, 4, dtype=getattr(tj, dtype)).to_sparse(), torch.zeros(3, 4, dtype=getattr(torch, dtype)).to_sparse()
    check_dense(e.sum(), te.sum())
    check_sparse(e.sum(0), te.sum(0))
    c, tc = make_pair((4, 6), 10, dtype, seed=8)
    c, tc = c.to_sparse_csr(), tc.to_sparse_csr()
    check_dense(c.sum(), tc.sum())
    for dim in (0, 1):
        check_sparse(c.sum(dim, keepdim=True), tc.sum(dim, keepdim=True))
        with pytest.raises(RuntimeError, match="keepdim=False"):
            c.sum(dim)
    with pytest.raises(NotImplementedError, match=r"mean.*tensorjit\.sparse_coo"):
        s.mean()
    with pytest.raises(NotImplementedError, match=r"sum.*tensorjit\.sparse_coo"):
        tj.sum(s, 0, out=tj.zeros(4, 5))


def test_special_values():
    # NaN and inf values (and a duplicate index) through sum, add, mul, div and the products
    s, t = special_pair()
    check_dense(s.sum(), t.sum())
    check_sparse(s.sum(1), t.sum(1), check_flag=False)
    check_sparse(s + s, t + t)
    check_sparse(s * 2, t * 2)
    # coalesced operands: PyTorch multiplies the duplicates of uncoalesced ones pairwise, so
    # -inf and 9 at one index give -inf * 9 + 9 * -inf + ... = NaN there (tensorjit: (-inf + 9) ** 2)
    check_sparse(s.coalesce() * s.coalesce(), t.coalesce() * t.coalesce(), structure=False)
    check_sparse(s / 0.5, t / 0.5)
    d = np.random.default_rng(4).standard_normal((5, 2)).astype(np.float32)
    check_dense(s @ tj.from_numpy(d), t @ torch.from_numpy(d))
    check_dense(s.to_sparse_csr() @ tj.from_numpy(d), t.to_sparse_csr() @ torch.from_numpy(d))


def test_transpose():
    s, t = make_pair((3, 4, 5), 9, "float32", seed=9)
    for d0, d1 in ((0, 1), (0, 2), (-1, 1)):
        check_sparse(s.transpose(d0, d1), t.transpose(d0, d1))
        check_sparse(tj.transpose(s, d0, d1), torch.transpose(t, d0, d1))
    m, tm = make_pair((3, 4), 5, "float32", seed=10)
    check_sparse(m.t(), tm.t())
    check_sparse(tj.t(m.coalesce()), torch.t(tm.coalesce()))
    check_sparse(tj.t(make_pair((6,), 3)[0]), torch.t(make_pair((6,), 3)[1]))
    c = m.to_sparse_csr()
    for fn in (lambda: c.t(), lambda: tj.t(c), lambda: tj.transpose(c, 0, 1)):
        with pytest.raises(NotImplementedError, match=r"t.*tensorjit\.sparse_csr"):
            fn()


# -- products --------------------------------------------------------------------------------
def scipy_csr(s):
    c = s.to_sparse_csr()
    return sp.csr_matrix((c.values().numpy(), c.col_indices().numpy(), c.crow_indices().numpy()), shape=tuple(s.shape))


@pytest.mark.parametrize("dtype,layout", [("float32", "coo"), ("float32", "csr"), ("float64", "coo"),
                                          ("int32", "csr")])
def test_sparse_dense_products(dtype, layout):
    a, ta = make_pair((6, 7), 15, dtype, seed=11)
    if layout == "csr":
        a = a.to_sparse_csr()
    ref = scipy_csr(a)
    rng = np.random.default_rng(1)
    b = rng.integers(-4, 5, (7, 3)).astype(dtype)
    check_dense(a @ tj.from_numpy(b), _tt_np(ref @ b))
    check_dense(tj.mm(a, tj.from_numpy(b)), _tt_np(ref @ b))
    check_dense(tj.matmul(a, tj.from_numpy(b)), _tt_np(ref @ b))
    v = b[:, 0].copy()
    check_dense(tj.mv(a, tj.from_numpy(v)), _tt_np(ref @ v))
    check_dense(a @ tj.from_numpy(v), _tt_np(ref @ v))
    # transposed and stepped dense operands
    bt = np.ascontiguousarray(b.T)
    check_dense(a @ tj.from_numpy(bt).t(), _tt_np(ref @ b))
    wide = rng.integers(-4, 5, (14, 6)).astype(dtype)
    check_dense(a @ tj.from_numpy(wide)[::2, 1::2], _tt_np(ref @ wide[::2, 1::2]))
    # dense @ sparse
    left = rng.integers(-4, 5, (2, 6)).astype(dtype)
    check_dense(tj.from_numpy(left) @ a, _tt_np((ref.T @ left.T).T))
    if dtype != "int32":
        check_dense(a @ tj.from_numpy(b), ta @ torch.from_numpy(b))
        check_dense(tj.from_numpy(left) @ a, torch.from_numpy(left) @ ta)


def _tt_np(x):
    return torch.from_numpy(np.ascontiguousarray(np.asarray(x)))


@pytest.mark.parametrize("layout", ["coo", "csr"])
def test_addmm_and_float16(layout):
    a, ta = make_pair((5, 4), 8, "float32", seed=12)
    if layout == "csr":
        a, ta = a.to_sparse_csr(), ta.to_sparse_csr()
    rng = np.random.default_rng(2)
    b = rng.standard_normal((4, 3)).astype(np.float32)
    c = rng.standard_normal((5, 3)).astype(np.float32)
    for beta, alpha in ((1, 1), (0.5, 2), (0, 1)):
        check_dense(tj.addmm(tj.from_numpy(c), a, tj.from_numpy(b), beta=beta, alpha=alpha),
                    torch.addmm(torch.from_numpy(c), ta, torch.from_numpy(b), beta=beta, alpha=alpha))
    check_dense(tj.sparse.addmm(tj.from_numpy(c), a, tj.from_numpy(b)), torch.addmm(torch.from_numpy(c), ta, torch.from_numpy(b)))
    check_dense(tj.sparse.mm(a, tj.from_numpy(b)), torch.sparse.mm(ta, torch.from_numpy(b)))
    out = tj.empty(5, 3)
    assert tj.mm(a, tj.from_numpy(b), out=out) is out
    check_dense(out, ta @ torch.from_numpy(b))
    h = a.half()
    got = h @ tj.from_numpy(b).half()
    assert got.dtype is tj.float16
    np.testing.assert_allclose(got.numpy().astype(np.float32), (ta.to_dense() @ torch.from_numpy(b)).numpy(), rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_sparse_sparse_products(dtype):
    a, ta = make_pair((6, 7), 14, dtype, seed=13)
    b, tb = make_pair((7, 5), 12, dtype, seed=14)
    ref = (scipy_csr(a) @ scipy_csr(b)).tocsr()
    # SciPy's product leaves the columns of a row unsorted
    cols = np.concatenate([np.sort(ref.indices[ref.indptr[i]:ref.indptr[i + 1]]) for i in range(ref.shape[0])]
                          + [np.zeros(0, ref.indices.dtype)])
    for x, y in ((a.to_sparse_csr(), b.to_sparse_csr()), (a, b)):
        r = x @ y
        assert r.layout is x.layout
        if r.layout is tj.sparse_coo:
            assert r.is_coalesced()
        np.testing.assert_allclose(r.to_dense().numpy(), ref.toarray(), rtol=1e-5, atol=1e-5)
    c = tj.mm(a.to_sparse_csr(), b.to_sparse_csr())
    # structure: SciPy drops products that cancel to 0, tensorjit (like PyTorch) keeps them
    cv = c.values().numpy()
    np.testing.assert_array_equal(c.col_indices().numpy()[cv != 0], cols)
    assert all(np.all(np.diff(c.col_indices().numpy()[s:e]) > 0) for s, e in zip(c.crow_indices().tolist(),
                                                                                 c.crow_indices().tolist()[1:]))
    if dtype != "int32":
        check_sparse(a.coalesce() @ b.coalesce(), ta.coalesce() @ tb.coalesce())
        check_sparse(a.to_sparse_csr() @ b.to_sparse_csr(), ta.to_sparse_csr() @ tb.to_sparse_csr())
    e = tj.zeros(7, 5, dtype=getattr(tj, dtype)).to_sparse_csr()
    z = a.to_sparse_csr() @ e
    assert z._nnz() == 0 and tuple(z.shape) == (6, 5)


def test_parallel_product_matches_scipy():
    # Enough multiply-adds for the parallel kernel (PARALLEL_WORK), with empty and dense rows.
    rng = np.random.default_rng(3)
    m, k, n = 3000, 2000, 24
    dense_rows = rng.random(m) < 0.01
    mask = (rng.random((m, k)) < 0.004) | dense_rows[:, None] & (rng.random((m, k)) < 0.5)
    mask[100:400] = False
    x = np.where(mask, rng.standard_normal((m, k)), 0).astype(np.float32)
    s = tj.from_numpy(x).to_sparse_csr()
    from tensorjit.sparse import _products
    assert s._nnz() * n >= _products.PARALLEL_WORK
    b = rng.standard_normal((k, n)).astype(np.float32)
    ref = sp.csr_matrix(x) @ b
    np.testing.assert_allclose((s @ tj.from_numpy(b)).numpy(), ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(tj.mv(s, tj.from_numpy(b[:, 0].copy())).numpy(), ref[:, 0], rtol=1e-4, atol=1e-4)


def test_product_errors():
    a, _ = make_pair((3, 4), 5, "float32")
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        a @ tj.ones(3, 2)
    with pytest.raises(RuntimeError, match="same dtype"):
        a @ tj.ones(4, 2, dtype=tj.float64)
    with pytest.raises(NotImplementedError, match="Bool"):
        a.bool() @ tj.ones(4, 2, dtype=tj.bool)
    with pytest.raises(NotImplementedError, match=r"matmul.*sparse_coo and tensorjit\.sparse_csr"):
        a @ a.t().to_sparse_csr()
    with pytest.raises(NotImplementedError, match=r"addmm.*sparse_coo"):
        tj.addmm(a, a, tj.ones(4, 4))
    with pytest.raises(NotImplementedError, match=r"bmm.*sparse_coo"):
        tj.bmm(a, tj.ones(1, 4, 2))
    with pytest.raises(NotImplementedError, match=r"matmul.*sparse_coo"):
        tj.ones(2, 3, 3) @ a

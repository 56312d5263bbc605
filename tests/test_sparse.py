"""Sparse tensors against PyTorch's: factories, accessors, coalesce, conversions, repr, the
storage guard and the errors.

Compile budget: the structural work (sorting keys, summing duplicates, compressing rows) runs
the dense kernels on int64 indices, so each value dtype adds only index_add_ and a cast;
float32, float64 and int32 are tested on the same few shapes.
"""
import numpy as np
import pytest

import tensorjit as tj
from tensorjit.sparse import SparseCOOTensor, SparseCSRTensor

torch = pytest.importorskip("torch", reason="sparse tensors are checked against PyTorch")

DTYPES = ["float32", "float64", "int32"]


def _td(name):
    return getattr(torch, name)


def random_coo(shape, nnz, dtype="float32", seed=0, dup=True):
    """(indices, values) as NumPy arrays: ``nnz`` entries, with duplicates when ``dup``."""
    rng = np.random.default_rng(seed)
    idx = np.stack([rng.integers(0, n, nnz) for n in shape]) if shape else np.zeros((0, nnz), np.int64)
    if dup and nnz > 2:
        idx[:, -1] = idx[:, 0]   # at least one duplicate
    vals = rng.integers(-5, 6, nnz) if dtype.startswith("int") else rng.standard_normal(nnz)
    return idx.astype(np.int64), vals.astype(dtype)


def make_pair(shape, nnz, dtype="float32", seed=0, dup=True):
    """The same sparse COO tensor in tensorjit and in PyTorch."""
    idx, vals = random_coo(shape, nnz, dtype, seed, dup)
    s = tj.sparse_coo_tensor(tj.from_numpy(idx), tj.from_numpy(vals), shape)
    t = torch.sparse_coo_tensor(torch.from_numpy(idx), torch.from_numpy(vals), shape)
    return s, t


def _sorted_entries(c):
    # PyTorch may flag a product coalesced with a row's columns unsorted: compare in key order.
    idx, vals = np.asarray(c._indices().numpy()), np.asarray(c._values().numpy())
    order = np.lexsort(idx[::-1]) if idx.shape[0] else np.arange(idx.shape[1])
    return idx[:, order], vals[order]


def check_sparse(got, want, check_flag=True, structure=True):
    """Layout, shape, dtype, flags, indices and values of ``got`` against torch's ``want``
    (``structure=False``: the dense values only, where PyTorch stores explicit zeros)."""
    assert str(got.layout).split(".")[-1] == str(want.layout).split(".")[-1]
    assert tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    if got.layout is tj.sparse_coo and check_flag:
        assert got.is_coalesced() == want.is_coalesced()
    if got.layout is tj.sparse_csr:
        np.testing.assert_array_equal(got.crow_indices().numpy(), want.crow_indices().numpy())
    if structure:
        gi, gv = _sorted_entries(got.to_sparse_coo().coalesce())
        wi, wv = _sorted_entries(want.to_sparse_coo().coalesce())
        np.testing.assert_array_equal(gi, wi)
        np.testing.assert_allclose(gv, wv, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got.to_dense().numpy(), want.to_dense().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,nnz", [((4, 5), 9), ((6,), 4), ((2, 3, 4), 7), ((3, 4), 0)])
def test_coo_factory_coalesce_and_dense(dtype, shape, nnz):
    s, t = make_pair(shape, nnz, dtype)
    assert isinstance(s, tj.Tensor) and type(s) is SparseCOOTensor
    assert s.layout is tj.sparse_coo and s.is_sparse and not s.is_sparse_csr
    assert s.sparse_dim() == t.sparse_dim() and s.dense_dim() == t.dense_dim() == 0
    assert s._nnz() == s.nnz == t._nnz()
    assert s.is_coalesced() == t.is_coalesced()
    np.testing.assert_array_equal(s._indices().numpy(), t._indices().numpy())
    check_sparse(s.coalesce(), t.coalesce())
    assert s.coalesce().is_coalesced()
    d = s.to_dense()
    assert type(d) is tj.Tensor and d.layout is tj.strided and d.is_contiguous()
    np.testing.assert_array_equal(d.numpy(), t.to_dense().numpy())


def test_indices_need_coalesce_and_size_inference():
    s, t = make_pair((3, 4), 6)
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.indices()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.values()
    idx, vals = random_coo((3, 4), 6)
    inferred = tj.sparse_coo_tensor(tj.from_numpy(idx), tj.from_numpy(vals))
    assert inferred.shape == torch.sparse_coo_tensor(torch.from_numpy(idx), torch.from_numpy(vals)).shape
    # lists and dtype=; one element is coalesced, as in PyTorch
    one = tj.sparse_coo_tensor([[1], [2]], [5], (3, 3), dtype=tj.float64)
    assert one.dtype is tj.float64 and one.is_coalesced()
    assert tj.sparse_coo_tensor([[0, 0]], [1., 2.], (2,), is_coalesced=False).coalesce().values().tolist() == [3.0]


@pytest.mark.parametrize("dtype", ["float32"])
def test_dense_to_sparse_and_back(dtype):
    x = np.array([[0, 1.5, 0, -2], [0, 0, 0, 0], [3, 0, np.inf, 0]]).astype(dtype if dtype != "int32" else "float64")
    if dtype == "int32":
        x = np.nan_to_num(x, posinf=7).astype(np.int32)
    a, t = tj.from_numpy(x.copy()), torch.from_numpy(x.copy())
    check_sparse(a.to_sparse(), t.to_sparse())
    check_sparse(a.to_sparse_coo(), t.to_sparse_coo())
    check_sparse(a.to_sparse(2), t.to_sparse(2))
    check_sparse(a.to_sparse_csr(), t.to_sparse_csr())
    check_sparse(a.to_sparse(layout=tj.sparse_csr), t.to_sparse(layout=torch.sparse_csr))
    # transposed, sliced-with-steps and offset views convert through their values
    for view, tview in ((a.t(), t.t()), (a[::2, 1::2], t[::2, 1::2]), (a[1:], t[1:])):
        check_sparse(view.to_sparse(), tview.to_sparse())
        check_sparse(view.to_sparse_csr(), tview.to_sparse_csr())
    assert a.to_dense() is a and not a.is_sparse_csr
    # NaN values are non-zeros
    n = tj.tensor([0., float("nan"), 0.]).to_sparse()
    assert n.indices().tolist() == [[1]] and np.isnan(n.values().numpy()).all()


def test_zero_dim_and_empty():
    for v in (3.0, 0.0):
        s, t = tj.tensor(v).to_sparse(), torch.tensor(v).to_sparse()
        assert s.shape == () and s._nnz() == t._nnz() and tuple(s._indices().shape) == tuple(t._indices().shape)
        assert s.to_dense().item() == v
    e, te = tj.zeros(2, 0).to_sparse(), torch.zeros(2, 0).to_sparse()
    check_sparse(e, te)
    check_sparse(tj.zeros(3, 4).to_sparse_csr(), torch.zeros(3, 4).to_sparse_csr())


@pytest.mark.parametrize("dtype", DTYPES)
def test_csr_factory_and_conversions(dtype):
    s, t = make_pair((5, 6), 12, dtype)
    c, tc = s.to_sparse_csr(), t.to_sparse_csr()
    assert type(c) is SparseCSRTensor and c.layout is tj.sparse_csr and c.is_sparse_csr and not c.is_sparse
    check_sparse(c, tc)
    check_sparse(c.to_sparse(), tc.to_sparse())
    check_sparse(c.to_sparse_coo(), tc.to_sparse_coo())
    assert c.to_sparse().is_coalesced()
    crow, col, vals = c.crow_indices(), c.col_indices(), c.values()
    again = tj.sparse_csr_tensor(crow, col, vals, (5, 6))
    check_sparse(again, tc)
    inferred = tj.sparse_csr_tensor(crow, col, vals)
    assert inferred.shape == torch.sparse_csr_tensor(tc.crow_indices(), tc.col_indices(), tc.values()).shape
    # int32 indices are kept, as in PyTorch
    c32 = tj.sparse_csr_tensor(crow.int(), col.int(), vals, (5, 6))
    assert c32.crow_indices().dtype is tj.int32
    np.testing.assert_array_equal(c32.to_dense().numpy(), tc.to_dense().numpy())
    assert c._nnz() == tc._nnz() and (c.sparse_dim(), c.dense_dim()) == (tc.sparse_dim(), tc.dense_dim())


def _same_text(a, b):
    # Line breaks fall where the line width is reached: "tensorjit." is longer than "torch.".
    return " ".join(a.split()) == " ".join(b.replace("torch.", "tensorjit.").split())


def test_repr_matches_torch():
    idx = [[0, 1, 1], [2, 0, 2]]
    for dtype in ("float32", "float64", "int64", "int32"):
        s = tj.sparse_coo_tensor(idx, tj.tensor([3, -4, 5], dtype=getattr(tj, dtype)), (2, 3))
        t = torch.sparse_coo_tensor(idx, torch.tensor([3, -4, 5], dtype=_td(dtype)), (2, 3))
        assert _same_text(repr(s), repr(t))
        assert _same_text(repr(s.to_sparse_csr()), repr(t.to_sparse_csr()))
    assert repr(s) == repr(t).replace("torch.", "tensorjit.")   # int32: the same breaks
    e = tj.zeros(2, 3).to_sparse()
    assert repr(e) == repr(torch.zeros(2, 3).to_sparse()).replace("torch.", "tensorjit.")


def test_invariant_errors():
    with pytest.raises(RuntimeError, match="size is inconsistent with indices"):
        tj.sparse_coo_tensor([[0, 5]], [1., 2.], (3,))
    with pytest.raises(RuntimeError, match="negative index"):
        tj.sparse_coo_tensor([[0, -1]], [1., 2.], (3,))
    with pytest.raises(RuntimeError, match="same nnz"):
        tj.sparse_coo_tensor([[0, 1]], [1., 2., 3.], (3,))
    with pytest.raises(RuntimeError, match="int64"):
        tj.sparse_coo_tensor(tj.tensor([[0., 1.]]), [1., 2.], (3,))
    with pytest.raises(NotImplementedError, match="hybrid"):
        tj.sparse_coo_tensor([[0, 1]], [[1., 2.], [3., 4.]], (3, 2))
    with pytest.raises(RuntimeError, match="crow_indices"):
        tj.sparse_csr_tensor([0, 2, 1], [0, 1], [1., 2.], (2, 2))
    with pytest.raises(RuntimeError, match="crow_indices"):
        tj.sparse_csr_tensor([1, 2, 2], [0, 1], [1., 2.], (2, 2))
    with pytest.raises(RuntimeError, match="col_indices"):
        tj.sparse_csr_tensor([0, 1, 2], [0, 3], [1., 2.], (2, 2))
    with pytest.raises(NotImplementedError, match="hybrid"):
        tj.ones(2, 3).to_sparse(1)
    with pytest.raises(RuntimeError, match="2-d"):
        tj.ones(2, 3, 4).to_sparse_csr()


def test_storage_guard_names_op_and_layout():
    s = tj.eye(3).to_sparse()
    c = s.to_sparse_csr()
    for x, lay in ((s, "sparse_coo"), (c, "sparse_csr")):
        for call, op in ((lambda: tj.cumsum(x, 0), "cumsum"), (lambda: tj.sort(x), "sort"),
                         (lambda: x.exp(), "exp"), (lambda: x[0], "getitem"), (lambda: x.reshape(9), "reshape"),
                         (lambda: tj.tensor(x), "tensor"), (lambda: x.stride(), "stride"),
                         (lambda: tj.amax(x), "amax"), (lambda: tj.flip(x, (0,)), "flip")):
            with pytest.raises(NotImplementedError, match=rf"{op}.*tensorjit\.{lay}"):
                call()
    # a user asking for a NumPy array gets PyTorch's TypeError
    with pytest.raises(TypeError, match="to_dense"):
        s.numpy()
    with pytest.raises(TypeError, match="to_dense"):
        np.asarray(c)
    with pytest.raises(RuntimeError, match="coordinate"):
        c.indices()
    with pytest.raises(RuntimeError, match="compressed"):
        s.crow_indices()


def test_clone_to_and_casts():
    s, t = make_pair((3, 4), 5, "float32")
    c = s.clone()
    assert c._values() is not s._values() and c._indices() is not s._indices()
    check_sparse(c, t.clone())
    check_sparse(tj.clone(s), torch.clone(t))
    check_sparse(s.double(), t.double())
    check_sparse(s.to(tj.int32), t.to(torch.int32))
    assert s.to(tj.float32) is s
    check_sparse(s.to_sparse_csr().long(), t.to_sparse_csr().long())

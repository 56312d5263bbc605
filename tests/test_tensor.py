"""The tensor model against PyTorch: metadata, storage, views, copies, indexing, scalars,
repr, dtype conversions, factories and dtype objects.

torch (CPU) is the oracle: every view is built on the same data in both libraries and
compared on shape, strides, storage offset, dtype, values and storage sharing. Negative
slice steps, which torch refuses, are compared with NumPy.

Kernel budget: values flow through kernels only for copies (clone/copy_/fill_/setitem/to),
and those use a handful of (src, dst) dtype pairs: f4->f4, i8->i8, f4->i8, i8->f4, f4->f8,
f4->f2, f2->f4, f4->i4, f4->b1.
"""
import operator
import warnings

import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="torch is the reference for the tensor model's semantics")

ALL_DTYPE_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
                   "float16", "float32", "float64", "complex64", "complex128"]


# -- helpers -------------------------------------------------------------------------------
def dname(d):
    """'float32' for tj.float32 or torch.float32."""
    return str(d).split(".")[-1]


def assert_like_torch(t, ref, *, offset=True):
    """``t`` (tensorjit) has ``ref``'s (torch) shape, strides, storage offset, dtype and values."""
    assert isinstance(t, tj.Tensor), type(t)
    assert isinstance(t.shape, tj.Size)
    assert tuple(t.shape) == tuple(ref.shape)
    assert t.stride() == ref.stride()
    if offset:
        assert t.storage_offset() == ref.storage_offset()
    assert dname(t.dtype) == dname(ref.dtype)
    np.testing.assert_array_equal(t.numpy(), ref.numpy())


def raises(exc, fn, *args, **kwargs):
    """Whether ``fn(*args, **kwargs)`` raises ``exc`` (for xfail tests that must fail by assertion)."""
    try:
        fn(*args, **kwargs)
    except exc:
        return True
    return False


def same_storage(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def np_offset(view, base):
    """Element offset of NumPy ``view`` from the start of ``base``."""
    return (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // base.itemsize


def bases():
    """The same 24 float32 values in both libraries (no kernel involved)."""
    return tj.arange(24, dtype=tj.float32), torch.arange(24, dtype=torch.float32)


@pytest.fixture(autouse=True)
def _restore_default_dtype():
    saved_tj, saved_torch = tj.get_default_dtype(), torch.get_default_dtype()
    yield
    tj.set_default_dtype(saved_tj)
    torch.set_default_dtype(saved_torch)


# -- metadata ------------------------------------------------------------------------------
def test_size_and_shape():
    t, r = tj.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert t.size() == t.shape == (2, 3, 4)
    assert isinstance(t.size(), tuple) and isinstance(t.size(), tj.Size)
    assert repr(t.shape) == repr(r.shape).replace("torch", "tensorjit") == "tensorjit.Size([2, 3, 4])"
    assert repr(tj.zeros(()).shape) == repr(torch.zeros(()).shape).replace("torch", "tensorjit")
    assert [t.size(d) for d in (0, 1, 2, -1, -3)] == [r.size(d) for d in (0, 1, 2, -1, -3)]
    assert isinstance(t.shape[1:], tj.Size) and t.shape[1:] == (3, 4)
    assert t.shape[-1] == 4 and type(t.shape[0]) is int
    assert t.shape.numel() == 24 == r.shape.numel()
    with pytest.raises(IndexError):
        t.size(3)
    with pytest.raises(IndexError):
        t.size(-4)


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_metadata_per_dtype(name):
    t, r = tj.zeros(3, 5, dtype=getattr(tj, name)), torch.zeros(3, 5, dtype=getattr(torch, name))
    assert t.dtype is getattr(tj, name)
    assert t.element_size() == r.element_size() == t.itemsize
    assert t.nbytes == r.nbytes
    assert (t.dim(), t.ndim, t.numel(), t.nelement()) == (r.dim(), r.ndim, r.numel(), r.nelement())
    assert t.stride() == r.stride() and t.storage_offset() == 0
    assert t.is_floating_point() == r.is_floating_point()
    assert t.is_complex() == r.is_complex()
    assert t.is_contiguous() and t.t().is_contiguous() is False
    assert len(t.untyped_storage()) == r.untyped_storage().nbytes()


def test_stride_and_offset_of_one_dim():
    t, r = tj.zeros(2, 3, 4).permute(2, 0, 1)[1:], torch.zeros(2, 3, 4).permute(2, 0, 1)[1:]
    assert [t.stride(d) for d in range(-3, 3)] == [r.stride(d) for d in range(-3, 3)]
    assert t.storage_offset() == r.storage_offset() == 1
    with pytest.raises(IndexError):
        t.stride(3)


def test_zero_dim_metadata():
    t, r = tj.tensor(2.5), torch.tensor(2.5)
    assert (t.shape, t.stride(), t.dim(), t.numel(), t.nbytes) == ((), (), 0, 1, 4)
    assert r.stride() == () and r.nbytes == 4
    e = tj.zeros(2, 0, 3)
    assert e.numel() == 0 and e.nbytes == 0 and e.stride() == torch.zeros(2, 0, 3).stride()


def test_storage_indexable_iterable_sized():
    base = tj.arange(10, dtype=tj.int64)
    v = base[2:8:2]
    s = v.storage()
    assert len(s) == 10 and s.size() == 10                   # the whole storage, not the view
    assert s[0] == 0 and s[4] == 4 and s[-1] == 9
    assert type(s[3]) is int
    assert s[2:5] == [2, 3, 4]
    assert list(s) == list(range(10)) == s.tolist()
    assert s.dtype is tj.int64 and s.element_size() == 8 and s.nbytes() == 80
    assert s.data_ptr() == base.data_ptr()
    s[4] = 42                                                # writes reach every view
    assert base[4].item() == 42 and v[1].item() == 42 and v.tolist() == [2, 42, 6]
    h = tj.tensor([1.5, -2.0], dtype=tj.float16).storage()   # float16 stored as bits, read as floats
    assert list(h) == [1.5, -2.0] and type(h[0]) is float
    with pytest.raises(IndexError):
        s[10]


def test_untyped_storage_matches_torch_bytes():
    t = tj.tensor([1, 256, -2], dtype=tj.int16)
    r = torch.tensor([1, 256, -2], dtype=torch.int16)
    u = t.untyped_storage()
    assert len(u) == 6 == r.untyped_storage().nbytes() == u.nbytes()
    assert list(u) == list(r.untyped_storage())
    assert u.dtype is tj.uint8 and u.data_ptr() == t.data_ptr()
    assert t[1:].untyped_storage().data_ptr() == t.data_ptr()    # the whole buffer


def test_data_ptr_of_views():
    t = tj.zeros(4, 6)
    base = t.data_ptr()
    assert base == t.numpy().ctypes.data
    for v in (t[1], t[:, 2], t.t()[3:, 1:], t.view(24)[5:], t.diagonal(1)):
        assert v.data_ptr() == base + v.storage_offset() * 4
        assert v.data_ptr() == v.numpy().__array_interface__["data"][0]
    z = tj.zeros(3, dtype=tj.float64)
    assert z[2:].data_ptr() == z.data_ptr() + 16 and z[::-1].data_ptr() == z.data_ptr() + 16
    assert z.clone().data_ptr() != z.data_ptr()


CONTIG_CASES = [
    lambda x: x.view(4, 6),
    lambda x: x.view(4, 6).t(),
    lambda x: x.view(4, 6)[:, :3],
    lambda x: x.view(4, 6)[1:3],
    lambda x: x.view(4, 6)[:, 2:3],
    lambda x: x.view(4, 6)[::2],
    lambda x: x.view(24, 1)[::2],          # size-1 dims are ignored
    lambda x: x.view(1, 24).t().t(),
    lambda x: x.view(4, 1, 6).expand(4, 3, 6),
    lambda x: x.view(1, 24).expand(1, 24),
    lambda x: x.view(4, 6)[:, :0],
    lambda x: x[5],
    lambda x: x.view(2, 3, 4).permute(0, 2, 1),
]


@pytest.mark.parametrize("i", range(len(CONTIG_CASES)))
def test_is_contiguous_matches_torch(i):
    x, y = bases()
    assert CONTIG_CASES[i](x).is_contiguous() == CONTIG_CASES[i](y).is_contiguous()


def test_empty_transposed_is_contiguous():
    assert torch.zeros(2, 0, 3).transpose(0, 2).is_contiguous()
    assert tj.zeros(2, 0, 3).transpose(0, 2).is_contiguous()


def test_T_and_mT():
    x, y = bases()
    assert_like_torch(x.view(4, 6).T, y.view(4, 6).T)
    assert_like_torch(x.view(2, 3, 4).mT, y.view(2, 3, 4).mT)
    assert_like_torch(x.view(4, 6).mT, y.view(4, 6).mT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_like_torch(x.view(2, 3, 4).T, y.view(2, 3, 4).T)
        assert_like_torch(x.T, y.T)
    with pytest.raises(RuntimeError):
        x.mT
    with pytest.raises(RuntimeError):
        y.mT


# -- views against torch -------------------------------------------------------------------
# Each case takes the 24-element base and the module (tj or torch). Results that are views
# must share storage in both libraries; copies (reshape/flatten without a view) in neither.
VIEW_CASES = {
    "t": lambda x, L: x.view(4, 6).t(),
    "t_function": lambda x, L: L.t(x.view(4, 6)),
    "t_1d": lambda x, L: x.t(),
    "transpose": lambda x, L: x.view(2, 3, 4).transpose(0, 2),
    "transpose_negative": lambda x, L: x.view(2, 3, 4).transpose(-1, -2),
    "transpose_same": lambda x, L: x.view(2, 3, 4).transpose(1, 1),
    "transpose_function": lambda x, L: L.transpose(x.view(2, 3, 4), 2, 0),
    "swapaxes": lambda x, L: L.swapaxes(x.view(2, 3, 4), 0, 1),
    "swapdims_method": lambda x, L: x.view(2, 3, 4).swapdims(2, 1),
    "permute": lambda x, L: x.view(2, 3, 4).permute(2, 0, 1),
    "permute_tuple": lambda x, L: x.view(2, 3, 4).permute((1, 2, 0)),
    "permute_negative": lambda x, L: x.view(2, 3, 4).permute(-1, 0, -2),
    "permute_function": lambda x, L: L.permute(x.view(2, 3, 4), (2, 1, 0)),
    "permute_of_slice": lambda x, L: x.view(2, 3, 4)[:, 1:, ::2].permute(1, 2, 0),
    "expand": lambda x, L: x.view(4, 1, 6).expand(4, 5, 6),
    "expand_new_dims": lambda x, L: x.view(1, 24).expand(3, 2, 24),
    "expand_minus_one": lambda x, L: x.view(4, 1, 6).expand(2, -1, 3, -1),
    "expand_tuple": lambda x, L: x[:3].expand((2, 3)),
    "expand_same": lambda x, L: x.view(4, 6).expand(4, 6),
    "expand_as": lambda x, L: x.view(4, 1, 6).expand_as(L.zeros(2, 4, 3, 6)),
    "broadcast_to": lambda x, L: L.broadcast_to(x[:4].view(4, 1), (4, 5)),
    "expand_of_transposed": lambda x, L: x.view(4, 6).t().unsqueeze(1).expand(6, 2, 4),
    "unsqueeze_0": lambda x, L: x.unsqueeze(0),
    "unsqueeze_last": lambda x, L: x.view(4, 6).unsqueeze(-1),
    "unsqueeze_2": lambda x, L: x.view(4, 6).unsqueeze(2),
    "unsqueeze_mid": lambda x, L: x.view(4, 6).unsqueeze(1),
    "unsqueeze_transposed": lambda x, L: x.view(4, 6).t().unsqueeze(1),
    "unsqueeze_function": lambda x, L: L.unsqueeze(x.view(4, 6)[:, ::2], -2),
    "unsqueeze_0d": lambda x, L: x[3].unsqueeze(0),
    "squeeze_all": lambda x, L: x.view(1, 4, 1, 6, 1).squeeze(),
    "squeeze_one": lambda x, L: x.view(1, 4, 1, 6, 1).squeeze(2),
    "squeeze_negative": lambda x, L: x.view(1, 4, 1, 6, 1).squeeze(-1),
    "squeeze_not_one": lambda x, L: x.view(1, 4, 1, 6, 1).squeeze(1),
    "squeeze_tuple": lambda x, L: x.view(1, 4, 1, 6, 1).squeeze((0, 1, 4)),
    "squeeze_function": lambda x, L: L.squeeze(x.view(4, 1, 6).transpose(0, 2)),
    "squeeze_0d": lambda x, L: x[2].squeeze(),
    "view": lambda x, L: x.view(3, 8),
    "view_tuple": lambda x, L: x.view((2, 3, 4)),
    "view_infer": lambda x, L: x.view(-1, 4),
    "view_0d_to_1": lambda x, L: x[7].view(1, 1),
    "view_to_0d": lambda x, L: x[7:8].view(()),
    "view_of_transposed_split": lambda x, L: x.view(4, 6).t().view(6, 2, 2),
    "view_of_slice": lambda x, L: x.view(4, 6)[:, 2:4].view(4, 2, 1),
    "view_size1_dims": lambda x, L: x.view(4, 6)[:, :1].view(2, 2),
    "view_dtype": lambda x, L: x.view(L.int32),
    "view_as": lambda x, L: x.view_as(L.zeros(6, 4)),
    "reshape_view": lambda x, L: x.view(4, 6).t().reshape(6, 2, 2),
    "reshape_contiguous": lambda x, L: x.reshape(2, -1, 3),
    "reshape_copy": lambda x, L: x.view(4, 6).t().reshape(24),
    "reshape_strided_view": lambda x, L: x.view(4, 6)[:, ::2].reshape(3, 4),
    "reshape_copy_2d": lambda x, L: x.view(4, 6)[:, :3].reshape(3, 4),
    "reshape_function": lambda x, L: L.reshape(x.view(4, 6)[1:], (-1,)),
    "reshape_as": lambda x, L: x.view(2, 12).reshape_as(L.zeros(4, 6)),
    "flatten": lambda x, L: x.view(2, 3, 4).flatten(),
    "flatten_start": lambda x, L: x.view(2, 3, 4).flatten(1),
    "flatten_range": lambda x, L: x.view(2, 3, 4).flatten(0, 1),
    "flatten_same": lambda x, L: x.view(2, 3, 4).flatten(1, 1),
    "flatten_copy": lambda x, L: x.view(2, 3, 4).transpose(0, 2).flatten(),
    "flatten_copy_of_transposed": lambda x, L: x.view(2, 3, 4).transpose(0, 2).flatten(1),
    "flatten_view_of_permuted": lambda x, L: x.view(2, 3, 4).permute(2, 0, 1).flatten(1),
    "flatten_0d": lambda x, L: x[3].flatten(),
    "flatten_function": lambda x, L: L.flatten(x.view(2, 3, 4), -2),
    "unflatten": lambda x, L: x.view(4, 6).unflatten(1, (2, 3)),
    "unflatten_infer": lambda x, L: x.view(4, 6).unflatten(0, (-1, 2)),
    "unflatten_negative_dim": lambda x, L: x.view(4, 6).t().unflatten(-1, (2, 2)),
    "narrow": lambda x, L: x.view(4, 6).narrow(1, 2, 3),
    "narrow_negative_start": lambda x, L: x.view(4, 6).narrow(0, -2, 2),
    "narrow_empty": lambda x, L: x.view(4, 6).narrow(1, 6, 0),
    "narrow_function": lambda x, L: L.narrow(x.view(4, 6).t(), 0, 1, 4),
    "select": lambda x, L: x.view(4, 6).select(1, 2),
    "select_negative": lambda x, L: x.view(4, 6).select(0, -1),
    "select_to_0d": lambda x, L: x.select(0, 5),
    "select_function": lambda x, L: L.select(x.view(2, 3, 4), -1, 3),
    "unfold": lambda x, L: x.unfold(0, 5, 3),
    "unfold_2d": lambda x, L: x.view(4, 6).unfold(1, 2, 2),
    "unfold_dim0": lambda x, L: x.view(4, 6).unfold(0, 3, 1),
    "unfold_transposed": lambda x, L: x.view(4, 6).t().unfold(1, 2, 1),
    "unfold_full": lambda x, L: x.unfold(0, 24, 1),
    "movedim": lambda x, L: L.movedim(x.view(2, 3, 4), 0, -1),
    "movedim_lists": lambda x, L: L.movedim(x.view(2, 3, 4), (0, 1), (2, 0)),
    "movedim_method": lambda x, L: x.view(2, 3, 4).movedim(-1, 0),
    "moveaxis": lambda x, L: L.moveaxis(x.view(2, 3, 4), 1, 2),
    "as_strided": lambda x, L: x.as_strided((3, 3), (1, 4)),
    "as_strided_offset": lambda x, L: x.as_strided((3, 3), (1, 4), 2),
    "as_strided_overlapping": lambda x, L: L.as_strided(x, (4, 5), (2, 1), 1),
    "as_strided_of_view": lambda x, L: x[4:].as_strided((2, 2), (6, 1)),
    "as_strided_zero_stride": lambda x, L: x.as_strided((2, 3), (0, 1), 20),
    "diagonal": lambda x, L: x.view(4, 6).diagonal(),
    "diagonal_offset": lambda x, L: x.view(4, 6).diagonal(2),
    "diagonal_negative_offset": lambda x, L: x.view(4, 6).diagonal(-2),
    "diagonal_offset_past_end": lambda x, L: x.view(4, 6).diagonal(6),
    "diagonal_3d": lambda x, L: x.view(2, 3, 4).diagonal(0, 0, 2),
    "diagonal_3d_offset": lambda x, L: x.view(2, 3, 4).diagonal(1, -1, 1),
    "diagonal_dims_reversed": lambda x, L: x.view(2, 3, 4).diagonal(-1, 2, 0),
    "diagonal_function": lambda x, L: L.diagonal(x.view(4, 6).t(), offset=1),
    "diagonal_of_slice": lambda x, L: x.view(4, 6)[1:, 1:].diagonal(),
    "chain": lambda x, L: x.view(2, 3, 4).permute(1, 2, 0)[1:, ::2].unsqueeze(0).expand(2, 2, 2, 2).select(3, 1),
}


@pytest.mark.parametrize("name", list(VIEW_CASES))
def test_view_matches_torch(name):
    fn = VIEW_CASES[name]
    x, y = bases()
    v, w = fn(x, tj), fn(y, torch)
    assert_like_torch(v, w)
    assert same_storage(v, x) == same_storage(w, y)


@pytest.mark.parametrize("name", ["t", "transpose", "permute", "expand", "unsqueeze_mid", "squeeze_all", "view",
                                  "view_of_transposed_split", "reshape_view", "reshape_strided_view",
                                  "flatten_view_of_permuted",
                                  "unflatten", "narrow", "select", "unfold", "movedim", "as_strided_offset",
                                  "diagonal_offset", "chain"])
def test_views_share_storage(name):
    x, _ = bases()
    v = VIEW_CASES[name](x, tj)
    assert same_storage(v, x)
    assert v.data_ptr() == x.data_ptr() + 4 * v.storage_offset()


@pytest.mark.parametrize("name", ["reshape_copy", "reshape_copy_2d", "flatten_copy", "flatten_copy_of_transposed"])
def test_reshape_copies_when_no_view_exists(name):
    x, _ = bases()
    v = VIEW_CASES[name](x, tj)
    assert not same_storage(v, x)
    assert v.is_contiguous() and v.storage_offset() == 0
    before = v.numpy().copy()
    x.fill_(-1)
    np.testing.assert_array_equal(v.numpy(), before)        # independent of the base


@pytest.mark.parametrize("args", [(5,), (10,), ([1, 2, 3, 18],), ([24],), (2, 1)])
def test_split_matches_torch(args):
    x, y = bases()
    x, y = (x.view(4, 6), y.view(4, 6)) if len(args) == 2 else (x, y)
    ps, qs = x.split(*args), y.split(*args)
    assert isinstance(ps, tuple) and len(ps) == len(qs)
    for p, q in zip(ps, qs):
        assert_like_torch(p, q)
        assert same_storage(p, x)
    fs = tj.split(x, *args)
    assert [f.storage_offset() for f in fs] == [p.storage_offset() for p in ps]


@pytest.mark.parametrize("chunks,dim", [(3, 0), (5, 0), (24, 0), (30, 0), (4, 1), (2, -2)])
def test_chunk_matches_torch(chunks, dim):
    x, y = bases()
    if dim != 0:
        x, y = x.view(4, 6), y.view(4, 6)
    ps, qs = x.chunk(chunks, dim), y.chunk(chunks, dim)
    assert len(ps) == len(qs)
    for p, q in zip(ps, qs):
        assert_like_torch(p, q)
    assert len(tj.chunk(x, chunks, dim)) == len(qs)


def test_chunk_and_split_bad_arguments():
    with pytest.raises(RuntimeError):
        tj.zeros(4).chunk(0)
    with pytest.raises(RuntimeError):
        tj.zeros(4).split([1, 2])


def test_chunk_of_empty_dim_like_torch():
    ps, qs = tj.zeros(0, 3).chunk(2), torch.zeros(0, 3).chunk(2)
    assert len(qs) == 2
    assert len(ps) == len(qs)


def test_view_error_names_reshape():
    x, y = bases()
    with pytest.raises(RuntimeError, match="reshape"):
        y.view(4, 6).t().view(24)
    with pytest.raises(RuntimeError, match="reshape"):
        x.view(4, 6).t().view(24)
    with pytest.raises(RuntimeError, match="reshape"):
        x.view(4, 6)[:, :3].view(12)
    with pytest.raises(RuntimeError):
        x.view(5, 5)
    with pytest.raises(RuntimeError):
        x.view(-1, -1)
    with pytest.raises(RuntimeError):
        x.reshape(7, -1)


@pytest.mark.parametrize("fn,exc", [
    (lambda x: x.view(2, 3, 4).permute(0, 1), RuntimeError),
    (lambda x: x.view(2, 3, 4).permute(0, 1, 1), RuntimeError),
    (lambda x: x.view(2, 3, 4).permute(0, 1, 3), IndexError),
    (lambda x: x.view(2, 3, 4).transpose(0, 3), IndexError),
    (lambda x: x.view(2, 3, 4).t(), RuntimeError),
    (lambda x: x.view(4, 6).expand(4, 7), RuntimeError),
    (lambda x: x.view(4, 6).expand(6), RuntimeError),
    (lambda x: x.view(4, 6).expand(-1, 4, 6), RuntimeError),
    (lambda x: x.view(4, 6).select(1, 6), IndexError),
    (lambda x: x.view(4, 6).select(0, -5), IndexError),
    (lambda x: x.view(4, 6).narrow(1, 7, 0), IndexError),
    (lambda x: x.view(4, 6).unfold(1, 7, 1), RuntimeError),
    (lambda x: x.view(4, 6).unfold(1, 2, 0), RuntimeError),
    (lambda x: x.view(4, 6).diagonal(0, 1, 1), RuntimeError),
    (lambda x: x.view(4, 6).unsqueeze(3), IndexError),
    (lambda x: x.view(4, 6).squeeze(2), IndexError),
    (lambda x: x.view(4, 6).unflatten(1, (4, 2)), RuntimeError),
    (lambda x: x.view(4, 6).flatten(1, 0), RuntimeError),
    (lambda x: x.as_strided((5, 5), (5, 1)), RuntimeError),
    (lambda x: x.as_strided((2,), (1, 1)), RuntimeError),
    (lambda x: x.split(0), RuntimeError),
])
def test_view_errors_match_torch(fn, exc):
    x, y = bases()
    with pytest.raises(exc):
        fn(y)
    with pytest.raises(exc):
        fn(x)


def test_narrow_length_past_end_raises_runtime_error():
    with pytest.raises(RuntimeError):
        torch.zeros(4, 6).narrow(1, 2, 5)
    with pytest.raises(RuntimeError):
        tj.zeros(4, 6).narrow(1, 2, 5)


def test_movedim_of_0d_tensor():
    assert torch.zeros(()).movedim(0, 0).shape == ()
    x, _ = bases()
    v = x[3].movedim(0, -1)
    assert v.shape == () and v.item() == 3.0


# -- writes through views ------------------------------------------------------------------
def _write_sequence(L, base):
    m = base.view(4, 6)
    m.t()[1:3].fill_(5)                                     # through a transposed slice
    m.diagonal(1).zero_()                                  # through a diagonal
    m.narrow(0, 3, 1).copy_(L.full((6,), 7.0))             # through narrow, with a copy_
    m[::2, ::3] = -1                                       # through a strided slice
    m.unfold(1, 2, 2).select(2, 1)[1] = 9                   # through unfold + select
    m.view(2, 12)[1, 10:] = 11                             # through a view of the whole
    return base


def test_writes_through_views_reach_every_sharer():
    x, y = bases()
    also = x.view(2, 3, 4).permute(2, 1, 0)                 # another view of the same storage
    _write_sequence(tj, x)
    _write_sequence(torch, y)
    np.testing.assert_array_equal(x.numpy(), y.numpy())
    np.testing.assert_array_equal(also.numpy(), y.view(2, 3, 4).permute(2, 1, 0).numpy())
    assert x.storage().tolist() == y.tolist()


def test_write_into_expanded_view_raises():
    x = tj.zeros(4, 1)
    e = x.expand(4, 3)
    with pytest.raises(RuntimeError, match="single memory location"):
        e.copy_(tj.ones(4, 3))
    with pytest.raises(RuntimeError, match="single memory location"):
        torch.zeros(4, 1).expand(4, 3).copy_(torch.ones(4, 3))
    with pytest.raises(RuntimeError):
        e[:, 1:] = tj.ones(4, 2)
    assert x.tolist() == [[0.0]] * 4


def test_fill_expanded_view_like_torch():
    r = torch.zeros(4, 1)
    r.expand(4, 3).fill_(2)
    x = tj.zeros(4, 1)
    x.expand(4, 3).fill_(2)
    assert x.tolist() == r.tolist()


# -- contiguous / clone / copy_ / fill_ ------------------------------------------------------
def test_contiguous_returns_self_when_contiguous():
    x, y = bases()
    for t in (x, x.view(4, 6), x.view(4, 6)[1:3], x.view(4, 6)[1:2].t(), x[5], x[:0]):
        assert t.contiguous() is t
    c = x.view(4, 6).t().contiguous()
    d = y.view(4, 6).t().contiguous()
    assert_like_torch(c, d)
    assert not same_storage(c, x)
    assert c.contiguous() is c


def test_clone_copies():
    x, y = bases()
    for fn in (lambda t: t.view(4, 6), lambda t: t.view(4, 6)[1:, ::2], lambda t: t[3],
               lambda t: t.view(4, 1, 6).expand(4, 2, 6)):
        c = fn(x).clone()
        assert_like_torch(c, fn(y).clone().contiguous(), offset=False)
        assert c.storage_offset() == 0 and c.is_contiguous()
        assert not same_storage(c, x)
        c.fill_(-3)                                          # the copy is independent of the base
        assert not (x.numpy() == -3).any()
        x[:] = 100
        assert (c.numpy() == -3).all()
        x.copy_(tj.arange(24, dtype=tj.float32))
    i = tj.arange(5)
    assert i.clone().dtype is tj.int64 and i.clone().tolist() == [0, 1, 2, 3, 4]
    assert tj.clone(i[::2]).tolist() == [0, 2, 4]


@pytest.mark.parametrize("op", ["clone", "to", "zeros_like"])
def test_copies_preserve_strides_like_torch(op):
    x, y = bases()
    fns = {"clone": lambda t, L: t.clone(), "to": lambda t, L: t.to(L.float64),
           "zeros_like": lambda t, L: L.zeros_like(t)}
    assert fns[op](y.view(4, 6).t(), torch).stride() == (1, 6)
    assert fns[op](x.view(4, 6).t(), tj).stride() == (1, 6)


def test_copy_with_broadcasting_and_casting():
    a, r = tj.zeros(2, 3, dtype=tj.int64), torch.zeros(2, 3, dtype=torch.int64)
    src = [1.7, -2.2, 3.9]
    out = a.copy_(tj.tensor(src))
    r.copy_(torch.tensor(src))
    assert out is a
    assert_like_torch(a, r)
    b, s = tj.zeros(3, 2), torch.zeros(3, 2)                 # into a transposed view, int -> float
    b.t().copy_(tj.tensor([[1], [2]]))
    s.t().copy_(torch.tensor([[1], [2]]))
    assert_like_torch(b, s)
    c = tj.zeros(2, 3)               # leading size-1 dims of the source drop (NumPy's rule; torch refuses)
    c.copy_(tj.arange(3, dtype=tj.float32).view(1, 1, 3))
    assert c.tolist() == [[0.0, 1.0, 2.0]] * 2
    d, p = tj.zeros(2, 2, dtype=tj.int32), torch.zeros(2, 2, dtype=torch.int32)
    d.copy_(tj.tensor([[1.5, -0.5], [2.5, 7.9]]))
    p.copy_(torch.tensor([[1.5, -0.5], [2.5, 7.9]]))
    assert_like_torch(d, p)
    with pytest.raises(RuntimeError):
        tj.zeros(2, 3).copy_(tj.zeros(3, 2))
    with pytest.raises(RuntimeError):
        tj.zeros(3).copy_(tj.zeros(2, 3))
    with pytest.raises(TypeError):
        tj.zeros(3).copy_([1, 2, 3])


def test_copy_between_overlapping_views_reads_a_snapshot():
    # torch refuses partial overlap; tensorjit reads the source as it was (as NumPy does).
    a = tj.arange(6, dtype=tj.float32)
    a[1:].copy_(a[:-1])
    n = np.arange(6, dtype=np.float32)
    n[1:] = n[:-1]
    assert a.tolist() == n.tolist()
    b = tj.arange(6, dtype=tj.float32).view(2, 3)
    b.copy_(b[::-1])
    assert b.tolist() == [[3.0, 4.0, 5.0], [0.0, 1.0, 2.0]]


def test_fill_and_zero():
    a, r = tj.zeros(2, 3, dtype=tj.int64), torch.zeros(2, 3, dtype=torch.int64)
    assert a.fill_(2.7) is a
    r.fill_(2.7)
    assert_like_torch(a, r)
    a[1].fill_(tj.tensor(-4))
    r[1].fill_(torch.tensor(-4))
    assert_like_torch(a, r)
    assert a.zero_() is a and a.tolist() == [[0] * 3] * 2
    f = tj.ones(2, 3)
    f.t()[1].fill_(True)
    f[0].zero_()
    assert f.tolist() == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    with pytest.raises(RuntimeError):
        f.fill_(tj.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        f.fill_("x")


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("dtype,value", [("uint8", 300), ("int32", 1e10), ("float32", 1 + 2j)])
def test_fill_out_of_range_scalar_raises(dtype, value):
    assert raises(RuntimeError, torch.zeros(2, dtype=getattr(torch, dtype)).fill_, value)
    assert raises(RuntimeError, tj.zeros(2, dtype=getattr(tj, dtype)).fill_, value)


# -- basic indexing ------------------------------------------------------------------------
INDICES = [0, -1, (1, 2), (-1, -2, -3), (1, -1, 2), slice(None), slice(1, None), (slice(None), slice(0, 3, 2)),
           (Ellipsis, 1), (Ellipsis, slice(None, None, 3)), (0, Ellipsis, 0), (0, Ellipsis), None, (None, 0, None),
           (slice(None), None, 1), (Ellipsis, None), (None, Ellipsis, None, 0),
           slice(-100, 100), (slice(None), slice(1, 2), slice(1, None, 2)), (1, slice(None, None, 2), -1), (),
           (slice(None, 1), slice(None), slice(0, 0))]


@pytest.mark.parametrize("idx", INDICES, ids=repr)
def test_getitem_matches_torch(idx):
    x, y = bases()
    t, r = x.view(2, 3, 4).transpose(1, 2)[:, 1:], y.view(2, 3, 4).transpose(1, 2)[:, 1:]   # shape (2, 3, 3)
    v, w = t[idx], r[idx]
    assert_like_torch(v, w)
    assert same_storage(v, x)
    assert v.data_ptr() == x.data_ptr() + 4 * v.storage_offset()


@pytest.mark.parametrize("idx", [True, False, (0, True), (False, Ellipsis, 1), (None, True)], ids=repr)
def test_bool_indices(idx):
    # torch (and NumPy) treat a Python bool as advanced indexing and copy; tensorjit gives a view
    # of the same shape and values.
    x, y = bases()
    v, w = x.view(4, 6).t()[idx], y.view(4, 6).t()[idx]
    assert tuple(v.shape) == tuple(w.shape) and v.dtype is tj.float32
    np.testing.assert_array_equal(v.numpy(), w.numpy())
    assert same_storage(v, x)
    as_none = tuple(None if isinstance(i, bool) else i for i in (idx if isinstance(idx, tuple) else (idx,)))
    u = y.view(4, 6).t()[as_none]                             # a view in torch too
    assert [s for s, n in zip(v.stride(), v.shape) if n > 1] == [s for s, n in zip(u.stride(), u.shape) if n > 1]


@pytest.mark.parametrize("idx", [slice(5, 2), slice(3, 3), (slice(None), slice(6, None)),
                                 (slice(None, 1), slice(3, 1))], ids=repr)
def test_empty_slices(idx):
    x, y = bases()
    v, w = x.view(4, 6)[idx], y.view(4, 6)[idx]
    assert_like_torch(v, w, offset=False)
    assert v.numel() == 0


def test_empty_slice_storage_offset_like_torch():
    x, y = bases()
    assert x.view(4, 6)[:, 5:2].storage_offset() == y.view(4, 6)[:, 5:2].storage_offset()


def test_numpy_of_empty_view_past_the_end():
    r = torch.zeros(0, 2).narrow(1, 2, 0)
    assert r.storage_offset() == 2 and repr(r) == "tensor([], size=(0, 0))"
    v = tj.zeros(0, 2).narrow(1, 2, 0)
    assert v.storage_offset() == 2
    assert v.numpy().shape == (0, 0)
    assert repr(v) == repr(r).replace("torch", "tensorjit")


NEG_INDICES = [slice(None, None, -1), (slice(None), slice(None, None, -2)), (Ellipsis, slice(None, None, -3)),
               (slice(None, None, -1), 1, slice(3, 0, -2)), (-1, slice(-1, None, -1)),
               (slice(None, None, -1), None, slice(None, None, -1)), (slice(5, -100, -1),),
               (0, slice(2, 0, -1), slice(1, None, -1)), (slice(None), slice(0, 2, -1))]


@pytest.mark.parametrize("idx", NEG_INDICES, ids=repr)
@pytest.mark.parametrize("transposed", [False, True])
def test_negative_step_indexing_matches_numpy(idx, transposed):
    a0 = np.arange(24, dtype=np.float32)
    a = a0.reshape(2, 3, 4)
    x = tj.arange(24, dtype=tj.float32)
    t = x.view(2, 3, 4)
    if transposed:
        a, t = a.transpose(2, 0, 1), t.permute(2, 0, 1)
    v, w = t[idx], a[idx]
    assert tuple(v.shape) == w.shape
    # The stride of a size-0 or size-1 dim is arbitrary (NumPy gives 0 for None): compare the others.
    assert [s for s, n in zip(v.stride(), v.shape) if n > 1] == [s // 4 for s, n in zip(w.strides, w.shape) if n > 1]
    if v.numel():
        assert v.storage_offset() == np_offset(w, a0)
    np.testing.assert_array_equal(v.numpy(), w)
    assert same_storage(v, x)
    assert np.shares_memory(v.numpy(), x.numpy()) or v.numel() == 0


def test_negative_step_view_is_writable_view():
    x = tj.arange(10, dtype=tj.int64)
    r = x[::-3]
    assert r.stride() == (-3,) and r.storage_offset() == 9 and r.tolist() == [9, 6, 3, 0]
    r[1] = -1
    r[2:] = tj.tensor([100, 200])
    assert x.tolist() == [200, 1, 2, 100, 4, 5, -1, 7, 8, 9]


@pytest.mark.parametrize("idx", [4, -5, (0, 6), (0, -7), (0, 0, 0)])
def test_index_out_of_range_raises_index_error(idx):
    x, y = bases()
    with pytest.raises(IndexError):
        y.view(4, 6)[idx]
    with pytest.raises(IndexError):
        x.view(4, 6)[idx]
    with pytest.raises(IndexError):
        x.view(4, 6)[idx] = 1.0


def test_invalid_indices():
    x = tj.zeros(4, 6)
    for idx in (1.5, "a", (Ellipsis, 0, Ellipsis)):
        with pytest.raises(IndexError):
            x[idx]
    with pytest.raises(IndexError):
        tj.zeros(())[0]
    assert x[tj.tensor(2)].shape == (6,)                   # a 0-d integer tensor is an index
    assert x[np.int64(3), np.int32(1)].shape == ()
    with pytest.raises(ValueError):
        x[::0]


SETITEM_CASES = [
    (0, 5),
    ((slice(None), 1), "row"),
    ((Ellipsis, slice(None, None, 2)), "col"),
    ((1, slice(1, None), slice(None, None, 3)), 2.5),
    ((None, 1), "row"),
    ((0, 0), "int"),
    (True, 3),
    (Ellipsis, "int"),
    ((slice(None), 2, 1), "0d"),
]


def _value(kind, L):
    if kind == "row":
        return L.tensor([1.0, 2.0, 3.0, 4.0])
    if kind == "col":
        return L.tensor([[7.0], [8.0], [9.0]])
    if kind == "int":
        return L.tensor([10, 20, 30, 40])
    if kind == "0d":
        return L.tensor(-6.5)
    return kind


@pytest.mark.parametrize("idx,value", SETITEM_CASES, ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_setitem_matches_torch(idx, value, dtype):
    x = tj.zeros(2, 3, 4, dtype=getattr(tj, dtype))
    y = torch.zeros(2, 3, 4, dtype=getattr(torch, dtype))
    alias = x.permute(2, 1, 0)
    x[idx] = _value(value, tj)
    y[idx] = _value(value, torch)
    assert_like_torch(x, y)
    np.testing.assert_array_equal(alias.numpy(), y.permute(2, 1, 0).numpy())


@pytest.mark.parametrize("idx", [slice(None, None, -1), (slice(None), slice(None, None, -2)),
                                 (Ellipsis, slice(3, 0, -2)), (1, slice(None, None, -1), 0)], ids=repr)
def test_setitem_negative_steps_matches_numpy(idx):
    x = tj.zeros(2, 3, 4)
    a = np.zeros((2, 3, 4), np.float32)
    x[idx] = 4.0
    a[idx] = 4.0
    x[idx] = tj.arange(x[idx].shape[-1], dtype=tj.float32)   # broadcast along the leading dims
    a[idx] = np.arange(a[idx].shape[-1], dtype=np.float32)
    np.testing.assert_array_equal(x.numpy(), a)


def test_setitem_sequences_and_arrays():
    # torch refuses a list value; tensorjit accepts it (and NumPy arrays) like NumPy does.
    x = tj.zeros(2, 3, dtype=tj.int64)
    x[0] = [1, 2, 3]
    x[1, ::-1] = np.array([4, 5, 6])
    assert x.tolist() == [[1, 2, 3], [6, 5, 4]] and x.dtype is tj.int64
    with pytest.raises(RuntimeError):
        x[0] = tj.tensor([1, 2])


# -- Python scalars, len, iteration ------------------------------------------------------------
def test_item_and_scalar_conversions():
    assert tj.tensor(2.5).item() == 2.5 and type(tj.tensor(2.5).item()) is float
    assert tj.tensor([[7]]).item() == 7 and type(tj.tensor([[7]]).item()) is int
    assert tj.tensor(True).item() is True
    assert tj.tensor(1 + 2j).item() == 1 + 2j
    assert tj.tensor([1.0, 2.5], dtype=tj.float16)[1].item() == 2.5
    x = tj.arange(6, dtype=tj.float32).view(2, 3).t()
    assert x[2, 1].item() == 5.0 == torch.arange(6.).view(2, 3).t()[2, 1].item()
    assert float(tj.tensor([3])) == 3.0 and type(float(tj.tensor(3))) is float
    assert int(tj.tensor(-3.7)) == int(torch.tensor(-3.7)) == -3
    assert complex(tj.tensor(2.0)) == 2 + 0j
    for t in (tj.zeros(2), tj.zeros(0)):
        with pytest.raises(RuntimeError):
            t.item()
        with pytest.raises((RuntimeError, ValueError, TypeError)):
            float(t)
        with pytest.raises((RuntimeError, ValueError, TypeError)):
            int(t)


def test_bool():
    assert bool(tj.tensor([3])) is True and bool(tj.tensor(0.0)) is False
    assert bool(tj.tensor([[True]])) is True
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tj.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tj.zeros(0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(torch.tensor([1, 2]))


def test_index_protocol():
    assert operator.index(tj.tensor(3)) == 3
    assert list(range(tj.tensor(4))) == [0, 1, 2, 3]
    assert ["a", "b", "c"][tj.tensor(1)] == "b"
    assert [0, 1, 2][tj.tensor([2])] == 2          # one element, one dim: torch accepts it too
    assert [0, 1, 2][torch.tensor([2])] == 2
    for bad in (tj.tensor(1.0), tj.tensor([1, 2]), tj.tensor([2.5])):
        with pytest.raises(TypeError):
            operator.index(bad)
    with pytest.raises(TypeError):
        operator.index(torch.tensor(1.0))


def test_len_and_iteration():
    x, y = bases()
    m, n = x.view(4, 6).t(), y.view(4, 6).t()
    assert len(m) == len(n) == 6
    rows = list(m)
    assert len(rows) == 6
    for a, b in zip(rows, n):
        assert_like_torch(a, b)
        assert same_storage(a, x)
    assert [r.item() for r in tj.tensor([4, 5])] == [4, 5]
    assert list(tj.zeros(0, 3)) == []
    with pytest.raises(TypeError):
        len(tj.tensor(1.0))
    with pytest.raises(TypeError):
        iter(tj.tensor(1.0))
    with pytest.raises(TypeError):
        len(torch.tensor(1.0))


def test_tolist():
    assert tj.arange(6).view(2, 3).t().tolist() == torch.arange(6).view(2, 3).t().tolist()
    assert tj.tensor(2.5).tolist() == 2.5
    assert tj.tensor([True, False]).tolist() == [True, False]
    assert tj.zeros(2, 0).tolist() == [[], []]
    v = tj.tensor([1, 2], dtype=tj.int32).tolist()
    assert type(v[0]) is int


# -- repr ---------------------------------------------------------------------------------------
REPR_CASES = [
    lambda L: L.arange(6).view(2, 3),
    lambda L: L.tensor([1.5, -2.25, 3.0]),
    lambda L: L.tensor([[True, False], [False, True]]),
    lambda L: L.tensor([1, 2, 3], dtype=L.int32),
    lambda L: L.tensor([0.1, 2.0], dtype=L.float64),
    lambda L: L.zeros(2, 0),
    lambda L: L.tensor(3.25),
    lambda L: L.arange(12, dtype=L.float32).view(3, 4).t()[::2],
]


@pytest.mark.parametrize("i", range(len(REPR_CASES)))
def test_repr_matches_torch(i):
    t, r = REPR_CASES[i](tj), REPR_CASES[i](torch)
    assert repr(t) == repr(r).replace("torch", "tensorjit")
    assert str(t) == str(r).replace("torch", "tensorjit")


# -- dtype conversions -------------------------------------------------------------------------
CONV_VALUES = [-2.75, -0.5, 0.0, 0.5, 1.5, 2.75, 300.0]


@pytest.mark.parametrize("method", ["double", "half", "int", "long", "bool", "float"])
def test_cast_methods_match_torch(method):
    t, r = tj.tensor(CONV_VALUES), torch.tensor(CONV_VALUES)
    c, d = getattr(t, method)(), getattr(r, method)()
    assert_like_torch(c, d)
    if method == "float":
        assert c is t
    else:
        assert not same_storage(c, t)


def test_to_variants():
    t = tj.tensor(CONV_VALUES)
    r = torch.tensor(CONV_VALUES)
    assert t.to(tj.float32) is t and t.to(dtype=tj.float32, copy=False) is t
    assert t.to("cpu") is t and t.to(tj.device("cpu")) is t and t.cpu() is t
    c = t.to(tj.float32, copy=True)
    assert c is not t and not same_storage(c, t) and c.tolist() == t.tolist()
    assert_like_torch(t.to(tj.float64), r.to(torch.float64))
    assert_like_torch(t.to("cpu", tj.int32), r.to("cpu", torch.int32))
    assert_like_torch(t.to(dtype=tj.int64), r.to(dtype=torch.int64))
    other = tj.zeros(1, dtype=tj.float64)
    assert_like_torch(t.to(other), r.to(torch.zeros(1, dtype=torch.float64)))
    assert t.to(tj.zeros(1)) is t
    assert_like_torch(t.type(tj.float64), r.type(torch.float64))
    assert t.type(tj.float32) is t
    assert_like_torch(t.to("float64"), r.to(torch.float64))          # names are accepted too
    h = t.half()
    assert_like_torch(h.float(), r.half().float())
    c = t.view(7, 1).t().to(tj.int64)
    assert c.tolist() == r.view(7, 1).t().to(torch.int64).tolist() and c.shape == (1, 7) and c.is_contiguous()
    i = tj.arange(4)
    assert_like_torch(i.to(tj.float32), torch.arange(4).to(torch.float32))
    assert i.long() is i


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8",
                                  "bool"])
def test_type_name(name):
    assert tj.zeros(1, dtype=getattr(tj, name)).type() == \
        torch.zeros(1, dtype=getattr(torch, name)).type().replace("torch", "tensorjit")


@pytest.mark.parametrize("name", ["complex64", "uint16"])
def test_type_name_complex_and_wide_unsigned(name):
    assert tj.zeros(1, dtype=getattr(tj, name)).type() == \
        torch.zeros(1, dtype=getattr(torch, name)).type().replace("torch", "tensorjit")


def test_unknown_dtype_names_raise_type_error():
    for bad in ("float31", "torch.float32", object(), 3):
        with pytest.raises(TypeError):
            tj.zeros(2, dtype=bad)
    with pytest.raises(TypeError):
        tj.zeros(2).to("floaty")
    with pytest.raises(TypeError):
        tj.tensor([1], dtype="integer")


# -- creation -----------------------------------------------------------------------------------
INFER_CASES = [
    [True, False], [1, 2], [[1, 2], [3, 4]], [1, 2.0], [True, 2], [True, 2.5], [1, 2j], [[1.5], [2j]],
    3, 2.5, True, 1j, [], [[]], [2 ** 40, -1], [[True]], [0.1, 1e30],
]


@pytest.mark.parametrize("data", INFER_CASES, ids=repr)
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_tensor_dtype_inference_matches_torch(data, default):
    tj.set_default_dtype(getattr(tj, default))
    torch.set_default_dtype(getattr(torch, default))
    t, r = tj.tensor(data), torch.tensor(data)
    assert_like_torch(t, r)


def test_tensor_from_numpy_scalars_arrays_and_tensors():
    for data in (np.array([1, 2], np.int32), np.float64(2.5), np.array([[1.5]], np.float16),
                 np.array([True]), np.arange(6, dtype=np.uint8).reshape(2, 3)[:, ::2]):
        assert_like_torch(tj.tensor(data), torch.tensor(data))
    n = np.arange(6, dtype=np.uint8).reshape(2, 3)[:, ::-1]      # torch refuses negative strides
    t = tj.tensor(n)
    assert t.dtype is tj.uint8 and t.stride() == (3, 1) and t.tolist() == n.tolist()
    a = np.arange(3.0)
    t = tj.tensor(a)
    a[0] = 9
    assert t.tolist() == [0.0, 1.0, 2.0]                    # tensor() copies
    s = tj.arange(4, dtype=tj.float32)
    c = tj.tensor(s)
    assert not same_storage(c, s) and c.tolist() == s.tolist() and c.dtype is tj.float32
    assert_like_torch(tj.tensor([1, 2], dtype=tj.float64), torch.tensor([1, 2], dtype=torch.float64))
    assert_like_torch(tj.tensor([1.7, -1.7], dtype=tj.int32), torch.tensor([1.7, -1.7], dtype=torch.int32))
    with pytest.raises(ValueError):
        tj.tensor([[1, 2], [3]])
    with pytest.raises(ValueError):
        torch.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        tj.tensor(["a"])
    with pytest.raises(TypeError):
        tj.tensor([object()])


@pytest.mark.parametrize("make", [lambda L: [np.float64(2.5), np.float64(1.0)], lambda L: [np.int32(2)],
                                  lambda L: [L.tensor(1.0, dtype=L.float64), L.tensor(2.0, dtype=L.float64)],
                                  lambda L: [L.tensor(1, dtype=L.int32)]])
def test_tensor_of_typed_scalars_keeps_their_dtype(make):
    t, r = tj.tensor(make(tj)), torch.tensor(make(torch))
    assert dname(t.dtype) == dname(r.dtype)


def test_full_numpy_scalar_fill_value_dtype():
    assert dname(tj.full((2,), np.float64(2.5)).dtype) == dname(torch.full((2,), np.float64(2.5)).dtype)


def test_as_tensor_and_from_numpy():
    a = np.arange(4.0)
    t = tj.as_tensor(a)
    assert t.dtype is tj.float64 and np.shares_memory(t.numpy(), a)
    a[1] = 10
    assert t[1].item() == 10
    c = tj.as_tensor(a, dtype=tj.float32)
    assert c.dtype is tj.float32 and not np.shares_memory(c.numpy(), a)
    assert_like_torch(c, torch.as_tensor(a, dtype=torch.float32))
    assert tj.as_tensor(a, dtype=tj.float64).data_ptr() == a.ctypes.data
    s = tj.ones(3)
    assert tj.as_tensor(s) is s
    assert_like_torch(tj.as_tensor([1, 2]), torch.as_tensor([1, 2]))
    f = tj.from_numpy(a)
    assert f.data_ptr() == a.ctypes.data and f.dtype is tj.float64
    with pytest.raises(TypeError):
        tj.from_numpy([1, 2])


@pytest.mark.parametrize("factory", ["empty", "zeros", "ones"])
@pytest.mark.parametrize("size", [(2, 3), ((2, 3),), ([4],), ((),), (0, 5), (3,)])
def test_empty_zeros_ones(factory, size):
    t, r = getattr(tj, factory)(*size), getattr(torch, factory)(*size)
    if factory == "empty":
        assert (t.shape, t.stride(), t.dtype.name) == (tuple(r.shape), r.stride(), dname(r.dtype))
    else:
        assert_like_torch(t, r)
    d = getattr(tj, factory)(*size, dtype=tj.int16)
    assert d.dtype is tj.int16 and d.shape == r.shape


def test_factories_reject_negative_sizes():
    for f in (tj.empty, tj.zeros, tj.ones):
        with pytest.raises(RuntimeError):
            f(2, -1)
    with pytest.raises(RuntimeError):
        tj.full((-1,), 2)


@pytest.mark.parametrize("value", [7, 2.5, True, 1 + 1j, -3])
def test_full_dtype_from_fill_value(value):
    assert_like_torch(tj.full((2, 3), value), torch.full((2, 3), value))
    assert_like_torch(tj.full([4], value, dtype=tj.complex128), torch.full([4], value, dtype=torch.complex128))
    if not isinstance(value, complex):
        assert_like_torch(tj.full([4], value, dtype=tj.float64), torch.full([4], value, dtype=torch.float64))


def test_full_complex_value_into_real_dtype_raises():
    assert raises(RuntimeError, torch.full, [2], 1 + 1j, dtype=torch.float64)
    assert raises(RuntimeError, tj.full, [2], 1 + 1j, dtype=tj.float64)


def test_full_follows_default_dtype():
    tj.set_default_dtype(tj.float64)
    torch.set_default_dtype(torch.float64)
    assert_like_torch(tj.full((2,), 1.5), torch.full((2,), 1.5))
    assert_like_torch(tj.full((2,), 1j), torch.full((2,), 1j))


ARANGE_CASES = [(5,), (1, 10, 3), (10, 0, -3), (0,), (-4, 4), (3, 3), (0, 1, 0.1), (1, 2.5, 0.5), (-1.0, 1.0, 0.3),
                (0.5, 3), (2.5,), (0, -1, -0.25), (0, 10, 2.5)]


@pytest.mark.parametrize("args", ARANGE_CASES, ids=repr)
def test_arange_matches_torch(args):
    t, r = tj.arange(*args), torch.arange(*args)
    assert tuple(t.shape) == tuple(r.shape) and t.dtype.name == dname(r.dtype) and t.stride() == r.stride()
    np.testing.assert_allclose(t.numpy(), r.numpy(), rtol=1e-6, atol=1e-6)


def test_arange_with_dtype_and_errors():
    for args, dtypes in (((5,), ("float64", "int32", "float32")), ((0, 2, 0.5), ("float64", "float32")),
                         ((1, 4, 2.0), ("int64",))):
        for d in dtypes:
            t, r = tj.arange(*args, dtype=getattr(tj, d)), torch.arange(*args, dtype=getattr(torch, d))
            assert tuple(t.shape) == tuple(r.shape) and t.dtype.name == d
            np.testing.assert_allclose(t.numpy(), r.numpy(), rtol=1e-6)
    assert_like_torch(tj.arange(tj.tensor(4)), torch.arange(torch.tensor(4)))
    with pytest.raises(RuntimeError):
        tj.arange(0, 10, 0)
    with pytest.raises(RuntimeError):
        tj.arange(0, 10, -1)


def test_arange_integer_dtype_fractional_step_like_torch():
    r = torch.arange(0, 2, 0.5, dtype=torch.int32)
    assert r.tolist() == [0, 0, 0, 0]
    assert tj.arange(0, 2, 0.5, dtype=tj.int32).tolist() == r.tolist()


LINSPACE_CASES = [(0, 1, 5), (-2, 3, 7), (0, 10, 1), (0, 10, 0), (1, -1, 4), (0.1, 0.9, 9), (0, 1, 100)]


@pytest.mark.parametrize("args", LINSPACE_CASES, ids=repr)
def test_linspace_matches_torch(args):
    t, r = tj.linspace(*args), torch.linspace(*args)
    assert tuple(t.shape) == tuple(r.shape) and t.dtype is tj.float32 and t.stride() == r.stride()
    np.testing.assert_allclose(t.numpy(), r.numpy(), rtol=1e-6, atol=1e-6)
    t64, r64 = tj.linspace(*args, dtype=tj.float64), torch.linspace(*args, dtype=torch.float64)
    assert t64.dtype is tj.float64
    np.testing.assert_allclose(t64.numpy(), r64.numpy(), rtol=1e-12, atol=1e-12)
    if args[2]:
        assert t64[-1].item() == args[1] if args[2] > 1 else t64[0].item() == args[0]


def test_linspace_integer_dtype_and_errors():
    assert_like_torch(tj.linspace(0, 10, 4, dtype=tj.int64), torch.linspace(0, 10, 4, dtype=torch.int64))
    assert_like_torch(tj.linspace(-5, 5, 6, dtype=tj.int64), torch.linspace(-5, 5, 6, dtype=torch.int64))
    with pytest.raises(RuntimeError):
        tj.linspace(0, 1, -1)


@pytest.mark.parametrize("args,kwargs", [((0, 2, 3), {}), ((-1, 1, 5), {"base": 2.0}), ((0, 3, 4), {}),
                                         ((1, 0, 1), {})], ids=repr)
def test_logspace_matches_torch(args, kwargs):
    t, r = tj.logspace(*args, **kwargs), torch.logspace(*args, **kwargs)
    assert tuple(t.shape) == tuple(r.shape) and t.dtype is tj.float32
    np.testing.assert_allclose(t.numpy(), r.numpy(), rtol=1e-6)
    t64 = tj.logspace(*args, **kwargs, dtype=tj.float64)
    assert t64.dtype is tj.float64
    np.testing.assert_allclose(t64.numpy(), torch.logspace(*args, **kwargs, dtype=torch.float64).numpy(),
                               rtol=1e-12)


@pytest.mark.parametrize("args,dtype", [((3,), None), ((2, 4), None), ((4, 2), "int64"), ((0,), None),
                                        ((3,), "bool"), ((1, 0), "float64")], ids=repr)
def test_eye_matches_torch(args, dtype):
    kw = {} if dtype is None else {"dtype": getattr(tj, dtype)}
    kt = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    assert_like_torch(tj.eye(*args, **kw), torch.eye(*args, **kt))


@pytest.mark.parametrize("size,stride", [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((3, 2), (0, 1)), ((2, 0), (1, 1)),
                                         ((4,), (3,)), ((), ())])
def test_empty_strided(size, stride):
    t, r = tj.empty_strided(size, stride), torch.empty_strided(size, stride)
    assert (tuple(t.shape), t.stride(), t.storage_offset(), dname(t.dtype)) == \
        (tuple(r.shape), r.stride(), r.storage_offset(), dname(r.dtype))
    assert t.untyped_storage().nbytes() == r.untyped_storage().nbytes()
    t64 = tj.empty_strided(size, stride, dtype=tj.float64)
    assert t64.dtype is tj.float64 and t64.stride() == tuple(stride)


@pytest.mark.parametrize("factory", ["empty_like", "zeros_like", "ones_like", "full_like"])
def test_like_factories(factory):
    src, ref = tj.zeros(2, 3, dtype=tj.int32), torch.zeros(2, 3, dtype=torch.int32)
    args = (7,) if factory == "full_like" else ()
    t, r = getattr(tj, factory)(src, *args), getattr(torch, factory)(ref, *args)
    u, w = getattr(tj, factory)(src, *args, dtype=tj.float64), getattr(torch, factory)(ref, *args,
                                                                                       dtype=torch.float64)
    if factory == "empty_like":
        for a, b in ((t, r), (u, w)):
            assert (tuple(a.shape), a.stride(), dname(a.dtype)) == (tuple(b.shape), b.stride(), dname(b.dtype))
    else:
        assert_like_torch(t, r)
        assert_like_torch(u, w)
    assert not same_storage(t, src)


# -- dtype objects --------------------------------------------------------------------------------
def test_dtype_aliases():
    for alias in ("float", "double", "half", "short", "int", "long", "cfloat", "cdouble"):
        d, r = getattr(tj, alias), getattr(torch, alias)
        assert d is getattr(tj, dname(r))
        assert repr(d) == repr(r).replace("torch", "tensorjit")


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
def test_dtype_properties_match_torch(name):
    d, r = getattr(tj, name), getattr(torch, name)
    assert isinstance(d, tj.dtype)
    assert d.is_floating_point == r.is_floating_point
    assert d.is_complex == r.is_complex
    assert d.is_signed == r.is_signed
    assert d.itemsize == r.itemsize
    assert repr(d) == repr(r).replace("torch", "tensorjit")
    assert d == d and d != (tj.int8 if d is not tj.int8 else tj.int16)
    assert tj.zeros(1, dtype=name).dtype is d                    # names are accepted
    assert tj.zeros(1, dtype=r).dtype is d                       # and torch dtypes
    assert tj.zeros(1, dtype=np.dtype(d.np)).dtype is d          # and NumPy dtypes


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"])
def test_iinfo_matches_torch(name):
    a, b = tj.iinfo(getattr(tj, name)), torch.iinfo(getattr(torch, name))
    assert (a.bits, a.min, a.max, a.dtype) == (b.bits, b.min, b.max, b.dtype)


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "complex64", "complex128"])
def test_finfo_matches_torch(name):
    a, b = tj.finfo(getattr(tj, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "dtype"):
        assert getattr(a, attr) == getattr(b, attr), attr
    assert a.resolution == pytest.approx(b.resolution, rel=1e-3)


def test_finfo_resolution_exact_like_torch():
    assert tj.finfo(tj.float32).resolution == torch.finfo(torch.float32).resolution


def test_info_errors_and_defaults():
    assert tj.finfo().dtype == torch.finfo().dtype == "float32"
    with pytest.raises(TypeError):
        tj.iinfo(tj.float32)
    with pytest.raises(TypeError):
        tj.finfo(tj.int32)
    with pytest.raises(TypeError):
        torch.finfo(torch.int32)


def test_iinfo_bool_raises_like_torch():
    assert raises(TypeError, torch.iinfo, torch.bool)
    assert raises(TypeError, tj.iinfo, tj.bool)


def test_default_dtype():
    assert tj.get_default_dtype() is tj.float32
    tj.set_default_dtype(tj.float64)
    assert tj.get_default_dtype() is tj.float64
    assert tj.tensor([1.5]).dtype is tj.float64 and tj.zeros(2).dtype is tj.float64
    assert tj.tensor([1j]).dtype is tj.complex128 and tj.arange(0.0, 1.0).dtype is tj.float64
    assert tj.finfo().dtype == "float64"
    tj.set_default_dtype(tj.float16)
    assert tj.ones(1).dtype is tj.float16 and tj.tensor([1j]).dtype is tj.complex64
    with pytest.raises(TypeError):
        tj.set_default_dtype(tj.int64)
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)
    assert tj.get_default_dtype() is tj.float16

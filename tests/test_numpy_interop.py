"""NumPy interop: from_numpy shares memory for any layout, .numpy() shares back for any view,
read-only arrays give read-only tensors, and the array protocols (__array__ with NumPy 2's
dtype/copy arguments, __array_interface__, np.asarray).

Kernel budget: tensor-side writes use only the f4->f4, f8->f8 and i8->i8 copy kernels.
"""
import numpy as np
import pytest

import tensorjit as tj


NUMPY2 = pytest.mark.skipif(np.lib.NumpyVersion(np.__version__) < "2.0.0",
                            reason="the copy= argument of __array__/np.asarray follows NumPy 2 semantics")


def elem_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


# Makers of NumPy arrays with every kind of layout, over a fresh base each time.
LAYOUTS = {
    "contiguous": lambda b: b.reshape(4, 6),
    "sliced": lambda b: b.reshape(4, 6)[1:, ::2],
    "transposed": lambda b: b.reshape(4, 6).T,
    "negative": lambda b: b.reshape(4, 6)[::-1, ::-2],
    "negative_inner": lambda b: b[::-1],
    "permuted_negative": lambda b: b.reshape(2, 3, 4).transpose(2, 0, 1)[::-1, :, 1::-1],
    "fortran": lambda b: np.asfortranarray(b.reshape(4, 6)),
    "column": lambda b: b.reshape(4, 6)[:, 3],
    "one_element": lambda b: b[5:6],
    "broadcast_zero_stride": lambda b: np.lib.stride_tricks.as_strided(b[3:], shape=(3, 4), strides=(0, b.itemsize)),
    "offset_into_buffer": lambda b: b.reshape(4, 6)[2:, 1:5].T[::-1],
}
DTYPES = [np.float64, np.float32, np.int64, np.int32, np.uint8, np.int8, np.bool_, np.complex128, np.float16,
          np.uint16]


def _base(npdt):
    return (np.arange(24) % 7).astype(npdt)


def _check_shares(t, a):
    assert isinstance(t, tj.Tensor)
    assert t.shape == a.shape
    assert t.stride() == elem_strides(a)
    assert t.dtype.np == a.dtype and t.element_size() == a.itemsize
    assert t.data_ptr() == a.__array_interface__["data"][0]
    back = t.numpy()
    assert back.shape == a.shape and back.strides == a.strides and back.dtype == a.dtype
    assert np.shares_memory(back, a)
    np.testing.assert_array_equal(back, a)
    assert t.tolist() == a.tolist()


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("npdt", DTYPES, ids=lambda d: np.dtype(d).name)
def test_from_numpy_shares_any_layout(layout, npdt):
    base = _base(npdt)
    a = LAYOUTS[layout](base)
    t = tj.from_numpy(a)
    _check_shares(t, a)
    # A write on the NumPy side shows in the tensor.
    new = np.ones((), npdt) if npdt is np.bool_ else np.asarray(5, npdt)
    a[...] = new
    assert t.tolist() == a.tolist() and (t.numpy() == new).all()


@pytest.mark.parametrize("layout", [k for k in LAYOUTS if k != "broadcast_zero_stride"])
@pytest.mark.parametrize("npdt", [np.float64, np.float32, np.int64], ids=lambda d: np.dtype(d).name)
def test_tensor_side_writes_reach_the_array(layout, npdt):
    base = _base(npdt)
    a = LAYOUTS[layout](base)
    t = tj.from_numpy(a)
    expected = a.copy()
    t.fill_(3)
    expected[...] = 3
    np.testing.assert_array_equal(a, expected)
    t[(0,) * t.dim()] = -1                                       # through setitem
    expected[(0,) * a.ndim] = -1
    np.testing.assert_array_equal(a, expected)
    src = tj.from_numpy(np.arange(a.size, dtype=npdt).reshape(a.shape))
    t.copy_(src)                                                  # through copy_
    np.testing.assert_array_equal(a, np.arange(a.size, dtype=npdt).reshape(a.shape))
    # Elements outside the view are untouched.
    outside = np.ones(base.shape, bool)
    outside[np.isin(np.arange(24), _covered_indices(a, base))] = False
    np.testing.assert_array_equal(base[outside], _base(npdt)[outside])


def _covered_indices(a, base):
    """Indices into flat ``base`` that view ``a`` touches."""
    b0 = base.__array_interface__["data"][0]
    off = (a.__array_interface__["data"][0] - b0) // base.itemsize
    idx = np.full(a.shape, off, np.int64)
    for d, s in enumerate(elem_strides(a)):
        shape = [1] * a.ndim
        shape[d] = a.shape[d]
        idx = idx + (np.arange(a.shape[d]) * s).reshape(shape)
    return idx.ravel()


def test_zero_dim_array_shares_memory():
    a = np.array(3.0)
    t = tj.from_numpy(a)
    assert t.shape == () and t.stride() == () and t.dtype is tj.float64
    assert t.data_ptr() == a.ctypes.data
    assert np.shares_memory(t.numpy(), a)
    a[()] = 5.0
    assert t.item() == 5.0
    t.fill_(7.0)
    assert a[()] == 7.0


def test_zero_dim_view_of_array_shares_memory():
    # A 0-d array that views a bigger one (a[1, 2, ...] is 0-d, not a scalar).
    b = np.arange(6.0).reshape(2, 3)
    a = b[1, 2, ...]
    t = tj.from_numpy(a)
    assert t.shape == () and t.item() == 5.0
    b[1, 2] = -1.0
    assert t.item() == -1.0
    t.fill_(4.0)
    assert b[1, 2] == 4.0


@pytest.mark.parametrize("shape,index", [((0,), ()), ((0, 3), ()), ((4, 3), (slice(0, 0),)),
                                         ((4, 3), (slice(None), slice(3, None)))])
def test_from_numpy_empty(shape, index):
    a = np.zeros(shape, np.float32)[index]
    t = tj.from_numpy(a)
    assert t.shape == a.shape and t.numel() == 0 and t.dtype is tj.float32
    assert t.stride() == elem_strides(a)
    back = t.numpy()
    assert back.shape == a.shape and back.dtype == a.dtype
    assert t.tolist() == a.tolist()
    assert np.asarray(t).shape == a.shape


def test_fill_empty_tensor_with_zero_strides():
    a = np.zeros((0, 3), np.float32)
    assert a.strides == (0, 0)
    t = tj.from_numpy(a)
    t.fill_(1.0)
    tj.empty_strided((0, 3), (0, 0)).fill_(1.0)


def test_read_only_array_gives_read_only_tensor():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    a.flags.writeable = False
    t = tj.from_numpy(a)
    before = a.copy()
    assert t.tolist() == a.tolist()
    attempts = [lambda: t.fill_(1), lambda: t.zero_(), lambda: t.copy_(tj.ones(2, 3)),
                lambda: t.__setitem__(0, 9.0), lambda: t.t().__setitem__((1, 1), 9.0),
                lambda: t[1:].fill_(2), lambda: t.add_(1)]
    for attempt in attempts:
        with pytest.raises(RuntimeError, match="read-only"):
            attempt()
    np.testing.assert_array_equal(a, before)
    assert not t.numpy().flags.writeable
    assert not np.asarray(t).flags.writeable
    assert t.t().numpy().flags.writeable is False
    assert t.__array_interface__["data"][1] is True
    with pytest.raises(ValueError):
        t.numpy()[0, 0] = 5
    c = t.clone()                                                 # a copy is writable
    c.fill_(8)
    assert c.tolist() == [[8.0] * 3] * 2
    np.testing.assert_array_equal(a, before)
    assert t.tolist() == before.tolist()


def test_read_only_zero_dim_array():
    a = np.array(2.0)
    a.flags.writeable = False
    t = tj.from_numpy(a)
    with pytest.raises(RuntimeError, match="read-only"):
        t.fill_(3.0)
    assert a[()] == 2.0


# -- .numpy() for views ------------------------------------------------------------------
VIEWS = {
    "whole": lambda t: t,
    "transposed": lambda t: t.t(),
    "sliced": lambda t: t[1:, ::2],
    "negative": lambda t: t[::-1, ::-3],
    "select": lambda t: t[2],
    "element": lambda t: t[1, 1],
    "diagonal": lambda t: t.diagonal(1),
    "expanded": lambda t: t[:1].expand(3, 6),
    "unsqueezed": lambda t: t.unsqueeze(1)[..., 2:],
    "unfold": lambda t: t.view(24).unfold(0, 4, 3),
    "as_strided": lambda t: t.as_strided((3, 3), (1, 5), 4),
    "empty": lambda t: t[:, 3:3],
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_numpy_shares_back_for_any_view(view):
    base = tj.arange(24, dtype=tj.float32).view(4, 6)
    v = VIEWS[view](base)
    a = v.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    assert a.shape == v.shape and elem_strides(a) == v.stride()
    assert a.tolist() == v.tolist()
    if v.numel():
        assert np.shares_memory(a, base.numpy())
        assert a.__array_interface__["data"][0] == v.data_ptr()
        if 0 not in v.stride():
            a[(0,) * a.ndim] = -7.0                               # a NumPy write shows in the tensor
            assert v[(0,) * v.dim()].item() == -7.0
            assert (base.numpy() == -7.0).sum() == 1


@pytest.mark.parametrize("dtype", ["float16", "bool", "complex64", "uint64"])
def test_numpy_of_other_dtypes(dtype):
    t = tj.zeros(3, 4, dtype=getattr(tj, dtype)).t()[1:]
    a = t.numpy()
    assert a.dtype == np.dtype(dtype) and a.shape == (3, 3) and elem_strides(a) == t.stride()
    a[0, 0] = 1
    assert t[0, 0].item() == 1 and t.storage()[1] == 1
    assert np.shares_memory(a, t.numpy())


# -- the array protocols -------------------------------------------------------------------
@NUMPY2
def test_dunder_array_dtype_and_copy():
    t = tj.arange(6, dtype=tj.float32).view(2, 3).t()
    base = t.numpy()
    a = t.__array__()
    assert np.shares_memory(a, base) and a.dtype == np.float32 and a.strides == base.strides
    a = t.__array__(np.float32)
    assert np.shares_memory(a, base)
    a = t.__array__(copy=False)
    assert np.shares_memory(a, base)
    a = t.__array__(np.float32, copy=False)
    assert np.shares_memory(a, base)
    c = t.__array__(copy=True)
    assert not np.shares_memory(c, base) and c.dtype == np.float32
    np.testing.assert_array_equal(c, base)
    d = t.__array__(np.float64)
    assert d.dtype == np.float64 and not np.shares_memory(d, base)
    np.testing.assert_array_equal(d, base)
    d = t.__array__(np.int64, copy=True)
    assert d.dtype == np.int64 and d.tolist() == [[0, 3], [1, 4], [2, 5]]
    with pytest.raises(ValueError):
        t.__array__(np.float64, copy=False)


@NUMPY2
def test_numpy_functions_on_tensors():
    t = tj.arange(6, dtype=tj.float32).view(2, 3)[:, ::-1]
    base = t.numpy()
    a = np.asarray(t)
    assert np.shares_memory(a, base) and a.strides == base.strides and a.dtype == np.float32
    assert np.shares_memory(np.asarray(t, dtype=np.float32), base)
    assert np.shares_memory(np.array(t, copy=False), base)
    c = np.array(t)                                             # NumPy 2: np.array copies by default
    assert not np.shares_memory(c, base)
    np.testing.assert_array_equal(c, base)
    assert not np.shares_memory(np.asarray(t, copy=True), base)
    d = np.asarray(t, dtype=np.float64)
    assert d.dtype == np.float64 and not np.shares_memory(d, base)
    np.testing.assert_array_equal(d, base)
    with pytest.raises(ValueError):
        np.asarray(t, dtype=np.float64, copy=False)
    a[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    assert np.asarray(tj.tensor(2.5)).shape == ()
    h = np.asarray(tj.tensor([1.5, 2.0], dtype=tj.float16))
    assert h.dtype == np.float16 and h.tolist() == [1.5, 2.0]


def test_array_interface():
    t = tj.arange(12, dtype=tj.int64).view(3, 4)
    ai = t.__array_interface__
    assert ai["version"] == 3
    assert ai["shape"] == (3, 4)
    assert ai["typestr"] == np.dtype(np.int64).str
    assert ai["data"] == (t.data_ptr(), False)
    assert ai["strides"] in (None, (32, 8))
    v = t.t()[1:, ::2]
    vi = v.__array_interface__
    assert vi["shape"] == (3, 2) and vi["strides"] == (8, 64) and vi["data"][0] == v.data_ptr()
    assert vi["data"][0] == t.data_ptr() + 8 * v.storage_offset()

    class Holder:                                               # NumPy reads the interface alone
        __array_interface__ = vi
    h = np.asarray(Holder())
    assert h.tolist() == v.tolist() and np.shares_memory(h, t.numpy())
    n = t[::-1].__array_interface__
    assert n["strides"] == (-32, 8) and n["data"][0] == t.data_ptr() + 8 * 8


def test_from_numpy_rejects_what_it_cannot_view():
    with pytest.raises(TypeError):
        tj.from_numpy(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        tj.from_numpy(np.array([1, None], dtype=object))
    with pytest.raises(TypeError):
        tj.from_numpy([1.0, 2.0])
    rec = np.zeros(4, dtype=[("a", np.int32), ("b", np.int16)])
    with pytest.raises(ValueError):
        tj.from_numpy(rec["a"])                                   # stride 6 is not a multiple of 4


def test_from_numpy_non_native_byte_order_raises_value_error():
    swapped = np.arange(4, dtype=">i4" if np.little_endian else "<i4")
    with pytest.raises(ValueError, match="byte order"):
        tj.from_numpy(swapped)


def test_as_tensor_and_tensor_sharing():
    a = np.arange(6.0).reshape(2, 3)[:, ::-1]
    t = tj.as_tensor(a)
    assert np.shares_memory(t.numpy(), a) and t.stride() == (3, -1)
    u = tj.tensor(a)
    assert not np.shares_memory(u.numpy(), a) and u.is_contiguous() and u.tolist() == a.tolist()
    a[0, 0] = -1
    assert t[0, 0].item() == -1 and u[0, 0].item() == 2.0

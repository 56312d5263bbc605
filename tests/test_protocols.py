"""NumPy's protocols on tensors: ufuncs (and their methods), DLPack, __array__ and
__array_interface__, the fallback to NumPy, foreign types, CUDA refusals.

Every mapped ufunc runs once on float64 (plus a few on integers where NumPy's result dtype
differs from PyTorch's) against NumPy on the same data: the result must be a Tensor with
NumPy's dtype, shape and values. Kernel budget: one float64 kernel per op, a handful of int64.
"""
import math

import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _protocols_ufunc as U
from tensorjit._dlpack import from_dlpack

torch = pytest.importorskip("torch", reason="PyTorch is the DLPack partner in these tests")


def _check(r, ref, rtol=1e-12, atol=1e-12):
    assert isinstance(r, tj.Tensor), type(r)
    ref = np.asarray(ref)
    got = r.numpy()
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol, equal_nan=True)


def _data(name):
    base = np.array([[0.25, -1.5, 2.0, np.nan], [np.inf, -np.inf, 0.0, 0.75], [3.5, -0.5, 1.0, -2.25]])
    if name in ("arccosh",):
        return np.abs(base) + 1
    if name in ("arcsin", "arccos", "arctanh"):
        return np.clip(base, -0.9, 0.9)
    return base


UNARY = sorted(n for n, _ in U._UFUNCS.items() if getattr(np, n).nin == 1)
BINARY = sorted(n for n, _ in U._UFUNCS.items() if getattr(np, n).nin == 2 and n != "matmul")
FLOAT_ONLY = {"bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"}


@pytest.mark.parametrize("name", [n for n in UNARY if n not in FLOAT_ONLY])
def test_unary_ufunc_matches_numpy(name):
    a = _data(name)
    # A transposed, offset view: the protocol handles any layout.
    view = a.T[1:]
    uf = getattr(np, name)
    with np.errstate(all="ignore"):
        ref = uf(view)
        r = uf(tj.from_numpy(a).T[1:])
    _check(r, ref, rtol=1e-12 if name not in ("expm1", "log1p", "arcsinh", "arctanh") else 1e-9)


@pytest.mark.parametrize("name", [n for n in BINARY if n not in FLOAT_ONLY])
def test_binary_ufunc_matches_numpy(name):
    a = _data(name)
    b = np.array([1.5, -0.25, 2.0, 0.5])                     # broadcast along rows
    uf = getattr(np, name)
    if name == "ldexp":
        b = np.array([1, -2, 3, 0])
    with np.errstate(all="ignore"):
        ref = uf(a, b)
        r = uf(tj.from_numpy(a), tj.from_numpy(b))
    _check(r, ref, rtol=1e-12)


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift",
                                  "invert"])
def test_integer_ufuncs_match_numpy(name):
    a = np.array([[5, -3, 12], [7, 0, 1]], dtype=np.int64)
    b = np.array([1, 2, 3], dtype=np.int64)
    uf = getattr(np, name)
    args = (a,) if uf.nin == 1 else (a, b)
    _check(uf(*(tj.from_numpy(x) for x in args)), uf(*args))


@pytest.mark.parametrize("call", [
    lambda x: np.exp(x),                # int64 -> float64 (PyTorch gives float32)
    lambda x: np.add(x, 1.5),           # int64 + Python float -> float64
    lambda x: np.true_divide(x, 2),     # int / int -> float64
    lambda x: np.add(x, np.int32(3)),   # int64 with a NumPy int32 scalar
    lambda x: np.sqrt(x.astype(np.float32) if isinstance(x, np.ndarray) else x.astype(np.float32)),
    lambda x: np.reciprocal(x),         # integer reciprocal: NumPy's own loop (fallback)
    lambda x: np.multiply(x, True),
], ids=["exp_int", "int_plus_float", "int_true_divide", "numpy_scalar", "float32_sqrt", "int_reciprocal",
        "bool_scalar"])
def test_ufunc_dtypes_follow_numpy(call):
    a = np.array([[1, 4, 9], [16, 25, 36]], dtype=np.int64)
    with np.errstate(all="ignore"):
        _check(call(tj.from_numpy(a)), call(a), rtol=1e-6)


def test_ufunc_with_scalars_and_arrays_on_either_side():
    a = np.arange(6.0).reshape(2, 3)
    t = tj.from_numpy(a)
    _check(np.add(1, t), 1 + a)
    _check(np.subtract(a, t), a - a)
    _check(a + t, a + a)                    # ndarray.__add__ defers through __array_ufunc__
    _check(np.maximum(t[0], 1.5), np.maximum(a[0], 1.5))
    _check(np.add(tj.tensor(2.0, dtype=tj.float64), tj.tensor(3.0, dtype=tj.float64)),
           np.add(np.array(2.0), np.array(3.0)))                                       # 0-d
    _check(np.add(t[:0], 1.0), a[:0] + 1.0)                                               # empty


def test_matmul_ufunc():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    _check(np.matmul(tj.from_numpy(a), tj.from_numpy(b)), a @ b)
    _check(np.matmul(a, tj.from_numpy(b)), a @ b)


def test_ufunc_out_writes_the_tensor_and_returns_it():
    a = np.arange(6.0).reshape(2, 3)
    out = tj.zeros(2, 3, dtype=tj.float64)
    r = np.multiply(tj.from_numpy(a), 2, out=out)
    assert r is out
    np.testing.assert_array_equal(out.numpy(), a * 2)
    # An ndarray out: NumPy's rule, the caller's object comes back.
    o = np.zeros((2, 3))
    assert np.add(tj.from_numpy(a), 1, out=o) is o
    np.testing.assert_array_equal(o, a + 1)
    # same_kind casting is enforced and the out tensor is left untouched.
    iout = tj.zeros(2, 3, dtype=tj.int64)
    with pytest.raises(TypeError):
        np.add(tj.from_numpy(a), 0.5, out=(iout,))
    assert iout.tolist() == [[0, 0, 0], [0, 0, 0]]


@pytest.mark.parametrize("ufunc", ["add", "multiply", "maximum", "minimum"])
@pytest.mark.parametrize("axis", [0, 1, -1, None, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_matches_numpy(ufunc, axis, keepdims):
    a = np.array([[0.5, -1.0, 2.0], [1.5, 3.0, -0.25]])
    uf = getattr(np, ufunc)
    _check(uf.reduce(tj.from_numpy(a), axis=axis, keepdims=keepdims), uf.reduce(a, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("npdt", [np.int32, np.bool_, np.uint8])
def test_reduce_dtype_follows_numpy(npdt):
    a = (np.arange(6).reshape(2, 3) % 3).astype(npdt)
    _check(np.add.reduce(tj.from_numpy(a), axis=1), np.add.reduce(a, axis=1))
    _check(np.logical_or.reduce(tj.from_numpy(a), axis=0), np.logical_or.reduce(a, axis=0))


@pytest.mark.parametrize("ufunc", ["add", "multiply", "maximum", "minimum"])
@pytest.mark.parametrize("axis", [0, 1])
def test_accumulate_matches_numpy(ufunc, axis):
    a = np.array([[0.5, -1.0, np.nan], [1.5, 3.0, -0.25]])
    uf = getattr(np, ufunc)
    _check(uf.accumulate(tj.from_numpy(a), axis=axis), uf.accumulate(a, axis=axis))


def test_outer_and_at():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([[0.5, -1.0], [2.0, 4.0]])
    _check(np.multiply.outer(tj.from_numpy(a), tj.from_numpy(b)), np.multiply.outer(a, b))
    _check(np.subtract.outer(tj.from_numpy(a), b), np.subtract.outer(a, b))
    x = np.zeros(5)
    t = tj.zeros(5, dtype=tj.float64)
    idx = np.array([0, 1, 1, 4, 1])
    np.add.at(x, idx, 1.5)
    assert np.add.at(t, idx, 1.5) is None
    np.testing.assert_array_equal(t.numpy(), x)
    # A method we do not map (reduceat) falls back to NumPy on the shared buffer.
    _check(np.add.reduceat(tj.from_numpy(a), [0, 2]), np.add.reduceat(a, [0, 2]))


def test_unmapped_ufuncs_fall_back_on_the_shared_buffer():
    a = np.array([0.5, 1.5, -2.25])
    t = tj.from_numpy(a)
    m, e = np.frexp(t)
    rm, re_ = np.frexp(a)
    _check(m, rm)
    _check(e, re_)
    _check(np.cbrt(t), np.cbrt(a))
    # where= is NumPy's: fallback, still writes into the tensor.
    out = tj.zeros(3, dtype=tj.float64)
    np.add(t, 1, out=out, where=np.array([True, False, True]))
    assert out.tolist() == [1.5, 0.0, -1.25]


class Foreign:
    """An array-like of another library: our protocols must let it answer."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return "foreign-ufunc"

    def __array_function__(self, func, types, args, kwargs):
        return "foreign-function"


def test_foreign_types_get_notimplemented():
    t = tj.ones(2)
    assert t.__array_ufunc__(np.add, "__call__", t, Foreign()) is NotImplemented
    assert t.__array_function__(np.concatenate, (tj.Tensor, Foreign), ([t, Foreign()],), {}) is NotImplemented
    assert np.add(t, Foreign()) == "foreign-ufunc"
    assert np.concatenate([t, Foreign()]) == "foreign-function"


# -- DLPack, __array__, __array_interface__ --------------------------------------------------
@pytest.mark.parametrize("npdt", [np.float32, np.float64, np.int64, np.uint8, np.bool_, np.complex128, np.float16])
def test_dlpack_to_numpy_and_back_shares_memory(npdt):
    base = (np.arange(12) % 5).astype(npdt).reshape(3, 4)
    t = tj.from_numpy(base)[1:, ::-2]                        # offset, negative strides
    a = np.from_dlpack(t)
    assert np.shares_memory(a, base)
    np.testing.assert_array_equal(a, base[1:, ::-2])
    assert t.__dlpack_device__() == (1, 0)
    back = from_dlpack(a)
    assert isinstance(back, tj.Tensor) and back.data_ptr() == t.data_ptr() and back.stride() == t.stride()
    assert back.dtype is t.dtype


def test_dlpack_with_pytorch_both_ways():
    t = tj.arange(6, dtype=tj.float32).reshape(2, 3)
    pt = torch.from_dlpack(t)
    pt[0, 0] = 42
    assert t[0, 0].item() == 42
    src = torch.arange(8, dtype=torch.int32).reshape(2, 4).t()
    u = from_dlpack(src)
    assert u.stride() == src.stride() and u.tolist() == src.tolist()
    src[0, 0] = -1
    assert u[0, 0].item() == -1
    c = from_dlpack(src, copy=True)
    src[0, 0] = 5
    assert c[0, 0].item() == -1


def test_array_copy_semantics_numpy2():
    t = tj.arange(4, dtype=tj.float64)
    a = np.asarray(t)
    assert np.shares_memory(a, t.numpy())
    assert not np.shares_memory(np.array(t, copy=True), t.numpy())
    assert np.shares_memory(np.asarray(t, copy=False), t.numpy())
    with pytest.raises(ValueError):
        np.asarray(t, dtype=np.float32, copy=False)
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    ai = t.__array_interface__
    assert ai["data"][0] == t.data_ptr() and ai["shape"] == (4,) and ai["typestr"] == "<f8"


# -- CUDA tensors: protocols refuse clearly --------------------------------------------------
class _FakeBuffer:
    device = tj.device("cuda", 0)


def _fake_cuda_tensor():
    from tensorjit.cuda._tensor import make_cuda
    return make_cuda(_FakeBuffer(), (3,), (1,), 0, tj.float32)


def test_cuda_tensor_fallbacks_raise_typeerror():
    t = _fake_cuda_tensor()
    with pytest.raises(TypeError, match="CUDA|cuda"):
        np.frexp(t)
    with pytest.raises(TypeError, match="cuda"):
        np.fft.fft(t)
    with pytest.raises(TypeError, match="cuda"):
        np.asarray(t)
    with pytest.raises(TypeError, match="cpu"):
        from_dlpack(t)


def test_ufunc_mapping_table_names_real_ops():
    for np_name, tj_name in U._UFUNCS.items():
        assert isinstance(getattr(np, np_name), np.ufunc), np_name
        assert callable(getattr(tj, tj_name)), tj_name
    assert math.isnan(float(np.add(tj.tensor(float("nan")), 1.0)))

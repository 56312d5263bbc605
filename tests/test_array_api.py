"""The array API namespace (tensorjit.array_api), tested from the standard's text (2025.12):
namespace and inspection, dtypes and the promotion table, creation, element-wise functions with
scalars, statistics' dtypes, sets, sorting, searching, manipulation, linalg, in-place operators
and devices. Values are checked against NumPy on the same data. Inputs are float64 and int64
where the dtype is not the point, to share kernels with the protocol tests.
"""
import math

import numpy as np
import pytest

import tensorjit as tj
import tensorjit.array_api as xp

F8 = np.array([[0.5, -1.5, 2.0], [4.0, np.nan, -0.25]])


def _eq(got, ref, dtype=None):
    assert isinstance(got, tj.Tensor)
    ref = np.asarray(ref)
    if dtype is not None:
        assert got.dtype == dtype
    assert tuple(got.shape) == ref.shape
    np.testing.assert_allclose(got.numpy().astype(ref.dtype), ref, rtol=1e-12, equal_nan=True)


def test_namespace_and_inspection():
    x = xp.asarray([1.0, 2.0])
    assert x.__array_namespace__() is xp
    assert x.__array_namespace__(api_version="2023.12") is xp
    with pytest.raises(ValueError):
        x.__array_namespace__(api_version="1999.01")
    assert xp.__array_api_version__ >= "2024.12"
    info = xp.__array_namespace_info__()
    assert set(info.capabilities()) >= {"boolean indexing", "data-dependent shapes"}
    assert info.default_device() == "cpu" and "cpu" in info.devices()
    dd = info.default_dtypes()
    assert dd["integral"] == xp.int64 and dd["indexing"] == xp.int64
    assert dd["complex floating"] == dd["real floating"].to_complex()
    assert set(info.dtypes()) == {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                  "uint64", "float32", "float64", "complex64", "complex128"}
    assert info.dtypes(kind="unsigned integer") == {"uint8": xp.uint8, "uint16": xp.uint16,
                                                    "uint32": xp.uint32, "uint64": xp.uint64}
    assert xp.complex64 == xp.complex64 and xp.complex128 != xp.complex64      # dtype objects from the start
    assert (xp.e, xp.pi, xp.newaxis) == (math.e, math.pi, None) and math.isnan(xp.nan) and xp.inf == math.inf


def test_devices_compare_to_strings_and_to_device():
    x = xp.ones(3)
    assert x.device == "cpu" and x.device == xp.__array_namespace_info__().default_device()
    assert x.to_device("cpu") is x
    assert xp.asarray([1, 2], device=x.device).device == x.device


# The standard's promotion table among integers (signed and unsigned) and floating types.
PROMOTION = [
    ("int8", "uint8", "int16"), ("int16", "uint16", "int32"), ("int32", "uint32", "int64"),
    ("uint8", "uint16", "uint16"), ("uint16", "uint32", "uint32"), ("uint32", "uint64", "uint64"),
    ("int8", "int64", "int64"), ("uint8", "int32", "int32"), ("int16", "uint8", "int16"),
    ("float32", "float64", "float64"), ("float32", "complex64", "complex64"),
    ("float64", "complex64", "complex128"), ("complex64", "complex128", "complex128"), ("bool", "bool", "bool"),
]


@pytest.mark.parametrize("a,b,r", PROMOTION)
def test_promotion_table(a, b, r):
    da, db, dr = (getattr(xp, n) for n in (a, b, r))
    assert xp.result_type(da, db) == dr and xp.result_type(db, da) == dr
    assert xp.can_cast(da, dr) and xp.can_cast(db, dr)


def test_promotion_table_applies_to_operations():
    x = xp.asarray([200], dtype=xp.uint8)
    y = xp.asarray([-100], dtype=xp.int8)
    assert (x + y).dtype == xp.int16 and (x + y).tolist() == [100]
    z = xp.asarray([4_000_000_000], dtype=xp.uint32)
    w = xp.asarray([-1], dtype=xp.int32)
    assert xp.add(z, w).dtype == xp.int64 and xp.add(z, w).tolist() == [3_999_999_999]


@pytest.mark.parametrize("a,b", [("uint64", "int64"), ("uint64", "int8"), ("int32", "float32"),
                                 ("bool", "int8"), ("float64", "int64")])
def test_undefined_promotions_raise(a, b):
    with pytest.raises(TypeError):
        xp.result_type(getattr(xp, a), getattr(xp, b))
    assert not xp.can_cast(getattr(xp, a), getattr(xp, b)) or a == b


def test_result_type_with_python_scalars_is_weak():
    assert xp.result_type(xp.int8, 1) == xp.int8
    assert xp.result_type(xp.float32, 1.0) == xp.float32
    assert xp.result_type(xp.float32, 1j) == xp.complex64
    with pytest.raises(TypeError):
        xp.result_type(xp.int8, 1.5)


def test_isdtype_finfo_iinfo():
    assert xp.isdtype(xp.uint16, "unsigned integer") and not xp.isdtype(xp.int8, "unsigned integer")
    assert xp.isdtype(xp.complex64, ("real floating", "complex floating"))
    assert xp.isdtype(xp.float32, xp.float32) and xp.isdtype(xp.bool, "bool")
    assert not xp.isdtype(xp.bool, "numeric")
    with pytest.raises(ValueError):
        xp.isdtype(xp.int8, "integer")
    f = xp.finfo(xp.complex64)
    assert f.dtype == xp.float32 and f.bits == 32 and f.eps == float(np.finfo(np.float32).eps)
    assert f.smallest_normal == float(np.finfo(np.float32).smallest_normal)
    i = xp.iinfo(xp.uint8)
    assert (i.bits, i.min, i.max, i.dtype) == (8, 0, 255, xp.uint8)
    with pytest.raises(TypeError):
        xp.iinfo(xp.float32)


def test_astype_and_copy_rules():
    x = xp.asarray([1.7, -1.7, 0.2], dtype=xp.float64)
    y = xp.astype(x, xp.int64)
    assert y.dtype == xp.int64 and y.tolist() == [1, -1, 0]
    assert xp.astype(x, xp.float64, copy=False) is x
    c = xp.astype(x, xp.float64)
    assert c is not x and c.data_ptr() != x.data_ptr()
    a = np.arange(3.0)
    assert xp.asarray(a).data_ptr() == a.ctypes.data                           # shares a buffer
    assert xp.asarray(a, copy=True).data_ptr() != a.ctypes.data
    with pytest.raises(ValueError):
        xp.asarray([1, 2], copy=False)


def test_creation_functions():
    assert xp.asarray([[1, 2]]).dtype == xp.int64 and xp.asarray([True]).dtype == xp.bool
    assert xp.asarray(1.5).dtype == xp.__array_namespace_info__().default_dtypes()["real floating"]
    _eq(xp.arange(1, 10, 3), np.arange(1, 10, 3), xp.int64)
    assert xp.arange(5, 1).shape == (0,)
    _eq(xp.arange(0.0, 1.0, 0.25, dtype=xp.float64), np.arange(0.0, 1.0, 0.25))
    _eq(xp.eye(3, 4, k=-1, dtype=xp.float64), np.eye(3, 4, k=-1))
    _eq(xp.eye(2, k=5, dtype=xp.float64), np.eye(2, k=5))
    _eq(xp.linspace(0.0, 1.0, 5, dtype=xp.float64, endpoint=False), np.linspace(0, 1, 5, endpoint=False))
    _eq(xp.linspace(0.0, 1.0, 5, dtype=xp.float64), np.linspace(0, 1, 5))
    assert xp.full((2,), True).dtype == xp.bool and xp.full((2,), 3).dtype == xp.int64
    assert xp.full(2, 1j).dtype == xp.__array_namespace_info__().default_dtypes()["complex floating"]
    x = xp.zeros((2, 3), dtype=xp.int64)
    for f in (xp.zeros_like, xp.ones_like, xp.empty_like):
        r = f(x)
        assert r.shape == (2, 3) and r.dtype == xp.int64
    assert xp.full_like(x, 7).tolist() == [[7] * 3] * 2
    gx, gy = xp.meshgrid(xp.arange(2), xp.arange(3))
    rx, ry = np.meshgrid(np.arange(2), np.arange(3))
    _eq(gx, rx)
    _eq(gy, ry)
    _eq(xp.tril(xp.asarray(F8), k=1), np.tril(F8, 1))
    _eq(xp.triu(xp.asarray(F8), k=-1), np.triu(F8, -1))


@pytest.mark.parametrize("name,np_name", [("add", "add"), ("subtract", "subtract"), ("multiply", "multiply"),
                                          ("divide", "divide"), ("pow", "power"), ("maximum", "maximum"),
                                          ("atan2", "arctan2"), ("copysign", "copysign"),
                                          ("nextafter", "nextafter"), ("hypot", "hypot"),
                                          ("logaddexp", "logaddexp"), ("less", "less"), ("equal", "equal")])
def test_binary_functions_with_scalars_and_arrays(name, np_name):
    a = F8
    fx, fn = getattr(xp, name), getattr(np, np_name)
    with np.errstate(all="ignore"):
        _eq(fx(xp.asarray(a), xp.asarray(a[::-1])), fn(a, a[::-1]))
        _eq(fx(xp.asarray(a), 2.0), fn(a, 2.0))
        _eq(fx(3, xp.asarray(a)), fn(3, a))                  # a Python scalar on the left
    assert fx(xp.asarray(a), 2).dtype in (xp.float64, xp.bool)


@pytest.mark.parametrize("name,np_name", [("sign", "sign"), ("round", "round"), ("trunc", "trunc"),
                                          ("reciprocal", "reciprocal"), ("signbit", "signbit"),
                                          ("isfinite", "isfinite"), ("square", "square"),
                                          ("positive", "positive"), ("negative", "negative")])
def test_unary_functions(name, np_name):
    a = np.array([2.5, -0.5, 1.5, np.inf, -np.inf, 0.0, -3.0])
    with np.errstate(all="ignore"):
        _eq(getattr(xp, name)(xp.asarray(a)), getattr(np, np_name)(a))


def test_sign_real_imag_conj_on_complex():
    z = np.array([3 + 4j, -2j, 0j])
    _eq(xp.sign(xp.asarray(z)), np.sign(z))
    _eq(xp.real(xp.asarray(z)), z.real)
    _eq(xp.imag(xp.asarray(z)), z.imag)
    _eq(xp.conj(xp.asarray(z)), np.conj(z))
    _eq(xp.real(xp.asarray(F8)), F8)
    _eq(xp.imag(xp.asarray(F8)), np.zeros_like(F8))


def test_integer_rounding_functions_keep_dtype():
    x = xp.asarray([3, -2], dtype=xp.int64)
    for f in (xp.round, xp.floor, xp.ceil, xp.trunc):
        r = f(x)
        assert r.dtype == xp.int64 and r.tolist() == [3, -2]


def test_clip():
    a = np.array([1.0, 5.0, 9.0, np.nan])
    _eq(xp.clip(xp.asarray(a), 2.0, 6.0), np.clip(a, 2.0, 6.0))
    _eq(xp.clip(xp.asarray(a), max=4.0), np.clip(a, None, 4.0))
    _eq(xp.clip(xp.asarray(a), xp.asarray([0.0, 6.0, 0.0, 0.0])), np.clip(a, [0.0, 6.0, 0.0, 0.0], None))
    i = xp.asarray([1, 200], dtype=xp.uint8)
    r = xp.clip(i, -5, 1000)                                         # bounds beyond uint8: no effect
    assert r.dtype == xp.uint8 and r.tolist() == [1, 200]
    assert xp.clip(i, 2, 150).tolist() == [2, 150]


@pytest.mark.parametrize("npdt,want", [("int8", "int64"), ("uint16", "uint64"), ("bool", "int64"),
                                       ("float32", "float32"), ("float64", "float64")])
def test_sum_prod_dtypes_follow_the_standard(npdt, want):
    x = xp.asarray(np.array([[1, 0, 1], [1, 1, 0]], dtype=npdt))
    assert xp.sum(x).dtype == getattr(xp, want)
    assert xp.prod(x, axis=1).dtype == getattr(xp, want)
    assert xp.sum(x, axis=0).tolist() == [2, 1, 1]


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_statistics_match_numpy(axis, keepdims):
    a = np.array([[0.5, -1.5, 2.0], [4.0, 3.0, -0.25]])
    x = xp.asarray(a)
    for name in ("sum", "prod", "mean", "max", "min"):
        _eq(getattr(xp, name)(x, axis=axis, keepdims=keepdims), getattr(np, name)(a, axis=axis, keepdims=keepdims))
    for name in ("std", "var"):
        _eq(getattr(xp, name)(x, axis=axis, keepdims=keepdims, correction=1 if axis != () else 0),
            getattr(np, name)(a, axis=axis, keepdims=keepdims, ddof=1 if axis != () else 0))
    _eq(xp.all(x > 0, axis=axis, keepdims=keepdims), np.all(a > 0, axis=axis, keepdims=keepdims))
    _eq(xp.any(x > 3, axis=axis, keepdims=keepdims), np.any(a > 3, axis=axis, keepdims=keepdims))
    _eq(xp.count_nonzero(x > 0, axis=axis, keepdims=keepdims),
        np.count_nonzero(a > 0, axis=axis, keepdims=keepdims))


def test_cumulative_functions():
    a = np.array([[1, 2, 3], [4, 5, 6]])
    x = xp.asarray(a)
    _eq(xp.cumulative_sum(x, axis=1), np.cumulative_sum(a, axis=1), xp.int64)
    _eq(xp.cumulative_sum(x, axis=0, include_initial=True), np.cumulative_sum(a, axis=0, include_initial=True))
    _eq(xp.cumulative_prod(x, axis=1, include_initial=True), np.cumulative_prod(a, axis=1, include_initial=True))
    _eq(xp.cumulative_sum(xp.asarray([1, 2, 3])), np.cumulative_sum(np.array([1, 2, 3])))
    with pytest.raises(ValueError):
        xp.cumulative_sum(x)
    _eq(xp.diff(x, axis=0), np.diff(a, axis=0))
    _eq(xp.diff(x, n=2), np.diff(a, n=2))


def test_unique_functions_nans_distinct():
    a = np.array([[3.0, np.nan, 1.0], [3.0, np.nan, 2.0]])
    x = xp.asarray(a)
    r = xp.unique_all(x)
    vals, idx, inv, cnt = np.unique_all(a)
    _eq(r.values, vals)
    _eq(r.indices, idx)
    _eq(r.inverse_indices, inv)
    _eq(r.counts, cnt)
    assert r.inverse_indices.shape == x.shape
    _eq(xp.unique_values(x), np.unique_values(a))
    c = xp.unique_counts(x)
    _eq(c.counts, np.unique_counts(a).counts)
    i = xp.unique_inverse(xp.asarray([2, 1, 2]))
    assert i.values.tolist() == [1, 2] and i.inverse_indices.tolist() == [1, 0, 1]


def test_sorting_is_stable_and_descending():
    a = np.array([3, 1, 2, 1, 3, 2])
    x = xp.asarray(a)
    _eq(xp.argsort(x), np.argsort(a, stable=True))
    _eq(xp.argsort(x, descending=True), np.array([0, 4, 2, 5, 1, 3]))      # equal keys keep their order
    _eq(xp.sort(x, descending=True), np.sort(a)[::-1])
    _eq(xp.sort(xp.asarray(F8), axis=0), np.sort(F8, axis=0))


def test_searching():
    s = xp.asarray([1.0, 2.0, 2.0, 5.0])
    _eq(xp.searchsorted(s, xp.asarray([2.0, 0.0, 9.0])), np.searchsorted([1, 2, 2, 5], [2, 0, 9]))
    _eq(xp.searchsorted(s, xp.asarray([2.0]), side="right"), [3])
    _eq(xp.searchsorted(xp.asarray([5.0, 1.0, 2.0]), xp.asarray([1.5]), sorter=xp.asarray([1, 2, 0])), [1])
    _eq(xp.argmax(xp.asarray(F8[:, [0, 2]]), axis=0), np.argmax(F8[:, [0, 2]], axis=0))
    _eq(xp.argmin(xp.asarray(F8[:, [0, 2]]), keepdims=True), np.argmin(F8[:, [0, 2]], keepdims=True))
    nz = xp.nonzero(xp.asarray([[0, 1], [2, 0]]))
    assert [t.tolist() for t in nz] == [[0, 1], [1, 0]]
    with pytest.raises(ValueError):
        xp.nonzero(xp.asarray(1))
    _eq(xp.where(xp.asarray(F8) > 0, xp.asarray(F8), 0.0), np.where(F8 > 0, F8, 0.0))
    assert xp.where(xp.asarray([True, False]), 1, xp.asarray([5, 6], dtype=xp.int8)).dtype == xp.int8


def test_manipulation():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = xp.asarray(a)
    _eq(xp.permute_dims(x, (2, 0, 1)), np.permute_dims(a, (2, 0, 1)))
    _eq(xp.matrix_transpose(x), np.matrix_transpose(a))
    _eq(x.mT, np.matrix_transpose(a))
    _eq(xp.expand_dims(x, axis=-1), np.expand_dims(a, -1))
    with pytest.raises(IndexError):
        xp.expand_dims(x, axis=5)
    _eq(xp.squeeze(x[:, :1], axis=1), a[:, 0])
    with pytest.raises(ValueError):
        xp.squeeze(x, axis=0)
    _eq(xp.flip(x), np.flip(a))
    _eq(xp.flip(x, axis=(0, 2)), np.flip(a, (0, 2)))
    _eq(xp.roll(x, 3), np.roll(a, 3))
    _eq(xp.roll(x, (1, -1), axis=(0, 2)), np.roll(a, (1, -1), (0, 2)))
    _eq(xp.moveaxis(x, 0, -1), np.moveaxis(a, 0, -1))
    _eq(xp.repeat(x, 2, axis=1), np.repeat(a, 2, axis=1))
    _eq(xp.repeat(xp.asarray([1, 2]), xp.asarray([2, 3])), np.repeat([1, 2], [2, 3]))
    _eq(xp.tile(x, (2, 1, 1)), np.tile(a, (2, 1, 1)))
    _eq(xp.reshape(x, (4, 6)), a.reshape(4, 6))
    with pytest.raises(ValueError):
        xp.reshape(xp.permute_dims(x, (2, 0, 1)), (24,), copy=False)
    assert [t.tolist() for t in xp.unstack(x[0], axis=1)] == [list(c) for c in a[0].T]
    _eq(xp.concat([x, x], axis=1), np.concatenate([a, a], axis=1))
    _eq(xp.concat([x, x], axis=None), np.concatenate([a, a], axis=None))
    cat = xp.concat([xp.asarray([1], dtype=xp.uint8), xp.asarray([-1], dtype=xp.int8)])
    assert cat.dtype == xp.int16 and cat.tolist() == [1, -1]
    _eq(xp.stack([x, x], axis=-1), np.stack([a, a], axis=-1))
    b = xp.broadcast_arrays(xp.asarray([1, 2]), xp.asarray([[1], [2]]))
    assert [tuple(t.shape) for t in b] == [(2, 2), (2, 2)]
    _eq(xp.broadcast_to(xp.asarray([1.0, 2.0]), (3, 2)), np.broadcast_to([1.0, 2.0], (3, 2)))


def test_indexing_functions():
    a = np.arange(12.0).reshape(3, 4)
    x = xp.asarray(a)
    _eq(xp.take(x, xp.asarray([2, 0]), axis=1), np.take(a, [2, 0], axis=1))
    _eq(xp.take(xp.asarray([5.0, 6.0]), xp.asarray([1])), [6.0])
    idx = np.argsort(-a, axis=1)
    _eq(xp.take_along_axis(x, xp.asarray(idx), axis=1), np.take_along_axis(a, idx, axis=1))


def test_linear_algebra():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4) - 5
    x, y = xp.asarray(a), xp.asarray(b)
    _eq(xp.matmul(x, y), a @ b)
    _eq(x @ y, a @ b)
    _eq(xp.tensordot(x, y, axes=1), np.tensordot(a, b, 1))
    _eq(xp.tensordot(x, y, axes=((1,), (0,))), np.tensordot(a, b, ((1,), (0,))))
    _eq(xp.vecdot(x, x), np.vecdot(a, a))
    z = np.array([1 + 2j, 3 - 1j])
    _eq(xp.vecdot(xp.asarray(z), xp.asarray(z)), np.vecdot(z, z))           # conjugates the first
    L = xp.linalg
    _eq(L.vector_norm(x), np.linalg.vector_norm(a))
    _eq(L.vector_norm(x, axis=1, ord=1, keepdims=True), np.linalg.vector_norm(a, axis=1, ord=1, keepdims=True))
    _eq(L.vector_norm(x, ord=math.inf), np.linalg.vector_norm(a, ord=np.inf))
    _eq(L.vector_norm(x, ord=0), np.linalg.vector_norm(a, ord=0))
    for o in ("fro", 1, -1, math.inf, -math.inf, 2, -2, "nuc"):
        np.testing.assert_allclose(np.asarray(L.matrix_norm(y, ord=o)), np.linalg.matrix_norm(b, ord=o), rtol=1e-5)
    sq = np.array([[1.0, 2.0], [3.0, 4.0]])
    _eq(L.matrix_power(xp.asarray(sq), 3), np.linalg.matrix_power(sq, 3))
    _eq(L.matrix_power(xp.asarray(sq), 0), np.eye(2))
    _eq(L.trace(y, offset=1), np.linalg.trace(b, offset=1))
    _eq(L.diagonal(y, offset=-1), np.linalg.diagonal(b, offset=-1))
    _eq(L.outer(xp.asarray([1.0, 2.0]), xp.asarray([3.0, 4.0, 5.0])), np.outer([1, 2], [3, 4, 5]))
    _eq(L.cross(xp.asarray([1.0, 0.0, 0.0]), xp.asarray([0.0, 1.0, 0.0])), np.cross([1, 0, 0], [0, 1, 0]))
    spd = sq @ sq.T + np.eye(2)
    S = xp.asarray(spd)
    close = lambda got, want: np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, atol=1e-9)  # noqa: E731
    close(L.inv(S), np.linalg.inv(spd))
    close(L.det(S), np.linalg.det(spd))
    close(L.solve(S, xp.asarray([1.0, 2.0])), np.linalg.solve(spd, [1.0, 2.0]))
    close(L.cholesky(S), np.linalg.cholesky(spd))
    close(L.eigvalsh(S), np.linalg.eigvalsh(spd))
    close(L.svdvals(S), np.linalg.svd(spd, compute_uv=False))
    sign, logabs = L.slogdet(S)
    close(sign, 1.0)
    close(logabs, np.linalg.slogdet(spd)[1])
    q, r = L.qr(S)
    close(L.matmul(q, r), spd)
    u, s_, vh = L.svd(S, full_matrices=False)
    close(L.matmul(u * s_[None, :], vh), spd)
    close(L.matrix_power(S, -1), np.linalg.inv(spd))
    assert int(L.matrix_rank(S)) == 2
    close(L.pinv(S), np.linalg.pinv(spd))
    w = L.eigvals(S)
    assert w.dtype == xp.complex128
    close(xp.sort(xp.real(w)), np.linalg.eigvalsh(spd))


def test_fft_extension_follows_the_standards_dtype_rules():
    x = xp.asarray([1.0, 2.0, 0.5, -1.0])
    with pytest.raises(TypeError, match="complex"):
        xp.fft.fft(x)                  # PyTorch would promote; the standard takes complex only
    with pytest.raises(TypeError, match="real floating"):
        xp.fft.rfft(xp.astype(x, xp.complex128))
    z = xp.fft.rfft(xp.astype(x, xp.float32))
    assert z.dtype == xp.complex64 and z.shape == (3,)
    back = xp.fft.irfft(z, n=4)
    assert back.dtype == xp.float32
    np.testing.assert_allclose(back.numpy(), x.numpy(), rtol=1e-6)
    assert xp.fft.fftfreq(4).dtype == xp.float64


def test_in_place_operators_follow_the_standard():
    x = xp.asarray([1.0, 2.0, 3.0], dtype=xp.float64)
    ptr = x.data_ptr()
    x += xp.asarray(1.0, dtype=xp.float64)
    x *= 2
    assert x.tolist() == [4.0, 6.0, 8.0] and x.data_ptr() == ptr
    i = xp.asarray([1, 2], dtype=xp.int64)
    with pytest.raises((TypeError, RuntimeError)):
        i += 1.5                                   # would change the left operand's dtype
    with pytest.raises((ValueError, RuntimeError)):
        x += xp.ones((2, 3), dtype=xp.float64)     # would change the left operand's shape
    assert x.tolist() == [4.0, 6.0, 8.0] and i.tolist() == [1, 2]


def test_dlpack_round_trip_through_the_namespace():
    a = np.arange(4.0)
    t = xp.from_dlpack(a)
    assert t.data_ptr() == a.ctypes.data
    assert xp.from_dlpack(t) is t


# The standard's "Special Cases" for floor_divide (IEEE floating operands): infinities give
# floor(x1 / x2), not PyTorch's NaN and -1.
FLOOR_DIVIDE_SPECIAL = [
    (math.inf, 2.0, math.inf), (math.inf, -2.0, -math.inf), (-math.inf, 2.0, -math.inf),
    (-math.inf, -2.0, math.inf), (1.0, math.inf, 0.0), (1.0, -math.inf, -0.0), (-1.0, math.inf, -0.0),
    (-1.0, -math.inf, 0.0), (math.inf, -math.inf, math.nan), (0.0, 0.0, math.nan), (5.0, 0.0, math.inf),
    (5.0, -0.0, -math.inf), (-5.0, 0.0, -math.inf), (0.0, 3.0, 0.0), (-0.0, 3.0, -0.0),
    (0.0, -3.0, -0.0), (math.nan, 1.0, math.nan),
]


def _same_float(got, want):
    if math.isnan(want):
        return math.isnan(got)
    return got == want and math.copysign(1.0, got) == math.copysign(1.0, want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_floor_divide_special_cases_follow_the_standard(dtype):
    d = getattr(xp, dtype)
    x1 = xp.asarray([c[0] for c in FLOOR_DIVIDE_SPECIAL], dtype=d)
    x2 = xp.asarray([c[1] for c in FLOOR_DIVIDE_SPECIAL], dtype=d)
    got = xp.floor_divide(x1, x2)
    assert got.dtype == d and got.shape == x1.shape
    for g, (a, b, want) in zip(got.tolist(), FLOOR_DIVIDE_SPECIAL):
        assert _same_float(g, want), (a, b, g, want)
    # broadcast scalar operand, and the right operand infinite
    assert _same_float(xp.floor_divide(xp.asarray([3.0], dtype=d), -math.inf).tolist()[0], -0.0)


def test_floor_divide_finite_values_unchanged():
    a = np.array([7.0, -7.0, 1.0, 7.5, -0.5, 1e300])
    b = np.array([2.0, 2.0, 0.1, -2.0, 3.0, 1e-10])
    _eq(xp.floor_divide(xp.asarray(a), xp.asarray(b)), np.floor_divide(a, b))
    assert xp.floor_divide(xp.asarray([7, -7]), 2).tolist() == [3, -4]


# remainder: "the result has the same sign as x2" (zeros included), as Python's %.
REMAINDER_ZEROS = [(-0.0, 5.0, 0.0), (0.0, -5.0, -0.0), (4.0, -2.0, -0.0), (-4.0, 2.0, 0.0),
                   (0.0, 5.0, 0.0), (-0.0, -5.0, -0.0)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_remainder_zero_takes_the_sign_of_x2(dtype):
    d = getattr(xp, dtype)
    got = xp.remainder(xp.asarray([c[0] for c in REMAINDER_ZEROS], dtype=d),
                       xp.asarray([c[1] for c in REMAINDER_ZEROS], dtype=d))
    assert got.dtype == d
    for g, (a, b, want) in zip(got.tolist(), REMAINDER_ZEROS):
        assert _same_float(g, want) and _same_float(g, a % b), (a, b, g)
    a = np.array([7.0, -7.0, 7.0, -7.5, np.inf, 3.0, np.nan])
    b = np.array([3.0, 3.0, -3.0, 2.0, 2.0, np.inf, 1.0])
    with np.errstate(all="ignore"):
        _eq(xp.remainder(xp.asarray(a), xp.asarray(b)), np.remainder(a, b))
    assert xp.remainder(xp.asarray([7, -7]), 3).tolist() == [1, 2]


def test_inspection_devices_is_a_list():
    info = xp.__array_namespace_info__()
    devs = info.devices()
    assert isinstance(devs, list) and devs[0] == info.default_device()


@pytest.mark.parametrize("num", [0, 1, 3, 7, 10])
def test_linspace_without_endpoint_is_a_prefix_of_one_more_with_it(num):
    # The standard: linspace(a, b, num, endpoint=False) equals the first num values of
    # linspace(a, b, num + 1) (exactly, element for element).
    got = xp.linspace(0.0, 1.0, num, endpoint=False, dtype=xp.float64)
    full = xp.linspace(0.0, 1.0, num + 1, dtype=xp.float64)
    assert got.shape == (num,) and got.dtype == xp.float64
    assert got.tolist() == full.tolist()[:num]
    np.testing.assert_allclose(got.numpy(), np.linspace(0.0, 1.0, num, endpoint=False), rtol=1e-15, atol=0)


# Products promote like every other binary function ("type promotion rules" in each of their
# Returns sections); PyTorch's kernels ask equal dtypes, so the namespace promotes first.
@pytest.mark.parametrize("a,b,r", [("uint8", "uint16", "uint16"), ("int8", "int16", "int16"),
                                   ("float32", "float64", "float64")])
def test_products_promote_mixed_dtypes(a, b, r):
    da, db, dr = getattr(xp, a), getattr(xp, b), getattr(xp, r)
    m1 = np.arange(6).reshape(2, 3)
    m2 = np.arange(6).reshape(3, 2)
    got = xp.matmul(xp.asarray(m1, dtype=da), xp.asarray(m2, dtype=db))
    _eq(got, m1 @ m2, dr)
    _eq(xp.linalg.matmul(xp.asarray(m1, dtype=da), xp.asarray(m2, dtype=db)), m1 @ m2, dr)
    _eq(xp.tensordot(xp.asarray(m1, dtype=da), xp.asarray(m2, dtype=db), axes=1), np.tensordot(m1, m2, 1), dr)
    v1, v2 = np.array([1, 2, 3]), np.array([4, 5, 7])
    _eq(xp.linalg.cross(xp.asarray(v1, dtype=da), xp.asarray(v2, dtype=db)), np.cross(v1, v2).astype(r), dr)
    _eq(xp.vecdot(xp.asarray(m1, dtype=da), xp.asarray(v1, dtype=db)), m1 @ v1, dr)


def test_vecdot_keeps_the_promoted_integer_dtype():
    # vecdot's result dtype is the promotion of its inputs (not a widened sum dtype); uint8
    # arithmetic wraps like every other uint8 operation.
    got = xp.vecdot(xp.asarray([200, 100], dtype=xp.uint8), xp.asarray([1, 1], dtype=xp.uint8))
    assert got.dtype == xp.uint8 and got.shape == () and int(got) == (300 % 256)
    assert xp.vecdot(xp.ones((2, 3), dtype=xp.int16), xp.ones(3, dtype=xp.int16)).dtype == xp.int16


def test_sign_of_a_complex_zero_is_positive_zero():
    # The standard's special case: "If a is either -0 or +0 and b is either -0 or +0, the result
    # is 0 + 0j" (the sign bits of the input zeros do not carry over).
    z = xp.asarray([complex(-0.0, 0.0), complex(0.0, -0.0), complex(-0.0, -0.0), 3 - 4j], dtype=xp.complex128)
    got = xp.sign(z).tolist()
    for g in got[:3]:
        assert g == 0 and math.copysign(1.0, g.real) == 1.0 and math.copysign(1.0, g.imag) == 1.0
    assert abs(got[3] - (3 - 4j) / 5) < 1e-15


# 0-d arrays take part in promotion like any other array (the standard has no PyTorch-style
# "dimensionless tensors yield" rule): uint16 0-d with uint8 1-d is uint16.
@pytest.mark.parametrize("name", ["add", "multiply", "subtract", "maximum", "less"])
@pytest.mark.parametrize("d0,d1,want", [("uint16", "uint8", "uint16"), ("float64", "float32", "float64")])
def test_zero_dim_arrays_promote_like_any_other(name, d0, d1, want):
    f = getattr(xp, name)
    a = xp.asarray(3, dtype=getattr(xp, d0))
    b = xp.asarray([1, 2], dtype=getattr(xp, d1))
    for r in (f(a, b), f(b, a)):
        assert r.shape == (2,)
        assert r.dtype == (xp.bool if name == "less" else getattr(xp, want))


def test_clip_result_has_the_broadcast_shape_of_x_and_its_bounds():
    # "the returned array must have a shape determined by broadcasting x, min and max"
    r = xp.clip(xp.asarray(5.0, dtype=xp.float64), xp.asarray([1.0, 7.0], dtype=xp.float64), None)
    assert r.shape == (2,) and r.tolist() == [5.0, 7.0]
    r = xp.clip(xp.asarray([5.0], dtype=xp.float64), xp.asarray([[1.0], [9.0]], dtype=xp.float64),
                xp.asarray(10.0, dtype=xp.float64))
    assert r.shape == (2, 1) and r.tolist() == [[5.0], [9.0]]
    assert r.dtype == xp.float64


@pytest.mark.parametrize("shape,axis", [((0, 0, 0, 0), None), ((2, 0), 1), ((2, 0), 0), ((0, 3), (0, 1))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_all_any_of_empty_arrays(shape, axis, keepdims):
    # all() over nothing is True and any() is False, whatever the empty layout (here also the
    # broadcast result of a comparison of empty arrays).
    a = np.zeros(shape)
    x = xp.less(xp.asarray(a), xp.asarray(np.zeros(shape[-1:])))
    for f, nf in ((xp.all, np.all), (xp.any, np.any)):
        got, want = f(x, axis=axis, keepdims=keepdims), nf(a < 0, axis=axis, keepdims=keepdims)
        assert got.dtype == xp.bool and got.shape == want.shape
        assert got.tolist() == want.tolist()

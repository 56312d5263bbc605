"""Tensors inside users' @numba.njit code (tensorjit/numba_ext.py, Note [tensors in numba]).

Each layout is built twice, with tensorjit from a NumPy base and with NumPy from the same base,
so the NumPy view is the oracle for what compiled code must see; strides and sizes are checked
against PyTorch's where PyTorch can build the view. Every dtype runs on one contiguous layout;
the layouts run on float64 (and float32 for the NumPy view). The compiled functions are shared
across tests so that each (function, tensor type) compiles once.
"""
import gc
import os
import subprocess
import sys
import textwrap
import weakref

import numba
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numba.core.errors import TypingError

import tensorjit as tj
from tensorjit import numba_ext
from tensorjit.numba_ext import from_numpy

try:
    import torch
except ImportError:  # pragma: no cover - torch is the optional oracle
    torch = None

# name -> (tensorjit view, NumPy view, PyTorch view or None where torch has no such view)
LAYOUTS = {
    "contiguous": (lambda t: t, lambda a: a, lambda t: t),
    "transposed": (lambda t: t.t(), lambda a: a.T, lambda t: t.t()),
    "stepped": (lambda t: t[::2, 1::3], lambda a: a[::2, 1::3], lambda t: t[::2, 1::3]),
    "offset": (lambda t: t[1:, 2:], lambda a: a[1:, 2:], lambda t: t[1:, 2:]),
    "negative": (lambda t: t[::-1, ::-2], lambda a: a[::-1, ::-2], None),
    "broadcast": (lambda t: t[1:2].expand(3, 6), lambda a: np.broadcast_to(a[1:2], (3, 6)),
                  lambda t: t[1:2].expand(3, 6)),
    "empty": (lambda t: t[:, 6:], lambda a: a[:, 6:], lambda t: t[:, 6:]),
}


def _base_np(dtype=np.float64):
    return (np.arange(24).reshape(4, 6) * 1.5).astype(dtype)


@numba.njit
def meta(t):
    return (t.shape, t.strides, t.stride(), t.size(), t.ndim, t.dim(), t.numel(), t.nelement(),
            t.storage_offset(), t.is_contiguous(), t.element_size(), (t.size(-1), t.stride(0)))


@numba.njit
def read2(t):
    out = np.empty((t.shape[0], t.shape[1]), np.float64)
    for i in range(t.shape[0]):
        for j in range(t.size(1)):
            out[i, j] = t[i, j]
    return out


@numba.njit
def write2(t):
    for i in range(t.shape[0]):
        for j in range(t.shape[1]):
            t[i, j] = i * 100 + j


@numba.njit
def as_numpy(t):
    return t.numpy()


@numba.njit
def ident(t):
    return t


@numba.njit
def row(t, i):
    return t[i]


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_metadata_in_compiled_code(layout):
    tj_view, np_view, torch_view = LAYOUTS[layout]
    a = _base_np()
    x = tj_view(tj.from_numpy(a))
    want = np_view(a)
    shape, strides, stride, size, ndim, dim, numel, nelement, offset, contiguous, itemsize, one = meta(x)
    assert one == (x.size(-1), x.stride(0))
    assert shape == size == want.shape == tuple(x.shape)
    assert strides == stride == tuple(s // 8 for s in want.strides) == x.stride()
    assert (ndim, dim, numel, nelement, itemsize) == (2, 2, want.size, want.size, 8)
    assert offset == x.storage_offset()
    assert contiguous == x.is_contiguous()
    if torch_view is not None and torch is not None:
        tt = torch_view(torch.from_numpy(_base_np()))
        assert (shape, stride, offset, contiguous) == (tuple(tt.shape), tt.stride(), tt.storage_offset(),
                                                       tt.is_contiguous())


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_reads_every_element(layout):
    tj_view, np_view, _ = LAYOUTS[layout]
    a = _base_np()
    x = tj_view(tj.from_numpy(a))
    np.testing.assert_array_equal(read2(x), np_view(a))


@pytest.mark.parametrize("layout", [k for k in LAYOUTS if k != "broadcast"])
def test_writes_show_in_python_and_nowhere_else(layout):
    tj_view, np_view, _ = LAYOUTS[layout]
    a = _base_np()
    want = a.copy()
    v = np_view(want)
    v[...] = np.arange(v.shape[0])[:, None] * 100 + np.arange(v.shape[1])
    x = tj_view(tj.from_numpy(a))
    write2(x)
    np.testing.assert_array_equal(a, want)     # the view's elements changed, every other one kept
    np.testing.assert_array_equal(x.numpy(), v)


@numba.njit
def read3(t):
    out = np.empty(t.shape, np.float64)
    for i in range(t.shape[0]):
        for j in range(t.shape[1]):
            for k in range(t.shape[2]):
                out[i, j, k] = t[i, j, k]
    return out


_dims = st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4))
_slices = st.tuples(*[st.tuples(st.none() | st.integers(-5, 5), st.none() | st.integers(-5, 5),
                                st.sampled_from([None, 1, 2, -1, -2, 3])) for _ in range(3)])


@settings(max_examples=40, deadline=None)
@given(shape=_dims, perm=st.permutations([0, 1, 2]), slices=_slices)
def test_any_3d_view_reads_like_numpy(shape, perm, slices):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    idx = tuple(slice(*s) for s in slices)
    want = a.transpose(perm)[idx]
    x = tj.from_numpy(a).permute(*perm)[idx]
    np.testing.assert_array_equal(read3(x), want)
    np.testing.assert_array_equal(as_numpy(x), want)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_numpy_view_in_compiled_code(layout):
    tj_view, np_view, _ = LAYOUTS[layout]
    a = _base_np(np.float32)
    x = tj_view(tj.from_numpy(a))
    got = as_numpy(x)
    want = np_view(a)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    if want.size:
        assert got.strides == want.strides
        assert got.__array_interface__["data"][0] == want.__array_interface__["data"][0]
        assert np.shares_memory(got, a)


def test_numpy_view_is_c_contiguous_for_contiguous_tensors():
    # a size-1 dim with an odd stride is still contiguous (as Tensor.is_contiguous and PyTorch)
    x = tj.zeros(3, 1, 4, dtype=tj.float32).as_strided((3, 1, 4), (4, 99, 1))
    assert x.is_contiguous() and numba.typeof(x).layout == "C"
    got = as_numpy(x)
    assert got.flags.c_contiguous and got.strides == (16, 16, 4)
    assert str(numba.typeof(tj.zeros(2, 3).t())) == "tensor(float32, 2d, A)"


def test_numpy_functions_on_the_view():
    @numba.njit
    def col_means(t):
        a = t.numpy()
        out = np.empty(a.shape[1])
        for j in range(a.shape[1]):
            out[j] = a[:, j].mean()
        return out, np.sum(a), a[::2].copy()

    a = _base_np()
    x = tj.from_numpy(a).t()[:, 1:]
    means, total, sliced = col_means(x)
    np.testing.assert_allclose(means, a.T[:, 1:].mean(axis=0))
    np.testing.assert_allclose(total, a.T[:, 1:].sum())
    np.testing.assert_array_equal(sliced, a.T[:, 1:][::2])


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "negative", "offset"])
def test_returned_tensor_shares_the_storage(layout):
    tj_view = LAYOUTS[layout][0]
    x = tj_view(tj.from_numpy(_base_np()))
    y = ident(x)
    assert type(y) is tj.Tensor and y._data is x._data
    assert (y.shape, y.stride(), y.storage_offset(), y.dtype, y.is_contiguous()) == \
        (x.shape, x.stride(), x.storage_offset(), x.dtype, x.is_contiguous())
    r = row(x, 1)
    s = x[1]
    assert r._data is x._data
    assert (r.shape, r.stride(), r.storage_offset()) == (s.shape, s.stride(), s.storage_offset())
    np.testing.assert_array_equal(r.numpy(), s.numpy())
    r[0] = -7.0
    assert x[1, 0].item() == -7.0


def test_partial_indexing_gives_views_like_select():
    x = tj.arange(60, dtype=tj.float64).view(3, 4, 5).permute(2, 0, 1)[1:, ::-1]
    for i in (0, -1, 2):
        got = row(x, i)
        want = x[i]
        assert (got.shape, got.stride(), got.storage_offset(), got.is_contiguous()) == \
            (want.shape, want.stride(), want.storage_offset(), want.is_contiguous())
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_transposed_views_in_compiled_code():
    @numba.njit
    def transposes(t, d0, d1):
        return t.transpose(d0, d1), t.T

    @numba.njit
    def t_(t):
        return t.t()

    x = tj.arange(60, dtype=tj.float64).view(3, 4, 5)[:, 1:, ::-2]
    tx = torch.arange(60, dtype=torch.float64).view(3, 4, 5)[:, 1:, ::2] if torch is not None else None
    for d0, d1 in [(0, 1), (-1, 0), (2, 2), (1, -1)]:
        u, rev = transposes(x, d0, d1)
        for got, want in ((u, x.transpose(d0, d1)), (rev, x.permute(2, 1, 0))):
            assert got._data is x._data
            assert (got.shape, got.stride(), got.storage_offset()) == \
                (want.shape, want.stride(), want.storage_offset())
            np.testing.assert_array_equal(got.numpy(), want.numpy())
        if tx is not None:      # PyTorch's transpose of the positive-step view: |strides| agree
            tt = tx.transpose(d0, d1)
            assert (u.shape, tuple(abs(st) for st in u.stride())) == (tuple(tt.shape), tt.stride())
    with pytest.raises(IndexError, match="Dimension out of range"):
        transposes(x, 3, 0)
    m = tj.from_numpy(_base_np())[1:]
    assert t_(m).stride() == m.t().stride() == (1, 6) and t_(m).storage_offset() == 6
    v = tj.arange(4, dtype=tj.float64)
    assert t_(v)._data is v._data and t_(v).shape == (4,)
    with pytest.raises(TypingError, match=r"t\(\) expects a tensor with <= 2 dimensions"):
        t_(x)


def test_zero_d_tensors():
    @numba.njit
    def zero_d(t):
        v = t[()]
        item = t.item()
        t[()] = v + 1
        return v, item, t.shape, t.strides, t.numel(), t.dim(), t

    base = tj.arange(5, dtype=tj.float64) * 0.5
    for x in (tj.tensor(3.25, dtype=tj.float64), base[3]):
        before = x.item()
        v, item, shape, strides, numel, dim, y = zero_d(x)
        assert (v, item, shape, strides, numel, dim) == (before, before, (), (), 1, 0)
        assert x.item() == before + 1 and y._data is x._data and y.shape == () and y.storage_offset() == \
            x.storage_offset()
    assert base.tolist() == [0.0, 0.5, 1.0, 2.5, 2.0]


def test_iteration_yields_what_python_iteration_yields():
    @numba.njit
    def iterate(t):
        rows, elements = [], []
        for r in t:
            rows.append(r)
            for v in r:
                elements.append(v)
        return rows, elements

    a = _base_np()
    x = tj.from_numpy(a).t()[::-2]
    rows, elements = iterate(x)
    assert len(rows) == len(x) == 3
    for got, want in zip(rows, x):
        assert (got.shape, got.stride(), got.storage_offset()) == (want.shape, want.stride(), want.storage_offset())
        assert got._data is x._data
    assert elements == a.T[::-2].ravel().tolist()
    assert iterate(tj.from_numpy(a)[:0]) == ([], [])
    with pytest.raises(TypingError, match="iteration over a 0-d tensor"):
        iterate(tj.tensor(1.0, dtype=tj.float64))


def test_negative_indices_wrap_as_in_python():
    @numba.njit
    def at(t, i, j):
        return t[i, j]

    a = _base_np()
    x = tj.from_numpy(a)[:, ::2]
    want = a[:, ::2]
    for i, j in [(-1, -1), (-4, -3), (0, -2), (3, 2), (-2, 1)]:
        assert at(x, i, j) == want[i, j]
    assert at(x, np.uint8(3), np.uint64(1)) == want[3, 1]   # unsigned indices: no wrap


def test_parallel_loops_over_tensors():
    @numba.njit(parallel=True)
    def affine(t, out):
        for i in numba.prange(t.shape[0]):
            for j in range(t.shape[1]):
                out[i, j] = 2 * t[i, j] + 1

    a = _base_np()
    out = tj.empty(6, 4, dtype=tj.float64).t()        # a transposed output
    affine(tj.from_numpy(a)[:, ::-1], out)
    np.testing.assert_array_equal(out.numpy(), 2 * a[:, ::-1] + 1)


# -- every dtype, on one contiguous layout ----------------------------------------------------
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "float16",
          "float32", "float64", "complex64", "complex128"]


def _values(d):
    if d is tj.bool:
        return np.array([True, False, True, False])
    if d.is_floating_point or d.is_complex:
        v = np.array([1.5, np.nan, np.inf, -np.inf]).astype(d.np)
        return v * (1 - 2j) if d.is_complex else v
    return np.array([1, 2, 3, np.iinfo(d.np).max], dtype=d.np)


@numba.njit
def roundtrip(t):
    first = t[0]
    t[1] = t[3]      # copy an element
    t[2] = first     # write a value read before
    return first, t[3], t.dtype, t


def _same(a, b):
    return (a == b) or (a != a and b != b) if not isinstance(a, complex) else \
        all(_same(p, q) for p, q in ((a.real, b.real), (a.imag, b.imag)))


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_reads_writes_and_returns(name):
    d = getattr(tj, name)
    vals = _values(d)
    x = tj.from_numpy(vals.copy())
    first, last, dt, y = roundtrip(x)
    want = vals.copy()
    want[1], want[2] = want[3], want[0]
    assert y._data is x._data and y.dtype is d
    np.testing.assert_array_equal(x.numpy(), want)
    # What compiled code reads: the element's value, float16 widened to float32 (exactly).
    read_type = np.float32 if d is tj.float16 else d.np
    assert dt == np.dtype(read_type)
    assert _same(first, vals[:1].astype(read_type)[0].item()) and _same(last, vals[3:].astype(read_type)[0].item())
    assert type(first) is type(np.zeros(1, read_type)[0].item())


def test_float16_writes_round_to_nearest_even():
    @numba.njit
    def put(t, v):
        for i in range(len(t)):
            t[i] = v[i]

    v = np.array([0.1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520.0, -1e-8, 3e-8, np.nan, -np.inf], np.float64)
    x = tj.zeros(len(v), dtype=tj.float16)
    put(x, v.astype(np.float32))
    with np.errstate(over="ignore"):    # 65520 rounds up to inf
        want = v.astype(np.float32).astype(np.float16)
    np.testing.assert_array_equal(x.numpy(), want)
    # a float64 value is rounded to float32 first, then to float16 (as float16 kernels store)
    y = tj.zeros(2, dtype=tj.float16)
    put(y, np.array([0.1, 2.0]))
    np.testing.assert_array_equal(y.numpy(), np.array([0.1, 2.0], np.float32).astype(np.float16))


def test_writes_cast_to_the_tensor_dtype():
    @numba.njit
    def put(t, v):
        t[0] = v

    i = tj.zeros(1, dtype=tj.int32)
    put(i, 7.9)
    b = tj.zeros(1, dtype=tj.bool)
    put(b, 3)
    c = tj.zeros(1, dtype=tj.complex64)
    put(c, 2.5)
    # NumPy's assignment casts are the oracle (float -> int truncates toward zero)
    for t, v in ((i, 7.9), (b, 3), (c, 2.5)):
        a = np.zeros(1, t.dtype.np)
        a[0] = v
        np.testing.assert_array_equal(t.numpy(), a)


# -- tensors made in compiled code ------------------------------------------------------------
@numba.njit
def squares(n, m):
    t = from_numpy(np.empty((n, m), np.int64))
    for i in range(n):
        for j in range(m):
            t[i, j] = i * m + j
    return t, t[n - 1]


def test_tensor_made_in_compiled_code():
    t, last = squares(3, 4)
    assert type(t) is tj.Tensor and t.dtype is tj.int64 and t.shape == (3, 4) and t.stride() == (4, 1)
    assert t.is_contiguous() and t.storage_offset() == 0
    np.testing.assert_array_equal(t.numpy(), np.arange(12).reshape(3, 4))
    # two boxed results of one storage: two array objects over the same memory
    assert last.data_ptr() == t.data_ptr() + 8 * 8 and last.storage_offset() == 8
    assert last.tolist() == [8, 9, 10, 11]
    last[0] = -1
    assert t[2, 0].item() == -1
    e, _ = squares(1, 0)
    assert e.shape == (1, 0) and e.numel() == 0


def test_from_numpy_in_python_is_tensorjit_from_numpy():
    a = np.arange(6.0).reshape(2, 3)[:, ::-1]
    t = from_numpy(a)
    assert t.stride() == (3, -1) and np.shares_memory(t.numpy(), a)


def test_from_numpy_in_compiled_code_refuses_what_it_cannot_wrap():
    @numba.njit
    def wrap(a):
        return from_numpy(a)

    with pytest.raises(TypingError, match="C-contiguous"):
        wrap(np.zeros((3, 2)).T)
    with pytest.raises(TypingError, match="no tensor dtype"):
        wrap(np.zeros(3, np.float16))
    a = np.zeros((2, 3), np.complex64)
    t = wrap(a)
    assert t.dtype is tj.complex64 and np.shares_memory(t.numpy(), a)


# -- errors -----------------------------------------------------------------------------------
def test_wrong_index_count_and_kind_fail_to_compile():
    @numba.njit
    def three(t):
        return t[0, 0, 0]

    @numba.njit
    def sliced(t):
        return t[0:1]

    @numba.njit
    def short_write(t):
        t[0] = 1.0

    x = tj.zeros(2, 2)
    with pytest.raises(TypingError, match="too many indices for a tensor of dimension 2"):
        three(x)
    with pytest.raises(TypingError, match="integers only"):
        sliced(x)
    with pytest.raises(TypingError, match="give 2 indices"):
        short_write(x)
    with pytest.raises(TypingError, match="too many indices for a tensor of dimension 0"):
        row(tj.tensor(1.0, dtype=tj.float64), 0)


def test_out_of_range_index_raises_and_writes_nothing():
    @numba.njit
    def put(t, i, j):
        t[i, j] = 5.0

    a = _base_np()
    x = tj.from_numpy(a)[1:, ::2]
    before = a.copy()
    for i, j in [(3, 0), (0, 3), (-4, 0), (0, -4), (np.uint64(2 ** 63), 0)]:
        with pytest.raises(IndexError, match="index out of range for dimension"):
            put(x, i, j)
    for i in (3, -4, np.uint64(2 ** 63)):
        with pytest.raises(IndexError, match="index out of range for dimension 0"):
            row(x, i)
    np.testing.assert_array_equal(a, before)


def test_errors_name_the_problem():
    @numba.njit
    def put_complex(t):
        t[0] = 1j

    @numba.njit
    def length(t):
        return len(t)

    @numba.njit
    def item(t):
        return t.item()

    @numba.njit
    def size_of(t, d):
        return t.size(d)

    a = np.zeros(3)
    a.flags.writeable = False
    with pytest.raises(TypingError, match="read-only"):
        write2(tj.from_numpy(a).view(1, 3))
    with pytest.raises(TypingError, match="can't assign a complex value"):
        put_complex(tj.zeros(2))
    with pytest.raises(TypingError, match="float16 tensor has no NumPy view"):
        as_numpy(tj.zeros(2, dtype=tj.float16))
    with pytest.raises(TypingError, match=r"len\(\) of a 0-d tensor"):
        length(tj.tensor(1.0))
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        item(tj.zeros(2))
    with pytest.raises(IndexError, match="Dimension out of range"):
        size_of(tj.zeros(2, 3), 2)
    assert size_of(tj.zeros(2, 3), -1) == 3 and length(tj.zeros(4, 1)) == 4


def test_tensors_are_arguments_not_constants():
    g = tj.zeros(3)

    @numba.njit
    def uses_global():
        return g[0]

    with pytest.raises(TypingError, match="pass it as an argument"):
        uses_global()


def test_only_dense_cpu_tensors_have_a_numba_type():
    class Other(tj.Tensor):
        __slots__ = ()
    x = tj.zeros(2)
    o = object.__new__(Other)
    for slot in ("_data", "_shape", "_strides", "_offset", "_dtype", "_dense"):
        setattr(o, slot, getattr(x, slot))
    with pytest.raises(ValueError, match="only dense strided CPU tensors"):
        numba.typeof(o)


# -- storage lifetime -------------------------------------------------------------------------
def test_views_from_compiled_code_keep_the_storage_alive_and_nothing_leaks():
    x = tj.from_numpy(np.arange(12.0)).view(3, 4)
    data = weakref.ref(x._data)
    meta(x), read2(x), write2(x)          # compiled (compiling may hold the arguments a while)
    n = sys.getrefcount(x._data)
    for _ in range(3):
        meta(x), read2(x), write2(x)
    m = sys.getrefcount(x._data)   # outside the assert: pytest's rewriting holds its operands
    assert m == n
    arr = as_numpy(x.t())
    r = row(x, 2)
    del x
    gc.collect()
    assert data() is not None
    np.testing.assert_array_equal(arr, (np.arange(3)[:, None] * 100 + np.arange(4)).T)
    assert r.tolist() == [200.0, 201.0, 202.0, 203.0]
    del arr, r
    gc.collect()
    assert data() is None


# -- registration ----------------------------------------------------------------------------
def test_init_extension_is_idempotent():
    numba_ext._init_extension()
    numba_ext._init_extension()
    assert numba_ext.TensorType is type(numba.typeof(tj.zeros(1)))


def test_import_is_lazy_numba_registers_tensors_itself_and_caches(tmp_path):
    # import tensorjit must not import Numba; Numba's entry point registers tensors without
    # tensorjit.numba_ext being imported, loading it imports no kernel module, and a user's
    # cache=True function taking tensors loads from Numba's disk cache in the next process.
    script = tmp_path / "user_code.py"
    script.write_text(textwrap.dedent("""
        import sys
        import numpy as np
        import tensorjit as tj
        assert "numba" not in sys.modules, "import tensorjit imported numba"
        before = set(sys.modules)
        import numba

        @numba.njit(cache=True)
        def f(t):
            return t.shape, t[1, 0]

        print(f(tj.from_numpy(np.arange(6.0).reshape(3, 2)).t()))
        assert "tensorjit.numba_ext" in sys.modules
        print(sorted(m for m in sys.modules if m.startswith("tensorjit.kernels") and m not in before))
        print(sum(f.stats.cache_hits.values()))
    """))
    env = dict(os.environ, TENSORJIT_CACHE_DIR=str(tmp_path / "kernels"))
    runs = [subprocess.run([sys.executable, str(script)], env=env, cwd=str(tmp_path), capture_output=True,
                           text=True, timeout=300) for _ in range(2)]
    for p in runs:
        assert p.returncode == 0, p.stderr
    first, second = (p.stdout.strip().splitlines() for p in runs)
    assert first[:2] == second[:2] == ["((2, 3), 1.0)", "[]"]
    assert (first[2], second[2]) == ("0", "1")

"""User-defined ops: ``tensorjit.elementwise`` and ``tensorjit.reduction`` on CPU, against
PyTorch (values, dtypes, shapes, strides) and NumPy.

Compile budget: every (op, dtypes) is a kernel. Layouts are swept on one float32 op (one
kernel serves them all); dtypes are swept on one trivial op on contiguous inputs.
"""
import math

import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _userops_funcs

from layouts import layouts


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle of these tests")


def _tt(t):
    """The torch tensor holding tensorjit tensor ``t``'s values (same dtype)."""
    torch = _torch()
    return torch.from_numpy(np.array(t.numpy()))


def _same(got, want, exact=True):
    """``got`` (tensorjit) equals ``want`` (torch): values (NaN == NaN), dtype and shape."""
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    w = want.numpy()
    if exact:
        np.testing.assert_array_equal(got.numpy(), w)
    else:
        np.testing.assert_allclose(got.numpy(), w, rtol=1e-5, atol=1e-6, equal_nan=True)


@tj.elementwise
def relu_diff(x, y):
    """max(x - y, 0), NaN propagating."""
    d = x - y
    if d > 0 or d != d:
        return d
    return 0


def _relu_diff_torch(a, b):
    torch = _torch()
    d = a - b
    return torch.where(torch.isnan(d), d, torch.clamp(d, min=0))


F32 = np.array([[1.5, -2.0, np.nan, 4.0], [np.inf, -np.inf, 0.25, -0.0], [3.0, 7.5, -1.0, 2.0]], np.float32)
G32 = np.array([0.5, np.inf, 1.0, -2.0], np.float32)


# -- elementwise: layouts -------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "stepped", "offset"])
def test_elementwise_layouts_match_torch(layout):
    x, _ = next((t, a) for name, t, a in layouts(F32) if name == layout)
    y = tj.from_numpy(G32[: x.shape[-1]].copy())
    got = relu_diff(x, y)
    want = _relu_diff_torch(_tt(x), _tt(y))
    _same(got, want)
    # the output follows the input's layout, as PyTorch's
    assert got.stride() == tuple(want.stride())


def test_elementwise_broadcast_scalars_0d_and_empty():
    x = tj.from_numpy(F32)
    _same(relu_diff(x, 1.0), _relu_diff_torch(_tt(x), 1.0))
    _same(relu_diff(2.0, x), _relu_diff_torch(2.0, _tt(x)))
    col = tj.from_numpy(F32[:, :1].copy())
    _same(relu_diff(x, col), _relu_diff_torch(_tt(x), _tt(col)))
    z = tj.tensor(3.0)
    assert relu_diff(z, 1.0).shape == () and relu_diff(z, 1.0).item() == 2.0
    _same(relu_diff(x, z), _relu_diff_torch(_tt(x), _tt(z)))
    e = tj.empty(0, 4)
    r = relu_diff(e, tj.from_numpy(G32))
    assert r.shape == (0, 4) and r.dtype == tj.float32
    with pytest.raises(RuntimeError, match="relu_diff"):
        relu_diff(x, tj.ones(3))   # shapes (3, 4) and (3,) don't broadcast


# -- elementwise: dtypes ----------------------------------------------------------------------------
@tj.elementwise
def twice(x):
    return x + x


# One dtype per kind and width class: the loads, stores and float16 handling are the built-in
# generator's (tests/test_pointwise.py sweeps every dtype through it); int32 and float32 run above.
@pytest.mark.parametrize("dn", ["bool", "int16", "uint64", "float16", "float64", "complex128"])
def test_elementwise_dtypes(dn):
    d = getattr(tj, dn)
    a = np.array([0, 1, 3, 7, 100], np.float64)
    if d.category == tj._dtypes.BOOL:
        a = a > 2
    x = tj.tensor(a.tolist(), dtype=d) if d is not tj.bool else tj.tensor(a.tolist())
    got = twice(x)
    assert got.dtype is d
    want = x.numpy() + x.numpy()
    np.testing.assert_array_equal(got.numpy(), want.astype(got.numpy().dtype))


@pytest.mark.parametrize("a,b", [(("int32", (3,)), ("float", None)), (("uint8", (3,)), ("int8", (3,))),
                                 (("float64", ()), ("float32", (3,))), (("int64", (3,)), ("int16", ()))])
def test_elementwise_promotion_matches_torch(a, b):
    torch = _torch()

    def make(spec, k):
        dn, shape = spec
        if shape is None:
            return 2.5 if dn == "float" else 2
        vals = (np.arange(math.prod(shape)) + k).reshape(shape) % 4
        return tj.tensor(vals.tolist(), dtype=getattr(tj, dn))

    x, y = make(a, 1), make(b, 2)
    got = relu_diff(x, y)
    tx = _tt(x) if isinstance(x, tj.Tensor) else x
    ty = _tt(y) if isinstance(y, tj.Tensor) else y
    assert str(got.dtype).split(".")[-1] == str(torch.result_type(tx, ty)).split(".")[-1]
    _same(got, _relu_diff_torch(tx, ty))


@tj.elementwise(dtype_rule="int_to_float")
def hypot2(x, y):
    return math.sqrt(x * x + y * y)


@tj.elementwise(dtype_rule="always_bool")
def inside(x, y):
    return x * x + y * y < 1


@tj.elementwise(dtype_rule="float64")
def halve(x):
    return x / 2


def test_elementwise_dtype_rules():
    torch = _torch()
    xi, yi = tj.tensor([3, 0, -5]), tj.tensor([4, 1, 12])
    _same(hypot2(xi, yi), torch.hypot(_tt(xi).float(), _tt(yi).float()))
    xf = tj.tensor([0.5, 0.9, np.nan, np.inf], dtype=tj.float64)
    got = inside(xf, 0.5)
    assert got.dtype is tj.bool
    _same(got, _tt(xf) ** 2 + 0.25 < 1)
    h = halve(tj.tensor([1, 3], dtype=tj.int16))
    assert h.dtype is tj.float64 and h.tolist() == [0.5, 1.5]


@tj.elementwise(signatures=["float32(float32, float32)", "float64(float64, float64)"])
def sq_diff(x, y):
    return (x - y) * (x - y)


def test_elementwise_signatures():
    a = tj.tensor([1, 2, 3], dtype=tj.int16)
    r = sq_diff(a, 1)
    assert r.dtype is tj.float32 and r.tolist() == [0.0, 1.0, 4.0]
    r = sq_diff(tj.tensor([1, 2, 3], dtype=tj.float64), tj.tensor([0.5, 0.5, 0.5]))
    assert r.dtype is tj.float64 and r.tolist() == [0.25, 2.25, 6.25]
    with pytest.raises(TypeError, match="sq_diff.*no signature.*complex64"):
        sq_diff(tj.tensor([1j]), 1)
    with pytest.raises(ValueError, match="one dtype"):
        tj.elementwise(signatures=["float32(float32, int32)"])(lambda x, y: x)
    with pytest.raises(ValueError, match="result dtype"):
        tj.elementwise(signatures=["int8(float32)"])(lambda x: x)


# -- elementwise: out= and in place -----------------------------------------------------------------
def test_elementwise_out_and_inplace():
    x, y = tj.from_numpy(F32.copy()), tj.from_numpy(G32.copy())
    want = _relu_diff_torch(_tt(x), _tt(y))
    out = tj.empty(3, 4, dtype=tj.float64)
    assert relu_diff(x, y, out=out) is out
    _same(out, want.double())
    out = tj.empty(0)
    relu_diff(x, y, out=out)                      # an empty out= resizes silently, as PyTorch
    _same(out, want)
    out = tj.zeros(5)
    with pytest.warns(UserWarning, match="resized"):
        relu_diff(x, y, out=out)
    bad = tj.full((3, 4), 7, dtype=tj.int32)
    with pytest.raises(RuntimeError, match="can't be cast"):
        relu_diff(x, y, out=bad)
    assert (bad.numpy() == 7).all()
    z = tj.from_numpy(F32.copy())
    assert relu_diff.inplace(z, y) is z
    _same(z, want)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        relu_diff.inplace(tj.from_numpy(G32.copy()), x)
    # overlapping in-place write reads the inputs as they were (NumPy's semantics)
    a = tj.from_numpy(np.array([0.0, 3.0, 1.0, 0.25, 4.0, 9.0], np.float32))
    relu_diff(a[1:], a[:-1], out=a[:-1])      # each output element reads its right neighbour's old value
    np.testing.assert_array_equal(a.numpy(), [3.0, 0.0, 0.0, 3.75, 5.0, 9.0])


# -- elementwise: errors and caching -------------------------------------------------------------------
@tj.elementwise
def needs_attr(x):
    return x.no_such_attribute


def test_compile_error_names_function_dtypes_and_numba_message():
    out = tj.full((2,), 5.0)
    with pytest.raises(tj.UserOpCompileError) as info:
        needs_attr(tj.ones(2), out=out)
    msg = str(info.value)
    assert isinstance(info.value, TypeError)
    assert "needs_attr" in msg and "float32" in msg and "no_such_attribute" in msg
    assert out.tolist() == [5.0, 5.0]          # nothing was written


def test_arity_and_argument_errors():
    with pytest.raises(TypeError, match=r"relu_diff\(\) takes 2 positional arguments but 1"):
        relu_diff(tj.ones(2))
    with pytest.raises(TypeError, match="expected Tensor or Number"):
        relu_diff(tj.ones(2), "a")
    with pytest.raises(TypeError, match="positional arguments only"):
        tj.elementwise(lambda *xs: 0)
    with pytest.raises(TypeError, match="Python function"):
        tj.elementwise(3)
    with pytest.raises(ValueError, match="dtype_rule"):
        tj.elementwise(dtype_rule="bogus")(lambda x: x)


def test_numba_dispatcher_and_metadata():
    numba = pytest.importorskip("numba")

    @numba.njit
    def cube(x):
        return x * x * x

    op = tj.elementwise(cube)
    assert op(tj.tensor([2.0, -1.0])).tolist() == [8.0, -1.0]
    assert relu_diff.__name__ == "relu_diff" and "NaN propagating" in relu_diff.__doc__
    assert "relu_diff" in repr(relu_diff)


def test_disk_cache_only_for_functions_in_files():
    # A function in this file caches its kernels on disk; one without a file (as a notebook's)
    # compiles with cache=False and gets a name of its own each time it is defined.
    file_attr = relu_diff._scalar.rpartition(":")[2]
    assert file_attr in _userops_funcs.DISK_CACHE
    ns = {}
    exec(compile("def cell(x):\n    return x * 3\n", "<notebook-cell>", "exec"), ns)
    op1, op2 = tj.elementwise(ns["cell"]), tj.elementwise(ns["cell"])
    assert op1._scalar != op2._scalar
    assert op1._scalar.rpartition(":")[2] not in _userops_funcs.DISK_CACHE
    assert op1(tj.tensor([1, 2])).tolist() == [3, 6]
    from tensorjit.kernels import registry
    src = open(registry._modules[f"pw_{op1._base}__i8__i8__i8"].__file__).read()
    assert "cache=False" in src and "cache=True" not in src
    k = 2

    @tj.elementwise
    def closure(x):
        return x * k
    assert closure._scalar.rpartition(":")[2] not in _userops_funcs.DISK_CACHE


# -- reductions ----------------------------------------------------------------------------------------
@tj.reduction(identity=0, merge=lambda a, b: a + b)
def sum_abs(acc, x):
    return acc + abs(x)


@tj.reduction
def first_max(acc, x):
    return x if x > acc else acc


X3 = (np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.37 - 4).round(2)
DIMS = [None, 0, 1, 2, -1, (0, 1), (0, 2), (1, 2), (0, 1, 2), (2, 0)]


@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_dims_match_torch(dim, keepdim):
    torch = _torch()
    x = tj.from_numpy(X3)
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    _same(sum_abs(x, **kw), torch.sum(torch.abs(_tt(x)), **kw), exact=False)
    if dim is not None:
        _same(first_max(x, **kw), torch.amax(_tt(x), **kw))


@pytest.mark.parametrize("layout", ["transposed", "stepped", "offset"])
def test_reduction_layouts(layout):
    torch = _torch()
    x = next(t for name, t, _ in layouts(X3) if name == layout)
    _same(sum_abs(x, 1), torch.sum(torch.abs(_tt(x)), 1), exact=False)
    _same(first_max(x, (0, 2), keepdim=True), torch.amax(_tt(x), (0, 2), keepdim=True))


def test_reduction_dtypes_empty_and_errors():
    torch = _torch()
    xi = tj.tensor([[1, -2, 3], [-4, 5, -6]], dtype=tj.int32)
    r = sum_abs(xi, 1)
    assert r.dtype is tj.int32 and r.tolist() == [6, 15]
    wide = tj.reduction(identity=0, dtype_rule="sum")(lambda acc, x: acc + x)
    r = wide(tj.tensor([100, 100, 100], dtype=tj.int8))
    assert r.dtype is tj.int64 and r.item() == 300 == torch.sum(torch.tensor([100] * 3, dtype=torch.int8)).item()
    h = first_max(tj.tensor([1.5, 3.25, -2.0], dtype=tj.float16))
    assert h.dtype is tj.float16 and h.item() == 3.25
    r = sum_abs(xi, 0, dtype=tj.float64)
    assert r.dtype is tj.float64 and r.tolist() == [5.0, 7.0, 9.0]
    # empty reduced dims give the identity; without one they raise like amax
    e = tj.empty(0, 3)
    _same(sum_abs(e, 0), torch.sum(torch.empty(0, 3), 0))
    assert sum_abs(tj.tensor(-2.5)).item() == 2.5               # 0-d
    with pytest.raises(IndexError, match="first_max.*identity"):
        first_max(e, 0)
    assert first_max(e, 1).shape == (0,)
    out = tj.full((3,), 9.0)
    with pytest.raises(RuntimeError, match="can't be cast"):
        sum_abs(tj.ones(2, 3), 0, out=tj.zeros(3, dtype=tj.int64))
    assert sum_abs(tj.ones(2, 3), 0, out=out) is out and out.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(TypeError, match="two arguments"):
        tj.reduction(lambda x: x)
    broken = tj.reduction(identity=0)(lambda acc, x: acc.no_such_attribute)
    with pytest.raises(tj.UserOpCompileError, match=r"(?s)lambda.*float32.*no_such_attribute"):
        broken(tj.ones(2, 3), 0, out=out)
    assert out.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(TypeError, match="must be Tensor"):
        sum_abs([1, 2])
    with pytest.raises(IndexError):
        sum_abs(tj.ones(2), 3)


def test_reduction_parallel_paths_match_numpy():
    # Large enough for the parallel kernels: one output split into chunks (merge given) and
    # many outputs split across threads.
    a = np.random.default_rng(5).standard_normal((1 << 18,))
    x = tj.from_numpy(a)
    np.testing.assert_allclose(sum_abs(x).item(), np.abs(a).sum(), rtol=1e-12)
    m = x.view(1 << 9, 1 << 9)
    np.testing.assert_allclose(sum_abs(m, 1).numpy(), np.abs(a.reshape(512, 512)).sum(1), rtol=1e-12)

"""Joining, splitting and broadcasting ops against PyTorch: cat/concat/concatenate, stack,
hstack, vstack/row_stack, dstack, column_stack, split, split_with_sizes, tensor_split, chunk,
unbind, broadcast_to, broadcast_tensors, broadcast_shapes, meshgrid, atleast_1d/2d/3d,
swapaxes/swapdims and squeeze with a tuple of dims.

Every operand is built over the same storage in both libraries (``as_strided`` over a copy
of one NumPy array, see ``pair``), so results are compared on shape, dtype, values, strides
and, for views, storage offset and storage sharing. Errors are compared on type, and the
message must name the op.

The shared tools here (``pair``, ``assert_same``, ``assert_raises_like``) serve the other
test_shape_ops_*.py files too.

Kernel budget: values move only through the copy kernels (Note [shape ops copy]): every
dtype of DTYPES copied to itself, and the promotions of PROMOTIONS; layouts are swept on
float32 only.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="torch is the reference for the shape ops' semantics")

DTYPES = ["bool", "int64", "float32", "complex64"]


@contextlib.contextmanager
def torch_single_thread():
    """PyTorch is only the oracle: on tiny tensors its intra-op threads cost milliseconds per call."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    with torch_single_thread():
        yield


LAYOUTS = ["contiguous", "transposed", "stepped", "offset"]


# -- shared tools ---------------------------------------------------------------------------------------
def dname(d):
    return str(d).split(".")[-1]


def values(n, dtype, seed=0):
    """``n`` seeded values of ``dtype`` (NumPy); floats and complexes include NaN and +-inf."""
    rng = np.random.default_rng(seed)
    npd = np.dtype(dtype)
    if npd.kind == "b":
        return rng.random(n) < 0.5
    if npd.kind in "iu":
        lo = 0 if npd.kind == "u" else -50
        return rng.integers(lo, 100, n).astype(npd)
    v = rng.integers(-40, 40, n) / 4
    if npd.kind == "c":
        v = v + 1j * (rng.integers(-40, 40, n) / 4)
    if n >= 8:
        pos = rng.choice(n, 3, replace=False)
        v[pos] = [np.nan, np.inf, -np.inf]
    return v.astype(npd)


def layout(shape, kind):
    """(strides, offset, storage size) of a view of ``shape`` laid out as ``kind``."""
    shape = tuple(shape)
    nd = len(shape)

    def cstrides(s):
        out, acc = [], 1
        for n in reversed(s):
            out.append(acc)
            acc *= max(n, 1)
        return tuple(reversed(out))

    if kind == "contiguous" or nd == 0:
        strides, offset = cstrides(shape), 0
    elif kind == "transposed":
        strides, offset = tuple(reversed(cstrides(tuple(reversed(shape))))), 0
    elif kind == "stepped":
        wide = shape[:-1] + (2 * shape[-1],)
        strides, offset = cstrides(wide)[:-1] + (2,), 0
    elif kind == "offset":
        strides, offset = cstrides(shape), 5
    else:
        raise ValueError(kind)
    size = offset + 1 + sum((n - 1) * s for n, s in zip(shape, strides) if n > 0) + 3
    return strides, offset, size


def pair(shape, dtype="float32", kind="contiguous", seed=0):
    """The same view of the same values in tensorjit and PyTorch."""
    strides, offset, size = layout(shape, kind)
    base = values(size, dtype, seed)
    t = tj.from_numpy(base).as_strided(tuple(shape), strides, offset)
    r = torch.from_numpy(base.copy()).as_strided(tuple(shape), strides, offset)
    return t, r


def assert_same(t, r, *, strides=True, offset=False):
    """``t`` (tensorjit) has ``r``'s (PyTorch) shape, dtype, values and (optionally) strides/offset.

    Strides are compared on non-empty results, on every dim but those of size 1: their stride
    never addresses memory, and PyTorch's depends on how a result was made (a clone of a
    dense view keeps the view's, a fresh tensor gets the row-major one).
    """
    assert isinstance(t, tj.Tensor), type(t)
    assert tuple(t.shape) == tuple(r.shape)
    assert dname(t.dtype) == dname(r.dtype)
    np.testing.assert_array_equal(t.numpy(), r.numpy())
    if strides and t.numel():
        assert [s for s, n in zip(t.stride(), t.shape) if n != 1] == \
            [s for s, n in zip(r.stride(), r.shape) if n != 1], (t.stride(), r.stride())
    if offset:
        assert t.storage_offset() == r.storage_offset()


def assert_all_same(ts, rs, **kw):
    assert isinstance(ts, tuple), type(ts)
    assert len(ts) == len(rs)
    for t, r in zip(ts, rs):
        assert_same(t, r, **kw)


def shares(a, b):
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def assert_raises_like(op, tj_call, torch_call):
    """Both calls raise the same exception type, and tensorjit's message names ``op``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as ref:
            torch_call()
    with pytest.raises(Exception) as got:
        tj_call()
    assert type(got.value) is type(ref.value), (got.value, ref.value)
    assert op in str(got.value), str(got.value)


# -- cat ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kinds", [("contiguous", "contiguous", "contiguous"), ("transposed", "stepped", "offset"),
                                   ("stepped", "transposed", "contiguous"), ("offset", "offset", "transposed")])
@pytest.mark.parametrize("dim", [0, 1, -1, 2, -3])
def test_cat_layouts(kinds, dim):
    shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
    d = dim % 3
    for i, s in enumerate(shapes):
        s[d] = i + 1
    ps = [pair(s, "float32", k, seed=i) for i, (s, k) in enumerate(zip(shapes, kinds))]
    got = tj.cat([p[0] for p in ps], dim)
    assert_same(got, torch.cat([p[1] for p in ps], dim))
    assert got.is_contiguous()


@pytest.mark.parametrize("dtype", DTYPES)
def test_cat_dtypes(dtype):
    (a, ra), (b, rb) = pair((2, 3), dtype, seed=1), pair((4, 3), dtype, "transposed", seed=2)
    assert_same(tj.cat([a, b]), torch.cat([ra, rb]))
    assert_same(tj.cat((a, b, a), dim=0), torch.cat((ra, rb, ra), dim=0))


PROMOTIONS = [("int64", "float32"), ("bool", "complex64"), ("uint8", "int8"), ("float32", "float64"),
              ("bool", "int64")]


@pytest.mark.parametrize("d1,d2", PROMOTIONS)
def test_cat_promotes_like_torch(d1, d2):
    (a, ra), (b, rb) = pair((2, 3), d1, seed=3), pair((1, 3), d2, seed=4)
    assert_same(tj.cat([a, b]), torch.cat([ra, rb]))
    assert_same(tj.cat([b, a, b]), torch.cat([rb, ra, rb]))


def test_cat_legacy_empty_tensors_skipped_but_promoted():
    (a, ra) = pair((2, 3), "int64")
    for kw in ({}, {"dim": 1}, {"dim": -1}):
        e, re = tj.zeros(0), torch.zeros(0)
        assert_same(tj.cat([e, a], **kw), torch.cat([re, ra], **kw))
        assert_same(tj.cat([a, e, a], **kw), torch.cat([ra, re, ra], **kw))
    # Only legacy empties: the dim is not checked at all.
    for d in (0, 1, 2, -1):
        assert_same(tj.cat([tj.zeros(0), tj.zeros(0)], d), torch.cat([torch.zeros(0), torch.zeros(0)], d))
    assert_same(tj.cat([tj.zeros(0)]), torch.cat([torch.zeros(0)]))
    # Other empty tensors are not skipped.
    assert_same(tj.cat([tj.zeros(0, 3), a.float()]), torch.cat([torch.zeros(0, 3), ra.float()]))
    assert_same(tj.cat([tj.zeros(2, 0), a.float()], 1), torch.cat([torch.zeros(2, 0), ra.float()], 1))


def test_cat_of_expanded_and_zero_stride_inputs():
    t, r = pair((1, 3), "float32")
    assert_same(tj.cat([t.expand(4, 3), t], 0), torch.cat([r.expand(4, 3), r], 0))
    assert_same(tj.cat([t.expand(2, 3), t.expand(2, 3)], 1), torch.cat([r.expand(2, 3), r.expand(2, 3)], 1))


def test_cat_negative_stride_inputs_match_numpy():
    base = values(24, "float32", seed=5).reshape(4, 6)
    t = tj.from_numpy(base)
    views = [(t.flip([0]), base[::-1]), (t.as_strided((4, 3), (6, -2), 5), base[:, ::-2])]
    got = tj.cat([v for v, _ in views], 1)
    np.testing.assert_array_equal(got.numpy(), np.concatenate([a for _, a in views], 1))


def test_cat_channels_last_like_torch():
    t, r = pair((2, 3, 4, 5), "float32")
    tcl = t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    rcl = r.contiguous(memory_format=torch.channels_last)
    assert tcl.stride() == rcl.stride()
    for dim in (0, 1, 3):
        assert_same(tj.cat([tcl, tcl], dim), torch.cat([rcl, rcl], dim))
    assert_same(tj.cat([tcl, t]), torch.cat([rcl, r]))
    assert_same(tj.cat([t, tcl]), torch.cat([r, rcl]))
    t5, r5 = pair((2, 3, 2, 2, 2), "float32")
    t5cl = t5.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3)
    r5cl = r5.contiguous(memory_format=torch.channels_last_3d)
    assert_same(tj.cat([t5cl, t5cl], 2), torch.cat([r5cl, r5cl], 2))


def test_cat_aliases_and_axis():
    (a, ra), (b, rb) = pair((2, 3), seed=1), pair((2, 2), seed=2)
    assert_same(tj.cat((a, b), axis=1), torch.cat((ra, rb), axis=1))
    assert_same(tj.concat([a, b], 1), torch.concat([ra, rb], 1))
    assert_same(tj.concat([a, b], axis=-1), torch.concat([ra, rb], axis=-1))
    assert_same(tj.concatenate([a, b], 1), torch.concatenate([ra, rb], 1))
    assert_same(tj.concatenate([a, b], axis=1), torch.concatenate([ra, rb], axis=1))


def test_cat_out():
    (a, ra), (b, rb) = pair((2, 3), seed=1), pair((1, 3), seed=2)
    # Right shape: the out keeps its strides, even non-contiguous ones.
    for make in (lambda m: m.empty(3, 3), lambda m: m.empty(3, 3).t(), lambda m: m.empty(3, 6)[:, ::2]):
        o, ro = make(tj), make(torch)
        res = tj.cat([a, b], out=o)
        assert res is o
        assert_same(o, torch.cat([ra, rb], out=ro))
    # Wrong shape: resized to a contiguous result, with a warning when it had elements.
    o, ro = tj.empty(5), torch.empty(5)
    with pytest.warns(UserWarning, match="resized"):
        tj.cat([a, b], out=o)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.cat([ra, rb], out=ro)
    assert_same(o, ro)
    o, ro = tj.empty(0), torch.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tj.cat([a, b], out=o)
    assert_same(o, torch.cat([ra, rb], out=ro))
    # A wider out dtype is fine; mixed inputs too.
    o, ro = tj.empty(3, 3, dtype=tj.float64), torch.empty(3, 3, dtype=torch.float64)
    assert_same(tj.cat([a, b], out=o), torch.cat([ra, rb], out=ro))
    (i, ri) = pair((2, 3), "int64", seed=3)
    o, ro = tj.empty(4, 3), torch.empty(4, 3)
    assert_same(tj.cat([i, a], out=o), torch.cat([ri, ra], out=ro))


def test_cat_out_errors_leave_out_untouched():
    (a, ra), (b, rb) = pair((2, 3), seed=1), pair((1, 3), seed=2)
    (i, ri) = pair((2, 3), "int64", seed=3)
    o = tj.full((2, 2), 7, dtype=tj.int64)
    assert_raises_like("cat", lambda: tj.cat([a, b], out=o),
                       lambda: torch.cat([ra, rb], out=torch.full((2, 2), 7, dtype=torch.int64)))
    assert o.shape == (2, 2) and o.tolist() == [[7, 7], [7, 7]]
    ob = tj.zeros(5, 3, dtype=tj.bool)
    assert_raises_like("cat", lambda: tj.cat([i, i], out=ob),
                       lambda: torch.cat([ri, ri], out=torch.zeros(5, 3, dtype=torch.bool)))
    # A legacy empty input still takes part in the dtype check.
    e, re = tj.zeros(0, dtype=tj.float64), torch.zeros(0, dtype=torch.float64)
    assert_raises_like("cat", lambda: tj.cat([e, i], out=tj.zeros(1, dtype=tj.int64)),
                       lambda: torch.cat([re, ri], out=torch.zeros(1, dtype=torch.int64)))
    # An out that shares memory with an input.
    before = a.clone()
    with pytest.raises(RuntimeError, match="cat"):
        tj.cat([a, a], out=a)
    assert a.shape == (2, 3)
    np.testing.assert_array_equal(a.numpy(), before.numpy())
    with pytest.raises(TypeError, match="cat"):
        tj.cat([a, a], out=np.zeros((4, 3)))


@pytest.mark.parametrize("call", [
    lambda m, a, b: m.cat([]),
    lambda m, a, b: m.cat(a),
    lambda m, a, b: m.cat([a, 1]),
    lambda m, a, b: m.cat([a, a[0, 0]]),
    lambda m, a, b: m.cat([a, b]),
    lambda m, a, b: m.cat([a, b], 0),
    lambda m, a, b: m.cat([a, a[0]]),
    lambda m, a, b: m.cat([a, a], 2),
    lambda m, a, b: m.cat([a, a], -3),
    lambda m, a, b: m.cat([m.zeros(0), a], 2),
    lambda m, a, b: m.cat([m.zeros(2, 0), m.zeros(3, 1)]),
], ids=["empty_list", "tensor", "int_element", "zero_dim", "sizes", "sizes_dim0", "ndims", "dim_high", "dim_low",
        "dim_after_skip", "empty_2d_sizes"])
def test_cat_errors(call):
    (a, ra), (b, rb) = pair((2, 3), seed=1), pair((2, 4), seed=2)
    assert_raises_like("cat", lambda: call(tj, a, b), lambda: call(torch, ra, rb))


# -- stack and friends ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_stack_layouts(kind, dim):
    ps = [pair((2, 3), "float32", kind, seed=i) for i in range(3)]
    assert_same(tj.stack([p[0] for p in ps], dim), torch.stack([p[1] for p in ps], dim))


@pytest.mark.parametrize("dtype", DTYPES)
def test_stack_dtypes_and_0d(dtype):
    ps = [pair((), dtype, seed=i) for i in range(3)]
    assert_same(tj.stack([p[0] for p in ps]), torch.stack([p[1] for p in ps]))
    ps = [pair((0, 2), dtype, seed=i) for i in range(2)]
    assert_same(tj.stack([p[0] for p in ps], 1), torch.stack([p[1] for p in ps], 1))


def test_stack_promotes_and_out():
    (a, ra), (b, rb) = pair((2, 3), "int64", seed=1), pair((2, 3), "float32", seed=2)
    assert_same(tj.stack((a, b)), torch.stack((ra, rb)))
    o, ro = tj.empty(0), torch.empty(0)
    assert tj.stack([a, b], 1, out=o) is o
    assert_same(o, torch.stack([ra, rb], 1, out=ro))
    o = tj.zeros(2, 2, 3, dtype=tj.int64)
    assert_raises_like("stack", lambda: tj.stack([a, b], out=o),
                       lambda: torch.stack([ra, rb], out=torch.zeros(2, 2, 3, dtype=torch.int64)))
    assert o.tolist() == np.zeros((2, 2, 3)).tolist()


@pytest.mark.parametrize("call", [
    lambda m, a: m.stack([]),
    lambda m, a: m.stack([a, a.t()]),
    lambda m, a: m.stack([a, a], 3),
    lambda m, a: m.stack([a, a], -4),
    lambda m, a: m.stack(a),
])
def test_stack_errors(call):
    a, ra = pair((2, 3))
    assert_raises_like("stack", lambda: call(tj, a), lambda: call(torch, ra))


STACK_INPUTS = {
    "0d": [(), ()],
    "0d_1d": [(), (2,)],
    "1d": [(3,), (3,)],
    "2d": [(2, 3), (2, 1)],
    "2d_rows": [(2, 3), (1, 3)],
    "3d": [(2, 3, 4), (2, 3, 1)],
    "3d_mid": [(2, 3, 4), (2, 1, 4)],
    "mixed_1d_2d": [(3,), (2, 3)],
}


@pytest.mark.parametrize("name", ["hstack", "vstack", "row_stack", "dstack", "column_stack"])
@pytest.mark.parametrize("inputs", STACK_INPUTS, ids=list(STACK_INPUTS))
def test_stacks_match_torch(name, inputs):
    ps = [pair(s, "float32", "transposed" if len(s) > 1 else "contiguous", seed=i)
          for i, s in enumerate(STACK_INPUTS[inputs])]
    fn, ref = getattr(tj, name), getattr(torch, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's row_stack is deprecated in favour of vstack
        try:
            expected = ref([p[1] for p in ps])
        except RuntimeError:
            assert_raises_like(name.replace("row_stack", "vstack"), lambda: fn([p[0] for p in ps]),
                               lambda: ref([p[1] for p in ps]))
            return
    assert_same(fn([p[0] for p in ps]), expected)
    assert_same(fn(tuple(p[0] for p in ps)), expected)
    o, ro = tj.empty(0), torch.empty(0)
    assert fn([p[0] for p in ps], out=o) is o
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(o, ref([p[1] for p in ps], out=ro))


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack", "column_stack"])
def test_stacks_reject_empty_lists(name):
    assert_raises_like(name, lambda: getattr(tj, name)([]), lambda: getattr(torch, name)([]))


# -- split, chunk, tensor_split, unbind -----------------------------------------------------------------
SPLITS = [(2, 1), (1, 0), (5, 1), (4, 0), ([1, 2], 1), ((0, 3, 0), 1), ([4], 0), ([1, 0, 3], -2), (3, -1)]


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("arg,dim", SPLITS)
def test_split_views_like_torch(kind, arg, dim):
    t, r = pair((4, 3), "float32", kind)
    got = tj.split(t, arg, dim)
    assert_all_same(got, torch.split(r, arg, dim), offset=True)
    assert all(shares(g, t) for g in got)
    assert_all_same(t.split(arg, dim), r.split(arg, dim), offset=True)
    if isinstance(arg, (list, tuple)):
        assert_all_same(t.split_with_sizes(arg, dim), r.split_with_sizes(arg, dim), offset=True)
        assert_all_same(tj.split_with_sizes(t, arg, dim=dim), torch.split_with_sizes(r, arg, dim=dim), offset=True)


def test_split_of_empty_dims_like_torch():
    t, r = tj.zeros(0, 3), torch.zeros(0, 3)
    for arg in (0, 2, [0, 0], [0]):
        assert_all_same(tj.split(t, arg), torch.split(r, arg), offset=True)


@pytest.mark.parametrize("call", [
    lambda m, a: m.split(a, [1, 1], 1),
    lambda m, a: m.split(a, [-1, 4], 1),
    lambda m, a: m.split(a, 0, 1),
    lambda m, a: m.split(a, -1, 1),
    lambda m, a: m.split(a, 1, 2),
    lambda m, a: m.split(a[0, 0], 1),
    lambda m, a: m.split(a, m.tensor([1, 2]), 1),
    lambda m, a: m.split(a, 1.5, 1),
], ids=["sum", "negative_size", "zero", "negative", "dim", "0d", "tensor", "float"])
def test_split_errors(call):
    a, ra = pair((2, 3))
    assert_raises_like("split", lambda: call(tj, a), lambda: call(torch, ra))


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("chunks,dim", [(1, 0), (2, 0), (3, 1), (4, 1), (6, 0), (7, -1)])
def test_chunk_views_like_torch(kind, chunks, dim):
    t, r = pair((5, 6), "float32", kind)
    got = tj.chunk(t, chunks, dim)
    assert_all_same(got, torch.chunk(r, chunks, dim), offset=True)
    assert all(shares(g, t) for g in got)
    assert_all_same(t.chunk(chunks, dim=dim), r.chunk(chunks, dim=dim), offset=True)


def test_chunk_of_empty_dims_and_errors():
    for shape, dim in (((0, 3), 0), ((0, 3), 1), ((3, 0), 1)):
        assert_all_same(tj.chunk(tj.zeros(*shape), 2, dim), torch.chunk(torch.zeros(*shape), 2, dim), offset=True)
    assert_raises_like("chunk", lambda: tj.chunk(tj.tensor(1.), 2), lambda: torch.chunk(torch.tensor(1.), 2))
    assert_raises_like("chunk", lambda: tj.chunk(tj.zeros(2), 0), lambda: torch.chunk(torch.zeros(2), 0))


TENSOR_SPLITS = [(2, 1), (4, 1), (1, 0), (3, 0), ([1, 5], 1), ([2, 1], 1), ([-1], 1), ([], 1), ((0, 0, 4), 0),
                 ([-5, 2], 0), (6, -2)]


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("arg,dim", TENSOR_SPLITS)
def test_tensor_split_views_like_torch(kind, arg, dim):
    t, r = pair((4, 3), "float32", kind)
    got = tj.tensor_split(t, arg, dim)
    assert_all_same(got, torch.tensor_split(r, arg, dim), offset=True)
    assert all(shares(g, t) for g in got)
    assert_all_same(t.tensor_split(arg, dim), r.tensor_split(arg, dim), offset=True)
    # The same argument as an int64 tensor (0-d for sections, 1-d for indices).
    targ, rarg = tj.tensor(arg, dtype=tj.int64), torch.tensor(arg, dtype=torch.int64)
    assert_all_same(tj.tensor_split(t, targ, dim), torch.tensor_split(r, rarg, dim), offset=True)


def test_tensor_split_keywords():
    t, r = pair((7,), "int64")
    assert_all_same(tj.tensor_split(t, sections=3), torch.tensor_split(r, sections=3), offset=True)
    assert_all_same(tj.tensor_split(t, indices=[2, 3]), torch.tensor_split(r, indices=[2, 3]), offset=True)
    assert_all_same(tj.tensor_split(t, tensor_indices_or_sections=tj.tensor([2, 3])),
                    torch.tensor_split(r, tensor_indices_or_sections=torch.tensor([2, 3])), offset=True)


@pytest.mark.parametrize("call", [
    lambda m, a: m.tensor_split(a, 0, 1),
    lambda m, a: m.tensor_split(a, -1, 1),
    lambda m, a: m.tensor_split(a, m.tensor([1.0]), 1),
    lambda m, a: m.tensor_split(a, m.tensor([1], dtype=m.int32), 1),
    lambda m, a: m.tensor_split(a, m.tensor([[1]]), 1),
    lambda m, a: m.tensor_split(a[0, 0], 2),
    lambda m, a: m.tensor_split(a, 2, 2),
])
def test_tensor_split_errors(call):
    a, ra = pair((2, 3))
    assert_raises_like("tensor_split", lambda: call(tj, a), lambda: call(torch, ra))


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_unbind_views_like_torch(kind, dim):
    t, r = pair((2, 3, 4), "float32", kind)
    got = tj.unbind(t, dim)
    assert_all_same(got, torch.unbind(r, dim), offset=True)
    assert all(shares(g, t) for g in got)
    assert_all_same(t.unbind(dim=dim), r.unbind(dim=dim), offset=True)


def test_unbind_edge_cases():
    assert tj.unbind(tj.zeros(0, 2)) == ()
    assert_all_same(tj.unbind(tj.zeros(2, 0), 1), torch.unbind(torch.zeros(2, 0), 1))
    assert_raises_like("unbind", lambda: tj.unbind(tj.tensor(1.)), lambda: torch.unbind(torch.tensor(1.)))
    assert_raises_like("unbind", lambda: tj.unbind(tj.zeros(2), 1), lambda: torch.unbind(torch.zeros(2), 1))


# -- broadcasting ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("shape,to", [((3, 1), (3, 4)), ((3, 1), (2, 3, 5)), ((1, 4), (2, -1, 4)), ((3, 1), (-1, 5)),
                                      ((3, 4), (3, 4)), ((1, 1), (0, 1)), ((3, 1), (2, 3, 0))])
def test_broadcast_to_views(kind, shape, to):
    t, r = pair(shape, "float32", kind)
    got = tj.broadcast_to(t, to)
    assert_same(got, torch.broadcast_to(r, to), offset=True)
    assert shares(got, t)
    assert_same(t.broadcast_to(to), r.broadcast_to(to), offset=True)


def test_broadcast_to_0d_and_errors():
    t, r = pair((), "int64")
    assert_same(tj.broadcast_to(t, (2, 3)), torch.broadcast_to(r, (2, 3)))
    a, ra = pair((3, 2))
    assert_raises_like("expand", lambda: tj.broadcast_to(a, (2, 2)), lambda: torch.broadcast_to(ra, (2, 2)))
    assert_raises_like("broadcast_to", lambda: tj.broadcast_to(a, 3), lambda: torch.broadcast_to(ra, 3))


@pytest.mark.parametrize("shapes", [[(3, 2), (2, 1, 1)], [(3, 2), (2,)], [(), (2, 3)], [(1,), (0,)], [(4, 1, 3)],
                                    [(2, 1), (1, 3), (5, 1, 1)]])
def test_broadcast_tensors_views(shapes):
    ps = [pair(s, "float32", "transposed", seed=i) for i, s in enumerate(shapes)]
    got = tj.broadcast_tensors(*(p[0] for p in ps))
    assert_all_same(got, torch.broadcast_tensors(*(p[1] for p in ps)), offset=True)
    assert all(shares(g, p[0]) for g, p in zip(got, ps))


def test_broadcast_tensors_edge_cases():
    assert tj.broadcast_tensors() == torch.broadcast_tensors() == ()
    a, ra = pair((2, 3))
    b, rb = pair((3, 2))
    assert_raises_like("broadcast_tensors", lambda: tj.broadcast_tensors(a, b), lambda: torch.broadcast_tensors(ra, rb))
    assert_raises_like("broadcast_tensors", lambda: tj.broadcast_tensors([a, a]),
                       lambda: torch.broadcast_tensors([ra, ra]))


@pytest.mark.parametrize("shapes", [((2, 1), (3,)), (2, (3, 1)), (), ((0,), (1,)), ((5, 1, 4), [3, 1], 1),
                                    (tj.Size([2]), [1]), ((1,), (1, 1, 1))])
def test_broadcast_shapes(shapes):
    torch_shapes = tuple(torch.Size(s) if isinstance(s, tj.Size) else s for s in shapes)
    got = tj.broadcast_shapes(*shapes)
    assert isinstance(got, tj.Size)
    assert tuple(got) == tuple(torch.broadcast_shapes(*torch_shapes))


@pytest.mark.parametrize("shapes", [((2,), (3,)), ((-1,), (3,)), ((1,), (-2,)), ((2.0,),)])
def test_broadcast_shapes_errors(shapes):
    assert_raises_like("broadcast_shapes", lambda: tj.broadcast_shapes(*shapes),
                       lambda: torch.broadcast_shapes(*shapes))


# -- meshgrid -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(3,), (2,), (4,)], [(3,)], [(), (2,)], [(0,), (2,)]])
@pytest.mark.parametrize("kind", ["contiguous", "stepped", "offset"])
def test_meshgrid_views(indexing, shapes, kind):
    ps = [pair(s, "int64", kind, seed=i) for i, s in enumerate(shapes)]
    got = tj.meshgrid(*(p[0] for p in ps), indexing=indexing)
    ref = torch.meshgrid(*(p[1] for p in ps), indexing=indexing)
    assert_all_same(got, ref, offset=True)
    assert all(shares(g, p[0]) for g, p in zip(got, ps))
    assert_all_same(tj.meshgrid([p[0] for p in ps], indexing=indexing),
                    torch.meshgrid([p[1] for p in ps], indexing=indexing), offset=True)


def test_meshgrid_default_is_ij():
    (a, ra), (b, rb) = pair((3,), "float32"), pair((2,), "float32", seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_all_same(tj.meshgrid(a, b), torch.meshgrid(ra, rb))


@pytest.mark.parametrize("call", [
    lambda m, a, b: m.meshgrid(a, m.arange(2), indexing="ij"),
    lambda m, a, b: m.meshgrid(a.reshape(1, 3), indexing="ij"),
    lambda m, a, b: m.meshgrid(indexing="ij"),
    lambda m, a, b: m.meshgrid(a, indexing="xx"),
])
def test_meshgrid_errors(call):
    (a, ra), (b, rb) = pair((3,), "float32"), pair((2,), "float32", seed=1)
    assert_raises_like("meshgrid", lambda: call(tj, a, b), lambda: call(torch, ra, rb))


# -- atleast_nd ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (0,), (2, 0)])
@pytest.mark.parametrize("kind", LAYOUTS)
def test_atleast_views(n, shape, kind):
    t, r = pair(shape, "float32", kind)
    fn, ref = getattr(tj, f"atleast_{n}d"), getattr(torch, f"atleast_{n}d")
    got = fn(t)
    assert_same(got, ref(r), offset=True)
    assert shares(got, t)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_atleast_many_and_lists(n):
    (a, ra), (b, rb) = pair((), "int64"), pair((2, 3), "int64", "transposed", seed=1)
    fn, ref = getattr(tj, f"atleast_{n}d"), getattr(torch, f"atleast_{n}d")
    assert_all_same(fn(a, b), ref(ra, rb), offset=True)
    assert_all_same(fn((a, b)), ref((ra, rb)), offset=True)
    assert_all_same(fn([a]), ref([ra]), offset=True)
    assert fn() == ref() == ()
    assert fn([]) == ref([]) == ()


# -- swapaxes, squeeze ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("a0,a1", [(0, 2), (1, -1), (2, 2), (-3, 1)])
def test_swapaxes_views(kind, a0, a1):
    t, r = pair((2, 3, 4), "float32", kind)
    for name in ("swapaxes", "swapdims"):
        got = getattr(tj, name)(t, a0, a1)
        assert_same(got, getattr(torch, name)(r, a0, a1), offset=True)
        assert shares(got, t)
        assert_same(getattr(t, name)(a0, a1), getattr(r, name)(a0, a1), offset=True)
    assert_same(tj.swapaxes(t, axis0=a0, axis1=a1), torch.swapaxes(r, axis0=a0, axis1=a1))
    assert_same(t.swapaxes(axis0=a0, axis1=a1), r.swapaxes(axis0=a0, axis1=a1))
    assert_same(tj.swapdims(t, dim0=a0, dim1=a1), torch.swapdims(r, dim0=a0, dim1=a1))


def test_swapaxes_errors():
    t, r = pair((2, 3))
    assert_raises_like("transpose", lambda: tj.swapaxes(t, 0, 2), lambda: torch.swapaxes(r, 0, 2))


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("dim", [(0, 2), (0, 1), [0, 2], (), (-1,), (1,), 0, -1, None])
def test_squeeze_views(kind, dim):
    t, r = pair((1, 2, 1), "float32", kind)
    got = tj.squeeze(t) if dim is None else tj.squeeze(t, dim)
    assert_same(got, torch.squeeze(r) if dim is None else torch.squeeze(r, dim), offset=True)
    assert shares(got, t)
    if dim is not None:
        assert_same(t.squeeze(dim=dim), r.squeeze(dim=dim), offset=True)
    if isinstance(dim, tuple) and dim:
        assert_same(t.squeeze(*dim), r.squeeze(*dim), offset=True)


def test_squeeze_0d_and_errors():
    t, r = pair((), "float32")
    for dim in (0, (0,), -1, ()):
        assert_same(tj.squeeze(t, dim), torch.squeeze(r, dim))
    a, ra = pair((1, 2, 1))
    for dim in ((0, 0), (0, 3), 5, (0, -3)):
        assert_raises_like("squeeze", lambda: tj.squeeze(a, dim), lambda: torch.squeeze(ra, dim))
    assert_raises_like("squeeze", lambda: tj.squeeze(t, (0, -1)), lambda: torch.squeeze(r, (0, -1)))
    assert_raises_like("squeeze", lambda: tj.squeeze(t, 1), lambda: torch.squeeze(r, 1))


def test_public_names_and_methods():
    # The ops are public, exported once, and bound as methods where PyTorch has them.
    for name in ("cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
                 "split", "tensor_split", "chunk", "unbind", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
                 "meshgrid", "atleast_1d", "atleast_2d", "atleast_3d", "swapaxes", "swapdims", "squeeze"):
        assert callable(getattr(tj, name)) and getattr(tj, name).__doc__, name
    for name in ("split", "split_with_sizes", "tensor_split", "chunk", "unbind", "broadcast_to", "swapaxes",
                 "swapdims", "squeeze"):
        assert hasattr(tj.Tensor, name) and hasattr(torch.Tensor, name), name
    assert not hasattr(tj.Tensor, "cat") and not hasattr(torch.Tensor, "cat")

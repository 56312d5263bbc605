"""Rearranging copies against PyTorch: flip, fliplr, flipud, roll, rot90, repeat, tile,
repeat_interleave. Values, dtype, shape and the result's strides (flip keeps the input's
dim order, the others are contiguous), every argument form, errors, and Hypothesis over
random shapes and arguments.

Negative-stride inputs, which PyTorch cannot build, are checked against NumPy.

Kernel budget: the copy kernels of DTYPES (same dtype in and out), plus the index kernels
behind ``repeat_interleave`` with per-slice counts (float32, int64); Hypothesis runs on
float32 only.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import tensorjit as tj
from test_shape_ops import (DTYPES, LAYOUTS, assert_raises_like, assert_same, pair, values,
                            torch_single_thread)

torch = pytest.importorskip("torch", reason="torch is the reference for the shape ops' semantics")


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    with torch_single_thread():
        yield


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def shapes(min_dims=0, max_dims=4, max_side=4):
    return st.lists(st.integers(0, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


# -- flip ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("dims", [[0], [1], [2], [-1], [0, 2], (1, 0, 2), []])
def test_flip_layouts(kind, dims):
    t, r = pair((2, 3, 4), "float32", kind)
    got = tj.flip(t, dims)
    assert_same(got, torch.flip(r, dims))
    assert not np.shares_memory(got.numpy(), t.numpy())
    assert_same(t.flip(dims), r.flip(dims))
    assert_same(t.flip(dims=dims), r.flip(dims=dims))
    if dims:
        assert_same(t.flip(*dims), r.flip(*dims))


@pytest.mark.parametrize("dtype", DTYPES)
def test_flip_dtypes(dtype):
    for shape, dims in (((3, 4), [0, 1]), ((), [0]), ((), []), ((0, 3), [1]), ((5,), [0])):
        t, r = pair(shape, dtype, seed=len(shape))
        assert_same(tj.flip(t, dims), torch.flip(r, dims))


def test_flip_expanded_and_permuted_inputs():
    t, r = pair((2, 1, 3), "float32")
    assert_same(tj.flip(t.expand(2, 4, 3), [1]), torch.flip(r.expand(2, 4, 3), [1]))
    t, r = pair((2, 3, 4), "float32")
    assert_same(tj.flip(t.permute(2, 0, 1), [0]), torch.flip(r.permute(2, 0, 1), [0]))
    assert_same(tj.flip(t.permute(1, 2, 0)[:, ::2], [1]), torch.flip(r.permute(1, 2, 0)[:, ::2], [1]))


def test_flip_of_negative_strides_matches_numpy():
    base = values(24, "float32", seed=3).reshape(4, 6)
    t = tj.from_numpy(base).as_strided((4, 3), (6, -2), 5)
    np.testing.assert_array_equal(tj.flip(t, [0, 1]).numpy(), base[:, ::-2][::-1, ::-1])


def test_fliplr_flipud():
    for shape in ((2, 3), (2, 3, 4), (3,), ()):
        t, r = pair(shape, "float32", "transposed")
        for name in ("fliplr", "flipud"):
            if len(shape) >= (2 if name == "fliplr" else 1):
                assert_same(getattr(tj, name)(t), getattr(torch, name)(r))
                assert_same(getattr(t, name)(), getattr(r, name)())
            else:
                assert_raises_like(name, lambda: getattr(tj, name)(t), lambda: getattr(torch, name)(r))


@pytest.mark.parametrize("call", [
    lambda m, a: m.flip(a, 0),
    lambda m, a: m.flip(a, (0, 0)),
    lambda m, a: m.flip(a, (0, -2)),
    lambda m, a: m.flip(a, [2]),
    lambda m, a: m.flip(a, (0.0,)),
])
def test_flip_errors(call):
    a, ra = pair((2, 3))
    assert_raises_like("flip", lambda: call(tj, a), lambda: call(torch, ra))


@SETTINGS
@given(shape=shapes(), data=st.data())
def test_flip_hypothesis(shape, data):
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1) if shape else st.sampled_from([0, -1]),
                              unique_by=lambda d: d % max(len(shape), 1), max_size=max(len(shape), 1)))
    kind = data.draw(st.sampled_from(LAYOUTS))
    t, r = pair(shape, "float32", kind)
    assert_same(tj.flip(t, dims), torch.flip(r, dims))


# -- roll ------------------------------------------------------------------------------------------------
ROLLS = [(1, 0), (-1, 1), (5, None), (-7, None), (1, -1), ((1, 2), (0, 1)), ((1, 1), (0, 0)), ([3], [2]),
         ((0, 4), (1, 2)), ((2, -1, 3), (0, 1, 2)), (1, (0,)), (0, 1)]


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("shifts,dims", ROLLS)
def test_roll_layouts(kind, shifts, dims):
    t, r = pair((2, 3, 4), "float32", kind)
    assert_same(tj.roll(t, shifts, dims), torch.roll(r, shifts, dims))
    assert_same(t.roll(shifts, dims), r.roll(shifts, dims))
    assert_same(tj.roll(t, shifts=shifts, dims=dims), torch.roll(r, shifts=shifts, dims=dims))


@pytest.mark.parametrize("dtype", DTYPES)
def test_roll_dtypes(dtype):
    for shape, shifts, dims in (((3, 4), (1, -2), (0, 1)), ((), 3, None), ((0, 3), 1, 0), ((5,), 2, None)):
        t, r = pair(shape, dtype, seed=len(shape))
        assert_same(tj.roll(t, shifts, dims), torch.roll(r, shifts, dims))


def test_roll_negative_stride_input_matches_numpy():
    base = values(24, "float32", seed=4).reshape(4, 6)
    t = tj.from_numpy(base).flip([0])
    np.testing.assert_array_equal(tj.roll(t, (1, -2), (0, 1)).numpy(), np.roll(base[::-1], (1, -2), (0, 1)))
    np.testing.assert_array_equal(tj.roll(t, 5).numpy(), np.roll(base[::-1], 5))


@pytest.mark.parametrize("call", [
    lambda m, a: m.roll(a, (1, 2), 0),
    lambda m, a: m.roll(a, 1, (0, 1)),
    lambda m, a: m.roll(a, (1, 2)),
    lambda m, a: m.roll(a, [], []),
    lambda m, a: m.roll(a, 1, 2),
    lambda m, a: m.roll(a[0, 0], 1, 0),
])
def test_roll_errors(call):
    a, ra = pair((2, 3))
    assert_raises_like("roll", lambda: call(tj, a), lambda: call(torch, ra))


@SETTINGS
@given(shape=shapes(min_dims=1), data=st.data())
def test_roll_hypothesis(shape, data):
    nd = len(shape)
    if data.draw(st.booleans()):
        dims = None
        shifts = data.draw(st.integers(-20, 20))
    else:
        k = data.draw(st.integers(1, 3))
        dims = tuple(data.draw(st.lists(st.integers(-nd, nd - 1), min_size=k, max_size=k)))
        shifts = tuple(data.draw(st.lists(st.integers(-9, 9), min_size=k, max_size=k)))
    kind = data.draw(st.sampled_from(LAYOUTS))
    t, r = pair(shape, "float32", kind)
    assert_same(tj.roll(t, shifts, dims), torch.roll(r, shifts, dims))


# -- rot90 -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (2, 0), (0, -1), [1, 2]])
def test_rot90_layouts(kind, k, dims):
    t, r = pair((2, 3, 4), "float32", kind)
    assert_same(tj.rot90(t, k, dims), torch.rot90(r, k, dims))
    assert_same(t.rot90(k, dims), r.rot90(k, dims))


@pytest.mark.parametrize("dtype", DTYPES)
def test_rot90_dtypes_and_defaults(dtype):
    t, r = pair((3, 2), dtype, "transposed")
    assert_same(tj.rot90(t), torch.rot90(r))
    assert_same(tj.rot90(t, k=2), torch.rot90(r, k=2))
    t, r = pair((0, 2), dtype)
    assert_same(tj.rot90(t, 1), torch.rot90(r, 1))


@pytest.mark.parametrize("call", [
    lambda m, a: m.rot90(a, 1, [0, 0]),
    lambda m, a: m.rot90(a, 1, [0]),
    lambda m, a: m.rot90(a, 1, [0, 1, 2]),
    lambda m, a: m.rot90(a[0], 1),
    lambda m, a: m.rot90(a, 1, [0, 5]),
    lambda m, a: m.rot90(a, 1, [0, -2]),
])
def test_rot90_errors(call):
    a, ra = pair((2, 3))
    assert_raises_like("rot90", lambda: call(tj, a), lambda: call(torch, ra))


# -- repeat and tile -----------------------------------------------------------------------------------------
REPEATS = [(2, 3), (2, 1, 3), (1, 1), (0, 2), (3, 1, 1, 2), [2, 2]]


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("reps", REPEATS)
def test_repeat_layouts(kind, reps):
    t, r = pair((3, 2), "float32", kind)
    assert_same(t.repeat(*reps), r.repeat(*reps))
    assert_same(t.repeat(reps), r.repeat(reps))
    assert_same(t.repeat(tuple(reps)), r.repeat(tuple(reps)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_repeat_dtypes(dtype):
    for shape, reps in (((2, 3), (2, 2)), ((), (2, 3)), ((), ()), ((0, 2), (2, 3)), ((3,), (1, 2, 2))):
        t, r = pair(shape, dtype, seed=len(reps))
        assert_same(t.repeat(*reps) if reps else t.repeat(()), r.repeat(*reps) if reps else r.repeat(()))


def test_repeat_expanded_and_negative_stride_inputs():
    t, r = pair((1, 3), "float32")
    assert_same(t.expand(2, 3).repeat(2, 2), r.expand(2, 3).repeat(2, 2))
    base = values(12, "float32", seed=5).reshape(3, 4)
    got = tj.from_numpy(base).flip([1]).repeat(2, 1, 2)
    np.testing.assert_array_equal(got.numpy(), np.tile(base[:, ::-1], (2, 1, 2)))


@pytest.mark.parametrize("call", [
    lambda a: a.repeat(2),
    lambda a: a.repeat(),
    lambda a: a.repeat(-1, 2),
    lambda a: a.repeat(2.5, 2),
])
def test_repeat_errors(call):
    a, ra = pair((2, 3))
    assert_raises_like("repeat", lambda: call(a), lambda: call(ra))


TILES = [(2,), (2, 1, 3), (), (1, 1), (0,), [2, 2], (3, 1, 1, 2)]


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("dims", TILES)
def test_tile_layouts(kind, dims):
    t, r = pair((3, 2), "float32", kind)
    assert_same(tj.tile(t, dims), torch.tile(r, dims))
    assert_same(t.tile(dims), r.tile(dims))
    assert_same(t.tile(dims=dims), r.tile(dims=dims))
    if dims:
        assert_same(t.tile(*dims), r.tile(*dims))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tile_dtypes(dtype):
    for shape, dims in (((2, 3), (2,)), ((), ()), ((), (2, 2)), ((0, 2), (2, 3))):
        t, r = pair(shape, dtype, seed=len(dims))
        assert_same(tj.tile(t, dims), torch.tile(r, dims))


@pytest.mark.parametrize("call", [
    lambda m, a: m.tile(a, (-1,)),
    lambda m, a: m.tile(a, 2),
    lambda m, a: m.tile(a, (2.5,)),
])
def test_tile_errors(call):
    a, ra = pair((2, 3))
    assert_raises_like("tile", lambda: call(tj, a), lambda: call(torch, ra))


@SETTINGS
@given(shape=shapes(max_dims=3), data=st.data())
def test_repeat_and_tile_hypothesis(shape, data):
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=len(shape), max_size=len(shape) + 2)))
    kind = data.draw(st.sampled_from(LAYOUTS))
    t, r = pair(shape, "float32", kind)
    assert_same(t.repeat(reps), r.repeat(reps))
    dims = reps[:data.draw(st.integers(0, len(reps)))]
    assert_same(tj.tile(t, dims), torch.tile(r, dims))


# -- repeat_interleave ---------------------------------------------------------------------------------
INTERLEAVES = [(2, None), (2, 0), (3, 1), (0, 1), (1, -1), ("t", 0), ("t", 1), ("t1", 1), ("t0", 0), ("t", None)]


def _repeats(spec, m, n):
    if not isinstance(spec, str):
        return spec
    if spec == "t1":
        return m.tensor([2])
    if spec == "t0":
        return m.tensor(3)
    return m.tensor([(i * 7) % 4 for i in range(n)])


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("spec,dim", INTERLEAVES)
def test_repeat_interleave_layouts(kind, spec, dim):
    t, r = pair((3, 2), "float32", kind)
    n = t.numel() if dim is None else t.shape[dim]
    rt, rr = _repeats(spec, tj, n), _repeats(spec, torch, n)
    assert_same(tj.repeat_interleave(t, rt, dim), torch.repeat_interleave(r, rr, dim))
    assert_same(t.repeat_interleave(rt, dim=dim), r.repeat_interleave(rr, dim=dim))


@pytest.mark.parametrize("dtype", DTYPES)
def test_repeat_interleave_dtypes(dtype):
    for shape, reps, dim in (((2, 3), 2, 1), ((), 3, None), ((0, 2), 2, 0), ((4,), 0, 0)):
        t, r = pair(shape, dtype, seed=len(shape))
        assert_same(tj.repeat_interleave(t, reps, dim), torch.repeat_interleave(r, reps, dim))


def test_repeat_interleave_per_slice_counts_on_int64():
    t, r = pair((3, 4), "int64", "transposed")
    for reps in ([1, 0, 2, 3], [0, 0, 0, 0]):
        assert_same(tj.repeat_interleave(t, tj.tensor(reps), 1), torch.repeat_interleave(r, torch.tensor(reps), 1))
    reps32 = [2, 0, 1]
    assert_same(tj.repeat_interleave(t, tj.tensor(reps32, dtype=tj.int32), 0),
                torch.repeat_interleave(r, torch.tensor(reps32, dtype=torch.int32), 0))


def test_repeat_interleave_of_counts_alone():
    for dtype in ("int64", "int32"):
        reps = tj.tensor([1, 0, 3, 2], dtype=getattr(tj, dtype))
        rreps = torch.tensor([1, 0, 3, 2], dtype=getattr(torch, dtype))
        assert_same(tj.repeat_interleave(reps), torch.repeat_interleave(rreps))
        assert_raises_like("repeat_interleave", lambda: reps.repeat_interleave(), lambda: rreps.repeat_interleave())
        assert_same(tj.repeat_interleave(reps, output_size=6), torch.repeat_interleave(rreps, output_size=6))
    assert_same(tj.repeat_interleave(tj.tensor([], dtype=tj.int64)),
                torch.repeat_interleave(torch.tensor([], dtype=torch.int64)))


def test_repeat_interleave_output_size():
    t, r = pair((3, 2), "float32")
    assert_same(tj.repeat_interleave(t, 2, 0, output_size=6), torch.repeat_interleave(r, 2, 0, output_size=6))
    assert_same(tj.repeat_interleave(t, tj.tensor([1, 2, 0]), 0, output_size=3),
                torch.repeat_interleave(r, torch.tensor([1, 2, 0]), 0, output_size=3))


@pytest.mark.parametrize("call", [
    lambda m, a: m.repeat_interleave(m.tensor([[1, 2, 3]])),
    lambda m, a: m.repeat_interleave(m.tensor([1.0, 2.0, 3.0])),
    lambda m, a: m.repeat_interleave(m.tensor([1, -2, 3])),
    lambda m, a: m.repeat_interleave(a, m.tensor([1, -2, 0]), 0),
    lambda m, a: m.repeat_interleave(a, m.tensor([1, 2]), 0),
    lambda m, a: m.repeat_interleave(a, -1, 0),
    lambda m, a: m.repeat_interleave(a, 2, 0, output_size=5),
    lambda m, a: m.repeat_interleave(a, m.tensor([1, 2, 0]), 0, output_size=4),
    lambda m, a: m.repeat_interleave(a, m.tensor([1.0, 2.0, 0.0]), 0),
    lambda m, a: m.repeat_interleave(a, m.tensor([[1, 2, 0]]), 0),
    lambda m, a: m.repeat_interleave(a, 2, 5),
])
def test_repeat_interleave_errors(call):
    a, ra = pair((3, 2))
    assert_raises_like("repeat_interleave", lambda: call(tj, a), lambda: call(torch, ra))

"""``tensorjit.pad`` against ``torch.nn.functional.pad``: modes constant, reflect, replicate and
circular, positive and negative (cropping) sizes, 1 to 3 padded dims with and without a
batch dim, layouts, dtypes, fill values, result strides, errors, and Hypothesis over random
shapes and pads.

Kernel budget: the copy kernels of DTYPES (fills go through the same kernel as a copy of the
same dtype); Hypothesis runs on float32 only.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import tensorjit as tj
from test_shape_ops import (DTYPES, LAYOUTS, assert_raises_like, assert_same, pair, values,
                            torch_single_thread)

torch = pytest.importorskip("torch", reason="torch is the reference for pad's semantics")


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    with torch_single_thread():
        yield


SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MODES = ["reflect", "replicate", "circular"]

# (input shape, pad) pairs valid for every non-constant mode.
NONCONSTANT = [((2, 5), (1, 2)), ((2, 3, 5), (2, 0)), ((2, 3, 5), (0, 3)), ((3, 4, 5), (1, 2, 3, 1)),
               ((2, 3, 4, 5), (2, 1, 0, 3)), ((2, 3, 4, 5), (1, 1, 1, 1, 1, 1)), ((1, 2, 3, 4, 5), (1, 2, 2, 0, 1, 1)),
               ((2, 5), (-1, 2)), ((2, 5), (3, -2)), ((2, 4, 5), (-1, -1, 2, 1)), ((1, 4), (0, 0))]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("shape,pads", NONCONSTANT)
def test_pad_nonconstant_modes(mode, kind, shape, pads):
    t, r = pair(shape, "float32", kind)
    got = tj.pad(t, pads, mode=mode)
    assert_same(got, F.pad(r, pads, mode=mode))
    assert got.is_contiguous()
    assert_same(tj.pad(t, list(pads), mode, 0), F.pad(r, list(pads), mode, 0))


CONSTANT = [((2, 3), (1, 2)), ((2, 3), (1, 2, 0, 1)), ((2, 3), (-1, 1)), ((2, 3), (-1, -1, -1, 0)), ((2, 3), ()),
            ((2, 3), (0, 0)), ((2, 3, 4), (1, 1, 1, 1, 1, 1)), ((0, 3), (1, 1)), ((0, 3), (1, 1, 1, 1)), ((), ()),
            ((2, 3, 4), (2, -1, 0, 0, -1, 3)), ((3,), (-3, 2)), ((2, 3, 4, 5), (1, 0))]


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("shape,pads", CONSTANT)
def test_pad_constant(kind, shape, pads):
    t, r = pair(shape, "float32", kind)
    got = tj.pad(t, pads)
    assert_same(got, F.pad(r, pads))
    assert not np.shares_memory(got.numpy(), t.numpy())
    assert_same(tj.pad(t, pads, value=-2.5), F.pad(r, pads, value=-2.5))
    assert_same(tj.pad(t, pads, "constant", float("nan")), F.pad(r, pads, "constant", float("nan")))


def test_pad_constant_keeps_channels_last_like_torch():
    t, r = pair((2, 3, 4, 5), "float32")
    tcl = t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    rcl = r.contiguous(memory_format=torch.channels_last)
    assert_same(tj.pad(tcl, (1, 1)), F.pad(rcl, (1, 1)))
    assert_same(tj.pad(tcl, (1, 1, 2, 0, 1, 1)), F.pad(rcl, (1, 1, 2, 0, 1, 1)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pad_dtypes(dtype):
    t, r = pair((2, 3, 4), dtype)
    assert_same(tj.pad(t, (1, 2, 0, 1)), F.pad(r, (1, 2, 0, 1)))
    assert_same(tj.pad(t, (1, 2, 0, 1), value=1), F.pad(r, (1, 2, 0, 1), value=1))
    assert_same(tj.pad(t, (1, 2), mode="circular"), F.pad(r, (1, 2), mode="circular"))
    if dtype != "bool":
        assert_same(tj.pad(t, (1, 2, 2, 1), mode="reflect"), F.pad(r, (1, 2, 2, 1), mode="reflect"))
        assert_same(tj.pad(t, (1, 2, 2, 1), mode="replicate"), F.pad(r, (1, 2, 2, 1), mode="replicate"))
    else:
        for mode in ("reflect", "replicate"):
            assert_raises_like("pad", lambda: tj.pad(t, (1, 1), mode=mode), lambda: F.pad(r, (1, 1), mode=mode))


def test_pad_fill_values_convert_like_torch():
    t, r = pair((2, 3), "int64")
    assert_same(tj.pad(t, (1, 1), value=1.5), F.pad(r, (1, 1), value=1.5))
    assert_same(tj.pad(t, (1, 1), value=-7), F.pad(r, (1, 1), value=-7))
    for big in (2 ** 70, -2 ** 64):
        assert_raises_like("pad", lambda: tj.pad(t, (1, 1), value=big), lambda: F.pad(r, (1, 1), value=big))
    assert_same(tj.pad(t, (1, 1), value=2 ** 40), F.pad(r, (1, 1), value=2 ** 40))
    b, rb = pair((2, 3), "bool")
    assert_same(tj.pad(b, (1, 1), value=1), F.pad(rb, (1, 1), value=1))
    assert_same(tj.pad(b, (1, 1), value=True), F.pad(rb, (1, 1), value=True))
    f, rf = pair((2, 3), "float32")
    assert_same(tj.pad(f, (1, 1), value=float("-inf")), F.pad(rf, (1, 1), value=float("-inf")))


def test_pad_empty_batch_and_channels():
    for shape, pads, mode in (((0, 3, 2), (1, 1), "reflect"), ((0, 2, 2, 4), (1, 1, 1, 1), "reflect"),
                              ((0, 3, 2), (1, 1), "replicate"), ((0, 3, 2), (1, 1), "circular"),
                              ((1, 0, 2), (1, 1), "circular")):
        t, r = pair(shape, "float32")
        assert_same(tj.pad(t, pads, mode=mode), F.pad(r, pads, mode=mode))


def test_pad_negative_stride_input_matches_numpy():
    base = values(20, "float32", seed=7).reshape(4, 5)
    t = tj.from_numpy(base).as_strided((4, 5), (5, -1), 4)
    view = base[:, ::-1]
    np.testing.assert_array_equal(tj.pad(t, (2, 1), mode="reflect").numpy(),
                                  np.pad(view, ((0, 0), (2, 1)), mode="reflect"))
    np.testing.assert_array_equal(tj.pad(t.unsqueeze(0), (2, 1, 1, 0), mode="replicate").numpy(),
                                  np.pad(view[None], ((0, 0), (1, 0), (2, 1)), mode="edge"))
    np.testing.assert_array_equal(tj.pad(t, (3, 2), mode="circular").numpy(),
                                  np.pad(view, ((0, 0), (3, 2)), mode="wrap"))
    np.testing.assert_array_equal(tj.pad(t, (1, 1, 2, 2), value=3).numpy(),
                                  np.pad(view, ((2, 2), (1, 1)), constant_values=3))


@pytest.mark.parametrize("call", [
    lambda m, a: m(a, (1,)),
    lambda m, a: m(a, (1, 1, 1, 1, 1, 1)),
    lambda m, a: m(a, (1, 1), "bogus"),
    lambda m, a: m(a, (1, 1), value=1 + 2j),
    lambda m, a: m(a, (1.5, 1)),
    lambda m, a: m(a, (-4, 0)),
    lambda m, a: m(a, (-2, -2)),
    lambda m, a: m(a[0, 0], (1, 1)),
    lambda m, a: m(a, (1, 1), "reflect", value=3),
    lambda m, a: m(a, (1, 1), "replicate", value=1),
    lambda m, a: m(a, (1, 1), "circular", value=1),
    lambda m, a: m(a[0], (1, 1), "reflect"),
    lambda m, a: m(a[0], (1, 1), "replicate"),
    lambda m, a: m(a[0], (1, 1), "circular"),
    lambda m, a: m(a, (1, 1, 1, 1), "reflect"),
    lambda m, a: m(a[None, None, None], (1, 1), "replicate"),
    lambda m, a: m(a, (), "reflect"),
    lambda m, a: m(a, (3, 0), "reflect"),
    lambda m, a: m(a, (0, 1, 2, 1), "reflect"),
    lambda m, a: m(a, (4, 0), "circular"),
    lambda m, a: m(a[:, :0], (1, 1), "reflect"),
    lambda m, a: m(a[:0], (1, 1), "replicate"),
    lambda m, a: m(a[None, :, :0], (1, 1), "circular"),
])
def test_pad_errors(call):
    a, ra = pair((2, 3))
    assert_raises_like("pad", lambda: call(tj.pad, a), lambda: call(F.pad, ra))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "constant"])
@pytest.mark.parametrize("pads", [(1, -3), (-3, 1), (2, -4), (-1, -1), (1, -2)])
def test_pad_that_crops_a_dim_to_nothing_or_little(mode, pads):
    # A positive pad on one side with a crop on the other that leaves zero elements: PyTorch gives an
    # empty dim (found by the hypothesis test below: the empty left run used to be range-checked).
    a, ra = pair((1, 2, 2))
    try:
        expected = F.pad(ra, pads, mode=mode)
    except RuntimeError:
        assert_raises_like("pad", lambda: tj.pad(a, pads, mode=mode), lambda: F.pad(ra, pads, mode=mode))
        return
    assert_same(tj.pad(a, pads, mode=mode), expected)


def test_pad_error_leaves_no_partial_result():
    a, ra = pair((2, 3))
    before = a.clone()
    with pytest.raises(RuntimeError, match="pad"):
        tj.pad(a, (5, 0), mode="reflect")
    np.testing.assert_array_equal(a.numpy(), before.numpy())


def test_pad_is_public_under_tensorjit():
    assert tj.pad.__doc__ and "pad" in tj.__dict__
    # torch.nn.functional.pad's home: tensorjit.nn.functional.pad is the same function.
    assert tj.nn.functional.pad is tj.pad
    assert "pad" in tj.nn.functional.__all__
    t, r = pair((2, 3), "float32", LAYOUTS[0])
    assert_same(tj.nn.functional.pad(t, (1, 2), mode="replicate"), F.pad(r, (1, 2), mode="replicate"))


@st.composite
def pad_cases(draw, mode):
    k = draw(st.integers(1, 3))
    batch = draw(st.integers(1, 2))
    shape = tuple(draw(st.lists(st.integers(1 if mode != "circular" else 0, 3), min_size=batch, max_size=batch))) + \
        tuple(draw(st.lists(st.integers(1, 5), min_size=k, max_size=k)))
    if mode == "circular":
        shape = (shape[0] if batch == 2 else max(shape[0], 1),) + shape[1:]
    pads = []
    for n in reversed(shape[-k:]):
        if mode == "reflect":
            lo, hi = draw(st.integers(-(n + 1), n)), draw(st.integers(-(n + 1), n))
        elif mode == "circular":
            lo, hi = draw(st.integers(-n, n)), draw(st.integers(-n, n))
            m = n - max(-lo, 0) - max(-hi, 0)
            # Beyond this PyTorch reads its own uninitialised output (see Note [pad blocks]).
            assume(m >= 0 and max(lo, 0) <= m and max(hi, 0) <= m)
        else:
            lo, hi = draw(st.integers(-n - 1, 6)), draw(st.integers(-n - 1, 6))
        pads += [lo, hi]
    return shape, tuple(pads)


@pytest.mark.parametrize("mode", MODES + ["constant"])
@SETTINGS
@given(data=st.data())
def test_pad_hypothesis(mode, data):
    shape, pads = data.draw(pad_cases("replicate" if mode == "constant" else mode))
    kind = data.draw(st.sampled_from(LAYOUTS))
    t, r = pair(shape, "float32", kind)
    try:
        expected = F.pad(r, pads, mode=mode)
    except RuntimeError:
        assert_raises_like("pad", lambda: tj.pad(t, pads, mode=mode), lambda: F.pad(r, pads, mode=mode))
        return
    assert_same(tj.pad(t, pads, mode=mode), expected)

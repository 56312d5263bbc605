"""Hypothesis-generated index expressions against PyTorch (and NumPy where it agrees).

An expression mixes ints, slices with any step, None, Ellipsis, int index tensors or lists
(negative entries too) and bool masks, on a random shape of up to 4 dims. Reads compare
values, shape and strides with torch (negative slice steps, which torch refuses, are
compared with NumPy on a copy); writes compare the whole destination after
``t[idx] = value`` with a broadcast tensor value and with a scalar.

NumPy is a second oracle only where it agrees with torch: no int next to index tensors (an
int is a basic index in torch, an advanced one in NumPy) and at most one advanced item.

Kernel budget: float32 only, so every gather/scatter is the 4-byte ``get``/``put`` kernel for
one to four index operands, plus the mask kernels.
"""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import tensorjit as tj

torch = pytest.importorskip("torch", reason="torch is the reference for indexing semantics")

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- drawing ----------------------------------------------------------------------------------
@st.composite
def shapes(draw):
    nd = draw(st.integers(1, 4), label="ndim")
    return tuple(draw(st.integers(0 if nd > 1 else 1, 4), label="size") for _ in range(nd))


def _draw_slice(draw, n, negative):
    start = draw(st.none() | st.integers(-n - 1, n + 1), label="start")
    stop = draw(st.none() | st.integers(-n - 1, n + 1), label="stop")
    steps = [None, 1, 2, 3] + ([-1, -2] if negative else [])
    return slice(start, stop, draw(st.sampled_from(steps), label="step"))


@st.composite
def expressions(draw, shape, negative_steps=False):
    """(items, kinds): a list of index items in a neutral form (('idx', list), ('mask', list),
    ints, slices, None, Ellipsis) and the kinds present. Every item fits ``shape``."""
    nd = len(shape)
    items, kinds, d = [], set(), 0
    ellipsis_at = draw(st.none() | st.integers(0, nd), label="ellipsis_at")
    rest = nd if ellipsis_at is None else draw(st.integers(0, nd), label="dims_before_ellipsis")
    while d < nd:
        if ellipsis_at is not None and d == rest and Ellipsis not in items:
            items.append(Ellipsis)
            break
        if draw(st.integers(0, 5), label="none") == 0:
            items.append(None)
            kinds.add("none")
        n = shape[d]
        kind = draw(st.sampled_from(["int", "slice", "idx", "idx", "mask"]), label="kind")
        if kind == "int" and n > 0:
            items.append(draw(st.integers(-n, n - 1), label="int"))
            kinds.add("int")
            d += 1
        elif kind == "idx" and n > 0:
            ishape = draw(st.sampled_from([(), (1,), (2,), (3,), (2, 1), (1, 3), (2, 3)]), label="ishape")
            vals = draw(st.lists(st.integers(-n, n - 1), min_size=int(np.prod(ishape)),
                                 max_size=int(np.prod(ishape))), label="ivals")
            items.append(("idx", np.array(vals, np.int64).reshape(ishape).tolist()))
            kinds.add("idx")
            d += 1
        elif kind == "mask" and "mask" not in kinds:
            k = draw(st.integers(1, min(2, nd - d)), label="mask_ndim")
            m = draw(st.lists(st.booleans(), min_size=int(np.prod(shape[d:d + k])),
                              max_size=int(np.prod(shape[d:d + k]))), label="mask")
            items.append(("mask", np.array(m, bool).reshape(shape[d:d + k]).tolist()))
            kinds.add("mask")
            d += k
        else:
            items.append(_draw_slice(draw, n, negative_steps))
            kinds.add("slice")
            d += 1
    if draw(st.integers(0, 4), label="trailing_none") == 0:
        items.append(None)
        kinds.add("none")
    return items, kinds


def build(m, items, as_list=False):
    """The index tuple for module ``m`` (tensorjit, torch or numpy)."""
    out = []
    for it in items:
        if isinstance(it, tuple):
            kind, v = it
            if m is np:
                out.append(np.array(v, bool if kind == "mask" else np.int64))
            elif as_list and kind == "idx" and isinstance(v, list) and v:
                out.append(v)
            else:
                out.append(m.tensor(v, dtype=m.bool if kind == "mask" else m.int64))
        else:
            out.append(it)
    return tuple(out)


def data_of(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def numpy_agrees(items):
    n_adv = sum(isinstance(i, tuple) for i in items)
    ints = any(isinstance(i, int) and not isinstance(i, bool) for i in items)
    return n_adv <= 1 and not (ints and n_adv)


def assert_like(t, ref, strides=True):
    assert tuple(t.shape) == tuple(ref.shape)
    np.testing.assert_array_equal(t.numpy(), np.asarray(ref))
    if strides and ref.numel() > 1:
        # Strides of size-1 dims are arbitrary in both libraries.
        got = [s for n, s in zip(t.shape, t.stride()) if n > 1]
        want = [s for n, s in zip(ref.shape, ref.stride()) if n > 1]
        assert got == want, (t.stride(), ref.stride())


def outcome(f):
    """(result, None) or (None, exception type)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(), None
    except (IndexError, RuntimeError, ValueError, TypeError) as e:
        return None, type(e)


# -- reads -----------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_read_matches_torch_and_numpy(data):
    shape = data.draw(shapes(), label="shape")
    items, _ = data.draw(expressions(shape), label="index")
    as_list = data.draw(st.booleans(), label="lists")
    base = data_of(shape)
    view = data.draw(st.sampled_from(["contiguous", "transposed"]), label="layout")
    if view == "transposed":
        a = tj.from_numpy(np.ascontiguousarray(base.T)).permute(*reversed(range(len(shape))))
        r = torch.from_numpy(np.ascontiguousarray(base.T)).permute(*reversed(range(len(shape))))
    else:
        a, r = tj.from_numpy(base.copy()), torch.from_numpy(base.copy())
    want, err = outcome(lambda: r[build(torch, items)])
    got, got_err = outcome(lambda: a[build(tj, items, as_list)])
    assert got_err is err, (items, got_err, err)
    if err is None:
        assert_like(got, want)
        if numpy_agrees(items):
            np.testing.assert_array_equal(got.numpy(), base[build(np, items)])


@SETTINGS
@given(data=st.data())
def test_read_with_negative_steps_matches_numpy(data):
    # torch refuses negative slice steps; NumPy is the oracle where it agrees with torch.
    shape = data.draw(shapes(), label="shape")
    items, _ = data.draw(expressions(shape, negative_steps=True), label="index")
    base = data_of(shape)
    want, err = outcome(lambda: base[build(np, items)])
    got, got_err = outcome(lambda: tj.from_numpy(base)[build(tj, items)])
    if numpy_agrees(items):
        assert (got_err is None) == (err is None), (items, got_err, err)
        if err is None:
            np.testing.assert_array_equal(got.numpy(), want)
    else:
        # Same values as torch reading a copy whose negative-step slices were made positive
        # by flipping the copy: checked through NumPy's view of the same items.
        flipped = [i for i in items if isinstance(i, slice) and (i.step or 1) < 0]
        if not flipped and err is None and got_err is None:
            ref, rerr = outcome(lambda: torch.from_numpy(base)[build(torch, items)])
            if rerr is None:
                np.testing.assert_array_equal(got.numpy(), ref.numpy())


# -- writes ----------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data())
def test_write_matches_torch(data):
    shape = data.draw(shapes(), label="shape")
    items, _ = data.draw(expressions(shape), label="index")
    base = data_of(shape)
    rt = torch.from_numpy(base.copy())
    read, err = outcome(lambda: rt[build(torch, items)])
    scalar = data.draw(st.booleans(), label="scalar")
    if err is None and not scalar:
        # A value of the read's shape with some leading dims dropped and some dims of size 1.
        vshape = list(read.shape)[data.draw(st.integers(0, read.dim()), label="drop"):]
        vshape = [1 if data.draw(st.booleans(), label="one") else n for n in vshape]
        value = data_of(tuple(vshape), seed=1)
    a, r = tj.from_numpy(base.copy()), torch.from_numpy(base.copy())
    if scalar or err is not None:
        v_a = v_r = 2.5
    else:
        v_a, v_r = tj.from_numpy(value.copy()), torch.from_numpy(value.copy())
    _, want_err = outcome(lambda: r.__setitem__(build(torch, items), v_r))
    _, got_err = outcome(lambda: a.__setitem__(build(tj, items), v_a))
    assert got_err is want_err, (items, got_err, want_err)
    if want_err is not None:
        np.testing.assert_array_equal(a.numpy(), base, err_msg="a failing write changed its tensor")
    np.testing.assert_array_equal(a.numpy(), r.numpy())


@SETTINGS
@given(data=st.data())
def test_accumulating_write_matches_torch(data):
    # index_put_ with accumulate=True over index tensors only: every duplicate adds.
    shape = data.draw(shapes(), label="shape")
    k = data.draw(st.integers(1, len(shape)), label="n_indexed")
    n = data.draw(st.integers(0, 6), label="n_values")
    idx = [np.array(data.draw(st.lists(st.integers(-max(s, 1), max(s, 1) - 1), min_size=n, max_size=n),
                              label="idx"), np.int64) for s in shape[:k]]
    base = data_of(shape)
    a, r = tj.from_numpy(base.copy()), torch.from_numpy(base.copy())
    vshape = (n,) + shape[k:]
    value = data_of(vshape, seed=2)
    _, want_err = outcome(lambda: r.index_put_(tuple(torch.from_numpy(i) for i in idx), torch.from_numpy(value),
                                               accumulate=True))
    _, got_err = outcome(lambda: a.index_put_(tuple(tj.from_numpy(i) for i in idx), tj.from_numpy(value),
                                              accumulate=True))
    assert got_err is want_err
    np.testing.assert_allclose(a.numpy(), r.numpy(), rtol=1e-6, atol=1e-6)

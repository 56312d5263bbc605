"""Hypothesis-generated chains of views applied in parallel to a NumPy array and to a
tensorjit tensor made from it with from_numpy.

After every step the two views must agree on shape, strides (in elements), values,
contiguity and address, and the tensor must still share memory with the NumPy base. The
chain ends with a write through the final view (fill_ or a broadcasting copy_); the base
arrays must then agree with the same write done by NumPy.

Strides are compared on dims of size > 1 of non-empty views: the stride of a size-1 dim is
arbitrary (NumPy gives 0 for ``None``, PyTorch size * stride of the next dim) and so are
all strides of an empty view.

Kernel budget: the writes use the float64 copy kernel (f8 -> f8) only.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import tensorjit as tj

NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.1.0"        # np.reshape(..., copy=False)
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- drawing one step ------------------------------------------------------------------------
def _draw_slice(data, n):
    start = data.draw(st.none() | st.integers(-n - 2, n + 2), label="start")
    stop = data.draw(st.none() | st.integers(-n - 2, n + 2), label="stop")
    step = data.draw(st.none() | st.sampled_from([1, 2, 3, -1, -2, -3]), label="step")
    return slice(start, stop, step)


def _draw_index(data, shape):
    nd = len(shape)
    k = data.draw(st.integers(0, nd), label="n_indexed")
    lead_ellipsis = k < nd and data.draw(st.booleans(), label="lead_ellipsis")
    dims = shape[nd - k:] if lead_ellipsis else shape[:k]
    items = []
    for n in dims:
        if data.draw(st.integers(0, 4), label="insert_none") == 0:
            items.append(None)
        if n > 0 and data.draw(st.integers(0, 3), label="int_or_slice") == 0:
            items.append(data.draw(st.integers(-n, n - 1), label="int"))
        else:
            items.append(_draw_slice(data, n))
    if lead_ellipsis:
        items.insert(0, Ellipsis)
    elif data.draw(st.integers(0, 3), label="trailing") == 0:
        items.append(data.draw(st.sampled_from([Ellipsis, None]), label="trailing_item"))
    return tuple(items)


def _draw_shape_of(data, numel):
    if numel == 0:
        nd = data.draw(st.integers(1, 3), label="nd")
        shape = [data.draw(st.integers(0, 3), label="size") for _ in range(nd)]
        shape[data.draw(st.integers(0, nd - 1), label="zero_at")] = 0
        return tuple(shape)
    nd = data.draw(st.integers(0 if numel == 1 else 1, 4), label="nd")
    if nd == 0:
        return ()
    shape, rem = [], numel
    for _ in range(nd - 1):
        n = data.draw(st.sampled_from([d for d in range(1, rem + 1) if rem % d == 0]), label="factor")
        shape.append(n)
        rem //= n
    shape.append(rem)
    return tuple(shape)


def _np_nocopy_reshape(a, shape):
    """``a`` reshaped without a copy, or None where NumPy would have to copy."""
    if NUMPY2:
        try:
            return np.reshape(a, shape, copy=False)
        except ValueError:
            return None
    v = a.view()
    try:
        v.shape = shape
    except AttributeError:
        return None
    return v


def _wrap(d, nd):
    return d + nd if d < 0 else d


OPS = ["index", "transpose", "permute", "expand", "view", "unsqueeze", "squeeze", "narrow", "diagonal"]


def _apply(data, op, a, t):
    """Apply a random instance of ``op`` to NumPy view ``a`` and tensor view ``t``; None if not applicable."""
    shape, nd = a.shape, a.ndim
    if op == "index":
        idx = _draw_index(data, shape)
        v = a[idx]
        if not isinstance(v, np.ndarray):       # NumPy returns a scalar copy for all-int indices
            v = a[idx + (Ellipsis,)]
        return v, t[idx], f"[{idx!r}]"
    if op == "transpose":
        if nd == 0:
            return None
        d0, d1 = (data.draw(st.integers(-nd, nd - 1), label="dim") for _ in range(2))
        return np.swapaxes(a, d0, d1), t.transpose(d0, d1), f".transpose({d0}, {d1})"
    if op == "permute":
        perm = data.draw(st.permutations(range(nd)), label="perm")
        perm = [p - nd if data.draw(st.booleans(), label="negative") else p for p in perm]
        return np.transpose(a, [_wrap(p, nd) for p in perm]), t.permute(*perm), f".permute({perm})"
    if op == "expand":
        lead = [data.draw(st.integers(0, 3), label="new_dim") for _ in range(data.draw(st.integers(0, 2)))]
        sizes = []
        for n in shape:
            if n == 1:
                sizes.append(data.draw(st.sampled_from([-1, 1, 2, 3]), label="expand_to"))
            else:
                sizes.append(data.draw(st.sampled_from([-1, n]), label="keep"))
        target = tuple(lead + sizes)
        concrete = tuple(lead + [n if s == -1 else s for s, n in zip(sizes, shape)])
        return np.broadcast_to(a, concrete), t.expand(*target), f".expand{target}"
    if op == "view":
        new = _draw_shape_of(data, a.size)
        v = _np_nocopy_reshape(a, new)
        if v is None:
            with pytest.raises(RuntimeError, match="reshape"):
                t.view(new)
            # reshape copies where view can't: same values, own memory
            r = t.reshape(new)             # (a copy is only needed for a non-empty view)
            assert r.shape == new and r.is_contiguous() and r.tolist() == np.reshape(a, new).tolist()
            assert not np.shares_memory(r.numpy(), a)
            return None
        if a.size and data.draw(st.booleans(), label="infer"):
            i = data.draw(st.integers(0, len(new) - 1), label="infer_at") if new else None
            arg = new if i is None else new[:i] + (-1,) + new[i + 1:]
        else:
            arg = new
        use_reshape = data.draw(st.booleans(), label="use_reshape")
        return v, (t.reshape(arg) if use_reshape else t.view(arg)), f".{'reshape' if use_reshape else 'view'}{arg}"
    if op == "unsqueeze":
        d = data.draw(st.integers(-nd - 1, nd), label="dim")
        return np.expand_dims(a, d), t.unsqueeze(d), f".unsqueeze({d})"
    if op == "squeeze":
        kind = data.draw(st.sampled_from(["all", "one", "tuple"]), label="squeeze_kind")
        if kind == "all" or nd == 0:
            return np.squeeze(a), t.squeeze(), ".squeeze()"
        if kind == "one":
            d = data.draw(st.integers(-nd, nd - 1), label="dim")
            return (np.squeeze(a, d) if shape[d] == 1 else a), t.squeeze(d), f".squeeze({d})"
        dims = tuple(data.draw(st.sets(st.integers(0, nd - 1), max_size=nd), label="dims"))
        ones = tuple(d for d in dims if shape[d] == 1)
        return (np.squeeze(a, ones) if ones else a), t.squeeze(dims), f".squeeze({dims})"
    if op == "narrow":
        if nd == 0:
            return None
        d = data.draw(st.integers(-nd, nd - 1), label="dim")
        n = shape[d]
        start = data.draw(st.integers(-n, n), label="start")
        s0 = start + n if start < 0 else start
        length = data.draw(st.integers(0, n - s0), label="length")
        idx = (slice(None),) * _wrap(d, nd) + (slice(s0, s0 + length),)
        return a[idx], t.narrow(d, start, length), f".narrow({d}, {start}, {length})"
    if op == "diagonal":
        if nd < 2:
            return None
        d1 = data.draw(st.integers(-nd, nd - 1), label="dim1")
        d2 = data.draw(st.integers(-nd, nd - 1).filter(lambda x: _wrap(x, nd) != _wrap(d1, nd)), label="dim2")
        off = data.draw(st.integers(-shape[d1] - 1, shape[d2] + 1), label="offset")
        return np.diagonal(a, off, d1, d2), t.diagonal(off, d1, d2), f".diagonal({off}, {d1}, {d2})"
    raise AssertionError(op)


# -- checking ---------------------------------------------------------------------------------
def _elem_strides(a):
    return [s // a.itemsize for s in a.strides]


def _check_same(a, t, base, where):
    assert tuple(t.shape) == a.shape, where
    assert t.dtype.np == a.dtype, where
    assert t.numel() == a.size, where
    np.testing.assert_array_equal(t.numpy(), a, err_msg=where)
    # Addresses only mean something for views with elements.
    if a.size:
        assert [s for s, n in zip(t.stride(), t.shape) if n > 1] == \
            [s for s, n in zip(_elem_strides(a), a.shape) if n > 1], where
        assert t.data_ptr() == a.__array_interface__["data"][0], where
        assert t.storage_offset() == (t.data_ptr() - base.ctypes.data) // base.itemsize, where
        assert np.shares_memory(t.numpy(), base), where
        assert t.is_contiguous() == a.flags.c_contiguous, where


def _writable_twin(a, base, twin_base):
    """The view of ``twin_base`` (a copy of ``base``) laid out as ``a`` is over ``base``."""
    if a.size == 0:
        return np.empty(a.shape, a.dtype)
    off = a.__array_interface__["data"][0] - base.ctypes.data
    return np.ndarray(a.shape, a.dtype, buffer=twin_base, offset=off, strides=a.strides)


def _run_chain(data, dtype):
    base_shape = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple)
                           | st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple), label="base_shape")
    base = np.arange(int(np.prod(base_shape)), dtype=dtype).reshape(base_shape)
    flat = base.reshape(-1)
    a, t = base, tj.from_numpy(base)
    _check_same(a, t, flat, "from_numpy")
    steps = data.draw(st.lists(st.sampled_from(OPS), min_size=1, max_size=6), label="ops")
    where = "base" + str(base_shape)
    for op in steps:
        r = _apply(data, op, a, t)
        if r is None:
            continue
        a, t, desc = r
        where += desc
        _check_same(a, t, flat, where)
    return base, a, t, where


def _overlapping(t):
    return t.numel() > 0 and any(s == 0 and n > 1 for s, n in zip(t.stride(), t.shape))


@SETTINGS
@given(st.data())
def test_view_chains_match_numpy_and_writes_reach_the_base(data):
    base, a, t, where = _run_chain(data, np.float64)
    before = base.copy()
    expected = base.copy()
    twin = _writable_twin(a, base, expected.reshape(-1))
    if data.draw(st.booleans(), label="fill"):
        value = data.draw(st.sampled_from([-1.5, 0.0, 7.0, 1e10]), label="value")
        # An expanded view gets one value in every element that shares a location (as torch).
        assert t.fill_(value) is t
        twin[...] = value
    else:
        k = data.draw(st.integers(0, a.ndim), label="src_dims")        # broadcast over the leading dims
        src_shape = a.shape[a.ndim - k:]
        src_np = (np.arange(int(np.prod(src_shape)), dtype=np.float64) + 100).reshape(src_shape)
        src = tj.from_numpy(src_np)
        if _overlapping(t):
            with pytest.raises(RuntimeError):
                t.copy_(src)
            np.testing.assert_array_equal(base, before, err_msg=where)
            return
        assert t.copy_(src) is t
        twin[...] = src_np
    np.testing.assert_array_equal(base, expected, err_msg=where)
    if a.size:
        np.testing.assert_array_equal(t.numpy(), twin, err_msg=where)


@SETTINGS
@given(st.data())
def test_setitem_through_view_chains(data):
    base, a, t, where = _run_chain(data, np.float64)
    if _overlapping(t) or a.ndim == 0:
        return
    expected = base.copy()
    twin = _writable_twin(a, base, expected.reshape(-1))
    idx = _draw_index(data, a.shape)
    twin[idx] = -3.0
    t[idx] = -3.0
    np.testing.assert_array_equal(base, expected, err_msg=where + f" then [{idx!r}] = -3.0")


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_reshape_is_a_view_exactly_when_numpy_needs_no_copy(data):
    base, a, t, where = _run_chain(data, np.float64)
    new = _draw_shape_of(data, a.size)
    v = _np_nocopy_reshape(a, new)
    r = t.reshape(new)
    assert r.shape == new
    if a.size:
        np.testing.assert_array_equal(r.numpy(), np.reshape(a, new), err_msg=where)
        assert np.shares_memory(r.numpy(), base) == (v is not None), where + f".reshape{new}"
    if v is not None:
        _check_same(v, r, base.reshape(-1), where + f".reshape{new}")
        assert t.view(new).stride() == r.stride()
    else:
        assert r.is_contiguous() and r.storage_offset() == 0

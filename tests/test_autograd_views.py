"""In-place ops on views of tensors with history (PyTorch's CopySlices), against torch: each
program runs once with tensorjit and once with torch as the library ``L``, and the gradients
of its leaves (values, dtype, shape), node names and errors are compared."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorjit as tj

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for autograd's semantics")

_RNG = np.random.RandomState(7)
_X = _RNG.randn(3, 4)
_W = _RNG.randn(4)


def _leaves(L, dtype="float64"):
    return (L.tensor(_X.astype(dtype), requires_grad=True), L.tensor(_W.astype(dtype), requires_grad=True))


def _grads(prog, dtype="float64"):
    """``prog(L, x, w)`` -> scalar loss, backpropagated in both libraries: the leaves' grads."""
    res = []
    for L in (tj, torch):
        x, w = _leaves(L, dtype)
        prog(L, x, w).backward()
        res.append((x.grad, w.grad))
    return res


def _check(a, b, rtol=1e-6):
    if b is None:
        assert a is None
        return
    assert a is not None and a.shape == tuple(b.shape) and a.dtype.name == str(b.dtype)[len("torch."):]
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=rtol, atol=1e-7)


def _compare(prog, dtype="float64", rtol=1e-6):
    (gx, gw), (tx, tw) = _grads(prog, dtype)
    _check(gx, tx, rtol)
    _check(gw, tw, rtol)


# -- programs: a view of a non-leaf written in place, then a loss over the base (and views) --------
def _select_mul(L, x, w):
    y = x * 2
    y[0].mul_(3)
    return (y * y).sum()


def _column_setitem(L, x, w):
    y = x * 2
    old = y[:, 1]                     # taken before the write: sees the new history
    y[:, 1] = w[:3] * 5
    return (y * y).sum() + (old * old).sum()


def _diagonal_zero(L, x, w):
    y = x * 2
    y.diagonal().zero_()
    return (y * y).sum()


def _transpose_add(L, x, w):
    y = x * 1
    y.t().add_(x.t() * w[:3])
    return (y ** 2).sum()


def _relu_slice(L, x, w):
    y = x * 1
    L.relu_(y[1:])
    return (y * y * w).sum()


def _chain_mul(L, x, w):
    y = x * 1
    a = y[1]
    b = a[1:]                          # a view of a view: its base is y
    b.mul_(w[:3])
    return (y ** 2).sum() + (a ** 2).sum() + (b * w[1:]).sum()


def _base_write_old_view(L, x, w):
    y = x * 1
    v = y[0]
    y.mul_(w)
    return (v ** 2).sum()


def _several_views(L, x, w):
    y = x * 1
    y[0].add_(w)
    y[1].clamp_(-0.5, 0.5)
    y[2, 1:3] = x[0, :2] * 5
    y[:, 3].mul_(w[1:])
    return (y ** 2).sum()


def _narrow_add(L, x, w):
    y = x * x                         # saves its input, not its result
    y.narrow(1, 1, 2).add_(w[:2])
    return (y * x).sum()


def _view_reshape(L, x, w):
    y = x * 3
    y.view(12)[::5].mul_(w[:3])
    y.reshape(2, 6)[1].add_(x[0, :1])
    return (y ** 2).sum()


def _unsqueeze_expand_row(L, x, w):
    y = x * 1
    y.unsqueeze(0)[0, 2].mul_(w)
    y.expand(2, 3, 4)[1][0].add_(1.5)  # one row of an expanded view: no element written twice
    return (y ** 2).sum()


def _sigmoid_view(L, x, w):
    y = x * 1
    s = y[1:, ::2]
    s.sigmoid_()
    return (s * s).sum() + y.sum()


def _copy_fill(L, x, w):
    y = x * 1
    y[0].copy_(w)
    y[1, :2].fill_(w[0] * 3)
    y[2, ::3].fill_(0.25)
    return (y ** 2).sum()


def _setitem_view(L, x, w):
    y = x * 1
    v = y[1:]
    v[0, 1:] = 4.0
    v[1][::2] = w[:2] * w[2:]
    return (y ** 2).sum() + (v * 2).sum()


def _index_ops_view(L, x, w):
    y = x * 1
    y[1:].index_add_(1, L.tensor([0, 2]), w[:4].reshape(2, 2))
    y.t()[1].masked_fill_(L.tensor([True, False, True]), 7.0)
    return (y ** 2).sum()


def _offset_strided(L, x, w):
    y = (x * 1)[1:, 1:]                # views at an offset in their base's storage, stepped
    y.t()[1:, ::2].mul_(w[:2].unsqueeze(1))
    y[:, 2:].add_(x[:2, :1])
    return (y ** 2).sum()


def _zero_d_and_empty(L, x, w):
    y = x * 1
    y[1, 2].mul_(w[0])                 # a 0-d view
    y[3:].mul_(5)                      # an empty view
    y[:, 1:1].add_(w[:0])
    return (y * y).sum()


def _nan_inf(L, x, w):
    y = x * 1
    y[0, 0] = float("inf")
    y[1, 1:3] = w[:2] * float("nan")
    y[1].clamp_(-1, 1)
    y.t()[0].mul_(w[1:])
    return (y * w).sum()


def _permuted_base(L, x, w):
    y = x.t() * 1.5                    # a base laid out as a transpose
    y[1:].mul_(w[:3])
    y.t()[0, 1:].add_(w[1:])
    return (y ** 2).sum()


_PROGRAMS = [_permuted_base, _zero_d_and_empty, _nan_inf, _select_mul, _column_setitem, _diagonal_zero, _transpose_add, _relu_slice, _chain_mul,
             _base_write_old_view, _several_views, _narrow_add, _view_reshape, _unsqueeze_expand_row,
             _sigmoid_view, _copy_fill, _setitem_view, _index_ops_view, _offset_strided]


@pytest.mark.parametrize("prog", _PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_view_inplace_grads_match_torch(prog):
    _compare(prog)


@pytest.mark.parametrize("prog", [_select_mul, _column_setitem, _chain_mul, _several_views, _copy_fill,
                                  _index_ops_view, _offset_strided, _sigmoid_view, _permuted_base],
                         ids=lambda p: p.__name__.strip("_"))
def test_view_inplace_second_order(prog):
    # create_graph=True records the backward (CopySlices takes its index-based route, and a
    # saved result of an in-place op on a view unpacks with the view's history); then the
    # gradients of a function of those gradients.
    res = []
    for L in (tj, torch):
        x, w = _leaves(L)
        gx, gw = L.autograd.grad(prog(L, x, w), (x, w), create_graph=True, allow_unused=True)
        assert gx.requires_grad
        ((gx * gx).sum() + (0 if gw is None else (gw * gw).sum())).backward()
        res.append((gx.detach(), None if gw is None else gw.detach(), x.grad, w.grad))
    for a, b in zip(*res):
        _check(a, b)


def test_view_of_gapped_leaf_written_under_no_grad():
    # The base is not dense (every other column of a larger storage): AsStridedBackward0 maps
    # the view's elements into it one by one.
    res = []
    for L in (tj, torch):
        x = L.tensor(np.tile(_X, 2))[:, ::2].detach().requires_grad_()
        v = x[1:, 1:]
        with L.no_grad():
            x.mul_(2)
        assert v.grad_fn.name() == "AsStridedBackward0"
        (v * v).sum().backward()
        res.append(x.grad)
    _check(*res)


def test_view_inplace_float32():
    _compare(_select_mul, "float32", rtol=1e-5)


# -- the graph: node names, edges, views regenerated from their base ---------------------------------
def test_copyslices_graph_matches_torch():
    for L in (tj, torch):
        x, _ = _leaves(L)
        y = x * 2
        mul = y.grad_fn
        v = y[0]
        v.mul_(3)
        assert type(y.grad_fn).__name__ == "CopySlices" and repr(y.grad_fn).startswith("<CopySlices object")
        assert y.grad_fn.name() == "torch::autograd::CopySlices"
        assert y.grad_fn.next_functions[0][0] is mul
        assert v.grad_fn.name() == "AsStridedBackward0"
        assert v.grad_fn.next_functions == ((y.grad_fn, 0),)
        assert not y.is_leaf and v.requires_grad


def test_views_taken_before_a_write_see_it():
    for L in (tj, torch):
        x, _ = _leaves(L)
        y = x * 1
        a = y[1]
        b = a[1:]
        assert b.grad_fn.name() != "AsStridedBackward0"
        y.mul_(2)
        assert a.grad_fn.name() == b.grad_fn.name() == "AsStridedBackward0"
        assert b.grad_fn.next_functions[0][0] is y.grad_fn
        with L.no_grad():
            y.add_(1)                   # a write under no_grad also moves the views' history on
        assert a.grad_fn.name() == "AsStridedBackward0"


def test_version_counts_one_per_write():
    res = []
    for L in (tj, torch):
        x, w = _leaves(L)
        y = x * 1
        y[0].sigmoid_()
        y[1].clamp_(-0.5, 0.5)
        y[2, 1:3] = x[0, :2]
        res.append(y._version)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()         # sigmoid_'s saved result was overwritten by the later writes
    assert res[0] == res[1]


def _detached_write(L, x, w):
    y = x * 1
    fn = y.grad_fn
    y.detach()[0].mul_(2)             # changes y's values, not its history
    assert y.grad_fn is fn and y._version == 1
    return (y * w).sum()


def test_detached_view_writes_untracked():
    _compare(_detached_write)


def _retain_cases(L, x, case):
    y = x * 2
    if case == "base_inplace":
        y.retain_grad()
        y.mul_(3)
        return (y * y).sum(), y
    if case == "base_through_view":
        y.retain_grad()
        y[1:].mul_(3)
        return (y * y).sum(), y
    v = y[1:]
    v.retain_grad()
    if case == "view_written":
        v.mul_(3)
        return (y * y).sum(), v
    y.mul_(3)                          # "view_regenerated"
    return (v * v).sum(), v


@pytest.mark.parametrize("case", ["base_inplace", "base_through_view", "view_written", "view_regenerated"])
def test_retain_grad_follows_the_new_history(case):
    res = []
    for L in (tj, torch):
        x, _ = _leaves(L)
        loss, t = _retain_cases(L, x, case)
        loss.backward()
        res.append(t.grad)
    _check(*res)


# -- errors ----------------------------------------------------------------------------------------
def _message(L, f):
    x, w = _leaves(L)
    with pytest.raises(RuntimeError) as e:
        f(L, x, w)
    return str(e.value)


@pytest.mark.parametrize("f", [
    lambda L, x, w: (x * 1).split(2, 1)[1].mul_(2),
    lambda L, x, w: (x * 1).chunk(2, 1)[0].add_(w[:3].unsqueeze(1)),
    lambda L, x, w: (x * 1).split(1)[2].t().mul_(2),
    lambda L, x, w: (x * 1).split(2, 1)[0].transpose(0, 1).zero_(),
], ids=["split", "chunk", "t_of_split", "transpose_of_split"])
def test_multi_output_views_refuse_writes(f):
    assert _message(tj, f) == _message(torch, f)


def test_multi_output_view_after_base_write():
    msgs = []
    for L in (tj, torch):
        x, _ = _leaves(L)
        y = x * 1
        a, b = y.split(2, 1)
        y.mul_(2)
        with pytest.raises(RuntimeError) as e:
            a.grad_fn
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1] and "its base or another view of its base has been modified inplace" in msgs[0]


@pytest.mark.parametrize("f", [
    lambda L, x, w: x[0].mul_(2),
    lambda L, x, w: x.t()[1:][0].add_(w[:3]),
    lambda L, x, w: x.diagonal().zero_(),
], ids=["select", "chain", "diagonal"])
def test_views_of_leaves_refuse_writes(f):
    for L in (tj, torch):
        assert "a view of a leaf Variable that requires grad is being used in an in-place operation." \
            in _message(L, f)


@pytest.mark.parametrize("f", [
    lambda L, x, w: L.add(L.ones(4, dtype=L.float64), 1, out=(x * 1)[0]),
    lambda L, x, w: L.mul(w, 2, out=(x * 1)[1]),
    lambda L, x, w: L.add(L.ones(3, 4, dtype=L.float64), 1, out=x * 1),
    lambda L, x, w: L.sum(L.ones(3, 4, dtype=L.float64), 0, out=(x * 1)[0]),
], ids=["add_into_view", "operand_requires_grad", "add_into_nonleaf", "sum_into_view"])
def test_out_into_tensors_with_history_refused(f):
    assert _message(tj, f) == _message(torch, f)


def test_out_into_view_under_no_grad_is_untracked():
    for L in (tj, torch):
        x, _ = _leaves(L)
        y = x * 1
        fn = y.grad_fn
        with L.no_grad():
            L.add(L.ones(4, dtype=L.float64), 1, out=y[0])
        assert y.grad_fn is fn and y._version == 1
        np.testing.assert_allclose(np.asarray(y[0].tolist()), 2.0)


def test_expanded_view_refuses_writes():
    for L in (tj, torch):
        x, _ = _leaves(L)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single "
                                               "memory location"):
            (x * 1).expand(2, 3, 4).mul_(2)


# -- higher order, gradcheck -------------------------------------------------------------------------
def test_higher_order_through_copyslices():
    res = []
    for L in (tj, torch):
        x, w = _leaves(L)
        y = x * x
        y[0].mul_(x[1])
        y[:, 2:].mul_(w[:2] * 3)
        (g,) = L.autograd.grad((y ** 2).sum(), x, create_graph=True)
        (g ** 2).sum().backward()
        res.append((g.detach(), x.grad, w.grad))
    for a, b in zip(*res):
        _check(a, b, rtol=1e-9)


def _gc_prog(x, w):
    y = x * 1.5
    y[1:, ::2].mul_(w[:2])
    y.t()[0].add_(w * w)
    y.diagonal().clamp_(-0.3, 0.3)
    return y


def test_gradcheck_and_gradgradcheck():
    x, w = (tj.tensor(_X, requires_grad=True), tj.tensor(_W[:3], requires_grad=True))
    assert tj.autograd.gradcheck(_gc_prog, (x, w))
    g = tj.tensor(_RNG.randn(3, 4), requires_grad=True)  # given, as random ones would compile a sampler
    assert tj.autograd.gradgradcheck(_gc_prog, (x, w), (g,))


# -- random programs of slices against torch ---------------------------------------------------------
_AXIS = st.one_of(st.integers(-3, 2), st.tuples(st.integers(0, 2), st.integers(1, 3), st.integers(1, 2)))
_STEP = st.tuples(st.tuples(_AXIS, st.tuples(st.integers(0, 3), st.integers(1, 4), st.integers(1, 3))),
                  st.booleans(), st.sampled_from(["mul", "add_w", "clamp", "zero", "copy", "set"]))


def _index(spec):
    if isinstance(spec, int):
        return spec
    a, b, s = spec
    return slice(a, b, s)


def _apply_step(L, y, x, w, step):
    (i0, i1), transpose, op = step
    v = y[_index(i0), _index(i1)]
    if transpose and v.dim() == 2:
        v = v.t()
    if v.numel() == 0:
        return
    if op == "mul":
        v.mul_(1.5)
    elif op == "add_w":
        v.add_(w[:1] * x[0, 0])
    elif op == "clamp":
        v.clamp_(-0.4, 0.6)
    elif op == "zero":
        v.zero_()
    elif op == "copy":
        v.copy_(x[2, 3] * 2)
    else:
        v[...] = w[2]


@settings(max_examples=25, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=3))
def test_random_slice_programs_match_torch(steps):
    def prog(L, x, w):
        y = x * 1
        old = y[1]
        for s in steps:
            _apply_step(L, y, x, w, s)
        return (y * y).sum() + (old * w).sum()
    _compare(prog)

"""Autograd follow-ups checked against PyTorch: ``Function.mark_dirty`` on views, the node
names of indexing, the in-place error's text, and the recording fast paths (pointwise record
plans, the binary fast path on tensors that require grad)."""
import numpy as np
import pytest
import torch

import tensorjit as tj
from tensorjit.autograd import gradcheck


def _pair(a, requires_grad=True):
    return tj.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def _close(t, ref):
    assert t.shape == tuple(ref.shape)
    assert str(t.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
    np.testing.assert_allclose(t.detach().numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-9)


def _functions(lib):
    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class ScaleSecond(lib.autograd.Function):
        # The dirty tensor is output 1.
        @staticmethod
        def forward(ctx, z, x):
            x.mul_(3)
            ctx.mark_dirty(x)
            return z * 1, x

        @staticmethod
        def backward(ctx, gz, gx):
            return gz, gx * 3

    return Double, ScaleSecond


_RNG = np.random.default_rng(11)
_A = _RNG.standard_normal((4, 3))
_W = _RNG.standard_normal((4, 3))


@pytest.mark.parametrize("index", [(slice(1, 3),), (1,), (slice(None, None, 2), slice(1, None))],
                         ids=["slice", "select", "steps"])
def test_mark_dirty_on_a_view_of_a_non_leaf_matches_torch(index):
    results = []
    for lib in (tj, torch):
        double, _ = _functions(lib)
        a = lib.tensor(_A, requires_grad=True)
        y = a * 1
        v = y[index]
        r = double.apply(v)
        assert r is v
        names = (r.grad_fn.name(), y.grad_fn.name())
        (y * lib.tensor(_W)).sum().backward()
        results.append((names, a.grad, y.detach()))
    (names, grad, y), (tnames, tgrad, ty) = results
    assert names == tnames == ("AsStridedBackward0", "torch::autograd::CopySlices")
    _close(grad, tgrad)
    _close(y, ty)


def test_mark_dirty_on_a_view_passes_gradcheck():
    double, _ = _functions(tj)

    def f(a):
        y = a * 1
        double.apply(y[1:3, ::2])
        return y * y

    assert gradcheck(f, (tj.tensor(_A, requires_grad=True),))


def test_mark_dirty_view_with_several_outputs_raises_as_torch():
    msgs = []
    for lib in (tj, torch):
        _, scale_second = _functions(lib)
        a = lib.tensor(_A, requires_grad=True)
        z = lib.tensor(_W[1:], requires_grad=True)
        with pytest.raises(RuntimeError) as e:
            scale_second.apply(z, (a * 1)[1:])
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_mark_dirty_of_output_one_matches_torch():
    res = []
    for lib in (tj, torch):
        _, scale_second = _functions(lib)
        a = lib.tensor(_A, requires_grad=True)
        z = lib.tensor(_W, requires_grad=True)
        y = a * 1
        if lib is tj:
            y.retain_grad()     # kept across the in-place history change
        o1, o2 = scale_second.apply(z, y)
        assert o2 is y
        if lib is torch:
            o2.retain_grad()    # (PyTorch asserts internally when retained before)
        res.append((o2.output_nr, o2.grad_fn.name()))
        ((o1 * o2).sum() + (o2 * o2).sum()).backward()
        res.append((a.grad, z.grad, y.grad))
    assert res[0] == res[2] == (1, "ScaleSecondBackward")
    for t, ref in zip(res[1], res[3]):
        _close(t, ref)


def test_mark_dirty_on_a_view_of_a_leaf_raises():
    double, _ = _functions(tj)
    a = tj.tensor(_A, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        double.apply(a[1:])


_INDICES = {
    "int": 0, "negative int": -1, "slice": slice(1, None), "full slice": slice(None), "slice past end": slice(0, 10),
    "none": None, "ellipsis": Ellipsis, "empty tuple": (), "int int": (0, 1), "slice int": (slice(None), 0),
    "int none": (0, None), "none int": (None, 0), "full slices": (slice(0, 10), slice(0, 3)),
    "slice ellipsis": (slice(1, None), Ellipsis), "ellipsis int": (Ellipsis, 0), "tuple of full slice": (slice(None),),
    "list": [0, 2], "bool": True, "list int": ([0], 0), "int list": (0, [0, 2]),
}


@pytest.mark.parametrize("name", list(_INDICES))
def test_getitem_node_names_follow_torch(name):
    idx = _INDICES[name]
    t, r = _pair(_A)
    assert (t * 1)[idx].grad_fn.name() == (r * 1)[idx].grad_fn.name()


def test_getitem_node_names_for_tensor_indices():
    t, r = _pair(_A)
    y, ry = t * 1, r * 1
    assert y[tj.tensor(1)].grad_fn.name() == ry[torch.tensor(1)].grad_fn.name() == "SelectBackward0"
    assert y[tj.tensor([1, 0])].grad_fn.name() == ry[torch.tensor([1, 0])].grad_fn.name() == "IndexBackward0"
    assert y[y > 0].grad_fn.name() == ry[ry > 0].grad_fn.name() == "IndexBackward0"


def test_inplace_version_error_text_matches_torch():
    msgs = []
    for lib in (tj, torch):
        a = lib.tensor(_A[0], requires_grad=True)
        b = a.exp()
        c = b * 2
        b.add_(1)
        with pytest.raises(RuntimeError) as e:
            c.sum().backward()
        msgs.append(str(e.value))
    # Up to the hint (PyTorch's names an anomaly mode tensorjit does not have).
    head = msgs[1][:msgs[1].index(" Hint:")].replace("torch.", "tensorjit.")
    assert msgs[0].startswith(head)
    assert msgs[0].startswith("one of the variables")


# -- recording fast paths --------------------------------------------------------------------
@pytest.mark.parametrize("dtype, ops", [("float32", ("mul",)), ("float64", ("mul", "add", "sub", "div"))])
def test_binary_fast_path_on_grad_tensors_matches_torch(dtype, ops):
    a = _A.astype(dtype)
    w = _W.astype(dtype)
    for op in ops:
        (x, tx), (y, ty) = _pair(a), _pair(w)
        r, tr = getattr(tj, op)(x, y), getattr(torch, op)(tx, ty)
        _close(r, tr)
        assert r.grad_fn.name() == tr.grad_fn.name()
        assert r.stride() == tr.stride()
        (r * r).sum().backward()
        (tr * tr).sum().backward()
        _close(x.grad, tx.grad)
        _close(y.grad, ty.grad)


@pytest.mark.parametrize("case", ["transposed", "steps", "offset", "broadcast", "0-d", "empty", "one plain",
                                  "same leaf", "parameter", "nan inf"])
def test_pointwise_record_layouts_match_torch(case):
    a, w = _A, _W
    if case == "nan inf":
        a = a.copy()
        a[0, 0], a[1, 1], a[2, 2] = np.nan, np.inf, -np.inf
    (x, tx), (y, ty) = _pair(a), _pair(w)
    if case == "parameter":
        x, tx = tj.nn.Parameter(tj.tensor(a)), torch.nn.Parameter(torch.tensor(a))
    if case == "one plain":
        y, ty = tj.tensor(w), torch.tensor(w)
    views = {
        "transposed": lambda u, v: (u.t(), v.t()),
        "steps": lambda u, v: (u[::2, ::2], v[1::2, ::2]),
        "offset": lambda u, v: (u[1:], v[:3]),
        "broadcast": lambda u, v: (u, v[0]),
        "0-d": lambda u, v: (u, v[1, 1]),
        "empty": lambda u, v: (u[:0], v[:0]),
        "same leaf": lambda u, v: (u, u),
    }.get(case, lambda u, v: (u, v))
    u, v = views(x, y)
    tu, tv = views(tx, ty)
    r, tr = u * v, tu * tv
    _close(r, tr)
    assert r.stride() == tr.stride()
    r.sum().backward()
    tr.sum().backward()
    _close(x.grad, tx.grad)
    if y.requires_grad and case != "same leaf":
        _close(y.grad, ty.grad)


def test_record_plans_follow_which_operands_require_grad():
    # One row, several masks: each records the gradients torch gives.
    for flags in ((True, False), (False, True), (True, True)):
        (x, tx), (y, ty) = _pair(_A, flags[0]), _pair(_W, flags[1])
        for f in (lambda p, q: p * q, lambda p, q: 2 * q * p, lambda p, q: p * 3.0 + q):
            r, tr = f(x, y), f(tx, ty)
            _close(r, tr)
            (r.sum() * 1).backward()
            tr.sum().backward()
        for t, ref in ((x, tx), (y, ty)):
            if t.requires_grad:
                _close(t.grad, ref.grad)
            else:
                assert t.grad is None and ref.grad is None


def test_fast_path_result_does_not_alias_and_versions_hold():
    x, tx = _pair(_A)
    y = x * 2
    z = y * y       # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    with tj.no_grad():
        r = x * x
    assert not r.requires_grad and type(r) is tj.Tensor
    assert not np.shares_memory(r.numpy(), x.detach().numpy())


def _square_once(m, once_differentiable):
    class Square(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g
    return Square


def test_once_differentiable_refuses_a_second_derivative_like_torch():
    from torch.autograd.function import once_differentiable as t_once
    for m, once in ((tj, tj.autograd.once_differentiable), (torch, t_once)):
        sq = _square_once(m, once)
        x = m.tensor([1., 2.], dtype=m.float64, requires_grad=True)
        y = sq.apply(x)
        g, = m.autograd.grad((y * y).sum(), x, create_graph=True)   # the backward gets a grad with history
        assert g.requires_grad
        with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                               "@once_differentiable"):
            g.sum().backward()
        g1, = m.autograd.grad(sq.apply(x).sum(), x, create_graph=True)    # a plain seed: no node, as in torch
        assert g1.tolist() == [2.0, 4.0] and not g1.requires_grad

"""Autograd's API against PyTorch: the same graph built in both, gradients compared; flags,
errors (types and the key words of their messages), version counters, retain_graph, hooks,
higher-order gradients, ``autograd.Function`` and grad modes."""
from __future__ import annotations

import copy
import gc
import weakref

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.autograd import Function, GradTensor

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for autograd's semantics")


def _pair(values, dtype="float64", requires_grad=True):
    a = np.asarray(values, dtype=dtype)
    return (tj.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _close(x, t):
    assert x is not None and t is not None
    np.testing.assert_allclose(x.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-7)


# -- flags and leaves ------------------------------------------------------------------------
def test_requires_grad_flags_match_torch():
    x, tx = _pair([1.0, 2.0])
    y, ty = x * 2, tx * 2
    for a, b in ((x, tx), (y, ty)):
        assert a.requires_grad == b.requires_grad and a.is_leaf == b.is_leaf
    assert x.grad_fn is None and x.grad is None
    assert y.grad_fn.name() == ty.grad_fn.name() == "MulBackward0"
    assert type(tj.ones(2) + tj.ones(2)) is tj.Tensor      # dense tensors stay plain
    z = tj.ones(2)
    assert not z.requires_grad and z.is_leaf and z.grad_fn is None
    assert z.requires_grad_() is z and z.requires_grad and z.is_leaf
    z.requires_grad = False
    assert not z.requires_grad and type(z) is tj.Tensor


@pytest.mark.parametrize("make", [
    lambda: tj.tensor([1.0, 2.0], requires_grad=True), lambda: tj.zeros(2, 3, requires_grad=True),
    lambda: tj.ones(2, requires_grad=True), lambda: tj.empty(2, requires_grad=True),
    lambda: tj.full((2,), 3.0, requires_grad=True), lambda: tj.zeros_like(tj.ones(2), requires_grad=True),
    lambda: tj.ones_like(tj.ones(2), requires_grad=True), lambda: tj.empty_like(tj.ones(2), requires_grad=True),
    lambda: tj.full_like(tj.ones(2), 2.0, requires_grad=True), lambda: tj.arange(3.0, requires_grad=True),
    lambda: tj.linspace(0, 1, 3, requires_grad=True), lambda: tj.eye(2, requires_grad=True),
    lambda: tj.randn(2, requires_grad=True), lambda: tj.rand(2, requires_grad=True),
    lambda: tj.randn_like(tj.ones(2), requires_grad=True), lambda: tj.rand_like(tj.ones(2), requires_grad=True),
    lambda: tj.empty_strided((2,), (1,), requires_grad=True), lambda: tj.logspace(0, 1, 2, requires_grad=True),
])
def test_creation_requires_grad(make):
    t = make()
    assert t.requires_grad and t.is_leaf and t.grad_fn is None


def test_integer_tensors_cannot_require_grad():
    for lib in (tj, torch):
        with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require gradients"):
            lib.tensor([1, 2]).requires_grad_()
        with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype can require"):
            lib.zeros(2, dtype=lib.int64, requires_grad=True)


def test_non_leaf_requires_grad_cannot_be_cleared():
    x, tx = _pair([1.0])
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        (x * 2).requires_grad = False
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        (tx * 2).requires_grad = False


def test_repr_shows_grad_state():
    x = tj.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr((x * 2).sum()) == "tensor(6., grad_fn=<SumBackward0>)"


def test_numpy_of_tensor_requiring_grad_raises():
    x = tj.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0] and x.tolist() == [1.0] and x.item() == 1.0


# -- backward and grad ------------------------------------------------------------------------
def _graph(lib, a, b):
    y = (a * b + a.exp()).sin() / (b * b + 1)
    return (y.sum(0) * lib.tensor([1.0, 2.0, 3.0], dtype=a.dtype)).sum() + (a @ b.t()).mean()


def test_backward_matches_torch_and_accumulates():
    rng = np.random.default_rng(0)
    av, bv = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    a, ta = _pair(av)
    b, tb = _pair(bv)
    for _ in range(2):   # the second backward accumulates into .grad
        _graph(tj, a, b).backward()
        _graph(torch, ta, tb).backward()
        _close(a.grad, ta.grad)
        _close(b.grad, tb.grad)


def test_backward_with_gradient_broadcast_and_mixed_dtypes():
    x, tx = _pair([[1.0, 2.0, 3.0]], "float32")
    w, tw = _pair([[0.5], [2.0]])
    y, ty = x * w, tx * tw
    g = np.arange(6.0).reshape(2, 3)
    y.backward(tj.tensor(g))
    ty.backward(torch.tensor(g))
    assert x.grad.dtype is tj.float32 and w.grad.dtype is tj.float64
    assert x.grad.shape == (1, 3) and w.grad.shape == (2, 1)
    _close(x.grad, tx.grad)
    _close(w.grad, tw.grad)


def test_implicit_gradient_needs_a_scalar():
    x, tx = _pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (tx * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(tj.ones(3))


def test_backward_of_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        tj.ones(1).sum().backward()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        torch.ones(1).sum().backward()


def test_retain_graph():
    x, tx = _pair([1.0, 2.0])
    for lib_x in (x, tx):
        y = (lib_x * lib_x).sum()
        y.backward(retain_graph=True)
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            y.backward()
    _close(x.grad, tx.grad)
    # Nodes that saved nothing can be run again, as in PyTorch.
    z, tz = (x + 1).sum(), (tx + 1).sum()
    z.backward()
    z.backward()
    tz.backward()
    tz.backward()
    _close(x.grad, tx.grad)


def test_autograd_grad_and_higher_order():
    x, tx = _pair([0.5, -1.0, 2.0])
    res = []
    for lib, v in ((tj, x), (torch, tx)):
        y = (v.sin() * v ** 3).sum()
        g, = lib.autograd.grad(y, v, create_graph=True)
        g2, = lib.autograd.grad(g.sum(), v, create_graph=True)
        g3, = lib.autograd.grad((g2 * g).sum(), v)
        res.append((g, g2, g3))
        assert v.grad is None           # grad() leaves .grad alone
    for a, b in zip(*res):
        _close(a, b)
    assert res[0][0].requires_grad and not res[0][2].requires_grad


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_backward_create_graph_then_backward_again():
    x, tx = _pair([1.0, 2.0])
    for v in (x, tx):
        (v ** 3).sum().backward(create_graph=True)
        g = v.grad
        v.grad = None
        g.sum().backward()
    _close(x.grad, tx.grad)


def test_grad_unused_and_errors():
    x, tx = _pair([1.0])
    u, tu = _pair([2.0])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        tj.autograd.grad((x * 2).sum(), [x, u])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad((tx * 2).sum(), [tx, tu])
    gx, gu = tj.autograd.grad((x * 2).sum(), [x, u], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None
    gx, gu = tj.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)
    assert gu.tolist() == [0.0]
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
        tj.autograd.grad((x * 2).sum(), [tj.ones(1)])


def test_backward_inputs_restricts_accumulation():
    x, tx = _pair([1.0, 2.0])
    w, tw = _pair([3.0, 4.0])
    (x * w).sum().backward(inputs=[x])
    (tx * tw).sum().backward(inputs=[tx])
    _close(x.grad, tx.grad)
    assert w.grad is None and tw.grad is None


def test_gradient_through_non_leaf_to_two_leaves_is_not_aliased():
    a, b = tj.tensor([1.0], requires_grad=True), tj.tensor([2.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(5)
    assert b.grad.tolist() == [1.0]


# -- hooks, retain_grad, detach ------------------------------------------------------------------
def test_hooks_match_torch():
    x, tx = _pair([1.0, 2.0])
    for v in (x, tx):
        seen = []
        h1 = v.register_hook(lambda g: g * 3)
        y = v * v
        h2 = y.register_hook(lambda g, seen=seen: seen.append(g.detach().clone()) or g + 1)
        y.sum().backward()
        h1.remove()
        h2.remove()
        (v * v).sum().backward()
        assert len(seen) == 1
    _close(x.grad, tx.grad)


def test_retain_grad():
    x, tx = _pair([1.0, 2.0])
    y, ty = x * 3, tx * 3
    y.retain_grad()
    ty.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    _close(y.grad, ty.grad)
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        tj.ones(1).retain_grad()


def test_register_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        tj.ones(1).register_hook(lambda g: g)


def test_detach_shares_storage_and_detach_():
    x = tj.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and type(d) is tj.Tensor
    d[0] = 7.0
    assert y.tolist()[0] == 7.0
    y.detach_()
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None


def test_data_property():
    w, tw = _pair([1.0, 2.0])
    for v in (w, tw):
        d = v.data
        assert not d.requires_grad and d.is_leaf
        d.mul_(3)                          # writes reach the tensor, outside the graph
        v.data = v.data * 0 + 5.0          # rebinding keeps the autograd state
        assert v.requires_grad and v.is_leaf and v.tolist() == [5.0, 5.0]


# -- grad modes ------------------------------------------------------------------------------------
def test_grad_modes():
    x = tj.tensor([1.0], requires_grad=True)
    with tj.no_grad():
        assert not tj.is_grad_enabled() and not (x * 2).requires_grad
        with tj.enable_grad():
            assert (x * 2).requires_grad
    assert tj.is_grad_enabled()
    with tj.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    tj.set_grad_enabled(False)
    assert not tj.is_grad_enabled()
    tj.set_grad_enabled(True)
    with tj.inference_mode():
        assert tj.is_inference_mode_enabled() and not (x * 2).requires_grad
    with tj.inference_mode(False):
        assert (x * 2).requires_grad

    @tj.no_grad()
    def f(t):
        return t * 2

    @tj.enable_grad()
    def g(t):
        return t * 2

    @tj.inference_mode()
    def h(t):
        return t * 2

    @tj.set_grad_enabled(False)
    def k(t):
        return t * 2

    assert tj.is_grad_enabled()
    assert not f(x).requires_grad and not h(x).requires_grad and not k(x).requires_grad
    with tj.no_grad():
        assert g(x).requires_grad


# -- in-place ops and version counters --------------------------------------------------------------
def test_version_counter_error_matches_torch():
    msgs = []
    for lib in (tj, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        z = y * 2
        assert y._version == 0
        y.add_(1)
        assert y._version == 1
        with pytest.raises(RuntimeError) as e:
            (y * z).sum().backward()
        msgs.append(str(e.value))
    for m in msgs:
        assert "ne of the variables needed for gradient computation has been modified by an inplace operation" in m
        assert "which is output 0 of Exp, is at version 1; expected version 0 instead" in m


def test_version_shared_by_views_and_detach():
    x = tj.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.sigmoid()
    y.detach()[1:].mul_(2)        # writes through an alias are counted too
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    v = tj.zeros(3)
    before = v._version
    v[1:].fill_(1.0)
    assert v._version == before + 1


def test_leaf_in_place_refused_but_allowed_under_no_grad():
    x, tx = _pair([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        tx.add_(1)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[:1].mul_(2)
    with tj.no_grad():
        x.sub_(0.5)      # an optimizer step
    assert x.tolist() == [0.5, 1.5] and x.is_leaf and x.requires_grad


def test_in_place_on_non_leaf_matches_torch():
    x, tx = _pair([0.5, -1.0, 2.0])
    w, tw = _pair([1.5, 2.0, -0.5])
    for a, b in ((x, w), (tx, tw)):
        y = a * 1
        y.mul_(b)
        y.add_(a)
        y[1] = b[0] * 3
        y.sigmoid_()
        y.sum().backward()
    _close(x.grad, tx.grad)
    _close(w.grad, tw.grad)
    z = tj.zeros(3)
    z.copy_(w)       # a plain tensor joins the graph by an in-place op
    assert z.requires_grad and z.grad_fn is not None


def test_out_with_requires_grad_raises():
    x = tj.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        tj.add(x, 1, out=tj.empty(1))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        tj.sum(x, 0, out=tj.empty(()))
    with tj.no_grad():
        out = tj.empty(1)
        assert tj.add(x, 1, out=out) is out and out.tolist() == [2.0]


# -- non-differentiable and not-yet-differentiable ops ----------------------------------------------
def test_non_differentiable_results_are_plain():
    x = tj.tensor([1.0, -2.0], requires_grad=True)
    for r in (x > 0, x == 1, x.argmax(), x.isnan(), x.max(0).indices, x.floor().long()):
        assert not r.requires_grad and type(r) is tj.Tensor


def test_not_differentiable_yet_raises():
    x = tj.tensor([1.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="floor_divide: differentiation is not implemented yet"):
        tj.floor_divide(x, 2)
    with tj.no_grad():
        assert tj.floor_divide(x, 2).tolist() == [0.0, 1.0]
    assert tj.floor_divide(x.detach(), 2).tolist() == [0.0, 1.0]


# -- autograd.Function -------------------------------------------------------------------------------
def _function(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return 3 * x ** 2 * g * ctx.k, None
    return Cube


def test_function_matches_torch():
    x, tx = _pair([1.0, -2.0])
    y, ty = _function(tj).apply(x, 2.0), _function(torch).apply(tx, 2.0)
    assert y.grad_fn.name() == type(ty.grad_fn).__name__ == "CubeBackward"
    y.sum().backward()
    ty.sum().backward()
    _close(x.grad, tx.grad)
    with tj.no_grad():
        assert not _function(tj).apply(x, 2.0).requires_grad


def test_function_setup_context_mark_dirty_and_non_differentiable():
    class Split(Function):
        @staticmethod
        def forward(x):
            return x * 2, (x > 0)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.mark_non_differentiable(output[1])

        @staticmethod
        def backward(ctx, g, g_mask):
            return g * 2

    class AddOne_(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = tj.tensor([1.0, -1.0], requires_grad=True)
    y, m = Split.apply(x)
    assert y.requires_grad and not m.requires_grad
    z = x * 1
    w = AddOne_.apply(z)
    assert w is z and z.grad_fn.name() == "AddOne_Backward" and z.tolist() == [2.0, 0.0]
    (y.sum() + w.sum()).backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_function_materialize_grads_and_count():
    got = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            got.append((g1, g2))
            return g1

    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    x = tj.tensor([1.0], requires_grad=True)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert got[0][1] is None
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(x, x * 2).sum().backward()


def test_saved_tensor_version_check_in_function():
    x = tj.tensor([1.0, 2.0], requires_grad=True)
    y = _function(tj).apply(x * 1, 1.0)
    z = x * 1
    w = _function(tj).apply(z, 1.0)
    z.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()
    y.sum().backward()


# -- classes, copies, memory ---------------------------------------------------------------------------
def test_grad_tensor_subclasses_are_routed():
    class Param(GradTensor):
        __slots__ = ()

    p = tj.ones(2)
    p.__class__ = Param
    p._init_autograd()
    p.requires_grad = True
    assert type(p) is Param and p.is_leaf
    (p * 3).sum().backward()
    assert p.grad.tolist() == [3.0, 3.0]


def test_deepcopy():
    x = tj.tensor([1.0], requires_grad=True)
    c = copy.deepcopy(x)
    assert c.requires_grad and c.is_leaf and c.tolist() == [1.0]
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(x * 2)


def test_graph_is_freed_after_backward():
    x = tj.tensor([1.0, 2.0], requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        y = (x.exp() * x).sum()
        node = weakref.ref(y.grad_fn)
        y.backward()
        del y
        assert node() is None          # no reference cycle keeps the graph alive
    finally:
        gc.enable()


def test_function_gradients_are_matched_to_forward_arguments_by_position():
    # One gradient per forward argument (None for the non-tensors), as torch.autograd.Function.
    class Scale(tj.autograd.Function):
        @staticmethod
        def forward(ctx, k, x, y):
            ctx.k = k
            return x * k + y * 2

        @staticmethod
        def backward(ctx, g):
            return None, g * ctx.k, g * 2

    x, y = tj.ones(3, requires_grad=True), tj.ones(3, requires_grad=True)
    Scale.apply(5.0, x, y).sum().backward()
    assert x.grad.tolist() == [5.0] * 3 and y.grad.tolist() == [2.0] * 3

    class TooMany(tj.autograd.Function):
        @staticmethod
        def forward(ctx, k, x):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g, g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TooMany.apply(2.0, tj.ones(2, requires_grad=True)).sum().backward()

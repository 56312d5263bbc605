"""Second derivatives through the rest of tensorjit.nn (Note [nn functions]): layer_norm and
the binary cross entropies, whose backwards are recorded under ``create_graph=True``, and a
sweep over the other functional ops and layers (compositions of differentiable tensorjit
ops), each against PyTorch's second derivatives of the same graph; ``gradgradcheck`` for the
hand-written nodes.

Kernel budget: float64 only, small shapes (no parallel variant); the layouts (transposed,
sliced with steps, offset, 0-d, empty) are swept on layer_norm and the binary cross entropies,
whose backwards are written by hand.
"""
from __future__ import annotations

import numpy as np
import pytest

import tensorjit as tj
from test_nn_double_backward import compare_second_derivatives
from test_nn_layers import close, rand

torch = pytest.importorskip("torch", reason="torch is the reference for tensorjit.nn")
TF = torch.nn.functional
JF = tj.nn.functional


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def _lib(m):
    """(functional module, tensor constructor) of tensorjit or torch."""
    return (JF, tj.tensor) if m is tj else (TF, torch.tensor)


def _prob(shape, seed=0):
    """Values in (0, 1), away from the ends (the binary cross entropy's input and target)."""
    return 0.05 + 0.9 * np.random.default_rng(seed).random(shape)


_W3 = np.array([0.5, 2.0, 1.5])
_PW = np.array([0.3, 1.0, 2.5])

# name -> (function of (lib, *tensors), input arrays). The hand-written nodes also get their
# operands as transposed, stepped, offset, 0-d and empty views of the leaves (the same in both
# libraries). The sweep keeps one case per family of composed ops; the rest of nn.functional
# (pad, the 1-d pools, kl_div, bilinear, relu6/leaky_relu/hardtanh, the recurrent layers) is made
# of the same ops and nodes.
CASES = {
    # the nodes with a hand-written backward
    "layer_norm_affine": (lambda m, x, w, b: _lib(m)[0].layer_norm(x, (3,), w, b),
                          [rand((4, 3)), rand(3, seed=1), rand(3, seed=2)]),
    "layer_norm_2d_transposed": (lambda m, x, w: _lib(m)[0].layer_norm(x.transpose(0, 2), (2, 3), w),
                                 [rand((3, 2, 4)), rand((2, 3), seed=1)]),
    "layer_norm_no_affine_sliced": (lambda m, x: _lib(m)[0].layer_norm(x[1:, ::2], (3,)), [rand((3, 6))]),
    "layer_norm_empty_batch": (lambda m, x, w: _lib(m)[0].layer_norm(x, (3,), w), [rand((0, 3)), rand(3, seed=1)]),
    "bce_mean": (lambda m, x, t: _lib(m)[0].binary_cross_entropy(x, t), [_prob((2, 3)), _prob((2, 3), 1)]),
    "bce_weight_none_transposed": (lambda m, x, t: _lib(m)[0].binary_cross_entropy(
        x.t(), t.t(), _lib(m)[1](_W3), reduction="none"), [_prob((3, 2)), _prob((3, 2), 1)]),
    "bce_sum_offset": (lambda m, x, t: _lib(m)[0].binary_cross_entropy(x[1:], t[1:], reduction="sum"),
                       [_prob(5), _prob(5, 1)]),
    "bce_0d": (lambda m, x, t: _lib(m)[0].binary_cross_entropy(x, t), [_prob(()), _prob((), 1)]),
    "bce_logits_mean": (lambda m, x, t: _lib(m)[0].binary_cross_entropy_with_logits(x, t),
                        [rand((2, 3)), _prob((2, 3), 1)]),
    "bce_logits_pos_weight_sum": (lambda m, x, t: _lib(m)[0].binary_cross_entropy_with_logits(
        x, t, reduction="sum", pos_weight=_lib(m)[1](_PW)), [rand((4, 3), scale=3), _prob((4, 3), 1)]),
    "bce_logits_weight_none_stepped": (lambda m, x, t: _lib(m)[0].binary_cross_entropy_with_logits(
        x[:, ::2], t, _lib(m)[1](_W3), reduction="none", pos_weight=_lib(m)[1](_PW)),
        [rand((2, 6)), _prob((2, 3), 1)]),
    # compositions of tensorjit ops and the activation nodes
    "gelu": (lambda m, x: _lib(m)[0].gelu(x), [rand((2, 3))]),
    "silu_logsigmoid": (lambda m, x: _lib(m)[0].silu(x) * _lib(m)[0].logsigmoid(x), [rand((2, 3))]),
    "softplus_elu": (lambda m, x: _lib(m)[0].softplus(x, 2.0, 1.0) * _lib(m)[0].elu(x, 1.3), [rand((2, 3))]),
    "softmax_log_softmax": (lambda m, x: _lib(m)[0].softmax(x, 1) * _lib(m)[0].log_softmax(x, -1),
                            [rand((2, 3, 4))]),
    "mse_l1": (lambda m, x, y: _lib(m)[0].mse_loss(x, y) * _lib(m)[0].l1_loss(x, y), [rand((2, 3)),
                                                                                    rand((2, 3), seed=1)]),
    "smooth_l1_huber": (lambda m, x, y: _lib(m)[0].smooth_l1_loss(x, y, reduction="none", beta=0.8)
                        * _lib(m)[0].huber_loss(x, y, delta=0.7, reduction="sum"),
                        [rand((2, 3)), rand((2, 3), seed=1)]),
    "cross_entropy_probabilities": (lambda m, x, y: _lib(m)[0].cross_entropy(
        x, _lib(m)[0].softmax(y, 1), label_smoothing=0.1), [rand((2, 3)), rand((2, 3), seed=1)]),
    "normalize": (lambda m, x: _lib(m)[0].normalize(x) + _lib(m)[0].normalize(x, p=1, dim=0)
                  + _lib(m)[0].normalize(x, p=3), [rand((2, 3))]),
    "group_instance_norm": (lambda m, x, w, b: _lib(m)[0].group_norm(x, 2, w, b)
                            * _lib(m)[0].instance_norm(x, weight=w, bias=b), [rand((2, 4, 3)), rand(4, seed=1),
                                                                              rand(4, seed=2)]),
    "scaled_dot_product_attention": (lambda m, q, k, v: _lib(m)[0].scaled_dot_product_attention(q, k, v) +
                                     _lib(m)[0].scaled_dot_product_attention(q, q, q, is_causal=True),
                                     [rand((2, 3, 4)), rand((2, 3, 4), seed=1), rand((2, 3, 4), seed=2)]),
}

# layers: name -> (constructor of (nn module, dtype kwargs), call of (layer, *tensors), input arrays)
LAYERS = {
    "MultiheadAttention": (lambda nn, **k: nn.MultiheadAttention(4, 2, batch_first=True, **k),
                           lambda c, q, k, v: c(q, k, v)[0], [rand((2, 3, 4)), rand((2, 5, 4), seed=1),
                                                              rand((2, 5, 4), seed=2)]),
    "LayerNorm_GroupNorm": (lambda nn, **k: nn.Sequential(nn.GroupNorm(2, 4, **k), nn.LayerNorm(3, **k)),
                            lambda c, x: c(x), [rand((2, 4, 3))]),
}


def _compare(name, fn, arrs, tol=1e-9):
    jin = [tj.tensor(a, requires_grad=True) for a in arrs]
    tin = [torch.tensor(a, requires_grad=True) for a in arrs]
    compare_second_derivatives(name, fn, jin, tin, tol)


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_match_torch(name):
    fn, arrs = CASES[name]
    _compare(name, fn, arrs)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_second_derivatives_match_torch(name):
    make, call, arrs = LAYERS[name]
    torch.manual_seed(0)
    tm = make(torch.nn, dtype=torch.float64)
    jm = make(tj.nn, dtype=tj.float64)
    jm.load_state_dict({k: tj.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    _compare(name, lambda m, *a: call(jm if m is tj else tm, *a), arrs)


# PyTorch's own double backward of layer_norm fails with a bias and no weight (an undefined
# tensor in its formula), so that case is checked numerically only
GRADGRAD_ONLY = {
    "layer_norm_bias_only": (lambda m, x, b: _lib(m)[0].layer_norm(x, (4,), None, b) ** 2,
                             [rand((2, 4)), rand(4, seed=1)]),
}


@pytest.mark.parametrize("name", ["layer_norm_affine", "layer_norm_2d_transposed", "bce_weight_none_transposed",
                                  "bce_logits_pos_weight_sum", "layer_norm_bias_only"])
def test_gradgradcheck(name):
    fn, arrs = {**CASES, **GRADGRAD_ONLY}[name]
    ins = tuple(tj.tensor(a, requires_grad=True) for a in arrs)
    assert tj.autograd.gradgradcheck(lambda *a: fn(tj, *a), ins)


def test_target_gradients_first_order():
    # The binary cross entropies give target PyTorch's gradient, without create_graph too
    x, t = _prob((2, 3)), _prob((2, 3), 1)
    for op, xa in (("binary_cross_entropy", x), ("binary_cross_entropy_with_logits", rand((2, 3)))):
        res = []
        for m in (tj, torch):
            F, T = _lib(m)
            xs, ts = T(xa, requires_grad=True), T(t, requires_grad=True)
            kw = {"pos_weight": T(_PW)} if op.endswith("logits") else {"weight": T(_W3)}
            res.append(m.autograd.grad(getattr(F, op)(xs, ts, **kw), [xs, ts]))
        for j, r in zip(*res):
            assert not j.requires_grad and j.grad_fn is None, op
            close(j, r, 1e-12, op)


@pytest.mark.parametrize("arg", ["weight", "pos_weight"])
def test_weight_requiring_grad_raises(arg):
    # PyTorch has no derivative for these arguments: an error, never a silently missing gradient
    op = "binary_cross_entropy_with_logits" if arg == "pos_weight" else "binary_cross_entropy"
    x, t = tj.tensor(_prob(3)), tj.tensor(_prob(3, 1))
    w = tj.tensor(_W3, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"'{op}' is not differentiable with respect to argument '{arg}'"):
        getattr(JF, op)(x, t, **{arg: w})
    with pytest.raises(RuntimeError, match=f"argument '{arg}'"):
        getattr(TF, op)(torch.tensor(_prob(3)), torch.tensor(_prob(3, 1)), **{arg: torch.tensor(_W3,
                                                                                             requires_grad=True)})
    with tj.no_grad():   # no graph, no error (as PyTorch)
        getattr(JF, op)(x, t, **{arg: w})


def test_layer_norm_first_order_records_nothing():
    # The first-order backward keeps its NumPy fast path: its gradients record no graph
    x, w = tj.tensor(rand((3, 4)), requires_grad=True), tj.tensor(rand(4, seed=1), requires_grad=True)
    gx, gw = tj.autograd.grad(JF.layer_norm(x, (4,), w).sum(), [x, w])
    assert not gx.requires_grad and gx.grad_fn is None and gw.grad_fn is None
    hx, hw = tj.autograd.grad(JF.layer_norm(x, (4,), w).sum(), [x, w], create_graph=True)
    assert hx.grad_fn is not None and hw.grad_fn is not None
    close(gx, torch.tensor(hx.detach().numpy()), 1e-12)
    close(gw, torch.tensor(hw.detach().numpy()), 1e-12)


@pytest.mark.parametrize("op", ["layer_norm", "binary_cross_entropy_with_logits"])
def test_nonfinite_inputs_second_derivatives(op):
    # NaN and inf flow through the double backward as through torch's
    a = rand((2, 4))
    a[0, 1], a[1, 2], a[1, 3] = np.nan, np.inf, -np.inf
    t, v = _prob((2, 4), 1), rand((2, 4), seed=2)
    res = []
    for m in (tj, torch):
        F, T = _lib(m)
        x = T(a, requires_grad=True)
        go = T(v if op == "layer_norm" else v[0, 0], requires_grad=True)
        y = F.layer_norm(x, (4,)) if op == "layer_norm" else F.binary_cross_entropy_with_logits(x, T(t))
        g, = m.autograd.grad(y, [x], go, create_graph=True)
        gg = m.autograd.grad((g * g).sum(), [x, go])
        res.append((g.detach(),) + gg)
    for j, r in zip(*res):
        close(j, r, 1e-12, op)


def test_dropout_training_second_derivative():
    # dropout's gradient is its mask (scaled): linear in the cotangent, free of the input
    x = tj.tensor(rand((4, 5)) + 3.0, requires_grad=True)   # no zero input: the mask is y / x
    tj.manual_seed(0)
    y = JF.dropout(x, 0.4)
    mask = (y / x).detach()
    assert set(np.unique(mask.numpy()).round(12)) <= {0.0, round(1 / 0.6, 12)}
    go = tj.tensor(rand((4, 5), seed=1), requires_grad=True)
    g, = tj.autograd.grad(y, [x], go, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), (mask * go).detach().numpy(), rtol=1e-12)
    gx, ggo = tj.autograd.grad((g * g).sum(), [x, go], allow_unused=True)
    assert gx is None or not np.any(gx.numpy())
    np.testing.assert_allclose(ggo.numpy(), (2 * mask * mask * go).detach().numpy(), rtol=1e-12)

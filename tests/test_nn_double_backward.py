"""Gradients of gradients through the kernel-backed nn ops (Note [nn functions]): the first
gradients taken with ``create_graph=True`` are themselves differentiable, checked by
``gradgradcheck`` in float64 and against PyTorch's second derivatives of the same graph, plus
a WGAN-GP gradient-penalty step on a small Conv + Linear critic.

Kernel budget: float64 only (gradgradcheck needs it; the float32 kernels are the first-order
ones, tested in test_nn_layers.py); small shapes, so no parallel variant.
"""
from __future__ import annotations

import numpy as np
import pytest

import tensorjit as tj
from test_nn_layers import close, rand

torch = pytest.importorskip("torch", reason="torch is the reference for tensorjit.nn")
TF = torch.nn.functional
JF = tj.nn.functional
# torch warns that its own 'same' padding with an even kernel copies the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def _lib(m):
    """(functional module, tensor constructor) of tensorjit or torch."""
    return (JF, tj.tensor) if m is tj else (TF, torch.tensor)


_TGT2 = np.array([[1, 0, 2], [2, 2, 1]])        # (N, d1) targets of a (N, C, d1) input
_TGT1 = np.array([1, 0, 2, 1])
_IDX = np.array([[0, 2, 4], [2, 2, 1]])
_W3 = np.array([0.5, 2.0, 1.0])
_RM, _RV = np.array([0.3, -0.2, 0.1]), np.array([0.8, 1.5, 0.6])

# name -> (function of (lib, *tensors), input shapes). Each covers a layout or argument
# the kernels treat differently: stride, padding (also asymmetric 'same'), dilation, groups,
# unbatched input, 1-d, output_padding, ceil_mode, ignore_index, reductions, padding_idx.
CASES = {
    "conv2d_stride_pad_groups": (lambda m, x, w, b: _lib(m)[0].conv2d(x, w, b, stride=2, padding=1, groups=2),
                                 [(2, 4, 5, 5), (4, 2, 3, 2), (4,)]),
    "conv2d_dilation_same_unbatched": (lambda m, x, w: _lib(m)[0].conv2d(x, w, padding="same", dilation=(2, 1)),
                                       [(2, 5, 4), (3, 2, 2, 2)]),
    "conv1d": (lambda m, x, w, b: _lib(m)[0].conv1d(x, w, b, stride=2, padding=1, dilation=2),
               [(2, 3, 7), (2, 3, 2), (2,)]),
    "conv_transpose2d": (lambda m, x, w, b: _lib(m)[0].conv_transpose2d(x, w, b, stride=2, padding=1,
                                                                         output_padding=1, groups=2),
                         [(2, 4, 3, 2), (4, 1, 3, 2), (2,)]),
    "conv_transpose2d_dilated": (lambda m, x, w: _lib(m)[0].conv_transpose2d(x, w, output_padding=1, dilation=2),
                                 [(1, 2, 2, 3), (2, 2, 2, 2)]),
    "conv_transpose1d_unbatched": (lambda m, x, w: _lib(m)[0].conv_transpose1d(x, w, stride=3, padding=1),
                                   [(2, 3), (2, 2, 3)]),
    "max_pool2d": (lambda m, x: _lib(m)[0].max_pool2d(x, 3, stride=2, padding=1), [(2, 2, 5, 4)]),
    "max_pool2d_dilated_ceil_unbatched": (lambda m, x: _lib(m)[0].max_pool2d(x, 2, dilation=2, ceil_mode=True),
                                          [(2, 5, 6)]),
    "max_pool1d": (lambda m, x: _lib(m)[0].max_pool1d(x, 3, stride=2, padding=1), [(2, 2, 7)]),
    "avg_pool2d": (lambda m, x: _lib(m)[0].avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
                   [(2, 2, 5, 4)]),
    "avg_pool2d_divisor_ceil": (lambda m, x: _lib(m)[0].avg_pool2d(x, 2, ceil_mode=True, divisor_override=3),
                                [(1, 2, 5, 5)]),
    "adaptive_avg_pool2d": (lambda m, x: _lib(m)[0].adaptive_avg_pool2d(x, (3, 2)), [(2, 2, 5, 4)]),
    "adaptive_avg_pool1d": (lambda m, x: _lib(m)[0].adaptive_avg_pool1d(x, 3), [(2, 7)]),
    "cross_entropy_weight_ignore": (lambda m, x: _lib(m)[0].cross_entropy(
        x, _lib(m)[1](_TGT2), weight=_lib(m)[1](_W3), ignore_index=0), [(2, 3, 3)]),
    "cross_entropy_sum": (lambda m, x: _lib(m)[0].cross_entropy(x, _lib(m)[1](_TGT1), reduction="sum"), [(4, 3)]),
    "cross_entropy_none_smoothing": (lambda m, x: _lib(m)[0].cross_entropy(
        x, _lib(m)[1](_TGT1), reduction="none", label_smoothing=0.2), [(4, 3)]),
    "cross_entropy_unbatched": (lambda m, x: _lib(m)[0].cross_entropy(x, _lib(m)[1](1)), [(3,)]),
    "nll_loss_of_log_softmax": (lambda m, x: _lib(m)[0].nll_loss(_lib(m)[0].log_softmax(x, 1), _lib(m)[1](_TGT1),
                                                                 weight=_lib(m)[1](_W3)), [(4, 3)]),
    "nll_loss_none_of_square": (lambda m, x: _lib(m)[0].nll_loss(x * x, _lib(m)[1](_TGT2), reduction="none"),
                                [(2, 3, 3)]),
    "embedding_padding_idx": (lambda m, w: _lib(m)[0].embedding(_lib(m)[1](_IDX), w, padding_idx=2) ** 2,
                              [(5, 3)]),
    "batch_norm_train": (lambda m, x, w, b: _lib(m)[0].batch_norm(x, None, None, w, b, training=True),
                         [(3, 2, 2, 2), (2,), (2,)]),
    "batch_norm_train_no_affine": (lambda m, x: _lib(m)[0].batch_norm(x, None, None, training=True), [(4, 3)]),
    "batch_norm_eval": (lambda m, x, w, b: _lib(m)[0].batch_norm(x, _lib(m)[1](_RM), _lib(m)[1](_RV), w, b) ** 2,
                        [(2, 3, 4), (3,), (3,)]),
}


def _inputs(shapes, dtype="float64", seed=0):
    arrs = [rand(s, dtype, seed + i) for i, s in enumerate(shapes)]
    return ([tj.tensor(a, requires_grad=True) for a in arrs], [torch.tensor(a, requires_grad=True) for a in arrs])


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradgradcheck(name):
    fn, shapes = CASES[name]
    ins, _ = _inputs(shapes)
    assert tj.autograd.gradgradcheck(lambda *a: fn(tj, *a), tuple(ins))


def _nonfinite(shape):
    a = rand(shape)
    a.reshape(-1)[[1, 7, 12]] = [np.nan, np.inf, -np.inf]
    return a


@pytest.mark.parametrize("op", ["conv2d", "max_pool2d", "avg_pool2d"])
def test_nonfinite_inputs_second_derivatives(op):
    # NaN and inf flow through the double backward as through torch's
    a, w, v = _nonfinite((1, 2, 4, 4)), rand((2, 2, 3, 3), seed=1), rand((1, 2, 4, 4), seed=2)
    res = []
    for m in (tj, torch):
        F, T = _lib(m)
        x, go = T(a, requires_grad=True), T(v[:, :, :2, :2] if op != "conv2d" else v, requires_grad=True)
        y = {"conv2d": lambda: F.conv2d(x, T(w), padding=1), "max_pool2d": lambda: F.max_pool2d(x, 2),
             "avg_pool2d": lambda: F.avg_pool2d(x, 2)}[op]()
        g, = m.autograd.grad(y, [x], go, create_graph=True)
        gg, = m.autograd.grad((g * g).sum(), [go])
        res.append((g.detach(), gg))
    close(res[0][0], res[1][0], name=op)
    close(res[0][1], res[1][1], name=op)


def _second_derivatives(m, fn, ins, go):
    """The first gradients of ``fn`` for cotangent ``go`` (with ``create_graph``), and the
    gradients of a scalar of them with respect to the inputs and ``go``."""
    out = fn(m, *ins)
    g1 = m.autograd.grad(out, ins, go, create_graph=True)
    s = sum(((g * g).sum() for g in g1), 0.0)
    g2 = m.autograd.grad(s, ins + [go], allow_unused=True)
    return out, g1, g2


def compare_second_derivatives(name, fn, jin, tin, tol=1e-9):
    """``fn``'s output, first gradients (recorded) and second derivatives in tensorjit (inputs
    ``jin``) equal PyTorch's (``tin``), for one seeded cotangent."""
    with torch.no_grad():
        shape = tuple(fn(torch, *tin).shape)
    a = rand(shape, jin[0].dtype.name if jin else "float64", seed=9)
    jgo, tgo = tj.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    jo, jg1, jg2 = _second_derivatives(tj, fn, jin, jgo)
    to, tg1, tg2 = _second_derivatives(torch, fn, tin, tgo)
    close(jo, to, tol, name)
    for j, t in zip(jg1, tg1):
        assert j.requires_grad and j.grad_fn is not None, name
        close(j, t, tol, name)
    for i, (j, t) in enumerate(zip(jg2, tg2)):
        # an unused input is None in one library and zeros in the other: compare as zeros
        if j is None and t is None:
            continue
        j = tj.zeros_like((jin + [jgo])[i].detach()) if j is None else j
        t = torch.zeros_like((tin + [tgo])[i].detach()) if t is None else t
        close(j, t, tol, f"{name} second derivative {i}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_match_torch(name):
    fn, shapes = CASES[name]
    jin, tin = _inputs(shapes, "float64")
    compare_second_derivatives(name, fn, jin, tin)


def test_first_order_records_nothing():
    # Without create_graph, the backward nodes of Note [nn functions] record no graph.
    x = tj.tensor(rand((1, 2, 4, 4)), requires_grad=True)
    w = tj.tensor(rand((2, 2, 3, 3), seed=1), requires_grad=True)
    y = JF.max_pool2d(JF.conv2d(x, w, padding=1), 2)
    gx, gw = tj.autograd.grad(y.sum(), [x, w])
    assert not gx.requires_grad and gx.grad_fn is None
    assert not gw.requires_grad and gw.grad_fn is None
    gx2, = tj.autograd.grad(JF.max_pool2d(JF.conv2d(x, w, padding=1), 2).sum(), [x], create_graph=True)
    assert gx2.requires_grad and gx2.grad_fn is not None
    close(gx2.detach(), torch.tensor(gx.numpy()))


def test_hessian_vector_product_conv():
    # H v of a conv -> tanh -> sum, by double backward, against torch's
    a, v = rand((1, 2, 5, 5)), rand((1, 2, 5, 5), seed=3)
    w = rand((3, 2, 3, 3), seed=1)
    res = []
    for m in (tj, torch):
        F, T = _lib(m)
        x = T(a, requires_grad=True)
        g, = m.autograd.grad(m.tanh(F.conv2d(x, T(w), padding=1)).sum(), [x], create_graph=True)
        hv, = m.autograd.grad((g * T(v)).sum(), [x])
        res.append(hv)
    close(*res)


def _critic(m, params, x):
    """A small critic, Conv2d -> AvgPool2d -> Linear, written with the functional ops."""
    F = _lib(m)[0]
    cw, cb, lw, lb = params
    return F.linear(F.avg_pool2d(F.conv2d(x, cw, cb, padding=1), 2).flatten(1), lw, lb)


def test_wgan_gp_step():
    # One critic step of WGAN-GP: loss + 10 * (|d critic(x_hat) / d x_hat| - 1)^2, then SGD.
    shapes = [(2, 1, 3, 3), (2,), (1, 8), (1,)]
    init = [rand(sh, seed=i) for i, sh in enumerate(shapes)]
    real, fake, alpha = rand((3, 1, 4, 4), seed=5), rand((3, 1, 4, 4), seed=6), rand((3, 1, 1, 1), seed=7) ** 2
    res = []
    for m in (torch, tj):
        T = _lib(m)[1]
        params = [T(a, requires_grad=True) for a in init]
        r, f, al = T(real), T(fake), T(alpha)
        xh = (al * r + (1 - al) * f).requires_grad_()
        g, = m.autograd.grad(_critic(m, params, xh).sum(), [xh], create_graph=True)
        gp = (((g * g).sum((1, 2, 3)).sqrt() - 1) ** 2).mean()
        loss = _critic(m, params, f).mean() - _critic(m, params, r).mean() + 10 * gp
        loss.backward()
        with m.no_grad():
            for p in params:
                p -= 0.1 * p.grad
        res.append((loss, params))
    (tloss, tparams), (jloss, jparams) = res
    close(jloss, tloss)
    for i, (j, t) in enumerate(zip(jparams, tparams)):
        close(j.grad, t.grad, name=f"grad {i}")
        close(j.detach(), t.detach(), name=f"param {i}")


def test_conv_chunks_over_threads(monkeypatch):
    # Note [conv chunks]: one sample per chunk, the chunks spread over two threads, for the
    # three products (forward, input and weight gradients) and their double backward.
    from tensorjit.nn import _functional_conv
    from tensorjit.ops import blas_threads
    monkeypatch.setattr(_functional_conv, "CHUNK_BYTES", 1)
    monkeypatch.setattr(blas_threads, "SPLIT_WORK", 0)
    saved = tj.get_num_threads()
    tj.set_num_threads(2)
    try:
        for name in ("conv2d_stride_pad_groups", "conv_transpose2d"):
            fn, shapes = CASES[name]
            shapes = [(5,) + shapes[0][1:]] + shapes[1:]
            jin, tin = _inputs(shapes)
            jo, to = fn(tj, *jin), fn(torch, *tin)
            close(jo, to, name=name)
            a = rand(tuple(to.shape), seed=9)
            jgo, tgo = tj.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            jg = tj.autograd.grad(jo, jin, jgo, create_graph=True)
            tg = torch.autograd.grad(to, tin, tgo, create_graph=True)
            for j, t in zip(jg, tg):
                close(j, t, name=name)
            jg2 = tj.autograd.grad(sum((g * g).sum() for g in jg), jin[:2] + [jgo], allow_unused=True)
            tg2 = torch.autograd.grad(sum((g * g).sum() for g in tg), tin[:2] + [tgo], allow_unused=True)
            for j, t in zip(jg2, tg2):
                close(j, t, name=name)
    finally:
        tj.set_num_threads(saved)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_all_targets_ignored_gradient(loss, create_graph):
    # 'mean' over no counted target is NaN, but an ignored target's gradient is 0, as torch's
    a, t = rand((2, 3)), np.array([0, 0])
    res = []
    for m in (tj, torch):
        F, T = _lib(m)
        x = T(a, requires_grad=True)
        out = getattr(F, loss)(x, T(t), ignore_index=0)
        g, = m.autograd.grad(out, [x], create_graph=create_graph)
        res.append((out, g))
    close(res[0][0].detach(), res[1][0].detach(), name=loss)
    close(res[0][1].detach(), res[1][1].detach(), name=loss)

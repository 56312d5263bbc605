"""``tensorjit.nn`` layers against ``torch.nn`` with the same weights (copied through
``load_state_dict``): forward values, shapes and dtypes, and the gradients of the input and
of every parameter after the same backward.

Kernel budget: values and gradients in float64 (one float32 case per layer family, for the
dtype); the conv/pool kernels in both; the parallel conv/pool variants once, in float32.
"""
from __future__ import annotations

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.nn import _functional_conv, _functional_pool
from tensorjit.nn._graph import Ctx

torch = pytest.importorskip("torch", reason="torch is the reference for tensorjit.nn")
TF = torch.nn.functional


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


# -- shared test utilities (imported by the other nn test files) --------------------------
TOL = {"float64": 1e-10, "float32": 2e-5}


def rand(shape, dtype="float64", seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def pair(a, requires_grad=True):
    """The same values as a tensorjit and a torch tensor (both leaves requiring grad)."""
    t = tj.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")
    r = torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")
    return t, r


def np_of(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return x.detach().numpy()


def close(got, want, tol=None, name=""):
    """Values, shape and dtype of ``got`` (tensorjit) against ``want`` (torch)."""
    assert tuple(got.shape) == tuple(want.shape), (name, got.shape, want.shape)
    assert got.dtype.name == str(want.dtype).replace("torch.", ""), (name, got.dtype, want.dtype)
    if tol is None:
        tol = TOL.get(got.dtype.name, 0)
    np.testing.assert_allclose(np_of(got), np_of(want), rtol=tol, atol=tol, equal_nan=True, err_msg=name)


def copy_weights(tm, jm):
    """Load torch module ``tm``'s state into tensorjit module ``jm`` (same keys, same dtypes)."""
    sd = {k: tj.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    assert jm.load_state_dict(sd) is not None


def same_module(tm, jm, dtype="float64"):
    tm = tm.to(getattr(torch, dtype))
    jm = jm.to(getattr(tj, dtype))
    copy_weights(tm, jm)
    return tm, jm


def check_backward(jout, rout, jins, rins, jm=None, tm=None, seed=1, tol=None):
    """Backward the same random cotangent through both and compare input and parameter grads."""
    g = rand(tuple(rout.shape), np_of(rout).dtype.name, seed)
    rout.backward(torch.tensor(g))
    jout.backward(tj.tensor(g))
    for i, (a, b) in enumerate(zip(jins, rins)):
        if b.grad is None:
            assert a.grad is None
        else:
            close(a.grad, b.grad, tol, f"input {i} grad")
    if jm is not None:
        jp = dict(jm.named_parameters())
        for name, p in tm.named_parameters():
            if p.grad is None:
                assert jp[name].grad is None, name
            else:
                close(jp[name].grad, p.grad, tol, name + " grad")


# -- Linear, Bilinear, Flatten ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (3,)])
def test_linear(dtype, shape):
    tm, jm = same_module(torch.nn.Linear(3, 2), tj.nn.Linear(3, 2), dtype)
    jx, rx = pair(rand(shape, dtype))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx], jm, tm)


def test_linear_without_bias_and_errors():
    tm, jm = same_module(torch.nn.Linear(3, 2, bias=False), tj.nn.Linear(3, 2, bias=False))
    assert jm.bias is None and [n for n, _ in jm.named_parameters()] == ["weight"]
    jx, rx = pair(rand((4, 3)))
    close(jm(jx), tm(rx))
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        jm(tj.zeros(4, 5, dtype=tj.float64))


def test_bilinear():
    tm, jm = same_module(torch.nn.Bilinear(3, 4, 2), tj.nn.Bilinear(3, 4, 2))
    (jx, rx), (jy, ry) = pair(rand((5, 3))), pair(rand((5, 4), seed=2))
    jo, ro = jm(jx, jy), tm(rx, ry)
    close(jo, ro)
    check_backward(jo, ro, [jx, jy], [rx, ry], jm, tm)


def test_flatten_unflatten_identity():
    x = rand((2, 3, 4, 5))
    for args in [(), (0,), (1, 2), (-3, -2)]:
        close(tj.nn.Flatten(*args)(tj.tensor(x)), torch.nn.Flatten(*args)(torch.tensor(x)))
    close(tj.nn.Unflatten(1, (3, 1))(tj.tensor(x)), torch.nn.Unflatten(1, (3, 1))(torch.tensor(x)))
    t = tj.tensor(x)
    assert tj.nn.Identity(7, foo=1)(t) is t


# -- convolutions -----------------------------------------------------------------------------
CONV2D = [dict(), dict(stride=2, padding=1), dict(padding=(1, 2), dilation=(2, 1), stride=(1, 2)),
          dict(groups=2, padding="same"), dict(padding="same", dilation=2, kernel_size=(2, 3)),
          dict(padding="valid", bias=False), dict(padding=1, padding_mode="reflect"),
          dict(padding=(2, 1), padding_mode="circular", groups=2), dict(kernel_size=1)]


@pytest.mark.parametrize("kw", CONV2D, ids=[str(k) for k in CONV2D])
def test_conv2d(kw):
    kw = dict(kw)
    k = kw.pop("kernel_size", 3)
    tm, jm = same_module(torch.nn.Conv2d(4, 6, k, **kw), tj.nn.Conv2d(4, 6, k, **kw))
    jx, rx = pair(rand((2, 4, 7, 6)))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx], jm, tm)


@pytest.mark.parametrize("kind", ["transposed", "stepped", "offset", "unbatched"])
def test_conv2d_layouts(kind):
    tm, jm = same_module(torch.nn.Conv2d(3, 2, 3, padding=1), tj.nn.Conv2d(3, 2, 3, padding=1))
    base = rand((2, 3, 6, 10))
    jb, rb = pair(base)
    if kind == "transposed":
        jx, rx = jb.transpose(2, 3), rb.transpose(2, 3)
    elif kind == "stepped":
        jx, rx = jb[:, :, ::2, 1::3], rb[:, :, ::2, 1::3]
    elif kind == "offset":
        jx, rx = jb[1:, :, 1:, 2:], rb[1:, :, 1:, 2:]
    else:
        jx, rx = jb[0], rb[0]
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jb], [rb], jm, tm)


def test_conv2d_float32_and_dtype_errors():
    tm, jm = same_module(torch.nn.Conv2d(3, 4, 3, stride=2), tj.nn.Conv2d(3, 4, 3, stride=2), "float32")
    jx, rx = pair(rand((2, 3, 9, 8), "float32"))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx], jm, tm)
    with pytest.raises(RuntimeError, match="expected scalar type"):
        jm(tj.zeros(1, 3, 5, 5, dtype=tj.float64))
    with pytest.raises(RuntimeError, match="4-dimensional"):
        tj.nn.functional.conv2d(tj.zeros(1, 4, 8, 8), tj.zeros(6, 4, 3))
    with pytest.raises(NotImplementedError, match="conv2d"):
        tj.nn.functional.conv2d(tj.zeros(1, 1, 3, 3, dtype=tj.int64), tj.zeros(1, 1, 1, 1, dtype=tj.int64))


@pytest.mark.parametrize("args", [
    ((1, 4, 8, 8), (6, 3, 3, 3), {}), ((1, 4, 8, 8), (6, 4, 9, 9), {}), ((8, 8), (6, 4, 3, 3), {}),
    ((1, 4, 8, 8), (6, 2, 3, 3), dict(groups=4)), ((1, 4, 8, 8), (6, 4, 3, 3), dict(stride=0)),
    ((1, 4, 8, 8), (6, 4, 3, 3), dict(padding=-1)), ((1, 4, 8, 8), (6, 4, 3, 3), dict(padding="same", stride=2)),
    ((1, 4, 8, 8), (6, 4, 3, 3), dict(padding="foo")),
    ((1, 4, 8, 8), (6, 4, 3, 3), dict(bias=(5,)))])
def test_conv2d_errors_like_torch(args):
    xs, ws, kw = args
    kw = dict(kw)
    b = kw.pop("bias", None)
    with pytest.raises(RuntimeError) as want:
        TF.conv2d(torch.zeros(xs), torch.zeros(ws), None if b is None else torch.zeros(b), **kw)
    with pytest.raises(RuntimeError) as got:
        tj.nn.functional.conv2d(tj.zeros(*xs), tj.zeros(*ws), None if b is None else tj.zeros(*b), **kw)
    # the same complaint, in PyTorch's words (after our op-name prefix)
    key = str(want.value).split(",")[0].split("(")[0][:30]
    assert key.lower() in str(got.value).lower(), (str(got.value), str(want.value))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, dilation=2), dict(groups=2, padding="same")])
def test_conv1d(kw):
    tm, jm = same_module(torch.nn.Conv1d(4, 6, 3, **kw), tj.nn.Conv1d(4, 6, 3, **kw))
    jx, rx = pair(rand((2, 4, 9)))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx], jm, tm)
    jx, rx = pair(rand((4, 9)))
    close(jm(jx), tm(rx))


CONVT = [dict(), dict(stride=2, padding=1, output_padding=1), dict(stride=(1, 2), groups=2, dilation=(2, 1),
                                                                   padding=(1, 0), bias=False)]


@pytest.mark.parametrize("kw", CONVT, ids=[str(k) for k in CONVT])
def test_conv_transpose2d(kw):
    tm, jm = same_module(torch.nn.ConvTranspose2d(4, 6, 3, **kw), tj.nn.ConvTranspose2d(4, 6, 3, **kw))
    jx, rx = pair(rand((2, 4, 4, 5)))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx], jm, tm)
    jx, rx = pair(rand((4, 4, 5)))
    close(jm(jx), tm(rx))


def test_conv_transpose_output_size_and_1d():
    tm, jm = same_module(torch.nn.ConvTranspose2d(2, 3, 3, stride=2), tj.nn.ConvTranspose2d(2, 3, 3, stride=2))
    jx, rx = pair(rand((1, 2, 4, 4)))
    close(jm(jx, output_size=[10, 9]), tm(rx, output_size=[10, 9]))
    with pytest.raises(ValueError):
        jm(jx, output_size=[20, 20])
    tm, jm = same_module(torch.nn.ConvTranspose1d(2, 3, 3, stride=2, padding=1),
                         tj.nn.ConvTranspose1d(2, 3, 3, stride=2, padding=1))
    jx, rx = pair(rand((2, 2, 5)))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx], jm, tm)


def test_conv_backward_as_plain_functions():
    # The conv node's forward and backward called directly, without the graph.
    x, w, b = rand((2, 4, 6, 5)), rand((6, 2, 3, 2), seed=1), rand((6,), seed=2)
    rx, rw, rb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ro = TF.conv2d(rx, rw, rb, stride=(2, 1), padding=1, groups=2)
    g = rand(tuple(ro.shape), seed=3)
    ro.backward(torch.tensor(g))
    jx, jw, jb = tj.tensor(x), tj.tensor(w), tj.tensor(b)
    geom = _functional_conv._conv_geometry("conv2d", jx, jw, jb, (2, 1), 1, 1, 2, 2)
    ctx = Ctx((True, True, True, False))
    out = _functional_conv._ConvNd.forward(ctx, jx, jw, jb, geom[:3] + (2, 2, geom[3]))
    close(out, ro)
    gx, gw, gb, _ = _functional_conv._ConvNd.backward(ctx, tj.tensor(g))
    for a, r in ((gx, rx), (gw, rw), (gb, rb)):
        close(a, r.grad)


def test_conv_parallel_kernels():
    # A float32 conv through the chunked im2col/col2im products (Note [conv chunks]); the
    # split of the chunks over threads is exercised by test_conv_chunks_over_threads in
    # test_nn_double_backward.py, which makes every sample a chunk.
    tm, jm = same_module(torch.nn.Conv2d(8, 4, 3, padding=1), tj.nn.Conv2d(8, 4, 3, padding=1), "float32")
    jx, rx = pair(rand((3, 8, 24, 24), "float32"))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro, 1e-4)
    check_backward(jo, ro, [jx], [rx], jm, tm, tol=1e-4)


# -- pooling ----------------------------------------------------------------------------------
MAXPOOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
           dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1), padding=(1, 1))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", MAXPOOL, ids=[str(k) for k in MAXPOOL])
def test_max_pool2d(kw, dtype):
    x = rand((2, 3, 7, 6), dtype)
    x[0, 0, 1, 1], x[1, 1, 2, 2], x[1, 2, 3, 3] = np.nan, np.inf, -np.inf
    jx, rx = pair(x)
    jo, ji = tj.nn.functional.max_pool2d(jx, return_indices=True, **kw)
    ro, ri = TF.max_pool2d(rx, return_indices=True, **kw)
    close(jo, ro, 0)
    close(ji, ri, 0)
    x = rand((2, 3, 7, 6), dtype)    # gradients on finite values (ties broken the same way)
    jx, rx = pair(x)
    jo, ro = tj.nn.MaxPool2d(**kw)(jx), torch.nn.MaxPool2d(**kw)(rx)
    check_backward(jo, ro, [jx], [rx])


def test_max_pool_unbatched_1d_and_errors():
    jx, rx = pair(rand((3, 5, 6)))
    close(tj.nn.functional.max_pool2d(jx, 2), TF.max_pool2d(rx, 2))
    jx, rx = pair(rand((2, 3, 9)))
    jo, ro = tj.nn.MaxPool1d(3, stride=2, padding=1)(jx), torch.nn.MaxPool1d(3, stride=2, padding=1)(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx])
    for kw in [dict(kernel_size=3, padding=2), dict(kernel_size=2, stride=0), dict(kernel_size=9)]:
        with pytest.raises(RuntimeError):
            TF.max_pool2d(torch.zeros(1, 2, 5, 5), **kw)
        with pytest.raises(RuntimeError):
            tj.nn.functional.max_pool2d(tj.zeros(1, 2, 5, 5), **kw)
    with pytest.raises(RuntimeError):
        tj.nn.functional.max_pool2d(tj.zeros(5, 5), 2)


AVGPOOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
           dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
           dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), divisor_override=5)]


@pytest.mark.parametrize("kw", AVGPOOL, ids=[str(k) for k in AVGPOOL])
def test_avg_pool2d(kw):
    jx, rx = pair(rand((2, 3, 7, 6)))
    jo, ro = tj.nn.AvgPool2d(**kw)(jx), torch.nn.AvgPool2d(**kw)(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx])


def test_avg_pool_float32_nan_and_1d():
    x = rand((2, 3, 6, 6), "float32")
    x[0, 0, 0, 0], x[1, 1, 1, 1] = np.nan, np.inf
    close(tj.nn.functional.avg_pool2d(tj.tensor(x), 2), TF.avg_pool2d(torch.tensor(x), 2))
    jx, rx = pair(rand((2, 3, 9)))
    jo, ro = tj.nn.AvgPool1d(3, 2, 1)(jx), torch.nn.AvgPool1d(3, 2, 1)(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx])


@pytest.mark.parametrize("size", [1, (3, 2), (None, 4), (5, 7), (7, 6)])
def test_adaptive_avg_pool2d(size):
    jx, rx = pair(rand((2, 3, 7, 6)))
    jo, ro = tj.nn.AdaptiveAvgPool2d(size)(jx), torch.nn.AdaptiveAvgPool2d(size)(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx])


def test_adaptive_avg_pool_1d_float32_unbatched():
    x = rand((3, 7, 6), "float32")
    close(tj.nn.functional.adaptive_avg_pool2d(tj.tensor(x), 2), TF.adaptive_avg_pool2d(torch.tensor(x), 2))
    jx, rx = pair(rand((2, 3, 10)))
    close(tj.nn.AdaptiveAvgPool1d(4)(jx), torch.nn.AdaptiveAvgPool1d(4)(rx))


def test_pool_backward_as_plain_functions():
    x = rand((2, 2, 5, 5))
    rx = torch.tensor(x, requires_grad=True)
    ro = TF.max_pool2d(rx, 3, stride=2, padding=1)
    g = rand(tuple(ro.shape), seed=4)
    ro.backward(torch.tensor(g))
    jx = tj.tensor(x)
    geom = _functional_pool._geometry("max_pool2d", jx, 3, 2, 1, 1, False)
    ctx = Ctx((True, False))
    out, _ = _functional_pool._MaxPool2d.forward(ctx, jx, geom)
    close(out, ro)
    close(_functional_pool._MaxPool2d.backward(ctx, tj.tensor(g))[0], rx.grad)


def test_max_pool_parallel_kernel():
    x = rand((4, 16, 48, 48), "float32")
    close(tj.nn.functional.max_pool2d(tj.tensor(x), 2), TF.max_pool2d(torch.tensor(x), 2), 0)


# -- normalisation ----------------------------------------------------------------------------
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)),
                                       ("BatchNorm2d", (4, 3, 2, 5))])
def test_batch_norm_train_then_eval(cls, shape):
    tm, jm = same_module(getattr(torch.nn, cls)(3, momentum=0.3), getattr(tj.nn, cls)(3, momentum=0.3))
    for step in range(2):
        jx, rx = pair(rand(shape, seed=step, scale=2.0))
        jo, ro = jm(jx), tm(rx)
        close(jo, ro)
        check_backward(jo, ro, [jx], [rx], jm, tm, seed=5 + step)
        jm.zero_grad()
        tm.zero_grad()
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        close(getattr(jm, name), getattr(tm, name), name=name)
    jm.eval()
    tm.eval()
    jx, rx = pair(rand(shape, seed=9))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx], jm, tm)


def test_batch_norm_options():
    for kw in [dict(affine=False), dict(track_running_stats=False), dict(momentum=None)]:
        tm, jm = same_module(torch.nn.BatchNorm2d(3, **kw), tj.nn.BatchNorm2d(3, **kw))
        for _ in range(2):
            jx, rx = pair(rand((2, 3, 2, 2)))
            close(jm(jx), tm(rx))
        jm.eval()
        tm.eval()
        close(jm(jx), tm(rx))
        assert list(jm.state_dict()) == list(tm.state_dict())
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        tj.nn.BatchNorm1d(3)(tj.zeros(1, 3))
    with pytest.raises(ValueError, match="expected 4D input"):
        tj.nn.BatchNorm2d(3)(tj.zeros(2, 3))
    tm, jm = same_module(torch.nn.BatchNorm1d(3), tj.nn.BatchNorm1d(3), "float32")
    jx, rx = pair(rand((5, 3), "float32"))
    close(jm(jx), tm(rx))


@pytest.mark.parametrize("shape,norm", [((4, 5), 5), ((2, 3, 4), (3, 4))])
def test_layer_norm(shape, norm):
    tm, jm = same_module(torch.nn.LayerNorm(norm), tj.nn.LayerNorm(norm))
    with torch.no_grad():
        for p in tm.parameters():
            p.normal_()
    copy_weights(tm, jm)
    jx, rx = pair(rand(shape))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx], jm, tm)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        jm(tj.zeros(2, 7, dtype=tj.float64))
    x32 = rand(shape, "float32")
    ns = norm if isinstance(norm, tuple) else (norm,)
    close(tj.nn.functional.layer_norm(tj.tensor(x32), ns), TF.layer_norm(torch.tensor(x32), ns))


def test_group_norm():
    tm, jm = same_module(torch.nn.GroupNorm(2, 4), tj.nn.GroupNorm(2, 4))
    with torch.no_grad():
        for p in tm.parameters():
            p.normal_()
    copy_weights(tm, jm)
    jx, rx = pair(rand((3, 4, 2, 3)))
    jo, ro = jm(jx), tm(rx)
    close(jo, ro)
    check_backward(jo, ro, [jx], [rx], jm, tm)
    close(tj.nn.GroupNorm(2, 4, affine=False).double()(jx), torch.nn.GroupNorm(2, 4, affine=False).double()(rx))


# -- embedding, dropout -----------------------------------------------------------------------
def test_embedding():
    tm, jm = same_module(torch.nn.Embedding(7, 3, padding_idx=2), tj.nn.Embedding(7, 3, padding_idx=2))
    idx = np.array([[0, 2, 5], [2, 6, 0]])
    jo, ro = jm(tj.tensor(idx)), tm(torch.tensor(idx))
    close(jo, ro)
    check_backward(jo, ro, [], [], jm, tm)
    assert not jm.weight.grad[2].any()
    with pytest.raises(IndexError):
        jm(tj.tensor([7]))
    fresh = tj.nn.Embedding(5, 2, padding_idx=1)
    assert fresh.weight[1].tolist() == [0.0, 0.0]
    w = rand((4, 3), scale=3.0)
    tme = torch.nn.Embedding.from_pretrained(torch.tensor(w), max_norm=1.0)
    jme = tj.nn.Embedding.from_pretrained(tj.tensor(w), max_norm=1.0)
    close(jme(tj.tensor([0, 3])), tme(torch.tensor([0, 3])))
    close(jme.weight, tme.weight)
    assert not jme.weight.requires_grad


def test_dropout():
    x = tj.ones(200, 50)
    m = tj.nn.Dropout(0.3)
    y = m(x)
    kept = (y != 0).to(tj.float64).mean().item()
    assert 0.65 < kept < 0.75
    np.testing.assert_allclose(y.numpy()[y.numpy() != 0], 1 / 0.7, rtol=1e-6)
    assert m.eval()(x) is x
    assert not tj.nn.functional.dropout(x, 1.0).any()
    assert tj.nn.functional.dropout(x, 0.0) is x
    with pytest.raises(ValueError):
        tj.nn.Dropout(1.5)
    y2 = tj.nn.functional.dropout2d(tj.ones(4, 30, 2, 2), 0.5)
    per_channel = y2.numpy().reshape(4, 30, 4)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    xg = tj.ones(10, requires_grad=True)
    yg = tj.nn.functional.dropout(xg, 0.5)
    yg.sum().backward()
    np.testing.assert_array_equal(xg.grad.numpy(), yg.detach().numpy())


# -- recurrent layers -------------------------------------------------------------------------
RNNS = [("RNN", dict()), ("RNN", dict(nonlinearity="relu", num_layers=2)), ("LSTM", dict()),
        ("LSTM", dict(num_layers=2, batch_first=True, bidirectional=True)), ("GRU", dict()),
        ("GRU", dict(bidirectional=True, bias=False))]


@pytest.mark.parametrize("cls,kw", RNNS, ids=[f"{c}-{k}" for c, k in RNNS])
def test_rnn_layers(cls, kw):
    tm, jm = same_module(getattr(torch.nn, cls)(3, 4, **kw), getattr(tj.nn, cls)(3, 4, **kw))
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    jx, rx = pair(rand((5, 2, 3)))
    jout, rout = jm(jx), tm(rx)
    close(jout[0], rout[0])
    jh, rh = (jout[1][0], rout[1][0]) if cls == "LSTM" else (jout[1], rout[1])
    close(jh, rh)
    if cls == "LSTM":
        close(jout[1][1], rout[1][1])
    check_backward(jout[0].sum() + jh.sum() * 2, rout[0].sum() + rh.sum() * 2, [jx], [rx], jm, tm)


def test_rnn_initial_state_unbatched_and_cells():
    tm, jm = same_module(torch.nn.LSTM(3, 4, num_layers=2), tj.nn.LSTM(3, 4, num_layers=2))
    (jh, rh), (jc, rc) = pair(rand((2, 4), seed=3)), pair(rand((2, 4), seed=4))
    jx, rx = pair(rand((5, 3)))
    jo, (jhn, jcn) = jm(jx, (jh, jc))
    ro, (rhn, rcn) = tm(rx, (rh, rc))
    close(jo, ro)
    close(jcn, rcn)
    check_backward(jo, ro, [jx, jh, jc], [rx, rh, rc], jm, tm)
    for cls in ("RNNCell", "GRUCell", "LSTMCell"):
        tm, jm = same_module(getattr(torch.nn, cls)(3, 4), getattr(tj.nn, cls)(3, 4))
        jx, rx = pair(rand((2, 3)))
        jo, ro = jm(jx), tm(rx)
        close(jo[0] if cls == "LSTMCell" else jo, ro[0] if cls == "LSTMCell" else ro)
    with pytest.raises(RuntimeError, match="input_size"):
        tj.nn.GRU(3, 4)(tj.zeros(5, 2, 2))


def test_rnn_default_init_range():
    m = tj.nn.GRU(3, 16)
    for p in m.parameters():
        a = p.detach().numpy()
        assert np.abs(a).max() <= 0.25 and a.std() > 0.1


# -- multi-head attention ---------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention(batch_first):
    tm, jm = same_module(torch.nn.MultiheadAttention(8, 2, batch_first=batch_first),
                         tj.nn.MultiheadAttention(8, 2, batch_first=batch_first))
    shape_q, shape_kv = ((3, 4, 8), (3, 5, 8)) if batch_first else ((4, 3, 8), (5, 3, 8))
    (jq, rq), (jk, rk), (jv, rv) = pair(rand(shape_q)), pair(rand(shape_kv, seed=1)), pair(rand(shape_kv, seed=2))
    attn_mask = np.triu(np.ones((4, 5), bool), 2)
    kpm = np.zeros((3, 5), bool)
    kpm[1, 4] = True
    kw = [dict(), dict(attn_mask=attn_mask), dict(key_padding_mask=kpm, average_attn_weights=False)]
    for k in kw:
        jk_ = {n: tj.tensor(v) for n, v in k.items() if isinstance(v, np.ndarray)}
        rk_ = {n: torch.tensor(v) for n, v in k.items() if isinstance(v, np.ndarray)}
        extra = {n: v for n, v in k.items() if not isinstance(v, np.ndarray)}
        jo, jw = jm(jq, jk, jv, **jk_, **extra)
        ro, rw = tm(rq, rk, rv, **rk_, **extra)
        close(jo, ro)
        close(jw, rw)
    jo, _ = jm(jq, jk, jv, need_weights=False)
    ro, _ = tm(rq, rk, rv, need_weights=False)
    check_backward(jo, ro, [jq, jk, jv], [rq, rk, rv], jm, tm)
    assert repr(jm) == repr(tm)


def test_hand_written_nodes_pass_gradcheck():
    # Finite differences in float64, independent of torch: every node with a hand-written backward.
    F, gradcheck = tj.nn.functional, tj.autograd.gradcheck
    x = tj.tensor(rand((1, 2, 5, 5)), requires_grad=True)
    w = tj.tensor(rand((3, 2, 3, 3), seed=1), requires_grad=True)
    b = tj.tensor(rand((3,), seed=2), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=(1, 2)), (x, w, b))
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w.transpose(0, 1), b, stride=2, padding=1,
                                                        output_padding=1), (x, w, b))
    assert gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (x,))
    assert gradcheck(lambda x: F.max_pool2d(x, 2, padding=1), (x,))
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (2, 3)), (x,))
    assert gradcheck(lambda x, b: F.batch_norm(x, None, None, b[:2], b[1:], training=True), (x, b))
    lw, lb = (tj.tensor(rand((5, 5), seed=s), requires_grad=True) for s in (5, 6))
    assert gradcheck(lambda x, lw, lb: F.layer_norm(x, (5, 5), lw, lb), (x, lw, lb))
    assert gradcheck(lambda x: F.log_softmax(x, 1) * F.softmax(x, 2), (x,))
    assert gradcheck(lambda x: F.cross_entropy(x.reshape(2, 25), tj.tensor([3, 7]), label_smoothing=0.1), (x,))
    e = tj.tensor(rand((6, 3)), requires_grad=True)
    assert gradcheck(lambda e: F.embedding(tj.tensor([[0, 2], [2, 5]]), e), (e,))
    p = tj.tensor(np.random.default_rng(0).uniform(0.1, 0.9, (3, 4)), requires_grad=True)
    assert gradcheck(lambda p: F.binary_cross_entropy(p, tj.tensor(rand((3, 4)) ** 2 / 4)), (p,))
    assert gradcheck(lambda p: F.binary_cross_entropy_with_logits(p, tj.tensor(rand((3, 4)) ** 2 / 4),
                                                                  pos_weight=tj.ones(4, dtype=tj.float64) * 2), (p,))


def test_multihead_attention_kdim_vdim_unbatched_causal():
    tm, jm = same_module(torch.nn.MultiheadAttention(8, 2, kdim=5, vdim=3),
                         tj.nn.MultiheadAttention(8, 2, kdim=5, vdim=3))
    assert [n for n, _ in jm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    (jq, rq), (jk, rk), (jv, rv) = pair(rand((4, 8))), pair(rand((6, 5), seed=1)), pair(rand((6, 3), seed=2))
    jo, jw = jm(jq, jk, jv)
    ro, rw = tm(rq, rk, rv)
    close(jo, ro)
    close(jw, rw)
    check_backward(jo, ro, [jq, jk, jv], [rq, rk, rv], jm, tm)
    tm, jm = same_module(torch.nn.MultiheadAttention(8, 2), tj.nn.MultiheadAttention(8, 2))
    jx, rx = pair(rand((4, 2, 8)))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    jo, _ = jm(jx, jx, jx, attn_mask=tj.tensor(mask.numpy()), is_causal=True)
    ro, _ = tm(rx, rx, rx, attn_mask=mask, is_causal=True)
    close(jo, ro)

"""Autograd on CUDA tensors (Numba's simulator): tensor classes, gradients, device moves,
version counters, higher order, nn modules and optimizer steps.

Every gradient case runs one graph on CPU tensors, on CUDA tensors made the same way, and in
PyTorch (CPU, the oracle): the CUDA gradients must lie on the device and agree with both in
values, dtype and shape. Shapes are tiny (the simulator interprets every kernel)."""
import copy
import pickle

import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="PyTorch is the oracle of the gradient checks")
F = tj.nn.functional
TF = torch.nn.functional


def _values(shape, seed, special=False):
    rng = np.random.default_rng(seed)
    v = np.asarray(rng.uniform(-2, 2, shape).round(2))
    v[np.abs(v) < 0.1] = 0.5      # no ties with 0 for relu / abs kinks
    if special and v.size > 2:
        v.flat[0], v.flat[2] = np.nan, np.inf
    return v


def _leaves(arrs, dev, dtype=tj.float64):
    """Leaves on ``dev``: views in the cases are taken of them on the device."""
    out = []
    for a in arrs:
        t = tj.tensor(a, dtype=dtype)
        t = t.to(dev) if dev != "cpu" else t
        out.append(t.requires_grad_())
    return out


def _grads(fn, m, ins, dev):
    y = fn(m, dev, *ins)
    w = m.arange(1, y.numel() + 1, dtype=y.dtype, device=dev).reshape(y.shape) if y.dim() else None
    (y * w).sum().backward() if w is not None else y.backward()
    return y


def _check_case(fn, shapes, special=False, dtype=tj.float64, host=True):
    """The graph ``fn`` on CUDA against PyTorch and (``host``) against tensorjit on the CPU."""
    arrs = [_values(s, k, special) for k, s in enumerate(shapes)]
    cuda = _leaves(arrs, "cuda", dtype)
    ref = [torch.tensor(a, dtype=getattr(torch, dtype.name), requires_grad=True) for a in arrs]
    yg = _grads(fn, tj, cuda, "cuda")
    yt = _grads(fn, torch, ref, "cpu")
    assert yg.is_cuda and yg.grad_fn is not None
    np.testing.assert_allclose(yg.detach().cpu().numpy(), yt.detach().numpy(), rtol=1e-6, atol=1e-9)
    rtol = 1e-6 if dtype is tj.float64 else 1e-5
    for g, t in zip(cuda, ref):
        assert g.grad.is_cuda and g.grad.dtype == dtype and tuple(g.grad.shape) == tuple(t.grad.shape)
        assert type(g.grad) is type(tj.ones(1, device="cuda"))
        np.testing.assert_allclose(g.grad.cpu().numpy(), t.grad.numpy(), rtol=rtol, atol=1e-9)
    if host:
        # float64: the device's arithmetic is the host's to rounding.
        cpu = _leaves(arrs, "cpu", dtype)
        yc = _grads(fn, tj, cpu, "cpu")
        assert yg.grad_fn.name() == yc.grad_fn.name()
        for c, g in zip(cpu, cuda):
            np.testing.assert_allclose(g.grad.cpu().numpy(), c.grad.numpy(), rtol=1e-12, atol=1e-12)


def _idx(m, dev, v):
    return m.tensor(v, device=dev)


# (name, fn(module, device, *inputs), input shapes, NaN/inf among the inputs)
CASES = [
    ("add_broadcast", lambda m, d, a, b: a + b, [(2, 3), (3,)], True),
    ("mul_transposed", lambda m, d, a, b: a * b.t(), [(2, 3), (3, 2)], True),
    ("sub_stepped_offset", lambda m, d, a, b: a[:, 1::2] - b[1:, :], [(2, 5), (3, 2)], False),
    ("div_exp_tanh", lambda m, d, a: a.exp() / (a * a + 1) + a.tanh(), [(2, 3)], True),
    ("pow_sqrt_0d", lambda m, d, a: (a.abs() + 1).sqrt() ** 2.5, [()], False),
    ("empty", lambda m, d, a: (a * 2).sum(0), [(0, 3)], False),
    ("sum_dim_keepdim", lambda m, d, a: a.sum(1, keepdim=True) * a.sum((0, 2)).sum(), [(2, 3, 2)], False),
    ("mean_dims", lambda m, d, a: a.mean((0, 2)) + a.mean(), [(2, 3, 2)], True),
    ("max_all", lambda m, d, a: a.max(), [(2, 3)], False),
    ("max_dim", lambda m, d, a: a.max(1).values + a.min(0, keepdim=True).values.sum(), [(2, 3)], False),
    ("amax_std", lambda m, d, a: a.amax(0) + a.std(0), [(2, 3)], False),
    # one output of two used: the other's gradient is materialised as zeros on the device
    ("var_mean_first", lambda m, d, a: m.var_mean(a, 1)[0], [(2, 3)], False),
    ("logsumexp_norm", lambda m, d, a: a.logsumexp(1) + a.norm(), [(2, 3)], False),
    ("views", lambda m, d, a: a.reshape(3, 2).transpose(0, 1).unsqueeze(0).expand(2, 2, 3) * 1.5, [(2, 3)], False),
    ("getitem_basic", lambda m, d, a: a[1, ::2] * a[:, 1].sum(), [(2, 3)], False),
    ("getitem_advanced", lambda m, d, a: a[_idx(m, d, [1, 0, 1])], [(2, 3)], False),
    ("narrow_select", lambda m, d, a: a.narrow(1, 1, 2) * a.select(0, 1)[None, 1:], [(2, 3)], False),
    ("matmul", lambda m, d, a, b: a @ b, [(2, 3), (3, 2)], False),
    ("matmul_batched", lambda m, d, a, b: m.matmul(a, b.transpose(-1, -2)), [(2, 2, 3), (2, 2, 3)], False),
    ("gather", lambda m, d, a: a.gather(1, _idx(m, d, [[0, 2], [1, 1]])), [(2, 3)], False),
    ("index_select", lambda m, d, a: a.index_select(1, _idx(m, d, [2, 0, 2])), [(2, 3)], False),
    ("where", lambda m, d, a, b: m.where(a > 0, a, b), [(2, 3), (2, 3)], True),
    ("masked_fill", lambda m, d, a: a.masked_fill(a < 0, 0.0) * a, [(2, 3)], False),
    ("softmax", lambda m, d, a: (F if m is tj else TF).softmax(a, 1), [(2, 3)], False),
    ("log_softmax", lambda m, d, a: (F if m is tj else TF).log_softmax(a, 0), [(2, 3)], False),
    ("sort", lambda m, d, a: a.sort(1).values * a.sort(0, descending=True).values, [(2, 3)], False),
    ("relu_linear", lambda m, d, x, w, b: (F if m is tj else TF).relu((F if m is tj else TF).linear(x, w, b)),
     [(2, 3), (4, 3), (4,)], False),
    ("mse", lambda m, d, a, b: (F if m is tj else TF).mse_loss(a, b), [(2, 3), (2, 3)], False),
]


# Cases checked against PyTorch only: their CPU kernels are the costliest to compile, and the
# CPU ones are checked against PyTorch by the main suite.
TORCH_ONLY = {"sort"}


# The simulator runs the kernels' scalar functions in Python: NaN/inf inputs warn there.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("name,fn,shapes,special", CASES, ids=[c[0] for c in CASES])
def test_gradients_match_cpu_and_torch(name, fn, shapes, special):
    _check_case(fn, shapes, special, host=name not in TORCH_ONLY)


def test_float32_gradients():
    _check_case(lambda m, d, a, b: (a * b).exp().sum(1), [(2, 3), (2, 3)], dtype=tj.float32, host=False)


def test_plain_cuda_operand_first():
    # A plain CUDA operand before the one that requires grad still records the op.
    w = tj.tensor([1.0, 2.0, 3.0], device="cuda")
    x = tj.tensor([1.0, -1.0, 0.5], device="cuda", requires_grad=True)
    y = w * x
    assert y.grad_fn is not None and y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert x.grad.is_cuda and x.grad.tolist() == [1.0, 2.0, 3.0]


# -- classes ------------------------------------------------------------------------------------
def test_leaf_classes_and_state():
    x = tj.ones(2, 3, device="cuda")
    assert not x.requires_grad
    x.requires_grad_()
    assert x.is_cuda and x.requires_grad and x.is_leaf and x.grad is None
    assert isinstance(x, tj.Tensor) and str(x.device) == "cuda:0"
    d = x.detach()
    assert d.is_cuda and not d.requires_grad and type(d) is type(tj.ones(1, device="cuda"))
    assert repr(x).endswith("requires_grad=True)") and "cuda:0" in repr(x)
    y = x * 2
    assert not y.is_leaf and "grad_fn=<MulBackward0>" in repr(y)
    y.detach_()
    assert type(y) is type(d) and y.grad_fn is None
    x.requires_grad_(False)
    assert type(x) is type(d) and not x.requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        tj.zeros(2, dtype=tj.int64, device="cuda").requires_grad_()
    f = tj.zeros(2, device="cuda", requires_grad=True)
    assert f.requires_grad and f.is_cuda


def test_host_access_and_pickle():
    x = tj.tensor([1.5, 2.5], device="cuda", requires_grad=True)
    t = torch.tensor([1.5, 2.5], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        x.numpy()
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        t.numpy()
    assert x.tolist() == t.tolist() and (x.sum().item(), x.detach().numpy(force=True).tolist()) == (4.0, [1.5, 2.5])
    r = pickle.loads(pickle.dumps(x))
    assert r.is_cuda and r.requires_grad and r.is_leaf and r.tolist() == [1.5, 2.5]
    c = copy.deepcopy(x)
    assert c.is_cuda and c.requires_grad and c.tolist() == [1.5, 2.5]
    assert x.cuda() is x
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        x.resize_(3)


def test_clone_contiguous_record():
    x = tj.ones(2, 3, device="cuda", requires_grad=True)
    c = x.t().contiguous()
    assert c.grad_fn.name() == "CloneBackward0" and c.is_contiguous()
    (c * tj.arange(6.0, device="cuda").reshape(3, 2)).sum().backward()
    assert x.grad.is_cuda and x.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]


# -- backward seeds, accumulation, device moves -----------------------------------------------
def test_seed_accumulate_and_gradient_argument():
    x = tj.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.is_cuda and x.grad.tolist() == [5.0, 7.0]
    y = x * x
    y.backward(tj.tensor([1.0, -1.0], device="cuda"))
    assert x.grad.tolist() == [7.0, 3.0]
    g, = tj.autograd.grad((x ** 2).sum(), x)
    assert g.is_cuda and not g.requires_grad and g.tolist() == [2.0, 4.0]


def test_device_moves_are_differentiable():
    a = tj.tensor([1.0, 2.0], requires_grad=True)
    b = a.cuda()
    assert b.is_cuda and b.grad_fn is not None and b.grad_fn.name() == a.double().grad_fn.name()
    (b * tj.tensor([3.0, 4.0], device="cuda")).sum().backward()
    assert not a.grad.is_cuda and a.grad.tolist() == [3.0, 4.0]
    c = tj.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    (c.cpu() ** 2).sum().backward()
    (c.to("cpu", tj.float64) * 3).sum().backward()
    assert c.grad.is_cuda and c.grad.dtype == tj.float32 and c.grad.tolist() == [5.0, 7.0]
    e = tj.tensor([1.0], requires_grad=True)
    (e.to("cuda") * 2).sum().backward()
    assert e.grad.device.type == "cpu" and e.grad.tolist() == [2.0]


# -- version counters and errors ----------------------------------------------------------------
def test_version_counter_error():
    x = tj.tensor([1.0, 2.0, 3.0], device="cuda", requires_grad=True)
    y = x.exp()
    z = y * 2
    assert y._version == 0
    y.add_(1)
    assert y._version == 1 and y[1:]._version == 1
    xt = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    yt = xt.exp()
    zt = yt * 2
    yt.add_(1)
    with pytest.raises(RuntimeError) as want:
        zt.sum().backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as got:
        z.sum().backward()
    tail = "is at version 1; expected version 0 instead"
    assert tail in str(want.value) and tail in str(got.value) and "output 0 of Exp" in str(got.value)


def test_plain_input_written_after_use():
    w = tj.tensor([1.0, 2.0], device="cuda")
    x = tj.tensor([3.0, 4.0], device="cuda", requires_grad=True)
    y = x * w
    w.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_no_formula_and_no_kernel_errors():
    from tensorjit.kernels.opdefs import POINTWISE
    x = tj.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    # A float op with a CUDA kernel and no derivative in its row.
    name = next((n for n in ("floor_divide", "nextafter") if POINTWISE[n].grad is None), None)
    if name is None:
        pytest.skip("every float pointwise op has a derivative now")
    with pytest.raises(RuntimeError, match=f"{name}: differentiation is not implemented yet"):
        getattr(tj, name)(x, x)
    with tj.no_grad():
        assert getattr(tj, name)(x, x).is_cuda
    with pytest.raises(NotImplementedError, match="kthvalue: not implemented for CUDA tensors"):
        x.kthvalue(1)
    with pytest.raises(NotImplementedError, match="not implemented for CUDA tensors"):
        tj.cat([x, x])
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x * tj.ones(2)


def test_storage_guards_compose():
    # A module that knows CUDA storage but not autograd reading a tensor that requires grad:
    # the autograd error (an op without a derivative); a module that knows neither: the CUDA
    # error (an op without a CUDA kernel). Outside grad mode the CUDA-aware read goes through.
    x = tj.tensor([1.0, 2.0], device="cuda", requires_grad=True)

    def reader(module):
        return eval(compile("lambda t: t._data", "<op>", "eval"), {"__name__": module})

    with pytest.raises(RuntimeError, match="differentiation is not implemented yet"):
        reader("tensorjit._views")(x)
    with pytest.raises(NotImplementedError, match="not implemented for CUDA tensors"):
        reader("tensorjit.ops.something")(x)
    with tj.no_grad():
        assert len(reader("tensorjit._views")(x)) == 2


# -- higher order -----------------------------------------------------------------------------------
def test_create_graph_second_order():
    vals = [0.5, -1.0, 2.0]
    res = {}
    for dev in ("cpu", "cuda"):
        x = tj.tensor(vals, dtype=tj.float64, device=dev, requires_grad=True)
        y = (x ** 3 * x.sin()).sum()
        g, = tj.autograd.grad(y, x, create_graph=True)
        assert g.requires_grad and g.is_cuda == (dev == "cuda")
        (g * g).sum().backward()
        res[dev] = (g.detach().cpu().numpy(), x.grad.cpu().numpy())
        assert x.grad.is_cuda == (dev == "cuda")
    xt = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    gt, = torch.autograd.grad((xt ** 3 * xt.sin()).sum(), xt, create_graph=True)
    (gt * gt).sum().backward()
    for k, want in enumerate((gt.detach().numpy(), xt.grad.numpy())):
        np.testing.assert_allclose(res["cuda"][k], res["cpu"][k], rtol=1e-12)
        np.testing.assert_allclose(res["cuda"][k], want, rtol=1e-10)


# -- nn and optim ---------------------------------------------------------------------------------
def _mlp(dev):
    tj.manual_seed(0)
    m = tj.nn.Sequential(tj.nn.Linear(4, 5), tj.nn.ReLU(), tj.nn.Linear(5, 3))
    return m.to(dev) if dev != "cpu" else m


def test_module_moves_keep_parameters():
    m = _mlp("cpu")
    w = m[0].weight
    assert m.cuda() is m and m[0].weight is w
    assert all(isinstance(p, tj.nn.Parameter) and p.is_cuda and p.requires_grad for p in m.parameters())
    assert type(w).__name__ == "Parameter" and repr(w).startswith("Parameter containing:")
    m(tj.ones(2, 4, device="cuda")).sum().backward()
    assert w.grad.is_cuda
    m.cpu()
    assert all(isinstance(p, tj.nn.Parameter) and not p.is_cuda for p in m.parameters())
    assert not w.grad.is_cuda and w.grad.shape == w.shape
    m.to("cuda")
    c = copy.deepcopy(m)
    assert c[0].weight is not w and c[0].weight.is_cuda and isinstance(c[0].weight, tj.nn.Parameter)
    assert c[0].weight.grad.is_cuda and c[0].weight.tolist() == w.tolist()


def _torch_mlp(m):
    """PyTorch's twin of ``_mlp``'s model, with its current weights."""
    t = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    with torch.no_grad():
        for p, q in zip(t.parameters(), m.parameters()):
            p.copy_(torch.from_numpy(q.detach().cpu().numpy()))
    return t


def _groups(opt, m):
    if opt == "sgd":
        return [{"params": list(m.parameters())}]
    # Adam: amsgrad with L2 weight decay on one layer, decoupled weight decay (AdamW) on the other.
    return [{"params": list(m[0].parameters()), "amsgrad": True, "weight_decay": 0.1},
            {"params": list(m[2].parameters()), "decoupled_weight_decay": True, "weight_decay": 0.1}]


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_mlp_training_steps_match(opt):
    # Two steps on CUDA against the same steps in PyTorch (whose CPU steps the host ones match:
    # tests/test_optim.py); SGD also against tensorjit's fused CPU step.
    kw = {"sgd": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), "adam": dict(lr=0.01)}[opt]
    name = {"sgd": "SGD", "adam": "Adam"}[opt]
    rng = np.random.default_rng(1)
    xs, ys = rng.standard_normal((6, 4)).astype(np.float32), rng.standard_normal((6, 3)).astype(np.float32)
    runs = [("cuda", _mlp("cuda"))] + ([("cpu", _mlp("cpu"))] if opt == "sgd" else [])
    tm = _torch_mlp(runs[0][1])
    res = {}
    for dev, m in runs + [("torch", tm)]:
        lib = torch if dev == "torch" else tj
        o = getattr(lib.optim, name)(_groups(opt, m), **kw)
        x, y = (torch.from_numpy(xs), torch.from_numpy(ys)) if dev == "torch" else \
            (tj.tensor(xs, device=dev), tj.tensor(ys, device=dev))
        losses = []
        for _ in range(2):
            o.zero_grad()
            loss = lib.nn.MSELoss()(m(x), y)
            loss.backward()
            o.step()
            losses.append(loss.item())
        if dev != "torch":
            assert all(p.is_cuda == (dev == "cuda") for p in m.parameters())
            assert all(s.is_cuda == (dev == "cuda") for st in o.state.values() for k, s in st.items()
                       if k != "step")
        res[dev] = (losses, [p.detach().cpu().numpy() for p in m.parameters()])
    for dev in res:
        np.testing.assert_allclose(res["cuda"][0], res[dev][0], rtol=1e-5)
        for a, b in zip(res["cuda"][1], res[dev][1]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert res["cuda"][0][-1] < res["cuda"][0][0]


def test_optimizer_without_cuda_step_refuses():
    p = tj.zeros(2, device="cuda", requires_grad=True)
    with pytest.raises(NotImplementedError, match="RMSprop: parameters on cuda:0 are not supported"):
        tj.optim.RMSprop([p])


def test_step_bumps_parameter_version():
    p = tj.ones(2, device="cuda", requires_grad=True)
    o = tj.optim.SGD([p], lr=0.5)
    y = p * p
    p.grad = tj.ones(2, device="cuda")
    v = p._version
    o.step()
    assert p._version > v and p.tolist() == [0.5, 0.5]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_parameter_data_assignment_on_the_same_device():
    # PyTorch's ``p.data = t``: allowed between tensors of one device, refused across devices.
    p = tj.nn.Parameter(tj.ones(2).cuda())
    p.data = tj.zeros(2).cuda()
    assert p.is_cuda and p.requires_grad and p.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="another device"):
        p.data = tj.zeros(2)


def test_flip_and_the_cumsum_gradient_run_on_the_device():
    a = _values((3, 4), 41)
    c = tj.tensor(a).cuda()
    for dims in ((0,), (1,), (0, 1), ()):
        r = c.flip(dims)
        assert r.is_cuda and r.cpu().tolist() == np.flip(a, dims).tolist()
    (x,), (xc,) = _leaves([a], "cpu"), _leaves([a], "cuda")
    w = _values((3, 4), 42)
    (x.cumsum(1) * tj.tensor(w)).sum().backward()
    (xc.cumsum(1) * tj.tensor(w).cuda()).sum().backward()
    assert xc.grad.is_cuda and np.allclose(xc.grad.cpu().numpy(), x.grad.numpy())

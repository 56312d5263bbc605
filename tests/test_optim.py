"""Optimizers against torch.optim: the same parameters and gradient sequence, step by step.

Compile budget: one fused kernel per optimizer and real dtype (float32, float64); the layout
sweep (transposed, sliced, expanded gradients, 0-d, empty, complex parameters) shares them.
"""
import importlib
import warnings

import numpy as np
import pytest

import tensorjit as tj
from tensorjit import _rows

torch = pytest.importorskip("torch", reason="optimizers are checked against torch.optim")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.6), weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, decoupled_weight_decay=True, weight_decay=0.2)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, amsgrad=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.3, momentum=0.5, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.2, initial_accumulator_value=0.3, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in CONFIGS]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}
SHAPES = [(3, 4), (5,), (), (0, 3), (2, 2, 3)]


def _pair(arr):
    """A (torch, tensorjit) pair of leaf parameters holding copies of ``arr``."""
    return (torch.nn.Parameter(torch.from_numpy(arr.copy())),
            tj.from_numpy(arr.copy()).requires_grad_())


def _run(name, kw, dtype, steps=12, shapes=SHAPES, seed=0, grad_layout=None, skip=None):
    """Step torch and tensorjit optimizers with the same gradients; returns both param lists."""
    rng = np.random.default_rng(seed)
    pairs = [_pair(rng.standard_normal(s).astype(dtype)) for s in shapes]
    pt, pj = [p for p, _ in pairs], [p for _, p in pairs]
    ot, oj = getattr(torch.optim, name)(pt, **kw), getattr(tj.optim, name)(pj, **kw)
    for step in range(steps):
        for k, (a, b) in enumerate(pairs):
            if skip is not None and skip(step, k):
                a.grad = b.grad = None      # no gradient this step: the parameter is left alone
                continue
            g = rng.standard_normal(a.shape).astype(dtype)
            a.grad = torch.from_numpy(g.copy())
            b.grad = grad_layout(g) if grad_layout else tj.from_numpy(g.copy())
        ot.step()
        oj.step()
    return ot, oj, pt, pj


def _close(a, b, dtype):
    np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_matches_torch(name, kw, dtype):
    ot, oj, pt, pj = _run(name, kw, dtype)
    for a, b in zip(pt, pj):
        assert b.dtype == getattr(tj, np.dtype(dtype).name) and tuple(b.shape) == tuple(a.shape)
        _close(a, b, dtype)
    # Same state, under the same keys, as torch's.
    st, sj = ot.state_dict(), oj.state_dict()
    assert sorted(st["state"]) == sorted(sj["state"])
    for k in st["state"]:
        assert sorted(st["state"][k]) == sorted(sj["state"][k])
        for key, v in st["state"][k].items():
            w = sj["state"][k][key]
            assert str(w.dtype).split(".")[-1] == str(v.dtype).split(".")[-1], key
            assert tuple(w.shape) == tuple(v.shape), key
            np.testing.assert_allclose(w.numpy(), v.numpy(), **TOL[dtype])
    assert st["param_groups"] == sj["param_groups"]


@pytest.mark.parametrize("name,kw", [CONFIGS[1], CONFIGS[4], CONFIGS[9], CONFIGS[12]],
                         ids=[IDS[1], IDS[4], IDS[9], IDS[12]])
def test_sparse_steps_and_odd_layouts(name, kw):
    # Parameters that are transposed or strided views, gradients that are transposed,
    # negative-stride or expanded (stride 0), and parameters skipped on some steps.
    rng = np.random.default_rng(1)
    base = rng.standard_normal((6, 8)).astype(np.float32)
    pt = [torch.nn.Parameter(torch.from_numpy(base.copy())), torch.nn.Parameter(torch.randn(4, 5)),
          torch.nn.Parameter(torch.randn(7))]
    jt_base = tj.from_numpy(base.copy())
    pj = [jt_base.t().contiguous().t().requires_grad_(),           # transposed storage
          tj.from_numpy(pt[1].detach().numpy().copy()).requires_grad_(),
          tj.from_numpy(np.repeat(pt[2].detach().numpy(), 2)).view(7, 2)[:, 0].requires_grad_()]  # stride 2
    assert not pj[0].is_contiguous() and not pj[2].is_contiguous()
    np.testing.assert_array_equal(pj[2].detach().numpy(), pt[2].detach().numpy())
    ot, oj = getattr(torch.optim, name)(pt, **kw), getattr(tj.optim, name)(pj, **kw)
    layouts = [lambda g: tj.from_numpy(np.ascontiguousarray(g.T)).t(),
               lambda g: tj.from_numpy(g[::-1].copy())[::-1],
               lambda g: tj.from_numpy(g[:1].copy()).expand(7)]
    for step in range(10):
        for k, (a, b) in enumerate(zip(pt, pj)):
            if (step + k) % 4 == 3:
                a.grad = b.grad = None
                continue
            g = rng.standard_normal(a.shape).astype(np.float32)
            if k == 2:
                g[:] = g[0]
            a.grad = torch.from_numpy(g.copy())
            b.grad = layouts[k](g)
        ot.step()
        oj.step()
    for a, b in zip(pt, pj):
        _close(a, b, np.float32)
    # The strided parameter was updated in place: its storage's other elements are untouched.
    assert pj[0].stride() == (1, 6) and pj[2].stride() == (2,)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_and_inf_gradients(dtype):
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30], dtype)

    def layout(g):
        g = g.copy()
        if g.shape == (3, 4):
            g.reshape(-1)[:6] = specials
        return tj.from_numpy(g)

    for name, kw in [CONFIGS[2], CONFIGS[5], CONFIGS[10], CONFIGS[12]]:
        rng = np.random.default_rng(2)
        pairs = [_pair(rng.standard_normal(s).astype(dtype)) for s in [(3, 4), (5,)]]
        ot = getattr(torch.optim, name)([a for a, _ in pairs], **kw)
        oj = getattr(tj.optim, name)([b for _, b in pairs], **kw)
        for _ in range(3):
            for a, b in pairs:
                g = rng.standard_normal(a.shape).astype(dtype)
                if g.shape == (3, 4):
                    g.reshape(-1)[:6] = specials
                a.grad, b.grad = torch.from_numpy(g), layout(g)
            ot.step()
            oj.step()
        for a, b in pairs:
            np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), equal_nan=True, **TOL[dtype])


def test_complex_parameters_step_as_their_real_view():
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))).astype(np.complex64)
    for name, kw in [CONFIGS[1], CONFIGS[4], CONFIGS[9], CONFIGS[12]]:
        a, b = _pair(z)
        ot, oj = getattr(torch.optim, name)([a], **kw), getattr(tj.optim, name)([b], **kw)
        for _ in range(5):
            g = (rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))).astype(np.complex64)
            a.grad, b.grad = torch.from_numpy(g.copy()), tj.from_numpy(g.copy())
            ot.step()
            oj.step()
        assert b.dtype == tj.complex64
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=2e-5, atol=2e-6)


def test_large_parameters_take_the_parallel_kernel(monkeypatch):
    # More elements than the parallel threshold, split into chunks that cross parameters.
    from tensorjit import _dispatch
    from tensorjit.optim import _fused
    monkeypatch.setattr(_fused, "CHUNK", 1 << 14)
    if _dispatch.get_num_threads() < 2:
        pytest.skip("the parallel kernel runs only with two or more threads")
    shapes = [(_dispatch.PARALLEL_THRESHOLD + 123,), (300, 7), ()]
    calls = []
    mod = _rows.kernels("optim")
    real = mod.adam_par
    monkeypatch.setattr(mod, "adam_par", lambda *a: (calls.append(1), real(*a))[1])
    ot, oj, pt, pj = _run("Adam", dict(lr=0.01, amsgrad=True), np.float32, steps=3, shapes=shapes)
    assert len(calls) == 3
    for a, b in zip(pt, pj):
        _close(a, b, np.float32)


def test_one_kernel_call_per_step_and_dtype(monkeypatch):
    mod = _rows.kernels("optim")
    calls = []
    real = mod.adam
    monkeypatch.setattr(mod, "adam", lambda *a: (calls.append(a[-1].dtype), real(*a))[1])
    ps = [tj.ones(3, requires_grad=True), tj.ones(4, 2, requires_grad=True),
          tj.ones(2, dtype=tj.float64, requires_grad=True), tj.ones(5, requires_grad=True)]
    opt = tj.optim.Adam([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.1}])
    for p in ps:
        p.grad = tj.ones(p.shape, dtype=p.dtype)
    opt.step()
    assert sorted(map(str, calls)) == ["float32", "float64"]
    calls.clear()
    opt.zero_grad()
    opt.step()      # no gradients: nothing to launch
    assert calls == []


def test_param_groups_and_add_param_group():
    rng = np.random.default_rng(4)
    pairs = [_pair(rng.standard_normal(3).astype(np.float32)) for _ in range(3)]
    t_groups = [{"params": [pairs[0][0]]}, {"params": [pairs[1][0]], "lr": 0.5, "momentum": 0.5}]
    j_groups = [{"params": [pairs[0][1]]}, {"params": [pairs[1][1]], "lr": 0.5, "momentum": 0.5}]
    ot, oj = torch.optim.SGD(t_groups, lr=0.1), tj.optim.SGD(j_groups, lr=0.1)
    ot.add_param_group({"params": pairs[2][0], "lr": 0.01})
    oj.add_param_group({"params": pairs[2][1], "lr": 0.01})
    assert [{k: v for k, v in g.items() if k != "params"} for g in oj.param_groups] == \
        [{k: v for k, v in g.items() if k != "params"} for g in ot.param_groups]
    assert repr(oj) == repr(ot)
    for _ in range(4):
        for a, b in pairs:
            g = rng.standard_normal(3).astype(np.float32)
            a.grad, b.grad = torch.from_numpy(g.copy()), tj.from_numpy(g.copy())
        ot.step()
        oj.step()
    for a, b in pairs:
        _close(a, b, np.float32)


def test_zero_grad():
    w = tj.ones(3, requires_grad=True)
    opt = tj.optim.SGD([w], lr=0.1)
    w.grad = tj.ones(3)
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and w.grad.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_closure_is_called_once_with_grad_enabled():
    w = tj.tensor([1.0, 2.0], requires_grad=True)
    opt = tj.optim.SGD([w], lr=0.1)
    seen = []

    def closure():
        # What a closure does: recompute the loss and its gradient (here d(w.w)/dw by hand).
        seen.append(tj.is_grad_enabled())
        opt.zero_grad()
        w.grad = w.detach() * 2
        return tj.tensor(5.0)

    with tj.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and loss.item() == 5.0
    assert w.detach().tolist() == pytest.approx([0.8, 1.6])


def test_state_dict_round_trip(tmp_path):
    rng = np.random.default_rng(5)
    grads = [[rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (2,)]] for _ in range(8)]
    for name, kw in [CONFIGS[1], CONFIGS[4], CONFIGS[9], CONFIGS[12]]:
        ps = [tj.from_numpy(rng.standard_normal(s).astype(np.float32)).requires_grad_() for s in [(4, 3), (2,)]]
        qs = [p.detach().clone().requires_grad_() for p in ps]
        a = getattr(tj.optim, name)(ps, **kw)
        for gs in grads[:4]:
            for p, g in zip(ps, gs):
                p.grad = tj.from_numpy(g.copy())
            a.step()
        for p, q in zip(ps, qs):
            q.detach().copy_(p.detach())
        tj.save(a.state_dict(), str(tmp_path / "opt.tj"))
        b = getattr(tj.optim, name)(qs, lr=123.0)   # the loaded groups replace these
        b.load_state_dict(tj.load(str(tmp_path / "opt.tj")))
        assert b.param_groups[0]["lr"] == kw.get("lr", a.defaults["lr"])
        assert b.param_groups[0]["params"][0] is qs[0]
        for gs in grads[4:]:
            for p, q, g in zip(ps, qs, gs):
                p.grad, q.grad = tj.from_numpy(g.copy()), tj.from_numpy(g.copy())
            a.step()
            b.step()
        for p, q in zip(ps, qs):
            np.testing.assert_array_equal(q.detach().numpy(), p.detach().numpy())


def test_load_state_dict_casts_buffers_to_the_parameter_dtype():
    p = tj.ones(3, dtype=tj.float64, requires_grad=True)
    opt = tj.optim.Adam([p])
    p.grad = tj.ones(3, dtype=tj.float64)
    opt.step()
    q = tj.ones(3, requires_grad=True)
    opt2 = tj.optim.Adam([q])
    opt2.load_state_dict(opt.state_dict())
    st = opt2.state[q]
    assert st["exp_avg"].dtype == tj.float32 and st["step"].dtype == tj.float32
    q.grad = tj.ones(3)
    opt2.step()
    assert st["step"].item() == 2.0


def test_step_bumps_the_parameter_version():
    w = tj.tensor([1.0, 2.0], requires_grad=True)
    opt = tj.optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    w.grad = tj.ones(2)
    v = w._version
    opt.step()
    assert w._version > v
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def _errors(make):
    """(exception type, message) of ``make(torch)`` and ``make(tensorjit)``."""
    out = []
    for lib in (torch, tj):
        with pytest.raises(Exception) as e:
            make(lib)
        out.append((type(e.value), str(e.value)))
    return out


@pytest.mark.parametrize("case", [
    lambda lib, p: lib.optim.SGD([], lr=0.1),
    lambda lib, p: lib.optim.SGD(p, lr=0.1),
    lambda lib, p: lib.optim.SGD([1.0], lr=0.1),
    lambda lib, p: lib.optim.SGD([p * 2], lr=0.1),
    lambda lib, p: lib.optim.SGD([{"params": {p}}], lr=0.1),
    lambda lib, p: lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1),
    lambda lib, p: lib.optim.SGD([p], lr=0.1, nesterov=True),
    lambda lib, p: lib.optim.SGD([p], lr=-0.1),
    lambda lib, p: lib.optim.Adam([p], betas=(1.0, 0.9)),
    lambda lib, p: lib.optim.Adam([p], eps=-1.0),
    lambda lib, p: lib.optim.AdamW([p], weight_decay=-1.0),
    lambda lib, p: lib.optim.RMSprop([p], alpha=-1.0),
    lambda lib, p: lib.optim.Adagrad([p], lr_decay=-1.0),
    lambda lib, p: lib.optim.SGD([p], lr=0.1).load_state_dict({"state": {}, "param_groups": []}),
    lambda lib, p: lib.optim.SGD([p], lr=0.1).load_state_dict(
        {"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]}),
])
def test_errors_match_torch(case):
    pt, pj = _pair(np.ones(3, np.float32))
    (tt, tm), (jt, jm) = _errors(lambda lib: case(lib, pt if lib is torch else pj))
    assert jt is tt
    assert jm == tm.replace("torch.FloatTensor", "tensorjit.Tensor")


def test_duplicate_parameters_warn_like_torch():
    p = tj.ones(2, requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        tj.optim.SGD([p, p], lr=0.1)
    assert any("duplicate parameters" in str(x.message) for x in w)


def test_unsupported_parameter_dtypes_raise():
    with pytest.raises(TypeError, match="float16"):
        tj.optim.Adam([tj.ones(2, dtype=tj.float16, requires_grad=True)])
    with pytest.raises(NotImplementedError, match="differentiable"):
        tj.optim.Adam([tj.ones(2, requires_grad=True)], differentiable=True)
    a = np.ones(3, np.float32)
    a.flags.writeable = False
    with pytest.raises(RuntimeError, match="read-only"):
        tj.optim.SGD([tj.from_numpy(a).requires_grad_()], lr=0.1)
    with pytest.raises(RuntimeError, match="single memory location"):
        tj.optim.SGD([tj.ones(1).expand(3).requires_grad_()], lr=0.1)


def test_step_hooks_match_torch():
    log = {}
    for lib in (torch, tj):
        seen = log[lib.__name__] = []
        p = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.1)
        opt_mod = importlib.import_module(lib.__name__ + ".optim.optimizer")
        g_pre = opt_mod.register_optimizer_step_pre_hook(lambda o, a, k: seen.append(("gpre", len(a), dict(k))))
        g_post = opt_mod.register_optimizer_step_post_hook(lambda o, a, k: seen.append(("gpost", len(a))))

        def pre(o, args, kwargs):
            seen.append(("pre", args[0] is o, len(args)))
            return (o,), {"closure": lambda: 7.0}    # replaces the closure
        h1 = opt.register_step_pre_hook(pre)
        h2 = opt.register_step_post_hook(lambda o, a, k: seen.append(("post", sorted(k))))
        seen.append(("loss", opt.step()))
        h1.remove()
        h2.remove()
        g_pre.remove()
        g_post.remove()
        seen.append(("after", opt.step()))
        opt.register_step_pre_hook(lambda o, a, k: 3)
        with pytest.raises(RuntimeError) as e:
            opt.step()
        seen.append(("error", "must return None or a tuple" in str(e.value)))
    assert log["tensorjit"] == log["torch"]

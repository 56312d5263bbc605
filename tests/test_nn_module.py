"""``tensorjit.nn.Module`` semantics against ``torch.nn.Module``: registration, traversal order,
``state_dict``/``load_state_dict`` (strict errors, missing/unexpected keys), a round trip
through ``tensorjit.save``/``load`` giving identical outputs, modes, conversion, hooks,
containers, ``Parameter``, ``nn.init`` and ``nn.utils``.
"""
from __future__ import annotations

import copy
import io
import math

import numpy as np
import pytest

import tensorjit as tj
from test_nn_layers import close, copy_weights, rand

torch = pytest.importorskip("torch", reason="torch is the reference for tensorjit.nn")
nn = tj.nn


def both(build):
    """The same model built with torch.nn and tensorjit.nn (``build(lib)``)."""
    return build(torch), build(tj)


def small_net(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.BatchNorm1d(8),
                             lib.nn.ModuleDict({"drop": lib.nn.Dropout(0.2)}),
                             lib.nn.ModuleList([lib.nn.Linear(8, 8), lib.nn.Tanh()]), lib.nn.Linear(8, 3))


class Net:
    """A user module with parameters, a buffer, a shared submodule and a non-persistent buffer."""

    @staticmethod
    def build(lib):
        class NetImpl(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = lib.nn.Conv2d(1, 2, 3)
                self.fc = lib.nn.Linear(8, 2)
                self.shared = self.fc
                self.scale = lib.nn.Parameter(lib.ones(2))
                self.register_buffer("steps", lib.zeros(1))
                self.register_buffer("tmp", lib.zeros(1), persistent=False)
                self.register_parameter("unused", None)

            def forward(self, x):
                return self.fc(self.conv(x).flatten(1)) * self.scale
        return NetImpl()


def test_named_traversals_match_torch():
    tm, jm = both(Net.build)
    for meth in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(jm, meth)()] == [n for n, _ in getattr(tm, meth)()], meth
    assert [n for n, _ in jm.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in tm.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in jm.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in tm.named_parameters(prefix="m", recurse=False)]
    assert list(jm.state_dict()) == list(tm.state_dict())
    assert len(list(jm.parameters())) == len(list(tm.parameters()))
    assert [type(m).__name__ for m in jm.modules()] == [type(m).__name__ for m in tm.modules()]
    assert jm.get_submodule("fc") is jm.fc and jm.get_parameter("fc.bias") is jm.fc.bias
    tn, jn = both(small_net)
    assert list(jn.state_dict()) == list(tn.state_dict())
    assert repr(jn) == repr(tn)


def test_attribute_registration_rules():
    m = nn.Module()
    m.p = nn.Parameter(tj.zeros(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("b", tj.ones(1))
    assert list(m._parameters) == ["p"] and list(m._modules) == ["sub"] and list(m._buffers) == ["b"]
    m.b = tj.zeros(3)                      # assigning to a buffer name keeps it a buffer
    assert m._buffers["b"].shape == (3,)
    with pytest.raises(TypeError, match="cannot assign"):
        m.p = tj.zeros(2)                  # a plain tensor is not a Parameter
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("p", tj.zeros(1))
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", None)
    del m.p
    assert "p" not in m._parameters and not hasattr(m, "p")
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tj.zeros(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_parameter():
    t = tj.arange(4.0)
    p = nn.Parameter(t)
    assert isinstance(p, tj.Tensor) and p.requires_grad and p.is_leaf
    assert np.shares_memory(p.detach().numpy(), t.numpy())    # made without a copy
    assert repr(p) == repr(torch.nn.Parameter(torch.arange(4.0)))
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    assert not np.shares_memory(q.detach().numpy(), t.numpy())
    assert (p * 2).requires_grad and type(p * 2) is not nn.Parameter
    assert nn.Parameter().shape == (0,)


def test_state_dict_load_strict_errors_like_torch():
    tm, jm = both(small_net)
    for lib, m in ((torch, tm), (tj, jm)):
        sd = m.state_dict()
        sd["zz"] = lib.ones(1)
        sd["0.bias.extra"] = lib.ones(1)
        del sd["0.bias"]
        with pytest.raises(RuntimeError) as e:
            m.load_state_dict(sd)
        msgs = str(e.value)
        r = m.load_state_dict(sd, strict=False)
        if lib is torch:
            want_msg, want = msgs, r
        else:
            got_msg, got = msgs, r
    assert got_msg == want_msg
    assert got.missing_keys == want.missing_keys and got.unexpected_keys == want.unexpected_keys
    assert repr(jm.load_state_dict(jm.state_dict())) == "<All keys matched successfully>"
    sd = jm.state_dict()
    sd["0.weight"] = tj.zeros(3, 3)
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        jm.load_state_dict(sd)


def test_state_dict_shares_memory_and_is_detached():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    assert not sd["weight"].requires_grad
    assert np.shares_memory(sd["weight"].numpy(), m.weight.detach().numpy())
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_save_load_round_trip_gives_identical_outputs(tmp_path):
    tj.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(12, 5), nn.LayerNorm(5))
    x = tj.randn(4, 1, 6, 6)
    model(x)                                  # move the BatchNorm running statistics
    model.eval()
    path = tmp_path / "model.tj"
    tj.save(model.state_dict(), str(path))
    fresh = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(12, 5), nn.LayerNorm(5)).eval()
    assert not np.array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    fresh.load_state_dict(tj.load(str(path)))
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    assert int(fresh[1].num_batches_tracked) == 1
    buf = io.BytesIO()
    tj.save(model.state_dict(), buf)
    buf.seek(0)
    assert list(tj.load(buf)) == list(model.state_dict())


def callable_net(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.BatchNorm1d(8), lib.nn.Dropout(0.2),
                             lib.nn.Linear(8, 3), lib.nn.Tanh())


def test_torch_state_dict_loads_and_outputs_match():
    tm, jm = both(callable_net)
    copy_weights(tm, jm)
    tm.eval()
    jm.eval()
    x = rand((5, 4), "float32")
    close(jm(tj.tensor(x)), tm(torch.tensor(x)))


def test_train_eval_apply_to_and_zero_grad():
    m = callable_net(tj)
    assert m.training and all(c.training for c in m.modules())
    assert m.eval() is m and not any(c.training for c in m.modules())
    m.train()
    with pytest.raises(ValueError, match="boolean"):
        m.train("yes")
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    tseen = []
    callable_net(torch).apply(lambda mod: tseen.append(type(mod).__name__))
    assert seen == tseen
    w = m[0].weight
    m.to(tj.float64)
    assert m[0].weight is w and w.dtype == tj.float64 and m[2].running_mean.dtype == tj.float64
    assert m[2].num_batches_tracked.dtype == tj.int64      # integer buffers keep their dtype
    m.float()
    assert w.dtype == tj.float32 and w.requires_grad
    with pytest.raises(TypeError, match="floating point"):
        m.to(tj.int32)
    out = m(tj.randn(3, 4)).sum()
    out.backward()
    assert w.grad is not None
    m.zero_grad(set_to_none=False)
    assert w.grad is not None and not w.grad.any()
    m.zero_grad()
    assert w.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_forward_hooks():
    m = nn.Linear(3, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    h3 = m.register_forward_hook(lambda mod, args, kwargs, out: calls.append("kw"), with_kwargs=True,
                                 prepend=True)
    out = m(tj.ones(4, 3))
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(m.bias.detach().numpy() + 1, (4, 2)))
    assert calls == ["kw", (4, 2)]
    for h in (h1, h2, h3):
        h.remove()
    calls.clear()
    m(tj.ones(4, 3))
    assert calls == []


def test_backward_hooks_like_torch():
    seen = {}
    for lib in (torch, tj):
        lin = lib.nn.Linear(3, 2)
        with (torch.no_grad() if lib is torch else tj.no_grad()):
            lin.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float32))
        log = []
        lin.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", [g.tolist() for g in go])))
        lin.register_full_backward_hook(lambda mod, gi, go: (log.append(("full", [g.tolist() for g in gi])),
                                                             (gi[0] * 2,))[1])
        x = lib.ones(2, 3, requires_grad=True)
        (lin(x) * lib.tensor([1.0, 3.0])).sum().backward()
        seen[lib] = (log, x.grad.tolist())
    assert seen[tj] == seen[torch]


def test_containers():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[-1], nn.Linear) and isinstance(s[1:], nn.Sequential) and len(s[1:]) == 2
    s.append(nn.Sigmoid())
    assert list(s._modules) == ["0", "1", "2", "3"]
    del s[1]
    assert list(s._modules) == ["0", "1", "2"] and isinstance(s[1], nn.Linear)
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("a", nn.ReLU()), ("b", nn.Tanh())]))
    assert list(named._modules) == ["a", "b"] and named.b is named[1]
    ml = nn.ModuleList([nn.ReLU() for _ in range(3)])
    ml.append(nn.Tanh())
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "ReLU", "ReLU", "ReLU", "Tanh"]
    assert repr(ml) == repr(torch.nn.ModuleList([torch.nn.Identity()] + [torch.nn.ReLU() for _ in range(3)]
                                                + [torch.nn.Tanh()]))
    md = nn.ModuleDict({"x": nn.ReLU()})
    md["y"] = nn.Linear(1, 1)
    assert list(md.keys()) == ["x", "y"] and "y" in md and len(md) == 2
    assert [n for n, _ in md.named_parameters()] == ["y.weight", "y.bias"]
    pl = nn.ParameterList([nn.Parameter(tj.zeros(1)), tj.ones(2)])
    assert len(pl) == 2 and isinstance(pl[1], nn.Parameter)
    pd = nn.ParameterDict({"a": tj.zeros(1)})
    assert [n for n, _ in pd.named_parameters()] == ["a"]


# -- init -------------------------------------------------------------------------------------
def test_calculate_gain_and_fans_match_torch():
    for nl, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                      ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert nn.init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)
    with pytest.raises(ValueError):
        nn.init.calculate_gain("foo")
    for shape in [(3, 4), (5, 2, 3, 3), (2, 6, 4)]:
        assert nn.init._calculate_fan_in_and_fan_out(tj.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def _bound_and_std(t):
    a = t.detach().numpy().astype(np.float64)
    return np.abs(a).max(), a.std(), a.mean()


@pytest.mark.parametrize("fn,kw,kind,scale", [
    ("uniform_", dict(a=-2.0, b=2.0), "uniform", 2.0), ("normal_", dict(mean=0.0, std=0.5), "normal", 0.5),
    ("xavier_uniform_", dict(gain=2.0), "uniform", 2.0 * math.sqrt(6 / (200 + 300))),
    ("xavier_normal_", {}, "normal", math.sqrt(2 / (200 + 300))),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), "uniform", math.sqrt(6 / (1 + 5)) / math.sqrt(200)),
    ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu"), "normal", math.sqrt(2) / math.sqrt(300)),
    ("trunc_normal_", dict(std=1.0, a=-1.0, b=1.0), "trunc", 1.0)])
def test_init_distributions(fn, kw, kind, scale):
    t = getattr(nn.init, fn)(tj.empty(300, 200), **kw)
    bound, std, mean = _bound_and_std(t)
    if kind == "uniform":
        assert bound <= scale and bound > 0.99 * scale
        assert abs(std - scale / math.sqrt(3)) < 0.02 * scale
    elif kind == "normal":
        assert abs(std - scale) < 0.02 * scale
    else:
        assert bound <= 1.0 and abs(std - 0.5379) < 0.02      # std of N(0,1) truncated to [-1, 1]
    assert abs(mean) < 0.02 * scale


def test_init_constant_eye_dirac_orthogonal():
    t = tj.empty(3, 4)
    assert nn.init.constant_(t, 0.5) is t and (t == 0.5).all()
    assert not nn.init.zeros_(t).any() and nn.init.ones_(t).all()
    close(nn.init.eye_(tj.empty(3, 4)), torch.nn.init.eye_(torch.empty(3, 4)))
    close(nn.init.dirac_(tj.empty(4, 2, 3, 3), groups=2), torch.nn.init.dirac_(torch.empty(4, 2, 3, 3), groups=2))
    for shape in [(5, 3), (3, 5), (4, 2, 2)]:
        q = nn.init.orthogonal_(tj.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1).astype(np.float64)
        gram = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(gram, 4 * np.eye(gram.shape[0]), atol=1e-5)
    g = tj.Generator().manual_seed(3)
    a = nn.init.normal_(tj.empty(5), generator=g).tolist()
    assert a == nn.init.normal_(tj.empty(5), generator=g.manual_seed(3)).tolist()
    x = nn.Parameter(tj.zeros(3))
    nn.init.uniform_(x)          # in place on a leaf that requires grad: under no_grad
    assert x.requires_grad and x.is_leaf and x.any()


def test_default_layer_inits_follow_torch_formulas():
    tj.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)    # kaiming_uniform(a=sqrt(5)) gives the same bound as the bias
    for p in (lin.weight, lin.bias):
        b, std, _ = _bound_and_std(p)
        assert b <= bound and b > 0.95 * bound and abs(std - bound / math.sqrt(3)) < 0.05 * bound
    conv = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    b, std, _ = _bound_and_std(conv.weight)
    assert b <= bound and b > 0.95 * bound
    emb = nn.Embedding(300, 200)
    assert abs(_bound_and_std(emb.weight)[1] - 1) < 0.02
    mha = nn.MultiheadAttention(16, 4)
    assert not mha.in_proj_bias.any() and not mha.out_proj.bias.any()
    b, _, _ = _bound_and_std(mha.in_proj_weight)
    assert b <= math.sqrt(6 / (16 + 48))


# -- utils ------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm(norm_type):
    grads = [rand((3, 4), "float32"), rand((5,), "float32", 1) * 10]
    out = {}
    for lib in (torch, tj):
        ps = [lib.nn.Parameter(lib.zeros(*g.shape)) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = lib.tensor(g)
        total = lib.nn.utils.clip_grad_norm_(ps, 1.5, norm_type=norm_type)
        out[lib] = (float(total), [p.grad.numpy().copy() for p in ps])
    assert out[tj][0] == pytest.approx(out[torch][0], rel=1e-5)
    for a, b in zip(out[tj][1], out[torch][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    p = nn.Parameter(tj.zeros(2))
    p.grad = tj.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_and_vectors():
    p = nn.Parameter(tj.zeros(3))
    p.grad = tj.tensor([-3.0, 0.5, 2.0])
    nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0]
    m = nn.Linear(2, 3)
    v = nn.utils.parameters_to_vector(m.parameters())
    assert tuple(v.shape) == (9,)
    nn.utils.vector_to_parameters(tj.arange(9.0), m.parameters())
    assert m.weight.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]] and m.bias.tolist() == [6.0, 7.0, 8.0]

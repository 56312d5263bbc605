"""Learning-rate schedules against torch.optim.lr_scheduler: the same sequences of rates (and
of momenta, for OneCycleLR), compared exactly, over many steps and two parameter groups.

No kernel compiles here: the optimizers step parameters that have no gradient.
"""
import warnings

import numpy as np
import pytest

import tensorjit as tj

torch = pytest.importorskip("torch", reason="schedules are checked against torch.optim.lr_scheduler")


def _opts(opt="SGD", **kw):
    """torch and tensorjit optimizers over two groups with different rates."""
    out = []
    for lib in (torch, tj):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        out.append(getattr(lib.optim, opt)([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1, **kw))
    return out


def _sequences(make, opt="SGD", steps=60, opt_kw=None, metrics=None, keys=("lr",)):
    seqs = []
    for o in _opts(opt, **(opt_kw or {})):
        lib = torch if isinstance(o, torch.optim.Optimizer) else tj
        s = make(lib.optim.lr_scheduler, o)
        seq = [[tuple(g[k]) if isinstance(g[k], tuple) else g[k] for g in o.param_groups for k in keys]]
        for i in range(steps):
            o.step()
            if metrics is None:
                s.step()
            else:
                s.step(metrics[i])
            seq.append([tuple(g[k]) if isinstance(g[k], tuple) else g[k] for g in o.param_groups for k in keys])
            assert s.get_last_lr() == [g["lr"] for g in o.param_groups]
        seqs.append(seq)
    return seqs


CASES = {
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda e: 0.95 ** e + 0.01 * e),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.3),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 40], gamma=0.5),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=13, eta_min=0.001),
    "CosineAnnealingLR-zero-min": lambda m, o: m.CosineAnnealingLR(o, T_max=20),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.4, total_iters=9),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.05, end_factor=0.8, total_iters=17),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=40, power=2.5),
    "SequentialLR-warmup-cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20, eta_min=0.01),
            m.StepLR(o, 4, 0.5)], milestones=[5, 31]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler([m.ConstantLR(o, 0.5, 4), m.ExponentialLR(o, 0.97),
                                                         m.MultiStepLR(o, [10, 20])]),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=60),
    "OneCycleLR-linear-3phase": lambda m, o: m.OneCycleLR(o, max_lr=0.5, epochs=6, steps_per_epoch=10,
                                                          anneal_strategy="linear", three_phase=True,
                                                          pct_start=0.25),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lr_sequence_matches_torch(name):
    kw = {"momentum": 0.9} if name.startswith("OneCycle") else None
    keys = ("lr", "momentum") if name.startswith("OneCycle") else ("lr",)
    t, j = _sequences(CASES[name], opt_kw=kw, keys=keys)
    assert j == t


def test_one_cycle_cycles_adam_beta1():
    t, j = _sequences(lambda m, o: m.OneCycleLR(o, max_lr=0.01, total_steps=30), opt="Adam", steps=30,
                      keys=("lr", "betas"))
    assert j == t


@pytest.mark.parametrize("kw", [dict(), dict(mode="max", factor=0.5, patience=2, cooldown=3),
                                dict(threshold_mode="abs", threshold=0.05, patience=1, min_lr=[0.02, 0.05]),
                                dict(mode="max", threshold_mode="abs", patience=0, eps=0.01)])
def test_reduce_lr_on_plateau_matches_torch(kw):
    rng = np.random.default_rng(0)
    metrics = list(np.cumsum(rng.standard_normal(80)) * 0.1 + 5)
    t, j = _sequences(lambda m, o: m.ReduceLROnPlateau(o, **kw), steps=80, metrics=metrics)
    assert j == t


def test_closed_form_with_epoch_matches_torch():
    out = []
    for o in _opts():
        lib = torch if isinstance(o, torch.optim.Optimizer) else tj
        s = lib.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)
        o.step()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s.step(7)
        assert any("epoch parameter" in str(x.message) for x in w)
        out.append(s.get_last_lr())
    assert out[0] == out[1]


def test_scheduler_before_optimizer_step_warns():
    for o in _opts():
        lib = torch if isinstance(o, torch.optim.Optimizer) else tj
        s = lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.5)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s.step()
        assert any("before `optimizer.step()`" in str(x.message) for x in w), lib


def test_state_dict_resumes_the_schedule():
    o = _opts()[1]
    s = tj.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10)
    for _ in range(4):
        o.step()
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 4
    rest = []
    for _ in range(4):
        o.step()
        s.step()
        rest.append(s.get_last_lr())
    o2 = _opts()[1]
    o2.load_state_dict(o.state_dict())
    s2 = tj.optim.lr_scheduler.CosineAnnealingLR(o2, T_max=10, last_epoch=3)
    s2.load_state_dict(sd)
    for g, v in zip(o2.param_groups, sd["_last_lr"]):
        g["lr"] = v
    again = []
    for _ in range(4):
        o2.step()
        s2.step()
        again.append(s2.get_last_lr())
    assert again == rest


@pytest.mark.parametrize("make", [
    lambda m, o: m.StepLR("not an optimizer", 3),
    lambda m, o: m.ReduceLROnPlateau(o, factor=1.0),
    lambda m, o: m.ReduceLROnPlateau(o, mode="median"),
    lambda m, o: m.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda m, o: m.OneCycleLR(o, max_lr=1.0),
    lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=0),
    lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5),
    lambda m, o: m.OneCycleLR(o, max_lr=[1.0], total_steps=10),
    lambda m, o: m.LambdaLR(o, [lambda e: 1.0]),
    lambda m, o: m.StepLR(o, 3, last_epoch=5),
    lambda m, o: m.LinearLR(o, start_factor=0.0),
    lambda m, o: m.ConstantLR(o, factor=2.0),
    lambda m, o: m.SequentialLR(o, [], []),
    lambda m, o: m.SequentialLR(o, [m.ConstantLR(o)], [3]),
    lambda m, o: m.SequentialLR(o, [m.ReduceLROnPlateau(o), m.ConstantLR(o)], [3]),
    lambda m, o: m.ChainedScheduler([]),
])
def test_errors_match_torch(make):
    got = []
    for o in _opts():
        lib = torch if isinstance(o, torch.optim.Optimizer) else tj
        with pytest.raises(Exception) as e:
            make(lib.optim.lr_scheduler, o)
        got.append((type(e.value), str(e.value).split(".")[0]))
    assert got[0] == got[1]


def test_nested_state_dict_round_trip():
    sds = []
    for o in _opts():
        lib = torch if isinstance(o, torch.optim.Optimizer) else tj
        m = lib.optim.lr_scheduler

        def make():
            return m.SequentialLR(o, [m.LinearLR(o, 0.2, total_iters=3), m.ExponentialLR(o, 0.9)], milestones=[3])
        s = make()
        for _ in range(5):
            o.step()
            s.step()
        sd = s.state_dict()
        sds.append((sd["last_epoch"], [d["last_epoch"] for d in sd["_schedulers"]], sd["_last_lr"]))
        s2 = make()
        s2.load_state_dict(sd)
        assert s2.last_epoch == sd["last_epoch"]
        assert [x.last_epoch for x in s2._schedulers] == sds[-1][1]
    assert sds[0] == sds[1]


def test_one_cycle_past_total_steps_raises():
    o = _opts()[1]
    s = tj.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=3, cycle_momentum=False)
    for _ in range(3):
        o.step()
        s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        s.step()

"""Optimizer steps of CUDA parameters: one parameter at a time, with tensor ops.

Note [cuda optimizer step]
    The fused steps (Note [fused step] in tensorjit/optim/_fused.py) address host memory and
    so serve CPU parameters only. A CUDA parameter is stepped here instead, by the same update
    written with tensorjit ops on the device (each op one CUDA launch): the formulas and the
    hyperparameter rows ``hp``/``fl`` are those of kernels/cpu/optim.py, term for term, so a
    CUDA step agrees with the CPU one to rounding. This is several launches per parameter
    rather than one per dtype: correct first, to be replaced by a fused CUDA kernel generated
    from the same definitions. SGD and Adam/AdamW are written here; the other optimizers
    refuse CUDA parameters when they are added (``Optimizer.add_param_group``).
"""
from __future__ import annotations

from .. import _tensor
from .._tensor import Tensor

# Optimizers whose update this module writes (``FusedStep`` names).
NAMES = frozenset({"sgd", "adam"})


def step(name, p, g, states, hp, fl):
    """Update CUDA parameter ``p`` in place from gradient ``g`` and ``states`` (Note [cuda
    optimizer step]); bumps ``p``'s storage version as the fused steps do."""
    pp = Tensor.detach(p)
    g = Tensor.detach(g)
    if g._dtype is not p._dtype:
        g = g.to(p._dtype)
    if name == "sgd":
        _sgd(pp, g, states[0], hp, fl)
    elif name == "adam":
        _adam(pp, g, states, hp, fl)
    else:
        raise NotImplementedError(f"{name}: optimizer steps of CUDA parameters are not implemented")
    hook = _tensor.VERSION_HOOK[0]
    if hook is not None:
        hook(p)


def _sgd(p, g, b, hp, fl):
    # kernels/cpu/optim.py _sgd_range
    neg_lr, wd, mom, damp1 = hp
    maximize, has_mom, nesterov, first = fl
    gi = -g if maximize else g
    if wd != 0:
        gi = gi + wd * p
    if has_mom:
        bi = gi if first else b * mom + damp1 * gi
        b.copy_(bi)
        gi = gi + mom * bi if nesterov else bi
    p.copy_(p + neg_lr * gi)


def _adam(p, g, states, hp, fl):
    # kernels/cpu/optim.py _adam_range / _adam_ams
    w, omw, b2, omb2, wd, decay, bc2s, eps, nss, sgn = hp
    maximize, amsgrad, mode = fl
    m, v, vmax = states
    gi = g * (-sgn if maximize else sgn)
    pi = p
    if mode == 1:
        gi = gi + wd * pi
    elif mode == 2:
        pi = pi * decay
    mi = m + w * (gi - m) if abs(w) < 0.5 else gi - (gi - m) * omw
    m.copy_(mi)
    vi = v * b2 + omb2 * gi * gi
    v.copy_(vi)
    if amsgrad:
        from .. import maximum
        vi = maximum(vmax, vi)
        vmax.copy_(vi)
    p.copy_(pi + nss * (mi / (vi.sqrt() / bc2s + eps)))

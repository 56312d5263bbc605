"""Adagrad, with ``lr_decay``, ``initial_accumulator_value`` and ``maximize``."""
from __future__ import annotations

from .._creation import full, tensor
from .. import _dtypes
from ._fused import FusedStep
from .adam import _bump_step
from .optimizer import Optimizer, no_grad_step

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``: ``s += g * g``; ``p -= clr * g / (sqrt(s) + eps)``
    with ``clr = lr / (1 + (t - 1) * lr_decay)`` at step ``t``. State is created with the
    optimizer (``s`` starts at ``initial_accumulator_value``). One fused kernel call per step and
    dtype.

    >>> import tensorjit as tj
    >>> w = tj.tensor([1.0], requires_grad=True)
    >>> opt = tj.optim.Adagrad([w], lr=0.5)
    >>> w.grad = tj.tensor([4.0]); opt.step(); w.tolist()
    [0.5]
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if differentiable:
            raise NotImplementedError("Adagrad: differentiable=True is not supported")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        init = group["initial_accumulator_value"]
        state = self.state[p]
        state["step"] = tensor(0.0, dtype=_dtypes.float32)
        state["sum"] = full(p.shape, complex(init, init) if p.is_complex() else init, dtype=p.dtype)

    @no_grad_step
    def step(self, closure=None):
        """One Adagrad update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = self._closure(closure)
        run = FusedStep("adagrad")
        for group in self.param_groups:
            lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
            wd, eps = float(group["weight_decay"]), float(group["eps"])
            fl = (int(bool(group["maximize"])),)
            for p, g in self._grads(group, "Adagrad"):
                state = self.state[p]
                if not state:       # a group added after construction
                    self._init_state(p, group)
                t = _bump_step(state["step"])
                clr = lr / (1 + (t - 1) * lr_decay)
                run.add(p, g, (state["sum"],), (wd, eps, -clr), fl)
        run.run()
        return loss

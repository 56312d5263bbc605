"""SGD with momentum, dampening, Nesterov momentum, weight decay and ``maximize``."""
from __future__ import annotations

from .._creation import empty
from ._fused import FusedStep
from .optimizer import Optimizer, no_grad_step

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``: per parameter

    ``g = ±grad + weight_decay * p``; with momentum ``b = momentum * b + (1 - dampening) * g``
    (``b = g`` on the first step) and ``g = g + momentum * b`` (Nesterov) or ``g = b``;
    then ``p -= lr * g``. One fused kernel call per step and dtype.

    >>> import tensorjit as tj
    >>> w = tj.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = tj.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = tj.tensor([1.0, 1.0]); opt.step(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.71, 1.71]
    """

    _cuda_steps = True     # Note [cuda optimizer step] in tensorjit/optim/_device_step.py

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        if differentiable:
            raise NotImplementedError("SGD: differentiable=True is not supported")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    @no_grad_step
    def step(self, closure=None):
        """One SGD update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = self._closure(closure)
        run = FusedStep("sgd")
        for group in self.param_groups:
            lr, mom, wd = float(group["lr"]), float(group["momentum"]), float(group["weight_decay"])
            hp = (-lr, wd, mom, 1.0 - float(group["dampening"]))
            maximize, nesterov = int(bool(group["maximize"])), int(bool(group["nesterov"]))
            for p, g in self._grads(group, "SGD"):
                if mom != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    first = buf is None
                    if first:
                        buf = state["momentum_buffer"] = empty(p.shape, dtype=p.dtype, device=p.device)
                    run.add(p, g, (buf,), hp, (maximize, 1, nesterov, int(first)))
                else:
                    run.add(p, g, (None,), hp, (maximize, 0, 0, 0))
        run.run()
        return loss

"""RMSprop, centered and with momentum."""
from __future__ import annotations

from .._creation import tensor, zeros
from .. import _dtypes
from ._fused import FusedStep
from .adam import _bump_step
from .optimizer import Optimizer, no_grad_step

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``: ``v = alpha * v + (1 - alpha) * g * g``;
    ``centered``: ``a = lerp(a, g, 1 - alpha)`` and ``avg = sqrt(v - a * a) + eps``, else
    ``avg = sqrt(v) + eps``; with momentum ``b = momentum * b + g / avg`` and ``p -= lr * b``,
    else ``p -= lr * g / avg``. One fused kernel call per step and dtype.

    >>> import tensorjit as tj
    >>> w = tj.tensor([1.0], requires_grad=True)
    >>> opt = tj.optim.RMSprop([w], lr=0.01)
    >>> w.grad = tj.tensor([2.0]); opt.step(); round(w.item(), 4)
    0.9
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        if capturable or differentiable:
            raise NotImplementedError("RMSprop: capturable=True and differentiable=True are not supported")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @no_grad_step
    def step(self, closure=None):
        """One RMSprop update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = self._closure(closure)
        run = FusedStep("rmsprop")
        for group in self.param_groups:
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            wd, mom, centered = float(group["weight_decay"]), float(group["momentum"]), bool(group["centered"])
            w = 1 - alpha
            hp = (alpha, 1 - alpha, w, 1 - w, wd, eps, mom, -lr)
            fl = (int(bool(group["maximize"])), int(centered), int(mom > 0))
            for p, g in self._grads(group, "RMSprop"):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = tensor(0.0, dtype=_dtypes.float32)
                    state["square_avg"] = zeros(p.shape, dtype=p.dtype)
                    if mom > 0:
                        state["momentum_buffer"] = zeros(p.shape, dtype=p.dtype)
                    if centered:
                        state["grad_avg"] = zeros(p.shape, dtype=p.dtype)
                _bump_step(state["step"])
                run.add(p, g, (state["square_avg"], state["grad_avg"] if centered else None,
                               state["momentum_buffer"] if mom > 0 else None), hp, fl)
        run.run()
        return loss

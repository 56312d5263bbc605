"""Adam and AdamW (decoupled weight decay), with ``amsgrad`` and ``maximize``."""
from __future__ import annotations


from .._creation import zeros, tensor
from .. import _dtypes
from ._fused import FusedStep
from .optimizer import Optimizer, no_grad_step

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``: per parameter, with ``t`` its step count,

    ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g * g`` (``amsgrad``: the
    running maximum of ``v`` is used), ``p -= lr / (1 - beta1**t) * m / (sqrt(v) /
    sqrt(1 - beta2**t) + eps)``. ``weight_decay`` adds ``weight_decay * p`` to the gradient
    (``decoupled_weight_decay=True``, as AdamW: ``p *= 1 - lr * weight_decay`` first). One fused
    kernel call per step and dtype.

    >>> import tensorjit as tj
    >>> w = tj.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = tj.optim.Adam([w], lr=0.1)
    >>> w.grad = tj.tensor([3.0, -0.5]); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.9, -0.9]
    """

    _cuda_steps = True     # Note [cuda optimizer step] in tensorjit/optim/_device_step.py

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if capturable or differentiable:
            raise NotImplementedError(f"{type(self).__name__}: capturable=True and differentiable=True are "
                                      "not supported")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @no_grad_step
    def step(self, closure=None):
        """One Adam update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = self._closure(closure)
        run = FusedStep("adam")
        for group in self.param_groups:
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            amsgrad = bool(group["amsgrad"])
            mode = 0 if wd == 0 else 2 if group["decoupled_weight_decay"] else 1
            fl = (int(bool(group["maximize"])), int(amsgrad), mode)
            for p, g in self._grads(group, type(self).__name__):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = tensor(0.0, dtype=_dtypes.float32)
                    state["exp_avg"] = zeros(p.shape, dtype=p.dtype, device=p.device)
                    state["exp_avg_sq"] = zeros(p.shape, dtype=p.dtype, device=p.device)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros(p.shape, dtype=p.dtype, device=p.device)
                t = _bump_step(state["step"])
                # PyTorch's arithmetic: Python floats, rounded to the dtype by the kernel call.
                bc1 = 1 - beta1 ** t
                bc2 = 1 - beta2 ** t
                w = 1 - beta1
                hp = (w, 1 - w, beta2, 1 - beta2, wd, 1 - lr * wd, bc2 ** 0.5, eps, -(lr / bc1), 1.0)
                run.add(p, g, (state["exp_avg"], state["exp_avg_sq"],
                               state["max_exp_avg_sq"] if amsgrad else None), hp, fl)
        run.run()
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (``p *= 1 - lr * weight_decay`` before the update), as
    ``torch.optim.AdamW``; ``weight_decay`` defaults to 0.01.

    >>> import tensorjit as tj
    >>> w = tj.tensor([1.0], requires_grad=True)
    >>> opt = tj.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = tj.tensor([0.0]); opt.step(); w.tolist()
    [0.949999988079071]
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused, decoupled_weight_decay=True)


def _bump_step(step):
    """Add one to a 0-d step tensor in place; the new count as a Python float (PyTorch keeps
    ``state["step"]`` as a float32 tensor and reads it back with ``item()``)."""
    d = step._data
    d[step._offset] += 1
    return float(d[step._offset])

"""``tensorjit.nn.utils``: gradient clipping and parameter/vector conversion."""
from __future__ import annotations

import math

from .._tensor import Tensor
from ._graph import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector", "vector_to_parameters"]


def _tj():
    import tensorjit
    return tensorjit


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if getattr(p, "grad", None) is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type`` norm of the norms of ``tensors`` (as if concatenated)."""
    tj = _tj()
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return tj.tensor(0.0)
    with no_grad():
        if norm_type == math.inf:
            norms = [t.detach().abs().amax() for t in tensors]
            total = tj.stack([n.to(tensors[0].dtype) for n in norms]).amax()
        else:
            norms = [tj.linalg.vector_norm(t.detach(), norm_type) for t in tensors]
            total = tj.linalg.vector_norm(tj.stack([n.to(tensors[0].dtype) for n in norms]), norm_type)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` in place so their total norm is at most
    ``max_norm``; returns the total norm before clipping (a 0-d tensor).

    >>> import tensorjit as tj
    >>> p = tj.nn.Parameter(tj.zeros(2)); p.grad = tj.tensor([3., 4.])
    >>> tj.nn.utils.clip_grad_norm_([p], 1.0).item(), [round(v, 4) for v in p.grad.tolist()]
    (5.0, [0.6, 0.8])
    """
    grads = _grads(parameters)
    if not grads:
        return _tj().tensor(0.0)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    coef = float(max_norm) / (float(total) + 1e-6)
    if coef < 1:
        with no_grad():
            for g in grads:
                g.mul_(coef)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``.

    >>> import tensorjit as tj
    >>> p = tj.nn.Parameter(tj.zeros(2)); p.grad = tj.tensor([-3., 0.5])
    >>> tj.nn.utils.clip_grad_value_([p], 1.0); p.grad.tolist()
    [-1.0, 0.5]
    """
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """One flat vector of all ``parameters`` (concatenated in order)."""
    tj = _tj()
    return tj.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into ``parameters`` (in place)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    i = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[i:i + n].reshape(tuple(p.shape)))
            i += n



"""Losses: ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``, ``nll_loss``,
``cross_entropy``, ``binary_cross_entropy``, ``binary_cross_entropy_with_logits``, ``kl_div``.

``nll_loss`` and the class-index ``cross_entropy`` are one graph node each whose backward is
PyTorch's closed form (``softmax - one_hot``, weighted); so are the two binary cross
entropies, whose backward PyTorch also writes by hand (``(x - t) / max(x (1 - x), 1e-12)`` and
``sigmoid(x) - t``): composing them from ``log`` and ``clamp`` would give NaN gradients at 0
and 1. Their backwards are tensorjit ops, so they are twice differentiable, and give
``target`` PyTorch's gradient (``-logit(x)``; ``log(1 - sigmoid(x)) - pos_weight
log(sigmoid(x))``); ``weight`` and ``pos_weight`` requiring grad is an error, as in PyTorch.
``nll_loss``'s backward is NumPy for first-order gradients and tensorjit ops under
``create_graph=True``; its target has no gradient. The rest are compositions of tensorjit
ops. The class dim of an (N, C, d1, ...) input is moved last and the input seen as (M, C).
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtypes
from .._tensor import Tensor
from ._graph import apply, carr, grad_enabled, wrap

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]

_REDUCTIONS = ("none", "mean", "sum")


def _tj():
    import tensorjit
    return tensorjit


def _legacy(size_average, reduce, reduction):
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` flags to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "mean" if size_average and reduce else "sum" if reduce else "none"


def _reduce(loss, reduction, op):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _pair(op, input, target):
    for name, t in (("input", input), ("target", target)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target) ** 2``, reduced.

    >>> import tensorjit as tj
    >>> tj.nn.functional.mse_loss(tj.tensor([1., 3.]), tj.tensor([0., 1.])).item()
    2.5
    """
    _pair("mse_loss", input, target)
    reduction = _legacy(size_average, reduce, reduction)
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``, reduced.

    >>> import tensorjit as tj
    >>> tj.nn.functional.l1_loss(tj.tensor([1., 3.]), tj.tensor([0., 1.])).item()
    1.5
    """
    _pair("l1_loss", input, target)
    reduction = _legacy(size_average, reduce, reduction)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "l1_loss")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``).

    >>> import tensorjit as tj
    >>> tj.nn.functional.smooth_l1_loss(tj.tensor([0.5, 3.]), tj.tensor([0., 0.]), reduction="none").tolist()
    [0.125, 2.5]
    """
    _pair("smooth_l1_loss", input, target)
    reduction = _legacy(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    ad = d.abs()
    if beta == 0:
        return _reduce(ad, reduction, "smooth_l1_loss")
    loss = _tj().where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    >>> import tensorjit as tj
    >>> tj.nn.functional.huber_loss(tj.tensor([3.]), tj.tensor([0.]), delta=2.).item()
    4.0
    """
    _pair("huber_loss", input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = input - target
    ad = d.abs()
    loss = _tj().where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "huber_loss")


def _class_rows(op, input, target, weight, ignore_index, allow_prob=False):
    """Check a classification loss's arguments; returns ``(x2, t1, w, outer)``: the input as a
    C-contiguous (M, C) float array, targets (M,) int64, class weights (C,) or None and the
    shape of the non-class dims (the shape of an unreduced loss)."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{op}(): arguments 'input' and 'target' must be Tensors")
    if input.dtype.category != _dtypes.FLOAT:
        raise RuntimeError(f'{op}: "log_softmax" / "nll_loss" not implemented for \'{input.dtype}\'')
    nd = input.dim()
    if nd < 1:
        raise ValueError(f"{op}: Expected 1 or more dimensions (got {nd})")
    if target.dtype not in (_dtypes.int64, _dtypes.uint8, _dtypes.int32):
        raise RuntimeError(f"{op}: expected target dtype to be Long or Byte, but got {target.dtype}")
    if nd == 1:
        if target.dim() != 0:
            raise RuntimeError(f"{op}: 1D target tensor expected for a (C,) input only as a 0-d target, got "
                               f"target of shape {list(target.shape)}")
        outer = ()
    else:
        if input.shape[0] != (target.shape[0] if target.dim() else -1):
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0] if target.dim() else 0}).")
        outer = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != outer:
            raise RuntimeError(f"{op}: expected target size {list(outer)}, got {list(target.shape)}")
    C = input.shape[0 if nd == 1 else 1]
    if weight is not None and (weight.dim() != 1 or weight.shape[0] != C):
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {C} classes or no classes but got "
                           f"weight tensor of shape: {list(weight.shape)}")
    x = carr(input)
    x2 = (x[None] if nd == 1 else np.moveaxis(x, 1, -1)).reshape(-1, C)
    x2 = np.ascontiguousarray(x2)
    t1 = carr(target).astype(np.int64).reshape(-1)
    valid = t1 != ignore_index
    bad = valid & ((t1 < 0) | (t1 >= C))
    if bad.any():
        raise IndexError(f"Target {int(t1[bad][0])} is out of bounds.")
    w = carr(weight).astype(x2.dtype) if weight is not None else None
    return x2, t1, w, outer


def _rows_back(g2, input):
    """Undo ``_class_rows``' layout for a (M, C) gradient array."""
    nd = input.dim()
    if nd == 1:
        return g2.reshape(tuple(input.shape))
    shape = tuple(input.shape)
    g = g2.reshape((shape[0],) + shape[2:] + (shape[1],))
    return np.moveaxis(g, -1, 1)


def _coefs(t1, w, valid, reduction, dtype):
    """Per-row weights of the loss (0 for ignored rows) and the mean's divisor."""
    wt = np.zeros(t1.shape, dtype)
    tv = np.where(valid, t1, 0)
    wt[:] = np.where(valid, w[tv] if w is not None else 1, 0)
    total = wt.sum(dtype=np.float64) if reduction == "mean" else 1.0
    return wt, tv, total


class _NllLoss:
    """``nll_loss`` (``log_softmax`` first with ``softmax=True``: ``cross_entropy``) as one node."""
    node_name = "NllLoss"

    @staticmethod
    def forward(ctx, input, target, weight, ignore_index, reduction, softmax):
        x2, t1, w, outer = _class_rows("cross_entropy" if softmax else "nll_loss", input, target, weight,
                                       ignore_index)
        M = x2.shape[0]
        if softmax:
            # PyTorch's stable form: a row holding +inf, or only -inf, becomes NaN
            m = x2.max(1, keepdims=True) if x2.size else np.zeros((M, 1), x2.dtype)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                lse = np.log(np.exp(x2 - m).sum(1, keepdims=True)) + m
                x2 = x2 - lse
        valid = t1 != ignore_index
        wt, tv, total = _coefs(t1, w, valid, reduction, x2.dtype)
        picked = x2[np.arange(M), tv] if M else np.zeros(0, x2.dtype)
        with np.errstate(invalid="ignore"):
            losses = np.where(valid, -picked * wt, 0).astype(x2.dtype)
        if reduction == "none":
            out = losses.reshape(outer)
        elif reduction == "sum":
            out = np.asarray(losses.sum(dtype=np.float64), x2.dtype)
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.asarray(losses.sum(dtype=np.float64) / total, x2.dtype)
        ctx.rows, ctx.tv, ctx.wt, ctx.total, ctx.valid = x2, tv, wt, total, valid
        ctx.save_for_backward(input)
        ctx.reduction, ctx.softmax, ctx.input = reduction, softmax, (tuple(input.shape), input.dtype, input.dim())
        return wrap(out, input.dtype)

    @staticmethod
    def backward(ctx, grad):
        if grad_enabled():
            return _nll_backward_graph(ctx, grad)
        x2, tv, wt = ctx.rows, ctx.tv, ctx.wt
        M = x2.shape[0]
        g = carr(grad).reshape(-1) if ctx.reduction == "none" else np.full(M, float(carr(grad)), x2.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            # an ignored target gets no gradient at all (PyTorch skips it), even when no target
            # counts and the mean divides by zero
            coef = np.where(ctx.valid, g * wt / ctx.total if ctx.reduction == "mean" else g * wt, 0)
        coef = coef.astype(x2.dtype)
        if ctx.softmax:
            gx = np.exp(x2) * coef[:, None]
        else:
            gx = np.zeros_like(x2)
        if M:
            gx[np.arange(M), tv] -= coef
        shape, dtype, nd = ctx.input
        gx = _rows_back(gx, _Shape(shape))
        return wrap(gx, dtype), None, None, None, None, None


def _nll_backward_graph(ctx, grad):
    """``_NllLoss``'s backward in differentiable tensorjit ops, for ``create_graph=True``:
    ``(softmax(input) - one_hot(target)) * coef`` (``-one_hot(target) * coef`` for
    ``nll_loss``), ``coef`` the upstream gradient times the target's class weight over the
    mean's divisor. The first-order backward above computes the same on NumPy arrays."""
    input, = ctx.saved_tensors
    x2, tv, wt = ctx.rows, ctx.tv, ctx.wt
    shape, dtype, nd = ctx.input
    M, C = x2.shape
    onehot = np.zeros((M, C), x2.dtype)
    if M:
        onehot[np.arange(M), tv] = 1
    outer = (shape[0],) + shape[2:] if nd > 1 else ()
    with np.errstate(invalid="ignore", divide="ignore"):   # ignored targets: 0, as above
        w = np.where(ctx.valid, wt / ctx.total if ctx.reduction == "mean" else wt, 0)
    w = wrap(w.astype(x2.dtype).reshape(outer), dtype)
    coef = grad * w
    if nd > 1:
        coef = coef.unsqueeze(1)
    hot = wrap(_rows_back(onehot, _Shape(shape)), dtype)
    if ctx.softmax:
        from ._functional_act import softmax
        gx = (softmax(input, 1 if nd > 1 else 0) - hot) * coef
    else:
        gx = -hot * coef
    return gx, None, None, None, None, None


class _Shape:
    """Enough of a tensor for ``_rows_back``."""

    def __init__(self, shape):
        self.shape = shape

    def dim(self):
        return len(self.shape)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log likelihood of class ``target`` under log-probabilities ``input`` (N, C, ...),
    weighted by ``weight[target]``; ``'mean'`` divides by the total weight of the non-ignored
    targets.

    >>> import tensorjit as tj
    >>> tj.nn.functional.nll_loss(tj.tensor([[-1., -2.], [-3., -4.]]), tj.tensor([0, 1])).item()
    2.5
    """
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return apply(_NllLoss, input, target, weight, int(ignore_index), reduction, False)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross entropy of logits ``input`` (N, C, ...) against class indices or class
    probabilities ``target``, with PyTorch's ``weight``, ``ignore_index`` and
    ``label_smoothing``.

    >>> import tensorjit as tj
    >>> round(tj.nn.functional.cross_entropy(tj.tensor([[0., 0.]]), tj.tensor([1])).item(), 4)
    0.6931
    """
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError("cross_entropy(): arguments 'input' and 'target' must be Tensors")
    tj = _tj()
    cdim = 0 if input.dim() == 1 else 1
    C = input.shape[cdim] if input.dim() else 0
    if target.dtype.category == _dtypes.FLOAT:
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"cross_entropy: Expected target size {list(input.shape)}, got {list(target.shape)}")
        if ignore_index != -100:
            raise RuntimeError("ignore_index is not supported for floating point target")
        from ._functional_act import log_softmax
        logp = log_softmax(input, cdim)
        if weight is not None:
            logp = logp * weight.reshape((C,) + (1,) * (input.dim() - cdim - 1))
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / C
        loss = -(logp * target).sum(cdim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // C if C else 0) if input.numel() else loss.sum() / 0.0
        return _reduce(loss, reduction, "cross_entropy")
    nll = apply(_NllLoss, input, target, weight, int(ignore_index), reduction, True)
    if label_smoothing == 0:
        return nll
    from ._functional_act import log_softmax
    logp = log_softmax(input, cdim)
    keep = (target != ignore_index)
    if weight is not None:
        smooth = -(logp * weight.reshape((C,) + (1,) * (input.dim() - cdim - 1))).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    smooth = smooth * keep.to(smooth.dtype)
    if reduction == "mean":
        if weight is not None:
            safe = tj.where(keep, target, 0)
            denom = (weight[safe.reshape(-1)] * keep.reshape(-1).to(weight.dtype)).sum()
            smooth = smooth.sum() / denom
        else:
            smooth = smooth.sum() / keep.sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / C)


def _no_grad_arguments(op, **tensors):
    """PyTorch's error for a tensor argument the op has no derivative for (rather than a
    gradient silently missing)."""
    for name, t in tensors.items():
        if t is not None and getattr(t, "requires_grad", False) and grad_enabled():
            raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument '{name}'. "
                               "This input cannot have requires_grad True.")


class _Bce:
    node_name = "BinaryCrossEntropy"

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        tj = _tj()
        xa = carr(x)
        if xa.size and ((xa < 0) | (xa > 1)).any():
            raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
        lx = tj.clamp(tj.log(x), min=-100)
        l1x = tj.clamp(tj.log1p(-x), min=-100)
        loss = -(t * lx + (1 - t) * l1x)
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t, w)
        ctx.reduction = reduction
        return _reduce(loss, reduction, "binary_cross_entropy")

    @staticmethod
    def backward(ctx, g):
        # tensorjit ops: recorded under create_graph=True (the engine turns grad mode on), so
        # the second derivatives come from autograd; a plain backward records nothing
        x, t, w = ctx.saved_tensors
        tj = _tj()
        needs = ctx.needs_input_grad
        if w is not None:
            g = g * w
        if ctx.reduction == "mean":
            g = g / max(x.numel(), 1)
        gx = (x - t) / tj.clamp((1 - x) * x, min=1e-12) * g if needs[0] else None
        gt = -tj.logit(x) * g if needs[1] else None     # PyTorch's: not clamped as the loss is
        return gx, gt, None, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """``-(t log x + (1 - t) log(1 - x))`` for probabilities ``x`` (logs clamped at -100, as
    PyTorch's).

    >>> import tensorjit as tj
    >>> round(tj.nn.functional.binary_cross_entropy(tj.tensor([0.5]), tj.tensor([1.])).item(), 4)
    0.6931
    """
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError("binary_cross_entropy(): arguments 'input' and 'target' must be Tensors")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    _no_grad_arguments("binary_cross_entropy", weight=weight)
    return apply(_Bce, input, target, weight, reduction)


class _BceLogits:
    node_name = "BinaryCrossEntropyWithLogits"

    @staticmethod
    def forward(ctx, x, t, w, pw, reduction):
        tj = _tj()
        if pw is not None:
            lw = (pw - 1) * t + 1
            loss = (1 - t) * x + lw * (tj.log1p(tj.exp(-x.abs())) + tj.clamp(-x, min=0))
        else:
            mx = tj.clamp(-x, min=0)
            loss = (1 - t) * x + mx + tj.log(tj.exp(-mx) + tj.exp(-x - mx))
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, t, w, pw)
        ctx.reduction = reduction
        return _reduce(loss, reduction, "binary_cross_entropy_with_logits")

    @staticmethod
    def backward(ctx, g):
        # tensorjit ops, differentiable under create_graph=True as _Bce's; a gradient broadcast
        # by ``weight``/``pos_weight`` is summed back to its input's shape by the Function node
        x, t, w, pw = ctx.saved_tensors
        tj = _tj()
        needs = ctx.needs_input_grad
        if w is not None:
            g = g * w
        if ctx.reduction == "mean":
            g = g / max(x.numel(), 1)
        gx = gt = None
        if needs[0]:
            s = tj.sigmoid(x)
            if pw is not None:
                pt = pw * t
                gx = ((pt + 1 - t) * s - pt) * g
            else:
                gx = (s - t) * g
        if needs[1]:
            # d loss / d t = log(1 - sigmoid(x)) - pos_weight log(sigmoid(x)), PyTorch's
            if pw is not None:
                from ._functional_act import logsigmoid
                gt = (logsigmoid(-x) - pw * logsigmoid(x)) * g
            else:
                gt = -x * g
        return gx, gt, None, None, None


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably from logits, with an
    optional ``pos_weight`` on the positive term.

    >>> import tensorjit as tj
    >>> round(tj.nn.functional.binary_cross_entropy_with_logits(tj.tensor([0.]), tj.tensor([1.])).item(), 4)
    0.6931
    """
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError("binary_cross_entropy_with_logits(): arguments 'input' and 'target' must be Tensors")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _no_grad_arguments("binary_cross_entropy_with_logits", weight=weight, pos_weight=pos_weight)
    return apply(_BceLogits, input, target, weight, pos_weight, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence of ``target`` from log-probabilities ``input``
    (``target * (log target - input)``; ``log_target=True`` takes ``target`` as log-probabilities).
    ``reduction='batchmean'`` divides the sum by the batch size.

    >>> import tensorjit as tj
    >>> tj.nn.functional.kl_div(tj.tensor([0.]), tj.tensor([1.]), reduction="sum").item()
    0.0
    """
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    tj = _tj()
    if log_target:
        loss = tj.exp(target) * (target - input)
    else:
        loss = tj.xlogy(target, target) - target * input
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, reduction, "kl_div")

"""``linear``, ``bilinear``, ``embedding``, ``one_hot``, ``normalize`` and the normalisations
``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm``.

``embedding``, ``batch_norm`` and ``layer_norm`` are one graph node each (Note [nn
functions]): the first adds each output row's gradient into the weight row it came from,
skipping ``padding_idx``; the norms use PyTorch's closed-form backward (a composition would
record about ten nodes per call), on NumPy arrays for first-order gradients and in tensorjit
ops under ``create_graph=True``. The rest are compositions of differentiable tensorjit ops (matmul, mean, rsqrt ...).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtypes
from .._tensor import Tensor
from ._graph import apply, carr, grad_enabled, no_grad, wrap

__all__ = ["linear", "bilinear", "embedding", "one_hot", "normalize", "batch_norm", "layer_norm", "group_norm",
           "instance_norm"]


def _tj():
    import tensorjit
    return tensorjit


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``.

    >>> import tensorjit as tj
    >>> tj.nn.functional.linear(tj.ones(1, 2), tj.ones(3, 2), tj.zeros(3)).tolist()
    [[2.0, 2.0, 2.0]]
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("linear(): arguments 'input' and 'weight' must be Tensors")
    if input.dim() >= 1 and weight.dim() == 2 and input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1]) if input.dim() > 1 else 1
        raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    out = _tj().matmul(input, weight.t() if weight.dim() == 2 else weight)
    return out + bias if bias is not None else out


def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = x1 @ weight[o] @ x2 + bias[o]`` for ``weight`` (O, I1, I2).

    >>> import tensorjit as tj
    >>> tj.nn.functional.bilinear(tj.ones(1, 2), tj.ones(1, 3), tj.ones(4, 2, 3)).tolist()
    [[6.0, 6.0, 6.0, 6.0]]
    """
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear: weight must be 3-dimensional, got {list(weight.shape)}")
    O, I1, I2 = weight.shape
    if input1.shape[-1] != I1 or input2.shape[-1] != I2 or tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear: input1 {list(input1.shape)} and input2 {list(input2.shape)} do not match "
                           f"weight {list(weight.shape)}")
    # x1 @ (I1, O*I2) gives each output's row vector; its dot with x2 finishes the form.
    w2 = weight.permute(1, 0, 2).reshape(I1, O * I2)
    t = _tj().matmul(input1, w2).reshape(tuple(input1.shape[:-1]) + (O, I2))
    out = (t * input2.unsqueeze(-2)).sum(-1)
    return out + bias if bias is not None else out


class _Embedding:
    node_name = "Embedding"

    @staticmethod
    def forward(ctx, idx, weight, padding_idx):
        flat = idx.reshape(-1)
        if flat.dtype is not _dtypes.int64:
            flat = flat.to(_dtypes.int64)
        out = weight.index_select(0, flat).reshape(tuple(idx.shape) + (weight.shape[1],))
        ctx.idx, ctx.wshape, ctx.padding_idx = carr(flat), tuple(weight.shape), padding_idx
        return out

    @staticmethod
    def backward(ctx, grad):
        if grad_enabled():
            # create_graph=True: an index_add, recorded (its backward gathers the rows)
            g = grad.reshape(-1, ctx.wshape[1])
            if ctx.padding_idx is not None:
                g = g * wrap((ctx.idx != ctx.padding_idx).astype(g.dtype.np)[:, None], g.dtype)
            idx = wrap(ctx.idx, _dtypes.int64)
            return None, _tj().zeros(ctx.wshape, dtype=grad.dtype).index_add(0, idx, g), None
        g = carr(grad).reshape(-1, ctx.wshape[1])
        gw = np.zeros(ctx.wshape, g.dtype)
        np.add.at(gw, ctx.idx, g)
        if ctx.padding_idx is not None:
            gw[ctx.padding_idx] = 0
        return None, wrap(gw, grad.dtype), None


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer indices ``input``; the row at ``padding_idx``
    gets no gradient. ``max_norm`` renormalises the picked rows of ``weight`` in place first.

    >>> import tensorjit as tj
    >>> tj.nn.functional.embedding(tj.tensor([2, 0]), tj.arange(6.).view(3, 2)).tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    if sparse or scale_grad_by_freq:
        raise NotImplementedError("embedding: sparse gradients and scale_grad_by_freq are not supported")
    if input.dtype.category != _dtypes.INT:
        raise RuntimeError(f"embedding: Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {input.dtype} instead")
    n = weight.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= n
    ia = carr(input)
    if ia.size and (ia.min() < 0 or ia.max() >= n):
        raise IndexError("embedding: index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, np.unique(ia), max_norm, norm_type)
    return apply(_Embedding, input, weight, padding_idx)


def _renorm_rows(weight, rows, max_norm, norm_type):
    with no_grad():
        w = carr(weight)
        norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        new = (w[rows] * scale[:, None]).astype(w.dtype)
        for r, v in zip(rows, new):
            weight[int(r)] = wrap(v)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding with ``num_classes`` columns (``max + 1`` when -1).

    >>> import tensorjit as tj
    >>> tj.nn.functional.one_hot(tj.tensor([0, 2])).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    if tensor.dtype is not _dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = carr(tensor)
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size and (a.min() < 0 or a.max() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes." if a.size and a.min() >= 0 else
                           "Class values must be non-negative.")
    out = np.zeros(a.shape + (num_classes,), np.int64)
    np.put_along_axis(out, a[..., None], 1, axis=-1)
    return wrap(out, _dtypes.int64)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(norm_p(input, dim), eps)``.

    >>> import tensorjit as tj
    >>> tj.nn.functional.normalize(tj.tensor([[3., 4.]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    tj = _tj()
    if p == 2:
        norm = tj.sqrt((input * input).sum(dim, keepdim=True))
    elif p == 1:
        norm = input.abs().sum(dim, keepdim=True)
    else:
        norm = (input.abs() ** p).sum(dim, keepdim=True) ** (1.0 / p)
    r = input / tj.clamp(norm, min=eps)
    if out is not None:
        out.copy_(r)
        return out
    return r


def _stat_shape(x):
    return (1, x.shape[1]) + (1,) * (x.dim() - 2)


class _BatchNorm:
    """Batch normalisation of (N, C, L) arrays as one node; ``stats`` holds the per-channel mean
    and inverse std used (the batch's in training, whose dependence on ``x`` the backward
    includes, or the running ones)."""

    node_name = "NativeBatchNorm"

    @staticmethod
    def forward(ctx, x, w, b, stats):
        mean, invstd, training, shape, eps = stats
        xr = carr(x).reshape(shape)
        xhat = (xr - mean[:, None]) * invstd[:, None]
        out = xhat
        if w is not None:
            out = out * carr(w)[:, None]
        if b is not None:
            out = out + carr(b)[:, None]
        ctx.save_for_backward(x, w, b)
        ctx.xhat, ctx.invstd, ctx.training, ctx.xshape = xhat, invstd, training, tuple(x.shape)
        ctx.mean, ctx.eps = mean, eps
        return wrap(out.astype(xr.dtype, copy=False).reshape(tuple(x.shape)), x.dtype)

    @staticmethod
    def backward(ctx, grad):
        if grad_enabled():
            return _batch_norm_backward_graph(ctx, grad)
        _, w, b = ctx.saved_tensors
        xhat, invstd = ctx.xhat, ctx.invstd
        g = carr(grad).reshape(xhat.shape)
        gsum = g.sum((0, 2))
        gdot = (g * xhat).sum((0, 2))
        scale = invstd * (carr(w) if w is not None else 1)
        if ctx.training:
            m = xhat.shape[0] * xhat.shape[2]
            gx = (g - gsum[:, None] / m - xhat * (gdot / m)[:, None]) * scale[:, None]
        else:
            gx = g * scale[:, None]
        gw = wrap(gdot.astype(g.dtype), w.dtype) if w is not None else None
        gb = wrap(gsum.astype(g.dtype), b.dtype) if b is not None else None
        return wrap(gx.astype(g.dtype, copy=False).reshape(ctx.xshape), grad.dtype), gw, gb, None


def _batch_norm_backward_graph(ctx, grad):
    """``_BatchNorm``'s backward in differentiable tensorjit ops, for ``create_graph=True``: the
    same closed form, with the batch statistics recomputed from the saved input so that their
    dependence on it is recorded too (training); the running statistics are constants."""
    x, w, b = ctx.saved_tensors
    shape = ctx.xhat.shape
    C = shape[1]
    xr, g = x.reshape(shape), grad.reshape(shape)
    if ctx.training:
        d = xr - xr.mean((0, 2), keepdim=True)
        invstd = _tj().rsqrt((d * d).mean((0, 2), keepdim=True) + ctx.eps)
        xhat = d * invstd
    else:
        invstd = wrap(ctx.invstd.reshape(1, C, 1), x.dtype)
        xhat = (xr - wrap(ctx.mean.reshape(1, C, 1), x.dtype)) * invstd
    scale = invstd * w.reshape(1, C, 1) if w is not None else invstd
    if ctx.training:
        gx = (g - g.mean((0, 2), keepdim=True) - xhat * (g * xhat).mean((0, 2), keepdim=True)) * scale
    else:
        gx = g * scale
    needs = ctx.needs_input_grad
    gw = (g * xhat).sum((0, 2)) if w is not None and needs[1] else None
    gb = g.sum((0, 2)) if b is not None and needs[2] else None
    return gx.reshape(ctx.xshape), gw, gb, None


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) of ``input`` by its batch statistics (``training``; the
    running statistics are updated in place with ``momentum``, the variance unbiased) or by
    ``running_mean``/``running_var``. One graph node with PyTorch's closed-form backward.

    >>> import tensorjit as tj
    >>> x = tj.tensor([[1.], [3.]])
    >>> [round(v, 3) for v in tj.nn.functional.batch_norm(x, None, None, training=True).view(-1).tolist()]
    [-1.0, 1.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected 2D or more input (got {input.dim()}D input)")
    if input.dtype.category != _dtypes.FLOAT:
        raise RuntimeError(f'batch_norm: "batch_norm" not implemented for \'{input.dtype}\'')
    N, C = input.shape[:2]
    shape = (N, C, input.numel() // max(N * C, 1))
    if weight is None and bias is not None:
        weight = _tj().ones(C, dtype=input.dtype)   # keep the tensor arguments in order for the node
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"batch_norm: {name} should contain {C} elements not {t.numel()}")
    if training:
        n = shape[0] * shape[2]
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        xr = carr(input).reshape(shape)
        mean = xr.mean((0, 2), dtype=np.float64)
        var = ((xr - mean[:, None].astype(xr.dtype)) ** 2).mean((0, 2), dtype=np.float64)
        if running_mean is not None or running_var is not None:
            with no_grad():
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(wrap(mean) * momentum)
                if running_var is not None:
                    running_var.mul_(1 - momentum).add_(wrap(var) * (momentum * n / (n - 1)))
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
        mean, var = carr(running_mean).astype(np.float64), carr(running_var).astype(np.float64)
    dt = input.dtype.np
    invstd = (1.0 / np.sqrt(var + eps)).astype(dt)
    return apply(_BatchNorm, input, weight, bias, (mean.astype(dt), invstd, bool(training), shape, float(eps)))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) plane by its own statistics.

    >>> import tensorjit as tj
    >>> [round(v, 3) for v in tj.nn.functional.instance_norm(tj.tensor([[[1., 3.]]])).view(-1).tolist()]
    [-1.0, 1.0]
    """
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise NotImplementedError("instance_norm: running statistics are not supported")
    dims = tuple(range(2, input.dim()))
    mean = input.mean(dims, keepdim=True)
    d = input - mean
    out = d * _tj().rsqrt((d * d).mean(dims, keepdim=True) + eps)
    shape = _stat_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


class _LayerNorm:
    """Layer normalisation of (M, K) rows as one node (PyTorch's closed-form backward)."""

    node_name = "NativeLayerNorm"

    @staticmethod
    def forward(ctx, x, w, b, eps, k):
        xr = carr(x).reshape(-1, k)
        with np.errstate(all="ignore"):   # NaN and inf propagate silently, as in PyTorch
            mean = xr.mean(1, dtype=np.float64)
            var = ((xr - mean[:, None].astype(xr.dtype)) ** 2).mean(1, dtype=np.float64)
            invstd = (1.0 / np.sqrt(var + eps)).astype(xr.dtype)
            xhat = (xr - mean[:, None].astype(xr.dtype)) * invstd[:, None]
        out = xhat
        if w is not None:
            out = out * carr(w).reshape(-1)
        if b is not None:
            out = out + carr(b).reshape(-1)
        ctx.save_for_backward(x, w, b)
        ctx.xhat, ctx.invstd, ctx.xshape, ctx.eps = xhat, invstd, tuple(x.shape), eps
        return wrap(out.astype(xr.dtype, copy=False).reshape(tuple(x.shape)), x.dtype)

    @staticmethod
    def backward(ctx, grad):
        if grad_enabled():
            return _layer_norm_backward_graph(ctx, grad)
        _, w, b = ctx.saved_tensors
        xhat, invstd = ctx.xhat, ctx.invstd
        g = carr(grad).reshape(xhat.shape)
        gh = g * carr(w).reshape(-1) if w is not None else g
        with np.errstate(all="ignore"):
            gx = (gh - gh.mean(1, keepdims=True) - xhat * (gh * xhat).mean(1, keepdims=True)) * invstd[:, None]
        gw = wrap((g * xhat).sum(0).astype(g.dtype).reshape(tuple(w.shape)), w.dtype) if w is not None else None
        gb = wrap(g.sum(0).astype(g.dtype).reshape(tuple(b.shape)), b.dtype) if b is not None else None
        return wrap(gx.astype(g.dtype, copy=False).reshape(ctx.xshape), grad.dtype), gw, gb, None, None


def _layer_norm_backward_graph(ctx, grad):
    """``_LayerNorm``'s backward in differentiable tensorjit ops, for ``create_graph=True``: the
    same closed form, with each row's mean and inverse std recomputed from the saved input so
    that their dependence on it is recorded too."""
    x, w, b = ctx.saved_tensors
    shape = ctx.xhat.shape
    xr, g = x.reshape(shape), grad.reshape(shape)
    d = xr - xr.mean(1, keepdim=True)
    invstd = _tj().rsqrt((d * d).mean(1, keepdim=True) + ctx.eps)
    xhat = d * invstd
    gh = g * w.reshape(-1) if w is not None else g
    gx = (gh - gh.mean(1, keepdim=True) - xhat * (gh * xhat).mean(1, keepdim=True)) * invstd
    needs = ctx.needs_input_grad
    gw = (g * xhat).sum(0).reshape(tuple(w.shape)) if w is not None and needs[1] else None
    gb = g.sum(0).reshape(tuple(b.shape)) if b is not None and needs[2] else None
    return gx.reshape(ctx.xshape), gw, gb, None, None


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims (biased variance), then scale and
    shift elementwise. One graph node with PyTorch's closed-form backward.

    >>> import tensorjit as tj
    >>> [round(v, 3) for v in tj.nn.functional.layer_norm(tj.tensor([[1., 3.]]), (2,)).view(-1).tolist()]
    [-1.0, 1.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(normalized_shape)
    k = len(ns)
    if k == 0 or input.dim() < k or tuple(input.shape[-k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"layer_norm: Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(t.shape)} and normalized_shape = {list(ns)}")
    if input.dtype.category != _dtypes.FLOAT:
        raise RuntimeError(f'layer_norm: "LayerNormKernelImpl" not implemented for \'{input.dtype}\'')
    if weight is None and bias is not None:
        weight = _tj().ones(ns, dtype=input.dtype)   # keep the tensor arguments in order for the node
    return apply(_LayerNorm, input, weight, bias, float(eps), math.prod(ns))


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each group of ``C // num_groups`` channels of each sample together.

    >>> import tensorjit as tj
    >>> [round(v, 3) for v in tj.nn.functional.group_norm(tj.tensor([[1., 3.]]), 1).view(-1).tolist()]
    [-1.0, 1.0]
    """
    if input.dim() < 2 or input.shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    N, C = input.shape[:2]
    x = input.reshape(N, num_groups, -1)
    mean = x.mean(2, keepdim=True)
    d = x - mean
    out = (d * _tj().rsqrt((d * d).mean(2, keepdim=True) + eps)).reshape(tuple(input.shape))
    shape = _stat_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out

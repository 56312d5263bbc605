"""Pooling: ``max_pool1d/2d``, ``avg_pool1d/2d``, ``adaptive_avg_pool1d/2d``, through the kernels
of kernels/cpu/pool.py. Each pooling and each pooling's backward is a graph node whose
backward is the adjoint node (Note [nn functions]), so gradients of gradients work.

A (N, C, H, W) or (C, H, W) input is seen as N*C planes; output sizes follow PyTorch's
``pooling_output_shape`` (``ceil_mode`` drops a last window that would start in the padding).
"""
from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._dispatch import PARALLEL_THRESHOLD
from .._tensor import Tensor
from ._graph import apply, carr, wrap

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d"]

_FLOATS = (_dtypes.float32, _dtypes.float64)


def _kernels():
    from .. import _rows
    return _rows.kernels("pool")


def _pair(v, name, op, allow_none=False):
    if v is None and allow_none:
        return None
    if isinstance(v, int) and not isinstance(v, bool):
        return (v, v)
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * 2
    if len(v) != 2:
        raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of two ints")
    return v


def _check_input(op, x, dtype_name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    if x.dim() not in (3, 4) or any(n == 0 for n in x.shape[1 if x.dim() == 4 else 0:]):
        raise RuntimeError(f"{op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(x.shape)}")
    if x.dtype not in _FLOATS:
        raise NotImplementedError(f'"{dtype_name}" not implemented for \'{x.dtype}\' (float32 and float64 only)')


def _out(n, k, s, p, d, ceil):
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def _geometry(op, x, kernel_size, stride, padding, dilation, ceil_mode):
    k = _pair(kernel_size, "kernel_size", op)
    s = _pair(stride, "stride", op, allow_none=True) if stride is not None and stride != [] else k
    p = _pair(padding, "padding", op)
    d = _pair(dilation, "dilation", op)
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got kH: {k[0]} kW: {k[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{op}: stride should not be zero")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got dilationH: {d[0]} dilationW: {d[1]}")
    if any(pi < 0 or pi > ki // 2 for pi, ki in zip(p, k)):
        raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                           f"kernel_size={k} and dilation={d}")
    H, W = x.shape[-2:]
    oh, ow = _out(H, k[0], s[0], p[0], d[0], ceil_mode), _out(W, k[1], s[1], p[1], d[1], ceil_mode)
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"{op}: Given input size: ({'x'.join(map(str, x.shape[-3:]))}). Calculated output size: "
                           f"({x.shape[-3]}x{oh}x{ow}). Output size is too small")
    return k, s, p, d, oh, ow


def _planes(x):
    a = carr(x)
    return a.reshape((-1,) + a.shape[-2:])


class _MaxPool2d:
    node_name = "MaxPool2DWithIndices"

    @staticmethod
    def forward(ctx, x, geom):
        k, s, p, d, oh, ow = geom
        a = _planes(x)
        out = np.empty((a.shape[0], oh, ow), a.dtype)
        idx = np.empty((a.shape[0], oh, ow), np.int64)
        kern = _kernels()
        f = kern.max_pool2d_par if a.size >= PARALLEL_THRESHOLD and a.shape[0] > 1 else kern.max_pool2d
        f(a, out, idx, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1])
        shape = tuple(x.shape[:-2]) + (oh, ow)
        ctx.idx, ctx.xshape = idx, tuple(x.shape)
        ti = wrap(idx.reshape(shape), _dtypes.int64)
        ctx.mark_non_differentiable(ti)
        return wrap(out.reshape(shape), x.dtype), ti

    @staticmethod
    def backward(ctx, grad, _grad_idx=None):
        return apply(_ScatterIndices, grad, ctx.idx, ctx.xshape), None


class _ScatterIndices:
    """Max pooling's backward as a node: ``grad`` added into a zero input-shaped array at the
    saved argmax ``idx`` (P, oh, ow) of each plane; its backward is the gather below."""
    node_name = "MaxPool2DWithIndicesBackward"

    @staticmethod
    def forward(ctx, grad, idx, xshape):
        P = idx.shape[0]
        H, W = xshape[-2:]
        go = carr(grad).reshape(P, -1)
        gx = np.zeros((P, H * W), go.dtype)
        _kernels().max_pool2d_backward(go, idx.reshape(P, -1), gx)
        ctx.idx, ctx.gshape = idx, tuple(grad.shape)
        return wrap(gx.reshape(xshape), grad.dtype)

    @staticmethod
    def backward(ctx, gg):
        return apply(_GatherIndices, gg, ctx.idx, ctx.gshape), None, None


class _GatherIndices:
    """The values of each plane of ``x`` at ``idx`` (P, oh, ow), in shape ``gshape``: the
    adjoint of ``_ScatterIndices`` (a window without an index gives 0)."""
    node_name = "MaxPool2DWithIndicesBackwardBackward"

    @staticmethod
    def forward(ctx, x, idx, gshape):
        P = idx.shape[0]
        a = carr(x).reshape(P, -1)
        i = idx.reshape(P, -1)
        out = np.take_along_axis(a, np.maximum(i, 0), 1)
        out[i < 0] = 0
        ctx.idx, ctx.xshape = idx, tuple(x.shape)
        return wrap(out.reshape(gshape), x.dtype)

    @staticmethod
    def backward(ctx, gg):
        return apply(_ScatterIndices, gg, ctx.idx, ctx.xshape), None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-d max pooling over (N, C, H, W) or (C, H, W) input; ``return_indices`` also returns
    each maximum's flat index within its H x W plane. NaN propagates.

    >>> import tensorjit as tj
    >>> tj.nn.functional.max_pool2d(tj.arange(16.).view(1, 1, 4, 4), 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    _check_input("max_pool2d", input, "max_pool2d")
    geom = _geometry("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    out, idx = apply(_MaxPool2d, input, geom)
    return (out, idx) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-d max pooling over (N, C, L) or (C, L) input.

    >>> import tensorjit as tj
    >>> tj.nn.functional.max_pool1d(tj.tensor([[1., 3., 2., 0.]]), 2).tolist()
    [[3.0, 2.0]]
    """
    if not isinstance(input, Tensor) or input.dim() not in (2, 3):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor for input, but got: "
                           f"{list(getattr(input, 'shape', ()))}")
    one = lambda v: None if v is None else (1, v if isinstance(v, int) else tuple(v)[0])  # noqa: E731
    r = max_pool2d(input.unsqueeze(-2), one(kernel_size), one(stride) if stride is not None else None,
                   (0, padding if isinstance(padding, int) else padding[0]), one(dilation), ceil_mode, True)
    out, idx = r[0].squeeze(-2), r[1].squeeze(-2)
    return (out, idx) if return_indices else out


class _AvgPool2d:
    node_name = "AvgPool2D"

    @staticmethod
    def forward(ctx, x, geom):
        k, s, p, oh, ow, include_pad, divisor = geom
        a = _planes(x)
        out = np.empty((a.shape[0], oh, ow), a.dtype)
        _kernels().avg_pool2d(a, out, k[0], k[1], s[0], s[1], p[0], p[1], include_pad, divisor)
        ctx.geom, ctx.xshape = geom, tuple(x.shape)
        return wrap(out.reshape(tuple(x.shape[:-2]) + (oh, ow)), x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return apply(_AvgPool2dBackward, grad, ctx.geom, ctx.xshape), None


class _AvgPool2dBackward:
    """Average pooling's adjoint as a node; its own backward is the pooling again."""
    node_name = "AvgPool2DBackward"

    @staticmethod
    def forward(ctx, grad, geom, xshape):
        k, s, p, oh, ow, include_pad, divisor = geom
        H, W = xshape[-2:]
        go = carr(grad).reshape(-1, oh, ow)
        gx = np.zeros((go.shape[0], H, W), go.dtype)
        _kernels().avg_pool2d_backward(go, gx, k[0], k[1], s[0], s[1], p[0], p[1], include_pad, divisor)
        ctx.geom = geom
        return wrap(gx.reshape(xshape), grad.dtype)

    @staticmethod
    def backward(ctx, gg):
        return apply(_AvgPool2d, gg, ctx.geom), None, None


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-d average pooling over (N, C, H, W) or (C, H, W) input.

    >>> import tensorjit as tj
    >>> tj.nn.functional.avg_pool2d(tj.arange(16.).view(1, 1, 4, 4), 2).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    _check_input("avg_pool2d", input, "avg_pool2d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor must be not zero")
    k, s, p, _, oh, ow = _geometry("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    geom = (k, s, p, oh, ow, bool(count_include_pad), int(divisor_override or 0))
    return apply(_AvgPool2d, input, geom)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-d average pooling over (N, C, L) or (C, L) input.

    >>> import tensorjit as tj
    >>> tj.nn.functional.avg_pool1d(tj.tensor([[1., 3., 2., 0.]]), 2).tolist()
    [[2.0, 1.0]]
    """
    if not isinstance(input, Tensor) or input.dim() not in (2, 3):
        raise RuntimeError("avg_pool1d: Expected 2D or 3D (batch mode) tensor for input, but got: "
                           f"{list(getattr(input, 'shape', ()))}")
    one = lambda v: (1, v if isinstance(v, int) else tuple(v)[0])  # noqa: E731
    return avg_pool2d(input.unsqueeze(-2), one(kernel_size), one(stride) if stride is not None else None,
                      (0, padding if isinstance(padding, int) else padding[0]), ceil_mode,
                      count_include_pad).squeeze(-2)


class _AdaptiveAvgPool2d:
    node_name = "AdaptiveAvgPool2D"

    @staticmethod
    def forward(ctx, x, size):
        a = _planes(x)
        out = np.empty((a.shape[0],) + size, a.dtype)
        if out.size:
            _kernels().adaptive_avg_pool2d(a, out)
        ctx.xshape = tuple(x.shape)
        return wrap(out.reshape(tuple(x.shape[:-2]) + size), x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return apply(_AdaptiveAvgPool2dBackward, grad, ctx.xshape), None


class _AdaptiveAvgPool2dBackward:
    """Adaptive average pooling's adjoint as a node; its own backward is the pooling again."""
    node_name = "AdaptiveAvgPool2DBackward"

    @staticmethod
    def forward(ctx, grad, xshape):
        H, W = xshape[-2:]
        go = carr(grad)
        go = go.reshape((-1,) + go.shape[-2:])
        gx = np.zeros((go.shape[0], H, W), go.dtype)
        if go.size:
            _kernels().adaptive_avg_pool2d_backward(go, gx)
        ctx.size = tuple(grad.shape[-2:])
        return wrap(gx.reshape(xshape), grad.dtype)

    @staticmethod
    def backward(ctx, gg):
        return apply(_AdaptiveAvgPool2d, gg, ctx.size), None


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (an int, a pair, None keeps that dim's size).

    >>> import tensorjit as tj
    >>> tj.nn.functional.adaptive_avg_pool2d(tj.arange(16.).view(1, 1, 4, 4), 1).tolist()
    [[[[7.5]]]]
    """
    _check_input("adaptive_avg_pool2d", input, "adaptive_avg_pool2d")
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    size = tuple(input.shape[-2 + i] if v is None else int(v) for i, v in enumerate(output_size))
    if len(size) != 2 or any(v < 0 for v in size):
        raise RuntimeError(f"adaptive_avg_pool2d: output_size must be 2 non-negative ints, got {output_size}")
    return apply(_AdaptiveAvgPool2d, input, size)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of (N, C, L) or (C, L) input to length ``output_size``.

    >>> import tensorjit as tj
    >>> tj.nn.functional.adaptive_avg_pool1d(tj.tensor([[1., 3., 2., 0.]]), 1).tolist()
    [[1.5]]
    """
    if isinstance(output_size, (tuple, list)):
        output_size = output_size[0]
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, output_size)).squeeze(-2)

"""Activations, ``softmax``/``log_softmax`` and ``dropout``.

Activations with a kink or an overflowing branch (relu, leaky_relu, elu, hardtanh, softplus)
and the softmaxes are graph nodes with an explicit backward (Note [nn functions]): their
gradients follow PyTorch's formulas exactly at the kink (``relu``'s gradient is 0 at 0) and
never multiply a zero by the infinite derivative of a branch ``where`` did not pick. The
smooth ones (gelu, silu, sigmoid, tanh, logsigmoid) are compositions of tensorjit ops.
"""
from __future__ import annotations

import math
import warnings

from .. import _dtypes
from .._tensor import Tensor
from ._graph import apply

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "gelu", "silu", "tanh", "sigmoid",
           "softmax", "log_softmax", "softmin", "softplus", "hardtanh", "hardtanh_", "logsigmoid", "dropout",
           "dropout1d", "dropout2d"]


def _tj():
    import tensorjit
    return tensorjit


def _check(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _inplace_result(x, r):
    """Write ``r`` into ``x`` (an ``inplace=True`` activation) and return ``x``."""
    x.copy_(r)
    return x


class _Relu:
    node_name = "Relu"

    @staticmethod
    def forward(ctx, x):
        out = _tj().clamp(x, min=0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out > 0)


def relu(input, inplace=False):
    """``max(x, 0)``; NaN stays NaN, the gradient at 0 is 0 (as PyTorch's).

    >>> import tensorjit as tj
    >>> tj.nn.functional.relu(tj.tensor([-1., 0., 2.])).tolist()
    [0.0, 0.0, 2.0]
    """
    _check("relu", input)
    if inplace:
        return _inplace_result(input, apply(_Relu, input))
    return apply(_Relu, input)


def relu_(input):
    """In-place ``relu``."""
    return relu(input, inplace=True)


class _Hardtanh:
    node_name = "Hardtanh"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return _tj().clamp(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # PyTorch's hardtanh_backward: zero where x <= min or x >= max
        return g * ((x > ctx.lo) & (x < ctx.hi)), None, None


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``clamp(x, min_val, max_val)`` with PyTorch's gradient (zero at the bounds).

    >>> import tensorjit as tj
    >>> tj.nn.functional.hardtanh(tj.tensor([-3., 0.5, 3.])).tolist()
    [-1.0, 0.5, 1.0]
    """
    _check("hardtanh", input)
    if min_val > max_val:
        raise ValueError("hardtanh: min_val cannot be greater than max_val")
    r = apply(_Hardtanh, input, min_val, max_val)
    return _inplace_result(input, r) if inplace else r


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    """``hardtanh(x, 0, 6)``.

    >>> import tensorjit as tj
    >>> tj.nn.functional.relu6(tj.tensor([-1., 7.])).tolist()
    [0.0, 6.0]
    """
    return hardtanh(input, 0.0, 6.0, inplace)


class _LeakyRelu:
    node_name = "LeakyRelu"

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return _tj().where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _tj().where(x > 0, g, g * ctx.slope), None


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` where ``x > 0``, else ``negative_slope * x``.

    >>> import tensorjit as tj
    >>> tj.nn.functional.leaky_relu(tj.tensor([-2., 3.]), 0.5).tolist()
    [-1.0, 3.0]
    """
    _check("leaky_relu", input)
    r = apply(_LeakyRelu, input, float(negative_slope))
    return _inplace_result(input, r) if inplace else r


def leaky_relu_(input, negative_slope=0.01):
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, True)


class _Elu:
    node_name = "Elu"

    @staticmethod
    def forward(ctx, x, alpha):
        tj = _tj()
        out = tj.where(x > 0, x, tj.expm1(tj.clamp(x, max=0)) * alpha)
        ctx.save_for_backward(x, out)
        ctx.alpha = alpha
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return _tj().where(x > 0, g, g * (out + ctx.alpha)), None


def elu(input, alpha=1.0, inplace=False):
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    >>> import tensorjit as tj
    >>> tj.nn.functional.elu(tj.tensor([0., 2.])).tolist()
    [0.0, 2.0]
    """
    _check("elu", input)
    r = apply(_Elu, input, float(alpha))
    return _inplace_result(input, r) if inplace else r


def elu_(input, alpha=1.0):
    """In-place ``elu``."""
    return elu(input, alpha, True)


class _Softplus:
    node_name = "Softplus"

    @staticmethod
    def forward(ctx, x, beta, threshold):
        tj = _tj()
        bx = x * beta
        big = bx > threshold
        out = tj.where(big, x, tj.log1p(tj.exp(tj.where(big, 0.0, bx))) / beta)
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        bx = x * ctx.beta
        return _tj().where(bx > ctx.threshold, g, g * _tj().sigmoid(bx)), None, None


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``.

    >>> import tensorjit as tj
    >>> round(tj.nn.functional.softplus(tj.tensor([0.])).item(), 4)
    0.6931
    """
    _check("softplus", input)
    return apply(_Softplus, input, float(beta), float(threshold))


def gelu(input, approximate="none"):
    """Gaussian error linear unit: ``x * Phi(x)``; ``approximate='tanh'`` uses PyTorch's tanh
    approximation.

    >>> import tensorjit as tj
    >>> round(tj.nn.functional.gelu(tj.tensor([1.])).item(), 4)
    0.8413
    """
    _check("gelu", input)
    tj = _tj()
    if approximate == "none":
        return input * 0.5 * (tj.erf(input * (1 / math.sqrt(2))) + 1)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (tj.tanh(inner) + 1)
    raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got {approximate!r}")


def silu(input, inplace=False):
    """``x * sigmoid(x)``.

    >>> import tensorjit as tj
    >>> tj.nn.functional.silu(tj.tensor([0.])).tolist()
    [0.0]
    """
    _check("silu", input)
    r = input * _tj().sigmoid(input)
    return _inplace_result(input, r) if inplace else r


def sigmoid(input):
    """``1 / (1 + exp(-x))``."""
    return _tj().sigmoid(input)


def tanh(input):
    """Hyperbolic tangent."""
    return _tj().tanh(input)


def logsigmoid(input):
    """``log(sigmoid(x))``, computed as ``-softplus(-x)`` so large ``|x|`` do not overflow.

    >>> import tensorjit as tj
    >>> round(tj.nn.functional.logsigmoid(tj.tensor([0.])).item(), 4)
    -0.6931
    """
    _check("logsigmoid", input)
    return -softplus(-input)


def _softmax_dim(name, ndim, dim):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                      "dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    return dim


def _shifted(x, dim):
    """``x - amax(x, dim)``, the stable form PyTorch's kernels use (a row holding +inf or only
    -inf becomes NaN there, as in PyTorch)."""
    if not x.numel():
        return x
    return x - _tj().amax(x, dim, keepdim=True)


class _Softmax:
    node_name = "Softmax"

    @staticmethod
    def forward(ctx, x, dim):
        e = _tj().exp(_shifted(x, dim))
        out = e / e.sum(dim, keepdim=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(ctx.dim, keepdim=True)), None


class _LogSoftmax:
    node_name = "LogSoftmax"

    @staticmethod
    def forward(ctx, x, dim):
        tj = _tj()
        s = _shifted(x, dim)
        out = s - tj.log(tj.exp(s).sum(dim, keepdim=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - _tj().exp(out) * g.sum(ctx.dim, keepdim=True), None


def _prep_softmax(name, input, dim, dtype):
    _check(name, input)
    dim = _softmax_dim(name, input.dim(), dim)
    from .._shape import wrap_dim
    dim = wrap_dim(dim, max(input.dim(), 1), name)
    if dtype is not None:
        input = input.to(dtype)
    elif input.dtype.category != _dtypes.FLOAT:
        raise RuntimeError(f'{name}: "softmax_lastdim_kernel_impl" not implemented for \'{input.dtype}\'')
    return input, dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / exp(x).sum(dim)``, computed stably.

    >>> import tensorjit as tj
    >>> tj.nn.functional.softmax(tj.tensor([0., 0.]), dim=0).tolist()
    [0.5, 0.5]
    """
    input, dim = _prep_softmax("softmax", input, dim, dtype)
    return apply(_Softmax, input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-x)``."""
    input, dim = _prep_softmax("softmin", input, dim, dtype)
    return apply(_Softmax, -input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``x - logsumexp(x, dim)``.

    >>> import tensorjit as tj
    >>> [round(v, 4) for v in tj.nn.functional.log_softmax(tj.tensor([0., 0.]), dim=0).tolist()]
    [-0.6931, -0.6931]
    """
    input, dim = _prep_softmax("log_softmax", input, dim, dtype)
    return apply(_LogSoftmax, input, dim)


def _dropout_mask(input, shape, p, generator=None):
    tj = _tj()
    return tj.empty(shape, dtype=input.dtype).bernoulli_(1 - p, generator=generator) * (1.0 / (1 - p))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (when
    ``training``; otherwise return ``input``).

    >>> import tensorjit as tj
    >>> tj.nn.functional.dropout(tj.ones(3), 0.5, training=False).tolist()
    [1.0, 1.0, 1.0]
    """
    _check("dropout", input)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        r = input * 0.0
    else:
        r = input * _dropout_mask(input, tuple(input.shape), p)
    return _inplace_result(input, r) if inplace else r


def _channel_dropout(name, input, p, training, inplace, nd):
    _check(name, input)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D input, but received a {input.dim()}D input")
    if not training or p == 0.0:
        return input
    shape = tuple(input.shape[:-nd]) + (1,) * nd
    r = input * 0.0 if p == 1.0 else input * _dropout_mask(input, shape, p)
    return _inplace_result(input, r) if inplace else r


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p``."""
    return _channel_dropout("dropout1d", input, p, training, inplace, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) or (C, H, W) input with probability ``p``."""
    return _channel_dropout("dropout2d", input, p, training, inplace, 2)

"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose1d``, ``conv_transpose2d``, through
the im2col/col2im kernels of kernels/cpu/conv.py and NumPy's BLAS (Note [conv im2col]).

Inputs are float32 or float64 (input, weight and bias of one dtype, as PyTorch requires);
``conv1d`` is ``conv2d`` over a height of one. Forward and backward are one autograd node
(Note [nn functions] in tensorjit/nn/_graph.py).
"""
from __future__ import annotations

import numpy as np

from .. import _dtypes
import math

from .._dispatch import PARALLEL_THRESHOLD, get_num_threads
from .._tensor import Tensor
from ._graph import apply, carr, wrap

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]

_FLOATS = (_dtypes.float32, _dtypes.float64)


def _kernels():
    from .. import _rows
    return _rows.kernels("conv")


def _tuple(v, n, name, op):
    if isinstance(v, int) and not isinstance(v, bool):
        return (v,) * n
    v = tuple(v)
    if len(v) == 1 and n > 1:
        v = v * n
    if len(v) != n:
        raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list of {n} values to match "
                           f"the convolution dimensions, but got {name}={list(v)}")
    return tuple(int(a) for a in v)


def _check_dtypes(op, *ts):
    x = ts[0]
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    for t in ts[1:]:
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument 'weight' must be Tensor, not {type(t).__name__}")
        if t is not None and t.dtype is not x.dtype:
            raise RuntimeError(f"{op}: expected scalar type {_name(t.dtype)} but found {_name(x.dtype)} "
                               f"(input {x.dtype}, parameter {t.dtype})")
    if x.dtype not in _FLOATS:
        raise NotImplementedError(f"{op}: not implemented for {x.dtype} (float32 and float64 only)")


def _name(d):
    return {"float32": "Float", "float64": "Double"}.get(d.name, d.name)


def _same_padding(k, d):
    total = [di * (ki - 1) for ki, di in zip(k, d)]
    return [t // 2 for t in total], [t - t // 2 for t in total]


def _out_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _conv_geometry(op, x, w, b, stride, padding, dilation, groups, nd):
    """Check a ``nd``-dim convolution's arguments as PyTorch does; returns
    ``(stride, (pad_lo, pad_hi), dilation, batched)`` with 2-d tuples."""
    if w.dim() != nd + 2:
        raise RuntimeError(f"{op}: weight should have at least three dimensions" if w.dim() < 3 else
                           f"{op}: expected weight to be {nd + 2}-dimensional, but got weight of size "
                           f"{list(w.shape)}")
    if x.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got input "
                           f"of size: {list(x.shape)}")
    batched = x.dim() == nd + 2
    stride = _tuple(stride, nd, "stride", op)
    dilation = _tuple(dilation, nd, "dilation", op)
    k = tuple(w.shape[2:])
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}: dilation should be greater than zero")
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
            lo, hi = _same_padding(k, dilation)
        else:
            raise RuntimeError(f"{op}: Invalid padding string: '{padding}'")
    else:
        lo = hi = _tuple(padding, nd, "padding", op)
        if any(p < 0 for p in lo):
            raise RuntimeError(f"{op}: negative padding is not supported")
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported")
    xs = tuple(x.shape) if batched else (1,) + tuple(x.shape)
    if w.shape[0] % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension "
                           f"0, but got weight of size [{list(w.shape)}] instead")
    if xs[1] != w.shape[1] * groups:
        raise RuntimeError(f"{op}: Given groups={groups}, weight of size {list(w.shape)}, expected input{list(xs)} "
                           f"to have {w.shape[1] * groups} channels, but got {xs[1]} channels instead")
    if b is not None and (b.dim() != 1 or b.shape[0] != w.shape[0]):
        raise RuntimeError(f"{op}: Given weight of size {list(w.shape)}, expected bias to be 1-dimensional with "
                           f"{w.shape[0]} elements, but got bias of size {list(b.shape)} instead")
    padded = [n + a + c for n, a, c in zip(xs[2:], lo, hi)]
    eff = [d * (kk - 1) + 1 for kk, d in zip(k, dilation)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"{op}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                           f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than actual "
                           "input size")
    if nd == 1:
        stride, dilation, lo, hi = (1,) + stride, (1,) + dilation, (0,) + tuple(lo), (0,) + tuple(hi)
    return stride, (tuple(lo), tuple(hi)), dilation, batched


def _as4d(a, nd):
    """A (N, C, *spatial) array as (N, C, H, W) (a 1-d conv has height one)."""
    return a.reshape(a.shape[:2] + (1,) + a.shape[2:]) if nd == 1 else a


def _pad_hi(x4, lo, hi):
    """``x4`` with the extra right/bottom padding of an asymmetric 'same' padding applied."""
    extra = [h - low for low, h in zip(lo, hi)]
    if not any(extra):
        return x4
    return np.pad(x4, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])))


def _bmm(a, b, out):
    """``np.matmul(a, b, out=out)`` for a batch of products along ``out``'s first dim (``a`` or
    ``b`` may lack it and broadcast), in chunks that ``blas_threads.matmul_into`` spreads over
    tensorjit's threads with OpenBLAS at one thread (Note [blas threads]): one OpenBLAS call
    over the whole batch would wake its own pool, which stalls on a busy machine."""
    from ..ops.blas_threads import BIG_WORK, matmul_into
    n = out.shape[0]
    per = max(math.prod(out.shape[1:]) * a.shape[-1], 1)
    step = max(1, min(n, (BIG_WORK // 2) // per))
    threads = get_num_threads()
    for i in range(0, n, step):
        matmul_into(a[i:i + step] if a.ndim == out.ndim else a, b[i:i + step] if b.ndim == out.ndim else b,
                    out[i:i + step], threads)
    return out


def _empty(shape, npdtype):
    """A C-contiguous scratch array from tensorjit's output pool: large fresh arrays would pay a
    page fault per 4 KB on first touch (Note [output pool] in tensorjit/_storage.py)."""
    from .._storage import allocate
    return allocate(math.prod(shape), _dtypes.from_numpy_dtype(np.dtype(npdtype))).reshape(shape)


def _zeros(shape, npdtype):
    a = _empty(shape, npdtype)
    a.fill(0)
    return a


def _im2col(x4, kh, kw, s, p, d, oh, ow):
    n, c = x4.shape[:2]
    cols = _empty((n, c * kh * kw, oh * ow), x4.dtype)
    k = _kernels()
    f = k.im2col_par if cols.size >= PARALLEL_THRESHOLD and n > 1 else k.im2col
    f(x4, cols, kh, kw, s[0], s[1], p[0], p[1], d[0], d[1], oh, ow)
    return cols


def _col2im(cols, shape, dtype, kh, kw, s, p, d, oh, ow):
    x = _zeros(shape, dtype)
    k = _kernels()
    f = k.col2im_par if cols.size >= PARALLEL_THRESHOLD and shape[0] > 1 else k.col2im
    f(cols, x, kh, kw, s[0], s[1], p[0], p[1], d[0], d[1], oh, ow)
    return x


class _ConvNd:
    """``conv2d`` on 4-d float arrays as one graph node: forward im2col + BLAS, backward BLAS + col2im."""
    node_name = "Convolution"

    @staticmethod
    def forward(ctx, x, w, b, geom):
        s, p, d, g, nd, batched = geom
        xa = carr(x)
        if not batched:
            xa = xa[None]
        xa = _pad_hi(_as4d(xa, nd), *p)
        wa = _as4d(carr(w), nd)
        N, C, H, W = xa.shape
        O, Cg, kh, kw = wa.shape
        oh, ow = _out_size(H, kh, s[0], p[0][0], d[0]), _out_size(W, kw, s[1], p[0][1], d[1])
        cols = _im2col(xa, kh, kw, s, p[0], d, oh, ow)
        out = _empty((N, g, O // g, oh * ow), xa.dtype)
        _bmm(wa.reshape(g, O // g, Cg * kh * kw), cols.reshape(N, g, Cg * kh * kw, oh * ow), out)
        out = out.reshape(N, O, oh * ow)
        if b is not None:
            _kernels().add_bias(out, carr(b))
        ctx.save_for_backward(x, w, b)
        ctx.geom, ctx.cols, ctx.xshape, ctx.ohw = geom, cols, xa.shape, (oh, ow)
        out = out.reshape((N, O) + ((ow,) if nd == 1 else (oh, ow)))
        return wrap(out if batched else out[0], x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, w, b = ctx.saved_tensors
        s, p, d, g, nd, batched = ctx.geom
        cols = ctx.cols
        wa = _as4d(carr(w), nd)
        O, Cg, kh, kw = wa.shape
        N, C, H, W = ctx.xshape
        L = cols.shape[2]
        go = carr(grad).reshape(N, g, O // g, L)
        gx = gw = gb = None
        needs = ctx.needs_input_grad
        if needs[0]:
            gcols = _bmm(wa.reshape(g, O // g, Cg * kh * kw).transpose(0, 2, 1), go,
                         _empty((N, g, Cg * kh * kw, L), go.dtype))
            oh, ow = ctx.ohw
            gxa = _col2im(gcols.reshape(N, C * kh * kw, L), (N, C, H, W), wa.dtype, kh, kw, s, p[0], d, oh, ow)
            lo, hi = p
            gxa = gxa[:, :, :H - (hi[0] - lo[0]), :W - (hi[1] - lo[1])]
            gxa = gxa.reshape((N, C) + gxa.shape[3 if nd == 1 else 2:])
            gx = wrap(gxa if batched else gxa[0], x.dtype)
        if needs[1]:
            gwa = _bmm(go, cols.reshape(N, g, Cg * kh * kw, L).transpose(0, 1, 3, 2),
                       _empty((N, g, O // g, Cg * kh * kw), go.dtype)).sum(0)
            gw = wrap(gwa.reshape(w.shape), w.dtype)
        if b is not None and needs[2]:
            gb = wrap(go.reshape(N, O, L).sum((0, 2)), b.dtype)
        return gx, gw, gb, None


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation) of ``input`` (N, C, H, W) or (C, H, W) with
    ``weight`` (O, C/groups, kh, kw), as ``torch.nn.functional.conv2d``; ``padding`` is an
    int, a pair, ``'valid'`` or ``'same'``.

    >>> import tensorjit as tj
    >>> x = tj.ones(1, 1, 4, 4); w = tj.ones(1, 1, 3, 3)
    >>> tj.nn.functional.conv2d(x, w, padding=1)[0, 0, 0].tolist()
    [4.0, 6.0, 6.0, 4.0]
    """
    _check_dtypes("conv2d", input, weight, bias)
    s, p, d, batched = _conv_geometry("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)
    return apply(_ConvNd, input, weight, bias, (s, p, d, groups, 2, batched))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution of ``input`` (N, C, L) or (C, L) with ``weight`` (O, C/groups, k).

    >>> import tensorjit as tj
    >>> tj.nn.functional.conv1d(tj.ones(1, 1, 4), tj.ones(1, 1, 2)).tolist()
    [[[2.0, 2.0, 2.0]]]
    """
    _check_dtypes("conv1d", input, weight, bias)
    s, p, d, batched = _conv_geometry("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)
    return apply(_ConvNd, input, weight, bias, (s, p, d, groups, 1, batched))


class _ConvTransposeNd:
    """``conv_transpose2d`` on 4-d arrays: forward BLAS + col2im, backward im2col + BLAS."""
    node_name = "ConvolutionTranspose"

    @staticmethod
    def forward(ctx, x, w, b, geom):
        s, p, d, g, op_, nd, batched = geom
        xa = carr(x)
        if not batched:
            xa = xa[None]
        xa = _as4d(xa, nd)
        wa = _as4d(carr(w), nd)
        N, Cin, H, W = xa.shape
        _, Og, kh, kw = wa.shape
        O = Og * g
        oh = (H - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op_[0] + 1
        ow = (W - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op_[1] + 1
        w3 = wa.reshape(g, Cin // g, Og * kh * kw)
        cols = _bmm(w3.transpose(0, 2, 1), xa.reshape(N, g, Cin // g, H * W),
                    _empty((N, g, Og * kh * kw, H * W), xa.dtype))
        out = _col2im(cols.reshape(N, O * kh * kw, H * W), (N, O, oh, ow), wa.dtype, kh, kw, s, p, d, H, W)
        if b is not None:
            _kernels().add_bias(out.reshape(N, O, oh * ow), carr(b))
        ctx.save_for_backward(x, w, b)
        ctx.geom, ctx.xa = geom, xa
        out = out.reshape((N, O, ow) if nd == 1 else (N, O, oh, ow))
        return wrap(out if batched else out[0], x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, w, b = ctx.saved_tensors
        s, p, d, g, op_, nd, batched = ctx.geom
        xa = ctx.xa
        wa = _as4d(carr(w), nd)
        N, Cin, H, W = xa.shape
        _, Og, kh, kw = wa.shape
        O = Og * g
        go = carr(grad)
        go = _as4d(go if batched else go[None], nd)
        cols = _im2col(go, kh, kw, s, p, d, H, W).reshape(N, g, Og * kh * kw, H * W)
        needs = ctx.needs_input_grad
        gx = gw = gb = None
        if needs[0]:
            gxa = _bmm(wa.reshape(g, Cin // g, Og * kh * kw), cols,
                       _empty((N, g, Cin // g, H * W), go.dtype)).reshape(N, Cin, H, W)
            gxa = gxa.reshape((N, Cin) + gxa.shape[3 if nd == 1 else 2:])
            gx = wrap(gxa if batched else gxa[0], x.dtype)
        if needs[1]:
            x3 = xa.reshape(N, g, Cin // g, H * W)
            gwa = _bmm(x3, cols.transpose(0, 1, 3, 2), _empty((N, g, Cin // g, Og * kh * kw), go.dtype)).sum(0)
            gw = wrap(gwa.reshape(w.shape), w.dtype)
        if b is not None and needs[2]:
            gb = wrap(go.reshape(N, O, -1).sum((0, 2)), b.dtype)
        return gx, gw, gb, None


def _conv_transpose(op, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_dtypes(op, input, weight, bias)
    if weight.dim() != nd + 2:
        raise RuntimeError(f"{op}: expected weight to be {nd + 2}-dimensional, got {list(weight.shape)}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got input "
                           f"of size: {list(input.shape)}")
    batched = input.dim() == nd + 2
    s = _tuple(stride, nd, "stride", op)
    p = _tuple(padding, nd, "padding", op)
    d = _tuple(dilation, nd, "dilation", op)
    o = _tuple(output_padding, nd, "output_padding", op)
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{op}: non-positive stride is not supported")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}: negative padding is not supported")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{op}: dilation should be greater than zero")
    if any(v < 0 or (v >= a and v >= b) for v, a, b in zip(o, s, d)):
        raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={list(o)}, stride={list(s)}, dilation={list(d)}")
    xs = tuple(input.shape) if batched else (1,) + tuple(input.shape)
    if weight.shape[0] != xs[1]:
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {list(weight.shape)}, expected input{list(xs)} "
                           f"to have {weight.shape[0]} channels, but got {xs[1]} channels instead")
    if not isinstance(groups, int) or groups <= 0 or xs[1] % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
    O = weight.shape[1] * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != O):
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {O} elements, but got bias of size {list(bias.shape)} instead")
    k = weight.shape[2:]
    sizes = [(n - 1) * si - 2 * pi + di * (ki - 1) + oi + 1 for n, si, pi, di, ki, oi in zip(xs[2:], s, p, d, k, o)]
    if any(v <= 0 for v in sizes):
        raise RuntimeError(f"{op}: Given input size per channel: {list(xs[2:])}. Calculated output size per "
                           f"channel: {sizes}. Output size is too small")
    if nd == 1:
        s, p, d, o = (1,) + s, (0,) + p, (1,) + d, (0,) + o
    return apply(_ConvTransposeNd, input, weight, bias, (s, p, d, groups, o, nd, batched))


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-d convolution ("deconvolution") of ``input`` (N, C, H, W) with ``weight``
    (C, O/groups, kh, kw), as ``torch.nn.functional.conv_transpose2d``.

    >>> import tensorjit as tj
    >>> tj.nn.functional.conv_transpose2d(tj.ones(1, 1, 2, 2), tj.ones(1, 1, 2, 2), stride=2).shape
    tensorjit.Size([1, 1, 4, 4])
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-d convolution of ``input`` (N, C, L) with ``weight`` (C, O/groups, k).

    >>> import tensorjit as tj
    >>> tj.nn.functional.conv_transpose1d(tj.ones(1, 1, 2), tj.ones(1, 1, 2)).tolist()
    [[[1.0, 2.0, 1.0]]]
    """
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)

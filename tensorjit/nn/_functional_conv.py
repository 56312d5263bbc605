"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose1d``, ``conv_transpose2d``, through
the im2col/col2im kernels of kernels/cpu/conv.py and NumPy's BLAS (Note [conv im2col]).

Inputs are float32 or float64 (input, weight and bias of one dtype, as PyTorch requires);
``conv1d`` is ``conv2d`` over a height of one. A convolution, its input gradient (the
transposed convolution) and its weight gradient are three autograd nodes whose backwards are
made of one another (Note [nn functions] in tensorjit/nn/_graph.py), so gradients of
gradients work.
"""
from __future__ import annotations

import numpy as np

from .. import _dtypes
import math

from .._dispatch import get_num_threads
from .._tensor import Tensor
from ._graph import apply, carr, grad_enabled, wrap

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


def _in4(t, nd, batched):
    """Tensor ``t`` in the user's layout ((N,) C, *spatial) as a C-contiguous (N, C, H, W) array."""
    a = carr(t)
    return _as4d(a if batched else a[None], nd)


def _out4(a4, nd, batched, dtype):
    """A (N, C, H, W) array as a tensor of ``dtype`` in the user's layout."""
    a = a4.reshape(a4.shape[:2] + a4.shape[3 if nd == 1 else 2:])
    return wrap(a if batched else a[0], dtype)


def _empty(shape, npdtype):
    """A C-contiguous scratch array from tensorjit's output pool: large fresh arrays would pay a
    page fault per 4 KB on first touch (Note [output pool] in tensorjit/_storage.py)."""
    from .._storage import allocate
    return allocate(math.prod(shape), _dtypes.from_numpy_dtype(np.dtype(npdtype))).reshape(shape)


# Note [conv geometry]
#     The three convolution nodes share one resolved geometry ``geo = (stride, pad, dilation,
#     groups, nd, batched, (H, W), (oh, ow))``: ``pad`` is the top/left padding, (H, W) the
#     spatial size of the convolution's input and (oh, ow) that of its output, each as 2-d
#     pairs (a 1-d convolution has height one). The bottom/right padding is implied by (oh, ow):
#     im2col reads zeros and col2im drops what falls past H x W, so an asymmetric 'same'
#     padding and a transposed convolution's output_padding need no padded copy.
#
# Note [conv chunks]
#     The im2col matrix of a whole batch is kh*kw times the input (75 MB for a 3x3 conv of a
#     (32, 64, 32, 32) float32 batch): written once and read back by BLAS, it made the
#     convolution memory-bound. So each of the three products runs over chunks of the batch
#     small enough that a chunk's im2col (or col2im) buffer stays in the core's cache
#     (CHUNK_BYTES), and the chunk's product reads it from there at once; the chunks are
#     spread over tensorjit's threads, each with its own buffer, OpenBLAS held at one thread
#     (Note [blas threads]), the serial Numba kernels running without the GIL. The weight
#     gradient recomputes each chunk's im2col rather than keeping the forward's.

CHUNK_BYTES = 1 << 21


def _chunks(n, per_sample_bytes):
    step = max(1, min(n, CHUNK_BYTES // max(per_sample_bytes, 1)))
    return [(i, min(n, i + step)) for i in range(0, n, step)]


def _over_chunks(chunks, work, state, fn):
    """``fn(st, c0, c1)`` for every chunk, over up to tensorjit's thread count of threads, each
    with its own ``st = state()``; returns the states (Note [conv chunks], Note [thread jobs])."""
    from ..ops.blas_threads import run_on_threads
    states = [None] * max(1, min(get_num_threads(), len(chunks)))   # one, for an empty batch

    def job(t, k):
        st = states[t] = state()
        for c0, c1 in chunks[t::k]:
            fn(st, c0, c1)

    k = run_on_threads(len(states), job, work)
    return states[:k]


def _conv_fwd(x4, w4, geo, b=None):
    """The convolution (N, O, oh, ow) of ``x4`` (N, C, H, W) with ``w4`` (O, C/g, kh, kw), plus
    bias array ``b``: im2col + BLAS per chunk (Note [conv chunks])."""
    s, p, d, g, _, _, _, (oh, ow) = geo
    N = x4.shape[0]
    O, Cg, kh, kw = w4.shape
    L, Ckk = oh * ow, Cg * kh * kw
    y = _empty((N, O, L), x4.dtype)
    wg = w4.reshape(g, O // g, Ckk)
    chunks = _chunks(N, g * Ckk * L * x4.itemsize)
    k = _kernels()

    def fn(buf, c0, c1):
        cols = buf[:c1 - c0]
        k.im2col(x4[c0:c1], cols, kh, kw, s[0], s[1], p[0], p[1], d[0], d[1], oh, ow)
        np.matmul(wg, cols.reshape(c1 - c0, g, Ckk, L), out=y[c0:c1].reshape(c1 - c0, g, O // g, L))
        if b is not None:
            k.add_bias(y[c0:c1], b)

    B = chunks[0][1] if chunks else 0
    _over_chunks(chunks, N * O * L * Ckk, lambda: _empty((B, g * Ckk, L), x4.dtype), fn)
    return y.reshape(N, O, oh, ow)


def _conv_gi(gy4, w4, geo, b=None):
    """The input gradient (N, C, H, W) of a convolution for ``gy4`` (N, O, oh, ow), plus bias
    array ``b`` (a transposed convolution): BLAS + col2im per chunk (Note [conv chunks])."""
    s, p, d, g, _, _, (H, W), (oh, ow) = geo
    N = gy4.shape[0]
    O, Cg, kh, kw = w4.shape
    L, Ckk, C = oh * ow, Cg * kh * kw, g * Cg
    gx = _empty((N, C, H, W), gy4.dtype)
    wt = w4.reshape(g, O // g, Ckk).transpose(0, 2, 1)
    chunks = _chunks(N, g * Ckk * L * gy4.itemsize)
    k = _kernels()

    def fn(buf, c0, c1):
        gcols = buf[:c1 - c0]
        np.matmul(wt, gy4[c0:c1].reshape(c1 - c0, g, O // g, L), out=gcols.reshape(c1 - c0, g, Ckk, L))
        gxc = gx[c0:c1]
        gxc.fill(0)
        k.col2im(gcols, gxc, kh, kw, s[0], s[1], p[0], p[1], d[0], d[1], oh, ow)
        if b is not None:
            k.add_bias(gxc.reshape(c1 - c0, C, H * W), b)

    B = chunks[0][1] if chunks else 0
    _over_chunks(chunks, N * O * L * Ckk, lambda: _empty((B, g * Ckk, L), gy4.dtype), fn)
    return gx


def _conv_gw(x4, gy4, geo, k):
    """The weight gradient (O, C/g, kh, kw) of a convolution: im2col + BLAS per chunk, summed
    over the chunks (Note [conv chunks])."""
    s, p, d, g, _, _, _, (oh, ow) = geo
    N, C = x4.shape[:2]
    O, L = gy4.shape[1], oh * ow
    kh, kw = k
    Ckk = C // g * kh * kw
    chunks = _chunks(N, C * kh * kw * L * x4.itemsize)
    kern = _kernels()
    B = chunks[0][1] if chunks else 0

    def state():
        acc = np.zeros((g, O // g, Ckk), x4.dtype)
        return _empty((B, C * kh * kw, L), x4.dtype), _empty((B, g, O // g, Ckk), x4.dtype), acc

    def fn(st, c0, c1):
        buf, prod, acc = st
        n = c1 - c0
        cols = buf[:n]
        kern.im2col(x4[c0:c1], cols, kh, kw, s[0], s[1], p[0], p[1], d[0], d[1], oh, ow)
        np.matmul(gy4[c0:c1].reshape(n, g, O // g, L), cols.reshape(n, g, Ckk, L).transpose(0, 1, 3, 2),
                  out=prod[:n])
        acc += prod[0] if n == 1 else prod[:n].sum(0)

    states = _over_chunks(chunks, N * O * L * Ckk, state, fn)
    gw = states[0][2] if states else np.zeros((g, O // g, Ckk), x4.dtype)
    for st in states[1:]:
        gw += st[2]
    return gw.reshape(O, C // g, kh, kw)


def _kshape(wshape, nd):
    return tuple(wshape[2:]) if nd == 2 else (1,) + tuple(wshape[2:])


def _bias_grad(grad, batched):
    """The bias gradient: ``grad`` summed over all dims but the channels. Recorded with
    tensorjit ops only when the backward itself is (``create_graph=True``)."""
    cdim = 1 if batched else 0
    dims = tuple(i for i in range(grad.dim()) if i != cdim)
    if grad_enabled():
        return grad.sum(dims)
    return wrap(carr(grad).sum(dims), grad.dtype)


class _ConvNd:
    """A convolution as one graph node: forward im2col + BLAS; its backward runs the two
    gradient nodes below, so that under ``create_graph=True`` the backward is itself recorded
    (each of the three is bilinear, and each one's backward is made of the other two)."""
    node_name = "Convolution"

    @staticmethod
    def forward(ctx, x, w, b, geom):
        nd, batched = geom[4], geom[5]
        x4 = _in4(x, nd, batched)
        w4 = _as4d(carr(w), nd)
        if len(geom) == 6:
            # the front end's (stride, (pad_lo, pad_hi), dilation, groups, nd, batched)
            s, (lo, hi), d, g = geom[:4]
            yhw = tuple(_out_size(n + ph - pl, k, si, pl, di)
                        for n, ph, pl, k, si, di in zip(x4.shape[2:], hi, lo, w4.shape[2:], s, d))
            geom = (s, lo, d, g, nd, batched, x4.shape[2:], yhw)
        y4 = _conv_fwd(x4, w4, geom, None if b is None else carr(b))
        ctx.save_for_backward(x, w)
        ctx.geo = geom
        return _out4(y4, nd, batched, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        needs, geo = ctx.needs_input_grad, ctx.geo
        gx = apply(_ConvInputGrad, grad, w, None, geo) if needs[0] else None
        gw = apply(_ConvWeightGrad, x, grad, geo, tuple(w.shape)) if needs[1] else None
        gb = _bias_grad(grad, geo[5]) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb, None


class _ConvInputGrad:
    """A convolution's input gradient ``conv_transpose(gy, w)`` (with a bias: ``conv_transpose``
    itself) as a graph node: BLAS + col2im; geometry as Note [conv geometry]."""
    node_name = "ConvolutionTranspose"

    @staticmethod
    def forward(ctx, gy, w, b, geo):
        nd, batched = geo[4], geo[5]
        gx4 = _conv_gi(_in4(gy, nd, batched), _as4d(carr(w), nd), geo, None if b is None else carr(b))
        ctx.save_for_backward(gy, w)
        ctx.geo = geo
        return _out4(gx4, nd, batched, gy.dtype)

    @staticmethod
    def backward(ctx, gg):
        gy, w = ctx.saved_tensors
        needs, geo = ctx.needs_input_grad, ctx.geo
        ggy = apply(_ConvNd, gg, w, None, geo) if needs[0] else None
        gw = apply(_ConvWeightGrad, gg, gy, geo, tuple(w.shape)) if needs[1] else None
        gb = _bias_grad(gg, geo[5]) if len(needs) > 2 and needs[2] else None
        return ggy, gw, gb, None


class _ConvWeightGrad:
    """A convolution's weight gradient from its input ``x`` and output gradient ``gy`` as a
    graph node."""
    node_name = "ConvolutionBackwardWeight"

    @staticmethod
    def forward(ctx, x, gy, geo, wshape):
        nd, batched = geo[4], geo[5]
        gw = _conv_gw(_in4(x, nd, batched), _in4(gy, nd, batched), geo, _kshape(wshape, nd))
        ctx.save_for_backward(x, gy)
        ctx.geo = geo
        return wrap(gw.reshape(wshape), x.dtype)

    @staticmethod
    def backward(ctx, gg):
        x, gy = ctx.saved_tensors
        needs, geo = ctx.needs_input_grad, ctx.geo
        gx = apply(_ConvInputGrad, gy, gg, None, geo) if needs[0] else None
        ggy = apply(_ConvNd, x, gg, None, geo) if needs[1] else None
        return gx, ggy, None, None


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
        s, p, d, sizes, xs = (1,) + s, (0,) + p, (1,) + d, [1] + sizes, xs[:2] + (1,) + xs[2:]
    # the input gradient of the convolution from the output's shape back to the input's
    # (Note [conv geometry]), plus the bias
    geo = (s, p, d, groups, nd, batched, tuple(sizes), tuple(xs[2:]))
    return apply(_ConvInputGrad, input, weight, bias, geo)


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

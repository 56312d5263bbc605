"""Derivative formulas of the views, shape ops, joins and indexing ops, keyed by op name (the
table ``FORMULAS`` at the end; tensorjit/autograd/_ops.py routes each op to it).

A formula is ``backward(ctx, grad, *args, **kwargs)``: the op's own arguments after the
incoming gradient, returning one gradient per tensor argument (``ctx`` is the node: see
tensorjit/autograd/_record.py). Gradients of views are written back into a zero tensor of
the input's shape by ``embed`` (itself differentiable, so higher-order gradients flow).
"""
from __future__ import annotations

from .._shape import normalize_shape, wrap_dim
from .._tensor import Tensor
from .function import Function


def _zeros(shape, like):
    from .._creation import zeros
    return zeros(tuple(shape), dtype=like._dtype)


class _Embed(Function):
    """``zeros(shape)`` with ``view(zeros)`` set to ``grad``: the backward of a view ``view``."""

    @staticmethod
    def forward(ctx, grad, shape, view):
        ctx.view = view
        z = _zeros(shape, grad)
        view(z).copy_(grad)
        return z

    @staticmethod
    def backward(ctx, gg):
        return ctx.view(gg), None, None


class _Scatter(Function):
    """``grad`` added into ``zeros(shape)`` at the flat positions ``pos`` (which may repeat):
    the backward of any gather-like op (advanced indexing, unfold, masked_select)."""

    @staticmethod
    def forward(ctx, grad, shape, pos):
        ctx.pos = pos
        n = 1
        for s in shape:
            n *= s
        z = _zeros((n,), grad)
        z.index_add_(0, pos.reshape(-1), grad.reshape(-1))
        return z.reshape(tuple(shape))

    @staticmethod
    def backward(ctx, gg):
        pos = ctx.pos
        return gg.reshape(-1).index_select(0, pos.reshape(-1)).reshape(pos.shape), None, None


def embed(grad, shape, view):
    return _Embed.apply(grad, tuple(shape), view)


def scatter_positions(grad, shape, gather):
    """The backward of ``gather`` (a function of a tensor) from ``shape``: ``gather`` applied to
    the flat positions finds where each output element came from."""
    from .._creation import arange
    n = 1
    for s in shape:
        n *= s
    pos = gather(arange(n).reshape(tuple(shape)))
    if pos.numel() and bool((pos < 0).any()):
        # Elements the op filled in (a constant pad) came from no input element.
        keep = pos >= 0
        return _Scatter.apply(grad[keep], tuple(shape), pos[keep])
    return _Scatter.apply(grad, tuple(shape), pos)


# -- views ------------------------------------------------------------------------------------
def _reshape_back(ctx, g, t, *args, **kwargs):
    return g.reshape(t.shape)


def _transpose(ctx, g, t, dim0, dim1):
    return g.transpose(dim0, dim1)


def _t(ctx, g, t):
    return g.t()


def _permute(ctx, g, t, *dims):
    dims = normalize_shape(dims, "permute")
    nd = len(dims)
    inv = [0] * nd
    for i, d in enumerate(dims):
        inv[wrap_dim(d, nd, "permute")] = i
    return g.permute(inv)


def _expand(ctx, g, t, *sizes):
    return g    # the node sums it back to t's shape


def _narrow(ctx, g, t, dim, start, length):
    return embed(g, t.shape, lambda z: z.narrow(dim, start, length))


def _select(ctx, g, t, dim, index):
    return embed(g, t.shape, lambda z: z.select(dim, index))


def _diagonal(ctx, g, t, offset=0, dim1=0, dim2=1):
    return embed(g, t.shape, lambda z: z.diagonal(offset, dim1, dim2))


def _unfold(ctx, g, t, dimension, size, step):
    return scatter_positions(g, t.shape, lambda p: p.unfold(dimension, size, step))


def _split(ctx, grads, t, d, sizes):
    from .. import cat
    parts = [g for g in grads]
    return cat(parts, d)


def _clone(ctx, g, t, memory_format=None):
    return g


def _to_copy(ctx, g, t, *args, **kwargs):
    return g    # the node casts it back to t's dtype


def _getitem(ctx, g, t, idx):
    from .._advindex import _classify
    _, advanced = _classify(Tensor.detach(t), idx)
    if advanced:
        return scatter_positions(g, t.shape, lambda p: p[idx])
    return embed(g, t.shape, lambda z: z[idx])


# -- joins ----------------------------------------------------------------------------------------
def _cat(ctx, g, tensors, dim, out, op):
    res, off = [], 0
    nd = g.dim()
    d = wrap_dim(dim, nd, op)
    for t in tensors:
        if tuple(t.shape) == (0,) and nd != 1:
            res.append(None)     # legacy 1-d empty inputs take no part
            continue
        n = t.shape[d]
        res.append(g.narrow(d, off, n))
        off += n
    return res


# -- indexing ops ---------------------------------------------------------------------------------
def _gather(ctx, g, input, dim, index, *, sparse_grad=False, out=None):
    return (_zeros(input.shape, g).scatter_add(dim, index, g), None)


def _index_select(ctx, g, input, dim, index, *, out=None):
    return (_zeros(input.shape, g).index_add(dim, index, g), None)


def _take_along_dim(ctx, g, input, indices, dim=None, *, out=None):
    from .. import take_along_dim
    return (scatter_positions(g, input.shape, lambda p: take_along_dim(p, indices, dim)), None)


def _scatter(ctx, g, input, dim, index, src=None, *, value=None, reduce=None, out=None):
    if reduce is not None:
        raise RuntimeError("scatter: differentiation with reduce= is not implemented yet")
    res = [g.scatter(dim, index, 0), None]
    if isinstance(src, Tensor):
        res.append(g.gather(dim, index))
    return res


def _scatter_add(ctx, g, input, dim, index, src, *, out=None):
    return g, None, g.gather(dim, index)


def _index_add(ctx, g, input, dim, index, source, *, alpha=1, out=None):
    gs = g.index_select(dim, index)
    if source.dim() == 0:
        gs = gs.reshape(())
    return g, None, gs * alpha if alpha != 1 else gs


def _index_fill(ctx, g, input, dim, index, value):
    res = [g.index_fill(dim, index, 0), None]
    if isinstance(value, Tensor):
        res.append(g.index_select(dim, index).sum())
    return res


def _masked_fill(ctx, g, input, mask, value):
    from .. import where
    res = [where(mask, 0., g), None]
    if isinstance(value, Tensor):
        res.append(where(mask, g, 0.).sum())
    return res


def _masked_select(ctx, g, input, mask, *, out=None):
    from .._shape import broadcast_shapes
    from .. import masked_select
    shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    return scatter_positions(g, shape, lambda p: masked_select(p, mask)), None


def _index_put(ctx, g, input, indices, values, accumulate=False):
    idx = tuple(indices)
    gi = g if accumulate else g.index_put(idx, _zeros((), g), False)
    res = [gi]
    res.extend(None for t in idx if isinstance(t, Tensor))
    res.append(g[idx])
    return res


def _where_cond(ctx, g, condition, input=None, other=None):
    return g


def _flip(ctx, g, t, dims):
    return g.flip(dims)


def _roll(ctx, g, t, shifts, dims=None):
    if isinstance(shifts, int):
        neg = -shifts
    else:
        neg = tuple(-s for s in shifts)
    if dims is None:
        return g.reshape(-1).roll(neg).reshape(t.shape)
    return g.roll(neg, dims)


def _tril(ctx, g, t, diagonal=0, *, out=None):
    return g.tril(diagonal)


def _triu(ctx, g, t, diagonal=0, *, out=None):
    return g.triu(diagonal)


def _repeat_copy(ctx, g, t, reps, op):
    from ..ops.shape_rearrange import _repeat
    return scatter_positions(g, t.shape, lambda p: _repeat(p, reps, op))


def _rot90(ctx, g, input, k=1, dims=(0, 1)):
    return g.rot90(-k, dims)


def _repeat_interleave(ctx, g, input, repeats=None, dim=None, *, output_size=None):
    from ..ops.shape_rearrange import repeat_interleave
    return scatter_positions(g, input.shape, lambda p: repeat_interleave(p, repeats, dim, output_size=output_size))


def _pad(ctx, g, input, pad, mode="constant", value=None):
    from ..ops.shape_pad import pad as pad_
    # Positions of constant padding are -1: they take no gradient.
    return scatter_positions(g, input.shape, lambda p: pad_(p, pad, mode, -1 if mode == "constant" else value))


def _cumsum(ctx, g, input, dim, *, dtype=None, out=None):
    return g.flip(dim).cumsum(dim).flip(dim)


def _cumprod(ctx, g, input, dim, *, dtype=None, out=None):
    # The sum over k >= i of g_k * result_k / x_i: exact where the input has no zeros.
    if bool((input == 0).any()):
        from ._record import not_implemented
        raise not_implemented("cumprod (an input with zeros)")
    return (g * ctx.result()).flip(dim).cumsum(dim).flip(dim) / input


def _cum_extreme(ctx, grads, input, dim, *, out=None):
    if input.dim() == 0:
        return grads[0]
    return _zeros(input.shape, grads[0]).scatter_add(dim, ctx.result(1), grads[0])


def _logcumsumexp(ctx, g, input, dim, *, out=None):
    # d r_k / d x_i = exp(x_i - r_k) for k >= i: a reversed cumulative sum of g_k exp(-r_k),
    # taken in log space so nothing overflows.
    res = ctx.result()
    wmax = res.amax(dim, keepdim=True) if res.numel() else res
    w = g * (wmax - res).exp()
    return (input - wmax).exp() * w.flip(dim).cumsum(dim).flip(dim)


def _values_scatter(g, input, indices, dim, keepdim=True):
    """Gradient of values picked along ``dim`` at ``indices`` (sort, topk, kthvalue, median)."""
    if input.dim() == 0:
        return g.reshape(())
    d = wrap_dim(dim, input.dim(), "backward")
    if not keepdim:
        g, indices = g.unsqueeze(d), indices.unsqueeze(d)
    return _zeros(input.shape, g).scatter(d, indices, g)


def _sort(ctx, grads, input, dim=-1, descending=False, stable=False, *, out=None):
    return _values_scatter(grads[0], input, ctx.result(1), dim)


def _topk(ctx, grads, input, k, dim=-1, largest=True, sorted=True, *, out=None):
    return _values_scatter(grads[0], input, ctx.result(1), dim)


def _kthvalue(ctx, grads, input, k, dim=-1, keepdim=False, *, out=None):
    return _values_scatter(grads[0], input, ctx.result(1), dim, keepdim)


def _median(ctx, grads, input, dim=None, keepdim=False, *, out=None):
    if dim is None:
        # One value: the gradient goes to the (first) element equal to it, as PyTorch's.
        from ._record import not_implemented
        if ctx.n_outputs != 1:
            raise not_implemented("median")
        flat = input.reshape(-1)
        pos = (flat == ctx.result(0)).long().argmax()
        return _zeros((flat.shape[0],), grads).index_put((pos.reshape(1),), grads.reshape(1)).reshape(input.shape)
    return _values_scatter(grads[0], input, ctx.result(1), dim, keepdim)


FORMULAS = {
    "view": _reshape_back, "reshape": _reshape_back, "unsqueeze": _reshape_back, "squeeze": _reshape_back,
    "transpose": _transpose, "t": _t, "permute": _permute, "expand": _expand, "narrow": _narrow,
    "select": _select, "diagonal": _diagonal, "unfold": _unfold, "split": _split, "clone": _clone,
    "to": _to_copy, "getitem": _getitem, "cat": _cat, "gather": _gather,
    "index_select": _index_select, "take_along_dim": _take_along_dim, "scatter": _scatter,
    "scatter_add": _scatter_add, "index_add": _index_add, "index_fill": _index_fill, "masked_fill": _masked_fill,
    "masked_select": _masked_select, "index_put": _index_put, "flip": _flip, "roll": _roll, "tril": _tril,
    "triu": _triu, "repeat": _repeat_copy, "rot90": _rot90, "repeat_interleave": _repeat_interleave, "pad": _pad,
    "cumsum": _cumsum, "sort": _sort, "topk": _topk, "kthvalue": _kthvalue,
    "median": _median, "cumprod": _cumprod, "cummax": _cum_extreme, "cummin": _cum_extreme,
    "logcumsumexp": _logcumsumexp,
}

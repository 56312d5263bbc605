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
    return zeros(tuple(shape), dtype=like._dtype, device=like.device)


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
    pos = gather(arange(n, device=grad.device).reshape(tuple(shape)))
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
    # The node casts it back to t's dtype; a move between devices moves it back.
    return g if g.device == t.device else g.to(t.device)


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


def _rcumsum(t, d):
    """The reversed cumulative sum along ``d``: ``out_i = sum over k >= i of t_k``."""
    return t.flip(d).cumsum(d).flip(d)


def _cumprod(ctx, g, input, dim, *, dtype=None, out=None):
    # d r_k / d x_i is the product of x_j over j <= k, j != i (PyTorch's cumprod_backward).
    # Before the first zero of a row it is r_k / x_i; at the first zero z it is the cumulative
    # product with x_z read as 1; after it, zero (x_z is a factor).
    from .. import where
    from ._formulas_pointwise import cj
    if input.dim() == 0:
        return g
    input = ctx.saved(input)    # its values: an in-place change since raises PyTorch's error
    res = ctx.result()
    x = input if dtype is None or input.dtype is res.dtype else input.to(res.dtype)
    d = wrap_dim(dim, x.dim(), "cumprod")
    zero = x == 0
    if not bool(zero.any()):
        return _rcumsum(g * cj(res), d) / cj(x)
    from .grad_mode import is_grad_enabled
    if is_grad_enabled():
        # Differentiated again: PyTorch's O(n^2) form, whose own derivative is the second
        # derivative of cumprod (the masked O(n) form below is exact only to first order).
        return _cumprod_omitted(g, x, d)
    seen = zero.to(x.dtype).cumsum(d)     # zeros so far (in x's dtype: no integer scan to compile)
    before = seen == 0
    first = zero & (seen == 1)
    head = _rcumsum(g * cj(res), d) / cj(where(before, x, 1.))
    at = _rcumsum(g * cj(where(first, 1., x).cumprod(d)), d)
    return where(before, head, where(first, at, 0.))


def _cumprod_omitted(g, x, d):
    """The cumprod gradient as sums of ``g_k`` times the products with ``x_i`` omitted."""
    from .. import cat
    from ._formulas_pointwise import cj
    n = x.shape[d]
    one = _zeros(tuple(1 if k == d else s for k, s in enumerate(x.shape)), g) + 1
    parts = []
    for k in range(n):
        until = x.narrow(d, 0, k).prod(d, keepdim=True) if k else one
        omitted = until
        if k < n - 1:
            omitted = cat([until, until * x.narrow(d, k + 1, n - k - 1).cumprod(d)], d)
        parts.append((g.narrow(d, k, n - k) * cj(omitted)).sum(d, keepdim=True))
    return cat(parts, d)

def _diff(ctx, g, input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    # diff is linear: the adjoint of one difference along d sends g to g_{j-1} - g_j (zero
    # outside), applied as often as the forward differenced; the result splits back over
    # prepend, input and append.
    from .. import cat
    d = wrap_dim(dim, input.dim(), "diff")
    parts = [t for t in (prepend, input, append) if t is not None]
    total = sum(t.shape[d] for t in parts)
    for _ in range(min(n, total)):
        z = _zeros(tuple(g.shape[:d]) + (1,) + tuple(g.shape[d + 1:]), g)
        g = cat([z, g], d) - cat([g, z], d)
    pieces, at = [], 0
    for t in parts:
        pieces.append([t, g.narrow(d, at, t.shape[d])])
        at += t.shape[d]
    return in_input_order(ctx, pieces)


def in_input_order(ctx, pieces):
    """The gradients of ``pieces`` (``[tensor, grad]`` pairs) in the order of the node's tensor
    operands (positional arguments first, then keywords)."""
    res = []
    for t in ctx.inputs:
        for p in pieces:
            if p[0] is t:
                res.append(p[1])
                p[0] = None
                break
        else:
            res.append(None)
    return res


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
    return (ctx.saved(input) - wmax).exp() * w.flip(dim).cumsum(dim).flip(dim)


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
        import numpy as np
        from .._creation import from_numpy
        from .graph import plain
        flat = ctx.saved(input).reshape(-1)
        hit = np.flatnonzero(plain(flat).numpy() == plain(ctx.result(0)).numpy())
        pos = from_numpy(hit[:1] if hit.size else np.zeros(1, np.int64))
        return _zeros((flat.shape[0],), grads).index_put((pos,), grads.reshape(1)).reshape(input.shape)
    return _values_scatter(grads[0], input, ctx.result(1), dim, keepdim)


# -- diagonals, splits, flips ----------------------------------------------------------------------
def _diag(ctx, g, input, diagonal=0, *, out=None):
    if input.dim() == 1:
        return g.diagonal(diagonal)
    return embed(g, input.shape, lambda z: z.diagonal(diagonal))


def _diag_embed(ctx, g, input, offset=0, dim1=-2, dim2=-1):
    return g.diagonal(offset, dim1, dim2)


def _diagflat(ctx, g, input, offset=0):
    return g.diagonal(offset).reshape(input.shape)


def _as_list(grads):
    return [grads] if isinstance(grads, Tensor) else list(grads)


def _unbind(ctx, grads, input, dim=0):
    from .. import stack
    return stack(_as_list(grads), wrap_dim(dim, input.dim(), "unbind"))


def _tensor_split(ctx, grads, input, *args, **kwargs):
    from .. import cat
    dim = kwargs.get("dim", args[1] if len(args) > 1 else 0)
    return cat(_as_list(grads), wrap_dim(dim, input.dim(), "tensor_split"))


def _fliplr(ctx, g, input):
    return g.flip([1])


def _flipud(ctx, g, input):
    return g.flip([0])


def _msort(ctx, g, input, *, out=None):
    from .graph import plain
    return _values_scatter(g, input, plain(ctx.saved(input)).sort(0).indices, 0)


def _mode(ctx, grads, input, dim=-1, keepdim=False, *, out=None):
    return _values_scatter(grads[0], input, ctx.result(1), dim, keepdim)


def _quantile_grad(g, input, q, dim, keepdim, interpolation, skip):
    # The quantile is sorted[below] + w * (sorted[above] - sorted[below]) with ranks and
    # weights that depend only on q and the row's length (and NaN count): the gradient is
    # g * (1 - w) at the element sorted to ``below`` and g * w at ``above`` (PyTorch computes
    # it so, through sort, gather and lerp). Ranks follow PyTorch's quantile: rows holding NaN
    # take the last (NaN) element; nanquantile counts the non-NaN ones.
    import numpy as np
    from .._creation import from_numpy
    from .graph import plain
    x = plain(input)
    if dim is None:
        xs = x.reshape(-1)
    else:
        xs = (x.reshape(1) if x.dim() == 0 else x).movedim(wrap_dim(dim, max(x.dim(), 1), "quantile"), -1)
    srt = xs.sort(-1, stable=True)
    sv = srt.values.numpy()
    scalar_q = not isinstance(q, Tensor) or q.dim() == 0
    qa = np.asarray(plain(q).numpy() if isinstance(q, Tensor) else q, dtype=sv.dtype).reshape(-1)
    n = sv.shape[-1]
    nan = np.isnan(sv)
    if skip:
        ranks = np.maximum(qa * ((~nan).sum(-1, keepdims=True) - 1), 0)
    else:
        ranks = np.broadcast_to(qa * (n - 1), sv.shape[:-1] + qa.shape).copy()
        ranks[nan.any(-1)] = n - 1
    ranks = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}.get(interpolation, lambda r: r)(ranks)
    below, above = np.floor(ranks).astype(np.int64), np.ceil(ranks).astype(np.int64)
    w = ranks - below if interpolation == "linear" else np.full(ranks.shape, 0.5 if interpolation == "midpoint" else 0.)
    wt = from_numpy(np.ascontiguousarray(w, dtype=sv.dtype))
    g0 = (g.unsqueeze(-1) if scalar_q else g.movedim(0, -1)).reshape(ranks.shape)
    rows = _zeros(xs.shape, g).scatter_add(-1, srt.indices.gather(-1, from_numpy(below)), g0 * (1 - wt))
    rows = rows.scatter_add(-1, srt.indices.gather(-1, from_numpy(above)), g0 * wt)
    if dim is not None and x.dim():
        rows = rows.movedim(-1, wrap_dim(dim, x.dim(), "quantile"))
    return rows.reshape(input.shape)


def _quantile(ctx, g, input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _quantile_grad(g, ctx.saved(input), q, dim, keepdim, interpolation, False)


def _nanquantile(ctx, g, input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _quantile_grad(g, ctx.saved(input), q, dim, keepdim, interpolation, True)


FORMULAS = {
    "view": _reshape_back, "reshape": _reshape_back, "unsqueeze": _reshape_back, "squeeze": _reshape_back,
    "transpose": _transpose, "t": _t, "permute": _permute, "expand": _expand, "narrow": _narrow,
    "select": _select, "diagonal": _diagonal, "unfold": _unfold, "split": _split, "clone": _clone,
    "to": _to_copy, "getitem": _getitem, "cat": _cat, "gather": _gather,
    "index_select": _index_select, "take_along_dim": _take_along_dim,
    "scatter_add": _scatter_add, "index_add": _index_add, "index_fill": _index_fill, "masked_fill": _masked_fill,
    "masked_select": _masked_select, "index_put": _index_put, "flip": _flip, "roll": _roll, "tril": _tril,
    "triu": _triu, "repeat": _repeat_copy, "rot90": _rot90, "repeat_interleave": _repeat_interleave, "pad": _pad,
    "cumsum": _cumsum, "sort": _sort, "topk": _topk, "kthvalue": _kthvalue,
    "median": _median, "cumprod": _cumprod, "cummax": _cum_extreme, "cummin": _cum_extreme,
    "logcumsumexp": _logcumsumexp, "diff": _diff, "diag": _diag, "diag_embed": _diag_embed,
    "diagflat": _diagflat, "unbind": _unbind, "tensor_split": _tensor_split, "fliplr": _fliplr, "flipud": _flipud,
    "msort": _msort, "mode": _mode, "nanmedian": _median, "quantile": _quantile, "nanquantile": _nanquantile,
}

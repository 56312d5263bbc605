"""Derivative formulas of the scatter family, the flat-index ops, ``as_strided`` and the
contractions outside ``einsum`` (tensordot, inner, addbmm, cross), keyed by op name
(``FORMULAS``; conventions as in tensorjit/autograd/_formulas_shape.py: ``backward(ctx, grad,
*args, **kwargs)`` returns one gradient per tensor argument, in argument order), and the label
bookkeeping of einsum's formula (ellipsis, repeated labels).

Formulas that read an operand's values take it through ``ctx.saved`` (an in-place change since
the op raises PyTorch's version error instead of giving a wrong gradient).

The formulas follow PyTorch's (``scatter_reduce_backward``, ``as_strided_backward``,
``masked_scatter_backward`` in its FunctionsManual.cpp) and are written with tensorjit ops, so
``create_graph=True`` differentiates them again.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._formulas_shape import _zeros, scatter_positions


def _ones(shape, like):
    from .._creation import ones
    return ones(tuple(shape), dtype=like._dtype, device=like.device)


def _as_src_shape(gs, src):
    """``gs`` (the shape of the index) placed in a zero tensor of ``src``'s shape: elements of a
    larger ``src`` that the index does not reach take no part."""
    if tuple(gs.shape) == tuple(src.shape):
        return gs
    from ._formulas_shape import embed
    shape = tuple(gs.shape)
    return embed(gs, src.shape, lambda z: z[tuple(slice(0, n) for n in shape)])


# -- scatter_reduce (PyTorch's scatter_reduce_backward) -----------------------------------------
def _scatter_reduce_grads(ctx, g, input, dim, index, src, reduce, include_self, result):
    """(grad of input, grad of src) of ``input.scatter_reduce(dim, index, src, reduce,
    include_self)``; ``result`` is the op's output."""
    from .. import where
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)
    if reduce in ("prod", "amax", "amin"):      # their values: an in-place change since raises
        input, src = ctx.saved(input), ctx.saved(src)
    src_i = src[tuple(slice(0, n) for n in index.shape)] if tuple(src.shape) != tuple(index.shape) else src
    if reduce == "sum":
        gi, gs = g, g.gather(dim, index)
    elif reduce == "mean":
        n = _ones(g.shape, g) if include_self else _zeros(g.shape, g)
        n = n.scatter_add(dim, index, _ones(index.shape, g))
        n = where(n == 0, 1., n)
        gi, gs = g / n, g.gather(dim, index) / n.gather(dim, index)
    elif reduce == "prod":
        # The product of the others, exact where self or src holds zeros.
        masked_self = where(input == 0, 1., input)
        gi = g * masked_self.scatter_reduce(dim, index, src_i, "prod", include_self=include_self) / masked_self
        src_zero = src_i == 0
        nzeros = _zeros(g.shape, g).scatter_add(dim, index, src_zero.to(g.dtype)).gather(dim, index)
        single = src_zero & (nzeros == 1)
        masked_src_result = input.scatter_reduce(dim, index, where(single, 1., src_i), "prod",
                                                 include_self=include_self)
        gs = where(single, (g * masked_src_result).gather(dim, index),
                   (g * result).gather(dim, index) / where(src_zero, 1., src_i))
    else:
        # amax/amin: the gradient split evenly among the elements equal to the result.
        value = result.gather(dim, index)
        self_is = (input == result).to(g.dtype)
        src_is = (src_i == value).to(g.dtype)
        share = g / self_is.scatter_add(dim, index, src_is)
        gi = self_is * share
        gs = src_is * share.gather(dim, index)
    if not include_self:
        gi = gi.scatter(dim, index, 0.)
    return gi, _as_src_shape(gs, src)


def _scatter_reduce(ctx, g, input, dim, index, src, reduce, *, include_self=True, out=None):
    gi, gs = _scatter_reduce_grads(ctx, g, input, dim, index, src, reduce, include_self, ctx.result())
    return gi, None, gs


def _scatter(ctx, g, input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """scatter, with ``reduce='add'`` / ``'multiply'`` as scatter_reduce's sum / prod including
    self (PyTorch differentiates neither; the derivative is the same as scatter_reduce's)."""
    if reduce is None:
        res = [g.scatter(dim, index, 0), None]
        if isinstance(src, Tensor):
            res.append(g.gather(dim, index))
        return res
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce}")
    if isinstance(src, Tensor):
        # The result recomputed (scatter saves none): differentiable again, as a saved one.
        result = input.scatter(dim, index, src, reduce=reduce) if reduce == "multiply" else None
        gi, gs = _scatter_reduce_grads(ctx, g, input, dim, index, src, "sum" if reduce == "add" else "prod", True,
                                       result)
        return gi, None, gs
    if src is None:
        src = value
    if reduce == "add":
        return g, None
    # self * value ** k where k elements of index point at the position.
    return g * _ones(g.shape, g).scatter(dim, index, src, reduce="multiply"), None


# -- flat indices -------------------------------------------------------------------------------
def _take(ctx, g, input, index, *, out=None):
    from .. import take
    return scatter_positions(g, input.shape, lambda p: take(p, index)), None


def _put(ctx, g, input, index, source, accumulate=False):
    gi = g if accumulate else g.put(index, _zeros(index.shape, g), False)
    return gi, None, g.take(index).reshape(source.shape)


def _index_copy(ctx, g, input, dim, index, source, *, out=None):
    gs = g.index_select(dim, index) if g.dim() else g.reshape(1).index_select(0, index)
    return g.index_fill(dim, index, 0), None, gs.reshape(source.shape)


def _masked_scatter(ctx, g, input, mask, source):
    from .. import cat
    from .._shape import broadcast_shapes
    shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    picked = g.masked_select(mask)
    extra = source.numel() - picked.numel()
    if extra > 0:
        picked = cat([picked, _zeros((extra,), g)])
    gi = g.masked_fill(mask, 0.)
    if tuple(gi.shape) != tuple(shape):
        gi = gi.expand(shape)
    return gi, None, picked.reshape(source.shape)


# -- as_strided (PyTorch's as_strided_backward) -------------------------------------------------
def _positions(shape, strides, offset):
    """The storage positions (a flat int64 array) of a strided geometry."""
    import numpy as np
    pos = np.full(tuple(shape), offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        ix = [1] * len(shape)
        ix[d] = n
        pos = pos + (np.arange(n, dtype=np.int64) * s).reshape(ix)
    return pos.reshape(-1)


def _as_strided(ctx, g, input, size, stride, storage_offset=None):
    # The output's gradient summed into the storage it reads (overlapping output elements add
    # up), read back through the input's geometry; where the input itself overlaps, each storage
    # element's gradient is shared among the input elements that alias it.
    import numpy as np
    from .._creation import from_numpy
    size, stride = tuple(size), tuple(stride)
    offset = input.storage_offset() if storage_offset is None else storage_offset
    out_pos = _positions(size, stride, offset)
    in_pos = _positions(tuple(input.shape), input.stride(), input.storage_offset())
    if out_pos.size == 0 or in_pos.size == 0:
        return _zeros(input.shape, g)
    lo = min(out_pos.min(), in_pos.min())
    n = int(max(out_pos.max(), in_pos.max()) + 1 - lo)
    out_pos, in_pos = out_pos - lo, in_pos - lo
    buf = _zeros((n,), g).index_add(0, from_numpy(out_pos), g.reshape(-1))
    gi = buf.index_select(0, from_numpy(in_pos))
    count = np.bincount(in_pos, minlength=n)[in_pos]
    if (count > 1).any():
        gi = gi / from_numpy(count.astype(np.float64))
    return gi.reshape(tuple(input.shape))


# -- einsum labels (the formula is in _formulas_linalg.py) ------------------------------------
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def einsum_explicit(eq, ops):
    """(terms, output) of einsum equation ``eq`` over ``ops`` with ``...`` spelled as unused
    letters (right-aligned: an operand with fewer ellipsis dims takes the last ones) and the
    implicit output made explicit."""
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    free = [c for c in _LETTERS if c not in eq]
    widths = [op.dim() - (len(t) - 3) if "..." in t else 0 for t, op in zip(terms, ops)]
    ell = "".join(free[:max(widths, default=0)])
    if not arrow:
        flat = lhs.replace(",", "").replace(".", "")
        rhs = ("..." if "..." in lhs else "") + "".join(sorted(c for c in set(flat) if flat.count(c) == 1))
    terms = [t.replace("...", ell[len(ell) - w:] if w else "") for t, w in zip(terms, widths)]
    return terms, rhs.replace("...", ell)


def undiagonal(term):
    """``term`` without repeated labels: (labels of the diagonal view, the view as a function,
    the dim of ``term`` each view label first occurs at)."""
    steps = []
    cur = list(term)
    while True:
        rep = next((c for c in cur if cur.count(c) > 1), None)
        if rep is None:
            break
        a = cur.index(rep)
        b = cur.index(rep, a + 1)
        steps.append((a, b))
        cur = [c for k, c in enumerate(cur) if k not in (a, b)] + [rep]

    def view(z):
        for a, b in steps:
            z = z.diagonal(0, a, b)
        return z
    return "".join(cur), (view if steps else None), [term.index(c) for c in cur]


# -- contractions through einsum's formula ----------------------------------------------------------
def _contraction_eq(na, nb, da, db):
    """The einsum equation contracting dims ``da`` of an ``na``-d operand with ``db`` of an
    ``nb``-d one (free dims of the first, then of the second)."""
    la = [_LETTERS[k] for k in range(na)]
    lb = [_LETTERS[na + k] for k in range(nb)]
    for x, y in zip(da, db):
        lb[y] = la[x]
    out = [c for k, c in enumerate(la) if k not in da] + [c for k, c in enumerate(lb) if k not in db]
    return "".join(la) + "," + "".join(lb) + "->" + "".join(out)


def _tensordot(ctx, g, a, b, dims=2, out=None):
    from ._formulas_linalg import _einsum
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (list, tuple)):
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    else:
        da, db = list(range(a.dim() - dims, a.dim())), list(range(dims))
    da = [d % a.dim() for d in da]
    db = [d % b.dim() for d in db]
    res = _einsum(ctx, g, _contraction_eq(a.dim(), b.dim(), da, db), a, b)
    return list(res) + [None] * (len(ctx.inputs) - 2)     # a tensor ``dims`` takes none


def _inner(ctx, g, input, other, *, out=None):
    from ._formulas_linalg import _einsum
    if input.dim() == 0 or other.dim() == 0:
        from ._formulas_pointwise import cj
        return g * cj(other), g * cj(input)
    return _einsum(ctx, g, _contraction_eq(input.dim(), other.dim(), [input.dim() - 1], [other.dim() - 1]),
                   input, other)


def _addbmm(ctx, g, input, batch1, batch2, *, beta=1, alpha=1, out=None):
    from ._formulas_pointwise import cj
    batch1, batch2 = ctx.saved(batch1), ctx.saved(batch2)
    gb = g.unsqueeze(0).expand((batch1.shape[0],) + tuple(g.shape))
    g1 = (gb @ cj(batch2.transpose(-2, -1))) * cj(alpha) if ctx.needs(1) else None
    g2 = (cj(batch1.transpose(-2, -1)) @ gb) * cj(alpha) if ctx.needs(2) else None
    return (g * cj(beta) if beta != 1 else g) if ctx.needs(0) else None, g1, g2


def _cross(ctx, g, input, other, dim=None, *, out=None):
    from .. import cross
    from .._shape import broadcast_shapes
    from ._formulas_pointwise import cj
    if dim is None:
        dim = next(i for i, n in enumerate(broadcast_shapes(tuple(input.shape), tuple(other.shape))) if n == 3)
    input, other = ctx.saved(input), ctx.saved(other)
    return cross(cj(other), g, dim=dim), cross(g, cj(input), dim=dim)


FORMULAS = {
    "scatter_reduce": _scatter_reduce, "scatter": _scatter, "take": _take, "put": _put,
    "index_copy": _index_copy, "masked_scatter": _masked_scatter, "as_strided": _as_strided,
    "tensordot": _tensordot, "inner": _inner, "addbmm": _addbmm, "cross": _cross,
}

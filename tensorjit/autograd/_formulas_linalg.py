"""Derivative formulas of the products and linear algebra, keyed by op name (``FORMULAS``;
conventions as in tensorjit/autograd/_formulas_shape.py). Complex operands follow PyTorch's
conjugate convention (``grad @ other^H``)."""
from __future__ import annotations

from ._formulas_pointwise import cj


def _h(t):
    """Conjugate transpose of the last two dims."""
    return cj(t.transpose(-2, -1))


def _matmul(ctx, g, a, b, *, out=None):
    na, nb = a.dim(), b.dim()
    ga = gb = None
    if na == 1 and nb == 1:
        if ctx.needs(0):
            ga = g * cj(b)
        if ctx.needs(1):
            gb = g * cj(a)
        return ga, gb
    a2 = a.unsqueeze(0) if na == 1 else a
    b2 = b.unsqueeze(-1) if nb == 1 else b
    g2 = g
    if na == 1:
        g2 = g2.unsqueeze(-2)
    if nb == 1:
        g2 = g2.unsqueeze(-1)
    if ctx.needs(0):
        ga = g2 @ _h(b2)
        if na == 1:
            ga = ga.squeeze(-2)
            if ga.dim() > 1:
                ga = ga.reshape(-1, a.shape[0]).sum(0)
    if ctx.needs(1):
        gb = _h(a2) @ g2
        if nb == 1:
            gb = gb.squeeze(-1)
            if gb.dim() > 1:
                gb = gb.reshape(-1, b.shape[0]).sum(0)
    return ga, gb


def _mm(ctx, g, a, b, *, out=None):
    return (g @ _h(b) if ctx.needs(0) else None, _h(a) @ g if ctx.needs(1) else None)


def _mv(ctx, g, a, v, *, out=None):
    return (g.unsqueeze(-1) * cj(v) if ctx.needs(0) else None, _h(a) @ g if ctx.needs(1) else None)


def _dot(ctx, g, a, b, *, out=None, **kwargs):
    return (g * cj(b) if ctx.needs(0) else None, g * cj(a) if ctx.needs(1) else None)


def _addmm(ctx, g, input, m1, m2, *, beta=1, alpha=1, out=None):
    gi = g * cj(beta) if ctx.needs(0) and beta != 1 else g
    gm1 = (g @ _h(m2)) * cj(alpha) if ctx.needs(1) else None
    gm2 = (_h(m1) @ g) * cj(alpha) if ctx.needs(2) else None
    return gi if ctx.needs(0) else None, gm1, gm2


def _det(ctx, g, a, *, out=None):
    from ..linalg import inv
    d = ctx.result()
    return (g * cj(d)).unsqueeze(-1).unsqueeze(-1) * _h(inv(a))


def _inv(ctx, g, a, *, out=None):
    ai = ctx.result()
    return -(_h(ai) @ g @ _h(ai))


def _solve(ctx, g, a, b, *, left=True, out=None):
    from ..linalg import solve
    x = ctx.result()
    vec = b.dim() == 1 or (b.dim() == a.dim() - 1 and b.shape == a.shape[:-1])
    gb = solve(_h(a), g)
    if vec:
        ga = -(gb.unsqueeze(-1) @ _h(x.unsqueeze(-1)))
    else:
        ga = -(gb @ _h(x))
    return ga, gb


def _cholesky(ctx, g, a, *, upper=False, out=None):
    from ..linalg import inv
    lo = ctx.result()
    if upper:
        lo, g = _h(lo), _h(g)
    p = _h(lo) @ g
    p = p.tril(-1) + p.diagonal(0, -2, -1).diag_embed() * 0.5   # Phi: the lower triangle, half its diagonal
    li = inv(lo)
    ga = _h(li) @ p @ li
    return 0.5 * (ga + _h(ga))


def _einsum(ctx, g, *args):
    # Each operand's gradient is the einsum of the output's gradient with the other operands;
    # labels only that operand has were summed (their gradient is broadcast back), repeated
    # labels read a diagonal (the gradient is written back onto it), broadcast size-1 dims
    # sum their gradient.
    from ..ops.blas_ext import einsum, _parse_sublists
    from ._formulas_shape import embed
    from ._formulas_index import einsum_explicit, undiagonal
    if isinstance(args[0], str):
        eq, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        eq, ops = _parse_sublists(args)
    ops = [ctx.saved(o) for o in ops]   # their values: an in-place change since raises PyTorch's error
    terms, rhs = einsum_explicit(eq.replace(" ", ""), ops)
    grads = []
    for i, (term, op) in enumerate(zip(terms, ops)):
        if not ctx.needs(i):
            grads.append(None)
            continue
        uterm, view, first = undiagonal(term)
        vshape = tuple(op.shape[k] for k in first)
        others = [(t, o) for j, (t, o) in enumerate(zip(terms, ops)) if j != i]
        avail = set(rhs).union(*(set(t) for t, _ in others))
        keep = "".join(c for c in uterm if c in avail)
        gi = einsum(",".join([rhs] + [t for t, _ in others]) + "->" + keep, g, *[cj(o) for _, o in others])
        if keep != uterm:
            gi = gi.reshape(tuple(gi.shape[keep.index(c)] if c in keep else 1 for c in uterm))
        wide = [k for k, n in enumerate(vshape) if n == 1 and gi.shape[k] != 1]
        if wide:
            gi = gi.sum(wide, keepdim=True)
        if tuple(gi.shape) != vshape:
            gi = gi.expand(vshape)
        if view is not None:
            gi = embed(gi, op.shape, view)
        grads.append(gi)
    return grads


FORMULAS = {"matmul": _matmul, "mm": _mm, "bmm": _mm, "mv": _mv, "dot": _dot, "addmm": _addmm,
            "einsum": _einsum, "linalg.det": _det, "linalg.inv": _inv, "linalg.solve": _solve,
            "linalg.cholesky": _cholesky}

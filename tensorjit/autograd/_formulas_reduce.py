"""Helpers that the reduction derivative formulas call (Note [reduction derivatives] in
kernels/reductions.py)."""
from __future__ import annotations


def unsq(t, dims, keepdim):
    """``t`` with the reduced ``dims`` back as size-1 dims (a no-op with ``keepdim``)."""
    if keepdim:
        return t
    for d in sorted(dims):
        t = t.unsqueeze(d)
    return t


def minmax_backward(grad, x, result, dims, keepdim):
    """amax/amin: the gradient shared evenly among the elements equal to the extreme."""
    mask = x == unsq(result, dims, keepdim)
    count = mask.sum(dims, keepdim=True)
    return unsq(grad, dims, keepdim) * mask / count


def prod_backward(grad, x, result, dims, keepdim):
    """d prod/dx_i: the product of the other elements, PyTorch's prod_backward: ``result / x``
    without zeros; with zeros, exclusive cumulative products from both ends (exact for any
    number of zeros, and differentiable again)."""
    from ._formulas_pointwise import cj
    g = unsq(grad, dims, keepdim)
    if x.dim() == 0:
        return g.reshape(())
    if not bool((x == 0).any()):
        return g * cj(unsq(result, dims, keepdim) / x)
    if len(dims) == 1:
        return g * cj(_exclusive_prod(x, dims[0]))
    # Several dims: reduced dims moved last and merged into one.
    kept = [d for d in range(x.dim()) if d not in dims]
    perm = kept + sorted(dims)
    inv = [0] * len(perm)
    for i, d in enumerate(perm):
        inv[d] = i
    xp = x.permute(perm).reshape(tuple(x.shape[d] for d in kept) + (-1,))
    e = _exclusive_prod(xp, len(kept)).reshape(tuple(x.shape[d] for d in perm)).permute(inv)
    return g * cj(e)


def _exclusive_prod(x, d):
    """The product of the other elements along ``d``."""
    from .. import cat, ones
    n = x.shape[d]
    one = ones(tuple(1 if k == d else s for k, s in enumerate(x.shape)), dtype=x.dtype, device=x.device)
    left = cat([one, x.narrow(d, 0, n - 1)], d).cumprod(d)
    right = cat([one, x.narrow(d, 1, n - 1).flip(d)], d).cumprod(d).flip(d)
    return left * right


def norm2_backward(grad, x, result, dims, keepdim):
    """d ||x||_2/dx = x / ||x||, zero where the norm is zero."""
    from .. import where
    r = unsq(result, dims, keepdim)
    return where(r == 0, 0., unsq(grad, dims, keepdim) / r) * x


def var_backward(grad, x, dims, keepdim, count, correction):
    """d var/dx = 2 (x - mean) / (n - correction)."""
    mean = x.mean(dims, keepdim=True)
    return unsq(grad, dims, keepdim) * (2.0 / max(count - correction, 0)) * (x - mean) if count > correction \
        else unsq(grad, dims, keepdim) * float("nan") * (x - mean)


def std_backward(grad, x, result, dims, keepdim, count, correction):
    """d std/dx = d var/dx / (2 std), zero where std is zero."""
    from .. import where
    r = unsq(result, dims, keepdim)
    return var_backward(where(r == 0, 0., unsq(grad, dims, keepdim) / (2 * r)), x, dims, True, count, correction)


def index_backward(grad, x, indices, dims, keepdim):
    """max/min along a dim: the gradient goes to the chosen element."""
    from .. import zeros
    d = dims[0] if dims else 0
    g = unsq(grad, dims, keepdim)
    idx = unsq(indices, dims, keepdim)
    if x.dim() == 0:
        return g.reshape(())
    return zeros(x.shape, dtype=g.dtype, device=g.device).scatter(d, idx, g)

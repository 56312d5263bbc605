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
    """d prod/dx_i: the product of the other elements (exact where one element is zero)."""
    from .. import where
    g = unsq(grad, dims, keepdim)
    r = unsq(result, dims, keepdim)
    zero = x == 0
    nz = zero.sum(dims, keepdim=True)
    if not bool((nz > 0).any()):
        return g * r / x
    # With zeros: the product of the others is the product over the dims with x_i replaced by 1.
    others = where(zero, 1., x).prod(dims[0], keepdim=True) if len(dims) == 1 else \
        where(zero, 1., x).reshape(_merged(x, dims)).prod(-1, keepdim=True)
    if len(dims) != 1:
        others = others.reshape(tuple(1 if d in dims else n for d, n in enumerate(x.shape)))
    return where(nz == 0, g * r / where(zero, 1., x), where((nz == 1) & zero, g * others, 0.))


def _merged(x, dims):
    kept = [d for d in range(x.dim()) if d not in dims]
    x_shape = x.shape
    return tuple(x_shape[d] for d in kept) + (-1,)


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
    return zeros(x.shape, dtype=g.dtype).scatter(d, idx, g)

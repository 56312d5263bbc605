"""Shape and stride arithmetic, all in elements: broadcasting, contiguity, dimension collapsing.

Nothing here touches storage; every function takes and returns plain tuples of ints.
"""
from __future__ import annotations

import operator


def contiguous_strides(shape):
    """Row-major strides (in elements) for ``shape``."""
    strides = []
    acc = 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def is_contiguous(shape, strides):
    if 0 in shape:
        return True
    acc = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1 and s != acc:
            return False
        acc *= n
    return True


def normalize_shape(args, op="view"):
    """Accept ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``; return a tuple of ints."""
    if len(args) == 1 and not isinstance(args[0], int) and hasattr(args[0], "__iter__"):
        args = tuple(args[0])
    try:
        return tuple(operator.index(a) for a in args)
    except TypeError:
        raise TypeError(f"{op}: size must be a tuple of ints, got {args!r}") from None


def wrap_dim(dim, ndim, op="tensorjit"):
    """A dim in ``[-ndim, ndim)`` as a non-negative index (0-d tensors accept -1 and 0)."""
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}") from None
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def broadcast_shapes(*shapes, op="broadcast_shapes"):
    """The shape every one of ``shapes`` broadcasts to (NumPy's and PyTorch's rule).

    >>> import tensorjit as tj
    >>> tj.broadcast_shapes((3, 1), (1, 4))
    (3, 4)
    """
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        off = ndim - len(s)
        for i, n in enumerate(s):
            cur = out[off + i]
            if n != cur:
                if cur == 1:
                    out[off + i] = n
                elif n != 1:
                    desc = " and ".join(str(tuple(x)) for x in shapes)
                    raise RuntimeError(f"{op}: shapes {desc} cannot be broadcast "
                                       f"(size {n} vs {cur} at dim {off + i})")
    return tuple(out)


def broadcast_strides(shape, strides, to_shape):
    """Strides of a view of (``shape``, ``strides``) broadcast to ``to_shape``: 0 where it repeats."""
    off = len(to_shape) - len(shape)
    out = [0] * off
    for i, (n, s) in enumerate(zip(shape, strides)):
        out.append(0 if n == 1 and to_shape[off + i] != 1 else s)
    return tuple(out)


def output_permutation(shape, operand_strides):
    """The order of dims (innermost first) an output should be laid out in to follow its inputs.

    PyTorch's TensorIterator rule: dims are sorted by the strides of the first operand that
    tells them apart, skipping broadcast (stride 0) dims; ties keep the smaller size inside.
    """
    ndim = len(shape)
    perm = list(range(ndim - 1, -1, -1))

    def should_swap(d0, d1):
        for strides in operand_strides:
            s0, s1 = strides[d0], strides[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 < s1:
                return -1
            if s0 > s1:
                return 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    for i in range(1, ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm


def strides_for_permutation(shape, perm):
    """Dense strides for ``shape`` laid out with ``perm[0]`` innermost."""
    strides = [0] * len(shape)
    acc = 1
    for d in perm:
        strides[d] = acc
        acc *= max(shape[d], 1)
    return tuple(strides)


def like_strides(shape, strides):
    """Dense strides for a copy of (shape, strides) that keeps its dim order (PyTorch's
    ``preserve_format``): the same strides when the view is dense, else its layout compacted."""
    perm = output_permutation(shape, [tuple(abs(s) for s in strides)])
    return strides_for_permutation(shape, perm)


def collapse(shape, operand_strides):
    """Drop size-1 dims and merge dims that are contiguous in every operand.

    Returns ``(shape, [strides per operand])`` with the fewest dims that walk the same
    elements in the same order. A 0-d or size-1 iteration space becomes ``(1,)``.
    """
    keep = [i for i, n in enumerate(shape) if n != 1]
    if not keep:
        return (1,), [(0,) for _ in operand_strides]
    new_shape = [shape[keep[0]]]
    new_strides = [[s[keep[0]]] for s in operand_strides]
    for i in keep[1:]:
        n = shape[i]
        if all(ns[-1] == s[i] * n for ns, s in zip(new_strides, operand_strides)):
            new_shape[-1] *= n
            for ns, s in zip(new_strides, operand_strides):
                ns[-1] = s[i]
        else:
            new_shape.append(n)
            for ns, s in zip(new_strides, operand_strides):
                ns.append(s[i])
    return tuple(new_shape), [tuple(ns) for ns in new_strides]


def extent(shape, strides, offset):
    """The lowest and highest storage index a view touches (``None`` when empty)."""
    lo = hi = offset
    for n, s in zip(shape, strides):
        if n == 0:
            return None
        if s > 0:
            hi += (n - 1) * s
        else:
            lo += (n - 1) * s
    return lo, hi


def ranges_overlap(a, b):
    return a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]

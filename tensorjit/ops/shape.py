"""Joining and rearranging: cat, stack, flip, roll, repeat, tril/triu, diag, pad, ...

This module holds the joining ops (cat and its stacks), the splitting and broadcasting
views, meshgrid and atleast_*; the rest live beside it (shape_rearrange.py: flip, roll,
rot90, repeat, tile, repeat_interleave; shape_tri.py: tril/triu, diag; shape_pad.py: pad)
and are re-exported here. Built from views and copies only (Note [shape ops copy] in
shape_common.py).
"""
from __future__ import annotations

from .. import _dtypes, _views
from .._shape import wrap_dim
from .._tensor import Tensor, Size
from .._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]
from .shape_common import (block, check_out, copy_into, format_strides, int_arg, int_tuple, new_tensor, resize_out,
                           restride, suggest_channels_last, tensor_arg, wrap_dim_nonscalar)
from .shape_rearrange import (flip, fliplr, flipud, roll, rot90, tile, repeat_interleave, METHODS as _REARRANGE)
from .shape_tri import (tril, triu, tril_indices, triu_indices, diag, diag_embed, diagflat, METHODS as _TRI)
from .shape_pad import pad

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "split_with_sizes", "tensor_split", "unbind", "broadcast_tensors", "broadcast_shapes", "meshgrid",
           "atleast_1d", "atleast_2d", "atleast_3d", "swapaxes", "swapdims",
           "flip", "fliplr", "flipud", "roll", "rot90", "tile", "repeat_interleave",
           "tril", "triu", "tril_indices", "triu_indices", "diag", "diag_embed", "diagflat", "pad"]

swapaxes, swapdims, split_with_sizes = _views.swapaxes, _views.swapdims, _views.split_with_sizes


# -- joining -----------------------------------------------------------------------------------
def _tensor_list(tensors, op, arg="tensors"):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument '{arg}' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return list(tensors)


def _cat(tensors, dim, out, op):
    """``cat`` of a checked list: one allocation, then one copy per input into a narrow of it."""
    if any(type(t) in _KEYED for t in tensors) and _lookup("cat", _key_of(*tensors)):  # Note [layout dispatch]
        return _lookup("cat", _key_of(*tensors))(tensors, dim, out, op)
    for i, t in enumerate(tensors):
        if not t._shape:
            raise RuntimeError(f"{op}: zero-dimensional tensor (at position {i}) cannot be concatenated")
    dtype = tensors[0]._dtype
    for t in tensors[1:]:
        if t._dtype is not dtype:
            dtype = _dtypes.promote_types(dtype, t._dtype)
    # PyTorch skips 1-d empty tensors in the shape checks (a legacy of its old empty tensor),
    # but they still take part in dtype promotion.
    keep = [(i, t) for i, t in enumerate(tensors) if t._shape != (0,)]
    if not keep:
        shape, d = (0,), 0
    else:
        ref = keep[0][1]._shape
        nd = len(ref)
        d = wrap_dim(dim, nd, op)
        total = 0
        for i, t in keep:
            s = t._shape
            if len(s) != nd:
                raise RuntimeError(f"{op}: Tensors must have same number of dimensions: got {nd} and {len(s)} "
                                   f"(shapes {list(ref)} and {list(s)})")
            for k in range(nd):
                if k != d and s[k] != ref[k]:
                    raise RuntimeError(f"{op}: Sizes of tensors must match except in dimension {d}. Expected "
                                       f"size {ref[k]} but got size {s[k]} for tensor number {i} in the list "
                                       f"(shapes {list(ref)} and {list(s)}).")
            total += s[d]
        shape = ref[:d] + (total,) + ref[d + 1:]
    # PyTorch's output memory format: channels-last only when every input suggests it.
    strides = format_strides(shape, True) if all(suggest_channels_last(t) for t in tensors) else None
    if out is None:
        out = new_tensor(shape, dtype, strides)
    else:
        check_out(out, op, result_dtype=dtype, inputs=tensors)
        resize_out(out, shape, op, strides)
    if out.numel():
        pos = 0
        st = out._strides[d]
        for _, t in keep:
            n = t._shape[d]
            if n:
                copy_into(block(out, t._shape, out._strides, out._offset + pos * st), t)
                pos += n
    return out


def cat(tensors, dim=0, *, axis=None, out=None):
    """Join tensors along an existing dim, promoting their dtypes; 1-d empty tensors are skipped.

    >>> import tensorjit as tj
    >>> tj.cat([tj.tensor([[1, 2]]), tj.tensor([[3.5, 4]])]).tolist()
    [[1.0, 2.0], [3.5, 4.0]]
    """
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    return _cat(tensors, dim if axis is None else axis, out, "cat")


def concat(tensors, dim=0, *, axis=None, out=None):
    """Alias of :func:`cat`."""
    return cat(tensors, dim, axis=axis, out=out)


def concatenate(tensors, axis=0, out=None, *, dim=None):
    """Alias of :func:`cat` (NumPy's argument name)."""
    return cat(tensors, axis if dim is None else dim, out=out)


def _nonempty(tensors, op):
    tensors = _tensor_list(tensors, op)
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dim.

    >>> import tensorjit as tj
    >>> tj.stack([tj.tensor([1, 2]), tj.tensor([3, 4])], dim=1).tolist()
    [[1, 3], [2, 4]]
    """
    tensors = _nonempty(tensors, "stack")
    shape = tensors[0]._shape
    for i, t in enumerate(tensors):
        if t._shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                               f"and {list(t._shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1, "stack")
    return _cat([_views.unsqueeze(t, d) for t in tensors], d, out, "stack")


def hstack(tensors, *, out=None):
    """Join along dim 1 (dim 0 for 1-d inputs), after ``atleast_1d``.

    >>> import tensorjit as tj
    >>> tj.hstack([tj.tensor(1), tj.tensor([2, 3])]).tolist()
    [1, 2, 3]
    """
    tensors = [atleast_1d(t) for t in _nonempty(tensors, "hstack")]
    return _cat(tensors, 0 if tensors[0].dim() == 1 else 1, out, "hstack")


def vstack(tensors, *, out=None):
    """Join along dim 0 after ``atleast_2d``.

    >>> import tensorjit as tj
    >>> tj.vstack([tj.tensor([1, 2]), tj.tensor([3, 4])]).tolist()
    [[1, 2], [3, 4]]
    """
    return _cat([atleast_2d(t) for t in _nonempty(tensors, "vstack")], 0, out, "vstack")


row_stack = vstack


def dstack(tensors, *, out=None):
    """Join along dim 2 after ``atleast_3d``.

    >>> import tensorjit as tj
    >>> tj.dstack([tj.tensor([1, 2]), tj.tensor([3, 4])]).shape
    tensorjit.Size([1, 2, 2])
    """
    return _cat([atleast_3d(t) for t in _nonempty(tensors, "dstack")], 2, out, "dstack")


def column_stack(tensors, *, out=None):
    """Join along dim 1, 0-d and 1-d inputs taken as columns.

    >>> import tensorjit as tj
    >>> tj.column_stack([tj.tensor([1, 2]), tj.tensor([3, 4])]).tolist()
    [[1, 3], [2, 4]]
    """
    tensors = [_views.reshape(t, t.numel(), 1) if t.dim() <= 1 else t
               for t in _nonempty(tensors, "column_stack")]
    return _cat(tensors, 1, out, "column_stack")


# -- splitting (views) --------------------------------------------------------------------------
def _split_at(t, d, bounds):
    """Views of ``t`` between consecutive ``bounds`` along ``d`` (each clamped to the dim)."""
    n = t._shape[d]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        lo = min(max(lo + n if lo < 0 else lo, 0), n)
        hi = min(max(hi + n if hi < 0 else hi, 0), n)
        hi = max(hi, lo)
        shape = t._shape[:d] + (hi - lo,) + t._shape[d + 1:]
        out.append(restride(t, shape, t._strides, t._offset + lo * t._strides[d]))
    return tuple(out)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    """Views splitting ``input`` along ``dim`` into ``sections`` near-equal parts, or at ``indices``.

    ``indices_or_sections`` may be an int, a list of indices, or an int64 tensor (0-d: sections;
    1-d: indices).

    >>> import tensorjit as tj
    >>> [p.tolist() for p in tj.tensor_split(tj.arange(7), 3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    >>> [p.tolist() for p in tj.tensor_split(tj.arange(7), [1, 5])]
    [[0], [1, 2, 3, 4], [5, 6]]
    """
    if type(input) in _KEYED and _lookup("tensor_split", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("tensor_split", input._dispatch_key)(input, indices_or_sections, dim, sections=sections,
                                                            indices=indices,
                                                            tensor_indices_or_sections=tensor_indices_or_sections)
    op = "tensor_split"
    tensor_arg(input, op)
    arg = next((a for a in (indices_or_sections, sections, indices, tensor_indices_or_sections) if a is not None),
               None)
    if arg is None:
        raise TypeError("tensor_split() missing required argument 'indices_or_sections'")
    if not input._shape:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = wrap_dim(dim, input.dim(), op)
    if isinstance(arg, Tensor):
        if arg._dtype is not _dtypes.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{arg._dtype.name}")
        if arg.dim() > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {arg.dim()} dims")
        arg = arg.item() if arg.dim() == 0 else arg.tolist()
    if isinstance(arg, (list, tuple)):
        idx = int_tuple(arg, op, "indices")
        return _split_at(input, d, (0,) + idx + (input._shape[d],))
    k = int_arg(arg, op, "sections")
    if k <= 0:
        raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {k}")
    n = input._shape[d]
    q, r = divmod(n, k)
    bounds = [0]
    for i in range(k):
        bounds.append(bounds[-1] + q + (1 if i < r else 0))
    return _split_at(input, d, bounds)


def unbind(input, dim=0):
    """The slices of ``input`` along ``dim``, as a tuple of views.

    >>> import tensorjit as tj
    >>> [t.tolist() for t in tj.tensor([[1, 2], [3, 4]]).unbind(1)]
    [[1, 3], [2, 4]]
    """
    if type(input) in _KEYED and _lookup("unbind", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("unbind", input._dispatch_key)(input, dim)
    tensor_arg(input, "unbind")
    d = wrap_dim_nonscalar(dim, input, "unbind")
    shape = input._shape[:d] + input._shape[d + 1:]
    strides = input._strides[:d] + input._strides[d + 1:]
    st = input._strides[d]
    return tuple(restride(input, shape, strides, input._offset + i * st) for i in range(input._shape[d]))


# -- broadcasting (views) -------------------------------------------------------------------------
def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` (ints or sequences of ints) broadcast to.

    >>> import tensorjit as tj
    >>> tj.broadcast_shapes((2, 1), (3,), 1)
    tensorjit.Size([2, 3])
    """
    norm = []
    for s in shapes:
        if isinstance(s, Tensor) or not (hasattr(s, "__index__") or hasattr(s, "__iter__")):
            raise RuntimeError(f"broadcast_shapes: Input shapes should be of type ints, a tuple of ints, or a "
                               f"list of ints, got {s!r}")
        s = int_tuple(s, "broadcast_shapes", "shapes", allow_int=True)
        if any(n < 0 for n in s):
            raise ValueError(f"broadcast_shapes: Attempting to broadcast a dimension with negative length! "
                             f"(shape {s})")
        norm.append(s)
    nd = max((len(s) for s in norm), default=0)
    result = [1] * nd
    for j, s in enumerate(norm):
        for i in range(-1, -len(s) - 1, -1):
            n = s[i]
            if n == 1 or n == result[i]:
                continue
            if result[i] != 1:
                raise RuntimeError(f"broadcast_shapes: Attempting to broadcast a dimension of length {n} at {i}! "
                                   f"Mismatching argument at index {j} had {s}; but expected shape should be "
                                   f"broadcastable to {result}")
            result[i] = n
    return Size(result)


def broadcast_tensors(*tensors):
    """Views of ``tensors`` expanded to their common broadcast shape.

    >>> import tensorjit as tj
    >>> a, b = tj.broadcast_tensors(tj.zeros(2, 1), tj.zeros(3))
    >>> a.shape, b.stride()
    (tensorjit.Size([2, 3]), (0, 1))
    """
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"broadcast_tensors(): expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    nd = max((t.dim() for t in tensors), default=0)
    shape = [1] * nd
    for k, t in enumerate(tensors):
        off = nd - t.dim()
        for i, n in enumerate(t._shape):
            cur = shape[off + i]
            if n != cur and n != 1:
                if cur != 1:
                    raise RuntimeError(f"broadcast_tensors: The size of tensor a ({cur}) must match the size of "
                                       f"tensor b ({n}) at non-singleton dimension {off + i} (shapes "
                                       f"{', '.join(str(tuple(t._shape)) for t in tensors)})")
                shape[off + i] = n
    return tuple(_views.expand(t, shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids (expanded views) from 0-d or 1-d tensors; ``indexing`` is ``'ij'`` (the
    default) or ``'xy'`` (the first two dims swapped).

    >>> import tensorjit as tj
    >>> gx, gy = tj.meshgrid(tj.tensor([1, 2, 3]), tj.tensor([4, 5]), indexing='xy')
    >>> gx.tolist(), gy.shape
    ([[1, 2, 3], [1, 2, 3]], tensorjit.Size([2, 3]))
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    tensors = _tensor_list(list(tensors), "meshgrid")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors[1:]:
        if t._dtype is not tensors[0]._dtype:
            raise RuntimeError(f"meshgrid expects all tensors to have the same dtype (got {tensors[0]._dtype.name} "
                               f"and {t._dtype.name})")
    for i, t in enumerate(tensors):
        if t.dim() > 1:
            raise RuntimeError(f"meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of shape "
                               f"{tuple(t._shape)} at position {i}")
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = [t.numel() for t in tensors]
    grids = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[i] = shape[i]
        grids.append(_views.expand(_views.view(t, view_shape), shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


# -- atleast_nd (views) ------------------------------------------------------------------------------
def _atleast(tensors, fn, op):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(fn(t) for t in _tensor_list(tensors[0], op))
    tensors = _tensor_list(list(tensors), op)
    return fn(tensors[0]) if len(tensors) == 1 else tuple(fn(t) for t in tensors)


def _1d(t):
    return _views.reshape(t, 1) if not t._shape else t


def _2d(t):
    nd = t.dim()
    return _views.reshape(t, 1, 1) if nd == 0 else _views.unsqueeze(t, 0) if nd == 1 else t


def _3d(t):
    nd = t.dim()
    if nd == 0:
        return _views.reshape(t, 1, 1, 1)
    if nd == 1:
        return _views.unsqueeze(_views.unsqueeze(t, 0), -1)
    return _views.unsqueeze(t, -1) if nd == 2 else t


def atleast_1d(*tensors):
    """Views with at least one dim (0-d becomes shape (1,)); one tensor in, one out, else a tuple.

    >>> import tensorjit as tj
    >>> tj.atleast_1d(tj.tensor(5)).shape
    tensorjit.Size([1])
    """
    return _atleast(tensors, _1d, "atleast_1d")


def atleast_2d(*tensors):
    """Views with at least two dims (a 1-d ``(n,)`` becomes ``(1, n)``).

    >>> import tensorjit as tj
    >>> tj.atleast_2d(tj.tensor([1, 2])).shape
    tensorjit.Size([1, 2])
    """
    return _atleast(tensors, _2d, "atleast_2d")


def atleast_3d(*tensors):
    """Views with at least three dims (``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` becomes ``(m, n, 1)``).

    >>> import tensorjit as tj
    >>> tj.atleast_3d(tj.tensor([1, 2])).shape
    tensorjit.Size([1, 2, 1])
    """
    return _atleast(tensors, _3d, "atleast_3d")


METHODS = {
    "tensor_split": tensor_split, "unbind": unbind, "split_with_sizes": split_with_sizes,
    "swapaxes": swapaxes, "swapdims": swapdims,
    **_REARRANGE, **_TRI,
}

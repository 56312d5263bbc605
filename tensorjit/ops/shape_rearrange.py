"""Rearranging copies: flip, fliplr, flipud, roll, rot90, repeat, tile, repeat_interleave.

Each allocates its output once and fills it with copies of views of the input (Note
[shape ops copy] in shape_common.py): ``flip`` one copy of a negative-stride view, ``roll``
one copy per rectangular block (two per rolled dim), ``repeat``/``tile`` one copy of an
expanded (stride-0) view, ``repeat_interleave`` with a scalar count the same.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import _dtypes, _views
from .._shape import contiguous_strides, like_strides, wrap_dim
from .._tensor import Tensor
from .._layouts import KEYED as _KEYED, lookup as _lookup  # Note [layout dispatch]
from .shape_common import (block, copy_into, int_arg, int_tuple, new_tensor, tensor_arg, varargs, wrap_dims,
                           wrap_dim_nonscalar)


# -- flip ---------------------------------------------------------------------------------------------
def _flipped(t, dims):
    """A view of ``t`` reversed along ``dims`` (negative strides; nothing is copied)."""
    shape, strides, off = t._shape, list(t._strides), t._offset
    for d in dims:
        if d < len(shape) and shape[d] > 1:  # a 0-d tensor accepts dim 0 and has nothing to reverse
            off += (shape[d] - 1) * strides[d]
            strides[d] = -strides[d]
    return block(t, shape, tuple(strides), off)


def _flip(t, dims):
    if type(t) is not Tensor and t.is_cuda:
        return _flip_cuda(t, dims)
    # PyTorch's flip keeps the input's dim order (empty_like with preserve_format).
    out = new_tensor(t._shape, t._dtype, like_strides(t._shape, t._strides))
    return copy_into(out, _flipped(t, dims))


def _flip_cuda(t, dims):
    # CUDA storage: one index_select per reversed dim (the CUDA backend's gather kernel), so
    # flip and what is built on it (fliplr, flipud, the cumsum gradient) run on the device.
    from .._creation import arange
    out = t
    for d in dims:
        if d < t.dim() and t._shape[d] > 1:
            out = out.index_select(d, arange(t._shape[d] - 1, -1, -1, device=t.device))
    return t.clone() if out is t else out


def flip(input, dims):
    """A copy of ``input`` with the order of elements reversed along each of ``dims``.

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 2], [3, 4]]).flip([1]).tolist()
    [[2, 1], [4, 3]]
    """
    if type(input) in _KEYED and _lookup("flip", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("flip", input._dispatch_key)(input, dims)
    tensor_arg(input, "flip")
    dims = wrap_dims(int_tuple(dims, "flip", "dims"), input.dim(), "flip")
    return _flip(input, dims)


def _flip_method(self, *dims, **kwargs):
    return flip(self, _dims_arg(dims, kwargs, "flip"))


def _dims_arg(args, kwargs, op):
    """A method's dims given as ``f(0, 1)``, ``f((0, 1))`` or ``f(dims=(0, 1))``."""
    if kwargs:
        if args or set(kwargs) != {"dims"}:
            raise TypeError(f"{op}() got an unexpected combination of arguments: {args}, {kwargs}")
        return int_tuple(kwargs["dims"], op, "dims")
    return varargs(args, op, "dims")


def fliplr(input):
    """``input`` flipped along dim 1 (left/right); needs at least 2 dims.

    >>> import tensorjit as tj
    >>> tj.fliplr(tj.tensor([[1, 2]])).tolist()
    [[2, 1]]
    """
    if type(input) in _KEYED and _lookup("fliplr", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("fliplr", input._dispatch_key)(input)
    tensor_arg(input, "fliplr")
    if input.dim() < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d (got shape {tuple(input._shape)}).")
    return _flip(input, [1])


def flipud(input):
    """``input`` flipped along dim 0 (up/down); needs at least 1 dim.

    >>> import tensorjit as tj
    >>> tj.flipud(tj.tensor([1, 2])).tolist()
    [2, 1]
    """
    if type(input) in _KEYED and _lookup("flipud", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("flipud", input._dispatch_key)(input)
    tensor_arg(input, "flipud")
    if input.dim() < 1:
        raise RuntimeError("flipud: Input must be >= 1-d (got a 0-d tensor).")
    return _flip(input, [0])


# -- roll ---------------------------------------------------------------------------------------------
def roll(input, shifts, dims=None):
    """Shift elements along ``dims`` circularly by ``shifts`` (ints or tuples of ints); with
    ``dims=None`` the tensor is flattened, rolled, and given its shape back.

    >>> import tensorjit as tj
    >>> tj.roll(tj.tensor([1, 2, 3, 4]), 1).tolist()
    [4, 1, 2, 3]
    >>> tj.tensor([[1, 2], [3, 4]]).roll((1, 1), (0, 1)).tolist()
    [[4, 3], [2, 1]]
    """
    if type(input) in _KEYED and _lookup("roll", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("roll", input._dispatch_key)(input, shifts, dims)
    op = "roll"
    tensor_arg(input, op)
    shifts = int_tuple(shifts, op, "shifts", allow_int=True)
    dims = () if dims is None else int_tuple(dims, op, "dims", allow_int=True)
    if not shifts:
        raise RuntimeError("roll: `shifts` required")
    if not dims:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        flat = roll(_views.reshape(input, -1), shifts, (0,))
        return _views.view(flat, input._shape)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = [wrap_dim_nonscalar(d, input, op) for d in dims]
    # Shifts along the same dim add up.
    total = {}
    for s, d in zip(shifts, dims):
        total[d] = total.get(d, 0) + s
    out = new_tensor(input._shape, input._dtype)
    if not out.numel():
        return out
    # Each rolled dim splits into two blocks; copy every combination of blocks.
    per_dim = []
    for d in range(input.dim()):
        n = input._shape[d]
        s = total.get(d, 0) % n
        # output [s, n) <- input [0, n - s); output [0, s) <- input [n - s, n)
        per_dim.append([(s, 0, n - s), (0, n - s, s)] if s else [(0, 0, n)])
    for blocks in itertools.product(*per_dim):
        if any(b[2] == 0 for b in blocks):
            continue
        shape = tuple(b[2] for b in blocks)
        o_off = out._offset + sum(b[0] * st for b, st in zip(blocks, out._strides))
        i_off = input._offset + sum(b[1] * st for b, st in zip(blocks, input._strides))
        copy_into(block(out, shape, out._strides, o_off), block(input, shape, input._strides, i_off))
    return out


# -- rot90 ----------------------------------------------------------------------------------------------
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the second.

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 2], [3, 4]]).rot90().tolist()
    [[2, 4], [1, 3]]
    """
    if type(input) in _KEYED and _lookup("rot90", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("rot90", input._dispatch_key)(input, k, dims)
    op = "rot90"
    tensor_arg(input, op)
    k = int_arg(k, op, "k")
    dims = int_tuple(dims, op, "dims")
    nd = input.dim()
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {nd}")
    if dims[0] == dims[1] or abs(dims[0] - dims[1]) == nd:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {dims[0]} and "
                           f"dim1 = {dims[1]}")
    d0, d1 = wrap_dim(dims[0], nd, op), wrap_dim(dims[1], nd, op)
    k %= 4
    if k == 1:
        return _views.transpose(_flip(input, [d1]), d0, d1)
    if k == 2:
        return _flip(input, [d0, d1])
    if k == 3:
        return _views.transpose(_flip(input, [d0]), d0, d1)
    return copy_into(new_tensor(input._shape, input._dtype), input)


# -- repeat and tile ---------------------------------------------------------------------------------------
def _repeat(t, reps, op):
    if type(t) in _KEYED and _lookup("repeat", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("repeat", t._dispatch_key)(t, reps, op)
    nd = t.dim()
    if len(reps) < nd:
        raise RuntimeError(f"{op}: Number of dimensions of repeat dims can not be smaller than number of "
                           f"dimensions of tensor (repeats {list(reps)}, tensor shape {list(t._shape)})")
    lead = len(reps) - nd
    shape = (1,) * lead + t._shape
    strides = (0,) * lead + t._strides
    result = tuple(r * n for r, n in zip(reps, shape))
    if any(n < 0 for n in result):
        bad = next(n for n in result if n < 0)
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {bad}: {list(result)}")
    out = new_tensor(result, t._dtype)
    if not out.numel():
        return out
    # The output seen as (r0, n0, r1, n1, ...) is the input expanded along every r_i.
    big_shape = tuple(x for r, n in zip(reps, shape) for x in (r, n))
    src = block(t, big_shape, tuple(x for s in strides for x in (0, s)), t._offset)
    dest = block(out, big_shape, contiguous_strides(big_shape), 0)
    copy_into(dest, src)
    return out


def _repeat_method(self, *sizes):
    """Tile ``self`` ``sizes[i]`` times along each dim (leading sizes add new dims); a copy.

    >>> import tensorjit as tj
    >>> tj.tensor([1, 2]).repeat(2, 2).tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    return _repeat(self, varargs(sizes, "repeat", "repeats"), "repeat")


def tile(input, dims):
    """Repeat ``input`` ``dims[i]`` times along each dim; a shorter ``dims`` is padded with leading 1s.

    >>> import tensorjit as tj
    >>> tj.tile(tj.tensor([[1, 2]]), (2,)).tolist()
    [[1, 2, 1, 2]]
    """
    tensor_arg(input, "tile")
    dims = int_tuple(dims, "tile", "dims")
    dims = (1,) * (input.dim() - len(dims)) + dims
    return _repeat(input, dims, "tile")


def _tile_method(self, *dims, **kwargs):
    return tile(self, _dims_arg(dims, kwargs, "tile"))


# -- repeat_interleave --------------------------------------------------------------------------------------
def _repeats_array(repeats, op):
    if repeats._dtype not in (_dtypes.int64, _dtypes.int32):
        raise NotImplementedError(f'"{op}" not implemented for repeats of dtype {repeats._dtype.name}')
    reps = np.ascontiguousarray(repeats.numpy()).astype(np.int64)
    if reps.size and reps.min() < 0:
        raise RuntimeError(f"{op}: repeats can not be negative")
    return reps


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or each slice along ``dim``) ``repeats`` times, in place order.

    ``repeats`` is an int or a 0-d/1-d integer tensor (one count per slice); ``dim=None``
    flattens ``input`` first. ``repeat_interleave(repeats)`` alone gives the indices
    ``0, 0, ..., 1, ...`` repeated by the counts in ``repeats``.

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 2], [3, 4]]).repeat_interleave(2, dim=0).tolist()
    [[1, 2], [1, 2], [3, 4], [3, 4]]
    >>> tj.repeat_interleave(tj.tensor([1, 2])).tolist()
    [0, 1, 1]
    """
    if type(input) in _KEYED and _lookup("repeat_interleave", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("repeat_interleave", input._dispatch_key)(input, repeats, dim, output_size=output_size)
    op = "repeat_interleave"
    tensor_arg(input, op)
    if repeats is None:
        if input.dim() != 1:
            raise RuntimeError(f"{op}: repeat_interleave only accept 1D vector as repeat (got shape "
                               f"{tuple(input._shape)})")
        reps = _repeats_array(input, op)
        idx = np.repeat(np.arange(reps.size, dtype=input._dtype.np), reps)
        if output_size is not None and output_size != idx.size:
            raise RuntimeError(f"{op}: allocated size does not match required size ({output_size} vs {idx.size})")
        return _from_array(idx, input._dtype)
    if dim is None:
        x, d = _views.reshape(input, -1), 0
    else:
        d = wrap_dim(dim, input.dim(), op)
        x = _views.reshape(input, 1) if not input._shape else input
    n = x._shape[d]
    if isinstance(repeats, Tensor):
        if repeats.dim() > 1:
            raise RuntimeError(f"{op}: repeats must be 0-dim or 1-dim tensor (got shape {tuple(repeats._shape)})")
        reps = _repeats_array(repeats, op)
        if reps.size == 1:
            repeats = int(reps[0])
        else:
            if reps.size != n:
                raise RuntimeError(f"{op}: repeats must have the same size as input along dim, but got "
                                   f"repeats.size(0) = {reps.size} and input.size({d}) = {n}")
            total = int(reps.sum())
            if output_size is not None and output_size != total:
                raise RuntimeError(f"{op}: allocated size does not match required size ({output_size} vs {total})")
            from .indexing import index_select
            return index_select(x, d, _from_array(np.repeat(np.arange(n, dtype=np.int64), reps), _dtypes.int64))
    r = int_arg(repeats, op, "repeats")
    if r < 0:
        raise RuntimeError(f"{op}: Repeats must be non-negative (got {r})")
    if output_size is not None and output_size != n * r:
        raise RuntimeError(f"{op}: Invalid output_size, expected {n * r} but got {output_size}")
    # The output seen as (..., n, r, ...) is the input expanded along the new r dim.
    shape = x._shape[:d] + (n * r,) + x._shape[d + 1:]
    out = new_tensor(shape, x._dtype)
    if out.numel():
        big = x._shape[:d] + (n, r) + x._shape[d + 1:]
        src = block(x, big, x._strides[:d] + (x._strides[d], 0) + x._strides[d + 1:], x._offset)
        copy_into(block(out, big, contiguous_strides(big), 0), src)
    return out


def _from_array(arr, dtype):
    from .._creation import from_numpy
    t = from_numpy(np.ascontiguousarray(arr, dtype=dtype.np))
    return t


def _repeat_interleave_method(self, repeats, dim=None, *, output_size=None):
    return repeat_interleave(self, repeats, dim, output_size=output_size)


METHODS = {
    "flip": _flip_method, "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90,
    "repeat": _repeat_method, "tile": _tile_method, "repeat_interleave": _repeat_interleave_method,
}

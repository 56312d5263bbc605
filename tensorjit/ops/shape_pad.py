"""``pad`` with PyTorch's modes (``torch.nn.functional.pad``): constant, reflect, replicate,
circular.

Note [pad blocks]
    Along one padded dim every output index maps to an input index by a rule that is
    affine on at most three runs (left pad, centre, right pad): ``reflect`` walks back
    from the edge (step -1), ``replicate`` repeats the edge (step 0), ``circular`` wraps
    (step 1), the centre is the input itself. The output is the product of those runs
    over the padded dims, and each block of the product is one copy from a strided view
    of the input (negative or zero strides included) into a view of the output: at most
    3**k copies for k padded dims, no kernel of its own (Note [shape ops copy]).
    ``constant`` fills the border slabs and copies the (possibly cropped) input once.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import _dtypes, _views
from .._dispatch import cast_into
from .._tensor import Tensor
from .._layouts import KEYED as _KEYED, lookup as _lookup  # Note [layout dispatch]
from .shape_common import (block, copy_into, format_strides, int_tuple, new_tensor, restride,
                           suggest_channels_last)

_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative sizes, crop) the last ``len(pad) // 2`` dims of ``input``.

    ``pad`` lists ``(left, right)`` pairs starting from the last dim. ``mode`` is
    ``'constant'`` (fill with ``value``, default 0), ``'reflect'`` (mirror without repeating
    the edge), ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around); the last
    three pad 1 to 3 trailing dims of a tensor with one or two leading (batch, channel) dims.

    >>> import tensorjit as tj
    >>> tj.pad(tj.tensor([[1, 2, 3]]), (2, 1), mode="reflect").tolist()
    [[3, 2, 1, 2, 3, 2]]
    >>> tj.pad(tj.tensor([[1, 2]]), (1, 1), value=9).tolist()
    [[9, 1, 2, 9]]
    """
    if type(input) in _KEYED and _lookup("pad", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("pad", input._dispatch_key)(input, pad, mode, value)
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    pads = int_tuple(pad, "pad", "pad")
    if mode not in _MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    if len(pads) % 2:
        raise RuntimeError(f"pad: Padding length must be divisible by 2 (got {len(pads)})")
    nd = input.dim()
    k = len(pads) // 2
    if k > nd:
        raise RuntimeError(f"pad: Padding length should be less than or equal to two times the input dimension "
                           f"but got padding length {len(pads)} and input of dimension {nd}")
    # pairs[i] = (left, right) of dim nd - k + i
    pairs = [(pads[2 * (nd - 1 - d)], pads[2 * (nd - 1 - d) + 1]) for d in range(nd - k, nd)]
    if mode == "constant":
        return _constant(input, pairs, value)
    if value is not None and value != 0:
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: Padding size {len(pads)} is not supported for {nd}D input tensor.")
    if mode != "circular":
        if input._dtype is _dtypes.bool:
            raise NotImplementedError(f'pad: "{mode}" padding not implemented for dtype bool')
        if any(n == 0 for n in input._shape[nd - k - 1 if nd == k + 1 else 1:]):
            raise RuntimeError(f"pad: Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size "
                               f"and other non-zero dimensions for input, but got: {list(input._shape)}")
        # PyTorch's reflection/replication kernels refuse an output with no element in any padded dim.
        sizes = [input._shape[nd - k + i] + lo + hi for i, (lo, hi) in enumerate(pairs)]
        if any(n < 0 for n in sizes) or all(n < 1 for n in sizes):
            names = "DHW"[3 - k:]
            raise RuntimeError(f"pad: input ({', '.join(f'{c}: {n}' for c, n in zip(names, input._shape[nd - k:]))}) "
                               f"is too small. Calculated output {' '.join(f'{c}: {n}' for c, n in zip(names, sizes))}")
    runs = []
    for i, (lo, hi) in enumerate(pairs):
        d = nd - k + i
        runs.append(_runs(mode, input._shape[d], lo, hi, d, input._shape, 4 + 2 * (k - 1 - i)))
    return _copy_blocks(input, [[(0, n, 0, 1)] for n in input._shape[:nd - k]] + runs)


def _runs(mode, n, lo, hi, d, shape, argno):
    """The runs ``(out_start, length, in_start, in_step)`` of one padded dim (Note [pad blocks])."""
    if mode == "reflect" and (lo >= n or hi >= n):
        raise RuntimeError(f"pad: Argument #{argno}: Padding size should be less than the corresponding input "
                           f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input {list(shape)}")
    if mode == "circular":
        if lo > n or hi > n:
            raise RuntimeError(f"pad: Padding value causes wrapping around more than once (padding ({lo}, {hi}) "
                               f"at dimension {d} of input {list(shape)}).")
        # Negative sizes crop first; the rest wraps around what is left (PyTorch's order).
        start, m = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
        lo, hi = max(lo, 0), max(hi, 0)
        if m < 0 or lo > m or hi > m:
            raise RuntimeError(f"pad: Padding value causes wrapping around more than once (padding ({lo}, {hi}) "
                               f"at dimension {d} of input {list(shape)} after cropping).")
        return [r for r in ((0, lo, start + m - lo, 1), (lo, m, start, 1), (lo + m, hi, start, 1)) if r[1]]
    size = n + lo + hi
    runs = []
    if lo > 0 and size > 0:                                       # left pad: j in [0, lo)
        runs.append((0, min(lo, size), lo if mode == "reflect" else 0, -1 if mode == "reflect" else 0))
    c0, c1 = max(lo, 0), min(lo + n, size)                        # centre: input index j - lo
    if c1 > c0:
        runs.append((c0, c1 - c0, c0 - lo, 1))
    r0 = max(lo + n, 0)                                           # right pad: j in [lo + n, size)
    if size > r0:
        runs.append((r0, size - r0, 2 * (n - 1) - (r0 - lo) if mode == "reflect" else n - 1,
                     -1 if mode == "reflect" else 0))
    for _, length, start, step in runs:
        if not (0 <= start < n and 0 <= start + (length - 1) * step < n):
            raise RuntimeError(f"pad: padding ({lo}, {hi}) at dimension {d} of input {list(shape)} crops past "
                               f"the edge it {mode}s")
    return runs


def _copy_blocks(input, runs):
    shape = tuple(sum(r[1] for r in rs) for rs in runs)
    out = new_tensor(shape, input._dtype)
    if not out.numel():
        return out
    for blocks in itertools.product(*runs):
        bshape = tuple(b[1] for b in blocks)
        o_off = out._offset + sum(b[0] * st for b, st in zip(blocks, out._strides))
        i_off = input._offset + sum(b[2] * st for b, st in zip(blocks, input._strides))
        i_str = tuple(b[3] * st for b, st in zip(blocks, input._strides))
        copy_into(block(out, bshape, out._strides, o_off), block(input, bshape, i_str, i_off))
    return out


def _constant(input, pairs, value):
    from .._copy import _check_fits
    nd = input.dim()
    k = len(pairs)
    if value is None:
        value = 0
    if isinstance(value, (complex, Tensor)) or not isinstance(value, (bool, int, float)) and \
            not hasattr(value, "__float__"):
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, not {type(value).__name__}")
    d = input._dtype
    if isinstance(value, int) and not isinstance(value, bool) and d.category == _dtypes.INT:
        info = np.iinfo(d.np)
        if not info.min <= value <= info.max:
            raise RuntimeError(f"pad: value {value} cannot be converted to type {d.name} without overflow")
    else:
        # (a Python int beyond int64 goes through float: NumPy has no dtype for it)
        _check_fits(float(value) if type(value) is int else value, d, "pad")
    # Crop first (negative sizes), as PyTorch's constant_pad_nd narrows before padding.
    src, positive = input, False
    shape = list(input._shape)
    offset, strides = input._offset, input._strides
    for i, (lo, hi) in enumerate(pairs):
        d = nd - k + i
        n = shape[d]
        if n + min(lo, 0) < 0 or n + min(lo, 0) + min(hi, 0) < 0:
            raise RuntimeError(f"pad: narrow(): length must be non-negative (padding ({lo}, {hi}) at dimension "
                               f"{d} of input {list(input._shape)})")
        if lo < 0:
            offset += -lo * strides[d]
        shape[d] = n + min(lo, 0) + min(hi, 0)
        positive = positive or lo > 0 or hi > 0
    src = restride(input, shape, strides, offset)
    if not positive:
        return _views.clone(src)
    out_shape = tuple(shape[:nd - k]) + tuple(shape[nd - k + i] + max(lo, 0) + max(hi, 0)
                                              for i, (lo, hi) in enumerate(pairs))
    out = new_tensor(out_shape, input._dtype, format_strides(out_shape, suggest_channels_last(input)))
    if not out.numel():
        return out
    # Border slabs: for padded dim i, the rows outside the centre of dim i, inside the centre
    # of the padded dims before it, and full along the ones after it; together with the
    # centre they tile the output once.
    centre = [(0, n) for n in out_shape[:nd - k]] + [(max(lo, 0), shape[nd - k + i])
                                                      for i, (lo, hi) in enumerate(pairs)]
    for i, (lo, hi) in enumerate(pairs):
        d = nd - k + i
        for start, length in ((0, max(lo, 0)), (centre[d][0] + centre[d][1], max(hi, 0))):
            if not length:
                continue
            region = [centre[j] if j < d else (0, out_shape[j]) for j in range(nd)]
            region[d] = (start, length)
            _fill(out, region, value)
    dest = _region(out, centre)
    copy_into(dest, src)
    return out


def _region(t, region):
    return block(t, tuple(r[1] for r in region), t._strides,
                 t._offset + sum(r[0] * st for r, st in zip(region, t._strides)))


def _fill(out, region, value):
    view = _region(out, region)
    if view.numel():
        cast_into(view, value)

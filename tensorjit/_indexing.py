"""Indexing. Basic indices (ints, slices with any step, None, ``...`` and bools) give views;
``t[idx] = value`` writes through such a view with broadcasting and casting. Index tensors,
lists and masks (advanced indexing) go to tensorjit/_advindex.py.
"""
from __future__ import annotations

import operator

from . import _advindex
from ._tensor import Tensor, make
from ._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]


def _as_int(i):
    if isinstance(i, Tensor):
        if i.numel() == 1 and i.dim() == 0 and i._dtype.category == 1:
            return i.item()
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None, booleans and integer or "
                         "boolean tensors are valid indices")
    return operator.index(i)


def _parse(t, idx):
    """(shape, strides, offset) of the view ``t[idx]``."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    nd = len(t._shape)
    consumed = 0
    ellipses = 0
    for i in idx:
        if i is Ellipsis:
            ellipses += 1
        elif i is not None and not isinstance(i, bool):
            consumed += 1
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    shape, strides = [], []
    offset = t._offset
    d = 0
    for i in idx:
        if i is Ellipsis:
            for _ in range(nd - consumed):
                shape.append(t._shape[d])
                strides.append(t._strides[d])
                d += 1
        elif i is None or isinstance(i, bool):
            shape.append(1 if i is None or i else 0)
            strides.append(t._strides[d] * t._shape[d] if d < nd else 1)
        elif isinstance(i, slice):
            n, st = t._shape[d], t._strides[d]
            if i.step == 0:
                raise ValueError("slice step cannot be zero")
            start, stop, step = i.indices(n)
            length = len(range(start, stop, step))
            offset += start * st  # PyTorch moves the offset even for an empty slice
            shape.append(length)
            strides.append(st * step)
            d += 1
        else:
            try:
                k = _as_int(i)
            except TypeError:
                raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and booleans are valid "
                                 f"indices (got {type(i).__name__})") from None
            n = t._shape[d]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {d} with size {n}")
            offset += (k + n if k < 0 else k) * t._strides[d]
            d += 1
    for r in range(d, nd):
        shape.append(t._shape[r])
        strides.append(t._strides[r])
    return tuple(shape), tuple(strides), offset


def getitem(t, idx):
    """``t[idx]`` for basic indices: a view sharing ``t``'s storage.

    >>> import tensorjit as tj
    >>> x = tj.arange(10)
    >>> x[::-3].tolist(), x[None, 2:4].shape
    ([9, 6, 3, 0], tensorjit.Size([1, 2]))
    """
    if type(t) in _KEYED and _lookup("getitem", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("getitem", t._dispatch_key)(t, idx)
    items, advanced = _advindex._classify(t, idx)
    if advanced:
        return _advindex.getitem(t, items)
    shape, strides, offset = _parse(t, tuple(items))
    return make(t._data, shape, strides, offset, t._dtype)


def setitem(t, idx, value):
    """``t[idx] = value``: a scalar or a tensor broadcast and cast into the view ``t[idx]``.

    >>> import tensorjit as tj
    >>> x = tj.zeros(2, 3); x[:, 1] = 7; x.tolist()
    [[0.0, 7.0, 0.0], [0.0, 7.0, 0.0]]
    """
    key = (type(t) in _KEYED or type(value) in _KEYED) and _key_of(t, value)  # Note [layout dispatch]
    if key and _lookup("setitem", key):
        return _lookup("setitem", key)(t, idx, value)
    from ._copy import copy_, fill_
    items, advanced = _advindex._classify(t, idx)
    if advanced:
        _advindex.setitem(t, items, value, op="setitem")
        return
    shape, strides, offset = _parse(t, tuple(items))
    dest = make(t._data, shape, strides, offset, t._dtype)
    if isinstance(value, Tensor):
        copy_(dest, value, _op="setitem")
    else:
        if hasattr(value, "__array__") or isinstance(value, (list, tuple)):
            from ._creation import tensor
            copy_(dest, tensor(value), _op="setitem")
        else:
            fill_(dest, value, _op="setitem")

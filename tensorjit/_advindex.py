"""Advanced indexing: index tensors, lists and boolean masks, on read and on write.

Follows PyTorch's rules, which are NumPy's except that an int next to index tensors is a
basic index (it removes its dim and never broadcasts with them). Index tensors broadcast
together; their result dims replace the indexed dims in place when the indexed dims are
adjacent, and go first otherwise. A boolean mask stands for the index tensors of its
``nonzero()``. Reads copy into a new contiguous tensor, writes go through the same layout
(Note [index layout] in kernels/cpu/index.py).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import _dtypes
from ._dispatch import get_num_threads, layout, PARALLEL_THRESHOLD, _may_overlap, _check_writable
from ._shape import (broadcast_shapes, broadcast_strides, output_permutation,
                     strides_for_permutation)
from ._storage import allocate
from ._tensor import Tensor, make, make_dense
from .kernels.registry import LazyEntries

_KERNELS = {}


class IndexOutOfRangeError(IndexError, RuntimeError):
    """An index outside its dim, where PyTorch raises IndexError on some paths and RuntimeError
    on others (index_select, index_fill): both ``except`` clauses catch it."""

_SELECT = [None]


def _cuda_index():
    from .cuda import _index
    return _index


class IKernel(LazyEntries):
    """One index kernel module (``body``, and ``body_par`` for gathers)."""

    __slots__ = ()

    def serial(self):
        e = self._entries.get("body")
        return e if e is not None else self.entry("body")

    def par(self):
        from numba.core import types
        return self.entry("body_par", self.sig[:-2] + (types.int64, types.int64))


def _move_dtype(d):
    """The kernel NumPy dtype elements of ``d`` move as (Note [index layout])."""
    from .kernels.cpu.index import MOVE_CODE
    return np.dtype({"u1": np.uint8, "u2": np.uint16, "u4": np.uint32, "u8": np.uint64,
                     "c16": np.complex128}[MOVE_CODE[d.itemsize]])


def index_kernel(mode, k, d, combine=None):
    """The kernel for ``mode`` ('get', 'put' or 'acc') over ``k`` index operands of dtype ``d``."""
    move = mode != "acc"
    kd = _move_dtype(d) if move else d.knp
    key = (mode, k, kd.str if move else d, combine)
    kern = _KERNELS.get(key)
    if kern is None:
        from numba.core import types
        from numba.np.numpy_support import from_dtype
        from .kernels import registry
        from .kernels.cpu import index as gen
        code = gen.MOVE_CODE[d.itemsize] if move else d.code
        src = gen.source(mode, k, code, combine)
        mod = registry.load_module(f"index_{mode}{combine or ''}_{k}__{code}", src)
        arr = types.Array(from_dtype(kd), 1, "C")
        idx = types.Array(types.int64, 1, "C")
        sig = (types.UniTuple(types.int64, 4 + 5 * (2 + k) + 2 * k), arr, arr) + (idx,) * k + \
            (types.int64, types.int64)
        kern = _KERNELS[key] = IKernel(mod, sig)
    return kern


def select_kernels():
    """kernels/cpu/select.py (mask and index-check kernels)."""
    if _SELECT[0] is None:
        from .kernels import registry
        _SELECT[0] = registry.load_source("cpu/select.py")
    return _SELECT[0]


def run(mode, d, shape, a, b, indices, combine=None):
    """Run an index kernel over iteration ``shape``. ``a`` and ``b`` are ``(tensor, strides)``
    restrided to ``shape``; ``indices`` are ``(int64 tensor, strides, size, indexed stride)``."""
    if b[0].is_cuda: return _cuda_index().run(mode, d, shape, a, b, indices, combine)  # noqa: E701
    n = math.prod(shape)
    if n == 0:
        return
    k = len(indices)
    kern = index_kernel(mode, k, d, combine)
    kd = a[0]._data.dtype if mode == "acc" else _move_dtype(d)
    arrays = [a[0]._data.view(kd), b[0]._data.view(kd)] + [ix[0]._data for ix in indices]
    offsets = [a[0]._offset, b[0]._offset] + [ix[0]._offset for ix in indices]
    strides = [a[1], b[1]] + [ix[1] for ix in indices]
    extra = ()
    for ix in indices:
        extra += (ix[2], ix[3])
    lay = layout(shape, strides)
    if lay is None:
        lay = _leading_pieces(shape, strides)
    for shape4, strides4, deltas, cnt in lay:
        if not cnt:
            continue
        meta = shape4
        for off, dl, st in zip(offsets, deltas, strides4):
            meta += (off + dl,) + st
        meta += extra
        t = get_num_threads() if mode == "get" and cnt >= PARALLEL_THRESHOLD else 1
        if t > 1:
            kern.par()(meta, *arrays, cnt, t)
        else:
            kern.serial()(meta, *arrays, 0, cnt)


def _leading_pieces(shape, strides):
    """``layout`` pieces for more than four dims: one piece per index of the leading dims."""
    lead = len(shape) - 4
    pieces = []
    for idx in np.ndindex(*shape[:lead]):
        deltas = tuple(sum(i * s for i, s in zip(idx, st[:lead])) for st in strides)
        pieces.append((tuple(shape[lead:]), [tuple(st[lead:]) for st in strides], deltas,
                       math.prod(shape[lead:])))
    return pieces


# -- index values ------------------------------------------------------------------------------
def as_index(obj, op):
    """An int64 tensor from an index tensor, list or NumPy array of integers (bool stays bool)."""
    from ._creation import tensor
    if not isinstance(obj, Tensor):
        obj = tensor(obj) if not isinstance(obj, np.ndarray) else tensor(obj)
        if obj.numel() == 0 and obj._dtype.category != _dtypes.INT and obj._dtype is not _dtypes.bool:
            obj = obj.to(_dtypes.int64)   # [] indexes nothing
    d = obj._dtype
    if d is _dtypes.bool:
        return obj
    if d.category != _dtypes.INT:
        raise IndexError(f"{op}: tensors used as indices must be long, int, byte or bool tensors, "
                         f"got {d.name}")
    # Strides are kept: they decide the layout of a gather's result (Note [index layout]).
    return obj if d is _dtypes.int64 else obj.to(_dtypes.int64)


def check_bounds(idx, size, dim, op, negative=True, error=IndexError, message=None):
    """Raise ``error`` naming the first index of int64 tensor ``idx`` outside ``[-size, size)``
    (``[0, size)`` unless ``negative``); ``message`` formats it with ``index``, ``dim``, ``size``."""
    if idx.is_cuda: return _cuda_index().check_bounds(idx, size, dim, op, negative, error, message)  # noqa: E701
    if idx.numel() == 0:
        return
    idx = idx.contiguous()
    flat = idx._data[idx._offset:idx._offset + idx.numel()]
    p = select_kernels().first_out_of_range(flat, -size if negative else 0, size)
    if p >= 0:
        message = message or "{op}: index {index} is out of bounds for dimension {dim} with size {size}"
        raise error(message.format(op=op, index=int(flat[p]), dim=dim, size=size))


def nonzero_tensors(mask):
    """The int64 coordinate tensors (one per dim) of the True elements of bool tensor ``mask``."""
    coords = nonzero(mask)
    return [coords[:, j] for j in range(len(mask._shape))]


def nonzero(mask):
    """``(n, ndim)`` int64 row-major coordinates of the nonzero elements of ``mask``."""
    if mask.is_cuda: return _cuda_index().nonzero(mask)  # noqa: E701
    if mask._dtype is not _dtypes.bool:
        from .ops.pointwise import ne
        mask = ne(mask, 0)
    m = mask.contiguous()
    flat = m._data[m._offset:m._offset + m.numel()]
    sk = select_kernels()
    n = int(sk.count(flat, 0, flat.shape[0])) if flat.shape[0] else 0
    nd = len(mask._shape)
    out = allocate(n * nd, _dtypes.int64)
    if n:
        # Column-major, as PyTorch's: each coordinate column is contiguous.
        sk.nonzero(flat, np.array(mask._shape, np.int64), out.reshape(nd, n).T)
    return make(out, (n, nd), (1, n), 0, _dtypes.int64)


def compress(x, mask):
    """The elements of ``x`` where bool ``mask`` (of ``x``'s shape) is True, as a 1-d tensor."""
    if x.is_cuda: return _cuda_index().compress(x, mask)  # noqa: E701
    xc, mc = x.contiguous(), mask.contiguous()
    kd = _move_dtype(x._dtype)
    n_all = xc.numel()
    xf = xc._data.view(kd)[xc._offset:xc._offset + n_all]
    mf = mc._data[mc._offset:mc._offset + n_all]
    sk = select_kernels()
    n = int(sk.count(mf, 0, n_all)) if n_all else 0
    data = allocate(n, x._dtype)
    if n:
        t = get_num_threads() if n_all >= PARALLEL_THRESHOLD else 1
        if t > 1:
            sk.compress_par(xf, mf, data.view(kd), t)
        else:
            sk.compress(xf, mf, data.view(kd), 0, n_all, 0, n)
    return make_dense(data, (n,), (1,), 0, x._dtype)


# -- parsing --------------------------------------------------------------------------------
_ADV, _MASK = "adv", "mask"


def _classify(t, idx):
    """(items, advanced): a list of index items (None, True/False, Ellipsis, int, slice,
    (_ADV, int64 tensor) or (_MASK, bool tensor)) and whether any is an index tensor or mask.
    0-d integer and bool tensors become Python ints and bools."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    items, advanced = [], False
    for i in idx:
        if isinstance(i, Tensor):
            if i._dtype is _dtypes.uint8:
                # PyTorch's deprecated byte masks: a uint8 index tensor is a mask.
                warnings.warn("indexing with dtype uint8 is deprecated, please use a dtype bool instead.",
                              UserWarning, stacklevel=4)
                i = i.to(_dtypes.bool)
            if i._dtype is _dtypes.bool:
                if i.dim() == 0:
                    items.append(bool(i.item()))
                else:
                    items.append((_MASK, i))
                    advanced = True
            elif i.dim() == 0 and i._dtype.category == _dtypes.INT:
                items.append(i.item())
            else:
                items.append((_ADV, as_index(i, "index")))
                advanced = True
        elif isinstance(i, (list, np.ndarray)):
            a = as_index(i, "index")
            items.append((_MASK, a) if a._dtype is _dtypes.bool else (_ADV, a))
            advanced = True
        else:
            items.append(i)
    return items, advanced


def _consumes(item):
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    if isinstance(item, tuple):
        return item[1].dim() if item[0] == _MASK else 1
    return 1


def _plan(t, items, op):
    """(view, [(position in view, int64 index tensor, dim of t)]) for advanced ``items``."""
    nd = len(t._shape)
    consumed = sum(_consumes(i) for i in items)
    if sum(1 for i in items if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    basic, adv = [], []
    pos = d = 0
    for i in items:
        if i is Ellipsis:
            basic.append(Ellipsis)
            pos += nd - consumed
            d += nd - consumed
        elif isinstance(i, bool):
            # Next to index tensors a bool is one too, as in PyTorch: a new dim indexed by
            # [0] (True) or [] (False), which broadcasts with the others.
            basic.append(None)
            adv.append((pos, _bool_index(i), None))
            pos += 1
        elif i is None:
            basic.append(i)
            pos += 1
        elif isinstance(i, slice):
            basic.append(i)
            pos += 1
            d += 1
        elif isinstance(i, tuple) and i[0] == _ADV:
            basic.append(slice(None))
            adv.append((pos, i[1], d))
            pos += 1
            d += 1
        elif isinstance(i, tuple):
            mask = i[1]
            m = mask.dim()
            for j in range(m):
                if mask._shape[j] != t._shape[d + j]:
                    raise IndexError(f"The shape of the mask {list(mask._shape)} at index {j} does not match "
                                     f"the shape of the indexed tensor {list(t._shape)} at index {d + j}")
            for j, c in enumerate(nonzero_tensors(mask)):
                basic.append(slice(None))
                adv.append((pos, c, None))   # in range by construction: not checked
                pos += 1
            d += m
        else:
            basic.append(i)
            d += 1
    from ._indexing import getitem
    return getitem(t, tuple(basic)), adv


def _bool_index(b):
    from ._creation import tensor
    return tensor([0] if b else [], dtype=_dtypes.int64)


def _view_strides(shape, strides, new_shape):
    """PyTorch's strides for ``view(new_shape)`` of (shape, strides) where only size-1 dims are
    added (its computeStride): the strides of the new size-1 dims steer layout choices."""
    new = [0] * len(new_shape)
    vd = len(new_shape) - 1
    base = strides[-1] if strides else 1
    tn = vn = 1
    for td in range(len(shape) - 1, -1, -1):
        tn *= shape[td]
        if td == 0 or (shape[td - 1] != 1 and strides[td - 1] != tn * base):
            while vd >= 0 and (vn < tn or new_shape[vd] == 1):
                new[vd] = vn * base
                vn *= new_shape[vd]
                vd -= 1
            if td > 0:
                base, tn, vn = strides[td - 1], 1, 1
    while vd >= 0:          # a 0-d index
        new[vd] = 1
        vd -= 1
    return tuple(new)


def _expand_strides(shape, strides, to_shape):
    """PyTorch's strides for ``expand(to_shape)`` (new leading size-1 dims are not 0)."""
    out = [0] * len(to_shape)
    off = len(to_shape) - len(shape)
    for i in range(len(to_shape) - 1, -1, -1):
        d = i - off
        n = shape[d] if d >= 0 else 1
        st = strides[d] if d >= 0 else (to_shape[i + 1] * out[i + 1] if i + 1 < len(to_shape) else 1)
        out[i] = 0 if n != to_shape[i] else st
    return tuple(out)


def _torch_index_strides(ix, bshape, nbefore, shape):
    """The strides PyTorch's TensorIterator sees for index tensor ``ix``: expanded to ``bshape``,
    viewed with size-1 dims around it, then broadcast over the iteration ``shape``."""
    st = ix._strides if ix._shape == bshape else _expand_strides(ix._shape, ix._strides, bshape)
    full = (1,) * nbefore + bshape + (1,) * (len(shape) - nbefore - len(bshape))
    st = _view_strides(bshape, st, full) if bshape else (1,) * len(full)
    return tuple(0 if n == 1 and m != 1 else s for n, m, s in zip(full, shape, st))


def _layout(v, adv, op):
    """(result shape, b strides, [(index, strides, size, indexed stride)], [index strides as PyTorch
    sees them]) of Note [index layout]."""
    shapes = [ix._shape for _, ix, _ in adv]
    try:
        bshape = broadcast_shapes(*shapes, op=op)
    except RuntimeError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes " +
                         ", ".join(str(list(s)) for s in shapes)) from None
    for p, ix, d in adv:
        if d is not None:
            check_bounds(ix, v._shape[p], d, op)
    positions = [p for p, _, _ in adv]
    rest = [q for q in range(len(v._shape)) if q not in positions]
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    nb = len(bshape)
    if adjacent:
        p0 = positions[0]
        before, after = [q for q in rest if q < p0], [q for q in rest if q > p0]
    else:
        before, after = [], rest
    shape = tuple(v._shape[q] for q in before) + bshape + tuple(v._shape[q] for q in after)
    zb, za = (0,) * len(before), (0,) * len(after)
    bstr = tuple(v._strides[q] for q in before) + (0,) * nb + tuple(v._strides[q] for q in after)
    indices = [(ix, zb + broadcast_strides(ix._shape, ix._strides, bshape) + za, v._shape[p], v._strides[p])
               for p, ix, _ in adv]
    seen = [_torch_index_strides(ix, bshape, len(before), shape) for _, ix, _ in adv]
    return shape, bstr, indices, seen


def getitem(t, items):
    """``t[idx]`` with advanced indices (``items`` from ``_classify``): a new contiguous tensor."""
    if t.is_cuda: return _cuda_index().getitem(t, items)  # noqa: E701
    if len(items) == 1 and isinstance(items[0], tuple) and items[0][0] == _MASK and \
            items[0][1]._shape == t._shape and t.dim() > 0:
        return compress(t, items[0][1])          # x[mask] with a full mask: one compaction pass
    v, adv = _plan(t, items, "index")
    shape, bstr, indices, seen = _layout(v, adv, "index")
    d = t._dtype
    data = allocate(math.prod(shape), d)
    # The result's dim order follows the restrided operands, as PyTorch's TensorIterator does.
    perm = output_permutation(shape, [tuple(abs(s) for s in bstr)] + seen)
    out = make(data, shape, strides_for_permutation(shape, perm), 0, d)
    run("get", d, shape, (out, out._strides), (v, bstr), indices)
    return out


def setitem_value(value, d, shape, op):
    """The value of ``t[idx] = value`` as a tensor (a Python scalar of dtype ``d`` when it fits),
    checked to broadcast to the indexing result's ``shape`` (CPU and CUDA alike)."""
    from ._copy import _check_fits
    from ._creation import tensor
    if not isinstance(value, Tensor):
        if hasattr(value, "__array__") or isinstance(value, (list, tuple)):
            value = tensor(value)
        else:
            _check_fits(value, d, op)
            value = tensor(value, dtype=d)
    try:
        bshape = broadcast_shapes(value._shape, shape, op=op)
    except RuntimeError:
        bshape = None
    if bshape != shape:
        raise RuntimeError(f"{op}: shape mismatch: value tensor of shape {list(value._shape)} cannot be broadcast "
                           f"to indexing result of shape {list(shape)}")
    return value


def setitem(t, items, value, accumulate=False, op="index_put_"):
    """``t[idx] = value`` (or ``+=`` with ``accumulate``) with advanced indices."""
    if t.is_cuda: return _cuda_index().setitem(t, items, value, accumulate, op)  # noqa: E701
    v, adv = _plan(t, items, op)
    shape, bstr, indices, _ = _layout(v, adv, op)
    d = t._dtype
    value = setitem_value(value, d, shape, op)
    _check_writable(t, op, allow_overlap=True)
    if value._dtype is not d:
        value = value.to(d)
    elif _may_overlap(value, t):
        value = value.clone()
    # Index tensors are read while t is written: one that views t's memory is read from a copy.
    indices = [(ix[0].clone(),) + ix[1:] if _may_overlap(ix[0], t) else ix for ix in indices]
    vstr = broadcast_strides(value._shape, value._strides, shape)
    run("acc" if accumulate else "put", d, shape, (value, vstr), (v, bstr), indices,
        "add" if accumulate else None)
    return t


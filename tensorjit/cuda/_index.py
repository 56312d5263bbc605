"""Index kernels for CUDA tensors: the primitives tensorjit/_advindex.py's front end (and so
every op of tensorjit/ops/indexing.py) runs on when its tensors are on a CUDA device.

The planning (index parsing, broadcasting, result layouts, every check) stays the CPU's;
these functions replace only what touches storage: ``run`` (one gather/scatter kernel over
the planned layout, Note [cuda index layout] in kernels/cuda/index.py), ``check_bounds``,
``nonzero`` and ``compress`` (a scan for compaction, Note [cuda compaction] in
kernels/cuda/select.py), and ``getitem``/``setitem`` (which allocate on the device).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtypes
from .._shape import broadcast_strides, collapse, output_permutation, strides_for_permutation
from .._storage import allocate
from ._tensor import CudaTensor, data, make_cuda
from ._dispatch import karray, to_device, devices_of
from . import require

_KERNELS = {}
_MOVE = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64, 16: np.complex128}
_MOVE_CODE = {1: "u1", 2: "u2", 4: "u4", 8: "u8", 16: "c16"}
# Index tensors up to this many elements are range-checked on the host.
_HOST_CHECK = 4096


def _select():
    from ..kernels import registry
    return registry.load_source("cuda/select.py")


def _kernel(mode, k, code, combine):
    key = (mode, k, code, combine)
    mod = _KERNELS.get(key)
    if mod is None:
        from ..kernels import registry
        from ..kernels.cuda import index as gen
        mod = _KERNELS[key] = registry.load_module(f"cu_index_{mode}{combine or ''}_{k}__{code}",
                                                   gen.source(mode, k, code, combine))
    return mod


def _move_array(t):
    """``t``'s storage as unsigned ints of its item size (kernels that only move elements)."""
    return data(t).array.view(_MOVE[t._dtype.itemsize])


def on_device(t, dev):
    """``t`` on CUDA device ``dev`` (CPU index tensors and 0-d values are moved there)."""
    return t if type(t) is CudaTensor else to_device(t, dev)


def new(shape, dtype, dev):
    """A new contiguous tensor of ``shape`` on ``dev``."""
    from .._shape import contiguous_strides
    return make_cuda(allocate(math.prod(shape), dtype, dev), shape, contiguous_strides(shape), 0, dtype)


def overlaps(x, dest):
    """Whether ``x`` reads memory that ``dest`` spans (it is then read from a copy)."""
    from ._dispatch import _span
    if type(x) is not CudaTensor:
        return False
    a, b = _span(x), _span(dest)
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


# -- the index kernels -------------------------------------------------------------------------------
def run(mode, d, shape, a, b, indices, combine=None):
    """``_advindex.run`` on the device of ``b`` (the indexed tensor): the same operands, one
    kernel per launch (Note [cuda index layout])."""
    n = math.prod(shape)
    if n == 0:
        return
    from ..kernels.cuda.index import ATOMIC
    # Index tensors from lists and masks were moved by getitem/setitem; any other CPU operand
    # but a 0-d value is the two-devices error, as PyTorch's gather/scatter/index_* raise.
    dev = devices_of([b[0], a[0]] + [ix[0] for ix in indices])
    a = (on_device(a[0], dev), a[1])
    indices = [(on_device(ix[0], dev),) + tuple(ix[1:]) for ix in indices]
    if mode == "acc":
        code = d.code
        if (combine, code) in ATOMIC:
            mode = "atomic"
        arrays = [karray(data(a[0]), d), karray(data(b[0]), d)]
    else:
        code = _MOVE_CODE[d.itemsize]
        arrays = [_move_array(a[0]), _move_array(b[0])]
    arrays += [data(ix[0]).array for ix in indices]
    offsets = [a[0]._offset, b[0]._offset] + [ix[0]._offset for ix in indices]
    strides = [a[1], b[1]] + [ix[1] for ix in indices]
    extra = ()
    for ix in indices:
        extra += (ix[2], ix[3])
    nd = len(shape)
    # Serial dims last (Note [cuda index layout]): those along which b does not move.
    # Both in the CPU's dim order (its layout sorts by a's strides), so folds run in its order.
    order = sorted(range(nd), key=lambda q: -abs(a[1][q]))
    serial = [q for q in order if mode == "acc" and b[1][q] == 0 and shape[q] > 1]
    par = [q for q in order if q not in serial]
    groups = []
    for dims in (par, serial):
        cs, cst = collapse(tuple(shape[q] for q in dims), [tuple(st[q] for q in dims) for st in strides])
        groups.append(((), [()] * len(strides)) if cs == (1,) else (cs, cst))
    cshape = (groups[0][0] + groups[1][0]) or (1,)
    cstrides = [(groups[0][1][j] + groups[1][1][j]) or (0,) for j in range(len(strides))]
    nser_dims = len(groups[1][0])
    lead = max(0, len(cshape) - 4)
    pad = 4 - (len(cshape) - lead)
    inner = (1,) * pad + cshape[lead:]
    nser = math.prod(inner[4 - min(nser_dims, 4):]) if nser_dims else 1
    m = math.prod(inner)
    kern = _kernel(mode, len(indices), code, combine).body
    bk = require("index")
    blocks, threads = bk.grid(m // nser)
    with bk.context(dev):
        for idx in np.ndindex(*cshape[:lead]):
            meta = inner
            for off, st in zip(offsets, cstrides):
                meta += (off + sum(i * s for i, s in zip(idx, st[:lead])),) + (0,) * pad + tuple(st[lead:])
            kern[blocks, threads](meta + extra, *arrays, m // nser, nser)


def check_bounds(idx, size, dim, op, negative=True, error=IndexError, message=None):
    """``_advindex.check_bounds`` for an index tensor on a CUDA device: the first index outside
    ``[-size, size)`` (``[0, size)`` unless ``negative``) raises ``error``."""
    n = idx.numel()
    if n == 0:
        return
    idx = idx.contiguous()
    b = require(op)
    dev = data(idx).device
    lo = -size if negative else 0
    if n <= _HOST_CHECK:
        # A small index costs one copy to the host, less than a kernel launch and its result.
        host = b.to_host(data(idx), idx._offset, n)
        bad = np.flatnonzero((host < lo) | (host >= size))
        p = int(bad[0]) if bad.size else n
    else:
        res = b.to_device(np.array([n], np.int64), dev)
        blocks, threads = b.grid(n)
        arr = data(idx).array[idx._offset:idx._offset + n]
        with b.context(dev):
            _select().first_out_of_range[blocks, threads](arr, n, lo, size, res.array)
        p = int(b.host_scalar(res, 0))
    if p < n:
        message = message or "{op}: index {index} is out of bounds for dimension {dim} with size {size}"
        value = int(b.host_scalar(data(idx), idx._offset + p))
        raise error(message.format(op=op, index=value, dim=dim, size=size))


# -- compaction (Note [cuda compaction]) -------------------------------------------------------------
def _chunks(b, n):
    """(threads per block, chunk, number of chunks) for compaction over ``n`` elements."""
    threads = b.THREADS
    chunk = threads * (2 if b.SIMULATOR else 16)
    return threads, chunk, -(-n // chunk)


def _starts(mask):
    """(first output slot of each chunk as a device array, total, threads, chunk, number of chunks)
    for the contiguous bool CUDA tensor ``mask``."""
    b = require("nonzero")
    dev = data(mask).device
    n = mask.numel()
    threads, chunk, nchunks = _chunks(b, n)
    counts = b.empty(nchunks, np.int64, dev)
    marr = data(mask).array
    with b.context(dev):
        _select().block_counts[nchunks, threads](marr, mask._offset, n, chunk, counts.array)
    c = b.to_host(counts, 0, nchunks)
    starts = np.zeros(nchunks, np.int64)
    np.cumsum(c[:-1], out=starts[1:])
    return b.to_device(starts, dev), int(c.sum()), threads, chunk, nchunks


def nonzero(mask):
    """``(n, ndim)`` int64 row-major coordinates of the nonzero elements of CUDA tensor ``mask``
    (column-major storage, as on CPU)."""
    if mask._dtype is not _dtypes.bool:
        from ..ops.pointwise import ne
        mask = ne(mask, 0)
    m = mask.contiguous()
    dev = data(m).device
    nd = len(m._shape)
    if m.numel() == 0:
        return make_cuda(allocate(0, _dtypes.int64, dev), (0, nd), (1, 0), 0, _dtypes.int64)
    starts, total, threads, chunk, nchunks = _starts(m)
    out = allocate(total * nd, _dtypes.int64, dev)
    if total and nd:
        b = require("nonzero")
        shape = b.to_device(np.array(m._shape, np.int64), dev)
        with b.context(dev):
            _select().coords[nchunks, threads](data(m).array, m._offset, m.numel(), chunk, starts.array,
                                               shape.array, out.array, total)
    return make_cuda(out, (total, nd), (1, total), 0, _dtypes.int64)


def compress(x, mask):
    """The elements of CUDA tensor ``x`` where bool ``mask`` (of ``x``'s shape) is True, 1-d."""
    dev = devices_of((x, mask))
    mask = on_device(mask, dev)
    xc, mc = x.contiguous(), mask.contiguous()
    n = xc.numel()
    if n == 0:
        return new((0,), x._dtype, dev)
    starts, total, threads, chunk, nchunks = _starts(mc)
    res = new((total,), x._dtype, dev)
    if total:
        b = require("masked_select")
        with b.context(dev):
            _select().compact[nchunks, threads](_move_array(xc), xc._offset, data(mc).array, mc._offset, n,
                                                chunk, starts.array, _move_array(res))
    return res


# -- advanced indexing -------------------------------------------------------------------------------
def getitem(t, items):
    """``_advindex.getitem`` for a CUDA tensor: a new tensor on its device."""
    from .._advindex import _MASK, _plan, _layout
    if len(items) == 1 and isinstance(items[0], tuple) and items[0][0] == _MASK and \
            items[0][1]._shape == t._shape and t.dim() > 0:
        return compress(t, items[0][1])
    v, adv = _plan(t, items, "index")
    shape, bstr, indices, seen = _layout(v, adv, "index")
    indices = [(on_device(ix[0], data(t).device),) + ix[1:] for ix in indices]
    d = t._dtype
    perm = output_permutation(shape, [tuple(abs(s) for s in bstr)] + seen)
    out = make_cuda(allocate(math.prod(shape), d, data(t).device), shape, strides_for_permutation(shape, perm),
                    0, d)
    run("get", d, shape, (out, out._strides), (v, bstr), indices)
    return out


def setitem(t, items, value, accumulate=False, op="index_put_"):
    """``_advindex.setitem`` for a CUDA tensor: ``t[idx] = value`` (``+=`` with ``accumulate``)."""
    from .._advindex import _plan, _layout, setitem_value
    from .._dispatch import _check_writable
    v, adv = _plan(t, items, op)
    shape, bstr, indices, _ = _layout(v, adv, op)
    d = t._dtype
    dev = data(t).device
    value = setitem_value(value, d, shape, op)
    if type(value) is not CudaTensor and value._shape:
        devices_of((t, value))      # a CPU value beside a CUDA tensor: the two-devices error
    _check_writable(t, op, allow_overlap=True)
    value = on_device(value, dev)
    if value._dtype is not d:
        value = value.to(d)
    elif overlaps(value, t):
        value = value.clone()
    indices = [(on_device(ix[0], dev),) + ix[1:] for ix in indices]
    indices = [(ix[0].clone(),) + ix[1:] if overlaps(ix[0], t) else ix for ix in indices]
    vstr = broadcast_strides(value._shape, value._strides, shape)
    run("acc" if accumulate else "put", d, shape, (value, vstr), (v, bstr), indices,
        "add" if accumulate else None)
    return t

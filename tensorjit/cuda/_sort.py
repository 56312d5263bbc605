"""Sorting on CUDA tensors: sort, argsort, msort and topk run tensorjit/ops/sorting.py's checks,
then sort rows laid out as the CPU's row kernels get them with kernels/cuda/sort.py (Note [cuda
sort]): the CPU's keys, stable, NaN last."""
from __future__ import annotations

import numpy as np

from .. import _dtypes
from ._tensor import data
from ._index import new
from ._scan import _rows, _from_rows
from . import require


def _kernels():
    from ..kernels import registry
    return registry.load_source("cuda/sort.py")


def sorted_rows(x, dim, descending, name):
    """``(values, indices)``: CUDA tensor ``x`` sorted stably along ``dim`` (NaN last; descending
    order keeps equal elements in order too), as the CPU's ``sort``."""
    from ..ops.sorting_common import key_mode, key_consts
    xx = x.to(_dtypes.float32) if x._dtype is _dtypes.float16 else x
    rows, d, m, k = _rows(xx, dim, name)
    dev = data(rows).device
    v = new(rows._shape, rows._dtype, dev)
    i = new(rows._shape, _dtypes.int64, dev)
    if m * k:
        b = require(name)
        u = np.dtype(f"u{rows._dtype.itemsize}")
        ka, kb = b.empty(m * k, u, dev), b.empty(m * k, u, dev)
        ja, jb = b.empty(m * k, np.int64, dev), b.empty(m * k, np.int64, dev)
        consts = key_consts(u, bool(descending))
        threads = min(b.THREADS, 1 << max(0, (k - 1).bit_length()))
        with b.context(dev):
            _kernels().sort_rows[max(1, min(m, b.MAX_BLOCKS)), threads](
                data(rows).array.view(u), rows._offset, data(v).array.view(u), data(i).array, ka.array, ja.array,
                kb.array, jb.array, k, *consts, key_mode(x._dtype), m)
    vals, idx = _from_rows(v, d, x.ndim), _from_rows(i, d, x.ndim)
    return (vals.to(_dtypes.float16) if x._dtype is _dtypes.float16 else vals), idx


def topk(x, k, d, largest, name):
    """The first ``k`` of each row sorted along ``d`` (descending when ``largest``)."""
    vals, idx = sorted_rows(x, d, largest, name)
    if x.ndim == 0:
        return vals, idx
    from .._views import narrow
    return narrow(vals, d, 0, k).contiguous(), narrow(idx, d, 0, k).contiguous()


def search(name, seq, values, compute, odt, right, out, sorter):
    """``searching._search`` after its checks, for CUDA operands: insertion points of ``values``
    (a tensor or a number) into the last dim of ``seq`` (a new ``odt`` tensor, or ``out``)."""
    from .._tensor import Tensor
    from ._dispatch import devices_of, karray
    from ._index import on_device
    scalar = not isinstance(values, Tensor)
    dev = devices_of([t for t in (seq, values, sorter) if isinstance(t, Tensor)])
    cd = _dtypes.float32 if compute is _dtypes.float16 else compute     # as the CPU's rows
    s, _, ms, ks = _rows(seq.to(cd), -1, name)
    from .._creation import tensor
    vt = on_device(tensor(values, dtype=cd), dev) if scalar else values.to(cd)
    v, _, mv, kv = _rows(vt, -1, name)
    b = require(name)
    if sorter is not None:
        srt = _rows(sorter, -1, name)[0]
        if srt.numel() and (int(srt.amin().item()) < 0 or int(srt.amax().item()) >= ks):
            raise RuntimeError(f"{name}(): sorter index out of range (sequence length {ks})")
        sarr, soff = data(srt).array, srt._offset
    else:
        sarr, soff = b.empty(1, np.int64, dev).array, 0
    n = mv * kv
    res = new(() if scalar else vt._shape, odt, dev)
    if n:
        blocks, threads = b.grid(n)
        with b.context(dev):
            _kernels().searchsorted[blocks, threads](karray(data(s), cd), s._offset, karray(data(v), cd), v._offset,
                                                     sarr, soff, sorter is not None, bool(right),
                                                     data(res).array, ks, kv, ms == 1, n)
    if out is None:
        return res
    from ._scan import write_out
    return write_out(out, res, name)

"""The matrix product on CUDA tensors: tensorjit/ops/blas.py's checks, shapes and batch
broadcasting, then one launch of the tiled kernel of kernels/cuda/matmul.py (Note [cuda
matmul]) over every output batch, operands read in place through their strides."""
from __future__ import annotations

import math

import numpy as np

from ._tensor import data
from ._dispatch import karray, devices_of
from ._index import new
from . import require

_KERNELS = {}
# Threads per block side: 16 x 16 on a GPU; the simulator runs a Python thread per thread.
TILE, SIM_TILE = 16, 4


def _module(code, tile):
    key = (code, tile)
    mod = _KERNELS.get(key)
    if mod is None:
        from ..kernels import registry
        from ..kernels.cuda import matmul as gen
        mod = _KERNELS[key] = registry.load_module(f"cu_mm__{code}__t{tile}", gen.source(code, tile))
    return mod


def _batch_offsets(t, batch):
    """Storage offsets of ``t``'s matrices for each output batch (row-major over ``batch``)."""
    bshape, bstr = t._shape[:-2], t._strides[:-2]
    lead = len(batch) - len(bshape)
    strides = (0,) * lead + tuple(0 if n == 1 else s for n, s in zip(bshape, bstr))
    off = np.full(batch, t._offset, np.int64) if batch else np.array(t._offset, np.int64)
    for d, s in enumerate(strides):
        if s:
            shape = [1] * len(batch)
            shape[d] = batch[d]
            off = off + (np.arange(batch[d], dtype=np.int64) * s).reshape(shape)
    return np.ascontiguousarray(np.broadcast_to(off, batch)).reshape(-1)


def product(a, b, batch, m, k, n, name="matmul"):
    """``blas.product`` for CUDA operands: a new contiguous tensor of shape ``batch + (m, n)``."""
    dev = devices_of((a, b))
    d = a._dtype
    shape = tuple(batch) + (m, n)
    out = new(shape, d, dev)
    p = math.prod(batch)
    if p * m * n == 0:
        return out
    if k == 0:
        return out.fill_(0)
    bk = require(name)
    tile = SIM_TILE if bk.SIMULATOR else TILE
    ia = bk.to_device(_batch_offsets(a, tuple(batch)), dev)
    ib = bk.to_device(_batch_offsets(b, tuple(batch)), dev)
    meta = (m, k, n, a._strides[-2], a._strides[-1], b._strides[-2], b._strides[-1])
    grid = (-(-n // tile), -(-m // tile), max(1, min(p, 2 if bk.SIMULATOR else 65535)))
    mod = _module(d.code, tile)
    with bk.context(dev):
        mod.mm[grid, (tile, tile)](meta, karray(data(a), d), karray(data(b), d), karray(data(out), d),
                                   ia.array, ib.array)
    return out

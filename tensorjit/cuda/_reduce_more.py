"""CUDA reductions with several-value states (logsumexp, var/std, var_mean/std_mean, max/min
along a dim, argmax/argmin): the CPU's checks and layout (tensorjit/_reduce.py), kernels from
kernels/cuda/reduction_more.py (Note [cuda reduction states]). Single-output rows arrive
through ``tensorjit.cuda._reduce.reduce``; two-output calls through ``reduce2``. Rows of at most
``_SHORT_ROW`` elements, and layouts whose kept dims walk memory fastest, take the one-thread-
per-output ``cols`` kernel; longer rows the block kernels ``part`` and ``final``."""
from __future__ import annotations

import math

from .. import _dtypes
from .._reduce import _meta, out_shape, second_dtype
from .._shape import contiguous_strides
from .._storage import allocate
from ..kernels.reductions import INDEXED
from ._tensor import data, make_cuda
from ._dispatch import karray, devices_of
from . import require

_KERNELS = {}
# Rows up to this long are folded by one thread each (the ``cols`` kernel): a block per output
# would leave most of its threads idle.
_SHORT_ROW = 32


def _module(row, in_dtype, compute, out_dtype, out2_dtype):
    key = (row.name, in_dtype, compute, out_dtype, out2_dtype)
    mod = _KERNELS.get(key)
    if mod is None:
        from ..kernels import registry
        from ..kernels.cuda import reduction_more as gen
        src = gen.source(row.combine, in_dtype.code, compute.code, out_dtype.code, out2_dtype.code, row.post)
        name = f"cu_red2_{row.name}__{in_dtype.code}__{compute.code}__{out_dtype.code}__{out2_dtype.code}"
        mod = _KERNELS[key] = registry.load_module(name, src)
    return mod


def reduce2(row, x, rdims, keepdim, compute, result, name, param=0.0):
    """``_reduce.reduce2`` for a CUDA input: (values, indices) or (var/std, mean) as two new
    CUDA tensors.

    >>> import tensorjit as tj
    >>> if tj.cuda.is_available():
    ...     assert tj.tensor([[1., 3.], [2., 0.]], device="cuda").max(1).indices.tolist() == [1, 0]
    """
    dev = devices_of((x,))
    ndim = len(x._shape)
    kept = tuple(d for d in range(ndim) if d not in rdims)
    oshape = out_shape(x._shape, rdims, keepdim)
    n_out = math.prod(oshape)
    second = second_dtype(row, compute)
    strides = contiguous_strides(oshape)
    out = make_cuda(allocate(n_out, result, dev), oshape, strides, 0, result)
    out2 = make_cuda(allocate(n_out, second, dev), oshape, strides, 0, second)
    if n_out:
        run(row, x, kept, rdims, compute, out, out2, contiguous_strides(tuple(x._shape[d] for d in kept)),
            n_out, param)
    return out, out2


def run(row, x, kept, rdims, compute, out, out2, kstrides, n_out, param):
    """Launch the kernels of ``row`` writing kept index ``e`` at ``out._offset + e . kstrides``
    of ``out`` (and of ``out2``: laid out like ``out``; a scratch buffer when None)."""
    b = require(row.name)
    if out2 is None:
        buf2 = allocate(len(data(out)), second_dtype(row, compute), data(out).device)
        d2 = second_dtype(row, compute)
    else:
        buf2, d2 = data(out2), out2._dtype
    n_red = math.prod(x._shape[d] for d in rdims)
    xs = x._strides
    inner_kept = min((abs(xs[d]) for d in kept if x._shape[d] > 1), default=None)
    inner_red = min((abs(xs[d]) for d in rdims if x._shape[d] > 1), default=None)
    columns = inner_kept is not None and inner_red is not None and inner_kept < inner_red \
        and n_out >= 4 * b.THREADS
    ordered = row.combine in INDEXED
    meta = _meta(x, kept, rdims, kstrides, ordered)
    if meta is None:
        # Too many dims survive collapsing: reduce a copy laid out kept dims first.
        from .._views import permute
        x = permute(x, kept + rdims).contiguous()
        nk = len(kept)
        kept, rdims = tuple(range(nk)), tuple(range(nk, nk + len(rdims)))
        meta = _meta(x, kept, rdims, kstrides, ordered)
    meta = meta[:5] + (out._offset,) + meta[6:]
    mod = _module(row, x._dtype, compute, out._dtype, d2)
    xarr = karray(data(x), x._dtype)
    oarr = karray(data(out), out._dtype)
    o2arr = karray(buf2, d2)
    param = float(param)
    with b.context(data(out).device):
        if columns or n_red <= _SHORT_ROW:
            blocks, threads = b.grid(n_out)
            mod.cols[blocks, threads](meta, oarr, o2arr, xarr, n_red, n_out, param)
            return
        from ._reduce import _TARGET_BLOCKS, _PER_THREAD
        from ..kernels.cuda.reduction_more import state_codes
        threads = b.THREADS
        nblk = max(1, min(-(-n_red // (threads * _PER_THREAD)), max(1, _TARGET_BLOCKS // n_out)))
        if b.SIMULATOR:
            nblk = min(nblk, 2)
        codes = {d.code: d for d in _dtypes.ALL}
        parts = [b.empty(n_out * nblk, codes[c].np, data(out).device) for c in state_codes(row.combine, compute.code)]
        mod.part[n_out * nblk, threads](meta, *(p.array for p in parts), xarr, nblk, n_red)
        blocks, threads = b.grid(n_out)
        mod.final[blocks, threads](meta, oarr, o2arr, *(p.array for p in parts), nblk, n_red, n_out, param)

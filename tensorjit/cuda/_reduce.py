"""The CUDA front door of reductions (sum, prod, mean, amax, amin, any, all, nansum, the
vector norms; logsumexp, var/std and the indexed kinds through tensorjit/cuda/_reduce_more.py):
the CPU's dims, dtype rules and layout (tensorjit/_reduce.py), kernels from
kernels/cuda/reduction.py (Note [cuda reductions])."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtypes
from .._dtypes import can_cast
from .._reduce import reduced_dims, check_nonempty, dtypes, out_shape, _meta, _KEPT
from .._shape import collapse, contiguous_strides
from .._storage import allocate
from .._tensor import Tensor
from ..kernels.reductions import REDUCTIONS, ELEMENTWISE
from ._tensor import CudaTensor, data, make_cuda, unsupported
from .._dispatch import _check_writable as check_writable
from ._dispatch import karray, devices_of
from . import require

_KERNELS = {}
# Blocks a reduction aims for in all (Note [cuda reductions]); each folds at least _PER_THREAD
# elements per thread before the shared-memory tree.
_TARGET_BLOCKS = 1024
_PER_THREAD = 8


def _module(row, in_dtype, compute, out_dtype):
    key = (row.name, in_dtype, compute, out_dtype)
    mod = _KERNELS.get(key)
    if mod is None:
        from ..kernels import registry
        from ..kernels.cuda import reduction as gen
        src = gen.source(row.combine, row.identity, in_dtype.code, compute.code, out_dtype.code, row.post, row.pre)
        name = f"cu_red_{row.name}__{in_dtype.code}__{compute.code}__{out_dtype.code}"
        mod = _KERNELS[key] = registry.load_module(name, src)
    return mod


def supported(row):
    """Whether reduction ``row`` has CUDA kernels: one-value states here, several values in
    tensorjit/cuda/_reduce_more.py."""
    from ..kernels.cuda.reduction import SUPPORTED
    from ..kernels.cuda.reduction_more import KINDS
    if row.combine in KINDS:
        return True
    return row.combine in SUPPORTED and row.post in (None, "mean", "sqrt") and row.second is None


def reduce(row, x, dim=None, keepdim=False, *, dtype=None, out=None, name=None, param=0.0):
    """``_reduce.reduce`` for a CUDA input: same checks, dtypes and results.

    >>> import tensorjit as tj
    >>> if tj.cuda.is_available():
    ...     assert tj.ones(2, 3, device="cuda").sum(1).tolist() == [3.0, 3.0]
    """
    name = name or row.name
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if not supported(row):
        raise unsupported(x, name)
    dev = devices_of((x,), out)
    ndim = len(x._shape)
    rdims = reduced_dims(dim, ndim, name)
    check_nonempty(row, x, rdims, dim, name)
    compute, result = dtypes(row, x._dtype, dtype, name)
    kept = tuple(d for d in range(ndim) if d not in rdims)
    oshape = out_shape(x._shape, rdims, keepdim)
    n_out = math.prod(oshape)
    if out is None:
        out = make_cuda(allocate(n_out, result, dev), oshape, contiguous_strides(oshape), 0, result)
        kstrides = contiguous_strides(tuple(x._shape[d] for d in kept))
    else:
        _check_out(out, result, name)
        if out._shape != oshape:
            if out.numel() != 0:
                warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                              f"{list(out._shape)}, which does not match the required output shape "
                              f"{list(oshape)}.", UserWarning, stacklevel=3)
            out.resize_(oshape)
        kstrides = tuple(out._strides[d] for d in kept) if keepdim else out._strides
        if len(collapse(tuple(x._shape[d] for d in kept), [kstrides])[0]) > _KEPT:
            # An out layout the kernel can't address: reduce into a dense temporary and copy.
            tmp = reduce(row, x, dim, keepdim, dtype=out._dtype if dtype is None else dtype, name=name,
                         param=param)
            out.copy_(tmp)
            return out
        if _overlaps(x, out):
            x = x.clone()
    if n_out:
        _run(row, x, kept, rdims, compute, out, kstrides, n_out, param)
    return out


def _check_out(out, result, name):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if not can_cast(result, out._dtype):
        raise RuntimeError(f"{name}(): result type {result.name} can't be cast to the desired output "
                           f"type {out._dtype.name}")
    check_writable(out, name)


def _overlaps(x, out):
    from ._dispatch import _span
    a, b = _span(x), _span(out)
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def _run(row, x, kept, rdims, compute, out, kstrides, n_out, param=0.0):
    if row.combine not in ELEMENTWISE:
        from ._reduce_more import run
        return run(row, x, kept, rdims, compute, out, None, kstrides, n_out, param)
    b = require(row.name)
    n_red = math.prod(x._shape[d] for d in rdims)
    xs = x._strides
    inner_kept = min((abs(xs[d]) for d in kept if x._shape[d] > 1), default=None)
    inner_red = min((abs(xs[d]) for d in rdims if x._shape[d] > 1), default=None)
    columns = inner_kept is not None and inner_red is not None and inner_kept < inner_red \
        and n_out >= 4 * b.THREADS
    meta = _meta(x, kept, rdims, kstrides)
    if meta is None:
        # Too many dims survive collapsing: reduce a copy laid out kept dims first.
        from .._views import permute
        x = permute(x, kept + rdims).contiguous()
        nk = len(kept)
        kept, rdims = tuple(range(nk)), tuple(range(nk, nk + len(rdims)))
        meta = _meta(x, kept, rdims, kstrides)
    meta = meta[:5] + (out._offset,) + meta[6:]
    mod = _module(row, x._dtype, compute, out._dtype)
    xarr = karray(data(x), x._dtype)
    oarr = karray(data(out), out._dtype)
    with b.context(data(out).device):
        if columns:
            blocks, threads = b.grid(n_out)
            mod.cols[blocks, threads](meta, oarr, xarr, n_red, n_out)
            return
        threads = b.THREADS
        nblk = max(1, min(-(-n_red // (threads * _PER_THREAD)), max(1, _TARGET_BLOCKS // n_out)))
        if b.SIMULATOR:
            nblk = min(nblk, 2)
        from ..kernels.cuda.reduction import partial_code
        pcode = partial_code(row.combine, compute.code, row.pre)
        parts = b.empty(n_out * nblk, _np_dtype(pcode), data(out).device)
        mod.part[n_out * nblk, threads](meta, parts.array, xarr, nblk, n_red)
        blocks, threads = b.grid(n_out)
        mod.final[blocks, threads](meta, oarr, parts.array, nblk, n_red, n_out)


def _np_dtype(code):
    return np.uint8 if code == "u1" else {d.code: d for d in _dtypes.ALL}[code].np


def reduce_all(x):
    """``bool(x.all())`` for a CUDA tensor (the integer-division zero check)."""
    r = reduce(REDUCTIONS["all"], x)
    return bool(r.item())


def is_cuda(x):
    return type(x) is CudaTensor

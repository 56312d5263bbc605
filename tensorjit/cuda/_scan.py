"""Scans on CUDA tensors: cumsum, cumprod, logcumsumexp, cummax/cummin and diff. The checks
and dtypes are tensorjit/ops/scan.py's; the rows are laid out as the CPU's row kernels get
them and scanned by kernels/cuda/scan.py (Note [cuda scans])."""
from __future__ import annotations

import math

from .. import _dtypes
from .._shape import wrap_dim
from ._tensor import data
from ._dispatch import karray
from ._index import new
from . import require

_KERNELS = {}
# CPU row-kernel names (tensorjit/ops/scan.py) -> CUDA scan kinds
_KIND = {"cumsum_rows": "sum", "cumprod_rows": "prod", "logcumsumexp_rows": "logsumexp"}


def _module(kind, in_code, out_code):
    key = (kind, in_code, out_code)
    mod = _KERNELS.get(key)
    if mod is None:
        from ..kernels import registry
        from ..kernels.cuda import scan as gen
        mod = _KERNELS[key] = registry.load_module(f"cu_scan_{kind}__{in_code}__{out_code}",
                                                   gen.source(kind, in_code, out_code))
    return mod


def _rows(x, dim, name):
    """(contiguous CUDA tensor with ``dim`` moved last, dim wrapped, m, k) as ``_rows.rows``."""
    from .._views import movedim
    nd = len(x._shape)
    dim = wrap_dim(dim, max(nd, 1), name)
    if nd == 0:
        x = x.reshape(1)
    elif dim != nd - 1:
        x = movedim(x, dim, -1)
    x = x.contiguous()
    k = x._shape[-1]
    return x, dim, math.prod(x._shape[:-1]), k


def _from_rows(t, dim, ndim):
    """``_rows.from_rows`` for a CUDA result laid out as rows."""
    if ndim == 0:
        return t.reshape(())
    if dim != ndim - 1:
        from .._views import movedim
        return movedim(t, -1, dim).contiguous()
    return t


def _launch(kernel, m, k, dev, *args):
    """One block per row (a grid-stride loop over the ``m`` rows, Note [cuda scans]), with no
    more threads than the row has elements (a power of two)."""
    b = require("scan")
    threads = min(b.THREADS, 1 << max(0, (k - 1).bit_length()))
    with b.context(dev):
        kernel[max(1, min(m, b.MAX_BLOCKS)), threads](*args, k, m)


def scan(x, dim, result, kname, name):
    """The CPU's ``_scan`` on a CUDA tensor: ``kname``'s scan of ``x`` along ``dim`` into a new
    tensor of dtype ``result``."""
    if kname not in _KIND:
        raise NotImplementedError(f"{name}: not implemented for CUDA tensors of dtype {x._dtype.name} "
                                  "(call .cpu() first)")
    rows, dim, m, k = _rows(x, dim, name)
    out = new(rows._shape, result, data(rows).device)
    if m * k:
        mod = _module(_KIND[kname], rows._dtype.code, result.code)
        _launch(mod.scan, m, k, data(out).device, _arr(rows), rows._offset, _arr(out), 0)
    return _from_rows(out, dim, x.ndim)


def _arr(t):
    return karray(data(t), t._dtype)


def cum_extreme(name, input, dim, out):
    """``cummax``/``cummin`` of a CUDA tensor (the CPU's checks, then one scan)."""
    from .. import return_types
    from ..ops.sorting_common import check_input, check_dim_int, check_out_tuple
    check_input(input, name)
    dim = check_dim_int(dim, name)
    if out is not None:
        check_out_tuple(out, (input._dtype, _dtypes.int64), name)
    if input._dtype.category == _dtypes.COMPLEX:
        raise RuntimeError(f"{name}(): not implemented for '{input._dtype.name}'")
    rows, d, m, k = _rows(input, dim, name)
    dev = data(rows).device
    v = new(rows._shape, input._dtype, dev)
    i = new(rows._shape, _dtypes.int64, dev)
    if m * k:
        mod = _module("max" if name == "cummax" else "min", rows._dtype.code, input._dtype.code)
        _launch(mod.scan, m, k, dev, _arr(rows), rows._offset, _arr(v), 0, _arr(i))
    vals, idx = _from_rows(v, d, input.ndim), _from_rows(i, d, input.ndim)
    rt = getattr(return_types, name)
    if out is None:
        return rt(vals, idx)
    write_out(out[0], vals, name)
    write_out(out[1], idx, name)
    return rt(out[0], out[1])


def write_out(out, result, name):
    """``sorting_common.write_out`` for a CUDA ``out`` (resized on its device)."""
    import warnings
    if out._shape != result._shape:
        if out.numel() != 0:
            warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                          f"{list(out._shape)}, which does not match the required output shape "
                          f"{list(result._shape)}.", UserWarning, stacklevel=4)
        out.resize_(result._shape)
    return out.copy_(result)


def diff1(x, dim):
    """One forward difference of a CUDA tensor along ``dim`` (``!=`` of neighbours for bool)."""
    from .._views import narrow
    from ..ops.pointwise import ne, sub
    k = x._shape[dim]
    hi, lo = narrow(x, dim, 1, max(k - 1, 0)), narrow(x, dim, 0, max(k - 1, 0))
    return (ne(hi, lo) if x._dtype is _dtypes.bool else sub(hi, lo)).contiguous()

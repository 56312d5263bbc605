"""The front door of every reduction: check dims -> pick dtypes -> allocate -> lay out -> kernel.

See Note [reduction layout] in kernels/cpu/reduction.py for what a kernel receives. Kernels are
memoised on explicit key tuples, as in ``_dispatch.kernel``.
"""
from __future__ import annotations

import math
import operator
import warnings

from . import _dtypes
from ._dtypes import as_dtype, can_cast, INT, FLOAT, COMPLEX
from ._shape import collapse, contiguous_strides, wrap_dim
from ._storage import allocate
from ._tensor import Tensor, make_dense
from ._dispatch import PARALLEL_THRESHOLD, get_num_threads, _numba_array_type, _may_overlap, _check_writable
from .kernels import reductions as opdefs
from .kernels.cpu import reduction as _gen
from .kernels.registry import LazyEntries

_KEPT, _RED = 2, 3          # padded counts of kept and reduced dims (Note [reduction layout])
_KERNELS = {}

_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


class RKernel(LazyEntries):
    """One reduction kernel module: ``body`` (serial), ``body_par`` (many outputs) and
    ``full_par`` (one output, chunked partials), each compiled on first use."""

    __slots__ = ()

    def serial(self):
        return self.entry("body")

    def par(self):
        return self.entry("body_par")

    def full(self):
        return self.entry("full_par", self.sig[:-1])


def kernel(row, in_dtype, compute, out_dtype):
    """The compiled kernel for reduction ``row`` of ``in_dtype`` input (memoised on an explicit key)."""
    key = (row.name, in_dtype, compute, out_dtype)
    k = _KERNELS.get(key)
    if k is None:
        from numba.core import types
        from .kernels import registry
        src = _gen.source(row.combine, row.identity, in_dtype.code, compute.code, out_dtype.code, row.mean)
        name = f"red_{row.name}__{in_dtype.code}__{compute.code}__{out_dtype.code}"
        mod = registry.load_module(name, src)
        sig = (types.UniTuple(types.int64, 14), _numba_array_type(out_dtype), _numba_array_type(in_dtype),
               types.int64, types.int64)
        k = _KERNELS[key] = RKernel(mod, sig)
    return k


# -- dtypes ------------------------------------------------------------------------------
def dtypes(row, d, dtype, name):
    """(compute dtype, result dtype) of ``row`` over input dtype ``d`` with the ``dtype=`` argument."""
    if dtype is not None:
        dtype = as_dtype(dtype, op=name)
        if row.rule == opdefs.TO_BOOL:
            raise TypeError(f"{name}(): got an unexpected keyword argument 'dtype'")
        # PyTorch converts the input to dtype= first and reduces in it.
        compute = result = dtype
    elif row.rule in (opdefs.SUM_RULE, opdefs.PROD_RULE) and d.category <= INT:
        compute = result = _dtypes.int64
    elif row.rule == opdefs.TO_BOOL:
        compute = _dtypes.bool
        result = _dtypes.uint8 if d is _dtypes.uint8 else _dtypes.bool
    else:
        compute = result = d
    if row.mean and compute.category not in (FLOAT, COMPLEX):
        if dtype is None:
            raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {_TORCH_NAMES.get(d.name, d.name)}")
        raise RuntimeError(f"{name}(): the dtype= argument must be a floating point or complex dtype, "
                           f"got {compute.name}")
    if compute.category not in row.categories:
        raise RuntimeError(f"{name}(): not implemented for dtype {compute.name} (input dtype {d.name})")
    return compute, result


# -- dims --------------------------------------------------------------------------------
def reduced_dims(dim, ndim, name):
    """The sorted tuple of dims ``dim`` names (None or () means all of them)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(dim)
    else:
        try:
            dims = (operator.index(dim),)
        except TypeError:
            raise TypeError(f"{name}(): dim must be None, an int or a tuple of ints, "
                            f"got {type(dim).__name__}") from None
    if not dims:
        return tuple(range(ndim))
    wrapped = [wrap_dim(d, ndim, name) for d in dims]
    seen = set()
    for w in wrapped:
        if w in seen:
            raise RuntimeError(f"{name}(): dim {w} appears multiple times in the list of dims")
        seen.add(w)
    # A 0-d tensor accepts dim 0 / -1, which reduce nothing.
    return tuple(sorted(w for w in wrapped if w < ndim))


def _check_nonempty(row, x, rdims, dim, name):
    if row.identity is not None:
        return
    if dim is None and x.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    for d in rdims:
        if x._shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size "
                             f"(input shape {list(x._shape)}).")


# -- layout --------------------------------------------------------------------------------
def _meta(x, kept, rdims, ostr):
    """The 14-tuple of Note [reduction layout], or None when dims don't fit after collapsing."""
    shape, xs = x._shape, x._strides
    kshape, (kos, kxs) = collapse(tuple(shape[d] for d in kept), [ostr, tuple(xs[d] for d in kept)])
    # Reduced dims go largest stride first so the innermost row has the smallest stride.
    order = sorted(rdims, key=lambda d: -abs(xs[d]))
    rshape, (rxs,) = collapse(tuple(shape[d] for d in order), [tuple(xs[d] for d in order)])
    if len(kshape) > _KEPT or len(rshape) > _RED:
        return None
    kp, rp = _KEPT - len(kshape), _RED - len(rshape)
    kshape, kos, kxs = (1,) * kp + kshape, (0,) * kp + kos, (0,) * kp + kxs
    rshape, rxs = (1,) * rp + rshape, (0,) * rp + rxs
    return (*kshape, *rshape, 0, *kos, x._offset, *kxs, *rxs)


def _run(k, meta, out_data, x_data, n_out, n_red):
    t = get_num_threads() if n_out * n_red >= PARALLEL_THRESHOLD else 1
    if t > 1 and n_out == 1:
        k.full()(meta, out_data, x_data, t)
    elif t > 1:
        k.par()(meta, out_data, x_data, n_out, min(t, n_out))
    else:
        k.serial()(meta, out_data, x_data, 0, n_out)


def reduce(row, x, dim=None, keepdim=False, *, dtype=None, out=None, name=None):
    """Reduce ``x`` over ``dim`` with reduction ``row`` into a new tensor or ``out``."""
    name = name or row.name
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    ndim = len(x._shape)
    rdims = reduced_dims(dim, ndim, name)
    _check_nonempty(row, x, rdims, dim, name)
    compute, result = dtypes(row, x._dtype, dtype, name)
    kept = tuple(d for d in range(ndim) if d not in rdims)
    if keepdim:
        oshape = tuple(1 if d in rdims else n for d, n in enumerate(x._shape))
    else:
        oshape = tuple(x._shape[d] for d in kept)
    n_out = math.prod(oshape)
    n_red = math.prod(x._shape[d] for d in rdims)
    if out is not None:
        return _reduce_out(row, x, kept, rdims, oshape, compute, result, out, name, keepdim)
    data = allocate(n_out, result)
    strides = contiguous_strides(oshape)
    dest = make_dense(data, oshape, strides, 0, result)
    if n_out:
        _into(row, x, kept, rdims, compute, result, data, 0,
              contiguous_strides(tuple(x._shape[d] for d in kept)), n_out, n_red)
    return dest


def _columns(x, kept, rdims):
    """Whether a kept dim walks memory faster than every reduced dim (``sum(dim=0)`` of a
    row-major matrix). The kernel reduces one output at a time, so there it would stride
    through memory; reducing a copy laid out reduced dims last (a tiled copy, Note [tiles])
    is several times faster."""
    if not kept or not rdims or x.numel() < 4096 or math.prod(x._shape[d] for d in rdims) < 64:
        return False
    xs = x._strides
    inner = min((abs(xs[d]) for d in kept if x._shape[d] > 1), default=None)
    red = min((abs(xs[d]) for d in rdims if x._shape[d] > 1), default=None)
    return inner is not None and red is not None and inner < red


def _into(row, x, kept, rdims, compute, out_dtype, data, off, kstrides, n_out, n_red):
    """Run the kernel writing output element (kept index) at ``off + kept index . kstrides``."""
    k = kernel(row, x._dtype, compute, out_dtype)
    meta = None if _columns(x, kept, rdims) else _meta(x, kept, rdims, kstrides)
    if meta is None:
        # Too many dims survive collapsing, or a column layout (_columns): reduce a copy laid
        # out kept dims first, reduced last, which collapses to one kept and one reduced dim.
        from ._views import permute
        x = permute(x, kept + rdims).contiguous()
        nk = len(kept)
        meta = _meta(x, tuple(range(nk)), tuple(range(nk, nk + len(rdims))), kstrides)
        if meta is None:
            raise AssertionError("unreachable: a contiguous input's kept dims collapse")
    meta = meta[:5] + (off,) + meta[6:]
    _run(k, meta, data, x._data, n_out, n_red)


def _reduce_out(row, x, kept, rdims, oshape, compute, result, out, name, keepdim):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): out must be a Tensor, got {type(out).__name__}")
    if not can_cast(result, out._dtype):
        raise RuntimeError(f"{name}(): result type {result.name} can't be cast to the desired output "
                           f"type {out._dtype.name}")
    _check_writable(out, name)
    if out._shape != oshape:
        if out.numel() != 0:
            warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                          f"{list(out._shape)}, which does not match the required output shape {list(oshape)}.",
                          UserWarning, stacklevel=4)
        from ._views import resize_
        resize_(out, oshape)
    n_out = math.prod(oshape)
    if n_out == 0:
        return out
    if _may_overlap(x, out):
        x = x.clone()
    # Strides of out along the kept dims (a keepdim output has size-1 dims at the reduced ones).
    kstrides = tuple(out._strides[d] for d in kept) if keepdim else out._strides
    if len(collapse(tuple(x._shape[d] for d in kept), [kstrides])[0]) > _KEPT:
        # An out layout the kernel can't address: reduce into a dense temporary and copy.
        data = allocate(n_out, out._dtype)
        _into(row, x, kept, rdims, compute, out._dtype, data, 0,
              contiguous_strides(tuple(x._shape[d] for d in kept)), n_out, math.prod(x._shape[d] for d in rdims))
        from ._copy import copy_
        copy_(out, make_dense(data, oshape, contiguous_strides(oshape), 0, out._dtype))
        return out
    _into(row, x, kept, rdims, compute, out._dtype, out._data, out._offset, kstrides, n_out,
          math.prod(x._shape[d] for d in rdims))
    return out

"""The front door of every reduction: check dims -> pick dtypes -> allocate -> lay out -> kernel.

See Note [reduction layout] and Note [column reductions] in kernels/cpu/reduction.py for what a
kernel receives. Kernels are memoised on explicit key tuples, as in ``_dispatch.kernel``.
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
from ._layouts import KEYED as _KEYED, dispatch_reduce as _dispatch_reduce  # Note [layout dispatch]
from ._layouts import lookup as _lookup
from .kernels import reductions as opdefs
from .kernels.cpu import reduction as _gen
from .kernels.registry import LazyEntries

_KEPT, _RED = 2, 3          # padded counts of kept and reduced dims (Note [reduction layout])
_KERNELS = {}
# The column kernel pays off once a row of the contiguous kept dim holds this many elements;
# below it the per-output kernel walks the few columns (Note [column reductions]).
_MIN_INNER = 8
# Inner elements per column task: the accumulator (16 KB of float32) stays in L1 and each row
# read is a long sequential run (1024 measured ~2x slower than 4096 on 4000x4000 float32).
_COL_WIDTH = 4096

_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def torch_name(d):
    """PyTorch's scalar-type name of dtype ``d`` (``Long`` for int64), as its messages use."""
    return _TORCH_NAMES.get(d.name, d.name)


class RKernel(LazyEntries):
    """One reduction kernel module: ``body`` (serial), ``body_par`` (many outputs),
    ``full_par`` (one output, chunked partials) and, for elementwise kinds, ``cols`` /
    ``cols_par``; each compiled on first use."""

    __slots__ = ()

    def serial(self):
        return self.entry("body", self.sig[0])

    def par(self):
        return self.entry("body_par", self.sig[0])

    def full(self):
        return self.entry("full_par", self.sig[0][:-1])

    def cols(self):
        return self.entry("cols", self.sig[1])

    def cols_par(self):
        return self.entry("cols_par", self.sig[1])


def kernel(row, in_dtype, compute, out_dtype, out2_dtype=None):
    """The compiled kernel for reduction ``row`` of ``in_dtype`` input (memoised on an explicit key)."""
    key = (row.name, in_dtype, compute, out_dtype, out2_dtype)
    k = _KERNELS.get(key)
    if k is None:
        from numba.core import types
        from .kernels import registry
        src = _gen.source(row.combine, row.identity, in_dtype.code, compute.code, out_dtype.code, row.pre,
                          row.post, None if out2_dtype is None else out2_dtype.code)
        name = f"red_{row.name}__{in_dtype.code}__{compute.code}__{out_dtype.code}"
        if out2_dtype is not None:
            name += f"__{out2_dtype.code}"
        mod = registry.load_module(name, src)
        oty, xty = _numba_array_type(out_dtype), _numba_array_type(in_dtype)
        o2ty = oty if out2_dtype is None else _numba_array_type(out2_dtype)
        body = (types.UniTuple(types.int64, 14), oty, o2ty, xty, types.float64, types.int64, types.int64)
        cols = (types.UniTuple(types.int64, 10), oty, xty, types.int64, types.int64)
        k = _KERNELS[key] = RKernel(mod, (body, cols))
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
    elif row.rule == opdefs.INT_TO_FLOAT and d.category <= INT:
        compute = result = _dtypes.get_default_dtype()
    else:
        compute = result = d
    if row.rule == opdefs.TO_REAL:
        result = compute.to_real()
    if row.mean and compute.category not in (FLOAT, COMPLEX):
        if dtype is None:
            raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {torch_name(d)}")
        raise RuntimeError(f"{name}(): the dtype= argument must be a floating point or complex dtype, "
                           f"got {compute.name}")
    if compute.category not in row.categories:
        raise RuntimeError(f"{name}(): not implemented for dtype {compute.name} (input dtype {d.name})")
    return compute, result


def second_dtype(row, compute):
    """The dtype of a two-output row's second result: int64 indices, or the mean's dtype."""
    return _dtypes.int64 if row.second == "indices" else compute


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


def check_nonempty(row, x, rdims, dim, name):
    """Raise as PyTorch does when a reduction without identity meets an empty reduced dim."""
    if row.identity is not None:
        return
    if dim is None and x.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    for d in rdims:
        if x._shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size "
                             f"(input shape {list(x._shape)}).")


def out_shape(shape, rdims, keepdim):
    """The result shape of reducing ``rdims`` of ``shape``."""
    if keepdim:
        return tuple(1 if d in rdims else n for d, n in enumerate(shape))
    return tuple(n for d, n in enumerate(shape) if d not in rdims)


# -- layout --------------------------------------------------------------------------------
def _meta(x, kept, rdims, ostr, ordered=False):
    """The 14-tuple of Note [reduction layout], or None when dims don't fit after collapsing.
    ``ordered`` keeps the reduced dims in logical order (positions are row-major)."""
    shape, xs = x._shape, x._strides
    kshape, (kos, kxs) = collapse(tuple(shape[d] for d in kept), [ostr, tuple(xs[d] for d in kept)])
    # Reduced dims go largest stride first so the innermost row has the smallest stride.
    order = rdims if ordered else sorted(rdims, key=lambda d: -abs(xs[d]))
    rshape, (rxs,) = collapse(tuple(shape[d] for d in order), [tuple(xs[d] for d in order)])
    if len(kshape) > _KEPT or len(rshape) > _RED:
        return None
    kp, rp = _KEPT - len(kshape), _RED - len(rshape)
    kshape, kos, kxs = (1,) * kp + kshape, (0,) * kp + kos, (0,) * kp + kxs
    rshape, rxs = (1,) * rp + rshape, (0,) * rp + rxs
    return (*kshape, *rshape, 0, *kos, x._offset, *kxs, *rxs)


def _cols_meta(x, kept, rdims, kstrides, off):
    """The ``(outer, R, inner, ...)`` tuple of Note [column reductions] when ``x`` walks as
    kept dims, then reduced dims, then kept dims of unit stride (largest stride first), else None."""
    shape, xs = x._shape, x._strides
    dims = [(shape[d], xs[d], s, True) for d, s in zip(kept, kstrides) if shape[d] != 1]
    dims += [(shape[d], xs[d], 0, False) for d in rdims if shape[d] != 1]
    dims.sort(key=lambda t: -abs(t[1]))
    groups, i = [], 0
    for want in (True, False, True):
        g = []
        while i < len(dims) and dims[i][3] == want:
            g.append(dims[i])
            i += 1
        groups.append(g)
    outer, red, inner = groups
    if i != len(dims) or not red or not inner:
        return None
    ishape, (ixs, ios) = collapse(tuple(t[0] for t in inner), [tuple(t[1] for t in inner),
                                                                 tuple(t[2] for t in inner)])
    rshape, (rxs,) = collapse(tuple(t[0] for t in red), [tuple(t[1] for t in red)])
    oshape, (oxs, oos) = collapse(tuple(t[0] for t in outer) or (1,), [tuple(t[1] for t in outer) or (0,),
                                                                       tuple(t[2] for t in outer) or (0,)])
    if len(ishape) != 1 or ixs[0] != 1 or len(rshape) != 1 or len(oshape) != 1 or ishape[0] < _MIN_INNER:
        return None
    return (oshape[0], rshape[0], ishape[0], x._offset, oxs[0], rxs[0], off, oos[0], ios[0], _COL_WIDTH)


def _columns(x, kept, rdims):
    """Whether a kept dim walks memory faster than every reduced dim (``sum(dim=0)`` of a
    row-major matrix). The per-output kernel would stride through memory there; kinds without
    a column kernel reduce a copy laid out reduced dims last (a tiled copy, Note [tiles]),
    which is several times faster."""
    if not kept or not rdims or x.numel() < 4096 or math.prod(x._shape[d] for d in rdims) < 64:
        return False
    xs = x._strides
    inner = min((abs(xs[d]) for d in kept if x._shape[d] > 1), default=None)
    red = min((abs(xs[d]) for d in rdims if x._shape[d] > 1), default=None)
    return inner is not None and red is not None and inner < red


def _run(k, meta, out, out2, x_data, param, n_out, n_red):
    t = get_num_threads() if n_out * n_red >= PARALLEL_THRESHOLD else 1
    if t > 1 and n_out == 1:
        k.full()(meta, out, out2, x_data, param, t)
    elif t > 1:
        k.par()(meta, out, out2, x_data, param, n_out, min(t, n_out))
    else:
        k.serial()(meta, out, out2, x_data, param, 0, n_out)


def _run_cols(k, cm, out, x_data, n):
    outer, inner, width = cm[0], cm[2], cm[9]
    t = get_num_threads() if n >= PARALLEL_THRESHOLD else 1
    if t > 1 and outer * -(-inner // width) < t:
        # Fewer tasks than threads: narrower chunks so every thread gets one (multiples of 64).
        per = -(-inner // t)
        width = max(64, -(-per // 64) * 64)
        cm = cm[:9] + (width,)
    ntasks = outer * -(-inner // width)
    if t > 1 and ntasks > 1:
        k.cols_par()(cm, out, x_data, ntasks, min(t, ntasks))
    else:
        k.cols()(cm, out, x_data, 0, ntasks)


def into(row, x, kept, rdims, compute, out_dtype, data, off, kstrides, n_out, n_red, *, data2=None,
         out2_dtype=None, param=0.0):
    """Run the kernel writing output element (kept index) at ``off + kept index . kstrides`` of
    ``data`` (and of ``data2``, the second output of two-output rows)."""
    if row.second is not None and data2 is None:
        # Two-output kinds always write both (one kernel serves var and var_mean): the
        # second result goes to a scratch array laid out like ``data``.
        out2_dtype = second_dtype(row, compute)
        data2 = allocate(len(data), out2_dtype)
    if n_red == 0 and len(rdims) > 1:
        # Nothing to reduce: every output is the identity, and any empty layout gives it; reduce
        # one empty dim (several zero-size dims need not collapse to one).
        from ._creation import empty
        nk = len(kept)
        x = empty(tuple(x._shape[d] for d in kept) + (0,), dtype=x._dtype)
        kept, rdims = tuple(range(nk)), (nk,)
    k = kernel(row, x._dtype, compute, out_dtype, out2_dtype)
    if row.combine in opdefs.ELEMENTWISE and kept and rdims:
        cm = _cols_meta(x, kept, rdims, kstrides, off)
        if cm is not None:
            _run_cols(k, cm, data, x._data, n_out * n_red)
            return
    ordered = row.combine in opdefs.INDEXED
    meta = None if _columns(x, kept, rdims) else _meta(x, kept, rdims, kstrides, ordered)
    if meta is None:
        # Too many dims survive collapsing, or a column layout (_columns): reduce a copy laid
        # out kept dims first, reduced last, which collapses to one kept and one reduced dim.
        from ._views import permute
        x = permute(x, kept + rdims).contiguous()
        nk = len(kept)
        meta = _meta(x, tuple(range(nk)), tuple(range(nk, nk + len(rdims))), kstrides, ordered)
        if meta is None:
            raise AssertionError("unreachable: a contiguous input's kept dims collapse")
    meta = meta[:5] + (off,) + meta[6:]
    _run(k, meta, data, data if data2 is None else data2, x._data, float(param), n_out, n_red)


def reduce(row, x, dim=None, keepdim=False, *, dtype=None, out=None, name=None, param=0.0):
    """Reduce ``x`` over ``dim`` with reduction ``row`` into a new tensor or ``out``."""
    name = name or row.name
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if type(x) in _KEYED or type(out) in _KEYED:  # Note [layout dispatch]
        return _dispatch_reduce(row, x, dim, keepdim, dtype, out, name, param)
    if x.is_cuda:
        from .cuda._reduce import reduce as cuda_reduce
        return cuda_reduce(row, x, dim, keepdim, dtype=dtype, out=out, name=name, param=param)
    ndim = len(x._shape)
    rdims = reduced_dims(dim, ndim, name)
    check_nonempty(row, x, rdims, dim, name)
    compute, result = dtypes(row, x._dtype, dtype, name)
    kept = tuple(d for d in range(ndim) if d not in rdims)
    oshape = out_shape(x._shape, rdims, keepdim)
    n_out = math.prod(oshape)
    n_red = math.prod(x._shape[d] for d in rdims)
    if out is not None:
        return _reduce_out(row, x, kept, rdims, oshape, compute, result, out, name, keepdim, param)
    data = allocate(n_out, result)
    dest = make_dense(data, oshape, contiguous_strides(oshape), 0, result)
    if n_out:
        into(row, x, kept, rdims, compute, result, data, 0, contiguous_strides(tuple(x._shape[d] for d in kept)),
             n_out, n_red, param=param)
    return dest


def reduce2(row, x, rdims, keepdim, compute, result, name, param=0.0):
    """Reduce ``x`` over the wrapped dims ``rdims`` with two-output row ``row`` into two new
    tensors (values and indices, or var/std and mean)."""
    if type(x) in _KEYED and _lookup("reduce2", x._dispatch_key):  # Note [layout dispatch]
        return _lookup("reduce2", x._dispatch_key)(row, x, rdims, keepdim, compute, result, name, param)
    if type(x) is not Tensor and x.is_cuda:     # a plain CUDA alias handed on by autograd
        from .cuda._reduce_more import reduce2 as cuda_reduce2
        return cuda_reduce2(row, x, rdims, keepdim, compute, result, name, param)
    ndim = len(x._shape)
    kept = tuple(d for d in range(ndim) if d not in rdims)
    oshape = out_shape(x._shape, rdims, keepdim)
    n_out = math.prod(oshape)
    n_red = math.prod(x._shape[d] for d in rdims)
    second = second_dtype(row, compute)
    data, data2 = allocate(n_out, result), allocate(n_out, second)
    strides = contiguous_strides(oshape)
    if n_out:
        into(row, x, kept, rdims, compute, result, data, 0, contiguous_strides(tuple(x._shape[d] for d in kept)),
             n_out, n_red, data2=data2, out2_dtype=second, param=param)
    return make_dense(data, oshape, strides, 0, result), make_dense(data2, oshape, strides, 0, second)


def check_out(out, result, oshape, name, exact=False):
    """Validate ``out=`` for a result of dtype ``result`` and shape ``oshape`` (nothing written)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if exact and out._dtype is not result:
        raise RuntimeError(f"{name}(): Expected out tensor to have dtype {result.name}, but got "
                           f"{out._dtype.name} instead")
    if not can_cast(result, out._dtype):
        raise RuntimeError(f"{name}(): result type {result.name} can't be cast to the desired output "
                           f"type {out._dtype.name}")
    _check_writable(out, name)


def resize_out(out, oshape, name):
    """Resize ``out`` to ``oshape`` as PyTorch does, warning when it had elements."""
    if out._shape != oshape:
        if out.numel() != 0:
            warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                          f"{list(out._shape)}, which does not match the required output shape {list(oshape)}.",
                          UserWarning, stacklevel=5)
        from ._views import resize_
        resize_(out, oshape)


def write_out(out, value, name):
    """Copy the finished result ``value`` into the validated ``out`` (resized as needed)."""
    resize_out(out, value._shape, name)
    if out.numel():
        from ._copy import copy_
        copy_(out, value)
    return out


def _reduce_out(row, x, kept, rdims, oshape, compute, result, out, name, keepdim, param):
    check_out(out, result, oshape, name)
    resize_out(out, oshape, name)
    n_out = math.prod(oshape)
    if n_out == 0:
        return out
    if _may_overlap(x, out):
        x = x.clone()
    # Strides of out along the kept dims (a keepdim output has size-1 dims at the reduced ones).
    kstrides = tuple(out._strides[d] for d in kept) if keepdim else out._strides
    n_red = math.prod(x._shape[d] for d in rdims)
    if len(collapse(tuple(x._shape[d] for d in kept), [kstrides])[0]) > _KEPT:
        # An out layout the kernel can't address: reduce into a dense temporary and copy.
        data = allocate(n_out, out._dtype)
        into(row, x, kept, rdims, compute, out._dtype, data, 0,
             contiguous_strides(tuple(x._shape[d] for d in kept)), n_out, n_red, param=param)
        from ._copy import copy_
        copy_(out, make_dense(data, oshape, contiguous_strides(oshape), 0, out._dtype))
        return out
    into(row, x, kept, rdims, compute, out._dtype, out._data, out._offset, kstrides, n_out, n_red, param=param)
    return out

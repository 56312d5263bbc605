"""The front door of every elementwise kernel call: check -> promote -> broadcast ->
allocate -> collapse -> kernel.

Kernels are strict (one dtype per operand, a valid layout); everything lenient happens
here. See Note [kernel layout] in kernels/cpu/pointwise.py for what a kernel receives.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import _dtypes
from ._dtypes import result_type, can_cast, get_default_dtype, INT
from ._shape import (broadcast_shapes, broadcast_strides, collapse, contiguous_strides,
                     extent, output_permutation, strides_for_permutation)
from ._storage import allocate
from ._tensor import Tensor, make, make_dense, VERSION_HOOK as _VERSION_HOOK
from .cuda._tensor import CudaTensor as _CudaTensor
from ._layouts import KEYED as _KEYED, dispatch_pointwise as _dispatch_pointwise  # Note [layout dispatch]
from .kernels import opdefs
from .kernels.registry import LazyEntries
from .kernels.cpu import pointwise as _gen

# Parallel kernels pay from about 1e5 elements (a prange region costs ~1 us).
PARALLEL_THRESHOLD = 1 << 17
_threads = [None]


def get_num_threads():
    """Threads the parallel kernels use.

    >>> import tensorjit as tj
    >>> tj.get_num_threads() >= 1
    True
    """
    if _threads[0] is None:
        import numba
        _threads[0] = numba.get_num_threads()
    return _threads[0]


def set_num_threads(n):
    """Set the threads parallel kernels use (at most the number Numba started with).

    >>> import tensorjit as tj
    >>> tj.set_num_threads(1); tj.get_num_threads()
    1
    """
    import numba
    numba.set_num_threads(int(n))
    _threads[0] = int(n)


# -- kernels ---------------------------------------------------------------------------
class Kernel(LazyEntries):
    """One elementwise kernel module: ``body`` (any layout), ``contig`` (the fast path) and
    ``body_par`` (large inputs), each compiled on first use."""

    __slots__ = ()

    def serial(self):
        e = self._entries.get("body")
        return e if e is not None else self.entry("body")

    def contig(self):
        """Entry point of ``contig(out, x..., offsets..., n)`` for dense same-shape operands."""
        from numba.core import types
        arrays = self.sig[1:-2]
        return self.entry("contig", arrays + (types.int64,) * len(arrays))

    def par(self):
        from numba.core import types
        return self.entry("body_par", self.sig[:-2] + (types.int64, types.int64))


_KERNELS = {}
# FAST[op][dtype] -> (contig entry, result dtype, its kernel NumPy dtype) for two dense
# tensors of one dtype, or None where the op has no fast path for that dtype.
# See Note [binary fast path].
FAST = {name: {} for name in opdefs.POINTWISE}


def register_fast(row, d, name=None):
    """Fill FAST[row.name][d]; validates like the general path and raises its errors."""
    compute = compute_dtype(row, (d, d), name or row.name)
    entry = None
    # Integer division checks its divisor for zeros first: that stays on the general path.
    if compute is d and not (row.divisor_check and compute.category <= INT):
        result = result_dtype_for(row, compute)
        entry = (kernel(row, (d, d), d, result).contig(), result, result.knp)
    FAST[row.name][d] = entry
    return entry


def _numba_array_type(d):
    from numba.core import types
    from numba.np.numpy_support import from_dtype
    npdt = np.dtype(np.uint16) if d is _dtypes.float16 else d.np
    return types.Array(from_dtype(npdt), 1, "C")


def result_dtype_for(row, compute):
    kind = row.kind
    if kind == opdefs.ALWAYS_BOOL:
        return _dtypes.bool
    if kind == opdefs.COMPLEX_TO_FLOAT:
        return compute.to_real()
    return compute


def kernel(row, in_dtypes, compute, out_dtype):
    """The compiled kernel for ``row`` over inputs of ``in_dtypes`` (memoised on an explicit key)."""
    key = (row.name, in_dtypes, compute, out_dtype)
    k = _KERNELS.get(key)
    if k is None:
        from numba.core import types
        from .kernels import registry
        result = result_dtype_for(row, compute)
        codes = tuple(d.code for d in in_dtypes)
        src = _gen.source(row.scalar_for(compute.category), codes, compute.code, result.code, out_dtype.code)
        name = f"pw_{row.name}__{'_'.join(codes)}__{compute.code}__{out_dtype.code}"
        mod = registry.load_module(name, src)
        sig = (types.UniTuple(types.int64, 4 + 5 * (len(in_dtypes) + 1)), _numba_array_type(out_dtype),
               *(_numba_array_type(d) for d in in_dtypes), types.int64, types.int64)
        k = _KERNELS[key] = Kernel(mod, sig)
    return k


# Note [tiles]: a 2-d iteration where an operand walks the inner dim with a large stride
# (``A + B.T``, ``B.T.contiguous()``) touches a new cache line per element on that operand.
# Cutting it into TILE_R x TILE_C blocks by the layout alone (shape (R/TR, C/TC, TR, TC),
# strides (TR*s0, TC*s1, s0, s1)) makes the kernel's 4-d walk finish a block before the next,
# so each line of the strided operand serves TILE_R rows while TILE_C lines stay in L1. Edge
# strips go as separate pieces.
TILE_R, TILE_C = 32, 256


def _wants_tiles(shape, strides):
    r, c = shape
    return r >= 2 * TILE_R and c >= TILE_C and \
        any(abs(st[1]) != 1 and abs(st[0]) < abs(st[1]) for st in strides)


def _tiles(shape, strides):
    r, c = shape
    r0, c0 = r - r % TILE_R, c - c % TILE_C
    nops = len(strides)
    pieces = [((r0 // TILE_R, c0 // TILE_C, TILE_R, TILE_C),
               [(TILE_R * s0, TILE_C * s1, s0, s1) for s0, s1 in strides], (0,) * nops, r0 * c0)]
    if c0 < c:
        pieces.append(((1, 1, r, c - c0), [(0, 0, s0, s1) for s0, s1 in strides],
                       tuple(c0 * s1 for _, s1 in strides), r * (c - c0)))
    if r0 < r:
        pieces.append(((1, 1, r - r0, c0), [(0, 0, s0, s1) for s0, s1 in strides],
                       tuple(r0 * s0 for s0, _ in strides), (r - r0) * c0))
    return pieces


def layout(shape, operand_strides):
    """The kernel's view of an iteration: a list of pieces ``(shape4, [strides4 per operand],
    [offset delta per operand], n)``, or None when more than four dims remain.

    Dims are ordered by the output's strides (outermost first), collapsed, then padded at
    the front to the kernel's four (Note [kernel layout]); see Note [tiles].
    """
    n = math.prod(shape)
    ostr = operand_strides[0]
    order = sorted(range(len(shape)), key=lambda d: -abs(ostr[d]))
    cshape, cstrides = collapse(tuple(shape[d] for d in order), [tuple(st[d] for d in order)
                                                                 for st in operand_strides])
    nd = len(cshape)
    if nd > 4:
        return None
    if nd == 2 and _wants_tiles(cshape, cstrides):
        return _tiles(cshape, cstrides)
    pad = (1,) * (4 - nd)
    zeros = (0,) * (4 - nd)
    return [(pad + cshape, [zeros + st for st in cstrides], (0,) * len(cstrides), n)]


def run_pieces(k, pieces, arrays, offsets):
    for shape4, strides4, deltas, n in pieces:
        if n:
            meta = shape4
            for off, d, st in zip(offsets, deltas, strides4):
                meta += (off + d,) + st
            call(k, meta, arrays, n)


def launch(k, shape, operands):
    """Run kernel ``k`` over ``shape``; ``operands`` are (kernel array, offset, strides), out first.

    More than four dims left after collapsing loop here over the leading ones.
    """
    if math.prod(shape) == 0:
        return
    arrays = [op[0] for op in operands]
    lay = layout(shape, [op[2] for op in operands])
    if lay is not None:
        run_pieces(k, lay, arrays, [op[1] for op in operands])
        return
    ostr = operands[0][2]
    order = sorted(range(len(shape)), key=lambda d: -abs(ostr[d]))
    cshape, cstrides = collapse(tuple(shape[d] for d in order), [tuple(op[2][d] for d in order)
                                                                 for op in operands])
    lead, inner = cshape[:-4], cshape[-4:]
    for idx in np.ndindex(*lead):
        meta = inner
        for op, st in zip(operands, cstrides):
            meta += (op[1] + sum(i * s for i, s in zip(idx, st[:-4])),) + st[-4:]
        call(k, meta, arrays, math.prod(inner))


def call(k, meta, arrays, n):
    if n >= PARALLEL_THRESHOLD:
        t = get_num_threads()
        if t > 1:
            k.par()(meta, *arrays, n, t)
            return
    k.serial()(meta, *arrays, 0, n)


# -- operands ----------------------------------------------------------------------------
_SCALARS = {}


def scalar_array(value, d):
    """A one-element kernel array holding Python scalar ``value`` converted to dtype ``d``."""
    key = (type(value), value, d)
    arr = _SCALARS.get(key)
    if arr is None:
        npdt = np.float32 if d is _dtypes.float16 else d.np
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) \
                and np.dtype(npdt).kind in "iub":
            # Out-of-range integers wrap, as PyTorch's scalar conversion does.
            value = int(value) & 0xFFFFFFFFFFFFFFFF
            arr = np.array([value], np.uint64).astype(npdt)
        elif np.dtype(npdt).kind in "iub" and isinstance(value, complex):
            arr = np.array([value.real]).astype(npdt)
        else:
            arr = np.array([value]).astype(npdt)
        if len(_SCALARS) > 4096:
            _SCALARS.clear()
        _SCALARS[key] = arr
    return arr


_NUMBER_TYPES = (bool, int, float, complex, np.bool_, np.number)


def check_operand(x, op):
    if not isinstance(x, (Tensor,) + _NUMBER_TYPES):
        raise TypeError(f"{op}(): expected Tensor or Number operands, got {type(x).__name__}")


def _describe(args):
    parts = []
    for a in args:
        if isinstance(a, Tensor):
            parts.append(f"Tensor{tuple(a._shape)} {a._dtype.name}")
        else:
            parts.append(f"{type(a).__name__} scalar")
    return ", ".join(parts)


def _is_bool(a):
    return a is _dtypes.bool or type(a) is bool or isinstance(a, np.bool_) or \
        (isinstance(a, Tensor) and a._dtype is _dtypes.bool)


def compute_dtype(row, args, name):
    if row.no_bool_operand and any(_is_bool(a) for a in args):
        msg = row.refuse.get(_dtypes.BOOL) if all(_is_bool(a) for a in args) else row.no_bool_operand
        raise RuntimeError(f"{name}: {msg} (operands: {_describe(args)})")
    compute = result_type(*args)
    if row.kind == opdefs.INT_TO_FLOAT and compute.category <= INT:
        compute = get_default_dtype()
    if compute.category not in row.categories:
        msg = row.refuse.get(compute.category)
        if msg is None:
            msg = f"not implemented for dtype {compute.name}"
        raise RuntimeError(f"{name}: {msg} (operands: {_describe(args)})")
    return compute


def _may_overlap(a, out):
    """Whether ``a`` reads memory that ``out`` writes, beyond the same element at the same index."""
    da, do = a._data, out._data
    pa, po = da.ctypes.data, do.ctypes.data
    if pa + da.nbytes <= po or po + do.nbytes <= pa:
        return False
    ea = extent(a._shape, a._strides, a._offset)
    eo = extent(out._shape, out._strides, out._offset)
    if ea is None or eo is None:
        return False
    isz = a._dtype.itemsize
    lo_a, hi_a = pa + ea[0] * isz, pa + ea[1] * isz + isz
    lo_o, hi_o = po + eo[0] * out._dtype.itemsize, po + (eo[1] + 1) * out._dtype.itemsize
    if not (lo_a < hi_o and lo_o < hi_a):
        return False
    # Interleaved views (x[::2] and x[1::2], a complex tensor's real and imag parts) share a
    # range but no element: every element of either sits at its offset plus a multiple of
    # the gcd of all their strides, so an offset difference that gcd doesn't divide means
    # disjoint.
    if isz == out._dtype.itemsize and (pa - po) % isz == 0:
        g = 0
        for t in (a, out):
            for n, st in zip(t._shape, t._strides):
                if n > 1:
                    g = math.gcd(g, st)
        if g > 1 and ((pa - po) // isz + a._offset - out._offset) % g:
            return False
    return True


def check_out(out, result, shape, inplace, name):
    """The checks of an ``out=`` tensor before anything is written (every device)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: out must be a Tensor, got {type(out).__name__}")
    if not can_cast(result, out._dtype):
        raise RuntimeError(f"{name}: result type {result.name} can't be cast to the desired output "
                           f"type {out._dtype.name}")
    if out._shape != shape and inplace:
        raise RuntimeError(f"{name}: output with shape {list(out._shape)} doesn't match the "
                           f"broadcast shape {list(shape)}")
    _check_writable(out, name)


def resize_out(out, shape, tensors, name, stacklevel=3):
    """Resize ``out`` to ``shape`` (warning when it held elements, as PyTorch does) and lay it
    out like a fresh output would be: following its inputs' layout."""
    if out.numel() != 0:
        warnings.warn(f"{name}: an output with one or more elements was resized since it had "
                      f"shape {list(out._shape)}, which does not match the required output shape "
                      f"{list(shape)}.", UserWarning, stacklevel=stacklevel)
    out.resize_(shape)
    if tensors and not all(t._shape == shape and t.is_contiguous() for t in tensors):
        perm = output_permutation(shape, [broadcast_strides(t._shape, t._strides, shape) for t in tensors])
        out._strides = strides_for_permutation(shape, perm)
        out._dense = out._strides == contiguous_strides(shape)


def _check_writable(out, name, allow_overlap=False):
    # Only NumPy memory can be read-only; a CUDA tensor's storage is for the CUDA modules only.
    if not out.is_cuda and not out._data.flags.writeable:
        raise RuntimeError(f"{name}: the output tensor is read-only (it views a non-writeable NumPy array)")
    if allow_overlap or 0 in out._shape:
        return
    for n, s in zip(out._shape, out._strides):
        if s == 0 and n > 1:
            raise RuntimeError(f"{name}: unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the tensor "
                               "before performing the operation.")


def _divisor_has_zero(b):
    if isinstance(b, Tensor):
        return b.numel() > 0 and not np.all(b.numpy())
    return b == 0


class Plan:
    """What one (op, operand dtypes/shapes/strides) call needs beyond the operands' data."""
    __slots__ = ("compute", "result", "shape", "strides", "kernel", "layout", "numel", "dense")


_PLANS = {}
# Plans hold compute dtypes that depend on the default dtype (Note [weak scalars]).
_dtypes.on_default_dtype_change(_PLANS.clear)


def _signature(a):
    return (a._dtype, a._shape, a._strides) if isinstance(a, Tensor) else type(a)


def _plan(row, args, name, compute):
    for a in args:
        check_operand(a, name)
    if compute is None:
        compute = compute_dtype(row, args, name)
    p = Plan()
    p.compute, p.result = compute, result_dtype_for(row, compute)
    tensors = [a for a in args if isinstance(a, Tensor)]
    p.shape = shape = broadcast_shapes(*(t._shape for t in tensors), op=name) if tensors else ()
    if tensors and not all(t._shape == shape and t.is_contiguous() for t in tensors):
        perm = output_permutation(shape, [broadcast_strides(t._shape, t._strides, shape) for t in tensors])
        p.strides = strides_for_permutation(shape, perm)
    else:
        p.strides = contiguous_strides(shape)
    p.dense = p.strides == contiguous_strides(shape)
    scalar_dtype = _dtypes.float32 if compute is _dtypes.float16 else compute
    in_dtypes = tuple(a._dtype if isinstance(a, Tensor) else scalar_dtype for a in args)
    p.kernel = kernel(row, in_dtypes, compute, p.result)
    p.numel = math.prod(shape)
    p.layout = layout(shape, [p.strides] + [broadcast_strides(a._shape, a._strides, shape)
                                            if isinstance(a, Tensor) else (0,) * len(shape) for a in args])
    return p


def _arrays_offsets(args, compute):
    arrays, offsets = [], []
    for a in args:
        if isinstance(a, Tensor):
            arrays.append(a._data)
            offsets.append(a._offset)
        else:
            arrays.append(scalar_array(a, compute))
            offsets.append(0)
    return arrays, offsets


def elementwise(row, args, out=None, *, inplace=False, name=None, compute=None):
    """Run pointwise ``row`` over ``args`` (tensors and Python scalars) into a new tensor or ``out``.

    ``inplace`` marks ``out`` as the first input written in place (``add_``): its shape must
    be the broadcast shape. ``compute`` overrides the promoted dtype (casts, ``.to``).
    New outputs follow a cached Plan keyed on the operands' metadata; ``out=`` takes the
    general path, which also guards against overlap between inputs and ``out``.
    """
    for a in args:  # CUDA operands go to the CUDA front end (nothing else is touched on CPU)
        if type(a) is _CudaTensor: return _cuda_elementwise(row, args, out, inplace, name, compute)  # noqa: E701
        if type(a) in _KEYED: return _dispatch_pointwise(row, args, out, inplace, name, compute)  # noqa: E701
    if type(out) in _KEYED: return _dispatch_pointwise(row, args, out, inplace, name, compute)  # noqa: E701
    name = name or row.name
    if out is None:
        key = (row.name, compute, *map(_signature, args))
        try:
            p = _PLANS.get(key)
        except TypeError:  # an unhashable operand: let _plan name it
            p = None
        if p is None:
            p = _plan(row, args, name, compute)
            if len(_PLANS) > 8192:
                _PLANS.clear()
            _PLANS[key] = p
        if row.divisor_check and p.compute.category <= INT and _divisor_has_zero(args[1]):
            raise ZeroDivisionError(f"{name}: integer division by zero")
        data = allocate(p.numel, p.result)
        dest = (make_dense if p.dense else make)(data, p.shape, p.strides, 0, p.result)
        if p.numel:
            arrays, offsets = _arrays_offsets(args, p.compute)
            if p.layout is not None:
                run_pieces(p.kernel, p.layout, [data] + arrays, [0] + offsets)
            else:
                launch(p.kernel, p.shape, [(data, 0, p.strides)] + [
                    (arr, off, broadcast_strides(a._shape, a._strides, p.shape) if isinstance(a, Tensor)
                     else (0,) * len(p.shape)) for arr, off, a in zip(arrays, offsets, args)])
        return dest
    return _elementwise_out(row, args, out, inplace, name, compute)


def _elementwise_out(row, args, out, inplace, name, compute):
    if type(out) is _CudaTensor: return _cuda_elementwise(row, args, out, inplace, name, compute)  # noqa: E701
    for a in args:
        check_operand(a, name)
    if compute is None:
        compute = compute_dtype(row, args, name)
    result = result_dtype_for(row, compute)
    tensors = [a for a in args if isinstance(a, Tensor)]
    shape = broadcast_shapes(*(t._shape for t in tensors), op=name) if tensors else ()
    if row.divisor_check and compute.category <= INT and _divisor_has_zero(args[1]):
        raise ZeroDivisionError(f"{name}: integer division by zero")
    check_out(out, result, shape, inplace, name)
    scalar_dtype = _dtypes.float32 if compute is _dtypes.float16 else compute
    k = kernel(row, tuple(a._dtype if isinstance(a, Tensor) else scalar_dtype for a in args), compute, out._dtype)
    if out._shape != shape:
        resize_out(out, shape, tensors, name, stacklevel=4)
    # Inputs that overlap the output (other than element-for-element) are read from a copy.
    args = [a.clone() if isinstance(a, Tensor) and a is not out and _may_overlap(a, out)
            and not (a._data.ctypes.data == out._data.ctypes.data and a._offset == out._offset
                     and broadcast_strides(a._shape, a._strides, shape) == out._strides)
            else a for a in args]
    arrays, offsets = _arrays_offsets(args, compute)
    operands = [(out._data, out._offset, out._strides)]
    for arr, off, a in zip(arrays, offsets, args):
        operands.append((arr, off, broadcast_strides(a._shape, a._strides, shape) if isinstance(a, Tensor)
                         else (0,) * len(shape)))
    launch(k, shape, operands)
    if _VERSION_HOOK[0] is not None:  # Note [version counter] (tensorjit/autograd/graph.py)
        _VERSION_HOOK[0](out)
    return out


def cast_into(dest, src):
    """Copy ``src`` (broadcast to ``dest``'s shape) into ``dest`` converting dtypes: ``copy_``'s core."""
    if type(dest) is _CudaTensor or type(src) is _CudaTensor: return _cuda_cast_into(dest, src)  # noqa: E701
    row = opdefs.POINTWISE["copy"]
    shape = dest._shape
    if isinstance(src, Tensor):
        if _may_overlap(src, dest) and not (src._offset == dest._offset and src._data.ctypes.data == dest._data.ctypes.data
                                            and broadcast_strides(src._shape, src._strides, shape) == dest._strides):
            src = src.clone()
        sd = src._dtype
        operands = [(dest._data, dest._offset, dest._strides),
                    (src._data, src._offset, broadcast_strides(src._shape, src._strides, shape))]
    else:
        sd = dest._dtype if dest._dtype is not _dtypes.float16 else _dtypes.float32
        operands = [(dest._data, dest._offset, dest._strides),
                    (scalar_array(src, dest._dtype), 0, (0,) * len(shape))]
    compute = sd if sd is not _dtypes.float16 else _dtypes.float32
    launch(kernel(row, (sd,), compute, dest._dtype), shape, operands)
    if _VERSION_HOOK[0] is not None:  # Note [version counter] (tensorjit/autograd/graph.py)
        _VERSION_HOOK[0](dest)
    return dest


def _cuda_elementwise(row, args, out, inplace, name, compute):
    # A later operand that requires grad outranks the CUDA front end (Note [layout dispatch]).
    if type(out) in _KEYED or any(type(a) in _KEYED for a in args):
        return _dispatch_pointwise(row, args, out, inplace, name, compute)
    from .cuda._dispatch import elementwise as cuda_elementwise
    return cuda_elementwise(row, args, out, inplace=inplace, name=name, compute=compute)


def _cuda_cast_into(dest, src):
    from .cuda._dispatch import cast_into as cuda_cast_into
    return cuda_cast_into(dest, src)

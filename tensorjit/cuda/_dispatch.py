"""The CUDA front door of elementwise ops and copies: check devices -> promote -> broadcast ->
allocate on the device -> collapse -> launch. Promotion, broadcasting and every check are the
CPU's own (tensorjit/_dispatch.py); only storage and kernels differ (Note [cuda kernel layout]
in kernels/cuda/pointwise.py)."""
from __future__ import annotations

import math

import numpy as np

from .. import _dtypes
from .._dtypes import INT
from .._dispatch import compute_dtype, result_dtype_for, check_operand, scalar_array, check_out, resize_out
from .._shape import (broadcast_shapes, broadcast_strides, collapse, contiguous_strides, extent,
                      output_permutation, strides_for_permutation)
from .._storage import allocate
from .._tensor import Tensor, VERSION_HOOK as _VERSION_HOOK
from ..kernels import opdefs
from ._tensor import CudaTensor, data, make_cuda, op_name
from . import require

_KERNELS = {}


def devices_of(args, out=None):
    """The one CUDA device of the tensors in ``args`` and ``out``; a RuntimeError naming both when
    they differ, as PyTorch's. CPU 0-d tensors are allowed beside CUDA ones (they act as scalars)."""
    dev = None
    others = []
    for a in list(args) + ([out] if out is not None else []):
        if type(a) is CudaTensor:
            d = data(a).device
            if dev is None:
                dev = d
            elif d != dev:
                others.append(d)
        elif isinstance(a, Tensor) and (a._shape or a is out):
            others.append(a.device)
    if others:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{dev} and {others[0]}! ({op_name()})")
    return dev


def _on_device(args, dev):
    """CPU 0-d tensors among ``args`` moved to ``dev`` (PyTorch lets them mix as scalars)."""
    return tuple(to_device(a, dev) if isinstance(a, Tensor) and type(a) is not CudaTensor else a for a in args)


# -- kernels ---------------------------------------------------------------------------------
def _kernel_module(row, in_dtypes, kinds, compute, out_dtype):
    key = (row.name, in_dtypes, kinds, compute, out_dtype)
    mod = _KERNELS.get(key)
    if mod is None:
        from ..kernels import registry
        from ..kernels.cuda import pointwise as gen
        result = result_dtype_for(row, compute)
        codes = tuple(d.code for d in in_dtypes)
        sim = require("launch").SIMULATOR
        src = gen.source(row.scalar_for(compute.category), codes, kinds, compute.code, result.code, out_dtype.code,
                         simulator=sim)
        name = f"cu{'sim' if sim else ''}_pw_{row.name}__{'_'.join(codes)}__{kinds}__{compute.code}__{out_dtype.code}"
        mod = _KERNELS[key] = registry.load_module(name, src)
    return mod


def karray(buf, d):
    """The device array a kernel gets for storage ``buf`` of dtype ``d`` (float16 as float16)."""
    return buf.array.view(np.float16) if d is _dtypes.float16 else buf.array


def _kernel_args(args, compute):
    """(dtypes, kinds, kernel arguments, offsets) of the inputs: arrays or scalar values."""
    scalar_dtype = _dtypes.float32 if compute is _dtypes.float16 else compute
    dts, kinds, vals, offs = [], "", [], []
    for a in args:
        if isinstance(a, Tensor):
            dts.append(a._dtype)
            kinds += "a"
            vals.append(karray(data(a), a._dtype))
            offs.append(a._offset)
        else:
            dts.append(scalar_dtype)
            kinds += "s"
            vals.append(scalar_array(a, compute)[0])
            offs.append(0)
    return tuple(dts), kinds, vals, offs


def launch(mod, shape, out, out_dtype, args, vals, offs):
    """Run kernel module ``mod`` over ``shape`` writing ``out`` (Note [cuda kernel layout])."""
    n = math.prod(shape)
    if n == 0:
        return
    b = require("launch")
    oarr = karray(data(out), out_dtype)
    tensors = [a for a in args if isinstance(a, Tensor)]
    blocks, threads = b.grid(n)
    if out._dense and all(t._shape == shape and t.is_contiguous() for t in tensors):
        with b.context(data(out).device):
            mod.contig[blocks, threads](oarr, *vals, out._offset, *offs, n)
        return
    ostr = out._strides
    strides = [ostr] + [broadcast_strides(a._shape, a._strides, shape) if isinstance(a, Tensor)
                        else (0,) * len(shape) for a in args]
    order = sorted(range(len(shape)), key=lambda d: -abs(ostr[d]))
    cshape, cstrides = collapse(tuple(shape[d] for d in order), [tuple(st[d] for d in order) for st in strides])
    offsets = [out._offset] + list(offs)
    nl = max(0, len(cshape) - 4)
    pad = 4 - (len(cshape) - nl)
    inner = (1,) * pad + cshape[nl:]
    m = math.prod(inner)
    blocks, threads = b.grid(m)
    with b.context(data(out).device):
        # More than four dims after collapsing: one launch per index of the leading ones.
        for idx in np.ndindex(*cshape[:nl]):
            meta = inner
            for off, st in zip(offsets, cstrides):
                meta += (off + sum(i * s for i, s in zip(idx, st[:nl])),) + (0,) * pad + tuple(st[nl:])
            mod.body[blocks, threads](meta, oarr, *vals, m)


# -- elementwise -----------------------------------------------------------------------------
def elementwise(row, args, out=None, *, inplace=False, name=None, compute=None):
    """``_dispatch.elementwise`` for operands on a CUDA device (same checks, same results)."""
    name = name or row.name
    for a in args:
        check_operand(a, name)
    dev = devices_of(args, out)
    args = _on_device(args, dev)
    if compute is None:
        compute = compute_dtype(row, args, name)
    result = result_dtype_for(row, compute)
    tensors = [a for a in args if isinstance(a, Tensor)]
    shape = broadcast_shapes(*(t._shape for t in tensors), op=name) if tensors else ()
    if row.divisor_check and compute.category <= INT and _has_zero(args[1], dev):
        raise ZeroDivisionError(f"{name}: integer division by zero")
    written = out is not None     # an in-place or out= write counts one version (Note [version counter])
    if out is None:
        if tensors and not all(t._shape == shape and t.is_contiguous() for t in tensors):
            perm = output_permutation(shape, [broadcast_strides(t._shape, t._strides, shape) for t in tensors])
            strides = strides_for_permutation(shape, perm)
        else:
            strides = contiguous_strides(shape)
        out = make_cuda(allocate(math.prod(shape), result, dev), shape, strides, 0, result)
    else:
        check_out(out, result, shape, inplace, name)
        if out._shape != shape:
            resize_out(out, shape, tensors, name, stacklevel=4)
        args = tuple(a.clone() if isinstance(a, Tensor) and a is not out and _aliases(a, out, shape) else a
                     for a in args)
    dts, kinds, vals, offs = _kernel_args(args, compute)
    mod = _kernel_module(row, dts, kinds, compute, out._dtype)
    launch(mod, shape, out, out._dtype, args, vals, offs)
    if written and _VERSION_HOOK[0] is not None:
        _VERSION_HOOK[0](out)
    return out


def _span(t):
    """(first byte, end byte) of the memory ``t`` reads, or None when empty."""
    e = extent(t._shape, t._strides, t._offset)
    if e is None:
        return None
    base = require("overlap").pointer(data(t))
    isz = t._dtype.itemsize
    return base + e[0] * isz, base + (e[1] + 1) * isz


def _aliases(a, out, shape):
    """Whether input ``a`` reads memory ``out`` writes, beyond the same element at the same index
    (then it is read from a copy first, as on CPU)."""
    sa, so = _span(a), _span(out)
    if sa is None or so is None or not (sa[0] < so[1] and so[0] < sa[1]):
        return False
    return not (sa[0] == so[0] and a._dtype.itemsize == out._dtype.itemsize
                and broadcast_strides(a._shape, a._strides, shape) == out._strides)


def _has_zero(b, dev):
    if isinstance(b, Tensor):
        if b.numel() == 0:
            return False
        from ._reduce import reduce_all
        return not reduce_all(b)
    return b == 0


# -- copies ------------------------------------------------------------------------------------
def cast_into(dest, src):
    """``_dispatch.cast_into`` on a CUDA device: copy ``src`` (broadcast to ``dest``'s shape) into
    ``dest``, converting dtypes. Both must be on one device (``copy_`` moves data first)."""
    row = opdefs.POINTWISE["copy"]
    if type(dest) is not CudaTensor:
        raise NotImplementedError(
            f"{op_name()}: not implemented for CUDA tensors (device '{src.device}'): this op allocates its "
            "result on the CPU. Call .cpu() first.")
    if isinstance(src, Tensor):
        if type(src) is not CudaTensor or data(src).device != data(dest).device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{dest.device} and {src.device}! ({op_name()})")
        if _aliases(src, dest, dest._shape):
            src = src.clone()
        compute = src._dtype if src._dtype is not _dtypes.float16 else _dtypes.float32
        dts, kinds, vals, offs = _kernel_args((src,), compute)
    else:
        compute = dest._dtype if dest._dtype is not _dtypes.float16 else _dtypes.float32
        dts, kinds, vals, offs = (compute,), "s", [scalar_array(src, dest._dtype)[0]], [0]
    mod = _kernel_module(row, dts, kinds, compute, dest._dtype)
    launch(mod, dest._shape, dest, dest._dtype, (src,), vals, offs)
    if _VERSION_HOOK[0] is not None:
        _VERSION_HOOK[0](dest)
    return dest


def copy_buffer(dst, src, count):
    """Copy the first ``count`` elements of DeviceBuffer ``src`` into DeviceBuffer ``dst``."""
    if count:
        with require("copy").context(dst.device):
            dst.array[:count].copy_to_device(src.array[:count])


# -- transfers ---------------------------------------------------------------------------------
def _dense_span(t):
    """Whether ``t``'s elements fill ``[offset, offset + numel)`` of its storage exactly (any dim order)."""
    from .._shape import like_strides
    return like_strides(t._shape, t._strides) == t._strides


def to_device(t, dev):
    """A copy of CPU tensor ``t`` on CUDA device ``dev``, same dtype and dim order."""
    from .._shape import like_strides
    if not t._dense and not _dense_span(t):
        t = t.clone()   # on the CPU: a dense copy in t's dim order
    n = t.numel()
    host = t._data[t._offset:t._offset + n]
    return make_cuda(require("to").to_device(np.ascontiguousarray(host), dev), t._shape,
                     t._strides if n else like_strides(t._shape, t._strides), 0, t._dtype)


def to_host(t):
    """A copy of CUDA tensor ``t`` on the CPU, same dtype and dim order."""
    from .._tensor import make
    if not t._dense and not _dense_span(t):
        t = t.clone()   # on the device: a dense copy in t's dim order
    n = t.numel()
    host = require("cpu").to_host(data(t), t._offset, n)
    return make(host, t._shape, t._strides, 0, t._dtype)

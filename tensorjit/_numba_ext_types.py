"""The Numba type of a tensor: its data model, ``typeof``, unboxing and boxing, and the
intrinsics that read its fields (Note [tensors in numba] in tensorjit/numba_ext.py).

Imported only by ``tensorjit.numba_ext._init_extension`` (that is, once Numba is in use).
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.errors import TypingError
from numba.core.imputils import impl_ret_borrowed
from numba.core.typing.typeof import Purpose, typeof_impl
from numba.extending import (NativeValue, box, intrinsic, make_attribute_wrapper, models, register_model,
                             unbox)
from numba.np import numpy_support

from . import _dtypes
from ._tensor import Tensor, make

_INTP = ir.IntType(types.intp.bitwidth)

# tensorjit dtype name -> the Numba type of one storage element (float16: its uint16 bits).
_STORAGE = {d.name: numpy_support.from_dtype(d.knp) for d in _dtypes.ALL}


class TensorType(types.IterableType):
    """The Numba type of a dense CPU tensor: dtype, ndim, ``"C"`` (row-major contiguous, as
    ``is_contiguous()``) or ``"A"`` (any strides), and the storage's read-only and alignment
    flags. Values are (storage, shape, strides, offset), strides and offset in elements.

    >>> import numba, tensorjit as tj, tensorjit.numba_ext
    >>> numba.typeof(tj.zeros(2, 3).t())
    tensor(float32, 2d, A)
    """

    def __init__(self, dtype_name, ndim, layout="A", readonly=False, aligned=True):
        if dtype_name not in _STORAGE:
            raise ValueError(f"TensorType: unknown dtype {dtype_name!r}")
        if layout not in ("C", "A"):
            raise ValueError(f"TensorType: layout must be 'C' or 'A' (got {layout!r})")
        self.dtype_name = dtype_name
        self.ndim = int(ndim)
        self.layout = layout
        self.readonly = bool(readonly)
        self.aligned = bool(aligned)
        # The flat storage ``Tensor._data`` (a 1-d C-contiguous NumPy array, Note [tensor data]).
        self.storage = types.Array(_STORAGE[dtype_name], 1, "C", readonly=self.readonly, aligned=self.aligned)
        # What compiled code reads and writes: float16 is widened to float32 (Note [tensors in numba]).
        self.value = types.float32 if dtype_name == "float16" else self.storage.dtype
        flags = (", readonly" if self.readonly else "") + ("" if self.aligned else ", unaligned")
        super().__init__(f"tensor({dtype_name}, {self.ndim}d, {layout}{flags})")

    def copy(self, ndim=None, layout=None):
        """The same type with another ndim or layout."""
        return TensorType(self.dtype_name, self.ndim if ndim is None else ndim, layout or self.layout,
                          self.readonly, self.aligned)

    @property
    def iterator_type(self):
        # ``for x in t``: the views t[0], t[1], ... (elements for a 1-d tensor), as in Python.
        if self.ndim == 0:
            raise TypingError("iteration over a 0-d tensor")
        return TensorIterType(self)


class TensorIterType(types.SimpleIteratorType):
    """The iterator of ``for x in t`` in compiled code."""

    def __init__(self, tensor):
        self.tensor = tensor
        yield_type = tensor.value if tensor.ndim == 1 else tensor.copy(ndim=tensor.ndim - 1)
        super().__init__(f"iter({tensor})", yield_type)


@register_model(TensorIterType)
class TensorIterModel(models.StructModel):
    def __init__(self, dmm, fe_type):
        members = [("tensor", fe_type.tensor), ("index", types.EphemeralPointer(types.intp))]
        super().__init__(dmm, fe_type, members)


@register_model(TensorType)
class TensorModel(models.StructModel):
    """(storage array, shape, strides, offset): the array member carries the NRT reference that
    keeps the storage alive while compiled code holds the tensor."""

    def __init__(self, dmm, fe_type):
        tup = types.UniTuple(types.intp, fe_type.ndim)
        members = [("data", fe_type.storage), ("shape", tup), ("strides", tup), ("offset", types.intp)]
        super().__init__(dmm, fe_type, members)


for _field in ("data", "shape", "strides", "offset"):
    make_attribute_wrapper(TensorType, _field, "_" + _field)

# (dtype, ndim, contiguous, writeable, aligned) -> TensorType: typeof runs on every call.
_TYPES: dict = {}


def tensor_type(t):
    """The TensorType of tensor ``t`` (cached)."""
    flags = t._data.flags
    if not flags.c_contiguous:      # never made by tensorjit; refused rather than misread
        raise ValueError("a tensor whose storage array is not contiguous cannot be passed to @numba.njit code")
    key = (t._dtype, len(t._shape), t.is_contiguous(), flags.writeable, flags.aligned)
    ty = _TYPES.get(key)
    if ty is None:
        ty = _TYPES[key] = TensorType(t._dtype.name, key[1], "C" if key[2] else "A", not key[3], key[4])
    return ty


@typeof_impl.register(Tensor)
def _typeof_tensor(val, c):
    # Only the dense CPU class: a CUDA tensor must reach numba.cuda kernels through its
    # __cuda_array_interface__, which numba.cuda tries when typeof raises ValueError.
    if type(val) is not Tensor:
        if getattr(val, "is_cuda", False):
            raise ValueError(f"a CUDA tensor (device '{val.device}') cannot be passed to CPU-compiled code "
                             "(@numba.njit): call .cpu() first, or pass it to a numba.cuda.jit kernel")
        raise ValueError(f"a {type(val).__name__} (layout {getattr(val, 'layout', '?')}) cannot be passed to "
                         "@numba.njit code: only dense strided CPU tensors can (convert it first: .to_dense(), "
                         ".dequantize() or .detach())")
    if c.purpose is Purpose.constant:
        raise ValueError("a tensor cannot be a compile-time constant of @numba.njit code (a global or "
                         "closure variable): pass it as an argument")
    return tensor_type(val)


@unbox(TensorType)
def _unbox_tensor(typ, obj, c):
    tup = types.UniTuple(types.intp, typ.ndim)
    fields = [("data", typ.storage, "_data"), ("shape", tup, "_shape"), ("strides", tup, "_strides"),
              ("offset", types.intp, "_offset")]
    t = cgutils.create_struct_proxy(typ)(c.context, c.builder)
    is_error = cgutils.false_bit
    for name, fty, attr in fields:
        pyval = c.pyapi.object_getattr_string(obj, attr)
        native = c.unbox(fty, pyval)
        c.pyapi.decref(pyval)
        setattr(t, name, native.value)
        is_error = c.builder.or_(is_error, native.is_error)
    return NativeValue(t._getvalue(), is_error=is_error)


def _box_args(data, shape, strides, offset, dtype_name):
    """Called by boxed tensors: a Tensor over the storage compiled code returned."""
    return make(data, shape, strides, offset, _dtypes._by_name(dtype_name))


@box(TensorType)
def _box_tensor(typ, val, c):
    t = cgutils.create_struct_proxy(typ)(c.context, c.builder, value=val)
    tup = types.UniTuple(types.intp, typ.ndim)
    # Boxing the array member takes over the reference the tensor value holds.
    objs = [c.box(typ.storage, t.data), c.box(tup, t.shape), c.box(tup, t.strides),
            c.box(types.intp, t.offset)]
    objs.append(c.pyapi.unserialize(c.pyapi.serialize_object(typ.dtype_name)))
    fn = c.pyapi.unserialize(c.pyapi.serialize_object(_box_args))
    res = c.pyapi.call_function_objargs(fn, objs)
    for o in objs:
        c.pyapi.decref(o)
    c.pyapi.decref(fn)
    return res


# -- field access for the overloads (tensorjit/_numba_ext_ops.py) ------------------------------
def _proxy(context, builder, ty, val):
    return cgutils.create_struct_proxy(ty)(context, builder, value=val)


def _strides(builder, ty, t):
    """The element strides for addressing, as LLVM values: the stored ones, or for a "C" tensor
    the row-major strides of its shape (equal wherever they matter, and LLVM can reason about
    them: a unit inner stride lets loops vectorise)."""
    if ty.layout != "C":
        return cgutils.unpack_tuple(builder, t.strides, ty.ndim)
    return _c_strides(builder, cgutils.unpack_tuple(builder, t.shape, ty.ndim))


def _c_strides(builder, shape):
    """Row-major element strides of ``shape`` (LLVM values)."""
    out = [None] * len(shape)
    acc = ir.Constant(_INTP, 1)
    for k in range(len(shape) - 1, -1, -1):
        out[k] = acc
        acc = builder.mul(acc, shape[k])
    return out


def _indices(context, builder, ty, t, idxty, idx):
    """The integer indices ``idx`` as intp, negative ones wrapped as Python wraps them, each
    checked against its dim (IndexError naming the dim)."""
    if isinstance(idxty, types.BaseTuple):
        tys = list(idxty.types)
        vals = [builder.extract_value(idx, k) for k in range(len(tys))]
    else:
        tys, vals = [idxty], [idx]
    shape = cgutils.unpack_tuple(builder, t.shape, ty.ndim)
    out = []
    for k, (ity, v) in enumerate(zip(tys, vals)):
        i = context.cast(builder, v, ity, types.intp)
        n = shape[k]
        if ity.signed:
            i = builder.select(builder.icmp_signed("<", i, i.type(0)), builder.add(i, n), i)
        # Unsigned compare: a still-negative index reads as a huge one.
        with cgutils.if_unlikely(builder, builder.icmp_unsigned(">=", i, n)):
            context.call_conv.return_user_exc(
                builder, IndexError, (f"index out of range for dimension {k} of a {ty.ndim}-d tensor",))
        out.append(i)
    return out


@intrinsic
def element_index(typingctx, tensor, idx):
    """The storage position (uint64, no wraparound) of the element at integer indices ``idx``
    (one per dim); raises IndexError when an index is out of range."""
    def codegen(context, builder, sig, args):
        ty, idxty = sig.args
        t = _proxy(context, builder, ty, args[0])
        pos = t.offset
        for i, s in zip(_indices(context, builder, ty, t, idxty, args[1]), _strides(builder, ty, t)):
            pos = builder.add(pos, builder.mul(i, s))
        return pos
    return types.uint64(tensor, idx), codegen


@intrinsic
def sub_tensor(typingctx, tensor, idx):
    """The view ``tensor[idx]`` for fewer integer indices than dims (as ``Tensor.select``)."""
    k = len(idx.types) if isinstance(idx, types.BaseTuple) else 1
    outty = tensor.copy(ndim=tensor.ndim - k)

    def codegen(context, builder, sig, args):
        ty, idxty = sig.args
        t = _proxy(context, builder, ty, args[0])
        strides = cgutils.unpack_tuple(builder, t.strides, ty.ndim)
        pos = t.offset
        for i, s in zip(_indices(context, builder, ty, t, idxty, args[1]), strides):
            pos = builder.add(pos, builder.mul(i, s))
        out = cgutils.create_struct_proxy(outty)(context, builder)
        out.data = t.data
        out.shape = _pack(context, builder, cgutils.unpack_tuple(builder, t.shape, ty.ndim)[k:])
        out.strides = _pack(context, builder, strides[k:])
        out.offset = pos
        return impl_ret_borrowed(context, builder, outty, out._getvalue())
    return outty(tensor, idx), codegen


def _pack(context, builder, vals):
    tup = types.UniTuple(types.intp, len(vals))
    return context.make_tuple(builder, tup, vals)


@intrinsic
def swap_dims(typingctx, tensor, d0, d1):
    """The view with dims ``d0`` and ``d1`` (valid, non-negative) exchanged, as ``transpose``."""
    outty = tensor.copy(layout="A")

    def codegen(context, builder, sig, args):
        ty = sig.args[0]
        t = _proxy(context, builder, ty, args[0])
        a, b = (context.cast(builder, v, vt, types.intp) for v, vt in zip(args[1:], sig.args[1:]))
        out = cgutils.create_struct_proxy(outty)(context, builder)
        out.data = t.data
        out.offset = t.offset
        for field in ("shape", "strides"):
            vals = cgutils.unpack_tuple(builder, getattr(t, field), ty.ndim)
            va, vb = _pick(builder, vals, a), _pick(builder, vals, b)
            new = []
            for k, v in enumerate(vals):
                kk = ir.Constant(_INTP, k)
                new.append(builder.select(builder.icmp_signed("==", kk, a), vb,
                                          builder.select(builder.icmp_signed("==", kk, b), va, v)))
            setattr(out, field, _pack(context, builder, new))
        return impl_ret_borrowed(context, builder, outty, out._getvalue())
    return outty(tensor, d0, d1), codegen


def _pick(builder, vals, index):
    """``vals[index]`` for a runtime index (a chain of selects; ``vals`` is short)."""
    out = vals[0]
    for k in range(1, len(vals)):
        out = builder.select(builder.icmp_signed("==", index, ir.Constant(_INTP, k)), vals[k], out)
    return out


@intrinsic
def reverse_dims(typingctx, tensor):
    """The view with all dims in reverse order, as ``t.T`` (``permute(n-1, ..., 0)``)."""
    outty = tensor.copy(layout="A") if tensor.ndim > 1 else tensor

    def codegen(context, builder, sig, args):
        ty = sig.args[0]
        t = _proxy(context, builder, ty, args[0])
        out = cgutils.create_struct_proxy(outty)(context, builder)
        out.data = t.data
        out.offset = t.offset
        out.shape = _pack(context, builder, cgutils.unpack_tuple(builder, t.shape, ty.ndim)[::-1])
        out.strides = _pack(context, builder, cgutils.unpack_tuple(builder, t.strides, ty.ndim)[::-1])
        return impl_ret_borrowed(context, builder, outty, out._getvalue())
    return outty(tensor), codegen


@intrinsic
def numpy_view(typingctx, tensor):
    """A NumPy array (Numba's array type) viewing the tensor's elements: layout "C" for a
    contiguous tensor, "A" otherwise; it shares, and keeps alive, the storage."""
    arrty = types.Array(tensor.storage.dtype, tensor.ndim, tensor.layout, readonly=tensor.readonly,
                        aligned=tensor.aligned)

    def codegen(context, builder, sig, args):
        ty = sig.args[0]
        t = _proxy(context, builder, ty, args[0])
        data = context.make_array(ty.storage)(context, builder, value=t.data)
        itemsize = data.itemsize
        strides = [builder.mul(s, itemsize) for s in _strides(builder, ty, t)]
        out = context.make_array(arrty)(context, builder)
        context.populate_array(out, data=builder.gep(data.data, [t.offset]),
                               shape=cgutils.unpack_tuple(builder, t.shape, ty.ndim), strides=strides,
                               itemsize=itemsize, meminfo=data.meminfo)
        return impl_ret_borrowed(context, builder, arrty, out._getvalue())
    return arrty(tensor), codegen


@intrinsic
def wrap_array(typingctx, arr):
    """The tensor over a C-contiguous NumPy array (its memory becomes the storage; no copy)."""
    name = _dtypes._BY_NP[np.dtype(numpy_support.as_dtype(arr.dtype))].name
    outty = TensorType(name, arr.ndim, "C", not arr.mutable, arr.aligned)

    def codegen(context, builder, sig, args):
        aty = sig.args[0]
        a = context.make_array(aty)(context, builder, value=args[0])
        shape = cgutils.unpack_tuple(builder, a.shape, aty.ndim)
        size = ir.Constant(_INTP, 1)
        for n in shape:
            size = builder.mul(size, n)
        flat = context.make_array(outty.storage)(context, builder)
        context.populate_array(flat, data=a.data, shape=[size], strides=[a.itemsize], itemsize=a.itemsize,
                               meminfo=a.meminfo)
        out = cgutils.create_struct_proxy(outty)(context, builder)
        out.data = flat._getvalue()
        out.shape = _pack(context, builder, shape)
        out.strides = _pack(context, builder, _c_strides(builder, shape))
        out.offset = ir.Constant(_INTP, 0)
        return impl_ret_borrowed(context, builder, outty, out._getvalue())
    return outty(arr), codegen


@intrinsic
def value_dtype(typingctx, tensor):
    """``tensor.dtype`` inside compiled code: the NumPy dtype of the values it reads."""
    def codegen(context, builder, sig, args):
        return context.get_dummy_value()
    return types.DType(tensor.value)(tensor), codegen

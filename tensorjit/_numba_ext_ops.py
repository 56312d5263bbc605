"""What compiled code can do with a tensor: attributes, methods, ``len``, iteration, integer
indexing, transposed views and ``tensorjit.numba_ext.from_numpy`` (Note [tensors in numba] in
tensorjit/numba_ext.py).

Imported only by ``tensorjit.numba_ext._init_extension``. The overloads compile as part of
the user's function; they are not kernels of their own.
"""
from __future__ import annotations

import operator

import numpy as np
from numba.core import cgutils, types
from numba.core.errors import TypingError
from numba.core.imputils import RefType, impl_ret_new_ref, iternext_impl, lower_builtin
from numba.extending import overload, overload_attribute, overload_method, register_jitable

from . import _dtypes, numba_ext
from ._numba_ext_types import (TensorIterType, TensorType, element_index, numpy_view, reverse_dims, sub_tensor,
                               swap_dims, value_dtype, wrap_array, _STORAGE)


def _half():
    # float16 elements convert on every read and write; the converters load on first need.
    from .kernels.cpu.half import f2h, h2f
    return f2h, h2f


def _index_types(op, t, idx):
    """The integer types of ``idx`` (one index or a tuple), or a TypingError naming the op."""
    tys = list(idx.types) if isinstance(idx, types.BaseTuple) else [idx]
    bad = [ty for ty in tys if not isinstance(ty, types.Integer)]
    if bad:
        raise TypingError(f"{op}: compiled code indexes a {t} with integers only (got {idx}); "
                          "for slices, masks or index arrays use t.numpy()[...]")
    if len(tys) > t.ndim:
        raise TypingError(f"{op}: too many indices for a tensor of dimension {t.ndim} (got {len(tys)} "
                          f"indices, {idx})")
    return tys


@overload(operator.getitem)
def _getitem(t, idx):
    if not isinstance(t, TensorType):
        return None
    tys = _index_types("Tensor.__getitem__", t, idx)
    if len(tys) < t.ndim:
        return lambda t, idx: sub_tensor(t, idx)
    if t.dtype_name == "float16":
        h2f = _half()[1]
        return lambda t, idx: h2f(t._data[element_index(t, idx)])
    return lambda t, idx: t._data[element_index(t, idx)]


@overload(operator.setitem)
def _setitem(t, idx, v):
    if not isinstance(t, TensorType):
        return None
    op = "Tensor.__setitem__"
    tys = _index_types(op, t, idx)
    if t.readonly:
        raise TypingError(f"{op}: the {t} is read-only (its storage is a non-writeable array)")
    if len(tys) < t.ndim:
        raise TypingError(f"{op}: compiled code writes one element at a time: give {t.ndim} indices "
                          f"(got {len(tys)}), or assign through t.numpy()[...]")
    if not isinstance(v, (types.Number, types.Boolean)):
        raise TypingError(f"{op}: can only assign a number to an element of a {t} (got {v})")
    if isinstance(v, types.Complex) and not isinstance(t.value, types.Complex):
        raise TypingError(f"{op}: can't assign a complex value to an element of a {t} "
                          f"(a {t.dtype_name} tensor); take .real first")
    if t.dtype_name == "float16":
        f2h = _half()[0]

        def impl_half(t, idx, v):
            t._data[element_index(t, idx)] = f2h(np.float32(v))
        return impl_half

    def impl(t, idx, v):
        t._data[element_index(t, idx)] = v
    return impl


@overload(len)
def _len(t):
    if not isinstance(t, TensorType):
        return None
    if t.ndim == 0:
        raise TypingError("len() of a 0-d tensor")
    return lambda t: t._shape[0]


@lower_builtin("getiter", TensorType)
def _getiter(context, builder, sig, args):
    it = context.make_helper(builder, sig.return_type)
    it.index = cgutils.alloca_once_value(builder, context.get_constant(types.intp, 0))
    it.tensor = args[0]
    context.nrt.incref(builder, sig.args[0], args[0])     # the iterator holds the tensor
    return impl_ret_new_ref(context, builder, sig.return_type, it._getvalue())


@lower_builtin("iternext", TensorIterType)
@iternext_impl(RefType.NEW)
def _iternext(context, builder, sig, args, result):
    itty = sig.args[0]
    it = context.make_helper(builder, itty, value=args[0])
    t = cgutils.create_struct_proxy(itty.tensor)(context, builder, value=it.tensor)
    index = builder.load(it.index)
    valid = builder.icmp_signed("<", index, cgutils.unpack_tuple(builder, t.shape, itty.tensor.ndim)[0])
    result.set_valid(valid)
    with builder.if_then(valid):
        # t[index] through the getitem overload above (a new reference for a view)
        value = context.compile_internal(builder, lambda t, i: t[i], itty.yield_type(itty.tensor, types.intp),
                                         [it.tensor, index])
        result.yield_(value)
        builder.store(cgutils.increment_index(builder, index), it.index)


# -- attributes ------------------------------------------------------------------------------
@overload_attribute(TensorType, "shape")
def _shape(t):
    return lambda t: t._shape


@overload_attribute(TensorType, "strides")
def _strides_attr(t):
    # Element strides, as t.stride() (Note [tensors in numba]).
    return lambda t: t._strides


@overload_attribute(TensorType, "ndim")
def _ndim(t):
    n = t.ndim
    return lambda t: n


@overload_attribute(TensorType, "dtype")
def _dtype(t):
    return lambda t: value_dtype(t)


# -- methods ---------------------------------------------------------------------------------
@register_jitable
def _wrap_dim(d, ndim):
    if d < -ndim or d >= ndim:
        raise IndexError("Dimension out of range")
    return d + ndim if d < 0 else d


def _dim_arg(name, t, dim):
    """Whether ``dim`` was given (an integer), None when omitted; a TypingError otherwise."""
    if dim is None or isinstance(dim, (types.NoneType, types.Omitted)):
        return False
    if not isinstance(dim, types.Integer):
        raise TypingError(f"Tensor.{name}: dim must be an integer (got {dim})")
    if t.ndim == 0:
        raise TypingError(f"Tensor.{name}: dimension specified but the tensor has no dimensions (0-d)")
    return True


@overload_method(TensorType, "size")
def _size(t, dim=None):
    if not _dim_arg("size", t, dim):
        return lambda t, dim=None: t._shape
    n = t.ndim
    return lambda t, dim=None: t._shape[_wrap_dim(dim, n)]


@overload_method(TensorType, "stride")
def _stride(t, dim=None):
    if not _dim_arg("stride", t, dim):
        return lambda t, dim=None: t._strides
    n = t.ndim
    return lambda t, dim=None: t._strides[_wrap_dim(dim, n)]


@overload_method(TensorType, "transpose")
def _transpose(t, dim0, dim1):
    for d in (dim0, dim1):
        if not isinstance(d, types.Integer):
            raise TypingError(f"Tensor.transpose: dims must be integers (got {dim0}, {dim1})")
    if t.ndim == 0:
        raise TypingError("Tensor.transpose: dimension specified but the tensor has no dimensions (0-d)")
    n = t.ndim
    return lambda t, dim0, dim1: swap_dims(t, _wrap_dim(dim0, n), _wrap_dim(dim1, n))


@overload_method(TensorType, "t")
def _t(t):
    if t.ndim > 2:
        raise TypingError(f"Tensor.t: t() expects a tensor with <= 2 dimensions, but self is {t.ndim}D")
    if t.ndim < 2:
        return lambda t: t
    return lambda t: swap_dims(t, 0, 1)


@overload_attribute(TensorType, "T")
def _T(t):
    return lambda t: reverse_dims(t)


@register_jitable
def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


@overload_method(TensorType, "numel")
def _numel(t):
    return lambda t: _prod(t._shape)


@overload_method(TensorType, "nelement")
def _nelement(t):
    return lambda t: _prod(t._shape)


@overload_method(TensorType, "dim")
def _dim(t):
    n = t.ndim
    return lambda t: n


@overload_method(TensorType, "storage_offset")
def _storage_offset(t):
    return lambda t: t._offset


@overload_method(TensorType, "element_size")
def _element_size(t):
    n = _dtypes._by_name(t.dtype_name).itemsize
    return lambda t: n


@register_jitable
def _contiguous(shape, strides):
    # As Tensor.is_contiguous(): row-major without gaps, size-1 dims ignored, empty is contiguous.
    expected = 1
    for k in range(len(shape) - 1, -1, -1):
        if shape[k] == 0:
            return True
    for k in range(len(shape) - 1, -1, -1):
        if shape[k] != 1:
            if strides[k] != expected:
                return False
            expected *= shape[k]
    return True


@overload_method(TensorType, "is_contiguous")
def _is_contiguous(t):
    if t.layout == "C":
        return lambda t: True
    return lambda t: _contiguous(t._shape, t._strides)


@overload_method(TensorType, "numpy")
def _numpy(t):
    if t.dtype_name == "float16":
        raise TypingError("Tensor.numpy: a float16 tensor has no NumPy view inside compiled code (Numba has "
                          "no float16 arithmetic on CPU); read and write its elements with t[i, ...] "
                          "(as float32) or convert with .float() before the call")
    return lambda t: numpy_view(t)


@overload_method(TensorType, "item")
def _item(t):
    if t.dtype_name == "float16":
        h2f = _half()[1]

        def impl_half(t):
            if _prod(t._shape) != 1:
                raise RuntimeError("a Tensor with more or fewer than one element cannot be converted to Scalar")
            return h2f(t._data[np.uint64(t._offset)])
        return impl_half

    def impl(t):
        if _prod(t._shape) != 1:
            raise RuntimeError("a Tensor with more or fewer than one element cannot be converted to Scalar")
        return t._data[np.uint64(t._offset)]
    return impl


# -- making tensors in compiled code ---------------------------------------------------------
@overload(numba_ext.from_numpy)
def _from_numpy(a):
    if not isinstance(a, types.Array):
        raise TypingError(f"from_numpy: expected a NumPy array (got {a})")
    if a.layout != "C":
        raise TypingError(f"from_numpy: compiled code wraps C-contiguous arrays only (got {a}); "
                          "use np.ascontiguousarray(a) first")
    if a.dtype not in _STORAGE.values():
        raise TypingError(f"from_numpy: no tensor dtype for NumPy arrays of {a.dtype} in compiled code "
                          "(bool, integers, float32, float64, complex64 and complex128 are supported)")
    return lambda a: wrap_array(a)

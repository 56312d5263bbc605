"""Quantized tensors: the dtypes, the schemes, the tensor class and (de)quantization.

Note [quantized tensor]
    A quantized tensor is a ``QTensor``: a Tensor subclass whose storage (``_data``) holds the
    integer representation (uint8 for quint8, int8 for qint8, int32 for qint32) and whose
    extra slots hold the affine parameters: one ``scale`` and ``zero_point`` (per-tensor) or
    float64 ``scales`` and int64 ``zero_points`` along ``axis`` (per-channel). The value of an
    element is ``(q - zero_point) * scale``. Its class carries ``_dispatch_key = "quantized"``
    (Note [layout dispatch]): the pointwise and reduction front doors hand it to the
    dispatcher, where tensorjit/_quantized_ops.py registers the comparisons (on dequantized
    values, as PyTorch); every other pointwise op and reduction gets the dispatcher's
    NotImplementedError. The view ops and ``to`` find the QTensor methods below registered
    for the key, so ``tensorjit.transpose(q, 0, 1)`` is ``q.transpose(0, 1)``.

Note [quantized storage guard]
    No dense kernel may run on the integer representation as if it were the values. So, as
    for CUDA tensors (Note [cuda storage guard]), reading a QTensor's ``_data`` or ``_dtype``
    from any module other than the quantized ones (and ``_tensor``, whose metadata methods
    only read the dtype's size and category) raises NotImplementedError naming the op the
    user called. Ops PyTorch defines on quantized tensors (the views, ``clone``, the
    quantized functions) are methods of QTensor or functions here, working on ``int_view``:
    a plain integer tensor over the same storage.
"""
from __future__ import annotations

import math
import sys

import numpy as np

from . import _dtypes
from ._device import device as _device_cls
from ._layouts import register, register_class
from ._shape import contiguous_strides, numel as _numel
from ._storage import allocate
from ._tensor import Tensor, make, make_dense, _new


# -- dtypes and schemes ---------------------------------------------------------------------
class qdtype(_dtypes.dtype):
    """A quantized dtype (``quint8``, ``qint8``, ``qint32``): a ``tensorjit.dtype`` that dense
    ops refuse; ``underlying`` is the dtype of its integer representation.

    >>> import tensorjit as tj
    >>> isinstance(tj.quint8, tj.dtype), tj.quint8.is_quantized, tj.quint8.itemsize
    (True, True, 1)
    """

    __slots__ = ("underlying", "qmin", "qmax")

    def __init__(self, name, underlying, index):
        super().__init__(name, underlying.np, _dtypes.INT, underlying.is_signed, "q" + underlying.code, index)
        self.underlying = underlying
        info = np.iinfo(underlying.np)
        self.qmin, self.qmax = int(info.min), int(info.max)

    @property
    def is_quantized(self):
        return True

    @property
    def dtype(self):
        # NumPy reads ``.dtype`` to interpret dtype-like objects (so does ``as_dtype``): a
        # quantized dtype has no NumPy equivalent, so dense factories refuse it.
        raise TypeError(f"{self!r} is a quantized dtype: dense tensors can't have it (use "
                        "tensorjit.quantize_per_tensor or quantize_per_channel)")

    def __reduce__(self):
        return (_qdtype_by_name, (self.name,))


# Every dtype answers ``is_quantized`` (the dense ones with False), as tensors do.
_dtypes.dtype.is_quantized = False

# Indices past the dense dtypes' keep the hashes distinct.
quint8 = qdtype("quint8", _dtypes.uint8, 100)
qint8 = qdtype("qint8", _dtypes.int8, 101)
qint32 = qdtype("qint32", _dtypes.int32, 102)
QDTYPES = {d.name: d for d in (quint8, qint8, qint32)}


def _qdtype_by_name(name):
    return QDTYPES[name]


class qscheme:
    """A quantization scheme, as ``torch.qscheme``.

    >>> import tensorjit as tj
    >>> tj.quantize_per_tensor(tj.ones(2), 0.5, 0, tj.quint8).qscheme()
    tensorjit.per_tensor_affine
    """

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "tensorjit." + self.name

    def __reduce__(self):
        return (_scheme_by_name, (self.name,))


per_tensor_affine = qscheme("per_tensor_affine")
per_channel_affine = qscheme("per_channel_affine")
_SCHEMES = {s.name: s for s in (per_tensor_affine, per_channel_affine)}


def _scheme_by_name(name):
    return _SCHEMES[name]


def as_qdtype(d, op):
    """A quantized dtype from a qdtype or its name; anything else is refused."""
    if type(d) is qdtype:
        return d
    r = QDTYPES.get(d) if isinstance(d, str) else None
    if r is None:
        name = getattr(d, "name", d)
        raise RuntimeError(f"{op}: dtype {name} is not a quantized dtype (expected tensorjit.quint8, "
                           "tensorjit.qint8 or tensorjit.qint32)")
    return r


# -- the storage guard ----------------------------------------------------------------------
_DATA = Tensor.__dict__["_data"]
_DTYPE = Tensor.__dict__["_dtype"]
raw_data = _DATA.__get__          # the integer storage, without the guard (quantized modules only)
raw_dtype = _DTYPE.__get__
_AWARE = frozenset({"tensorjit._quantized_tensor", "tensorjit._quantized_ops", "tensorjit.quantized",
                    "tensorjit._tensor"})
_WRAPPERS = frozenset({"op", "r", "operator", "op_", "wrapper", "inner", "f"})


def _op_name():
    # The public tensorjit function the user called: the outermost tensorjit frame.
    f = sys._getframe(2)
    name = None
    while f is not None:
        if f.f_globals.get("__name__", "").startswith("tensorjit"):
            n = f.f_code.co_name
            if not n.startswith("<") and n not in _WRAPPERS:
                name = n
        f = f.f_back
    return name or "this op"


def unsupported(t, op=None):
    """The NotImplementedError for a dense op reached by a quantized tensor."""
    try:
        what = f"dtype {raw_dtype(t)!r}, scheme {t._qscheme!r}"
    except AttributeError:  # a QTensor another module is still building
        what = "a QTensor"
    return NotImplementedError(
        f"{op or _op_name()}: not supported for quantized tensors ({what}): call dequantize() first, or use "
        "the tensorjit.quantized functions")


def _guarded(slot):
    def get(self):
        if sys._getframe(1).f_globals.get("__name__", "") in _AWARE:
            return slot.__get__(self)
        raise unsupported(self)

    def set_(self, value):
        if sys._getframe(1).f_globals.get("__name__", "") in _AWARE:
            return slot.__set__(self, value)
        raise unsupported(self)
    return property(get, set_)


# -- the tensor class -----------------------------------------------------------------------
def _need_per_tensor(t, op):
    if t._qscheme is not per_tensor_affine:
        raise RuntimeError(f"{op}: expected a per-tensor affine quantized tensor, got {t._qscheme!r} "
                           f"(shape {tuple(t._shape)}, dtype {raw_dtype(t)!r})")


@register_class
class QTensor(Tensor):
    """An affine quantized tensor (Note [quantized tensor]); made by ``quantize_per_tensor``,
    ``quantize_per_channel`` and the ``tensorjit.quantized`` ops.

    >>> import tensorjit as tj
    >>> q = tj.quantize_per_tensor(tj.tensor([0.5, 1.0]), 0.25, 2, tj.quint8)
    >>> q.int_repr().tolist(), q.dequantize().tolist(), q.is_quantized
    ([4, 6], [0.5, 1.0], True)
    """

    __slots__ = ("_qscheme", "_scale", "_zero_point", "_scales", "_zero_points", "_axis")
    _dispatch_key = "quantized"
    _dispatch_priority = 1
    _data = _guarded(_DATA)
    _dtype = _guarded(_DTYPE)

    # -- quantization parameters ------------------------------------------------------------
    @property
    def is_quantized(self):
        return True

    def qscheme(self):
        """The quantization scheme (``per_tensor_affine`` or ``per_channel_affine``)."""
        return self._qscheme

    def q_scale(self):
        """The scale of a per-tensor quantized tensor (a Python float)."""
        _need_per_tensor(self, "q_scale")
        return self._scale

    def q_zero_point(self):
        """The zero point of a per-tensor quantized tensor (a Python int)."""
        _need_per_tensor(self, "q_zero_point")
        return self._zero_point

    def _need_per_channel(self, op):
        if self._qscheme is not per_channel_affine:
            raise RuntimeError(f"{op}: expected a per-channel affine quantized tensor, got {self._qscheme!r}")

    def q_per_channel_scales(self):
        """The scales of a per-channel quantized tensor (a new float64 tensor)."""
        self._need_per_channel("q_per_channel_scales")
        s = self._scales.copy()
        return make_dense(s, s.shape, (1,), 0, _dtypes.float64)

    def q_per_channel_zero_points(self):
        """The zero points of a per-channel quantized tensor (a new int64 tensor)."""
        self._need_per_channel("q_per_channel_zero_points")
        z = self._zero_points.copy()
        return make_dense(z, z.shape, (1,), 0, _dtypes.int64)

    def q_per_channel_axis(self):
        """The channel dim of a per-channel quantized tensor."""
        self._need_per_channel("q_per_channel_axis")
        return self._axis

    def int_repr(self):
        """The integer representation as a new contiguous uint8/int8/int32 tensor.

        >>> import tensorjit as tj
        >>> tj.quantize_per_tensor(tj.tensor([-1.0, 2.6]), 1.0, 0, tj.qint8).int_repr()
        tensor([-1,  3], dtype=tensorjit.int8)
        """
        a = np.array(int_view(self).numpy(), order="C")
        return make_dense(a.reshape(-1), self._shape, contiguous_strides(self._shape), 0, raw_dtype(self).underlying)

    def dequantize(self):
        """The values ``(q - zero_point) * scale`` as a new contiguous float32 tensor."""
        return dequantize(self)

    # -- conversions PyTorch refuses or defines on the values ----------------------------------
    def numpy(self, *, force=False):
        raise TypeError(f"numpy(): can't convert a quantized tensor (dtype {raw_dtype(self)!r}) to a NumPy "
                        "array: use int_repr() or dequantize() first")

    def __array__(self, dtype=None, copy=None):
        return self.numpy()

    @property
    def __array_interface__(self):
        raise AttributeError("__array_interface__: a quantized tensor has no NumPy equivalent (use int_repr() "
                             "or dequantize())")

    def tolist(self):
        raise RuntimeError(f"tolist(): not supported for quantized tensors (dtype {raw_dtype(self)!r}): use "
                           "dequantize().tolist() or int_repr().tolist()")

    def item(self):
        """The dequantized value of a one-element tensor (a Python float)."""
        n = _numel(self._shape)
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return dequantize(self).numpy().reshape(-1)[0].item()

    def __index__(self):
        raise TypeError("only integer tensors of a single element can be converted to an index")

    def is_signed(self):
        raise RuntimeError("is_signed(): not supported for quantized types")

    def storage(self):
        raise unsupported(self, "storage")

    def __repr__(self):
        return _repr(self)

    __str__ = __repr__

    def _repr_html_(self):
        return None   # notebooks fall back to the text repr (the HTML view reads NumPy values)

    def __reduce__(self):
        per_channel = self._qscheme is per_channel_affine
        return (_rebuild, (raw_dtype(self).name, np.array(int_view(self).numpy(), order="C"),
                           self._scales.copy() if per_channel else self._scale,
                           self._zero_points.copy() if per_channel else self._zero_point,
                           self._axis if per_channel else None))

    def __deepcopy__(self, memo):
        return self.clone()

    # -- tensorjit.save / load (tensorjit/serialization.py) -----------------------------------
    def _save_parts(self):
        """The plain tensors whose storages a file holds: the integer representation (and the
        per-channel parameters), each over this tensor's own arrays."""
        return tuple(v for v in self._save_state().values() if isinstance(v, Tensor))

    def _save_state(self):
        per_channel = self._qscheme is per_channel_affine
        state = {"int_repr": int_view(self), "dtype": raw_dtype(self).name, "scheme": self._qscheme.name}
        if per_channel:
            state.update(scales=make_dense(self._scales, self._scales.shape, (1,), 0, _dtypes.float64),
                         zero_points=make_dense(self._zero_points, self._zero_points.shape, (1,), 0, _dtypes.int64),
                         axis=self._axis)
        else:
            state.update(scale=self._scale, zero_point=self._zero_point)
        return state

    # -- views and copies (per-tensor: any view; per-channel: none, as PyTorch) -----------------
    def _viewed(self, op, fn, *args, **kwargs):
        if self._qscheme is not per_tensor_affine:
            raise RuntimeError(f"{op}: views of per-channel quantized tensors are not supported (shape "
                               f"{tuple(self._shape)}, axis {self._axis}); PyTorch sets strides only on "
                               "per-tensor quantized tensors")
        return like(self, fn(int_view(self), *args, **kwargs))

    def view(self, *shape):
        return self._viewed("view", _views().view, *shape)

    def reshape(self, *shape):
        return self._viewed("reshape", _views().reshape, *shape)

    def transpose(self, dim0, dim1):
        return self._viewed("transpose", _views().transpose, dim0, dim1)

    def t(self):
        return self._viewed("t", _views().t_)

    def permute(self, *dims):
        return self._viewed("permute", _views().permute, *dims)

    def unsqueeze(self, dim):
        return self._viewed("unsqueeze", _views().unsqueeze, dim)

    def squeeze(self, *dims, dim=None):
        return self._viewed("squeeze", _views().squeeze, *dims, dim=dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return self._viewed("flatten", _views().flatten, start_dim, end_dim)

    def expand(self, *sizes):
        return self._viewed("expand", _views().expand, *sizes)

    def narrow(self, dim, start, length):
        return self._viewed("narrow", _views().narrow, dim, start, length)

    def select(self, dim, index):
        return self._viewed("select", _views().select, dim, index)

    def __getitem__(self, idx):
        from ._indexing import getitem
        return self._viewed("__getitem__", getitem, idx)

    def clone(self, memory_format=None):
        """A contiguous copy with the same quantization parameters (PyTorch's layout)."""
        a = np.array(int_view(self).numpy(), order="C").reshape(-1)
        return like(self, make_dense(a, self._shape, contiguous_strides(self._shape), 0, raw_dtype(self).underlying))

    def contiguous(self, memory_format=None):
        return self if self.is_contiguous() else self.clone()

    def detach(self):
        """A new QTensor over the same storage (quantized tensors never require grad)."""
        return like(self, int_view(self))

    def detach_(self):
        return self

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, value):
        raise NotImplementedError("data: assigning another tensor's storage to a quantized tensor is not supported")

    def cpu(self, memory_format=None):
        return self

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, memory_format=None):
        """``self`` (or a copy with ``copy=True``) for its own dtype on the CPU; any other dtype or
        device is refused, as PyTorch refuses it."""
        for a in args:
            if isinstance(a, (str, _device_cls)):
                device = a
            else:
                dtype = a
        return _to(self, dtype, device, copy, "to")


def _views():
    from . import _views as v
    return v


def _to(t, dtype, device, copy, op="to"):
    # ``Tensor.to`` and the casts (``float()``, ``type(d)`` ...) for quantized tensors.
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise NotImplementedError(f"{op}: quantized tensors live on the CPU only (got device {device})")
    if dtype is not None and dtype is not raw_dtype(t):
        name = getattr(dtype, "name", dtype)
        raise RuntimeError(f"{op}: can't convert a {raw_dtype(t)!r} quantized tensor to {name}: use dequantize() "
                           "for float32 values, int_repr() for the integers, or quantize_per_tensor for another "
                           "quantized dtype")
    return t.clone() if copy else t


register("to", "quantized")(_to)


# The function forms (``tensorjit.transpose(q, 0, 1)``, ``tensorjit.reshape`` ...) reach the
# same methods through the dispatcher (Note [layout dispatch]).
for _op, _method in (("transpose", "transpose"), ("t", "t"), ("permute", "permute"), ("expand", "expand"),
                     ("unsqueeze", "unsqueeze"), ("squeeze", "squeeze"), ("view", "view"), ("reshape", "reshape"),
                     ("narrow", "narrow"), ("select", "select"), ("getitem", "__getitem__"), ("clone", "clone")):
    register(_op, "quantized")(getattr(QTensor, _method))


def int_view(t):
    """A plain integer tensor over ``t``'s storage with ``t``'s shape, strides and offset."""
    return make(raw_data(t), t._shape, t._strides, t._offset, raw_dtype(t).underlying)


def new_qtensor(data, shape, strides, offset, qd, scheme, scale=1.0, zero_point=0, scales=None,
                zero_points=None, axis=None):
    """Wrap integer kernel array ``data`` as a QTensor (no checks)."""
    t = _new(QTensor)
    _DATA.__set__(t, data)
    _DTYPE.__set__(t, qd)
    t._shape, t._strides, t._offset = tuple(shape), tuple(strides), offset
    t._dense = t._strides == contiguous_strides(t._shape)
    t._qscheme, t._scale, t._zero_point = scheme, scale, zero_point
    t._scales, t._zero_points, t._axis = scales, zero_points, axis
    return t


def like(q, iv):
    """The QTensor over integer tensor ``iv`` with ``q``'s dtype and parameters."""
    return new_qtensor(iv._data, iv._shape, iv._strides, iv._offset, raw_dtype(q), q._qscheme, q._scale,
                       q._zero_point, q._scales, q._zero_points, q._axis)


def _rebuild(dtype_name, arr, scale, zero_point, axis):
    qd = QDTYPES[dtype_name]
    shape = arr.shape
    scheme = per_tensor_affine if axis is None else per_channel_affine
    t = new_qtensor(arr.reshape(-1), shape, contiguous_strides(shape), 0, qd, scheme,
                    scale if axis is None else 1.0, zero_point if axis is None else 0,
                    None if axis is None else scale, None if axis is None else zero_point, axis)
    return t


def from_state(state):
    """The QTensor of a ``_save_state`` dict read back by ``tensorjit.load`` (checked: a file is
    untrusted input; ValueError names what is wrong)."""
    qd = QDTYPES.get(state.get("dtype"))
    iv = state.get("int_repr")
    scheme = _SCHEMES.get(state.get("scheme"))
    if qd is None or scheme is None or type(iv) is not Tensor or iv._dtype is not qd.underlying:
        raise ValueError("bad dtype, scheme or integer representation")
    if scheme is per_tensor_affine:
        scale, zp = state.get("scale"), state.get("zero_point")
        if not isinstance(scale, float) or type(zp) is not int or not qd.qmin <= zp <= qd.qmax:
            raise ValueError("bad scale or zero_point")
        return new_qtensor(iv._data, iv._shape, iv._strides, iv._offset, qd, scheme, scale, zp)
    s, z, axis = state.get("scales"), state.get("zero_points"), state.get("axis")
    if type(s) is not Tensor or type(z) is not Tensor or s._dtype is not _dtypes.float64 or \
            z._dtype is not _dtypes.int64 or type(axis) is not int or not 0 <= axis < len(iv._shape):
        raise ValueError("bad per-channel parameters")
    s, z = np.array(s.numpy()).reshape(-1), np.array(z.numpy()).reshape(-1)
    if s.size != iv._shape[axis] or z.size != s.size or (z.size and (z.min() < qd.qmin or z.max() > qd.qmax)):
        raise ValueError("per-channel parameters don't match the tensor")
    return new_qtensor(iv._data, iv._shape, iv._strides, iv._offset, qd, scheme, scales=s, zero_points=z, axis=axis)


def _repr(q):
    # PyTorch's quantized repr: the dequantized values, then size, dtype, scheme and parameters,
    # wrapped where torch wraps them (suffix lengths measured as torch spells them).
    from . import _printing
    indent = len("tensor(")
    vals = dequantize(q).numpy()
    body = "[]" if vals.size == 0 else _printing._body_str(vals, "float32", indent)
    suffixes = [f"size={tuple(q._shape)}", f"dtype={raw_dtype(q)!r}", f"quantization_scheme={q._qscheme!r}"]
    if q._qscheme is per_tensor_affine:
        suffixes += [f"scale={q._scale}", f"zero_point={q._zero_point}"]
    else:
        suffixes += [f"scale={q.q_per_channel_scales()!r}", f"zero_point={q.q_per_channel_zero_points()!r}",
                     f"axis={q._axis}"]
    return _printing._add_suffixes("tensor(" + body, [(s, len(s.replace("tensorjit.", "torch."))) for s in suffixes],
                                   indent)


# -- quantize / dequantize ------------------------------------------------------------------
def kernels():
    """The quantized kernel module kernels/cpu/quant.py (Note [row kernels])."""
    from .kernels import registry
    return registry.load_source("cpu/quant.py")


def _float_input(x, op):
    if type(x) is QTensor:
        raise RuntimeError(f"{op}: Quantize only works on Float Tensor, got {raw_dtype(x)!r} (shape "
                           f"{tuple(x._shape)})")
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if type(x) is not Tensor:
        raise NotImplementedError(f"{op}: only dense CPU tensors can be quantized, got a {type(x).__name__} "
                                  f"(layout {x.layout!r}, device {x.device})")
    if x._dtype is not _dtypes.float32:
        raise RuntimeError(f"{op}: Quantize only works on Float Tensor, got {x._dtype!r} (shape {tuple(x._shape)})")
    x = x.contiguous()
    n = _numel(x._shape)
    return x._data[x._offset:x._offset + n]


def _scalar(v, kind, what, op):
    if isinstance(v, Tensor):
        if _numel(v._shape) != 1:
            raise RuntimeError(f"{op}: {what} must be a number or a one-element tensor, got shape {tuple(v._shape)}")
        v = v.item()
    try:
        return kind(v)
    except (TypeError, ValueError):
        raise TypeError(f"{op}(): argument '{what}' must be {kind.__name__}, not {type(v).__name__}") from None


def _check_zero_points(zps, qd, op):
    lo, hi = zps.min(), zps.max()
    if lo < qd.qmin:
        raise RuntimeError(f"{op}: zero_point {int(lo)} is below lower bound {qd.qmin} of {qd!r}")
    if hi > qd.qmax:
        raise RuntimeError(f"{op}: zero_point {int(hi)} is above upper bound {qd.qmax} of {qd!r}")


def rules(qd, per_channel):
    """(fma rule?, value for NaN) of Note [quantize rounding]."""
    if qd is qint32:
        return False, float(qd.qmin)
    return (False, 0.0) if per_channel else (True, float(qd.qmax))


def inverse_scale(scale):
    """``1.0f / float(scale)`` as PyTorch's kernels compute it (float32; inf for a zero scale)."""
    with np.errstate(divide="ignore", over="ignore"):
        return np.float32(1.0) / np.float32(scale)


def quantize_flat(x, qd, inv, zp, outer, nch, inner, per_channel):
    """Integer kernel array of float32 kernel array ``x`` (Note [quantize rounding])."""
    out = allocate(x.size, qd.underlying)
    if x.size:
        fma, nanv = rules(qd, per_channel)
        kernels().quantize(x, out, inv, zp, outer, nch, inner, fma, nanv, float(qd.qmin), float(qd.qmax))
    return out


def quantize_per_tensor(input, scale, zero_point, dtype):
    """Quantize a float32 tensor with one scale and zero point, as ``torch.quantize_per_tensor``:
    ``clamp(round_half_even(x / scale) + zero_point)`` by Note [quantize rounding]. A list of
    tensors with tensors of scales and zero points gives a tuple of quantized tensors.

    >>> import tensorjit as tj
    >>> tj.quantize_per_tensor(tj.tensor([0.0, 0.5, 1.5, 100.0]), 0.5, 10, tj.quint8).int_repr().tolist()
    [10, 11, 13, 210]
    """
    op = "quantize_per_tensor"
    qd = as_qdtype(dtype, op)
    if isinstance(input, (list, tuple)):
        # PyTorch's list form: one scale and zero point per tensor, from tensors; a tuple back.
        if not isinstance(scale, Tensor) or not isinstance(zero_point, Tensor):
            raise TypeError(f"{op}(): a list of tensors takes its scales and zero_points as tensors, got "
                            f"{type(scale).__name__} and {type(zero_point).__name__}")
        s, z = scale.numpy().reshape(-1), zero_point.numpy().reshape(-1)
        if s.size < len(input) or z.size < len(input):
            raise IndexError(f"{op}: {len(input)} tensors but {s.size} scales and {z.size} zero_points")
        return tuple(quantize_per_tensor(t, s[i].item(), int(z[i]), qd) for i, t in enumerate(input))
    scale = _scalar(scale, float, "scale", op)
    zero_point = _scalar(zero_point, int, "zero_point", op)
    _check_zero_points(np.array([zero_point]), qd, op)
    x = _float_input(input, op)
    shape = tuple(input._shape)
    out = quantize_flat(x, qd, np.full(1, inverse_scale(scale), np.float32), np.full(1, zero_point, np.float64),
                        1, 1, x.size, False)
    return new_qtensor(out, shape, contiguous_strides(shape), 0, qd, per_tensor_affine, scale, zero_point)


def _param_array(v, npd, what, op):
    if isinstance(v, Tensor):
        if type(v) is not Tensor:
            raise TypeError(f"{op}: {what} must be a dense tensor, got a {type(v).__name__}")
        if npd is np.int64 and v._dtype.category > _dtypes.INT:
            raise NotImplementedError(f"{op}: floating-point zero_points (PyTorch's per_channel_affine_float_qparams "
                                      "scheme) are not supported")
        a = v.numpy()
    else:
        a = np.asarray(v)
        if npd is np.int64 and a.dtype.kind == "f":
            raise NotImplementedError(f"{op}: floating-point zero_points (PyTorch's per_channel_affine_float_qparams "
                                      "scheme) are not supported")
    if a.ndim != 1:
        raise RuntimeError(f"{op}: {what} must be a 1-d tensor, got shape {a.shape}")
    return np.array(a, dtype=npd)


def quantize_per_channel(input, scales, zero_points, axis, dtype):
    """Quantize a float32 tensor with one scale and zero point per index along ``axis``, as
    ``torch.quantize_per_channel`` (Note [quantize rounding]).

    >>> import tensorjit as tj
    >>> q = tj.quantize_per_channel(tj.tensor([[1.0, 2.0], [3.0, 4.0]]), tj.tensor([0.5, 0.25]),
    ...                             tj.tensor([0, 1]), 0, tj.qint8)
    >>> q.int_repr().tolist(), q.q_per_channel_axis()
    ([[2, 4], [13, 17]], 0)
    """
    op = "quantize_per_channel"
    qd = as_qdtype(dtype, op)
    s = _param_array(scales, np.float64, "scales", op)
    z = _param_array(zero_points, np.int64, "zero_points", op)
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    shape = tuple(input._shape)
    if not isinstance(axis, int) or not 0 <= axis < len(shape):
        raise RuntimeError(f"{op}: Channel axis out of range in per channel affine quantization. Got: {axis} "
                           f"Expected: [0, {len(shape)}) (input shape {shape})")
    nch = shape[axis]
    if s.size != nch or z.size != nch:
        raise RuntimeError(f"{op}: length of scales ({s.size}) and zero_points ({z.size}) must equal the number "
                           f"of channels {nch} (dim {axis} of shape {shape})")
    if nch:
        _check_zero_points(z, qd, op)
    x = _float_input(input, op)
    inv = inverse_scale(s.astype(np.float32)).astype(np.float32)
    out = quantize_flat(x, qd, inv, z.astype(np.float64), math.prod(shape[:axis]), nch,
                        math.prod(shape[axis + 1:]), True)
    return new_qtensor(out, shape, contiguous_strides(shape), 0, qd, per_channel_affine, scales=s, zero_points=z,
                       axis=axis)


def dequantize(tensor):
    """The float32 values of a quantized tensor, ``(q - zero_point) * scale``, as
    ``torch.dequantize`` (Note [dequantize rounding]); a list of tensors gives a list; a dense
    tensor is converted to float32.

    >>> import tensorjit as tj
    >>> tj.dequantize(tj.quantize_per_tensor(tj.tensor([0.3, -1.0]), 0.1, 5, tj.qint8)).tolist()
    [0.30000001192092896, -1.0]
    """
    if isinstance(tensor, (list, tuple)):
        return [dequantize(t) for t in tensor]
    if type(tensor) is not QTensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"dequantize(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
        return tensor.to(_dtypes.float32)
    iv = int_view(tensor).contiguous()
    n = _numel(iv._shape)
    q = iv._data[iv._offset:iv._offset + n]
    out = allocate(n, _dtypes.float32)
    if n:
        if tensor._qscheme is per_tensor_affine:
            kernels().dequantize(q, out, np.full(1, np.float32(tensor._scale)), np.full(1, tensor._scale),
                                 np.full(1, tensor._zero_point, np.int64), 1, 1, n, False)
        else:
            shape, axis = tensor._shape, tensor._axis
            kernels().dequantize(q, out, tensor._scales.astype(np.float32), tensor._scales, tensor._zero_points,
                                 math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:]), True)
    return make_dense(out, tensor._shape, contiguous_strides(tensor._shape), 0, _dtypes.float32)


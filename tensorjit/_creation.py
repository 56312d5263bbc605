"""Factories: ``tensor``, ``from_numpy``, ``zeros``, ``arange`` ... Creation allocates with
NumPy (``np.empty``/``np.zeros`` in Python, never inside a kernel) and wraps the buffer.

Every factory takes ``device=``. On a CUDA device ``empty``/``zeros``/``ones``/``full`` (and
their ``_like`` forms) allocate device memory and fill it with a kernel; the others
(``tensor``, ``arange``, ``linspace``, ``logspace``, ``eye``) compute their values on the CPU
and copy them over once."""
from __future__ import annotations

import math

import numpy as np

from . import _dtypes
from ._device import as_device, CPU
from ._dtypes import as_dtype, get_default_dtype, default_complex_dtype, from_numpy_dtype
from ._shape import contiguous_strides, normalize_shape, like_strides
from ._tensor import Tensor, make, make_dense


def _wrap(arr, dtype, device=CPU):
    """A contiguous 1-D-backed tensor over a fresh C-contiguous NumPy array (no copy on CPU; one
    transfer on a CUDA device)."""
    shape = arr.shape
    flat = arr.reshape(-1).view(dtype.knp)
    if device is not CPU:
        from .cuda import require
        flat = require("tensor").to_device(np.ascontiguousarray(flat), device)
    return make_dense(flat, shape, contiguous_strides(shape), 0, dtype)


def _device_filled(shape, d, device, value):
    """A contiguous tensor on CUDA ``device`` holding ``value`` (None: uninitialised)."""
    from ._storage import allocate
    t = make_dense(allocate(math.prod(shape), d, device), shape, contiguous_strides(shape), 0, d)
    if value is not None and t.numel():
        from ._copy import fill_
        fill_(t, value)
    return t


def _infer_dtype(arr):
    k = arr.dtype.kind
    if k == "b":
        return _dtypes.bool
    if k in "iu":
        return _dtypes.int64
    if k == "f":
        return get_default_dtype()
    if k == "c":
        return default_complex_dtype()
    raise TypeError(f"tensor: could not infer dtype of {arr.dtype} values")


def _np_from_data(data, op):
    if isinstance(data, Tensor):
        return (data.cpu() if data.is_cuda else data).numpy(), data._dtype
    if isinstance(data, np.ndarray):
        return data, from_numpy_dtype(data.dtype, op)
    if isinstance(data, np.generic):
        return np.asarray(data), from_numpy_dtype(data.dtype, op)
    try:
        arr = np.array(data)
    except ValueError as e:
        raise ValueError(f"{op}: expected a rectangular nested sequence of numbers ({e})") from None
    if arr.dtype == object:
        raise TypeError(f"{op}: could not convert data of type {type(data).__name__} to a tensor "
                        "(values must be numbers, nested lists of numbers or tensors)")
    if arr.dtype.kind in "US":
        raise TypeError(f"{op}: new(): invalid data type '{arr.dtype.kind == 'U' and 'str' or 'bytes'}'")
    typed = _typed_leaves_dtype(data)
    return arr, typed if typed is not None else _infer_dtype(arr)


def _typed_leaves_dtype(data):
    """PyTorch's inference for sequences holding tensors or NumPy arrays: Python numbers
    count by kind (Note [weak scalars] types), tensors and arrays by their dtype, all
    promoted together. None when no leaf carries a dtype of its own."""
    found = [False]

    def walk(x):
        if isinstance(x, Tensor):
            found[0] = True
            return x._dtype
        if isinstance(x, np.ndarray):
            found[0] = True
            return from_numpy_dtype(x.dtype, "tensor")
        if isinstance(x, (list, tuple)):
            d = None
            for y in x:
                e = walk(y)
                d = e if d is None else _dtypes.promote_types(d, e)
            return d
        if isinstance(x, np.generic) and not isinstance(x, np.bool_):
            found[0] = True
            return from_numpy_dtype(x.dtype, "tensor")
        return _dtypes.scalar_dtype(x)

    if not isinstance(data, (list, tuple)):
        return None
    d = walk(data)
    return d if found[0] else None


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (numbers, nested lists, NumPy arrays, tensors).

    The dtype is inferred as PyTorch does: bools give bool, ints int64, floats the default
    dtype, complex numbers the default complex dtype.

    >>> import tensorjit as tj
    >>> tj.tensor([[1, 2], [3, 4]]).dtype, tj.tensor(2.5).dtype
    (tensorjit.int64, tensorjit.float32)
    """
    arr, inferred = _np_from_data(data, "tensor")
    d = inferred if dtype is None else as_dtype(dtype, op="tensor")
    dev = as_device(device, "tensor")
    out = np.empty(arr.shape, d.np)
    if arr.dtype.kind == "c" and d.category < _dtypes.COMPLEX:
        arr = arr.real
    out[...] = arr
    return _rg(_wrap(out, d, dev), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory with a tensor or NumPy array when no conversion is needed.

    >>> import numpy as np, tensorjit as tj
    >>> a = np.zeros(3); t = tj.as_tensor(a); a[0] = 1; t[0].item()
    1.0
    """
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device)
    if isinstance(data, np.ndarray) and (dtype is None or as_dtype(dtype).np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(a):
    """A tensor sharing ``a``'s memory (any strides, negative too). Writes show on both sides;
    a non-writeable array gives a read-only tensor.

    >>> import numpy as np, tensorjit as tj
    >>> a = np.arange(6.0).reshape(2, 3)[:, ::-1]
    >>> t = tj.from_numpy(a); t.stride(), t.tolist() == a.tolist()
    ((3, -1), True)
    """
    if not isinstance(a, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(a).__name__})")
    if not a.dtype.isnative:
        raise ValueError("from_numpy: given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    d = from_numpy_dtype(a.dtype)
    isz = a.itemsize
    if any(s % isz for s in a.strides):
        raise ValueError("from_numpy: given numpy array strides not a multiple of the element byte size. "
                         "Copy the numpy array to reallocate the memory.")
    shape = a.shape
    strides = tuple(s // isz for s in a.strides)
    if a.size == 0:
        flat = np.empty(0, a.dtype)
        return make(flat.view(d.knp), shape, strides, 0, d)
    # Flip negative-stride dims to reach the lowest address, then view the whole span flat.
    low = a[tuple(slice(None, None, -1) if s < 0 else slice(None) for s in a.strides)] if a.ndim else a[...]
    span = 1 + sum((n - 1) * abs(s) for n, s in zip(shape, strides))
    flat = np.lib.stride_tricks.as_strided(low, shape=(span,), strides=(isz,), writeable=a.flags.writeable)
    offset = sum((n - 1) * -s for n, s in zip(shape, strides) if s < 0)
    return make(flat.view(d.knp), shape, strides, offset, d)


def _rg(t, requires_grad):
    # requires_grad=True makes the new tensor an autograd leaf (tensorjit/autograd).
    if requires_grad:
        from .autograd.graph import set_requires_grad
        set_requires_grad(t, True, factory=True)
    return t


def _factory_dtype(dtype, default=None):
    return (default or get_default_dtype()) if dtype is None else as_dtype(dtype)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None, out=None, layout=None,
          pin_memory=False):
    """An uninitialised tensor of ``size``.

    >>> import tensorjit as tj
    >>> tj.empty(2, 3).shape
    tensorjit.Size([2, 3])
    """
    shape = normalize_shape(size, "empty")
    _check_sizes(shape, "empty")
    d = _factory_dtype(dtype)
    dev = as_device(device, "empty")
    if dev is not CPU:
        return _rg(_device_filled(shape, d, dev, None), requires_grad)
    return _rg(_wrap(np.empty(shape, d.np), d), requires_grad)


def _check_sizes(shape, op):
    if any(n < 0 for n in shape):
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """A tensor of zeros.

    >>> import tensorjit as tj
    >>> tj.zeros(2, dtype=tj.int32).tolist()
    [0, 0]
    """
    shape = normalize_shape(size, "zeros")
    _check_sizes(shape, "zeros")
    d = _factory_dtype(dtype)
    dev = as_device(device, "zeros")
    if dev is not CPU:
        return _rg(_device_filled(shape, d, dev, 0), requires_grad)
    return _rg(_wrap(np.zeros(shape, d.np), d), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """A tensor of ones.

    >>> import tensorjit as tj
    >>> tj.ones(2).tolist()
    [1.0, 1.0]
    """
    shape = normalize_shape(size, "ones")
    _check_sizes(shape, "ones")
    d = _factory_dtype(dtype)
    dev = as_device(device, "ones")
    if dev is not CPU:
        return _rg(_device_filled(shape, d, dev, 1), requires_grad)
    return _rg(_wrap(np.ones(shape, d.np), d), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """A tensor filled with ``fill_value``; the dtype follows the value (bool, int64, default float).

    >>> import tensorjit as tj
    >>> tj.full((2,), 7).dtype
    tensorjit.int64
    """
    shape = normalize_shape((size,), "full")
    _check_sizes(shape, "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    d = _dtypes.scalar_dtype(fill_value) if dtype is None else as_dtype(dtype)
    if d.category < _dtypes.COMPLEX and isinstance(fill_value, (complex, np.complexfloating)):
        raise RuntimeError(f"full: value cannot be converted to type {d.name} without overflow")
    dev = as_device(device, "full")
    if dev is not CPU:
        return _rg(_device_filled(shape, d, dev, fill_value), requires_grad)
    return _rg(_wrap(np.full(shape, fill_value, d.np), d), requires_grad)


_FILL_VALUE = {np.empty: None, np.zeros: 0, np.ones: 1}


def _like(t, dtype, device, fill, op):
    # Like PyTorch's preserve_format: the new tensor keeps t's dim order, and t's device
    # unless ``device`` says otherwise.
    d = t._dtype if dtype is None else as_dtype(dtype)
    dev = t.device if device is None else as_device(device, op)
    shape = t._shape
    strides = like_strides(shape, t._strides)
    if dev is not CPU:
        from ._storage import allocate
        out = make(allocate(math.prod(shape), d, dev), shape, strides, 0, d)
        value = _FILL_VALUE[fill]
        if value is not None and out.numel():
            from ._copy import fill_
            fill_(out, value)
        return out
    data = fill(math.prod(shape), d.np)
    return make(data.view(d.knp), shape, strides, 0, d)


def empty_like(t, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    """``empty`` with ``t``'s shape, dtype, device and dim order.

    >>> import tensorjit as tj
    >>> tj.empty_like(tj.zeros(2, 3).t()).stride()
    (1, 2)
    """
    return _rg(_like(t, dtype, device, np.empty, "empty_like"), requires_grad)


def zeros_like(t, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    """``zeros`` with ``t``'s shape, dtype, device and dim order."""
    return _rg(_like(t, dtype, device, np.zeros, "zeros_like"), requires_grad)


def ones_like(t, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    """``ones`` with ``t``'s shape, dtype, device and dim order."""
    return _rg(_like(t, dtype, device, np.ones, "ones_like"), requires_grad)


def full_like(t, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None):
    """``full`` with ``t``'s shape, dtype, device and dim order."""
    d = t._dtype if dtype is None else as_dtype(dtype)
    out = _like(t, d, device, np.empty, "full_like")
    from ._copy import fill_
    return _rg(fill_(out, fill_value, _op="full_like"), requires_grad)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False, pin_memory=False, layout=None):
    """An uninitialised tensor with explicit strides (in elements).

    >>> import tensorjit as tj
    >>> tj.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"empty_strided: mismatch in length of strides ({len(stride)}) and shape ({len(size)})")
    _check_sizes(size, "empty_strided")
    d = _factory_dtype(dtype)
    n = 0 if math.prod(size) == 0 else 1 + sum((a - 1) * abs(s) for a, s in zip(size, stride))
    offset = sum((a - 1) * -s for a, s in zip(size, stride) if s < 0) if n else 0
    dev = as_device(device, "empty_strided")
    if dev is not CPU:
        from ._storage import allocate
        return _rg(make(allocate(n, d, dev), size, stride, offset, d), requires_grad)
    return _rg(make(np.empty(n, d.knp), size, stride, offset, d), requires_grad)


def _is_float(*vals):
    return any(isinstance(v, float) or (isinstance(v, Tensor) and v.is_floating_point())
               or isinstance(v, np.floating) for v in vals)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """Values from ``start`` up to (not including) ``end`` by ``step``; int64 unless a bound is a float.

    >>> import tensorjit as tj
    >>> tj.arange(5).tolist(), tj.arange(0, 1, 0.25).tolist()
    ([0, 1, 2, 3, 4], [0.0, 0.25, 0.5, 0.75])
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) / step < 0 and end != start:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    d = (get_default_dtype() if _is_float(start, end, step) else _dtypes.int64) if dtype is None else as_dtype(dtype)
    n = max(math.ceil((end - start) / step), 0)
    if d.category <= _dtypes.INT:
        # Integer dtypes step in integers, as PyTorch and NumPy do (a 0.5 step adds 0).
        arr = (int(start) + int(step) * np.arange(n, dtype=np.int64)).astype(d.np)
    else:
        arr = (start + step * np.arange(n, dtype=np.float64)).astype(d.np)
    return _rg(_wrap(arr, d, as_device(device, "arange")), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    >>> import tensorjit as tj
    >>> tj.linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    d = _factory_dtype(dtype)
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    i = np.arange(steps, dtype=np.float64)
    if steps == 1:
        vals = np.array([start], np.float64)
    else:
        # Symmetric from both ends, as PyTorch computes it, so the end point is exact.
        step = (end - start) / (steps - 1)
        half = steps // 2
        vals = np.where(i < half, start + step * i, end - step * (steps - 1 - i))
    if d.category <= _dtypes.INT:
        vals = np.trunc(vals)
    return _rg(_wrap(vals.astype(d.np), d, as_device(device, "linspace")), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """``base ** linspace(start, end, steps)``.

    >>> import tensorjit as tj
    >>> tj.logspace(0, 2, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    d = _factory_dtype(dtype)
    lin = linspace(start, end, steps, dtype=_dtypes.float64).numpy()
    return _rg(_wrap(np.power(base, lin).astype(d.np), d, as_device(device, "logspace")), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """An ``n x m`` identity matrix.

    >>> import tensorjit as tj
    >>> tj.eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    d = _factory_dtype(dtype)
    m = n if m is None else m
    if n < 0 or m < 0:
        raise RuntimeError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    return _rg(_wrap(np.eye(n, m, dtype=d.np), d, as_device(device, "eye")), requires_grad)

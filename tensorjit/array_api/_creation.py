"""Array API creation functions over tensorjit's factories."""
from __future__ import annotations

import numpy as np

import tensorjit as _tj
from tensorjit._tensor import Tensor

from ._dtypes import _check_dtype


def _shape(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def _dev(device):
    if device is not None and _tj.device(str(device)).type != "cpu":
        return str(device)
    return None


def _kw(dtype, device):
    kw = {}
    if dtype is not None:
        kw["dtype"] = _check_dtype(dtype, "creation")
    if _dev(device) is not None:
        kw["device"] = _dev(device)
    return kw


def asarray(obj, /, *, dtype=None, device=None, copy=None):
    """An array from ``obj``: an array, a buffer or DLPack producer (shared unless ``copy``), a scalar
    or nested sequences.

    >>> import tensorjit.array_api as xp
    >>> xp.asarray([[1, 2], [3, 4]]).dtype, xp.asarray(1.5).dtype
    (tensorjit.int64, tensorjit.float32)
    """
    if dtype is not None:
        _check_dtype(dtype, "asarray")
    if isinstance(obj, Tensor):
        r = obj if dtype is None else obj.to(dtype)
        if device is not None:
            r = r.to(device)
        if copy is False and r is not obj:
            raise ValueError("asarray: copy=False but converting the array needs a copy")
        return r.clone() if copy and r is obj else r
    if isinstance(obj, np.ndarray) or hasattr(obj, "__dlpack__") or hasattr(obj, "__array_interface__") \
            or isinstance(obj, (memoryview, bytearray, bytes)):
        a = obj if isinstance(obj, np.ndarray) else np.asarray(obj)
        t = _tj.from_numpy(a)
        return asarray(t, dtype=dtype, device=device, copy=copy)
    if copy is False:
        raise ValueError("asarray: copy=False but a Python object has to be copied into an array")
    if isinstance(obj, (bool, int, float, complex)) and dtype is None:
        return _tj.tensor(obj, **_kw(None, device))
    return _tj.tensor(obj, **_kw(dtype, device))


def arange(start, /, stop=None, step=1, *, dtype=None, device=None):
    """Evenly spaced values in ``[start, stop)``."""
    if stop is None:
        start, stop = 0, start
    if dtype is None and all(isinstance(v, int) for v in (start, stop, step)):
        dtype = _tj.int64
    n = max(0, int(np.ceil((stop - start) / step))) if step else None
    if n is None:
        raise ValueError("arange: step must be nonzero")
    if n == 0:
        return _tj.empty(0, **_kw(dtype or _tj.get_default_dtype(), device))
    return _tj.arange(start, stop, step, **_kw(dtype, device))


def empty(shape, *, dtype=None, device=None):
    """An uninitialised array."""
    return _tj.empty(_shape(shape), **_kw(dtype, device))


def zeros(shape, *, dtype=None, device=None):
    """An array of zeros."""
    return _tj.zeros(_shape(shape), **_kw(dtype, device))


def ones(shape, *, dtype=None, device=None):
    """An array of ones."""
    return _tj.ones(_shape(shape), **_kw(dtype, device))


def full(shape, fill_value, *, dtype=None, device=None):
    """An array filled with ``fill_value`` (its dtype from the value when ``dtype`` is None)."""
    if dtype is None and isinstance(fill_value, complex):
        dtype = _tj.get_default_dtype().to_complex()
    return _tj.full(_shape(shape), fill_value, **_kw(dtype, device))


def _like(fn):
    def f(x, /, *, dtype=None, device=None):
        return fn(tuple(x.shape), dtype=x.dtype if dtype is None else dtype,
                  device=x.device if device is None else device)
    f.__name__ = fn.__name__ + "_like"
    f.__doc__ = f"``{fn.__name__}`` with ``x``'s shape (and dtype and device unless given)."
    return f


empty_like, zeros_like, ones_like = _like(empty), _like(zeros), _like(ones)


def full_like(x, /, fill_value, *, dtype=None, device=None):
    """``full`` with ``x``'s shape (and dtype and device unless given)."""
    return full(tuple(x.shape), fill_value, dtype=x.dtype if dtype is None else dtype,
                device=x.device if device is None else device)


def eye(n_rows, n_cols=None, /, *, k=0, dtype=None, device=None):
    """A 2-D array with ones on diagonal ``k``.

    >>> import tensorjit.array_api as xp
    >>> xp.eye(2, 3, k=1).tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    m = n_rows if n_cols is None else n_cols
    r = zeros((n_rows, m), dtype=dtype, device=device)
    if -n_rows < k < m:
        r.diagonal(k).fill_(1)
    return r


def linspace(start, stop, /, num, *, dtype=None, device=None, endpoint=True):
    """``num`` evenly spaced values from ``start`` to ``stop`` (excluded unless ``endpoint``)."""
    if isinstance(start, complex) or isinstance(stop, complex):
        dtype = dtype or _tj.get_default_dtype().to_complex()
        re = linspace(complex(start).real, complex(stop).real, num, endpoint=endpoint, dtype=dtype.to_real())
        im = linspace(complex(start).imag, complex(stop).imag, num, endpoint=endpoint, dtype=dtype.to_real())
        return _tj.complex(re, im) if hasattr(_tj, "complex") else re.to(dtype) + im.to(dtype) * 1j
    if endpoint:
        return _tj.linspace(start, stop, num, **_kw(dtype, device))
    # The standard defines endpoint=False as the first ``num`` values of ``num + 1`` with the
    # endpoint: take exactly those (a shorter linspace rounds its midpoint differently).
    return _tj.linspace(start, stop, num + 1, **_kw(dtype, device))[:num]


def meshgrid(*arrays, indexing="xy"):
    """Coordinate matrices from 1-D arrays (``indexing`` "xy" or "ij")."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', not {indexing!r}")
    if not arrays:
        return ()
    return tuple(_tj.meshgrid(*arrays, indexing=indexing))


def tril(x, /, *, k=0):
    """The lower triangle of the last two dims."""
    return _tj.tril(x, k)


def triu(x, /, *, k=0):
    """The upper triangle of the last two dims."""
    return _tj.triu(x, k)

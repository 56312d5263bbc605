"""The array API ``fft`` extension over ``tensorjit.fft``.

The standard's signatures (``axis``/``axes`` keywords, ``norm="backward"`` by default) and
its dtype rules, which are stricter than PyTorch's: ``fft``/``ifft``/``fftn``/``ifftn`` and
the inverse real transforms take complex arrays only, ``rfft``/``rfftn``/``ihfft`` real
floating arrays only (PyTorch would promote), and every result keeps the input's precision
(complex64 <-> float32, complex128 <-> float64).

>>> import tensorjit.array_api as xp
>>> x = xp.asarray([1., 0., 0., 0.])
>>> xp.fft.rfft(x).tolist()
[(1+0j), (1+0j), (1+0j)]
"""
from __future__ import annotations

import tensorjit as _tj
from tensorjit import _dtypes

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
           "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = ("backward", "ortho", "forward")


def _check(x, op, kind, norm):
    if not isinstance(x, _tj.Tensor):
        raise TypeError(f"{op}: expected an array, got {type(x).__name__}")
    cat = x.dtype.category
    if kind == "complex" and cat != _dtypes.COMPLEX:
        raise TypeError(f"{op}: only complex floating-point dtypes are allowed, got {x.dtype.name}")
    if kind == "real" and x.dtype not in (_tj.float32, _tj.float64):
        raise TypeError(f"{op}: only real floating-point dtypes (float32, float64) are allowed, got {x.dtype.name}")
    if norm not in _NORMS:
        raise ValueError(f"{op}: norm must be one of {_NORMS}, not {norm!r}")


def _axes(axes, s, ndim):
    if axes is None:
        return None if s is None else tuple(range(ndim - len(s), ndim))
    return tuple(axes)


def fft(x, /, *, n=None, axis=-1, norm="backward"):
    """One-dimensional discrete Fourier transform of a complex array along ``axis``."""
    _check(x, "fft", "complex", norm)
    return _tj.fft.fft(x, n=n, dim=axis, norm=norm)


def ifft(x, /, *, n=None, axis=-1, norm="backward"):
    """Inverse of :func:`fft`."""
    _check(x, "ifft", "complex", norm)
    return _tj.fft.ifft(x, n=n, dim=axis, norm=norm)


def fftn(x, /, *, s=None, axes=None, norm="backward"):
    """N-dimensional discrete Fourier transform of a complex array over ``axes`` (all by default)."""
    _check(x, "fftn", "complex", norm)
    return _tj.fft.fftn(x, s=s, dim=_axes(axes, s, x.ndim), norm=norm)


def ifftn(x, /, *, s=None, axes=None, norm="backward"):
    """Inverse of :func:`fftn`."""
    _check(x, "ifftn", "complex", norm)
    return _tj.fft.ifftn(x, s=s, dim=_axes(axes, s, x.ndim), norm=norm)


def rfft(x, /, *, n=None, axis=-1, norm="backward"):
    """Transform of a real array: the ``n // 2 + 1`` non-negative frequencies."""
    _check(x, "rfft", "real", norm)
    return _tj.fft.rfft(x, n=n, dim=axis, norm=norm)


def irfft(x, /, *, n=None, axis=-1, norm="backward"):
    """Inverse of :func:`rfft`: a real array of length ``n`` (``2 * (m - 1)`` by default)."""
    _check(x, "irfft", "complex", norm)
    return _tj.fft.irfft(x, n=n, dim=axis, norm=norm)


def rfftn(x, /, *, s=None, axes=None, norm="backward"):
    """N-dimensional transform of a real array (the last axis halved)."""
    _check(x, "rfftn", "real", norm)
    return _tj.fft.rfftn(x, s=s, dim=_axes(axes, s, x.ndim), norm=norm)


def irfftn(x, /, *, s=None, axes=None, norm="backward"):
    """Inverse of :func:`rfftn`."""
    _check(x, "irfftn", "complex", norm)
    return _tj.fft.irfftn(x, s=s, dim=_axes(axes, s, x.ndim), norm=norm)


def hfft(x, /, *, n=None, axis=-1, norm="backward"):
    """Transform of a Hermitian-symmetric signal given by its first half: a real array."""
    _check(x, "hfft", "complex", norm)
    return _tj.fft.hfft(x, n=n, dim=axis, norm=norm)


def ihfft(x, /, *, n=None, axis=-1, norm="backward"):
    """Inverse of :func:`hfft`: the first half of a Hermitian spectrum of a real array."""
    _check(x, "ihfft", "real", norm)
    return _tj.fft.ihfft(x, n=n, dim=axis, norm=norm)


def _freq_dtype(dtype, op):
    if dtype is None:
        return _tj.float64            # the namespace's default real floating dtype
    if dtype not in (_tj.float32, _tj.float64):
        raise TypeError(f"{op}: dtype must be a real floating-point dtype, not {getattr(dtype, 'name', dtype)}")
    return dtype


def fftfreq(n, /, *, d=1.0, dtype=None, device=None):
    """Sample frequencies of an ``n``-point transform with spacing ``d``.

    >>> import tensorjit.array_api as xp
    >>> xp.fft.fftfreq(4).tolist()
    [0.0, 0.25, -0.5, -0.25]
    """
    return _tj.fft.fftfreq(n, d, dtype=_freq_dtype(dtype, "fftfreq"), device=device)


def rfftfreq(n, /, *, d=1.0, dtype=None, device=None):
    """Non-negative sample frequencies of an ``n``-point real transform."""
    return _tj.fft.rfftfreq(n, d, dtype=_freq_dtype(dtype, "rfftfreq"), device=device)


def fftshift(x, /, *, axes=None):
    """Shift the zero frequency to the centre of ``axes`` (all by default)."""
    return _tj.fft.fftshift(x, dim=None if axes is None else (axes if isinstance(axes, int) else tuple(axes)))


def ifftshift(x, /, *, axes=None):
    """Inverse of :func:`fftshift`."""
    return _tj.fft.ifftshift(x, dim=None if axes is None else (axes if isinstance(axes, int) else tuple(axes)))

"""``tensorjit.fft``: PyTorch's ``torch.fft`` over NumPy's pocketfft.

Note [fft dtypes]
    As in PyTorch: integer and bool input computes in the default float dtype, float32 and
    complex64 stay in single precision (complex64 results; NumPy's pocketfft computes them in
    single precision too), float64 and complex128 in double; float16 is refused. The FFT runs
    on a NumPy view of the storage (any strides, NumPy copies as it needs) and the result is a
    fresh contiguous tensor. ``n``/``s`` trim or zero-pad the input along each transformed dim;
    ``norm`` is ``"backward"`` (default: the inverse scales by 1/n), ``"ortho"`` or ``"forward"``.

Every transform and the shifts are differentiable: an input that requires grad is routed by the
line at the top of each function to its formula (Note [fft gradients] in
tensorjit/autograd/_formulas_fft.py).

>>> import tensorjit as tj
>>> import tensorjit.fft
>>> tj.fft.fft(tj.tensor([1., 0., 0., 0.])).tolist()
[(1+0j), (1+0j), (1+0j), (1+0j)]
"""
from __future__ import annotations

import operator

import numpy as np

from . import _dtypes
from ._dtypes import COMPLEX, FLOAT
from ._reduce import torch_name
from ._tensor import Tensor
from ._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "hfft2",
           "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift",
           "ifftshift"]

_NORMS = (None, "backward", "forward", "ortho")
# hfft is irfft of the conjugate with the opposite scaling (and ihfft likewise for rfft).
_DUAL = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _check(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x.is_cuda:
        raise NotImplementedError(f"fft.{name}: CUDA tensors are not supported (tensorjit computes FFTs with "
                                  "NumPy's pocketfft on CPU tensors); move the tensor to the CPU with .cpu()")


def _input(x, name, real_only=False):
    """Check ``x`` and return its NumPy view in the dtype the transform computes in (Note [fft dtypes])."""
    _check(x, name)
    d = x._dtype
    if d is _dtypes.float16:
        raise RuntimeError(f"Unsupported dtype {torch_name(d)}")
    if real_only and d.category == COMPLEX:
        raise RuntimeError(f"{name} expects a real input tensor, but got {torch_name(d)}")
    a = x.numpy()
    if d.category < FLOAT:
        a = a.astype(_dtypes.get_default_dtype().np)
    return a


def _norm(norm):
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm or "backward"


def _dim(dim, ndim):
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(f"fft: argument 'dim' must be int, not {type(dim).__name__}") from None
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    return dim % ndim


def _points(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return n


def _result(r, like, out, name):
    """Wrap NumPy's result in the dtype PyTorch gives (``like``'s precision) and honour ``out``."""
    from ._creation import from_numpy
    single = like.dtype in (np.float32, np.complex64)
    if np.iscomplexobj(r):
        dt = np.complex64 if single else np.complex128
    else:
        dt = np.float32 if single else np.float64
    r = np.asarray(r, dtype=dt, order="C")
    if not r.flags.owndata or not r.flags.writeable:
        r = r.copy()
    t = from_numpy(r)
    if out is None:
        return t
    if not isinstance(out, Tensor):
        raise TypeError(f"fft_{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if out._dtype is not t._dtype:
        raise RuntimeError(f"fft_{name}: Expected out tensor to have dtype {torch_name(t._dtype)}, but got "
                           f"{torch_name(out._dtype)} instead")
    from .ops.blas import finish
    return finish(t, out, f"fft_{name}")


def _one(fn, name, x, n, dim, norm, out, real_only=False, halved_out=False):
    """A 1-d transform: ``fn`` is NumPy's; ``halved_out`` for the c2r ones whose default n is 2(m-1)."""
    a = _input(x, name, real_only)
    norm = _norm(norm)
    dim = _dim(dim, a.ndim)
    m = a.shape[dim]
    if n is None:
        n = 2 * (m - 1) if halved_out else m
    _points(n)
    if halved_out:
        _points(m)
    return _result(fn(a, n, dim, norm), a, out, name)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """One-dimensional discrete Fourier transform along ``dim`` (complex result).

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.fft(tj.tensor([1., 2.])).tolist()
    [(3+0j), (-1+0j)]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_fft", key):
        return _lookup("fft_fft", key)(input, n, dim, norm, out=out)
    return _one(np.fft.fft, "fft", input, n, dim, norm, out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """Inverse of :func:`fft`.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.ifft(tj.tensor([3., -1.])).tolist()
    [(1+0j), (2+0j)]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_ifft", key):
        return _lookup("fft_ifft", key)(input, n, dim, norm, out=out)
    return _one(np.fft.ifft, "ifft", input, n, dim, norm, out)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """FFT of a real signal: the ``n // 2 + 1`` non-negative frequencies.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.rfft(tj.tensor([1., 2., 3., 4.])).tolist()
    [(10+0j), (-2+2j), (-2+0j)]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_rfft", key):
        return _lookup("fft_rfft", key)(input, n, dim, norm, out=out)
    return _one(np.fft.rfft, "rfft", input, n, dim, norm, out, real_only=True)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """Inverse of :func:`rfft`: a real signal of length ``n`` (default ``2 * (m - 1)``).

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.irfft(tj.tensor([10., -2 + 2j, -2.])).tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_irfft", key):
        return _lookup("fft_irfft", key)(input, n, dim, norm, out=out)
    return _one(np.fft.irfft, "irfft", input, n, dim, norm, out, halved_out=True)


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """FFT of a Hermitian-symmetric signal given by its first half: a real result of length ``n``
    (default ``2 * (m - 1)``).

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.hfft(tj.tensor([1., 0., 0.])).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_hfft", key):
        return _lookup("fft_hfft", key)(input, n, dim, norm, out=out)
    return _one(np.fft.hfft, "hfft", input, n, dim, norm, out, halved_out=True)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """Inverse of :func:`hfft`: the first half of the inverse FFT of a real signal.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.ihfft(tj.tensor([1., 1., 1., 1.])).real.tolist()
    [1.0, 0.0, 0.0]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_ihfft", key):
        return _lookup("fft_ihfft", key)(input, n, dim, norm, out=out)
    return _one(np.fft.ihfft, "ihfft", input, n, dim, norm, out, real_only=True)


def _plan(a, s, dim, halved_out=False):
    """PyTorch's rules for (s, dim): the transformed dims (unique) and the size of each; the last
    dim is the halved one of the real transforms."""
    if dim is not None:
        dims = [dim] if isinstance(dim, int) else list(dim)
        dims = [_dim(d, a.ndim) for d in dims]
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > a.ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {a.ndim} dimensions.")
        dims = list(range(a.ndim - len(s), a.ndim))
    else:
        dims = list(range(a.ndim))
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    if s is None:
        s = [-1] * len(dims)
    sizes = []
    for i, (n, d) in enumerate(zip(s, dims)):
        m = a.shape[d]
        if n == -1:
            n = 2 * (m - 1) if halved_out and i == len(dims) - 1 else m
        sizes.append(_points(int(n)))
    if halved_out and dims:
        _points(a.shape[dims[-1]])
    return sizes, dims


def _many(fn, name, x, s, dim, norm, out, real_only=False, halved_out=False, conj_in=False, conj_out=False):
    a = _input(x, name, real_only)
    norm = _norm(norm)
    sizes, dims = _plan(a, s, dim, halved_out)
    if not dims and (real_only or halved_out):
        raise RuntimeError(f"{name} must transform at least one axis")
    if conj_in:
        a = np.conj(a)
    if not dims:
        return _result(a.astype(np.result_type(a, np.complex64)), a, out, name)
    r = fn(a, sizes, dims, norm)
    return _result(np.conj(r) if conj_out else r, a, out, name)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional FFT over ``dim`` (all dims, or the last ``len(s)``, when None).

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.fftn(tj.ones(2, 2)).tolist()
    [[(4+0j), 0j], [0j, 0j]]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_fftn", key):
        return _lookup("fft_fftn", key)(input, s, dim, norm, out=out)
    return _many(np.fft.fftn, "fftn", input, s, dim, norm, out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """Inverse of :func:`fftn`.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.ifftn(tj.tensor([[4., 0.], [0., 0.]])).real.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_ifftn", key):
        return _lookup("fft_ifftn", key)(input, s, dim, norm, out=out)
    return _many(np.fft.ifftn, "ifftn", input, s, dim, norm, out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional FFT of a real signal, halved along the last transformed dim.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.rfftn(tj.ones(2, 4)).shape
    tensorjit.Size([2, 3])
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_rfftn", key):
        return _lookup("fft_rfftn", key)(input, s, dim, norm, out=out)
    return _many(np.fft.rfftn, "rfftn", input, s, dim, norm, out, real_only=True)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """Inverse of :func:`rfftn` (real result; the last dim defaults to ``2 * (m - 1)``).

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.irfftn(tj.fft.rfftn(tj.ones(2, 4))).tolist()
    [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_irfftn", key):
        return _lookup("fft_irfftn", key)(input, s, dim, norm, out=out)
    return _many(np.fft.irfftn, "irfftn", input, s, dim, norm, out, halved_out=True)


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional FFT of a Hermitian-symmetric signal given by its half along the last dim
    (real result): ``irfftn`` of the conjugate with the opposite scaling.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.hfftn(tj.tensor([[1., 0.], [0., 0.]])).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_hfftn", key):
        return _lookup("fft_hfftn", key)(input, s, dim, norm, out=out)
    return _many(np.fft.irfftn, "hfftn", input, s, dim, _DUAL[_norm(norm)], out, halved_out=True, conj_in=True)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """Inverse of :func:`hfftn`: conjugate of ``rfftn`` with the opposite scaling.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.ihfftn(tj.ones(2, 2)).real.tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_ihfftn", key):
        return _lookup("fft_ihfftn", key)(input, s, dim, norm, out=out)
    return _many(np.fft.rfftn, "ihfftn", input, s, dim, _DUAL[_norm(norm)], out, real_only=True, conj_out=True)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Two-dimensional FFT over ``dim`` (the last two by default).

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.fft2(tj.ones(1, 2)).tolist()
    [[(2+0j), 0j]]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_fft2", key):
        return _lookup("fft_fft2", key)(input, s, dim, norm, out=out)
    return _many(np.fft.fftn, "fft2", input, s, dim, norm, out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Inverse of :func:`fft2`.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.ifft2(tj.tensor([[2., 0.]])).tolist()
    [[(1+0j), (1+0j)]]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_ifft2", key):
        return _lookup("fft_ifft2", key)(input, s, dim, norm, out=out)
    return _many(np.fft.ifftn, "ifft2", input, s, dim, norm, out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Two-dimensional FFT of a real signal, halved along the last dim.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.rfft2(tj.ones(2, 2)).tolist()
    [[(4+0j), 0j], [0j, 0j]]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_rfft2", key):
        return _lookup("fft_rfft2", key)(input, s, dim, norm, out=out)
    return _many(np.fft.rfftn, "rfft2", input, s, dim, norm, out, real_only=True)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Inverse of :func:`rfft2`.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.irfft2(tj.tensor([[4., 0.], [0., 0.]])).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_irfft2", key):
        return _lookup("fft_irfft2", key)(input, s, dim, norm, out=out)
    return _many(np.fft.irfftn, "irfft2", input, s, dim, norm, out, halved_out=True)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Two-dimensional :func:`hfftn`.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.hfft2(tj.tensor([[1., 0.]])).tolist()
    [[1.0, 1.0]]
    """
    return hfftn(input, s, dim, norm, out=out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Two-dimensional :func:`ihfftn`.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.ihfft2(tj.ones(1, 2)).real.tolist()
    [[1.0, 0.0]]
    """
    return ihfftn(input, s, dim, norm, out=out)


def _freq_dtype(dtype, name):
    d = _dtypes.get_default_dtype() if dtype is None else _dtypes.as_dtype(dtype, op=name)
    if d.category not in (FLOAT, COMPLEX):
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    if d.category == COMPLEX:  # PyTorch's arange has no complex kernel, so its fftfreq refuses them too
        raise NotImplementedError(f"{name}: complex dtypes are not supported, got {d.name}")
    return d


def _freqs(k, n, d, dtype, out, name, device):
    from ._creation import from_numpy
    if device is not None and str(device) != "cpu":
        raise NotImplementedError(f"fft.{name}: only CPU tensors are supported")
    work = dtype.np if dtype is not _dtypes.float16 else np.float32
    with np.errstate(divide="ignore", invalid="ignore"):  # n == 0: PyTorch's 0 * (1 / 0) = nan
        r = np.asarray(k, dtype=work) * np.asarray(np.float64(1.0) / np.float64(n * d), dtype=work)
    t = from_numpy(np.ascontiguousarray(r.astype(dtype.np)))
    if out is None:
        return t
    from .ops.blas import check_out, finish
    check_out(out, dtype, name)
    return finish(t, out, name)


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an ``n``-point FFT with sample spacing ``d``:
    ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)``.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.fftfreq(4).tolist()
    [0.0, 0.25, -0.5, -0.25]
    """
    dt = _freq_dtype(dtype, "fftfreq")
    n = operator.index(n)
    k = np.concatenate([np.arange((n - 1) // 2 + 1), np.arange(-(n // 2), 0)]) if n > 0 else np.zeros(0)
    return _freqs(k, n, d, dt, out, "fftfreq", device)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The non-negative sample frequencies of an ``n``-point real FFT: ``[0, ..., n // 2] / (d * n)``.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.rfftfreq(4).tolist()
    [0.0, 0.25, 0.5]
    """
    dt = _freq_dtype(dtype, "rfftfreq")
    n = operator.index(n)
    return _freqs(np.arange(max(n // 2 + 1, 0)), n, d, dt, out, "rfftfreq", device)


def _shift(name, input, dim, inverse):
    from ._creation import from_numpy
    _check(input, name)
    a = input.numpy()
    if dim is None:
        dims = tuple(range(a.ndim))
    else:
        dims = tuple(_dim(d, a.ndim) for d in ((dim,) if isinstance(dim, int) else dim))
    shifts = [(a.shape[d] + 1) // 2 if inverse else a.shape[d] // 2 for d in dims]
    if not dims:
        raise RuntimeError("`shifts` required")
    r = np.roll(a, shifts, dims)
    return from_numpy(np.ascontiguousarray(r))


def fftshift(input, dim=None):
    """Move the zero frequency to the centre: roll each of ``dim`` (all by default) by ``n // 2``.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.fftshift(tj.fft.fftfreq(4)).tolist()
    [-0.5, -0.25, 0.0, 0.25]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_fftshift", key):
        return _lookup("fft_fftshift", key)(input, dim)
    return _shift("fftshift", input, dim, False)


def ifftshift(input, dim=None):
    """Inverse of :func:`fftshift`: roll each of ``dim`` by ``(n + 1) // 2``.

    >>> import tensorjit as tj, tensorjit.fft
    >>> tj.fft.ifftshift(tj.tensor([-0.5, -0.25, 0.0, 0.25])).tolist()
    [0.0, 0.25, -0.5, -0.25]
    """
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("fft_ifftshift", key):
        return _lookup("fft_ifftshift", key)(input, dim)
    return _shift("ifftshift", input, dim, True)

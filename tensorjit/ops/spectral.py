"""Window functions and the short-time Fourier transform (``stft``/``istft``), as PyTorch's.

Windows are computed in double precision and rounded to the requested dtype; ``periodic``
windows are the symmetric window of length ``n + 1`` without its last sample (for spectral
analysis), as in PyTorch. ``stft``/``istft`` frame the signal with NumPy strides and transform
with NumPy's pocketfft (Note [fft dtypes] in tensorjit/fft.py for the dtype rules).
"""
from __future__ import annotations

import operator
import warnings

import numpy as np

from .. import _dtypes
from .._dtypes import COMPLEX, FLOAT
from .._tensor import Tensor
from .._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window", "stft",
           "istft"]


def _window(name, window_length, periodic, dtype, device, formula):
    from .._creation import from_numpy
    d = _dtypes.get_default_dtype() if dtype is None else _dtypes.as_dtype(dtype, op=name)
    if d.category != FLOAT:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {d.name}")
    if device is not None and str(device) != "cpu":
        raise NotImplementedError(f"{name}: only CPU tensors are supported")
    n = operator.index(window_length)
    if n < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={n}")
    if n <= 1:
        return from_numpy(np.ones(n, d.np))
    big = n + 1 if periodic else n
    w = formula(np.arange(big, dtype=np.float64), big)[:n]
    return from_numpy(np.ascontiguousarray(w.astype(d.np)))


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """Hann window ``0.5 - 0.5 cos(2 pi k / (N - 1))``.

    >>> import tensorjit as tj
    >>> from tensorjit.ops.spectral import hann_window
    >>> hann_window(4).tolist()
    [0.0, 0.5, 1.0, 0.5]
    """
    return _window("hann_window", window_length, periodic, dtype, device,
                   lambda k, N: 0.5 - 0.5 * np.cos(2 * np.pi * k / (N - 1)))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """Hamming window ``alpha - beta cos(2 pi k / (N - 1))``.

    >>> from tensorjit.ops.spectral import hamming_window
    >>> [round(v, 4) for v in hamming_window(4, dtype=None).tolist()]
    [0.08, 0.54, 1.0, 0.54]
    """
    return _window("hamming_window", window_length, periodic, dtype, device,
                   lambda k, N: alpha - beta * np.cos(2 * np.pi * k / (N - 1)))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """Blackman window ``0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))``.

    >>> from tensorjit.ops.spectral import blackman_window
    >>> [round(v, 4) for v in blackman_window(3, periodic=False).tolist()]
    [-0.0, 1.0, -0.0]
    """
    return _window("blackman_window", window_length, periodic, dtype, device,
                   lambda k, N: 0.42 - 0.5 * np.cos(2 * np.pi * k / (N - 1)) + 0.08 * np.cos(4 * np.pi * k / (N - 1)))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    """Bartlett (triangular) window ``1 - |2k / (N - 1) - 1|``.

    >>> from tensorjit.ops.spectral import bartlett_window
    >>> bartlett_window(4).tolist()
    [0.0, 0.5, 1.0, 0.5]
    """
    return _window("bartlett_window", window_length, periodic, dtype, device,
                   lambda k, N: 1 - np.abs(2 * k / (N - 1) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False):
    """Kaiser window ``I0(beta sqrt(1 - (2k / (N - 1) - 1)**2)) / I0(beta)``.

    >>> from tensorjit.ops.spectral import kaiser_window
    >>> [round(v, 4) for v in kaiser_window(3, periodic=False, beta=0.0).tolist()]
    [1.0, 1.0, 1.0]
    """
    return _window("kaiser_window", window_length, periodic, dtype, device,
                   lambda k, N: np.i0(beta * np.sqrt(np.clip(1 - (2 * k / (N - 1) - 1) ** 2, 0, None)))
                   / np.i0(beta))


_PAD_MODES = {"reflect": "reflect", "constant": "constant", "replicate": "edge", "circular": "wrap"}


def _check_real_or_complex(x, name, arg):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")
    if x.is_cuda:
        raise NotImplementedError(f"{name}: CUDA tensors are not supported (tensorjit computes {name} with "
                                  "NumPy's pocketfft on CPU tensors)")
    if x._dtype.category not in (FLOAT, COMPLEX) or x._dtype is _dtypes.float16:
        raise RuntimeError(f"{name}: expected a float32, float64, complex64 or complex128 {arg}, got "
                           f"{x._dtype.name}")


def _full_window(window, n_fft, win_length, name, missing_msg):
    """The window as a length-``n_fft`` NumPy array (ones when None), zero-padded on both sides."""
    if window is None:
        warnings.warn(missing_msg, UserWarning, stacklevel=3)
        w = np.ones(win_length)
    else:
        _check_real_or_complex(window, name, "window")
        if window.ndim != 1 or window._shape[0] != win_length:
            raise RuntimeError(f"{name}: expected a 1D window tensor of size equal to win_length={win_length}, "
                               f"but got window with size {list(window._shape)}")
        w = window.numpy()
    left = (n_fft - win_length) // 2
    full = np.zeros(n_fft, w.dtype)
    full[left:left + win_length] = w
    return full


def _lengths(name, n_fft, hop_length, win_length):
    hop = n_fft // 4 if hop_length is None else operator.index(hop_length)
    win = n_fft if win_length is None else operator.index(win_length)
    if hop <= 0:
        raise RuntimeError(f"{name}: expected hop_length > 0, but got hop_length={hop}")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"{name}: expected 0 < win_length <= n_fft, but got win_length={win}")
    return hop, win


def _single(*arrays):
    return all(a.dtype in (np.float32, np.complex64) for a in arrays)


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """Short-time Fourier transform of a signal (L,) or batch (B, L): frames of ``n_fft``
    samples every ``hop_length`` (default ``n_fft // 4``), each multiplied by ``window``
    (default ones of ``win_length``, zero-padded to ``n_fft`` on both sides) and transformed.
    Returns (B?, n_fft // 2 + 1, frames), or all ``n_fft`` frequencies when ``onesided`` is
    False (the default for complex input or window). ``center`` pads ``n_fft // 2`` on both
    sides with ``pad_mode``. ``return_complex`` must be given for real input; False returns
    ``view_as_real`` of the result, with PyTorch's deprecation warning.

    >>> import tensorjit as tj
    >>> from tensorjit.ops.spectral import stft, hann_window
    >>> stft(tj.ones(64), 16, window=hann_window(16), return_complex=True).shape
    tensorjit.Size([9, 17])
    """
    key = (type(input) in _KEYED or type(window) in _KEYED) and _key_of(input, window)  # Note [layout dispatch]
    if key and _lookup("stft", key):
        return _lookup("stft", key)(input, n_fft, hop_length, win_length, window, center, pad_mode, normalized,
                                    onesided, return_complex, align_to_window)
    from .._creation import from_numpy
    name = "stft"
    _check_real_or_complex(input, name, "input")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{name}: expected a 1D or 2D tensor, got {input.ndim}D")
    if align_to_window is not None and align_to_window:
        raise NotImplementedError(f"{name}: align_to_window=True is not supported")
    is_complex = input.is_complex() or (isinstance(window, Tensor) and window.is_complex())
    if return_complex is None:
        if not is_complex:
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    if pad_mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {pad_mode}")
    hop, win = _lengths(name, n_fft, hop_length, win_length)
    onesided = (not is_complex) if onesided is None else onesided
    if onesided and is_complex:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    x = input.numpy()
    if x.ndim == 1:
        x = x[None]
    if center:
        p = n_fft // 2
        if pad_mode == "reflect" and p >= x.shape[-1]:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({p}, {p}) at dimension 2 of input [1, {x.shape[0]}, "
                               f"{x.shape[-1]}]")
        x = np.pad(x, ((0, 0), (p, p)), mode=_PAD_MODES[pad_mode])
    if not 0 < n_fft <= x.shape[-1]:
        raise RuntimeError(f"{name}: expected 0 < n_fft < {x.shape[-1]}, but got n_fft={n_fft}")
    w = _full_window(window, n_fft, win, name,
                     "A window was not provided. A rectangular window will be applied, which is known to cause "
                     "spectral leakage. Other windows such as hann_window or hamming_window are recommended to "
                     "reduce spectral leakage. To suppress this warning and use a rectangular window, explicitly "
                     "set `window=tensorjit.ones(n_fft)`.")
    single = _single(input.numpy(), w) if window is not None else _single(input.numpy())
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft, axis=-1)[:, ::hop] * w
    spec = np.fft.rfft(frames, axis=-1) if onesided else np.fft.fft(frames, axis=-1)
    if normalized:
        spec = spec * (1.0 / np.sqrt(n_fft))
    spec = np.swapaxes(spec, -1, -2).astype(np.complex64 if single else np.complex128)
    if input.ndim == 1:
        spec = spec[0]
    out = from_numpy(np.ascontiguousarray(spec))
    if not return_complex:
        warnings.warn("stft with return_complex=False is deprecated. In a future release, stft will return "
                      "complex tensors for all inputs, and return_complex=False will raise an error.",
                      UserWarning, stacklevel=2)
        from .._complex import view_as_real
        out = view_as_real(out)
    return out


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    """Inverse of :func:`stft` by overlap-add, divided by the summed squared window (which must
    not vanish anywhere in the kept range). ``input`` is the complex (B?, freq, frames) result
    of ``stft``; ``length`` trims or zero-pads the output.

    >>> import tensorjit as tj
    >>> from tensorjit.ops.spectral import stft, istft, hann_window
    >>> x = tj.arange(32, dtype=tj.float32)
    >>> y = istft(stft(x, 8, window=hann_window(8), return_complex=True), 8, window=hann_window(8))
    >>> bool(((x - y).abs() < 1e-4).all())
    True
    """
    key = (type(input) in _KEYED or type(window) in _KEYED) and _key_of(input, window)  # Note [layout dispatch]
    if key and _lookup("istft", key):
        return _lookup("istft", key)(input, n_fft, hop_length, win_length, window, center, normalized, onesided,
                                     length, return_complex)
    from .._creation import from_numpy
    name = "istft"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    _check_real_or_complex(input, name, "input")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{name}: expected a tensor with 2 or 3 dimensions of complex dtype, but got "
                           f"{input.ndim}D")
    hop, win = _lengths(name, n_fft, hop_length, win_length)
    spec = input.numpy()
    if spec.ndim == 2:
        spec = spec[None]
    n_freq, n_frames = spec.shape[-2:]
    onesided = (n_freq != n_fft) if onesided is None else onesided
    if onesided:
        if n_freq != n_fft // 2 + 1:
            raise RuntimeError(f"{name}: expected the frequency dimension (2nd to last) of the input tensor to "
                               f"match n_fft / 2 + 1 when onesided=True, but got {n_freq}")
        if return_complex:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
    elif n_freq != n_fft:
        raise RuntimeError(f"{name}: expected the frequency dimension (2nd to last) of the input tensor to match "
                           f"n_fft when onesided=False, but got {n_freq}")
    if n_frames == 0:
        raise RuntimeError(f"{name}: input tensor cannot be empty.")
    w = _full_window(window, n_fft, win, name,
                     "A window was not provided. A rectangular window will be applied. Please provide the same "
                     "window used by stft to make the inversion lossless. To suppress this warning and use a "
                     "rectangular window, explicitly set `window=tensorjit.ones(n_fft)`.")
    single = spec.dtype == np.complex64 and (window is None or w.dtype in (np.float32, np.complex64))
    if normalized:
        spec = spec * np.sqrt(n_fft)
    frames = np.swapaxes(spec, -1, -2)
    # A real result is irfft of the first n_fft // 2 + 1 bins, two-sided input or not (as PyTorch).
    frames = np.fft.ifft(frames, n_fft, axis=-1) if return_complex else \
        np.fft.irfft(frames[..., :n_fft // 2 + 1], n_fft, axis=-1)
    frames = frames * w
    total = n_fft + hop * (n_frames - 1)
    y = np.zeros((frames.shape[0], total), frames.dtype)
    env = np.zeros(total, np.float64)
    w2 = np.abs(w) ** 2
    for i in range(n_frames):  # overlap-add: one vectorised add per frame
        y[:, i * hop:i * hop + n_fft] += frames[:, i]
        env[i * hop:i * hop + n_fft] += w2
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (total - n_fft // 2 if center else total)
    y, env = y[:, start:end], env[start:end]
    if env.size and np.abs(env).min() < 1e-11:
        raise RuntimeError(f"{name}: window overlap add min: {np.abs(env).min():g} (the summed squared window "
                           "must be nonzero at every output sample)")
    y = y / env
    if length is not None and y.shape[-1] < length:
        warnings.warn("istft: the signal is shorter than the length parameter; the result is padded with zeros "
                      "in the tail. Check the center and hop_length settings.", UserWarning, stacklevel=2)
        y = np.pad(y, ((0, 0), (0, length - y.shape[-1])))
    if return_complex:
        y = y.astype(np.complex64 if single else np.complex128)
    else:
        y = y.real.astype(np.float32 if single else np.float64)
    if input.ndim == 2:
        y = y[0]
    return from_numpy(np.ascontiguousarray(y))

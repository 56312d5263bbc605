"""Derivative formulas of ``tensorjit.fft``, keyed by PyTorch's op names (``FORMULAS``;
conventions as in tensorjit/autograd/_formulas_shape.py; tensorjit/autograd/_ops.py routes
each public function to its row).

Note [fft gradients]
    Every transform is linear, so its gradient is its adjoint applied to the incoming gradient,
    and the adjoint of a DFT is again a DFT: each formula below is one call of a tensorjit.fft
    function (itself routed here, so gradients of gradients flow). A transform with ``norm``
    scales by ``scale(norm)`` (1, 1/sqrt(n), 1/n for "backward", "ortho", "forward" in the
    forward direction; the inverse direction the other way round), and its adjoint is the
    unnormalised DFT of the opposite direction with the same factor: the opposite transform
    with norm ``_DUAL[norm]``. Per family, as PyTorch's derivatives do:

    - c2c (fft, ifft, fftn ...): the opposite c2c transform;
    - r2c (rfft; ihfft, the conjugate of an r2c): the gradient zero-padded from n // 2 + 1 to n
      along the last transformed dim (the ``s``/``n`` argument of the adjoint c2c does it),
      transformed back, real part kept (PyTorch's fft_r2c_backward);
    - c2r (irfft; hfft, a c2r of the conjugate): the r2c of the gradient with the entries
      1 .. n - (n // 2 + 1) of the last dim doubled, since the Hermitian extension reads each
      of them twice (PyTorch's fft_c2r_backward).

    ``n``/``s`` trimmed or zero-padded the input before the transform, so the gradient is
    zero-padded or trimmed back to the input's size (:func:`_fit`), and a real input of a
    complex transform takes the real part. The imaginary parts a c2r ignores (of the zero and
    Nyquist frequencies) come out with zero gradient, as finite differences see them.
"""
from __future__ import annotations

import numpy as np

from .. import fft as _fft
from ..fft import _DUAL, _dim, _norm, _plan


def _real(g):
    """The real part of ``g``: a view, or, when ``g`` itself requires grad (a second-order
    gradient), a cast to the real dtype, whose derivative exists."""
    if not g.is_complex():
        return g
    from .graph import requires_grad
    if requires_grad(g):
        return g.to(g._dtype.to_real())
    from .._complex import real
    return real(g)


def _fit(g, x, dims):
    """Gradient ``g`` trimmed or zero-padded along ``dims`` to ``x``'s sizes, real for real ``x``."""
    for d in dims:
        m, k = x.shape[d], g.shape[d]
        if k > m:
            g = g.narrow(d, 0, m)
        elif k < m:
            from .._creation import zeros
            from ..ops.shape import cat
            tail = list(g.shape)
            tail[d] = m - k
            g = cat([g, zeros(tuple(tail), dtype=g._dtype)], d)
    return g if x.is_complex() else _real(g)


def _double(g, d, n):
    """``g`` (the one-sided r2c of a length-``n`` gradient along ``d``) with the entries whose
    mirror images a c2r reads doubled: 1 .. n - (n // 2 + 1)."""
    h = g.shape[d]
    k = n - h
    if k <= 0:
        return g
    from .._creation import from_numpy
    w = np.ones(h, dtype=g._dtype.to_real().np)
    w[1:1 + k] = 2
    return g * from_numpy(w).reshape((h,) + (1,) * (g.ndim - 1 - d))


# -- one dim ------------------------------------------------------------------------------------

def _c2c(adjoint):
    def formula(ctx, g, input, n=None, dim=-1, norm=None, *, out=None):
        d = _dim(dim, input.ndim)
        return _fit(adjoint(g, dim=d, norm=_DUAL[_norm(norm)]), input, (d,))
    return formula


def _r2c(adjoint):
    def formula(ctx, g, input, n=None, dim=-1, norm=None, *, out=None):
        d = _dim(dim, input.ndim)
        size = input.shape[d] if n is None else n
        return _fit(adjoint(g, size, d, _DUAL[_norm(norm)]), input, (d,))
    return formula


def _c2r(adjoint):
    def formula(ctx, g, input, n=None, dim=-1, norm=None, *, out=None):
        d = _dim(dim, input.ndim)
        return _fit(_double(adjoint(g, dim=d, norm=_DUAL[_norm(norm)]), d, g.shape[d]), input, (d,))
    return formula


# -- several dims (``default`` is the public function's default ``dim``) --------------------------

def _c2c_n(adjoint, default):
    def formula(ctx, g, input, s=None, dim=default, norm=None, *, out=None):
        _, dims = _plan(input, s, dim)
        if not dims:
            return _fit(g, input, ())
        return _fit(adjoint(g, dim=dims, norm=_DUAL[_norm(norm)]), input, dims)
    return formula


def _r2c_n(adjoint, default):
    def formula(ctx, g, input, s=None, dim=default, norm=None, *, out=None):
        sizes, dims = _plan(input, s, dim)
        return _fit(adjoint(g, s=sizes, dim=dims, norm=_DUAL[_norm(norm)]), input, dims)
    return formula


def _c2r_n(adjoint, default):
    def formula(ctx, g, input, s=None, dim=default, norm=None, *, out=None):
        sizes, dims = _plan(input, s, dim, halved_out=True)
        gi = adjoint(g, dim=dims, norm=_DUAL[_norm(norm)])
        return _fit(_double(gi, dims[-1], sizes[-1]), input, dims)
    return formula


def _fftshift(ctx, g, input, dim=None):
    return _fft.ifftshift(g, dim)


def _ifftshift(ctx, g, input, dim=None):
    return _fft.fftshift(g, dim)


_LAST2 = (-2, -1)

FORMULAS = {
    "fft_fft": _c2c(_fft.ifft), "fft_ifft": _c2c(_fft.fft),
    "fft_rfft": _r2c(_fft.ifft), "fft_ihfft": _r2c(_fft.fft),
    "fft_irfft": _c2r(_fft.rfft), "fft_hfft": _c2r(_fft.ihfft),
    "fft_fftn": _c2c_n(_fft.ifftn, None), "fft_ifftn": _c2c_n(_fft.fftn, None),
    "fft_fft2": _c2c_n(_fft.ifftn, _LAST2), "fft_ifft2": _c2c_n(_fft.fftn, _LAST2),
    "fft_rfftn": _r2c_n(_fft.ifftn, None), "fft_ihfftn": _r2c_n(_fft.fftn, None),
    "fft_rfft2": _r2c_n(_fft.ifftn, _LAST2),
    "fft_irfftn": _c2r_n(_fft.rfftn, None), "fft_hfftn": _c2r_n(_fft.ihfftn, None),
    "fft_irfft2": _c2r_n(_fft.rfftn, _LAST2),
    "fft_fftshift": _fftshift, "fft_ifftshift": _ifftshift,
}


# -- stft / istft --------------------------------------------------------------------------------
# Note [stft composites]
#     With an operand that requires grad, stft and istft run as compositions of differentiable
#     ops (pad, unfold, the window product, rfft/fft; irfft/ifft, index_add's overlap-add and
#     the division by the summed squared window), as PyTorch's do, so the gradients of input
#     and window, and gradients of gradients, follow from the parts. The plain function runs
#     first on the detached operands: it validates the arguments and warns exactly as without
#     grad, and its result is returned where no gradient is asked for.

def _full_window(window, n_fft, win, real):
    """``window`` (ones when None) zero-padded to ``n_fft`` on both sides, as a tensor."""
    from .._creation import ones
    from ..ops.shape_pad import pad
    w = ones(win, dtype=real) if window is None else window
    left = (n_fft - win) // 2
    return pad(w, (left, n_fft - win - left)) if win != n_fft else w


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """:func:`tensorjit.stft` for operands that require grad (Note [stft composites])."""
    from ..ops import spectral
    from ..ops.shape_pad import pad
    from .grad_mode import is_grad_enabled
    from .graph import plain, requires_grad
    res = spectral.stft(plain(input), n_fft, hop_length, win_length, None if window is None else plain(window),
                        center, pad_mode, normalized, onesided, return_complex, align_to_window)
    if not (is_grad_enabled() and (requires_grad(input) or requires_grad(window))):
        return res
    hop, win = spectral._lengths("stft", n_fft, hop_length, win_length)
    if onesided is None:
        onesided = not (input.is_complex() or (window is not None and window.is_complex()))
    x = input.unsqueeze(0) if input.ndim == 1 else input
    if center:   # pad's non-constant modes want a leading (batch, channel) pair
        x = pad(x.unsqueeze(0), (n_fft // 2, n_fft // 2), mode=pad_mode).squeeze(0)
    frames = x.unfold(-1, n_fft, hop) * _full_window(window, n_fft, win, input._dtype.to_real())
    spec = _fft.rfft(frames) if onesided else _fft.fft(frames)
    if normalized:
        spec = spec * (1.0 / np.sqrt(n_fft))
    spec = spec.transpose(-1, -2)
    if input.ndim == 1:
        spec = spec.squeeze(0)
    if not return_complex:
        from .._complex import view_as_real
        spec = view_as_real(spec)
    return spec


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    """:func:`tensorjit.istft` for operands that require grad (Note [stft composites])."""
    from .._creation import tensor, zeros
    from ..ops import spectral
    from ..ops.shape_pad import pad
    from .grad_mode import is_grad_enabled
    from .graph import plain, requires_grad
    res = spectral.istft(plain(input), n_fft, hop_length, win_length, None if window is None else plain(window),
                         center, normalized, onesided, length, return_complex)
    if not (is_grad_enabled() and (requires_grad(input) or requires_grad(window))):
        return res
    hop, win = spectral._lengths("istft", n_fft, hop_length, win_length)
    spec = input.unsqueeze(0) if input.ndim == 2 else input
    n_freq, n_frames = spec.shape[-2:]
    if onesided is None:
        onesided = n_freq != n_fft
    if normalized:
        spec = spec * float(np.sqrt(n_fft))
    frames = spec.transpose(-1, -2)
    if return_complex:
        frames = _fft.ifft(frames, n_fft)
    else:   # a real signal: PyTorch reads only the one-sided half of a two-sided spectrum
        frames = _fft.irfft(frames if onesided else frames.narrow(-1, 0, n_fft // 2 + 1), n_fft)
    w = _full_window(window, n_fft, win, input._dtype.to_real())
    frames = frames * w
    # Overlap-add: frame i lands on samples i * hop ... i * hop + n_fft - 1.
    pos = tensor((np.arange(n_frames)[:, None] * hop + np.arange(n_fft)).reshape(-1))
    total = n_fft + hop * (n_frames - 1)
    b = frames.shape[0]
    y = zeros((b, total), dtype=frames._dtype).index_add(1, pos, frames.reshape(b, n_frames * n_fft))
    w2 = w.abs() ** 2 if w.is_complex() else w * w
    env = zeros(total, dtype=w2._dtype).index_add(0, pos, w2.repeat(n_frames))
    start = n_fft // 2 if center else 0
    end = min(total, start + length) if length is not None else (total - n_fft // 2 if center else total)
    y = y[:, start:end] / env[start:end]
    if length is not None and y.shape[-1] < length:
        y = pad(y, (0, length - y.shape[-1]))
    return y.squeeze(0) if input.ndim == 2 else y


COMPOSITES = {"stft": stft, "istft": istft}


def refuse_out(name, handler):
    """Register in place of ``handler`` (the autograd handler of ``name``) one that refuses
    ``out=`` when an input requires grad, before anything is written, as PyTorch does."""
    from .. import _layouts
    from .grad_mode import is_grad_enabled
    from .graph import requires_grad

    def guarded(input, *args, out=None, **kwargs):
        if out is not None and is_grad_enabled() and requires_grad(input):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        if out is not None:
            kwargs["out"] = out
        return handler(input, *args, **kwargs)

    guarded.__name__ = name
    _layouts.register(name, "autograd")(guarded)
    return guarded

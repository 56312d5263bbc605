"""Windows, stft and istft against PyTorch: values, dtypes, shapes, options and errors.

Compile budget: windows and the STFT run in NumPy and compile no kernels.
"""
import warnings

import numpy as np
import pytest

import tensorjit as tj
from tensorjit.ops import spectral as sp

torch = pytest.importorskip("torch", reason="windows and stft are checked against PyTorch")


def _tt(x):
    return torch.from_numpy(np.array(x.numpy(), order="C"))


def _close(r, e, tol=1e-5):
    assert str(r.dtype).split(".")[-1] == str(e.dtype).split(".")[-1]
    assert tuple(r.shape) == tuple(e.shape)
    np.testing.assert_allclose(r.numpy(), e.numpy(), rtol=tol, atol=tol)


WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
def test_windows(name):
    ours, theirs = getattr(sp, name), getattr(torch, name)
    for n in (0, 1, 2, 7, 64):
        for periodic in (True, False):
            _close(ours(n, periodic), theirs(n, periodic))
    _close(ours(9, dtype=tj.float64), theirs(9, dtype=torch.float64), 1e-12)
    _close(ours(9, dtype=tj.float16), theirs(9, dtype=torch.float16), 1e-3)
    with pytest.raises(RuntimeError, match="floating point"):
        ours(4, dtype=tj.int64)
    with pytest.raises(RuntimeError, match="non-negative"):
        ours(-1)


def test_window_parameters():
    _close(sp.hamming_window(10, False, alpha=0.5, beta=0.3), torch.hamming_window(10, False, alpha=0.5, beta=0.3))
    _close(sp.kaiser_window(10, True, beta=5.0), torch.kaiser_window(10, True, beta=5.0))


def _signal(shape, dtype="float32", step=1):
    rng = np.random.default_rng(0)
    full = shape[:-1] + (shape[-1] * step,)
    a = rng.standard_normal(full)
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(full)
    return tj.from_numpy(a.astype(dtype))[..., ::step]


CASES = [dict(n_fft=16), dict(n_fft=16, hop_length=5), dict(n_fft=16, win_length=10),
         dict(n_fft=15, center=False), dict(n_fft=16, pad_mode="constant"), dict(n_fft=16, pad_mode="replicate"),
         dict(n_fft=16, pad_mode="circular"), dict(n_fft=16, normalized=True), dict(n_fft=16, onesided=False)]


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_stft(kw):
    x = _signal((2, 100), step=2)
    win = kw.get("win_length", kw["n_fft"])
    w = sp.hann_window(win)
    _close(sp.stft(x, window=w, return_complex=True, **kw),
           torch.stft(_tt(x), window=_tt(w), return_complex=True, **kw))
    _close(sp.stft(x[0], window=w, return_complex=True, **kw),
           torch.stft(_tt(x[0]), window=_tt(w), return_complex=True, **kw))


def test_stft_dtypes_and_real_output():
    x = _signal((80,), "float64")
    _close(sp.stft(x, 16, window=tj.ones(16, dtype=tj.float64), return_complex=True),
           torch.stft(_tt(x), 16, window=torch.ones(16, dtype=torch.float64), return_complex=True), 1e-10)
    c = _signal((80,), "complex64")
    _close(sp.stft(c, 16, window=sp.hann_window(16)), torch.stft(_tt(c), 16, window=torch.hann_window(16)))
    f = _signal((80,))
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        r = sp.stft(f, 16, window=sp.hann_window(16), return_complex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(r, torch.stft(_tt(f), 16, window=torch.hann_window(16), return_complex=False))
    with pytest.warns(UserWarning, match="window was not provided"):
        r = sp.stft(f, 16, return_complex=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(r, torch.stft(_tt(f), 16, return_complex=True))


def test_stft_errors():
    x = _signal((100,))
    w = sp.hann_window(16)
    with pytest.raises(RuntimeError, match="return_complex parameter be given"):
        sp.stft(x, 16, window=w)
    with pytest.raises(RuntimeError, match="win_length=16"):
        sp.stft(x, 16, window=sp.hann_window(20), return_complex=True)
    with pytest.raises(RuntimeError, match="expected 0 < win_length <= n_fft"):
        sp.stft(x, 16, win_length=20, window=sp.hann_window(20), return_complex=True)
    with pytest.raises(RuntimeError, match="hop_length > 0"):
        sp.stft(x, 16, hop_length=0, window=w, return_complex=True)
    with pytest.raises(RuntimeError, match="expected 0 < n_fft"):
        sp.stft(x, 200, center=False, window=sp.hann_window(200), return_complex=True)
    with pytest.raises(RuntimeError, match="Padding size"):
        sp.stft(x, 200, window=sp.hann_window(200), return_complex=True)
    with pytest.raises(NotImplementedError, match="padding mode bad"):
        sp.stft(x, 16, window=w, pad_mode="bad", return_complex=True)
    with pytest.raises(RuntimeError, match="1D or 2D"):
        sp.stft(x.view(2, 2, 25), 16, window=w, return_complex=True)
    with pytest.raises(RuntimeError, match="onesided"):
        sp.stft(x.to(tj.complex64), 16, window=w, onesided=True, return_complex=True)


ICASES = [dict(), dict(hop_length=5), dict(win_length=12), dict(normalized=True), dict(length=50),
          dict(length=130), dict(center=False, hop_length=4)]


@pytest.mark.parametrize("kw", ICASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()) or "default")
def test_istft(kw):
    n_fft = 16
    win = sp.hann_window(kw.get("win_length", n_fft))
    skw = {k: v for k, v in kw.items() if k in ("hop_length", "win_length", "normalized", "center")}
    x = _signal((2, 120))
    S = sp.stft(x, n_fft, window=win, return_complex=True, **skw)
    ikw = dict(kw)
    if kw.get("center") is False:
        # The hann window's envelope vanishes at the ends without centring: use a raised one.
        win = sp.hann_window(n_fft) + 0.1
    if kw.get("length", 0) > 120:
        with pytest.warns(UserWarning, match="padded with zeros"):
            r = sp.istft(S, n_fft, window=win, **ikw)
    else:
        r = sp.istft(S, n_fft, window=win, **ikw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's own padding warning
        e = torch.istft(_tt(S), n_fft, window=_tt(win), **ikw)
    _close(r, e, 1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(sp.istft(S[0], n_fft, window=win, **ikw), torch.istft(_tt(S[0]), n_fft, window=_tt(win), **ikw),
               1e-4)
    if not kw or kw == dict(hop_length=5):
        np.testing.assert_allclose(r.numpy(), x.numpy(), atol=1e-4)


def test_istft_twosided_and_errors():
    c = _signal((90,), "complex128")
    w = sp.hann_window(16, dtype=tj.float64)
    S = sp.stft(c, 16, window=w)
    _close(sp.istft(S, 16, window=w, return_complex=True),
           torch.istft(_tt(S), 16, window=_tt(w), return_complex=True), 1e-10)
    # A real result from a two-sided spectrum that is not Hermitian: PyTorch takes irfft of its
    # first n_fft // 2 + 1 bins (the rest is ignored).
    _close(sp.istft(S, 16, window=w, onesided=False),
           torch.istft(_tt(S), 16, window=_tt(w), onesided=False), 1e-10)
    f = _signal((90,))
    S1 = sp.stft(f, 16, window=sp.hann_window(16), return_complex=True)
    with pytest.raises(RuntimeError, match="complex-valued input"):
        sp.istft(S1.real, 16, window=sp.hann_window(16))
    with pytest.raises(RuntimeError, match="onesided"):
        sp.istft(S1, 16, window=sp.hann_window(16), return_complex=True)
    with pytest.raises(RuntimeError, match="window overlap add min"):
        sp.istft(S1, 16, window=sp.hann_window(16), center=False)

"""The CUDA backend's public face: availability, devices, synchronisation, seeds.

Importing this module (``import tensorjit`` does) loads nothing: Numba's CUDA target is
imported and the driver touched on the first CUDA use (``is_available()``, a tensor made
with ``device="cuda"``, ``.cuda()``...). Without a GPU ``is_available()`` is False and every
CUDA request raises a RuntimeError saying so. Set ``NUMBA_ENABLE_CUDASIM=1`` before Numba is
imported to run everything in Numba's CUDA simulator instead (slow, for tests).

>>> import tensorjit as tj
>>> isinstance(tj.cuda.is_available(), bool)
True
"""
from __future__ import annotations

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize", "manual_seed",
           "manual_seed_all", "initial_seed", "get_device_name"]

_state = {"backend": None, "error": None, "seed": 0}


def _backend():
    """The loaded backend module (tensorjit.cuda._backend), or None when CUDA can't load."""
    if _state["backend"] is None and _state["error"] is None:
        try:
            from . import _runtime as b
            b.probe()
            _state["backend"] = b
        except Exception as e:  # no driver, no GPU, no numba.cuda: CUDA is unavailable, nothing crashes
            _state["error"] = f"{type(e).__name__}: {e}".strip().splitlines()[0][:300] or type(e).__name__
    return _state["backend"]


def require(op="tensorjit"):
    """The loaded backend, or a RuntimeError naming ``op`` when CUDA is unavailable."""
    b = _backend()
    if b is None:
        raise RuntimeError(f"{op}: CUDA is not available: no CUDA GPU or driver was found ({_state['error']}). "
                           "Use device='cpu', or set NUMBA_ENABLE_CUDASIM=1 before importing numba to run "
                           "CUDA code in Numba's simulator.")
    return b


def is_available():
    """Whether a CUDA GPU (or Numba's CUDA simulator) can be used.

    >>> import tensorjit as tj
    >>> tj.cuda.is_available() in (True, False)
    True
    """
    return _backend() is not None


def device_count():
    """The number of CUDA devices (0 when CUDA is unavailable)."""
    b = _backend()
    return 0 if b is None else b.device_count()


def current_device():
    """The index of the current CUDA device (where ``device="cuda"`` puts tensors)."""
    return require("current_device").current_index()


def set_device(device):
    """Make ``device`` (an index, ``"cuda:1"`` or a ``tensorjit.device``) the current CUDA device."""
    from .._device import device as device_cls
    if not isinstance(device, int):
        d = device_cls(device)
        if d.type != "cuda":
            raise ValueError(f"set_device: expected a CUDA device, got '{d}'")
        device = d.index if d.index is not None else current_device()
    require("set_device").select(device)


def synchronize(device=None):
    """Wait until every kernel queued on the current CUDA device has finished."""
    require("synchronize").synchronize()


def manual_seed(seed):
    """Seed the default CUDA generator (the one CUDA samplers use without ``generator=``); the
    same seed on the CPU's default generator gives the same numbers (tensorjit/cuda/_random.py).

    >>> import tensorjit as tj
    >>> tj.cuda.manual_seed(7); tj.cuda.initial_seed()
    7
    """
    _state["seed"] = int(seed) & 0xFFFFFFFFFFFFFFFF
    _state["seeded"] = True
    if _state.get("generator") is not None:
        _state["generator"].manual_seed(_state["seed"])


manual_seed_all = manual_seed


def initial_seed():
    """The default CUDA generator's seed (0 until ``manual_seed`` or a first CUDA sample)."""
    g = _state.get("generator")
    return g.initial_seed() if g is not None else _state["seed"]


def get_device_name(device=None):
    """The name of a CUDA device (the current one by default)."""
    from .._device import device as device_cls
    b = require("get_device_name")
    if device is None or not isinstance(device, int):
        d = None if device is None else device_cls(device)
        device = b.current_index() if d is None or d.index is None else d.index
    return b.device_name(device)

"""One kernel call per optimizer step and parameter dtype.

Note [fused step]
    PyTorch's single-tensor optimizers launch several ops per parameter (``lerp_``,
    ``addcmul_``, ``sqrt``, ``addcdiv_`` ...), each a pass over memory. Here a step gathers,
    for every parameter with a gradient, the addresses of its run of elements and of its
    gradient and state runs, plus a row of hyperparameters, and makes ONE call to a kernel of
    kernels/cpu/optim.py per real dtype (float32, float64; a complex parameter is its real
    view, as PyTorch's ``view_as_real`` path) across all parameter groups. That kernel makes
    one pass per element over parameter, gradient and state.

    Address tables rather than a Numba typed list or tuple of arrays: a typed list costs
    ~4 us per element to build and a tuple compiles once per parameter count, while an
    address is ~1 us and the kernel compiles once per dtype. Parameters stay where the user
    put them (no flat buffer re-homing views the user may hold). The price is that every
    addressed run must be C-contiguous and alive during the call: state tensors are made
    contiguous when created or loaded, a non-contiguous gradient is copied, and a
    non-contiguous parameter is stepped in a contiguous copy that is written back. Each
    stepped parameter's storage version is bumped as PyTorch's in-place update does.

    Hyperparameters are rounded to the parameter's dtype before the call, as PyTorch rounds
    its Python scalars in ``add_(alpha=)`` or ``lerp_(weight)``. A total above
    ``_dispatch.PARALLEL_THRESHOLD`` elements runs the ``prange`` variant over chunks of
    ``CHUNK`` elements (compiled on first such call).
"""
from __future__ import annotations

import weakref

import numpy as np

from .. import _dtypes, _rows, _tensor
from .._dispatch import PARALLEL_THRESHOLD, get_num_threads

CHUNK = 1 << 16

# The real dtype a parameter's kernel sees, and how many reals one element holds.
_REAL = {_dtypes.float32: (np.float32, 1), _dtypes.float64: (np.float64, 1),
         _dtypes.complex64: (np.float32, 2), _dtypes.complex128: (np.float64, 2)}
_LIKE = {np.float32: np.empty(0, np.float32), np.float64: np.empty(0, np.float64)}


def supports(dtype):
    """Whether parameters of ``dtype`` can be stepped."""
    return dtype in _REAL


_BASES = {}


def _address(a, offset):
    """Address of element ``offset`` of flat array ``a``. Parameter and state storages live
    across steps, so their base address is remembered (``ctypes.data`` costs ~1 us) for as
    long as the array lives."""
    k = id(a)
    e = _BASES.get(k)
    if e is None or e[0]() is not a:
        def gone(ref, k=k):
            cur = _BASES.get(k)
            if cur is not None and cur[0] is ref:
                del _BASES[k]
        e = _BASES[k] = (weakref.ref(a, gone), a.ctypes.data)
    return e[1] + offset * a.itemsize


def _run_of(t, fresh=False):
    """``(address, keep)`` of contiguous tensor ``t``'s first element (``keep`` holds a copy
    for a non-contiguous ``t``); ``fresh``: a storage used once (a gradient), not remembered."""
    if t._dense or t.is_contiguous():
        if fresh:
            return t._data.ctypes.data + t._offset * t._data.itemsize, None
        return _address(t._data, t._offset), None
    c = np.ascontiguousarray(_as_array(t))
    return c.ctypes.data, c


def _as_array(t):
    # The base class's view: a parameter that requires grad refuses ``numpy()``.
    return _tensor.Tensor.numpy(t)


class FusedStep:
    """Collects the parameters of one optimizer step and runs ``kernels/cpu/optim.<name>`` once
    per real dtype (Note [fused step])."""

    __slots__ = ("name", "batches")

    def __init__(self, name):
        self.name, self.batches = name, {}

    def add(self, p, g, states, hp, fl):
        """Step parameter ``p`` with gradient ``g``; ``states`` are contiguous tensors of ``p``'s
        shape and dtype (or None where the kernel ignores that table), ``hp`` and ``fl`` the
        hyperparameter and switch rows the kernel reads."""
        if p.is_cuda:   # Note [cuda optimizer step]: stepped now, one parameter at a time
            from ._device_step import step
            return step(self.name, p, g, states, hp, fl)
        real, per = _REAL[p._dtype]
        n = p.numel() * per
        if n == 0:
            return
        b = self.batches.get(real)
        if b is None:
            b = self.batches[real] = ([[] for _ in range(2 + len(states))], [], [], [], [], [], [])
        tables, sizes, hps, fls, params, keep, back = b
        if g._dtype is not p._dtype:
            g = g.to(p._dtype)
        keep.append(g)
        pa, pc = _run_of(p)
        if pc is not None:
            back.append((p, pc))
        ga, gc = _run_of(g, fresh=True)
        if gc is not None:
            keep.append(gc)
        tables[0].append(pa)
        tables[1].append(ga)
        for j, s in enumerate(states):
            # A table the kernel never reads for this parameter points at the parameter.
            tables[2 + j].append(pa if s is None else _address(s._data, s._offset))
        sizes.append(n)
        hps.append(hp)
        fls.append(fl)
        params.append(p)

    def run(self):
        """Make the kernel calls, write back stepped copies and bump the parameters' versions."""
        if not self.batches:
            return
        mod = _rows.kernels("optim")
        hook = _tensor.VERSION_HOOK[0]
        for real, (tables, sizes, hps, fls, params, keep, back) in self.batches.items():
            args = [np.array(t, np.uint64) for t in tables]
            sz = np.array(sizes, np.int64)
            args += [sz, np.array(hps, real), np.array(fls, np.int64), _LIKE[real]]
            total = int(sz.sum())
            if total >= PARALLEL_THRESHOLD and get_num_threads() > 1:
                getattr(mod, self.name + "_par")(*args, _chunks(sz))
            else:
                getattr(mod, self.name)(*args)
            for p, c in back:
                np.copyto(_as_array(p), c)
            if hook is not None:
                for p in params:
                    hook(p)
        self.batches = {}


def _chunks(sizes):
    """``(k, lo, hi)`` rows covering every run in pieces of at most CHUNK elements."""
    rows = [(k, lo, min(lo + CHUNK, int(n))) for k, n in enumerate(sizes.tolist())
            for lo in range(0, int(n), CHUNK)]
    return np.array(rows, np.int64).reshape(-1, 3)

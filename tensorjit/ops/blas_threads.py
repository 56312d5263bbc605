"""Float and complex products through NumPy's BLAS, spread over tensorjit's own threads.

Note [blas threads]
    NumPy's OpenBLAS keeps a pool of worker threads that spin for a long while after each
    call, and Numba's parallel pool (OpenMP) spins after each parallel region too. On a
    machine with as many busy threads as CPUs, whichever pool starts next waits for the
    other's spinning threads to be descheduled: a matmul followed by a parallel elementwise
    op paid milliseconds where both alone take microseconds. So a product of medium size
    (SPLIT_WORK to BIG_WORK multiply-adds) never wakes OpenBLAS's pool: ``matmul_into`` sets
    OpenBLAS to one thread for the call (restored afterwards; the setter is process-wide,
    hence ``_lock``) and cuts the product into slabs (batches, else rows, else columns of the
    output), one per thread of tensorjit's thread count; the calling thread computes the
    first slab and helper threads the rest. Helpers block on a lock between calls, so they
    never spin. Small products run on the calling thread with OpenBLAS at one thread too
    (``_single``), large ones on OpenBLAS's own pool (see BIG_WORK). Where NumPy's BLAS is
    not an OpenBLAS with that setter, products go straight to ``np.matmul``.

Note [thread jobs]
    Other multi-threaded work built on BLAS (the chunked convolutions, Note [conv chunks])
    runs through :func:`run_on_threads`, which applies the same rules as ``matmul_into``: the
    helper threads and OpenBLAS's process-wide thread setting belong to whoever holds
    ``_lock``, so a caller that finds it taken (another thread is in a product) runs all of
    its job on its own thread and leaves OpenBLAS alone; otherwise OpenBLAS is held at one
    thread for the job (each thread's products stay on that thread: no pool to wake) and
    restored afterwards. Work under SPLIT_WORK multiply-adds stays on the calling thread, as
    a hand-off would cost more than it saves.
"""
from __future__ import annotations

import ctypes
import glob
import math
import os
import threading

import numpy as np

# Below SPLIT_WORK multiply-adds a product stays in one call on the calling thread (a hand-off
# costs ~10 us), with OpenBLAS held at one thread: it would otherwise wake its pool for it. From BIG_WORK (a 1024^3
# product) OpenBLAS's own threads, which share packed panels, are 5-10% faster than slabs that
# each pack all of ``b``, and a stall of a few ms is small against the product itself.
SPLIT_WORK = 1 << 21
BIG_WORK = 1 << 30

_state = {"lib": None, "checked": False}
_lock = threading.Lock()
_helpers = []


def _after_fork():
    # A forked child has none of the parent's helper threads: start afresh.
    global _lock
    _helpers.clear()
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _find_openblas():
    """The set/get-threads functions of the OpenBLAS NumPy loaded, or None."""
    cands = []
    try:
        with open("/proc/self/maps") as f:
            cands = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line})
    except OSError:
        pass
    base = os.path.dirname(os.path.dirname(np.__file__))
    cands += glob.glob(os.path.join(base, "numpy.libs", "*openblas*")) + \
        glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "*openblas*"))
    for path in cands:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("64_", "", "_64"):
            for prefix in ("scipy_openblas", "openblas"):
                try:
                    setter = getattr(lib, f"{prefix}_set_num_threads{suffix}")
                    getter = getattr(lib, f"{prefix}_get_num_threads{suffix}")
                except AttributeError:
                    continue
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return setter, getter
    return None


def _openblas():
    if not _state["checked"]:
        _state["lib"] = _find_openblas()
        _state["checked"] = True
    return _state["lib"]


class _Helper:
    """A thread that runs one job at a time, sleeping on a lock in between (never spinning)."""

    def __init__(self):
        self.go = threading.Lock()
        self.go.acquire()
        self.done = threading.Lock()
        self.done.acquire()
        self.job = None
        self.error = None
        threading.Thread(target=self._loop, daemon=True, name="tensorjit-blas").start()

    def _loop(self):
        np.seterr(all="ignore")  # this thread's own setting: NaN and inf propagate silently
        while True:
            self.go.acquire()
            try:
                self.job()
            except BaseException as e:  # re-raised on the calling thread
                self.error = e
            self.done.release()

    def start(self, job):
        self.job, self.error = job, None
        self.go.release()

    def wait(self):
        self.done.acquire()
        if self.error is not None:
            raise self.error


def _cuts(n, t):
    return [(n * i // t, n * (i + 1) // t) for i in range(t) if n * (i + 1) // t > n * i // t]


def _slabs(an, bn, on, t):
    """Up to ``t`` (a, b, out) views of NumPy arrays whose products make up ``on``."""
    m, n = on.shape[-2:]
    batch = on.shape[:-2]
    if batch and batch[0] >= t:
        an = np.broadcast_to(an, batch + an.shape[-2:])
        bn = np.broadcast_to(bn, batch + bn.shape[-2:])
        return [(an[c0:c1], bn[c0:c1], on[c0:c1]) for c0, c1 in _cuts(batch[0], t)]
    if m >= n:
        return [(an[..., c0:c1, :], bn, on[..., c0:c1, :]) for c0, c1 in _cuts(m, t)]
    return [(an, bn[..., c0:c1], on[..., c0:c1]) for c0, c1 in _cuts(n, t)]


def matmul_into(an, bn, on, threads):
    """``np.matmul(an, bn, out=on)`` for NumPy views BLAS takes as they are (Note [blas threads]).

    ``on`` is C-contiguous with the broadcast batch shape; ``threads`` is tensorjit's count.
    """
    k = an.shape[-1]
    work = math.prod(on.shape) * k
    lib = _openblas()
    with np.errstate(all="ignore"):  # NaN and inf propagate silently, as in PyTorch
        if lib is None or work >= BIG_WORK or not _lock.acquire(blocking=False):
            np.matmul(an, bn, out=on)
            return on
        if work < SPLIT_WORK or threads < 2:
            _single(lib, an, bn, on)
        else:
            _split(lib, an, bn, on, threads)
    return on


def _single(lib, an, bn, on):
    """``np.matmul`` with OpenBLAS at one thread (Note [blas threads]); releases ``_lock``.

    OpenBLAS hands even small products (a 64x64x128 one) to its pool, whose threads then
    have to be woken; on a loaded machine each wake-up can take milliseconds, so a training
    step of small products ran 50x slower than on one thread. Two setter calls cost ~1 us."""
    try:
        setter, getter = lib
        prev = getter()
        if prev == 1:
            np.matmul(an, bn, out=on)
            return
        setter(1)
        try:
            np.matmul(an, bn, out=on)
        finally:
            setter(prev)
    finally:
        _lock.release()


def _split(lib, an, bn, on, threads):
    """The slabs of ``on`` on the calling thread and the helpers, OpenBLAS at one thread; releases ``_lock``."""
    try:
        setter, getter = lib
        prev = getter()
        setter(1)
        try:
            slabs = _slabs(an, bn, on, threads)
            _fan_out(len(slabs), lambda t: np.matmul(*slabs[t][:2], out=slabs[t][2]))
        finally:
            setter(prev)
    finally:
        _lock.release()
    return on


def _fan_out(k, job):
    """``job(t)`` for ``t`` in ``range(k)``: 0 on the calling thread, the rest on helpers (the
    caller holds ``_lock``). Waits for every helper; the first error is re-raised."""
    if k == 1:
        job(0)
        return
    while len(_helpers) < k - 1:
        _helpers.append(_Helper())
    started = []
    try:
        for h, t in zip(_helpers, range(1, k)):
            h.start(lambda t=t: job(t))
            started.append(h)
        job(0)
    finally:
        errors = []
        for h in started:
            try:
                h.wait()
            except BaseException as e:
                errors.append(e)
        if errors:
            raise errors[0]


def run_on_threads(n, job, work=None):
    """Run ``job(t, k)`` for every ``t`` in ``range(k)`` at once, ``t = 0`` on the calling thread
    and the rest on tensorjit's helper threads, with OpenBLAS at one thread (Note [thread
    jobs]); returns ``k`` once every job is done. ``k`` is ``n`` (at most), or 1 when another
    thread holds the helpers, NumPy's BLAS is not a settable OpenBLAS, or ``work`` (the job's
    multiply-adds, when given) is under SPLIT_WORK. Each job picks its share of the work from
    ``(t, k)``; an error in any job is re-raised here after all have finished. NaN and inf
    propagate without NumPy warnings, as in PyTorch.

    >>> out = [0] * 4
    >>> def job(t, k):
    ...     for i in range(t, 4, k):
    ...         out[i] = i * i
    >>> k = run_on_threads(2, job)
    >>> out
    [0, 1, 4, 9]
    """
    lib = _openblas()
    held = lib is not None and _lock.acquire(blocking=False)
    k = max(1, int(n)) if held and (work is None or work >= SPLIT_WORK) else 1
    try:
        if held:
            setter, getter = lib
            prev = getter()
            setter(1)
        try:
            with np.errstate(all="ignore"):
                _fan_out(k, lambda t: job(t, k))
        finally:
            if held:
                setter(prev)
    finally:
        if held:
            _lock.release()
    return k

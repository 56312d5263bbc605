"""Discrete samplers: randperm, bernoulli (and ``bernoulli_``), multinomial, poisson.

They read the same Philox streams as random.py (Note [philox streams] in kernels/cpu/random.py):
one stream per call, so they are reproducible for a seed whatever the thread count.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import _dtypes
from .._dtypes import FLOAT, as_dtype
from .._random import resolve
from .._shape import contiguous_strides
from .._tensor import Tensor, make_dense
from .random import (UNIFORM, EXPONENTIAL, BERNOULLI, _TORCH, _check_self, _out, _write, fill_flat, ints_flat,
                     kernels, _gen, _cuda_random)


def _wrap(arr, d):
    """A contiguous tensor of dtype ``d`` over NumPy array ``arr`` (already of ``d``'s type)."""
    shape = arr.shape
    return make_dense(np.ascontiguousarray(arr).reshape(-1).view(d.knp), shape, contiguous_strides(shape), 0, d)


def _as(vals, d):
    """Bool samples (NumPy, or a CUDA tensor) as a tensor of dtype ``d``."""
    return vals.to(d) if isinstance(vals, Tensor) else _wrap(vals.astype(d.np), d)


def _uniform64(n, gen):
    return fill_flat(np.empty(n, np.float64), UNIFORM, 53, 0.0, 1.0, gen)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype=``): the order that sorts one
    random 64-bit key per element.

    >>> import tensorjit as tj
    >>> sorted(tj.randperm(5, generator=tj.Generator().manual_seed(0)).tolist())
    [0, 1, 2, 3, 4]
    """
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"randperm(): Trying to create tensor with negative dimension {n}: [{n}]")
    d = _dtypes.int64 if dtype is None else as_dtype(dtype, op="randperm")
    if d.category == FLOAT and n > (1 << {2: 11, 4: 24, 8: 53}[d.itemsize]) + 1:
        raise RuntimeError(f"randperm(): n must be less than or equal to 2^mantissa + 1 for {d.name}, got {n}")
    if d.category < FLOAT and d is not _dtypes.bool and n - 1 > np.iinfo(d.np).max:
        raise RuntimeError(f"randperm(): n is too large for result tensor type: '{d.name}'")
    keys = ints_flat(n, 0, 0, resolve(generator, "randperm"))
    perm = np.argsort(keys, kind="stable")
    return _out(_wrap(perm.astype(d.np), d), out, "randperm")


def _probs(p, shape, name):
    """``p`` (a number or a tensor broadcastable to ``shape``) as float64 NumPy, checked in [0, 1]."""
    a = p.numpy() if isinstance(p, Tensor) else np.float64(p)
    a = np.broadcast_to(np.asarray(a, np.float64), shape)
    if a.size and not ((a >= 0) & (a <= 1)).all():
        raise RuntimeError(f"{name}(): Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    return a


def _bernoulli_values(shape, p, gen, name, dev=None):
    """Booleans ``u < p`` for ``u`` uniform on [0, 1) in float64, as a NumPy array of ``shape``
    (a bool tensor on CUDA device ``dev``)."""
    if dev is not None: return _cuda_random().bernoulli_values(shape, p, gen, dev, name)  # noqa: E701
    n = math.prod(shape)
    if not isinstance(p, Tensor):
        v = fill_flat(np.empty(n, np.float64), BERNOULLI, 53, float(p), 0.0, gen)
        return v.reshape(shape) != 0
    probs = _probs(p, shape, name)
    return _uniform64(n, gen).reshape(shape) < probs


def bernoulli(input, p=None, *, generator=None, out=None):
    """Draw 1 with probability ``input`` (elementwise) or ``p``, else 0, in ``input``'s dtype.

    >>> import tensorjit as tj
    >>> tj.bernoulli(tj.tensor([0., 1.])).tolist()
    [0.0, 1.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' must be Tensor, not {type(input).__name__}")
    dev = input.device if input.is_cuda else None
    gen = _gen(generator, "bernoulli", dev)
    d = input._dtype
    if p is None:
        if d.category != FLOAT:
            raise NotImplementedError(f"bernoulli(): \"bernoulli_tensor_cpu_p_\" not implemented for '{_TORCH[d.name]}'")
        if dev is None:
            _probs(input, input._shape, "bernoulli")
        vals = _bernoulli_values(input._shape, input, gen, "bernoulli", dev)
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli(): bernoulli_ expects p to be in [0, 1], but got p={p}")
        vals = _bernoulli_values(input._shape, float(p), gen, "bernoulli", dev)
    return _out(_as(vals, d), out, "bernoulli")


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 with probability ``p`` (a number or a tensor broadcast to ``self``), else 0.

    >>> import tensorjit as tj
    >>> tj.empty(3, dtype=tj.int64).bernoulli_(1.0).tolist()
    [1, 1, 1]
    """
    _check_self(self, "bernoulli_")
    dev = self.device if self.is_cuda else None
    gen = _gen(generator, "bernoulli_", dev)
    if not isinstance(p, Tensor) and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_(): bernoulli_ expects p to be in [0, 1], but got p={p}")
    vals = _bernoulli_values(self._shape, p, gen, "bernoulli_", dev)
    return _write(self, _as(vals, self._dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices drawn from the categories of each row of ``input`` (non-negative weights), with or
    without replacement; int64, shape ``(num_samples,)`` or ``(rows, num_samples)``. Without
    replacement the draw is the order of ``E_i / w_i`` for exponential ``E_i`` (the
    exponential-race form of sequential sampling).

    >>> import tensorjit as tj
    >>> tj.multinomial(tj.tensor([0., 1., 0.]), 2, replacement=True).tolist()
    [1, 1]
    """
    name = "multinomial"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    gen = resolve(generator, name)
    s = operator.index(num_samples)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{name}(): prob_dist must be 1 or 2 dim (got {input.ndim})")
    if input._dtype.category != FLOAT:
        raise RuntimeError(f"{name}(): multinomial only supports floating-point dtypes for input, got: "
                           f"{_TORCH[input._dtype.name]}")
    if s <= 0:
        raise RuntimeError(f"{name}(): cannot sample n_sample <= 0 samples")
    w = np.atleast_2d(input.numpy().astype(np.float64))
    m, k = w.shape
    if not replacement and s > k:
        raise RuntimeError(f"{name}(): cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if w.size and not (np.isfinite(w).all() and (w >= 0).all()):
        raise RuntimeError(f"{name}(): probability tensor contains either `inf`, `nan` or element < 0")
    if m and k and (w.sum(axis=1) <= 0).any():
        raise RuntimeError(f"{name}(): invalid multinomial distribution (sum of probabilities <= 0)")
    if k == 0:
        raise RuntimeError(f"{name}(): number of categories cannot be zero")
    res = np.empty((m, s), np.int64)
    if replacement:
        u = _uniform64(m * s, gen).reshape(m, s)
        if m:
            kernels().categorical(np.ascontiguousarray(np.cumsum(w, axis=1)), u, res)
    else:
        e = fill_flat(np.empty(m * k, np.float64), EXPONENTIAL, 53, 1.0, 0.0, gen).reshape(m, k)
        with np.errstate(divide="ignore"):
            keys = np.where(w > 0, e / np.where(w > 0, w, 1.0), np.inf)
        res[...] = np.argsort(keys, axis=1, kind="stable")[:, :s]
    if input.ndim == 1:
        res = res.reshape(s)
    return _out(_wrap(res, _dtypes.int64), out, name)


def poisson(input, generator=None):
    """Poisson samples with the rates of ``input`` (float dtypes; rates >= 0), in its dtype.
    Element ``e`` draws from its own counter (Note [philox streams]).

    >>> import tensorjit as tj
    >>> tj.poisson(tj.zeros(3)).tolist()
    [0.0, 0.0, 0.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson(): argument 'input' must be Tensor, not {type(input).__name__}")
    gen = resolve(generator, "poisson")
    d = input._dtype
    if d.category != FLOAT:
        raise NotImplementedError(f"poisson(): \"poisson_cpu\" not implemented for '{_TORCH[d.name]}'")
    rates = np.ascontiguousarray(input.numpy(), np.float64).reshape(-1)
    if rates.size and not (rates >= 0).all():
        raise RuntimeError("poisson(): invalid Poisson rate, expected rate to be non-negative")
    out = np.empty(rates.size, np.float64)
    k = gen.next_stream()
    if rates.size:
        kernels().poisson(rates, out, *k)
    return _wrap(out.reshape(input._shape).astype(d.np), d)


def _bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


METHODS = {"bernoulli": _bernoulli_method, "bernoulli_": bernoulli_, "multinomial": multinomial}

"""Random sampling into CUDA tensors: the CPU's samplers (tensorjit/ops/random.py) with the
Philox streams computed on the device (Note [cuda philox] in kernels/cuda/random.py), so a
CUDA generator and a CPU generator with the same seed and offset give the same numbers.

CUDA tensors draw from a CUDA generator: ``generator=`` a ``tensorjit.Generator("cuda")``, or
the default CUDA generator, seeded by ``tensorjit.cuda.manual_seed`` (PyTorch keeps separate
CPU and CUDA default generators too).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtypes
from .._dtypes import COMPLEX
from .._shape import contiguous_strides
from ._tensor import make_cuda, data
from ._dispatch import karray
from . import require, _state

_MBITS = {_dtypes.float16: 11, _dtypes.float32: 24, _dtypes.float64: 53}


def _kernels():
    from ..kernels import registry
    return registry.load_source("cuda/random.py")


def default_generator():
    """The default CUDA generator (made on first use, seeded by ``tensorjit.cuda.manual_seed``)."""
    g = _state.get("generator")
    if g is None:
        from .._random import Generator
        g = _state["generator"] = Generator("cuda")
        if _state.get("seeded"):
            g.manual_seed(_state["seed"])
    return g


def resolve(generator, name):
    """``generator`` (a CUDA Generator) or the default CUDA generator."""
    from .._random import Generator
    if generator is None:
        return default_generator()
    if not isinstance(generator, Generator):
        raise TypeError(f"{name}(): argument 'generator' must be tensorjit.Generator, not "
                        f"{type(generator).__name__}")
    if generator.device.type != "cuda":
        raise RuntimeError(f"{name}(): Expected a 'cuda' device type for generator but found "
                           f"'{generator.device.type}'")
    return generator


def fill(t, op, mbits, a, b, gen):
    """Fill contiguous float32/float64 CUDA tensor ``t`` with transform ``op`` of ``gen``'s next
    stream (``ops.random.fill_flat`` on the device)."""
    k = gen.next_stream()
    n = t.numel()
    if n:
        bk = require("random")
        per = 2 if mbits > 32 else 4
        blocks, threads = bk.grid(-(-n // per))
        with bk.context(t.device):
            _kernels().fill[blocks, threads](karray(data(t), t._dtype), t._offset, n, *k, op, mbits, float(a),
                                             float(b))
    return t


def float_sample(shape, d, op, a, b, gen, dev):
    """``ops.random._float_sample`` on CUDA device ``dev``: a new tensor of float or complex ``d``."""
    from ._index import new
    n = math.prod(shape)
    real = d.to_real()
    if d.category == COMPLEX:
        if op == 1:      # NORMAL: each part with variance 1/2
            b = b * math.sqrt(0.5)
        n *= 2
    cd = _dtypes.float32 if real is _dtypes.float16 else real
    buf = fill(new((n,), cd, dev), op, _MBITS[real], a, b, gen)
    if real is _dtypes.float16:
        return buf.to(_dtypes.float16).view(tuple(shape))
    if d.category == COMPLEX:
        return make_cuda(data(buf).view(d.knp), tuple(shape), contiguous_strides(tuple(shape)), 0, d)
    return buf.view(tuple(shape))


def random_values(shape, d, low, high, gen, dev):
    """``ops.random._random_values`` after its checks: integers in [low, high) of dtype ``d``."""
    from ._index import new
    n = math.prod(shape)
    span = (high - low) % (1 << 64)
    raw = new((n,), _dtypes.uint64, dev)
    k = gen.next_stream()
    wide = span == 0 or span > (1 << 32)
    if n:
        bk = require("random")
        blocks, threads = bk.grid(-(-n // (2 if wide else 4)))
        with bk.context(dev):
            _kernels().ints[blocks, threads](data(raw).array, n, *k, np.uint64(low % (1 << 64)), np.uint64(span),
                                             wide)
    if low < 0 or high - 1 < (1 << 63):
        raw = make_cuda(data(raw).view(np.int64), (n,), (1,), 0, _dtypes.int64)
    vals = raw.to(d.to_real()).to(d) if d.category == COMPLEX else raw.to(d)
    return vals.view(tuple(shape))


def bernoulli_values(shape, p, gen, dev, name):
    """``random_discrete._bernoulli_values`` on CUDA: a bool tensor ``u < p`` (``u`` uniform float64;
    ``p`` a number or a tensor broadcastable to ``shape``, checked in [0, 1] before any draw)."""
    from .._tensor import Tensor
    from ..ops.pointwise import ge, le, lt
    from ._index import new
    n = math.prod(shape)
    if not isinstance(p, Tensor):
        v = fill(new((n,), _dtypes.float64, dev), 6, 53, float(p), 0.0, gen)      # BERNOULLI: 1.0 where u < p
        return (v != 0).view(tuple(shape))
    probs = p.to(_dtypes.float64).expand(*shape) if tuple(p._shape) != tuple(shape) else p.to(_dtypes.float64)
    if n and not bool((ge(probs, 0) & le(probs, 1)).all().item()):
        raise RuntimeError(f"{name}(): Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    u = fill(new((n,), _dtypes.float64, dev), 0, 53, 0.0, 1.0, gen).view(tuple(shape))
    return lt(u, probs)

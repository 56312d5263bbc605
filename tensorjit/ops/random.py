"""Random sampling: Generator, manual_seed, rand, randn, randint, normal, ... on a counter-based generator.

Every sampler takes ``generator=`` (default: the default generator) and reads one Philox stream
per call (Note [philox streams] in kernels/cpu/random.py): the numbers are a pure function of
(seed, offset, element index) in row-major order of the result, so they do not depend on the
thread count or on the layout of a tensor filled in place. float16 samples are drawn as
float32 with float16's 11 mantissa bits and rounded; complex samples fill the real and the
imaginary part (``randn``: each with variance 1/2, as PyTorch). Discrete samplers
(bernoulli, multinomial, poisson, randperm) live in random_discrete.py.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import _dtypes, _rows
from .._dtypes import INT, FLOAT, COMPLEX, as_dtype, get_default_dtype
from .._dispatch import PARALLEL_THRESHOLD, get_num_threads, _check_writable
from .._random import (Generator, default_generator, manual_seed, seed, initial_seed, get_rng_state,
                       set_rng_state, resolve)
from .._shape import contiguous_strides, normalize_shape
from .._storage import allocate
from .._tensor import Tensor, make_dense

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "rand", "randn", "randint", "rand_like", "randn_like", "randint_like", "normal",
           # random_discrete.py
           "randperm", "bernoulli", "multinomial", "poisson"]

# Transform codes of kernels/cpu/random.py's ``fill``.
UNIFORM, NORMAL, LOG_NORMAL, EXPONENTIAL, CAUCHY, GEOMETRIC, BERNOULLI = range(7)
_MBITS = {_dtypes.float16: 11, _dtypes.float32: 24, _dtypes.float64: 53}
# PyTorch's names for dtypes in its errors.
_TORCH = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
          "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "float16": "Half", "float32": "Float",
          "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def kernels():
    return _rows.kernels("random")


def fill_flat(arr, op, mbits, a, b, gen):
    """Fill flat float32/float64 NumPy array ``arr`` with transform ``op`` of ``gen``'s next stream."""
    k = gen.next_stream()
    if arr.size == 0:
        return arr
    mod = kernels()
    if arr.size >= PARALLEL_THRESHOLD and get_num_threads() > 1:
        mod.fill_par(arr, *k, op, mbits, float(a), float(b))
    else:
        mod.fill(arr, *k, op, mbits, float(a), float(b))
    return arr


def ints_flat(n, low, span, gen):
    """``n`` uint64 values ``low + w mod span`` (two's complement, wrapping; span 0: 64 bits)."""
    arr = np.empty(n, np.uint64)
    k = gen.next_stream()
    wide = span == 0 or span > (1 << 32)
    if n:
        mod = kernels()
        args = (arr, *k, np.uint64(low % (1 << 64)), np.uint64(span), wide)
        (mod.ints_par if n >= PARALLEL_THRESHOLD and get_num_threads() > 1 else mod.ints)(*args)
    return arr


def _float_sample(shape, d, op, a, b, gen):
    """A new tensor of float or complex dtype ``d`` holding transform ``op`` of ``gen``'s stream."""
    n = math.prod(shape)
    real = d.to_real()
    if d.category == COMPLEX:
        if op == NORMAL:
            b = b * math.sqrt(0.5)
        n *= 2
    cd = _dtypes.float32 if real is _dtypes.float16 else real
    buf = allocate(n, cd)
    fill_flat(buf, op, _MBITS[real], a, b, gen)
    if real is _dtypes.float16:
        buf = buf.astype(np.float16).view(np.uint16)
    elif d.category == COMPLEX:
        buf = buf.view(d.np)
    return make_dense(buf, tuple(shape), contiguous_strides(shape), 0, d)


def _check_float(d, name, kernel):
    if d.category not in (FLOAT, COMPLEX):
        raise NotImplementedError(f'{name}(): "{kernel}" not implemented for \'{_TORCH[d.name]}\'')


def _size(size, name):
    if not size:
        raise TypeError(f"{name}() missing the size argument (pass () for a 0-d tensor)")
    shape = normalize_shape(size, name)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{name}(): Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    return shape


def _out(r, out, name):
    if out is None:
        return r
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    _check_writable(out, name)
    if out._shape != r._shape:
        out.resize_(r._shape)       # the tensor's own: a CUDA out resizes on its device
    from .._copy import copy_
    return copy_(out, r)


def _cuda_random():
    from ..cuda import _random
    return _random


def _device_of(device, out, name, like=None):
    """The CUDA device a sampler's result goes to (``device=``, else ``out``'s or ``like``'s), or
    None for the CPU."""
    from .._device import as_device
    if device is None:
        t = out if isinstance(out, Tensor) else like
        return t.device if isinstance(t, Tensor) and t.is_cuda else None
    d = as_device(device, name)
    if d.type != "cuda":
        return None
    from ..cuda import require
    return require(name).resolve(d, name)


def _gen(generator, name, dev):
    """``resolve`` for the device the samples go to (a CUDA generator for CUDA tensors)."""
    return resolve(generator, name) if dev is None else _cuda_random().resolve(generator, name)


def _sample(shape, d, op, a, b, gen, dev):
    """``_float_sample`` on the CPU (``dev`` None) or on CUDA device ``dev``."""
    if dev is None:
        return _float_sample(shape, d, op, a, b, gen)
    return _cuda_random().float_sample(shape, d, op, a, b, gen, dev)


def _factory(name, size, dtype, device, out, default=None):
    from .._device import as_device
    as_device(device, name)
    shape = _size(size, name)
    if dtype is None:
        d = out._dtype if isinstance(out, Tensor) else (default or get_default_dtype())
    else:
        d = as_dtype(dtype, op=name)
    return shape, d


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """Uniform samples on [0, 1).

    >>> import tensorjit as tj
    >>> x = tj.rand(2, 3, generator=tj.Generator().manual_seed(0))
    >>> x.shape, bool(((x >= 0) & (x < 1)).all())
    (tensorjit.Size([2, 3]), True)
    """
    shape, d = _factory("rand", size, dtype, device, out)
    _check_float(d, "rand", "check_uniform_bounds")
    dev = _device_of(device, out, "rand")
    return _rg(_out(_sample(shape, d, UNIFORM, 0.0, 1.0, _gen(generator, "rand", dev), dev), out, "rand"), requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    """Standard normal samples (Box-Muller on Philox uniforms).

    >>> import tensorjit as tj
    >>> tj.randn(1000, generator=tj.Generator().manual_seed(0)).std().item() > 0.9
    True
    """
    shape, d = _factory("randn", size, dtype, device, out)
    _check_float(d, "randn", "normal_kernel_cpu")
    dev = _device_of(device, out, "randn")
    return _rg(_out(_sample(shape, d, NORMAL, 0.0, 1.0, _gen(generator, "randn", dev), dev), out, "randn"), requires_grad)


def _int_range(d, name):
    """[lo, hi] of the values dtype ``d`` holds exactly (floats: their integer mantissa range)."""
    if d is _dtypes.bool:
        return 0, 1
    if d.category == INT:
        info = np.iinfo(d.np)
        return int(info.min), int(info.max)
    m = _MBITS[d.to_real()]
    return -(1 << m), 1 << m


def _random_values(shape, d, low, high, gen, name, dev=None):
    """Integers in [low, high) as a new tensor of dtype ``d`` (PyTorch's ``random_`` bounds)."""
    if low >= high:
        raise RuntimeError(f"{name}(): random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    lo, hi = _int_range(d, name)
    if not lo <= low <= hi:
        raise RuntimeError(f"{name}(): from is out of bounds for {d.name}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"{name}(): to - 1 is out of bounds for {d.name}")
    if dev is not None: return _cuda_random().random_values(shape, d, low, high, gen, dev)  # noqa: E701
    n = math.prod(shape)
    raw = ints_flat(n, low, (high - low) % (1 << 64), gen)
    vals = raw.view(np.int64) if low < 0 or high - 1 < (1 << 63) else raw
    if d.category == COMPLEX:
        vals = vals.astype(d.to_real().np).astype(d.np)
    else:
        vals = vals.astype(d.np)
    return make_dense(vals.view(d.knp), tuple(shape), contiguous_strides(shape), 0, d)


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
            low=None, high=None, size=None):
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``; int64
    unless ``dtype=``.

    >>> import tensorjit as tj
    >>> tj.randint(3, 10, (4,), generator=tj.Generator().manual_seed(0)).dtype
    tensorjit.int64
    """
    vals = list(args)
    if size is None:
        size = vals.pop() if vals else None
    if high is None:
        high = vals.pop() if vals else None
    if low is None:
        low = vals.pop() if vals else 0
    if size is None or high is None or vals:
        raise TypeError("randint(): expected (high, size) or (low, high, size)")
    shape, d = _factory("randint", (size,), dtype, device, out, default=_dtypes.int64)
    dev = _device_of(device, out, "randint")
    r = _random_values(shape, d, operator.index(low), operator.index(high), _gen(generator, "randint", dev), "randint",
                       dev)
    return _out(r, out, "randint")


def _rg(t, requires_grad):
    # requires_grad=True makes the sample an autograd leaf (tensorjit/autograd).
    return t.requires_grad_() if requires_grad else t


def _like(input, dtype, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input._shape, (input._dtype if dtype is None else as_dtype(dtype, op=name))


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """``rand`` with ``input``'s shape and dtype."""
    shape, d = _like(input, dtype, "rand_like")
    _check_float(d, "rand_like", "check_uniform_bounds")
    dev = _device_of(device, None, "rand_like", input)
    return _rg(_sample(shape, d, UNIFORM, 0.0, 1.0, _gen(generator, "rand_like", dev), dev), requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """``randn`` with ``input``'s shape and dtype."""
    shape, d = _like(input, dtype, "randn_like")
    _check_float(d, "randn_like", "normal_kernel_cpu")
    dev = _device_of(device, None, "randn_like", input)
    return _rg(_sample(shape, d, NORMAL, 0.0, 1.0, _gen(generator, "randn_like", dev), dev), requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    """``randint`` with ``input``'s shape and dtype: ``randint_like(x, high)`` or ``(x, low, high)``.

    >>> import tensorjit as tj
    >>> tj.randint_like(tj.zeros(3), 5).dtype
    tensorjit.float32
    """
    if high is None:
        low, high = 0, low
    shape, d = _like(input, dtype, "randint_like")
    dev = _device_of(device, None, "randint_like", input)
    return _random_values(shape, d, operator.index(low), operator.index(high), _gen(generator, "randint_like", dev),
                          "randint_like", dev)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Normal samples: ``normal(mean_tensor, std_tensor)`` (broadcast), ``normal(mean_tensor, std=1.)``,
    ``normal(mean, std_tensor)`` or ``normal(mean, std, size)``.

    >>> import tensorjit as tj
    >>> tj.normal(tj.zeros(2, 1), tj.ones(3)).shape
    tensorjit.Size([2, 3])
    >>> tj.normal(2., 3., (4,)).shape
    tensorjit.Size([4])
    """
    dev = _device_of(device, out, "normal")
    gen = _gen(generator, "normal", dev)
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not tm and not ts:
        if size is None:
            raise TypeError("normal(): received an invalid combination of arguments - got (float, float), but "
                            "expected (Tensor mean, Tensor std), (Tensor mean, float std), (float mean, Tensor std) "
                            "or (float mean, float std, tuple size)")
        if std < 0:
            raise RuntimeError(f"normal(): normal expects std >= 0.0, but found std {std}")
        shape, d = _factory("normal", (size,), dtype, device, out)
        _check_float(d, "normal", "normal_kernel_cpu")
        return _out(_sample(shape, d, NORMAL, float(mean), float(std), gen, dev), out, "normal")
    if size is not None:
        raise TypeError("normal(): size is only accepted with a float mean and a float std")
    from .._shape import broadcast_shapes
    from .pointwise import add, mul
    d = _dtypes.result_type(*(x for x in (mean, std) if isinstance(x, Tensor)))
    _check_float(d, "normal", "normal_kernel_cpu")
    shapes = [x._shape for x in (mean, std) if isinstance(x, Tensor)]
    shape = broadcast_shapes(*shapes, op="normal")
    if ts:
        if std.numel() and bool((std.numpy() < 0).any()):
            raise RuntimeError("normal(): normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal(): normal expects std >= 0.0, but found std {std}")
    z = _float_sample(shape, d, NORMAL, 0.0, 1.0, gen)
    r = add(mul(z, std), mean)
    return _out(r.to(d) if r._dtype is not d else r, out, "normal")


# -- in-place samplers ----------------------------------------------------------------------
def _write(self, r):
    """Copy the freshly drawn ``r`` (same shape) into ``self``; returns ``self``."""
    from .._copy import copy_
    return copy_(self, r)


def _fill_float_(self, op, a, b, gen, name):
    """Fill float/complex ``self`` in place: straight into its storage when it is dense."""
    d = self._dtype
    if self.is_cuda:
        if d.category == FLOAT and d is not _dtypes.float16 and self.is_contiguous():
            _cuda_random().fill(self, op, _MBITS[d], a, b, gen)
            return self
        return _write(self, _cuda_random().float_sample(self._shape, d, op, a, b, gen, self.device))
    if d.category == FLOAT and d is not _dtypes.float16 and self.is_contiguous():
        n = self.numel()
        fill_flat(self._data[self._offset:self._offset + n], op, _MBITS[d], a, b, gen)
        return self
    return _write(self, _float_sample(self._shape, d, op, a, b, gen))


def _cont(self, name, what):
    if self._dtype.category not in (FLOAT,):
        n = "long int" if self._dtype is _dtypes.int64 else _TORCH[self._dtype.name]
        raise RuntimeError(f"{name}(): {what} distribution is a continuous probability distribution. dtype must "
                           f"be a floating point but you specified {n}")


def _check_self(self, name):
    if not isinstance(self, Tensor):
        raise TypeError(f"{name}(): argument 'self' must be Tensor, not {type(self).__name__}")
    _check_writable(self, name)


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    """Fill with uniform samples on [from, to) (``from`` may be passed as ``from=``).

    >>> import tensorjit as tj
    >>> x = tj.empty(5).uniform_(2, 3); bool(((x >= 2) & (x < 3)).all())
    True
    """
    from_ = kwargs.pop("from", from_)
    _check_self(self, "uniform_")
    gen = _gen(generator, "uniform_", self.device if self.is_cuda else None)
    if self._dtype.category not in (FLOAT, COMPLEX):
        raise NotImplementedError(f"uniform_(): \"check_uniform_bounds\" not implemented for '{_TORCH[self._dtype.name]}'")
    if from_ > to:
        raise RuntimeError(f"uniform_(): uniform_ expects to return a [from, to) range, but found from={from_} > to={to}")
    return _fill_float_(self, UNIFORM, from_, to, gen, "uniform_")


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with normal samples of ``mean`` and ``std``.

    >>> import tensorjit as tj
    >>> tj.empty(3).normal_(0, 0).tolist()
    [0.0, 0.0, 0.0]
    """
    _check_self(self, "normal_")
    gen = _gen(generator, "normal_", self.device if self.is_cuda else None)
    _check_float(self._dtype, "normal_", "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal_(): normal expects std >= 0.0, but found std {std}")
    return _fill_float_(self, NORMAL, mean, std, gen, "normal_")


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with ``exp`` of normal samples of ``mean`` and ``std``."""
    _check_self(self, "log_normal_")
    gen = _gen(generator, "log_normal_", self.device if self.is_cuda else None)
    _cont(self, "log_normal_", "LogNormal")
    if not std > 0:
        raise RuntimeError(f"log_normal_(): log_normal_ expects std > 0.0, but found std={std}")
    return _fill_float_(self, LOG_NORMAL, mean, std, gen, "log_normal_")


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with exponential samples of rate ``lambd``."""
    _check_self(self, "exponential_")
    gen = _gen(generator, "exponential_", self.device if self.is_cuda else None)
    _cont(self, "exponential_", "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_(): exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill_float_(self, EXPONENTIAL, lambd, 0.0, gen, "exponential_")


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with Cauchy samples of ``median`` and scale ``sigma``."""
    _check_self(self, "cauchy_")
    gen = _gen(generator, "cauchy_", self.device if self.is_cuda else None)
    _cont(self, "cauchy_", "Cauchy")
    return _fill_float_(self, CAUCHY, median, sigma, gen, "cauchy_")


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(``p``) trials up to the first success (1, 2, ...)."""
    _check_self(self, "geometric_")
    gen = resolve(generator, "geometric_")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_(): geometric_ expects p to be in (0, 1), but got p={p}")
    if self._dtype.category == FLOAT:
        return _fill_float_(self, GEOMETRIC, p, 0.0, gen, "geometric_")
    r = _float_sample(self._shape, _dtypes.float64, GEOMETRIC, p, 0.0, gen)
    return _write(self, r)


def random_(self, from_=None, to=None, *, generator=None, **kwargs):
    """Fill with integers uniform on [from, to): ``random_()`` (the dtype's range; floats: up to
    2**mantissa), ``random_(to)`` or ``random_(from, to)``.

    >>> import tensorjit as tj
    >>> x = tj.empty(6, dtype=tj.int32).random_(3, 5); bool(((x >= 3) & (x < 5)).all())
    True
    """
    from_ = kwargs.pop("from", from_)
    _check_self(self, "random_")
    gen = _gen(generator, "random_", self.device if self.is_cuda else None)
    d = self._dtype
    if from_ is None and to is None:
        lo, hi = _int_range(d, "random_")
        low, high = 0, hi + 1
    elif to is None:
        low, high = 0, operator.index(from_)
    else:
        low, high = operator.index(from_), operator.index(to)
    return _write(self, _random_values(self._shape, d, low, high, gen, "random_", self.device if self.is_cuda else None))


from . import random_discrete as _disc  # noqa: E402
from .random_discrete import randperm, bernoulli, multinomial, poisson  # noqa: E402

METHODS = {
    "uniform_": uniform_, "normal_": normal_, "log_normal_": log_normal_, "exponential_": exponential_,
    "cauchy_": cauchy_, "geometric_": geometric_, "random_": random_, **_disc.METHODS,
}

"""User reductions: ``tensorjit.reduction`` over a combine function ``f(acc, x)``.

The input is laid out as rows with the reduced dims last (Note [user reduction kernels] in
kernels/cpu/userops.py); the kernel folds each row with ``f``. Dims, ``keepdim``, ``out=`` and
the errors follow the built-in reductions (tensorjit/_reduce.py).
"""
from __future__ import annotations

import math

from . import _dtypes
from ._dtypes import as_dtype, INT
from ._shape import contiguous_strides
from ._storage import allocate
from ._tensor import Tensor, make_dense
from ._userops import _pyfunc, _arity, register_function, numba_error, compile_error, raised_in

__all__ = []

_RULES = ("keep", "sum", "int_to_float")
_KERNELS = {}


class _RKernel:
    """One generated reduction module; entries compile on first use."""

    __slots__ = ("module", "_entries")

    def __init__(self, module):
        self.module, self._entries = module, {}

    def get(self, fname):
        e = self._entries.get(fname)
        if e is None:
            e = self._entries[fname] = getattr(self.module, fname)
        return e


class ReductionOp:
    """A reduction made from a combine function by :func:`reduction`."""

    def __init__(self, fn, identity, dtype_rule, merge):
        f = _pyfunc(fn, "reduction")
        if _arity(f, "reduction") != 2:
            raise TypeError(f"reduction: {f.__name__} must take two arguments (acc, x)")
        self.py_func = f
        self.identity = identity
        self.__name__ = self.__qualname__ = f.__name__
        self.__doc__ = f.__doc__
        self.__module__ = f.__module__
        self.__wrapped__ = f
        self._combine, self._base = register_function(f, "r")
        self._merge = None
        if merge is not None:
            m = _pyfunc(merge, "reduction")
            if _arity(m, "reduction") != 2:
                raise TypeError(f"reduction: merge function {m.__name__} must take two arguments")
            self._merge, mbase = register_function(m, "m")
            self._base += "_" + mbase[-12:]
        self._fixed = None
        if isinstance(dtype_rule, str) and dtype_rule in _RULES:
            self._rule = dtype_rule
        else:
            try:
                self._fixed = as_dtype(dtype_rule, op="reduction")
            except (TypeError, ValueError):
                raise ValueError(f"reduction: dtype_rule must be one of {list(_RULES)} or a dtype, "
                                 f"got {dtype_rule!r}") from None
            self._rule = None

    def _dtypes(self, d):
        """(accumulator dtype, result dtype) for input dtype ``d``."""
        if self._fixed is not None:
            return self._fixed, self._fixed
        if self._rule == "sum" and d.category <= INT:
            return _dtypes.int64, _dtypes.int64
        if self._rule == "int_to_float" and d.category <= INT:
            d = _dtypes.get_default_dtype()
        return (_dtypes.float32 if d is _dtypes.float16 else d), d

    def _kernel(self, in_dtype, acc, out_dtype):
        key = (self._base, in_dtype, acc, out_dtype, self.identity is not None)
        k = _KERNELS.get(key)
        if k is None:
            from .kernels import registry
            from .kernels.cpu import userops as gen
            src = gen.reduction_source(self._combine, self._merge, in_dtype.code, acc.code, out_dtype.code,
                                       self.identity is not None)
            name = f"ured_{self._base}__{in_dtype.code}__{acc.code}__{out_dtype.code}" \
                   f"{'' if self.identity is not None else '__noid'}"
            k = _KERNELS[key] = _RKernel(registry.load_module(name, src))
        return k

    def __call__(self, input, dim=None, keepdim=False, *, dtype=None, out=None):
        from ._reduce import reduced_dims, out_shape, check_out, write_out
        name = self.__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
        cuda = input.is_cuda and type(input).__name__ == "CudaTensor"
        if type(input) is not Tensor and not cuda:
            raise NotImplementedError(f"{name}(): user reductions run on dense CPU and CUDA tensors only "
                                      f"(got layout {input.layout})")
        x = input
        if dtype is not None:
            x = x.to(as_dtype(dtype, op=name))   # as PyTorch's dtype=: convert first, then reduce
        ndim = len(x._shape)
        rdims = reduced_dims(dim, ndim, name)
        kept = tuple(d for d in range(ndim) if d not in rdims)
        oshape = out_shape(x._shape, rdims, keepdim)
        k = math.prod(x._shape[d] for d in rdims)
        m = math.prod(oshape)
        if self.identity is None and k == 0 and m:
            raise IndexError(f"{name}(): cannot reduce an empty dim without an identity (input shape "
                             f"{list(x._shape)}, dims {list(rdims)}); pass identity= to tensorjit.reduction")
        acc, result = self._dtypes(x._dtype)
        if out is not None:
            check_out(out, result, oshape, name)
        if cuda:
            try:
                value = self._run_cuda(x, kept, rdims, m, k, acc, result, oshape)
            except Exception as e:
                if numba_error(e) or raised_in(e, self.py_func):
                    raise compile_error(name, (x._dtype,), e) from None
                raise
            return value if out is None else write_out(out, value, name)
        kern = self._kernel(x._dtype, acc, result)
        try:
            rows_fn = kern.get("rows")
            data = allocate(m, result)
            if m:
                self._run(kern, rows_fn, x, kept, rdims, m, k, acc, data)
        except Exception as e:
            if numba_error(e):
                raise compile_error(name, (x._dtype,), e) from None
            raise
        value = make_dense(data, oshape, contiguous_strides(oshape), 0, result)
        if out is not None:
            return write_out(out, value, name)
        return value

    def _run(self, kern, rows_fn, x, kept, rdims, m, k, acc, data):
        from ._dispatch import PARALLEL_THRESHOLD, get_num_threads, scalar_array
        from ._views import permute
        if list(kept + rdims) != list(range(len(x._shape))):
            x = permute(x, kept + rdims)
        x = x.contiguous()
        ident = scalar_array(self.identity if self.identity is not None else 0, acc)
        t = get_num_threads() if m * k >= PARALLEL_THRESHOLD else 1
        if t > 1 and m == 1 and self._merge is not None and k >= t:
            chunk = -(-k // t)
            kern.get("full_par")(x._data, x._offset, k, ident, data, -(-k // chunk))
        elif t > 1 and m >= t:
            kern.get("rows_par")(x._data, x._offset, k, ident, data, m, t)
        else:
            rows_fn(x._data, x._offset, k, ident, data, 0, m)

    def _run_cuda(self, x, kept, rdims, m, k, acc, result, oshape):
        """The reduction of CUDA tensor ``x`` (Note [cuda user reductions] in kernels/cuda/userops.py)."""
        from ._dispatch import scalar_array
        from ._views import permute
        from .cuda import require
        from .cuda._dispatch import karray
        from .cuda._tensor import data, make_cuda
        if list(kept + rdims) != list(range(len(x._shape))):
            x = permute(x, kept + rdims)
        x = x.contiguous()
        dev = data(x).device
        buf = allocate(m, result, dev)
        if m:
            mod = self._cuda_module(x._dtype, acc, result)
            ident = scalar_array(self.identity if self.identity is not None else 0, acc)[0]
            b = require("launch")
            xarr, oarr = karray(data(x), x._dtype), karray(buf, result)
            with b.context(dev):
                if self._merge is not None and m < 4096 and k >= 64:
                    width = -(-k // min(256, k // 32))
                    c = -(-k // width)      # every chunk non-empty
                    parts = karray(allocate(m * c, acc, dev), acc)
                    mod.chunks[b.grid(m * c)](xarr, x._offset, k, c, ident, parts, m)
                    mod.merge_rows[b.grid(m)](parts, c, oarr, m)
                else:
                    mod.rows[b.grid(m)](xarr, x._offset, k, ident, oarr, m)
        return make_cuda(buf, oshape, contiguous_strides(oshape), 0, result)

    def _cuda_module(self, in_dtype, acc, out_dtype):
        from .cuda import require
        from .kernels import registry
        from .kernels.cuda import userops as gen
        sim = require("launch").SIMULATOR
        key = ("cuda", sim, self._base, in_dtype, acc, out_dtype, self.identity is not None)
        mod = _KERNELS.get(key)
        if mod is None:
            src = gen.reduction_source(self._combine, self._merge, in_dtype.code, acc.code, out_dtype.code,
                                       self.identity is not None)
            name = f"cu{'sim' if sim else ''}_ured_{self._base}__{in_dtype.code}__{acc.code}__{out_dtype.code}" \
                   f"{'' if self.identity is not None else '__noid'}"
            mod = _KERNELS[key] = registry.load_module(name, src)
        return mod

    def __repr__(self):
        return f"<tensorjit reduction {self.__name__} (identity={self.identity!r})>"


def reduction(fn=None, *, identity=None, dtype_rule="keep", merge=None):
    """Turn a combine function ``f(acc, x)`` into a reduction ``op(input, dim=None, keepdim=False,
    *, dtype=None, out=None)``.

    Each output folds its elements in order (row-major over the reduced dims) starting from
    ``identity`` (converted to the accumulator dtype), or from the first element when
    ``identity`` is None (an empty reduced dim then raises IndexError, as ``amax`` does). The
    accumulator is converted back to its dtype after each step. ``dtype_rule``: ``"keep"``
    (accumulate and return the input dtype; float16 accumulates in float32), ``"sum"`` (bool
    and integers accumulate in int64, as ``sum``), ``"int_to_float"`` or a dtype. ``dtype=``
    converts the input first, as PyTorch's reductions do. Outputs are computed in parallel
    for large inputs; a single output of a large input splits into chunks only when ``merge``
    (a function combining two partial results, such as ``lambda a, b: a + b``) is given.
    CUDA tensors run the same functions as device functions (one thread per output, or per
    chunk with ``merge``).

    >>> import tensorjit as tj
    >>> @tj.reduction(identity=0, merge=lambda a, b: a + b)
    ... def sum_squares(acc, x):
    ...     return acc + x * x
    >>> sum_squares(tj.tensor([[1., 2.], [3., 4.]]), dim=0).tolist()
    [10.0, 20.0]
    """
    if fn is None:
        return lambda f: reduction(f, identity=identity, dtype_rule=dtype_rule, merge=merge)
    return ReductionOp(fn, identity, dtype_rule, merge)

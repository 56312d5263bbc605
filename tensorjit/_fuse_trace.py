"""The tracer behind ``tensorjit.fuse``: tensors that record the ops applied to them.

Note [fuse tracing]
    A ``TraceTensor`` is a Tensor subclass with a dispatch key (Note [layout dispatch] in
    tensorjit/_layouts.py): every pointwise op and reduction reaches the handlers below through
    the same front doors that serve dense tensors, with the row, the operands and the compute
    dtype the eager op would use (operators, methods, ``tensorjit.*`` functions and user
    ``elementwise`` ops alike). The handlers append a node and return a new TraceTensor of the
    result's shape and dtype, so promotion, broadcasting and the errors are the eager ones.
    A TraceTensor's storage is a poison object: anything that would read data (``item()``,
    ``bool()``, ``numpy()``, a copy, a kernel over a view) raises ``TraceAbort``, and so does
    every op the handlers cannot fuse (``out=``, in-place, integer division's divisor check,
    tensors that are not inputs, further ops on a reduction's result). Any exception ends the
    trace and the function runs eagerly instead, with the same result.
"""
from __future__ import annotations

import numpy as np

from . import _dtypes
from ._layouts import register, register_class
from ._shape import broadcast_shapes, contiguous_strides
from ._tensor import Tensor

_NUMBERS = (bool, int, float, complex, np.bool_, np.number)
_active = [None]


class TraceAbort(Exception):
    """The traced function did something fusion cannot express."""


class _Poison:
    """The storage of a TraceTensor: any use of it ends the trace."""

    __slots__ = ()

    def __getattr__(self, name):
        raise TraceAbort("the function reads tensor data (a view, copy or conversion of an input)")

    def __getitem__(self, i):
        raise TraceAbort("the function reads tensor data (item(), bool() or indexing)")

    def __len__(self):
        raise TraceAbort("the function reads tensor data")

    def __array__(self, *args, **kwargs):
        raise TraceAbort("the function converts a tensor to NumPy")


_POISON = _Poison()


@register_class
class TraceTensor(Tensor):
    """A placeholder tensor recording the ops applied to it (Note [fuse tracing])."""

    __slots__ = ("_trace", "_ref")
    _dispatch_key = "fuse_trace"
    _dispatch_priority = 1000   # outranks every other key: mixing with them ends the trace


class Trace:
    """The ops recorded while a function runs on TraceTensors.

    ``operands``: ``("t", argument key)`` for a tensor argument or ``("s", value, compute dtype,
    kernel dtype)`` for a Python scalar; ``nodes``: ``(row, compute, result, refs)`` with refs
    ``("x", operand)`` or ``("v", node)``; ``reduce``: None or ``(row, compute, result, dims,
    keepdim, node, input shape)``.
    """

    def __init__(self):
        self.operands, self.nodes, self.reduce = [], [], None
        self._scalars = {}

    def tensor(self, shape, dtype, ref):
        t = object.__new__(TraceTensor)
        t._data, t._shape, t._strides, t._offset = _POISON, tuple(shape), contiguous_strides(tuple(shape)), 0
        t._dtype, t._dense, t._trace, t._ref = dtype, True, self, ref
        return t

    def input(self, argkey, x):
        """The TraceTensor standing for tensor argument ``x``."""
        self.operands.append(("t", argkey))
        return self.tensor(x._shape, x._dtype, ("x", len(self.operands) - 1))

    def scalar(self, value, compute):
        key = (type(value), value, compute)
        j = self._scalars.get(key)
        if j is None:
            kd = _dtypes.float32 if compute is _dtypes.float16 else compute
            self.operands.append(("s", value, compute, kd))
            j = self._scalars[key] = len(self.operands) - 1
        return j


def _operand(a, tr, name):
    if type(a) is not TraceTensor or a._trace is not tr:
        raise TraceAbort(f"{name}: uses a tensor that is not an argument of the fused function")
    if a._ref[0] == "r":
        raise TraceAbort(f"{name}: uses the result of a reduction (only a trailing reduction fuses)")
    return a


@register("pointwise", "fuse_trace")
def _pointwise(row, args, out, inplace, name, compute):
    from ._dispatch import compute_dtype, result_dtype_for
    tr = _active[0]
    name = name or row.name
    if tr is None:
        raise RuntimeError(f"{name}: a tensor of a finished fuse trace was used outside it")
    if out is not None or inplace:
        raise TraceAbort(f"{name}: writes in place or into out=")
    tensors = [_operand(a, tr, name) for a in args if isinstance(a, Tensor)]
    for a in args:
        if not isinstance(a, (Tensor,) + _NUMBERS):
            raise TraceAbort(f"{name}: an operand of type {type(a).__name__}")
    if compute is None:
        compute = compute_dtype(row, args, name)
    if row.divisor_check and compute.category <= _dtypes.INT:
        raise TraceAbort(f"{name}: integer division checks its divisor's data")
    result = result_dtype_for(row, compute)
    shape = broadcast_shapes(*(t._shape for t in tensors), op=name)
    if row.name == "pow" and compute.category == _dtypes.FLOAT and type(args[1]) in (int, float) \
            and args[1] == 2 and isinstance(args[0], Tensor):
        # Note [fused square]: ``x ** 2`` of floats fuses as ``x * x`` (the scalar function of
        # ``square``, correctly rounded), as PyTorch and NumPy compute it, at a fraction of the
        # cost of the unfused pow's C-library ``powf(x, 2)``; that one can be one ulp off where
        # the square is an exact float32 midpoint (``(1 + 2**-12) ** 2``), so there the fused
        # result equals PyTorch's, not the unfused tensorjit one's.
        from .kernels.opdefs import POINTWISE
        row, args = POINTWISE["square"], args[:1]
    refs = tuple(a._ref if isinstance(a, Tensor) else ("x", tr.scalar(a, compute)) for a in args)
    tr.nodes.append((row, compute, result, refs))
    return tr.tensor(shape, result, ("v", len(tr.nodes) - 1))


# Reductions a fused kernel can end with (Note [fused kernels] in kernels/cpu/userops_fuse.py).
FUSABLE_REDUCTIONS = ("sum", "mean")


@register("reduce", "fuse_trace")
def _reduction(row, x, dim, keepdim, dtype, out, name, param):
    from ._reduce import dtypes, reduced_dims, out_shape
    tr = _active[0]
    name = name or row.name
    if tr is None:
        raise RuntimeError(f"{name}: a tensor of a finished fuse trace was used outside it")
    if row.name not in FUSABLE_REDUCTIONS or dtype is not None or out is not None:
        raise TraceAbort(f"{name}: only sum() and mean() without dtype= or out= fuse")
    _operand(x, tr, name)
    if x._ref[0] != "v":
        raise TraceAbort(f"{name}: reduces an argument directly (nothing to fuse)")
    if tr.reduce is not None:
        raise TraceAbort(f"{name}: a second reduction")
    compute, result = dtypes(row, x._dtype, None, name)
    rdims = reduced_dims(dim, len(x._shape), name)
    oshape = out_shape(x._shape, rdims, keepdim)
    tr.reduce = (row, compute, result, rdims, keepdim, x._ref[1], x._shape)
    return tr.tensor(oshape, result, ("r",))


def run(fn, args, kwargs):
    """Run ``fn`` with its tensor arguments replaced by TraceTensors: (trace, result)."""
    tr = Trace()
    targs = [tr.input(i, a) if isinstance(a, Tensor) else a for i, a in enumerate(args)]
    tkw = {k: tr.input(k, v) if isinstance(v, Tensor) else v for k, v in kwargs.items()}
    prev = _active[0]
    _active[0] = tr
    try:
        return tr, fn(*targs, **tkw)
    finally:
        _active[0] = prev

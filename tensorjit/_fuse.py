"""``tensorjit.fuse``: a Python function of tensors compiled into one kernel per input signature.

The function runs once per new signature (dtypes and shapes of its tensor arguments, values
of the others) on tracer tensors (Note [fuse tracing] in tensorjit/_fuse_trace.py); the recorded
pointwise ops and an optional trailing ``sum``/``mean`` become one generated kernel (Note
[fused kernels] in kernels/cpu/userops_fuse.py), run through the elementwise planner
(``_dispatch.layout``, ``run_pieces``, ``launch``). Whatever does not trace runs eagerly.
"""
from __future__ import annotations

import functools
import hashlib
import math

from . import _dtypes
from ._shape import broadcast_strides, collapse, contiguous_strides, output_permutation, strides_for_permutation
from ._storage import allocate
from ._tensor import Tensor, make, make_dense
from . import _fuse_trace

__all__ = []

_MISSING = object()
_generation = [0]   # bumped when the default dtype changes: traces depend on it (weak scalars)
_dtypes.on_default_dtype_change(lambda: _generation.__setitem__(0, _generation[0] + 1))
_MODULES = {}


def _numba_sig(n_meta_operands, out_dtype, in_dtypes, tail):
    from numba.core import types
    from ._dispatch import _numba_array_type
    return (types.UniTuple(types.int64, 4 + 5 * n_meta_operands), _numba_array_type(out_dtype),
            *(_numba_array_type(d) for d in in_dtypes), *(types.int64,) * tail)


def _load(src):
    from .kernels import registry
    name = "fuse_" + hashlib.sha256(src.encode()).hexdigest()[:20]
    mod = _MODULES.get(name)
    if mod is None:
        mod = _MODULES[name] = registry.load_module(name, src)
    return mod


class Program:
    """A traced function as one kernel: which arguments feed it and how to launch it."""

    def __init__(self, trace, out_ref):
        from ._dispatch import scalar_array
        from .kernels.cpu import userops_fuse as gen
        tr = trace
        # Only what the output depends on: later unused nodes and operands are dropped.
        red = tr.reduce
        last = red[5] if out_ref[0] == "r" else out_ref[1]
        live, stack = set(), [last]
        while stack:
            k = stack.pop()
            if k in live:
                continue
            live.add(k)
            stack += [i for kind, i in tr.nodes[k][3] if kind == "v"]
        used = sorted({i for k in live for kind, i in tr.nodes[k][3] if kind == "x"})
        nodes_order = sorted(live)
        nmap = {k: n for n, k in enumerate(nodes_order)}
        omap = {j: n for n, j in enumerate(used)}
        self.argkeys, self.dtypes, self.arrays, operands, self._labels = [], [], [], [], []
        for j in used:
            op = tr.operands[j]
            if op[0] == "t":
                self._labels.append(f"x{len(self.argkeys)}")
                self.argkeys.append(op[1])
                operands.append((None, False))
                self.arrays.append(None)
            else:
                _, value, compute, kd = op
                self._labels.append(repr(value))
                self.arrays.append(scalar_array(value, compute))
                operands.append((kd.code, True))
                self.dtypes.append(kd)
        self.nodes = []
        gnodes = []
        for k in nodes_order:
            row, compute, result, refs = tr.nodes[k]
            r = tuple(("x", omap[i]) if kind == "x" else ("v", nmap[i]) for kind, i in refs)
            self.nodes.append((row.name, r))
            gnodes.append((row.scalar_for(compute.category), compute.code, result.code, r))
        self._operands, self._gnodes = operands, gnodes
        self.reduction = red if out_ref[0] == "r" else None
        self.result = tr.nodes[last][2] if self.reduction is None else red[2]
        self._gen = gen
        self._kernels = {}
        self._plans = {}
        self.ok = None   # None until the first run compiled; then True, or the reason it failed

    def describe(self):
        def ref(r):
            return self._labels[r[1]] if r[0] == "x" else expr[r[1]]
        expr = []
        for name, refs in self.nodes:
            expr.append(f"{name}({', '.join(ref(r) for r in refs)})")
        s = expr[-1]
        if self.reduction is not None:
            row, _, _, dims, keepdim = self.reduction[:5]
            s = f"{row.name}({s}, dim={list(dims)}, keepdim={keepdim})"
        return s

    def _kernel(self, tensors):
        """The kernel module for the dtypes of ``tensors`` (the tensor operands, in order)."""
        key = tuple(t._dtype for t in tensors)
        k = self._kernels.get(key)
        if k is None:
            from ._dispatch import Kernel
            from .kernels.registry import LazyEntries
            it = iter(key)
            operands = [(next(it).code, False) if not s else (c, True) for c, s in self._operands]
            it = iter(key)
            in_dtypes = [next(it) if not s else None for _, s in self._operands]
            sd = iter(self.dtypes)
            in_dtypes = [d if d is not None else next(sd) for d in in_dtypes]
            n = len(operands)
            if self.reduction is None:
                src = self._gen.pointwise_source(operands, self._gnodes, self.result.code)
                k = Kernel(_load(src), _numba_sig(n + 1, self.result, in_dtypes, 2))
            else:
                row, compute, result = self.reduction[:3]
                src = self._gen.reduction_source(operands, self._gnodes, compute.code, result.code,
                                                 row.name == "mean")
                k = LazyEntries(_load(src), _numba_sig(n + 1, result, in_dtypes, 3))
            self._kernels[key] = k
        return k

    def run(self, args, kwargs):
        """The fused result for ``args``, or _MISSING when this layout can't run fused."""
        tensors = [args[a] if isinstance(a, int) else kwargs[a] for a in self.argkeys]
        if self.reduction is None:
            return self._pointwise(tensors)
        return self._reduce(tensors)

    def _operand_arrays(self, tensors, strides):
        ti = iter(tensors)
        si = iter(strides)
        arrays, offsets, ostrides = [], [], []
        for (c, s), arr in zip(self._operands, self.arrays):
            if s:
                arrays.append(arr)
                offsets.append(0)
                ostrides.append(None)
            else:
                t = next(ti)
                arrays.append(t._data)
                offsets.append(t._offset)
                ostrides.append(next(si))
        return arrays, offsets, ostrides

    def _pointwise(self, tensors):
        from ._dispatch import run_pieces, launch
        key = tuple([(t._shape, t._strides) for t in tensors])
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(tensors)
        shape, ostr, dense, opstr, lay, n, k, arrays, offsets, slots = plan
        data = allocate(n, self.result)
        if n:
            arrays, offsets = [data] + arrays, [0] + offsets
            for j, t in zip(slots, tensors):
                arrays[j] = t._data
                offsets[j] = t._offset
            if lay is not None:
                run_pieces(k, lay, arrays, offsets)
            else:
                launch(k, shape, list(zip(arrays, offsets, [ostr] + opstr)))
        return (make_dense if dense else make)(data, shape, ostr, 0, self.result)

    def _plan(self, tensors):
        """What a call over tensors of these shapes and strides needs besides their data."""
        from ._dispatch import layout
        from ._shape import broadcast_shapes
        if len(self._plans) > 256:
            self._plans.clear()
        shape = broadcast_shapes(*(t._shape for t in tensors)) if tensors else ()
        bstr = [broadcast_strides(t._shape, t._strides, shape) for t in tensors]
        if tensors and not all(t._shape == shape and t.is_contiguous() for t in tensors):
            ostr = strides_for_permutation(shape, output_permutation(shape, bstr))
        else:
            ostr = contiguous_strides(shape)
        zero = (0,) * len(shape)
        arrays, offsets, opstr = self._operand_arrays(tensors, bstr)
        opstr = [zero if s is None else s for s in opstr]
        slots = [j + 1 for j, (_, s) in enumerate(self._operands) if not s]
        return (shape, ostr, ostr == contiguous_strides(shape), opstr, layout(shape, [ostr] + opstr),
                math.prod(shape), self._kernel(tensors), arrays, offsets, slots)

    def _reduce(self, tensors):
        from ._dispatch import PARALLEL_THRESHOLD, get_num_threads
        from ._reduce import out_shape
        row, compute, result, rdims, keepdim, _, xshape = self.reduction
        oshape = out_shape(xshape, rdims, keepdim)
        n_out = math.prod(oshape)
        n_red = math.prod(xshape[d] for d in rdims)
        if n_out == 0:
            return make_dense(allocate(0, result), oshape, contiguous_strides(oshape), 0, result)
        if n_red == 0:
            return _MISSING   # an empty sum or mean: the eager reduction gives its identity or NaN
        bstr = [broadcast_strides(t._shape, t._strides, xshape) for t in tensors]
        _, _, opstr = self._operand_arrays(tensors, bstr)
        zero = (0,) * len(xshape)
        opstr = [zero if s is None else s for s in opstr]
        kept = [d for d in range(len(xshape)) if d not in rdims]
        first = bstr[0] if bstr else zero
        order = sorted(rdims, key=lambda d: -abs(first[d]))
        kshape, kstr = collapse(tuple(xshape[d] for d in kept), [tuple(s[d] for d in kept) for s in opstr])
        rshape, rstr = collapse(tuple(xshape[d] for d in order), [tuple(s[d] for d in order) for s in opstr])
        if kshape == (1,):
            kshape, kstr = (), [() for _ in opstr]
        nd = len(kshape) + len(rshape)
        if nd > 4:
            return _MISSING
        pad = (1,) * (4 - nd)
        arrays, offsets, _ = self._operand_arrays(tensors, opstr)
        meta = pad + kshape + rshape + (0, 0, 0, 0, 0)   # no output entry is used (Note [fused kernels])
        for off, ks, rs in zip(offsets, kstr, rstr):
            meta += (off,) + (0,) * len(pad) + ks + rs
        data = allocate(n_out, result)
        k = self._kernel(tensors)
        t = get_num_threads() if n_out * n_red >= PARALLEL_THRESHOLD else 1
        if t > 1:
            k.entry("body_par")(meta, data, *arrays, n_out, n_red, t)
        else:
            k.entry("body")(meta, data, *arrays, 0, n_out, n_red)
        return make_dense(data, oshape, contiguous_strides(oshape), 0, result)


def _argkey(a):
    if type(a) is Tensor:
        return ("T", a._dtype, a._shape)
    if isinstance(a, Tensor):
        return _MISSING   # CUDA and other layouts run eagerly
    if isinstance(a, _fuse_trace._NUMBERS):
        return ("N", type(a), a)
    hash(a)
    return ("O", a)


class FusedFunction:
    """A function compiled by :func:`fuse`: one kernel per input signature."""

    def __init__(self, fn):
        self.fn = fn
        functools.update_wrapper(self, fn)
        self._programs = {}

    def _key(self, args, kwargs):
        try:
            key = [_generation[0]]
            for a in args:
                k = _argkey(a)
                if k is _MISSING:
                    return None
                key.append(k)
            for name in sorted(kwargs):
                k = _argkey(kwargs[name])
                if k is _MISSING:
                    return None
                key.append((name, k))
            return tuple(key)
        except TypeError:   # an unhashable argument
            return None

    def _program(self, args, kwargs):
        """The Program for this call's signature, or a string saying why it runs eagerly."""
        key = self._key(args, kwargs)
        if key is None:
            return "an argument is a CUDA tensor, another layout or unhashable"
        p = self._programs.get(key)
        if p is None:
            p = self._trace(args, kwargs)
            if len(self._programs) > 512:
                self._programs.clear()
            self._programs[key] = p
        return p

    def _trace(self, args, kwargs):
        try:
            tr, res = _fuse_trace.run(self.fn, args, kwargs)
        except Exception as e:
            return f"tracing stopped: {type(e).__name__}: {e}"
        if type(res) is not _fuse_trace.TraceTensor or res._trace is not tr:
            return f"the function returns {type(res).__name__}, not one tensor computed from its arguments"
        if res._ref[0] == "x":
            return "the function returns an argument unchanged"
        if tr.reduce is not None and res._ref[0] != "r":
            return "a reduction's result is not the function's result"
        try:
            return Program(tr, res._ref)
        except Exception as e:   # a row without a scalar function for its dtype, ...
            return f"no kernel: {type(e).__name__}: {e}"

    def __call__(self, *args, **kwargs):
        p = self._program(args, kwargs)
        if type(p) is str:
            return self.fn(*args, **kwargs)
        if p.ok is None:
            try:
                r = p.run(args, kwargs)
            except Exception as e:   # the fused kernel doesn't compile: run unfused from now on
                p.ok = f"the fused kernel failed: {type(e).__name__}: {e}"
                return self.fn(*args, **kwargs)
            p.ok = True
        elif p.ok is True:
            r = p.run(args, kwargs)
        else:
            return self.fn(*args, **kwargs)
        return self.fn(*args, **kwargs) if r is _MISSING else r

    def explain(self, *args, **kwargs):
        """What a call with these arguments runs: ``"fused: <expression>"`` or ``"unfused: <why>"``.

        >>> import tensorjit as tj
        >>> f = tj.fuse(lambda a, b: (a * b).exp())
        >>> f.explain(tj.ones(3), 2.0)
        'fused: exp(mul(x0, 2.0))'
        """
        p = self._program(args, kwargs)
        if type(p) is str:
            return "unfused: " + p
        if isinstance(p.ok, str):
            return "unfused: " + p.ok
        return "fused: " + p.describe()

    def __repr__(self):
        return f"<tensorjit fused function {getattr(self.fn, '__qualname__', self.fn)!r}>"


def fuse(fn=None):
    """Compile a Python function of tensors into one kernel per input signature.

    The function runs once per new signature (the dtypes and shapes of its tensor arguments,
    the values of its other arguments) on tracer tensors that record its pointwise ops (any
    op with a pointwise row: operators, methods, ``tensorjit`` functions, ``@elementwise`` user
    ops), the broadcasts between them and its scalar constants, and optionally one trailing
    ``sum()``/``mean()`` (any ``dim``, ``keepdim``). The recording becomes one kernel: each
    input is read once and the result written once, with the dtypes, shapes and values of the
    unfused ops (bit for bit for pointwise results, except that ``x ** 2`` is computed as
    ``x * x`` as PyTorch does: Note [fused square]; sums agree to rounding). Calls that do not
    trace (data-dependent control flow, views, dtype conversions such as ``.to()``, ops
    without a pointwise row, ``out=`` or in-place ops, CUDA tensors, several results) run the
    function as written. ``f.explain(*args)`` says which.

    >>> import tensorjit as tj
    >>> @tj.fuse
    ... def mse(a, b):
    ...     return ((a - b) ** 2).mean()
    >>> mse(tj.tensor([1., 2., 3.]), tj.tensor([1., 1., 1.])).item()
    1.6666666269302368
    """
    if fn is None:
        return fuse
    return FusedFunction(fn)

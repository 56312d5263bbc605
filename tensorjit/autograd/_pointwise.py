"""The autograd handlers of the pointwise and reduction front doors: the dense op on detached
operands, then a node whose backward is the row's formula (Note [derivative formulas] in
kernels/opdefs.py, Note [reduction derivatives] in kernels/reductions.py).

Recording an op is on the hot path of every training step: two C-contiguous operands of one
shape and dtype take the dense binary fast path straight off their storage (``_fast_binary``),
and what a node needs from its row is looked up once per operand pattern (Note [pointwise
record plans]).
"""
from __future__ import annotations

import math
import re

from numpy import empty as _empty, may_share_memory as _may_share

from .. import _layouts
from .._dispatch import FAST, PARALLEL_THRESHOLD, elementwise, register_fast
from .._reduce import reduce, reduce2, reduced_dims
from .._tensor import VERSION_HOOK, Tensor
from ..kernels.opdefs import NONDIFF, POINTWISE
from .graph import GRAD_CLASSES, SavedTensor, _get_data, _STATE, check_inplace, make_result, plain, requires_grad
from ._copyslices import SavedViewResult, rebase_inplace
from ._record import OpNode, alias, node_class, not_implemented

_DIFF = (2, 3)
_new = object.__new__
_POS = ("x", "y", "z", "w", "v")
_NS = {}
_SPECS = {}
_IDENT = re.compile(r"[A-Za-z_]\w*")


def _namespace():
    if not _NS:
        import tensorjit
        from . import _formulas_pointwise, _formulas_reduce
        _NS.update((k, getattr(tensorjit, k)) for k in dir(tensorjit) if not k.startswith("_"))
        for mod in (_formulas_pointwise, _formulas_reduce):
            _NS.update((k, v) for k, v in vars(mod).items() if not k.startswith("_") and callable(v))
    return _NS


def compile_formula(expr, params, label):
    """``expr`` as a function of ``params`` and the names it uses (formulas are table data,
    compiled once per row into Python functions over tensorjit ops; they are not kernels)."""
    code = compile(f"lambda {params}: {expr}", f"<derivative of {label}>", "eval")
    return eval(code, _namespace()), set(_IDENT.findall(expr))   # noqa: S307 (our own table)


def _pointwise_spec(row):
    spec = _SPECS.get(row.name)
    if spec is None:
        params = "grad, result, " + ", ".join(f"{p}=None" for p in _POS)
        spec = _SPECS[row.name] = [None if e is None else compile_formula(e, params, row.name) for e in row.grad]
    return spec


def _pointwise_formula(node, grads):
    spec, positions, saved, saved_result = node.pw
    g = grads[0]
    vals = [s.unpack(node) if type(s) is SavedTensor else s for s in saved]
    result = saved_result.unpack(node) if saved_result is not None else None
    res = []
    for k, i in enumerate(positions):
        if not node.needs(k):
            res.append(None)
            continue
        res.append(spec[i][0](g, result, *vals))
    return res


# Note [pointwise record plans]
#     Recording a pointwise op is on the hot path of every training step, so what depends only
#     on the row and on which operands are tensors / require grad is worked out once and kept
#     here, keyed by ``(row name, mask)`` (mask: per operand 0 not a tensor, 1 a tensor, 2 one
#     that requires grad): the tensor positions, which operands the formulas read (saved for
#     backward), whether they read the result, and the node class.
_PLANS = {}


def _mask(args):
    """Per operand: 0 not a tensor, 1 a tensor, 2 a tensor that requires grad."""
    m = []
    for a in args:
        if type(a) in GRAD_CLASSES:
            g = a._ag
            m.append(2 if g.requires_grad or g.grad_fn is not None else 1)
        else:
            m.append(1 if isinstance(a, Tensor) else 0)
    return tuple(m)


def _plan(row, mask, label):
    """(spec, tensor positions, per operand whether saved, uses result, node class), or None
    for a row without a derivative (Note [pointwise record plans])."""
    key = (row.name, mask)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    if row.grad == NONDIFF:
        return None
    if row.grad is None:
        raise not_implemented(label)
    spec = _pointwise_spec(row)
    positions = tuple(i for i, k in enumerate(mask) if k)
    used = set()
    for i in positions:
        if mask[i] == 2:
            if i >= len(spec) or spec[i] is None:
                raise not_implemented(label)
            used |= spec[i][1]
    save = tuple(_POS[i] in used for i in range(len(mask)))
    uses_result = "result" in set().union(*(s[1] for s in spec if s is not None))
    plan = _PLANS[key] = (spec, positions, save, uses_result, node_class(row.name))
    return plan


def _record_pointwise(row, args, res, label, *, replaced=None, mask=None):
    """Record the node of pointwise ``row`` over ``args`` whose output is ``res``; ``replaced``
    maps an operand to the copy of its value before an in-place write."""
    plan = _plan(row, mask or _mask(args), label)
    if plan is None:
        return None
    spec, positions, save, _, cls = plan
    saved = [None if not keep else
             SavedTensor(replaced.get(id(a), a) if replaced else a) if isinstance(a, Tensor) else a
             for a, keep in zip(args, save)]
    node = cls([args[i] for i in positions], _pointwise_formula)
    node.out_meta = [(res._shape, res._dtype)]
    node.pw = (spec, positions, saved, None)
    node.plan = plan
    return node


def _save_result(node, res):
    if node.plan[3]:
        spec, positions, saved, _ = node.pw
        node.pw = (spec, positions, saved, SavedTensor(res, True, 0))


@_layouts.register("pointwise", "autograd")
def pointwise(row, args, out, inplace, name, compute):
    """``_dispatch.elementwise`` for operands of which one is a GradTensor."""
    label = name or row.name
    if out is not None:
        return _pointwise_out(row, args, out, inplace, name, label, compute)
    res = None
    if len(args) == 2 and compute is None:
        res = _fast_binary(row, args[0], args[1], label)
    if res is None:
        res = elementwise(row, [alias(a) for a in args], None, name=name, compute=compute)
    if not _STATE[0] or res._dtype.category not in _DIFF:
        return res
    mask = _mask(args)
    if 2 not in mask:
        return res
    node = _record_pointwise(row, args, res, label, mask=mask)
    if node is None:
        return res
    make_result(res, node)
    _save_result(node, res)
    return res


_MISSING = object()
_PLAIN_CLASSES = {Tensor}       # and the CPU grad classes, filled on first use


def _fast_binary(row, a, b, label):
    """Note [binary fast path] (tensorjit/ops/pointwise.py) over the storage of two operands
    that may require grad: the result of ``row`` for two C-contiguous CPU tensors of one shape
    and dtype, else None (the general path serves them)."""
    ca, cb = type(a), type(b)
    if ca not in _PLAIN_CLASSES:
        if ca not in GRAD_CLASSES or ca._plain_class is not Tensor:
            return None
        _PLAIN_CLASSES.add(ca)
    if cb not in _PLAIN_CLASSES:
        if cb not in GRAD_CLASSES or cb._plain_class is not Tensor:
            return None
        _PLAIN_CLASSES.add(cb)
    shape = a._shape
    d = a._dtype
    if not (a._dense and b._dense) or shape != b._shape or d is not b._dtype:
        return None
    table = FAST.get(row.name)
    if table is None:
        return None
    f = table.get(d, _MISSING)
    if f is _MISSING:
        f = register_fast(row, d, label)
    n = math.prod(shape)
    if f is None or not 0 < n < PARALLEL_THRESHOLD:
        return None
    entry, rd, knp = f
    data = _empty(n, knp)
    entry(data, _get_data(a), _get_data(b), a._offset, b._offset, n)
    t = _new(Tensor)
    t._data = data
    t._shape = shape
    t._strides = a._strides
    t._offset = 0
    t._dtype = rd
    t._dense = True
    return t


_ADD = POINTWISE["add"]


def add_into(dst, g):
    """``dst.add_(g)`` for a leaf's ``.grad``: the fast entry of Note [binary fast path] when
    both are C-contiguous CPU tensors of one shape and dtype that share no memory, else
    ``add_`` (same result, version bump included)."""
    if (type(dst) is Tensor and type(g) is Tensor and dst._dense and g._dense and dst._offset == 0
            and dst._shape == g._shape and dst._dtype is g._dtype):
        d = dst._dtype
        f = FAST["add"].get(d, _MISSING)
        if f is _MISSING:
            f = register_fast(_ADD, d, "add_")
        n = math.prod(dst._shape)
        if f is not None and f[1] is d and 0 < n < PARALLEL_THRESHOLD and \
                not _may_share(dst._data, g._data):
            f[0](dst._data, dst._data, g._data, 0, g._offset, n)
            hook = VERSION_HOOK[0]
            if hook is not None:
                hook(dst)
            return dst
    return dst.add_(g)


def _out_error(label):
    return RuntimeError(f"{label}(): functions with out=... arguments don't support automatic differentiation, "
                        "but one of the arguments requires grad.")


def _pointwise_out(row, args, out, inplace, name, label, compute):
    # An out= tensor that requires grad is refused as PyTorch does (out= records nothing).
    need = _STATE[0] and (any(requires_grad(a) for a in args) or requires_grad(out))
    pargs = [plain(a) for a in args]
    if not inplace:
        if need:
            raise _out_error(label.rstrip("_"))
        elementwise(row, pargs, plain(out), name=name, compute=compute)
        return out
    check_inplace(out, label, views=True)
    node = None
    if need and out._dtype.category in _DIFF:
        replaced = {}
        if row.grad not in (None, NONDIFF):
            used = set().union(*(s[1] for s in _pointwise_spec(row) if s is not None))
            for i, a in enumerate(args):
                if a is out and _POS[i] in used:
                    # Recorded, so that a gradient using the old value differentiates through it.
                    replaced[id(a)] = out.clone() if requires_grad(out) else plain(out).clone()
        node = _record_pointwise(row, args, out, label, replaced=replaced)
    elementwise(row, pargs, pargs[0] if args[0] is out else plain(out), inplace=True, name=name, compute=compute)
    if node is not None:
        cs = rebase_inplace(out, node)      # Note [view history] in _copyslices.py
        _save_result(node, out)
        if cs is not None and node.pw[3] is not None:
            node.pw = node.pw[:3] + (SavedViewResult(node.pw[3], cs),)
    return out


# -- reductions -------------------------------------------------------------------------------
def _reduce_spec(row):
    key = ("reduce", row.name)
    spec = _SPECS.get(key)
    if spec is None:
        params = "grad, result, x, shape, dims, keepdim, count, param, result2=None, grad2=None"
        f, used = compile_formula(row.grad, params, row.name)
        f2, used2 = (None, set()) if row.grad2 is None else compile_formula(row.grad2, params, row.name)
        spec = _SPECS[key] = (f, f2, used | used2)
    return spec


def _reduce_formula(node, grads):
    f, f2, _ = node.spec
    dims, keepdim, count, param = node.red
    x = node.saved_x.unpack(node) if node.saved_x is not None else None
    outs = node.outputs
    result = outs[0].unpack(node) if outs[0] is not None else None
    result2 = outs[1].unpack(node) if len(outs) > 1 and outs[1] is not None else None
    shape = node.in_meta[0][0]
    g = f(grads[0], result, x, shape, dims, keepdim, count, param, result2)
    if f2 is not None and len(grads) > 1 and grads[1] is not None:
        g = g + f2(grads[0], result, x, shape, dims, keepdim, count, param, result2, grads[1])
    return (g,)


def _record_reduce(row, x, outs, dims, keepdim, param, name):
    if row.grad is None:
        raise not_implemented(name)
    node = node_class(row.name)([x], _reduce_formula)
    node.spec = _reduce_spec(row)
    used = node.spec[2]
    node.red = (dims, keepdim, math.prod(x._shape[d] for d in dims), param)
    node.saved_x = SavedTensor(x) if "x" in used else None
    node.n_outputs = len(outs)
    node.out_meta = [(o._shape, o._dtype) for o in outs]
    for i, o in enumerate(outs):
        if o._dtype.category in _DIFF:
            make_result(o, node, i)
    node.outputs = [SavedTensor(o, True, i) if ("result" if i == 0 else "result2") in used else None
                    for i, o in enumerate(outs)]
    return node


@_layouts.register("reduce", "autograd")
def reduce_handler(row, x, dim, keepdim, dtype, out, name, param):
    """``_reduce.reduce`` for a GradTensor input."""
    need = _STATE[0] and requires_grad(x)
    if out is not None:
        if need or (_STATE[0] and requires_grad(out)):
            raise _out_error(name)
        reduce(row, plain(x), dim, keepdim, dtype=dtype, out=plain(out), name=name, param=param)
        return out
    res = reduce(row, plain(x), dim, keepdim, dtype=dtype, name=name, param=param)
    if not need or res._dtype.category not in _DIFF:
        return res
    _record_reduce(row, x, [res], reduced_dims(dim, len(x._shape), name), keepdim, param, name)
    return res


@_layouts.register("reduce2", "autograd")
def reduce2_handler(row, x, rdims, keepdim, compute, result, name, param=0.0):
    """``_reduce.reduce2`` (values and indices, var/std and mean) for a GradTensor input."""
    outs = reduce2(row, plain(x), rdims, keepdim, compute, result, name, param)
    if not (_STATE[0] and requires_grad(x)) or outs[0]._dtype.category not in _DIFF:
        return outs
    _record_reduce(row, x, list(outs), tuple(rdims), keepdim, param, name)
    return outs


__all__ = []
_ = OpNode

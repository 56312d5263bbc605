"""The autograd handlers of the pointwise and reduction front doors: the dense op on detached
operands, then a node whose backward is the row's formula (Note [derivative formulas] in
kernels/opdefs.py, Note [reduction derivatives] in kernels/reductions.py).
"""
from __future__ import annotations

import math
import re

from .. import _layouts
from .._dispatch import elementwise
from .._reduce import reduce, reduce2, reduced_dims
from .._tensor import Tensor
from ..kernels.opdefs import NONDIFF
from .graph import SavedTensor, _STATE, check_inplace, make_result, plain, rebase, requires_grad
from ._record import OpNode, node_class, not_implemented

_DIFF = (2, 3)
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


def _record_pointwise(row, args, res, label, *, replaced=None):
    """Record the node of pointwise ``row`` over ``args`` whose output is ``res``; ``replaced``
    maps an operand to the copy of its value before an in-place write."""
    if row.grad == NONDIFF:
        return None
    if row.grad is None:
        raise not_implemented(label)
    spec = _pointwise_spec(row)
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    used = set()
    for i in positions:
        if requires_grad(args[i]):
            if i >= len(spec) or spec[i] is None:
                raise not_implemented(label)
            used |= spec[i][1]
    saved = []
    for i, a in enumerate(args):
        if _POS[i] not in used:
            saved.append(None)
        elif isinstance(a, Tensor):
            saved.append(SavedTensor(replaced.get(id(a), a) if replaced else a))
        else:
            saved.append(a)
    node = node_class(row.name)([args[i] for i in positions], _pointwise_formula)
    node.out_meta = [(res._shape, res._dtype)]
    node.pw = (spec, positions, saved, None)
    return node


_USES_RESULT = {}


def _save_result(node, res):
    spec = node.pw[0]
    uses = _USES_RESULT.get(id(spec))
    if uses is None:
        uses = _USES_RESULT[id(spec)] = "result" in set().union(*(s[1] for s in spec if s is not None))
    if uses:
        spec, positions, saved, _ = node.pw
        node.pw = (spec, positions, saved, SavedTensor(res, True, 0))


@_layouts.register("pointwise", "autograd")
def pointwise(row, args, out, inplace, name, compute):
    """``_dispatch.elementwise`` for operands of which one is a GradTensor."""
    label = name or row.name
    if out is not None:
        return _pointwise_out(row, args, out, inplace, name, label, compute)
    res = elementwise(row, [plain(a) for a in args], None, name=name, compute=compute)
    if not _STATE[0] or res._dtype.category not in _DIFF or not any(requires_grad(a) for a in args):
        return res
    node = _record_pointwise(row, args, res, label)
    if node is None:
        return res
    make_result(res, node)
    _save_result(node, res)
    return res


def _out_error(label):
    return RuntimeError(f"{label}(): functions with out=... arguments don't support automatic differentiation, "
                        "but one of the arguments requires grad.")


def _pointwise_out(row, args, out, inplace, name, label, compute):
    need = _STATE[0] and (any(requires_grad(a) for a in args) or (inplace and requires_grad(out)))
    pargs = [plain(a) for a in args]
    if not inplace:
        if need:
            raise _out_error(label.rstrip("_"))
        elementwise(row, pargs, plain(out), name=name, compute=compute)
        return out
    check_inplace(out, label)
    node = None
    if need and out._dtype.category in _DIFF:
        replaced = {}
        if row.grad not in (None, NONDIFF):
            used = set().union(*(s[1] for s in _pointwise_spec(row) if s is not None))
            for i, a in enumerate(args):
                if a is out and _POS[i] in used:
                    replaced[id(a)] = plain(out).clone()
        node = _record_pointwise(row, args, out, label, replaced=replaced)
    elementwise(row, pargs, pargs[0] if args[0] is out else plain(out), inplace=True, name=name, compute=compute)
    if node is not None:
        rebase(out, node)
        _save_result(node, out)
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
        if need:
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

"""Recording ops into the graph: the node of an op with a formula, and the generic handler that
routes an op without a front door (views, shape ops, indexing, products ...) through autograd.

See Note [autograd dispatch] in tensorjit/autograd/graph.py. A formula table registers
``(op name, forward function, backward formula)``; the handler below runs the forward on
plain aliases of the tensor operands, then records an ``OpNode`` whose backward calls the
formula as ``formula(ctx, grads, *args, **kwargs)`` with the op's own arguments (the original
tensors, so that a recorded backward differentiates through them too) and returns one
gradient per tensor operand, in the order they appear in the arguments (``None`` where there
is none). The node reduces each gradient to its operand's shape (broadcasting) and casts it
to the operand's dtype, so formulas need not.
"""
from __future__ import annotations

from types import MappingProxyType

from .. import _layouts
from .._tensor import Tensor
from .graph import (GRAD_CLASSES, Node, SavedTensor, _FREED, _SEQ, _STATE, _get_data, accumulate_node,
                    check_version, make_result, plain, requires_grad, version_of)

_DIFF = (2, 3)  # float and complex dtype categories: the differentiable results


# PyTorch's node names where they are not the op's own (``true_divide`` records DivBackward0).
_NAMES = {"true_divide": "Div", "t": "T", "getitem": "Index", "copy": "ToCopy", "mm": "Mm", "matmul": "Mm",
          "clamp_min": "ClampMin", "clamp_max": "ClampMax", "add_alpha": "Add", "sub_alpha": "Sub",
          "amax": "Amax", "amin": "Amin", "max_dim": "Max", "min_dim": "Min",
          "reduce_norm": "Norm", "linalg.det": "LinalgDet", "linalg.inv": "LinalgInvEx",
          "linalg.solve": "LinalgSolveEx", "linalg.cholesky": "LinalgCholeskyEx"}
_CLASSES: dict = {}


def node_class(op):
    """The node class of ``op``, named as PyTorch names it (``MulBackward0``)."""
    cls = _CLASSES.get(op)
    if cls is None:
        base = _NAMES.get(op) or "".join(p.capitalize() for p in op.strip("_").split("_"))
        cls = _CLASSES[op] = type(base + "Backward0", (OpNode,), {})
    return cls


def _getitem_class(args):
    """The node of ``t[idx]``, named as PyTorch names it: IndexBackward0 for an advanced index
    (a sequence, a bool, an array or a tensor that is not a 0-d integer), else the last view
    PyTorch's indexing applies, dims left to right: Select (an integer), Slice (a slice: a lone
    one always, one in a tuple unless it takes the whole dim), Unsqueeze (None), or Alias when
    nothing remains (``t[...]``, ``t[:, :]``)."""
    t, idx = args[0], args[1]
    if type(idx) is slice:
        return _GETITEM["Slice"]
    items = idx if type(idx) is tuple else (idx,)
    last = "Alias"
    dim = 0
    n_ell = len(t._shape) - sum(1 for i in items if i is not None and i is not Ellipsis)
    for i in items:
        if i is None:
            last = "Unsqueeze"
        elif i is Ellipsis:
            dim += max(n_ell, 0)
        elif type(i) is slice:
            n = t._shape[dim] if dim < len(t._shape) else 0
            start, stop, step = i.indices(n)
            if not (start == 0 and stop == n and step == 1):
                last = "Slice"
            dim += 1
        elif type(i).__name__ in ("bool", "bool_") or isinstance(i, (list, tuple)) or not _is_int_index(i):
            return _GETITEM["Index"]
        else:
            last = "Select"
            dim += 1
    return _GETITEM[last]


def _is_int_index(i):
    if isinstance(i, Tensor):
        return i._shape == () and i._dtype.category == 1
    return hasattr(i, "__index__") and getattr(i, "ndim", 0) == 0


# Per op, a function of the op's arguments choosing its node class (PyTorch names some ops'
# nodes after the form of their arguments).
_CLASS_OF = {"getitem": _getitem_class}


_NO_EDGE = (None, 0)


def _edge(t):
    # graph.edge with the leaf's live AccumulateGrad read inline (every recorded op calls it).
    if type(t) in GRAD_CLASSES:
        m = t._ag
        fn = m.grad_fn
        if fn is not None:
            return (fn, m.output_nr)
        if m.requires_grad:
            ref = m.acc
            node = ref() if ref is not None else None
            return (node if node is not None else accumulate_node(t), 0)
    return _NO_EDGE


class OpNode(Node):
    """The node of an op with a backward formula (see the module docstring)."""

    versions = None
    outputs = None
    args = ()
    kwargs = MappingProxyType({})

    def __init__(self, inputs, formula):
        self.next_functions = tuple([_edge(t) for t in inputs])
        self._seq = next(_SEQ)
        self.formula = formula
        self.in_meta = [(t._shape, t._dtype) for t in inputs]
        self.inputs = inputs

    @property
    def needs_input_grad(self):
        return tuple(e[0] is not None for e in self.next_functions)

    def needs(self, i):
        return self.next_functions[i][0] is not None

    def saved(self, t):
        """Input ``t`` for use in backward, checked against its version at record time."""
        if self._released:
            raise RuntimeError(_FREED)
        for i, x in enumerate(self.inputs):
            if x is t:
                check_version(t, self.versions[i])
                break
        return t

    def result(self, i=0):
        """The op's ``i``-th output (saved when recorded)."""
        return self.outputs[i].unpack(self)

    def release(self):
        # Free what was saved; a later use raises PyTorch's error (SavedTensor.unpack).
        self._released = True
        for s in _saved_of(self):
            s.value = None

    def apply(self, grads):
        res = self.formula(self, grads)
        if isinstance(res, Tensor) or res is None:
            # One gradient: the first operand's (the others are indices, masks ...).
            res = (res,) + (None,) * (len(self.next_functions) - 1)
        res = list(res)
        if len(res) != len(self.next_functions):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                               f"{len(self.next_functions)}, got {len(res)})")
        for i, g in enumerate(res):
            if g is None or self.next_functions[i][0] is None:
                res[i] = None
                continue
            shape, dtype = self.in_meta[i]
            res[i] = fit(g, shape, dtype)
        return res


def _saved_of(node):
    d = node.__dict__
    for s in d.get("outputs") or ():
        if s is not None:
            yield s
    if d.get("saved_x") is not None:
        yield d["saved_x"]
    pw = d.get("pw")
    if pw is not None:
        for s in pw[2]:
            if type(s) is SavedTensor:
                yield s
        if pw[3] is not None:
            yield pw[3]


def fit(g, shape, dtype):
    """Gradient ``g`` summed down to ``shape`` (undoing broadcasting) and cast to ``dtype``."""
    if not isinstance(g, Tensor):
        from .._creation import full
        return full(shape, g, dtype=dtype)
    if g._shape != shape:
        g = sum_to(g, shape)
    if g._dtype is not dtype:
        if g._dtype.category == 3 and dtype.category != 3:
            from .._complex import real
            g = real(g)
        if g._dtype is not dtype:
            g = g.to(dtype)
    return g


def sum_to(g, shape):
    """``g`` summed over the dims broadcasting added to ``shape`` (``Tensor.sum_to_size``)."""
    lead = len(g._shape) - len(shape)
    if lead < 0:
        return g.reshape(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g._shape[lead + i] != 1)
    if dims:
        g = g.sum(dims, keepdim=True)
    if g._shape != shape:
        g = g.reshape(shape)
    return g


_SET_DATA = Tensor.__dict__["_data"].__set__
_new = object.__new__


def alias(t):
    """``plain(t)`` without the guarded ``_data`` read (ops pass every operand through here):
    a plain Tensor over GradTensor ``t``'s storage and layout; anything else as is."""
    cls = type(t)
    if cls in GRAD_CLASSES:
        if cls._plain_class is not Tensor:
            return plain(t)
        r = _new(Tensor)
        _SET_DATA(r, _get_data(t))
        r._shape = t._shape
        r._strides = t._strides
        r._offset = t._offset
        r._dtype = t._dtype
        r._dense = t._dense
        return r
    return t


def _unwrap(args, kwargs):
    """Plain aliases for the GradTensors among ``args``/``kwargs`` (one level into lists and
    tuples), and the flat list of the original tensor operands."""
    inputs = []
    pa = []
    for a in args:
        if isinstance(a, Tensor):
            inputs.append(a)
            pa.append(alias(a))
        elif isinstance(a, (list, tuple)) and a and any(isinstance(x, Tensor) for x in a):
            inputs.extend(x for x in a if isinstance(x, Tensor))
            pa.append(type(a)(alias(x) for x in a) if type(a) in (list, tuple) else [alias(x) for x in a])
        else:
            pa.append(a)
    if not kwargs:
        return pa, kwargs, inputs
    pk = {}
    for k, v in kwargs.items():
        if isinstance(v, Tensor):
            inputs.append(v)
            pk[k] = alias(v)
        else:
            pk[k] = v
    return pa, pk, inputs


def _outputs(out):
    """The tensor outputs of ``out`` and a function rebuilding ``out`` from replacements."""
    if isinstance(out, Tensor):
        return [out], lambda xs: xs[0]
    if isinstance(out, tuple) and hasattr(out, "_fields"):
        return list(out), lambda xs: type(out)(*xs)
    if isinstance(out, (tuple, list)):
        return list(out), lambda xs: type(out)(xs)
    return [], lambda xs: out


def not_implemented(name):
    return RuntimeError(f"{name}: differentiation is not implemented yet (an input requires grad; call it on "
                        "detached tensors or under tensorjit.no_grad())")


def register_op(name, fn, backward, *, view=False, saves_result=False):
    """Route op ``name`` (implemented by ``fn``) through autograd with ``backward`` as its
    formula; ``backward=None`` marks it not differentiable yet (an error when an input
    requires grad), ``backward=False`` never differentiable (plain results)."""

    def handler(*args, **kwargs):
        pa, pk, inputs = _unwrap(args, kwargs)
        out = fn(*pa, **pk)
        if backward is False or not _STATE[0] or not any(requires_grad(t) for t in inputs):
            return out
        if backward is None:
            raise not_implemented(name)
        outs, rebuild = _outputs(out)
        node = (cls if class_of is None else class_of(args))(inputs, backward_call)
        node.args, node.kwargs = args, kwargs
        node.versions = [version_of(t) for t in inputs]
        node.out_meta = [(o._shape, o._dtype) if isinstance(o, Tensor) else None for o in outs]
        node.n_outputs = len(outs)
        base = inputs[0] if view else None
        new = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor) and o._dtype.category in _DIFF:
                if any(o is t for t in inputs) or type(o) in GRAD_CLASSES:
                    o = Tensor.detach(o)
                make_result(o, node, i, base if base is not None and o._data is base._data else None)
            new.append(o)
        if saves_result:
            node.outputs = [SavedTensor(o, True, i) if isinstance(o, Tensor) else None for i, o in enumerate(new)]
        return rebuild(new)

    cls = node_class(name)
    class_of = _CLASS_OF.get(name)

    def backward_call(node, grads):
        return backward(node, grads if node.n_outputs > 1 else grads[0], *node.args, **node.kwargs)

    handler.__name__ = name
    _layouts.register(name, "autograd")(handler)
    return handler


_GETITEM = {k: type(k + "Backward0", (OpNode,), {}) for k in ("Select", "Slice", "Unsqueeze", "Alias")}
_GETITEM["Index"] = node_class("getitem")


def any_requires_grad(*xs):
    return any(requires_grad(x) for x in xs)

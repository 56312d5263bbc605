"""The autograd graph: tensors that require grad, graph nodes, saved tensors and version counters.

Note [autograd tensors]
    A tensor that requires grad, or that an op computed from one (it has a ``grad_fn``), is a
    ``GradTensor``: a Tensor subclass with no slots of its own, so ``t.__class__ = GradTensor``
    turns a plain tensor into one in place (``requires_grad_()``) and back (``detach_()``).
    Its metadata lives in ``Tensor._ag`` (an ``AutogradMeta``), a slot that stays unset on
    tensors autograd never touched. ``nn.Parameter`` subclasses GradTensor; every subclass is
    registered in ``_layouts.KEYED`` when it is defined (``__init_subclass__``).

Note [autograd dispatch]
    GradTensor has ``_dispatch_key = "autograd"`` and a priority above the layouts', so the
    front doors that already route keyed classes (pointwise, reductions) and the routing lines
    at the top of the other differentiable functions (views, indexing, shape ops, products ...)
    send any call with a GradTensor operand to a handler registered here for ``(op,
    "autograd")`` (tensorjit/autograd/_pointwise.py, _ops.py). The handler runs the dense op on
    detached aliases of its operands and, when grad mode is on and an operand requires grad,
    records a node whose backward comes from the op's formula (the ``grad`` field of its row
    in kernels/opdefs.py or kernels/reductions.py, or the formula tables _formulas_*.py).
    Dense tensors never reach this package: ``a + b`` and ``x.sum()`` pay nothing for it.
    Backward formulas are written with tensorjit ops, so ``create_graph=True`` records the
    backward itself (higher-order gradients) by the same route. The handlers register when
    the first tensor requires grad (``_install``), not at ``import tensorjit``. An op without
    a route that meets a tensor requiring grad raises instead of dropping the gradient (Note
    [storage guard]); non-differentiable results (bool, integer) come back as plain tensors.

Note [version counter]
    Every storage has a version, shared by all its views (keyed by the root NumPy array of
    ``_data``) and bumped by each in-place op and ``out=`` write, once autograd has been used
    in the process (``_tensor.VERSION_HOOK``; dense code pays nothing before that). A saved
    tensor remembers the version it was saved at and refuses to be used in backward once the
    storage moved on, with PyTorch's message.
"""
from __future__ import annotations

import itertools
import sys
import weakref

import numpy as np

from .. import _layouts, _tensor
from .._tensor import Tensor, _new
from . import grad_mode

_STATE = grad_mode.STATE


# -- version counters (Note [version counter]) -------------------------------------------
_VERSIONS: dict = {}


def _root(data):
    b = data.base
    while isinstance(b, np.ndarray):
        data = b
        b = data.base
    return data


def version_of(t):
    """The version of ``t``'s storage (0 for a storage never written in place under autograd)."""
    data = _get_data(t)
    if type(data) is not np.ndarray:
        if type(data) is not _DEVICE_BUFFER[0]:
            return 0
        r = data    # Note [cuda version counter] in tensorjit/autograd/_cuda.py
    else:
        r = _root(data)
    e = _VERSIONS.get(id(r))
    return e[1] if e is not None and e[0]() is r else 0


def bump(t):
    """Count one in-place write to ``t``'s storage."""
    data = _get_data(t)
    if type(data) is not np.ndarray:
        if type(data) is not _DEVICE_BUFFER[0]:
            return
        r = data    # Note [cuda version counter] in tensorjit/autograd/_cuda.py
    else:
        r = _root(data)
    k = id(r)
    e = _VERSIONS.get(k)
    if e is not None and e[0]() is r:
        e[1] += 1
        return

    def gone(ref, k=k):
        cur = _VERSIONS.get(k)
        if cur is not None and cur[0] is ref:
            del _VERSIONS[k]
    _VERSIONS[k] = [weakref.ref(r, gone), 1]


# The DeviceBuffer class, once a CUDA tensor met autograd (tensorjit/autograd/_cuda.py).
_DEVICE_BUFFER = [None]


def _cuda():
    """tensorjit/autograd/_cuda.py, loaded when a CUDA tensor first meets autograd."""
    from . import _cuda as mod
    if _DEVICE_BUFFER[0] is None:
        from .._storage import DeviceBuffer
        _DEVICE_BUFFER[0] = DeviceBuffer
    return mod


def _install():
    # The first tensor that requires grad turns version counting on for the process and
    # registers the op handlers (kept out of ``import tensorjit``).
    if _tensor.VERSION_HOOK[0] is None:
        import importlib
        for mod in ("_pointwise", "_ops"):     # they register themselves with tensorjit._layouts
            importlib.import_module(f"{__package__}.{mod}")
        _tensor.VERSION_HOOK[0] = bump


# -- metadata and the tensor class ------------------------------------------------------------
class AutogradMeta:
    """A tensor's autograd state (Note [autograd tensors])."""

    __slots__ = ("requires_grad", "grad", "grad_fn", "output_nr", "retains_grad", "hooks", "acc", "view_of")

    def __init__(self, requires_grad=False, grad_fn=None, output_nr=0):
        self.requires_grad = requires_grad
        self.grad = None
        self.grad_fn = grad_fn
        self.output_nr = output_nr
        self.retains_grad = False
        self.hooks = None       # leaf hooks, run by AccumulateGrad: {id: fn}
        self.acc = None         # weakref to the leaf's AccumulateGrad node
        self.view_of = None     # the base tensor of a view recorded by autograd


_FN_SLOT = AutogradMeta.__dict__["grad_fn"]


class ViewMeta(AutogradMeta):
    """The autograd state of a view recorded by autograd (Note [view history] in _copyslices.py):
    ``view_of`` is the ROOT base, ``geometry`` the view's (shape, strides, offset), ``version``
    the storage version its ``grad_fn`` was made at, ``multi`` whether it comes from an op
    returning several views (split, chunk), which PyTorch forbids writing to in place."""

    __slots__ = ("geometry", "version", "multi")

    def __init__(self, t, node, nr, parent):
        pm = parent._ag
        root, multi = (pm.view_of, pm.multi) if type(pm) is ViewMeta else (parent, False)
        self.requires_grad = False
        self.grad = None
        _FN_SLOT.__set__(self, node)
        self.output_nr = nr
        self.retains_grad = False
        self.hooks = None
        self.acc = None
        self.view_of = root
        self.geometry = (t._shape, t._strides, t._offset)
        self.version = version_of(t)
        self.multi = multi or node.n_outputs > 1

    @property
    def grad_fn(self):
        # A write to the storage since this view's history was made (through the base or
        # another view) replaces that history by one read off the base's (PyTorch regenerates
        # a view's grad_fn lazily from its base's version the same way).
        fn = _FN_SLOT.__get__(self)
        if version_of(self.view_of) != self.version:
            from ._copyslices import regenerate
            fn = regenerate(self, fn)
        return fn

    @grad_fn.setter
    def grad_fn(self, node):
        _FN_SLOT.__set__(self, node)
        self.version = version_of(self.view_of)


def init_meta(t):
    """Give ``t`` the autograd state of a fresh leaf that does not require grad."""
    _install()
    t._ag = AutogradMeta()


def _meta(t):
    try:
        return t._ag
    except AttributeError:
        m = t._ag = AutogradMeta()
        return m


class GradTensor(Tensor):
    """A tensor that requires grad or has a ``grad_fn`` (Note [autograd tensors]).

    >>> import tensorjit as tj
    >>> x = tj.tensor([1., 2.], requires_grad=True)
    >>> type(x).__name__, (x * 3).grad_fn.name()
    ('GradTensor', 'MulBackward0')
    """

    __slots__ = ()
    _dispatch_key = "autograd"
    _dispatch_priority = 100

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _layouts.register_class(cls)
        GRAD_CLASSES.add(cls)

    @property
    def requires_grad(self):
        try:
            m = self._ag
        except AttributeError:  # a subclass instance made without init_meta
            return False
        return m.requires_grad or m.grad_fn is not None

    @requires_grad.setter
    def requires_grad(self, value):
        set_requires_grad(self, value)

    @property
    def grad_fn(self):
        return self._ag.grad_fn

    @property
    def is_leaf(self):
        return self._ag.grad_fn is None

    @property
    def retains_grad(self):
        return self._ag.retains_grad

    @property
    def output_nr(self):
        return self._ag.output_nr

    def numpy(self, *, force=False):
        if self.requires_grad and not force:
            mod = sys._getframe(1).f_globals.get("__name__", "")
            if mod.startswith("tensorjit") and not mod.startswith(_AWARE):
                # An op computing through NumPy (Note [storage guard]): fine without grad mode.
                if not _STATE[0] or not refused_read():
                    return Tensor.numpy(self)
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        return Tensor.numpy(self)

    def tolist(self):
        return Tensor.numpy(self).tolist()

    def item(self):
        return Tensor.item(self.detach())

    def __repr__(self):
        s = repr(self.detach())     # (a CUDA tensor's detach prints its device)
        m = self._ag
        if m.grad_fn is not None:
            return s[:-1] + f", grad_fn=<{m.grad_fn.name()}>)"
        if m.requires_grad:
            return s[:-1] + ", requires_grad=True)"
        return s

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if self._ag.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        c = self.detach().clone()
        r = _new(type(self))
        for s in ("_data", "_shape", "_strides", "_offset", "_dtype", "_dense"):
            setattr(r, s, getattr(c, s))
        r._ag = AutogradMeta(self._ag.requires_grad)
        if self._ag.grad is not None:
            r._ag.grad = self._ag.grad.clone()
        memo[id(self)] = r
        return r

    def __reduce__(self):
        return (_rebuild_grad, (np.ascontiguousarray(Tensor.numpy(self)), self.requires_grad and self.is_leaf))


def _rebuild_grad(arr, requires_grad):
    from .._creation import from_numpy
    t = from_numpy(arr)
    if requires_grad:
        t.requires_grad_()
    return t


GRAD_CLASSES = {GradTensor}
# The plain class a grad class turns back into (``requires_grad_(False)``, ``detach_()``); the
# CUDA one joins when loaded. Subclasses (nn.Parameter) keep their class.
_PLAIN = {GradTensor: Tensor}
GradTensor._plain_class = Tensor     # what Tensor.detach makes of it (CudaGradTensor: CudaTensor)
_layouts.register_class(GradTensor)


# Note [storage guard]
#     Ops reach a GradTensor's storage only through the autograd handlers, which pass plain
#     aliases to the dense code. Any other module reading ``_data`` of a tensor that requires
#     grad, while grad mode is on, is an op without a derivative about to drop the gradient:
#     the read raises "<op>: differentiation is not implemented yet", naming the public
#     function the user called. Modules that handle such tensors knowingly are listed here,
#     and ops whose results PyTorch never differentiates (indices, masks, counts, histograms)
#     in NONDIFFERENTIABLE: they read the storage as a plain tensor's and return plain results.
_SLOT = Tensor.__dict__["_data"]
_get_data = _SLOT.__get__
_AWARE = ("tensorjit._tensor", "tensorjit.autograd", "tensorjit._layouts", "tensorjit.nn.parameter",
          "tensorjit.nn.module", "tensorjit.optim", "tensorjit.serialization", "tensorjit.safetensors",
          "tensorjit.hdf5", "tensorjit.cuda", "tensorjit._html", "tensorjit._printing")


def _guarded_data(self):
    if _STATE[0]:
        try:
            m = self._ag
        except AttributeError:
            m = None
        if m is not None and (m.requires_grad or m.grad_fn is not None):
            mod = sys._getframe(1).f_globals.get("__name__", "")
            if mod.startswith("tensorjit") and not mod.startswith(_AWARE):
                refused_read()
    return _get_data(self)


_WRAPPERS = frozenset({"op", "r", "operator", "op_", "wrapper", "inner", "f", "method", "cast", "fn", "handler"})
NONDIFFERENTIABLE = frozenset({"argsort", "bucketize", "searchsorted", "isin", "histc", "histogram",
                               "count_nonzero", "nonzero", "argwhere", "equal", "allclose", "isclose"})


def refused_read():
    """Raise "<op>: differentiation is not implemented yet" for the public op reading a tensor
    that requires grad, unless its results are never differentiable (Note [storage guard]);
    returns False when the read may go on."""
    op = _caller_op(3)
    if op in NONDIFFERENTIABLE:
        return False
    from ._record import not_implemented
    raise not_implemented(op)


def _caller_op(skip=2):
    """The public tensorjit function the user called: the outermost tensorjit frame's name."""
    f = sys._getframe(skip)
    name = "this op"
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if mod.startswith("tensorjit") and not mod.startswith("tensorjit.autograd"):
            n = f.f_code.co_name
            if not n.startswith("<") and n not in _WRAPPERS:
                name = n[:-len("_method")] if n.endswith("_method") else n
                name = name.lstrip("_") or name
        f = f.f_back
    return name


def _set_data(self, value):
    _SLOT.__set__(self, value)
    if type(value) is not np.ndarray:
        # Re-pointed at device storage (nn.Parameter moved by Module.to): the class's CUDA twin.
        self.__class__ = _cuda().cuda_twin(type(self))


GradTensor._data = property(_guarded_data, _set_data)


def is_grad(t):
    """Whether ``t`` is a GradTensor (of any subclass)."""
    return type(t) in GRAD_CLASSES


def requires_grad(t):
    """``t.requires_grad`` for tensors, False for anything else."""
    if type(t) in GRAD_CLASSES:
        m = t._ag
        return m.requires_grad or m.grad_fn is not None
    return False


def plain(t):
    """A plain Tensor alias of GradTensor ``t`` (same storage and layout); anything else as is."""
    if type(t) in GRAD_CLASSES:
        return Tensor.detach(t)
    return t


_DIFF_CATEGORIES = (2, 3)   # float, complex (tensorjit._dtypes categories)


def _check_can_require(t, op="requires_grad_", factory=False):
    if t._dtype.category not in _DIFF_CATEGORIES:
        # PyTorch's two messages: the factories' and requires_grad_()'s.
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients" if factory
                           else "only Tensors of floating point dtype can require gradients")
    if type(t) is not Tensor and t.is_cuda:
        _cuda()     # Note [cuda grad tensors]


def set_requires_grad(t, value, factory=False):
    """``t.requires_grad = value`` with PyTorch's checks (``factory``: for ``requires_grad=True``
    of a factory function)."""
    value = bool(value)
    if type(t) in GRAD_CLASSES:
        m = _meta(t)
        if value:
            _check_can_require(t)
            _install()
        if m.grad_fn is not None:
            if not value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use "
                                   "a computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return
        m.requires_grad = value
        if not value and type(t) in _PLAIN:
            t.__class__ = _PLAIN[type(t)]
        return
    if not value:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"requires_grad_: expected a Tensor, got {type(t).__name__}")
    _check_can_require(t, factory=factory)
    _install()
    m = _meta(t)
    m.requires_grad = True
    t.__class__ = GradTensor if type(t) is Tensor else _cuda().grad_class(t)


def set_grad(t, value):
    """``t.grad = value``: a tensor of ``t``'s shape and dtype, or None."""
    if value is not None:
        if not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                            f"{type(value).__name__}")
        if value._dtype is not t._dtype:
            raise RuntimeError("assigned grad has data of a different type")
        if value._shape != t._shape:
            raise RuntimeError("assigned grad has data of a different size")
    _meta(t).grad = value


def detach_(t):
    """``t.detach_()``: ``t`` leaves its graph and stops requiring grad."""
    if type(t) in GRAD_CLASSES:
        m = t._ag
        if m.view_of is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using "
                               "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is "
                               "set as True, gradients are views of DDP buckets, and hence detach_() cannot "
                               "be called on these gradients. To fix this error, please refer to the "
                               "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        m.grad_fn = None
        m.requires_grad = False
        m.output_nr = 0
        if type(t) in _PLAIN:
            t.__class__ = _PLAIN[type(t)]
    return t


def make_result(t, node, nr=0, view_of=None):
    """Turn the fresh plain result ``t`` into the ``nr``-th output of ``node``."""
    cls = GradTensor if type(t) is Tensor else _cuda().grad_class(t)
    _install()
    t._ag = AutogradMeta(False, node, nr) if view_of is None else ViewMeta(t, node, nr, view_of)
    t.__class__ = cls
    return t


def rebase(t, node, nr=0):
    """Make ``node`` the history of ``t`` after an in-place op (``t`` may have been a plain tensor)."""
    m = _meta(t)
    m.grad_fn = node
    m.output_nr = nr
    if type(t) not in GRAD_CLASSES:
        t.__class__ = GradTensor if type(t) is Tensor else _cuda().grad_class(t)


def check_inplace(t, name, views=False):
    """PyTorch's refusals for an in-place op on ``t`` while grad mode is on; ``views``: the
    caller rebases a written view's base (``_copyslices.rebase_inplace``), so a view of a
    tensor with history may be written (otherwise that raises)."""
    if type(t) in GRAD_CLASSES and _STATE[0]:
        m = t._ag
        if type(m) is ViewMeta:
            if m.multi:
                fn = _FN_SLOT.__get__(m)
                raise RuntimeError(f"Output {m.output_nr} of {_op_name(fn)} is a view and is being modified "
                                   "inplace. This view is the output of a function that returns multiple views. "
                                   "Such functions do not allow the output views to be modified inplace. You "
                                   "should replace the inplace operation by an out-of-place one.")
            base = m.view_of
            if requires_grad(base):
                if base.is_leaf:
                    raise RuntimeError(f"{name}: a view of a leaf Variable that requires grad is being used in "
                                       "an in-place operation.")
                if not views:
                    raise RuntimeError(f"{name}: in-place operations on a view of a tensor that requires grad "
                                       "are not implemented yet; clone() the view first")
        elif m.grad_fn is None and m.requires_grad:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place "
                               "operation.")


def _op_name(node):
    """PyTorch's name of the op behind ``node`` in messages ("Split" for SplitBackward0)."""
    n = node.name() if node is not None else ""
    return n[:-len("Backward0")] if n.endswith("Backward0") else n


# -- graph nodes --------------------------------------------------------------------------------
_SEQ = itertools.count()
_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
          "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
          "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
          "if you need to access saved tensors after calling backward.")


class Node:
    """One recorded op in the graph: ``next_functions`` are ``(node, output index)`` pairs, one per
    differentiable input (``(None, 0)`` for an input that does not require grad)."""

    # Class-level defaults, set on the instance only when they change (one op records one node).
    n_outputs = 1
    _released = False
    _pre_hooks = None       # output index -> {id: fn} (tensor hooks of non-leaf outputs)
    _hooks = None           # {id: fn(grad_inputs, grad_outputs)}
    _node_pre_hooks = None
    _retained = None        # output index -> weakref of a tensor that retains its grad
    out_meta = ()           # (shape, dtype) per output, to materialise missing grads

    def __init__(self, edges=()):
        self.next_functions = tuple(edges)
        self._seq = next(_SEQ)

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def apply(self, grads):
        raise NotImplementedError

    def __call__(self, *grads):
        return self.apply(list(grads))

    def release(self):
        self._released = True

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` after this node runs; returns a removable handle."""
        if self._hooks is None:
            self._hooks = {}
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` before this node runs; a returned tuple replaces the grads."""
        if self._node_pre_hooks is None:
            self._node_pre_hooks = {}
        return _Handle(self._node_pre_hooks, fn)

    @property
    def metadata(self):
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self._metadata = {}
        return d


class _Handle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, table, fn):
        self.table = table
        self.id = next(self._ids)
        table[self.id] = fn

    def remove(self):
        self.table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds the incoming gradient into ``leaf.grad``."""

    def __init__(self, leaf):
        super().__init__()
        self.variable = leaf
        self.out_meta = ((leaf._shape, leaf._dtype),)

    def release(self):
        pass    # nothing saved: a leaf can be backpropagated into any number of times

    def run_leaf_hooks(self, g):
        m = self.variable._ag
        if m.hooks:
            for fn in list(m.hooks.values()):
                r = fn(g)
                if r is not None:
                    g = r
        return g

    def apply(self, grads):
        g = self.run_leaf_hooks(grads[0])
        if g is None:
            return ()
        leaf = self.variable
        m = leaf._ag
        if _STATE[0]:       # create_graph: the accumulated grad keeps its own history
            m.grad = g if m.grad is None else m.grad + g
            return ()
        g = plain(g)
        if g._dtype is not leaf._dtype:
            g = g.to(leaf._dtype)
        if m.grad is None:
            # A copy: the incoming grad may alias another leaf's grad or a user tensor.
            m.grad = g.clone(memory_format="contiguous_format") if g.is_contiguous() or 0 in g._strides \
                else g.clone()
        elif requires_grad(m.grad):
            m.grad = m.grad + g
        else:
            from ._pointwise import add_into
            add_into(m.grad, g)
        return ()


def accumulate_node(leaf):
    """The leaf's AccumulateGrad node (one per leaf while any graph holds it)."""
    m = leaf._ag
    ref = m.acc
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        m.acc = weakref.ref(node)
    return node


def edge(t):
    """The graph edge gradients of ``t`` flow into: ``(node, output index)``, or ``(None, 0)``."""
    if type(t) in GRAD_CLASSES:
        m = t._ag
        if m.grad_fn is not None:
            return (m.grad_fn, m.output_nr)
        if m.requires_grad:
            return (accumulate_node(t), 0)
    return (None, 0)


class SavedTensor:
    """A tensor saved for backward, with the version its storage had (Note [version counter]).

    An op's own output is kept as a plain alias (no reference cycle through its grad_fn) and
    given its history back on unpacking when the backward itself is recorded."""

    __slots__ = ("value", "version", "is_output", "nr")

    def __init__(self, t, is_output=False, nr=0):
        self.is_output = is_output
        self.nr = nr
        self.value = plain(t) if is_output else t
        self.version = version_of(t)

    def unpack(self, node):
        if node._released:
            raise RuntimeError(_FREED)
        v = self.value
        check_version(v, self.version, node if self.is_output else None, self.nr)
        if self.is_output and _STATE[0]:
            v = Tensor.detach(v)
            make_result(v, node, self.nr)
        return v


def check_version(v, expected, producer=None, nr=0):
    """Raise PyTorch's in-place error when ``v``'s storage moved past version ``expected``;
    ``producer`` is the node whose output ``nr`` ``v`` is (found from ``v`` when None)."""
    now = version_of(v)
    if now == expected:
        return
    if producer is None and type(v) in GRAD_CLASSES and v._ag.grad_fn is not None:
        producer, nr = v._ag.grad_fn, v._ag.output_nr
    # PyTorch names the producing op without the node suffix ("output 0 of Exp").
    op = producer.name()[:-len("Backward0")] if producer is not None and producer.name().endswith("Backward0") \
        else producer.name() if producer is not None else ""
    where = f", which is output {nr} of {op}," if producer is not None else ""
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[tensorjit.{_legacy(v)} {list(v._shape)}]{where} is at version {now}; expected version {expected} "
        "instead. Hint: the backtrace further above shows the operation that failed to compute its gradient. "
        "The variable in question was changed in there or anywhere later. Good luck!")


def _legacy(t):
    from .._copy import _LEGACY_NAMES
    return _LEGACY_NAMES.get(t._dtype.name, t._dtype.name)


# -- tensor hooks ----------------------------------------------------------------------------
def register_hook(t, hook):
    """``t.register_hook(hook)``."""
    if not requires_grad(t):
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    m = t._ag
    if m.grad_fn is None:
        if m.hooks is None:
            m.hooks = {}
        return _Handle(m.hooks, hook)
    node = m.grad_fn
    if node._pre_hooks is None:
        node._pre_hooks = {}
    return _Handle(node._pre_hooks.setdefault(m.output_nr, {}), hook)


def retain_grad(t):
    """``t.retain_grad()``: a non-leaf keeps its gradient in ``.grad``."""
    if not requires_grad(t):
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    m = t._ag
    if m.grad_fn is None or m.retains_grad:
        return
    m.retains_grad = True
    node = m.grad_fn
    if node._retained is None:
        node._retained = {}
    node._retained[m.output_nr] = weakref.ref(t)

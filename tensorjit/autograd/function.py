"""``autograd.Function``: user-defined differentiable ops with PyTorch's API.

>>> import tensorjit as tj
>>> class Square(tj.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x * x
...     @staticmethod
...     def backward(ctx, grad):
...         x, = ctx.saved_tensors
...         return 2 * x * grad
>>> x = tj.tensor([1., 3.], requires_grad=True)
>>> Square.apply(x).sum().backward(); x.grad.tolist()
[2.0, 6.0]
"""
from __future__ import annotations

import functools

from .._tensor import Tensor
from . import grad_mode
from .graph import (GRAD_CLASSES, Node, SavedTensor, ViewMeta, _FREED, _STATE, check_inplace, edge, make_result,
                    plain, requires_grad, version_of)
from ._copyslices import rebase_inplace
from ._record import fit

_DIRTY_VIEW = ("If your Function modifies inplace an input that is a view of another Tensor, your Function cannot "
               "return more than one Tensor. This is not supported by the current autograd engine. You should either "
               "make sure the input is not a view (using .clone() for example) or make your Function only return one "
               "Tensor (potentially splitting it into two Functions: one doing the inplace that returns a single "
               "Tensor and a second one that does the other operations). You can ask on the forum "
               "https://discuss.pytorch.org/ if you need help to do this change.")

__all__ = ["Function", "FunctionCtx", "once_differentiable", "InplaceFunction"]


class FunctionCtx:
    """What ``forward`` and ``backward`` receive as ``ctx`` (PyTorch's ``FunctionCtx``); it is
    also the recorded node (``y.grad_fn``)."""

    def save_for_backward(self, *tensors):
        """Keep ``tensors`` (or None) for ``backward`` (``ctx.saved_tensors``), with their versions."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors

    def mark_dirty(self, *tensors):
        """Declare the tensors ``forward`` modified in place (they must be among its outputs)."""
        self.dirty_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that never require grad (their gradient in ``backward`` is zeros)."""
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        """Whether ``backward`` gets zeros (True, the default) or None for outputs without a gradient."""
        self.materialize_grads = bool(value)


class BackwardCFunction(FunctionCtx, Node):
    """The node of one ``Function.apply`` call."""

    _forward_cls = None

    def __init__(self, edges):
        Node.__init__(self, edges)
        self.to_save = ()
        self.dirty_tensors = ()
        self.non_differentiable = ()
        self.materialize_grads = True
        self.needs_input_grad = ()
        self._saved = None

    @property
    def materialize(self):
        return self.materialize_grads

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(_FREED)
        if self._saved is None:
            return tuple(t for t in self.to_save)
        return tuple(None if s is None else s.unpack(self) for s in self._saved)

    saved_variables = saved_tensors

    def release(self):
        self._released = True
        self._saved = None

    def apply(self, grads):
        cls = self._forward_cls
        res = cls.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        # PyTorch's contract: one gradient per forward argument (None for non-tensors); the
        # edges are per tensor argument, so pick the tensors' gradients by argument position.
        n, pos, n_args = len(self.next_functions), self._arg_pos, self._n_args
        if len(res) > n_args and all(r is None for r in res[n_args:]):
            res = res[:n_args]
        if len(res) == n_args:
            res = tuple(res[i] for i in pos)
        elif not (len(res) == n and pos == list(range(n))):   # tensors first: trailing args may be left out
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                               f"{n_args}, got {len(res)})")
        out = []
        for i, g in enumerate(res):
            if g is None or self.next_functions[i][0] is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type {type(g).__name__} for input "
                                f"{i}: expected a Tensor or None")
            shape, dtype = self.in_meta[i]
            if g._shape != shape:
                try:
                    from .._shape import broadcast_shapes
                    ok = broadcast_shapes(shape, g._shape) == g._shape
                except Exception:
                    ok = False
                if not ok:
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {i} - got "
                                       f"{list(g._shape)} but expected shape compatible with {list(shape)}")
            out.append(fit(g, shape, dtype))
        return out


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})


class Function(FunctionCtx, metaclass=_FunctionMeta):
    """Base class of user-defined differentiable ops: subclass it with staticmethods
    ``forward(ctx, *args, **kwargs)`` (or ``forward(*args)`` plus ``setup_context(ctx, inputs,
    output)``) and ``backward(ctx, *grad_outputs)``, and call ``YourFunction.apply(...)``."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use new-"
                           "style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        tensors = [a for a in args if isinstance(a, Tensor)]
        needs = tuple(isinstance(a, Tensor) and requires_grad(a) for a in args)
        record = _STATE[0] and any(needs)
        node = cls._backward_cls([edge(a) for a in tensors] if record else [])
        node.needs_input_grad = needs
        node.in_meta = [(t._shape, t._dtype) for t in tensors]
        node._arg_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        node._n_args = len(args)
        custom_setup = cls.setup_context is not Function.setup_context
        with grad_mode.no_grad():
            if custom_setup:
                out = cls.forward(*args, **kwargs)
            else:
                out = cls.forward(node, *args, **kwargs)
        if custom_setup:
            cls.setup_context(node, args, out)
        if not record:
            return out
        # Edges are per tensor input, needs_input_grad per argument, as in PyTorch.
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        node.next_functions = tuple(node.next_functions[k] if needs[i] else (None, 0) for k, i in enumerate(idx))
        single = isinstance(out, Tensor)
        outs = [out] if single else list(out) if isinstance(out, (tuple, list)) else [out]
        dirty = {id(t) for t in node.dirty_tensors}
        nondiff = {id(t) for t in node.non_differentiable}
        node.n_outputs = len(outs)
        node.out_meta = [(o._shape, o._dtype) if isinstance(o, Tensor) else None for o in outs]
        new = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                new.append(o)
                continue
            if id(o) in nondiff or o._dtype.category not in (2, 3):
                new.append(o)
                continue
            if id(o) in dirty:
                check_inplace(o, cls.__name__, views=True)
                if type(getattr(o, "_ag", None)) is ViewMeta and len(outs) > 1:
                    raise RuntimeError(_DIRTY_VIEW)
                # A dirty view rebases its base on a CopySlices (Note [view history]); ``k``: the
                # view's place among the node's inputs, whose gradient goes back into the region.
                rebase_inplace(o, node, i, _index(tensors, o))
            else:
                if any(o is t for t in tensors) or type(o) in GRAD_CLASSES:
                    o = Tensor.detach(o)
                make_result(o, node, i)
            new.append(o)
        to_save = node.to_save
        node._saved = tuple(None if t is None else
                            SavedTensor(t, True, _index(new, t)) if _index(new, t) is not None else SavedTensor(t)
                            for t in _replace(to_save, outs, new))
        if single:
            return new[0]
        return type(out)(new) if isinstance(out, (tuple, list)) else out


def _index(seq, t):
    for i, x in enumerate(seq):
        if x is t:
            return i
    return None


def _replace(saved, old, new):
    # A saved output is the recorded output (with its grad_fn), not forward's raw tensor.
    res = []
    for t in saved:
        j = _index(old, t)
        res.append(new[j] if j is not None else t)
    return res


class InplaceFunction(Function):
    """A Function that may modify its inputs in place (kept for PyTorch compatibility)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


class _DelayedError(Function):
    """Passes ``x`` through as a node over ``inputs`` (the gradients a once-differentiable
    backward was given); differentiating through it raises (PyTorch's DelayedError)."""

    @staticmethod
    def forward(ctx, x, *inputs):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(_TWICE)


def once_differentiable(fn):
    """Decorate a ``backward`` that is not itself differentiable: it runs in no-grad mode; under
    ``create_graph=True`` its results carry a node that raises PyTorch's "trying to
    differentiate twice" error when a second derivative reaches it (never a silent zero).

    >>> import tensorjit as tj
    >>> class Square(tj.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     @tj.autograd.once_differentiable
    ...     def backward(ctx, g):
    ...         x, = ctx.saved_tensors
    ...         return 2 * x * g
    >>> x = tj.tensor([3.], requires_grad=True)
    >>> tj.autograd.grad(Square.apply(x), x)[0].tolist()
    [6.0]
    """
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            res = fn(ctx, *args)
        grads = [a for a in args if isinstance(a, Tensor) and requires_grad(a)]
        if not _STATE[0] or not grads:
            return res
        wrap = (lambda r: _DelayedError.apply(r, *grads) if isinstance(r, Tensor) and r._dtype.category in (2, 3)
                else r)
        return tuple(wrap(r) for r in res) if isinstance(res, tuple) else wrap(res)
    return wrapper


_ = (plain, version_of)

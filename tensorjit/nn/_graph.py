"""How nn joins tensorjit's autograd without depending on its internals.

Note [nn functions]
    Ops whose backward nn writes by hand (convolutions, pooling, softmax, nll, embedding) are
    plain classes with PyTorch's ``autograd.Function`` shape: static ``forward(ctx, ...)`` and
    ``backward(ctx, *grads)``. :func:`apply` runs one through a ``tensorjit.autograd.Function``
    subclass made once per class, so it records a graph node like any user Function; if the
    autograd package has no ``Function``, the forward runs with a bare context and records
    nothing. Tests call ``forward`` then ``backward`` directly as well, so a kernel's backward
    is checked on its own, independent of the graph. The kernel-backed backwards stay
    differentiable (``create_graph=True``: gradient penalties, Hessian-vector products) as
    PyTorch's are: a convolution's backward applies two more such nodes (the input gradient,
    a transposed convolution, and the weight gradient), each backward made of the others;
    pooling's applies its adjoint node (max pooling's a scatter by the saved indices, whose
    backward gathers); nll, cross_entropy, embedding, batch_norm and layer_norm compute on
    NumPy arrays while grad mode is off in the backward (first order, the fast path) and in
    tensorjit ops when it is on (the engine turns it on for ``create_graph=True`` only). Nodes
    applied inside a backward record nothing unless grad mode is on, so first-order gradients
    cost what they did. The backwards of the activations and of the binary cross entropies
    are tensorjit ops, recorded under ``create_graph=True`` only. Every other nn function is a
    composition of differentiable tensorjit ops, twice differentiable as they are.

    Argument order: tensors first, then the non-tensor arguments, and no None in a tensor slot
    before a tensor, so ``backward``'s one-gradient-per-argument tuple lines up with the
    tensor inputs however the autograd package matches the two.
"""
from __future__ import annotations

import contextlib

import numpy as np

from .. import _dtypes
from .._shape import contiguous_strides
from .._tensor import Tensor, make_dense

_FUNCS: dict = {}


class Ctx:
    """The context a Function's forward gets when no graph is recorded."""

    def __init__(self, needs_input_grad=()):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        pass


def _autograd_function():
    try:
        from ..autograd import Function
    except ImportError:
        return None
    return Function


def apply(spec, *args):
    """Run ``spec.forward`` (a class in autograd.Function form) as a graph node (Note [nn functions])."""
    fn = _FUNCS.get(spec)
    if fn is None:
        base = _autograd_function()
        if base is None:
            ctx = Ctx(tuple(isinstance(a, Tensor) and a.requires_grad for a in args))
            return spec.forward(ctx, *args)
        # named as PyTorch names the node's op (``ConvolutionBackward``), else after the class
        name = getattr(spec, "node_name", spec.__name__.lstrip("_"))
        fn = _FUNCS[spec] = type(name, (base,), {"forward": staticmethod(spec.forward),
                                                 "backward": staticmethod(spec.backward),
                                                 "__module__": spec.__module__})
    return fn.apply(*args)


def arr(t):
    """The NumPy view of tensor ``t`` (any subclass; no graph is involved)."""
    return Tensor.numpy(t)


def carr(t):
    """A C-contiguous NumPy array of ``t``'s values (a view when already contiguous; 0-d stays
    0-d, which ``np.ascontiguousarray`` would not keep)."""
    a = Tensor.numpy(t)
    return a if a.flags.c_contiguous else a.copy(order="C")


def wrap(a, dtype=None):
    """A dense tensor over NumPy array ``a`` (copied only when not C-contiguous)."""
    a = np.asarray(a)
    if not a.flags.c_contiguous:
        a = a.copy(order="C")
    shape = tuple(a.shape)
    d = dtype if dtype is not None else _dtypes.from_numpy_dtype(a.dtype)
    return make_dense(a.reshape(-1), shape, contiguous_strides(shape), 0, d)


def no_grad():
    """``tensorjit.no_grad()`` when autograd provides it, else a context that does nothing."""
    try:
        from ..autograd import no_grad as ng
    except ImportError:
        return contextlib.nullcontext()
    return ng()


def detach(t):
    """``t.detach()`` where autograd provides it, else ``t`` itself."""
    d = getattr(t, "detach", None)
    return d() if d is not None else t


def grad_enabled():
    try:
        from ..autograd import is_grad_enabled
    except ImportError:
        return False
    return is_grad_enabled()

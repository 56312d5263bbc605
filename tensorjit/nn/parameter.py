"""``Parameter``: a tensor that a Module registers as one of its parameters.

Note [parameter class]
    A Parameter is a Tensor subclass over the same storage as the tensor it was made from (no
    copy), with ``requires_grad=True`` by default. Its base is the autograd package's tensor
    class for tensors that require grad when that package defines one (so the graph treats it
    like any other leaf), else ``Tensor``. ``_set_from`` re-points a Parameter at another
    tensor's storage and metadata: ``Module.to``/``float``/``double`` convert in place that
    way, so optimizers holding the Parameter see the new values.
"""
from __future__ import annotations

from .._tensor import Tensor

__all__ = ["Parameter"]

_SLOTS = ("_data", "_shape", "_strides", "_offset", "_dtype", "_dense")


def _grad_base():
    try:
        from .. import autograd
    except ImportError:
        return Tensor
    for name in ("GradTensor", "AutogradTensor", "VariableTensor"):
        cls = getattr(autograd, name, None)
        if isinstance(cls, type) and issubclass(cls, Tensor):
            return cls
    return Tensor


_Base = _grad_base()


def _set_from(t, src):
    """Make ``t`` view ``src``'s storage with ``src``'s metadata (Note [parameter class])."""
    for s in _SLOTS:
        object.__setattr__(t, s, getattr(src, s))


def _plain(t):
    """``t`` detached from any graph as a plain dense Tensor over the same storage."""
    p = object.__new__(Tensor)
    _set_from(p, t)
    return p


class Parameter(_Base):
    """A tensor registered as a module parameter; ``requires_grad`` is True by default.

    >>> import tensorjit as tj
    >>> p = tj.nn.Parameter(tj.zeros(2))
    >>> isinstance(p, tj.Tensor), p.requires_grad
    (True, True)
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        p = object.__new__(cls)
        _set_from(p, data)
        _init_grad_state(p, bool(requires_grad))
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + _Base.__repr__(self)

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (Parameter, (_plain(self), self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        from .._views import clone
        r = Parameter(clone(_plain(self)), self.requires_grad)
        g = getattr(self, "grad", None)
        if g is not None:
            r.grad = clone(_plain(g))
        memo[id(self)] = r
        return r


def _init_grad_state(p, requires_grad):
    """Give ``p`` the autograd state of a fresh leaf that requires grad (or not)."""
    try:
        from ..autograd.graph import init_meta
    except ImportError:
        init_meta = None
    if init_meta is not None and _Base is not Tensor:
        init_meta(p)
        if requires_grad:
            p.requires_grad_(True)
    else:
        # No autograd state on tensors: keep the flag on the instance.
        p.__dict__["_nn_requires_grad"] = requires_grad


if _Base is Tensor:
    # Without autograd, a Parameter reports the flag it was made with.
    def _rg(self):
        return self.__dict__.get("_nn_requires_grad", True)

    def _set_rg(self, value):
        self.__dict__["_nn_requires_grad"] = bool(value)

    def _requires_grad_(self, requires_grad=True):
        self.__dict__["_nn_requires_grad"] = bool(requires_grad)
        return self

    Parameter.requires_grad = property(_rg, _set_rg)
    Parameter.requires_grad_ = _requires_grad_

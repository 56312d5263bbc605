"""Grad mode: whether ops record a graph (``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``), as context managers and as decorators, as in ``torch.autograd.grad_mode``.

The state is one module-level list read by the autograd handlers only: dense tensors never
look at it (Note [autograd dispatch] in tensorjit/autograd/graph.py).
"""
from __future__ import annotations

import functools
import inspect

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

# [grad enabled, inference mode]
STATE = [True, False]


def is_grad_enabled():
    """Whether ops on tensors that require grad record a graph.

    >>> import tensorjit as tj
    >>> with tj.no_grad(): tj.is_grad_enabled()
    False
    """
    return STATE[0]


def is_inference_mode_enabled():
    """Whether an ``inference_mode`` block is active."""
    return STATE[1]


class _Mode:
    """A context manager that is also a decorator (each call of the decorated function enters it)."""

    def __call__(self, fn):
        if inspect.isclass(fn):
            raise TypeError(f"{type(self).__name__} cannot decorate a class")
        mode = self

        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen(*args, **kwargs):
                it = fn(*args, **kwargs)
                with mode.clone():
                    value = next(it)
                while True:
                    try:
                        sent = yield value
                    except GeneratorExit:
                        it.close()
                        raise
                    with mode.clone():
                        value = it.send(sent)
            return gen

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_Mode):
    """Ops run without recording a graph inside this block or decorated function.

    >>> import tensorjit as tj
    >>> x = tj.ones(2, requires_grad=True)
    >>> with tj.no_grad(): (x * 2).requires_grad
    False
    """

    def __enter__(self):
        self.prev = STATE[0]
        STATE[0] = False

    def __exit__(self, *exc):
        STATE[0] = self.prev
        return False


class enable_grad(_Mode):
    """Ops record a graph inside this block, even within ``no_grad``.

    >>> import tensorjit as tj
    >>> x = tj.ones(2, requires_grad=True)
    >>> with tj.no_grad():
    ...     with tj.enable_grad(): (x * 2).requires_grad
    True
    """

    def __enter__(self):
        self.prev = STATE[0]
        STATE[0] = True

    def __exit__(self, *exc):
        STATE[0] = self.prev
        return False


class set_grad_enabled(_Mode):
    """Turn grad mode on or off: immediately when called (as PyTorch), restored on leaving a
    ``with`` block; also a decorator.

    >>> import tensorjit as tj
    >>> with tj.set_grad_enabled(False): tj.is_grad_enabled()
    False
    >>> tj.is_grad_enabled()
    True
    """

    def __init__(self, mode):
        self.prev = STATE[0]
        self.mode = bool(mode)
        STATE[0] = self.mode

    def __call__(self, fn):
        STATE[0] = self.prev    # as a decorator it changes nothing until the function runs
        return super().__call__(fn)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        STATE[0] = self.prev
        return False

    def clone(self):
        return _SetGrad(self.mode)


class _SetGrad(_Mode):
    # set_grad_enabled as a decorator: enters on each call, not at decoration time.
    def __init__(self, mode):
        self.mode = mode

    def __enter__(self):
        self.prev = STATE[0]
        STATE[0] = self.mode

    def __exit__(self, *exc):
        STATE[0] = self.prev
        return False

    def clone(self):
        return _SetGrad(self.mode)


class inference_mode(_Mode):
    """``no_grad`` for inference: no graph is recorded inside the block (``mode=False`` leaves
    grad mode as it is). tensorjit has no separate inference tensors; tensors made inside are
    ordinary tensors that do not require grad.

    >>> import tensorjit as tj
    >>> with tj.inference_mode(): tj.is_inference_mode_enabled()
    True
    """

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __call__(self, fn=None):
        if isinstance(fn, bool):  # @inference_mode(False) written as inference_mode()(False)
            return inference_mode(fn)
        return super().__call__(fn)

    def __enter__(self):
        self.prev = (STATE[0], STATE[1])
        if self.mode:
            STATE[0], STATE[1] = False, True

    def __exit__(self, *exc):
        STATE[0], STATE[1] = self.prev
        return False

    def clone(self):
        return inference_mode(self.mode)

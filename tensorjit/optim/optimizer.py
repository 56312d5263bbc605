"""The Optimizer base: parameter groups, per-parameter state, ``zero_grad``, ``state_dict``.

Follows ``torch.optim.Optimizer``: ``param_groups`` is a list of dicts (``"params"`` plus every
hyperparameter, defaults filled in), ``state`` maps each parameter to a dict of its buffers,
and ``state_dict()`` replaces parameters by their index in group order, so a state saved
from one model loads into a fresh one built the same way. Subclasses implement ``step``
through one fused kernel call per dtype (Note [fused step] in tensorjit/optim/_fused.py).
"""
from __future__ import annotations

import copy
import functools
import itertools
import warnings
from collections import defaultdict
from collections.abc import Iterable
from itertools import chain

from .._dispatch import _check_writable
from .._tensor import Tensor
from . import _fused

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

# Hooks run around every optimizer's step (PyTorch's global optimizer hooks).
_global_pre_hooks = {}
_global_post_hooks = {}
_hook_ids = itertools.count()


class _Handle:
    """``remove()`` unregisters a hook."""

    __slots__ = ("table", "key")

    def __init__(self, table, hook):
        self.table, self.key = table, next(_hook_ids)
        table[self.key] = hook

    def remove(self):
        self.table.pop(self.key, None)


def register_optimizer_step_pre_hook(hook):
    """Call ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``; a returned
    ``(args, kwargs)`` pair replaces the arguments. Returns a handle with ``remove()``."""
    return _Handle(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """Call ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    return _Handle(_global_post_hooks, hook)


class _RequiredParameter:
    """The default of a hyperparameter that every group must set."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, Tensor):
        return "tensorjit.Tensor"
    return type(obj).__module__ + "." + type(obj).__qualname__ if type(obj).__module__ != "builtins" \
        else type(obj).__qualname__


class Optimizer:
    """Base class of the optimizers.

    >>> import tensorjit as tj
    >>> w = tj.zeros(2, requires_grad=True)
    >>> opt = tj.optim.SGD([w], lr=0.5)
    >>> w.grad = tj.ones(2); opt.step(); w.tolist()
    [-0.5, -0.5]
    """

    # Whether the subclass's step serves CUDA parameters (Note [cuda optimizer step]).
    _cuda_steps = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _hooked(cls.__dict__["step"])

    def __init__(self, params, defaults):
        self._step_pre_hooks = {}
        self._step_post_hooks = {}
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            f"dicts, but got {_typename(params)}")
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(dict(group))

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_step_pre_hooks", {})
        self.__dict__.setdefault("_step_post_hooks", {})

    def register_step_pre_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` before each ``step`` of this optimizer; a
        returned ``(args, kwargs)`` pair replaces the arguments. Returns a handle with ``remove()``.

        >>> import tensorjit as tj
        >>> opt = tj.optim.SGD([tj.zeros(1, requires_grad=True)], lr=0.1)
        >>> seen = []; h = opt.register_step_pre_hook(lambda o, a, k: seen.append(o is opt)); opt.step()
        >>> h.remove(); opt.step(); seen
        [True]
        """
        return _Handle(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` after each ``step`` of this optimizer."""
        return _Handle(self._step_post_hooks, hook)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and any hyperparameters that
        differ from the defaults).

        >>> import tensorjit as tj
        >>> a, b = tj.zeros(2, requires_grad=True), tj.zeros(3, requires_grad=True)
        >>> opt = tj.optim.SGD([a], lr=0.1); opt.add_param_group({"params": [b], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}")
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
            if p.device.type != "cpu" and not self._cuda_steps:
                # Note [cuda optimizer step] in tensorjit/optim/_device_step.py
                raise NotImplementedError(f"{type(self).__name__}: parameters on {p.device} are not supported "
                                          "(the fused steps run on CPU; SGD, Adam and AdamW step CUDA ones)")
            if not _fused.supports(p.dtype):
                raise TypeError(f"{type(self).__name__}: parameters of dtype {p.dtype} are not supported "
                                "(float32, float64, complex64 and complex128 are)")
            # Steps write parameters in place: refuse read-only or self-overlapping ones now,
            # so that a step never fails half-way.
            if not p.is_cuda:
                _check_writable(p.detach(), f"{type(self).__name__}.add_param_group")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len(set(map(id, params))):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this "
                          "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                          "information", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(map(id, group["params"]))
        if not seen.isdisjoint(map(id, params)):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (the default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g.zero_()

    def step(self, closure=None):
        """Update the parameters from their ``.grad`` (one fused kernel call per dtype).
        ``closure``, when given, re-evaluates the model and returns the loss."""
        raise NotImplementedError

    def _closure(self, closure):
        """The loss from ``closure`` (called with grad mode on), or None."""
        if closure is None:
            return None
        from ..autograd.grad_mode import enable_grad
        with enable_grad():
            return closure()

    def _grads(self, group, name):
        """``(param, grad)`` of each parameter of ``group`` that has a gradient."""
        out = []
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if g.is_sparse:
                raise RuntimeError(f"{name} does not support sparse gradients")
            out.append((p, g))
        return out

    # -- state_dict ----------------------------------------------------------------------
    def state_dict(self):
        """The state as ``{"state": {index: buffers}, "param_groups": [hyperparameters and
        parameter indices]}``, PyTorch's structure (buffers are the live tensors, not copies).

        >>> import tensorjit as tj
        >>> w = tj.zeros(2, requires_grad=True)
        >>> tj.optim.SGD([w], lr=0.1).state_dict()["param_groups"][0]["params"]
        [0]
        """
        mappings = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            mappings.update({id(p): i for i, p in enumerate(group["params"], start) if id(p) not in mappings})
            packed["params"] = [mappings[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(mappings[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a state from ``state_dict()`` (buffers are cast to their parameter's dtype)."""
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                return _cast_buffer(param, value, key)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, Iterable) and not isinstance(value, str):
                return type(value)(cast(param, v) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v)
            else:
                state[k] = v
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
        self.__setstate__({"state": state, "param_groups": saved_groups})


def _hooked(step):
    """``step`` with the global and per-optimizer pre and post hooks around it (as PyTorch's
    ``profile_hook_step``: hooks see ``args`` with the optimizer first)."""
    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        self = args[0]
        if _global_pre_hooks or self._step_pre_hooks:
            for hook in chain(list(_global_pre_hooks.values()), list(self._step_pre_hooks.values())):
                result = hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), but "
                                           f"got {result}.")
        out = step(*args, **kwargs)
        self._opt_called = True
        if _global_post_hooks or self._step_post_hooks:
            for hook in chain(list(self._step_post_hooks.values()), list(_global_post_hooks.values())):
                hook(self, args, kwargs)
        return out
    return wrapper


def _cast_buffer(param, value, key):
    # PyTorch's policy: "step" stays as saved; other buffers take a floating parameter's dtype.
    # The fused kernels also need them C-contiguous (Note [fused step]).
    if key == "step":
        return value
    if param.is_floating_point() and value.dtype is not param.dtype:
        value = value.to(param.dtype)
    return value if value.is_contiguous() else value.contiguous()


def no_grad_step(step):
    """Run an optimizer's ``step`` with grad mode off, as PyTorch does."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        from ..autograd.grad_mode import no_grad
        with no_grad():
            return step(self, *args, **kwargs)
    return wrapper

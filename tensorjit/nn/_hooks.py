"""Module backward hooks (``register_full_backward_hook`` / ``_pre_hook``).

Note [module backward hooks]
    As in PyTorch, the module's tensor inputs pass through one identity graph node before
    ``forward`` and its tensor outputs through another after it. The output node's backward
    sees ``grad_output`` first: it runs the backward pre-hooks (which may replace it) and
    keeps it; the input node's backward then sees ``grad_input`` and runs the full backward
    hooks with both (a hook may return a replacement ``grad_input``). When no input requires
    grad the input node is never reached, so the output node calls the hooks itself with
    ``grad_input`` all None, as PyTorch does.
"""
from __future__ import annotations

import warnings

from .._tensor import Tensor
from ._graph import apply


def _requires_grad(t):
    return isinstance(t, Tensor) and t.requires_grad


def _run_full_hooks(state, grad_input):
    module = state.module
    for hook in list(module._backward_hooks.values()):
        r = hook(module, grad_input, state.grad_output)
        if r is not None:
            r = tuple(r) if isinstance(r, (tuple, list)) else (r,)
            if len(r) != len(grad_input):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(r)}, but "
                                   f"expected {len(grad_input)}")
            grad_input = r
    return grad_input


class _HookIn:
    @staticmethod
    def forward(ctx, *args):
        # the state goes last: gradients are returned per argument, the tensors first
        ctx.state = args[-1]
        return args[:-1]

    @staticmethod
    def backward(ctx, *grads):
        return tuple(_run_full_hooks(ctx.state, tuple(grads))) + (None,)


class _HookOut:
    @staticmethod
    def forward(ctx, *args):
        # the state goes last: gradients are returned per argument, the tensors first
        ctx.state = args[-1]
        return args[:-1]

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        module = state.module
        grads = tuple(grads)
        for hook in list(module._backward_pre_hooks.values()):
            r = hook(module, grads)
            if r is not None:
                grads = tuple(r) if isinstance(r, (tuple, list)) else (r,)
        state.grad_output = grads
        if not state.inputs_need_grad and module._backward_hooks:
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients. See the documentation of "
                          "Module.register_full_backward_hook for more details.", stacklevel=5)
            _run_full_hooks(state, (None,) * state.n_inputs)
        return grads + (None,)


class BackwardHook:
    """The two identity nodes around one call of a module (Note [module backward hooks])."""

    def __init__(self, module):
        self.module = module
        self.grad_output = None
        self.inputs_need_grad = False
        self.n_inputs = 0

    def setup_input_hook(self, args):
        pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(pos)
        self.inputs_need_grad = any(_requires_grad(args[i]) for i in pos)
        if not self.inputs_need_grad:
            return args
        new = apply(_HookIn, *[args[i] for i in pos], self)
        args = list(args)
        for k, i in enumerate(pos):
            args[i] = new[k]
        return tuple(args)

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        outs = [result] if single else list(result) if isinstance(result, (tuple, list)) else None
        if outs is None:
            return result
        pos = [i for i, o in enumerate(outs) if _requires_grad(o)]
        if not pos:
            return result
        new = apply(_HookOut, *[outs[i] for i in pos], self)
        for k, i in enumerate(pos):
            outs[i] = new[k]
        return outs[0] if single else type(result)(outs)

"""Automatic differentiation, as ``torch.autograd``: tensors that require grad record the ops
done on them, and ``backward``/``grad`` run the recorded graph in reverse.

See Note [autograd tensors], Note [autograd dispatch] and Note [version counter] in
tensorjit/autograd/graph.py, Note [engine order] in engine.py, and the derivative formulas
beside the op tables (Note [derivative formulas] in kernels/opdefs.py).

``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``, ``is_grad_enabled``
and ``is_inference_mode_enabled`` are also top-level names of ``tensorjit``; ``Function``,
``grad``, ``backward``, ``gradcheck`` and ``gradgradcheck`` stay here, as in PyTorch.

>>> import tensorjit as tj
>>> x = tj.tensor([1., 2., 3.], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward(); x.grad.tolist()
[2.0, 4.0, 6.0]
"""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled)
from . import graph as _graph
from .graph import GradTensor  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable, InplaceFunction  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

Node = _graph.Node
# The names this package offers besides __all__ (which tensorjit star-imports), as torch.autograd.
_PUBLIC = (GradTensor, backward, grad, Function, FunctionCtx, once_differentiable, InplaceFunction, gradcheck,
           gradgradcheck)

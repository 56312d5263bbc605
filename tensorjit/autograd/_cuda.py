"""Autograd on CUDA tensors: the tensor class of a CUDA tensor that requires grad.

Note [cuda grad tensors]
    A CUDA tensor that requires grad, or that an op computed from one, is a ``CudaGradTensor``:
    a subclass of both ``GradTensor`` (Note [autograd tensors]) and ``CudaTensor`` (Note [cuda
    tensor class]) with no slots of its own, so ``__class__`` assignment moves a tensor between
    CudaTensor and it exactly as between Tensor and GradTensor. The functions of
    tensorjit/autograd/graph.py that change a tensor's class (``set_requires_grad``,
    ``make_result``, ``rebase``, ``detach_``) ask :func:`grad_class` / ``graph._PLAIN`` which class to
    pick, and ``Tensor.detach`` (so ``plain``) returns the class's ``_plain_class``: a CudaTensor
    for any CUDA grad class. A GradTensor subclass (``nn.Parameter``) gets a CUDA twin on demand
    (:func:`cuda_twin`, same name, the subclass first in its bases), so a Parameter moved by
    ``Module.to("cuda")`` stays a Parameter: re-pointing a grad tensor's ``_data`` at device
    storage (``nn.parameter._set_from``) gives it the twin class, and at host storage back.

    The dispatch key is GradTensor's (``"autograd"``, above every layout): the pointwise and
    reduction front doors and the routing lines of the other ops send a CudaGradTensor operand
    to the autograd handlers, which run the op on plain CudaTensor aliases (so on the CUDA
    kernels) and record the node. Backward formulas are tensorjit ops on the gradients, which
    live on the operands' device, so they run on the GPU wherever those ops have CUDA kernels;
    a formula needing an op without one raises the CUDA NotImplementedError of that op.

    The two storage guards compose (``_data`` below): a module that does not know CUDA storage
    gets the CUDA error (the op has no CUDA kernel), a module that does but not autograd gets
    the autograd error while grad mode is on (the op has no derivative), as each guard alone.

Note [cuda version counter]
    Version counters (Note [version counter]) key a CUDA storage by its DeviceBuffer object,
    which every view of a CUDA tensor shares (tensorjit/_views.py copies the reference). A
    dtype view (``view(dtype)``, complex ``view_as_real``) wraps the same device memory in a new
    DeviceBuffer and so counts its writes apart.
"""
from __future__ import annotations

import sys

import numpy as np

from .._tensor import Tensor
from ..cuda._tensor import _AWARE as _CUDA_AWARE, CudaTensor, data as _raw, set_data as _set_raw, unsupported
from . import graph
from .graph import _AWARE as _GRAD_AWARE, GradTensor, _STATE


def _guarded_data(self):
    mod = sys._getframe(1).f_globals.get("__name__", "")
    if mod not in _CUDA_AWARE and not mod.startswith("tensorjit.cuda"):
        raise unsupported(self)
    if _STATE[0] and not mod.startswith(_GRAD_AWARE):
        m = self._ag
        if m.requires_grad or m.grad_fn is not None:
            graph.refused_read()
    return _raw(self)


def _set_data(self, value):
    from .._storage import DeviceBuffer
    if type(value) is np.ndarray:
        # Re-pointed at host storage (nn.Parameter moved by Module.to): the class's CPU twin.
        _set_raw(self, value)
        self.__class__ = host_class(type(self))
        return
    if type(value) is not DeviceBuffer:
        raise unsupported(self)
    _set_raw(self, value)


class CudaGradTensor(GradTensor, CudaTensor):
    """A CUDA tensor that requires grad or has a ``grad_fn`` (Note [cuda grad tensors]).

    >>> import tensorjit as tj
    >>> if tj.cuda.is_available():
    ...     x = tj.ones(2, device="cuda", requires_grad=True); (x * x).sum().backward()
    ...     assert x.grad.is_cuda and x.grad.tolist() == [2.0, 2.0]
    """

    __slots__ = ()
    _plain_class = CudaTensor
    _data = property(_guarded_data, _set_data)

    # GradTensor's host-side methods read the storage as NumPy: the CUDA ones, on a detached alias.
    def numpy(self, *, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if force:
            return self.detach().numpy(force=True)
        raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy the "
                        "tensor to host memory first.")

    def tolist(self):
        return self.detach().tolist()

    def item(self):
        return self.detach().item()

    __repr__ = __str__ = GradTensor.__repr__

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        from .._device import as_device
        if device is None or as_device(device, "cuda") == self.device:
            return self
        return CudaTensor.cuda(self, device)

    # CudaTensor's copies bypass the front doors: take the recorded route (CloneBackward0).
    def clone(self, memory_format=None):
        from .._views import clone
        return clone(self, memory_format)

    def contiguous(self, memory_format=None):
        return self if self.is_contiguous() else self.clone("contiguous_format")

    def resize_(self, *sizes):
        if self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        return CudaTensor.resize_(self, *sizes)

    def __reduce__(self):
        return (_rebuild, (np.ascontiguousarray(self.detach().cpu().numpy()), str(self.device),
                           self.requires_grad and self.is_leaf))

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if self.requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return CudaTensor.__dlpack__(self.detach(), stream=stream, max_version=max_version, dl_device=dl_device,
                                     copy=copy)


def _rebuild(arr, device, requires_grad):
    from .._creation import from_numpy
    t = from_numpy(arr).to(device)
    if requires_grad:
        t.requires_grad_()
    return t


# -- class selection (Note [cuda grad tensors]) --------------------------------------------------
# CudaGradTensor turns back into a CudaTensor (``requires_grad_(False)``, ``detach_()``).
graph._PLAIN[CudaGradTensor] = CudaTensor
_TWINS: dict = {}       # GradTensor subclass -> its CUDA twin
_HOSTS: dict = {}       # CUDA twin -> the GradTensor subclass it twins


def grad_class(t):
    """The grad class a plain tensor ``t`` becomes when it requires grad or gets a history."""
    cls = type(t)
    if cls is CudaTensor:
        return CudaGradTensor
    if cls is Tensor:
        return GradTensor
    raise NotImplementedError(f"autograd is not implemented for tensors of type {cls.__name__}")


def cuda_twin(cls):
    """The CUDA class of GradTensor subclass ``cls`` (itself for CPU-less classes)."""
    if cls is GradTensor:
        return CudaGradTensor
    if issubclass(cls, CudaTensor):
        return cls
    tw = _TWINS.get(cls)
    if tw is None:
        ns = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__,
              "_data": CudaGradTensor.__dict__["_data"]}
        if "__slots__" in cls.__dict__:
            ns["__slots__"] = ()
        for name in ("__deepcopy__", "__reduce_ex__", "__repr__", "__str__"):
            if name in cls.__dict__:
                ns[name] = _TWIN_METHODS[name]
        tw = _TWINS[cls] = type(cls.__name__, (cls, CudaGradTensor), ns)
        _HOSTS[tw] = cls
    return tw


def host_class(cls):
    """The CPU class of CUDA grad class ``cls`` (``cuda_twin``'s inverse)."""
    if cls is CudaGradTensor:
        return GradTensor
    return _HOSTS.get(cls, cls)


def _twin_deepcopy(self, memo):
    if id(self) in memo:
        return memo[id(self)]
    host = host_class(type(self))
    r = _move_class(host(self.detach().clone(), self.requires_grad), self.device)
    g = self.grad
    if g is not None:
        r.grad = graph.plain(g).clone()
    memo[id(self)] = r
    return r


def _twin_reduce_ex(self, proto):
    host = host_class(type(self))
    return (_rebuild_param, (host, np.ascontiguousarray(self.detach().cpu().numpy()), str(self.device),
                             self.requires_grad))


def _rebuild_param(cls, arr, device, requires_grad):
    from .._creation import from_numpy
    return _move_class(cls(from_numpy(arr).to(device), requires_grad), device)


def _twin_repr(self):
    # The subclass's repr reads host memory: its header (nn.Parameter's) over the CUDA text.
    from ..nn.parameter import Parameter
    s = CudaGradTensor.__repr__(self)
    return "Parameter containing:\n" + s if isinstance(self, Parameter) else s


_TWIN_METHODS = {"__deepcopy__": _twin_deepcopy, "__reduce_ex__": _twin_reduce_ex, "__repr__": _twin_repr,
                 "__str__": _twin_repr}


def _move_class(p, device):
    p.__class__ = cuda_twin(type(p)) if str(device).startswith("cuda") else host_class(type(p))
    return p


__all__ = []

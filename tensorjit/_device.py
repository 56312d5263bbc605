"""Devices. ``cpu`` is always there; ``cuda`` comes with the CUDA backend (tensorjit/cuda/),
which loads on the first CUDA request: ``device("cuda")`` itself is only a name and touches
nothing."""
from __future__ import annotations


class device:
    """A device a tensor lives on, as ``torch.device``.

    >>> import tensorjit as tj
    >>> tj.device("cpu"), tj.device("cuda", 0)
    (device(type='cpu'), device(type='cuda', index=0))
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type, self.index = type, index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")


def as_device(d, op="tensorjit"):
    """``d`` (None, a string, an index or a device) as a usable device: CPU, or a CUDA device with
    its index filled in; a RuntimeError naming ``op`` when CUDA is asked for and unavailable.

    >>> import tensorjit as tj
    >>> as_device("cpu")
    device(type='cpu')
    """
    if d is None or d is CPU:
        return CPU
    if isinstance(d, int) and not isinstance(d, bool):
        d = device("cuda", d)       # as torch: a bare index names a CUDA device
    elif not isinstance(d, device):
        if not isinstance(d, str):
            raise TypeError(f"{op}: device must be a string, an int or a tensorjit.device, not {type(d).__name__}")
        d = device(d)
    if d.type == "cpu":
        return CPU
    from .cuda import require
    return require(op).resolve(d, op)


# Makes ``tensorjit.cuda`` an attribute of the package at import time; the module itself loads
# nothing (see its docstring).
from . import cuda  # noqa: E402,F401

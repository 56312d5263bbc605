"""Random-number generators: ``Generator`` and the default one behind ``manual_seed``.

A Generator is a seed and an offset for the counter-based Philox4x32-10 streams of
kernels/cpu/random.py (Note [philox streams]): every sampler call reads the stream at the
current offset and advances the offset by one, so the numbers of a call are a pure function
of (seed, offset, element index), whatever the thread count, and a device that runs the same
arithmetic reproduces them. The state (``get_state``) is those two 64-bit numbers as a
16-byte uint8 tensor.
"""
from __future__ import annotations

import os

import numpy as np

from ._device import as_device

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state"]

_U64 = 1 << 64
DEFAULT_SEED = 67280421310721  # PyTorch's default CPU seed


def _as_seed(seed, name):
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise TypeError(f"{name}(): seed must be an int, got {type(seed).__name__}") from None
    if not -(1 << 63) <= seed < _U64:
        raise ValueError(f"{name}(): Overflow when unpacking long long (seed {seed} is outside "
                           f"[-2**63, 2**64))")
    return seed % _U64


class Generator:
    """A source of random numbers: a seed and a Philox offset (see the module docstring).

    >>> import tensorjit as tj
    >>> g = tj.Generator().manual_seed(0)
    >>> a = tj.rand(3, generator=g); b = tj.rand(3, generator=g.manual_seed(0))
    >>> bool((a == b).all())
    True
    """

    __slots__ = ("_seed", "_offset", "_device")

    def __init__(self, device="cpu"):
        d = as_device(device, "Generator")
        self._device = d
        self._seed = DEFAULT_SEED
        self._offset = 0

    @property
    def device(self):
        return self._device

    def manual_seed(self, seed):
        """Set the seed (an int in [-2**63, 2**64)) and rewind the offset; returns ``self``."""
        self._seed = _as_seed(seed, "manual_seed")
        self._offset = 0
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the new seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self._seed, self._offset = s, 0
        return s

    def initial_seed(self):
        """The seed last set."""
        return self._seed

    def get_offset(self):
        """Calls made since the seed was set (the Philox offset)."""
        return self._offset

    def set_offset(self, offset):
        """Move the Philox offset; returns ``self``."""
        self._offset = int(offset) % _U64
        return self

    def get_state(self):
        """The state as a uint8 tensor of 16 bytes (seed, offset: little-endian uint64s)."""
        from ._creation import from_numpy
        return from_numpy(np.array([self._seed, self._offset], "<u8").view(np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from ``get_state``; returns ``self``."""
        from ._tensor import Tensor
        from . import _dtypes
        if not isinstance(new_state, Tensor):
            raise TypeError(f"set_state(): expected a torch.ByteTensor-like uint8 Tensor, got "
                            f"{type(new_state).__name__}")
        if new_state._dtype is not _dtypes.uint8:
            raise TypeError(f"set_state(): RNG state must be a uint8 tensor, got {new_state._dtype.name}")
        if new_state.numel() != 16:
            raise RuntimeError(f"set_state(): RNG state is wrong size: expected 16 bytes, got {new_state.numel()}")
        seed, offset = np.ascontiguousarray(new_state.numpy().reshape(-1)).view("<u8").tolist()
        self._seed, self._offset = int(seed), int(offset)
        return self

    def clone_state(self):
        """A new generator with this one's state."""
        g = Generator(self._device)
        g._seed, g._offset = self._seed, self._offset
        return g

    def next_stream(self):
        """``(k0, k1, o0, o1)``: the key and offset words of the next call (the offset advances)."""
        s, o = self._seed, self._offset
        self._offset = (o + 1) % _U64
        u = np.uint64
        return u(s & 0xFFFFFFFF), u(s >> 32), u(o & 0xFFFFFFFF), u(o >> 32)

    def __repr__(self):
        return f"<tensorjit.Generator object at {id(self):#x}>"


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator; returns it.

    >>> import tensorjit as tj
    >>> tj.manual_seed(1).initial_seed()
    1
    """
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from ``get_rng_state``."""
    default_generator.set_state(new_state)


def resolve(generator, name):
    """``generator`` or the default one, after checking it is a CPU Generator."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"{name}(): argument 'generator' must be tensorjit.Generator, not "
                        f"{type(generator).__name__}")
    if generator._device.type != "cpu":
        raise RuntimeError(f"{name}(): Expected a 'cpu' device type for generator but found "
                           f"'{generator._device.type}'")
    return generator

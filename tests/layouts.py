"""Operand layouts the op tests sweep, shared by the test files."""
import numpy as np

import tensorjit as tj


def layouts(a):
    """(name, tensorjit view, NumPy view) of array ``a``: contiguous, transposed, stepped and
    offset (the last two view a twice-as-wide copy, so they read strided or shifted memory)."""
    t = tj.from_numpy(a)
    yield "contiguous", t, a
    if a.ndim >= 2:
        perm = tuple(reversed(range(a.ndim)))
        yield "transposed", t.permute(*perm), a.transpose(perm)
    if a.ndim:
        big = np.concatenate([a, a], axis=-1)
        tb = tj.from_numpy(big)
        sl = (slice(None),) * (a.ndim - 1) + (slice(None, None, 2),)
        yield "stepped", tb[sl], big[sl]
        sl = (slice(None),) * (a.ndim - 1) + (slice(1, 1 + a.shape[-1]),)
        yield "offset", tb[sl], big[sl]

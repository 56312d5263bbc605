"""Front-end code shared by the scan and sorting ops: dtype support tables, ``out=`` handling
and the kernel modules (Note [row kernels] in tensorjit/_rows.py)."""
from __future__ import annotations

import operator
import warnings

import numpy as np

from .. import _rows
from .._dtypes import BOOL, INT, FLOAT, COMPLEX
from .._dispatch import PARALLEL_THRESHOLD, get_num_threads, _check_writable
from .._tensor import Tensor

# PyTorch's names for dtypes in its error messages.
TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
               "int64": "Long", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "float16": "Half",
               "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}

# Dtype categories each op accepts (PyTorch's; uint16/32/64 go wherever the other integers go,
# as everywhere in tensorjit).
SUPPORT = {
    "cumsum": (BOOL, INT, FLOAT, COMPLEX), "cumprod": (BOOL, INT, FLOAT, COMPLEX),
    "cummax": (BOOL, INT, FLOAT), "cummin": (BOOL, INT, FLOAT), "logcumsumexp": (FLOAT, COMPLEX),
    "diff": (BOOL, INT, FLOAT, COMPLEX),
    "sort": (BOOL, INT, FLOAT), "argsort": (BOOL, INT, FLOAT), "msort": (BOOL, INT, FLOAT),
    "topk": (INT, FLOAT), "kthvalue": (INT, FLOAT), "median": (INT, FLOAT), "nanmedian": (INT, FLOAT),
    "mode": (BOOL, INT, FLOAT), "quantile": (FLOAT,), "nanquantile": (FLOAT,),
}


def check_input(x, name):
    """Raise PyTorch's errors for a non-tensor or an unsupported dtype."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    cat = x._dtype.category
    if cat in SUPPORT[name]:
        return
    if cat == COMPLEX and name in ("sort", "argsort", "msort", "topk"):
        what = "Sort" if name != "topk" else "topk"
        raise RuntimeError(f"{name}(): {what} does not support complex dtypes on CPU")
    if cat == BOOL and name == "topk":
        raise RuntimeError("topk(): topk does not support bool dtypes on CPU")
    raise NotImplementedError(f'{name}(): not implemented for \'{TORCH_NAMES[x._dtype.name]}\' '
                              f"(input of shape {list(x._shape)})")


def check_dim_int(dim, name):
    try:
        return operator.index(dim)
    except TypeError:
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}") from None


def kernels(name):
    return _rows.kernels(name)


def threads_for(m, k):
    """Parallel chunks for ``m`` rows of ``k`` (1: run the serial kernel)."""
    if m * k < PARALLEL_THRESHOLD or m < 2:
        return 1
    return min(get_num_threads(), m)


def check_out(out, dtype, name, what="out", exact=True):
    """Validate one ``out=`` tensor before anything is written."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if exact and out._dtype is not dtype:
        raise RuntimeError(f"{name}(): expected {what} tensor to have dtype {dtype.name}, but got "
                           f"{out._dtype.name} instead")
    _check_writable(out, name)


def check_out_tuple(out, dtypes, name):
    """Validate ``out=(values, indices)``."""
    if not isinstance(out, (tuple, list)) or len(out) != len(dtypes):
        raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(dtypes)} Tensors")
    for o, d, what in zip(out, dtypes, ("values", "indices")):
        check_out(o, d, name, what)


def write_out(out, result, name):
    """Copy ``result`` into the validated ``out``, resizing it as PyTorch does; returns ``out``."""
    if out._shape != result._shape:
        if out.numel() != 0:
            warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                          f"{list(out._shape)}, which does not match the required output shape "
                          f"{list(result._shape)}.", UserWarning, stacklevel=4)
        out.resize_(result._shape)     # the tensor's own: a CUDA out resizes on its device
    from .._copy import copy_
    copy_(out, result)
    return out


def unsigned_view(a):
    """The unsigned integer view of kernel array ``a`` (same width) and its NumPy dtype."""
    u = np.dtype(f"u{a.dtype.itemsize}")
    return a.view(u), u


def key_mode(d):
    """Note [sort keys] in kernels/cpu/sort.py: 0 unsigned, 1 signed, 2 floating."""
    if d.category == FLOAT:
        return 2
    return 1 if d.category == INT and d.is_signed else 0


_TOPS = {2: 0x7C00, 4: 0x7F800000, 8: 0x7FF0000000000000}


def key_consts(u, descending):
    """The (sign bit, largest non-NaN magnitude, all ones, flip) array of Note [sort keys]."""
    w = u.itemsize * 8
    ones = (1 << w) - 1
    return np.array([1 << (w - 1), _TOPS.get(u.itemsize, 0), ones, ones if descending else 0], u)


"""Helpers shared by the joining and rearranging ops (ops/shape*.py): argument checks,
output allocation, PyTorch's memory-format rule, and the one way data moves (a copy).

Note [shape ops copy]
    None of these ops has a kernel of its own. Each one allocates its output once and
    fills it with copies (``copy_into``: the ``copy`` row's kernels, as ``_dispatch.cast_into``
    runs them) from views of the input into views of the output: ``cat`` copies each input
    into a ``narrow`` of the output, ``flip`` copies a negative-stride view, ``repeat`` an
    expanded (stride-0) view, ``pad`` and ``roll`` a few rectangular blocks. So every op
    runs on the copy kernels every layout already shares, one specialisation per (source
    dtype, output dtype), and adds no compile cost of its own. The exceptions reuse other
    existing kernels: ``tril``/``triu`` are one ``where`` (Note [triangle mask] in
    shape_tri.py) and ``repeat_interleave`` with per-slice counts is one ``index_select``.
"""
from __future__ import annotations

import math
import operator
import warnings

from .. import _dtypes
from ..kernels import opdefs
from .._dispatch import _check_writable, _may_overlap, kernel, launch, layout, run_pieces
from .._shape import broadcast_strides, contiguous_strides, wrap_dim
from .._storage import allocate
from .._tensor import Tensor, make, make_dense


def tensor_arg(x, op, name="input"):
    """``x`` when it is a Tensor, else PyTorch's TypeError for argument ``name`` of ``op``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def int_arg(x, op, name):
    """``x`` as a Python int (bools and floats refused, as PyTorch's argument parser does)."""
    if isinstance(x, bool) or isinstance(x, float):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(x).__name__}")
    try:
        return operator.index(x)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(x).__name__}") from None


def int_tuple(x, op, name, allow_int=False):
    """``x`` (a sequence of ints, or one int when ``allow_int``) as a tuple of ints."""
    if isinstance(x, Tensor) or not hasattr(x, "__iter__"):
        if allow_int and not isinstance(x, Tensor):
            return (int_arg(x, op, name),)
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(x).__name__}")
    out = []
    for i, v in enumerate(x):
        if isinstance(v, (bool, float)) or not hasattr(v, "__index__"):
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found element of type "
                            f"{type(v).__name__} at pos {i}")
        out.append(operator.index(v))
    return tuple(out)


def varargs(args, op, name):
    """A method's ``f(1, 2)`` / ``f((1, 2))`` / ``f([1, 2])`` as a tuple of ints."""
    if len(args) == 1 and hasattr(args[0], "__iter__") and not isinstance(args[0], Tensor):
        return int_tuple(args[0], op, name)
    return int_tuple(args, op, name)


def wrap_dims(dims, ndim, op):
    """Each dim of ``dims`` wrapped; a repeated dim raises as PyTorch's dim lists do."""
    out = []
    for d in dims:
        w = wrap_dim(d, ndim, op)
        if w in out:
            raise RuntimeError(f"{op}: dim {w} appears multiple times in the list of dims")
        out.append(w)
    return out


def wrap_dim_nonscalar(dim, t, op):
    """``dim`` wrapped for an op PyTorch refuses on 0-d tensors (unbind, roll with dims ...)."""
    if not t._shape:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    return wrap_dim(dim, len(t._shape), op)


# -- memory formats --------------------------------------------------------------------------
def _channels_last_like(shape, strides, order):
    # PyTorch's is_channels_last_strides_2d/3d: dims visited innermost first in ``order``.
    if strides[1] == 0:
        return False
    lo = 0
    for d in order:
        if shape[d] == 0 or strides[d] < lo:
            return False
        if d == 0 and lo == strides[1]:
            return False
        lo = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return True


_CL_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}


def suggest_channels_last(t):
    """Whether PyTorch's ``suggest_memory_format`` calls ``t`` channels-last (4-d or 5-d only)."""
    order = _CL_ORDER.get(len(t._shape))
    return order is not None and _channels_last_like(t._shape, t._strides, order)


def format_strides(shape, channels_last):
    """Dense strides for ``shape``: row-major, or channels-last (dim 1 innermost) when asked."""
    if not channels_last:
        return contiguous_strides(shape)
    order = _CL_ORDER[len(shape)]
    strides = [0] * len(shape)
    acc = 1
    for d in order:
        strides[d] = acc
        acc *= max(shape[d], 1)
    return tuple(strides)


# -- outputs ----------------------------------------------------------------------------------
def new_tensor(shape, dtype, strides=None):
    """A fresh tensor of ``shape`` (row-major unless ``strides`` is given), uninitialised."""
    shape = tuple(shape)
    if strides is None:
        return make_dense(allocate(math.prod(shape), dtype), shape, contiguous_strides(shape), 0, dtype)
    return make(allocate(math.prod(shape), dtype), shape, tuple(strides), 0, dtype)


# Note [copy plans]: the ops here copy many small blocks (cat's inputs, pad's and roll's
# blocks), so the kernel and its layout (``_dispatch.layout``: dims ordered, collapsed, tiled)
# are memoised per (dtypes, shape, strides), as ``_dispatch.elementwise`` does for new outputs.
# ``copy_into`` skips cast_into's overlap check: every caller writes a fresh output, or an
# ``out=`` that ``check_out`` has already found disjoint from the inputs.
_PLANS = {}


def copy_into(dest, src):
    """Copy view ``src`` into view ``dest`` (same shape or broadcastable), converting dtypes.

    ``dest`` must not share memory with ``src`` (Note [copy plans]).
    """
    shape = dest._shape
    if 0 in shape:
        return dest
    sstr = src._strides if src._shape == shape else broadcast_strides(src._shape, src._strides, shape)
    key = (src._dtype, dest._dtype, shape, dest._strides, sstr)
    plan = _PLANS.get(key)
    if plan is None:
        sd = src._dtype
        compute = _dtypes.float32 if sd is _dtypes.float16 else sd
        plan = (kernel(opdefs.POINTWISE["copy"], (sd,), compute, dest._dtype), layout(shape, [dest._strides, sstr]))
        if len(_PLANS) > 4096:
            _PLANS.clear()
        _PLANS[key] = plan
    k, lay = plan
    if lay is None:
        launch(k, shape, [(dest._data, dest._offset, dest._strides), (src._data, src._offset, sstr)])
    else:
        run_pieces(k, lay, [dest._data, src._data], [dest._offset, src._offset])
    return dest


def check_out(out, op, *, dtype=None, result_dtype=None, inputs=()):
    """Validate an ``out=`` tensor before anything is written.

    ``dtype``: the exact dtype ``out`` must have; ``result_dtype``: a dtype that must cast to
    ``out``'s (PyTorch's cat rule). Inputs that share memory with ``out`` raise.
    """
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if dtype is not None and out._dtype is not dtype:
        raise RuntimeError(f"{op}: Expected out tensor to have dtype {dtype.name}, but got {out._dtype.name} "
                           "instead")
    if result_dtype is not None and not _dtypes.can_cast(result_dtype, out._dtype):
        raise TypeError(f"{op}(): input types ({result_dtype.name}) can't be cast to the desired output type "
                        f"{out._dtype.name}")
    for t in inputs:
        if t.numel() and out.numel() and _may_overlap(t, out):
            raise RuntimeError(f"{op}: unsupported operation: some elements of the input tensor "
                               f"{tuple(t._shape)} and the written-to tensor {tuple(out._shape)} refer to a "
                               "single memory location. Please clone() the tensor before performing the "
                               "operation.")
    _check_writable(out, op, allow_overlap=out.numel() == 0)


def resize_out(out, shape, op, strides=None):
    """Give a validated ``out`` the result's shape (warning when it had elements), as PyTorch's
    ``resize_output``: an ``out`` of the right shape keeps its strides."""
    shape = tuple(shape)
    if out._shape == shape:
        return out
    if out.numel() != 0:
        warnings.warn(f"{op}: an output with one or more elements was resized since it had shape "
                      f"{list(out._shape)}, which does not match the required output shape {list(shape)}.",
                      UserWarning, stacklevel=4)
    from .._views import resize_
    resize_(out, shape)
    if strides is not None and tuple(strides) != out._strides:
        out._strides = tuple(strides)
        out._dense = out._strides == contiguous_strides(shape)
    return out


def finish(res, out, op):
    """Return ``res``, or copy it into a validated ``out`` (exact dtype) and return ``out``."""
    if out is None:
        return res
    check_out(out, op, dtype=res._dtype)
    resize_out(out, res._shape, op)
    return copy_into(out, res)


def restride(t, shape, strides, offset):
    """A view of ``t``'s storage with the given layout (no checks: callers derive it from ``t``)."""
    return make(t._data, tuple(shape), tuple(strides), offset, t._dtype)


def block(t, shape, strides, offset):
    """``restride`` for a view that only feeds ``copy_into`` and never reaches the caller: it
    skips the contiguity test, marking the view not-known-dense (always a safe answer)."""
    v = make_dense(t._data, shape, strides, offset, t._dtype)
    v._dense = False
    return v

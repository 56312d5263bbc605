"""Indexing ops built on the index kernels (Note [index layout]): gather, scatter and their
reductions, index_select/add/copy/fill, take, put, masks and nonzero.

Every op restrides its operands to the index's iteration shape and runs one ``get``, ``put``
or ``acc`` kernel; every index is checked before anything is written, so a failing op leaves
its tensors untouched.
"""
from __future__ import annotations

import math
import warnings

from .. import _dtypes
from .._advindex import IndexOutOfRangeError, as_index, check_bounds, compress, nonzero as _nonzero, run, setitem, _ADV, _MASK
from .._dispatch import _may_overlap, _check_writable
from .._shape import broadcast_shapes, contiguous_strides, wrap_dim
from .._storage import allocate
from .._tensor import Tensor, make_dense
from .._device import CPU as _CPU
from .._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]


def _cuda_overlaps(x, dest):
    from ..cuda._index import overlaps
    return overlaps(x, dest)

__all__ = ["index_select", "gather", "take_along_dim", "take", "scatter", "scatter_add", "scatter_reduce",
           "index_add", "index_copy", "index_fill", "index_put", "masked_fill", "masked_select",
           "masked_scatter", "nonzero", "argwhere", "put"]


def _tensor_arg(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


# Ops whose index must be int64 (as in PyTorch, which takes int32 elsewhere), with the error type it raises.
_INT64_ONLY = {"take": RuntimeError, "take_along_dim": RuntimeError, "index_copy_": RuntimeError,
               "index_fill_": IndexError, "put_": RuntimeError}


def _index_arg(index, op, name="index", int32=None):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(index).__name__}")
    int32 = op not in _INT64_ONLY if int32 is None else int32
    if index._dtype is not _dtypes.int64 and (index._dtype is not _dtypes.int32 or not int32):
        want = "int32 or int64" if int32 else "int64"
        raise _INT64_ONLY.get(op, RuntimeError)(f"{op}(): Expected dtype {want} for {name}, got "
                                                f"{index._dtype.name}")
    return as_index(index, op)


def _new(shape, dtype, like=None):
    """A new contiguous tensor on ``like``'s device (the CPU by default)."""
    dev = like.device if like is not None and like.is_cuda else _CPU
    return make_dense(allocate(math.prod(shape), dtype, dev), shape, contiguous_strides(shape), 0, dtype)


def _scalar_tensor(value, dtype, op):
    """``value`` (a number or a one-element tensor) as a 0-d tensor of ``dtype``."""
    from .._copy import _check_fits
    from .._creation import tensor
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"{op}: only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.dim()} dimension(s).")
        value = value.item()
    _check_fits(value, dtype, op)
    return tensor(value if dtype.category != _dtypes.INT or isinstance(value, int) else int(value), dtype=dtype)


def _contiguous_copy(x):
    """A new contiguous tensor with ``x``'s values (PyTorch's out-of-place scatter-style ops
    return contiguous results whatever the input's layout)."""
    return x.clone() if x.is_contiguous() else x.contiguous()


def _as_operand(x, dest, op):
    """``x`` read from a copy when it overlaps ``dest`` (Note [index layout]: writes happen in place)."""
    if dest.is_cuda: return x.clone() if _cuda_overlaps(x, dest) else x  # noqa: E701
    return x.clone() if _may_overlap(x, dest) else x


# -- gather family ------------------------------------------------------------------------------
def index_select(input, dim, index, *, out=None):
    """The entries of ``input`` along ``dim`` at the positions in 1-d ``index``.

    >>> import tensorjit as tj
    >>> tj.arange(6).view(2, 3).index_select(1, tj.tensor([2, 0])).tolist()
    [[2, 0], [5, 3]]
    """
    if type(input) in _KEYED and _lookup("index_select", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("index_select", input._dispatch_key)(input, dim, index, out=out)
    _tensor_arg(input, "index_select")
    index = _index_arg(index, "index_select")
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    nd = input.dim()
    dim = wrap_dim(dim, max(nd, 1), "index_select")
    x = input.reshape(1) if nd == 0 else input
    index = index.reshape(-1)
    size = x._shape[dim]
    check_bounds(index, size, dim, "index_select", negative=False, error=IndexOutOfRangeError,
                 message="index_select(): index {index} is out of range for dimension {dim} (of size {size})")
    shape = x._shape[:dim] + (index.numel(),) + x._shape[dim + 1:]
    bstr = x._strides[:dim] + (0,) + x._strides[dim + 1:]
    istr = tuple(index._strides[0] if d == dim else 0 for d in range(len(shape)))
    res = _new(shape, input._dtype, input)
    run("get", input._dtype, shape, (res, res._strides), (x, bstr), [(index, istr, size, x._strides[dim])])
    if nd == 0:
        res = res.reshape(())
    return _finish(res, out, "index_select")


def _finish(res, out, op):
    if out is None:
        return res
    from .._copy import copy_
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if out._dtype is not res._dtype:
        raise RuntimeError(f"{op}(): Expected out tensor to have dtype {res._dtype.name}, but got "
                           f"{out._dtype.name} instead")
    if out._shape != res._shape:
        out.resize_(res._shape)
    return copy_(out, res)


def _check_dims(input, dim, index, op, other=None, other_name="src"):
    """PyTorch's gather/scatter shape rules; returns the wrapped dim."""
    nd = max(input.dim(), 1)
    dim = wrap_dim(dim, nd, op)
    if index.numel() == 0:
        return dim
    if max(index.dim(), 1) != nd:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input tensor "
                           f"(input {list(input._shape)}, index {list(index._shape)})")
    ishape = index._shape or (1,)
    xshape = input._shape or (1,)
    for d in range(nd):
        if d != dim and ishape[d] > xshape[d]:
            raise RuntimeError(f"{op}(): Size does not match at dimension {d} expected index "
                               f"{list(index._shape)} to be no larger than self {list(input._shape)} apart "
                               f"from dimension {dim}")
    if other is not None:
        oshape = other._shape or (1,)
        if max(other.dim(), 1) != nd or any(ishape[d] > oshape[d] for d in range(nd)):
            raise RuntimeError(f"{op}(): Expected index {list(index._shape)} to be no larger than self "
                               f"{list(input._shape)} apart from dimension {dim} and to be no larger than "
                               f"{other_name} {list(other._shape)}")
    return dim


def _along(x, dim, index):
    """(iteration shape, b strides, index operand) for gather/scatter along ``dim``."""
    shape = index._shape or (1,)
    xs = x._strides or (1,)
    xsh = x._shape or (1,)
    ist = index._strides or (1,)
    bstr = tuple(0 if d == dim else s for d, s in enumerate(xs))
    return shape, bstr, (index.reshape(shape), ist, xsh[dim], xs[dim])


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and likewise for other dims).

    >>> import tensorjit as tj
    >>> tj.gather(tj.tensor([[1, 2], [3, 4]]), 1, tj.tensor([[0, 0], [1, 0]])).tolist()
    [[1, 1], [4, 3]]
    """
    if type(input) in _KEYED and _lookup("gather", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("gather", input._dispatch_key)(input, dim, index, sparse_grad=sparse_grad, out=out)
    _tensor_arg(input, "gather")
    index = _index_arg(index, "gather")
    dim = _check_dims(input, dim, index, "gather")
    size = (input._shape or (1,))[dim]
    check_bounds(index, size, dim, "gather", negative=False, error=RuntimeError)
    res = _new(index._shape, input._dtype, input)
    if res.numel():
        shape, bstr, ix = _along(input, dim, index)
        run("get", input._dtype, shape, (res, contiguous_strides(shape)), (input, bstr), [ix])
    return _finish(res, out, "gather")


def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of ``input`` at ``indices`` along ``dim`` (broadcasting the other dims); with
    ``dim=None``, at flat positions. Negative indices count from the end.

    >>> import tensorjit as tj
    >>> x = tj.tensor([[10, 30, 20], [60, 40, 50]])
    >>> tj.take_along_dim(x, tj.tensor([[0, 2, 1], [1, 2, 0]]), dim=1).tolist()
    [[10, 20, 30], [40, 50, 60]]
    >>> tj.take_along_dim(x, tj.tensor([-1]), dim=None).tolist()
    [50]
    """
    if type(input) in _KEYED and _lookup("take_along_dim", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("take_along_dim", input._dispatch_key)(input, indices, dim, out=out)
    _tensor_arg(input, "take_along_dim")
    # int32 indices only without a dim, as PyTorch's
    indices = _index_arg(indices, "take_along_dim", "indices", int32=dim is None)
    if dim is None:
        return _finish(gather(input.reshape(-1), 0, _wrap(indices.reshape(-1), input.numel(), "take_along_dim")),
                       out, "take_along_dim")
    nd = input.dim()
    if indices.dim() != nd:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {nd} dimensions for input, and {indices.dim()} dimensions for indices")
    dim = wrap_dim(dim, max(nd, 1), "take_along_dim")
    bx = list(input._shape)
    bi = list(indices._shape)
    bx[dim] = bi[dim] = 1
    b = broadcast_shapes(tuple(bx), tuple(bi), op="take_along_dim")
    xs = b[:dim] + (input._shape[dim],) + b[dim + 1:]
    ishape = b[:dim] + (indices._shape[dim],) + b[dim + 1:]
    from .._views import expand
    x = expand(input, *xs)
    idx = _wrap(expand(indices, *ishape), input._shape[dim] if nd else 1, "take_along_dim")
    return _finish(gather(x, dim, idx), out, "take_along_dim")


def _wrap(index, size, op):
    """Index tensor with negative entries moved into ``[0, size)`` (PyTorch's take_along_dim)."""
    check_bounds(index, size, None, op, error=RuntimeError,
                 message="{op}(): index {index} is out of bounds for size {size}")
    from .pointwise import add, lt, where
    return where(lt(index, 0), add(index, size), index)


def take(input, index, *, out=None):
    """``input`` as a flat row-major tensor, read at ``index`` (result has ``index``'s shape).

    >>> import tensorjit as tj
    >>> tj.take(tj.tensor([[4, 3], [5, 7]]), tj.tensor([0, 3, -1])).tolist()
    [4, 7, 7]
    """
    if type(input) in _KEYED and _lookup("take", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("take", input._dispatch_key)(input, index, out=out)
    _tensor_arg(input, "take")
    index = _index_arg(index, "take")
    n = input.numel()
    check_bounds(index, n, 0, "take", error=IndexError,
                 message="take(): out of range: tried to access index {index} on a tensor of {size} elements.")
    flat = input.reshape(-1)
    res = _new(index._shape, input._dtype, input)
    if res.numel():
        shape = index._shape or (1,)
        run("get", input._dtype, shape, (res, contiguous_strides(shape)), (flat, (0,) * len(shape)),
            [(index.reshape(shape), index._strides or (1,), n, flat._strides[0])])
    return _finish(res, out, "take")


# -- scatter family -----------------------------------------------------------------------------
# PyTorch also takes "max" and "min" for "amax" and "amin".
_SCATTER_REDUCE = {"sum": "add", "prod": "mul", "amax": "max", "amin": "min", "mean": "add", "max": "max",
                   "min": "min"}
# (reduction, dtype categories it is not implemented for), as PyTorch's kernels.
_SCATTER_REDUCE_MISSING = {"mean": (_dtypes.BOOL,), "amax": (_dtypes.COMPLEX,), "amin": (_dtypes.COMPLEX,),
                           "max": (_dtypes.COMPLEX,), "min": (_dtypes.COMPLEX,)}
_LEGACY_REDUCE = {"add": "add", "multiply": "mul"}


def _scatter_into(self, dim, index, src, combine, op):
    """Scatter ``src`` (a tensor or a number) into ``self`` in place along ``dim``."""
    _check_writable(self, op, allow_overlap=True)
    index = _index_arg(index, op)
    if isinstance(src, Tensor):
        if src._dtype is not self._dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got {self._dtype.name} "
                               f"and {src._dtype.name})")
        dim = _check_dims(self, dim, index, op, src)
    else:
        dim = _check_dims(self, dim, index, op)
        src = _scalar_tensor(src, self._dtype, op)
    size = (self._shape or (1,))[dim]
    check_bounds(index, size, dim, op, negative=False, error=RuntimeError)
    if index.numel() == 0:
        return self
    # An index viewing self is read from a copy (its strides are the copy's, not the view's).
    shape, bstr, ix = _along(self, dim, _as_operand(index, self, op))
    if src.dim() == 0:
        astr = (0,) * len(shape)
    else:
        src = _as_operand(src, self, op)
        astr = src._strides
    run("put" if combine is None else "acc", self._dtype, shape, (src, astr), (self, bstr), [ix], combine)
    return self


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    """Write ``src`` (a tensor or a number) into ``self`` at ``index`` along ``dim``, in place;
    ``reduce='add'``/``'multiply'`` combines instead of overwriting.

    >>> import tensorjit as tj
    >>> tj.zeros(2, 3).scatter_(1, tj.tensor([[2], [0]]), 7.0).tolist()
    [[0.0, 0.0, 7.0], [7.0, 0.0, 0.0]]
    """
    key = (type(self) in _KEYED or type(src) in _KEYED) and _key_of(self, src)  # Note [layout dispatch]
    if key and _lookup("scatter_", key):
        return _lookup("scatter_", key)(self, dim, index, src, value=value, reduce=reduce)
    _tensor_arg(self, "scatter_", "self")
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter_(): missing argument 'src' or 'value'")
    combine = None
    if reduce is not None:
        if reduce not in _LEGACY_REDUCE:
            raise RuntimeError(f"scatter_(): reduce argument must be either add or multiply, got {reduce!r}")
        combine = _LEGACY_REDUCE[reduce]
    return _scatter_into(self, dim, index, src, combine, "scatter_")


def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """Out-of-place ``scatter_`` (a contiguous result).

    >>> import tensorjit as tj
    >>> tj.scatter(tj.zeros(3), 0, tj.tensor([1]), tj.tensor([5.0])).tolist()
    [0.0, 5.0, 0.0]
    """
    key = (type(input) in _KEYED or type(src) in _KEYED) and _key_of(input, src)  # Note [layout dispatch]
    if key and _lookup("scatter", key):
        return _lookup("scatter", key)(input, dim, index, src, value=value, reduce=reduce, out=out)
    _tensor_arg(input, "scatter")
    res = scatter_(_contiguous_copy(input), dim, index, src, value=value, reduce=reduce)
    return _finish(res, out, "scatter")


def scatter_add_(self, dim, index, src):
    """Add ``src`` into ``self`` at ``index`` along ``dim``, in place (repeated indices add up).

    >>> import tensorjit as tj
    >>> tj.zeros(3).scatter_add_(0, tj.tensor([0, 0, 2]), tj.tensor([1.0, 2.0, 3.0])).tolist()
    [3.0, 0.0, 3.0]
    """
    key = (type(self) in _KEYED or type(src) in _KEYED) and _key_of(self, src)  # Note [layout dispatch]
    if key and _lookup("scatter_add_", key):
        return _lookup("scatter_add_", key)(self, dim, index, src)
    _tensor_arg(self, "scatter_add_", "self")
    _tensor_arg(src, "scatter_add_", "src")
    return _scatter_into(self, dim, index, src, "add", "scatter_add_")


def scatter_add(input, dim, index, src, *, out=None):
    """Out-of-place ``scatter_add_`` (a contiguous result)."""
    key = (type(input) in _KEYED or type(src) in _KEYED) and _key_of(input, src)  # Note [layout dispatch]
    if key and _lookup("scatter_add", key):
        return _lookup("scatter_add", key)(input, dim, index, src, out=out)
    _tensor_arg(input, "scatter_add")
    return _finish(scatter_add_(_contiguous_copy(input), dim, index, src), out, "scatter_add")


def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``self`` at ``index`` along ``dim`` with ``reduce`` in
    'sum', 'prod', 'mean', 'amax', 'amin'; ``include_self=False`` leaves ``self``'s values out
    wherever something is scattered.

    >>> import tensorjit as tj
    >>> x = tj.tensor([1.0, 2.0, 3.0])
    >>> x.scatter_reduce_(0, tj.tensor([0, 0, 2]), tj.tensor([5.0, 6.0, 7.0]), "amax").tolist()
    [6.0, 2.0, 7.0]
    """
    key = (type(self) in _KEYED or type(src) in _KEYED) and _key_of(self, src)  # Note [layout dispatch]
    if key and _lookup("scatter_reduce_", key):
        return _lookup("scatter_reduce_", key)(self, dim, index, src, reduce, include_self=include_self)
    op = "scatter_reduce_"
    _tensor_arg(self, op, "self")
    _tensor_arg(src, op, "src")
    if reduce not in _SCATTER_REDUCE:
        raise RuntimeError(f"{op}(): reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if self._dtype.category in _SCATTER_REDUCE_MISSING.get(reduce, ()):
        raise NotImplementedError(f"{op}(): reduce={reduce!r} is not implemented for {self._dtype.name}")
    index_t = _index_arg(index, op)
    if src._dtype is not self._dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got {self._dtype.name} "
                           f"and {src._dtype.name})")
    d = _check_dims(self, dim, index_t, op, src)
    check_bounds(index_t, (self._shape or (1,))[d], d, op, negative=False, error=RuntimeError)
    _check_writable(self, op, allow_overlap=True)
    if index_t.numel() == 0:
        return self
    src = _as_operand(src, self, op)
    if reduce == "mean":
        counts = _new(self._shape, _dtypes.int64, self)      # int64 counts: maximum has no complex kernel
        counts.fill_(1 if include_self else 0)
        if not include_self:
            _scatter_into(self, d, index_t, 0, None, op)
        _scatter_into(counts, d, index_t, 1, "add", op)
        _scatter_into(self, d, index_t, src, "add", op)
        from .pointwise import div, maximum
        counts = maximum(counts, 1)
        mode = "floor" if self._dtype.category <= _dtypes.INT else None
        return self.copy_(div(self, counts, rounding_mode=mode))
    if not include_self:
        _scatter_into(self, d, index_t, _identity(reduce, self._dtype), None, op)
    return _scatter_into(self, d, index_t, src, _SCATTER_REDUCE[reduce], op)


def _identity(reduce, d):
    if reduce == "sum":
        return 0
    if reduce == "prod":
        return 1
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)
    if d is _dtypes.bool:
        return reduce == "amin"
    if d.category == _dtypes.INT:
        info = _dtypes.iinfo(d)
        return info.min if reduce == "amax" else info.max
    return -math.inf if reduce == "amax" else math.inf


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """Out-of-place ``scatter_reduce_`` (a contiguous result)."""
    key = (type(input) in _KEYED or type(src) in _KEYED) and _key_of(input, src)  # Note [layout dispatch]
    if key and _lookup("scatter_reduce", key):
        return _lookup("scatter_reduce", key)(input, dim, index, src, reduce, include_self=include_self, out=out)
    _tensor_arg(input, "scatter_reduce")
    res = scatter_reduce_(_contiguous_copy(input), dim, index, src, reduce, include_self=include_self)
    return _finish(res, out, "scatter_reduce")


# -- index_add / index_copy / index_fill ---------------------------------------------------------
def _index_dim(self, dim, index, source, op, fill=False):
    """(dim, index, iteration shape, b strides, index operand, a operand) for index_* ops."""
    index = _index_arg(index, op)
    if index.dim() > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    index = index.reshape(-1)
    nd = self.dim()
    dim = wrap_dim(dim, max(nd, 1), op)
    x = self.reshape(1) if nd == 0 else self
    size = x._shape[dim]
    shape = x._shape[:dim] + (index.numel(),) + x._shape[dim + 1:]
    if not fill:
        _check_source(self, dim, index.numel(), source, op)
        if source._dtype is not self._dtype:
            raise RuntimeError(f"{op}(): self ({self._dtype.name}) and source ({source._dtype.name}) must have "
                               f"the same scalar type")
    check_bounds(index, size, dim, op, negative=fill,
                 error={"index_add_": RuntimeError, "index_copy_": IndexError}.get(op, IndexOutOfRangeError))
    bstr = x._strides[:dim] + (0,) + x._strides[dim + 1:]
    istr = tuple(index._strides[0] if d == dim else 0 for d in range(len(shape)))
    return x, shape, bstr, (index, istr, size, x._strides[dim])


def _check_source(self, dim, n, source, op):
    """PyTorch's shape rules (and error types) for the source of index_add_ / index_copy_."""
    nd, sd = self.dim(), source.dim()
    if op == "index_copy_":
        if nd and sd and nd != sd:
            raise IndexError(f"{op}(): When source and destination are not scalars, their dimensionality must "
                             f"match. Source dimensionality ({sd}), destination dimensionality ({nd})")
        if (source._shape[dim] if sd else 1) != n:
            raise IndexError(f"{op}(): Number of indices ({n}) should be equal to source.size(dim) "
                             f"({source._shape[dim] if sd else 1})")
        for d in range(min(nd, sd)):
            if d != dim and source._shape[d] != self._shape[d]:
                raise RuntimeError(f"{op}(): Source/destination tensor must have same slice shapes. Destination "
                                   f"slice shape: {self._shape[d]} at dimension {d} and source slice shape: "
                                   f"{source._shape[d]} at dimension {d}.")
        return
    if sd and (source._shape[dim] if dim < sd else 1) != n:
        raise RuntimeError(f"{op}(): Number of indices ({n}) should be equal to source.size(dim): "
                           f"({source._shape[dim] if dim < sd else 1}), for dim: {dim}")
    want = self._shape[:dim] + (n,) + self._shape[dim + 1:] if nd else ()
    if (sd or nd) and source._shape != want:
        raise RuntimeError(f"{op}(): source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {list(self._shape)} source.shape = {list(source._shape)}")


def index_add_(self, dim, index, source, *, alpha=1):
    """Add ``alpha * source`` into the entries of ``self`` along ``dim`` at ``index``, in place
    (repeated indices add up).

    >>> import tensorjit as tj
    >>> tj.zeros(2, 3).index_add_(1, tj.tensor([0, 0]), tj.ones(2, 2)).tolist()
    [[2.0, 0.0, 0.0], [2.0, 0.0, 0.0]]
    """
    key = (type(self) in _KEYED or type(source) in _KEYED) and _key_of(self, source)  # Note [layout dispatch]
    if key and _lookup("index_add_", key):
        return _lookup("index_add_", key)(self, dim, index, source, alpha=alpha)
    op = "index_add_"
    _tensor_arg(self, op, "self")
    _tensor_arg(source, op, "source")
    x, shape, bstr, ix = _index_dim(self, dim, index, source, op)
    _check_writable(self, op, allow_overlap=True)
    if alpha != 1:
        from .pointwise import mul
        source = mul(source, alpha).to(self._dtype)
    source = _as_operand(source, self, op).reshape(shape)
    run("acc", self._dtype, shape, (source, source._strides), (x, bstr), [ix], "add")
    return self


def index_copy_(self, dim, index, source):
    """Copy the slices of ``source`` into ``self`` along ``dim`` at ``index``, in place.

    >>> import tensorjit as tj
    >>> tj.zeros(3).index_copy_(0, tj.tensor([2, 0]), tj.tensor([5.0, 6.0])).tolist()
    [6.0, 0.0, 5.0]
    """
    key = (type(self) in _KEYED or type(source) in _KEYED) and _key_of(self, source)  # Note [layout dispatch]
    if key and _lookup("index_copy_", key):
        return _lookup("index_copy_", key)(self, dim, index, source)
    op = "index_copy_"
    _tensor_arg(self, op, "self")
    _tensor_arg(source, op, "source")
    x, shape, bstr, ix = _index_dim(self, dim, index, source, op)
    _check_writable(self, op, allow_overlap=True)
    source = _as_operand(source, self, op).reshape(shape)
    run("put", self._dtype, shape, (source, source._strides), (x, bstr), [ix])
    return self


def index_fill_(self, dim, index, value):
    """Set the entries of ``self`` along ``dim`` at ``index`` to ``value``, in place.

    >>> import tensorjit as tj
    >>> tj.zeros(2, 3).index_fill_(1, tj.tensor([-1]), 4).tolist()
    [[0.0, 0.0, 4.0], [0.0, 0.0, 4.0]]
    """
    key = (type(self) in _KEYED or type(value) in _KEYED) and _key_of(self, value)  # Note [layout dispatch]
    if key and _lookup("index_fill_", key):
        return _lookup("index_fill_", key)(self, dim, index, value)
    op = "index_fill_"
    _tensor_arg(self, op, "self")
    v = _scalar_tensor(value, self._dtype, op)
    x, shape, bstr, ix = _index_dim(self, dim, index, None, op, fill=True)
    _check_writable(self, op, allow_overlap=True)
    run("put", self._dtype, shape, (v, (0,) * len(shape)), (x, bstr), [ix])
    return self


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """Out-of-place ``index_add_``."""
    key = (type(input) in _KEYED or type(source) in _KEYED) and _key_of(input, source)  # Note [layout dispatch]
    if key and _lookup("index_add", key):
        return _lookup("index_add", key)(input, dim, index, source, alpha=alpha, out=out)
    _tensor_arg(input, "index_add")
    return _finish(index_add_(_contiguous_copy(input), dim, index, source, alpha=alpha), out, "index_add")


def index_copy(input, dim, index, source, *, out=None):
    """Out-of-place ``index_copy_`` (a contiguous result)."""
    key = (type(input) in _KEYED or type(source) in _KEYED) and _key_of(input, source)  # Note [layout dispatch]
    if key and _lookup("index_copy", key):
        return _lookup("index_copy", key)(input, dim, index, source, out=out)
    _tensor_arg(input, "index_copy")
    return _finish(index_copy_(_contiguous_copy(input), dim, index, source), out, "index_copy")


def index_fill(input, dim, index, value):
    """Out-of-place ``index_fill_``."""
    key = (type(input) in _KEYED or type(value) in _KEYED) and _key_of(input, value)  # Note [layout dispatch]
    if key and _lookup("index_fill", key):
        return _lookup("index_fill", key)(input, dim, index, value)
    _tensor_arg(input, "index_fill")
    return index_fill_(input.clone(), dim, index, value)


# -- index_put / put ----------------------------------------------------------------------------
def index_put_(self, indices, values, accumulate=False):
    """``self[indices] = values`` for a tuple of index tensors (or masks); with ``accumulate``,
    values at repeated indices add up.

    >>> import tensorjit as tj
    >>> tj.zeros(3).index_put_((tj.tensor([0, 0, 2]),), tj.tensor(1.0), accumulate=True).tolist()
    [2.0, 0.0, 1.0]
    """
    key = (type(self) in _KEYED or type(values) in _KEYED) and _key_of(self, values)  # Note [layout dispatch]
    if key and _lookup("index_put_", key):
        return _lookup("index_put_", key)(self, indices, values, accumulate)
    _tensor_arg(self, "index_put_", "self")
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put_(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    items = []
    for k, ix in enumerate(indices):
        if not isinstance(ix, Tensor):
            raise TypeError(f"index_put_(): expected Tensor as element {k} in argument 'indices', but got "
                            f"{type(ix).__name__}")
        if ix._dtype is _dtypes.uint8:
            warnings.warn("indexing with dtype uint8 is deprecated, please use a dtype bool instead.",
                          UserWarning, stacklevel=2)
            ix = ix.to(_dtypes.bool)
        ix = as_index(ix, "index_put_")
        items.append((_MASK, ix) if ix._dtype is _dtypes.bool else (_ADV, ix))
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put_(): argument 'values' must be Tensor, not {type(values).__name__}")
    if values._dtype is not self._dtype:
        raise RuntimeError(f"index_put_(): Index put requires the source and destination dtypes match, got "
                           f"{self._dtype.name} for the destination and {values._dtype.name} for the source.")
    if not any(isinstance(i, tuple) for i in items):
        from .._indexing import setitem as basic_setitem
        if accumulate:
            dest = self[tuple(items)]
            dest.add_(values)
        else:
            basic_setitem(self, tuple(items), values)
        return self
    return setitem(self, items, values, accumulate=accumulate, op="index_put_")


def index_put(input, indices, values, accumulate=False):
    """Out-of-place ``index_put_``."""
    key = (type(input) in _KEYED or type(values) in _KEYED) and _key_of(input, values)  # Note [layout dispatch]
    if key and _lookup("index_put", key):
        return _lookup("index_put", key)(input, indices, values, accumulate)
    _tensor_arg(input, "index_put")
    return index_put_(input.clone(), indices, values, accumulate)


def put_(self, index, source, accumulate=False):
    """Write ``source`` into ``self`` seen as a flat row-major tensor at ``index``, in place.

    >>> import tensorjit as tj
    >>> tj.zeros(2, 2).put_(tj.tensor([3, 0]), tj.tensor([9.0, 8.0])).tolist()
    [[8.0, 0.0], [0.0, 9.0]]
    """
    key = (type(self) in _KEYED or type(source) in _KEYED) and _key_of(self, source)  # Note [layout dispatch]
    if key and _lookup("put_", key):
        return _lookup("put_", key)(self, index, source, accumulate)
    op = "put_"
    _tensor_arg(self, op, "self")
    _tensor_arg(source, op, "source")
    index = _index_arg(index, op)
    if source._dtype is not self._dtype:
        raise RuntimeError(f"{op}(): self ({self._dtype.name}) and source ({source._dtype.name}) must have the "
                           f"same scalar type")
    if source.numel() != index.numel():
        raise IndexError(f"{op}(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    n = self.numel()
    check_bounds(index, n, 0, op, error=IndexError,
                 message="put_(): out of range: tried to access index {index} on a tensor of {size} elements.")
    _check_writable(self, op, allow_overlap=True)
    if index.numel() == 0:
        return self
    flat = self.reshape(-1)
    viewed = self._dense or self.dim() <= 1     # then reshape(-1) is a view
    target = flat if viewed else flat.clone()
    m = index.numel()
    src = _as_operand(source, self, op).reshape(m)
    run("acc" if accumulate else "put", self._dtype, (m,), (src, src._strides), (target, (0,)),
        [(index.reshape(m), index.reshape(m)._strides, n, target._strides[0])], "add" if accumulate else None)
    if not viewed:
        self.copy_(target.view(self._shape))
    return self


def put(input, index, source, accumulate=False):
    """Out-of-place ``put_``."""
    key = (type(input) in _KEYED or type(source) in _KEYED) and _key_of(input, source)  # Note [layout dispatch]
    if key and _lookup("put", key):
        return _lookup("put", key)(input, index, source, accumulate)
    _tensor_arg(input, "put")
    return put_(input.clone(), index, source, accumulate)


# -- masks ----------------------------------------------------------------------------------
def _mask_arg(mask, op):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._dtype is not _dtypes.bool:
        raise RuntimeError(f"{op}: expected BoolTensor for mask, but got mask with dtype {mask._dtype.name}")
    return mask


def masked_fill_(self, mask, value):
    """Set ``self`` to ``value`` where bool ``mask`` (broadcast to ``self``) is True, in place.

    >>> import tensorjit as tj
    >>> tj.zeros(3).masked_fill_(tj.tensor([True, False, True]), 2.5).tolist()
    [2.5, 0.0, 2.5]
    """
    key = (type(self) in _KEYED or type(value) in _KEYED) and _key_of(self, value)  # Note [layout dispatch]
    if key and _lookup("masked_fill_", key):
        return _lookup("masked_fill_", key)(self, mask, value)
    op = "masked_fill_"
    _tensor_arg(self, op, "self")
    _mask_arg(mask, op)
    if broadcast_shapes(mask._shape, self._shape, op=op) != self._shape:
        raise RuntimeError(f"{op}: mask of shape {list(mask._shape)} cannot be broadcast to self of shape "
                           f"{list(self._shape)}")
    v = _scalar_tensor(value, self._dtype, op)
    from .pointwise import where
    _check_writable(self, op)
    mask = _as_operand(mask, self, op)
    return where(mask, v, self, out=self)


def masked_fill(input, mask, value):
    """Out-of-place ``masked_fill_`` (the result broadcasts ``input`` with ``mask``).

    >>> import tensorjit as tj
    >>> tj.tensor([1, 2, 3]).masked_fill(tj.tensor([False, True, False]), -1).tolist()
    [1, -1, 3]
    """
    key = (type(input) in _KEYED or type(value) in _KEYED) and _key_of(input, value)  # Note [layout dispatch]
    if key and _lookup("masked_fill", key):
        return _lookup("masked_fill", key)(input, mask, value)
    _tensor_arg(input, "masked_fill")
    _mask_arg(mask, "masked_fill")
    shape = broadcast_shapes(input._shape, mask._shape, op="masked_fill")
    from .._views import expand
    res = expand(input, *shape).contiguous() if shape != input._shape else _contiguous_copy(input)
    return masked_fill_(res, mask, value)


def masked_select(input, mask, *, out=None):
    """The elements of ``input`` where bool ``mask`` is True (both broadcast), as a 1-d tensor.

    >>> import tensorjit as tj
    >>> x = tj.tensor([[1, -2], [-3, 4]])
    >>> tj.masked_select(x, x > 0).tolist()
    [1, 4]
    """
    if type(input) in _KEYED and _lookup("masked_select", input._dispatch_key):  # Note [layout dispatch]
        return _lookup("masked_select", input._dispatch_key)(input, mask, out=out)
    _tensor_arg(input, "masked_select")
    _mask_arg(mask, "masked_select")
    shape = broadcast_shapes(input._shape, mask._shape, op="masked_select")
    from .._views import expand
    x = expand(input, *shape) if shape != input._shape else input
    m = expand(mask, *shape) if shape != mask._shape else mask
    if not shape:
        x, m = x.reshape(1), m.reshape(1)
    return _finish(compress(x, m), out, "masked_select")


def masked_scatter_(self, mask, source):
    """Copy consecutive elements of ``source`` into ``self`` where ``mask`` is True, in place.

    >>> import tensorjit as tj
    >>> tj.zeros(4).masked_scatter_(tj.tensor([True, False, True, False]), tj.tensor([7.0, 8.0, 9.0])).tolist()
    [7.0, 0.0, 8.0, 0.0]
    """
    key = (type(self) in _KEYED or type(source) in _KEYED) and _key_of(self, source)  # Note [layout dispatch]
    if key and _lookup("masked_scatter_", key):
        return _lookup("masked_scatter_", key)(self, mask, source)
    op = "masked_scatter_"
    _tensor_arg(self, op, "self")
    _mask_arg(mask, op)
    _tensor_arg(source, op, "source")
    if source._dtype is not self._dtype:
        raise RuntimeError(f"{op}: expected self and source to have same dtypes but got {self._dtype.name} and "
                           f"{source._dtype.name}")
    if broadcast_shapes(mask._shape, self._shape, op=op) != self._shape:
        raise RuntimeError(f"{op}: mask of shape {list(mask._shape)} cannot be broadcast to self of shape "
                           f"{list(self._shape)}")
    from .._views import expand
    m = expand(mask, *self._shape) if mask._shape != self._shape else mask
    coords = _nonzero(m)
    n = coords._shape[0]
    if n > source.numel():
        raise RuntimeError(f"{op}: Number of elements of source < number of ones in mask ({source.numel()} < {n})")
    _check_writable(self, op, allow_overlap=True)
    if n == 0:
        return self
    values = source.reshape(-1)[:n]
    if self.dim() == 0:
        return self.copy_(values.reshape(()))
    items = [(_ADV, coords[:, j].contiguous()) for j in range(self.dim())]
    setitem(self, items, _as_operand(values, self, op), op=op)
    return self


def masked_scatter(input, mask, source):
    """Out-of-place ``masked_scatter_``."""
    key = (type(input) in _KEYED or type(source) in _KEYED) and _key_of(input, source)  # Note [layout dispatch]
    if key and _lookup("masked_scatter", key):
        return _lookup("masked_scatter", key)(input, mask, source)
    _tensor_arg(input, "masked_scatter")
    shape = broadcast_shapes(input._shape, mask._shape, op="masked_scatter")
    from .._views import expand
    res = expand(input, *shape).contiguous() if shape != input._shape else _contiguous_copy(input)
    return masked_scatter_(res, mask, source)


def nonzero(input, *, out=None, as_tuple=False):
    """Coordinates of the nonzero elements: an ``(n, ndim)`` int64 tensor in row-major order, or
    with ``as_tuple`` one 1-d tensor per dim.

    >>> import tensorjit as tj
    >>> tj.nonzero(tj.tensor([[0, 1], [2, 0]])).tolist()
    [[0, 1], [1, 0]]
    >>> [t.tolist() for t in tj.nonzero(tj.tensor([0, 3, 4]), as_tuple=True)]
    [[1, 2]]
    """
    _tensor_arg(input, "nonzero")
    if as_tuple:
        x = input.reshape(1) if input.dim() == 0 else input
        coords = _nonzero(x)
        return tuple(coords[:, j].contiguous() for j in range(x.dim()))
    res = _nonzero(input)
    if out is not None and isinstance(out, Tensor) and out._shape != res._shape and out._dtype is res._dtype:
        # A resized out= takes the result's column-major strides, as PyTorch's.
        out.resize_(res._shape)
        out._strides, out._dense = res._strides, res._dense
    return _finish(res, out, "nonzero")


def argwhere(input):
    """``nonzero(input)``: the ``(n, ndim)`` coordinates of the nonzero elements.

    >>> import tensorjit as tj
    >>> tj.argwhere(tj.tensor([0, 5, 0, 6])).tolist()
    [[1], [3]]
    """
    _tensor_arg(input, "argwhere")
    return _nonzero(input)


METHODS = {
    "index_select": index_select, "gather": gather, "take_along_dim": take_along_dim, "take": take,
    "scatter": scatter, "scatter_": scatter_, "scatter_add": scatter_add, "scatter_add_": scatter_add_,
    "scatter_reduce": scatter_reduce, "scatter_reduce_": scatter_reduce_,
    "index_add": index_add, "index_add_": index_add_, "index_copy": index_copy, "index_copy_": index_copy_,
    "index_fill": index_fill, "index_fill_": index_fill_, "index_put": index_put, "index_put_": index_put_,
    "put": put, "put_": put_, "masked_fill": masked_fill, "masked_fill_": masked_fill_,
    "masked_select": masked_select, "masked_scatter": masked_scatter, "masked_scatter_": masked_scatter_,
    "nonzero": nonzero, "argwhere": argwhere,
}

"""Views: new shape, strides and offset over the same storage. Nothing here copies data,
except ``reshape``/``flatten`` when no view exists and ``contiguous``/``clone``."""
from __future__ import annotations

import math
import operator

from ._shape import contiguous_strides, normalize_shape, wrap_dim, like_strides
from ._storage import allocate
from ._tensor import Tensor, make, make_dense
from ._layouts import KEYED as _KEYED, lookup as _lookup  # Note [layout dispatch]


def _view(t, shape, strides, offset=None):
    return make(t._data, tuple(shape), tuple(strides), t._offset if offset is None else offset, t._dtype)


def as_strided(t, size, stride, storage_offset=None):
    """A view with explicit sizes, strides and offset (in elements), as ``torch.as_strided``.

    >>> import tensorjit as tj
    >>> tj.arange(6).as_strided((2, 2), (1, 2)).tolist()
    [[0, 2], [1, 3]]
    """
    if type(t) in _KEYED and _lookup("as_strided", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("as_strided", t._dispatch_key)(t, size, stride, storage_offset)
    size, stride = tuple(size), tuple(stride)
    offset = t._offset if storage_offset is None else storage_offset
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided: mismatch in length of strides ({len(stride)}) and shape ({len(size)})")
    if any(n < 0 for n in size) or offset < 0:
        raise RuntimeError(f"as_strided: negative size or offset in size={size}, storage_offset={offset}")
    if math.prod(size):
        lo = offset + sum((n - 1) * s for n, s in zip(size, stride) if s < 0)
        hi = offset + sum((n - 1) * s for n, s in zip(size, stride) if s > 0)
        if lo < 0 or hi >= len(t._data):
            raise RuntimeError(f"as_strided: setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                               f"offset {offset} require a storage of at least {hi + 1} elements, but it has "
                               f"{len(t._data)}")
    return _view(t, size, stride, offset)


def transpose(t, dim0, dim1):
    """Swap two dims (a view).

    >>> import tensorjit as tj
    >>> tj.zeros(2, 3).transpose(0, 1).shape
    tensorjit.Size([3, 2])
    """
    if type(t) in _KEYED and _lookup("transpose", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("transpose", t._dispatch_key)(t, dim0, dim1)
    nd = len(t._shape)
    d0, d1 = wrap_dim(dim0, nd, "transpose"), wrap_dim(dim1, nd, "transpose")
    if nd == 0:
        return _view(t, (), ())
    shape, strides = list(t._shape), list(t._strides)
    shape[d0], shape[d1] = shape[d1], shape[d0]
    strides[d0], strides[d1] = strides[d1], strides[d0]
    return _view(t, shape, strides)


def swapaxes(input, axis0, axis1):
    """Swap two dims (a view); NumPy's name for :func:`transpose`.

    >>> import tensorjit as tj
    >>> tj.zeros(2, 3, 4).swapaxes(0, 2).stride()
    (1, 4, 12)
    """
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    """Swap two dims (a view); an alias of :func:`transpose`."""
    return transpose(input, dim0, dim1)


def t_(t):
    """Transpose a tensor of at most 2 dims (``Tensor.t()``)."""
    if type(t) in _KEYED and _lookup("t", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("t", t._dispatch_key)(t)
    if len(t._shape) > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {len(t._shape)}D")
    return transpose(t, 0, 1) if len(t._shape) == 2 else _view(t, t._shape, t._strides)


def permute(t, *dims):
    """Reorder dims (a view).

    >>> import tensorjit as tj
    >>> tj.zeros(2, 3, 4).permute(2, 0, 1).shape
    tensorjit.Size([4, 2, 3])
    """
    if type(t) in _KEYED and _lookup("permute", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("permute", t._dispatch_key)(t, *dims)
    dims = normalize_shape(dims, "permute")
    nd = len(t._shape)
    if len(dims) != nd:
        raise RuntimeError(f"permute: number of dimensions in the tensor input does not match the length of "
                           f"the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
                           f"len(dims) = {len(dims)}")
    dims = [wrap_dim(d, nd, "permute") for d in dims]
    if len(set(dims)) != nd:
        raise RuntimeError(f"permute: repeated dim in {tuple(dims)}")
    return _view(t, [t._shape[d] for d in dims], [t._strides[d] for d in dims])


def movedim(t, source, destination):
    """Move dims to new positions (a view), as ``torch.movedim``."""
    nd = len(t._shape)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if nd == 0:
        for d in src + dst:
            wrap_dim(d, 0, "movedim")
        return _view(t, (), ())
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    src = [wrap_dim(d, nd, "movedim") for d in src]
    dst = [wrap_dim(d, nd, "movedim") for d in dst]
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(nd) if d not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(t, order)


def expand(t, *sizes):
    """Broadcast to a larger shape without copying (-1 keeps a size).

    >>> import tensorjit as tj
    >>> tj.tensor([1, 2]).expand(3, 2).stride()
    (0, 1)
    """
    if type(t) in _KEYED and _lookup("expand", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("expand", t._dispatch_key)(t, *sizes)
    sizes = normalize_shape(sizes, "expand")
    nd = len(t._shape)
    if len(sizes) < nd:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({nd})")
    off = len(sizes) - nd
    shape, strides = [], []
    for i, n in enumerate(sizes):
        if i < off:
            if n < 0:
                raise RuntimeError(f"expand: the expanded size of the tensor ({n}) isn't allowed in a leading, "
                                   "non-existing dimension")
            shape.append(n)
            strides.append(0)
            continue
        cur, st = t._shape[i - off], t._strides[i - off]
        if n == -1:
            n = cur
        if cur == n:
            shape.append(n)
            strides.append(st)
        elif cur == 1:
            shape.append(n)
            strides.append(0)
        else:
            raise RuntimeError(f"expand: the expanded size of the tensor ({n}) must match the existing size ({cur}) "
                               f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(t._shape)}")
    return _view(t, shape, strides)


def expand_as(t, other):
    return expand(t, other._shape)


def broadcast_to(t, shape):
    """``t`` expanded to ``shape`` (a view); -1 keeps a size.

    >>> import tensorjit as tj
    >>> tj.tensor([1, 2]).broadcast_to((3, 2)).stride()
    (0, 1)
    """
    if not hasattr(shape, "__iter__"):
        raise TypeError(f"broadcast_to(): argument 'size' must be tuple of ints, not {type(shape).__name__}")
    return expand(t, tuple(shape))


def unsqueeze(t, dim):
    """Insert a size-1 dim (a view)."""
    if type(t) in _KEYED and _lookup("unsqueeze", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("unsqueeze", t._dispatch_key)(t, dim)
    nd = len(t._shape)
    d = wrap_dim(dim, nd + 1, "unsqueeze")
    st = t._strides[d] * t._shape[d] if d < nd else 1
    return _view(t, t._shape[:d] + (1,) + t._shape[d:], t._strides[:d] + (st,) + t._strides[d:])


def squeeze(t, *dims, dim=None):
    """Remove size-1 dims: all of them, or those among ``dim`` (an int or a tuple of dims) (a view).

    >>> import tensorjit as tj
    >>> tj.zeros(1, 2, 1).squeeze((0, 2)).shape
    tensorjit.Size([2])
    """
    if type(t) in _KEYED and _lookup("squeeze", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("squeeze", t._dispatch_key)(t, *dims, dim=dim)
    if dims:
        if dim is not None:
            raise TypeError("squeeze(): got multiple values for argument 'dim'")
        dim = dims[0] if len(dims) == 1 else dims
    nd = len(t._shape)
    if dim is None:
        drop = {i for i, n in enumerate(t._shape) if n == 1}
    else:
        seen = []
        for d in ((dim,) if not isinstance(dim, (list, tuple)) else dim):
            w = wrap_dim(d, nd, "squeeze")
            if w in seen:
                raise RuntimeError(f"squeeze: dim {w} appears multiple times in the list of dims")
            seen.append(w)
        drop = {d for d in seen if nd and t._shape[d] == 1}
    keep = [i for i in range(nd) if i not in drop]
    return _view(t, [t._shape[i] for i in keep], [t._strides[i] for i in keep])


def _infer_size(shape, numel, op):
    shape = list(shape)
    neg = [i for i, n in enumerate(shape) if n == -1]
    if len(neg) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    if any(n < -1 for n in shape):
        raise RuntimeError(f"{op}: invalid shape dimension {min(shape)}")
    known = math.prod(n for n in shape if n != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _view_strides(old_shape, old_strides, new_shape):
    """Strides for viewing (old_shape, old_strides) as new_shape, or None (PyTorch's computeStride)."""
    numel = math.prod(old_shape)
    if numel == 0:
        return contiguous_strides(new_shape) if old_shape != new_shape else tuple(old_strides)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1] if old_strides else 1
    tensor_numel = 1
    view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_base_stride = old_strides[d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


def view(t, *shape):
    """The same data with another shape, without copying; raises when the strides don't allow it.

    >>> import tensorjit as tj
    >>> tj.arange(6).view(2, 3).stride()
    (3, 1)
    """
    if type(t) in _KEYED and _lookup("view", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("view", t._dispatch_key)(t, *shape)
    if len(shape) == 1 and not isinstance(shape[0], int) and not hasattr(shape[0], "__iter__"):
        from ._dtypes import as_dtype
        return view_dtype(t, as_dtype(shape[0], op="view"))
    shape = _infer_size(normalize_shape(shape, "view"), t.numel(), "view")
    if t._dense:
        return make_dense(t._data, shape, contiguous_strides(shape), t._offset, t._dtype)
    strides = _view_strides(t._shape, t._strides, shape)
    if strides is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return _view(t, shape, strides)


def view_dtype(t, dtype):
    """Reinterpret the bytes as another dtype of the same size (``Tensor.view(dtype)``)."""
    if type(t) in _KEYED and _lookup("view_dtype", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("view_dtype", t._dispatch_key)(t, dtype)
    if dtype.itemsize != t._dtype.itemsize:
        raise RuntimeError(f"view: can only view {t._dtype.name} as a dtype of the same element size "
                           f"({t._dtype.itemsize}), got {dtype.name}")
    return make(t._data.view(dtype.knp), t._shape, t._strides, t._offset, dtype)


def view_as(t, other):
    return view(t, other._shape)


def reshape(t, *shape):
    """Another shape: a view when the strides allow it, else a contiguous copy.

    >>> import tensorjit as tj
    >>> tj.arange(6).view(2, 3).t().reshape(6).tolist()
    [0, 3, 1, 4, 2, 5]
    """
    if type(t) in _KEYED and _lookup("reshape", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("reshape", t._dispatch_key)(t, *shape)
    shape = _infer_size(normalize_shape(shape, "reshape"), t.numel(), "reshape")
    if t._dense:
        return make_dense(t._data, shape, contiguous_strides(shape), t._offset, t._dtype)
    strides = _view_strides(t._shape, t._strides, shape)
    if strides is not None:
        return _view(t, shape, strides)
    return view(contiguous(t), shape)


def reshape_as(t, other):
    return reshape(t, other._shape)


def flatten(t, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (a view when possible)."""
    nd = len(t._shape)
    if nd == 0:
        return reshape(t, 1)
    s, e = wrap_dim(start_dim, nd, "flatten"), wrap_dim(end_dim, nd, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return t
    return reshape(t, t._shape[:s] + (math.prod(t._shape[s:e + 1]),) + t._shape[e + 1:])


def unflatten(t, dim, sizes):
    """Split one dim into ``sizes`` (a view)."""
    nd = len(t._shape)
    d = wrap_dim(dim, nd, "unflatten")
    sizes = _infer_size(tuple(sizes), t._shape[d], "unflatten")
    return view(t, t._shape[:d] + sizes + t._shape[d + 1:])


def narrow(t, dim, start, length):
    """Elements ``start..start+length`` of one dim (a view)."""
    if type(t) in _KEYED and _lookup("narrow", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("narrow", t._dispatch_key)(t, dim, start, length)
    nd = len(t._shape)
    d = wrap_dim(dim, nd, "narrow")
    n = t._shape[d]
    start = operator.index(start)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}).")
    shape = list(t._shape)
    shape[d] = length
    return _view(t, shape, t._strides, t._offset + start * t._strides[d])


def select(t, dim, index):
    """The slice at ``index`` along ``dim``, dropping that dim (a view)."""
    if type(t) in _KEYED and _lookup("select", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("select", t._dispatch_key)(t, dim, index)
    nd = len(t._shape)
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd, "select")
    n = t._shape[d]
    i = operator.index(index)
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for dimension {d} with size {n}")
    if i < 0:
        i += n
    return _view(t, t._shape[:d] + t._shape[d + 1:], t._strides[:d] + t._strides[d + 1:],
                 t._offset + i * t._strides[d])


def unfold(t, dimension, size, step):
    """All windows of ``size`` along ``dimension``, every ``step``, in a new last dim (a view)."""
    if type(t) in _KEYED and _lookup("unfold", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("unfold", t._dispatch_key)(t, dimension, size, step)
    nd = len(t._shape)
    d = wrap_dim(dimension, nd, "unfold") if nd else 0
    n = t._shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    st = t._strides[d] if nd else 1
    if nd == 0:
        return _view(t, (size,), (1,))
    shape = list(t._shape)
    strides = list(t._strides)
    shape[d] = (n - size) // step + 1
    strides[d] = st * step
    return _view(t, shape + [size], strides + [st])


def diagonal(t, offset=0, dim1=0, dim2=1):
    """The diagonal of two dims, moved to the end (a view)."""
    if type(t) in _KEYED and _lookup("diagonal", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("diagonal", t._dispatch_key)(t, offset, dim1, dim2)
    nd = len(t._shape)
    d1, d2 = wrap_dim(dim1, nd, "diagonal"), wrap_dim(dim2, nd, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n1, n2 = t._shape[d1], t._shape[d2]
    off = t._offset
    if offset >= 0:
        length = max(min(n1, n2 - offset), 0)
        if length:
            off += offset * t._strides[d2]
    else:
        length = max(min(n1 + offset, n2), 0)
        if length:
            off -= offset * t._strides[d1]
    keep = [i for i in range(nd) if i not in (d1, d2)]
    return _view(t, [t._shape[i] for i in keep] + [length],
                 [t._strides[i] for i in keep] + [t._strides[d1] + t._strides[d2]], off)


def split(t, split_size_or_sections, dim=0):
    """Views of consecutive pieces along ``dim``: of one size (the last may be smaller), or of
    the sizes in a list.

    >>> import tensorjit as tj
    >>> [p.tolist() for p in tj.arange(5).split(2)]
    [[0, 1], [2, 3], [4]]
    """
    if isinstance(split_size_or_sections, (list, tuple)):
        return split_with_sizes(t, split_size_or_sections, dim)
    if not t._shape:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, len(t._shape), "split")
    n = t._shape[d]
    if isinstance(split_size_or_sections, (bool, float, Tensor)) or not hasattr(split_size_or_sections, "__index__"):
        raise TypeError(f"split(): argument 'split_size' must be int or a list of ints, not "
                        f"{type(split_size_or_sections).__name__}")
    size = operator.index(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0 and n:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
    pieces = max(-(-n // size), 1) if size else 1
    sizes = [size] * (pieces - 1) + [n - size * (pieces - 1)]
    return _split_sizes(t, d, sizes)


def split_with_sizes(t, split_sizes, dim=0):
    """Views of consecutive pieces along ``dim`` of the sizes in ``split_sizes`` (summing to the dim).

    >>> import tensorjit as tj
    >>> [p.tolist() for p in tj.arange(5).split_with_sizes([1, 4])]
    [[0], [1, 2, 3, 4]]
    """
    if not isinstance(split_sizes, (list, tuple)) or any(isinstance(s, (bool, float)) or not hasattr(s, "__index__")
                                                         for s in split_sizes):
        raise TypeError(f"split_with_sizes(): argument 'split_sizes' must be tuple of ints, not "
                        f"{type(split_sizes).__name__}")
    if not t._shape:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, len(t._shape), "split_with_sizes")
    n = t._shape[d]
    sizes = [operator.index(s) for s in split_sizes]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                           f"split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                           f"at dimension {d}), but got split_sizes={sizes}")
    return _split_sizes(t, d, sizes)


def _split_sizes(t, d, sizes):
    if type(t) in _KEYED and _lookup("split", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("split", t._dispatch_key)(t, d, sizes)
    out, start = [], 0
    st = t._strides[d]
    for s in sizes:
        out.append(_view(t, t._shape[:d] + (s,) + t._shape[d + 1:], t._strides, t._offset + start * st))
        start += s
    return tuple(out)


def chunk(t, chunks, dim=0):
    """Split into at most ``chunks`` views of equal size (the last may be smaller).

    >>> import tensorjit as tj
    >>> [p.tolist() for p in tj.arange(5).chunk(2)]
    [[0, 1, 2], [3, 4]]
    """
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    if not t._shape:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, len(t._shape), "chunk")
    n = t._shape[d]
    if n == 0:
        return tuple(narrow(t, d, 0, 0) for _ in range(chunks))
    return split(t, -(-n // chunks), d)


def T(t):
    return permute(t, list(range(len(t._shape) - 1, -1, -1)))


def mT(t):
    if len(t._shape) < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."
                           if len(t._shape) == 1 else "tensor.mT is only supported on matrices or batches of "
                           "matrices. Got 0-D tensor.")
    return transpose(t, -2, -1)


def contiguous(t, memory_format=None):
    """``t`` if already contiguous, else a contiguous copy."""
    if t.is_contiguous():
        return t
    return clone(t, memory_format="contiguous_format")


def clone(t, memory_format=None):
    """A copy with its own storage, keeping ``t``'s dim order (PyTorch's ``preserve_format``).

    >>> import tensorjit as tj
    >>> tj.zeros(2, 3).t().clone().stride()
    (1, 3)
    """
    if type(t) in _KEYED and _lookup("clone", t._dispatch_key):  # Note [layout dispatch]
        return _lookup("clone", t._dispatch_key)(t, memory_format)
    from ._dispatch import cast_into
    if memory_format == "contiguous_format" or t._dense:
        return cast_into(make_dense(allocate(t.numel(), t._dtype, t.device), t._shape, contiguous_strides(t._shape), 0,
                                    t._dtype), t)
    return cast_into(make(allocate(t.numel(), t._dtype, t.device), t._shape, like_strides(t._shape, t._strides), 0,
                          t._dtype), t)


def resize_(t, *sizes):
    """Give ``t`` a new contiguous shape, reallocating storage when it is too small (``Tensor.resize_``)."""
    shape = normalize_shape(sizes, "resize_")
    need = t._offset + math.prod(shape)
    if need > len(t._data):
        data = allocate(need, t._dtype)
        old = t._data
        data[:len(old)] = old
        t._data = data
    t._shape, t._strides = shape, contiguous_strides(shape)
    t._dense = True
    return t

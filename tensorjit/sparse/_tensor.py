"""Sparse tensors: COO (``SparseCOOTensor``) and CSR (``SparseCSRTensor``), their factories,
accessors, conversions and repr.

Note [sparse storage]
    A sparse tensor holds dense tensors, never a strided storage of its own: COO keeps
    ``_idx`` (int64, shape (ndim, nnz), contiguous), ``_vals`` (shape (nnz,), contiguous) and ``_coalesced`` (indices sorted row-major and unique, as PyTorch's flag:
    set by ``coalesce()`` and by ops whose result is known coalesced); CSR keeps
    ``_crow`` (rows + 1), ``_col`` (nnz; both int64 or both int32, as given) and ``_vals``.
    Only sparse dims are built: values are 1-d (no hybrid tensors with dense dims) and CSR
    tensors are 2-d (no batch dims). The index work (linear keys, runs of equal keys,
    compressing rows) runs int64 kernels of kernels/cpu/sparse.py, shared by every value
    dtype; sorting and summing duplicates are the dense ``argsort`` and ``index_add_``, and
    the products have their own kernels there.

Note [sparse storage guard]
    The classes shadow the strided slots (``_data``, ``_strides``, ``_offset``, ``_dense``)
    with properties that raise ``NotImplementedError`` naming the op the user called (the
    outermost tensorjit frame) and the layout. Dense code reaching a sparse tensor's storage
    is an op without a sparse implementation: it fails loudly, it never reads garbage.
"""
from __future__ import annotations

import math
import sys

from .. import _dtypes
from .._device import CPU, as_device
from .._layouts import (register_class, unsupported, caller_op, sparse_coo as _COO, sparse_csr as _CSR)
from .._shape import contiguous_strides
from .._tensor import Tensor, Size, _new

_int64 = _dtypes.int64


def _guard(slot):
    def get(self):
        raise unsupported(caller_op(), self._dispatch_key, f"it reads the strided {slot}, which a sparse tensor "
                          "does not have (call to_dense() first)")

    def set_(self, value):
        raise unsupported(caller_op(), self._dispatch_key, f"it writes the strided {slot}")
    return property(get, set_, doc=f"Sparse tensors have no {slot} (Note [sparse storage guard]).")


def _no_numpy(t):
    # PyTorch's TypeError for a user's call; a tensorjit op asking for the values as an array
    # is an op without a sparse implementation (Note [sparse storage guard]).
    if sys._getframe(2).f_globals.get("__name__", "").startswith("tensorjit"):
        return unsupported(caller_op(skip=3), t._dispatch_key, "it reads the values as a strided array "
                           "(call to_dense() first)")
    return TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")


class _SparseBase(Tensor):
    __slots__ = ()
    _dispatch_priority = 1
    _data = _guard("_data")
    _strides = _guard("_strides")
    _offset = _guard("_offset")
    _dense = _guard("_dense")

    @property
    def is_sparse_csr(self):
        return False

    def is_contiguous(self, memory_format=None):
        return False

    def numpy(self, *, force=False):
        """Refused, as PyTorch does: call ``to_dense()`` first."""
        raise _no_numpy(self)

    def __array__(self, dtype=None, copy=None):
        raise _no_numpy(self)

    @property
    def __array_interface__(self):
        raise AttributeError("__array_interface__: a sparse tensor has no strided memory to share")

    def __reduce__(self):
        raise unsupported("pickle", self._dispatch_key)

    def __deepcopy__(self, memo):
        return self.clone()

    def sparse_dim(self):
        """The number of sparse dims (all of them: hybrid tensors are not built)."""
        return len(self._shape)

    def dense_dim(self):
        """The number of dense dims (0: hybrid tensors are not built)."""
        return 0

    def _nnz(self):
        """The number of stored elements, duplicates included."""
        return self._vals._shape[0]

    @property
    def nnz(self):
        """The number of stored elements (PyTorch spells it ``_nnz()``; SciPy ``nnz``)."""
        return self._vals._shape[0]

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, memory_format=None):
        """Convert the values' dtype (the indices are kept); the device stays cpu."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a._dtype
            elif isinstance(a, _dtypes.dtype):
                dtype = a
            else:
                device = a
        if device is not None and as_device(device, op="to") != CPU:
            raise unsupported("to", self._dispatch_key, "sparse tensors live on cpu only")
        dtype = self._dtype if dtype is None else _dtypes.as_dtype(dtype, op="to")
        if dtype is self._dtype:
            return self.clone() if copy else self
        return self._with_values(self._vals.to(dtype))

    def type(self, dtype=None, non_blocking=False):
        """The dtype's legacy name without an argument; else ``to(dtype)``."""
        if dtype is None:
            from .._copy import type_
            return type_(self)
        return self.to(dtype)

    def clone(self, memory_format=None):
        """A copy with its own index and value tensors."""
        return self._with_values(self._vals.clone(), copy_indices=True)

    def coalesce(self):
        return self

    def is_coalesced(self):
        raise RuntimeError(f"is_coalesced expected sparse coordinate tensor layout but got {self._torch_layout}")

    def indices(self):
        raise RuntimeError(f"indices expected sparse coordinate tensor layout but got {self._torch_layout}")

    _indices = indices

    def crow_indices(self):
        raise RuntimeError("crow_indices expected sparse row compressed tensor layout but got Sparse")

    col_indices = crow_indices

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        """This tensor in the COO layout (or ``layout``): see :func:`to_sparse`."""
        from ._convert import to_sparse
        return to_sparse(self, sparse_dim, layout=layout, blocksize=blocksize, dense_dim=dense_dim)

    def to_sparse_coo(self):
        from ._convert import to_coo
        return to_coo(self)

    def to_sparse_csr(self, dense_dim=None):
        from ._convert import to_csr
        if dense_dim:
            raise unsupported("to_sparse_csr", self._dispatch_key, "dense_dim is not built")
        return to_csr(self)

    def to_dense(self, dtype=None, *, masked_grad=None):
        """The dense (strided) tensor of the same values (duplicates summed)."""
        from ._convert import to_dense
        r = to_dense(self)
        return r if dtype is None else r.to(dtype)

    def __repr__(self):
        from ._convert import format_sparse
        return format_sparse(self)

    __str__ = __repr__

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]


class SparseCOOTensor(_SparseBase):
    """A sparse tensor in coordinate (COO) layout: ``indices`` (ndim, nnz) and ``values`` (nnz,).
    Made by :func:`sparse_coo_tensor` and ``Tensor.to_sparse()`` (Note [sparse storage]).

    >>> import tensorjit as tj
    >>> s = tj.sparse_coo_tensor([[0, 1], [2, 0]], [3., 4.], (2, 3))
    >>> s.layout, s._nnz(), s.to_dense().tolist()
    (tensorjit.sparse_coo, 2, [[0.0, 0.0, 3.0], [4.0, 0.0, 0.0]])
    """

    __slots__ = ("_idx", "_vals", "_coalesced")
    _dispatch_key = "sparse_coo"
    _torch_layout = "Sparse"

    @property
    def layout(self):
        return _COO

    @property
    def is_sparse(self):
        return True

    def is_coalesced(self):
        """Whether the indices are known sorted and unique (PyTorch's flag)."""
        return self._coalesced

    def _indices(self):
        """The indices as stored, duplicates and order included (no check)."""
        return self._idx

    def _values(self):
        """The values as stored (no check)."""
        return self._vals

    def indices(self):
        """The (ndim, nnz) int64 indices of a coalesced tensor."""
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._idx

    def values(self):
        """The (nnz,) values of a coalesced tensor."""
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._vals

    def coalesce(self):
        """The tensor with sorted, unique indices (duplicates summed); ``self`` if already so."""
        if self._coalesced:
            return self
        from ._convert import coalesce
        return coalesce(self)

    def _with_values(self, values, copy_indices=False, coalesced=None):
        return make_coo(self._idx.clone() if copy_indices else self._idx, values, self._shape,
                        self._coalesced if coalesced is None else coalesced)

    def transpose(self, dim0, dim1):
        """Swap two dims (the result is not coalesced, as in PyTorch).

        >>> import tensorjit as tj
        >>> tj.eye(2).to_sparse().transpose(0, 1).shape
        tensorjit.Size([2, 2])
        """
        from .._shape import wrap_dim
        nd = len(self._shape)
        d0, d1 = wrap_dim(dim0, max(nd, 1), "transpose"), wrap_dim(dim1, max(nd, 1), "transpose")
        if nd == 0 or d0 == d1:
            return make_coo(self._idx, self._vals, self._shape, self._coalesced)
        order = list(range(nd))
        order[d0], order[d1] = d1, d0
        shape = list(self._shape)
        shape[d0], shape[d1] = shape[d1], shape[d0]
        from .._creation import tensor
        return make_coo(self._idx.index_select(0, tensor(order)), self._vals, tuple(shape), False)

    def t(self):
        """Transpose a sparse tensor of at most 2 dims."""
        if len(self._shape) > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but self is "
                               f"{len(self._shape)}D")
        return self.transpose(0, 1) if len(self._shape) == 2 else self


class SparseCSRTensor(_SparseBase):
    """A 2-d sparse tensor in compressed sparse row (CSR) layout: ``crow_indices`` (rows + 1),
    ``col_indices`` and ``values`` (nnz each). Made by :func:`sparse_csr_tensor` and
    ``Tensor.to_sparse_csr()`` (Note [sparse storage]).

    >>> import tensorjit as tj
    >>> s = tj.sparse_csr_tensor([0, 1, 2], [2, 0], [3., 4.], (2, 3))
    >>> s.layout, s.to_dense().tolist()
    (tensorjit.sparse_csr, [[0.0, 0.0, 3.0], [4.0, 0.0, 0.0]])
    """

    __slots__ = ("_crow", "_col", "_vals")
    _dispatch_key = "sparse_csr"
    _torch_layout = "SparseCsr"

    @property
    def layout(self):
        return _CSR

    @property
    def is_sparse_csr(self):
        return True

    def crow_indices(self):
        """The compressed row offsets (rows + 1)."""
        return self._crow

    def col_indices(self):
        """The column of each stored value."""
        return self._col

    def values(self):
        """The stored values, row by row."""
        return self._vals

    def _with_values(self, values, copy_indices=False, coalesced=None):
        if copy_indices:
            return make_csr(self._crow.clone(), self._col.clone(), values, self._shape)
        return make_csr(self._crow, self._col, values, self._shape)

    def transpose(self, dim0, dim1):
        """Refused: the transpose of a CSR matrix is CSC in PyTorch, a layout not built here."""
        raise unsupported("transpose", "sparse_csr", "the transpose of a CSR matrix is CSC, a layout not built")

    def t(self):
        """Refused, as :meth:`transpose` (PyTorch gives a sparse_csc tensor)."""
        raise unsupported("t", "sparse_csr", "the transpose of a CSR matrix is CSC, a layout not built")


for _cls in (SparseCOOTensor, SparseCSRTensor):
    register_class(_cls)


def _cast_method(d):
    def cast(self, memory_format=None):
        return self.to(d)
    cast.__name__ = d.name
    cast.__doc__ = f"``self.to({d.name})``."
    return cast


# Tensor.double(), .long(), ...: the values convert, the indices stay.
_CASTS = {**_dtypes.ALIASES, "char": _dtypes.int8, "byte": _dtypes.uint8, "bool": _dtypes.bool}
for _name in ("double", "float", "half", "int", "long", "short", "char", "byte", "bool", "cfloat", "cdouble"):
    setattr(_SparseBase, _name, _cast_method(_CASTS[_name]))


def make_coo(indices, values, shape, coalesced):
    """Wrap int64 ``indices`` (ndim, nnz) and ``values`` (nnz,), both contiguous (no checks)."""
    t = _new(SparseCOOTensor)
    t._shape = tuple(shape)
    t._dtype = values._dtype
    t._idx = indices
    t._vals = values
    t._coalesced = bool(coalesced) or values._shape[0] <= 1
    return t


def make_csr(crow, col, values, shape):
    """Wrap CSR arrays (contiguous dense tensors; no checks)."""
    t = _new(SparseCSRTensor)
    t._shape = tuple(shape)
    t._dtype = values._dtype
    t._crow = crow
    t._col = col
    t._vals = values
    return t


def kernels():
    """kernels/cpu/sparse.py (loaded on first use)."""
    from .._rows import kernels as load
    return load("sparse")


def karray(t):
    """The C-contiguous NumPy array of dense ``t``'s elements (a view when ``t`` is contiguous)."""
    t = t.contiguous()
    n = math.prod(t._shape)
    return t._data[t._offset:t._offset + n].reshape(t._shape)


def new_int64(shape):
    """(tensor, array): a fresh contiguous int64 tensor of ``shape`` and its kernel array."""
    from .._storage import allocate
    from .._tensor import make_dense
    shape = tuple(shape)
    data = allocate(math.prod(shape), _int64)
    return make_dense(data, shape, contiguous_strides(shape), 0, _int64), data.reshape(shape)


def linear_keys(indices, shape):
    """Row-major linear index of each column of int64 ``indices`` (an int64 tensor of nnz)."""
    import numpy as np
    if math.prod(shape) >= 1 << 62:
        raise RuntimeError(f"sparse: a tensor of shape {list(shape)} has too many elements to index")
    keys, out = new_int64((indices._shape[1],))
    if indices._shape[1]:
        kernels().linear_keys(karray(indices), np.array(contiguous_strides(tuple(shape)), np.int64), out)
    return keys


def unravel(keys, shape):
    """The (ndim, nnz) indices of row-major linear ``keys`` in ``shape``."""
    import numpy as np
    idx, out = new_int64((len(shape), keys._shape[0]))
    if keys._shape[0] and shape:
        kernels().unravel(karray(keys), np.array(shape, np.int64), out)
    return idx


def _size_arg(size, op):
    if size is None:
        return None
    if isinstance(size, int):
        return (size,)
    return tuple(int(n) for n in size)


def _index_tensor(x, op, what):
    from .._creation import as_tensor
    t = x if isinstance(x, Tensor) else as_tensor(x, dtype=_int64)
    if type(t) is not Tensor:
        raise TypeError(f"{op}(): {what} must be a dense tensor, not {t.layout}")
    if t._dtype.category != _dtypes.INT or t._dtype.name.startswith("uint"):
        raise RuntimeError(f"{op}(): {what} must be an int64 tensor, got {t._dtype.name}")
    return t


def _values_tensor(x, dtype, op):
    from .._creation import as_tensor
    v = x if isinstance(x, Tensor) else as_tensor(x, dtype=dtype)
    if type(v) is not Tensor:
        raise TypeError(f"{op}(): values must be a dense tensor, not {v.layout}")
    if dtype is not None:
        v = v.to(_dtypes.as_dtype(dtype, op=op))
    return v


def _check_device(device, op):
    if device is not None and as_device(device, op=op) != CPU:
        raise NotImplementedError(f"{op}(): sparse tensors are built on cpu only, not {device}")


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """A sparse COO tensor with ``values[j]`` at ``indices[:, j]``; duplicates are kept until
    :meth:`coalesce` sums them. ``size`` defaults to the smallest that holds the indices.
    Indices are always checked against ``size`` (``check_invariants`` is accepted for
    PyTorch's signature).

    >>> import tensorjit as tj
    >>> s = tj.sparse_coo_tensor([[0, 0], [1, 1]], [1., 2.], (2, 2))
    >>> s.is_coalesced(), s.coalesce().values().tolist()
    (False, [3.0])
    """
    op = "sparse_coo_tensor"
    _check_device(device, op)
    idx = _index_tensor(indices, op, "indices")
    v = _values_tensor(values, dtype, op)
    if idx.ndim != 2:
        raise RuntimeError(f"{op}(): indices must be sparse_dim x nnz, but got: {list(idx._shape)}")
    if v.ndim != 1:
        raise NotImplementedError(f"{op}(): values of shape {list(v._shape)}: hybrid sparse tensors (dense "
                                  f"dims, values of more than 1 dim) are not supported by tensorjit.sparse_coo")
    nd, nnz = idx._shape
    if nnz != v._shape[0]:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from "
                           f"values: {v._shape[0]}")
    size = _size_arg(size, op)
    idx = idx.to(_int64).contiguous()
    lo, hi = _bounds(idx)
    if size is None:
        size = tuple(h + 1 for h in hi)
    if len(size) != nd:
        raise RuntimeError(f"{op}(): number of dimensions must be sparse_dim ({nd}) + dense_dim (0), but got "
                           f"{len(size)}")
    for d in range(nd):
        if nnz and lo[d] < 0:
            raise RuntimeError(f"{op}(): found negative index {lo[d]} for dim {d}")
        if nnz and hi[d] >= size[d]:
            raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but found "
                               f"index {hi[d]}")
    return make_coo(idx, v.contiguous(), size, bool(is_coalesced))


def _bounds(idx):
    """([smallest], [largest]) index per row of 2-d int ``idx`` (([0..], [-1..]) when empty)."""
    import numpy as np
    nd, nnz = idx._shape
    if not nnz:
        return [0] * nd, [-1] * nd
    lo, hi = np.empty(nd, np.int64), np.empty(nd, np.int64)
    kernels().index_bounds(karray(idx.to(_int64)), lo, hi)
    return lo.tolist(), hi.tolist()


def sparse_csr_tensor(crow_indices, col_indices, values, size=None, *, dtype=None, device=None,
                      pin_memory=False, requires_grad=False, check_invariants=None):
    """A 2-d sparse CSR tensor: row ``i`` holds ``values[crow[i]:crow[i+1]]`` at columns
    ``col_indices[crow[i]:crow[i+1]]``. The invariants are always checked.

    >>> import tensorjit as tj
    >>> tj.sparse_csr_tensor([0, 2, 2], [0, 1], [1., 2.], (2, 2)).to_dense().tolist()
    [[1.0, 2.0], [0.0, 0.0]]
    """
    op = "sparse_csr_tensor"
    _check_device(device, op)
    crow = _index_tensor(crow_indices, op, "crow_indices")
    col = _index_tensor(col_indices, op, "col_indices")
    v = _values_tensor(values, dtype, op)
    if crow.ndim != 1 or col.ndim != 1 or v.ndim != 1:
        raise NotImplementedError(f"{op}(): crow_indices {list(crow._shape)}, col_indices {list(col._shape)}, "
                                  f"values {list(v._shape)}: only 2-d CSR tensors with 1-d indices and values "
                                  "(no batch or dense dims) are supported by tensorjit.sparse_csr")
    if crow._dtype is not col._dtype or crow._dtype not in (_int64, _dtypes.int32):
        raise RuntimeError(f"{op}(): both crow_indices and col_indices should have the same type, int32 or "
                           f"int64, got {crow._dtype.name} and {col._dtype.name}")
    nnz = v._shape[0]
    if col._shape[0] != nnz:
        raise RuntimeError(f"{op}(): col_indices and values must have the same number of elements, but got "
                           f"{col._shape[0]} and {nnz}")
    if crow._shape[0] < 1:
        raise RuntimeError(f"{op}(): crow_indices must have at least one element")
    size = _size_arg(size, op)
    (clo,), (chi,) = _bounds(col.unsqueeze(0))
    if size is None:
        size = (crow._shape[0] - 1, chi + 1)
    if len(size) != 2:
        raise NotImplementedError(f"{op}(): size {list(size)}: only 2-d CSR tensors are supported")
    if crow._shape[0] != size[0] + 1:
        raise RuntimeError(f"{op}(): crow_indices.size(-1) ({crow._shape[0]}) must be equal to size[0] + 1 "
                           f"({size[0] + 1})")
    first, last = crow[0].item(), crow[-1].item()
    if first != 0:
        raise RuntimeError(f"{op}(): 0th value of crow_indices must be 0, got {first}")
    if last != nnz:
        raise RuntimeError(f"{op}(): last value of crow_indices should be equal to the length of col_indices "
                           f"({nnz}), got {last}")
    if kernels().csr_decreasing(karray(crow.to(_int64))) >= 0:
        raise RuntimeError(f"{op}(): crow_indices must be a non-decreasing sequence")
    if nnz and (clo < 0 or chi >= size[1]):
        raise RuntimeError(f"{op}(): col_indices must lie in [0, {size[1]}), got values in [{clo}, {chi}]")
    return make_csr(crow.contiguous(), col.contiguous(), v.contiguous(), size)


def shape_of(t):
    """``t.shape`` as PyTorch's Size (for messages)."""
    return Size(t._shape)

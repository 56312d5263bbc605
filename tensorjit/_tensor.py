"""The Tensor: shape, strides and storage offset (in elements), over a flat storage.

Note [tensor data]
    ``Tensor._data`` is the storage itself: a flat 1-D NumPy array in the dtype kernels see
    (``dtype.knp``: float16 as uint16 bits). Views share it; ``storage()`` wraps it on demand.

This module holds the metadata and the conversions; the math lives in ``ops/`` and the
views in ``_views.py``. Operators go to ``ops.pointwise`` (``_binary_op``), whose fast
path keeps ``a + b`` on small contiguous tensors cheap.
"""
from __future__ import annotations

import operator

import numpy as np

from . import _dtypes
from ._shape import contiguous_strides, is_contiguous, numel as _numel
from ._device import CPU
from ._storage import Storage
from ._layouts import strided as _strided

_new = object.__new__

# Note [version counter] (tensorjit/autograd/graph.py): set to the bump function once autograd
# is first used; in-place writes and ``out=`` writes call it while it is set.
VERSION_HOOK = [None]


class Tensor:
    """A strided view of a flat storage, with PyTorch's names and semantics.

    >>> import tensorjit as tj
    >>> t = tj.tensor([[1., 2., 3.], [4., 5., 6.]])
    >>> t.shape, t.stride(), t.t().stride(), t.t().is_contiguous()
    (tensorjit.Size([2, 3]), (3, 1), (1, 3), False)
    """

    # ``_ag`` holds autograd metadata (Note [autograd tensors] in tensorjit/autograd/graph.py);
    # it stays unset on tensors autograd never touched, so making a tensor costs nothing more.
    __slots__ = ("_data", "_shape", "_strides", "_offset", "_dtype", "_dense", "_ag", "__weakref__")
    __array_priority__ = 1000  # NumPy operators defer to ours

    def __init__(self, *args, **kwargs):
        raise TypeError("Tensor: use tensorjit.tensor(...), tensorjit.empty(...) or another factory")

    # -- metadata --------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._shape)

    def size(self, dim=None):
        """The shape, or the size of one dim.

        >>> import tensorjit as tj
        >>> tj.zeros(2, 3).size(-1)
        3
        """
        if dim is None:
            return Size(self._shape)
        from ._shape import wrap_dim
        return self._shape[wrap_dim(dim, len(self._shape), "size")]

    def stride(self, dim=None):
        """Strides in elements, or the stride of one dim.

        >>> import tensorjit as tj
        >>> tj.zeros(2, 3).stride()
        (3, 1)
        """
        if dim is None:
            return self._strides
        from ._shape import wrap_dim
        return self._strides[wrap_dim(dim, len(self._shape), "stride")]

    def storage_offset(self):
        """The index in storage of the first element."""
        return self._offset

    def storage(self):
        """The flat typed storage this tensor views."""
        return Storage(self._data, self._dtype)

    def untyped_storage(self):
        """The storage as bytes (a uint8 Storage over the same memory)."""
        return Storage(self._data.view(np.uint8), _dtypes.uint8)

    def data_ptr(self):
        """Address of the first element."""
        return (self._data.ctypes.data if self._data.size else 0) + self._offset * self._dtype.itemsize

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    # Note [layout dispatch] (tensorjit/_layouts.py): other layouts are subclasses with a key.
    _dispatch_key = None
    _dispatch_priority = 0

    @property
    def layout(self):
        return _strided

    @property
    def is_sparse(self):
        return False

    @property
    def is_sparse_csr(self):
        return False

    def to_dense(self, dtype=None, *, masked_grad=None):
        """``self`` (already strided), or a copy in ``dtype``."""
        return self if dtype is None else self.to(dtype)

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        """The non-zeros as a sparse COO tensor (or ``layout``): tensorjit/sparse.

        >>> import tensorjit as tj
        >>> tj.tensor([0., 5.]).to_sparse().indices().tolist()
        [[1]]
        """
        from .sparse._convert import to_sparse
        return to_sparse(self, sparse_dim, layout=layout, blocksize=blocksize, dense_dim=dense_dim)

    def to_sparse_coo(self):
        """``to_sparse()``."""
        from .sparse._convert import to_coo
        return to_coo(self)

    def to_sparse_csr(self, dense_dim=None):
        """The non-zeros of a 2-d tensor as a sparse CSR tensor."""
        from .sparse._convert import to_csr
        if dense_dim:
            raise NotImplementedError("to_sparse_csr(): dense_dim is not supported by tensorjit.sparse_csr")
        return to_csr(self)

    @property
    def is_quantized(self):
        return False

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """A copy on a CUDA device (the current one by default); ``self`` if already there.

        >>> import tensorjit as tj
        >>> if tj.cuda.is_available(): assert tj.ones(2).cuda().is_cuda
        """
        from ._copy import to_cuda
        return to_cuda(self, device)

    @property
    def ndim(self):
        return len(self._shape)

    def dim(self):
        return len(self._shape)

    ndimension = dim

    def numel(self):
        return _numel(self._shape)

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return _numel(self._shape) * self._dtype.itemsize

    def is_contiguous(self, memory_format=None):
        """Whether the elements lie in row-major order without gaps (size-1 dims ignored)."""
        return self._dense or is_contiguous(self._shape, self._strides)

    def is_floating_point(self):
        return self._dtype.category == _dtypes.FLOAT

    def is_complex(self):
        return self._dtype.category == _dtypes.COMPLEX

    def is_signed(self):
        return self._dtype.is_signed

    # -- autograd (tensorjit/autograd; a tensor that requires grad is a GradTensor) -------
    @property
    def requires_grad(self):
        return False

    @requires_grad.setter
    def requires_grad(self, value):
        from .autograd.graph import set_requires_grad
        set_requires_grad(self, value)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place; returns ``self``.

        >>> import tensorjit as tj
        >>> tj.ones(2).requires_grad_().requires_grad
        True
        """
        from .autograd.graph import set_requires_grad
        set_requires_grad(self, requires_grad)
        return self

    @property
    def grad(self):
        try:
            return self._ag.grad
        except AttributeError:
            return None

    @grad.setter
    def grad(self, value):
        from .autograd.graph import set_grad
        set_grad(self, value)

    @grad.deleter
    def grad(self):
        from .autograd.graph import set_grad
        set_grad(self, None)

    def _init_autograd(self):
        """Fresh autograd state for a tensor of a subclass made without a factory (nn.Parameter)."""
        from .autograd.graph import init_meta
        init_meta(self)

    @property
    def grad_fn(self):
        return None

    @property
    def is_leaf(self):
        return True

    @property
    def retains_grad(self):
        return False

    @property
    def _version(self):
        from .autograd.graph import version_of
        return version_of(self)

    def detach(self):
        """A new tensor over the same storage, outside any autograd graph.

        >>> import tensorjit as tj
        >>> x = tj.ones(2, requires_grad=True); x.detach().requires_grad
        False
        """
        cls = type(self)
        # A grad class detaches to its plain class: Tensor, or CudaTensor for a CUDA one
        # (Note [cuda grad tensors] in tensorjit/autograd/_cuda.py).
        t = _new(cls._plain_class if cls._dispatch_key == "autograd" else cls)
        t._data = self._data
        t._shape = self._shape
        t._strides = self._strides
        t._offset = self._offset
        t._dtype = self._dtype
        t._dense = self._dense
        return t

    @property
    def data(self):
        """The tensor's values outside the graph (``detach()``); assigning makes ``self`` view the
        assigned tensor's storage, keeping its own autograd state (PyTorch's ``.data``).

        >>> import tensorjit as tj
        >>> w = tj.zeros(2, requires_grad=True); w.data = tj.ones(2); w.tolist(), w.requires_grad
        ([1.0, 1.0], True)
        """
        return self.detach()

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        if (value.is_cuda or self.is_cuda) and value.device != self.device:
            raise RuntimeError("data: assigning a tensor of another device is not supported")
        if value.is_quantized or value.is_sparse or value.layout is not _strided:
            kind = "quantized" if value.is_quantized else repr(value.layout)
            raise RuntimeError(f"data: assigning a {kind} tensor to a dense one is not supported")
        get = Tensor.__dict__["_data"].__get__
        Tensor.__dict__["_data"].__set__(self, get(value))
        self._shape, self._strides, self._offset = value._shape, value._strides, value._offset
        self._dtype, self._dense = value._dtype, value._dense

    def detach_(self):
        """Detach ``self`` from its graph in place (it becomes a leaf that does not require grad)."""
        from .autograd.graph import detach_
        return detach_(self)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of ``self`` with respect to the graph leaves into their ``.grad``.

        >>> import tensorjit as tj
        >>> x = tj.tensor([1., 2.], requires_grad=True); (x * x).sum().backward(); x.grad.tolist()
        [2.0, 4.0]
        """
        from .autograd.engine import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in ``.grad`` after ``backward``."""
        from .autograd.graph import retain_grad
        retain_grad(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when the gradient of ``self`` is computed; a returned tensor replaces it.
        Returns a handle whose ``remove()`` unregisters the hook."""
        from .autograd.graph import register_hook
        return register_hook(self, hook)

    # -- conversions -----------------------------------------------------------------
    def numpy(self, *, force=False):
        """A NumPy array sharing this tensor's memory (any view, no copy on CPU).

        >>> import tensorjit as tj
        >>> t = tj.zeros(3); t.numpy()[1] = 5; t
        tensor([0., 5., 0.])
        """
        data = self._data
        isz = data.itemsize
        # An empty view may sit past the end of its storage: it has nothing to share.
        off = self._offset * isz if 0 not in self._shape else 0
        return np.ndarray(self._shape, self._dtype.np, buffer=data, offset=off,
                          strides=tuple(s * isz for s in self._strides))

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        if dtype is not None and np.dtype(dtype) != a.dtype:
            if copy is False:
                raise ValueError("__array__: a copy is needed to convert to " + str(np.dtype(dtype)))
            return a.astype(dtype)
        return a.copy() if copy else a

    @property
    def __array_interface__(self):
        return self.numpy().__array_interface__

    def tolist(self):
        """Nested Python lists of Python scalars.

        >>> import tensorjit as tj
        >>> tj.tensor([[1, 2]]).tolist()
        [[1, 2]]
        """
        return self.numpy().tolist()

    def item(self):
        """The value of a one-element tensor as a Python scalar."""
        n = _numel(self._shape)
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        v = self._data[self._offset]
        return v.view(self._dtype.np).item() if v.dtype != self._dtype.np else v.item()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __bool__(self):
        n = _numel(self._shape)
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no' if n == 0 else 'more than one'} "
                               "value is ambiguous")
        return bool(self.item())

    def __index__(self):
        if self._dtype.category > _dtypes.INT or _numel(self._shape) != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return operator.index(self.item())

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self.select(0, i) for i in range(self._shape[0]))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from ._printing import format_tensor
        return format_tensor(self.numpy(), self._dtype.name,
                             default_dtype_name=_dtypes.get_default_dtype().name,
                             device=str(self.device))

    __str__ = __repr__

    def __reduce__(self):
        # A plain copy of the values: never the storage's other views.
        return (_rebuild, (np.ascontiguousarray(self.numpy()),))

    def __deepcopy__(self, memo):
        return self.clone()


def _rebuild(arr):
    from ._creation import from_numpy
    return from_numpy(arr)


class Size(tuple):
    """The shape of a tensor: a tuple of ints with PyTorch's repr and ``numel()``.

    >>> import tensorjit as tj
    >>> tj.zeros(2, 3).shape
    tensorjit.Size([2, 3])
    """

    __slots__ = ()

    def numel(self):
        return _numel(self)

    def __repr__(self):
        return f"tensorjit.Size({list(self)})"

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r


def make(data, shape, strides, offset, dtype):
    """Wrap kernel array ``data`` as a tensor (no checks; the caller guarantees a valid layout).
    A DeviceBuffer (CUDA storage) gives a CudaTensor."""
    t = make_dense(data, shape, strides, offset, dtype)
    t._dense = strides == contiguous_strides(shape)
    return t


_ndarray = np.ndarray


def make_dense(data, shape, strides, offset, dtype):
    """``make`` for a layout the caller knows is row-major contiguous with canonical strides."""
    if type(data) is not _ndarray:
        from .cuda._tensor import CudaTensor, set_data
        t = _new(CudaTensor)
        set_data(t, data)
        t._shape = shape
        t._strides = strides
        t._offset = offset
        t._dtype = dtype
        t._dense = True
        return t
    t = _new(Tensor)
    t._data = data
    t._shape = shape
    t._strides = strides
    t._offset = offset
    t._dtype = dtype
    t._dense = True
    return t

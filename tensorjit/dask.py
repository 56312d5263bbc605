"""Dask integration: ``dask.array`` collections whose chunks are tensorjit tensors.

Importing this module registers Tensor with Dask (Dask itself stays an optional dependency,
``pip install tensorjit[dask]``):

- ``da.register_chunk_type(Tensor)``, so a Dask array of NumPy chunks mixed with one of tensor
  chunks defers to the tensor side;
- Dask's dispatch tables (``concatenate``, ``tensordot``, ``einsum``, ``empty``, ``numel`` ...)
  for Tensor, so reductions and joins keep tensor chunks;
- ``distributed``'s serialisation (when installed): a tensor travels as a header plus one
  contiguous frame of its values; a CUDA tensor travels through host memory and comes back on
  its device. Plain pickling works too (``Tensor.__reduce__``).

Chunks go through the NumPy protocols (tensorjit/_protocols.py): Dask calls ``np.sum``,
``np.concatenate``, ufuncs and ``__getitem__`` on them, and tensorjit's kernels answer.

>>> import dask.array as da, tensorjit as tj
>>> import tensorjit.dask
>>> x = tensorjit.dask.from_tensor(tj.arange(8.).reshape(4, 2), chunks=(2, 2))
>>> r = (x + 1).sum(axis=0).compute(scheduler="threads"); type(r).__name__, r.tolist()
('Tensor', [16.0, 20.0])
"""
from __future__ import annotations

import numpy as np

from ._tensor import Tensor

_registered = []


def _np_concat(seq, axis=0, **kw):
    return np.concatenate(list(seq), axis=axis, **kw)


def register():
    """Register Tensor with Dask (and ``distributed`` when installed); repeat calls do nothing."""
    if _registered:
        return
    import dask.array as da
    from dask.array import dispatch as dd

    da.register_chunk_type(Tensor)
    dd.concatenate_lookup.register(Tensor)(_np_concat)
    dd.tensordot_lookup.register(Tensor)(np.tensordot)
    dd.einsum_lookup.register(Tensor)(np.einsum)
    dd.take_lookup.register(Tensor)(np.take)
    dd.numel_lookup.register(Tensor)(lambda x, **kw: _numel(x, **kw))
    dd.nannumel_lookup.register(Tensor)(lambda x, **kw: _nannumel(x, **kw))
    dd.to_numpy_dispatch.register(Tensor)(lambda x: x.numpy() if not x.is_cuda else x.cpu().numpy())
    _register_distributed()
    _registered.append(True)


def _numel(x, axis=None, keepdims=False, dtype=None, **kw):
    # The element count as a tensor of the reduced shape (Dask divides chunk sums by it).
    from ._creation import full
    from ._protocols_np import np_dtype_to_tj
    shape = tuple(x.shape)
    axes = tuple(range(len(shape))) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    axes = {a % max(len(shape), 1) for a in axes}
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    out = [1 if i in axes else s for i, s in enumerate(shape)] if keepdims else \
        [s for i, s in enumerate(shape) if i not in axes]
    return full(tuple(out), n, dtype=np_dtype_to_tj(np.dtype(dtype or np.float64)))


def _nannumel(x, **kw):
    return np.sum(~np.isnan(x), **kw)


def _serialize(t):
    device = str(t.device)
    arr = np.ascontiguousarray(t.cpu().numpy() if t.is_cuda else t.numpy())
    header = {"shape": list(arr.shape), "dtype": t.dtype.name, "device": device}
    return header, [memoryview(arr.reshape(-1).view(np.uint8)) if arr.size else b""]


def _deserialize(header, frames):
    from ._creation import from_numpy
    from ._dtypes import _by_name
    d = _by_name(header["dtype"])
    buf = bytearray(frames[0]) if frames else bytearray()
    arr = np.frombuffer(buf, dtype=d.np).reshape(header["shape"])
    t = from_numpy(arr)
    return t if header["device"] == "cpu" else t.to(header["device"])


def _register_distributed():
    try:
        from distributed.protocol import dask_deserialize, dask_serialize
    except ImportError:
        return
    dask_serialize.register(Tensor)(_serialize)
    dask_deserialize.register(Tensor)(_deserialize)


def from_tensor(t, chunks="auto", *, name=None):
    """A ``dask.array`` over tensor ``t`` whose chunks are tensors (views of ``t``).

    >>> import tensorjit as tj, tensorjit.dask
    >>> tensorjit.dask.from_tensor(tj.ones(4, 4), chunks=2).numblocks
    (2, 2)
    """
    import dask.array as da
    return da.from_array(t, chunks=chunks, asarray=False, name=name, meta=t[(slice(0, 0),) * t.ndim])


register()

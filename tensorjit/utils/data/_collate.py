"""``default_collate`` and ``default_convert``: how a DataLoader turns samples into batches,
with ``torch.utils.data``'s rules (tensors stacked, NumPy arrays and numbers made tensors,
mappings, named tuples and sequences collated field by field)."""
from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

from ..._tensor import Tensor

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

# NumPy dtypes a tensor cannot hold: strings and objects.
_STR_OBJ = re.compile("[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _tj():
    import tensorjit
    return tensorjit


def default_convert(data):
    """Turn NumPy arrays and scalars in ``data`` into tensors, recursing into mappings and
    sequences (tuples become lists); the collate step of a loader without batching.

    >>> import numpy as np
    >>> from tensorjit.utils.data import default_convert
    >>> default_convert((np.zeros(2), "a"))
    [tensor([0., 0.], dtype=tensorjit.float64), 'a']
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if elem_type.__name__ == "ndarray" and _STR_OBJ.search(data.dtype.str) is not None:
            return data
        return _tj().as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    """Collate a list of samples, with ``collate_fn_map`` mapping element types to the function
    that batches them (``default_collate_fn_map`` is the default one's)."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for t in collate_fn_map:
            if isinstance(elem, t):
                return collate_fn_map[t](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                              for key in elem})
                return clone
            return elem_type({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                              for key in elem})
        except TypeError:
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        size = len(next(it))
        if not all(len(e) == size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map) for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(_ERR.format(elem_type))


def _collate_tensor(batch, *, collate_fn_map=None):
    elem = batch[0]
    if elem.layout is not _tj().strided:
        raise RuntimeError("Batches of sparse tensors are not currently supported by the default collate_fn; "
                           "please provide a custom collate_fn to handle them appropriately.")
    return _tj().stack(batch, 0)


def _collate_ndarray(batch, *, collate_fn_map=None):
    elem = batch[0]
    if _STR_OBJ.search(elem.dtype.str) is not None:
        raise TypeError(_ERR.format(elem.dtype))
    return collate([_tj().as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _collate_np_scalar(batch, *, collate_fn_map=None):
    return _tj().as_tensor(np.array(batch))


def _collate_float(batch, *, collate_fn_map=None):
    return _tj().tensor(batch, dtype=_tj().float64)


def _collate_int(batch, *, collate_fn_map=None):
    return _tj().tensor(batch)


def _collate_str(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {Tensor: _collate_tensor, np.ndarray: _collate_ndarray,
                          (np.bool_, np.number, np.object_): _collate_np_scalar,
                          float: _collate_float, int: _collate_int, str: _collate_str, bytes: _collate_str}


def default_collate(batch):
    """Batch a list of samples: tensors are stacked along a new first dim, NumPy arrays and
    Python or NumPy numbers become tensors (Python floats as float64, ints as int64), strings
    stay lists, and mappings, named tuples and sequences are collated field by field (a tuple
    sample gives a list).

    >>> import tensorjit as tj
    >>> from tensorjit.utils.data import default_collate
    >>> b = default_collate([(tj.tensor([1., 2.]), 0), (tj.tensor([3., 4.]), 1)])
    >>> b[0].shape, b[1].tolist()
    (tensorjit.Size([2, 2]), [0, 1])
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)

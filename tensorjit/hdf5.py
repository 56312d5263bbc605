"""HDF5 files through ``h5py`` (the ``hdf5`` extra: ``pip install tensorjit[hdf5]``).

Tensors also go to h5py directly: ``f.create_dataset("x", data=t)`` reads them through the
NumPy protocols, and ``tensorjit.from_numpy(dset[...])`` wraps what a slice reads.

>>> import os, tempfile, tensorjit as tj
>>> path = os.path.join(tempfile.mkdtemp(), "x.h5")
>>> tj.hdf5.save({"a": tj.arange(3), "b": tj.ones(2, 2)}, path)
>>> tj.hdf5.load(path)["a"].tolist()
[0, 1, 2]
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from ._tensor import Tensor

__all__ = ["save", "load"]


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("tensorjit.hdf5 needs h5py: pip install 'tensorjit[hdf5]' (or pip install h5py)") from None
    return h5py


def save(tensors, path, *, compression=None):
    """Write a tensor (as dataset "data") or a dict of name -> tensor to HDF5 file ``path``,
    atomically (a temporary file renamed into place). Names may contain "/" for groups."""
    h5py = _h5py()
    if isinstance(tensors, Tensor):
        tensors = {"data": tensors}
    if not isinstance(tensors, dict):
        raise TypeError(f"hdf5.save(): expected a Tensor or a dict of tensors, got {type(tensors).__name__}")
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".h5-", suffix=".tmp")
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            for name, t in tensors.items():
                if not isinstance(t, Tensor):
                    raise TypeError(f"hdf5.save(): {name!r} is a {type(t).__name__}, not a Tensor")
                f.create_dataset(name, data=np.asarray(t.cpu()), compression=compression)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path, name=None):
    """The tensors of HDF5 file ``path`` as a dict name -> tensor (every dataset, groups as
    "a/b" names), or the one dataset ``name``."""
    h5py = _h5py()
    from ._creation import from_numpy
    with h5py.File(os.fspath(path), "r") as f:
        if name is not None:
            return from_numpy(np.ascontiguousarray(f[name][()]))
        out = {}

        def visit(key, obj):
            if isinstance(obj, h5py.Dataset):
                out[key] = from_numpy(np.ascontiguousarray(obj[()]))
        f.visititems(visit)
    return out

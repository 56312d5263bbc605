"""The NumPy protocols on Tensor: ``__array_ufunc__``, ``__array_function__``, DLPack, the array API.

``METHODS`` are bound to Tensor by tensorjit/_methods.py. The protocols themselves live in
tensorjit/_protocols_ufunc.py, tensorjit/_protocols_func.py (and ``_func2``) and
tensorjit/_dlpack.py; the shared rules in Note [numpy semantics] and Note [numpy fallback]
(tensorjit/_protocols_np.py).

Note [numpy dtype attribute]
    ``np.dtype(tj.float32)`` works because tensorjit dtypes carry ``dtype`` (their NumPy dtype),
    the attribute NumPy reads from dtype-like objects; Dask and other NumPy-generic code pass an
    array's ``.dtype`` to NumPy. ``kind``, ``char`` and ``type`` answer as NumPy's do.
"""
from __future__ import annotations

import numpy as np

from . import _dtypes
from ._dlpack import dlpack, dlpack_device
from ._protocols_func import array_function
from ._protocols_ufunc import array_ufunc

API_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12", "2025.12")

# Note [numpy dtype attribute]
_dtypes.dtype.dtype = property(lambda self: self.np)
_dtypes.dtype.kind = property(lambda self: self.np.kind)
_dtypes.dtype.char = property(lambda self: self.np.char)
_dtypes.dtype.type = property(lambda self: self.np.type)


def array_namespace(self, /, *, api_version=None):
    """The array API namespace of tensors: ``tensorjit.array_api``.

    >>> import tensorjit as tj
    >>> tj.ones(2).__array_namespace__().__array_api_version__
    '2025.12'
    """
    if api_version is not None and api_version not in API_VERSIONS:
        raise ValueError(f"__array_namespace__: unsupported api_version {api_version!r}; "
                         f"supported: {', '.join(API_VERSIONS)}")
    from . import array_api
    return array_api


def to_device(self, device, /, *, stream=None):
    """This tensor on ``device`` (the array API's ``to_device``; ``self`` when already there)."""
    return self.to(device)


def astype(self, dtype, copy=True, *, device=None):
    """This tensor in ``dtype`` (NumPy or tensorjit dtype); a copy unless ``copy=False`` and it can share.

    >>> import numpy as np, tensorjit as tj
    >>> tj.ones(2).astype(np.int32).dtype
    tensorjit.int32
    """
    d = _dtypes.as_dtype(dtype, op="astype")
    r = self.to(d, device=device) if device is not None else self.to(d)
    return r.clone() if copy and r is self else r


def _array(self, dtype=None, copy=None):
    # NumPy 2's protocol: copy=False never copies (ValueError when it must), copy=True always does.
    if self.is_cuda:
        return type(self).__array__(self, dtype, copy)
    a = self.numpy()
    if dtype is not None and np.dtype(dtype) != a.dtype:
        if copy is False:
            raise ValueError(f"__array__: converting {self._dtype} to {np.dtype(dtype)} needs a copy, "
                             "but copy=False")
        return a.astype(dtype)
    return a.copy() if copy else a


METHODS = {
    "__array_ufunc__": array_ufunc,
    "__array_function__": array_function,
    "__dlpack__": dlpack,
    "__dlpack_device__": dlpack_device,
    "__array_namespace__": array_namespace,
    "to_device": to_device,
    "astype": astype,
    "__array__": _array,
}


def _numpy_methods():
    # Note [numpy methods]: wrappers around the PyTorch methods bound before this module's.
    from ._protocols_methods import build
    return build()


METHODS.update(_numpy_methods())

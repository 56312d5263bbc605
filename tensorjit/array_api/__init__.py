"""tensorjit's Python array API namespace (standard version 2025.12).

Arrays are tensorjit Tensors (``Tensor.__array_namespace__()`` returns this module); functions
take the standard's names and arguments (``axis``, ``keepdims``, ``correction``) and follow its
rules where they differ from PyTorch's: the promotion table (Note [array api promotion] in
tensorjit/array_api/_dtypes.py), sums of integers in the default integer dtype, stable sorts by
default, ``unique_*`` with NaNs distinct. The ``linalg`` and ``fft`` extensions are both
there (see their docstrings).

>>> import tensorjit.array_api as xp
>>> x = xp.asarray([[1., 2.], [3., 4.]])
>>> xp.sum(x, axis=0).tolist(), xp.matrix_transpose(x).tolist()
([4.0, 6.0], [[1.0, 3.0], [2.0, 4.0]])
"""
from __future__ import annotations

import math as _math

from tensorjit import (bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64,  # noqa: F401
                       float32, float64, complex64, complex128)
from tensorjit._dlpack import from_dlpack  # noqa: F401

from . import fft, linalg  # noqa: F401
from ._creation import (arange, asarray, empty, empty_like, eye, full, full_like, linspace,  # noqa: F401
                        meshgrid, ones, ones_like, tril, triu, zeros, zeros_like)
from ._dtypes import (astype, can_cast, finfo, iinfo, isdtype, result_type,  # noqa: F401
                      __array_namespace_info__)
from ._elementwise import FUNCTIONS as _ELEMENTWISE
from ._functions import (all, any, argmax, argmin, argsort, broadcast_arrays, broadcast_shapes,  # noqa: F401
                         broadcast_to, concat, count_nonzero, cumulative_prod, cumulative_sum, diff, expand_dims,
                         flip, isin, matmul, matrix_transpose, max, mean, min, moveaxis, nonzero, permute_dims,
                         prod, repeat, reshape, roll, searchsorted, sort, squeeze, stack, std, sum, take,
                         take_along_axis, tensordot, tile, unique_all, unique_counts, unique_inverse,
                         unique_values, unstack, var, vecdot, where)

__array_api_version__ = "2025.12"

e = _math.e
inf = _math.inf
nan = _math.nan
pi = _math.pi
newaxis = None

globals().update(_ELEMENTWISE)

__all__ = ["__array_api_version__", "__array_namespace_info__", "fft", "linalg", "e", "inf", "nan", "pi", "newaxis",
           "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32",
           "float64", "complex64", "complex128", "from_dlpack",
           "arange", "asarray", "empty", "empty_like", "eye", "full", "full_like", "linspace", "meshgrid", "ones",
           "ones_like", "tril", "triu", "zeros", "zeros_like",
           "astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
           "all", "any", "argmax", "argmin", "argsort", "broadcast_arrays", "broadcast_shapes", "broadcast_to", "concat",
           "count_nonzero", "cumulative_prod", "cumulative_sum", "diff", "expand_dims", "flip", "isin", "matmul",
           "matrix_transpose", "max", "mean", "min", "moveaxis", "nonzero", "permute_dims", "prod", "repeat",
           "reshape", "roll", "searchsorted", "sort", "squeeze", "stack", "std", "sum", "take", "take_along_axis",
           "tensordot", "tile", "unique_all", "unique_counts", "unique_inverse", "unique_values", "unstack",
           "var", "vecdot", "where", *sorted(_ELEMENTWISE)]

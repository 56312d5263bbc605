"""Named tuples returned by ops with several results, as ``torch.return_types``.

>>> import tensorjit as tj
>>> r = tj.tensor([[1, 5], [7, 2]]).max(dim=1)
>>> r.values.tolist(), r.indices.tolist()
([5, 7], [1, 0])
>>> values, indices = r
"""
from collections import namedtuple

__all__ = ["max", "min", "aminmax", "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "cummax",
           "cummin", "frexp", "histogram", "linalg_slogdet", "linalg_qr", "linalg_eig", "linalg_eigh", "linalg_svd",
           "linalg_lstsq", "linalg_lu_factor", "linalg_lu_factor_ex", "linalg_lu", "lu_unpack", "linalg_inv_ex",
           "linalg_solve_ex", "linalg_cholesky_ex", "slogdet", "svd", "qr", "triangular_solve", "geqrf"]


def _make(name, fields):
    cls = namedtuple(name, fields)
    cls.__module__ = "tensorjit.return_types"
    cls.__qualname__ = name
    return cls


max = _make("max", "values indices")  # noqa: A001
min = _make("min", "values indices")  # noqa: A001
aminmax = _make("aminmax", "min max")
sort = _make("sort", "values indices")
topk = _make("topk", "values indices")
kthvalue = _make("kthvalue", "values indices")
median = _make("median", "values indices")
nanmedian = _make("nanmedian", "values indices")
mode = _make("mode", "values indices")
cummax = _make("cummax", "values indices")
cummin = _make("cummin", "values indices")
frexp = _make("frexp", "mantissa exponent")
histogram = _make("histogram", "hist bin_edges")
linalg_slogdet = _make("linalg_slogdet", "sign logabsdet")
linalg_qr = _make("linalg_qr", "Q R")
linalg_eig = _make("linalg_eig", "eigenvalues eigenvectors")
linalg_eigh = _make("linalg_eigh", "eigenvalues eigenvectors")
linalg_svd = _make("linalg_svd", "U S Vh")
linalg_lstsq = _make("linalg_lstsq", "solution residuals rank singular_values")
linalg_lu_factor = _make("linalg_lu_factor", "LU pivots")
linalg_lu_factor_ex = _make("linalg_lu_factor_ex", "LU pivots info")
linalg_lu = _make("linalg_lu", "P L U")
lu_unpack = _make("lu_unpack", "P L U")
linalg_inv_ex = _make("linalg_inv_ex", "inverse info")
linalg_solve_ex = _make("linalg_solve_ex", "result info")
linalg_cholesky_ex = _make("linalg_cholesky_ex", "L info")
slogdet = _make("slogdet", "sign logabsdet")
svd = _make("svd", "U S V")
qr = _make("qr", "Q R")
triangular_solve = _make("triangular_solve", "solution cloned_coefficient")
geqrf = _make("geqrf", "a tau")
_lu_with_info = _make("_lu_with_info", "LU pivots info")

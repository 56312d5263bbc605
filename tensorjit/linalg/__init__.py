"""``tensorjit.linalg``: PyTorch's ``torch.linalg`` over NumPy's LAPACK, batched over leading dims.

Decompositions and solvers run in LAPACK on the tensor's storage (Note [linalg via LAPACK] in
_common.py); products and norms use tensorjit's own kernels. Results have PyTorch's dtypes,
named tuples (``linalg_svd(U, S, Vh)``, ...) and errors: a singular or indefinite matrix raises
:class:`LinAlgError` naming the batch element.

>>> import tensorjit as tj, tensorjit.linalg as la
>>> A = tj.tensor([[4., 1.], [1., 3.]])
>>> round(la.det(A).item(), 4), la.eigvalsh(A).shape
(11.0, tensorjit.Size([2]))
"""
from ._common import (LinAlgError, linalg_eig, linalg_eigh, linalg_lstsq, linalg_qr, linalg_slogdet,
                      linalg_svd)
from ._decomp import (det, slogdet, inv, solve, cholesky, qr, eig, eigvals, eigh, eigvalsh, svd, svdvals,
                      lstsq, solve_triangular, pinv, matrix_rank)
from ._funcs import (norm, vector_norm, matrix_norm, cond, matrix_power, matrix_exp, multi_dot, cross,
                     diagonal, vecdot, matmul)
from ._lu import (lu_factor, lu_factor_ex, lu, lu_solve, inv_ex, solve_ex, cholesky_ex)
from ._more import householder_product, tensorinv, tensorsolve, vander

__all__ = ["LinAlgError", "det", "slogdet", "inv", "solve", "cholesky", "qr", "eig", "eigvals", "eigh",
           "eigvalsh", "svd", "svdvals", "lstsq", "solve_triangular", "pinv", "matrix_rank", "norm",
           "vector_norm", "matrix_norm", "cond", "matrix_power", "matrix_exp", "multi_dot", "cross", "diagonal",
           "vecdot", "matmul", "linalg_eig", "linalg_eigh", "linalg_lstsq", "linalg_qr", "linalg_slogdet",
           "linalg_svd", "lu_factor", "lu_factor_ex", "lu", "lu_solve", "inv_ex", "solve_ex", "cholesky_ex",
           "householder_product", "tensorinv", "tensorsolve", "vander"]

"""Shared checks, conversions, named tuples and errors of ``tensorjit.linalg``.

Note [linalg via LAPACK]
    Decompositions run in NumPy's LAPACK on a NumPy view of the tensor's storage
    (``Tensor.numpy()`` shares memory, any strides; NumPy copies to the layout LAPACK needs).
    NumPy keeps float32 and complex64 in single precision, so the result dtype follows
    PyTorch's rule without a cast of the input; every result is converted to the dtype
    PyTorch returns (real eigen-decompositions of general matrices give complex ones) and
    wrapped as a fresh contiguous tensor. Inputs are checked before any work is done, and
    ``out=`` is written only once the whole result exists.

Note [batch element errors]
    NumPy raises one LinAlgError for a whole batch. PyTorch names the first failing matrix
    ("(Batch element 3): ...") and the failing pivot. Only on that error path do we look for
    them, matrix by matrix, so the common path costs nothing extra.
"""
from __future__ import annotations


import numpy as np

from .. import _dtypes
from .._dtypes import COMPLEX, FLOAT
from .._reduce import torch_name
from .._tensor import Tensor


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle (singular, not positive-definite), as
    ``torch.linalg.LinAlgError``; a RuntimeError subclass.

    >>> import tensorjit as tj, tensorjit.linalg as la
    >>> try:
    ...     la.inv(tj.zeros(2, 2))
    ... except la.LinAlgError as e:
    ...     print(str(e)[:37])
    linalg.inv: The diagonal element 1 is
    """


# PyTorch's torch.return_types.linalg_* named tuples live with the others; re-exported here.
from ..return_types import (linalg_slogdet, linalg_qr, linalg_eig, linalg_eigh, linalg_svd,  # noqa: E402
                            linalg_lstsq)

__all__ = ["linalg_slogdet", "linalg_qr", "linalg_eig", "linalg_eigh", "linalg_svd", "linalg_lstsq"]


def check_tensor(x, name, arg="A"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")
    if x.is_cuda:
        raise NotImplementedError(f"{name}: CUDA tensors are not supported (tensorjit computes {name} with "
                                  "NumPy's LAPACK on CPU tensors); move the tensor to the CPU with .cpu()")


def check_float(x, name):
    """PyTorch's dtype checks for LAPACK-backed ops: float32/64 and complex64/128 only."""
    d = x._dtype
    if d.category not in (FLOAT, COMPLEX):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {torch_name(d)}")
    if d is _dtypes.float16:
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {torch_name(d)}")


def check_matrix(x, name, arg="A", square=False):
    if x.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    m, n = x._shape[-2:]
    if square and m != n:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are {m} by {n} matrices")


def prepare(x, name, arg="A", square=False):
    """Check ``x`` (a CPU float/complex batch of matrices) and return its NumPy view."""
    check_tensor(x, name, arg)
    check_float(x, name)
    check_matrix(x, name, arg, square)
    return x.numpy()


def same_dtype(a, b, name, an="A", bn="B"):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{name}: Expected {an} and {bn} to have the same dtype, but found {an} of type "
                           f"{torch_name(a._dtype)} and {bn} of type {torch_name(b._dtype)} instead")


def wrap(a, d):
    """A fresh contiguous tensor of dtype ``d`` holding the NumPy result ``a``."""
    from .._creation import from_numpy
    a = np.asarray(a, dtype=d.np, order="C")
    if not a.flags.writeable or not a.flags.owndata:
        a = a.copy()
    return from_numpy(a)


def check_out(out, name):
    """Validate ``out=`` (a tensor or a tuple of tensors) before any work is done."""
    from .._dispatch import _check_writable
    if out is None:
        return
    for o in (out if isinstance(out, (tuple, list)) else (out,)):
        if not isinstance(o, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(o).__name__}")
        _check_writable(o, name)


def finish(result, out, name):
    """``result`` itself, or copied into ``out`` (same dtypes as PyTorch demands, resized)."""
    if out is None:
        return result
    from ..ops.blas import finish as finish_one
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
        for o, r in zip(out, result):
            _out_dtype(o, r, name)
        return type(result)(*(finish_one(r, o, name) for o, r in zip(out, result)))
    _out_dtype(out, result, name)
    return finish_one(result, out, name)


def _out_dtype(o, r, name):
    if not isinstance(o, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(o).__name__}")
    if o._dtype is not r._dtype:
        raise RuntimeError(f"{name}: Expected out tensor to have dtype {torch_name(r._dtype)}, but got "
                           f"{torch_name(o._dtype)} instead")


def real_dtype(d):
    return d.to_real()


def complex_dtype(d):
    return d.to_complex()


def eps(d):
    return float(np.finfo(d.to_real().np).eps)


# -- Note [batch element errors] --------------------------------------------------------------
def first_failure(a, fails):
    """(flat batch index, detail) of the first matrix of ``a`` (..., m, n) for which ``fails``
    returns a detail that is not None; (None, None) if none fails."""
    batch = a.shape[:-2]
    for i, idx in enumerate(np.ndindex(*batch)):
        detail = fails(a[idx])
        if detail is not None:
            return (i if batch else None), detail
    return None, None


def batch_prefix(i):
    return "" if i is None else f"(Batch element {i}): "


def zero_pivot(m):
    """1-based index of the first exactly zero pivot of ``m``'s LU factorisation with partial
    pivoting (LAPACK getrf's ``info``), or None when there is none."""
    u = np.array(m, dtype=np.complex128 if np.iscomplexobj(m) else np.float64)
    n = u.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(u[k:, k])))
        if u[p, k] == 0:
            return k + 1
        if p != k:
            u[[k, p]] = u[[p, k]]
        u[k + 1:, k:] -= np.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return None


def not_pd_order(m):
    """Order of the first leading minor of ``m`` that is not positive-definite, or None."""
    for k in range(1, m.shape[0] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return None

"""Products: matmul and @, mm, bmm, mv, dot, vdot, addmm, addmv, baddbmm, ... (BLAS for float and
complex, Numba kernels otherwise); einsum, tensordot, kron, cross, trace live in blas_ext.py.

Note [product dtypes]
    Like PyTorch, the matrix products take operands of one dtype only (mixed dtypes raise
    PyTorch's "expected m1 and m2 to have the same dtype") and the result has that dtype.
    float32, float64, complex64 and complex128 go to NumPy's BLAS on views of the storages,
    without a copy when each matrix is contiguous or transposed (strided rows are fine too);
    other layouts are copied to a contiguous one first (O(n^2) against the product's O(n^3)).
    float16 computes in float32 and rounds once. Integer dtypes go to the blocked kernels of
    kernels/cpu/matmul.py (Note [integer matmul]), which wrap around as PyTorch's do; bool is
    refused, as by PyTorch. Large float products avoid OpenBLAS's own thread pool (Note [blas
    threads] in blas_threads.py).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtypes
from .._dtypes import BOOL, FLOAT, INT
from .._dispatch import get_num_threads, _check_writable
from .._shape import broadcast_shapes, contiguous_strides
from .._storage import allocate
from .._tensor import Tensor, make_dense
from .blas_threads import matmul_into
from .._layouts import KEYED as _KEYED, dispatch as _ldispatch, key_of as _key_of  # Note [layout dispatch]
from .._layouts import lookup as _lookup  # Note [layout dispatch]

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "addmm", "addmv", "baddbmm", "addbmm", "addr",
           # blas_ext.py
           "outer", "ger", "inner", "tensordot", "kron", "einsum", "cross", "trace"]

# Multiply-adds from which the integer kernel runs on the parallel pool.
_PAR_WORK = 1 << 20

# PyTorch's names for dtypes in its errors.
TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
               "int64": "Long", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "float16": "Half",
               "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}
# ... and its C type names ("expected m1 and m2 to have the same dtype, but got: float != double").
C_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
           "int64": "long int", "uint16": "uint16_t", "uint32": "uint32_t", "uint64": "uint64_t",
           "float16": "c10::Half", "float32": "float", "float64": "double",
           "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def check_tensor(x, name, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


def check_numeric(d, name, kernel="addmm_impl_cpu_"):
    """Products are not implemented for bool (PyTorch's NotImplementedError)."""
    if d.category == BOOL:
        raise NotImplementedError(f'{name}(): "{kernel}" not implemented for \'{TORCH_NAMES[d.name]}\'')


def _mm_dtype(a, b, name):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{name}(): expected m1 and m2 to have the same dtype, but got: "
                           f"{C_NAMES[a._dtype.name]} != {C_NAMES[b._dtype.name]}")
    check_numeric(a._dtype, name)
    return a._dtype


def _blasable(t):
    """Whether BLAS takes the last two dims of ``t`` as they are (NumPy's rule, in elements)."""
    (m, k), (s0, s1) = t._shape[-2:], t._strides[-2:]
    return (s1 == 1 and s0 >= max(k, 1)) or (s0 == 1 and s1 >= max(m, 1))


def _kernels():
    from .. import _rows
    return _rows.kernels("matmul")


def _batch_index(bshape, batch):
    """For each output batch (row-major over ``batch``), the index of the operand batch it reads."""
    n = math.prod(bshape)
    idx = np.arange(n, dtype=np.int64).reshape((1,) * (len(batch) - len(bshape)) + tuple(bshape))
    return np.ascontiguousarray(np.broadcast_to(idx, batch)).reshape(-1)


def _int_product(a, b, batch, m, k, n, d):
    ac = a.contiguous()
    bt = b.transpose(-1, -2).contiguous()   # Note [integer matmul]: columns of b as rows
    na, nb = math.prod(ac._shape[:-2]), math.prod(bt._shape[:-2])
    p = math.prod(batch)
    out = allocate(p * m * n, d)
    if p * m * n:
        # Signed and unsigned of one width share a kernel: their bits multiply and add alike
        # modulo 2^bits (Note [integer matmul]).
        u = np.dtype(f"u{d.itemsize}")
        a3 = ac._data[ac._offset:ac._offset + na * m * k].view(u).reshape(na, m, k)
        b3 = bt._data[bt._offset:bt._offset + nb * n * k].view(u).reshape(nb, n, k)
        o3 = out.view(u).reshape(p, m, n)
        ia, ib = _batch_index(ac._shape[:-2], batch), _batch_index(bt._shape[:-2], batch)
        mod = _kernels()
        zero = np.uint64(0)
        if p * m * n * k >= _PAR_WORK and get_num_threads() > 1 and p * ((m + 63) // 64) > 1:
            mod.matmul_par(a3, b3, o3, ia, ib, zero)
        else:
            mod.matmul(a3, b3, o3, ia, ib, zero)
    return out


def _float_product(a, b, batch, m, k, n, d):
    if not _blasable(a):
        a = a.contiguous()
    if not _blasable(b):
        b = b.contiguous()
    out = allocate(math.prod(batch) * m * n, d)
    on = out.reshape(batch + (m, n))
    if out.size:
        if k == 0:
            on[...] = 0
        else:
            matmul_into(a.numpy(), b.numpy(), on, get_num_threads())
    return out


def product(a, b, name="matmul"):
    """The batched product of ``a`` (..., M, K) and ``b`` (..., K, N), both at least 2-d and of one
    dtype, batch dims broadcast: a new contiguous tensor (Note [product dtypes])."""
    d = a._dtype
    m, k = a._shape[-2:]
    k2, n = b._shape[-2:]
    if k != k2:
        sa = "x".join(map(str, a._shape)) if a.ndim > 2 else f"{m}x{k}"
        sb = "x".join(map(str, b._shape)) if b.ndim > 2 else f"{k2}x{n}"
        raise RuntimeError(f"{name}(): mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
    batch = _broadcast_batch(a._shape[:-2], b._shape[:-2], name)
    if a.is_cuda or b.is_cuda: return _cuda_product(a, b, batch, m, k, n, name)  # noqa: E701
    if b.ndim == 2 and a.ndim > 2 and a.numel():
        # Fold a's batch dims into its rows: one large product instead of many small ones.
        r = product(a.reshape(-1, k), b, name)
        return r.view(batch + (m, n))
    cd = _dtypes.float32 if d is _dtypes.float16 else d
    if d.category >= FLOAT:
        if cd is not d:
            a, b = a.to(cd), b.to(cd)
        out = _float_product(a, b, batch, m, k, n, cd)
    else:
        out = _int_product(a, b, batch, m, k, n, d)
    shape = batch + (m, n)
    r = make_dense(out, shape, contiguous_strides(shape), 0, cd)
    return r if cd is d else r.to(d)


def _cuda_product(a, b, batch, m, k, n, name):
    from ..cuda._matmul import product as cuda_product
    return cuda_product(a, b, batch, m, k, n, name)


def _broadcast_batch(sa, sb, name):
    nd = max(len(sa), len(sb))
    pa, pb = (1,) * (nd - len(sa)) + tuple(sa), (1,) * (nd - len(sb)) + tuple(sb)
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"{name}(): The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
    return broadcast_shapes(pa, pb)


def finish(r, out, name):
    """Return ``r``, or copy it into the validated ``out`` (resized as PyTorch does)."""
    if out is None:
        return r
    if out._shape != r._shape:
        if out.numel() != 0:
            warnings.warn(f"{name}(): An output with one or more elements was resized since it had shape "
                          f"{list(out._shape)}, which does not match the required output shape "
                          f"{list(r._shape)}.", UserWarning, stacklevel=3)
        out.resize_(r._shape)         # the tensor's own: a CUDA out resizes on its device
    from .._copy import copy_
    return copy_(out, r)


def check_out(out, d, name):
    """Validate ``out=`` before anything is computed: a writable tensor of the result dtype."""
    if out is None:
        return
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if out._dtype is not d:
        raise RuntimeError(f"{name}(): Expected out tensor to have dtype {C_NAMES[d.name]}, but got "
                           f"{C_NAMES[out._dtype.name]} instead")
    _check_writable(out, name)


def matmul(input, other, *, out=None):
    """The matrix product with PyTorch's rules: 1-d @ 1-d is a dot product, a 1-d operand is a
    row (left) or column (right) vector dropped from the result, and leading batch dims broadcast.

    >>> import tensorjit as tj
    >>> a = tj.arange(6.).view(2, 3)
    >>> (a @ a.t()).tolist(), tj.matmul(tj.ones(4, 1, 2, 3), tj.ones(5, 3, 2)).shape
    ([[5.0, 14.0], [14.0, 50.0]], tensorjit.Size([4, 5, 2, 2]))
    """
    if type(input) in _KEYED or type(other) in _KEYED:  # Note [layout dispatch]
        return _ldispatch("matmul", _key_of(input, other), input, other, out=out)
    check_tensor(input, "matmul")
    check_tensor(other, "matmul", "other")
    a, b = input, other
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul(): both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if a.ndim == 1 and b.ndim == 1:
        return dot(a, b, out=out, _name="matmul")
    d = _mm_dtype(a, b, "matmul")
    check_out(out, d, "matmul")
    if b.ndim == 1:
        if a._shape[-1] != b._shape[0]:
            raise RuntimeError(f"matmul(): size mismatch, got input ({'x'.join(map(str, a._shape))}), "
                               f"vec ({b._shape[0]})")
        r = product(a, b.unsqueeze(1), "matmul").squeeze(-1)
    elif a.ndim == 1:
        if b._shape[-2] != a._shape[0]:
            raise RuntimeError(f"matmul(): size mismatch, got vec ({a._shape[0]}), "
                               f"mat ({'x'.join(map(str, b._shape))})")
        r = product(a.unsqueeze(0), b, "matmul").squeeze(-2)
    else:
        r = product(a, b, "matmul")
    return finish(r, out, "matmul")


def mm(input, mat2, *, out=None):
    """The product of two matrices (2-d tensors of one dtype).

    >>> import tensorjit as tj
    >>> tj.mm(tj.eye(2), tj.tensor([[1., 2.], [3., 4.]])).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    if type(input) in _KEYED or type(mat2) in _KEYED:  # Note [layout dispatch]
        return _ldispatch("mm", _key_of(input, mat2), input, mat2, out=out)
    check_tensor(input, "mm")
    check_tensor(mat2, "mm", "mat2")
    if input.ndim != 2:
        raise RuntimeError(f"mm(): self must be a matrix (got a {input.ndim}-d tensor of shape {list(input._shape)})")
    if mat2.ndim != 2:
        raise RuntimeError(f"mm(): mat2 must be a matrix (got a {mat2.ndim}-d tensor of shape {list(mat2._shape)})")
    d = _mm_dtype(input, mat2, "mm")
    check_out(out, d, "mm")
    return finish(product(input, mat2, "mm"), out, "mm")


def _bmm_check(b1, b2, name):
    for t, what in ((b1, "batch1"), (b2, "batch2")):
        if t.ndim != 3:
            raise RuntimeError(f"{name}(): {what} must be a 3D tensor (got shape {list(t._shape)})")
    if b1._dtype is not b2._dtype:
        raise RuntimeError(f"{name}(): expected scalar type {TORCH_NAMES[b1._dtype.name]} but found "
                           f"{TORCH_NAMES[b2._dtype.name]}")
    check_numeric(b1._dtype, name, "bmm")
    want = [b1._shape[0], b1._shape[2]]
    if list(b2._shape[:2]) != want:
        raise RuntimeError(f"{name}(): Expected size for first two dimensions of batch2 tensor to be: {want} "
                           f"but got: {list(b2._shape[:2])}.")


def bmm(input, mat2, *, out=None):
    """Batched matrix product of (B, M, K) and (B, K, N) tensors (no broadcasting).

    >>> import tensorjit as tj
    >>> tj.bmm(tj.ones(3, 2, 4), tj.ones(3, 4, 5)).shape
    tensorjit.Size([3, 2, 5])
    """
    if type(input) in _KEYED or type(mat2) in _KEYED:  # Note [layout dispatch]
        return _ldispatch("bmm", _key_of(input, mat2), input, mat2, out=out)
    check_tensor(input, "bmm")
    check_tensor(mat2, "bmm", "mat2")
    _bmm_check(input, mat2, "bmm")
    check_out(out, input._dtype, "bmm")
    return finish(product(input, mat2, "bmm"), out, "bmm")


def mv(input, vec, *, out=None):
    """Matrix-vector product of an (M, K) matrix and a K vector.

    >>> import tensorjit as tj
    >>> tj.mv(tj.tensor([[1., 2.], [3., 4.]]), tj.tensor([1., 1.])).tolist()
    [3.0, 7.0]
    """
    if type(input) in _KEYED or type(vec) in _KEYED:  # Note [layout dispatch]
        return _ldispatch("mv", _key_of(input, vec), input, vec, out=out)
    check_tensor(input, "mv")
    check_tensor(vec, "mv", "vec")
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv(): vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    if input._dtype is not vec._dtype:
        raise RuntimeError(f"mv(): addmv input tensors must have the same dtype, but got "
                           f"{TORCH_NAMES[input._dtype.name]} and {TORCH_NAMES[vec._dtype.name]}")
    check_numeric(input._dtype, "mv", "addmv_impl_cpu")
    if input._shape[1] != vec._shape[0]:
        raise RuntimeError(f"mv(): size mismatch, got input ({input._shape[0]}), mat "
                           f"({input._shape[0]}x{input._shape[1]}), vec ({vec._shape[0]})")
    check_out(out, input._dtype, "mv")
    return finish(product(input, vec.unsqueeze(1), "mv").squeeze(-1), out, "mv")


def dot(input, other, *, out=None, _name="dot", _conj=False):
    """The dot product of two 1-d tensors of one dtype and size (no conjugation).

    >>> import tensorjit as tj
    >>> tj.dot(tj.tensor([1, 2, 3]), tj.tensor([4, 5, 6])).item()
    32
    """
    if type(input) in _KEYED or type(other) in _KEYED:  # Note [layout dispatch]
        return _ldispatch("dot", _key_of(input, other), input, other, out=out, _name=_name, _conj=_conj)
    check_tensor(input, _name)
    check_tensor(other, _name, "other")
    a, b = input, other
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"{_name}(): 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{_name}(): dot : expected both vectors to have same dtype, but found "
                           f"{TORCH_NAMES[a._dtype.name]} and {TORCH_NAMES[b._dtype.name]}")
    check_numeric(a._dtype, _name, "vdot" if _conj else "dot")
    if a._shape[0] != b._shape[0]:
        raise RuntimeError(f"{_name}(): inconsistent tensor size, expected tensor [{a._shape[0]}] and src "
                           f"[{b._shape[0]}] to have the same number of elements, but got {a._shape[0]} and "
                           f"{b._shape[0]} elements respectively")
    check_out(out, a._dtype, _name)
    if _conj and a.is_complex():
        from .._complex import conj_physical
        a = conj_physical(a)
    r = product(a.unsqueeze(0), b.unsqueeze(1), _name).reshape(())
    return finish(r, out, _name)


def vdot(input, other, *, out=None):
    """The dot product of two 1-d tensors, conjugating the first when complex.

    >>> import tensorjit as tj
    >>> tj.vdot(tj.tensor([1j, 2]), tj.tensor([1j, 1])).item()
    (3+0j)
    """
    return dot(input, other, out=out, _name="vdot", _conj=True)


def _scaled(prod, input, beta, alpha, name):
    """``beta * input + alpha * prod`` in ``prod``'s dtype; ``input`` is ignored when beta is 0
    (NaN and inf in it do not propagate), as in PyTorch."""
    from .pointwise import add, mul
    d = prod._dtype
    if d.category <= INT:
        # Integer products take integer scalars: PyTorch truncates float ones (beta=0.5 is 0).
        beta, alpha = int(getattr(beta, "real", beta)), int(getattr(alpha, "real", alpha))
    if not (type(alpha) in (int, bool) and alpha == 1):
        prod = mul(prod, alpha)
    if beta == 0:
        return prod.to(d)
    r = add(input if type(beta) in (int, bool) and beta == 1 else mul(input, beta), prod)
    return r.to(d)


def _check_input_shape(input, shape, name):
    check_tensor(input, name)
    if broadcast_shapes(input._shape, shape, op=name) != tuple(shape):
        raise RuntimeError(f"{name}(): the input of shape {list(input._shape)} can't be expanded to the "
                           f"product's shape {list(shape)}")


def _add_product(name, input, prod_fn, beta, alpha, out):
    prod = prod_fn()
    _check_input_shape(input, prod._shape, name)
    if input._dtype is not prod._dtype:
        raise RuntimeError(f"{name}(): self and mat2 must have the same dtype, but got "
                           f"{TORCH_NAMES[input._dtype.name]} and {TORCH_NAMES[prod._dtype.name]}")
    check_out(out, prod._dtype, name)
    return finish(_scaled(prod, input, beta, alpha, name), out, name)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape.

    >>> import tensorjit as tj
    >>> tj.addmm(tj.ones(2), tj.eye(2), tj.eye(2), beta=2).tolist()
    [[3.0, 2.0], [2.0, 3.0]]
    """
    if type(input) in _KEYED or type(mat1) in _KEYED or type(mat2) in _KEYED:  # Note [layout dispatch]
        return _ldispatch("addmm", _key_of(input, mat1, mat2), input, mat1, mat2, beta=beta, alpha=alpha, out=out)
    return _add_product("addmm", input, lambda: mm(mat1, mat2), beta, alpha, out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``.

    >>> import tensorjit as tj
    >>> tj.addmv(tj.ones(2), tj.eye(2), tj.tensor([1., 2.]), alpha=3).tolist()
    [4.0, 7.0]
    """
    return _add_product("addmv", input, lambda: mv(mat, vec), beta, alpha, out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)``.

    >>> import tensorjit as tj
    >>> tj.baddbmm(tj.zeros(1), tj.ones(2, 1, 3), tj.ones(2, 3, 1)).tolist()
    [[[3.0]], [[3.0]]]
    """
    return _add_product("baddbmm", input, lambda: bmm(batch1, batch2), beta, alpha, out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum of the products of the batches`` (an (M, N) result).

    >>> import tensorjit as tj
    >>> tj.addbmm(tj.zeros(1), tj.ones(2, 1, 3), tj.ones(2, 3, 1)).tolist()
    [[6.0]]
    """
    key = (type(input) in _KEYED or type(batch1) in _KEYED or type(batch2) in _KEYED) and \
        _key_of(input, batch1, batch2)  # Note [layout dispatch]
    if key and _lookup("addbmm", key):
        return _lookup("addbmm", key)(input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    def prod():
        check_tensor(batch1, "addbmm", "batch1")
        check_tensor(batch2, "addbmm", "batch2")
        _bmm_check(batch1, batch2, "addbmm")
        b, m, k = batch1._shape
        # sum_b A_b @ B_b is one (M, B*K) @ (B*K, N) product.
        a2 = batch1.permute(1, 0, 2).reshape(m, b * k)
        return product(a2, batch2.reshape(b * k, batch2._shape[2]), "addbmm")
    return _add_product("addbmm", input, prod, beta, alpha, out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``.

    >>> import tensorjit as tj
    >>> tj.addr(tj.zeros(2, 2), tj.tensor([1., 2.]), tj.tensor([1., 3.])).tolist()
    [[1.0, 3.0], [2.0, 6.0]]
    """
    def prod():
        return outer(vec1, vec2)
    return _add_product("addr", input, prod, beta, alpha, out)


def _inplace(fn, name):
    def method(self, *args, **kwargs):
        if type(self) in _KEYED and _lookup(name, self._dispatch_key):  # Note [layout dispatch]
            return _lookup(name, self._dispatch_key)(self, *args, **kwargs)
        r = fn(self, *args, **kwargs)
        _check_writable(self, name)
        if r._shape != self._shape:
            raise RuntimeError(f"{name}(): the result of shape {list(r._shape)} doesn't match self's shape "
                               f"{list(self._shape)}")
        from .._copy import copy_
        return copy_(self, r)
    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}`` into ``self``."
    return method


def _rmatmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


def _matmul_op(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(self, other)


from . import blas_ext as _ext  # noqa: E402
from .blas_ext import outer, ger, inner, tensordot, kron, einsum, cross, trace  # noqa: E402

# linalg.vecdot and linalg.matmul: ``vecdot`` and ``matmul`` of this module.
vecdot = _ext.vecdot

METHODS = {
    "__matmul__": _matmul_op, "__rmatmul__": _rmatmul,
    # PyTorch has no in-place @=: ``a @= b`` rebinds ``a`` to a new tensor, as here.
    "__imatmul__": _matmul_op,
    "matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "vdot": vdot,
    "addmm": addmm, "addmv": addmv, "baddbmm": baddbmm, "addbmm": addbmm, "addr": addr,
    "addmm_": _inplace(addmm, "addmm_"), "addmv_": _inplace(addmv, "addmv_"),
    "baddbmm_": _inplace(baddbmm, "baddbmm_"), "addbmm_": _inplace(addbmm, "addbmm_"),
    "addr_": _inplace(addr, "addr_"),
    **_ext.METHODS,
}

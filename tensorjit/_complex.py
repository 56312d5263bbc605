"""Complex parts as views: ``real``, ``imag``, ``view_as_real``, ``view_as_complex``, ``conj``.

Note [complex views]
    A complex tensor's kernel array reinterpreted as its real dtype (``data.view(float32)``
    for complex64) holds each element's real part at even and its imaginary part at odd
    positions, so the part views double every stride and the offset (plus one for ``imag``).
    They share memory with the complex tensor, as PyTorch's do: writing to ``x.real`` writes
    ``x``. PyTorch's ``conj`` is a lazy view with a conjugate bit; tensorjit has no conjugate
    bit, so ``conj`` of a complex tensor is ``conj_physical``, a copy (``is_conj`` is always
    False and ``resolve_conj`` returns its input).
"""
from __future__ import annotations

from ._tensor import Tensor, make


def _check(t, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(t).__name__}")


def _part(t, which):
    r = t._dtype.to_real()
    return make(t._data.view(r.knp), t._shape, tuple(2 * s for s in t._strides), 2 * t._offset + which, r)


def real(input):
    """The real part: a view for complex input, the input itself otherwise.

    >>> import tensorjit as tj
    >>> z = tj.tensor([1 + 2j, 3 - 1j])
    >>> z.real.tolist()
    [1.0, 3.0]
    >>> z.real[0] = 5.0; z.tolist()
    [(5+2j), (3-1j)]
    """
    _check(input, "real")
    return _part(input, 0) if input.is_complex() else input


def imag(input):
    """The imaginary part of a complex tensor, as a view.

    >>> import tensorjit as tj
    >>> tj.tensor([1 + 2j, 3 - 1j]).imag.tolist()
    [2.0, -1.0]
    """
    _check(input, "imag")
    if not input.is_complex():
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _part(input, 1)


def view_as_real(input):
    """A real view of a complex tensor with a trailing dim of 2 (real, imaginary).

    >>> import tensorjit as tj
    >>> tj.view_as_real(tj.tensor([1 + 2j])).tolist()
    [[1.0, 2.0]]
    """
    _check(input, "view_as_real")
    if not input.is_complex():
        raise RuntimeError(f"view_as_real is only supported for complex tensors, got {input._dtype.name}")
    r = input._dtype.to_real()
    return make(input._data.view(r.knp), input._shape + (2,), tuple(2 * s for s in input._strides) + (1,),
                2 * input._offset, r)


def view_as_complex(input):
    """A complex view of a float32/float64 tensor whose last dim has size 2 and stride 1.

    >>> import tensorjit as tj
    >>> tj.view_as_complex(tj.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [(1+2j), (3+4j)]
    """
    _check(input, "view_as_complex")
    d = input._dtype
    if d.name not in ("float32", "float64"):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, but got a tensor "
                           f"of scalar type: {d.name}")
    if not input._shape or input._shape[-1] != 2:
        raise RuntimeError(f"view_as_complex: Tensor must have a last dimension of size 2, got shape "
                           f"{list(input._shape)}")
    if input._strides[-1] != 1:
        raise RuntimeError("view_as_complex: Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in input._strides[:-1]):
        raise RuntimeError("view_as_complex: Tensor must have a stride divisible by 2 for all but last dimension")
    if input._offset % 2:
        raise RuntimeError("view_as_complex: Tensor must have a storage_offset divisible by 2")
    c = d.to_complex()
    data = input._data
    if len(data) % 2:
        data = data[:len(data) - 1]
    return make(data.view(c.knp), input._shape[:-1], tuple(s // 2 for s in input._strides[:-1]),
                input._offset // 2, c)


def conj_physical(input, *, out=None):
    """The complex conjugate as a new tensor (a copy of real input).

    >>> import tensorjit as tj
    >>> tj.conj_physical(tj.tensor([1 + 2j])).tolist()
    [(1-2j)]
    """
    _check(input, "conj_physical")
    res = input.clone()
    if input.is_complex() and res.numel():
        from .ops.pointwise import neg
        im = _part(res, 1)
        neg(im, out=im)
    if out is None:
        return res
    from ._copy import copy_
    return copy_(out, res)


def conj_physical_(input):
    """In-place complex conjugate."""
    _check(input, "conj_physical_")
    if input.is_complex() and input.numel():
        from .ops.pointwise import neg
        im = _part(input, 1)
        neg(im, out=im)
    return input


def conj(input):
    """The complex conjugate; real input is returned as is. See Note [complex views]: a copy,
    not PyTorch's lazy view.

    >>> import tensorjit as tj
    >>> tj.tensor([1 + 2j]).conj().tolist()
    [(1-2j)]
    """
    _check(input, "conj")
    return conj_physical(input) if input.is_complex() else input


def resolve_conj(input):
    """The input itself: tensorjit conjugates eagerly (Note [complex views])."""
    return input


def is_conj(input):
    """Always False: tensorjit has no lazy conjugate bit (Note [complex views])."""
    return False


__all__ = ["real", "imag", "view_as_real", "view_as_complex", "conj", "conj_physical", "resolve_conj", "is_conj"]
METHODS = {"conj": conj, "conj_physical": conj_physical, "conj_physical_": conj_physical_,
           "resolve_conj": resolve_conj, "is_conj": is_conj}

"""Complex parts as views: ``real``, ``imag``, ``view_as_real``, ``view_as_complex``, ``conj``;
the constructors ``complex`` and ``polar``.

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

from ._layouts import KEYED as _KEYED, lookup as _lookup, key_of as _key_of  # Note [layout dispatch]
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
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("real", key):
        return _lookup("real", key)(input)
    return _part(input, 0) if input.is_complex() else input


def imag(input):
    """The imaginary part of a complex tensor, as a view.

    >>> import tensorjit as tj
    >>> tj.tensor([1 + 2j, 3 - 1j]).imag.tolist()
    [2.0, -1.0]
    """
    _check(input, "imag")
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("imag", key):
        return _lookup("imag", key)(input)
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
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("view_as_real", key):
        return _lookup("view_as_real", key)(input)
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
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("view_as_complex", key):
        return _lookup("view_as_complex", key)(input)
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


# PyTorch's scalar type names, which the constructors' errors print.
_TORCH_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double", "bool": "Bool",
                "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _constructor_dtype(a, b, name):
    """The complex result dtype of ``complex``/``polar`` of ``a`` and ``b``, checked as PyTorch's."""
    for t, arg in ((a, "real" if name == "complex" else "abs"), (b, "imag" if name == "complex" else "angle")):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(t).__name__}")
    da, db = a._dtype, b._dtype
    if da.name not in ("float16", "float32", "float64") or db.name not in ("float16", "float32", "float64"):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_TORCH_NAMES.get(da.name, da.name)} and {_TORCH_NAMES.get(db.name, db.name)}")
    if da is not db:
        raise RuntimeError(f"Expected object of scalar type {_TORCH_NAMES[da.name]} but got scalar type "
                           f"{_TORCH_NAMES[db.name]} for second argument")
    if da.name == "float16":
        raise RuntimeError(f"{name}(): complex32 (ComplexHalf) results are not supported; use float32 or float64 "
                           "inputs")
    return da.to_complex()


def _assemble(re, im, c, out, name):
    """A complex tensor (or ``out``) with real part ``re`` and imaginary part ``im`` (broadcast)."""
    from ._shape import broadcast_shapes
    from ._creation import empty
    from ._copy import copy_
    shape = tuple(broadcast_shapes(re._shape, im._shape))
    if out is not None:
        if not isinstance(out, Tensor) or out._dtype is not c:
            got = _TORCH_NAMES.get(out._dtype.name) if isinstance(out, Tensor) else type(out).__name__
            raise RuntimeError(f"{name}(): Expected object of scalar type {_TORCH_NAMES[c.name]} but got {got} "
                               "for argument 'out'")
        if out._shape != shape:
            raise RuntimeError(f"{name}(): out= has shape {list(out._shape)}, expected {list(shape)}")
    res = empty(shape, dtype=c)
    if res.numel():
        copy_(_part(res, 0), re.expand(shape))
        copy_(_part(res, 1), im.expand(shape))
    return res if out is None else copy_(out, res)


def complex(real, imag, *, out=None):
    """The complex tensor ``real + 1j * imag`` (float32 -> complex64, float64 -> complex128;
    the operands broadcast).

    >>> import tensorjit as tj
    >>> tj.complex(tj.tensor([1.0, 2.0]), tj.tensor([3.0, -1.0])).tolist()
    [(1+3j), (2-1j)]
    """
    key = (type(real) in _KEYED or type(imag) in _KEYED) and _key_of(real, imag)  # Note [layout dispatch]
    if key and _lookup("complex", key):
        return _lookup("complex", key)(real, imag, out=out)
    c = _constructor_dtype(real, imag, "complex")
    return _assemble(real, imag, c, out, "complex")


def polar(abs, angle, *, out=None):
    """The complex tensor with modulus ``abs`` and argument ``angle``: ``abs * (cos(angle) +
    1j * sin(angle))``.

    >>> import tensorjit as tj
    >>> tj.polar(tj.tensor([2.0]), tj.tensor([0.0])).tolist()
    [(2+0j)]
    """
    key = (type(abs) in _KEYED or type(angle) in _KEYED) and _key_of(abs, angle)  # Note [layout dispatch]
    if key and _lookup("polar", key):
        return _lookup("polar", key)(abs, angle, out=out)
    c = _constructor_dtype(abs, angle, "polar")
    from .ops.math import cos, sin
    from .ops.pointwise import mul
    return _assemble(mul(abs, cos(angle)), mul(abs, sin(angle)), c, out, "polar")


def conj_physical(input, *, out=None):
    """The complex conjugate as a new tensor (a copy of real input).

    >>> import tensorjit as tj
    >>> tj.conj_physical(tj.tensor([1 + 2j])).tolist()
    [(1-2j)]
    """
    _check(input, "conj_physical")
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("conj_physical", key):
        return _lookup("conj_physical", key)(input, out=out)
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
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("conj_physical_", key):
        return _lookup("conj_physical_", key)(input)
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
    if not input.is_complex():
        return input
    key = (type(input) in _KEYED) and _key_of(input)  # Note [layout dispatch]
    if key and _lookup("conj", key):
        return _lookup("conj", key)(input)
    return conj_physical(input)


def resolve_conj(input):
    """The input itself: tensorjit conjugates eagerly (Note [complex views])."""
    return input


def is_conj(input):
    """Always False: tensorjit has no lazy conjugate bit (Note [complex views])."""
    return False


__all__ = ["real", "imag", "view_as_real", "view_as_complex", "conj", "conj_physical", "resolve_conj", "is_conj",
           "complex", "polar"]
METHODS = {"conj": conj, "conj_physical": conj_physical, "conj_physical_": conj_physical_,
           "resolve_conj": resolve_conj, "is_conj": is_conj}

"""Array API data type functions: the standard's promotion table, ``isdtype``, ``can_cast``,
``finfo``/``iinfo``, ``astype`` and ``__array_namespace_info__``.

Note [array api promotion]
    The standard defines promotion only within a kind (bool; integers, signed and unsigned;
    real and complex floating). ``result_type`` applies its table (tensorjit's lattice agrees
    with it there, unsigned rules included: uint8 with int8 gives int16, uint32 with int32
    int64) and raises TypeError across kinds or where the table has no entry (uint64 with a
    signed integer), as the standard leaves those undefined. Python scalars are weak: they
    take the dtype of the arrays, and must fit their kind.
"""
from __future__ import annotations

import builtins

import numpy as np

import tensorjit as _tj
from tensorjit import _dtypes
from tensorjit._tensor import Tensor

DTYPES = {d.name: d for d in (_tj.bool, _tj.int8, _tj.int16, _tj.int32, _tj.int64, _tj.uint8, _tj.uint16,
                              _tj.uint32, _tj.uint64, _tj.float32, _tj.float64, _tj.complex64, _tj.complex128)}
_KIND_OF_CATEGORY = {_dtypes.BOOL: "b", _dtypes.INT: "i", _dtypes.FLOAT: "f", _dtypes.COMPLEX: "f"}
_KINDS = {
    "bool": lambda d: d.category == _dtypes.BOOL,
    "signed integer": lambda d: d.category == _dtypes.INT and d.is_signed,
    "unsigned integer": lambda d: d.category == _dtypes.INT and not d.is_signed,
    "integral": lambda d: d.category == _dtypes.INT,
    "real floating": lambda d: d.category == _dtypes.FLOAT,
    "complex floating": lambda d: d.category == _dtypes.COMPLEX,
    "numeric": lambda d: d.category != _dtypes.BOOL,
}


def _check_dtype(d, op):
    if type(d) is not _dtypes.dtype:
        raise TypeError(f"{op}: expected a dtype of this namespace, got {d!r}")
    return d


def isdtype(dtype, kind):
    """Whether ``dtype`` is of ``kind`` (a kind name, a dtype, or a tuple of them).

    >>> import tensorjit.array_api as xp
    >>> xp.isdtype(xp.uint8, "integral"), xp.isdtype(xp.float32, ("bool", "complex floating"))
    (True, False)
    """
    _check_dtype(dtype, "isdtype")
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise ValueError(f"isdtype: unknown kind {kind!r}; one of {', '.join(_KINDS)}")
        return _KINDS[kind](dtype)
    return dtype == _check_dtype(kind, "isdtype")


def promote(a, b, op="result_type"):
    """The standard's promotion of two dtypes (Note [array api promotion])."""
    if a is b:
        return a
    if _KIND_OF_CATEGORY[a.category] != _KIND_OF_CATEGORY[b.category]:
        raise TypeError(f"{op}: the array API defines no promotion between {a.name} and {b.name}")
    r = _dtypes.promote_types(a, b)       # raises TypeError where the table has no entry (uint64, int*)
    if r.category != max(a.category, b.category) and a.category == _dtypes.INT:
        raise TypeError(f"{op}: the array API defines no promotion between {a.name} and {b.name}")
    return r


# The categories a Python scalar of each type may meet (the standard's rules for scalars).
_SCALAR_FITS = {bool: (_dtypes.BOOL,), int: (_dtypes.INT, _dtypes.FLOAT, _dtypes.COMPLEX),
                float: (_dtypes.FLOAT, _dtypes.COMPLEX), complex: (_dtypes.FLOAT, _dtypes.COMPLEX)}


def result_type(*arrays_and_dtypes):
    """The dtype the standard's promotion gives ``arrays_and_dtypes`` (arrays, dtypes, Python scalars).

    >>> import tensorjit.array_api as xp
    >>> xp.result_type(xp.uint8, xp.int8), xp.result_type(xp.uint32, xp.ones(2, dtype=xp.int32))
    (tensorjit.int16, tensorjit.int64)
    """
    dts, scalars = [], []
    for x in arrays_and_dtypes:
        if isinstance(x, Tensor):
            dts.append(x.dtype)
        elif type(x) is _dtypes.dtype:
            dts.append(x)
        elif isinstance(x, (bool, int, float, complex)):
            scalars.append(x)
        else:
            raise TypeError(f"result_type: expected arrays, dtypes or Python scalars, got {type(x).__name__}")
    if not dts:
        raise ValueError("result_type: at least one array or dtype is required")
    r = dts[0]
    for d in dts[1:]:
        r = promote(r, d)
    for s in scalars:
        scalar_fits(s, r, "result_type")
        if isinstance(s, complex) and r.category == _dtypes.FLOAT:
            r = r.to_complex()
    return r


def scalar_fits(s, d, op):
    """Check that Python scalar ``s`` may meet an array of dtype ``d`` (its kind fits)."""
    kind = bool if isinstance(s, bool) else int if isinstance(s, int) else float if isinstance(s, float) else complex
    if d.category not in _SCALAR_FITS[kind]:
        raise TypeError(f"{op}: a Python {kind.__name__} cannot meet an array of dtype {d.name}")


def can_cast(from_, to, /):
    """Whether the standard's promotion lets ``from_`` (a dtype or an array) become ``to``.

    >>> import tensorjit.array_api as xp
    >>> xp.can_cast(xp.int8, xp.int32), xp.can_cast(xp.int64, xp.float64)
    (True, False)
    """
    if isinstance(from_, Tensor):
        from_ = from_.dtype
    _check_dtype(from_, "can_cast")
    _check_dtype(to, "can_cast")
    if from_ is to:
        return True
    try:
        return promote(from_, to) is to
    except TypeError:
        return False


class finfo_object:
    """Machine limits of a floating dtype: ``bits``, ``eps``, ``max``, ``min``, ``smallest_normal``, ``dtype``."""

    def __init__(self, d):
        f = np.finfo(d.np)
        self.bits = int(f.bits)
        self.eps = float(f.eps)
        self.max = float(f.max)
        self.min = float(f.min)
        self.smallest_normal = float(f.smallest_normal)
        self.dtype = d.to_real()

    def __repr__(self):
        return f"finfo(bits={self.bits}, eps={self.eps}, max={self.max}, min={self.min}, dtype={self.dtype.name})"


class iinfo_object:
    """Limits of an integer dtype: ``bits``, ``max``, ``min``, ``dtype``."""

    def __init__(self, d):
        i = np.iinfo(d.np)
        self.bits, self.max, self.min, self.dtype = int(i.bits), int(i.max), int(i.min), d

    def __repr__(self):
        return f"iinfo(bits={self.bits}, max={self.max}, min={self.min}, dtype={self.dtype.name})"


def _dtype_of(type, op):
    d = type.dtype if isinstance(type, Tensor) else type
    return _check_dtype(d, op)


def finfo(type, /):
    """Limits of a floating dtype (or of an array's dtype); a complex dtype gives its real part's."""
    d = _dtype_of(type, "finfo")
    if d.category < _dtypes.FLOAT:
        raise TypeError(f"finfo: {d.name} is not a floating-point dtype")
    return finfo_object(d)


def iinfo(type, /):
    """Limits of an integer dtype (or of an array's dtype)."""
    d = _dtype_of(type, "iinfo")
    if d.category != _dtypes.INT:
        raise TypeError(f"iinfo: {d.name} is not an integer dtype")
    return iinfo_object(d)


def astype(x, dtype, /, *, copy=True, device=None):
    """``x`` in ``dtype`` (on ``device``): a copy unless ``copy=False`` and nothing changes.

    >>> import tensorjit.array_api as xp
    >>> xp.astype(xp.asarray([1.7, -1.7]), xp.int32).tolist()
    [1, -1]
    """
    _check_dtype(dtype, "astype")
    r = x.to(dtype) if device is None else x.to(dtype, device=device)
    return r.clone() if copy and r is x else r


class Info:
    """The object ``__array_namespace_info__()`` returns: capabilities, devices and dtypes."""

    def capabilities(self):
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": None}

    def default_device(self):
        return _tj.device("cpu")

    def devices(self):
        from tensorjit import cuda
        out = [_tj.device("cpu")]
        if cuda.is_available():
            out += [_tj.device("cuda", i) for i in range(cuda.device_count())]
        return out          # the standard asks a list

    def default_dtypes(self, *, device=None):
        f = _tj.get_default_dtype()
        return {"real floating": f, "complex floating": f.to_complex(), "integral": _tj.int64,
                "indexing": _tj.int64}

    def dtypes(self, *, device=None, kind=None):
        if kind is None:
            return dict(DTYPES)
        return {n: d for n, d in DTYPES.items() if isdtype(d, kind)}


def __array_namespace_info__():
    """The namespace's inspection object (devices, default dtypes, capabilities).

    >>> import tensorjit.array_api as xp
    >>> xp.__array_namespace_info__().default_dtypes()["integral"]
    tensorjit.int64
    """
    return Info()

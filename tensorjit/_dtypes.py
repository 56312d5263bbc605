"""Dtypes as interned singletons, and type promotion as data.

Note [promotion lattice]
    Promotion between two dtypes is the least upper bound in the lattice below
    (``_LATTICE``: each dtype lists the dtypes it promotes to directly). For the
    dtypes PyTorch knows this reproduces ``torch.promote_types``; for uint16/32/64,
    which PyTorch refuses to mix, it reproduces the Python array API standard's
    table. Two integer dtypes whose upper bound is not an integer (int64 and
    uint64) have no promotion: that raises, as the array API leaves it undefined.

Note [weak scalars]
    Python scalars and 0-dim tensors only decide the result dtype when they are
    of a higher category (bool < integer < floating < complex) than every
    dimensioned operand (PyTorch's ``result_type`` rule). A Python float then
    takes the default dtype, a Python complex the default complex dtype.
"""
from __future__ import annotations

import builtins
import numpy as np

__all__ = [
    "dtype", "bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32",
    "uint64", "float16", "float32", "float64", "complex64", "complex128",
    "promote_types", "result_type", "can_cast", "get_default_dtype",
    "set_default_dtype", "iinfo", "finfo",
]

# Categories, ordered: a higher category wins under Note [weak scalars].
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type. Instances are singletons: compare with ``is`` or ``==``.

    >>> import tensorjit as tj
    >>> tj.float32.itemsize, tj.float32.is_floating_point
    (4, True)
    """

    __slots__ = ("name", "np", "knp", "itemsize", "category", "is_signed", "code", "_index")

    def __init__(self, name, np_dtype, category, is_signed, code, index):
        self.name = name
        self.np = np.dtype(np_dtype)
        # What kernels see: float16 travels as its uint16 bits (kernels/cpu/half.py).
        self.knp = np.dtype(np.uint16) if name == "float16" else self.np
        self.itemsize = self.np.itemsize
        self.category = category
        self.is_signed = is_signed
        self.code = code          # short name used in kernel keys and file names
        self._index = index

    @property
    def is_floating_point(self):
        return self.category == FLOAT

    @property
    def is_complex(self):
        return self.category == COMPLEX

    def to_real(self):
        """The real dtype of a complex dtype (itself otherwise)."""
        return _TO_REAL.get(self, self)

    def to_complex(self):
        """The complex dtype holding this float dtype (complex64 for float16)."""
        return _TO_COMPLEX.get(self, self)

    def __repr__(self):
        return "tensorjit." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def __hash__(self):
        return self._index

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other


_ROWS = [
    # name, numpy dtype, category, signed, code
    ("bool", np.bool_, BOOL, False, "b1"),
    ("uint8", np.uint8, INT, False, "u1"),
    ("int8", np.int8, INT, True, "i1"),
    ("int16", np.int16, INT, True, "i2"),
    ("int32", np.int32, INT, True, "i4"),
    ("int64", np.int64, INT, True, "i8"),
    ("uint16", np.uint16, INT, False, "u2"),
    ("uint32", np.uint32, INT, False, "u4"),
    ("uint64", np.uint64, INT, False, "u8"),
    ("float16", np.float16, FLOAT, True, "f2"),
    ("float32", np.float32, FLOAT, True, "f4"),
    ("float64", np.float64, FLOAT, True, "f8"),
    ("complex64", np.complex64, COMPLEX, True, "c8"),
    ("complex128", np.complex128, COMPLEX, True, "c16"),
]
ALL = tuple(dtype(n, t, c, s, code, i) for i, (n, t, c, s, code) in enumerate(_ROWS))
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL}
globals().update(_BY_NAME)
bool, uint8, int8, int16, int32, int64 = (_BY_NAME[n] for n in ("bool", "uint8", "int8", "int16", "int32", "int64"))
uint16, uint32, uint64 = _BY_NAME["uint16"], _BY_NAME["uint32"], _BY_NAME["uint64"]
float16, float32, float64 = _BY_NAME["float16"], _BY_NAME["float32"], _BY_NAME["float64"]
complex64, complex128 = _BY_NAME["complex64"], _BY_NAME["complex128"]

# PyTorch's aliases.
ALIASES = {"float": float32, "double": float64, "half": float16, "short": int16,
           "int": int32, "long": int64, "cfloat": complex64, "cdouble": complex128}

_TO_REAL = {complex64: float32, complex128: float64}
_TO_COMPLEX = {float16: complex64, float32: complex64, float64: complex128}


def _by_name(name):
    return _BY_NAME[name]


# Note [promotion lattice]: the direct promotions of each dtype.
_LATTICE = {
    bool: (uint8, int8),
    uint8: (int16, uint16),
    int8: (int16,),
    int16: (int32,),
    uint16: (int32, uint32),
    int32: (int64,),
    uint32: (int64, uint64),
    int64: (float16,),
    uint64: (float16,),
    float16: (float32,),
    float32: (float64, complex64),
    float64: (complex128,),
    complex64: (complex128,),
    complex128: (),
}


def _upper_sets():
    ups = {}

    def up(d):
        if d not in ups:
            s = {d}
            for nxt in _LATTICE[d]:
                s |= up(nxt)
            ups[d] = frozenset(s)
        return ups[d]

    for d in ALL:
        up(d)
    return ups


def _build_table():
    ups = _upper_sets()
    table = {}
    for a in ALL:
        for b in ALL:
            common = ups[a] & ups[b]
            lub = next(c for c in common if ups[c] == common)
            undefined = a.category == INT and b.category == INT and lub.category != INT
            table[a, b] = None if undefined else lub
    return table


_PROMOTE = _build_table()


def promote_types(type1, type2):
    """The smallest dtype both ``type1`` and ``type2`` convert to without loss of category.

    >>> import tensorjit as tj
    >>> tj.promote_types(tj.uint8, tj.int8)
    tensorjit.int16
    """
    a, b = as_dtype(type1), as_dtype(type2)
    r = _PROMOTE[a, b]
    if r is None:
        raise TypeError(f"promote_types: no promotion between {a.name} and {b.name} "
                        "(no integer dtype holds both; cast one of them explicitly)")
    return r


def as_dtype(d, *, op="tensorjit"):
    """Accept a tensorjit dtype, a NumPy dtype or scalar type, an alias or a name."""
    if type(d) is dtype:
        return d
    if isinstance(d, dtype):   # the quantized dtypes (tensorjit/_quantized_tensor.py) subclass dtype
        raise TypeError(f"{op}: {d!r} is a quantized dtype: make quantized tensors with "
                        f"tensorjit.quantize_per_tensor or quantize_per_channel")
    if isinstance(d, str):
        r = _BY_NAME.get(d) or ALIASES.get(d)
        if r is None:
            raise TypeError(f"{op}: unknown dtype {d!r}")
        return r
    if d is builtins.bool:
        return bool
    if d is builtins.int:
        return int64
    if d is builtins.float:
        return float64
    if d is builtins.complex:
        return complex128
    tname = getattr(d, "__module__", "")
    if tname.startswith("torch") and hasattr(d, "is_floating_point"):
        name = str(d).split(".")[-1]
        if name in _BY_NAME:
            return _BY_NAME[name]
    try:
        r = _BY_NP.get(np.dtype(d))
    except TypeError:
        r = None
    if r is None:
        raise TypeError(f"{op}: unknown dtype {d!r}")
    return r


def from_numpy_dtype(npdt, op="from_numpy"):
    r = _BY_NP.get(npdt)
    if r is None:
        raise TypeError(f"{op}: can't convert np.ndarray of type {npdt}. The only supported types are: "
                        + ", ".join(d.name for d in ALL) + ".")
    return r


# Default dtypes -------------------------------------------------------------
_default = [float32]
_default_listeners = []


def on_default_dtype_change(callback):
    """Call ``callback()`` whenever the default dtype changes (caches keyed without it)."""
    _default_listeners.append(callback)


def get_default_dtype():
    """The dtype of Python floats in tensors and of float factories (float32 at start).

    >>> import tensorjit as tj
    >>> tj.get_default_dtype()
    tensorjit.float32
    """
    return _default[0]


def set_default_dtype(d):
    """Set the default floating dtype (float16, float32 or float64), as ``torch.set_default_dtype``.

    >>> import tensorjit as tj
    >>> tj.set_default_dtype(tj.float64); tj.set_default_dtype(tj.float32)
    """
    d = as_dtype(d, op="set_default_dtype")
    if d.category != FLOAT:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, got {d.name}")
    if d is not _default[0]:
        _default[0] = d
        for callback in _default_listeners:
            callback()


def default_complex_dtype():
    return complex128 if _default[0] is float64 else complex64


# Note [weak scalars]: the dtype a Python scalar stands for.
def scalar_dtype(x):
    t = type(x)
    if t is builtins.bool or t is np.bool_:
        return bool
    if t is builtins.int:
        return int64
    if t is builtins.float:
        return _default[0]
    if t is builtins.complex:
        return default_complex_dtype()
    # NumPy scalars count as Python numbers of their kind, as in PyTorch.
    if isinstance(x, np.bool_):
        return bool
    if isinstance(x, np.integer):
        return int64
    if isinstance(x, np.floating):
        return _default[0]
    if isinstance(x, np.complexfloating):
        return default_complex_dtype()
    raise TypeError(f"unsupported scalar type {t.__name__}")


def _combine(higher, lower):
    # PyTorch's combine_categories: `higher` comes from operands with more
    # dimensions and wins unless `lower` is of a higher category.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        return higher.to_complex() if higher.category == FLOAT else lower
    if higher.category == FLOAT:
        return higher
    if higher is bool or lower.category == FLOAT:
        return promote_types(higher, lower)
    return higher


def _join(acc, d):
    return d if acc is None else promote_types(acc, d)


def result_type(*operands):
    """The dtype an elementwise op over ``operands`` (tensors, Python scalars or dtypes) computes in.

    Follows Note [weak scalars].

    >>> import tensorjit as tj
    >>> tj.result_type(tj.tensor([1, 2], dtype=tj.uint8), 1000)
    tensorjit.uint8
    >>> tj.result_type(tj.tensor([1, 2]), 2.5)
    tensorjit.float32
    """
    dim = zero = wrapped = None
    for x in operands:
        shape = getattr(x, "_shape", None)
        if shape is not None:
            if len(shape):
                dim = _join(dim, x._dtype)
            else:
                zero = _join(zero, x._dtype)
        elif type(x) is dtype:
            dim = _join(dim, x)
        else:
            wrapped = _join(wrapped, scalar_dtype(x))
    r = _combine(dim, _combine(zero, wrapped))
    if r is None:
        raise TypeError("result_type: expected at least one operand")
    return r


def can_cast(from_, to):
    """Whether a value of dtype ``from_`` may be written into ``to`` by an in-place op (PyTorch's rule).

    >>> import tensorjit as tj
    >>> tj.can_cast(tj.float64, tj.int32)
    False
    """
    a, b = as_dtype(from_), as_dtype(to)
    return not (a.category > b.category or (b is bool and a is not bool))


class iinfo:
    """Machine limits of an integer dtype (``bits``, ``min``, ``max``, ``dtype``).

    >>> import tensorjit as tj
    >>> tj.iinfo(tj.int8).max
    127
    """

    def __init__(self, d):
        d = as_dtype(d, op="iinfo")
        if d.category != INT:
            raise TypeError(f"iinfo: {d.name} is not an integer dtype")
        info = np.iinfo(d.np)
        self.bits, self.dtype = info.bits, d.name
        self.min, self.max = int(info.min), int(info.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


class finfo:
    """Machine limits of a floating or complex dtype (``eps``, ``max``, ``min``, ``tiny``, ``resolution`` ...).

    >>> import tensorjit as tj
    >>> tj.finfo(tj.float32).eps
    1.1920928955078125e-07
    """

    def __init__(self, d=None):
        d = get_default_dtype() if d is None else as_dtype(d, op="finfo")
        if d.category < FLOAT:
            raise TypeError(f"finfo: {d.name} is not a floating point dtype")
        info = np.finfo(d.np)
        self.bits, self.dtype = info.bits, d.to_real().name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, eps={self.eps}, "
                f"smallest_normal={self.smallest_normal}, tiny={self.tiny}, dtype={self.dtype})")

"""An op database for tensorjit's pointwise ops, in the spirit of PyTorch's OpInfo.

One ``OpInfo`` row per op: the tensorjit callable, a PyTorch reference, a NumPy reference
(the oracle for dtypes PyTorch does not implement: uint16/32/64 arithmetic), arity,
supported dtypes, tolerances, per-operand value domains, and the method / in-place /
operator variants. ``OpInfo.sample(dtype, layout)`` builds one ``Sample``: operands made
from seeded NumPy data, viewed the same way in NumPy, tensorjit (``tj.from_numpy`` of the
base array, then tensorjit's own view ops) and PyTorch (``as_strided`` over a copy of the
same base array; PyTorch refuses negative strides, so those operands get a contiguous
copy and the sample is marked as having no PyTorch layout).

Compile budget: every (op, input dtypes, output dtype) a test touches is one Numba
compile, so the test files sweep every supported dtype over ``DTYPE_LAYOUTS`` only and the
full ``LAYOUTS`` list over ``LAYOUT_DTYPES`` (see tests/test_pointwise.py).
"""
from __future__ import annotations

import operator
import zlib
from dataclasses import dataclass, field

import numpy as np

import tensorjit as tj

try:  # PyTorch is optional: the references below only touch it when called.
    import torch as _torch
except ImportError:  # pragma: no cover - depends on the environment
    _torch = None

# -- dtypes ----------------------------------------------------------------------------------
BOOL = ("bool",)
UINTS_NARROW = ("uint8",)
UINTS_WIDE = ("uint16", "uint32", "uint64")          # PyTorch has no arithmetic for these
SINTS = ("int8", "int16", "int32", "int64")
INTS = UINTS_NARROW + SINTS + UINTS_WIDE
FLOATS = ("float16", "float32", "float64")
COMPLEX = ("complex64", "complex128")
ALL_DTYPES = BOOL + ("uint8", "int8", "int16", "int32", "int64") + UINTS_WIDE + FLOATS + COMPLEX
NO_BOOL = tuple(d for d in ALL_DTYPES if d != "bool")
REAL = BOOL + INTS + FLOATS
REAL_NUMERIC = INTS + FLOATS
NUMERIC = INTS + FLOATS + COMPLEX


def tj_dtype(name):
    return getattr(tj, name)


def np_dtype(name):
    return np.dtype(name)


def torch_dtype(name):
    return getattr(_torch, name)


def dtype_name(d):
    """'float32' for tj.float32, torch.float32 or np.dtype('float32')."""
    if isinstance(d, np.dtype):
        return d.name
    return str(d).split(".")[-1]


def is_int(name):
    return name in INTS


def is_float(name):
    return name in FLOATS


def is_complex(name):
    return name in COMPLEX


def to_real(name):
    return {"complex64": "float32", "complex128": "float64"}.get(name, name)


# -- values -----------------------------------------------------------------------------------
# Integer ranges per domain, as (lo, hi) inclusive, clipped to the dtype.
_INT_DOMAINS = {
    "any": None,                 # the dtype's full range: exercises wrap-around
    "small": (-20, 20),
    "dividend": (-200, 200),     # never INT_MIN, so INT_MIN // -1 cannot occur
    "divisor": (-20, 20),        # zeros replaced below: int division by zero raises
    "base": (-6, 6),
    "exponent": (0, 5),          # negative integer exponents have their own tests
    "unit": (-1, 1),             # erfinv's domain [-1, 1]
    "prob": (0, 1),              # logit's domain [0, 1]
}

# Special values for float ops: NaN, infinities, signed zeros and ordinary numbers.
SPECIAL_FLOATS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.5, -3.5, 7.0]


def make_array(rng, dtype, shape, domain="any"):
    """A fresh C-contiguous NumPy array of ``dtype`` drawn from ``domain``."""
    npdt = np_dtype(dtype)
    if dtype == "bool":
        return np.array(rng.random(shape) < 0.5)
    if npdt.kind in "iu":
        info = np.iinfo(npdt)
        rng_ = _INT_DOMAINS[domain]
        lo, hi = (int(info.min), int(info.max)) if rng_ is None else (max(rng_[0], int(info.min)),
                                                                        min(rng_[1], int(info.max)))
        if rng_ is not None and npdt.kind == "u":
            lo, hi = 0, min(hi - rng_[0], int(info.max))   # same width of range, non-negative
        a = rng.integers(lo, hi, size=shape, endpoint=True, dtype=npdt)
        if domain == "divisor":
            a[a == 0] = 1
        return np.array(a, order="C")
    if domain == "exponent":
        x = rng.uniform(-3, 3, size=shape)
    elif domain == "base":
        x = rng.uniform(-4, 4, size=shape)
    elif domain == "unit":
        x = rng.uniform(-1, 1, size=shape)
    elif domain == "prob":
        x = rng.uniform(0, 1, size=shape)
    else:
        x = rng.standard_normal(shape) * 8
    if npdt.kind == "c":
        x = x + 1j * rng.standard_normal(shape) * 8
    a = np.asarray(x).astype(npdt)
    if domain == "divisor":
        a[a == 0] = 1
    return np.array(a, order="C")


def python_scalar(rng, dtype, domain="any"):
    """A Python scalar of ``dtype``'s category (bool, int, float or complex) from ``domain``."""
    v = make_array(rng, dtype, (), domain)[()]
    if dtype == "bool":
        return bool(v)
    if is_int(dtype):
        v = int(v)
        return max(min(v, 100), -100) if domain == "any" else v
    if is_float(dtype):
        return float(v)
    return complex(v)


# -- operands and samples -------------------------------------------------------------------
_NO_SCALAR = object()


def _apply_np(a, steps):
    for step in steps:
        kind = step[0]
        if kind == "getitem":
            a = a[step[1]]
        elif kind == "t":
            a = a.T
        elif kind == "expand":
            a = np.broadcast_to(a, step[1])
        elif kind == "permute":
            a = np.transpose(a, step[1])
        else:  # pragma: no cover - a typo in a layout table
            raise ValueError(kind)
    return a


def _apply_tj(t, steps):
    for step in steps:
        kind = step[0]
        if kind == "getitem":
            t = t[step[1]]
        elif kind == "t":
            t = t.t()
        elif kind == "expand":
            t = t.expand(*step[1])
        elif kind == "permute":
            t = t.permute(*step[1])
        else:  # pragma: no cover
            raise ValueError(kind)
    return t


class Operand:
    """A tensor operand (``base`` viewed through ``steps``) or a Python scalar."""

    def __init__(self, base=None, steps=(), scalar=_NO_SCALAR):
        self.base, self.steps, self.scalar = base, tuple(steps), scalar

    @property
    def is_scalar(self):
        return self.scalar is not _NO_SCALAR

    def numpy(self):
        """The operand as NumPy sees it (a view of ``base``), or the Python scalar."""
        return self.scalar if self.is_scalar else _apply_np(self.base, self.steps)

    def elem_layout(self):
        """(strides, storage offset) of the view in elements of ``base``."""
        v = self.numpy()
        isz = v.itemsize
        off = 0 if v.size == 0 else (v.__array_interface__["data"][0] - self.base.__array_interface__["data"][0]) // isz
        return tuple(s // isz for s in v.strides), off

    def tj(self):
        """A tensorjit operand sharing ``base``'s memory, viewed with tensorjit's view ops."""
        if self.is_scalar:
            return self.scalar
        return _apply_tj(tj.from_numpy(self.base), self.steps)

    def torch_layout_ok(self):
        return self.is_scalar or all(s >= 0 for s in self.numpy().strides)

    def torch(self, dtype=None, with_base=False):
        """The PyTorch operand: same values (cast to ``dtype`` if given); the same strides and
        offset where PyTorch allows them, else a contiguous copy. ``with_base`` also returns
        the PyTorch tensor standing for ``base`` (None for a copy)."""
        if self.is_scalar:
            return (self.scalar, None) if with_base else self.scalar
        v, base = self.numpy(), self.base
        if dtype is not None:
            v, base = v.astype(dtype), base.astype(dtype)
        if not self.torch_layout_ok() or v.size == 0:
            t, tb = _torch.from_numpy(np.array(v, copy=True)), None
        else:
            strides, off = self.elem_layout()
            tb = _torch.from_numpy(base.copy())
            t = _torch.as_strided(tb, v.shape, strides, off)
        return (t, tb) if with_base else t


@dataclass
class Sample:
    operands: list
    layout: str
    dtype: str
    kwargs: dict = field(default_factory=dict)

    def tj_args(self):
        return [o.tj() for o in self.operands]

    def np_args(self):
        return [o.numpy() for o in self.operands]

    def torch_args(self):
        return [o.torch() for o in self.operands]

    def torch_layout_ok(self):
        return all(o.torch_layout_ok() for o in self.operands)

    def snapshot(self):
        """Copies of every base array (to check that inputs were left unchanged)."""
        return [None if o.is_scalar else o.base.copy() for o in self.operands]

    def unchanged(self, snap):
        return all(s is None or np.array_equal(o.base, s, equal_nan=o.base.dtype.kind in "fc")
                   for o, s in zip(self.operands, snap))

    def __repr__(self):
        return f"Sample({self.layout}, {self.dtype})"


# Layouts: per operand position, ("t", base_shape, steps), ("s",) for a Python scalar.
# Unary ops use position 0, binary ops 0-1, where() all three (condition first).
_T = ("t",)
_S = ("s",)
LAYOUTS = {
    "contig": [("t", (3, 4), ())] * 3,
    "zero_d": [("t", (), ())] * 3,
    "empty": [("t", (0, 4), ()), ("t", (1, 4), ()), ("t", (0, 1), ())],
    "bcast": [("t", (3, 1), ()), ("t", (1, 4), ()), ("t", (3, 4), ())],
    "bcast_rank": [("t", (2, 3, 4), ()), ("t", (4,), ()), ("t", (3, 1), ())],
    "scalar": [("t", (3, 4), ()), _S, _S],
    "zero_d_tensor": [("t", (3, 4), ()), ("t", (), ()), ("t", (), ())],
    "transposed": [("t", (4, 3), (_T,))] * 3,
    "transposed_first": [("t", (4, 3), (_T,)), ("t", (3, 4), ()), ("t", (3, 4), ())],
    "transposed_second": [("t", (3, 4), ()), ("t", (4, 3), (_T,)), ("t", (4, 3), (_T,))],
    "sliced": [("t", (6, 9), (("getitem", (slice(None, None, 2), slice(1, None, 2))),)),
               ("t", (3, 12), (("getitem", (slice(None), slice(None, None, 3))),)),
               ("t", (6, 4), (("getitem", (slice(1, None, 2),)),))],
    "neg_step": [("t", (3, 4), (("getitem", (slice(None, None, -1), slice(None))),)),
                 ("t", (3, 8), (("getitem", (slice(None), slice(None, None, -2))),)),
                 ("t", (6, 4), (("getitem", (slice(None, None, -2), slice(None, None, -1))),))],
    "offset": [("t", (5, 7), (("getitem", (slice(1, 4), slice(2, 6))),)),
               ("t", (4, 6), (("getitem", (slice(1, None), slice(2, None))),)),
               ("t", (4, 5), (("getitem", (slice(1, None), slice(1, None))),))],
    "expanded": [("t", (4,), (("expand", (3, 4)),)), ("t", (3, 1), (("expand", (3, 4)),)),
                 ("t", (1, 4), (("expand", (3, 4)),))],
    "permuted": [("t", (4, 2, 3), (("permute", (1, 2, 0)),)), ("t", (2, 3, 4), ()),
                 ("t", (3, 4, 2), (("permute", (2, 0, 1)),))],
    "mixed": [("t", (8, 7), (("getitem", (slice(6, 0, -2), slice(1, 5))),)),
              ("t", (5, 3), (("getitem", (slice(1, None),)), _T)),
              ("t", (4,), (("expand", (3, 4)),))],
}
# Layouts that add nothing for a unary op (position 0 is the same as in "contig").
BINARY_ONLY_LAYOUTS = {"scalar", "zero_d_tensor", "transposed_first", "transposed_second"}
# The layout every supported dtype is run on. For binary ops with a fast path (Note [binary
# fast path]) it costs only the small fast-path kernel; the general kernel of every dtype
# (about 0.7 s of compiling each) is run with "bcast" for the ops in BCAST_ALL_DTYPES only.
DTYPE_LAYOUTS = ("contig",)
BCAST_ALL_DTYPES = ("add",)
# The dtypes the full layout sweep runs on.
LAYOUT_DTYPES = ("float32", "int64")


def _seed(*parts):
    return zlib.crc32("/".join(map(str, parts)).encode())


def _operand(rng, spec, dtype, domain):
    if spec[0] == "s":
        return Operand(scalar=python_scalar(rng, dtype, domain))
    _, base_shape, steps = spec
    return Operand(make_array(rng, dtype, base_shape, domain), steps)


def _special_operands(op, dtype, rng):
    """Every pair of special values, as dense same-shape operands (the fast path where there is one)."""
    vals = np.array(SPECIAL_FLOATS, dtype=np_dtype(dtype))
    n = len(vals)
    if op.arity == 1:
        return [Operand(vals.copy())]
    ops = [Operand(np.repeat(vals, n)), Operand(np.tile(vals, n))]
    if op.arity == 3 and op.name == "where":
        return [Operand(rng.random(n * n) < 0.5)] + ops
    if op.arity == 3:   # every triple (lerp, addcmul, addcdiv)
        return [Operand(np.repeat(vals, n * n)), Operand(np.tile(np.repeat(vals, n), n)),
                Operand(np.tile(vals, n * n))]
    return ops


# -- the op table ------------------------------------------------------------------------------
def _float_in(dt):
    """NumPy ref helper: PyTorch's INT_TO_FLOAT (integers and bool compute in float32)."""
    a = np.asarray(dt)
    return a.astype(np.float32) if a.dtype.kind in "biu" else a


def _np_div_trunc(a, b):
    if a.dtype.kind in "iu":
        q = a // b
        return (q + (((a % b) != 0) & ((a < 0) != (b < 0)))).astype(q.dtype)
    return np.trunc(a / b)


def _np_pow(a, b):
    return np.power(a, b)


@dataclass(eq=False)
class OpInfo:
    name: str
    arity: int
    tj_fn: object                    # (*args, out=None) -> tensorjit result
    torch_fn: object                 # (*args, out=None) -> torch result
    np_fn: object                    # (*numpy arrays in the compute dtype) -> numpy result
    dtypes: tuple                    # dtypes of same-dtype operands the op accepts
    result: str = "same"             # same | bool | int_to_float | complex_to_real
    domains: tuple = ("any", "any", "any")
    torch_dtypes: tuple = None       # where PyTorch implements the op (else the NumPy ref)
    exact: tuple = FLOATS + COMPLEX  # float/complex dtypes compared exactly (ints/bool always are)
    method: str = None               # Tensor method name
    inplace: str = None              # in-place method name
    operator: object = None          # Python operator (a op b)
    ioperator: object = None         # in-place Python operator (a op= b)
    reflected: bool = False          # Python operator accepts a scalar on the left
    kwargs_for: object = None        # dtype -> extra kwargs (e.g. alpha)
    call_kwargs: dict = field(default_factory=dict)   # fixed kwargs (e.g. rounding_mode)
    special: bool = True             # run the NaN/inf sample on float dtypes
    tol_override: dict = field(default_factory=dict)  # dtype -> (rtol, atol)
    signed_zeros: bool = True        # compare the sign of zero results (exact comparisons)
    torch_no_scalars: bool = False   # PyTorch's method takes tensors only (see torch_scalars_as_tensors)

    def __post_init__(self):
        if self.torch_dtypes is None:
            self.torch_dtypes = tuple(d for d in self.dtypes if d not in UINTS_WIDE)

    def __repr__(self):
        return self.name

    def kwargs(self, dtype):
        return {**self.call_kwargs, **(self.kwargs_for(dtype) if self.kwargs_for else {})}

    @property
    def public_name(self):
        """The name tensorjit's error messages use."""
        return self.name.split("_")[0] if self.name.endswith(("_alpha", "_trunc", "_floor", "_eps")) else self.name

    def tol(self, dtype):
        """(rtol, atol); (0, 0) means exact (NaNs equal, signs of zero compared)."""
        if dtype in self.tol_override:
            return self.tol_override[dtype]
        if dtype in self.exact or not (is_float(dtype) or is_complex(dtype)):
            return 0.0, 0.0
        return {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7),
                "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}[dtype]

    def result_dtype(self, dtype):
        """The result dtype for same-dtype operands of ``dtype``, from the op's promotion kind
        (PyTorch's ELEMENTWISE_TYPE_PROMOTION_KIND): the oracle where PyTorch has no kernel."""
        if self.result == "bool":
            return "bool"
        if self.result == "int_to_float" and not (is_float(dtype) or is_complex(dtype)):
            return "float32"
        if self.result == "complex_to_real":
            return to_real(dtype)
        return dtype

    def layouts(self, dtype):
        names = [n for n in LAYOUTS if not (self.arity == 1 and n in BINARY_ONLY_LAYOUTS)]
        if self.special and is_float(dtype):
            names.append("special")
        return names

    def sample(self, dtype, layout, seed=0):
        """One sample of same-dtype operands (the condition of where() is bool)."""
        rng = np.random.default_rng(_seed(self.name, dtype, layout, seed))
        if layout == "special":
            operands = _special_operands(self, dtype, rng)
        else:
            specs = LAYOUTS[layout][:self.arity]
            operands = []
            for i, spec in enumerate(specs):
                d, dom = dtype, self.domains[i]
                if self.name == "where" and i == 0:
                    d, dom = "bool", "any"
                operands.append(_operand(rng, spec, d, dom))
        return Sample(operands, layout, dtype, self.kwargs(dtype))

    # The oracles ---------------------------------------------------------------------------
    def torch_ref(self, sample, out=None):
        args = sample.torch_args()
        return self.torch_fn(*args, **sample.kwargs) if out is None else \
            self.torch_fn(*args, out=out, **sample.kwargs)

    def numpy_ref(self, sample):
        """The NumPy reference for same-dtype samples: scalars become 0-d arrays of the dtype."""
        args = []
        for o, a in zip(self.operands_dtypes(sample), sample.np_args()):
            args.append(np.asarray(a, dtype=np_dtype(o)) if not isinstance(a, np.ndarray) else a)
        with np.errstate(all="ignore"):
            r = np.asarray(self.np_fn(*args, **sample.kwargs))
        return r.astype(np_dtype(self.result_dtype(sample.dtype)), copy=False)

    def operands_dtypes(self, sample):
        return ["bool" if self.name == "where" and i == 0 else sample.dtype
                for i in range(len(sample.operands))]


def _t(name):
    return lambda *a, **kw: getattr(_torch, name)(*a, **kw)


def torch_scalars_as_tensors(a, b):
    """PyTorch's maximum/minimum refuse Python scalars: pass a 0-d tensor of the dtype
    torch.result_type gives (the same promotion a scalar would get)."""
    if not isinstance(b, _torch.Tensor):
        b = _torch.tensor(b, dtype=_torch.result_type(a, b))
    if not isinstance(a, _torch.Tensor):
        a = _torch.tensor(a, dtype=_torch.result_type(a, b))
    return a, b


def _as_torch_tensors(fn):
    def f(a, b, **kw):
        return fn(*torch_scalars_as_tensors(a, b), **kw)
    return f


def _alpha_for(dtype):
    if is_complex(dtype):
        return {"alpha": 1.5 - 0.5j}
    if is_float(dtype):
        return {"alpha": 2.5}
    return {"alpha": 3}


def _np_add_alpha(a, b, alpha):
    return a + np.asarray(alpha).astype(a.dtype) * b


def _np_sub_alpha(a, b, alpha):
    return a - np.asarray(alpha).astype(a.dtype) * b


_CMP = [("eq", np.equal, operator.eq, ALL_DTYPES), ("ne", np.not_equal, operator.ne, ALL_DTYPES),
        ("lt", np.less, operator.lt, REAL), ("le", np.less_equal, operator.le, REAL),
        ("gt", np.greater, operator.gt, REAL), ("ge", np.greater_equal, operator.ge, REAL)]

_ALPHA_DTYPES = ("uint8", "int64", "uint16", "float16", "float32", "complex64")
_SUB_ALPHA_DTYPES = ("int64", "float32")   # sub's alpha kernel is add's with -alpha: two dtypes suffice
# PyTorch rounds ``alpha * other`` to float16 before adding (two roundings); tensorjit rounds
# once. Both are within two float16 ulps of the exact result.
_ALPHA_TOL = {"float16": (2.5e-3, 1e-3)}

OPS = [
    OpInfo("add", 2, tj.add, _t("add"), np.add, ALL_DTYPES, method="add", inplace="add_",
           operator=operator.add, ioperator=operator.iadd, reflected=True,
           torch_dtypes=tuple(d for d in ALL_DTYPES if d not in UINTS_WIDE)),
    OpInfo("add_alpha", 2, tj.add, _t("add"), _np_add_alpha, _ALPHA_DTYPES, method="add", inplace="add_",
           kwargs_for=_alpha_for, exact=(), special=False, tol_override=_ALPHA_TOL),
    OpInfo("sub", 2, tj.sub, _t("sub"), np.subtract, NO_BOOL, method="sub", inplace="sub_",
           operator=operator.sub, ioperator=operator.isub, reflected=True),
    OpInfo("sub_alpha", 2, tj.sub, _t("sub"), _np_sub_alpha, _SUB_ALPHA_DTYPES, method="sub", inplace="sub_",
           kwargs_for=_alpha_for, exact=(), special=False, tol_override=_ALPHA_TOL),
    OpInfo("mul", 2, tj.mul, _t("mul"), np.multiply, ALL_DTYPES, method="mul", inplace="mul_",
           operator=operator.mul, ioperator=operator.imul, reflected=True, exact=FLOATS,
           torch_dtypes=ALL_DTYPES),
    OpInfo("true_divide", 2, tj.true_divide, _t("true_divide"), lambda a, b: _float_in(a) / _float_in(b),
           ALL_DTYPES, result="int_to_float", domains=("any", "divisor"), method="true_divide",
           inplace="true_divide_", operator=operator.truediv, ioperator=operator.itruediv, reflected=True,
           exact=FLOATS, torch_dtypes=ALL_DTYPES),
    OpInfo("div", 2, tj.div, _t("div"), lambda a, b: _float_in(a) / _float_in(b), ALL_DTYPES,
           result="int_to_float", domains=("any", "divisor"), method="div", inplace="div_", exact=FLOATS,
           torch_dtypes=ALL_DTYPES),
    OpInfo("div_trunc", 2, tj.div, _t("div"), lambda a, b, rounding_mode: _np_div_trunc(a, b), REAL_NUMERIC,
           domains=("dividend", "divisor"), method="div", inplace="div_", exact=FLOATS,
           call_kwargs={"rounding_mode": "trunc"}),
    OpInfo("div_floor", 2, tj.div, _t("div"), lambda a, b, rounding_mode: np.floor_divide(a, b), REAL_NUMERIC,
           domains=("dividend", "divisor"), method="div", inplace="div_", exact=FLOATS,
           call_kwargs={"rounding_mode": "floor"}),
    OpInfo("floor_divide", 2, tj.floor_divide, _t("floor_divide"), np.floor_divide, REAL_NUMERIC,
           domains=("dividend", "divisor"), method="floor_divide", inplace="floor_divide_",
           operator=operator.floordiv, ioperator=operator.ifloordiv, reflected=True, exact=FLOATS),
    OpInfo("remainder", 2, tj.remainder, _t("remainder"), np.remainder, REAL_NUMERIC,
           domains=("dividend", "divisor"), method="remainder", inplace="remainder_",
           operator=operator.mod, ioperator=operator.imod, reflected=True, exact=()),
    OpInfo("pow", 2, tj.pow, _t("pow"), _np_pow, NUMERIC, domains=("base", "exponent"), method="pow",
           inplace="pow_", operator=operator.pow, ioperator=operator.ipow, reflected=True, exact=()),
    # The sign of max(0.0, -0.0) is unspecified (PyTorch's own answer differs between its
    # vectorised and scalar loops), so signs of zero are not compared for these two.
    OpInfo("maximum", 2, tj.maximum, _as_torch_tensors(_t("maximum")), np.maximum, REAL, method="maximum",
           signed_zeros=False, torch_no_scalars=True),
    OpInfo("minimum", 2, tj.minimum, _as_torch_tensors(_t("minimum")), np.minimum, REAL, method="minimum",
           signed_zeros=False, torch_no_scalars=True),
    *[OpInfo(n, 2, getattr(tj, n), _t(n), f, dts, result="bool", method=n, inplace=n + "_", operator=o,
             torch_dtypes=tuple(d for d in dts if d not in UINTS_WIDE or n in ("eq", "ne")))
      for n, f, o, dts in _CMP],
    OpInfo("neg", 1, tj.neg, _t("neg"), np.negative, NUMERIC, method="neg", inplace="neg_",
           operator=operator.neg),
    OpInfo("abs", 1, tj.abs, _t("abs"), np.abs, NUMERIC, result="complex_to_real", method="abs",
           inplace="abs_", operator=operator.abs, exact=FLOATS),
    OpInfo("where", 3, tj.where, _t("where"), np.where, ALL_DTYPES),
]
OPS_BY_NAME = {op.name: op for op in OPS}

# Dtypes each op refuses, with the exception PyTorch raises: tensorjit must refuse them too.
UNSUPPORTED = [(op, d) for op in OPS if op.kwargs_for is None for d in ALL_DTYPES if d not in op.dtypes]


# -- math ops (tensorjit/ops/math.py; tests/test_math.py) ----------------------------------------
# Kept apart from OPS: test_pointwise sweeps every dtype of OPS, test_math a budgeted few.
# ``dtypes`` are the dtypes PyTorch implements (wide uints left out: PyTorch has no oracle).
TORCH_REAL = BOOL + UINTS_NARROW + SINTS + FLOATS
INT_TO_FLOAT_C = TORCH_REAL + COMPLEX
BITWISE = BOOL + UINTS_NARROW + SINTS
_SMALL = ("small", "small", "small", "small")
# Transcendental functions: PyTorch's vectorised float32 kernels and tensorjit's libm differ
# by an ulp or two, more near the poles of tan / lgamma and for complex arguments.
_TRANS_TOL = {"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12), "complex64": (3e-5, 1e-5),
              "float16": (1e-3, 1e-5),
              # integer and bool inputs promoted to float32 (the tolerance is keyed on the input dtype)
              "int64": (1e-5, 1e-5), "bool": (1e-5, 1e-5)}


# erfinv is steep near +-1 and PyTorch's float32 erfinv computes in float32 (tensorjit in
# float64): a few float32 ulps apart there. digamma likewise, and near its root (x ~ 1.46)
# the absolute error is what stays small.
_ERFINV_TOL = {**_TRANS_TOL, "float32": (1e-4, 1e-5), "int64": (1e-4, 1e-5), "bool": (1e-4, 1e-5),
               "float64": (1e-10, 1e-12)}
_DIGAMMA_TOL = {**_TRANS_TOL, "float32": (1e-5, 1e-4), "int64": (1e-5, 1e-4), "bool": (1e-5, 1e-4)}


def _m(name, arity, dtypes, result="same", exact=(), inplace=True, method=True, **kw):
    kw.setdefault("domains", _SMALL)
    if not exact:
        kw.setdefault("tol_override", _TRANS_TOL)
    return OpInfo(name, arity, getattr(tj, name), _t(name), None, dtypes, result=result, exact=exact,
                  method=name if method else None, inplace=name + "_" if inplace else None, **kw)


def _np_none(*a, **kw):   # pragma: no cover - math ops have PyTorch as their only oracle
    raise NotImplementedError


_UNARY_F = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan",
            "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "reciprocal"]
MATH_OPS = [
    *[_m(n, 1, INT_TO_FLOAT_C, "int_to_float") for n in _UNARY_F],
    *[_m(n, 1, TORCH_REAL, "int_to_float") for n in ("erf", "erfc", "lgamma", "deg2rad", "rad2deg")],
    _m("square", 1, INT_TO_FLOAT_C, exact=FLOATS),   # bool squares into int64, as PyTorch
    _m("positive", 1, tuple(d for d in INT_TO_FLOAT_C if d != "bool"), exact=FLOATS + COMPLEX, inplace=False),
    _m("sign", 1, TORCH_REAL, exact=FLOATS),
    *[_m(n, 1, UINTS_NARROW + SINTS + FLOATS, exact=FLOATS) for n in ("floor", "ceil", "trunc", "round")],
    _m("frac", 1, FLOATS, exact=FLOATS),
    _m("bitwise_not", 1, BITWISE, operator=operator.invert),
    _m("logical_not", 1, INT_TO_FLOAT_C, "bool"),
    *[_m(n, 1, INT_TO_FLOAT_C, "bool", inplace=False) for n in ("isnan", "isinf", "isfinite")],
    *[_m(n, 1, TORCH_REAL, "bool", inplace=False) for n in ("isposinf", "isneginf", "signbit")],
    *[_m(n, 2, TORCH_REAL, "int_to_float", exact=ex) for n, ex in (("atan2", ()), ("copysign", FLOATS),
                                                                   ("xlogy", ()))],
    _m("hypot", 2, FLOATS),
    _m("logaddexp", 2, FLOATS + COMPLEX, inplace=False),
    _m("logaddexp2", 2, FLOATS, inplace=False),
    _m("fmod", 2, UINTS_NARROW + SINTS + FLOATS, exact=FLOATS, domains=("dividend", "divisor")),
    _m("fmax", 2, TORCH_REAL, exact=FLOATS, inplace=False, signed_zeros=False),
    _m("fmin", 2, TORCH_REAL, exact=FLOATS, inplace=False, signed_zeros=False),
    _m("float_power", 2, INT_TO_FLOAT_C, "float64", domains=("base", "exponent")),
    *[_m(n, 2, INT_TO_FLOAT_C, "bool") for n in ("logical_and", "logical_or", "logical_xor")],
    *[_m(f"bitwise_{n}", 2, BITWISE, operator=o, ioperator=io, reflected=True)
      for n, o, io in (("and", operator.and_, operator.iand), ("or", operator.or_, operator.ior),
                       ("xor", operator.xor, operator.ixor))],
    *[_m(f"bitwise_{n}_shift", 2, UINTS_NARROW + SINTS, operator=o, ioperator=io, reflected=True,
         domains=("small", "exponent"))
      for n, o, io in (("left", operator.lshift, operator.ilshift), ("right", operator.rshift, operator.irshift))],
    _m("lerp", 3, FLOATS + COMPLEX),
    _m("addcmul", 3, tuple(d for d in INT_TO_FLOAT_C if d != "bool"), kwargs_for=lambda d: {"value": 2}),
    _m("addcdiv", 3, FLOATS + COMPLEX, kwargs_for=lambda d: {"value": 2}, domains=("small", "small", "divisor")),
    # the rest of the pointwise library
    _m("sgn", 1, INT_TO_FLOAT_C, exact=FLOATS),
    _m("logit", 1, TORCH_REAL, "int_to_float", domains=("prob",)),
    OpInfo("logit_eps", 1, tj.logit, _t("logit"), None, TORCH_REAL, result="int_to_float", domains=("prob",),
           method="logit", inplace="logit_", call_kwargs={"eps": 0.2}, tol_override=_TRANS_TOL),
    _m("erfinv", 1, TORCH_REAL, "int_to_float", domains=("unit",), tol_override=_ERFINV_TOL),
    _m("digamma", 1, TORCH_REAL, "int_to_float", tol_override=_DIGAMMA_TOL),
    _m("nan_to_num", 1, INT_TO_FLOAT_C, exact=FLOATS + COMPLEX),
    OpInfo("nan_to_num_args", 1, tj.nan_to_num, _t("nan_to_num"), None, INT_TO_FLOAT_C, exact=FLOATS + COMPLEX,
           method="nan_to_num", inplace="nan_to_num_", call_kwargs={"nan": 1.5, "posinf": 2e4, "neginf": -7.0}),
    _m("angle", 1, INT_TO_FLOAT_C, "int_to_float", inplace=False),
    _m("nextafter", 2, FLOATS, exact=FLOATS),
    _m("ldexp", 2, INT_TO_FLOAT_C, "int_to_float", domains=("small", "exponent")),
    _m("isclose", 2, INT_TO_FLOAT_C, "bool", inplace=False),
]
for _op in MATH_OPS:
    _op.np_fn = _np_none
    if _op.result == "float64":   # float_power: always float64 (complex128 for complex)
        _op.result = "same"
MATH_OPS_BY_NAME = {op.name: op for op in MATH_OPS}
# What each op refuses (PyTorch too): the dtypes it does not list, wide uints aside.
MATH_UNSUPPORTED = [(op, d) for op in MATH_OPS for d in ALL_DTYPES if d not in op.dtypes and d not in UINTS_WIDE]

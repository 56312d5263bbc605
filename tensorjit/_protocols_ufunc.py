"""``Tensor.__array_ufunc__``: NumPy ufuncs on tensors run tensorjit's kernels.

``np.add(t, 1)``, ``np.exp(t)``, ``np.maximum.reduce(t, axis=1)``, ``np.add.accumulate``,
``np.multiply.outer`` and ``np.add.at`` map to tensorjit ops, with NumPy's result dtypes
(Note [numpy semantics] in tensorjit/_protocols_np.py); the other ufuncs and methods fall back
to NumPy (Note [numpy fallback]).
"""
from __future__ import annotations

import numpy as np

from . import _protocols_np as P
from ._tensor import Tensor

# NumPy ufunc name -> tensorjit function name. The table is data: a row per ufunc.
_UFUNCS = {
    "add": "add", "subtract": "sub", "multiply": "mul", "divide": "true_divide", "true_divide": "true_divide",
    "floor_divide": "floor_divide", "remainder": "remainder", "fmod": "fmod", "power": "pow",
    "float_power": "float_power", "negative": "neg", "positive": "positive", "absolute": "abs", "fabs": "abs",
    "exp": "exp", "exp2": "exp2", "expm1": "expm1", "log": "log", "log2": "log2", "log10": "log10",
    "log1p": "log1p", "sqrt": "sqrt", "square": "square", "sin": "sin", "cos": "cos", "tan": "tan",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "arctan2": "atan2", "hypot": "hypot",
    "deg2rad": "deg2rad", "rad2deg": "rad2deg", "degrees": "rad2deg", "radians": "deg2rad", "floor": "floor",
    "ceil": "ceil", "trunc": "trunc", "rint": "round", "maximum": "maximum", "minimum": "minimum",
    "fmax": "fmax", "fmin": "fmin", "logaddexp": "logaddexp", "logaddexp2": "logaddexp2",
    "copysign": "copysign", "nextafter": "nextafter", "ldexp": "ldexp", "signbit": "signbit",
    "isnan": "isnan", "isinf": "isinf", "isfinite": "isfinite", "equal": "eq", "not_equal": "ne",
    "less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge", "logical_and": "logical_and",
    "logical_or": "logical_or", "logical_xor": "logical_xor", "logical_not": "logical_not",
    "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor",
    "invert": "bitwise_not", "left_shift": "bitwise_left_shift", "right_shift": "bitwise_right_shift",
    "conjugate": "conj_physical", "reciprocal": "reciprocal", "sign": "sign", "matmul": "matmul",
}
# Ufuncs whose NumPy integer loops mean something else than tensorjit's op (integer reciprocal,
# complex sign): mapped only for the loop dtypes listed here (NumPy kind characters).
_KINDS = {"reciprocal": "fc", "sign": "biuf", "float_power": "fc", "ldexp": "f"}
# ufunc.reduce / accumulate -> tensorjit reduction / scan.
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "amax", "minimum": "amin",
           "logical_and": "all", "logical_or": "any"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod", "maximum": "cummax", "minimum": "cummin"}
# Where tensorjit's (PyTorch's) value differs from NumPy's, the NumPy value from the op's result.
_NUMPY_FIX = {
    # PyTorch's sign(nan) is 0, NumPy's nan.
    "sign": lambda tj, args, r: tj.where(tj.isnan(args[0]), args[0], r) if args[0]._dtype.category == 2 else r,
}
_PLAIN_KW = frozenset({"out", "dtype", "casting"})


def _tj():
    import tensorjit
    return tensorjit


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """NumPy's ufunc protocol: map to a tensorjit op, else fall back (see the module docstring).

    >>> import numpy as np, tensorjit as tj
    >>> r = np.add(tj.tensor([1., 2.]), 1); type(r).__name__, r.tolist()
    ('Tensor', [2.0, 3.0])
    """
    out = kwargs.get("out", ())
    if not all(P.known_operand(x) for x in inputs + tuple(out)):
        return NotImplemented
    try:
        r = _mapped(ufunc, method, inputs, kwargs)
    except _Fallback:
        r = _Fallback
    if r is not _Fallback:
        return r
    name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else "." + method)
    if P.any_cuda(inputs) or P.any_cuda(out):
        raise TypeError(f"{name}: no tensorjit implementation for these CUDA operands "
                        f"({', '.join(_describe(x) for x in inputs)}); call .cpu() first to use NumPy's")
    args = P.as_numpy(inputs, name)
    kw = P.as_numpy(kwargs, name)
    res = getattr(ufunc, method)(*args, **kw)
    if method == "at":
        return None
    if out:
        # NumPy returns the out arrays it was given: hand back the caller's objects.
        return out[0] if len(out) == 1 else tuple(out)
    return P.wrap(res)


def _describe(x):
    return f"{x.dtype} {tuple(x.shape)} on {x.device}" if isinstance(x, Tensor) else type(x).__name__


class _Fallback(Exception):
    """Raised inside a mapping that cannot handle its arguments: NumPy computes instead."""


def _mapped(ufunc, method, inputs, kwargs):
    if method == "__call__":
        return _call(ufunc, inputs, kwargs)
    if method == "reduce":
        return _reduce(ufunc, inputs, kwargs)
    if method == "accumulate":
        return _accumulate(ufunc, inputs, kwargs)
    if method == "outer":
        return _outer(ufunc, inputs, kwargs)
    if method == "at":
        return _at(ufunc, inputs, kwargs)
    return _Fallback


def _loop_dtypes(ufunc, inputs, dtype):
    try:
        ops = tuple(P.np_operand_dtype(x) for x in inputs) + (None,) * ufunc.nout
        if dtype is not None:
            sig = (None,) * ufunc.nin + (np.dtype(dtype),) * ufunc.nout
            return ufunc.resolve_dtypes(ops, signature=sig)
        return ufunc.resolve_dtypes(ops)
    except (TypeError, ValueError):
        raise _Fallback from None


def _call(ufunc, inputs, kwargs):
    name = _UFUNCS.get(ufunc.__name__)
    if name is None or set(kwargs) - _PLAIN_KW or kwargs.get("casting", "same_kind") != "same_kind":
        return _Fallback
    if ufunc.__name__ == "matmul" and any(not isinstance(x, (Tensor, np.ndarray)) for x in inputs):
        return _Fallback
    loop = _loop_dtypes(ufunc, inputs, kwargs.get("dtype"))
    kinds = _KINDS.get(ufunc.__name__)
    if kinds is not None and any(d.kind not in kinds for d in loop[:ufunc.nin]):
        return _Fallback
    if any(P.np_dtype_to_tj(d) is None for d in loop):
        return _Fallback
    tj = _tj()
    args = [P.cast(x, d) for x, d in zip(inputs, loop)]
    # A Python scalar next to a tensor of the loop dtype keeps that dtype (weak scalars), except
    # where tensorjit's rule differs from NumPy's: NumPy's loop dtype is the answer.
    try:
        res = getattr(tj, name)(*args)
    except (TypeError, RuntimeError, NotImplementedError):
        if P.any_cuda(inputs):
            raise
        raise _Fallback from None
    fix = _NUMPY_FIX.get(ufunc.__name__)
    if fix is not None:
        res = fix(tj, args, res)
    want = P.np_dtype_to_tj(loop[ufunc.nin])
    if res._dtype is not want:
        res = res.to(want)
    return _deliver(res, kwargs.get("out"), ufunc.__name__)


def _deliver(res, out, name):
    """``res``, or ``res`` written into ``out`` (NumPy's same_kind rule) and ``out`` returned."""
    if not out:
        return res
    if len(out) != 1:
        raise _Fallback
    o = out[0]
    if not np.can_cast(res._dtype.np, P.np_operand_dtype(o), "same_kind"):
        raise TypeError(f"numpy.{name}: cannot cast the result from {res._dtype.np} to the out array's "
                        f"{P.np_operand_dtype(o)} with casting rule 'same_kind'")
    target = P.to_tensor(o)
    target.copy_(res)
    return o


def _axis_arg(kwargs, inputs, default=0):
    if len(inputs) > 1:
        return inputs[1]
    return kwargs.get("axis", default)


def _reduce(ufunc, inputs, kwargs):
    name = _REDUCE.get(ufunc.__name__)
    extra = set(kwargs) - {"axis", "dtype", "out", "keepdims"}
    if name is None or extra or len(inputs) > 2 or not isinstance(inputs[0], Tensor):
        return _Fallback
    x = inputs[0]
    axis = _axis_arg(kwargs, inputs)
    keep = bool(kwargs.get("keepdims", False))
    dtype = kwargs.get("dtype")
    # NumPy's dtype: the reduction of one element of this dtype, no guessing (add upcasts small ints).
    probe = getattr(ufunc, "reduce")(np.zeros(1, x._dtype.np), dtype=dtype)
    want = P.np_dtype_to_tj(np.asarray(probe).dtype)
    if want is None:
        return _Fallback
    tj = _tj()
    dims = P.norm_axis(axis, x.ndim)
    if name in ("sum", "prod"):
        if dims is None:
            res = tj.sum(x, dtype=want) if name == "sum" else tj.prod(x, dtype=want)
            if keep:
                res = res.reshape((1,) * x.ndim)
        elif name == "sum":
            res = tj.sum(x, dims, keep, dtype=want)
        else:
            res = x.to(want)
            for d in sorted((d % x.ndim for d in dims), reverse=True):
                res = tj.prod(res, d, keep, dtype=want)
    else:
        if name in ("all", "any") and x._dtype is not tj.bool:
            x = x.to(tj.bool)
        if dims is None:
            dims = tuple(range(x.ndim))
        res = getattr(tj, name)(x, dims, keep)
    if res._dtype is not want:
        res = res.to(want)
    return _deliver(res, kwargs.get("out"), ufunc.__name__ + ".reduce")


def _accumulate(ufunc, inputs, kwargs):
    name = _ACCUMULATE.get(ufunc.__name__)
    if name is None or set(kwargs) - {"axis", "dtype", "out"} or not isinstance(inputs[0], Tensor):
        return _Fallback
    x = inputs[0]
    if x.ndim == 0:
        return _Fallback
    axis = int(_axis_arg(kwargs, inputs))
    probe = ufunc.accumulate(np.zeros(1, x._dtype.np), dtype=kwargs.get("dtype"))
    want = P.np_dtype_to_tj(probe.dtype)
    if want is None:
        return _Fallback
    tj = _tj()
    fn = getattr(tj, name)
    if name in ("cumsum", "cumprod"):
        res = fn(x, axis, dtype=want)
    else:
        res = fn(x.to(want), axis).values
    return _deliver(res, kwargs.get("out"), ufunc.__name__ + ".accumulate")


def _outer(ufunc, inputs, kwargs):
    if ufunc.nin != 2 or ufunc.__name__ not in _UFUNCS or set(kwargs) - _PLAIN_KW:
        return _Fallback
    a, b = (P.to_tensor(x) if not isinstance(x, P.SCALARS) else x for x in inputs)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        return _Fallback
    a = a.reshape(tuple(a.shape) + (1,) * b.ndim)
    return _call(ufunc, (a, b), kwargs)


def _at(ufunc, inputs, kwargs):
    # Unbuffered in-place add at (possibly repeated) indices: index_put_ with accumulate.
    if ufunc.__name__ != "add" or kwargs or len(inputs) != 3 or not isinstance(inputs[0], Tensor):
        return _Fallback
    x, idx, vals = inputs
    idx = idx if isinstance(idx, tuple) else (idx,)
    if not all(isinstance(i, (Tensor, np.ndarray, list)) for i in idx):
        return _Fallback
    tj = _tj()
    index = tuple(i if isinstance(i, Tensor) else tj.as_tensor(np.asarray(i)) for i in idx)
    if any(i._dtype.category != 1 for i in index):
        return _Fallback
    x.index_put_(index, P.cast(vals, x._dtype.np) if not isinstance(vals, P.SCALARS)
                 else tj.tensor(vals, dtype=x._dtype), accumulate=True)
    return None

"""Math pointwise ops (tensorjit/ops/math.py) against PyTorch, driven by opdb.MATH_OPS.

Compile budget (Note in opdb): each op runs on float32, float64 and int64 (bool, complex64 and
the narrow integers only where they matter) on contiguous operands; the full layout sweep
runs on three ops only, since kernels are shared across layouts (tested in test_pointwise).
"""
from __future__ import annotations

import operator

import numpy as np
import pytest

import tensorjit as tj
import tensorjit._dispatch as _dispatch

import opdb
from opdb import MATH_OPS, MATH_OPS_BY_NAME, dtype_name, tj_dtype
from test_pointwise import assert_result, check_sample, torch_np, tjt, tht

TORCH_REASON = "PyTorch is the reference implementation for tensorjit's math ops"


def need_torch():
    return pytest.importorskip("torch", reason=TORCH_REASON)


_KERNELS_AT_START = set()


@pytest.fixture(scope="module", autouse=True)
def _kernels_before_this_file():
    _KERNELS_AT_START.update(_dispatch._KERNELS)
    yield


# -- 1. values and dtypes per op ---------------------------------------------------------------------
_BASE_DTYPES = ("float32", "float64", "int64")
# Every op PyTorch has for complex runs on complex64 (a complex test row per op).
_BOOL_OPS = {"bitwise_not", "logical_not", "logical_and", "sign", "square", "exp", "sgn", "nan_to_num", "isclose"}
# Exact predicates and rounding ops: float64 adds a kernel each and nothing float32 does not test;
# likewise the ops whose scalar function is one generic code path for both (erfinv and digamma
# compute in float64 whatever the dtype).
_NO_FLOAT64 = {"isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit", "positive", "logical_not",
               "logical_and", "logical_or", "logical_xor", "floor", "ceil", "trunc", "square", "sgn", "nan_to_num",
               "nan_to_num_args", "angle", "isclose", "logit", "logit_eps", "ldexp", "erfinv", "digamma"}
# float16 computes in float32 and rounds once: the fast float32 functions (Note [fast scalars])
# and nextafter (float16's own spacing); the rounding itself is checked for more ops below.
_HALF_OPS = {"exp", "expm1", "log", "sigmoid", "tanh", "nextafter"}


def _dtype_cases():
    for op in MATH_OPS:
        dts = [d for d in _BASE_DTYPES if d in op.dtypes and not (d == "float64" and op.name in _NO_FLOAT64)]
        if "complex64" in op.dtypes:
            dts.append("complex64")
        if op.name in _BOOL_OPS:
            dts.append("bool")
        if op.name in _HALF_OPS:
            dts.append("float16")
        for d in dts:
            assert d in op.dtypes, (op, d)
            yield pytest.param(op, d, "contig", id=f"{op.name}-{d}-contig")
            if op.special and opdb.is_float(d):
                yield pytest.param(op, d, "special", id=f"{op.name}-{d}-special")


@pytest.mark.parametrize("op,dtype,layout", list(_dtype_cases()))
def test_op_dtypes(op, dtype, layout):
    need_torch()
    check_sample(op, op.sample(dtype, layout))


# -- 2. layouts: three ops only -------------------------------------------------------------------------
@pytest.mark.parametrize("op,dtype,layout", [
    pytest.param(MATH_OPS_BY_NAME[n], d, lay, id=f"{n}-{d}-{lay}")
    for n, d in (("exp", "float32"), ("atan2", "float32"), ("bitwise_and", "int64"))
    # (torch.atan2 takes no Python scalar: the "scalar" layout is bitwise_and's)
    for lay in MATH_OPS_BY_NAME[n].layouts(d) if lay not in ("contig", "special") and (n, lay) != ("atan2", "scalar")])
def test_op_layouts(op, dtype, layout):
    need_torch()
    check_sample(op, op.sample(dtype, layout))


# -- 3. refused dtypes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("op,dtype", [pytest.param(op, d, id=f"{op.name}-{d}") for op, d in opdb.MATH_UNSUPPORTED])
def test_unsupported_dtype_raises(op, dtype):
    torch = need_torch()
    sample = op.sample(dtype, "contig")
    snap = sample.snapshot()
    with pytest.raises(RuntimeError, match=rf"^{op.public_name}\b.*{dtype}|^{op.public_name}\b.*(complex|bool|Integer)"):
        op.tj_fn(*sample.tj_args(), **sample.kwargs)
    assert sample.unchanged(snap)
    with pytest.raises((RuntimeError, TypeError, NotImplementedError)):
        op.torch_ref(sample)
    del torch


def test_bitwise_on_float_names_op_and_dtype():
    t = tj.ones(3)
    for call in (lambda: tj.bitwise_and(t, t), lambda: t | 1, lambda: ~t, lambda: t << 1, lambda: t.bitwise_xor_(t)):
        with pytest.raises(RuntimeError, match=r"^bitwise_\w+.*float32"):
            call()


def test_logaddexp_complex_special_values():
    # PyTorch's complex logaddexp: NaN parts spread, equal infinite real parts are special-cased.
    torch = need_torch()
    v = np.array([complex(np.nan, 0), complex(0, np.nan), complex(-np.inf, 1), complex(np.inf, -2), 1 + 2j, -3 - 1j,
                  complex(-np.inf, 0), 0j], np.complex128)
    a, b = np.repeat(v, len(v)), np.tile(v, len(v))
    e = torch.logaddexp(tht(a), tht(b))
    assert_result(tj.logaddexp(tjt(a), tjt(b)), e.numpy(), "complex128", 1e-12, 1e-12)


# -- 4. variants: method, in-place, out=, operators -------------------------------------------------------
_TORCH_NO_OUT = {"positive", "isnan", "isinf", "isfinite", "isclose"}   # PyTorch has no out= for these


def _variant_cases():
    for op in MATH_OPS:
        for d in ("float32", "int64"):
            if d not in op.dtypes:
                continue
            for v in ("method", "inplace", "out", "operator", "ioperator", "reflected"):
                if v == "out" and op.name in _TORCH_NO_OUT:
                    continue
                if getattr(op, v) if v != "out" else True:
                    yield pytest.param(op, v, d, id=f"{op.name}-{v}-{d}")


@pytest.mark.parametrize("op,variant,dtype", list(_variant_cases()))
def test_variants(op, variant, dtype):
    torch = need_torch()
    sample = op.sample(dtype, "contig")
    args, targs, kw = sample.tj_args(), sample.torch_args(), sample.kwargs
    if variant == "reflected":
        args, targs = [3, args[1]], [3, targs[1]]

    def call(lib, a, out=None):
        if variant == "method":
            return getattr(a[0], op.method)(*a[1:], **kw)
        if variant == "inplace":
            return getattr(a[0], op.inplace)(*a[1:], **kw)
        if variant == "out":
            return (op.tj_fn if lib == "tj" else op.torch_fn)(*a, out=out, **kw)
        if variant == "operator":
            return op.operator(*a)
        if variant == "ioperator":
            x = a[0]
            x = op.ioperator(x, a[1])
            return x
        return op.operator(*a)   # reflected: a Python int on the left

    try:
        ref = op.torch_fn(*targs, **kw)
        tout = torch.empty_like(ref) if variant == "out" else None
        expected = call("torch", targs, tout)
    except RuntimeError:
        # PyTorch refuses (a float result written into an int64 self): tensorjit must refuse too.
        assert variant in ("inplace", "ioperator")
        snap = sample.snapshot()
        with pytest.raises(RuntimeError):
            call("tj", args)
        assert sample.unchanged(snap)
        return
    out = tj.empty(*ref.shape, dtype=tj_dtype(dtype_name(ref.dtype))) if variant == "out" else None
    actual = call("tj", args, out)
    if variant in ("inplace", "ioperator"):
        assert actual is args[0]
    if variant == "out":
        assert actual is out
    assert_result(actual, torch_np(expected), dtype_name(expected.dtype), *op.tol(dtype),
                  signed_zeros=op.signed_zeros)


# -- 5. domain edges and special values ------------------------------------------------------------------
_EDGES = {
    "log": [0.0, -0.0, -1.0, -np.inf, np.inf, 1.0, 1e-45, 1e-40, 2.0 ** -126, 3.4e38], "log2": [0.0, -0.0, -2.0, np.inf], "log10": [0.0, -1.0],
    "log1p": [-1.0, -2.0, -0.0, 0.0, -np.inf], "sqrt": [-1.0, -0.0, 0.0, -np.inf], "rsqrt": [0.0, -0.0, -1.0, np.inf],
    "acosh": [0.5, 1.0, -1.0, np.inf], "atanh": [1.0, -1.0, 2.0, -0.0], "asin": [1.0, -1.0, 1.5], "acos": [2.0, 1.0],
    "lgamma": [0.0, -0.0, -1.0, -2.0, -2.5, 1.0, 2.0, np.inf, -np.inf, 1e30], "reciprocal": [0.0, -0.0, np.inf],
    "erf": [np.inf, -np.inf, -0.0, 6.0], "erfc": [np.inf, -np.inf, 30.0], "expm1": [-np.inf, -0.0, 1e-10, 100.0, -1e-10, 88.7, 89.0, -20.0, 1e-8],
    "exp": [-np.inf, 1000.0, -1000.0], "exp2": [-np.inf, 200.0, 0.5], "sigmoid": [-np.inf, np.inf, -100.0, 100.0],
    "tanh": [-np.inf, 50.0, -0.0], "frac": [np.inf, -2.5, -0.0, 1e30], "round": [0.5, 1.5, 2.5, -0.5, -1.5, -0.0, 1e30],
    "sign": [-0.0, 0.0, np.nan, -np.inf, 3.0], "signbit": [-0.0, 0.0, -np.nan, np.nan, -np.inf],
    "sgn": [-0.0, 0.0, np.nan, -np.inf, 3.0], "angle": [-0.0, 0.0, -np.inf, np.inf, np.nan, -1e-30],
    "digamma": [0.0, -0.0, -1.0, -2.0, -np.inf, np.inf, np.nan, 1e-30, -2.5, 10.0, 1e20, 1.4616321],
    "erfinv": [1.0, -1.0, 1.5, -1.5, -0.0, 0.0, 0.999999, -0.75, np.nan, np.inf],
    "logit": [0.0, 1.0, -0.5, 1.5, 0.5, np.nan, np.inf], "nan_to_num": [np.nan, np.inf, -np.inf, -0.0, 1e30],
}


# (the ops with one code path for every float dtype: float32 only, see _NO_FLOAT64)
@pytest.mark.parametrize("name,dtype", [(n, d) for d in ("float32", "float64") for n in sorted(_EDGES)
                                        if d == "float32" or n not in _NO_FLOAT64])
def test_domain_edges(name, dtype):
    torch = need_torch()
    op = MATH_OPS_BY_NAME[name]
    a = np.array(_EDGES[name], dtype)
    e = getattr(torch, name)(tht(a))
    exact = name in ("round", "sign", "signbit", "frac", "reciprocal", "sqrt", "sgn", "angle", "nan_to_num")
    assert_result(getattr(tj, name)(tjt(a)), torch_np(e), dtype_name(e.dtype), *((0, 0) if exact else op.tol(dtype)))


@pytest.mark.parametrize("name", ["atan2", "hypot", "fmod", "copysign", "logaddexp", "logaddexp2", "fmax", "fmin",
                                  "xlogy"])
def test_binary_special_pairs_float64(name):
    # opdb's "special" sample on float32 runs in test_op_dtypes; here all pairs in float64 with ±0 and ±inf.
    torch = need_torch()
    v = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.5], np.float64)
    a, b = np.repeat(v, len(v)), np.tile(v, len(v))
    e = getattr(torch, name)(tht(a), tht(b))
    op = MATH_OPS_BY_NAME[name]
    assert_result(getattr(tj, name)(tjt(a), tjt(b)), torch_np(e), "float64", *op.tol("float64"),
                  signed_zeros=op.signed_zeros)


# -- 6. integer inputs and the bitwise ops ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["sqrt", "sin", "exp", "atan2", "xlogy", "copysign"])
def test_int_inputs_promote_to_default_float(name):
    torch = need_torch()
    a = np.array([-3, 0, 1, 4, 9], np.int64)
    args = (a,) if MATH_OPS_BY_NAME[name].arity == 1 else (a, a[::-1].copy())
    e = getattr(torch, name)(*map(tht, args))
    r = getattr(tj, name)(*map(tjt, args))
    assert r.dtype == tj.float32 and e.dtype == torch.float32
    assert_result(r, torch_np(e), "float32", 1e-6, 1e-6)


_INT_DTYPES = ("uint8", "int8", "int16", "int32", "int64")


@pytest.mark.parametrize("dtype", _INT_DTYPES + ("bool",))
def test_bitwise_all_int_dtypes(dtype):
    need_torch()
    rng = np.random.default_rng(3)
    a, b = opdb.make_array(rng, dtype, (40,)), opdb.make_array(rng, dtype, (40,))
    for sym in (operator.and_, operator.or_, operator.xor):
        assert_result(sym(tjt(a), tjt(b)), sym(tht(a), tht(b)).numpy(), dtype)
    assert_result(~tjt(a), (~tht(a)).numpy(), dtype)


@pytest.mark.parametrize("dtype", _INT_DTYPES)
def test_shifts_past_the_width_and_negative(dtype):
    need_torch()
    info = np.iinfo(dtype)
    a = np.array([1, -1 if info.min < 0 else 3, info.max, info.min, 5], dtype)
    shifts = [0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 100] + ([-1, -64] if info.min < 0 else [200, 255])
    sh = np.array([s for s in shifts if info.min <= s <= info.max], dtype)
    A, S = np.repeat(a, len(sh)), np.tile(sh, len(a))
    for sym in (operator.lshift, operator.rshift):
        assert_result(sym(tjt(A), tjt(S)), sym(tht(A), tht(S)).numpy(), dtype)


def test_python_scalars_with_bitwise_operators():
    need_torch()
    a = np.array([1, 6, -7], np.int64)
    for f in (lambda x: 5 & x, lambda x: x | True, lambda x: 2 << x.abs(), lambda x: x >> 1, lambda x: 0xF0 ^ x):
        e = f(tht(a))
        assert_result(f(tjt(a)), e.numpy(), dtype_name(e.dtype))
    m = np.array([True, False, True])
    for f in (lambda x: x & True, lambda x: ~x, lambda x: x ^ tj_or_torch(x).tensor([True, True, False])):
        e = f(tht(m))
        assert_result(f(tjt(m)), e.numpy(), "bool")
    t = tjt(a)
    t &= 3
    t <<= 2
    assert_result(t, ((tht(a) & 3) << 2).numpy(), "int64")


def tj_or_torch(x):
    return tj if isinstance(x, tj.Tensor) else need_torch()


# -- 7. clamp, lerp, addcmul, addcdiv, float_power, round -------------------------------------------------
_CLAMP_A = np.array([-3.0, -0.5, 0.0, 1.0, 2.5, np.nan, np.inf, -np.inf], np.float32)


@pytest.mark.parametrize("bounds", [dict(min=-1.0), dict(max=1.5), dict(min=-1.0, max=1.5), dict(min=2.0, max=1.0),
                                    dict(min=float("nan")), dict(min=-1, max=2), dict(max=float("nan"), min=0.0)])
def test_clamp_scalar_bounds(bounds):
    torch = need_torch()
    for fn in ("clamp", "clip"):
        e = getattr(torch, fn)(tht(_CLAMP_A), **bounds)
        assert_result(getattr(tj, fn)(tjt(_CLAMP_A), **bounds), e.numpy(), "float32")
    t, tt = tjt(_CLAMP_A), tht(_CLAMP_A)
    assert t.clamp_(**bounds) is t
    assert_result(t, tt.clamp_(**bounds).numpy(), "float32")


@pytest.mark.parametrize("case", ["int_float_bound", "int_int", "tensor_bounds", "min_only_fn", "max_only_fn",
                                  "out"])
def test_clamp_promotion_and_tensor_bounds(case):
    torch = need_torch()
    ia = np.array([-5, -1, 0, 3, 9], np.int64)
    lo, hi = np.array([-2.0, 0.0, 1.0, 1.0, 2.0], np.float32), np.float32(4)

    def run(m, T):
        if case == "int_float_bound":
            return m.clamp(T(ia), min=0.5)
        if case == "int_int":
            return m.clamp(T(ia), -1, 4)
        if case == "tensor_bounds":
            return m.clamp(T(_CLAMP_A[:5]), T(lo), T(np.array(hi)))
        if case == "min_only_fn":
            return m.clamp_min(T(ia), 0)
        if case == "max_only_fn":
            return T(ia).clamp_max(2)
        o = m.zeros(5, dtype=m.int64)   # (PyTorch's clamp wants out= of the result dtype exactly)
        r = m.clamp(T(ia), min=-1, max=4, out=o)
        assert r is o
        return o
    e = run(torch, tht)
    assert_result(run(tj, tjt), e.numpy(), dtype_name(e.dtype))


def test_clamp_errors():
    torch = need_torch()
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        tj.clamp(tj.ones(2))
    with pytest.raises(RuntimeError):
        torch.clamp(torch.ones(2))
    with pytest.raises(RuntimeError, match="^clamp: clamp is not supported for complex"):
        tj.clamp(tj.ones(2, dtype=tj.complex64), min=0)
    with pytest.raises(RuntimeError):   # int64 self cannot hold the float32 result
        tj.clamp_(tj.tensor([1, 2]), min=0.5)
    with pytest.raises(RuntimeError):
        torch.clamp_(torch.tensor([1, 2]), min=0.5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lerp_weights(dtype):
    torch = need_torch()
    rng = np.random.default_rng(4)
    a, b = opdb.make_array(rng, dtype, (2, 5)), opdb.make_array(rng, dtype, (2, 5))
    a[0, :3] = [np.inf, np.nan, 0.0]
    w = np.array([0.0, 0.25, 0.5, 0.75, 1.0], dtype)
    for weight in (0.0, 0.3, 0.5, 1.0, 2.0, -1.0):
        e = torch.lerp(tht(a), tht(b), weight)
        assert_result(tj.lerp(tjt(a), tjt(b), weight), e.numpy(), dtype, 1e-6, 1e-6)
    e = torch.lerp(tht(a), tht(b), tht(w))
    assert_result(tj.lerp(tjt(a), tjt(b), tjt(w)), e.numpy(), dtype, 1e-6, 1e-6)
    t = tjt(a)
    assert t.lerp_(tjt(b), 0.75) is t
    assert_result(t, tht(a).lerp_(tht(b), 0.75).numpy(), dtype, 1e-6, 1e-6)
    # exact at both ends
    assert_result(tj.lerp(tjt(a[1]), tjt(b[1]), 1.0), b[1], dtype)
    assert_result(tj.lerp(tjt(a[1]), tjt(b[1]), 0.0), a[1], dtype)


def test_lerp_errors():
    torch = need_torch()
    with pytest.raises(RuntimeError, match="expected dtype float32 for `end`"):
        tj.lerp(tj.ones(2), tj.ones(2, dtype=tj.float64), 0.5)
    with pytest.raises(RuntimeError):
        torch.lerp(torch.ones(2), torch.ones(2, dtype=torch.float64), 0.5)
    with pytest.raises(RuntimeError, match="^lerp: not implemented for dtype int64"):
        tj.lerp(tj.tensor([1, 2]), tj.tensor([3, 4]), 0.5)


@pytest.mark.parametrize("value", [1, 0.5, -2])
def test_addcmul_addcdiv_values(value):
    torch = need_torch()
    rng = np.random.default_rng(5)
    a, b, c = (opdb.make_array(rng, "float32", s) for s in ((3, 4), (3, 1), (4,)))
    for fn in ("addcmul", "addcdiv"):
        e = getattr(torch, fn)(tht(a), tht(b), tht(c), value=value)
        assert_result(getattr(tj, fn)(tjt(a), tjt(b), tjt(c), value=value), e.numpy(), "float32", 1e-6, 1e-6)
        t = tjt(a)
        assert getattr(t, fn + "_")(tjt(b), tjt(c), value=value) is t
        assert_result(t, getattr(tht(a), fn + "_")(tht(b), tht(c), value=value).numpy(), "float32", 1e-6, 1e-6)


def test_addcmul_addcdiv_int_and_mixed():
    torch = need_torch()
    i = np.array([1, 2, 3], np.int64)
    f = np.array([0.5, 1.5, 2.0], np.float32)
    e = torch.addcmul(tht(i), tht(f), tht(i), value=2)
    assert_result(tj.addcmul(tjt(i), tjt(f), tjt(i), value=2), e.numpy(), "float32")
    with pytest.raises(RuntimeError, match="^addcdiv: Integer division"):
        tj.addcdiv(tjt(i), tjt(i), tjt(i))
    with pytest.raises(RuntimeError, match="Integer division"):
        torch.addcdiv(tht(i), tht(i), tht(i))


def test_float_power_dtypes_and_inplace():
    torch = need_torch()
    i = np.array([1, 2, 3], np.int64)
    f = np.array([0.5, -1.5, 2.0], np.float32)
    for args in ((i, 2), (f, 0.5), (2, f), (f, i)):
        targs = [tht(x) if isinstance(x, np.ndarray) else x for x in args]
        jargs = [tjt(x) if isinstance(x, np.ndarray) else x for x in args]
        e = torch.float_power(*targs)
        assert_result(tj.float_power(*jargs), e.numpy(), "float64", 1e-15, 0)
    e = torch.float_power(tht(f), 2j)
    assert_result(tj.float_power(tjt(f), 2j), e.numpy(), "complex128", 1e-12, 1e-12)
    with pytest.raises(RuntimeError, match="float_power_.*float32.*float64"):
        tjt(f).float_power_(2)
    d = np.array([1.0, 2.0], np.float64)
    t = tjt(d)
    assert t.float_power_(3) is t
    assert_result(t, np.array([1.0, 8.0]), "float64")


@pytest.mark.parametrize("decimals", [1, 2, -1, -2])
def test_round_decimals(decimals):
    torch = need_torch()
    a = np.array([1.2345, -2.675, 15.5, 149.0, -0.05, 0.0, np.inf, np.nan], np.float32)
    e = torch.round(tht(a), decimals=decimals)
    assert_result(tj.round(tjt(a), decimals=decimals), e.numpy(), "float32")


def test_round_ints_and_square_bool():
    torch = need_torch()
    i = np.array([-3, 0, 7], np.int64)
    assert_result(tj.round(tjt(i)), torch.round(tht(i)).numpy(), "int64")
    m = np.array([True, False])
    e = torch.square(tht(m))
    assert_result(tj.square(tjt(m)), e.numpy(), dtype_name(e.dtype))


def test_unary_rejects_non_tensors():
    with pytest.raises(TypeError, match="exp"):
        tj.exp(1.0)
    with pytest.raises(TypeError, match="clamp"):
        tj.clamp([1, 2], min=0)


# -- 8. the rest of the pointwise library: arguments and mixed dtypes -----------------------------------
@pytest.mark.parametrize("in_dtype,exp_dtype", [("float32", "int64"), ("float64", "int32"), ("int64", "int8")])
def test_ldexp_integer_exponents_are_exact(in_dtype, exp_dtype):
    # An integer exponent scales without rounding 2 ** other on its own (0.5 * 2**128 is finite).
    torch = need_torch()
    big = {"float16": 16, "float32": 128, "float64": 1024}.get(in_dtype, 100)
    a = np.array([0.5, 3.0, -1.5, 0.0, np.inf, np.nan, 1.0, 7.0] if in_dtype[0] == "f" else [1, 3, -2, 0, 5, 1, 2, 7],
                 in_dtype)
    e_ = [big, -20, 3, 5, 1, 2, -big, 0] if exp_dtype != "bool" else [True, False] * 4
    if exp_dtype == "int8":
        e_ = [min(max(v, -128), 127) for v in e_]
    b = np.array(e_, exp_dtype)
    e = torch.ldexp(tht(a), tht(b))
    r = tj.ldexp(tjt(a), tjt(b))
    assert_result(r, e.numpy(), dtype_name(e.dtype))
    t = tjt(a)
    if r.dtype == t.dtype:
        assert t.ldexp_(tjt(b)) is t
        assert_result(t, e.numpy(), dtype_name(e.dtype))


def test_ldexp_bool_exponent_of_float_input_is_refused():
    torch = need_torch()
    with pytest.raises((RuntimeError, NotImplementedError)):
        torch.ldexp(torch.ones(2), torch.tensor([True, False]))
    t = tj.ones(2)
    with pytest.raises(RuntimeError, match="^ldexp: .*bool"):
        tj.ldexp(t, tj.tensor([True, False]))


def test_ldexp_denormal_results_round_once():
    torch = need_torch()
    a, b = np.array([3.0, 5.0, 1.0, -3.0], np.float32), np.array([-150, -149, -149, -150])
    assert_result(tj.ldexp(tjt(a), tjt(b)), torch.ldexp(tht(a), tht(b)).numpy(), "float32")


@pytest.mark.parametrize("kw", [dict(), dict(nan=2.0), dict(posinf=1e3, neginf=-1e3), dict(nan=-1, posinf=7),
                                dict(posinf=1e10)])
@pytest.mark.parametrize("dtype", ["float32", "float16", "complex64"])
def test_nan_to_num_arguments(kw, dtype):
    torch = need_torch()
    v = np.array([np.nan, np.inf, -np.inf, 0.0, -2.5, 1e30], np.float64)
    if dtype == "complex64":
        a = np.empty(len(v), dtype)
        a.real, a.imag = v, v[::-1]
    else:
        with np.errstate(over="ignore"):
            a = v.astype(dtype)
    e = torch.nan_to_num(tht(a), **kw)
    assert_result(tj.nan_to_num(tjt(a), **kw), e.numpy(), dtype)
    t = tjt(a)
    assert t.nan_to_num_(**kw) is t
    assert_result(t, e.numpy(), dtype)


@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool"])
def test_nan_to_num_integers_are_copied(dtype):
    torch = need_torch()
    a = opdb.make_array(np.random.default_rng(1), dtype, (5,))
    e = torch.nan_to_num(tht(a), nan=3.0, posinf=1.0)
    r = tj.nan_to_num(tjt(a), nan=3.0, posinf=1.0)
    assert_result(r, e.numpy(), dtype)
    t = tjt(a)
    assert not np.shares_memory(tj.nan_to_num(t).numpy(), t.numpy())
    assert t.nan_to_num_() is t
    out = tj.empty(5, dtype=tj_dtype(dtype))
    assert tj.nan_to_num(t, out=out) is out
    assert_result(out, a, dtype)


@pytest.mark.parametrize("eps", [None, 0.0, 0.1, 0.6, -1.0, 1e-6])
def test_logit_eps(eps):
    torch = need_torch()
    a = np.array([0.0, 1.0, 0.25, -0.5, 2.0, np.nan, 0.5, 1e-7, np.inf], np.float32)
    e = torch.logit(tht(a), eps=eps)
    assert_result(tj.logit(tjt(a), eps=eps), e.numpy(), "float32", 1e-6, 1e-6)
    assert_result(tjt(a).logit(eps), e.numpy(), "float32", 1e-6, 1e-6)


def test_nextafter_float16_steps_by_float16_spacing():
    torch = need_torch()
    a = np.array([1.0, 0.0, -0.0, 65504.0, np.inf, np.nan, 6e-8, -1.0, 1e-3, -6e-8, 2.0, -np.inf, 1.0], np.float16)
    b = np.array([2.0, 1.0, -1.0, np.inf, 0.0, 1.0, 0.0, -2.0, 0.0, 1.0, 2.0, 0.0, np.nan], np.float16)
    e = torch.nextafter(tht(a), tht(b))
    assert_result(tj.nextafter(tjt(a), tjt(b)), e.numpy(), "float16")


@pytest.mark.parametrize("name", ["reciprocal", "rsqrt", "sigmoid", "sgn", "tanh"])
def test_complex_edges(name):
    # Complex division by zero gives inf/nan parts (no error), and special values follow PyTorch.
    torch = need_torch()
    z = np.array([0j, -0.0 + 0j, complex(np.inf, 0), complex(np.nan, 1), complex(0, np.inf), 3 - 4j, 1e-30 + 0j,
                  complex(np.inf, np.inf), complex(-np.inf, 2), complex(30, 1)], np.complex64)
    e = getattr(torch, name)(tht(z))
    assert_result(getattr(tj, name)(tjt(z)), e.numpy(), "complex64", 1e-6, 1e-6)


def test_true_divide_complex_by_zero():
    torch = need_torch()
    a = np.array([1 + 1j, 0j, complex(np.inf, 0), 2 - 1j], np.complex64)
    b = np.array([0j, 0j, 0j, 1e-30 + 0j], np.complex64)
    e = torch.true_divide(tht(a), tht(b))
    assert_result(tj.true_divide(tjt(a), tjt(b)), e.numpy(), "complex64")


# -- 9. float16 computes in float32 and rounds once ---------------------------------------------------------
@pytest.mark.parametrize("name", ["exp", "sigmoid", "tanh", "log", "expm1", "digamma"])
def test_float16_is_float32_rounded(name):
    rng = np.random.default_rng(6)
    a = np.concatenate([rng.uniform(-1, 1, 300) if name in ("erfinv", "logit") else rng.standard_normal(300) * 4,
                        opdb.SPECIAL_FLOATS]).astype(np.float16)
    r16 = getattr(tj, name)(tjt(a))
    r32 = getattr(tj, name)(tjt(a.astype(np.float32)))
    with np.errstate(over="ignore"):
        assert_result(r16, r32.numpy().astype(np.float16), "float16")


# -- 10. fast float32 transcendentals: accuracy in ulps ----------------------------------------------------
# Note [vecmath accuracy] in kernels/cpu/vecmath.py: the stated bounds, in float32 ulps of the exact
# (float64) result, over every 509th float32 bit pattern (all exponents, denormals, both signs)
# plus the special values; results that are inf, 0, or NaN must be exactly the correctly rounded ones.
_ULP_BOUNDS = {"exp": (1.0, np.exp), "expm1": (2.0, np.expm1), "log": (1.0, np.log), "tanh": (2.0, np.tanh),
               "sigmoid": (2.5, lambda x: 1 / (1 + np.exp(-x)))}


def _sweep():
    bits = np.arange(0, 2 ** 32, 509, dtype=np.uint64).astype(np.uint32)
    extra = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-45, -1e-45, 88.72283, 88.72284, -87.33655, -103.97,
                      -103.98, 1e-8, -1e-8, 0.625, -0.625, 2.0 ** -126, 3.4028235e38], np.float32)
    return np.concatenate([bits.view(np.float32), extra])


@pytest.mark.parametrize("name", sorted(_ULP_BOUNDS))
def test_fast_float32_ulp_error(name):
    bound, ref_fn = _ULP_BOUNDS[name]
    x = _sweep()
    fn = getattr(tj, name)
    # chunks below the parallel threshold: the serial kernel is the same code
    step = _dispatch.PARALLEL_THRESHOLD - 1
    got = np.concatenate([fn(tjt(x[i:i + step])).numpy() for i in range(0, len(x), step)])
    with np.errstate(all="ignore"):
        ref = ref_fn(x.astype(np.float64))
        ref32 = ref.astype(np.float32)
    nan = np.isnan(ref32)
    np.testing.assert_array_equal(np.isnan(got), nan)
    special = ~nan & (np.isinf(ref32) | (ref32 == 0))
    np.testing.assert_array_equal(got[special], ref32[special])
    finite = ~nan & ~special
    err = np.abs(got[finite].astype(np.float64) - ref[finite]) / np.spacing(np.abs(ref32[finite])).astype(np.float64)
    worst = int(np.argmax(err))
    assert err[worst] <= bound, (x[finite][worst], got[finite][worst], ref[finite][worst], err[worst])


# -- 11. exports ----------------------------------------------------------------------------------------------
def test_math_exports_are_module_attributes_and_methods():
    from tensorjit.ops import math as m
    assert len(set(m.__all__)) == len(m.__all__)
    for name in m.__all__:
        assert getattr(tj, name) is getattr(m, name), name
        if name in m.METHODS:
            assert getattr(tj.Tensor, name) is m.METHODS[name], name
    for name in ("sgn", "sgn_", "logit", "logit_", "erfinv", "erfinv_", "digamma", "digamma_", "nan_to_num",
                 "nan_to_num_", "angle", "nextafter", "nextafter_", "ldexp", "ldexp_", "isclose", "allclose", "equal"):
        assert name in m.METHODS and name in m.__all__, name


# -- 12. the compile budget ------------------------------------------------------------------------------
def test_zz_kernel_budget():
    new = set(_dispatch._KERNELS) - _KERNELS_AT_START
    print(f"\n[tensorjit] test_math compiled {len(new)} kernels")
    assert len(new) <= 310   # 298 measured

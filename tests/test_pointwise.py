"""Pointwise ops against PyTorch (the oracle), driven by tests/opdb.py.

PyTorch has no arithmetic for uint16/32/64: there the NumPy references in opdb are the
oracle for values, the op's promotion kind for the dtype, and PyTorch run on float64 copies
of the same layout for the result strides (the layout rule does not depend on the dtype).
In-place ops whose output overlaps an input follow NumPy (as if computed into a fresh
tensor first), where PyTorch refuses partial overlap: NumPy is the oracle there.

Compile budget (Note in opdb): every dtype runs on opdb.DTYPE_LAYOUTS, the full layout
sweep runs on opdb.LAYOUT_DTYPES, float16 and complex64 on add and mul only.
"""
from __future__ import annotations

import contextlib
import operator
import re
import warnings

import numpy as np
import pytest

import tensorjit as tj
import tensorjit._dispatch as _dispatch

import opdb
from opdb import OPS, UINTS_WIDE, dtype_name, tj_dtype

TORCH_REASON = "PyTorch is the reference implementation for tensorjit's pointwise ops"


def need_torch():
    return pytest.importorskip("torch", reason=TORCH_REASON)


try:
    import torch as _torch
except ImportError:  # pragma: no cover
    _torch = None


# -- helpers ------------------------------------------------------------------------------------
class TensorjitMismatch(Exception):
    """Raised (only) by the tensorjit side of a known-mismatch test, so that its xfail cannot be
    satisfied by a failure on the PyTorch side (a wrong assumption about the oracle)."""


@contextlib.contextmanager
def tensorjit_side():
    try:
        yield
    except (Exception, pytest.fail.Exception) as e:
        raise TensorjitMismatch(f"{type(e).__name__}: {e}") from e


def known_mismatch(reason):
    return pytest.mark.xfail(reason=reason, raises=TensorjitMismatch, strict=True)


def is_dense(shape, strides):
    """Whether (shape, strides) covers a gap-free block with positive strides in some dim order."""
    dims = sorted((s, n) for s, n in zip(strides, shape) if n != 1)
    if any(n == 0 for n in shape):
        return True
    acc = 1
    for s, n in dims:
        if s != acc:
            return False
        acc *= n
    return True


def _zero_sign_mismatch(a, e):
    both_zero = (a == 0) & (e == 0)
    return np.any(np.signbit(a[both_zero]) != np.signbit(e[both_zero]))


def assert_result(actual, expected, exp_dtype, rtol=0.0, atol=0.0, signed_zeros=True):
    """``actual`` (tensorjit) against ``expected`` (NumPy array): dtype, shape and values.

    rtol == atol == 0 is exact: NaNs must match NaNs and (unless ``signed_zeros`` is false)
    zeros must have the same sign.
    """
    assert isinstance(actual, tj.Tensor), type(actual)
    assert actual.dtype == tj_dtype(exp_dtype), (actual.dtype, exp_dtype)
    expected = np.asarray(expected)
    assert tuple(actual.shape) == expected.shape
    a = actual.numpy()
    assert a.dtype == expected.dtype, (a.dtype, expected.dtype)
    if rtol == 0 and atol == 0:
        np.testing.assert_array_equal(a, expected, strict=True)
        if a.dtype.kind in "fc" and signed_zeros:
            for part in (np.real, np.imag):
                assert not _zero_sign_mismatch(part(a), part(expected)), (a, expected)
    else:
        wide = np.complex128 if a.dtype.kind == "c" else np.float64
        np.testing.assert_allclose(a.astype(wide), expected.astype(wide), rtol=rtol, atol=atol, equal_nan=True)


def torch_np(t):
    return t.detach().numpy() if t.dim() else np.asarray(t.item(), dtype=dtype_name(t.dtype))


def reference(op, sample):
    """(expected values, expected dtype name, expected strides or None) for ``sample``."""
    if sample.dtype in op.torch_dtypes:
        need_torch()
        r = op.torch_ref(sample)
        strides = tuple(r.stride()) if sample.torch_layout_ok() else None
        return torch_np(r), dtype_name(r.dtype), strides
    expected = op.numpy_ref(sample)
    strides = None
    if _torch is not None and sample.torch_layout_ok():
        # The layout oracle: PyTorch's op over float64 copies with the same strides.
        args = [o.torch(dtype=None if i == 0 and op.name == "where" else np.float64)
                for i, o in enumerate(sample.operands)]
        kwargs = {k: v for k, v in sample.kwargs.items() if k != "alpha"}
        strides = tuple(op.torch_fn(*args, **kwargs).stride())
    return expected, op.result_dtype(sample.dtype), strides


def check_operands(sample, args):
    """The tensorjit operands view the same memory layout NumPy does (the sample is what it says)."""
    for o, a in zip(sample.operands, args):
        if not o.is_scalar:
            strides, off = o.elem_layout()
            assert a.stride() == strides and tuple(a.shape) == o.numpy().shape
            if o.numpy().size:
                assert a.storage_offset() == off


def check_sample(op, sample):
    args = sample.tj_args()
    check_operands(sample, args)
    snap = sample.snapshot()
    actual = op.tj_fn(*args, **sample.kwargs)
    expected, exp_dtype, exp_strides = reference(op, sample)
    assert_result(actual, expected, exp_dtype, *op.tol(sample.dtype), signed_zeros=op.signed_zeros)
    if exp_strides is not None:
        assert actual.stride() == exp_strides
    assert is_dense(actual.shape, actual.stride()), actual.stride()
    assert sample.unchanged(snap), "an input was modified"
    for o in sample.operands:
        if not o.is_scalar and actual.numel():
            assert not np.shares_memory(actual.numpy(), o.base)
    return actual


def tjt(a):
    """A tensorjit tensor over a copy of NumPy array ``a``."""
    return tj.from_numpy(np.array(a, copy=True))


def tht(a):
    return need_torch().from_numpy(np.array(a, copy=True))


# -- kernel budget bookkeeping ------------------------------------------------------------------
_KERNELS_AT_START = set()


@pytest.fixture(scope="module", autouse=True)
def _kernels_before_this_file():
    """Kernels compiled before this file's first test (by other files) are not this file's."""
    _KERNELS_AT_START.update(_dispatch._KERNELS)
    yield


# -- 1. every op over every supported dtype, on a couple of layouts --------------------------------
def _dtype_cases():
    for op in OPS:
        for d in op.dtypes:
            layouts = list(opdb.DTYPE_LAYOUTS)
            if op.name in opdb.BCAST_ALL_DTYPES:
                layouts.append("bcast")
            if op.special and opdb.is_float(d):
                layouts.append("special")
            for lay in layouts:
                yield pytest.param(op, d, lay, id=f"{op.name}-{d}-{lay}")


@pytest.mark.parametrize("op,dtype,layout", list(_dtype_cases()))
def test_op_dtypes(op, dtype, layout):
    check_sample(op, op.sample(dtype, layout))


# -- 2. the full layout sweep on a few dtypes ------------------------------------------------------
def _layout_cases():
    for op in OPS:
        dts = [d for d in opdb.LAYOUT_DTYPES if d in op.dtypes]
        if op.name in ("add", "mul"):
            dts += ["float16", "complex64"]
        for d in dts:
            for lay in op.layouts(d):
                if lay in opdb.DTYPE_LAYOUTS or lay == "special" or lay == "bcast" and op.name in opdb.BCAST_ALL_DTYPES:
                    continue
                yield pytest.param(op, d, lay, id=f"{op.name}-{d}-{lay}")


@pytest.mark.parametrize("op,dtype,layout", list(_layout_cases()))
def test_op_layouts(op, dtype, layout):
    check_sample(op, op.sample(dtype, layout))


# -- 3. the NumPy references agree with PyTorch where both exist (the fallback oracle is sound) -----
_NP_CHECK_DTYPES = ("bool", "uint8", "int8", "int64", "float64")


@pytest.mark.parametrize("op,dtype", [pytest.param(op, d, id=f"{op.name}-{d}") for op in OPS
                                      for d in _NP_CHECK_DTYPES if d in op.torch_dtypes])
def test_numpy_reference_matches_torch(op, dtype):
    need_torch()
    for layout in ("contig", "zero_d_tensor" if op.arity > 1 else "zero_d"):
        sample = op.sample(dtype, layout)
        r = op.torch_ref(sample)
        np.testing.assert_allclose(op.numpy_ref(sample), torch_np(r), rtol=1e-12, equal_nan=True, strict=True)
        assert op.result_dtype(dtype) == dtype_name(r.dtype)


# -- 4. dtypes an op refuses ------------------------------------------------------------------------
@pytest.mark.parametrize("op,dtype", [pytest.param(op, d, id=f"{op.name}-{d}") for op, d in opdb.UNSUPPORTED])
def test_unsupported_dtype_raises(op, dtype):
    sample = op.sample(dtype, "contig")
    snap = sample.snapshot()
    with pytest.raises(RuntimeError, match=rf"^{op.public_name}\b"):
        op.tj_fn(*sample.tj_args(), **sample.kwargs)
    assert sample.unchanged(snap)
    if dtype not in UINTS_WIDE:  # the refusal is PyTorch's too (not just a missing kernel)
        need_torch()
        with pytest.raises((RuntimeError, TypeError)):
            op.torch_ref(sample)


# -- 5. method, operator, reflected, in-place and out= variants ------------------------------------
_VARIANT_LAYOUTS = ("contig", "transposed_first", "offset", "scalar")


_CMP_INPLACE = {("float32", "eq"), ("float32", "lt"), ("int64", "ne")}


def _variant_cases():
    for op in OPS:
        for d in opdb.LAYOUT_DTYPES:
            if d not in op.dtypes:
                continue
            for v in ("method", "operator", "reflected", "inplace", "ioperator", "out"):
                if v in ("inplace", "ioperator") and op.result == "bool" and (d, op.name) not in _CMP_INPLACE:
                    continue  # a bool result written into self: one more kernel each
                if v == "method" and not op.method or v == "operator" and not op.operator or \
                        v == "reflected" and not op.reflected or v == "inplace" and not op.inplace or \
                        v == "ioperator" and not op.ioperator:
                    continue
                for lay in _VARIANT_LAYOUTS:
                    if v == "reflected" and lay != "scalar" or lay == "scalar" and op.arity != 2:
                        continue
                    yield pytest.param(op, v, d, lay, id=f"{op.name}-{v}-{d}-{lay}")


def _call_variant(variant, op, args, kwargs, lib, out=None):
    if lib != "tj" and op.torch_no_scalars and len(args) == 2:
        args = list(opdb.torch_scalars_as_tensors(*args))
    if variant == "reflected" and lib != "tj" and op.name == "true_divide":
        # PyTorch's ``scalar / tensor`` is ``tensor.reciprocal() * scalar`` (two roundings);
        # its true_divide(scalar, tensor) is the correctly rounded quotient tensorjit gives.
        return op.torch_fn(args[1], args[0])
    if variant == "method":
        return getattr(args[0], op.method)(*args[1:], **kwargs)
    if variant == "operator":
        return op.operator(*args)
    if variant == "reflected":
        return op.operator(args[1], args[0])
    if variant == "inplace":
        return getattr(args[0], op.inplace)(*args[1:], **kwargs)
    if variant == "ioperator":
        a = args[0]
        a = op.ioperator(a, args[1])
        return a
    if variant == "out":
        fn = op.tj_fn if lib == "tj" else op.torch_fn
        return fn(*args, out=out, **kwargs)
    raise AssertionError(variant)


@pytest.mark.parametrize("op,variant,dtype,layout", list(_variant_cases()))
def test_variants(op, variant, dtype, layout):
    torch = need_torch()
    sample = op.sample(dtype, layout)
    targs = []
    tbase = None
    for i, o in enumerate(sample.operands):
        t, b = o.torch(with_base=True)
        targs.append(t)
        if i == 0:
            tbase = b
    args = sample.tj_args()
    kwargs = sample.kwargs
    snap = sample.snapshot()
    inplace = variant in ("inplace", "ioperator")
    tout = out = None
    if variant == "out":
        ref = op.torch_fn(*targs, **kwargs)
        tout = torch.empty_like(ref)   # keeps ref's strides: out= must keep them too
        out = tj.empty_strided(tuple(ref.shape), tuple(ref.stride()), dtype=tj_dtype(dtype_name(ref.dtype)))
    try:
        expected = _call_variant(variant, op, targs, kwargs, "torch", tout)
    except RuntimeError as e:
        # PyTorch refuses (e.g. int64.true_divide_(...)): tensorjit must refuse and leave self alone.
        assert inplace, e
        with pytest.raises(RuntimeError):
            _call_variant(variant, op, args, kwargs, "tj")
        assert sample.unchanged(snap)
        return
    actual = _call_variant(variant, op, args, kwargs, "tj", out)
    if inplace:
        assert actual is args[0]
        # The whole base, including elements outside the view, matches PyTorch's.
        rtol, atol = op.tol(dtype)
        np.testing.assert_allclose(sample.operands[0].base, tbase.numpy(), rtol=rtol, atol=atol, strict=True)
        assert sample.unchanged([None] + snap[1:])
    else:
        assert sample.unchanged(snap)
    if variant == "out":
        assert actual is out
    assert_result(actual, torch_np(expected), dtype_name(expected.dtype), *op.tol(dtype),
                  signed_zeros=op.signed_zeros)
    assert actual.stride() == tuple(expected.stride())


# -- 6. out= --------------------------------------------------------------------------------------
def _pair(dtype="float32", shape=(3, 4), seed=0, domain="any"):
    rng = np.random.default_rng(seed)
    return opdb.make_array(rng, dtype, shape, domain), opdb.make_array(rng, dtype, shape, "divisor")


@pytest.mark.parametrize("fn,in_dtype,out_dtype", [
    ("add", "float32", "float64"), ("mul", "int64", "float32"), ("eq", "float32", "int64"),
    ("eq", "float32", "float32"), ("sub", "int64", "int64"),
])
def test_out_castable_dtype(fn, in_dtype, out_dtype):
    torch = need_torch()
    a, b = _pair(in_dtype)
    out = tj.empty(3, 4, dtype=tj_dtype(out_dtype))
    tout = torch.empty(3, 4, dtype=getattr(torch, out_dtype))
    r = getattr(tj, fn)(tjt(a), tjt(b), out=out)
    getattr(torch, fn)(tht(a), tht(b), out=tout)
    assert r is out
    assert_result(out, tout.numpy(), out_dtype, *((1e-7, 0) if out_dtype in ("float32", "float64") else (0, 0)))


def test_out_non_contiguous_keeps_its_strides():
    torch = need_torch()
    a, b = _pair()
    base = np.zeros((4, 3), np.float32)
    out = tj.from_numpy(base).t()
    tbase = torch.zeros(4, 3)
    torch.add(tht(a), tht(b), out=tbase.t())
    r = tj.add(tjt(a), tjt(b), out=out)
    assert r is out and out.stride() == (1, 3)
    np.testing.assert_array_equal(base, tbase.numpy(), strict=True)


@pytest.mark.parametrize("shape", [(2, 2), (12,), (3, 4, 1)])
def test_out_wrong_shape_is_resized_with_a_warning(shape):
    torch = need_torch()
    a, b = _pair()
    out = tj.zeros(*shape)
    tout = torch.zeros(*shape)
    with pytest.warns(UserWarning, match="resized"):
        tj.add(tjt(a), tjt(b), out=out)
    with pytest.warns(UserWarning):
        torch.add(tht(a), tht(b), out=tout)
    assert_result(out, tout.numpy(), "float32")
    assert out.stride() == tout.stride()


@pytest.mark.parametrize("transposed", [False, True])
def test_out_empty_is_resized_silently(transposed):
    torch = need_torch()
    a, b = _pair()
    ta, tb, ja, jb = tht(a), tht(b), tjt(a), tjt(b)
    if transposed:
        ta, tb, ja, jb = ta.t(), tb.t(), ja.t(), jb.t()
    out, tout = tj.empty(0), torch.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.mul(ta, tb, out=tout)
        with tensorjit_side():
            tj.mul(ja, jb, out=out)
            assert_result(out, tout.numpy(), "float32")
            assert out.stride() == tout.stride()


def _expect_failure_leaves_state(call, tcall, out, inputs, exc=RuntimeError):
    snap_out = (tuple(out.shape), out.stride(), out.numpy().copy())
    snap_in = [x.copy() for x in inputs]
    with pytest.raises(exc):
        call()
    assert (tuple(out.shape), out.stride()) == snap_out[:2]
    np.testing.assert_array_equal(out.numpy(), snap_out[2], strict=True)
    for x, s in zip(inputs, snap_in):
        np.testing.assert_array_equal(x, s, strict=True)
    if tcall is not None:
        need_torch()
        with pytest.raises((RuntimeError, TypeError)):
            tcall()


def test_out_float_result_into_int_raises_and_changes_nothing():
    torch = need_torch()
    a, b = _pair()
    na, nb = a.copy(), b.copy()
    out = tj.from_numpy(np.arange(12, dtype=np.int64).reshape(3, 4))
    _expect_failure_leaves_state(lambda: tj.add(tj.from_numpy(na), tj.from_numpy(nb), out=out),
                                 lambda: torch.add(tht(a), tht(b), out=torch.zeros(3, 4, dtype=torch.int64)),
                                 out, [na, nb])
    # int inputs, float result of true division
    ia = np.arange(1, 13, dtype=np.int64).reshape(3, 4)
    _expect_failure_leaves_state(lambda: tj.true_divide(tj.from_numpy(ia), 2, out=out),
                                 lambda: torch.true_divide(tht(ia), 2, out=torch.zeros(3, 4, dtype=torch.int64)),
                                 out, [ia])
    # a bool out takes no integer result
    bout = tj.from_numpy(np.zeros((3, 4), bool))
    _expect_failure_leaves_state(lambda: tj.add(tj.from_numpy(ia), 1, out=bout),
                                 lambda: torch.add(tht(ia), 1, out=torch.zeros(3, 4, dtype=torch.bool)),
                                 bout, [ia])


def test_out_failed_op_changes_nothing():
    torch = need_torch()
    ia = np.arange(12, dtype=np.int64).reshape(3, 4)     # holds a zero
    ib = np.arange(20, dtype=np.int64).reshape(5, 4)
    out = tj.from_numpy(np.full((2, 2), 7, np.int64))     # would be resized by a successful op
    _expect_failure_leaves_state(lambda: tj.add(tj.from_numpy(ia), tj.from_numpy(ib), out=out),
                                 lambda: torch.add(tht(ia), tht(ib), out=torch.zeros(2, 2, dtype=torch.int64)),
                                 out, [ia, ib])
    _expect_failure_leaves_state(lambda: tj.remainder(7, tj.from_numpy(ia), out=out), None, out, [ia],
                                 exc=ZeroDivisionError)
    _expect_failure_leaves_state(lambda: tj.floor_divide(tj.from_numpy(ib), tj.from_numpy(ia[0]), out=out),
                                 None, out, [ia, ib], exc=ZeroDivisionError)
    bb = np.ones((2, 2), bool)
    bout = tj.from_numpy(np.zeros((2, 2), bool))
    _expect_failure_leaves_state(lambda: tj.sub(tj.from_numpy(bb), tj.from_numpy(bb), out=bout),
                                 lambda: torch.sub(tht(bb), tht(bb), out=torch.zeros(2, 2, dtype=torch.bool)),
                                 bout, [bb])


# -- 7. in-place: refused casts and shapes, mixed dtypes ----------------------------------------------
@pytest.mark.parametrize("dtype,method,other", [
    ("int64", "add_", 1.5), ("int64", "mul_", 2.5), ("int64", "sub_", 0.5), ("int64", "true_divide_", 2),
    ("int64", "div_", 2), ("bool", "add_", 1), ("bool", "mul_", 2), ("int32", "pow_", 0.5),
    ("float32", "add_", 1j), ("int64", "add_", "float_tensor"), ("uint8", "floor_divide_", 1.5),
])
def test_inplace_refuses_casts_torch_refuses(dtype, method, other):
    torch = need_torch()
    a = opdb.make_array(np.random.default_rng(1), dtype, (3, 4), "small")
    if other == "float_tensor":
        other_tj, other_th = tj.ones(3, 4), torch.ones(3, 4)
    else:
        other_tj = other_th = other
    snap = a.copy()
    with pytest.raises(RuntimeError):
        getattr(tj.from_numpy(a), method)(other_tj)
    np.testing.assert_array_equal(a, snap, strict=True)
    with pytest.raises(RuntimeError):
        getattr(tht(a), method)(other_th)


def test_inplace_shape_mismatch_raises():
    need_torch()
    a = np.ones((3, 1), np.float32)
    b = np.arange(12, dtype=np.float32).reshape(3, 4)
    for self_, other in [(a, b), (b[0], b)]:
        snap = self_.copy()
        with pytest.raises(RuntimeError, match=r"shape"):
            tj.from_numpy(self_).add_(tj.from_numpy(other))
        np.testing.assert_array_equal(self_, snap, strict=True)
        with pytest.raises(RuntimeError):
            tht(self_).add_(tht(other))
    t = tj.from_numpy(a.copy())
    with pytest.raises(RuntimeError):
        t += tj.from_numpy(b)


@pytest.mark.parametrize("self_dtype,method,other_dtype,other_shape", [
    ("float32", "add_", "int64", (3, 4)), ("int64", "mul_", "bool", (1, 4)),
    ("float16", "mul_", "float32", ()), ("float64", "sub_", "float32", (3, 1)),
])
def test_inplace_mixed_dtypes(self_dtype, method, other_dtype, other_shape):
    need_torch()
    rng = np.random.default_rng(2)
    a = opdb.make_array(rng, self_dtype, (3, 4), "small")
    b = opdb.make_array(rng, other_dtype, other_shape, "small")
    ta = tht(a)
    getattr(ta, method)(tht(b))
    t = tj.from_numpy(a)
    assert getattr(t, method)(tj.from_numpy(b)) is t
    assert_result(t, ta.numpy(), self_dtype)


# -- 8. overlapping input and output: NumPy semantics (as if computed into a fresh tensor) -------------
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_overlap_shifted_inplace(dtype):
    base = opdb.make_array(np.random.default_rng(3), dtype, (10,), "small")
    expected = base.copy()
    tmp = expected[1:] + expected[:-1]
    expected[1:] = tmp
    a = tj.from_numpy(base)
    view = a[1:]
    view += a[:-1]
    np.testing.assert_array_equal(base, expected, strict=True)
    # the other direction
    base2 = opdb.make_array(np.random.default_rng(4), dtype, (4, 5), "small")
    exp2 = base2.copy()
    exp2[:-1] = exp2[:-1] * exp2[1:]
    b = tj.from_numpy(base2)
    b[:-1].mul_(b[1:])
    np.testing.assert_array_equal(base2, exp2, strict=True)


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_overlap_negative_step_inplace(dtype):
    rng = np.random.default_rng(5)
    base = opdb.make_array(rng, dtype, (9,), "small")
    expected = base + base[::-1]
    x = tj.from_numpy(base)
    assert x.add_(x[::-1]) is x
    np.testing.assert_array_equal(base, expected, strict=True)

    base2 = opdb.make_array(rng, dtype, (4, 5), "small")
    exp2 = base2 - base2[::-1, ::-1]
    y = tj.from_numpy(base2)
    y.sub_(y[::-1, ::-1])
    np.testing.assert_array_equal(base2, exp2, strict=True)

    base3 = opdb.make_array(rng, dtype, (6,), "small")
    exp3 = base3.copy()
    exp3[::-1] = -exp3
    z = tj.from_numpy(base3)
    tj.neg(z, out=z[::-1])
    np.testing.assert_array_equal(base3, exp3, strict=True)


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_overlap_out_is_transposed_input(dtype):
    rng = np.random.default_rng(6)
    base = opdb.make_array(rng, dtype, (4, 4), "small")
    other = opdb.make_array(rng, dtype, (4, 4), "small")
    expected = base.copy()
    expected.T[...] = base + other
    a = tj.from_numpy(base)
    r = tj.add(a, tj.from_numpy(other), out=a.t())
    assert r.stride() == (1, 4)
    np.testing.assert_array_equal(base, expected, strict=True)

    base2 = opdb.make_array(rng, dtype, (5, 5), "small")
    exp2 = base2.copy()
    exp2.T[...] = base2.T + base2
    b = tj.from_numpy(base2)
    b.t().add_(b)
    np.testing.assert_array_equal(base2, exp2, strict=True)


def test_overlap_out_shifted_view():
    base = np.arange(1, 11, dtype=np.float32)
    expected = base.copy()
    expected[1:] = base[:-1] * 2
    a = tj.from_numpy(base)
    tj.mul(a[:-1], 2, out=a[1:])
    np.testing.assert_array_equal(base, expected, strict=True)


def test_exact_alias_inplace_matches_torch():
    torch = need_torch()
    base = opdb.make_array(np.random.default_rng(7), "float32", (3, 4), "small")
    ta = tht(base)
    ta.mul_(ta)
    torch.add(ta, ta, out=ta)
    a = tj.from_numpy(base)
    a.mul_(a)
    tj.add(a, a, out=a)
    np.testing.assert_array_equal(base, ta.numpy(), strict=True)


# -- 9. error messages -------------------------------------------------------------------------
@pytest.mark.parametrize("op", [
    op for op in OPS if op.arity == 2], ids=repr)
def test_broadcast_error_names_op_and_shapes(op):
    d = "float32" if "float32" in op.dtypes else op.dtypes[0]
    a = tj.from_numpy(opdb.make_array(np.random.default_rng(0), d, (3, 4), "divisor"))
    b = tj.from_numpy(opdb.make_array(np.random.default_rng(1), d, (5, 4), "divisor"))
    with tensorjit_side(), pytest.raises(
            RuntimeError, match=re.escape(f"{op.public_name}: shapes (3, 4) and (5, 4) cannot be broadcast")):
        op.tj_fn(a, b, **op.kwargs(d))


def test_broadcast_error_message_where_and_inplace():
    c = tj.from_numpy(np.ones((2, 3), bool))
    with pytest.raises(RuntimeError, match=re.escape("where: shapes (2, 3) and (4, 3)")):
        tj.where(c, tj.zeros(4, 3), 1.0)
    with pytest.raises(RuntimeError, match=r"^add_?\b.*\(3, 4\).*\(5, 4\)|^add_?\b.*\[3, 4\].*\[5, 4\]"):
        tj.zeros(3, 4).add_(tj.zeros(5, 4))


# -- 10. NaN / inf, maximum / minimum ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("fn", ["maximum", "minimum"])
def test_maximum_minimum_propagate_nan(fn, dtype):
    torch = need_torch()
    a = np.array([np.nan, 1.0, np.nan, -np.inf, 0.0, -0.0], dtype)
    b = np.array([2.0, np.nan, np.nan, np.inf, -0.0, 0.0], dtype)
    r = getattr(tj, fn)(tjt(a), tjt(b))
    assert np.isnan(r.numpy()[:3]).all()
    expected = getattr(torch, fn)(tht(a), tht(b)).numpy()
    np.testing.assert_array_equal(r.numpy(), expected, strict=True)


# -- 11. float16 rounding ------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["add", "sub", "mul", "true_divide"])
def test_float16_rounds_like_torch(fn):
    """PyTorch computes float16 ops in float32 and rounds once: the results must be bit-identical."""
    torch = need_torch()
    rng = np.random.default_rng(8)
    # Values near the ends of float16's range and spacing: ties, overflow to inf, subnormals.
    a = np.concatenate([rng.standard_normal(200) * 100,
                        [2048, 2049, 65504, 6e-8, -6e-8, 1e-4, 0.1, 3]]).astype(np.float16)
    b = np.concatenate([rng.standard_normal(200) * 3, [1, 3, 65504, 0.5, 3, 1e-4, 0.2, 7]]).astype(np.float16)
    r = getattr(tj, fn)(tjt(a), tjt(b))
    assert_result(r, getattr(torch, fn)(tht(a), tht(b)).numpy(), "float16")
    if fn in ("mul", "true_divide"):
        # PyTorch keeps a Python scalar (or 0-d tensor) operand in float32 here; see below for add/sub.
        for s in (0.1, 1 / 3, 1e-5, 70000.0, 3):
            assert_result(getattr(tj, fn)(tjt(a), s), getattr(torch, fn)(tht(a), s).numpy(), "float16")


@known_mismatch("torch mismatch: PyTorch's add/sub round a Python-scalar or 0-d float operand to float16 "
                "before adding (its mul/div do not); tensorjit keeps it in float32 for all four")
@pytest.mark.parametrize("fn", ["add", "sub"])
@pytest.mark.parametrize("scalar_kind", ["python", "zero_d_float32"])
def test_float16_add_sub_scalar_matches_torch(fn, scalar_kind):
    torch = need_torch()
    a = (np.random.default_rng(8).standard_normal(300) * 100).astype(np.float16)
    for s in (0.1, 1 / 3):
        jt = s if scalar_kind == "python" else tjt(np.array(s, np.float32))
        th = s if scalar_kind == "python" else tht(np.array(s, np.float32))
        e = getattr(torch, fn)(tht(a), th).numpy()
        with tensorjit_side():
            assert_result(getattr(tj, fn)(tjt(a), jt), e, "float16")


# -- 12. integer overflow wraps ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"])
def test_int_overflow_wraps(dtype):
    info = np.iinfo(dtype)
    a = np.array([info.max, info.min, info.max, info.min, info.max // 2 + 3, 1], dtype)
    b = np.array([1, 1, info.max, 2, 3, info.max], dtype)
    with np.errstate(over="ignore"):
        expected = {"add": a + b, "sub": a - b, "mul": a * b, "neg": -a,
                    "abs": np.abs(a) if info.min < 0 else a}
    if dtype not in UINTS_WIDE:
        torch = need_torch()
        expected = {k: getattr(torch, k)(*([tht(a), tht(b)] if k in ("add", "sub", "mul") else [tht(a)])).numpy()
                    for k in expected}
    for k, e in expected.items():
        r = getattr(tj, k)(*([tjt(a), tjt(b)] if k in ("add", "sub", "mul") else [tjt(a)]))
        assert_result(r, e, dtype)
    # Python scalar operands wrap too (one dtype of each signedness: a kernel each)
    if dtype in ("int8", "uint64"):
        with np.errstate(over="ignore"):
            assert_result(tjt(a) + 1, a + np.array(1, dtype), dtype)


# -- 13. bool ------------------------------------------------------------------------------------
def test_bool_negation_and_subtraction_raise():
    torch = need_torch()
    b = np.array([True, False, True])
    t = tjt(b)
    for call in (lambda x: -x, lambda x: x - x, lambda x: (torch if isinstance(x, torch.Tensor) else tj).sub(x, x),
                 lambda x: x.neg(), lambda x: x - True, lambda x: True - x, lambda x: x.sub_(x)):
        with pytest.raises(RuntimeError):
            call(t)
        with pytest.raises(RuntimeError):
            call(tht(b))
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors is not supported"):
        tj.sub(t, t)
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor is not supported"):
        tj.neg(t)
    np.testing.assert_array_equal(t.numpy(), b)


@pytest.mark.parametrize("call", [lambda x: x + 1.5, lambda x: 3 * x, lambda x: x + x, lambda x: x == 1])
def test_bool_with_numbers_promotes_like_torch(call):
    need_torch()
    b = np.array([True, False, True])
    e = call(tht(b))
    assert_result(call(tjt(b)), e.numpy(), dtype_name(e.dtype))


_I = np.array([1, 2, 3])
_B = np.array([True, False, True])


@pytest.mark.parametrize("call", [lambda m, b, i: b - 1, lambda m, b, i: 1 - b, lambda m, b, i: i - b,
                                  lambda m, b, i: b - i, lambda m, b, i: i - True, lambda m, b, i: m.sub(b, 1.5),
                                  lambda m, b, i: i.sub_(b)],
                         ids=["bool-1", "1-bool", "int-bool", "bool-int", "int-True", "sub(bool,1.5)",
                              "int.sub_(bool)"])
def test_sub_with_any_bool_operand_raises(call):
    torch = need_torch()
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor is not supported"):
        call(torch, tht(_B), tht(_I))
    with tensorjit_side(), pytest.raises(RuntimeError, match="Subtraction"):
        call(tj, tjt(_B), tjt(_I))


# -- 14. alpha ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,alpha", [("int64", 2.5), ("int64", 1j), ("float32", 1j), ("uint8", 0.5)])
@pytest.mark.parametrize("fn", ["add", "sub"])
def test_alpha_of_higher_category_raises(fn, dtype, alpha):
    torch = need_torch()
    a, b = _pair(dtype, domain="small")
    with pytest.raises(RuntimeError, match="alpha"):
        getattr(tj, fn)(tjt(a), tjt(b), alpha=alpha)
    with pytest.raises(RuntimeError, match="alpha"):
        getattr(torch, fn)(tht(a), tht(b), alpha=alpha)
    t = tjt(a)
    with pytest.raises(RuntimeError, match="alpha"):
        getattr(t, fn + "_")(tjt(b), alpha=alpha)
    np.testing.assert_array_equal(t.numpy(), a)


@pytest.mark.parametrize("dtype,alpha", [("int64", 2), ("int64", -3), ("int64", 0), ("float32", 2),
                                         ("float32", -0.5), ("float32", 1)])
@pytest.mark.parametrize("fn", ["add", "sub"])
def test_alpha_values(fn, dtype, alpha):
    torch = need_torch()
    a, b = _pair(dtype, domain="small")
    e = getattr(torch, fn)(tht(a), tht(b), alpha=alpha)
    assert_result(getattr(tj, fn)(tjt(a), tjt(b), alpha=alpha), e.numpy(), dtype)
    t = tjt(a)
    getattr(t, fn + "_")(tjt(b), alpha=alpha)
    assert_result(t, e.numpy(), dtype)
    out = tj.empty(3, 4, dtype=tj_dtype(dtype))
    getattr(tj, fn)(tjt(a), tjt(b), alpha=alpha, out=out)
    assert_result(out, e.numpy(), dtype)


@pytest.mark.parametrize("alpha", [True, False])
@pytest.mark.parametrize("dtype", ["int64", "float32"])
def test_bool_alpha_on_non_bool_raises(dtype, alpha):
    torch = need_torch()
    a, b = _pair(dtype, domain="small")
    with pytest.raises(RuntimeError, match="Boolean alpha"):
        torch.add(tht(a), tht(b), alpha=alpha)
    with tensorjit_side(), pytest.raises(RuntimeError, match="alpha"):
        tj.add(tjt(a), tjt(b), alpha=alpha)


def test_alpha_int_on_bool_tensors():
    torch = need_torch()
    b = np.array([True, False, True, False])
    c = np.array([True, True, False, False])
    e = torch.add(tht(b), tht(c), alpha=2)
    with tensorjit_side():
        assert_result(tj.add(tjt(b), tjt(c), alpha=2), e.numpy(), "bool")


# -- 15. division rounding modes, remainder and floor_divide signs --------------------------------------
_SIGNED_A = [-7, -6, -5, -1, 0, 1, 5, 6, 7]
_SIGNED_B = [-3, -2, -1, 1, 2, 3]


@pytest.mark.parametrize("dtype", ["int64", "int8", "float32", "float64"])
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_modes_negative_operands(mode, dtype):
    torch = need_torch()
    a = np.array(_SIGNED_A + ([-7.5, 7.5, -0.0, 1e-30] if dtype.startswith("float") else []), dtype)[:, None]
    b = np.array(_SIGNED_B + ([-0.5, 0.25] if dtype.startswith("float") else []), dtype)[None, :]
    e = torch.div(tht(a), tht(b), rounding_mode=mode)
    assert_result(tj.div(tjt(a), tjt(b), rounding_mode=mode), e.numpy(), dtype_name(e.dtype))
    for s in (-2, 3):
        e = torch.div(tht(a), s, rounding_mode=mode)
        assert_result(tj.div(tjt(a), s, rounding_mode=mode), e.numpy(), dtype_name(e.dtype))
    t, tt = tjt(a), tht(a)
    if mode is None and not dtype.startswith("float"):
        with pytest.raises(RuntimeError):
            t.div_(-2, rounding_mode=mode)
        return
    t.div_(-2, rounding_mode=mode)
    tt.div_(-2, rounding_mode=mode)
    assert_result(t, tt.numpy(), dtype)


def test_div_invalid_rounding_mode_raises_runtime_error():
    torch = need_torch()
    with pytest.raises(RuntimeError):
        torch.div(torch.ones(2), 2, rounding_mode="round")
    with tensorjit_side(), pytest.raises(RuntimeError, match="rounding_mode"):
        tj.div(tj.ones(2), 2, rounding_mode="round")


def test_div_invalid_rounding_mode_is_refused():
    with pytest.raises((RuntimeError, ValueError), match="rounding_mode"):
        tj.div(tj.ones(2), 2, rounding_mode="round")


@pytest.mark.parametrize("dtype", ["int64", "float32"])
@pytest.mark.parametrize("fn", ["remainder", "floor_divide"])
def test_remainder_floor_divide_signs(fn, dtype):
    torch = need_torch()
    extra_a = [-7.5, 7.5, -0.0, 0.0, 1e-30, -1e-30] if dtype == "float32" else []
    extra_b = [-0.5, 0.25, 1e30] if dtype == "float32" else []
    a = np.array(_SIGNED_A + extra_a, dtype)[:, None]
    b = np.array(_SIGNED_B + extra_b, dtype)[None, :]
    e = getattr(torch, fn)(tht(a), tht(b))
    assert_result(getattr(tj, fn)(tjt(a), tjt(b)), e.numpy(), dtype)
    sym = operator.mod if fn == "remainder" else operator.floordiv
    for s in (-3, 2):
        assert_result(sym(tjt(a), s), sym(tht(a), s).numpy(), dtype)
        assert_result(sym(s, tjt(b)), sym(s, tht(b)).numpy(), dtype)
    # by definition: a == floor_divide(a, b) * b + remainder(a, b) (exact for integers)
    if dtype == "int64":
        q, r = tj.floor_divide(tjt(a), tjt(b)).numpy(), tj.remainder(tjt(a), tjt(b)).numpy()
        np.testing.assert_array_equal(q * b + r, np.broadcast_to(a, q.shape))
        assert np.all((r == 0) | (np.sign(r) == np.sign(np.broadcast_to(b, r.shape))))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_division_by_zero(dtype):
    torch = need_torch()
    a = np.array([1.0, -1.0, 0.0, -0.0, np.inf, np.nan, 5.0], dtype)
    for z in (0.0, -0.0):
        b = np.full_like(a, z)
        for fn in ("true_divide", "floor_divide", "remainder"):
            e = getattr(torch, fn)(tht(a), tht(b))
            assert_result(getattr(tj, fn)(tjt(a), tjt(b)), e.numpy(), dtype)
        for mode in ("trunc", "floor"):
            e = torch.div(tht(a), tht(b), rounding_mode=mode)
            assert_result(tj.div(tjt(a), tjt(b), rounding_mode=mode), e.numpy(), dtype)


def test_int_true_divide_by_zero_is_float():
    torch = need_torch()
    a = np.array([1, -1, 0], np.int64)
    b = np.zeros(3, np.int64)
    e = torch.true_divide(tht(a), tht(b))
    assert_result(tj.true_divide(tjt(a), tjt(b)), e.numpy(), "float32")
    assert_result(tjt(a) / 0, (tht(a) / 0).numpy(), "float32")


_INT_DIV_CALLS = {
    "floor_divide": lambda a, b: tj.floor_divide(a, b),
    "remainder": lambda a, b: tj.remainder(a, b),
    "div_trunc": lambda a, b: tj.div(a, b, rounding_mode="trunc"),
    "div_floor": lambda a, b: tj.div(a, b, rounding_mode="floor"),
    "operator_floordiv": operator.floordiv,
    "operator_mod": operator.mod,
    "method_remainder": lambda a, b: a.remainder(b),
    "reflected_mod": lambda a, b: 5 % b,   # tensor divisors only
    "inplace_floordiv": lambda a, b: a.floor_divide_(b),
    "inplace_div_floor": lambda a, b: a.div_(b, rounding_mode="floor"),
    "ioperator_mod": operator.imod,
    "out": lambda a, b: tj.remainder(a, b, out=tj.empty(*a.shape, dtype=a.dtype)),
}


@pytest.mark.parametrize("call,divisor", [(c, d) for c in _INT_DIV_CALLS
                                          for d in ("tensor", "scalar", "bool_scalar", "zero_d")
                                          if c != "reflected_mod" or d in ("tensor", "zero_d")])
@pytest.mark.parametrize("dtype", ["int64", "uint8"])
def test_int_division_by_zero_raises(call, dtype, divisor):
    a = np.arange(1, 7, dtype=dtype)
    b = {"tensor": tj.from_numpy(np.array([1, 2, 0, 3, 4, 5], dtype)), "scalar": 0, "bool_scalar": False,
         "zero_d": tj.from_numpy(np.array(0, dtype))}[divisor]
    t = tj.from_numpy(a)
    with pytest.raises(ZeroDivisionError):
        _INT_DIV_CALLS[call](t, b)
    np.testing.assert_array_equal(a, np.arange(1, 7, dtype=dtype))


# -- 16. pow --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8"])
def test_pow_negative_integer_tensor_exponents_follow_torch(dtype):
    torch = need_torch()
    a = np.arange(-3 if dtype != "uint8" else 0, 4).astype(dtype)
    b = (np.arange(-3, 4) if dtype != "uint8" else np.array([0, 1, 2, 3, 200, 255])).astype(dtype)
    # every (base, exponent) pair, as dense same-shape operands
    a, b = np.repeat(a, len(b)), np.tile(b, len(a))
    e = torch.pow(tht(a), tht(b))
    assert_result(tj.pow(tjt(a), tjt(b)), e.numpy(), dtype_name(e.dtype))
    assert_result(tjt(a) ** tjt(b), (tht(a) ** tht(b)).numpy(), dtype_name(e.dtype))


@pytest.mark.parametrize("call", [lambda t: (tj if isinstance(t, tj.Tensor) else _torch).pow(t, -1),
                                  lambda t: t ** -2, lambda t: t.pow(-3),
                                  lambda t: t.pow_(-1), lambda t: operator.ipow(t, -2)],
                         ids=["function", "operator", "method", "inplace", "ioperator"])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "int32"])
def test_pow_negative_python_int_exponent_on_int_tensor_raises(call, dtype):
    need_torch()
    a = np.array([1, 2, 3], dtype)
    t = tj.from_numpy(a)
    with pytest.raises(RuntimeError, match="negative integer powers"):
        call(t)
    np.testing.assert_array_equal(a, [1, 2, 3])
    with pytest.raises(RuntimeError, match="negative integer powers"):
        call(tht(a))


def test_pow_scalar_cases_match_torch():
    torch = need_torch()
    ia = np.array([0, 1, 2, 3, -2], np.int64)
    fa = np.array([0.5, 1.0, 2.0, -2.0, 0.0], np.float32)
    ie = np.array([0, 1, 2, 5, -1], np.int64)
    cases = [
        lambda m, x, y, z: m.pow(y, -2),          # float tensor, negative int exponent
        lambda m, x, y, z: m.pow(y, 0.5),
        lambda m, x, y, z: m.pow(2, z),           # scalar base, int tensor exponent (incl. -1)
        lambda m, x, y, z: m.pow(2.5, x),         # float scalar base, int exponent: default float
        lambda m, x, y, z: 3 ** z,
        lambda m, x, y, z: x ** 2,
        lambda m, x, y, z: x ** 0,
        lambda m, x, y, z: x ** 1.5,              # int tensor, float exponent -> float32
        lambda m, x, y, z: y ** y,
    ]
    for i, case in enumerate(cases):
        e = case(torch, tht(ia), tht(fa), tht(ie))
        r = case(tj, tjt(ia), tjt(fa), tjt(ie))
        assert_result(r, e.numpy(), dtype_name(e.dtype), 1.3e-6, 1e-6), i


# -- 17. comparisons against Python scalars ------------------------------------------------------
_CMP_SCALARS = [("int64", 2.5), ("float32", 2), ("int64", -3), ("float32", float("nan")), ("float32", float("inf"))]


@pytest.mark.parametrize("fn,dtype,scalar", [(fn, d, s) for fn in ("eq", "ne", "lt", "le", "gt", "ge")
                                             for d, s in _CMP_SCALARS if d != "int64" or s != 2.5]
                         + [(fn, d, s) for fn in ("eq", "lt", "ge") for d, s in [("int8", 1000), ("uint8", -1),
                                                                               ("int64", 2.5)]])
def test_compare_with_python_scalar(fn, dtype, scalar):
    torch = need_torch()
    a = opdb.make_array(np.random.default_rng(9), dtype, (3, 5), "small")
    a.flat[:3] = [2, 3, -3] if dtype != "uint8" else [255, 0, 1]
    e = getattr(torch, fn)(tht(a), scalar)
    assert_result(getattr(tj, fn)(tjt(a), scalar), e.numpy(), "bool")
    sym = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
           "gt": operator.gt, "ge": operator.ge}[fn]
    assert_result(sym(tjt(a), scalar), sym(tht(a), scalar).numpy(), "bool")
    assert_result(sym(scalar, tjt(a)), sym(scalar, tht(a)).numpy(), "bool")


# -- 18. mixed dtypes through kernels (a small sample: the rules are in test_promotion.py) ---------
_MIXED = [("add", "int8", "uint8"), ("add", "int32", "float16"), ("mul", "float32", "float64"),
          ("mul", "bool", "int64"), ("add", "uint8", "complex64"), ("true_divide", "int64", "float32"),
          ("mul", "float16", "float64_0d"), ("add", "int64", "float64_0d"), ("mul", "int8", "int64_0d"),
          ("maximum", "int16", "float32"), ("lt", "int32", "float64"), ("where", "int64", "float32")]


@pytest.mark.parametrize("fn,d1,d2", _MIXED)
def test_mixed_dtypes(fn, d1, d2):
    torch = need_torch()
    rng = np.random.default_rng(10)
    a = opdb.make_array(rng, d1, (3, 4), "small")
    b = opdb.make_array(rng, d2.replace("_0d", ""), () if d2.endswith("_0d") else (4,), "small")
    if fn == "where":
        c = rng.random((3, 4)) < 0.5
        e = torch.where(tht(c), tht(a), tht(b))
        r = tj.where(tjt(c), tjt(a), tjt(b))
    else:
        e = getattr(torch, fn)(tht(a), tht(b))
        r = getattr(tj, fn)(tjt(a), tjt(b))
        if (fn, d1, d2) == _MIXED[0]:  # the other operand order is another kernel: one only
            e2 = getattr(torch, fn)(tht(b), tht(a))
            assert_result(getattr(tj, fn)(tjt(b), tjt(a)), e2.numpy(), dtype_name(e2.dtype))
    assert_result(r, e.numpy(), dtype_name(e.dtype))
    assert r.stride() == e.stride()


# The array API standard's promotions for uint16/32/64 (PyTorch has no kernels for them).
@pytest.mark.parametrize("fn,d1,d2,expected", [
    ("add", "uint16", "int8", "int32"), ("mul", "uint32", "int32", "int64"),
    ("sub", "uint16", "uint32", "uint32"), ("add", "uint8", "uint64", "uint64"),
])
def test_mixed_wide_unsigned(fn, d1, d2, expected):
    rng = np.random.default_rng(11)
    a = opdb.make_array(rng, d1, (3, 4), "small")
    b = opdb.make_array(rng, d2, (4,), "small")
    r = getattr(tj, fn)(tjt(a), tjt(b))
    with np.errstate(over="ignore"):
        e = {"add": np.add, "mul": np.multiply, "sub": np.subtract}[fn](a.astype(expected), b.astype(expected))
    assert_result(r, e, expected)


def test_uint64_with_int64_has_no_promotion():
    a = tj.from_numpy(np.arange(3, dtype=np.uint64))
    b = tj.from_numpy(np.arange(3, dtype=np.int64))
    with pytest.raises((TypeError, RuntimeError), match="uint64"):
        tj.add(a, b)


# -- 19. large inputs: the parallel kernels ---------------------------------------------------------
def test_large_strided_inputs_use_parallel_kernels_correctly():
    torch = need_torch()
    rng = np.random.default_rng(12)
    base = rng.standard_normal((700, 402)).astype(np.float32)
    other = rng.standard_normal((400, 1)).astype(np.float32)
    # (400, 700) views: offset and transposed; then with a negative step as well
    r = tj.add(tj.from_numpy(base)[:, 1:-1].t(), tj.from_numpy(other))
    e = torch.add(tht(base)[:, 1:-1].t(), tht(other))
    assert_result(r, e.numpy(), "float32")
    assert r.stride() == e.stride() == (1, 400)
    r = tj.add(tj.from_numpy(base)[::-1, 1:-1].t(), tj.from_numpy(other))
    e = torch.add(tht(base[::-1, 1:-1].T), tht(other))
    assert_result(r, e.numpy(), "float32")
    assert is_dense(r.shape, r.stride())
    if tj.get_num_threads() > 1:   # see test_importing_torch_after_tensorjit_keeps_all_cpus
        key = ("add", (tj.float32, tj.float32), tj.float32, tj.float32)
        assert _dispatch._KERNELS[key].compiled("body_par")


_AFFINITY_PROBE = """
import os, sys
os.sched_setaffinity(0, range(os.cpu_count()))   # undo any pinning inherited from the test process
before = len(os.sched_getaffinity(0))
import tensorjit
import torch
import numba
print(before, len(os.sched_getaffinity(0)), numba.config.NUMBA_NUM_THREADS)
"""


@pytest.mark.slow
def test_importing_torch_after_tensorjit_keeps_all_cpus():
    need_torch()
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", _AFFINITY_PROBE], capture_output=True, text=True, check=True)
    before, after, numba_threads = map(int, out.stdout.split())
    if before < 2:
        pytest.skip("one CPU available: pinning to one CPU cannot be observed")
    assert (after, numba_threads) == (before, before)


# -- 20. the compile budget ----------------------------------------------------------------------
def test_zz_kernel_budget():
    """Runs last in this file: the kernels it compiled (one Numba compile each) stay within budget."""
    new = set(_dispatch._KERNELS) - _KERNELS_AT_START
    contig = sum(1 for k in new if _dispatch._KERNELS[k].compiled("contig"))
    par = sum(1 for k in new if _dispatch._KERNELS[k].compiled("body_par"))
    print(f"\n[tensorjit] test_pointwise compiled {len(new)} kernels ({contig} with a fast-path entry, "
          f"{par} with a parallel entry); {len(_dispatch._KERNELS)} in this process")
    assert len(new) <= 400
